"""Packing sprite frames into one sheet: MaxRects (best short side fit), optional trimming,
padding between frames and around the edge, edge extrusion for filtered sampling, and
power-of-two sheet sizes.

    sheet = pack_frames([Frame("0", img0), Frame("1", img1)], padding=2, extrude=1)
    sheet.image, sheet.placements[0].rect

Everything here is plain Pillow/numpy and deterministic: the same frames give the same sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

MAX_SHEET = 8192


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        return other.x >= self.x and other.y >= self.y and other.right <= self.right and other.bottom <= self.bottom

    def intersects(self, other: Rect) -> bool:
        return not (other.x >= self.right or other.right <= self.x or other.y >= self.bottom or other.bottom <= self.y)

    def as_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass
class Frame:
    """One image to pack. `key` is its name in the atlas; `duration` in ms (optional)."""

    key: str
    image: Image.Image
    duration: int | None = None
    pivot: tuple[float, float] | None = None


@dataclass
class Placement:
    """Where a frame went: `rect` on the sheet (trimmed pixels), `source` the part of the
    original image those pixels came from, `source_size` the original image size."""

    key: str
    rect: Rect
    source: Rect
    source_size: tuple[int, int]
    trimmed: bool
    duration: int | None = None
    pivot: tuple[float, float] | None = None


@dataclass
class Sheet:
    image: Image.Image
    placements: list[Placement]
    padding: int = 0
    extrude: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def efficiency(self) -> float:
        """Used area (the frames' own pixels) over the sheet area."""
        used = sum(p.rect.w * p.rect.h for p in self.placements)
        w, h = self.image.size
        return used / float(w * h) if w and h else 0.0

    def placement(self, key: str) -> Placement:
        for p in self.placements:
            if p.key == key:
                return p
        raise KeyError(key)


# -- MaxRects ------------------------------------------------------------------------------------


class MaxRects:
    """The MaxRects bin packer (Jylänkä 2010), best-short-side-fit rule, no rotation."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.free: list[Rect] = [Rect(0, 0, width, height)]
        self.used: list[Rect] = []

    def insert(self, w: int, h: int) -> Rect | None:
        best: Rect | None = None
        best_short = best_long = math.inf
        for fr in self.free:
            if w <= fr.w and h <= fr.h:
                left_w, left_h = fr.w - w, fr.h - h
                short, long_ = min(left_w, left_h), max(left_w, left_h)
                # ties broken by position so the result does not depend on list order quirks
                if (short, long_) < (best_short, best_long) or (
                    (short, long_) == (best_short, best_long) and best is not None and (fr.y, fr.x) < (best.y, best.x)
                ):
                    best, best_short, best_long = Rect(fr.x, fr.y, w, h), short, long_
        if best is None:
            return None
        self._split(best)
        self.used.append(best)
        return best

    def _split(self, used: Rect) -> None:
        new_free: list[Rect] = []
        for fr in self.free:
            if not fr.intersects(used):
                new_free.append(fr)
                continue
            if used.x > fr.x:
                new_free.append(Rect(fr.x, fr.y, used.x - fr.x, fr.h))
            if used.right < fr.right:
                new_free.append(Rect(used.right, fr.y, fr.right - used.right, fr.h))
            if used.y > fr.y:
                new_free.append(Rect(fr.x, fr.y, fr.w, used.y - fr.y))
            if used.bottom < fr.bottom:
                new_free.append(Rect(fr.x, used.bottom, fr.w, fr.bottom - used.bottom))
        # prune rectangles contained in others
        pruned: list[Rect] = []
        for i, a in enumerate(new_free):
            if a.w <= 0 or a.h <= 0:
                continue
            if any(j != i and b.contains(a) and (b != a or j < i) for j, b in enumerate(new_free)):
                continue
            pruned.append(a)
        self.free = pruned


def _pack_into(sizes: list[tuple[int, int]], order: list[int], width: int, height: int) -> list[Rect] | None:
    packer = MaxRects(width, height)
    out: list[Rect | None] = [None] * len(sizes)
    for i in order:
        r = packer.insert(*sizes[i])
        if r is None:
            return None
        out[i] = r
    return [r for r in out if r is not None]


def _next_pow2(n: int) -> int:
    return 1 << max(0, (max(1, n) - 1).bit_length())


def layout(
    sizes: list[tuple[int, int]], *, power_of_two: bool = False, max_size: int = MAX_SHEET, border: int = 0
) -> tuple[list[Rect], int, int]:
    """Positions for boxes of `sizes` and the sheet size (w, h) that holds them (plus `border` px
    added to the used width and height) with the least area among a handful of candidate widths."""
    if not sizes:
        return [], 1, 1
    order = sorted(range(len(sizes)), key=lambda i: (-max(sizes[i]), -sizes[i][0] * sizes[i][1], i))
    area = sum(w * h for w, h in sizes)
    widest = max(w for w, _ in sizes)
    tallest = max(h for _, h in sizes)
    if widest > max_size or tallest > max_size:
        raise ValueError(f"a frame of {widest}x{tallest} px does not fit a {max_size} px sheet")
    side = max(widest, int(math.ceil(math.sqrt(area))))
    best: tuple[int, list[Rect], int, int] | None = None
    if power_of_two:
        # try power-of-two bins in order of area (squarer first) and keep the first that fits
        sizes_p2 = [1 << k for k in range(3, max_size.bit_length()) if (1 << k) <= max_size]
        bins = sorted(((w, h) for w in sizes_p2 for h in sizes_p2 if w * h >= area and w >= widest + border and h >= tallest + border),
                      key=lambda wh: (wh[0] * wh[1], abs(wh[0].bit_length() - wh[1].bit_length()), -wh[0]))
        for w, h in bins[:24]:
            rects = _pack_into(sizes, order, w - border, h - border)
            if rects is not None:
                return rects, w, h
        widths = sorted({_next_pow2(max(widest, side // 2)), _next_pow2(side), _next_pow2(side) * 2})
    else:
        widths = sorted({max(widest, int(side * f)) for f in (0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)} | {widest})
    for w in widths:
        if w > max_size:
            continue
        rects = _pack_into(sizes, order, w - border if power_of_two else w, max_size)
        if rects is None:
            continue
        used_w = max(r.right for r in rects) + border
        used_h = max(r.bottom for r in rects) + border
        if power_of_two:
            used_w, used_h = _next_pow2(used_w), _next_pow2(used_h)
        if used_h > max_size:
            continue
        key = used_w * used_h + abs(used_w - used_h)  # least area, then squarest
        if best is None or key < best[0]:
            best = (key, rects, used_w, used_h)
    if best is None:
        raise ValueError(f"the frames ({area} px²) do not fit a {max_size}x{max_size} sheet")
    return best[1], best[2], best[3]


# -- sheets ----------------------------------------------------------------------------------------


def trim_box(img: Image.Image) -> Rect:
    """The bounding box of non-transparent pixels (the whole image if fully transparent:
    a 1x1 box at the origin)."""
    rgba = img if img.mode == "RGBA" else img.convert("RGBA")
    bbox = rgba.getchannel("A").getbbox()
    if bbox is None:
        return Rect(0, 0, 1, 1)
    x0, y0, x1, y1 = bbox
    return Rect(x0, y0, x1 - x0, y1 - y0)


def _extrude(sheet: np.ndarray, r: Rect, e: int) -> None:
    """Copy the frame's edge pixels outward by `e` px (in place)."""
    if e <= 0:
        return
    x0, y0, x1, y1 = r.x, r.y, r.right, r.bottom
    sheet[y0:y1, x0 - e:x0] = sheet[y0:y1, x0:x0 + 1]
    sheet[y0:y1, x1:x1 + e] = sheet[y0:y1, x1 - 1:x1]
    sheet[y0 - e:y0, x0 - e:x1 + e] = sheet[y0:y0 + 1, x0 - e:x1 + e]
    sheet[y1:y1 + e, x0 - e:x1 + e] = sheet[y1 - 1:y1, x0 - e:x1 + e]


def pack_frames(
    frames: list[Frame],
    *,
    padding: int = 2,
    extrude: int = 1,
    trim: bool = True,
    power_of_two: bool = False,
    max_size: int = MAX_SHEET,
) -> Sheet:
    """Pack frames into one RGBA sheet. `padding` px of empty space separate frames (and the
    sheet edge); `extrude` px of each frame's edge are repeated around it (inside the padding
    budget's own margin, so neighbours never bleed into each other under bilinear filtering)."""
    if not frames:
        raise ValueError("no frames to pack")
    keys = [f.key for f in frames]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"frame key {dup!r} is used twice")
    if padding < 0 or extrude < 0:
        raise ValueError("padding and extrude must be >= 0")
    crops: list[tuple[Image.Image, Rect, bool]] = []
    for f in frames:
        img = f.image if f.image.mode == "RGBA" else f.image.convert("RGBA")
        if trim:
            box = trim_box(img)
            trimmed = (box.w, box.h) != img.size
            crops.append((img.crop((box.x, box.y, box.right, box.bottom)), box, trimmed))
        else:
            crops.append((img, Rect(0, 0, img.width, img.height), False))
    margin = 2 * extrude + padding
    sizes = [(c.width + margin, c.height + margin) for c, _, _ in crops]
    rects, width, height = layout(sizes, power_of_two=power_of_two, max_size=max_size, border=padding)
    canvas = np.zeros((height, width, 4), dtype=np.uint8)
    placements: list[Placement] = []
    for f, (crop, box, trimmed), slot in zip(frames, crops, rects):
        x = padding + slot.x + extrude
        y = padding + slot.y + extrude
        r = Rect(x, y, crop.width, crop.height)
        canvas[y:y + crop.height, x:x + crop.width] = np.asarray(crop)
        _extrude(canvas, r, extrude)
        placements.append(Placement(f.key, r, box, f.image.size, trimmed, f.duration, f.pivot))
    sheet = Sheet(Image.fromarray(canvas), placements, padding, extrude)
    sheet.info = {"efficiency": round(sheet.efficiency(), 4), "packer": "maxrects-bssf", "power_of_two": power_of_two}
    return sheet


def grid_sheet(images: list[Image.Image], *, columns: int | None = None, padding: int = 0) -> tuple[Image.Image, dict[str, int]]:
    """A uniform grid (every cell the size of the largest image, images centred on the cell's
    bottom edge), row-major: what Unity's Sprite Editor "Grid by Cell Size" and most engines'
    frame-grid loaders read."""
    if not images:
        raise ValueError("no images for a grid")
    cw = max(i.width for i in images)
    ch = max(i.height for i in images)
    n = len(images)
    cols = columns or (n if n <= 8 else int(math.ceil(math.sqrt(n))))
    cols = max(1, min(cols, n))
    rows = int(math.ceil(n / cols))
    w = cols * cw + (cols - 1) * padding
    h = rows * ch + (rows - 1) * padding
    sheet = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        x = c * (cw + padding) + (cw - img.width) // 2
        y = r * (ch + padding) + (ch - img.height)
        sheet.paste(img.convert("RGBA"), (x, y))
    return sheet, {"cell_width": cw, "cell_height": ch, "columns": cols, "rows": rows, "count": n, "padding": padding}
