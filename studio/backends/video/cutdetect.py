"""studio's own hard-cut detector ("fused"): motion-compensated structure change fused with a colour
histogram change, judged against its neighbours, with a flash test that looks both sides of a spike.

Per analysed frame (a 64x36 grey copy and a 64-bin colour histogram of the small frame):

- `ds`: 1 - the best normalised cross-correlation between this frame's centre and the previous
  frame, over shifts of up to a fifth of the width and height (OpenCV's matchTemplate). A pan, a tilt
  or a slow zoom moves the picture but keeps its structure, so `ds` stays low; the correlation is
  also blind to a change of brightness or contrast (a light switched on, a flash that brightens
  the picture), so those stay low as well. A cut replaces the structure: `ds` jumps.
- `dh`: half the L1 distance of the colour histograms (0..1): catches a cut between two shots of
  the same layout but different colours.

A frame is a cut when its fused score `ds + HIST_WEIGHT * dh` is at least MIN_SCORE and at least
RATIO times the larger of the mean scores just before and just after it (fast motion raises every
frame's score alike, a cut only its own), and the picture before it does not come back within
RETURN_LOOK seconds (a flash, an explosion, something passing close to the lens). A frame that is
flat (a blank frame, a full white flash) has no structure to correlate: its `ds` is the change of
mean brightness, and the blank stretches are handled as gaps by `shots.build_segments`.

The pass is streaming: scalars are kept per frame (a few bytes), small frames only for the last
RETURN_LOOK seconds, and each frame is decided once RETURN_LOOK seconds of frames after it are in.
Defaults were tuned on the train half of `benchmarks/shots_eval.py`'s generated set.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from studio.backends.video.detector import FrameDetector

GW, GH = 64, 36  # grey copy compared between frames
MX, MY = 12, 7  # template margins: shifts of up to MX, MY px (about a fifth of the width and height)
BLOCK_CHANGE = 10.0  # grey levels (0..255) a block must change by to count as changed
FLAT_STD = 4.0  # a grey copy with less spread than this is flat: no structure to correlate


@dataclass
class CutParams:
    min_score: float = 0.45
    ratio: float = 3.0
    hist_weight: float = 0.5
    margin: float = 0.5  # ... or at least this much above it (a cut into a busy shot)
    context: int = 4  # analysed frames either side for the neighbours' mean
    return_look: float = 1.2  # seconds after a spike in which the old picture may come back
    return_ncc: float = 0.75  # correlation with the frame before the spike that counts as "back"
    stable_short: float = 0.12  # a returning picture after a steady middle this long is a short shot
    min_ds: float = 0.25  # structure change a cut needs on its own (colour alone is a lighting change)
    min_changed: float = 0.6  # share of the picture (4 x 4 blocks) that a cut must change
    span: float = 0.4  # gradual transitions: compare the pictures this long before and after a frame
    changed: float = 0.5  # ... which must differ at least this much (1 - correlation)
    mix_fit: float = 0.9  # dissolve: the frame is a mix of the two (R^2 at least this) ...
    mix_gain: float = 0.05  # ... explaining it this much better than either one alone
    wipe_fit: float = 0.25  # wipe: each block is one of the two (residual per unit of change)


def grey_small(bgr: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    return cv2.resize(g, (GW, GH), interpolation=cv2.INTER_AREA).astype(np.float32)


def colour_hist(bgr: np.ndarray) -> np.ndarray:
    import cv2

    small = cv2.resize(bgr, (GW, GH), interpolation=cv2.INTER_AREA)
    q = (small >> 6).astype(np.int32)  # 4 levels per channel
    idx = (q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).ravel()
    h = np.bincount(idx, minlength=64).astype(np.float32)
    return h / max(float(h.sum()), 1.0)


def best_ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Best normalised correlation of b's centre anywhere in a within the margins (-1..1);
    nan when either is flat."""
    import cv2

    tpl = b[MY: GH - MY, MX: GW - MX]
    if float(tpl.std()) < FLAT_STD or float(a.std()) < FLAT_STD:
        return float("nan")
    r = cv2.matchTemplate(a, tpl, cv2.TM_CCOEFF_NORMED)
    return float(r.max())


