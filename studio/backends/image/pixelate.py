"""Pixel-art post-processing: dominant-colour downscale to a grid, palette quantisation (fixed
retro palettes or an adaptive one), optional dithering, hard alpha and a crisp preview upscale.

    small = pixelate(img, width=32, palette="pico-8", dither="ordered")
    preview = upscale(small, 8)
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from studio.backends.image.colorspace import srgb_to_lab


def _hex(*codes: str) -> np.ndarray:
    return np.array([[int(c[i:i + 2], 16) for i in (0, 2, 4)] for c in codes], dtype=np.uint8)


PALETTES: dict[str, np.ndarray] = {
    "pico-8": _hex(
        "000000", "1d2b53", "7e2553", "008751", "ab5236", "5f574f", "c2c3c7", "fff1e8",
        "ff004d", "ffa300", "ffec27", "00e436", "29adff", "83769c", "ff77a8", "ffccaa",
    ),
    "gameboy": _hex("0f380f", "306230", "8bac0f", "9bbc0f"),
    "nes": _hex(
        "000000", "fcfcfc", "f8f8f8", "bcbcbc", "7c7c7c", "a4e4fc", "3cbcfc", "0078f8", "0000fc",
        "b8b8f8", "6888fc", "0058f8", "0000bc", "d8b8f8", "9878f8", "6844fc", "4428bc", "f8b8f8",
        "f878f8", "d800cc", "940084", "f8a4c0", "f85898", "e40058", "a80020", "f0d0b0", "f87858",
        "f83800", "a81000", "fce0a8", "fca044", "e45c10", "881400", "f8d878", "f8b800", "ac7c00",
        "503000", "d8f878", "b8f818", "00b800", "007800", "b8f8b8", "58d854", "00a800", "006800",
        "b8f8d8", "58f898", "00a844", "005800", "00fcfc", "00e8d8", "008888", "004058", "f8d8f8",
        "787878",
    ),
    "sweetie-16": _hex(
        "1a1c2c", "5d275d", "b13e53", "ef7d57", "ffcd75", "a7f070", "38b764", "257179",
        "29366f", "3b5dc9", "41a6f6", "73eff7", "f4f4f4", "94b0c2", "566c86", "333c57",
    ),
    "endesga-32": _hex(
        "be4a2f", "d77643", "ead4aa", "e4a672", "b86f50", "733e39", "3e2731", "a22633",
        "e43b44", "f77622", "feae34", "fee761", "63c74d", "3e8948", "265c42", "193c3e",
        "124e89", "0099db", "2ce8f5", "ffffff", "c0cbdc", "8b9bb4", "5a6988", "3a4466",
        "262b44", "181425", "ff0044", "68386c", "b55088", "f6757a", "e8b796", "c28569",
    ),
    "cga": _hex("000000", "55ffff", "ff55ff", "ffffff"),
    "1-bit": _hex("000000", "ffffff"),
}

PALETTE_NAMES = ("adaptive", *PALETTES)

BAYER4 = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], dtype=np.float64) / 16.0 - 0.46875


def palette_colours(name: str) -> np.ndarray:
    key = name.lower().replace("_", "-").replace(" ", "-")
    aliases = {"pico8": "pico-8", "game-boy": "gameboy", "gb": "gameboy", "dmg": "gameboy", "sweetie16": "sweetie-16", "endesga32": "endesga-32", "1bit": "1-bit", "mono": "1-bit"}
    key = aliases.get(key, key)
    if key not in PALETTES:
        raise ValueError(f"unknown palette {name!r}; known: {', '.join(PALETTE_NAMES)}")
    return PALETTES[key]


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, (..., 3)) to CIE L*a*b* (D65)."""
    return srgb_to_lab(rgb)


