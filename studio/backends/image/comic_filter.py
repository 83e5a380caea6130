"""The classic comic stylizer: the embedded default of `image.restyle` (no weights needed).

    from studio.backends.image.comic_filter import stylize, STYLES
    panel = stylize(frame, "american-comic", strength=1.0, seed=0)

Steps, as a comic colourist would: edge-preserving smoothing (repeated bilateral filtering at
half size) to flatten textures into shapes; colour quantisation (seeded k-means in Lab) into a
few flat inks; spot blacks for the deepest shadows; ink lines from an extended difference of
Gaussians (XDoG) with specks removed; then a print finish per style:

- ``american-comic`` (default): saturated flat colours, spot blacks, bold ink, halftone dots in shadows
- ``manga``: greyscale, screentone dots for mid tones, clean lines
- ``noir``: stark black and white, hatching in the mid tones
- ``pop``: pop-art Ben-Day dots in a bright primary palette, bold outlines
- ``watercolor``: soft washes, pigment pooling at edges, paper grain, light pencil lines
- ``pixel-art``: a coarse grid with a limited palette
- ``flat``: flat vector colours with thin lines

Faces (found with OpenCV, or given) are drawn gently in every style: inside a soft oval over each
face an edge-preserving smoothing of the source in fewer, softer levels, the style's colours, light
ink and no halftone, screentone or hatching, so eyes, nose and mouth survive (benchmarks/faces.py
measures the share of faces the detector still finds after stylizing).

Contract: `stylize(image, style, *, strength=1.0, seed=0, faces=None) -> PIL.Image.Image` returns an RGB
image of the same size; deterministic for the same arguments. `strength` (0..1] blends the
effect: lower keeps more colours and lighter ink.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image

from studio.backends.image.faces import detect_faces
from studio.engine.errors import InputError, UnknownNameError

STYLES = ("american-comic", "manga", "noir", "pop", "watercolor", "pixel-art", "flat")
ALIASES = {"comic": "american-comic", "american": "american-comic", "watercolour": "watercolor", "pixel": "pixel-art",
           "flat-vector": "flat", "pop-art": "pop", "isometric": "american-comic"}

MAX_SIDE = 1600  # larger inputs are processed at this size and scaled back


def _cv2():
    import cv2

    return cv2


def smooth(rgb: np.ndarray, passes: int = 4, sigma_color: float = 40.0) -> np.ndarray:
    """Edge-preserving smoothing: bilateral filtering at half size, then back up."""
    cv2 = _cv2()
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    for _ in range(passes):
        small = cv2.bilateralFilter(small, d=7, sigmaColor=sigma_color, sigmaSpace=7)
    up = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.bilateralFilter(up, d=5, sigmaColor=sigma_color * 0.6, sigmaSpace=5)


def _sq_dists(pts: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(N, K) squared distances between (N, C) points and (K, C) centres (one matrix product)."""
    d = (pts * pts).sum(1)[:, None] - 2.0 * (pts @ centres.T) + (centres * centres).sum(1)[None]
    return np.maximum(d, 0.0, out=d)


def kmeans_palette(pixels: np.ndarray, k: int, seed: int, iters: int = 12, sample: int = 6000) -> np.ndarray:
    """k centres of (N, C) float32 pixels: seeded k-means++ on a sample, then Lloyd iterations."""
    rng = np.random.default_rng(seed)
    n = len(pixels)
    pts = pixels[rng.choice(n, size=min(sample, n), replace=False)] if n > sample else pixels
    pts = np.ascontiguousarray(pts, dtype=np.float32)
    centres = [pts[int(rng.integers(len(pts)))]]
    d = ((pts - centres[0]) ** 2).sum(-1)  # distance to the nearest centre so far
    for _ in range(1, k):
        if d.sum() <= 0:
            break
        centres.append(pts[int(rng.choice(len(pts), p=d / d.sum()))])
        d = np.minimum(d, ((pts - centres[-1]) ** 2).sum(-1))
    c = np.array(centres, dtype=np.float32)
    for _ in range(iters):
        lab = np.argmin(_sq_dists(pts, c), axis=1)
        counts = np.bincount(lab, minlength=len(c))
        for ch in range(pts.shape[1]):
            sums = np.bincount(lab, weights=pts[:, ch], minlength=len(c))
            c[:, ch] = np.where(counts > 0, sums / np.maximum(counts, 1), c[:, ch])
    return c


