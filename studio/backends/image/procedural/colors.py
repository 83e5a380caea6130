"""Named colours, moods and the per-subject colour sets archetypes paint with."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

from studio.backends.image.procedural.painter import RGB, clamp_rgb, mix, shade

COLOURS: dict[str, RGB] = {
    "red": (214, 48, 49), "crimson": (190, 24, 52), "scarlet": (230, 40, 30), "maroon": (128, 24, 40),
    "ruby": (200, 20, 70), "burgundy": (120, 20, 45), "orange": (240, 130, 30), "amber": (245, 170, 30),
    "yellow": (245, 210, 50), "golden": (230, 180, 40), "gold": (230, 180, 40), "lemon": (250, 230, 80),
    "green": (60, 170, 70), "emerald": (20, 160, 100), "lime": (150, 220, 50), "olive": (120, 130, 50),
    "mint": (140, 225, 180), "jade": (40, 150, 110), "teal": (20, 140, 140), "turquoise": (50, 200, 190),
    "cyan": (40, 200, 230), "aqua": (60, 210, 220), "blue": (50, 110, 220), "azure": (60, 150, 240),
    "navy": (25, 40, 110), "cobalt": (30, 70, 190), "sapphire": (30, 60, 170), "indigo": (70, 50, 150),
    "purple": (140, 60, 190), "violet": (150, 80, 220), "lavender": (180, 160, 230), "magenta": (220, 40, 170),
    "pink": (240, 120, 170), "rose": (230, 90, 120), "coral": (245, 120, 100), "peach": (250, 180, 140),
    "brown": (130, 80, 45), "chocolate": (100, 55, 30), "bronze": (170, 110, 50), "copper": (190, 100, 60),
    "rusty": (170, 80, 40), "rust": (170, 80, 40), "tan": (210, 175, 125), "beige": (225, 205, 165),
    "black": (38, 36, 44), "white": (240, 240, 236), "grey": (140, 140, 148), "gray": (140, 140, 148),
    "silver": (190, 195, 205), "ivory": (245, 240, 220), "obsidian": (30, 26, 40), "charcoal": (55, 55, 62),
    "crystal": (180, 230, 250), "ice": (180, 225, 250), "fiery": (240, 90, 30), "blood": (150, 10, 20),
}

#: mood words -> mood key
MOODS: dict[str, str] = {}
for _key, _words in {
    "dark": "dark gloomy grim creepy spooky haunted eerie sinister scary horror ominous bleak menacing evil cursed",
    "bright": "cheerful happy bright cute joyful whimsical playful colorful colourful vibrant friendly lively kawaii",
    "warm": "warm cozy cosy autumn autumnal fall",
    "cold": "cold icy frozen chilly frosty wintry",
    "neon": "neon cyberpunk synthwave vaporwave futuristic sci-fi scifi",
    "pastel": "pastel soft dreamy gentle calm peaceful serene",
    "sepia": "vintage sepia antique faded",
    "magic": "magic magical mystical enchanted mysterious arcane fairy glowing",
    "dramatic": "epic dramatic heroic intense stormy",
}.items():
    for _w in _words.split():
        MOODS[_w] = _key

#: default sky stops (top, middle, horizon) per time of day
SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "day": ((62, 128, 214), (120, 178, 236), (205, 228, 248)),
    "dawn": ((88, 108, 178), (236, 166, 170), (255, 214, 160)),
    "sunset": ((48, 40, 108), (222, 96, 86), (255, 190, 96)),
    "dusk": ((22, 26, 72), (88, 62, 132), (196, 118, 126)),
    "night": ((6, 9, 26), (16, 26, 62), (42, 58, 104)),
}

#: light tint multiplied onto subjects per time of day
LIGHTING: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 1.0, 1.0), "dawn": (1.0, 0.9, 0.88), "sunset": (1.05, 0.82, 0.7),
    "dusk": (0.72, 0.66, 0.86), "night": (0.5, 0.56, 0.82),
}


def hue_of(c: RGB) -> float:
    return colorsys.rgb_to_hsv(*(v / 255 for v in c))[0]


def rotate_hue(c: RGB, degrees: float, sat: float = 1.0, val: float = 1.0) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
    r, g, b = colorsys.hsv_to_rgb((h + degrees / 360) % 1.0, min(1, s * sat), min(1, v * val))
    return clamp_rgb((r * 255, g * 255, b * 255))


def jitter(c: RGB, rng: np.random.Generator, amount: float = 8.0) -> RGB:
    """A small seeded variation of hue and value, so seeds differ without losing the colour."""
    h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
    h = (h + rng.uniform(-amount, amount) / 360) % 1.0
    v = min(1.0, max(0.0, v * rng.uniform(0.93, 1.05)))
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return clamp_rgb((r * 255, g * 255, b * 255))


def apply_mood(c: RGB, moods: list[str]) -> RGB:
    """Shift a colour by the prompt's moods (dark desaturates and darkens, neon saturates...)."""
    h, s, v = colorsys.rgb_to_hsv(*(x / 255 for x in c))
    out = c
    for m in moods:
        if m == "dark":
            out = clamp_rgb([x * 0.72 for x in out])
            out = mix(out, (60, 50, 80), 0.18)
        elif m == "bright":
            out = rotate_hue(out, 0, sat=1.15, val=1.08)
        elif m == "warm":
            out = mix(out, (240, 150, 60), 0.15)
        elif m == "cold":
            out = mix(out, (120, 170, 230), 0.2)
        elif m == "pastel":
            out = mix(out, (250, 245, 250), 0.35)
        elif m == "sepia":
            g = 0.3 * out[0] + 0.59 * out[1] + 0.11 * out[2]
            out = mix(out, (g * 1.08, g * 0.92, g * 0.7), 0.7)
        elif m == "neon":
            out = rotate_hue(out, 0, sat=1.3, val=1.1)
    _ = (h, s, v)
    return out


