"""Seamless (tileable) textures: procedural generators, the seam metric, normal and roughness
maps, and circular padding for diffusers UNet/VAE models.

Every procedural generator works on the torus: spectral noise is filtered in the Fourier domain,
cellular noise measures distances with wrap-around and every pattern (bricks, planks, tiles)
repeats a whole number of times, so the left edge continues the right one and the top the
bottom. Generators return an albedo (RGB, 0..1), a height field (0..1, used for the normal map)
and a roughness field (0..1).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from studio.engine.errors import UserError

# -- words -> material and colour -----------------------------------------------------------------

MATERIALS: dict[str, tuple[str, ...]] = {
    "bricks": ("brick", "bricks", "brickwork", "masonry"),
    "planks": ("plank", "planks", "wood", "wooden", "floorboard", "floorboards", "boards", "deck", "timber", "parquet"),
    "stone": ("stone", "stones", "cobble", "cobblestone", "cobblestones", "rock", "rocks", "rocky", "pebble", "pebbles", "gravel", "dungeon", "castle"),
    "tiles": ("tile", "tiles", "tiled", "checker", "checkered", "marble", "ceramic", "mosaic"),
    "grass": ("grass", "grassy", "lawn", "meadow", "moss", "mossy", "field", "leaves", "foliage", "hedge", "jungle"),
    "water": ("water", "ocean", "sea", "lake", "river", "pond", "waves", "acid", "swamp", "slime"),
    "lava": ("lava", "magma", "molten"),
    "ice": ("ice", "icy", "frozen"),
    "sand": ("sand", "sandy", "desert", "beach", "dune", "dunes"),
    "dirt": ("dirt", "mud", "soil", "earth", "ground", "path", "clay"),
    "metal": ("metal", "metallic", "steel", "iron", "plate", "plates", "brushed", "sci-fi", "scifi", "spaceship", "hull", "chrome", "copper", "bronze", "rust", "rusty"),
    "snow": ("snow", "snowy", "frost"),
    "fabric": ("fabric", "cloth", "carpet", "rug", "wool", "canvas", "burlap"),
}

#: base colours of each material (light, dark) in sRGB 0..255
MATERIAL_COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "bricks": ((178, 84, 62), (110, 48, 38)),
    "planks": ((176, 124, 76), (104, 66, 38)),
    "stone": ((150, 150, 146), (84, 84, 86)),
    "lava": ((255, 170, 40), (44, 22, 20)),
    "ice": ((226, 244, 252), (120, 170, 206)),
    "tiles": ((214, 210, 200), (150, 146, 140)),
    "grass": ((104, 168, 64), (46, 96, 34)),
    "water": ((60, 140, 210), (20, 64, 140)),
    "sand": ((230, 204, 150), (196, 160, 104)),
    "dirt": ((136, 100, 66), (82, 58, 38)),
    "metal": ((176, 180, 186), (104, 108, 116)),
    "snow": ((244, 248, 252), (196, 212, 230)),
    "fabric": ((160, 60, 60), (100, 34, 38)),
    "noise": ((160, 160, 160), (80, 80, 80)),
}

COLOUR_WORDS: dict[str, tuple[int, int, int]] = {
    "red": (200, 50, 44), "crimson": (180, 20, 50), "orange": (230, 130, 40), "yellow": (236, 208, 60),
    "gold": (222, 180, 60), "golden": (222, 180, 60), "green": (70, 160, 70), "lime": (150, 210, 60),
    "teal": (40, 150, 150), "cyan": (60, 200, 220), "blue": (60, 100, 210), "navy": (30, 40, 110),
    "purple": (130, 70, 180), "violet": (150, 90, 200), "magenta": (200, 60, 170), "pink": (236, 140, 180),
    "brown": (130, 86, 50), "tan": (200, 170, 120), "beige": (220, 204, 170), "white": (236, 236, 236),
    "black": (36, 36, 40), "grey": (128, 128, 132), "gray": (128, 128, 132), "silver": (190, 194, 200),
    "bronze": (176, 120, 60), "copper": (190, 110, 70), "rust": (160, 80, 40), "rusty": (160, 80, 40),
    "lava": (240, 90, 20), "magma": (230, 70, 20), "acid": (140, 220, 40), "slime": (120, 200, 60),
    "mossy": (90, 130, 60), "ice": (190, 226, 244), "icy": (190, 226, 244), "sandstone": (214, 180, 120),
}

#: colour words that are also materials ("lava"): used only when no plain colour word is given
MATERIAL_TINTS = {"bronze", "copper", "rust", "rusty", "lava", "magma", "acid", "slime", "mossy", "ice", "icy", "sandstone", "gold", "golden", "silver"}

TONE_WORDS = {"dark": 0.6, "darker": 0.5, "light": 1.3, "pale": 1.35, "bright": 1.25, "old": 0.85, "dirty": 0.8, "night": 0.5}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9\-]*", text.lower())


#: material words that are adjectives ("mossy stone wall" is stone, not grass): used only when no
#: noun names a material
ADJECTIVES = {"grassy", "mossy", "rocky", "sandy", "snowy", "icy", "wooden", "metallic", "rusty", "brushed", "tiled",
              "checkered", "frozen", "dungeon", "castle", "jungle", "field", "path", "ground", "earth"}


def material_for(description: str) -> str:
    """The generator a description asks for: the first material noun ("stone", "planks"),
    else the first material adjective ("mossy", "wooden"), else "noise"."""
    found = [(w, mat) for w in words(description) for mat, keys in MATERIALS.items() if w in keys]
    nouns = [m for w, m in found if w not in ADJECTIVES]
    if nouns:
        return nouns[0]
    return found[0][1] if found else "noise"


def colours_for(description: str, material: str) -> tuple[np.ndarray, np.ndarray]:
    """(light, dark) base colours as floats 0..1: the material's own, tinted by colour words and
    scaled by tone words ("dark", "pale")."""
    light, dark = (np.array(c, dtype=np.float64) / 255.0 for c in MATERIAL_COLOURS[material])
    ws = words(description)
    found = [w for w in ws if w in COLOUR_WORDS]
    pure = [w for w in found if w not in MATERIAL_TINTS]
    named = [np.array(COLOUR_WORDS[w], dtype=np.float64) / 255.0 for w in (pure or found)]
    if named:
        base = named[0] if len(named) == 1 else (0.65 * named[0] + 0.35 * named[1])
        lum_l, lum_d = light.mean(), dark.mean()
        light = np.clip(base * (0.6 + 0.8 * lum_l), 0, 1)
        dark = np.clip(base * (0.3 + 0.8 * lum_d), 0, 1)
    tone = 1.0
    for w in ws:
        tone *= TONE_WORDS.get(w, 1.0)
    return np.clip(light * tone, 0, 1), np.clip(dark * tone, 0, 1)


# -- tileable primitives --------------------------------------------------------------------------


def spectral_noise(h: int, w: int, rng: np.random.Generator, *, beta: float = 2.0, low: float = 1.0, high: float | None = None, aniso: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Periodic 1/f^beta noise in 0..1. `low`/`high` bound the spatial frequency in cycles per
    tile; `aniso` stretches it (e.g. (1, 8) makes streaks along x)."""
    white = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None] * h * aniso[1]
    fx = np.fft.rfftfreq(w)[None, :] * w * aniso[0]
    f = np.sqrt(fx * fx + fy * fy)
    amp = np.zeros_like(f)
    mask = f >= low
    if high is not None:
        mask &= f <= high
    amp[mask] = 1.0 / f[mask] ** (beta / 2.0)
    out = np.fft.irfft2(np.fft.rfft2(white) * amp, s=(h, w))
    return _normalise(out)


