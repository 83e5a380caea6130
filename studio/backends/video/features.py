"""Per-frame measurements taken during the single streaming pass.

Everything kept per frame is a handful of numbers and a tiny colour thumbnail (144 bytes), so a
two-hour film costs tens of megabytes at most; no decoded frame is kept by this module.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np

from studio.backends.video.decode import scratch

THUMB_W, THUMB_H = 8, 6


@dataclass
class FrameFeatures:
    """Column store of per-frame measurements (index = decoded frame order = time order)."""

    pts: array = field(default_factory=lambda: array("q"))
    time: array = field(default_factory=lambda: array("d"))
    luma: array = field(default_factory=lambda: array("f"))  # mean Y, 0..255
    contrast: array = field(default_factory=lambda: array("f"))  # std of Y
    dark: array = field(default_factory=lambda: array("f"))  # 90th percentile of a 32x18 Y thumbnail
    bright: array = field(default_factory=lambda: array("f"))  # its 10th percentile
    sharpness: array = field(default_factory=lambda: array("f"))  # variance of the Laplacian
    delta: array = field(default_factory=lambda: array("f"))  # mean |Y - previous Y|
    dhash: array = field(default_factory=lambda: array("Q"))  # 64-bit difference hash
    key: array = field(default_factory=lambda: array("b"))  # decoder keyframe flag
    thumbs: bytearray = field(default_factory=bytearray)  # THUMB_H x THUMB_W x 3 BGR per frame
    _prev: np.ndarray | None = None  # the last frame's 32x18 luma thumbnail
    _orphan: np.ndarray | None = None  # the first frame's, when its delta had no previous frame

    def __len__(self) -> int:
        return len(self.time)

    def add(self, pts: int, t: float, bgr: np.ndarray, gray: np.ndarray, key: bool) -> None:
        """One frame's measurements. This is their definition: `add_batch` (the pass's fast path)
        must give the same values bit for bit, and tests/test_frame_features.py checks that it
        does, so a change here is made there too."""
        import cv2

        g = gray
        self.pts.append(int(pts))
        self.time.append(float(t))
        mean, std = cv2.meanStdDev(g)
        self.luma.append(float(mean[0, 0]))
        self.contrast.append(float(std[0, 0]))
        lap = cv2.Laplacian(g, cv2.CV_16S, ksize=3)
        self.sharpness.append(float(lap.astype(np.float32).var()))
        tiny = cv2.resize(g, (32, 18), interpolation=cv2.INTER_AREA)
        flat = np.sort(tiny, axis=None)
        self.dark.append(float(flat[int(flat.size * 0.9)]))
        self.bright.append(float(flat[int(flat.size * 0.1)]))
        if self._prev is None:
            self.delta.append(0.0)
            if len(self.time) == 1:
                self._orphan = tiny
        else:
            self.delta.append(float(cv2.absdiff(tiny, self._prev).mean()))
        self._prev = tiny
        self.dhash.append(dhash(g))
        self.key.append(1 if key else 0)
        self.thumbs += cv2.resize(bgr, (THUMB_W, THUMB_H), interpolation=cv2.INTER_AREA).tobytes()

    def add_batch(self, pts, times, bgr: np.ndarray, gray: np.ndarray, keys, work: dict | None = None) -> None:
        """`add` for consecutive frames given as stacks, (n, h, w, 3) BGR and (n, h, w) gray:
        the same values as adding them one by one, measured a batch at a time. `work`, a dict
        kept by the caller from call to call, holds scratch arrays for reuse."""
        import cv2

        n = len(pts)
        if n == 0:
            return
        _, h, w = gray.shape
        if h < 2 or w < 2:
            for k in range(n):
                self.add(pts[k], times[k], bgr[k], gray[k], keys[k])
            return
        self.pts.extend(int(p) for p in pts)
        self.time.extend(float(t) for t in times)
        stats = np.empty((2, n))
        for k in range(n):
            mean, std = cv2.meanStdDev(gray[k])
            stats[0, k], stats[1, k] = mean[0, 0], std[0, 0]
        self.luma.frombytes(stats[0].astype(np.float32).tobytes())
        self.contrast.frombytes(stats[1].astype(np.float32).tobytes())
        self.sharpness.frombytes(_laplacian_var(gray, work).tobytes())
        tiny = _stacked_area(gray, 32, 18)
        flat = np.sort(tiny.reshape(n, -1), axis=1)
        size = flat.shape[1]
        self.dark.frombytes(flat[:, int(size * 0.9)].astype(np.float32).tobytes())
        self.bright.frombytes(flat[:, int(size * 0.1)].astype(np.float32).tobytes())
        # mean |difference| of a frame's luma thumbnail and the previous one's, as add() has it:
        # an exact integer sum over the pixel count
        delta = np.empty(n)
        if n > 1:
            diff = np.abs(tiny[1:].astype(np.int16) - tiny[:-1])
            delta[1:] = diff.reshape(n - 1, -1).sum(axis=1) / diff[0].size
        if self._prev is None:
            delta[0] = 0.0
            if len(self.time) == n:
                self._orphan = tiny[0].copy()
        else:
            delta[0] = float(cv2.absdiff(tiny[0], self._prev).mean())
        self.delta.frombytes(delta.astype(np.float32).tobytes())
        self._prev = tiny[-1].copy()
        small = _stacked_area(gray, 9, 8).astype(np.int16)
        bits = (small[:, :, 1:] > small[:, :, :-1]).reshape(n, -1)
        self.dhash.frombytes(np.packbits(bits, axis=1).view(">u8").astype(np.uint64).tobytes())
        self.key.frombytes(np.array([1 if k else 0 for k in keys], np.int8).tobytes())
        self.thumbs += _stacked_area(bgr, THUMB_W, THUMB_H).tobytes()

    def carry_on(self) -> FrameFeatures:
        """An empty store for the frames that follow this one's (deltas continue across)."""
        return FrameFeatures(_prev=self._prev)

    def extend(self, other: FrameFeatures) -> None:
        """Append another store's frames, which follow this one's in time. A first frame whose
        delta had no previous frame (the start of a separately decoded chunk) gets it now."""
        n = len(self.time)
        for name in ("pts", "time", "luma", "contrast", "dark", "bright", "sharpness", "delta", "dhash", "key"):
            getattr(self, name).extend(getattr(other, name))
        self.thumbs += other.thumbs
        if other._orphan is not None and self._prev is not None and len(other):
            import cv2

            self.delta[n] = float(cv2.absdiff(other._orphan, self._prev).mean())
        elif n == 0:
            self._orphan = other._orphan
        if other._prev is not None:
            self._prev = other._prev

    # -- numpy views ----------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        n = len(self)
        return {
            "pts": np.frombuffer(self.pts, np.int64) if n else np.zeros(0, np.int64),
            "time": np.frombuffer(self.time, np.float64) if n else np.zeros(0),
            "luma": np.frombuffer(self.luma, np.float32) if n else np.zeros(0, np.float32),
            "contrast": np.frombuffer(self.contrast, np.float32) if n else np.zeros(0, np.float32),
            "dark": np.frombuffer(self.dark, np.float32) if n else np.zeros(0, np.float32),
            "bright": np.frombuffer(self.bright, np.float32) if n else np.zeros(0, np.float32),
            "sharpness": np.frombuffer(self.sharpness, np.float32) if n else np.zeros(0, np.float32),
            "delta": np.frombuffer(self.delta, np.float32) if n else np.zeros(0, np.float32),
            "dhash": np.frombuffer(self.dhash, np.uint64) if n else np.zeros(0, np.uint64),
            "key": np.frombuffer(self.key, np.int8) if n else np.zeros(0, np.int8),
            "thumbs": (np.frombuffer(bytes(self.thumbs), np.uint8).reshape(n, THUMB_H, THUMB_W, 3)
                       if n else np.zeros((0, THUMB_H, THUMB_W, 3), np.uint8)),
        }


