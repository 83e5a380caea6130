"""Settings as first-class scenes: which words name which place, what each place is built on
(one of the base scenes of `scene.py`: a sky and ground family, or a room), and the features
that make it that place (a sea to the horizon, a ship's deck, Mars's red dust, a classroom's
blackboard and desks, a kitchen's counter and oven, ...).

`SETTING_WORDS` maps a word to a setting key; `BASE[key]` is the base scene it is painted on;
`paint_features(key, ...)` adds what is particular to it. Everything is seeded and
deterministic; colour choices come from a palette generator the caller fixes per comic, so Mars
is the same red in every panel.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from studio.backends.image.procedural.colors import Colors, colors_for
from studio.backends.image.procedural.library import ARCHETYPES
from studio.backends.image.procedural.painter import RGB, Painter, ellipse_pts, mix, shade

#: setting key -> words that name it (singular, lower case)
_WORDS: dict[str, str] = {
    "sea": "sea ocean seas oceans waves open-sea high-seas",
    "underwater": "underwater reef seabed seafloor sea-floor deep",
    "ship": "deck aboard ship-deck",
    "harbour": "harbour harbor port pier dock docks marina wharf quay",
    "lighthouse": "lighthouse",
    "beach": "beach coast shore seaside island bay sand-bar",
    "lake": "lake river pond riverbank stream",
    "desert": "desert dunes dune sahara wasteland badlands oasis",
    "mars": "mars martian red-planet alien-planet",
    "moon": "lunar moonbase",
    "space": "space galaxy cosmos orbit nebula universe spaceship-interior",
    "forest": "forest woods woodland grove thicket",
    "jungle": "jungle rainforest",
    "mountains": "mountain mountains peak peaks cliff cliffs valley canyon highlands",
    "snow": "snow snowy winter arctic tundra glacier north-pole antarctica",
    "cave": "cave cavern mine tunnel underground lair grotto",
    "castle": "castle palace fortress courtyard citadel",
    "dungeon": "dungeon crypt prison jail cell catacomb catacombs",
    "village": "village town hamlet",
    "city": "city street streets downtown alley metropolis skyline avenue cyberpunk urban paris london tokyo rome "
            "berlin madrid vienna prague moscow chicago manhattan brooklyn seoul shanghai hong-kong singapore toronto sydney",
    "rooftop": "rooftop rooftops roof roofs",
    "school": "school schoolyard hallway corridor gym gymnasium auditorium",
    "classroom": "classroom",
    "dance": "dance-floor disco ballroom nightclub club prom party dance-hall",
    "kitchen": "kitchen bakery restaurant cafe diner",
    "workshop": "workshop garage shed forge smithy",
    "lab": "laboratory lab",
    "library": "library bookshop bookstore",
    "market": "market marketplace bazaar fair",
    "attic": "attic loft",
    "bedroom": "bedroom nursery dorm",
    "garden": "garden backyard yard greenhouse",
    "farm": "farm farmyard ranch barnyard",
    "field": "field fields meadow countryside plains park hill hills grassland prairie outdoors",
    "swamp": "swamp marsh bog bayou",
    "volcano": "volcano lava inferno hell",
    "graveyard": "graveyard cemetery churchyard",
    "sky": "air heavens aerial",
    "interior": "room office bar tavern indoors inside apartment studio shop store hall museum hospital",
}
SETTING_WORDS: dict[str, str] = {}
for _key, _ws in _WORDS.items():
    for _w in _ws.split():
        SETTING_WORDS.setdefault(_w, _key)
#: two-word names of places
SETTING_BIGRAMS = {("dance", "floor"): "dance-floor", ("school", "dance"): "dance-floor", ("alien", "planet"): "alien-planet",
                   ("red", "planet"): "red-planet", ("open", "sea"): "open-sea", ("high", "seas"): "high-seas",
                   ("sea", "floor"): "sea-floor", ("north", "pole"): "north-pole", ("dance", "hall"): "dance-hall",
                   ("school", "hall"): "school", ("ship", "deck"): "ship-deck", ("ship's", "deck"): "ship-deck",
                   ("alien", "world"): "alien-planet", ("throne", "room"): "castle", ("science", "lab"): "laboratory"}

#: the base scene each setting is painted on (scene.py knows these)
BASE: dict[str, str] = {
    "sea": "beach", "ship": "beach", "harbour": "beach", "lighthouse": "beach", "lake": "field",
    "mars": "desert", "moon": "space", "jungle": "forest", "castle": "field", "dungeon": "cave",
    "rooftop": "city", "market": "city", "garden": "field", "farm": "field",
    "school": "interior", "classroom": "interior", "dance": "interior", "kitchen": "interior", "workshop": "interior",
    "lab": "interior", "library": "interior", "attic": "interior", "bedroom": "interior",
}
#: every setting the painter knows
ALL = sorted(set(_WORDS) | set(BASE))
#: wall colours of rooms
WALLS: dict[str, RGB] = {"school": (200, 206, 180), "classroom": (214, 200, 160), "dance": (46, 30, 70), "kitchen": (226, 222, 200),
                         "workshop": (120, 110, 100), "lab": (200, 222, 228), "library": (120, 70, 50), "attic": (150, 112, 80),
                         "bedroom": (180, 200, 226)}
FLOORS: dict[str, RGB] = {"school": (170, 140, 100), "classroom": (160, 120, 80), "dance": (40, 30, 50), "kitchen": (210, 210, 214),
                          "workshop": (110, 110, 116), "lab": (220, 224, 228), "library": (110, 70, 44), "attic": (130, 94, 60),
                          "bedroom": (170, 130, 90)}
#: ground colours of outdoor settings built on another base
GROUNDS: dict[str, RGB] = {"mars": (196, 92, 52), "moon": (170, 170, 176), "jungle": (60, 110, 40), "castle": (150, 146, 136),
                           "garden": (96, 168, 70), "farm": (150, 170, 80), "market": (170, 150, 120), "rooftop": (110, 80, 70),
                           "lake": (100, 160, 70)}
#: sky colour stops for settings with their own sky (top, middle, horizon)
SKIES: dict[str, tuple[RGB, RGB, RGB]] = {"mars": ((120, 70, 60), (214, 140, 100), (240, 196, 150))}
#: where the horizon sits for settings that differ from their base
HORIZON: dict[str, float] = {"sea": 0.5, "ship": 0.5, "harbour": 0.52, "lighthouse": 0.55, "mars": 0.64, "moon": 0.7,
                             "rooftop": 0.7, "castle": 0.66, "dungeon": 0.7}


def _colors(base: RGB, rng: np.random.Generator) -> Colors:
    return colors_for(base, rng, [])


def _draw(p: Painter, name: str, box: tuple[float, float, float, float], colors: Colors, rng: np.random.Generator,
          variant: dict[str, Any] | None = None) -> None:
    with p.region(*box):
        ARCHETYPES[name].draw(p, colors, rng, dict(variant or {}))


def _sea(p: Painter, top: float, bottom: float, colour: RGB, rng: np.random.Generator, detail: float, storm: bool) -> None:
    p.shape([(-0.01, top), (1.01, top), (1.01, bottom), (-0.01, bottom)], colour, shade_mode="none", outline=False)
    p.shape([(-0.01, top + (bottom - top) * 0.4), (1.01, top + (bottom - top) * 0.4), (1.01, bottom), (-0.01, bottom)],
            shade(colour, 0.85), shade_mode="none", outline=False, alpha=0.7)
    n = int((40 if storm else 26) * max(0.4, detail)) + 6
    for _ in range(n):
        y = float(rng.uniform(top + 0.01, bottom))
        x = float(rng.uniform(-0.05, 1.0))
        ln = (0.02 + 0.08 * (y - top) / max(0.05, bottom - top)) * (1.6 if storm else 1.0)
        if storm:
            amp = 0.02 + 0.04 * (y - top)
            p.shape([(x, y), (x + ln * 0.5, y - amp), (x + ln, y)], shade(colour, 1.5), shade_mode="none", outline=False, alpha=0.85)
        else:
            p.line([(x, y), (x + ln, y)], shade(colour, 1.45), 0.003, alpha=0.7)


def paint_features(key: str, layers: tuple[Painter, Painter, Painter], rng: np.random.Generator, prng: np.random.Generator,
                   *, horizon: float, aspect: float, night: bool, weather: list[str], detail: float, water: RGB,
                   colors: Colors) -> None:
    """What makes `key` that place, over its base scene. `prng` chooses colours (fixed per comic)."""
    far, mid, near = layers
    storm = "storm" in weather
    if key in ("sea", "ship"):
        _sea(far, horizon, 1.01, shade(water, 0.8) if storm else water, rng, detail, storm)
        if key == "sea":
            if storm:
                for x in (0.15, 0.7):  # big swells in the foreground
                    near.shape([(x - 0.3, 1.01)] + [(x - 0.3 + 0.6 * i / 20, 0.86 - 0.1 * math.sin(math.pi * i / 20)) for i in range(21)] + [(x + 0.3, 1.01)],
                               shade(water, 0.7), shade_mode="none", outline=False)
                    near.line([(x - 0.3 + 0.6 * i / 20, 0.86 - 0.1 * math.sin(math.pi * i / 20)) for i in range(21)], (236, 244, 250), 0.008)
            return
        deck = colors.wood if not night else shade(colors.wood, 0.6)
        near.shape([(-0.01, 0.82), (1.01, 0.82), (1.01, 1.01), (-0.01, 1.01)], deck, shade_mode="none", outline=False)
        for i in range(12):
            x = i / 11
            near.line([(x, 0.82), ((x - 0.5) * 1.6 + 0.5, 1.01)], shade(deck, 0.7), 0.003)
        near.line([(-0.01, 0.7), (1.01, 0.7)], shade(deck, 0.85), 0.012, outline=True)
        for i in range(14):
            near.line([(i / 13, 0.7), (i / 13, 0.82)], shade(deck, 0.85), 0.008)
        near.shape([(0.8, 0.0), (0.83, 0.0), (0.83, 0.82), (0.8, 0.82)], shade(deck, 0.8))  # mast
        near.shape([(0.83, 0.05), (0.99, 0.1), (0.97, 0.5), (0.83, 0.45)], (240, 236, 220), alpha=0.95)
        near.line([(0.83, 0.02), (0.4, 0.7)], (80, 70, 60), 0.003)
        return
    if key == "harbour":
        far.shape([(-0.01, horizon), (1.01, horizon), (1.01, 1.01), (-0.01, 1.01)], water, shade_mode="none", outline=False)
        _sea(far, horizon, 1.01, water, rng, detail, storm)
        houses = _colors((190, 90, 60), prng)
        for x in (0.05, 0.15, 0.25):
            _draw(mid, "house", (x - 0.06, horizon - 0.2, x + 0.06, horizon + 0.01), houses, rng, {"night": night})
        _draw(mid, "boat", (0.55, horizon - 0.14, 0.75, horizon + 0.05), _colors((200, 60, 50), prng), rng)
        near.shape([(-0.01, 0.8), (1.01, 0.8), (1.01, 1.01), (-0.01, 1.01)], colors.wood, shade_mode="none", outline=False)
        for i in range(16):
            near.line([(i / 15, 0.8), (i / 15, 1.01)], shade(colors.wood, 0.7), 0.003)
        for x in (0.1, 0.45, 0.9):
            near.rect(x - 0.012, 0.66, x + 0.012, 0.82, shade(colors.wood, 0.7))
        return
    if key == "lighthouse":
        _draw(mid, "rock", (0.66, horizon - 0.08, 0.98, horizon + 0.1), _colors((120, 116, 112), prng), rng)
        _draw(mid, "tower", (0.74, 0.04, 0.9, horizon + 0.02), _colors((220, 60, 50), prng), rng, {"lighthouse": True, "night": night})
        if night or storm:
            far.shape([(0.82, 0.12), (0.0, 0.02), (0.0, 0.26)], (255, 246, 200), shade_mode="none", outline=False, alpha=0.35)
        return
    if key == "lake":
        far.shape(ellipse_pts(0.5, horizon + 0.12, 0.6, 0.08), water, shade_mode="none", outline=False)
        for _ in range(10):
            x, y = float(rng.uniform(0.0, 1.0)), float(rng.uniform(horizon + 0.06, horizon + 0.18))
            far.line([(x, y), (x + 0.05, y)], shade(water, 1.4), 0.003, alpha=0.7)
        return
    if key == "mars":
        for _ in range(int(9 * max(0.5, detail))):
            x, y, r = float(rng.uniform(0, 1)), float(rng.uniform(horizon + 0.05, 0.98)), float(rng.uniform(0.02, 0.07))
            mid.shape(ellipse_pts(x, y, r, r * aspect * 0.3), (150, 62, 40), shade_mode="none", outline=False)
            mid.shape(ellipse_pts(x, y - r * aspect * 0.06, r * 0.8, r * aspect * 0.2), (120, 50, 34), shade_mode="none", outline=False)
        far.shape([(0.05, horizon + 0.01), (0.2, horizon - 0.16), (0.26, horizon - 0.15), (0.4, horizon + 0.01)], (170, 86, 62), shade_mode="none", outline=False)
        far.shape(ellipse_pts(0.82, 0.16, 0.025, 0.025 * aspect), (236, 220, 200), shade_mode="none", outline=False)  # Phobos
        for x in (0.6, 0.9):
            _draw(mid, "rock", (x - 0.05, horizon + 0.08, x + 0.05, horizon + 0.16), _colors((160, 70, 46), prng), rng)
        return
    if key == "moon":
        for _ in range(int(10 * max(0.5, detail))):
            x, y, r = float(rng.uniform(0, 1)), float(rng.uniform(horizon + 0.03, 0.98)), float(rng.uniform(0.02, 0.06))
            mid.shape(ellipse_pts(x, y, r, r * aspect * 0.3), (130, 130, 138), shade_mode="none", outline=False)
        with far.region(0.1, 0.08, 0.1 + 0.14 / aspect, 0.22):
            far.ellipse(0.5, 0.5, 0.5, 0.5, (60, 110, 200), shade_mode="soft", outline=False)
            far.shape(ellipse_pts(0.4, 0.45, 0.2, 0.25), (80, 160, 80), shade_mode="none", outline=False)
            far.shape(ellipse_pts(0.65, 0.65, 0.12, 0.1), (80, 160, 80), shade_mode="none", outline=False)
        return
    if key == "jungle":
        palms = _colors((40, 140, 50), prng)
        _draw_row(mid, "palm", horizon + 0.03, 0.4, aspect, rng, palms, [0.1, 0.35, 0.62, 0.88])
        for _ in range(int(12 * max(0.5, detail))):
            x = float(rng.uniform(0, 1))
            ln = float(rng.uniform(0.1, 0.35))
            near.line([(x + 0.01 * math.sin(i), ln * i / 8) for i in range(9)], (50, 120, 40), 0.006)
        _draw_row(near, "tree", 1.02, 0.9, aspect, rng, _colors((50, 130, 40), prng), [-0.08, 1.08], {"bush": True})
        return
    if key == "castle":
        stone = _colors((150, 146, 140), prng)
        _draw(far, "castle", (0.18, horizon - 0.5, 0.82, horizon + 0.02), stone, rng, {"night": night})
        for i in range(24):
            y = horizon + 0.02 + (i % 6) * 0.06
            near.line([(0.0, y), (1.0, y)], shade(stone.stone, 0.9), 0.002, alpha=0.5)
        return
    if key == "dungeon":
        wall = (84, 80, 86)
        far.shape([(-0.01, -0.01), (1.01, -0.01), (1.01, horizon), (-0.01, horizon)], wall, shade_mode="none", outline=False)
        for r in range(12):
            y = r * horizon / 11
            far.line([(0, y), (1, y)], shade(wall, 0.7), 0.003)
            off = 0.04 if r % 2 else 0.0
            for k in range(12):
                x = k / 11 + off
                far.line([(x, y), (x, y + horizon / 11)], shade(wall, 0.7), 0.003)
        far.shape([(0.36, horizon), (0.36, 0.3), (0.64, 0.3), (0.64, horizon)], (26, 22, 26), shade_mode="none", outline=False)
        for k in range(7):
            x = 0.38 + k * 0.04
            mid.line([(x, 0.3), (x, horizon)], (90, 92, 100), 0.008, outline=True)
        for x in (0.14, 0.86):
            _draw(mid, "torch", (x - 0.03, 0.2, x + 0.03, 0.36), colors, rng)
            mid.glow(x, 0.24, 0.25, (255, 150, 60), 0.35)
        return
    if key == "rooftop":
        roof = (120, 80, 70) if not night else (60, 44, 44)
        near.shape([(-0.01, 0.78), (1.01, 0.78), (1.01, 1.01), (-0.01, 1.01)], roof, shade_mode="none", outline=False)
        near.shape([(-0.01, 0.74), (1.01, 0.74), (1.01, 0.79), (-0.01, 0.79)], shade(roof, 1.2), shade_mode="none", outline=True)
        for x in (0.12, 0.82):
            near.rect(x, 0.6, x + 0.06, 0.76, (150, 70, 60))
            near.rect(x - 0.01, 0.58, x + 0.07, 0.62, (110, 50, 44))
        near.line([(0.3, 0.76), (0.3, 0.6), (0.34, 0.56)], (160, 160, 170), 0.006)  # antenna
        return
    if key == "market":
        for i, x in enumerate((0.12, 0.38, 0.64, 0.9)):
            cols = [(200, 60, 60), (60, 120, 200), (230, 180, 50), (70, 160, 90)]
            c = cols[int(prng.integers(4))] if i else cols[0]
            mid.rect(x - 0.1, horizon - 0.02, x + 0.1, horizon + 0.08, colors.wood)
            for k in range(5):
                stripe = c if k % 2 == 0 else (246, 244, 236)
                mid.shape([(x - 0.12 + k * 0.048, horizon - 0.14), (x - 0.12 + (k + 1) * 0.048, horizon - 0.14),
                           (x - 0.12 + (k + 1) * 0.048, horizon - 0.09), (x - 0.12 + k * 0.048, horizon - 0.09)], stripe)
            for k in range(4):
                mid.ellipse(x - 0.07 + k * 0.045, horizon - 0.03, 0.018, 0.018 * aspect, [(220, 60, 40), (240, 180, 40), (90, 170, 60), (240, 120, 40)][k])
            mid.line([(x - 0.11, horizon - 0.09), (x - 0.11, horizon + 0.08)], shade(colors.wood, 0.7), 0.006)
            mid.line([(x + 0.11, horizon - 0.09), (x + 0.11, horizon + 0.08)], shade(colors.wood, 0.7), 0.006)
        return
    if key in ("garden", "farm"):
        wood = colors.wood
        fy = horizon + 0.1
        for i in range(15):
            x = i / 14
            mid.shape([(x - 0.012, fy + 0.06), (x - 0.012, fy - 0.03), (x, fy - 0.045), (x + 0.012, fy - 0.03), (x + 0.012, fy + 0.06)], (236, 232, 222) if key == "garden" else wood)
        for dy in (-0.015, 0.03):
            mid.line([(0, fy + dy), (1, fy + dy)], (236, 232, 222) if key == "garden" else wood, 0.008)
        if key == "farm":
            _draw(far, "house", (0.6, horizon - 0.3, 0.86, horizon + 0.02), _colors((180, 50, 40), prng), rng, {"barn": True, "night": night})
            for k in range(6):
                y = horizon + 0.16 + k * 0.05
                near.line([(0, y), (1, y + 0.01)], shade((150, 170, 80), 0.8), 0.006, alpha=0.6)
        else:
            petals = [(230, 60, 80), (250, 200, 60), (240, 140, 200), (250, 250, 250)]
            for _ in range(int(50 * detail) + 10):
                x, y = float(rng.uniform(0, 1)), float(rng.uniform(horizon + 0.14, 1.0))
                r = 0.006 + 0.008 * (y - horizon)
                near.shape(ellipse_pts(x, y, r, r * aspect), petals[int(rng.integers(4))] if not night else (120, 110, 120), shade_mode="none", outline=False)
            _draw_row(mid, "tree", horizon + 0.05, 0.16, aspect, rng, _colors((60, 140, 60), prng), [0.05, 0.95], {"bush": True})
        return
    if key in WALLS:
        _room(key, far, mid, near, rng, prng, horizon, aspect, night, colors)


def _draw_row(p: Painter, name: str, y: float, h: float, aspect: float, rng: np.random.Generator, colors: Colors,
              xs: list[float], variant: dict[str, Any] | None = None) -> None:
    for x in xs:
        hh = h * float(rng.uniform(0.85, 1.1))
        ww = hh / aspect
        _draw(p, name, (x - ww / 2, y - hh, x + ww / 2, y + hh * 0.03), colors, rng, variant)


def _shelf(p: Painter, x0: float, x1: float, y0: float, y1: float, wood: RGB, rng: np.random.Generator, rows: int = 4) -> None:
    p.rect(x0, y0, x1, y1, wood)
    books = [(170, 50, 50), (50, 90, 160), (60, 130, 80), (200, 160, 60), (110, 60, 120), (200, 120, 60)]
    for r in range(rows):
        ya, yb = y0 + (y1 - y0) * r / rows + 0.01, y0 + (y1 - y0) * (r + 1) / rows - 0.005
        x = x0 + 0.01
        while x < x1 - 0.02:
            bw = float(rng.uniform(0.008, 0.018))
            top = ya + float(rng.uniform(0.0, 0.02))
            p.rect(x, top, min(x + bw, x1 - 0.01), yb, books[int(rng.integers(len(books)))], outline=False)
            x += bw + 0.002
        p.line([(x0, yb + 0.003), (x1, yb + 0.003)], shade(wood, 0.7), 0.006)


def _room(key: str, far: Painter, mid: Painter, near: Painter, rng: np.random.Generator, prng: np.random.Generator,
          horizon: float, aspect: float, night: bool, colors: Colors) -> None:
    """Room furniture over the base interior (wall, floor, a window, a picture)."""
    wood = colors.wood
    if key == "classroom" or key == "school":
        mid.rect(0.3, 0.14, 0.7, 0.42, (40, 72, 56))  # blackboard
        mid.rect(0.28, 0.12, 0.72, 0.14, wood, outline=False)
        mid.rect(0.28, 0.42, 0.72, 0.445, wood, outline=False)
        for y, ln in ((0.22, 0.22), (0.28, 0.3), (0.34, 0.16)):
            mid.line([(0.34, y), (0.34 + ln, y)], (236, 236, 230), 0.006)
        if key == "classroom":
            for x in (0.12, 0.88):
                _draw(near, "table", (x - 0.09, horizon + 0.02, x + 0.09, horizon + 0.2), colors, rng)
        else:
            for x in (0.08, 0.16, 0.84, 0.92):  # lockers
                mid.rect(x - 0.035, 0.2, x + 0.035, horizon, (70, 110, 170))
                mid.line([(x - 0.02, 0.26), (x + 0.02, 0.26)], (40, 60, 100), 0.006)
        return
    if key == "dance":
        far.shape([(-0.01, horizon), (1.01, horizon), (1.01, 1.01), (-0.01, 1.01)], (30, 24, 40), shade_mode="none", outline=False)
        tiles = [(230, 60, 160), (60, 200, 230), (250, 220, 60), (120, 80, 230)]
        for r in range(4):
            for k in range(10):
                y0 = horizon + r * (1 - horizon) / 4
                y1 = horizon + (r + 1) * (1 - horizon) / 4
                xs0, xs1 = [(k / 10 - 0.5) * (1 + 0.8 * y) + 0.5 for y in (r / 4,)][0], [((k + 1) / 10 - 0.5) * (1 + 0.8 * r / 4) + 0.5][0]
                xe0, xe1 = (k / 10 - 0.5) * (1 + 0.8 * (r + 1) / 4) + 0.5, ((k + 1) / 10 - 0.5) * (1 + 0.8 * (r + 1) / 4) + 0.5
                far.shape([(xs0, y0), (xs1, y0), (xe1, y1), (xe0, y1)], tiles[(r + k) % 4], shade_mode="none", outline=False, alpha=0.55)
        mid.ellipse(0.5, 0.1, 0.05, 0.05 * aspect, (210, 214, 224), shade_mode="soft")  # mirror ball
        for k in range(6):
            c = tiles[k % 4]
            x = 0.1 + k * 0.16
            far.shape([(0.5, 0.1), (x - 0.04, horizon), (x + 0.04, horizon)], c, shade_mode="none", outline=False, alpha=0.18)
        for k in range(8):  # streamers
            x = k / 7
            mid.line([(x, 0.0), (x + 0.03, 0.08), (x, 0.14)], tiles[k % 4], 0.006)
        return
    if key == "kitchen":
        mid.rect(-0.01, horizon - 0.2, 1.01, horizon + 0.04, (236, 236, 232))  # counter
        mid.rect(-0.01, horizon - 0.22, 1.01, horizon - 0.19, (120, 110, 100), outline=False)
        for x in np.arange(0.02, 1.0, 0.14):
            mid.rect(x, horizon - 0.16, x + 0.12, horizon + 0.02, shade((236, 236, 232), 0.92))
            mid.line([(x + 0.05, horizon - 0.13), (x + 0.07, horizon - 0.13)], (90, 90, 96), 0.006)
        mid.rect(0.62, horizon - 0.17, 0.8, horizon + 0.02, (60, 60, 66))  # oven
        mid.rect(0.64, horizon - 0.12, 0.78, horizon - 0.01, (230, 140, 60) if not night else (250, 170, 80))
        for x in (0.1, 0.2, 0.3):
            mid.rect(x, 0.12, x + 0.08, 0.22, wood)  # shelves of jars
            mid.ellipse(x + 0.04, 0.17, 0.02, 0.03, [(220, 80, 60), (240, 200, 80), (120, 180, 90)][int((x * 10) % 3)])
        _draw(mid, "bread", (0.36, horizon - 0.3, 0.48, horizon - 0.2), colors, rng)
        return
    if key == "workshop":
        mid.rect(0.05, 0.1, 0.6, 0.4, (150, 120, 80))  # pegboard
        for _i, (name, x) in enumerate((("hammer", 0.1), ("axe", 0.22), ("sword", 0.34), ("hammer", 0.46))):
            _draw(mid, name, (x, 0.13, x + 0.1, 0.36), _colors((170, 170, 176), prng), rng)
        _draw(near, "table", (0.62, horizon - 0.12, 0.98, horizon + 0.14), colors, rng)
        for x in (0.7, 0.8):
            mid.rect(x, horizon - 0.08, x + 0.06, horizon, (200, 60, 40))  # toolbox, cans
        for _ in range(4):
            x, y = float(rng.uniform(0.1, 0.9)), float(rng.uniform(horizon + 0.08, 0.98))
            near.shape(ellipse_pts(x, y, 0.04, 0.01 * aspect), (60, 56, 60), shade_mode="none", outline=False, alpha=0.4)  # oil stains
        return
    if key == "lab":
        mid.rect(-0.01, horizon - 0.16, 1.01, horizon + 0.04, (60, 66, 80))  # bench
        mid.rect(-0.01, horizon - 0.18, 1.01, horizon - 0.15, (30, 34, 44), outline=False)
        liquids = [(90, 220, 120), (220, 80, 200), (80, 160, 240), (250, 200, 60)]
        for k, x in enumerate((0.1, 0.2, 0.32, 0.7, 0.82)):
            _draw(mid, "potion", (x - 0.04, horizon - 0.3, x + 0.04, horizon - 0.17), _colors(liquids[k % 4], prng), rng, {"flask": True})
            mid.glow(x, horizon - 0.22, 0.06, liquids[k % 4], 0.3)
        _draw(mid, "machine", (0.44, horizon - 0.4, 0.62, horizon - 0.16), _colors((150, 170, 190), prng), rng)
        mid.rect(0.75, 0.12, 0.95, 0.3, (240, 240, 236))  # a chart
        mid.line([(0.77, 0.27), (0.82, 0.2), (0.86, 0.24), (0.92, 0.15)], (220, 60, 60), 0.006)
        return
    if key == "library":
        for x0 in (-0.01, 0.27, 0.55, 0.83):
            _shelf(mid, x0, x0 + 0.19, 0.06, horizon, shade(wood, 0.8), rng, rows=5)
        mid.glow(0.5, 0.2, 0.3, (255, 220, 150), 0.25)
        return
    if key == "attic":
        beam = shade(wood, 0.75)
        far.shape([(-0.01, -0.01), (0.5, -0.01), (-0.01, 0.5)], shade(wood, 0.5), shade_mode="none", outline=False)
        far.shape([(1.01, -0.01), (0.5, -0.01), (1.01, 0.5)], shade(wood, 0.5), shade_mode="none", outline=False)
        for k in range(5):
            mid.line([(0.1 + k * 0.2, 0.0), (0.1 + k * 0.2, horizon)], beam, 0.014, outline=True)
        mid.line([(-0.01, 0.5), (0.5, 0.0), (1.01, 0.5)], beam, 0.02, outline=True)
        mid.shape(ellipse_pts(0.5, 0.2, 0.06, 0.06 * aspect), (250, 236, 180), shade_mode="none", outline=True)  # round window
        for x, name in ((0.12, "chest"), (0.84, "crate"), (0.92, "crate")):
            _draw(near, name, (x - 0.06, horizon - 0.04, x + 0.06, horizon + 0.1), colors, rng)
        for _ in range(20):
            x, y = float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.2, 0.7))
            near.shape(ellipse_pts(x, y, 0.002, 0.002 * aspect), (255, 240, 200), shade_mode="none", outline=False, alpha=0.6)  # dust
        return
    if key == "bedroom":
        _draw(mid, "table", (0.62, horizon - 0.14, 0.98, horizon + 0.1), _colors((90, 120, 200), prng), rng, {"bed": True})
        mid.rect(0.05, horizon - 0.26, 0.2, horizon + 0.02, wood)  # wardrobe
        mid.line([(0.125, horizon - 0.24), (0.125, horizon)], shade(wood, 0.6), 0.004)
        _draw(mid, "torch", (0.55, horizon - 0.22, 0.6, horizon - 0.12), colors, rng, {"candle": True})
        near.shape(ellipse_pts(0.4, 0.9, 0.22, 0.05 * aspect), (170, 60, 80), shade_mode="none", outline=False, alpha=0.85)  # rug
        return


def scene_palette_seed(setting: str) -> str:
    """What the colour choices of a setting depend on (with the comic's identity)."""
    return f"setting:{setting}"


def tint_sky(key: str) -> tuple[RGB, RGB, RGB] | None:
    return SKIES.get(key)


def ground_of(key: str) -> RGB | None:
    return GROUNDS.get(key)


def wall_of(key: str) -> RGB | None:
    return WALLS.get(key)


def floor_of(key: str) -> RGB | None:
    return FLOORS.get(key)


_ = mix