def _nearest(rgb: np.ndarray, palette: np.ndarray, palette_lab: np.ndarray | None = None) -> np.ndarray:
    """Index of the perceptually nearest palette colour (Euclidean distance in CIELAB, with
    chroma weighted up a little so a green stays green rather than turning grey)."""
    a = to_lab(rgb.reshape(-1, 3))
    p = to_lab(palette) if palette_lab is None else palette_lab
    w = np.array([1.0, 1.3, 1.3])
    d = ((a[:, None, :] - p[None, :, :]) * w) ** 2
    return np.argmin(d.sum(-1), axis=1).reshape(rgb.shape[:-1])


def _dominant_downscale(img: Image.Image, gw: int, gh: int, alpha_threshold: int) -> np.ndarray:
    """Each output pixel takes the most common colour of its block (on opaque pixels), so thin
    features stay crisp instead of averaging into mud. Returns (gh, gw, 4) uint8."""
    sw, sh = img.size
    k = int(max(1, min(8, sw // gw, sh // gh)))
    while gw * gh * k ** 4 > 24_000_000 and k > 1:
        k -= 1
    big = img.resize((gw * k, gh * k), Image.Resampling.BOX if k > 1 else Image.Resampling.LANCZOS)
    a = np.asarray(big.convert("RGBA"), dtype=np.int32).reshape(gh, k, gw, k, 4).transpose(0, 2, 1, 3, 4).reshape(gh * gw, k * k, 4)
    opaque = a[..., 3] >= alpha_threshold
    q = a[..., :3] >> 4
    codes = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    codes = np.where(opaque, codes, -1)
    same = (codes[:, :, None] == codes[:, None, :]) & opaque[:, None, :]
    counts = same.sum(-1)
    counts = np.where(opaque, counts, -1)
    pick = np.argmax(counts, axis=1)
    chosen = codes[np.arange(codes.shape[0]), pick]
    members = (codes == chosen[:, None]) & opaque
    n = np.maximum(members.sum(1, keepdims=True), 1)
    rgb = (a[..., :3] * members[..., None]).sum(1) / n
    cover = opaque.mean(1)
    alpha = np.where(cover >= 0.5, 255, 0)
    out = np.concatenate([np.round(rgb), alpha[:, None]], axis=1).astype(np.uint8)
    return out.reshape(gh, gw, 4)


def adaptive_palette(rgb: np.ndarray, colors: int) -> np.ndarray:
    """Up to `colors` colours by median cut over the given pixels (N, 3)."""
    if len(rgb) == 0:
        return np.zeros((1, 3), dtype=np.uint8)
    strip = Image.fromarray(rgb.reshape(1, -1, 3).astype(np.uint8))
    q = strip.quantize(colors=max(2, min(256, colors)), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal = np.array((q.getpalette() or [])[: 3 * max(2, min(256, colors))], dtype=np.uint8).reshape(-1, 3)
    used = np.unique(np.asarray(q).ravel())
    return pal[used]


def quantise(rgba: np.ndarray, palette: np.ndarray, dither: str = "none", strength: float = 1.0) -> np.ndarray:
    """Map opaque pixels of (h, w, 4) uint8 to palette colours; transparent pixels become
    (0, 0, 0, 0)."""
    h, w = rgba.shape[:2]
    rgb = rgba[..., :3].astype(np.float64)
    opaque = rgba[..., 3] > 0
    if dither == "ordered":
        spread = 255.0 / max(2.0, np.sqrt(len(palette))) * strength
        thr = np.tile(BAYER4, (h // 4 + 1, w // 4 + 1))[:h, :w]
        idx = _nearest(np.clip(rgb + thr[..., None] * spread, 0, 255), palette)
        out = palette[idx]
    elif dither == "floyd-steinberg":
        work = rgb.copy()
        out = np.zeros((h, w, 3), dtype=np.uint8)
        pal = palette.astype(np.float64)
        plab = to_lab(palette)
        for y in range(h):
            for x in range(w):
                if not opaque[y, x]:
                    continue
                old = work[y, x]
                i = int(_nearest(np.clip(old, 0, 255)[None, :], palette, plab)[0])
                out[y, x] = palette[i]
                err = (old - pal[i]) * strength
                if x + 1 < w and opaque[y, x + 1]:
                    work[y, x + 1] += err * 7 / 16
                if y + 1 < h:
                    if x > 0 and opaque[y + 1, x - 1]:
                        work[y + 1, x - 1] += err * 3 / 16
                    if opaque[y + 1, x]:
                        work[y + 1, x] += err * 5 / 16
                    if x + 1 < w and opaque[y + 1, x + 1]:
                        work[y + 1, x + 1] += err * 1 / 16
    elif dither == "none":
        out = palette[_nearest(rgb, palette)]
    else:
        raise ValueError(f"unknown dither {dither!r}; use none, ordered or floyd-steinberg")
    res = np.zeros((h, w, 4), dtype=np.uint8)
    res[..., :3] = np.where(opaque[..., None], out, 0)
    res[..., 3] = np.where(opaque, 255, 0)
    return res


def add_outline(rgba: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """A 1-px outline (4-connected) around the opaque area, drawn on transparent pixels."""
    opaque = rgba[..., 3] > 0
    ring = ndimage.binary_dilation(opaque, structure=ndimage.generate_binary_structure(2, 1)) & ~opaque
    out = rgba.copy()
    out[ring] = (*colour, 255)
    return out


def pixelate(
    img: Image.Image,
    *,
    width: int = 32,
    height: int | None = None,
    palette: str | np.ndarray = "adaptive",
    colors: int = 16,
    dither: str = "none",
    dither_strength: float = 1.0,
    alpha_threshold: int = 128,
    outline: bool = False,
    outline_colour: tuple[int, int, int] | None = None,
    method: str = "dominant",
) -> tuple[Image.Image, np.ndarray]:
    """Pixel art at `width` x `height` pixels (height follows the aspect when omitted).
    `palette` is a name (see PALETTES), "adaptive" (median cut to `colors`) or a (k, 3) array.
    `method` "dominant" (each pixel the most common colour of its block: crisp sprites) or
    "mean" (block average: keeps the variation of textures, best with ordered dithering).
    Returns the small RGBA image (hard alpha: 0 or 255) and the palette used (k, 3)."""
    if width < 1 or (height is not None and height < 1):
        raise ValueError("pixel grid width/height must be positive")
    src = img.convert("RGBA")
    gh = height or max(1, round(src.height * width / src.width))
    if method == "dominant":
        small = _dominant_downscale(src, width, gh, alpha_threshold)
    elif method == "mean":
        small = np.asarray(src.convert("RGBa").resize((width, gh), Image.Resampling.BOX).convert("RGBA")).copy()
        small[..., 3] = np.where(small[..., 3] >= alpha_threshold, 255, 0)
    else:
        raise ValueError(f"unknown method {method!r}; use dominant or mean")
    if isinstance(palette, np.ndarray):
        pal = palette.astype(np.uint8).reshape(-1, 3)
    elif palette == "adaptive":
        opaque = small[..., 3] > 0
        pal = adaptive_palette(small[..., :3][opaque], colors)
    else:
        pal = palette_colours(palette)
    out = quantise(small, pal, dither, dither_strength)
    if outline:
        if outline_colour is None:
            lum = pal.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
            r, g, b = (int(v) for v in pal[int(np.argmin(lum))])
            outline_colour = (r, g, b)
        out = add_outline(out, outline_colour)
        if not any((pal == np.array(outline_colour)).all(1)):
            pal = np.vstack([pal, np.array(outline_colour, dtype=np.uint8)[None, :]])
    return Image.fromarray(out), pal


def upscale(img: Image.Image, factor: int) -> Image.Image:
    """Nearest-neighbour upscale: crisp pixels for previews and high-DPI use."""
    if factor <= 1:
        return img.copy()
    return img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)


def colours_used(img: Image.Image) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of the opaque pixels."""
    a = np.asarray(img.convert("RGBA"))
    rgb = a[..., :3][a[..., 3] > 0]
    return {(int(c[0]), int(c[1]), int(c[2])) for c in np.unique(rgb.reshape(-1, 3), axis=0)} if len(rgb) else set()