def assign(pixels: np.ndarray, centres: np.ndarray, chunk: int = 262144) -> np.ndarray:
    out = np.empty(len(pixels), dtype=np.int32)
    for s in range(0, len(pixels), chunk):
        out[s: s + chunk] = np.argmin(_sq_dists(pixels[s: s + chunk], centres), axis=1)
    return out


def quantize(rgb: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(quantised RGB uint8, label map, palette RGB) using k-means in Lab space.

    Pixels are assigned through a 32x32x32 lookup table over Lab (3 bits dropped per channel),
    which is exact enough for a handful of inks and several times faster than per-pixel distances."""
    cv2 = _cv2()
    h, w = rgb.shape[:2]
    lab8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    lab = lab8.reshape(-1, 3).astype(np.float32)
    centres = kmeans_palette(lab, k, seed)
    grid = (np.arange(32, dtype=np.float32) * 8 + 3.5)
    cells = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)
    lut = assign(cells, centres)
    q = (lab8 >> 3).astype(np.int32)
    labels = lut[(q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]]
    pal_lab = np.clip(centres, 0, 255).astype(np.uint8).reshape(1, -1, 3)
    pal_rgb = cv2.cvtColor(pal_lab, cv2.COLOR_LAB2RGB).reshape(-1, 3)
    return pal_rgb[labels].reshape(h, w, 3), labels.reshape(h, w), pal_rgb


def ink_lines(gray: np.ndarray, scale: float, *, sigma: float = 1.2, tau: float = 0.98, eps: float = -2.0,
              phi: float = 0.6, min_area: int = 24, width: int = 1) -> np.ndarray:
    """Ink mask in 0..1 (1 = ink) from an XDoG on a greyscale uint8 image; specks removed."""
    cv2 = _cv2()
    g = gray.astype(np.float32)
    s = sigma * scale
    g1 = cv2.GaussianBlur(g, (0, 0), s)
    g2 = cv2.GaussianBlur(g, (0, 0), s * 1.6)
    d = g1 - tau * g2
    e = np.where(d >= eps, 1.0, 1.0 + np.tanh(phi * (d - eps)))  # 1 = paper, towards 0 = ink
    ink = (e < 0.5).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= int(min_area * scale * scale)
    ink = keep[lab].astype(np.uint8)
    if width > 1:
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    soft = cv2.GaussianBlur(ink.astype(np.float32), (3, 3), 0)
    return np.clip(soft * 1.3, 0, 1)


def region_edges(labels: np.ndarray, width: int = 1) -> np.ndarray:
    """1 where neighbouring pixels have different quantisation labels (outlines of flat areas)."""
    cv2 = _cv2()
    e = np.zeros(labels.shape, dtype=np.uint8)
    e[:, 1:] |= (labels[:, 1:] != labels[:, :-1]).astype(np.uint8)
    e[1:, :] |= (labels[1:, :] != labels[:-1, :]).astype(np.uint8)
    if width > 1:
        e = cv2.dilate(e, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    return e.astype(np.float32)


@lru_cache(maxsize=8)
def _dot_distance(h: int, w: int, cell: float, angle: float) -> np.ndarray:
    """Distance of every pixel to its nearest dot centre on a rotated grid of `cell` px (in cells):
    0 at the centre, ~0.707 at the corners. Pages repeat panel sizes, so the grid is kept."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a = math.radians(angle)
    u = (x * math.cos(a) + y * math.sin(a)) / cell
    v = (-x * math.sin(a) + y * math.cos(a)) / cell
    du = u - np.floor(u) - 0.5
    dv = v - np.floor(v) - 0.5
    dist = np.sqrt(du * du + dv * dv)
    dist.flags.writeable = False
    return dist


def halftone(coverage: np.ndarray, cell: float, angle: float = 45.0, soft: float = 0.12) -> np.ndarray:
    """Amplitude-modulated dots: 1 where ink, for a coverage map in 0..1 (round dots on a rotated grid)."""
    h, w = coverage.shape
    dist = _dot_distance(h, w, float(cell), float(angle))
    radius = np.sqrt(np.clip(coverage, 0, 1) / math.pi)  # dot area = coverage of the cell
    return np.clip((radius - dist) / soft + 0.5, 0, 1)


def hatching(coverage: np.ndarray, spacing: float, angle: float = 45.0) -> np.ndarray:
    """Parallel lines whose thickness follows coverage (1 = ink)."""
    h, w = coverage.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a = math.radians(angle)
    u = (x * math.cos(a) + y * math.sin(a)) / spacing
    d = np.abs(u - np.floor(u) - 0.5) * 2  # 0 at line centre
    return np.clip((np.clip(coverage, 0, 1) - d) * 4 + 0.5, 0, 1)


def _lum(rgb: np.ndarray) -> np.ndarray:
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.float32) / 255.0