def pair_scores(prev_g: np.ndarray, prev_h: np.ndarray, g: np.ndarray, h: np.ndarray
                ) -> tuple[float, float, float, tuple[int, int]]:
    """(ds, dh, changed, shift): structure change, colour change, the share of the picture that
    changed (4 x 4 blocks of the aligned pictures whose mean grey difference exceeds BLOCK_CHANGE),
    and how far the picture moved (px of the grey copy)."""
    import cv2

    dh = 0.5 * float(np.abs(h - prev_h).sum())
    tpl = g[MY: GH - MY, MX: GW - MX]
    if float(tpl.std()) < FLAT_STD or float(prev_g.std()) < FLAT_STD:
        return min(1.0, abs(float(g.mean()) - float(prev_g.mean())) / 50.0), dh, 1.0, (0, 0)
    r = cv2.matchTemplate(prev_g, tpl, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(r)
    ds = 1.0 - max(0.0, float(best))
    region = prev_g[y: y + tpl.shape[0], x: x + tpl.shape[1]]
    d = np.abs(tpl - region)
    bh, bw = d.shape[0] // 4, d.shape[1] // 4
    blocks = d[: 4 * bh, : 4 * bw].reshape(4, bh, 4, bw).mean(axis=(1, 3))
    return ds, dh, float((blocks > BLOCK_CHANGE).mean()), (MX - x, MY - y)


class FusedCutDetector(FrameDetector):
    """Streaming hard-cut detector (see the module docstring)."""

    name = "fused"

    def __init__(self, params: CutParams | None = None, threshold: float | None = None):
        self.p = params or CutParams()
        if threshold is not None:
            self.p = CutParams(**{**self.p.__dict__, "min_score": float(threshold)})
        self.times: list[float] = []
        self.score: list[float] = []  # fused score vs the previous frame
        self.ds: list[float] = []
        self.changed: list[float] = []  # share of the picture that changed vs the previous frame
        self.shift: list[tuple[int, int]] = []  # how far the picture moved since the previous frame
        self._ring: deque[tuple[int, np.ndarray]] = deque()  # (index, grey) of recent frames
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._next = 0  # next index to decide
        self._run: list[int] = []  # consecutive frames inside a gradual transition
        self._last_cut = -1e9

    # -- streaming ------------------------------------------------------------------------------
    def push(self, pts: int, t: float, bgr: np.ndarray) -> list[float]:
        g, h = grey_small(bgr), colour_hist(bgr)
        if self._prev is None:
            ds, dh, changed, shift = 0.0, 0.0, 0.0, (0, 0)
        else:
            ds, dh, changed, shift = pair_scores(self._prev[0], self._prev[1], g, h)
        self._prev = (g, h)
        self.times.append(float(t))
        self.ds.append(ds)
        self.changed.append(changed)
        self.shift.append(shift)
        self.score.append(ds + self.p.hist_weight * dh)
        self._ring.append((len(self.times) - 1, g))
        out: list[float] = []
        # decide every frame that has RETURN_LOOK seconds (and the context) after it
        look = max(self.p.return_look, self.p.span)
        while self._next < len(self.times) and (
            self.times[-1] - self.times[self._next] > look and len(self.times) - 1 - self._next > self.p.context
        ):
            out += self._decide(self._next)
            self._next += 1
        # frames more than `span` before the next undecided frame are not needed any more
        if self._next < len(self.times):
            keep_from = self.times[self._next] - self.p.span - 0.5
            while len(self._ring) > 2 and self._ring[0][0] < self._next - 1 and self.times[self._ring[1][0]] <= keep_from:
                self._ring.popleft()
        return out

    def finish(self) -> list[float]:
        out: list[float] = []
        while self._next < len(self.times):
            out += self._decide(self._next)
            self._next += 1
        out += self._close_run()
        self._ring.clear()
        return out

    def _grey(self, i: int) -> np.ndarray | None:
        if not self._ring:
            return None
        k = i - self._ring[0][0]
        if 0 <= k < len(self._ring) and self._ring[k][0] == i:
            return self._ring[k][1]
        return None

    def _decide(self, i: int) -> list[float]:
        if is_cut(i, self.times, self.score, self.ds, self._grey, self.p, self.changed, self.shift):
            self._last_cut = self.times[i]
            self._run = []
            return [self.times[i]]
        if in_gradual(i, self.times, self._grey, self.p) and self.times[i] - self._last_cut > self.p.span:
            self._run.append(i)
            return []
        return self._close_run()

    def _close_run(self) -> list[float]:
        run, self._run = self._run, []
        if len(run) < 2:
            return []
        t = self.times[run[len(run) // 2]]
        if t - self._last_cut < 2 * self.p.span:
            return []  # the tail of the transition just reported
        self._last_cut = t
        return [t]


def in_gradual(i: int, times, grey, p: CutParams) -> bool:
    """Frame i lies inside a dissolve or a wipe: the pictures `span` seconds before and after it
    differ, and frame i is a mix of the two (dissolve) or made of blocks of one or the other (wipe)."""
    import bisect

    b = bisect.bisect_right(times, times[i] - p.span) - 1
    a = bisect.bisect_left(times, times[i] + p.span)
    if b < 0 or a >= len(times):
        return False
    gb, ga, gi = grey(b), grey(a), grey(i)
    if gb is None or ga is None or gi is None:
        return False
    r = best_ncc(gb, ga)
    if not np.isnan(r) and 1.0 - r < p.changed:
        return False
    if np.isnan(r) and abs(float(gb.mean()) - float(ga.mean())) < 20:
        return False
    y = gi.ravel()
    yc = y - y.mean()
    tot = float(yc @ yc)
    if tot < 1e-6:
        return False
    x = np.stack([gb.ravel(), ga.ravel(), np.ones_like(y)], 1)
    coef, res, *_ = np.linalg.lstsq(x, y, rcond=None)
    r2_mix = 1.0 - float(res[0]) / tot if res.size else 0.0

    def r2_one(g: np.ndarray) -> float:
        gc = g.ravel() - g.mean()
        den = float(gc @ gc)
        return 0.0 if den < 1e-6 else float(yc @ gc) ** 2 / (den * tot)

    alpha, beta = float(coef[0]), float(coef[1])
    if r2_mix >= p.mix_fit and min(alpha, beta) > 0.15 and r2_mix - max(r2_one(gb), r2_one(ga)) >= p.mix_gain:
        return True
    # wipe: every 8x6 block matches the same block before or after
    eb = np.abs(gi - gb).reshape(GH // 6, 6, GW // 8, 8).mean(axis=(1, 3))
    ea = np.abs(gi - ga).reshape(GH // 6, 6, GW // 8, 8).mean(axis=(1, 3))
    change = float(np.abs(ga - gb).mean())
    if change < 10:
        return False
    resid = float(np.minimum(eb, ea).mean()) / change
    frac = float((ea < eb).mean())
    return resid <= p.wipe_fit and 0.2 <= frac <= 0.8


def _flat(g: np.ndarray | None) -> bool:
    return g is not None and float(g.std()) < FLAT_STD


def moved_too_far(i: int, times, ds, shift, grey) -> bool:
    """A spike explained by camera motion: the neighbours moved steadily, and at their speed frame
    i (often further from the one before it when non-reference frames are skipped) moved beyond
    the search range; at the predicted place the two pictures still match."""
    if shift is None:
        return False
    vel = []
    for j in (i - 1, i + 1):
        if 1 <= j < len(ds) and ds[j] < 0.3 and times[j] > times[j - 1]:
            dt = times[j] - times[j - 1]
            vel.append((shift[j][0] / dt, shift[j][1] / dt))
    if not vel or times[i] <= times[i - 1]:
        return False
    dt = times[i] - times[i - 1]
    px = int(round(np.mean([v[0] for v in vel]) * dt))
    py = int(round(np.mean([v[1] for v in vel]) * dt))
    if abs(px) < 0.6 * MX and abs(py) < 0.6 * MY:
        return False
    a, b = grey(i - 1), grey(i)
    if a is None or b is None:
        return False
    best = -1.0
    for ox in range(px - 2, px + 3):
        for oy in range(py - 2, py + 3):
            # content moved by (ox, oy): b[y, x] shows what a showed at [y - oy, x - ox]
            xa0, xa1 = max(0, -ox), min(GW, GW - ox)
            ya0, ya1 = max(0, -oy), min(GH, GH - oy)
            if (xa1 - xa0) < GW // 3 or (ya1 - ya0) < GH // 3:
                continue
            pa = a[ya0:ya1, xa0:xa1]
            pb = b[ya0 + oy: ya1 + oy, xa0 + ox: xa1 + ox]
            sa, sb = float(pa.std()), float(pb.std())
            if sa < FLAT_STD or sb < FLAT_STD:
                continue
            best = max(best, float(((pa - pa.mean()) * (pb - pb.mean())).mean() / (sa * sb)))
    return best >= 0.6


def is_cut(i: int, times, score, ds, grey, p: CutParams, changed=None, shift=None) -> bool:
    """The decision for frame i (see the module docstring); `grey(k)` gives frame k's grey copy."""
    n = len(score)
    if i <= 0 or i >= n:
        return False
    s = score[i]
    if s < p.min_score:
        return False
    if ds[i] < p.min_ds:
        return False
    if changed is not None and changed[i] < p.min_changed:
        return False  # only part of the picture changed: something moved or turned in the shot
    left = score[max(1, i - p.context): i]
    right = score[i + 1: min(n, i + 1 + p.context)]
    ctx = max(float(np.mean(left)) if len(left) else 0.0, float(np.mean(right)) if len(right) else 0.0)
    if s < p.ratio * max(ctx, 0.02) and s - ctx < p.margin:
        return False  # not well above its neighbours (a cut into a busy shot is: by `margin`)
    # a local maximum: one cut per spike
    if (i + 1 < n and score[i + 1] > s) or score[i - 1] > s:
        return False
    if moved_too_far(i, times, ds, shift, grey):
        return False
    # the flash test: does the picture before the spike come back soon?
    # the picture before the spike: skip back over frames that are part of it (high scores, flat
    # frames such as a white flash), so leaving a flash is judged against what came before it
    pre = i - 1
    while pre > 0 and times[i] - times[pre] <= p.return_look and (score[pre] >= p.min_score or _flat(grey(pre))):
        pre -= 1
    before = grey(pre)
    if before is None:
        return True
    j = i if pre < i - 1 else i + 1
    while j < n and times[j] - times[i] <= p.return_look:
        g = grey(j)
        if g is not None:
            r = best_ncc(before, g)
            if not np.isnan(r) and r >= p.return_ncc:
                # back: a flash or an explosion, unless the middle was a steady shot of its own
                middle = ds[i + 1: j]
                steady = len(middle) > 0 and float(np.max(middle)) < p.stable_short and times[j] - times[i] >= 0.4
                return bool(steady)
        j += 1
    return True
