"""Shot boundaries: PySceneDetect's detectors fed from our decoder, TransNetV2, and the rules that
turn raw detections into shots (blank stretches are gaps, one boundary per gradual transition,
flashes are not cuts).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from studio.backends.video.cutdetect import FusedCutDetector
from studio.backends.video.detector import FrameDetector

DETECTORS = ("fused", "adaptive", "content", "histogram", "hash", "transnetv2")

#: tuned defaults (documented in docs/keyframes.md); `threshold` overrides the first value
DEFAULT_THRESHOLDS = {
    "fused": 0.45,  # motion-compensated structure change + colour change (cutdetect.py)
    "adaptive": 3.0,  # adaptive_ratio: score / mean of its neighbours' scores
    "content": 27.0,  # HSV difference score (0..255)
    "histogram": 0.2,  # 1 - correlation of luma histograms
    "hash": 0.35,  # normalised Hamming distance of perceptual hashes
    "transnetv2": 0.5,  # per-frame transition probability
}


def _import_scenedetect() -> None:
    """Import PySceneDetect without its MoviePy video backend.

    ``import scenedetect`` imports every video backend it can, and importing MoviePy costs about
    0.1 s, a tenth of a short clip's whole extraction. We decode with PyAV and only use the
    detectors, so while the package loads, ``moviepy`` reads as missing (scenedetect then sets that
    backend to None, as it does when MoviePy is not installed). Nothing changes when MoviePy is
    already imported, and later ``import moviepy`` works as usual."""
    import sys

    if "scenedetect" in sys.modules or "moviepy" in sys.modules:
        return
    sys.modules["moviepy"] = None  # type: ignore[assignment]  # makes `import moviepy` raise ImportError
    try:
        import scenedetect  # noqa: F401
    finally:
        if sys.modules.get("moviepy", 0) is None:
            del sys.modules["moviepy"]


class SceneDetectAdapter(FrameDetector):
    """Runs a PySceneDetect detector on frames from our own decoder (PTS-based timecodes)."""

    def __init__(self, name: str, *, threshold: float | None, min_scene_len: float, fps: float, time_base: Fraction, origin_pts: int):
        _import_scenedetect()
        from scenedetect.common import FrameTimecode, Timecode
        from scenedetect.detectors import (
            AdaptiveDetector,
            ContentDetector,
            HashDetector,
            HistogramDetector,
        )

        self.name = name
        thr = DEFAULT_THRESHOLDS[name] if threshold is None else float(threshold)
        msl = float(min_scene_len)
        if name == "adaptive":
            self.det = AdaptiveDetector(adaptive_threshold=thr, min_scene_len=msl)
        elif name == "content":
            self.det = ContentDetector(threshold=thr, min_scene_len=msl)
        elif name == "histogram":
            self.det = HistogramDetector(threshold=thr, min_scene_len=msl)
        elif name == "hash":
            self.det = HashDetector(threshold=thr, min_scene_len=msl)
        else:
            raise ValueError(name)
        self.threshold = thr
        self._FrameTimecode = FrameTimecode
        self._Timecode = Timecode
        self._fps = Fraction(fps).limit_denominator(100000) if fps else Fraction(25)
        self._tb = Fraction(time_base)
        self._origin_pts = origin_pts
        self._last: Any = None

    def _tc(self, pts: int):
        return self._FrameTimecode(self._Timecode(pts=max(0, pts - self._origin_pts), time_base=self._tb), fps=self._fps)

    def _secs(self, tcs: list[Any]) -> list[float]:
        return [float(tc.seconds) for tc in tcs]

    def push(self, pts: int, t: float, bgr: np.ndarray) -> list[float]:
        tc = self._tc(pts)
        self._last = tc
        return self._secs(self.det.process_frame(tc, bgr))

    def finish(self) -> list[float]:
        if self._last is None:
            return []
        return self._secs(self.det.post_process(self._last))


def make_detector(name: str, *, threshold: float | None, min_scene_len: float, fps: float, time_base: Fraction, origin_pts: int, device: str = "auto") -> FrameDetector:
    if name == "transnetv2":
        from studio.backends.video.transnet import TransNetV2Detector

        return TransNetV2Detector(threshold=DEFAULT_THRESHOLDS[name] if threshold is None else float(threshold), device=device)
    if name == "fused":
        return FusedCutDetector(threshold=threshold)
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}")
    return SceneDetectAdapter(name, threshold=threshold, min_scene_len=min_scene_len, fps=fps, time_base=time_base, origin_pts=origin_pts)


# -- turning detections into shots --------------------------------------------------------------

@dataclass
class Segment:
    start: float  # time of the first frame
    end: float  # time just after the last frame
    i0: int  # first frame index
    i1: int  # one past the last frame index
    blank: bool = False

    @property
    def length(self) -> float:
        return self.end - self.start


#: a first or last shot shorter than this (s) is merged into its neighbour: shorter than any
#: edited shot, and a keyframe of it would be a frame or two that nobody saw
MIN_EDGE_SHOT = 0.12


def blank_mask(dark: np.ndarray, bright: np.ndarray) -> np.ndarray:
    """Frames that show nothing: black or white (small captions or logos allowed), or flat.

    `dark` is the 90th percentile of a frame's tiny luma thumbnail, `bright` its 10th."""
    return (dark < 40.0) | (bright > 215.0) | (dark - bright < 3.0)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[i0, i1) index runs where mask is True."""
    if mask.size == 0:
        return []
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def thumb_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference of colour thumbnails (0..255), vectorised over leading axes."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=(-3, -2, -1))


def gradual_transitions(times: np.ndarray, thumbs: np.ndarray, blank: np.ndarray, *, span: float = 0.5, threshold: float = 28.0) -> list[tuple[int, int, int]]:
    """Dissolves and other gradual changes: (i0, peak, i1) index triples.

    Compares each frame's surroundings `span` seconds before and after (thumbnails). A gradual
    transition shows a large before/after change that is concentrated in time: the picture is
    stable well before and well after it. A pan or continuous motion changes steadily and is
    not reported."""
    n = len(times)
    if n < 8:
        return []
    before = np.searchsorted(times, times - span, side="left")
    after = np.clip(np.searchsorted(times, times + span, side="right") - 1, 0, n - 1)
    long = thumb_distance(thumbs[before], thumbs[after])
    # changes next to a blank stretch are fades to/from black, which the blank gaps handle
    near_before = np.searchsorted(times, times - 2 * span, side="left")
    near_after = np.clip(np.searchsorted(times, times + 2 * span, side="right") - 1, 0, n - 1)
    cblank = np.concatenate([[0], np.cumsum(blank.astype(np.int32))])
    long[(cblank[near_after + 1] - cblank[near_before]) > 0] = 0.0
    far_before = np.searchsorted(times, times - 3 * span, side="left")
    far_after = np.clip(np.searchsorted(times, times + 3 * span, side="right") - 1, 0, n - 1)
    found: list[tuple[int, int, int]] = []
    i = 0
    while i < n:
        if long[i] < threshold:
            i += 1
            continue
        j = i
        while j < n and long[j] >= threshold * 0.5:
            j += 1
        # the run [i0, j) above half the threshold around a peak
        i0 = i
        while i0 > 0 and long[i0 - 1] >= threshold * 0.5:
            i0 -= 1
        peak = i0 + int(np.argmax(long[i0:j]))
        ctx = max(long[far_before[peak]], long[far_after[peak]])
        if long[peak] >= 2.0 * ctx:
            found.append((i0, peak, j))
        i = j
    return found


def flash_like(thumbs: np.ndarray, times: np.ndarray, idx: int, *, settle: float = 0.35) -> bool:
    """A cut at frame idx whose picture returns to what it was before (a flash, an explosion)."""
    n = len(times)
    if idx <= 0 or idx >= n:
        return False
    before = thumbs[max(0, idx - 3): idx].astype(np.float32).mean(axis=0)
    j = int(np.searchsorted(times, times[idx] + settle))
    if j >= n:
        return False
    after = thumbs[j: min(n, j + 3)].astype(np.float32).mean(axis=0)
    at = thumbs[idx].astype(np.float32)
    jump = float(np.abs(at - before).mean())
    back = float(np.abs(after - before).mean())
    return jump > 0 and back < 0.35 * jump and back < 12.0


def build_segments(
    times: np.ndarray,
    blank: np.ndarray,
    thumbs: np.ndarray,
    cuts: list[float],
    *,
    end_time: float,
    min_shot: float,
    min_blank: float = 0.2,
    gradual: bool = True,
    flash_filter: bool = True,
) -> tuple[list[Segment], list[Boundary]]:
    """Split the timeline into shots and blank gaps. Returns (segments, boundaries)."""
    n = len(times)
    if n == 0:
        return [], []
    # a cut is an index: the first frame of the new segment
    marks: dict[int, str] = {}
    for t in cuts:
        i = int(np.searchsorted(times, t - 1e-6))
        if 0 < i < n:
            if flash_filter and flash_like(thumbs, times, i):
                continue
            marks[i] = "cut"
    gaps = [(a, b) for a, b in runs(blank) if times[min(b, n - 1)] - times[a] >= min_blank or b >= n or a == 0]
    for a, b in gaps:
        if a > 0:
            marks[a] = "blank"
        if b < n:
            marks[b] = "blank"
    if gradual:
        for i0, peak, i1 in gradual_transitions(times, thumbs, blank):
            # one boundary per transition: the detector's cut nearest the peak, else the peak
            inside = [k for k in marks if i0 - 2 <= k <= i1 + 2]
            if any(marks[k] == "blank" for k in inside):
                continue
            if inside:
                best = min(inside, key=lambda k: abs(k - peak))
                for k in inside:
                    if k != best:
                        del marks[k]
            elif 0 < peak < n:
                marks[peak] = "gradual"
    # drop detector cuts inside blank gaps (a blank gap is one segment) and too close to a blank edge
    in_gap = np.zeros(n, bool)
    for a, b in gaps:
        in_gap[a:b] = True
    keep: list[int] = []
    for k in sorted(marks):
        kind = marks[k]
        if kind != "blank" and (in_gap[k] or (k > 0 and in_gap[k - 1] and in_gap[min(k, n - 1)])):
            continue
        if kind != "blank":
            near_blank = [b for b in marks if marks[b] == "blank" and abs(times[b] - times[k]) < min_shot]
            if near_blank:
                continue
        if keep and times[k] - times[keep[-1]] < min_shot and marks[keep[-1]] != "blank" and kind != "blank":
            continue
        if kind != "blank" and (times[k] - times[0] < MIN_EDGE_SHOT or end_time - times[k] < MIN_EDGE_SHOT):
            continue  # a first or last "shot" of a frame or two (a source's warm-up frame): no shot
        keep.append(k)
    kinds = [marks[k] for k in keep]
    bounds = [0, *keep, n]
    segments: list[Segment] = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b <= a:
            continue
        start = float(times[a])
        end = float(times[b]) if b < n else float(max(end_time, times[-1]))
        seg_blank = bool(blank[a:b].mean() >= 0.8)
        segments.append(Segment(start, end, a, b, seg_blank))
    return segments, [Boundary(float(times[k]), kind) for k, kind in zip(keep, kinds)]


@dataclass(frozen=True)
class Boundary:
    time: float
    kind: str  # "cut" (detector), "blank" (start or end of a blank gap), "gradual"

    def __float__(self) -> float:
        return self.time
