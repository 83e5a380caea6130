"""Per-frame measurements taken during the single streaming pass.

Everything kept per frame is a handful of numbers and a tiny colour thumbnail (144 bytes), so a
two-hour film costs tens of megabytes at most; no decoded frame is kept by this module.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

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


def dhash(gray: np.ndarray) -> int:
    """64-bit difference hash of a grayscale image."""
    import cv2

    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int(np.packbits(bits).view(">u8")[0])


def hamming(a: int, b: int) -> int:
    return int(bin(int(a) ^ int(b)).count("1"))