def _saturate(rgb: np.ndarray, sat: float, val: float = 1.0) -> np.ndarray:
    cv2 = _cv2()
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 1] = np.clip(hsv[..., 1] * sat, 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * val, 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)


def _apply_ink(rgb: np.ndarray, ink: np.ndarray, colour: tuple[int, int, int] = (18, 14, 22), alpha: float = 1.0) -> np.ndarray:
    """Float RGB with `ink` (0..1) laid over it in `colour` at `alpha`."""
    out = rgb.astype(np.float32, copy=True)
    a = (ink * alpha).astype(np.float32, copy=False)[..., None]
    out -= (out - np.array(colour, np.float32)) * a
    return out


def _levels(rgb: np.ndarray) -> np.ndarray:
    """Stretch contrast to the 1st..99th percentile (faded frames get real blacks and whites)."""
    lo, hi = _percentiles_u8(rgb, (1.0, 99.0))
    if hi - lo < 8:
        return rgb
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * 255.0 / (hi - lo), 0, 255).astype(np.uint8)
    return lut[rgb]


def _percentiles_u8(values: np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """np.percentile (linear interpolation) of uint8 data, from its histogram."""
    cum = np.cumsum(np.bincount(values.ravel(), minlength=256))
    n = int(cum[-1])
    out = []
    for q in qs:
        pos = (n - 1) * q / 100.0
        lo_i, hi_i = int(np.floor(pos)), int(np.ceil(pos))
        a = float(np.searchsorted(cum, lo_i, side="right"))  # value of the lo_i-th smallest
        b = float(np.searchsorted(cum, hi_i, side="right"))
        out.append(a + (b - a) * (pos - lo_i))
    return tuple(out)


# -- styles ----------------------------------------------------------------------------------------------
def comic_palette(pal: np.ndarray, sat: float = 1.45) -> np.ndarray:
    """Printer's inks for a quantised palette: more saturation, a gentle S-curve on value."""
    cv2 = _cv2()
    hsv = cv2.cvtColor(pal.reshape(1, -1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    s_ = hsv[..., 1]
    # boost real colours only: near-greys stay grey (a grey roof must not turn purple)
    boosted = np.minimum(s_ * sat, np.maximum(s_, 185))
    hsv[..., 1] = np.clip(np.where(s_ > 45, boosted, s_ * 0.8), 0, 255)
    v = hsv[..., 2] / 255.0
    v = v ** 0.85  # lift the mid tones so the inks stay readable
    hsv[..., 2] = np.clip(255 * (0.5 + 0.5 * np.tanh((v - 0.5) * 1.6) / np.tanh(0.8)), 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).reshape(-1, 3)


def contrast_edges(lum: np.ndarray, step: float, width: int) -> np.ndarray:
    """Ink (0..1) where flat areas meet with a luminance step above `step` (0..1)."""
    cv2 = _cv2()
    gx = cv2.Sobel(lum, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_32F, 0, 1, ksize=3)
    e = (np.sqrt(gx * gx + gy * gy) > 4 * step).astype(np.uint8)
    if width > 1:
        e = cv2.dilate(e, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    return cv2.GaussianBlur(e.astype(np.float32), (3, 3), 0)


def _odd(v: float) -> int:
    n = max(3, int(round(v)))
    return n if n % 2 else n + 1


def _american(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    sm = smooth(_saturate(_levels(rgb), 1.2), passes=5)
    k = int(round(9 + (1 - strength) * 10))
    _q, labels, pal = quantize(sm, k, seed)
    q = comic_palette(pal, 1.0 + 0.5 * strength)[labels]
    q = cv2.medianBlur(q, max(5, _odd(7 * scale)))
    lum = _lum(q)
    out = q.astype(np.float32)
    # halftone dots (a darker print of the same ink) in the mid shadows
    band = np.clip((0.55 - lum) / 0.25, 0, 1) * (lum > 0.1)
    dots = halftone(band * 0.32 * strength, cell=max(4.0, 5.5 * scale), angle=45)
    out = out * (1 - 0.4 * dots[..., None])
    # spot blacks in the deepest shadows
    out = _apply_ink(out, (lum < 0.09).astype(np.float32), alpha=0.95 * strength)
    lw = max(1, int(round(1.8 * scale)))
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    ink = np.maximum(contrast_edges(lum, 0.16, lw), ink_lines(gray, scale, min_area=40, width=max(1, lw - 1)))
    return _apply_ink(out, ink, alpha=min(1.0, 0.55 + 0.45 * strength))


def _manga(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    sm = smooth(_levels(rgb), passes=4)
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    g = gray.astype(np.float32) / 255.0
    # four tones: paper, light screentone, dark screentone, black
    levels = np.digitize(g, [0.16, 0.36, 0.58])
    paper = np.ones_like(g)
    light = 1 - halftone(np.full_like(g, 0.22), cell=max(3.5, 4.5 * scale), angle=45) * 0.9
    dark = 1 - halftone(np.full_like(g, 0.5), cell=max(3.5, 4.5 * scale), angle=45) * 0.95
    tone = np.choose(levels, [np.zeros_like(g) + 0.06, dark, light, paper])
    tone = tone * strength + g * (1 - strength)
    lw = max(1, int(round(1.4 * scale)))
    ink = ink_lines(gray, scale, min_area=30, width=lw)
    levels_edges = region_edges(cv2.medianBlur(levels.astype(np.uint8), 5), 1)
    out = tone * (1 - np.maximum(ink, levels_edges * 0.6))
    out = np.clip(out * 255, 0, 255)
    return np.dstack([out, out, out])


def _noir(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    sm = smooth(_levels(rgb), passes=5)
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    g = cv2.GaussianBlur(gray, (0, 0), 1.2 * scale).astype(np.float32) / 255.0
    thr = float(np.clip(np.median(g) * 0.9, 0.25, 0.6))
    black = (g < thr * 0.7).astype(np.float32)
    mid = ((g >= thr * 0.7) & (g < thr * 1.15)).astype(np.float32)
    hatch = hatching(np.full_like(g, 0.35), spacing=max(4.0, 5.0 * scale), angle=45) * mid
    ink = ink_lines(gray, scale, min_area=40, width=max(1, int(round(2 * scale))))
    paper = 0.97
    out = paper * (1 - np.clip(black + hatch * strength + ink, 0, 1)) + 0.03
    out = np.clip(out * 255, 0, 255)
    return np.dstack([out, out, out])


POP_PALETTE = np.array([(245, 214, 40), (226, 40, 44), (30, 90, 200), (245, 170, 160), (40, 170, 90), (250, 250, 244), (20, 16, 24)], dtype=np.float32)


def _pop(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    sm = smooth(_saturate(_levels(rgb), 1.5), passes=4)
    h, w = sm.shape[:2]
    q, labels, pal = quantize(sm, 6, seed)
    # map each quantised colour to the nearest pop ink (by hue/value), keep darks black
    pal_f = pal.astype(np.float32)
    mapped = []
    for c in pal_f:
        lum = (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255
        if lum < 0.16:
            mapped.append(POP_PALETTE[6])
            continue
        if lum > 0.86:
            mapped.append(POP_PALETTE[5])
            continue
        mx, mn = c.max(), c.min()
        if mx - mn < 40:  # a grey: paper-pink for light greys, blue-black for dark ones
            mapped.append(POP_PALETTE[3] if lum > 0.5 else POP_PALETTE[2] * 0.6)
            continue
        hue = cv2.cvtColor(c.reshape(1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV)[0, 0, 0] * 2.0  # degrees
        if hue < 18 or hue >= 330:
            mapped.append(POP_PALETTE[1])  # red
        elif hue < 70:
            mapped.append(POP_PALETTE[0] if lum > 0.45 else POP_PALETTE[1])  # yellow, or red for browns
        elif hue < 165:
            mapped.append(POP_PALETTE[4])  # green
        elif hue < 265:
            mapped.append(POP_PALETTE[2])  # blue
        else:
            mapped.append(POP_PALETTE[3] if lum > 0.5 else POP_PALETTE[1])
    inks = np.array(mapped, dtype=np.float32)[labels]
    lum = _lum(q)
    # Ben-Day dots: lighter regions become dots of their ink on white paper
    cov = np.clip(0.35 + (0.85 - lum) * 0.9, 0.25, 1.0)
    dots = halftone(cov, cell=max(6.0, 9.0 * scale), angle=20, soft=0.1)
    paper = np.array((250, 248, 240), np.float32)
    solid = (lum < 0.35)[..., None]
    dotted = paper * (1 - dots[..., None]) + inks * dots[..., None]
    out = np.where(solid, inks, dotted)
    out = out * strength + sm.astype(np.float32) * (1 - strength)
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    ink = np.maximum(ink_lines(gray, scale, min_area=40, width=max(2, int(round(2.4 * scale)))), region_edges(labels, max(1, int(round(1.5 * scale)))))
    return _apply_ink(out, ink)


def _watercolor(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    rng = np.random.default_rng(seed)
    sm = smooth(rgb, passes=6, sigma_color=60)
    q, labels, _pal = quantize(sm, int(round(10 + (1 - strength) * 8)), seed)
    wash = cv2.GaussianBlur(q.astype(np.float32), (0, 0), 2.2 * scale)
    # pigment pools darker at the edges of each wash
    edges = cv2.GaussianBlur(region_edges(labels, 1), (0, 0), 1.5 * scale)
    wash = wash * (1 - 0.28 * np.clip(edges * 2, 0, 1)[..., None])
    # light, transparent washes: less pigment, paper shows through
    wash = _saturate(np.clip(wash, 0, 255).astype(np.uint8), 1.35).astype(np.float32)
    paper = np.array((250, 246, 236), np.float32)
    wash = paper - (paper - wash) * 0.68
    h, w = rgb.shape[:2]
    grain = rng.normal(0, 1, (max(1, h // 2), max(1, w // 2))).astype(np.float32)
    grain = cv2.resize(cv2.GaussianBlur(grain, (0, 0), 1.0), (w, h))
    wash = wash * (1 + 0.05 * grain[..., None])
    blotch = cv2.resize(cv2.GaussianBlur(rng.normal(0, 1, (max(1, h // 16), max(1, w // 16))).astype(np.float32), (0, 0), 1.5), (w, h))
    wash = wash * (1 + 0.05 * blotch[..., None])
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    pencil = ink_lines(gray, scale, min_area=40, width=1)
    out = _apply_ink(wash, pencil, colour=(80, 70, 70), alpha=0.45 * strength)
    return out


def _pixel(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    h, w = rgb.shape[:2]
    cols = int(round(96 + (1 - strength) * 160))
    cell = max(2, int(round(w / cols)))
    small = cv2.resize(smooth(rgb, passes=2), (max(1, w // cell), max(1, h // cell)), interpolation=cv2.INTER_AREA)
    small = _saturate(small, 1.2)
    q, labels, _pal = quantize(small, int(round(12 + (1 - strength) * 12)), seed)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, 60, 140) > 0
    lum = _lum(q)
    q = q.astype(np.float32)
    q[edges & (lum < 0.6)] *= 0.45
    big = cv2.resize(np.clip(q, 0, 255).astype(np.uint8), (max(1, w // cell) * cell, max(1, h // cell) * cell), interpolation=cv2.INTER_NEAREST)
    out = np.zeros_like(rgb)
    out[: big.shape[0], : big.shape[1]] = big[:h, :w]
    if big.shape[0] < h:
        out[big.shape[0]:] = out[big.shape[0] - 1: big.shape[0]]
    if big.shape[1] < w:
        out[:, big.shape[1]:] = out[:, big.shape[1] - 1: big.shape[1]]
    return out.astype(np.float32)


def _flat(rgb: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    cv2 = _cv2()
    sm = smooth(_saturate(_levels(rgb), 1.15), passes=5)
    q, labels, _pal = quantize(sm, int(round(7 + (1 - strength) * 10)), seed)
    edges = region_edges(cv2.medianBlur(labels.astype(np.uint8), 5), 1)
    out = _apply_ink(q, edges, colour=(40, 36, 50), alpha=0.5)
    return out


_IMPLS: dict[str, Callable[[np.ndarray, float, float, int], np.ndarray]] = {
    "american-comic": _american, "manga": _manga, "noir": _noir, "pop": _pop,
    "watercolor": _watercolor, "pixel-art": _pixel, "flat": _flat,
}


# -- faces ---------------------------------------------------------------------------------------------
#: a face box grows by these fractions of its size (sides, top, bottom) into the protected oval:
#: hair line, ears and chin stay with the face
FACE_GROW = (0.06, 0.12, 0.08)
#: styles drawn in grey
_GREY = ("manga", "noir")


def face_mask(shape: tuple[int, int], faces: list[list[int]], scale: float) -> np.ndarray:
    """0..1 soft ovals over the (grown) face boxes: 1 inside, feathered over a few pixels."""
    cv2 = _cv2()
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    for x, y, bw, bh in faces:
        gx, gt, gb = FACE_GROW
        cx, cy = x + bw / 2, y + bh / 2 + (gb - gt) * bh / 2
        ax, ay = bw * (0.5 + gx), bh * (0.5 + (gt + gb) / 2)
        cv2.ellipse(mask, (round(cx), round(cy)), (max(1, round(ax)), max(1, round(ay))), 0, 0, 360, 1.0, -1)
    feather = max(1.5, 0.08 * float(np.median([f[2] for f in faces])))
    return np.clip(cv2.GaussianBlur(mask, (0, 0), feather) * 1.25, 0, 1)


def _face_layer(key: str, rgb: np.ndarray, styled: np.ndarray, scale: float, strength: float, seed: int) -> np.ndarray:
    """How a face is drawn in `key`'s style: the source smoothed with an edge-preserving filter, in
    fewer, softer levels, no halftone or hatching, and light ink lines, so that eyes, nose and
    mouth keep their shapes (the full filter turns small faces into blobs)."""
    cv2 = _cv2()
    sm = rgb
    for _ in range(2):
        sm = cv2.bilateralFilter(sm, d=5, sigmaColor=28, sigmaSpace=5)
    gray = cv2.cvtColor(sm, cv2.COLOR_RGB2GRAY)
    step = 255.0 / 7  # seven soft levels per channel: flat enough to read as drawn
    poster = np.round(sm.astype(np.float32) / step) * step
    base = 0.55 * poster + 0.45 * sm.astype(np.float32)
    if key in _GREY:  # the face's own range into paper-to-ink grey, never blown out to paper
        lo, hi = _percentiles_u8(gray, (3.0, 97.0))
        g = np.clip((gray.astype(np.float32) - lo) / max(24.0, hi - lo), 0, 1)
        g = 0.1 + 0.82 * g ** (1.15 if key == "noir" else 1.0)
        g = np.round(g * 8) / 8 * 0.5 + g * 0.5
        base = np.repeat(np.clip(g * 255, 0, 255)[..., None], 3, axis=2)
    elif key in ("american-comic", "pop", "flat"):
        pal = comic_palette(np.clip(base, 0, 255).astype(np.uint8).reshape(-1, 3), 1.0 + 0.3 * strength)
        base = pal.reshape(base.shape).astype(np.float32)
    elif key == "watercolor":
        paper = np.array((250, 246, 236), np.float32)
        base = paper - (paper - _saturate(sm, 1.2).astype(np.float32)) * 0.82
    elif key == "pixel-art":
        return styled  # replaced below by a finer grid (see _protect_faces)
    ink = ink_lines(gray, scale, min_area=30, width=1)
    colour, alpha = ((80, 70, 70), 0.35) if key == "watercolor" else ((18, 14, 22), 0.6 * strength)
    base = _apply_ink(base, ink, colour=colour, alpha=alpha)
    # a little of the style's own print shows through, so the face sits in the picture
    return base * (1 - 0.15 * strength) + styled.astype(np.float32) * (0.15 * strength)


def _pixel_face(rgb: np.ndarray, box: tuple[int, int, int, int], cell: int, face_w: int, strength: float, seed: int) -> np.ndarray:
    """A face region of a pixel-art picture on a finer grid (half the cells, and at least about
    24 cells across the face): features stay readable."""
    cv2 = _cv2()
    x0, y0, x1, y1 = box
    reg = rgb[y0:y1, x0:x1]
    h, w = reg.shape[:2]
    c = max(1, min(cell // 2, face_w // 24))
    soft = cv2.bilateralFilter(np.ascontiguousarray(reg), d=5, sigmaColor=28, sigmaSpace=5)
    small = cv2.resize(soft, (max(1, w // c), max(1, h // c)), interpolation=cv2.INTER_AREA)
    q, _labels, _pal = quantize(_saturate(small, 1.2), int(round(16 + (1 - strength) * 12)), seed)
    return cv2.resize(q, (w, h), interpolation=cv2.INTER_NEAREST).astype(np.float32)


def _protect_faces(key: str, rgb: np.ndarray, styled: np.ndarray, faces: list[list[int]], scale: float, strength: float, seed: int) -> np.ndarray:
    """`styled` with each face region redrawn by `_face_layer` under a soft oval mask."""
    h, w = rgb.shape[:2]
    out = styled.astype(np.float32, copy=True)
    mask = face_mask((h, w), faces, scale)
    for x, y, bw, bh in faces:
        m = int(0.6 * max(bw, bh)) + 4
        x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(w, x + bw + m), min(h, y + bh + m)
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        if key == "pixel-art":
            cols = int(round(96 + (1 - strength) * 160))
            layer = _pixel_face(rgb, (x0, y0, x1, y1), max(2, int(round(w / cols))), bw, strength, seed)
        else:
            layer = _face_layer(key, np.ascontiguousarray(rgb[y0:y1, x0:x1]), styled[y0:y1, x0:x1], scale, strength, seed)
        a = mask[y0:y1, x0:x1, None]
        out[y0:y1, x0:x1] = out[y0:y1, x0:x1] * (1 - a) + layer * a
    return out


def resolve_style(style: str) -> str:
    key = (style or "american-comic").strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    if key not in _IMPLS:
        import difflib

        close = difflib.get_close_matches(key, list(STYLES), n=2, cutoff=0.4)
        maybe = f"did you mean {' or '.join(close)}? " if close else ""
        raise UnknownNameError(f"unknown stylizer style {style!r}; {maybe}use one of {', '.join(STYLES)}")
    return key


def stylize(image: Image.Image, style: str = "american-comic", *, strength: float = 1.0, seed: int = 0,
            faces: list[list[int]] | None = None) -> Image.Image:
    """Turn a photo or video frame into a comic-style picture (see the module docstring).

    `faces`: [x, y, w, h] boxes in the image's pixels to draw gently (see `_face_layer`); None
    finds them with OpenCV (studio.backends.image.faces); [] protects nothing."""
    key = resolve_style(style)
    if not (0.0 < float(strength) <= 1.0):
        raise InputError(f"stylize strength {strength}: use a value in (0, 1]")
    if image.width < 8 or image.height < 8:
        raise InputError(f"image {image.width}x{image.height} is too small to stylize (at least 8x8)")
    src = image.convert("RGB")
    w, h = src.size
    work = src
    if max(w, h) > MAX_SIDE:
        f = MAX_SIDE / max(w, h)
        work = src.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.LANCZOS)
    rgb = np.asarray(work).copy()
    scale = max(0.5, min(work.size) / 540.0)  # line widths and dot sizes follow the image size
    out = _IMPLS[key](rgb, scale, float(strength), int(seed))
    if faces is None:
        faces = detect_faces(work)
    else:
        f = work.width / w
        faces = [[round(v * f) for v in b[:4]] for b in faces if isinstance(b, (list, tuple)) and len(b) >= 4]
    faces = [b for b in faces if b[2] >= 6 and b[3] >= 6]
    if faces:
        out = _protect_faces(key, rgb, out, faces, scale, float(strength), int(seed))
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    if img.size != (w, h):
        img = img.resize((w, h), Image.Resampling.LANCZOS if key != "pixel-art" else Image.Resampling.NEAREST)
    return img
