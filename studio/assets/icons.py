"""Icon sets: one subject rendered at several sizes (16-512 px), optionally on a rarity frame
(the common / uncommon / rare / epic / legendary colours most RPGs share).

Each size is drawn from the full-resolution subject (not from a smaller icon), with a soft drop
shadow at 32 px and up; pixel-art icons are pixelated per size instead.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RARITIES: dict[str, tuple[int, int, int]] = {
    "common": (157, 157, 157),
    "uncommon": (30, 200, 40),
    "rare": (0, 112, 221),
    "epic": (163, 53, 238),
    "legendary": (255, 128, 0),
}

DEFAULT_SIZES = (16, 32, 64, 128, 256)


def _lerp(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def rarity_plate(size: int, rarity: str, *, shape: str = "rounded") -> Image.Image:
    """The framed background of an icon: a dark vertical gradient tinted by the rarity colour,
    a rarity-coloured border and an inner highlight."""
    if rarity not in RARITIES:
        raise ValueError(f"unknown rarity {rarity!r}; use one of {', '.join(RARITIES)}")
    colour = RARITIES[rarity]
    ss = 4
    s = size * ss
    top = _lerp((30, 30, 36), colour, 0.45)
    bottom = _lerp((14, 14, 18), colour, 0.15)
    grad = np.linspace(0, 1, s)[:, None, None]
    arr = (np.array(top)[None, None, :] * (1 - grad) + np.array(bottom)[None, None, :] * grad)
    arr = np.broadcast_to(arr, (s, s, 3)).astype(np.uint8)
    plate = Image.fromarray(np.ascontiguousarray(arr)).convert("RGBA")
    mask = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(mask)
    radius = int(s * 0.16) if shape == "rounded" else 0
    if shape == "circle":
        d.ellipse((0, 0, s - 1, s - 1), fill=255)
    else:
        d.rounded_rectangle((0, 0, s - 1, s - 1), radius=radius, fill=255)
    border = max(ss, int(round(s * 0.045)))
    ring = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    rd = ImageDraw.Draw(ring)
    if shape == "circle":
        rd.ellipse((0, 0, s - 1, s - 1), outline=(*colour, 255), width=border)
        rd.ellipse((border, border, s - 1 - border, s - 1 - border), outline=(*_lerp(colour, (255, 255, 255), 0.5), 90), width=max(1, border // 2))
    else:
        rd.rounded_rectangle((0, 0, s - 1, s - 1), radius=radius, outline=(*colour, 255), width=border)
        rd.rounded_rectangle((border, border, s - 1 - border, s - 1 - border), radius=max(0, radius - border), outline=(*_lerp(colour, (255, 255, 255), 0.5), 90), width=max(1, border // 2))
    plate.alpha_composite(ring)
    plate.putalpha(mask)
    return plate.resize((size, size), Image.Resampling.LANCZOS)


def _fit(subject: Image.Image, box: int) -> Image.Image:
    rgba = subject.convert("RGBA")
    bbox = rgba.getchannel("A").getbbox()
    if bbox:
        rgba = rgba.crop(bbox)
    scale = box / max(rgba.size)
    size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
    return rgba.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")


def render_icon(subject: Image.Image, size: int, *, rarity: str | None = None, shape: str = "rounded", shadow: bool = True, fill: float | None = None) -> Image.Image:
    """One icon of `size` px: the subject fitted to `fill` of the side (default 0.78 on a
    plate, 0.92 without), centred, with a drop shadow from 32 px up."""
    if size < 8 or size > 2048:
        raise ValueError(f"icon size {size} out of range 8..2048")
    canvas = rarity_plate(size, rarity, shape=shape) if rarity else Image.new("RGBA", (size, size), (0, 0, 0, 0))
    frac = fill if fill is not None else (0.74 if rarity else 0.92)
    subj = _fit(subject, max(1, int(round(size * frac))))
    x = (size - subj.width) // 2
    y = (size - subj.height) // 2
    if shadow and size >= 32:
        sh = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        alpha = subj.getchannel("A").point(lambda v: int(v * 0.55))
        sh.paste((0, 0, 0, 255), (x + max(1, size // 40), y + max(1, size // 28)), alpha)
        sh = sh.filter(ImageFilter.GaussianBlur(max(0.6, size / 64)))
        canvas.alpha_composite(sh)
    if size <= 24:
        # small sizes: sharpen so the shape survives the downscale
        subj = subj.filter(ImageFilter.UnsharpMask(radius=1, percent=80, threshold=2))
    canvas.alpha_composite(subj, (x, y))
    return canvas


def icon_set(subject: Image.Image, sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES, *, rarity: str | None = None, shape: str = "rounded", pixel_palette: str | None = None) -> dict[int, Image.Image]:
    """{size: icon} for every size. With `pixel_palette` each size is pixel art at that size
    (pixelated from the full subject, hard alpha, the palette's colours)."""
    out: dict[int, Image.Image] = {}
    for s in sorted(set(int(v) for v in sizes)):
        if pixel_palette:
            from studio.backends.image.pixelate import pixelate

            big = render_icon(subject, max(256, s * 4), rarity=rarity, shape=shape, shadow=False)
            out[s], _ = pixelate(big, width=s, palette=pixel_palette, colors=16)
        else:
            out[s] = render_icon(subject, s, rarity=rarity, shape=shape)
    return out
