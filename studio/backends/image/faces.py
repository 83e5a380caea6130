"""Frontal faces with OpenCV's bundled Haar cascades (`cv2.data.haarcascades`).

Candidates from `haarcascade_frontalface_default` are kept only when the independent
`haarcascade_frontalface_alt` cascade also finds a face at that place (on a crop around it): on
the shared test frames this removes the classic false hits (the back of a head, a striped shirt,
a woven texture) and keeps the faces the first cascade finds. Profiles, strongly tilted faces and
faces under about 24 px are not found: callers treat "no face" as "unknown", never as a claim.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_CASCADE = "haarcascade_frontalface_default.xml"
VERIFY_CASCADE = "haarcascade_frontalface_alt.xml"
#: images are scanned at most this many px on their long side: faces smaller than 24 px there
#: (under a twelfth of a 16:9 frame's height) are too small to matter for cropping or lettering,
#: and a 512 px scan costs about 60% of a 640 px one
SCAN_SIDE = 512
_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _cascade(name: str) -> Any:
    import cv2

    data = getattr(cv2, "data", None)
    if data is None or not hasattr(cv2, "CascadeClassifier"):
        raise RuntimeError(
            f"OpenCV {cv2.__version__} has no Haar cascades; studio needs opencv-python-headless 4.x "
            "(pip install 'opencv-python-headless>=4.8,<5')"
        )
    clf = cv2.CascadeClassifier(data.haarcascades + name)
    if clf.empty():
        raise RuntimeError(f"OpenCV's cascade file {name} could not be loaded from {data.haarcascades}")
    return clf


def _prepare(image: Any, max_side: int) -> tuple[np.ndarray, float]:
    """Equalised grayscale copy at most `max_side` px on its long side, and its scale."""
    import cv2

    gray: Any = np.asarray(image.convert("L"), dtype=np.uint8) if hasattr(image, "convert") else np.asarray(image, dtype=np.uint8)
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_RGB2GRAY)
    h0, w0 = gray.shape
    shrink = min(1.0, max_side / max(h0, w0))
    if shrink < 1.0:
        gray = cv2.resize(gray, (max(1, round(w0 * shrink)), max(1, round(h0 * shrink))), interpolation=cv2.INTER_AREA)
    return cv2.equalizeHist(gray), shrink


def _detect(name: str, gray: np.ndarray, *, scale_factor: float, min_neighbors: int, smallest: int) -> list[list[int]]:
    clf = _cascade(name)
    with _LOCK:  # CascadeClassifier objects are not safe to share between threads
        found = clf.detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=(smallest, smallest))
    return [[int(v) for v in box] for box in (found if len(found) else [])]


def _overlap(a: list[int], b: list[int]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def _confirm(gray: np.ndarray, boxes: list[list[int]], scale_factor: float) -> list[list[int]]:
    hgt, wid = gray.shape
    kept = []
    for box in boxes:
        x, y, w, h = box
        m = w // 2
        x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(wid, x + w + m), min(hgt, y + h + m)
        hits = _detect(VERIFY_CASCADE, gray[y0:y1, x0:x1], scale_factor=scale_factor, min_neighbors=1, smallest=max(20, int(0.6 * w)))
        if any(_overlap(box, [hx + x0, hy + y0, hw, hh]) > 0.3 for hx, hy, hw, hh in hits):
            kept.append(box)
    return kept


def detect_faces(
    image: Any,
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 3,
    min_size: float = 0.06,
    max_side: int = SCAN_SIDE,
    verify: bool = True,
) -> list[list[int]]:
    """Upright frontal faces as [x, y, w, h] boxes in the image's pixels, sorted left to right.

    `image` is a PIL image or a uint8 array. `min_size` is the smallest face side as a fraction
    of the shorter image side (never below 24 px of the scanned image); images are scanned at
    most `max_side` px on their long side; `verify` asks the second cascade to confirm each face.
    """
    gray, shrink = _prepare(image, max_side)
    hgt, wid = gray.shape
    smallest = max(24, int(min_size * min(hgt, wid)))
    found = _detect(DEFAULT_CASCADE, gray, scale_factor=scale_factor, min_neighbors=min_neighbors, smallest=smallest)
    if verify:
        found = _confirm(gray, found, scale_factor)
    inv = 1.0 / shrink
    h0, w0 = round(hgt * inv), round(wid * inv)
    out = []
    for box in sorted(found):
        x, y, w, h = (round(v * inv) for v in box)
        x, y = max(0, min(x, w0 - 1)), max(0, min(y, h0 - 1))
        out.append([x, y, min(w, w0 - x), min(h, h0 - y)])
    return out


def confirm_faces(image: Any, boxes: list[list[int]], *, max_side: int = SCAN_SIDE, scale_factor: float = 1.1) -> list[list[int]]:
    """The given face boxes (image pixels, e.g. from a keyframe's meta) that the `alt` cascade
    confirms, so a caption never repeats a false hit."""
    clean = [list(map(int, b[:4])) for b in boxes if isinstance(b, (list, tuple)) and len(b) >= 4]
    if not clean:
        return []
    gray, shrink = _prepare(image, max_side)
    scaled = [[round(v * shrink) for v in b] for b in clean]
    kept = _confirm(gray, scaled, scale_factor)
    return [clean[i] for i, s in enumerate(scaled) if s in kept]
