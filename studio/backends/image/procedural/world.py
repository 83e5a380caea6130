"""World objects: trees, rocks, buildings, vehicles (also used as scene scenery)."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.backends.image.procedural.colors import Colors
from studio.backends.image.procedural.painter import (
    Painter,
    bezier,
    blob_pts,
    ellipse_pts,
    mix,
    rrect_pts,
    shade,
    star_pts,
)
from studio.backends.image.procedural.registry import archetype


@archetype("tree", kind="plant", height=0.6, words="oak maple birch willow sapling bush shrub",
           colors="green", variants={"bush": {"bush": True}, "shrub": {"bush": True}, "willow": {"droop": True}})
def draw_tree(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    leaf = c.main if v.get("explicit") else ((244, 170, 200) if v.get("blossom") else c.leaf)
    trunk = c.wood
    if v.get("bush"):
        for x, y, r in ((0.3, 0.72, 0.2), (0.7, 0.72, 0.2), (0.5, 0.6, 0.26)):
            p.shape(blob_pts(x, y, r, r * 0.9, rng, wobble=0.08), leaf)
        p.rect(0.12, 0.78, 0.88, 0.95, shade(leaf, 0.85), r=0.08)
        return
    if v.get("dead"):
        p.shape([(0.44, 0.96), (0.47, 0.4), (0.53, 0.4), (0.56, 0.96)], trunk)
        for (x0, y0), (x1, y1) in ((((0.5, 0.55), (0.25, 0.3))), (((0.5, 0.48), (0.75, 0.22))), (((0.5, 0.42), (0.45, 0.12))), (((0.35, 0.4), (0.22, 0.42)))):
            p.line([(x0, y0), (x1, y1)], trunk, 0.035, shade_mode=None, outline=True)
        return
    p.shape([(0.43, 0.96), (0.46, 0.55), (0.4, 0.45), (0.5, 0.5), (0.6, 0.44), (0.54, 0.56), (0.57, 0.96)], trunk)
    blobs = [(0.5, 0.32, 0.3), (0.3, 0.44, 0.2), (0.7, 0.44, 0.2), (0.4, 0.22, 0.18), (0.62, 0.24, 0.18)]
    for i, (x, y, r) in enumerate(blobs):
        col = shade(leaf, 0.85 + 0.06 * (i % 3))
        p.shape(blob_pts(x + rng.uniform(-0.02, 0.02), y, r, r * 0.88, rng, wobble=0.06), col)
    if v.get("fruit") or rng.random() < 0.25:
        for _ in range(5):
            p.ellipse(rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.5), 0.025, 0.025, (220, 50, 50), outline=False)


@archetype("pine", kind="plant", height=0.66, words="fir spruce conifer evergreen christmas-tree", colors="green")
def draw_pine(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    leaf = shade(c.main if v.get("explicit") else c.leaf, 0.8)
    p.rect(0.45, 0.78, 0.55, 0.96, c.wood)
    for i, (y0, y1, w) in enumerate(((0.5, 0.84, 0.36), (0.3, 0.64, 0.29), (0.08, 0.44, 0.21))):
        p.shape([(0.5, y0), (0.5 + w, y1), (0.5 - w, y1)], shade(leaf, 1.0 + 0.06 * i))
    if v.get("snow"):
        for y0, w in ((0.5, 0.12), (0.3, 0.1), (0.08, 0.07)):
            p.shape([(0.5, y0), (0.5 + w, y0 + 0.12), (0.5, y0 + 0.09), (0.5 - w, y0 + 0.12)], (245, 248, 252), outline=False)
    if v.get("lights"):
        p.shape(star_pts(0.5, 0.08, 0.06, 0.025), (250, 210, 60), shade_mode="none")
        for _ in range(9):
            p.ellipse(rng.uniform(0.32, 0.68), rng.uniform(0.3, 0.8), 0.015, 0.015, [(240, 60, 60), (250, 210, 60), (80, 160, 250)][int(rng.integers(3))], shade_mode="none", outline=False)


@archetype("palm", kind="plant", height=0.66, words="palm-tree coconut", colors="green")
def draw_palm(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    trunk = bezier((0.5, 0.96), (0.44, 0.6), (0.56, 0.24), n=18)
    for i in range(len(trunk) - 1):
        p.line([trunk[i], trunk[i + 1]], shade(c.wood, 1.1 if i % 2 else 0.95), 0.07 - 0.002 * i, shade_mode=None, outline=False)
    leaf = c.main if v.get("explicit") else c.leaf
    top = trunk[-1]
    for ang in (-150, -110, -60, -20, 20, 70):
        a = np.radians(ang)
        end = (top[0] + 0.36 * np.cos(a), top[1] + 0.3 * np.sin(a) + 0.16)
        mid = (top[0] + 0.2 * np.cos(a), top[1] - 0.08 + 0.12 * np.sin(a))
        p.shape(bezier(top, mid, end, n=12) + list(reversed(bezier((top[0], top[1] + 0.04), (mid[0], mid[1] + 0.07), end, n=12))), leaf)
    for dx in (-0.03, 0.03):
        p.ellipse(top[0] + dx, top[1] + 0.04, 0.03, 0.03, (120, 80, 40))


@archetype("rock", kind="prop", height=0.22, words="boulder stone rocks pebble ore", colors="grey")
def draw_rock(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main if v.get("explicit") else c.stone
    pts = blob_pts(0.5, 0.64, 0.42, 0.3, rng, wobble=0.18, n=10)
    pts = [(x, min(y, 0.95)) for x, y in pts]
    p.shape(pts, col, shade_mode="cel" if p.mode != "none" else "none")
    top = [(x, y) for x, y in pts if y < 0.64]
    if len(top) >= 3:
        p.shape(top + [(0.62, 0.6), (0.4, 0.58)], shade(col, 1.12), shade_mode="none", outline=False)
    p.line([(0.42, 0.62), (0.5, 0.72), (0.47, 0.8)], shade(col, 0.6), 0.01)
    if rng.random() < 0.4:
        p.shape(blob_pts(0.42, 0.4, 0.14, 0.05, rng, wobble=0.2), (90, 150, 70), shade_mode="none", outline=False)


@archetype("cactus", kind="plant", height=0.4, words="saguaro succulent", colors="green")
def draw_cactus(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = shade(c.main if v.get("explicit") else (90, 160, 80), 0.95)
    p.shape(rrect_pts(0.14, 0.3, 0.28, 0.62, 0.07), col)
    p.shape(rrect_pts(0.14, 0.52, 0.45, 0.64, 0.06), col)
    p.shape(rrect_pts(0.72, 0.2, 0.86, 0.5, 0.07), col)
    p.shape(rrect_pts(0.55, 0.42, 0.86, 0.54, 0.06), col)
    p.shape(rrect_pts(0.38, 0.08, 0.62, 0.96, 0.12), col)
    for x in (0.45, 0.55):
        p.line([(x, 0.16), (x, 0.92)], shade(col, 0.75), 0.008)
    p.shape(star_pts(0.5, 0.08, 0.05, 0.025, points=6), (240, 100, 150), shade_mode="none")


@archetype("house", kind="structure", height=0.5, words="cottage home hut cabin building shop barn inn tavern", colors="red brown blue teal",
           variants={"barn": {"barn": True}, "cabin": {"log": True}, "hut": {"log": True}})
def draw_house(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wall = (236, 224, 200) if not v.get("log") else c.wood
    roof = c.main
    if v.get("barn"):
        wall, roof = (190, 50, 40), (70, 60, 60)
    p.rect(0.64, 0.12, 0.74, 0.36, (150, 90, 70))
    p.rect(0.16, 0.46, 0.84, 0.94, wall)
    if v.get("log"):
        for i in range(7):
            y = 0.5 + i * 0.065
            p.line([(0.17, y), (0.83, y)], shade(wall, 0.7), 0.01)
    p.shape([(0.08, 0.5), (0.5, 0.14), (0.92, 0.5), (0.86, 0.53), (0.14, 0.53)], roof)
    for i in range(4):
        y = 0.24 + i * 0.07
        half = 0.42 * (y - 0.14) / 0.36
        p.line([(0.5 - half, y), (0.5 + half, y)], shade(roof, 0.7), 0.008)
    lit = v.get("night")
    window = (255, 214, 110) if lit else (150, 200, 235)
    p.rect(0.42, 0.66, 0.58, 0.94, shade(c.wood, 0.8), r=0.02)
    p.ellipse(0.55, 0.81, 0.012, 0.012, c.gold, shade_mode="none", outline=False)
    for x0 in (0.22, 0.64):
        if lit:
            p.glow(x0 + 0.07, 0.66, 0.12, (255, 200, 100), 0.5)
        p.rect(x0, 0.6, x0 + 0.14, 0.74, window, shade_mode="none")
        p.line([(x0 + 0.07, 0.6), (x0 + 0.07, 0.74)], shade(wall, 0.5), 0.01)
        p.line([(x0, 0.67), (x0 + 0.14, 0.67)], shade(wall, 0.5), 0.01)
    p.ellipse(0.5, 0.36, 0.05, 0.05, window, shade_mode="none")


@archetype("castle", kind="structure", height=0.72, words="fortress palace citadel keep fort stronghold", colors="grey")
def draw_castle(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    stone = c.stone if not v.get("explicit") else mix(c.stone, c.main, 0.4)
    roof = c.main if v.get("explicit") else (60, 80, 150)
    lit = v.get("night")

    def crenel(x0: float, x1: float, y: float) -> None:
        n = max(2, int((x1 - x0) / 0.05))
        w = (x1 - x0) / (2 * n - 1)
        for i in range(n):
            p.rect(x0 + 2 * i * w, y - 0.035, x0 + (2 * i + 1) * w, y + 0.005, stone)

    p.rect(0.22, 0.46, 0.78, 0.95, shade(stone, 0.95))
    crenel(0.22, 0.78, 0.46)
    p.rect(0.4, 0.22, 0.6, 0.6, stone)
    p.shape([(0.37, 0.23), (0.5, 0.04), (0.63, 0.23)], roof)
    p.line([(0.5, 0.05), (0.5, -0.04)], (60, 50, 50), 0.008)
    p.shape([(0.5, -0.04), (0.6, -0.02), (0.5, 0.0)], c.accent, shade_mode="none")
    for x0, x1 in ((0.06, 0.26), (0.74, 0.94)):
        p.rect(x0, 0.32, x1, 0.95, stone)
        crenel(x0, x1, 0.32)
        cx = (x0 + x1) / 2
        p.rect(cx - 0.025, 0.46, cx + 0.025, 0.54, (30, 30, 40) if not lit else (255, 210, 110), r=0.02, shade_mode="none")
    for y in (0.6, 0.7, 0.8):
        for x in np.arange(0.25 + (y * 10 % 2) * 0.05, 0.75, 0.1):
            p.line([(x, y), (x + 0.06, y)], shade(stone, 0.75), 0.006)
    gate = rrect_pts(0.42, 0.7, 0.58, 0.95, 0.0)
    p.shape(ellipse_pts(0.5, 0.74, 0.08, 0.07, start=180, end=360) + [(0.58, 0.95), (0.42, 0.95)], (40, 32, 30))
    for x in (0.45, 0.5, 0.55):
        p.line([(x, 0.69), (x, 0.95)], (90, 80, 70), 0.006)
    _ = gate
    p.rect(0.47, 0.3, 0.53, 0.4, (30, 30, 40) if not lit else (255, 210, 110), r=0.02, shade_mode="none")
    if lit:
        p.glow(0.5, 0.35, 0.08, (255, 200, 100), 0.5)


@archetype("tower", kind="structure", height=0.72, words="lighthouse spire minaret turret", colors="grey red",
           variants={"lighthouse": {"lighthouse": True}})
def draw_tower(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("lighthouse"):
        body = [(0.38, 0.95), (0.43, 0.28), (0.57, 0.28), (0.62, 0.95)]
        p.shape(body, (240, 240, 236))
        for y0 in (0.38, 0.62, 0.86):
            y1 = min(0.95, y0 + 0.1)
            def xw(y: float) -> float:
                return 0.43 - (y - 0.28) / 0.67 * 0.05
            p.shape([(xw(y0), y0), (1 - xw(y0), y0), (1 - xw(y1), y1), (xw(y1), y1)], c.main if v.get("explicit") else (210, 50, 50), outline=False)
        p.rect(0.41, 0.24, 0.59, 0.29, (60, 60, 70))
        p.glow(0.5, 0.19, 0.3, (255, 230, 140), 0.7 if v.get("night") else 0.4)
        p.rect(0.43, 0.14, 0.57, 0.24, (255, 230, 140), shade_mode="none")
        p.shape([(0.4, 0.15), (0.5, 0.06), (0.6, 0.15)], (60, 60, 70))
        return
    stone = c.stone
    p.rect(0.34, 0.3, 0.66, 0.95, stone)
    for y in np.arange(0.38, 0.95, 0.08):
        p.line([(0.35, y), (0.65, y)], shade(stone, 0.75), 0.006)
    p.shape([(0.28, 0.32), (0.5, 0.02), (0.72, 0.32)], c.main)
    for y in (0.45, 0.65):
        p.shape(ellipse_pts(0.5, y, 0.035, 0.03, start=180, end=360) + [(0.535, y + 0.06), (0.465, y + 0.06)], (255, 210, 110) if v.get("night") else (30, 30, 40), shade_mode="none")
    p.shape(ellipse_pts(0.5, 0.86, 0.06, 0.05, start=180, end=360) + [(0.56, 0.95), (0.44, 0.95)], shade(c.wood, 0.8))


@archetype("car", kind="vehicle", height=0.3, words="automobile truck van taxi bus jeep sedan vehicle",
           colors="red blue yellow green", variants={"taxi": {"col": (245, 200, 40)}, "bus": {"bus": True}, "truck": {"truck": True}, "van": {"bus": True}})
def draw_car(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = v.get("col") or c.main
    glass = (170, 210, 235) if not v.get("night") else (60, 80, 110)
    if v.get("bus"):
        p.rect(0.05, 0.36, 0.95, 0.84, body, r=0.05)
        for x in np.arange(0.1, 0.86, 0.14):
            p.rect(x, 0.42, x + 0.11, 0.58, glass, r=0.01, shade_mode="none")
    elif v.get("truck"):
        p.rect(0.04, 0.3, 0.62, 0.82, (230, 230, 226), r=0.02)
        p.shape([(0.62, 0.82), (0.62, 0.42), (0.8, 0.42), (0.94, 0.6), (0.96, 0.82)], body)
        p.shape([(0.66, 0.46), (0.79, 0.46), (0.88, 0.6), (0.66, 0.6)], glass, shade_mode="none")
    else:
        cabin = [(0.24, 0.58), (0.34, 0.36), (0.66, 0.36), (0.8, 0.58)]
        p.shape(cabin, body)
        p.shape([(0.29, 0.57), (0.37, 0.41), (0.49, 0.41), (0.49, 0.57)], glass, shade_mode="none", outline=False)
        p.shape([(0.52, 0.57), (0.52, 0.41), (0.64, 0.41), (0.75, 0.57)], glass, shade_mode="none", outline=False)
        p.shape(rrect_pts(0.04, 0.55, 0.96, 0.82, 0.08), body, gloss=True)
        p.line([(0.5, 0.58), (0.5, 0.78)], shade(body, 0.6), 0.008)
        p.rect(0.38, 0.62, 0.44, 0.64, shade(body, 0.5), outline=False)
        p.rect(0.58, 0.62, 0.64, 0.64, shade(body, 0.5), outline=False)
    p.ellipse(0.93, 0.64, 0.025, 0.03, (255, 240, 180), shade_mode="none")
    p.rect(0.04, 0.62, 0.08, 0.68, (220, 40, 40), shade_mode="none")
    if v.get("night"):
        p.glow(0.98, 0.64, 0.12, (255, 240, 180), 0.6)
    for x in (0.24, 0.76):
        p.ellipse(x, 0.82, 0.11, 0.11, (40, 40, 46))
        p.ellipse(x, 0.82, 0.05, 0.05, c.metal)


@archetype("boat", kind="vehicle", height=0.45, words="ship sailboat galleon canoe yacht vessel raft", colors="brown white red",
           variants={"canoe": {"small": True}, "raft": {"small": True}})
def draw_boat(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    hull = c.main if v.get("explicit") else c.wood
    if not v.get("small"):
        p.line([(0.5, 0.08), (0.5, 0.7)], shade(c.wood, 0.8), 0.025, shade_mode=None, outline=True)
        sail = (244, 240, 226) if not v.get("pirate") else (40, 40, 44)
        p.shape(bezier((0.52, 0.1), (0.8, 0.3), (0.84, 0.62), n=16) + [(0.52, 0.62)], sail)
        p.shape(bezier((0.48, 0.18), (0.28, 0.38), (0.2, 0.62), n=16) + [(0.48, 0.62)], shade(sail, 0.92))
        p.shape([(0.5, 0.08), (0.62, 0.1), (0.5, 0.13)], c.accent, shade_mode="none")
    p.shape([(0.04, 0.64), (0.96, 0.64), (0.84, 0.88), (0.16, 0.88)], hull)
    p.rect(0.06, 0.64, 0.94, 0.69, shade(hull, 1.2), outline=False)
    if not v.get("small"):
        for x in (0.3, 0.45, 0.6, 0.75):
            p.ellipse(x, 0.75, 0.018, 0.018, (40, 34, 30), shade_mode="none", outline=False)


@archetype("rocket", kind="vehicle", height=0.5, grounded=False, words="spaceship spacecraft ufo shuttle starship saucer", colors="red white silver",
           variants={"ufo": {"ufo": True}, "saucer": {"ufo": True}})
def draw_rocket(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("ufo"):
        p.glow(0.5, 0.75, 0.35, (160, 255, 180), 0.4)
        p.ellipse(0.5, 0.4, 0.18, 0.16, (170, 230, 240), alpha=0.8, gloss=True)
        p.ellipse(0.5, 0.52, 0.42, 0.1, c.metal)
        p.ellipse(0.5, 0.56, 0.26, 0.05, shade(c.metal, 0.7))
        for x in (0.2, 0.35, 0.5, 0.65, 0.8):
            p.ellipse(x, 0.53, 0.02, 0.02, (250, 220, 90), shade_mode="none")
        return
    with p.region(0.0, 0.0, 1.0, 1.0, angle=0 if v.get("upright", True) else 30):
        p.glow(0.5, 0.92, 0.16, (255, 170, 60), 0.8)
        p.shape(bezier((0.42, 0.8), (0.5, 1.02), (0.58, 0.8), n=10), (255, 150, 50), shade_mode="none")
        for sx in (-1, 1):
            p.shape([(0.5 + sx * 0.1, 0.56), (0.5 + sx * 0.24, 0.8), (0.5 + sx * 0.1, 0.76)], c.main)
        body = bezier((0.4, 0.8), (0.36, 0.35), (0.5, 0.06), n=16) + bezier((0.5, 0.06), (0.64, 0.35), (0.6, 0.8), n=16)
        p.shape(body, (236, 236, 240))
        p.shape([(x, y) for x, y in body if y < 0.26] + [(0.5, 0.06)], c.main, outline=False)
        p.ellipse(0.5, 0.42, 0.055, 0.055, c.metal)
        p.ellipse(0.5, 0.42, 0.04, 0.04, (90, 150, 210), gloss=True)
        p.rect(0.41, 0.76, 0.59, 0.82, c.metal)


@archetype("tent", kind="structure", height=0.3, words="camp teepee", colors="orange green")
def draw_tent(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.shape([(0.5, 0.2), (0.95, 0.92), (0.05, 0.92)], c.main)
    p.shape([(0.5, 0.2), (0.62, 0.92), (0.38, 0.92)], shade(c.main, 0.55), outline=False)
    p.line([(0.5, 0.2), (0.5, 0.1)], c.wood, 0.015)


@archetype("tombstone", kind="prop", height=0.2, words="grave gravestone headstone tomb", colors="grey")
def draw_tombstone(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    stone = c.stone
    p.shape(ellipse_pts(0.5, 0.4, 0.3, 0.26, start=180, end=360) + [(0.8, 0.92), (0.2, 0.92)], stone)
    p.line([(0.5, 0.3), (0.5, 0.55)], shade(stone, 0.6), 0.025)
    p.line([(0.42, 0.38), (0.58, 0.38)], shade(stone, 0.6), 0.025)
    p.rect(0.12, 0.9, 0.88, 0.96, shade(stone, 0.8))


@archetype("lamppost", kind="prop", height=0.5, words="streetlight streetlamp lamp lamp-post", colors="black")
def draw_lamppost(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    iron = (50, 52, 60)
    p.rect(0.47, 0.2, 0.53, 0.95, iron)
    p.rect(0.42, 0.9, 0.58, 0.96, iron)
    if v.get("night"):
        p.glow(0.5, 0.16, 0.3, (255, 220, 140), 0.6)
    p.shape([(0.4, 0.22), (0.6, 0.22), (0.56, 0.08), (0.44, 0.08)], (255, 226, 150) if v.get("night") else (220, 226, 230), shade_mode="none")
    p.shape([(0.38, 0.09), (0.5, 0.02), (0.62, 0.09)], iron)
