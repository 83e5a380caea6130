"""Who is talking in a keyframe: the face whose mouth moves.

A keyframe that shows two or more faces gets, for each face, a talking score: over the frames
WINDOW seconds either side of it, the mean frame-to-frame change in the mouth region (the lower
middle of the face box) divided by the change in the eye region (the upper part), so a head that
moves, or a moving camera, does not count as talking. The comic's lettering points an unnamed
speaker's tail at a face that clearly talks more than the others (see `clear_talker`), instead of
taking faces in reading order. A still frame (a photo, a paused shot) gives scores near zero and
no talker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from studio.backends.video.decode import to_display_image

#: seconds of video either side of the keyframe that are looked at
WINDOW = 0.25
#: a face is the talker when its score is at least this many times every other face's
CLEAR_RATIO = 1.6
#: ... and its mouth region changes by at least this many grey levels per frame on average
MIN_MOTION = 0.5
#: ... and by at least this many times as much as its eye region (a nodding head moves both)
OWN_RATIO = 1.5

# regions as fractions of a Haar face box (x0, y0, x1, y1): the box runs from the brows to the
# lower lip/chin, so the mouth sits in its bottom third and the eyes in its upper half
MOUTH = (0.25, 0.68, 0.75, 0.98)
EYES = (0.12, 0.18, 0.88, 0.50)


def _region(box: Sequence[float], frac: tuple[float, float, float, float], shape: tuple[int, int]) -> tuple[slice, slice]:
    x, y, w, h = (float(v) for v in box[:4])
    hgt, wid = shape
    x0 = int(np.clip(x + frac[0] * w, 0, wid - 1))
    x1 = int(np.clip(x + frac[2] * w, x0 + 1, wid))
    y0 = int(np.clip(y + frac[1] * h, 0, hgt - 1))
    y1 = int(np.clip(y + frac[3] * h, y0 + 1, hgt))
    return slice(y0, y1), slice(x0, x1)


def region_crops(gray: np.ndarray, faces: Sequence[Sequence[float]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mouth, eyes) float32 crops of one greyscale frame for each face box [x, y, w, h]."""
    out = []
    for box in faces:
        m = _region(box, MOUTH, gray.shape)
        e = _region(box, EYES, gray.shape)
        out.append((gray[m].astype(np.float32), gray[e].astype(np.float32)))
    return out


def talking_scores(crops: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]]) -> list[dict[str, float]]:
    """Per face, from its crops in consecutive frames (crops[frame][face]): `mouth` and `eyes`, the
    mean absolute change per frame (grey levels), and `score` = mouth / (eyes + 1)."""
    if len(crops) < 2:
        return []
    n = len(crops[0])
    out = []
    for k in range(n):
        mouth = [float(np.mean(np.abs(b[k][0] - a[k][0]))) for a, b in zip(crops[:-1], crops[1:])]
        eyes = [float(np.mean(np.abs(b[k][1] - a[k][1]))) for a, b in zip(crops[:-1], crops[1:])]
        m, e = float(np.mean(mouth)), float(np.mean(eyes))
        out.append({"mouth": round(m, 3), "eyes": round(e, 3), "score": round(m / (e + 1.0), 3)})
    return out


def clear_talker(talking: Any) -> int | None:
    """The index of the face that clearly talks (see CLEAR_RATIO, MIN_MOTION, OWN_RATIO), else None.
    `talking` is the list `talking_scores` gives (or a keyframe's `talking` meta)."""
    if not isinstance(talking, list) or len(talking) < 2:
        return None
    try:
        scores = [float(t["score"]) for t in talking]
        mouths = [float(t["mouth"]) for t in talking]
    except (TypeError, KeyError, ValueError):
        return None
    try:
        eyes = [float(t["eyes"]) for t in talking]
    except (TypeError, KeyError, ValueError):
        return None
    best = int(np.argmax(scores))
    others = [s for i, s in enumerate(scores) if i != best]
    if mouths[best] < MIN_MOTION or mouths[best] < OWN_RATIO * eyes[best] or scores[best] < CLEAR_RATIO * max(others):
        return None
    return best


def measure(reader: Any, info: Any, pts: int, faces: Sequence[Sequence[float]]) -> list[dict[str, float]]:
    """Talking scores of `faces` (display-image pixels) around the frame at `pts`, decoding with a
    `FrameReader` (frames are rotated and stretched like the keyframes). Only the face regions
    are kept, so memory does not depend on the frame size."""

    half = max(1, int(round(WINDOW / float(info.time_base))))
    crops = []
    for frame in reader.frames(pts - half, pts + half):
        gray = np.asarray(to_display_image(frame, info).convert("L"))
        crops.append(region_crops(gray, faces))
    return talking_scores(crops)


__all__ = ["WINDOW", "CLEAR_RATIO", "MIN_MOTION", "OWN_RATIO", "region_crops", "talking_scores", "clear_talker", "measure"]
