"""studio's own shot-boundary detector ("fused"): hard cuts from a motion-compensated structure
change fused with a colour histogram change, judged against their neighbours, with a flash test
that looks both sides of a spike; dissolves and wipes from how a frame relates to the pictures
before and after it.

Per analysed frame (a 64x36 grey copy and a 64-bin colour histogram of the small frame):

- `ds`: 1 - the best normalised cross-correlation between this frame's centre and the previous
  frame, over shifts of up to a fifth of the width and height (OpenCV's matchTemplate). A pan, a tilt
  or a slow zoom moves the picture but keeps its structure, so `ds` stays low; the correlation is
  also blind to a change of brightness or contrast (a light switched on, a flash that brightens
  the picture), so those stay low as well. A cut replaces the structure: `ds` jumps. When this
  frame's centre is flat (a wall, the sky, a dimmed room) but the previous frame's is not, the
  previous frame's centre is looked for in this frame instead: its structure either is still
  there (a pan onto the wall, the light going down) or is gone (a cut to the wall).
- `dh`: half the L1 distance of the colour histograms (0..1): catches a cut between two shots of
  the same layout but different colours.
- `changed`: the share of the aligned picture (4 x 4 blocks) whose grey level changed.

Hard cuts. A frame is a cut when its fused score `ds + hist_weight * dh` is at least `min_score`
(`ds` alone at least `min_ds`: a colour change alone is lighting), at least `min_changed` of the
picture changed, the score is `ratio` times its context or `margin` above it, it is the local
maximum, and it is not explained by camera motion (the nearest frames either side that moved
within the search range move steadily, and at their speed (the mean of the two sides, or either
side's own: a pan that starts or stops at this frame) this frame moved beyond it: compared at the
predicted place the two pictures still match), and not the shot going on behind something
that moved: when at least `STILL_SHARE` (a quarter) of the frame, in 8 x 6 px blocks of the grey
copy with texture in both frames, is unchanged at the same place (mean difference under
`STILL_DIFF` grey levels), a large object moved fast in front of a still background or an
explosion covered part of it; a cut replaces the whole picture (flat parts such as letterbox bars
do not count). The price: a fast wipe whose frame the cut test caught, with a quarter of the
picture the same as in the frame before, rests on the gradual test alone (a wipe done in one
half-and-half frame may be missed). The context is the larger of the mean score
of the `context` frames on either side without that side's highest one (fast motion raises every
frame's score alike, a cut only its own; one spike, such as a frame that moved beyond the search
range or another cut, does not make a shot busy) and the lower score of the two frames next to
it (motion blur ramps up and down with its neighbours, a cut is sudden). A frame that follows the
one before through one brightness curve (`tone_fit`: at least `relit` of its variance is the mean
over each grey level of the frame before, over the aligned pictures) is the same picture relit: a
light switched on that burns the bright parts out to white loses their texture, which the
correlation counts as a change, but keeps the order of the grey levels. Then the flash test: the picture before the spike (skipping frames
that are part of it, such as a white flash) is looked for in the frames up to `return_look`
seconds after it; if it comes back, with the same structure (correlation >= `return_ncc`) and the
same colours (histogram distance <= `return_hist`), the spike was a flash, an explosion or
something passing the lens, not a cut, unless the middle was a steady shot of its own (its
structure steady and its colours drifting less than `stable_hist` over it: the glow of an
explosion fading out keeps the structure while its colours go back to the old picture's). The colour
condition matters: a simple layout (an edge, an oval, a frame of the same real footage) often
correlates with a later picture of another shot, whose colours rarely match as well. A frame that
is flat (a blank frame, a full white flash) has no structure to correlate: its `ds` is the change
of mean brightness, and the blank stretches are handled as gaps by `shots.build_segments`.

Gradual transitions (`gradual_kind`). Frame i is compared with the pictures `span` seconds before
and after it, and also half that span (with moving shots the frames far out have moved on, and a
short dissolve is only a clean mix of the frames close to it):

- dissolve: frame i is a linear mix of the two (least squares, R^2 >= `mix_fit`, both weights
  above 0.15, explaining it `mix_gain` better than either alone) and the two differ in structure
  (1 - correlation >= `changed`). At the half span, and for two pictures of similar structure,
  only a clean mix counts (R^2 >= 0.95, gain >= 0.1, both weights above 0.2), with a smaller
  structure change (`mix_change`): close frames of a slow pan are a near-perfect mix of two
  pictures that are the same picture moved, and the structure change (with its shift search)
  is what tells them apart;
- wipe (full span only: close frames of a fast camera move pass it too): each 8x6 block of frame
  i matches the same block before or after (residual per unit of change <= `wipe_fit`), and
  among the blocks that differ before and after, 20-80% are already replaced (a frame still
  wholly before a wipe matches the unwiped part of the frame after it: that is no progress), and
  the two differ in structure by `wipe_change` (less than for a dissolve: a wipe between two
  shots of similar layout; a camera move that passes is told apart by its runs, below).

Consecutive such frames form a run; a run of two or more frames gives one boundary, at its middle,
and so does a single frame that is a clean mix at both spans (`_clean_mix`: R^2 >= `mix_fit` at the
full span and >= 0.95 at the half span, both weights above 0.2, `mix_gain` better than either
picture alone, pictures that differ by `changed` at both: a dissolve between moving shots of which
only one analysed frame is a mix; a glow is a mix at the half span only). A run with wipe frames
must advance: the share of the blocks replaced grows by `min_progress` from its first frame to its
last (a camera move's share stands still or goes back). A run of mix frames need not: when a
dissolve is longer than the span, the frames either side are part of it too and the weight of the
picture after stays near one half. No boundary either when the picture after the run (`span` after
its last frame) is the picture from before it began (up to `return_back` seconds before its first
frame's `span`, same structure and colours as in the flash test): an explosion or a flash fading
out is a mix too.

Fades through black whose hold is too short to become a blank gap (`_dip`): the picture's
contrast (grey std) falls to nothing at a frame that is dark or bright (mean grey level within
`DIP_DARK` of black or white: a camera tilting or panning across a plain wall flattens the picture
as well, but keeps its brightness), the lowest within `span` either side and a third
or less of the contrast `span` before and after, gradually (the frames next to it have under half
the contrast of those `span` away; a white flash is sudden), and the pictures `span` before and
after differ in structure or colours: one boundary there.

No minimum shot length inside the detector: a short first or last shot is kept when its cut is
sharp. The pass is streaming: scalars are kept per frame (a few bytes: scores, shift,
contrast), small frames and their histograms only for the last `return_look` seconds and `span` + `return_back` seconds before the
next undecided frame (or the open run), and each frame is decided once `return_look` seconds of
frames after it are in. Nothing depends on timing or threads. Defaults were tuned on the train
half of `benchmarks/shots_eval.py`'s generated set; the shared real clips were never used for
tuning.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from studio.backends.video.detector import FrameDetector

GW, GH = 64, 36  # grey copy compared between frames
MX, MY = 12, 7  # template margins: shifts of up to MX, MY px (about a fifth of the width and height)
BLOCK_CHANGE = 10.0  # grey levels (0..255) a block must change by to count as changed
FLAT_STD = 4.0  # a grey copy with less spread than this is flat: no structure to correlate
#: time comparisons allow this much (s): a frame exactly `span` away counts as at `span`, whatever
#: the float rounding of its timestamp (which differed between two copies of one shot an hour apart)
EPS = 1e-3
#: a fade through black (white) takes the mean grey level below this (above 255 minus this); a
#: camera passing a plain wall flattens the picture too, but keeps its brightness
DIP_DARK = 40.0
#: a cut replaces the whole picture: when this share of the frame (8 x 6 px blocks of the grey
#: copy, with texture in both frames) is unchanged at the same place, the shot goes on behind
#: something large that moved fast
STILL_SHARE = 0.25
STILL_DIFF = 5.0  # grey levels (0..255): a block whose mean difference is below this is unchanged


@dataclass
class CutParams:
    min_score: float = 0.45
    ratio: float = 3.0
    hist_weight: float = 0.5
    margin: float = 0.5  # ... or at least this much above it (a cut into a busy shot)
    context: int = 4  # analysed frames either side for the neighbours' mean
    return_look: float = 1.2  # seconds after a spike in which the old picture may come back
    return_ncc: float = 0.75  # correlation with the frame before the spike that counts as "back"
    return_hist: float = 0.5  # ... with colours this close too (half the L1 histogram distance)
    return_back: float = 0.8  # gradual transitions: how far before one the old picture is looked for
    stable_short: float = 0.12
    stable_hist: float = 0.25  # ... whose colours drift less than this (histogram distance) over it  # a returning picture after a steady middle this long is a short shot
    relit: float = 0.75  # a frame that follows the one before through one brightness curve this well is relit
    min_ds: float = 0.25  # structure change a cut needs on its own (colour alone is a lighting change)
    min_changed: float = 0.6  # share of the picture (4 x 4 blocks) that a cut must change
    span: float = 0.4  # gradual transitions: compare the pictures this long before and after a frame
    changed: float = 0.5  # ... which must differ at least this much (1 - correlation)
    mix_fit: float = 0.9  # dissolve: the frame is a mix of the two (R^2 at least this) ...
    mix_gain: float = 0.05  # ... explaining it this much better than either one alone
    min_progress: float = 0.08  # a run with wipe frames must advance this much (share replaced), first to last frame
    mix_change: float = 0.15  # a clean mix (R^2 >= 0.95, gain >= 0.1) needs only this much change
    wipe_fit: float = 0.25  # wipe: each block is one of the two (residual per unit of change)
    whole_sum: float = 0.15  # a long mix run: its middle's two weights sum to 1 within this
    wipe_change: float = 0.35  # ... and the pictures before and after differ this much (1 - correlation)


def grey_small(bgr: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    return cv2.resize(g, (GW, GH), interpolation=cv2.INTER_AREA).astype(np.float32)


def colour_hist(bgr: np.ndarray) -> np.ndarray:
    """64-bin colour histogram (4 levels per channel: the top two bits; bin = b * 16 + g * 4 + r)
    of the GW x GH copy, summing to 1."""
    import cv2

    small = cv2.resize(bgr, (GW, GH), interpolation=cv2.INTER_AREA)
    if small.ndim == 3 and small.shape[2] == 3:
        # the same counts as a bincount of the top two bits, from one OpenCV call
        h = cv2.calcHist([small], [0, 1, 2], None, [4, 4, 4], [0, 256, 0, 256, 0, 256]).ravel()
    else:
        q = (small >> 6).astype(np.int32)  # 4 levels per channel
        idx = (q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).ravel()
        h = np.bincount(idx, minlength=64).astype(np.float32)
    return h / max(float(np.add.reduce(h)), 1.0)


# Speed: the detector runs on the main thread once per analysed frame, on arrays of a few
# thousand values, where a numpy method's Python overhead (5-15 us for .std() or .mean()) costs
# more than the arithmetic. The helpers below give the same numbers bit for bit, from bare ufunc
# calls and small matrix products, and each grey copy's statistics are computed once
# (`GreyStats`) and kept with it.

def _mean_std(a: np.ndarray) -> tuple[float, float]:
    """(float(a.mean()), float(a.std())) of a float32 array, bit for bit: numpy's own steps
    (float32 pairwise sums, the mean subtracted, squares summed) without the methods' overhead."""
    n = a.size
    m = np.add.reduce(a, axis=None, keepdims=True) / n
    d = a - m
    np.multiply(d, d, out=d)
    return float(m.reshape(())), float(np.sqrt(np.add.reduce(d, axis=None) / n))


