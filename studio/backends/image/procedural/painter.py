"""A tiny vector painter: polygons in unit coordinates, shaded and outlined like game art.

Archetypes draw into a unit box (0..1 on both axes, y down) through `Painter`; `region()` maps a
sub-box (optionally rotated) so parts can be composed (a knight holds a `sword` drawn by the
sword archetype). Every shape is a polygon, so transforms are exact. Shading modes:

- ``soft``: light from the upper left, rim darkening towards the edges (a rounded, volumetric look)
- ``cel``: two flat tones (lit / shadow) and a small highlight band, no gradients
- ``none``: flat fill (details, eyes, glows)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageDraw

Pt = tuple[float, float]
RGB = tuple[int, int, int]

LIGHT = (-0.55, -0.83)  # direction the light comes from (upper left)


# -- shape helpers (unit coordinates) -------------------------------------------------------------
def ellipse_pts(cx: float, cy: float, rx: float, ry: float, n: int = 56, start: float = 0.0, end: float = 360.0) -> list[Pt]:
    full = abs(end - start) >= 360
    count = n if full else max(4, int(n * abs(end - start) / 360) + 1)
    out = []
    for i in range(count):
        a = math.radians(start + (end - start) * i / (count if full else count - 1))
        out.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return out


def rrect_pts(x0: float, y0: float, x1: float, y1: float, r: float = 0.0, n: int = 6) -> list[Pt]:
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    if r <= 0:
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    out: list[Pt] = []
    for cx, cy, a0 in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        for i in range(n + 1):
            a = math.radians(a0 + 90 * i / n)
            out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def star_pts(cx: float, cy: float, ro: float, ri: float, points: int = 5, rot: float = -90.0) -> list[Pt]:
    out = []
    for i in range(points * 2):
        r = ro if i % 2 == 0 else ri
        a = math.radians(rot + 180.0 * i / points)
        out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def blob_pts(cx: float, cy: float, rx: float, ry: float, rng: np.random.Generator, n: int = 64, wobble: float = 0.12, harmonics: int = 4) -> list[Pt]:
    """A smooth random closed shape (sum of a few Fourier terms on a circle)."""
    amps = rng.uniform(-wobble, wobble, harmonics) / np.arange(1, harmonics + 1) ** 0.6
    phases = rng.uniform(0, 2 * math.pi, harmonics)
    out = []
    for i in range(n):
        a = 2 * math.pi * i / n
        k = 1.0 + sum(amps[j] * math.sin((j + 2) * a + phases[j]) for j in range(harmonics))
        out.append((cx + rx * k * math.cos(a), cy + ry * k * math.sin(a)))
    return out


def heart_pts(cx: float, cy: float, s: float, n: int = 72) -> list[Pt]:
    out = []
    for i in range(n):
        t = 2 * math.pi * i / n
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        out.append((cx + s * x / 17.0, cy - s * y / 17.0))
    return out


def bezier(p0: Pt, p1: Pt, p2: Pt, p3: Pt | None = None, n: int = 24) -> list[Pt]:
    """Quadratic (3 points) or cubic (4 points) Bezier samples."""
    out = []
    for i in range(n + 1):
        t = i / n
        if p3 is None:
            x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t * t * p2[0]
            y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t * t * p2[1]
        else:
            x = (1 - t) ** 3 * p0[0] + 3 * (1 - t) ** 2 * t * p1[0] + 3 * (1 - t) * t * t * p2[0] + t ** 3 * p3[0]
            y = (1 - t) ** 3 * p0[1] + 3 * (1 - t) ** 2 * t * p1[1] + 3 * (1 - t) * t * t * p2[1] + t ** 3 * p3[1]
        out.append((x, y))
    return out


def mirror(pts: Sequence[Pt], axis: float = 0.5) -> list[Pt]:
    return [(2 * axis - x, y) for x, y in pts]


# -- colour helpers ---------------------------------------------------------------------------------
def clamp_rgb(c: Sequence[float]) -> RGB:
    return (int(max(0, min(255, round(c[0])))), int(max(0, min(255, round(c[1])))), int(max(0, min(255, round(c[2])))))


def shade(c: Sequence[float], f: float) -> RGB:
    """Darker (f < 1) by scaling, lighter (f > 1) by mixing towards white."""
    if f >= 1:
        return clamp_rgb([v + (255 - v) * (f - 1) for v in c])
    return clamp_rgb([v * f for v in c])


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    return clamp_rgb([a[i] * (1 - t) + b[i] * t for i in range(3)])


# -- the painter ----------------------------------------------------------------------------------------
class Painter:
    """Draws shaded, outlined polygons into an RGBA image of `size` pixels."""

    def __init__(self, size: tuple[int, int], *, mode: str = "soft", line: float = 0.008, ink: RGB = (28, 22, 34)):
        self.w, self.h = size
        self.img = Image.new("RGBA", size, (0, 0, 0, 0))
        self.mode = mode
        self.ink = ink
        self.line_px = max(1, round(line * min(size))) if line > 0 else 0
        # affine transforms: x' = a*x + b*y + c ; y' = d*x + e*y + f  (unit -> pixels)
        self._tf: list[tuple[float, float, float, float, float, float]] = [(float(self.w), 0.0, 0.0, 0.0, float(self.h), 0.0)]

    # -- transforms --------------------------------------------------------------------------
    def _map(self, pts: Sequence[Pt]) -> list[Pt]:
        a, b, c, d, e, f = self._tf[-1]
        return [(a * x + b * y + c, d * x + e * y + f) for x, y in pts]

    def scale_px(self, v: float) -> float:
        """A length in current unit coordinates, in pixels (for line widths)."""
        a, b, _c, d, e, _f = self._tf[-1]
        return v * math.sqrt(abs(a * e - b * d))

    @contextmanager
    def region(self, x0: float, y0: float, x1: float, y1: float, angle: float = 0.0, flip: bool = False) -> Iterator[None]:
        """Draw into the box (x0,y0)-(x1,y1) of the current coordinates, rotated by `angle`
        degrees (clockwise) about its centre, optionally mirrored left-right."""
        sx, sy = x1 - x0, y1 - y0
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        fx = -1.0 if flip else 1.0
        # unit -> local: u' = (u - .5) * s ; rotate ; translate to centre
        la, lb, lc = ca * sx * fx, -sa * sy, cx - 0.5 * (ca * sx * fx - sa * sy)
        ld, le, lf = sa * sx * fx, ca * sy, cy - 0.5 * (sa * sx * fx + ca * sy)
        a, b, c, d, e, f = self._tf[-1]
        self._tf.append((a * la + b * ld, a * lb + b * le, a * lc + b * lf + c, d * la + e * ld, d * lb + e * le, d * lc + e * lf + f))
        try:
            yield
        finally:
            self._tf.pop()

    # -- masks ---------------------------------------------------------------------------------------
    def _mask(self, pts: Sequence[Pt], width: float | None = None) -> tuple[np.ndarray, int, int] | None:
        """Rasterise a polygon (or a polyline of `width` unit) to a uint8 mask cropped to its bbox."""
        px = self._map(pts)
        lw = int(round(self.scale_px(width))) if width else 0
        pad = lw + 2
        xs = [p[0] for p in px]
        ys = [p[1] for p in px]
        x0, y0 = max(0, int(math.floor(min(xs))) - pad), max(0, int(math.floor(min(ys))) - pad)
        x1, y1 = min(self.w, int(math.ceil(max(xs))) + pad + 1), min(self.h, int(math.ceil(max(ys))) + pad + 1)
        if x1 <= x0 or y1 <= y0:
            return None
        m = Image.new("L", (x1 - x0, y1 - y0), 0)
        dr = ImageDraw.Draw(m)
        local = [(x - x0, y - y0) for x, y in px]
        if width:
            w = max(1, lw)
            dr.line(local, fill=255, width=w, joint="curve")
            r = w / 2
            for x, y in (local[0], local[-1]):
                dr.ellipse([x - r, y - r, x + r, y + r], fill=255)
        else:
            dr.polygon(local, fill=255)
        arr = np.asarray(m)
        if not arr.any():
            return None
        return arr, x0, y0

    # -- drawing -----------------------------------------------------------------------------------
    def shape(self, pts: Sequence[Pt], fill: Sequence[float], *, shade_mode: str | None = None, outline: bool = True,
              gloss: bool = False, alpha: float = 1.0, width: float | None = None, light: Pt = LIGHT,
              strength: float = 1.0) -> None:
        """Fill a polygon (or stroke a polyline when `width` is given) with a shaded colour."""
        got = self._mask(pts, width)
        if got is None:
            return
        m, x0, y0 = got
        mode = self.mode if shade_mode is None else shade_mode
        h, w = m.shape
        base = np.array(fill[:3], dtype=np.float32)
        col = np.empty((h, w, 3), dtype=np.float32)
        col[:] = base
        if mode in ("soft", "cel") and (w > 2 and h > 2):
            ys, xs = np.nonzero(m)
            bx0, bx1, by0, by1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
            u = (gx - bx0) / max(1, bx1 - bx0) - 0.5
            v = (gy - by0) / max(1, by1 - by0) - 0.5
            t = (u * light[0] + v * light[1]) * -1.0  # > 0 away from the light
            if mode == "soft":
                f = 1.0 - 0.5 * t * strength
                import cv2

                dist = cv2.distanceTransform((m > 127).astype(np.uint8), cv2.DIST_L2, 3)
                rim = np.clip(dist / max(2.0, 0.22 * min(bx1 - bx0, by1 - by0)), 0, 1)
                f = f * (0.8 + 0.2 * rim ** 0.7) if strength > 0 else f
            else:
                f = np.where(t > 0.12, 1.0 - 0.26 * strength, 1.0)
                f = np.where(t < -0.42, 1.0 + 0.16 * strength, f)
            f = f[..., None]
            col = np.where(f >= 1, base + (255 - base) * (f - 1), base * f)
        a = (m.astype(np.float32) / 255.0) * alpha
        if outline and self.line_px > 0 and mode != "none" and min(h, w) > 2 * self.line_px + 2:
            import cv2

            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * self.line_px + 1, 2 * self.line_px + 1))
            inner = cv2.erode(m, k)
            edge = (m > 127) & (inner < 128)
            edge_col = np.array(mix(shade(base.tolist(), 0.42), self.ink, 0.35), dtype=np.float32)
            col[edge] = edge_col
        if gloss:
            self._gloss(col, m)
        rgba = np.dstack([np.clip(col, 0, 255), a * 255.0]).astype(np.uint8)
        self.img.alpha_composite(Image.fromarray(rgba), dest=(x0, y0))

    def _gloss(self, col: np.ndarray, m: np.ndarray) -> None:
        ys, xs = np.nonzero(m > 127)
        if len(xs) < 16:
            return
        bx0, bx1, by0, by1 = xs.min(), xs.max(), ys.min(), ys.max()
        w, h = bx1 - bx0 + 1, by1 - by0 + 1
        gy, gx = np.mgrid[0: m.shape[0], 0: m.shape[1]].astype(np.float32)
        cx, cy = bx0 + 0.3 * w, by0 + 0.26 * h
        rx, ry = 0.14 * w, 0.085 * h
        ang = math.radians(-35)
        dx, dy = gx - cx, gy - cy
        u = (dx * math.cos(ang) + dy * math.sin(ang)) / max(1.0, rx)
        v = (-dx * math.sin(ang) + dy * math.cos(ang)) / max(1.0, ry)
        g = np.clip(1.2 - (u * u + v * v), 0, 1)
        if self.mode == "cel":
            g = (g > 0.35).astype(np.float32)
        g = g * (m > 127) * 0.75
        col[:] = col * (1 - g[..., None]) + 255.0 * g[..., None]

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: Sequence[float], **kw) -> None:
        self.shape(ellipse_pts(cx, cy, rx, ry), fill, **kw)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: Sequence[float], r: float = 0.0, **kw) -> None:
        self.shape(rrect_pts(x0, y0, x1, y1, r), fill, **kw)

    def line(self, pts: Sequence[Pt], fill: Sequence[float], width: float, **kw) -> None:
        kw.setdefault("shade_mode", "none")
        kw.setdefault("outline", False)
        self.shape(pts, fill, width=width, **kw)

    def detail(self, pts: Sequence[Pt], fill: Sequence[float], alpha: float = 1.0) -> None:
        """A flat, unoutlined shape (eyes, windows, emblems)."""
        self.shape(pts, fill, shade_mode="none", outline=False, alpha=alpha)

    def cut(self, pts: Sequence[Pt]) -> None:
        """Make a polygon fully transparent (holes: a key's bow, a cup's handle)."""
        got = self._mask(pts)
        if got is None:
            return
        m, x0, y0 = got
        region = np.asarray(self.img.crop((x0, y0, x0 + m.shape[1], y0 + m.shape[0]))).copy()
        region[..., 3] = (region[..., 3].astype(np.float32) * (1 - m / 255.0)).astype(np.uint8)
        self.img.paste(Image.fromarray(region), (x0, y0))

    def glow(self, cx: float, cy: float, r: float, fill: Sequence[float], alpha: float = 0.6) -> None:
        """A soft radial glow (flames, orbs, lamps)."""
        (px, py), = self._map([(cx, cy)])
        rp = max(1.0, self.scale_px(r))
        x0, y0 = max(0, int(px - rp)), max(0, int(py - rp))
        x1, y1 = min(self.w, int(px + rp) + 1), min(self.h, int(py + rp) + 1)
        if x1 <= x0 or y1 <= y0:
            return
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d = np.sqrt((gx - px) ** 2 + (gy - py) ** 2) / rp
        a = np.clip(1 - d, 0, 1) ** 2 * alpha
        rgba = np.zeros((y1 - y0, x1 - x0, 4), dtype=np.uint8)
        rgba[..., :3] = np.array(fill[:3], dtype=np.uint8)
        rgba[..., 3] = (a * 255).astype(np.uint8)
        self.img.alpha_composite(Image.fromarray(rgba), dest=(x0, y0))
