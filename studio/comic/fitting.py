"""Panel fitting: crop an image to a panel's aspect keeping faces and salient regions, then scale.

Importance comes from faces (boxes in the image's `faces` meta, or a detector when one is
available) and from a saliency map built from edges and local contrast. The crop is the largest
window of the panel's aspect; it slides along the free axis to hold the most importance, and it
never cuts a face in half when the face fits at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from studio.backends.image.colorspace import srgb_to_lab
from studio.backends.image.describe import detect_faces as haar

Box = tuple[float, float, float, float]  # x, y, w, h in pixels


def _norm(a: np.ndarray) -> np.ndarray:
    return np.clip(a / max(1e-6, float(np.percentile(a, 99))), 0.0, 1.0)


def saliency_map(img: Image.Image, width: int = 160) -> np.ndarray:
    """Importance in 0..1 at a reduced size (about `width` px wide).

    Two classic cues: colour distinctiveness (frequency-tuned saliency, Achanta et al. 2009: how far
    each smoothed pixel's Lab colour is from the image's mean colour), which fills in the subject,
    and edge strength, which marks detail. Flat areas (sky, walls, floors) score low."""
    w, h = img.size
    scale = width / max(1, w)
    small = img.convert("RGB").resize((max(8, round(w * scale)), max(8, round(h * scale))), Image.Resampling.BILINEAR)
    arr = np.asarray(small, dtype=np.float32) / 255.0
    blurred = np.asarray(small.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32) / 255.0
    lab = srgb_to_lab(blurred, scale=1.0, dtype=np.float32)
    ft = np.sqrt(((lab - lab.reshape(-1, 3).mean(axis=0)) ** 2).sum(axis=-1))
    gray = arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    gy[1:-1, :] = gray[2:, :] - gray[:-2, :]
    edges = np.sqrt(gx * gx + gy * gy)
    sal = 0.6 * _norm(ft) + 0.4 * _norm(edges)
    smooth = Image.fromarray((np.clip(sal, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2.5))
    return np.asarray(smooth, dtype=np.float32) / 255.0


def parse_faces(raw: object) -> list[Box]:
    """Face boxes from meta: [[x, y, w, h], ...] (also accepts dicts with x/y/w/h)."""
    out: list[Box] = []
    if not isinstance(raw, (list, tuple)):
        return out
    for f in raw:
        if isinstance(f, dict) and all(k in f for k in ("x", "y", "w", "h")):
            vals = [f["x"], f["y"], f["w"], f["h"]]
        elif isinstance(f, (list, tuple)) and len(f) >= 4:
            vals = list(f[:4])
        else:
            continue
        try:
            x, y, w, h = (float(v) for v in vals)
        except (TypeError, ValueError):
            continue
        if w > 0 and h > 0:
            out.append((x, y, w, h))
    return out


def detect_faces(img: Image.Image) -> list[Box]:
    """Upright frontal faces via the project's Haar cascade (`studio.backends.image.describe`, OpenCV's
    classic frontal-face cascade evaluated with numpy, since OpenCV 5 wheels no longer ship it)."""

    return parse_faces(haar(img))


def _profile(sal: np.ndarray, axis: int) -> np.ndarray:
    """Saliency profile along an axis (0: x, 1: y), summing to 1."""
    prof = sal.sum(axis=0 if axis == 0 else 1).astype(np.float64)
    return prof / max(1e-6, float(prof.sum()))


def choose_crop(size: tuple[int, int], aspect: float, faces: Sequence[Box], sal: np.ndarray | None = None) -> tuple[int, int, int, int]:
    """The largest (x0, y0, x1, y1) window of `aspect` (w/h) inside an image of `size`, placed to
    keep faces whole and hold the most salient content, with a mild pull to the centre."""
    W, H = size
    if aspect < W / H:  # image wider than panel: slide horizontally
        cw, ch = max(1, min(W, round(H * aspect))), H
        axis, free, length = 0, W - cw, cw
    else:
        cw, ch = W, max(1, min(H, round(W / aspect)))
        axis, free, length = 1, H - ch, ch
    if free <= 0:
        return (0, 0, cw, ch)
    if sal is None:
        sal = np.zeros((8, 8), dtype=np.float32)
    prof = _profile(sal, axis)
    face_total = sum(w * h for _, _, w, h in faces) or 1.0
    n = len(prof)
    scale = n / (W if axis == 0 else H)
    cum = np.concatenate([[0.0], np.cumsum(prof)])
    steps = min(free, 200)
    best, best_off = -1e18, free // 2
    for s in range(steps + 1):
        off = round(free * s / steps)
        a, b = off * scale, (off + length) * scale
        ia, ib = int(a), min(n, int(np.ceil(b)))
        score = float(cum[ib] - cum[ia])
        # faces: whole is good, cut in half is worse than left out
        for x, y, w, h in faces:
            lo, hi = (x, x + w) if axis == 0 else (y, y + h)
            inside = max(0.0, min(hi, off + length) - max(lo, off)) / max(1e-6, hi - lo)
            weight = 0.5 + w * h / face_total
            if 0.05 < inside < 0.95:
                score -= weight * (1.0 - inside) + 0.3
            elif inside >= 0.95:
                score += weight
        score -= 0.15 * abs(off - free / 2) / max(1, free)
        if score > best + 1e-12:
            best, best_off = score, off
    if axis == 0:
        return (best_off, 0, best_off + cw, ch)
    return (0, best_off, cw, best_off + ch)


def content_box(img: Image.Image, *, dark: float = 22.0, max_share: float = 0.3) -> tuple[int, int, int, int]:
    """The picture inside letterbox/pillarbox bars: uniform dark rows and columns at the edges
    (each side at most `max_share` of the image) are left out."""
    W, H = img.size
    small = np.asarray(img.convert("L").resize((min(W, 320), min(H, 320)), Image.Resampling.BILINEAR), dtype=np.float32)
    sh, sw = small.shape

    def run(lines: np.ndarray) -> int:
        k = 0
        limit = int(len(lines) * max_share)
        while k < limit and lines[k].mean() < dark and lines[k].std() < 6.0:
            k += 1
        return k

    top, bottom = run(small), run(small[::-1])
    left, right = run(small.T), run(small.T[::-1])
    x0, x1 = round(left * W / sw), W - round(right * W / sw)
    y0, y1 = round(top * H / sh), H - round(bottom * H / sh)
    # bars thinner than 2% are compression noise, not bars
    if x0 < 0.02 * W:
        x0 = 0
    if W - x1 < 0.02 * W:
        x1 = W
    if y0 < 0.02 * H:
        y0 = 0
    if H - y1 < 0.02 * H:
        y1 = H
    if x1 - x0 < W * 0.3 or y1 - y0 < H * 0.3:
        return (0, 0, W, H)
    return (x0, y0, x1, y1)


def fit_image(
    img: Image.Image, width: int, height: int, faces: Sequence[Box] = (), *, trim_bars: bool = True
) -> tuple[Image.Image, list[Box], tuple[int, int, int, int]]:
    """Crop `img` to width/height's aspect around faces and salient content, then resize.
    Letterbox/pillarbox bars are cut off first.

    Returns the panel image, the faces in panel pixels (clipped; faces less than half inside are
    dropped) and the crop box in source pixels."""
    cb = content_box(img) if trim_bars else (0, 0, img.width, img.height)
    sub = img.crop(cb) if cb != (0, 0, img.width, img.height) else img
    sub_faces = [(x - cb[0], y - cb[1], w, h) for x, y, w, h in faces]
    sal = saliency_map(sub)
    b = choose_crop(sub.size, width / height, sub_faces, sal)
    box = (b[0] + cb[0], b[1] + cb[1], b[2] + cb[0], b[3] + cb[1])
    crop = img.crop(box)
    rgb = crop if crop.mode == "RGB" else crop.convert("RGB")
    out = rgb.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return out, [b for _, b in move_boxes(faces, box, (width, height))], box


def move_boxes(boxes: Sequence[Box], crop: tuple[int, int, int, int], size: tuple[int, int]) -> list[tuple[int, Box]]:
    """Boxes in source pixels to a crop scaled to `size`: (index, box) of those at least half
    inside the crop, clipped to it."""
    width, height = size
    kx, ky = width / (crop[2] - crop[0]), height / (crop[3] - crop[1])
    moved: list[tuple[int, Box]] = []
    for i, (x, y, w, h) in enumerate(boxes):
        x0, y0 = (x - crop[0]) * kx, (y - crop[1]) * ky
        x1, y1 = x0 + w * kx, y0 + h * ky
        cx0, cy0, cx1, cy1 = max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)
        if cx1 <= cx0 or cy1 <= cy0:
            continue
        if (cx1 - cx0) * (cy1 - cy0) < 0.5 * (x1 - x0) * (y1 - y0):
            continue
        moved.append((i, (round(cx0, 1), round(cy0, 1), round(cx1 - cx0, 1), round(cy1 - cy0, 1))))
    return moved


def is_blank(img: Image.Image) -> bool:
    """A near-black, near-white or flat image (a frame mid-fade or a blank card)."""
    small = np.asarray(img.convert("L").resize((64, 36), Image.Resampling.BILINEAR), dtype=np.float32)
    mean, std = float(small.mean()), float(small.std())
    return std < 6.0 and (mean < 24 or mean > 240 or std < 2.0)
