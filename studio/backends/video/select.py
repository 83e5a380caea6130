"""Choosing keyframes: score every analysed frame, pick the best per shot (and per part of a long
shot), drop near-duplicates, and rank shots when there are more than `max_frames`.

Scores multiply independent factors in 0..1 (higher is better):
- exposure: not black, white or washed out; some contrast;
- fade: not darker than the shot's usual level and not changing brightness (mid-fade);
- stillness: little change from neighbouring frames (no motion blur, not mid-dissolve);
- sharpness: variance of the Laplacian relative to the shot's sharpest frames;
- margin: away from the shot's boundaries.
Faces add a bonus later, once candidate frames are decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.backends.video.features import hamming
from studio.backends.video.shots import Segment, thumb_distance


@dataclass
class Candidate:
    index: int  # frame index in the features
    shot: int  # index into the shot list
    part: int  # which part of a split shot
    lo: int  # the part's frame range [lo, hi)
    hi: int
    score: float
    primary: bool  # the best part of its shot
    importance: float = 0.0
    extra: bool = False  # added by more_moments to fill the frames asked for


def _window_mean(values: np.ndarray, times: np.ndarray, half: float) -> np.ndarray:
    """Mean of values within +-half seconds of each frame."""
    c = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    lo = np.searchsorted(times, times - half, side="left")
    hi = np.searchsorted(times, times + half, side="right")
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def _window_median(values: np.ndarray, times: np.ndarray, half: float) -> np.ndarray:
    """Median of values within +-half seconds of each frame."""
    lo = np.searchsorted(times, times - half, side="left")
    hi = np.searchsorted(times, times + half, side="right")
    return np.array([float(np.median(values[a:b])) for a, b in zip(lo, hi)]) if len(values) else np.zeros(0)


def frame_scores(a: dict[str, np.ndarray], shots: list[Segment], blank: np.ndarray) -> np.ndarray:
    """A quality score in 0..1 for every frame (0 for blank frames and frames outside shots)."""
    n = len(a["time"])
    scores = np.zeros(n, np.float64)
    t = a["time"]
    luma = a["luma"].astype(np.float64)
    contrast = a["contrast"].astype(np.float64)
    sharp = a["sharpness"].astype(np.float64)
    motion = _window_mean(a["delta"].astype(np.float64), t, 0.2)
    before = np.searchsorted(t, t - 0.3, side="left")
    after = np.clip(np.searchsorted(t, t + 0.3, side="right") - 1, 0, max(n - 1, 0))
    trend = np.abs(luma[after] - luma[before]) if n else np.zeros(0)
    local_luma = _window_median(luma, t, 0.4)
    for s in shots:
        sl = slice(s.i0, s.i1)
        ok = ~blank[sl]
        if not ok.any():
            continue
        lum = luma[sl]
        plateau = max(float(np.percentile(lum[ok], 75)), 1.0)
        exposure = np.clip((lum - 12.0) / 40.0, 0, 1) * np.clip((248.0 - lum) / 40.0, 0, 1)
        exposure *= np.clip(contrast[sl] / 30.0, 0.15, 1.0)
        ratio = lum / plateau
        fade = np.where(ratio < 0.92, np.clip(ratio / 0.92, 0, 1) ** 3, 1.0)
        steady = 1.0 / (1.0 + (trend[sl] / max(plateau, 20.0)) * 12.0)
        base_motion = float(np.median(motion[sl][ok])) if ok.any() else 0.0
        still = 1.0 / (1.0 + np.maximum(motion[sl] - base_motion, 0) / 1.5 + motion[sl] / 12.0)
        ref = float(np.percentile(sharp[sl][ok], 90)) if ok.any() else 1.0
        sharpness = np.clip(sharp[sl] / max(ref, 1e-6), 0, 1.2) ** 0.5 / (1.2 ** 0.5)
        dist = np.minimum(t[sl] - s.start, s.end - t[sl])
        edge = np.clip(dist / max(min(0.6, s.length / 4.0), 1e-3), 0.1, 1.0)
        # washed out (a fade from white, a fade-in whose contrast is still coming up): less
        # contrast than the shot usually has
        con = contrast[sl]
        usual = max(float(np.percentile(con[ok], 75)), 1.0)
        crisp = np.clip(con / (0.8 * usual), 0, 1) ** 2
        # a flash: brighter than the frames around it (the trend above misses a one-frame spike)
        flash = np.where(lum > local_luma[sl] * 1.12 + 6.0, 0.2, 1.0)
        sc = exposure * fade * steady * still * crisp * flash * (0.25 + 0.75 * sharpness) * edge
        scores[sl] = np.where(blank[sl], 0.0, sc)
    return scores


def candidates(shots: list[Segment], scores: np.ndarray, times: np.ndarray, *, split_seconds: float) -> list[Candidate]:
    """The best frame of each shot, and of each part when a long shot is split."""
    out: list[Candidate] = []
    for k, s in enumerate(shots):
        parts = 1
        if split_seconds > 0 and s.length > split_seconds:
            parts = int(np.ceil(s.length / split_seconds))
        edges = np.linspace(s.start, s.end, parts + 1)
        found: list[Candidate] = []
        min_gap = 0.4 * split_seconds
        for p in range(parts):
            lo = int(np.searchsorted(times, edges[p], side="left"))
            hi = int(np.searchsorted(times, edges[p + 1], side="left")) if p + 1 < parts else s.i1
            lo, hi = max(lo, s.i0), min(max(hi, lo + 1), s.i1)
            if hi <= lo:
                continue
            local = scores[lo:hi].copy()
            if parts > 1:
                # keep the parts' picks apart: prefer the middle of each part, and stay at least
                # 0.4 x split_seconds away from the previous part's pick
                pos = np.arange(hi - lo)
                local *= np.clip(np.minimum(pos + 1, hi - lo - pos) / max(0.25 * (hi - lo), 1.0), 0.3, 1.0)
                if found:
                    near = times[lo:hi] - times[found[-1].index] < min_gap
                    if not near.all():
                        local[near] = -1.0
            i = lo + int(np.argmax(local))
            found.append(Candidate(i, k, p, lo, hi, float(scores[i]), False))
        if found:
            max(found, key=lambda c: c.score).primary = True
            out.extend(found)
    return out


#: thumbnail distance under which two picks of one long shot count as the same picture
STATIC_DISTANCE = 3.0  # a still shot measures ~0.1; a shot with people moving ~8-9


def choose(
    cands: list[Candidate],
    shots: list[Segment],
    a: dict[str, np.ndarray],
    *,
    max_frames: int,
    dedupe: int,
) -> list[Candidate]:
    """Rank candidates (a shot's best part first; longer and visually novel shots first), drop
    near-duplicates, keep at most max_frames, return them in time order."""
    if not cands:
        return []
    thumbs = a["thumbs"]
    hashes = a["dhash"]
    idx = np.array([c.index for c in cands])
    th = thumbs[idx]
    # visual novelty: distance to the closest other candidate from another shot
    novelty = np.ones(len(cands))
    for i, c in enumerate(cands):
        others = [j for j, o in enumerate(cands) if o.shot != c.shot]
        if others:
            d = thumb_distance(th[i][None], th[others])
            novelty[i] = float(np.clip(d.min() / 40.0, 0.05, 1.0))
    total = sum(s.length for s in shots) or 1.0
    for i, c in enumerate(cands):
        s = shots[c.shot]
        share = (c.hi - c.lo) / max(s.i1 - s.i0, 1) * s.length
        length = (s.length if c.primary else share) / total
        c.importance = (2.0 if c.primary else 1.0) * (0.25 + length ** 0.5) * (0.5 + novelty[i]) * (0.2 + c.score)
    ranked = sorted(cands, key=lambda c: (not c.primary, -c.importance, c.index))
    chosen: list[Candidate] = []
    for c in ranked:
        # near-duplicates across shots (a shot/reverse-shot returning to the same picture), and
        # the extra picks of a long shot whose picture did not change (a static shot is one frame)
        if dedupe > 0 and any(
            (o.shot != c.shot or not c.primary)
            and hamming(hashes[c.index], hashes[o.index]) <= dedupe
            and float(thumb_distance(thumbs[c.index], thumbs[o.index])) < (10.0 if o.shot != c.shot else STATIC_DISTANCE)
            for o in chosen
        ):
            continue
        chosen.append(c)
        if len(chosen) >= max_frames:
            break
    return sorted(chosen, key=lambda c: c.index)


#: seconds between two moments taken from one shot to fill the panels asked for
MOMENT_GAP = 1.0


def more_moments(
    chosen: list[Candidate],
    shots: list[Segment],
    scores: np.ndarray,
    a: dict[str, np.ndarray],
    *,
    max_frames: int,
    dedupe: int,
) -> list[Candidate]:
    """When the shots gave fewer keyframes than asked for, more moments from inside the shots.

    Greedy: every step takes the good frame (at least half its shot's best score: no fade, flash
    or blank frame) that adds the most, where a frame adds its score times its novelty (colour
    distance to the nearest pick) and a share of its shot's motion around it (something happens).
    A frame is eligible only when it is at least `gap` seconds from every pick (a gap that spreads
    the picks over the clip, never under MOMENT_GAP) and its difference hash differs from every
    pick's by more than `dedupe` bits and its thumbnail is not static-close (no near-duplicates).
    Returns `chosen` plus the new picks, in time order."""
    if len(chosen) >= max_frames or not shots:
        return chosen
    times = a["time"]
    thumbs = a["thumbs"]
    hashes = a["dhash"]
    total = sum(s.length for s in shots)
    gap = max(MOMENT_GAP, 0.5 * total / max_frames)
    motion = _window_mean(a["delta"].astype(np.float64), times, 0.5)
    picks = list(chosen)
    shot_of = np.full(len(times), -1)
    floor = np.zeros(len(times))
    for k, s in enumerate(shots):
        shot_of[s.i0:s.i1] = k
        best = float(scores[s.i0:s.i1].max()) if s.i1 > s.i0 else 0.0
        floor[s.i0:s.i1] = 0.5 * best
    pool = np.flatnonzero((shot_of >= 0) & (scores > 0) & (scores >= floor))
    if len(pool) == 0:
        return chosen
    pool_thumbs = thumbs[pool]
    lively = motion[pool] / max(float(motion[pool].max()), 1e-6)
    while len(picks) < max_frames:
        taken = np.array([c.index for c in picks], dtype=np.int64)
        ok = np.ones(len(pool), bool)
        if len(taken):
            far_t = np.abs(times[pool][:, None] - times[taken][None, :]).min(axis=1)
            ok &= far_t >= gap
            dist = thumb_distance(pool_thumbs[:, None], thumbs[taken][None, :]).min(axis=1)
            ok &= dist >= STATIC_DISTANCE
            for j in np.flatnonzero(ok):
                if any(hamming(hashes[pool[j]], hashes[i]) <= dedupe for i in taken):
                    ok[j] = False
        else:
            dist = np.full(len(pool), 40.0)
        if not ok.any():
            break
        gain = scores[pool] * (0.3 + np.clip(dist / 40.0, 0, 1)) * (0.8 + 0.2 * lively)
        gain[~ok] = -1.0
        j = int(np.argmax(gain))
        i = int(pool[j])
        k = int(shot_of[i])
        s = shots[k]
        # the part this pick may move within (a cheaper frame, a face): a third of the gap each way
        half = gap / 3.0
        lo = max(s.i0, int(np.searchsorted(times, times[i] - half, side="left")))
        hi = min(s.i1, int(np.searchsorted(times, times[i] + half, side="right")))
        parts = 1 + sum(1 for c in picks if c.shot == k)
        picks.append(Candidate(i, k, parts, lo, max(hi, lo + 1), float(scores[i]), False, extra=True))
    return sorted(picks, key=lambda c: c.index)