@dataclass
class Colors:
    """The colours one subject is painted with."""

    main: RGB
    second: RGB
    accent: RGB
    metal: RGB = (176, 184, 196)
    gold: RGB = (232, 184, 56)
    wood: RGB = (150, 96, 52)
    skin: RGB = (236, 190, 150)
    hair: RGB = (86, 56, 36)
    dark: RGB = (46, 40, 54)
    light: RGB = (246, 244, 236)
    leaf: RGB = (72, 160, 70)
    stone: RGB = (140, 136, 132)
    glass: RGB = (200, 228, 240)
    glow: RGB = (255, 236, 150)

    def darker(self, c: RGB, f: float = 0.7) -> RGB:
        return shade(c, f)


SKINS: list[RGB] = [(246, 210, 178), (236, 188, 148), (214, 160, 118), (176, 120, 82), (128, 84, 56), (98, 64, 44)]
HAIRS: list[RGB] = [(40, 30, 26), (86, 56, 36), (150, 100, 50), (222, 186, 110), (170, 60, 30), (60, 50, 48)]


def colors_for(main: RGB, rng: np.random.Generator, moods: list[str]) -> Colors:
    """A harmonious colour set around `main` (second: a darker analogue, accent: a split complement)."""
    main = apply_mood(main, moods)
    second = apply_mood(rotate_hue(main, rng.choice([-35, 30, 150, 180]), sat=0.85, val=0.72), moods)
    accent = apply_mood(rotate_hue(main, rng.choice([150, 200, 120]), sat=1.0, val=1.05), moods)
    skin = SKINS[int(rng.integers(len(SKINS)))]
    hair = HAIRS[int(rng.integers(len(HAIRS)))]
    leaf = (72, 160, 70)
    wood = (150, 96, 52)
    if "warm" in moods:
        leaf = (214, 120, 40)
    return Colors(
        main=main, second=second, accent=accent, skin=skin, hair=hair,
        metal=apply_mood((176, 184, 196), moods), gold=apply_mood((232, 184, 56), moods),
        wood=apply_mood(wood, moods), leaf=apply_mood(leaf, moods), stone=apply_mood((140, 136, 132), moods),
    )