def _normalise(a: np.ndarray) -> np.ndarray:
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def periodic_cells(h: int, w: int, n: int, rng: np.random.Generator, jitter: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cellular (Worley) noise on the torus: distance to the nearest and second-nearest of `n`
    random points (in pixels) and the index of the nearest one."""
    pts = rng.random((n, 2)) * np.array([h, w])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d1 = np.full((h, w), np.inf, dtype=np.float32)
    d2 = np.full((h, w), np.inf, dtype=np.float32)
    idx = np.zeros((h, w), dtype=np.int32)
    for i, (py, px) in enumerate(pts):
        dy = np.abs(yy - py)
        dy = np.minimum(dy, h - dy)
        dx = np.abs(xx - px)
        dx = np.minimum(dx, w - dx)
        d = np.sqrt(dx * dx + dy * dy)
        closer = d < d1
        d2 = np.where(closer, d1, np.minimum(d2, d))
        idx = np.where(closer, i, idx)
        d1 = np.where(closer, d, d1)
    return d1, d2, idx


def _mix(dark: np.ndarray, light: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0, 1)[..., None]
    return dark[None, None, :] * (1 - t) + light[None, None, :] * t


def _bevel(dist_to_edge: np.ndarray, width: float) -> np.ndarray:
    """0 at an edge rising smoothly to 1 at `width` px inside."""
    t = np.clip(dist_to_edge / max(width, 1e-6), 0, 1)
    return t * t * (3 - 2 * t)


@dataclass
class TextureMaps:
    albedo: np.ndarray  # (h, w, 3) 0..1
    height: np.ndarray  # (h, w) 0..1
    roughness: np.ndarray  # (h, w) 0..1
    material: str


def _count(size: int, target: float) -> int:
    return max(1, int(round(size / target)))


def gen_bricks(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    rows = _count(h, 32 * h / 256) if h >= 64 else 2
    rows = max(2, rows - rows % 2)
    cols = max(1, _count(w, 64 * w / 256))
    bh, bw = h / rows, w / cols
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    row = np.floor(yy / bh).astype(int)
    shift = np.where(row % 2 == 1, bw / 2, 0.0)
    xs = (xx + shift) % w
    col = np.floor(xs / bw).astype(int) % cols
    fy, fx = yy - row * bh, xs - col * bw
    mortar = max(1.5, min(bh, bw) * 0.09)
    edge = np.minimum(np.minimum(fy, bh - fy), np.minimum(fx, bw - fx))
    brick_id = row * cols + col
    tint = rng.random(rows * cols)[brick_id]
    n = spectral_noise(h, w, rng, beta=1.6, low=2)
    fine = spectral_noise(h, w, rng, beta=0.8, low=8)
    body = _bevel(edge - mortar, mortar * 1.2)
    height = np.where(edge < mortar, 0.1 * n, 0.55 + 0.35 * body + 0.1 * n)
    t = 0.25 + 0.55 * tint + 0.25 * (n - 0.5) + 0.15 * (fine - 0.5)
    albedo = _mix(dark, light, t)
    mortar_col = np.array([0.72, 0.70, 0.66]) * (0.6 + 0.4 * light.mean())
    m = (edge < mortar)[..., None]
    albedo = np.where(m, mortar_col[None, None, :] * (0.85 + 0.3 * fine[..., None]), albedo)
    rough = np.where(edge < mortar, 0.95, 0.75 + 0.15 * fine)
    return TextureMaps(albedo, height, rough, "bricks")


def gen_planks(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    boards = max(2, _count(w, 42 * w / 256))
    pw = w / boards
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    board = np.floor(xx / pw).astype(int)
    fx = xx - board * pw
    # each board has one end joint at a random height
    joints = rng.random(boards) * h
    fy = (yy - joints[board]) % h
    edge = np.minimum(np.minimum(fx, pw - fx), np.minimum(fy, h - fy) * 1.0)
    grain = spectral_noise(h, w, rng, beta=2.2, low=1, aniso=(6.0, 0.35))
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (grain * 6 + board[:, :] * 0.37))
    fine = spectral_noise(h, w, rng, beta=1.0, low=6, aniso=(4.0, 0.5))
    tint = rng.random(boards)[board]
    gap = max(1.0, pw * 0.05)
    t = 0.35 + 0.35 * tint + 0.2 * (rings - 0.5) + 0.2 * (fine - 0.5)
    albedo = _mix(dark, light, t)
    seam = edge < gap
    albedo = np.where(seam[..., None], dark[None, None, :] * 0.45, albedo)
    height = np.where(seam, 0.05, 0.7 + 0.2 * _bevel(edge - gap, gap * 2) * 0.5 + 0.1 * fine)
    rough = 0.55 + 0.3 * fine + 0.1 * rings
    return TextureMaps(albedo, height, np.where(seam, 0.95, rough), "planks")


def gen_stone(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    """Cobbles: cellular stones, domed (lit at the top, darker towards the joints), with
    per-stone tint, surface grain and dark mortar joints."""
    n_cells = max(6, int(h * w / (40 * 40)))
    d1, d2, idx = periodic_cells(h, w, n_cells, rng)
    edge = (d2 - d1) / 2.0
    cell = np.sqrt(h * w / n_cells)
    gap = max(1.0, cell * 0.035)
    tint = rng.random(n_cells)[idx]
    n = spectral_noise(h, w, rng, beta=1.8, low=2)
    fine = spectral_noise(h, w, rng, beta=0.9, low=10)
    dome = np.sqrt(np.clip((edge - gap) / (cell * 0.3), 0, 1))
    height = np.where(edge < gap, 0.02, 0.15 + 0.7 * dome + 0.1 * n + 0.05 * fine)
    t = 0.15 + 0.45 * tint + 0.2 * (n - 0.5) + 0.2 * (fine - 0.5) + 0.35 * dome
    albedo = _mix(dark, light, t)
    joint = np.clip(1 - (edge - gap) / (gap * 2.5), 0, 1)[..., None]  # ambient occlusion near joints
    albedo = albedo * (1 - 0.45 * joint)
    albedo = np.where((edge < gap)[..., None], dark[None, None, :] * (0.35 + 0.2 * n[..., None]), albedo)
    rough = np.where(edge < gap, 0.95, 0.65 + 0.2 * fine + 0.1 * (1 - dome))
    return TextureMaps(albedo, height, rough, "stone")


def gen_tiles(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    rows = max(2, _count(h, 64 * h / 256))
    cols = max(2, _count(w, 64 * w / 256))
    th, tw = h / rows, w / cols
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.floor(yy / th).astype(int)
    c = np.floor(xx / tw).astype(int)
    fy, fx = yy - r * th, xx - c * tw
    edge = np.minimum(np.minimum(fy, th - fy), np.minimum(fx, tw - fx))
    grout = max(1.5, min(th, tw) * 0.05)
    veins = spectral_noise(h, w, rng, beta=2.0, low=1)
    marble = 1 - np.abs(np.sin(veins * 14))
    checker = ((r + c) % 2).astype(float) if "checker" in "" else np.zeros_like(fy)
    tint = rng.random(rows * cols)[r * cols + c] * 0.15
    t = 0.75 + tint - 0.25 * marble ** 6 - 0.3 * checker
    albedo = _mix(dark, light, t)
    albedo = np.where((edge < grout)[..., None], dark[None, None, :] * 0.6, albedo)
    height = np.where(edge < grout, 0.1, 0.75 + 0.25 * _bevel(edge - grout, grout))
    rough = np.where(edge < grout, 0.9, 0.25 + 0.15 * marble)
    return TextureMaps(albedo, height, rough, "tiles")


def gen_grass(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    base = spectral_noise(h, w, rng, beta=2.2, low=1)
    blades = spectral_noise(h, w, rng, beta=0.6, low=12, aniso=(2.5, 0.4))
    clumps = spectral_noise(h, w, rng, beta=1.4, low=4)
    t = 0.25 + 0.35 * base + 0.45 * (blades - 0.5) * 1.6 + 0.2 * (clumps - 0.5)
    albedo = _mix(dark, light, t)
    yellow = np.array([0.75, 0.72, 0.3])
    dry = np.clip((base - 0.7) * 2.5, 0, 1)[..., None] * 0.35
    albedo = albedo * (1 - dry) + yellow[None, None, :] * light.mean() * dry
    height = 0.5 * blades + 0.3 * clumps + 0.2 * base
    return TextureMaps(albedo, height, 0.8 + 0.15 * blades, "grass")


def gen_water(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    base = spectral_noise(h, w, rng, beta=3.0, low=1)
    warp = spectral_noise(h, w, rng, beta=2.5, low=2)
    caustic = 1 - np.abs(np.sin(2 * np.pi * (base * 3 + warp * 2)))
    caustic = caustic ** 8
    t = 0.2 + 0.6 * base + 0.4 * caustic
    albedo = _mix(dark, light, t)
    albedo = albedo + caustic[..., None] * 0.25 * light.mean()
    height = 0.7 * base + 0.3 * warp
    return TextureMaps(np.clip(albedo, 0, 1), height, 0.05 + 0.1 * (1 - caustic), "water")


def gen_sand(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    k = max(2, _count(h, 24 * h / 256))
    warp = spectral_noise(h, w, rng, beta=2.5, low=1)
    ripples = 0.5 + 0.5 * np.sin(2 * np.pi * (k * yy / h + 2 * xx / w + 1.5 * warp))
    grains = rng.random((h, w))
    dunes = spectral_noise(h, w, rng, beta=2.8, low=1)
    t = 0.35 + 0.3 * ripples + 0.3 * (dunes - 0.5) + 0.25 * (grains - 0.5)
    albedo = _mix(dark, light, t)
    height = 0.5 * ripples + 0.4 * dunes + 0.1 * grains
    return TextureMaps(albedo, height, 0.85 + 0.1 * grains, "sand")


def gen_dirt(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    base = spectral_noise(h, w, rng, beta=2.0, low=1)
    fine = spectral_noise(h, w, rng, beta=0.7, low=16)
    d1, d2, _ = periodic_cells(h, w, max(8, h * w // 900), rng)
    pebbles = np.clip(1 - d1 / 5.0, 0, 1)
    t = 0.2 + 0.5 * base + 0.3 * (fine - 0.5) + 0.35 * pebbles
    albedo = _mix(dark, light, t)
    height = 0.5 * base + 0.2 * fine + 0.4 * pebbles
    return TextureMaps(albedo, height, 0.85 + 0.1 * fine, "dirt")


def gen_metal(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    brushed = spectral_noise(h, w, rng, beta=1.2, low=2, aniso=(0.15, 5.0))
    blotch = spectral_noise(h, w, rng, beta=2.5, low=1)
    plates = 2 if min(h, w) >= 128 else 1
    ph, pw = h / plates, w / plates
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    fy, fx = yy % ph, xx % pw
    edge = np.minimum(np.minimum(fy, ph - fy), np.minimum(fx, pw - fx))
    seam = max(1.0, min(ph, pw) * 0.012)
    inset = min(ph, pw) * 0.08
    rivet_d = np.sqrt((np.minimum(fy, ph - fy) - inset) ** 2 + (np.minimum(fx, pw - fx) - inset) ** 2)
    rivet_r = max(1.5, min(ph, pw) * 0.03)
    rivet = np.clip(1 - rivet_d / rivet_r, 0, 1)
    t = 0.45 + 0.35 * (brushed - 0.5) + 0.25 * (blotch - 0.5) + 0.4 * rivet
    albedo = _mix(dark, light, t)
    albedo = np.where((edge < seam)[..., None], dark[None, None, :] * 0.5, albedo)
    height = np.where(edge < seam, 0.1, 0.6 + 0.05 * brushed) + 0.35 * np.sqrt(rivet)
    rough = 0.3 + 0.2 * brushed + 0.2 * blotch
    return TextureMaps(albedo, np.clip(height, 0, 1), rough, "metal")


def gen_snow(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    base = spectral_noise(h, w, rng, beta=2.6, low=1)
    sparkle = (rng.random((h, w)) > 0.995).astype(float)
    t = 0.55 + 0.45 * base
    albedo = np.clip(_mix(dark, light, t) + sparkle[..., None] * 0.3, 0, 1)
    return TextureMaps(albedo, base, 0.6 - 0.4 * sparkle, "snow")


def gen_fabric(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    threads = max(8, _count(w, 4 * w / 256) * 8)
    weave = 0.5 + 0.25 * np.sin(2 * np.pi * threads * xx / w) * np.sign(np.sin(2 * np.pi * threads * yy / h / 2)) + 0.25 * np.sin(2 * np.pi * threads * yy / h)
    fuzz = spectral_noise(h, w, rng, beta=1.0, low=8)
    t = 0.3 + 0.5 * weave + 0.2 * (fuzz - 0.5)
    return TextureMaps(_mix(dark, light, t), weave * 0.8 + 0.2 * fuzz, 0.9 + 0.05 * fuzz, "fabric")


def gen_noise(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    base = spectral_noise(h, w, rng, beta=2.0, low=1)
    detail = spectral_noise(h, w, rng, beta=1.0, low=6)
    t = 0.7 * base + 0.3 * detail
    return TextureMaps(_mix(dark, light, t), t, 0.6 + 0.3 * detail, "noise")


def gen_lava(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    """Cooled crust plates (dark, rough) split by glowing molten cracks (bright, smooth)."""
    n_cells = max(5, int(h * w / (56 * 56)))
    d1, d2, idx = periodic_cells(h, w, n_cells, rng)
    edge = (d2 - d1) / 2.0
    cell = np.sqrt(h * w / n_cells)
    flow = spectral_noise(h, w, rng, beta=2.2, low=1)
    crack = np.clip(1 - edge / (cell * (0.06 + 0.05 * flow)), 0, 1) ** 1.5
    glow = np.clip(crack + 0.25 * (flow - 0.6), 0, 1)
    crust = dark * (0.7 + 0.6 * spectral_noise(h, w, rng, beta=1.2, low=6))[..., None]
    hot = light[None, None, :] * (0.75 + 0.25 * glow[..., None]) + np.array([0.0, 0.25, 0.1]) * glow[..., None] ** 3
    albedo = crust * (1 - glow[..., None]) + hot * glow[..., None]
    height = 0.2 + 0.7 * (1 - crack) * np.clip(edge / (cell * 0.25), 0, 1)
    return TextureMaps(albedo, height, 0.9 - 0.7 * glow, "lava")


def gen_ice(h: int, w: int, rng: np.random.Generator, light: np.ndarray, dark: np.ndarray) -> TextureMaps:
    """Clear ice: smooth blue depth, pale frost, thin white cracks along plate edges."""
    n_cells = max(4, int(h * w / (72 * 72)))
    d1, d2, _ = periodic_cells(h, w, n_cells, rng)
    edge = (d2 - d1) / 2.0
    depth = spectral_noise(h, w, rng, beta=2.6, low=1)
    frost = spectral_noise(h, w, rng, beta=1.0, low=8)
    crack = np.clip(1 - edge / 1.6, 0, 1)
    t = 0.35 + 0.45 * depth + 0.25 * (frost - 0.5)
    albedo = _mix(dark, light, t)
    albedo = albedo * (1 - crack[..., None]) + np.array([0.97, 0.99, 1.0]) * crack[..., None]
    height = 0.6 + 0.2 * depth - 0.4 * crack
    return TextureMaps(albedo, height, 0.08 + 0.2 * frost + 0.5 * crack, "ice")


def add_moss(maps: TextureMaps, rng: np.random.Generator) -> TextureMaps:
    """Moss in the joints: green where the surface is low (mortar, gaps between stones), patchy."""
    h, w = maps.height.shape
    patches = spectral_noise(h, w, rng, beta=2.0, low=2)
    low = np.clip((0.32 - maps.height) / 0.25, 0, 1)
    amount = np.clip(low * (0.5 + patches) - 0.15, 0, 1)[..., None]
    fuzz = spectral_noise(h, w, rng, beta=0.8, low=16)[..., None]
    moss = np.array([0.25, 0.42, 0.16]) * (0.75 + 0.5 * fuzz)
    maps.albedo = maps.albedo * (1 - amount) + moss * amount
    maps.height = maps.height + 0.12 * amount[..., 0]
    maps.roughness = np.maximum(maps.roughness, 0.9 * amount[..., 0])
    return maps


GENERATORS = {
    "lava": gen_lava, "ice": gen_ice,
    "bricks": gen_bricks, "planks": gen_planks, "stone": gen_stone, "tiles": gen_tiles,
    "grass": gen_grass, "water": gen_water, "sand": gen_sand, "dirt": gen_dirt, "metal": gen_metal,
    "snow": gen_snow, "fabric": gen_fabric, "noise": gen_noise,
}


def generate_procedural(description: str, *, width: int = 256, height: int = 256, seed: int = 0, material: str | None = None) -> TextureMaps:
    """A seamless texture for `description` (material and colours from its words)."""
    mat = material or material_for(description)
    if mat not in GENERATORS:
        raise ValueError(f"unknown material {mat!r}; known: {', '.join(GENERATORS)}")
    light, dark = colours_for(description, mat)
    rng = np.random.default_rng(seed)
    maps = GENERATORS[mat](height, width, rng, light, dark)
    if mat in ("stone", "bricks", "tiles", "planks") and {"moss", "mossy", "mossed", "overgrown"} & set(words(description)):
        maps = add_moss(maps, rng)  # "mossy stone wall": moss in the joints
    maps.albedo = np.clip(maps.albedo, 0, 1)
    maps.height = np.clip(maps.height, 0, 1)
    maps.roughness = np.clip(maps.roughness, 0, 1)
    return maps


# -- seam metric ----------------------------------------------------------------------------------


def seam_metric(img: Image.Image | np.ndarray, axes: str = "both") -> dict[str, float]:
    """How visible the wrap-around seam is: mean |last column - first column| (and rows)
    against the mean difference between neighbouring columns (rows) inside the image.

    `ratio` <= about 1 means the seam is no worse than any interior pair of neighbours (the
    tile repeats invisibly); a non-tileable image scores several times that."""
    a = np.asarray(img.convert("RGB") if isinstance(img, Image.Image) else img, dtype=np.float64)
    if a.ndim == 2:
        a = a[..., None]
    out: dict[str, float] = {}
    seams, interiors = [], []
    if axes in ("x", "both"):
        sx = float(np.abs(a[:, -1] - a[:, 0]).mean())
        ix = float(np.abs(np.diff(a, axis=1)).mean())
        out.update(seam_x=sx, interior_x=ix, ratio_x=sx / ix if ix > 0 else (0.0 if sx == 0 else np.inf))
        seams.append(sx)
        interiors.append(ix)
    if axes in ("y", "both"):
        sy = float(np.abs(a[-1] - a[0]).mean())
        iy = float(np.abs(np.diff(a, axis=0)).mean())
        out.update(seam_y=sy, interior_y=iy, ratio_y=sy / iy if iy > 0 else (0.0 if sy == 0 else np.inf))
        seams.append(sy)
        interiors.append(iy)
    out["ratio"] = max(out.get("ratio_x", 0.0), out.get("ratio_y", 0.0))
    return {k: round(v, 4) for k, v in out.items()}


def is_tileable(img: Image.Image | np.ndarray, axes: str = "both", tolerance: float = 1.25) -> bool:
    """True when the seam is no worse than `tolerance` times the interior neighbour difference."""
    return seam_metric(img, axes)["ratio"] <= tolerance


def best_wrap_offset(a: np.ndarray, axis: int) -> int:
    """The roll along `axis` that puts the wrap seam where neighbouring pixels differ least
    (a tile's seam can be anywhere; this keeps it off a mortar line or a board edge)."""
    diffs = np.abs(np.diff(np.concatenate([a, a.take([0], axis=axis)], axis=axis), axis=axis))
    other = tuple(i for i in range(diffs.ndim) if i != axis)
    per = diffs.mean(axis=other)  # per[k]: between k and k+1 (k = n-1 is the current seam)
    k = int(np.argmin(per))
    return -(k + 1) % a.shape[axis]


# -- maps -----------------------------------------------------------------------------------------


def height_from_albedo(rgb: np.ndarray, blur: float = 1.0, wrap: bool = True) -> np.ndarray:
    """A height estimate for images without one (diffusion output): blurred luminance with
    the large-scale shading removed."""
    lum = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    mode = "wrap" if wrap else "reflect"
    smooth = ndimage.gaussian_filter(lum, blur, mode=mode)
    broad = ndimage.gaussian_filter(lum, max(lum.shape) / 8.0, mode=mode)
    return _normalise(smooth - 0.5 * broad)


def normal_map(height: np.ndarray, *, strength: float = 4.0, wrap: bool = True, convention: str = "opengl") -> np.ndarray:
    """Tangent-space normal map (uint8 RGB) from a height field in 0..1. OpenGL convention (green
    up: Godot, Unity, Blender) or DirectX (green down: Unreal)."""
    mode = "wrap" if wrap else "nearest"
    dx = ndimage.correlate1d(height, [-0.5, 0.0, 0.5], axis=1, mode=mode)
    dy = ndimage.correlate1d(height, [-0.5, 0.0, 0.5], axis=0, mode=mode)
    scale = strength * max(height.shape) / 256.0
    nx, ny = -dx * scale * 8, dy * scale * 8
    if convention == "directx":
        ny = -ny
    nz = np.ones_like(height)
    norm = np.sqrt(nx * nx + ny * ny + nz * nz)
    n = np.stack([nx / norm, ny / norm, nz / norm], axis=-1)
    return np.clip(np.round((n * 0.5 + 0.5) * 255), 0, 255).astype(np.uint8)


def to_image(a: np.ndarray) -> Image.Image:
    if a.dtype != np.uint8:
        a = np.clip(np.round(a * 255), 0, 255).astype(np.uint8)
    return Image.fromarray(a)


@dataclass
class TextureSet:
    albedo: Image.Image
    normal: Image.Image
    roughness: Image.Image
    height: Image.Image
    seam: dict[str, float]
    material: str


def texture_set(maps: TextureMaps, *, tile: str = "both", normal_strength: float = 4.0, convention: str = "opengl", reseat: bool = True) -> TextureSet:
    """Albedo, normal, roughness and height images from generator maps, with the wrap seam moved
    to the quietest column/row (`reseat`) and the seam metric measured on the albedo."""
    albedo, height, rough = maps.albedo, maps.height, maps.roughness
    if reseat:
        if tile in ("x", "both"):
            sx = best_wrap_offset(albedo, 1)
            albedo, height, rough = (np.roll(m, sx, axis=1) for m in (albedo, height, rough))
        if tile in ("y", "both"):
            sy = best_wrap_offset(albedo, 0)
            albedo, height, rough = (np.roll(m, sy, axis=0) for m in (albedo, height, rough))
    img = to_image(albedo)
    normal = normal_map(height, strength=normal_strength, wrap=True, convention=convention)
    return TextureSet(img, to_image(normal), to_image(rough), to_image(height), seam_metric(img, tile), maps.material)


def maps_from_image(img: Image.Image, *, tile: str = "both", normal_strength: float = 4.0, convention: str = "opengl") -> TextureSet:
    """Normal, roughness and height for an image that has no generator maps (diffusion output)."""
    rgb = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
    wrap = tile != "none"
    height = height_from_albedo(rgb, wrap=wrap)
    lum = rgb.mean(axis=-1)
    detail = np.abs(lum - ndimage.gaussian_filter(lum, 2.0, mode="wrap" if wrap else "reflect"))
    rough = np.clip(0.55 + 0.4 * _normalise(detail) - 0.2 * lum, 0, 1)
    normal = normal_map(height, strength=normal_strength, wrap=wrap, convention=convention)
    return TextureSet(img.convert("RGB"), to_image(normal), to_image(rough), to_image(height), seam_metric(img, tile if tile != "none" else "both"), "diffusion")


# -- circular padding for diffusers ----------------------------------------------------------------


def _conv_modules(pipe: Any) -> list[Any]:
    import torch

    mods = []
    for name in ("unet", "vae"):
        comp = getattr(pipe, name, None)
        if comp is None:
            continue
        for m in comp.modules():
            if isinstance(m, torch.nn.Conv2d):
                mods.append(m)
    return mods


def check_tileable_model(pipe: Any) -> None:
    """Refuse models where circular padding does not make tiles (DiT: SD3, Flux, PixArt)."""

    if getattr(pipe, "unet", None) is None:
        kind = type(getattr(pipe, "transformer", None)).__name__ if getattr(pipe, "transformer", None) is not None else "no UNet"
        raise UserError(
            f"{type(pipe).__name__} is a transformer (DiT) model ({kind}); circular padding only makes "
            "seamless tiles with UNet models (SD 1.5, SD 2.x, SDXL). Use a UNet checkpoint or the "
            "procedural backend (backend: procedural)"
        )


@contextlib.contextmanager
def circular_padding(pipe: Any, axes: str = "both") -> Iterator[int]:
    """Within the block every Conv2d of the pipeline's UNet and VAE pads circularly on the
    tiling axes ("x", "y" or "both") and with zeros on the other; restored on exit, also on error.
    Yields the number of convolutions patched."""
    import torch.nn.functional as F

    if axes not in ("x", "y", "both"):
        raise ValueError(f"axes must be x, y or both, got {axes!r}")
    check_tileable_model(pipe)
    patched = []
    for conv in _conv_modules(pipe):
        pad = getattr(conv, "_reversed_padding_repeated_twice", None)
        if not pad or not any(pad) or conv.padding_mode != "zeros":
            continue
        left, right, top, bottom = (int(v) for v in pad)
        mode_x = "circular" if axes in ("x", "both") else "constant"
        mode_y = "circular" if axes in ("y", "both") else "constant"

        def forward(x, weight, bias, conv=conv, lr=(left, right), tb=(top, bottom), mx=mode_x, my=mode_y):
            x = F.pad(x, (lr[0], lr[1], 0, 0), mode=mx)
            x = F.pad(x, (0, 0, tb[0], tb[1]), mode=my)
            return F.conv2d(x, weight, bias, conv.stride, 0, conv.dilation, conv.groups)

        conv._conv_forward = forward
        conv._studio_tiling = axes
        patched.append(conv)
    try:
        yield len(patched)
    finally:
        for conv in patched:
            conv.__dict__.pop("_conv_forward", None)
            conv.__dict__.pop("_studio_tiling", None)


def diffusion_texture(pipe: Any, prompt: str, *, width: int, height: int, seed: int, tile: str = "both", steps: int = 25, guidance: float = 7.0, negative_prompt: str | None = None) -> Image.Image:
    """Generate a seamless texture with a diffusers UNet text-to-image pipeline."""
    import torch

    if tile == "none":
        ctx: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    else:
        ctx = circular_padding(pipe, tile)
    device = getattr(pipe, "device", "cpu")
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    with ctx:
        out = pipe(
            prompt=prompt,
            negative_prompt=negative_prompt or "seam, border, frame, text, watermark, perspective, objects",
            width=width,
            height=height,
            num_inference_steps=steps,
            guidance_scale=guidance,
            generator=gen,
            output_type="pil",
        )
    del device
    return out.images[0].convert("RGB")


def texture_prompt(description: str) -> str:
    return f"seamless tileable texture of {description}, top-down, flat even lighting, high detail, game asset, PBR albedo"