def _laplacian_var(gray: np.ndarray, work: dict | None) -> np.ndarray:
    """float32 variance of the 3x3 Laplacian of each frame of a (n, h, w) stack, as
    `cv2.Laplacian(frame, cv2.CV_16S, ksize=3).astype(np.float32).var()` has it."""
    import cv2

    n, h, w = gray.shape
    # the frames stacked with a reflected row above and below each (the border cv2 gives a lone
    # frame): the Laplacian of the tall image is each frame's own in that frame's rows
    pad = scratch(work, "pad", (n, h + 2, w), np.uint8)
    pad[:, 1:-1] = gray
    pad[:, 0] = gray[:, 1]
    pad[:, -1] = gray[:, -2]
    lap = scratch(work, "lap", (n * (h + 2), w), np.int16)
    cv2.Laplacian(pad.reshape(n * (h + 2), w), cv2.CV_16S, dst=lap, ksize=3)
    x = scratch(work, "lapf", (n, h * w), np.float32)
    x.reshape(n, h, w)[...] = lap.reshape(n, h + 2, w)[:, 1:-1]
    # numpy's var, step by step, per row (pairwise float32 sums along each row, as for one frame)
    count = np.intp(h * w)
    mean = np.add.reduce(x, axis=1, keepdims=True)
    np.true_divide(mean, count, out=mean, casting="unsafe")
    np.subtract(x, mean, out=x)
    np.multiply(x, x, out=x)
    var = np.add.reduce(x, axis=1)
    np.true_divide(var, count, out=var, casting="unsafe")
    return var


@lru_cache(maxsize=64)
def _area_exact_when_stacked(src: int, dst: int) -> bool:
    """Whether cv2.resize(INTER_AREA) shrinking `src` rows to `dst` gives each frame's own result
    on frames stacked into one tall image: a shrink whose row scale, as cv2 computes it, is
    src/dst exactly (then output row j of frame k reads rows k * src + those of row j alone, with
    the same weights, and no output row reads from two frames)."""
    return 1 <= dst <= src and Fraction(1.0 / (dst / src)) == Fraction(src, dst)


def _stacked_area(frames: np.ndarray, w: int, h: int) -> np.ndarray:
    """cv2.resize(frame, (w, h), INTER_AREA) of each frame of a (n, rows, cols[, 3]) stack."""
    import cv2

    n, rows, cols = frames.shape[:3]
    if cols >= w and _area_exact_when_stacked(rows, h):
        tall = frames.reshape(n * rows, *frames.shape[2:])
        out = cv2.resize(tall, (w, n * h), interpolation=cv2.INTER_AREA)
        return out.reshape(n, h, w, *frames.shape[3:])
    return np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames])


def dhash(gray: np.ndarray) -> int:
    """64-bit difference hash of a grayscale image."""
    import cv2

    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int(np.packbits(bits).view(">u8")[0])


def hamming(a: int, b: int) -> int:
    return int(bin(int(a) ^ int(b)).count("1"))