def _mean32(a: np.ndarray) -> float:
    """float(a.mean()) of a float32 array, bit for bit."""
    return float(np.add.reduce(a, axis=None) / a.size)


class GreyStats(NamedTuple):
    """A grey copy's statistics, computed once per frame (bit for bit numpy's `g.mean()`,
    `g.std()`, the std of its centre (the template of `best_ncc` and `pair_scores`) and
    `g.ravel() @ g.ravel()`)."""

    mean: float
    std: float
    centre_std: float
    sq: float


def grey_stats(g: np.ndarray) -> GreyStats:
    mean, std = _mean_std(g)
    x = g.ravel()
    return GreyStats(mean, std, _mean_std(g[MY: GH - MY, MX: GW - MX])[1], float(x @ x))


def _block_sums(shape: tuple[int, int], block: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.intp]:
    """(R, C, n): 0/1 matrices such that R @ d @ C sums d (of `shape`) over blocks of `block`
    (height, width) px from its top left corner (rows or columns beyond the last whole block left
    out), and n, the pixels in a block. The grey copies hold whole grey levels (a resized uint8
    picture), so the sums of their differences over a block are whole numbers far below 2 ** 24:
    exact in float32 in any order."""
    (h, w), (bh, bw) = shape, block
    r = np.zeros((h // bh, h), np.float32)
    c = np.zeros((w, w // bw), np.float32)
    for k in range(h // bh):
        r[k, k * bh: (k + 1) * bh] = 1.0
    for k in range(w // bw):
        c[k * bw: (k + 1) * bw, k] = 1.0
    return r, c, np.intp(bh * bw)


# 4 x 4 blocks of the template (pair_scores' `changed`) and 8 x 6 px blocks of the whole grey
# copy (the wipe test)
_TPL_H, _TPL_W = GH - 2 * MY, GW - 2 * MX
_TPL_BLOCKS = _block_sums((_TPL_H, _TPL_W), (_TPL_H // 4, _TPL_W // 4))
_WIPE_BLOCKS = _block_sums((GH, GW), (6, 8))


def _block_means(d: np.ndarray, blocks: tuple[np.ndarray, np.ndarray, np.intp]) -> np.ndarray:
    """The block means of d (whole numbers) as numpy's `.reshape(...).mean(axis=(1, 3))` gives
    them: the exact sums divided by the count in float64, rounded to float32."""
    r, c, n = blocks
    s = r @ d @ c
    return np.true_divide(s, n, out=s, casting="unsafe")


def best_ncc(a: np.ndarray, b: np.ndarray, sa: GreyStats | None = None, sb: GreyStats | None = None) -> float:
    """Best normalised correlation of b's centre anywhere in a within the margins (-1..1);
    nan when either is flat. `sa`, `sb`: their statistics when known."""
    import cv2

    tpl = b[MY: GH - MY, MX: GW - MX]
    if (sb.centre_std if sb is not None else _mean_std(tpl)[1]) < FLAT_STD:
        return float("nan")
    if (sa.std if sa is not None else _mean_std(a)[1]) < FLAT_STD:
        return float("nan")
    r = cv2.matchTemplate(a, tpl, cv2.TM_CCOEFF_NORMED)
    return float(cv2.minMaxLoc(r)[1])


def pair_scores(prev_g: np.ndarray, prev_h: np.ndarray, g: np.ndarray, h: np.ndarray,
                prev_s: GreyStats | None = None, s: GreyStats | None = None
                ) -> tuple[float, float, float, tuple[int, int]]:
    """(ds, dh, changed, shift): structure change, colour change, the share of the picture that
    changed (4 x 4 blocks of the aligned pictures whose mean grey difference exceeds BLOCK_CHANGE),
    and how far the picture moved (px of the grey copy). `prev_s`, `s`: the grey copies'
    statistics when known."""
    import cv2

    prev_s = prev_s if prev_s is not None else grey_stats(prev_g)
    s = s if s is not None else grey_stats(g)
    dh = 0.5 * float(np.add.reduce(np.abs(h - prev_h)))
    tpl = g[MY: GH - MY, MX: GW - MX]
    img, sign, tpl_std, img_std = prev_g, 1, s.centre_std, prev_s.std
    if tpl_std < FLAT_STD and prev_s.centre_std >= FLAT_STD and s.std >= FLAT_STD:
        # this frame's centre is flat (a wall, the sky, a dim room): look for the previous
        # frame's centre in this frame instead, where it has structure
        tpl, img, sign, tpl_std, img_std = prev_g[MY: GH - MY, MX: GW - MX], g, -1, prev_s.centre_std, s.std
    if tpl_std < FLAT_STD or img_std < FLAT_STD:
        return min(1.0, abs(s.mean - prev_s.mean) / 50.0), dh, 1.0, (0, 0)
    r = cv2.matchTemplate(img, tpl, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(r)
    ds = 1.0 - max(0.0, float(best))
    d = np.abs(tpl - img[y: y + _TPL_H, x: x + _TPL_W])
    blocks = _block_means(d, _TPL_BLOCKS)
    return ds, dh, np.count_nonzero(blocks > BLOCK_CHANGE) / blocks.size, (sign * (MX - x), sign * (MY - y))


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
        self.contrast: list[float] = []  # grey spread (std) of the small frame
        # (index, grey, histogram, grey statistics) of recent frames
        self._ring: deque[tuple[int, np.ndarray, np.ndarray, GreyStats]] = deque()
        self._prev: tuple[np.ndarray, np.ndarray, GreyStats] | None = None
        self._next = 0  # next index to decide
        self._run: list[int] = []  # consecutive frames inside a gradual transition
        self._progress: list[float] = []  # how far the transition had gone at each of them
        self._kinds: list[str] = []  # "mix" or "wipe" for each of them
        self._last_cut = -1e9

    # -- streaming ------------------------------------------------------------------------------
    def push(self, pts: int, t: float, bgr: np.ndarray) -> list[float]:
        g, h = grey_small(bgr), colour_hist(bgr)
        gs = grey_stats(g)
        if self._prev is None:
            ds, dh, changed, shift = 0.0, 0.0, 0.0, (0, 0)
        else:
            prev_g, prev_h, prev_s = self._prev
            ds, dh, changed, shift = pair_scores(prev_g, prev_h, g, h, prev_s, gs)
        self._prev = (g, h, gs)
        self.times.append(float(t))
        self.ds.append(ds)
        self.changed.append(changed)
        self.shift.append(shift)
        self.score.append(ds + self.p.hist_weight * dh)
        self.contrast.append(gs.std)
        self._ring.append((len(self.times) - 1, g, h, gs))
        out: list[float] = []
        # decide every frame that has RETURN_LOOK seconds (and the context) after it
        look = max(self.p.return_look, self.p.span)
        while self._next < len(self.times) and (
            self.times[-1] - self.times[self._next] > look + EPS and len(self.times) - 1 - self._next > self.p.context
        ):
            out += self._decide(self._next)
            self._next += 1
        # frames more than `span` + `return_back` before the next undecided frame (or the open
        # gradual run's first frame) are not needed any more
        if self._next < len(self.times):
            first = self._run[0] if self._run else self._next
            keep_from = max(self.times[first], self.times[self._next] - 2 * self.p.return_look) - self.p.span - self.p.return_back - EPS
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

    def _kept(self, i: int, field: int):
        """Field 1 (grey copy), 2 (histogram) or 3 (grey statistics) of frame i while the ring
        still holds it."""
        if not self._ring:
            return None
        k = i - self._ring[0][0]
        if 0 <= k < len(self._ring) and self._ring[k][0] == i:
            e = self._ring[k]
            return e[field] if field < len(e) else grey_stats(e[1])  # (statistics: a ring made without them)
        return None

    def _grey(self, i: int) -> np.ndarray | None:
        return self._kept(i, 1)

    def _hist(self, i: int) -> np.ndarray | None:
        return self._kept(i, 2)

    def _stats(self, i: int) -> GreyStats | None:
        return self._kept(i, 3)

    def _decide(self, i: int) -> list[float]:
        if is_cut(i, self.times, self.score, self.ds, self._grey, self.p, self.changed, self.shift, self._hist):
            self._last_cut = self.times[i]
            self._run, self._progress, self._kinds = [], [], []
            return [self.times[i]]
        if self.times[i] - self._last_cut > 2 * self.p.span + EPS and not self._run and self._dip(i):
            self._last_cut = self.times[i]
            return [self.times[i]]
        kind = gradual_kind(i, self.times, self._grey, self.p, self._stats) if self.times[i] - self._last_cut > self.p.span + EPS else None
        if kind is not None:
            self._run.append(i)
            self._progress.append(kind[1])
            self._kinds.append(kind[0])
            return []
        return self._close_run()

    def _dip(self, i: int) -> bool:
        """A fade through black (or white) whose hold is too short to be a blank gap: the
        picture's contrast falls to nothing at frame i (flat, the lowest within `span` either
        side, a third of it or less `span` before and after), gradually (the frames next to it
        have under half the contrast of those `span` away: a flash is sudden), and the pictures
        `span` before and after differ (structure or colours)."""
        import bisect

        c, times, p = self.contrast, self.times, self.p
        if c[i] >= FLAT_STD:
            return False
        si = self._stats(i)
        if si is None or DIP_DARK < si.mean < 255.0 - DIP_DARK:
            return False  # flat but mid-grey: a camera passing a plain wall, not a fade to black or white
        b = bisect.bisect_right(times, times[i] - p.span + EPS) - 1
        a = bisect.bisect_left(times, times[i] + p.span - EPS)
        if b < 0 or a >= len(times):
            return False
        if min(c[b: a + 1]) < c[i] or min(c[b], c[a]) < 3 * c[i] + FLAT_STD:
            return False
        if max(c[i - 1], c[i + 1]) > 0.5 * min(c[b], c[a]):
            return False  # no ramp: a flash (or a cut) is sudden, a fade takes its frames
        gb, ga, hb, ha = self._grey(b), self._grey(a), self._hist(b), self._hist(a)
        if gb is None or ga is None or hb is None or ha is None:
            return False
        r = best_ncc(gb, ga, self._stats(b), self._stats(a))
        return (not np.isnan(r) and 1.0 - r >= p.changed) or 0.5 * float(np.abs(hb - ha).sum()) > p.return_hist

    def _close_run(self) -> list[float]:
        run, self._run = self._run, []
        progress, self._progress = self._progress, []
        kinds, self._kinds = self._kinds, []
        if len(run) < 2 and not (kinds == ["mix"] and self._clean_mix(run[0])):
            return []  # one frame: only a mix clean at both spans counts
        if "wipe" in kinds and progress[-1] - progress[0] < self.p.min_progress:
            return []  # a wipe replaces more of the picture at each frame; a camera move does not
        if "wipe" not in kinds and self.times[run[-1]] - self.times[run[0]] > self.p.span + EPS and not self._whole_mix(run):
            return []  # a long run that is no mix of the pictures around it: a morphing picture
        t = self.times[run[len(run) // 2]]
        if t - self._last_cut < 2 * self.p.span - EPS:
            return []  # the tail of the transition just reported
        if self._comes_back(run[0], run[-1]):
            return []
        self._last_cut = t
        return [t]

    def _whole_mix(self, run: list[int]) -> bool:
        """A run of mix frames longer than `span`, judged whole: its middle frame is a blend of the
        pictures half a span before its first frame and after its last (R^2 >= `mix_fit`, both
        weights above 0.15, and the weights summing to 1 within `whole_sum`: a dissolve is
        (1 - w) * A + w * B, however long it lasts). A slowly morphing picture (a moving gradient,
        drifting light) is a mix of its near neighbours at every frame, but not a blend of its
        ends: on a moving gradient the weights sum to 1.25-1.34, on the generated dissolves to
        0.93-1.00."""
        import bisect

        times, p = self.times, self.p
        b = bisect.bisect_right(times, times[run[0]] - 0.5 * p.span + EPS) - 1
        a = bisect.bisect_left(times, times[run[-1]] + 0.5 * p.span - EPS)
        if b < 0 or a >= len(times):
            return True  # the run touches the edge of what is kept: judge it as before
        gb, ga, gm = self._grey(b), self._grey(a), self._grey(run[len(run) // 2])
        if gb is None or ga is None or gm is None:
            return True
        r2, alpha, beta, _ = _mix_fit(gb, ga, gm, self._stats(b), self._stats(a), self._stats(run[len(run) // 2]))
        return r2 >= p.mix_fit and min(alpha, beta) > 0.15 and abs(alpha + beta - 1.0) <= p.whole_sum

    def _clean_mix(self, i: int) -> bool:
        """Frame i is a dissolve frame at the full span (R^2 >= `mix_fit`) and a clean mix at the half
        span too (R^2 >= 0.95), both weights above 0.2 and `mix_gain` better than either picture
        alone, between pictures that differ by `changed` at both: a dissolve between moving shots
        of which only one analysed frame is a mix."""
        import bisect

        times, p, gi = self.times, self.p, self._grey(i)
        if gi is None:
            return False
        for span, fit in ((p.span, p.mix_fit), (0.5 * p.span, 0.95)):
            b = bisect.bisect_right(times, times[i] - span + EPS) - 1
            a = bisect.bisect_left(times, times[i] + span - EPS)
            if b < 0 or a >= len(times) or b >= i or a <= i:
                return False
            gb, ga = self._grey(b), self._grey(a)
            if gb is None or ga is None:
                return False
            sb, sa = self._stats(b), self._stats(a)
            r2, alpha, beta, one = _mix_fit(gb, ga, gi, sb, sa, self._stats(i))
            if r2 < fit or min(alpha, beta) <= 0.2 or r2 - one < p.mix_gain:
                return False
            r = best_ncc(gb, ga, sb, sa)
            if np.isnan(r) or 1.0 - r < p.changed:
                return False
        return True

    def _comes_back(self, first: int, last: int) -> bool:
        """The picture after a gradual change is the one from before it began (an explosion or a
        flash fading out, something passing the lens): not a transition."""
        import bisect

        times, p = self.times, self.p
        a = bisect.bisect_left(times, times[last] + p.span - EPS)
        ga, ha = (self._grey(a), self._hist(a)) if a < len(times) else (None, None)
        if ga is None or ha is None:
            return False
        j0 = bisect.bisect_left(times, times[first] - p.span - p.return_back - EPS)
        j1 = bisect.bisect_right(times, times[first] - p.span + EPS)
        for j in range(j0, j1):
            g, h = self._grey(j), self._hist(j)
            if g is None or h is None:
                continue
            r = best_ncc(g, ga, self._stats(j), self._stats(a))
            if not np.isnan(r) and r >= p.return_ncc and 0.5 * float(np.abs(h - ha).sum()) <= p.return_hist:
                return True
        return False


def in_gradual(i: int, times, grey, p: CutParams) -> bool:
    """Frame i lies inside a dissolve or a wipe (see `gradual_kind`)."""
    return gradual_kind(i, times, grey, p) is not None


def _mix_fit(gb: np.ndarray, ga: np.ndarray, gi: np.ndarray, sb: GreyStats | None = None,
             sa: GreyStats | None = None, si: GreyStats | None = None) -> tuple[float, float, float, float]:
    """Least squares gi ~ alpha * gb + beta * ga + c: (R^2, alpha, beta, the better R^2 of gb or
    ga alone), from dot products (normal equations). `sb`, `sa`, `si`: their statistics when
    known (means and sums of squares)."""
    sb = sb if sb is not None else grey_stats(gb)
    sa = sa if sa is not None else grey_stats(ga)
    si = si if si is not None else grey_stats(gi)
    x, z, y = gb.ravel(), ga.ravel(), gi.ravel()
    n = float(y.size)
    mx, mz, my = sb.mean, sa.mean, si.mean
    sxx = sb.sq - n * mx * mx
    szz = sa.sq - n * mz * mz
    sxz = float(x @ z) - n * mx * mz
    sxy = float(x @ y) - n * mx * my
    szy = float(z @ y) - n * mz * my
    syy = si.sq - n * my * my
    if syy < 1e-3 or sxx < 1e-3 or szz < 1e-3:
        return 0.0, 0.0, 0.0, 1.0
    det = sxx * szz - sxz * sxz
    if det <= 1e-9 * sxx * szz:
        return 0.0, 0.0, 0.0, 1.0
    alpha = (szz * sxy - sxz * szy) / det
    beta = (sxx * szy - sxz * sxy) / det
    r2 = (alpha * sxy + beta * szy) / syy
    one = max(sxy * sxy / (sxx * syy), szy * szy / (szz * syy))
    return r2, alpha, beta, one


class _LazyChange:
    """The structure change between two grey copies (1 - best correlation; for flat pictures,
    whether their brightness differs by 20 or more), computed on first use."""

    def __init__(self, gb: np.ndarray, ga: np.ndarray, sb: GreyStats, sa: GreyStats):
        self.gb, self.ga, self.sb, self.sa, self.value = gb, ga, sb, sa, None

    def __call__(self) -> float:
        if self.value is None:
            r = best_ncc(self.gb, self.ga, self.sb, self.sa)
            if np.isnan(r):
                self.value = 1.0 if abs(self.sb.mean - self.sa.mean) >= 20 else 0.0
            else:
                self.value = 1.0 - r
        return self.value


def gradual_kind(i: int, times, grey, p: CutParams, stats=None) -> tuple[str, float] | None:
    """("mix" or "wipe", progress) when frame i lies inside a dissolve or a wipe, else None.

    The pictures `span` seconds before and after frame i are compared, and half that span as
    well: with moving shots the frames a long way out have moved on, and a short dissolve is only
    a clean mix of frames close to it. Frame i is a dissolve frame if it is a linear mix of the
    two (R^2 >= mix_fit, both weights real, explaining it better than either alone) and the two
    differ in structure (1 - correlation >= changed); a mix that explains the frame far better
    than either picture alone (R^2 >= 0.95, gain >= 0.1) is taken as the sign of two different
    pictures itself (two shots of similar layout). A wipe frame is made of blocks of one or the
    other. `progress` is how far the transition has gone (the weight of the picture after it, or
    the share of the changed blocks already replaced). `stats(k)`, when given, is frame k's
    `GreyStats` (computed here otherwise)."""
    import bisect

    if stats is None:
        def stats(k: int) -> GreyStats:
            return grey_stats(grey(k))
    ti = times[i]
    gi = grey(i)
    if gi is None:
        return None
    si = stats(i)
    for k, span in enumerate((p.span, 0.5 * p.span)):
        b = bisect.bisect_right(times, ti - span + EPS) - 1
        a = bisect.bisect_left(times, ti + span - EPS)
        if b < 0 or a >= len(times) or b >= i or a <= i:
            continue
        gb, ga = grey(b), grey(a)
        if gb is None or ga is None:
            continue
        sb, sa = stats(b), stats(a)
        change_of = _LazyChange(gb, ga, sb, sa)
        r2, alpha, beta, one = _mix_fit(gb, ga, gi, sb, sa, si)
        gain = r2 - one
        if r2 >= p.mix_fit and min(alpha, beta) > 0.15 and gain >= p.mix_gain:
            strong = r2 >= 0.95 and gain >= 0.1 and min(alpha, beta) > 0.2
            if (k == 0 or strong) and change_of() >= (p.mix_change if strong else p.changed):
                return "mix", beta / (alpha + beta)
        if k > 0:
            continue  # wipes: at the full span only (close frames of a fast camera move pass too)
        # wipe: every 8x6 block matches the same block before or after
        dab = np.abs(ga - gb)
        # (numpy's .mean(): the float32 sum, divided in float64, rounded to float32)
        change = float(np.float32(float(np.add.reduce(dab, axis=None)) / dab.size))
        if change < 10:
            continue
        eb = _block_means(np.abs(gi - gb), _WIPE_BLOCKS)
        ea = _block_means(np.abs(gi - ga), _WIPE_BLOCKS)
        resid = _mean32(np.minimum(eb, ea)) / change
        if resid > p.wipe_fit:
            continue
        # the share of the wiped picture already replaced, counted over the blocks that differ
        # before and after (a frame still wholly before a wipe matches the part not yet wiped of
        # the frame after it, and that is no progress)
        moved = _block_means(dab, _WIPE_BLOCKS) >= 0.5 * change
        n_moved = np.count_nonzero(moved)
        if not n_moved:
            continue
        frac = np.count_nonzero((ea < eb) & moved) / n_moved
        if 0.2 <= frac <= 0.8 and change_of() >= p.wipe_change:
            return "wipe", frac
    return None


def _flat(g: np.ndarray | None) -> bool:
    return g is not None and _mean_std(g)[1] < FLAT_STD


def moved_too_far(i: int, times, ds, shift, grey) -> bool:
    """A spike explained by camera motion: the neighbours moved steadily, and at their speed frame
    i (often further from the one before it when non-reference frames are skipped) moved beyond
    the search range; at the predicted place the two pictures still match."""
    if shift is None:
        return False
    vel = []
    for step in (-1, 1):
        # the nearest frame on this side whose own move was within the search range (in a fast
        # pan, the frames next to this one may have gone beyond it too)
        for j in range(i + step, i + 4 * step, step):
            if 1 <= j < len(ds) and ds[j] < 0.3 and times[j] > times[j - 1]:
                dt = times[j] - times[j - 1]
                vel.append((shift[j][0] / dt, shift[j][1] / dt))
                break
    if not vel or times[i] <= times[i - 1]:
        return False
    dt = times[i] - times[i - 1]
    # the mean speed of the two sides, or either side's own (a pan that starts or stops at this
    # frame: the still side would halve the speed)
    cands = [(int(round(np.mean([v[0] for v in vel]) * dt)), int(round(np.mean([v[1] for v in vel]) * dt)))]
    cands += [(int(round(v[0] * dt)), int(round(v[1] * dt))) for v in vel if len(vel) > 1]
    cands = [c for c in dict.fromkeys(cands) if abs(c[0]) >= 0.6 * MX or abs(c[1]) >= 0.6 * MY]
    if not cands:
        return False
    a, b = grey(i - 1), grey(i)
    if a is None or b is None:
        return False
    best = -1.0
    offsets = dict.fromkeys((ox, oy) for px, py in cands for ox in range(px - 2, px + 3) for oy in range(py - 2, py + 3))
    for ox, oy in offsets:
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


def tone_fit(a: np.ndarray, b: np.ndarray, shift: tuple[int, int] = (0, 0), bins: int = 16) -> float:
    """How well b is one brightness curve applied to a (the correlation ratio: the share of b's
    variance explained by the mean of b over each of `bins` grey levels of a), over the part the
    two pictures share once b's content is moved back by `shift`. A light switched on or off, a
    change of exposure, even with clipped highlights, keeps the order of the grey levels and so
    a curve; a new picture does not follow one. 0 when b is flat."""
    ox, oy = int(shift[0]), int(shift[1])
    xa0, xa1 = max(0, -ox), min(GW, GW - ox)
    ya0, ya1 = max(0, -oy), min(GH, GH - oy)
    if xa1 - xa0 < GW // 3 or ya1 - ya0 < GH // 3:
        return 0.0
    pa = a[ya0:ya1, xa0:xa1].ravel()
    pb = b[ya0 + oy: ya1 + oy, xa0 + ox: xa1 + ox].ravel()
    tot = float(pb.var()) * pb.size
    if tot < FLAT_STD * FLAT_STD * pb.size:
        return 0.0
    lo, hi = float(pa.min()), float(pa.max())
    idx = np.minimum(((pa - lo) * (bins / max(hi - lo, 1e-3))).astype(np.int32), bins - 1)
    cnt = np.bincount(idx, minlength=bins)
    sm = np.bincount(idx, weights=pb, minlength=bins)
    nz = cnt > 0
    between = float((sm[nz] ** 2 / cnt[nz]).sum()) - float(pb.sum()) ** 2 / pb.size
    return between / tot


def still_share(a: np.ndarray, b: np.ndarray) -> float:
    """The share of the picture (8 x 6 px blocks of the grey copies) that has texture in both
    frames (std >= FLAT_STD) and did not change at the same place (mean difference below
    STILL_DIFF). A cut replaces the whole picture; a large object moving fast in front of a still
    background, or an explosion over part of the picture, leaves the rest exactly where it was."""
    ba = a.reshape(GH // 6, 6, GW // 8, 8)
    bb = b.reshape(GH // 6, 6, GW // 8, 8)
    d = np.abs(ba - bb).mean(axis=(1, 3))
    tex = (ba.std(axis=(1, 3)) >= FLAT_STD) & (bb.std(axis=(1, 3)) >= FLAT_STD)
    return float(((d < STILL_DIFF) & tex).mean())


def _busy(scores) -> float:
    """How busy one side of a frame is: the mean score of its frames without the highest one
    (fast motion raises every frame's score; one spike, such as a frame further from the one
    before it, or a camera move beyond the search range, does not make a shot busy)."""
    if len(scores) == 0:
        return 0.0
    if len(scores) < 3:
        return float(np.mean(scores))
    return (float(np.sum(scores)) - float(np.max(scores))) / (len(scores) - 1)


def is_cut(i: int, times, score, ds, grey, p: CutParams, changed=None, shift=None, hist=None) -> bool:
    """The decision for frame i (see the module docstring); `grey(k)` gives frame k's grey copy,
    `hist(k)` its colour histogram."""
    return cut_reason(i, times, score, ds, grey, p, changed, shift, hist) == ""


def cut_reason(i: int, times, score, ds, grey, p: CutParams, changed=None, shift=None, hist=None) -> str:
    """Why frame i is not a cut ("" when it is one): the rule that rejected it."""
    n = len(score)
    if i <= 0 or i >= n:
        return "edge"
    s = score[i]
    if s < p.min_score:
        return "score"
    if ds[i] < p.min_ds:
        return "ds"
    if changed is not None and changed[i] < p.min_changed:
        return "changed"  # only part of the picture changed: something moved or turned in the shot
    left = score[max(1, i - p.context): i]
    right = score[i + 1: min(n, i + 1 + p.context)]
    # ... and its motion ramps up and down with the frames next to it, where a cut is sudden: the
    # quieter of the two next to it counts as context too
    nxt = min(score[i - 1], score[i + 1]) if i + 1 < n else score[i - 1]
    ctx = max(_busy(left), _busy(right), nxt)
    if s < p.ratio * max(ctx, 0.02) and s - ctx < p.margin:
        return "context"  # not well above its neighbours (a cut into a busy shot is: by `margin`)
    # a local maximum: one cut per spike
    if (i + 1 < n and score[i + 1] > s) or score[i - 1] > s:
        return "not-max"
    if moved_too_far(i, times, ds, shift, grey):
        return "moved"
    ga, gb = grey(i - 1), grey(i)
    # a quarter of the picture stayed where it was, texture and all: the shot goes on behind a
    # large object moving fast, or an explosion over part of it (a cut replaces the whole picture)
    if ga is not None and gb is not None and still_share(ga, gb) >= STILL_SHARE:
        return "still"
    # the same picture under another light: one brightness curve (clipped highlights included,
    # which the correlation does not forgive) takes the frame before to this one
    if ga is not None and gb is not None and tone_fit(ga, gb, shift[i] if shift is not None else (0, 0)) >= p.relit:
        return "relit"
    # the flash test: does the picture before the spike come back soon?
    # the picture before the spike: skip back over frames that are part of it (high scores, flat
    # frames such as a white flash), so leaving a flash is judged against what came before it
    pre = i - 1
    while pre > 0 and times[i] - times[pre] <= p.return_look + EPS and (score[pre] >= p.min_score or _flat(grey(pre))):
        pre -= 1
    before = grey(pre)
    if before is None:
        return ""
    hb = hist(pre) if hist is not None else None
    j = i if pre < i - 1 else i + 1
    while j < n and times[j] - times[i] <= p.return_look + EPS:
        g = grey(j)
        if g is not None:
            r = best_ncc(before, g)
            hj = hist(j) if hb is not None else None
            # the same picture, colours included (a simple layout, an edge or an oval, may
            # correlate with another shot's picture; its colours rarely match as well)
            same_colours = hj is None or 0.5 * float(np.abs(hj - hb).sum()) <= p.return_hist
            if not np.isnan(r) and r >= p.return_ncc and same_colours:
                # back: a flash or an explosion, unless the middle was a steady shot of its own
                middle = ds[i + 1: j]
                steady = len(middle) > 0 and float(np.max(middle)) < p.stable_short and times[j] - times[i] >= 0.4 - EPS
                if steady and hj is not None:
                    # a shot of its own keeps its colours too; an explosion or a flash fading
                    # out keeps the structure while its colours go back to the old picture's
                    hi, hl = hist(i), hist(j - 1)
                    steady = hi is None or hl is None or 0.5 * float(np.abs(hi - hl).sum()) <= p.stable_hist
                return "" if steady else "returns"
        j += 1
    return ""
