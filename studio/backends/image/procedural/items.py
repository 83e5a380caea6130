"""Items and props: potions, weapons, treasure, food, tools (game-icon friendly)."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.backends.image.procedural.colors import Colors
from studio.backends.image.procedural.painter import (
    Painter,
    bezier,
    ellipse_pts,
    heart_pts,
    mix,
    rrect_pts,
    shade,
    star_pts,
)
from studio.backends.image.procedural.registry import archetype


@archetype("potion", kind="item", height=0.16, words="flask vial elixir bottle brew tonic philter", colors="red blue green purple pink",
           variants={"bottle": {"shape": "bottle"}, "vial": {"shape": "vial"}, "flask": {"shape": "flask"}})
def draw_potion(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    glass = (214, 236, 246)
    liquid = c.main
    shape = v.get("shape") or ["round", "round", "flask", "bottle"][int(rng.integers(4))]
    level = 0.5 + rng.uniform(-0.05, 0.06)
    if shape == "round":
        body = ellipse_pts(0.5, 0.64, 0.31, 0.31)
        neck = (0.42, 0.17, 0.58, 0.38)
    elif shape == "flask":
        body = [(0.42, 0.34), (0.58, 0.34), (0.84, 0.86)] + bezier((0.84, 0.86), (0.86, 0.96), (0.74, 0.96), n=6) + bezier((0.26, 0.96), (0.14, 0.96), (0.16, 0.86), n=6)
        neck = (0.42, 0.17, 0.58, 0.36)
    elif shape == "vial":
        body = rrect_pts(0.38, 0.3, 0.62, 0.95, 0.1)
        neck = (0.41, 0.17, 0.59, 0.32)
    else:
        body = [(0.44, 0.3), (0.56, 0.3)] + bezier((0.56, 0.3), (0.7, 0.33), (0.7, 0.45), n=8) + [(0.7, 0.9)] + bezier((0.7, 0.9), (0.7, 0.95), (0.64, 0.95), n=4) + [(0.36, 0.95)] + bezier((0.36, 0.95), (0.3, 0.95), (0.3, 0.9), n=4) + [(0.3, 0.45)] + bezier((0.3, 0.45), (0.3, 0.33), (0.44, 0.3), n=8)
        neck = (0.43, 0.15, 0.57, 0.32)
    ys = [y for _, y in body]
    top, bot = min(ys), max(ys)
    liquid_y = top + (bot - top) * (1 - level)
    p.rect(*neck, glass, alpha=0.6)
    p.shape(body, glass, alpha=0.55)
    liq = [(x, max(y, liquid_y)) for x, y in body]
    p.shape(liq, liquid, outline=False, strength=1.2)
    xs_at = [x for x, y in body if abs(y - liquid_y) < (bot - top) * 0.08] or [0.3, 0.7]
    sw = (max(xs_at) - min(xs_at)) / 2 * 0.95
    p.ellipse(0.5, liquid_y, sw, 0.022, shade(liquid, 1.35), shade_mode="none", outline=False)
    for _ in range(4):
        bx = 0.5 + rng.uniform(-sw * 0.6, sw * 0.6)
        by = rng.uniform(liquid_y + 0.05, bot - 0.06)
        r = rng.uniform(0.012, 0.03)
        p.ellipse(bx, by, r, r, shade(liquid, 1.5), shade_mode="none", outline=False, alpha=0.75)
    p.line(bezier((0.5 - sw * 0.85, liquid_y + 0.06), (0.5 - sw * 0.95, (liquid_y + bot) / 2), (0.5 - sw * 0.6, bot - 0.05)), (255, 255, 255), 0.025, alpha=0.6)
    p.line(body + [body[0]], shade(glass, 0.45), 0.012)
    p.rect(neck[0] - 0.035, neck[1] - 0.005, neck[2] + 0.035, neck[1] + 0.04, glass, r=0.015)
    p.rect(neck[0] + 0.01, neck[1] - 0.11, neck[2] - 0.01, neck[1] + 0.01, c.wood, r=0.02)
    if shape == "bottle":
        p.rect(0.36, 0.6, 0.64, 0.78, (236, 220, 176), r=0.01)
        p.shape(star_pts(0.5, 0.69, 0.05, 0.022), shade(liquid, 0.8), shade_mode="none", outline=False)


@archetype("sword", kind="item", height=0.3, words="blade katana sabre saber dagger knife rapier longsword scimitar excalibur", colors="silver",
           variants={"dagger": {"short": True}, "knife": {"short": True}, "katana": {"katana": True}})
def draw_sword(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if not v.get("upright"):
        with p.region(-0.2, -0.2, 1.2, 1.2, angle=45):
            return draw_sword(p, c, rng, {**v, "upright": True})
    blade = mix(c.metal, c.main, 0.35) if v.get("explicit") else c.metal
    short = v.get("short")
    tip_y = 0.3 if short else 0.03
    if v.get("katana"):
        p.shape(bezier((0.47, 0.66), (0.45, 0.3), (0.53, tip_y)) + bezier((0.55, 0.08), (0.53, 0.35), (0.53, 0.66)), blade, gloss=True)
        p.ellipse(0.5, 0.675, 0.08, 0.02, c.gold)
        p.rect(0.47, 0.69, 0.53, 0.93, (40, 36, 44), r=0.015)
        for i in range(6):
            y = 0.71 + i * 0.035
            p.line([(0.47, y), (0.53, y + 0.02)], c.main, 0.01)
        return
    p.shape([(0.455, 0.66), (0.455, tip_y + 0.08), (0.5, tip_y), (0.545, tip_y + 0.08), (0.545, 0.66)], blade, gloss=True)
    p.line([(0.5, tip_y + 0.1), (0.5, 0.62)], shade(blade, 0.72), 0.012)
    p.shape(rrect_pts(0.32, 0.645, 0.68, 0.705, 0.02) , c.gold)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.185, 0.675, 0.03, 0.03, c.gold)
    p.rect(0.468, 0.7, 0.532, 0.885, (110, 64, 40), r=0.01)
    for i in range(5):
        y = 0.715 + i * 0.035
        p.line([(0.47, y), (0.53, y + 0.02)], (70, 40, 26), 0.009)
    p.ellipse(0.5, 0.915, 0.045, 0.04, c.gold)
    p.ellipse(0.5, 0.915, 0.02, 0.018, c.main if v.get("explicit") else c.accent, shade_mode="none", outline=False)


@archetype("shield", kind="item", height=0.26, words="buckler aegis", colors="blue red green",
           variants={"buckler": {"round": True}})
def draw_shield(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("round"):
        p.ellipse(0.5, 0.5, 0.42, 0.42, c.metal)
        p.ellipse(0.5, 0.5, 0.36, 0.36, c.wood if not (v.get("explicit") and not v.get("wooden")) else c.main)
        for a in range(0, 180, 36):
            p.line([(0.5 - 0.35 * np.cos(np.radians(a)), 0.5 - 0.35 * np.sin(np.radians(a))), (0.5 + 0.35 * np.cos(np.radians(a)), 0.5 + 0.35 * np.sin(np.radians(a)))], shade(c.wood, 0.7), 0.01)
        p.ellipse(0.5, 0.5, 0.1, 0.1, c.metal, gloss=True)
        return
    if v.get("tower") or v.get("square"):  # a tall rectangle (or a square)
        y0, y1 = (0.04, 0.96) if v.get("tower") else (0.14, 0.86)
        x0, x1 = (0.2, 0.8) if v.get("tower") else (0.14, 0.86)
        outer, inner = rrect_pts(x0, y0, x1, y1, 0.05), rrect_pts(x0 + 0.05, y0 + 0.05, x1 - 0.05, y1 - 0.05, 0.03)
    elif v.get("kite"):  # rounded top, long point below
        outer = bezier((0.5, 0.02), (0.9, 0.04), (0.84, 0.36), n=14) + [(0.5, 0.98)] + bezier((0.16, 0.36), (0.1, 0.04), (0.5, 0.02), n=14)
        inner = bezier((0.5, 0.08), (0.82, 0.1), (0.77, 0.36), n=14) + [(0.5, 0.88)] + bezier((0.23, 0.36), (0.18, 0.1), (0.5, 0.08), n=14)
    else:
        outer = [(0.14, 0.1), (0.86, 0.1)] + bezier((0.86, 0.1), (0.88, 0.7), (0.5, 0.95), n=20) + bezier((0.5, 0.95), (0.12, 0.7), (0.14, 0.1), n=20)[1:]
        inner = [(0.2, 0.16), (0.8, 0.16)] + bezier((0.8, 0.16), (0.81, 0.66), (0.5, 0.87), n=20) + bezier((0.5, 0.87), (0.19, 0.66), (0.2, 0.16), n=20)[1:]
    p.shape(outer, c.metal)
    p.shape(inner, c.wood if v.get("wooden") else c.main, outline=False)
    if v.get("wooden"):
        for x in np.arange(0.3, 0.75, 0.12):
            p.line([(x, 0.1), (x, 0.92)], shade(c.wood, 0.7), 0.008)
        return
    emblem = int(rng.integers(3))
    if emblem == 0:
        p.shape([(0.45, 0.22), (0.55, 0.22), (0.55, 0.4), (0.72, 0.4), (0.72, 0.5), (0.55, 0.5), (0.55, 0.78), (0.45, 0.78), (0.45, 0.5), (0.28, 0.5), (0.28, 0.4), (0.45, 0.4)], c.gold, shade_mode="cel")
    elif emblem == 1:
        p.shape([(0.2, 0.36), (0.5, 0.56), (0.8, 0.36), (0.8, 0.48), (0.5, 0.68), (0.2, 0.48)], c.gold, shade_mode="cel")
    else:
        p.shape(star_pts(0.5, 0.45, 0.2, 0.09), c.gold, shade_mode="cel")
    for x, y in ((0.2, 0.14), (0.8, 0.14), (0.5, 0.9)):
        p.ellipse(x, y, 0.02, 0.02, shade(c.metal, 1.2), shade_mode="none", outline=False)


@archetype("axe", kind="item", height=0.3, words="hatchet battleaxe", colors="silver")
def draw_axe(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(-0.1, -0.1, 1.1, 1.1, angle=30):
        p.line([(0.5, 0.1), (0.5, 0.95)], c.wood, 0.07, shade_mode=None, outline=True)
        for y in (0.75, 0.8, 0.85):
            p.line([(0.47, y), (0.53, y + 0.02)], shade(c.wood, 0.6), 0.01)
        blade = mix(c.metal, c.main, 0.3) if v.get("explicit") else c.metal
        p.shape([(0.5, 0.14), (0.62, 0.16)] + bezier((0.62, 0.16), (0.9, 0.05), (0.86, 0.28), n=10) + bezier((0.86, 0.28), (0.88, 0.42), (0.9, 0.52), n=10) + bezier((0.9, 0.52), (0.8, 0.36), (0.62, 0.34), n=10) + [(0.5, 0.34)], blade, gloss=True)
        p.rect(0.46, 0.12, 0.56, 0.36, shade(c.metal, 0.8), r=0.02)


@archetype("staff", kind="item", height=0.4, words="wand scepter sceptre rod", colors="purple blue green",
           variants={"wand": {"short": True}})
def draw_staff(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(-0.1, -0.1, 1.1, 1.1, angle=35):
        top = 0.35 if v.get("short") else 0.16
        p.line([(0.5, top), (0.5, 0.98)], c.wood if not v.get("short") else (60, 40, 40), 0.05, shade_mode=None, outline=True)
        p.glow(0.5, top - 0.06, 0.2, mix(c.main, (255, 255, 255), 0.4), 0.8)
        p.shape(bezier((0.44, top + 0.04), (0.36, top - 0.08), (0.46, top - 0.14)), c.gold, width=0.025, shade_mode="none", outline=False)
        p.shape(bezier((0.56, top + 0.04), (0.64, top - 0.08), (0.54, top - 0.14)), c.gold, width=0.025, shade_mode="none", outline=False)
        p.ellipse(0.5, top - 0.06, 0.07, 0.07, c.main, gloss=True)


@archetype("bow", kind="item", height=0.3, words="crossbow longbow", colors="brown")
def draw_bow(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(0, 0, 1, 1, angle=-30):
        p.line(bezier((0.45, 0.05), (0.9, 0.5), (0.45, 0.95), n=30), c.wood, 0.05, shade_mode=None, outline=True)
        p.line([(0.45, 0.05), (0.45, 0.95)], (230, 230, 220), 0.01)
        p.rect(0.6, 0.44, 0.68, 0.56, (120, 60, 40), r=0.02)
        p.line([(0.2, 0.5), (0.8, 0.5)], (150, 110, 70), 0.015)
        p.shape([(0.8, 0.47), (0.9, 0.5), (0.8, 0.53)], c.metal)
        p.shape([(0.2, 0.5), (0.14, 0.45), (0.26, 0.5), (0.14, 0.55)], c.main)


@archetype("hammer", kind="item", height=0.3, words="mallet warhammer maul", colors="silver")
def draw_hammer(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(-0.05, -0.05, 1.05, 1.05, angle=-30):
        p.line([(0.5, 0.25), (0.5, 0.95)], c.wood, 0.07, shade_mode=None, outline=True)
        p.rect(0.25, 0.1, 0.75, 0.32, c.metal, r=0.03, gloss=True)
        p.rect(0.46, 0.08, 0.54, 0.34, shade(c.metal, 0.8), r=0.01)


@archetype("coin", kind="item", height=0.1, words="money treasure loot token doubloon", colors="gold",
           variants={"treasure": {"pile": True}, "loot": {"pile": True}, "money": {"pile": True}})
def draw_coin(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    gold = c.main if v.get("explicit") else c.gold
    coins = [(0.5, 0.5, 0.36)] if not v.get("pile") else [(0.32, 0.62, 0.2), (0.66, 0.64, 0.2), (0.5, 0.42, 0.22)]
    for cx, cy, r in coins:
        p.ellipse(cx, cy + r * 0.12, r, r, shade(gold, 0.7))
        p.ellipse(cx, cy, r, r, gold, gloss=True)
        p.line(ellipse_pts(cx, cy, r * 0.78, r * 0.78) + [ellipse_pts(cx, cy, r * 0.78, r * 0.78)[0]], shade(gold, 0.72), 0.02 * r / 0.36)
        p.shape(star_pts(cx, cy, r * 0.45, r * 0.2), shade(gold, 0.85), shade_mode="cel")


@archetype("gem", kind="item", height=0.12, words="jewel crystal diamond ruby emerald sapphire amethyst gemstone topaz", colors="red blue green purple cyan",
           variants={"diamond": {"col": (190, 235, 250)}, "ruby": {"col": (210, 20, 60)}, "emerald": {"col": (30, 170, 90), "cut": "emerald"},
                     "sapphire": {"col": (40, 70, 200)}, "amethyst": {"col": (150, 70, 200)}, "topaz": {"col": (240, 170, 40)},
                     "crystal": {"cut": "crystal"}})
def draw_gem(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main if v.get("explicit") or not v.get("col") else v["col"]
    if v.get("cut") == "crystal":
        for dx, h, w in ((-0.2, 0.55, 0.12), (0.2, 0.5, 0.11), (0.0, 0.85, 0.15)):
            cx = 0.5 + dx
            pts = [(cx - w, 0.95), (cx - w, 0.95 - h * 0.75), (cx, 0.95 - h), (cx + w, 0.95 - h * 0.75), (cx + w, 0.95)]
            p.shape(pts, col, alpha=0.92)
            p.shape([(cx, 0.95 - h), (cx + w, 0.95 - h * 0.75), (cx + w, 0.95), (cx, 0.95)], shade(col, 0.7), shade_mode="none", outline=False)
        return
    if v.get("cut") == "emerald":
        outer = [(0.28, 0.15), (0.72, 0.15), (0.88, 0.3), (0.88, 0.72), (0.72, 0.87), (0.28, 0.87), (0.12, 0.72), (0.12, 0.3)]
        p.shape(outer, shade(col, 0.8))
        p.shape([(0.33, 0.28), (0.67, 0.28), (0.75, 0.36), (0.75, 0.66), (0.67, 0.74), (0.33, 0.74), (0.25, 0.66), (0.25, 0.36)], shade(col, 1.15), shade_mode="none", outline=False)
        p.shape([(0.12, 0.3), (0.28, 0.15), (0.33, 0.28), (0.25, 0.36)], shade(col, 1.35), shade_mode="none", outline=False)
        p.shape([(0.75, 0.66), (0.88, 0.72), (0.72, 0.87), (0.67, 0.74)], shade(col, 0.55), shade_mode="none", outline=False)
    else:
        facets = [
            ([(0.34, 0.2), (0.66, 0.2), (0.6, 0.38), (0.4, 0.38)], 1.3),
            ([(0.1, 0.38), (0.34, 0.2), (0.4, 0.38)], 1.1),
            ([(0.66, 0.2), (0.9, 0.38), (0.6, 0.38)], 0.75),
            ([(0.1, 0.38), (0.4, 0.38), (0.5, 0.92)], 0.95),
            ([(0.4, 0.38), (0.6, 0.38), (0.5, 0.92)], 1.2),
            ([(0.6, 0.38), (0.9, 0.38), (0.5, 0.92)], 0.6),
        ]
        p.shape([(0.34, 0.2), (0.66, 0.2), (0.9, 0.38), (0.5, 0.92), (0.1, 0.38)], col)
        for pts, f in facets:
            p.shape(pts, shade(col, f), shade_mode="none", outline=False)
        for a, b in (((0.1, 0.38), (0.9, 0.38)), ((0.4, 0.38), (0.5, 0.92)), ((0.6, 0.38), (0.5, 0.92))):
            p.line([a, b], shade(col, 0.5), 0.008, alpha=0.7)
    p.shape(star_pts(0.32, 0.3, 0.08, 0.018, points=4, rot=0), (255, 255, 255), shade_mode="none", outline=False)


@archetype("key", kind="item", height=0.12, words="keys", colors="gold")
def draw_key(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    metal = c.main if v.get("explicit") else c.gold
    with p.region(-0.05, -0.05, 1.05, 1.05, angle=-45):
        p.ellipse(0.25, 0.5, 0.17, 0.17, metal, gloss=True)
        p.rect(0.38, 0.45, 0.92, 0.55, metal)
        p.rect(0.72, 0.55, 0.78, 0.68, metal)
        p.rect(0.82, 0.55, 0.88, 0.72, metal)
        p.cut(ellipse_pts(0.25, 0.5, 0.075, 0.075))


@archetype("chest", kind="item", height=0.22, words="treasure-chest coffer strongbox trunk", colors="brown")
def draw_chest(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.main if v.get("explicit") else c.wood
    band = c.gold if rng.random() < 0.6 else c.metal
    p.rect(0.1, 0.5, 0.9, 0.9, wood, r=0.02)
    for y in (0.62, 0.76):
        p.line([(0.12, y), (0.88, y)], shade(wood, 0.6), 0.01)
    lid = [(0.1, 0.5)] + bezier((0.1, 0.5), (0.1, 0.18), (0.5, 0.18), n=14) + bezier((0.5, 0.18), (0.9, 0.18), (0.9, 0.5), n=14)
    p.shape(lid, shade(wood, 1.08))
    p.line([(0.12, 0.36), (0.88, 0.36)], shade(wood, 0.6), 0.01)
    for x in (0.22, 0.78):
        p.shape([(x - 0.04, 0.23), (x + 0.04, 0.23), (x + 0.04, 0.9), (x - 0.04, 0.9)], band, gloss=False)
    p.rect(0.08, 0.47, 0.92, 0.53, band)
    p.rect(0.42, 0.42, 0.58, 0.64, band, r=0.02, gloss=True)
    p.ellipse(0.5, 0.51, 0.025, 0.025, (30, 24, 26), shade_mode="none", outline=False)
    p.shape([(0.49, 0.52), (0.51, 0.52), (0.515, 0.58), (0.485, 0.58)], (30, 24, 26), shade_mode="none", outline=False)


@archetype("heart", kind="item", height=0.12, words="life health love hp", colors="red pink")
def draw_heart(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.shape(heart_pts(0.5, 0.52, 0.42), c.main, gloss=True)


@archetype("star", kind="item", height=0.12, grounded=False, words="stars starfish", colors="yellow gold")
def draw_star(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main
    p.shape(star_pts(0.5, 0.54, 0.46, 0.2), col, gloss=True)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.06, 0.52, 0.018, 0.03, (40, 30, 30), shade_mode="none", outline=False)


@archetype("crown", kind="item", height=0.12, words="tiara diadem", colors="gold")
def draw_crown(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    gold = c.main if v.get("explicit") else c.gold
    pts = [(0.14, 0.76), (0.14, 0.3), (0.32, 0.5), (0.5, 0.2), (0.68, 0.5), (0.86, 0.3), (0.86, 0.76)]
    p.shape(pts, gold, gloss=True)
    p.rect(0.12, 0.66, 0.88, 0.82, shade(gold, 0.9), r=0.02)
    for x, y in ((0.14, 0.3), (0.5, 0.2), (0.86, 0.3)):
        p.ellipse(x, y, 0.045, 0.045, gold)
    gems = [c.accent, (200, 30, 60), c.accent]
    for i, x in enumerate((0.3, 0.5, 0.7)):
        p.ellipse(x, 0.74, 0.045, 0.045, gems[i], gloss=True)


@archetype("scroll", kind="item", height=0.16, words="parchment map letter note document", colors="beige",
           variants={"map": {"map": True}})
def draw_scroll(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    paper = (236, 218, 170)
    p.rect(0.2, 0.18, 0.8, 0.82, paper)
    for y in (0.16, 0.84):
        p.rect(0.13, y - 0.055, 0.87, y + 0.055, shade(paper, 0.9), r=0.05)
        for x in (0.13, 0.87):
            p.ellipse(x, y, 0.03, 0.055, shade(paper, 0.7))
    if v.get("map"):
        pts = [(0.3, 0.7), (0.4, 0.55), (0.55, 0.6), (0.62, 0.4), (0.7, 0.3)]
        for a, b in zip(pts, pts[1:]):
            p.line([a, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)], (180, 40, 40), 0.015)
        p.line([(0.66, 0.26), (0.74, 0.34)], (180, 40, 40), 0.02)
        p.line([(0.74, 0.26), (0.66, 0.34)], (180, 40, 40), 0.02)
        p.shape(ellipse_pts(0.35, 0.4, 0.08, 0.06), (120, 170, 100), shade_mode="none", outline=False)
    else:
        for i in range(6):
            y = 0.3 + i * 0.08
            p.line([(0.28, y), (0.72 - (0.12 if i == 5 else rng.uniform(0, 0.06)), y)], (110, 90, 70), 0.012)


@archetype("book", kind="item", height=0.14, words="tome spellbook grimoire journal diary notebook sketchbook", colors="red blue brown purple green")
def draw_book(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.rect(0.22, 0.14, 0.84, 0.9, (240, 234, 214), r=0.02)
    for i in range(4):
        p.line([(0.8, 0.2 + i * 0.01), (0.8, 0.86)], (200, 190, 170), 0.004)
    p.rect(0.16, 0.1, 0.78, 0.88, c.main, r=0.03)
    p.rect(0.16, 0.1, 0.26, 0.88, shade(c.main, 0.7), r=0.02, outline=False)
    p.shape(star_pts(0.52, 0.42, 0.13, 0.06, points=6), c.gold, shade_mode="cel")
    for y in (0.18, 0.8):
        p.line([(0.3, y), (0.74, y)], c.gold, 0.012)


@archetype("bomb", kind="item", height=0.14, words="grenade explosive dynamite", colors="black")
def draw_bomb(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = (50, 50, 62) if not v.get("explicit") else c.main
    p.line(bezier((0.62, 0.26), (0.7, 0.1), (0.82, 0.16), n=12), (200, 170, 120), 0.025)
    p.glow(0.84, 0.14, 0.14, (255, 200, 80), 0.9)
    p.shape(star_pts(0.84, 0.14, 0.07, 0.03, points=6), (255, 230, 120), shade_mode="none", outline=False)
    p.ellipse(0.46, 0.6, 0.34, 0.34, body, gloss=True)
    with p.region(0.5, 0.2, 0.72, 0.4, angle=40):
        p.rect(0.2, 0.2, 0.8, 0.8, c.metal, r=0.05)


@archetype("mushroom", kind="plant", height=0.18, words="toadstool fungus shroom", colors="red brown purple")
def draw_mushroom(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.shape([(0.4, 0.55), (0.6, 0.55), (0.63, 0.92), (0.37, 0.92)], (240, 228, 204))
    cap = ellipse_pts(0.5, 0.56, 0.42, 0.42, start=180, end=360) + bezier((0.92, 0.56), (0.5, 0.66), (0.08, 0.56), n=16)
    p.shape(cap, c.main, gloss=True)
    for x, y, r in ((0.32, 0.4, 0.07), (0.56, 0.28, 0.08), (0.72, 0.46, 0.055), (0.45, 0.5, 0.04)):
        p.ellipse(x, y, r, r * 0.85, (250, 248, 240), shade_mode="none", outline=False)


@archetype("apple", kind="item", height=0.1, words="fruit food orange pear cherry tomato berry", colors="red green",
           variants={"orange": {"col": (245, 140, 30)}, "pear": {"col": (190, 200, 60)}})
def draw_apple(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = v.get("col") or c.main
    pts = bezier((0.5, 0.3), (0.2, 0.1), (0.12, 0.55), (0.5, 0.92), n=20) + bezier((0.5, 0.92), (0.88, 0.55), (0.8, 0.1), (0.5, 0.3), n=20)[1:]
    p.shape(pts, col, gloss=True)
    p.line([(0.5, 0.32), (0.53, 0.12)], (100, 66, 40), 0.03)
    with p.region(0.52, 0.06, 0.8, 0.24, angle=-20):
        p.shape(ellipse_pts(0.5, 0.5, 0.5, 0.3), (80, 170, 70))


@archetype("flower", kind="plant", height=0.2, words="rose tulip daisy sunflower lily blossom bouquet", colors="pink red yellow purple white")
def draw_flower(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.line(bezier((0.5, 0.95), (0.46, 0.6), (0.5, 0.4)), (70, 150, 60), 0.035, shade_mode=None, outline=True)
    for sx in (-1, 1):
        with p.region(0.5 + sx * 0.12 - 0.1, 0.62, 0.5 + sx * 0.12 + 0.1, 0.76, angle=sx * 30):
            p.shape(ellipse_pts(0.5, 0.5, 0.5, 0.28), (80, 170, 70))
    n = int(rng.integers(5, 8))
    for i in range(n):
        a = 360 * i / n
        with p.region(0.35, 0.14, 0.65, 0.44, angle=a):
            p.shape(ellipse_pts(0.5, 0.22, 0.2, 0.3), c.main)
    p.ellipse(0.5, 0.29, 0.08, 0.08, (250, 200, 60))


@archetype("torch", kind="item", height=0.2, words="candle lantern", colors="orange",
           variants={"candle": {"candle": True}})
def draw_torch(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("candle"):
        p.rect(0.4, 0.4, 0.6, 0.92, (244, 238, 220), r=0.02)
        p.ellipse(0.5, 0.92, 0.22, 0.05, c.metal)
        p.line([(0.5, 0.4), (0.5, 0.34)], (40, 30, 30), 0.01)
        fy = 0.24
    else:
        with p.region(0.2, 0.3, 0.8, 1.0, angle=-12):
            p.line([(0.5, 0.1), (0.5, 0.98)], c.wood, 0.1, shade_mode=None, outline=True)
            p.rect(0.38, 0.08, 0.62, 0.22, (90, 70, 60), r=0.02)
        fy = 0.22
    p.glow(0.5, fy, 0.35, (255, 180, 60), 0.6)
    flame = bezier((0.5, fy - 0.2), (0.68, fy + 0.05), (0.5, fy + 0.12), n=14) + bezier((0.5, fy + 0.12), (0.32, fy + 0.05), (0.5, fy - 0.2), n=14)
    p.shape(flame, (250, 120, 40), shade_mode="none")
    inner = bezier((0.5, fy - 0.08), (0.6, fy + 0.06), (0.5, fy + 0.1), n=10) + bezier((0.5, fy + 0.1), (0.4, fy + 0.06), (0.5, fy - 0.08), n=10)
    p.shape(inner, (255, 230, 120), shade_mode="none", outline=False)


@archetype("barrel", kind="prop", height=0.2, words="keg cask", colors="brown")
def draw_barrel(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.main if v.get("explicit") else c.wood
    body = bezier((0.26, 0.12), (0.14, 0.5), (0.26, 0.9), n=16) + bezier((0.74, 0.9), (0.86, 0.5), (0.74, 0.12), n=16)
    p.shape(body, wood)
    for x in (0.38, 0.5, 0.62):
        p.line(bezier((x, 0.13), (x + (x - 0.5) * 0.4, 0.5), (x, 0.89)), shade(wood, 0.65), 0.008)
    for y in (0.24, 0.76):
        p.line(bezier((0.2, y), (0.5, y + 0.03), (0.8, y)), c.metal, 0.04, shade_mode="soft")
    p.ellipse(0.5, 0.12, 0.24, 0.05, shade(wood, 1.1))


@archetype("crate", kind="prop", height=0.2, words="box package parcel", colors="tan")
def draw_crate(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.main if v.get("explicit") else (196, 150, 96)
    p.rect(0.12, 0.16, 0.88, 0.92, wood)
    p.rect(0.2, 0.24, 0.8, 0.84, shade(wood, 0.8), outline=False)
    p.line([(0.22, 0.26), (0.78, 0.82)], wood, 0.09, shade_mode="soft", outline=True)
    for x, y in ((0.17, 0.21), (0.83, 0.21), (0.17, 0.87), (0.83, 0.87)):
        p.ellipse(x, y, 0.015, 0.015, (70, 60, 50), shade_mode="none", outline=False)


@archetype("planet", kind="celestial", height=0.3, grounded=False, words="saturn jupiter world globe", colors="orange purple teal blue")
def draw_planet(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    ring = mix(c.accent, (240, 230, 200), 0.5)

    def band(start: float, end: float) -> list:
        return ellipse_pts(0.5, 0.5, 0.48, 0.12, start=start, end=end) + list(reversed(ellipse_pts(0.5, 0.5, 0.36, 0.08, start=start, end=end)))

    with p.region(0, 0, 1, 1, angle=-15):
        p.shape(band(180, 360), shade(ring, 0.8))
        p.ellipse(0.5, 0.5, 0.3, 0.3, c.main)
        for y, w in ((0.4, 0.02), (0.55, 0.03)):
            p.shape(ellipse_pts(0.5, y, 0.28, w), shade(c.main, 0.8), shade_mode="none", outline=False, alpha=0.6)
        p.shape(band(0, 180), ring)


@archetype("campfire", kind="prop", height=0.2, words="firepit bonfire", colors="orange")
def draw_campfire(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    p.glow(0.5, 0.6, 0.5, (255, 170, 60), 0.55)
    for a in (-20, 20):
        with p.region(0.15, 0.72, 0.85, 0.92, angle=a):
            p.rect(0.0, 0.3, 1.0, 0.7, c.wood, r=0.15)
    flame = bezier((0.5, 0.2), (0.8, 0.6), (0.5, 0.82), n=16) + bezier((0.5, 0.82), (0.2, 0.6), (0.5, 0.2), n=16)
    p.shape(flame, (245, 110, 40), shade_mode="none")
    inner = bezier((0.5, 0.42), (0.66, 0.68), (0.5, 0.8), n=10) + bezier((0.5, 0.8), (0.34, 0.68), (0.5, 0.42), n=10)
    p.shape(inner, (255, 220, 110), shade_mode="none", outline=False)
    for x in (0.2, 0.35, 0.65, 0.8):
        p.ellipse(x, 0.9, 0.07, 0.045, (130, 126, 120))


@archetype("ring", kind="item", height=0.1, words="band signet", colors="gold")
def draw_ring(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    metal = c.gold if not v.get("explicit") else mix(c.gold, c.main, 0.5)
    outer = ellipse_pts(0.5, 0.62, 0.32, 0.3)
    p.shape(outer, metal, gloss=True)
    p.cut(ellipse_pts(0.5, 0.64, 0.22, 0.2))
    p.shape([(0.38, 0.34), (0.62, 0.34), (0.56, 0.24), (0.44, 0.24)], shade(metal, 0.85))
    gem = c.main if v.get("explicit") else c.accent
    p.shape([(0.5, 0.06), (0.64, 0.2), (0.5, 0.34), (0.36, 0.2)], gem, gloss=True)


@archetype("amulet", kind="item", height=0.12, words="necklace pendant talisman charm locket", colors="purple red blue")
def draw_amulet(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    chain = bezier((0.2, 0.05), (0.5, 0.75), (0.8, 0.05), n=24)
    for i in range(0, len(chain) - 1, 2):
        p.line([chain[i], chain[i + 1]], c.gold, 0.025, shade_mode="none")
    p.ellipse(0.5, 0.66, 0.24, 0.26, c.gold)
    p.ellipse(0.5, 0.66, 0.16, 0.18, c.main, gloss=True)
    p.glow(0.5, 0.66, 0.25, shade(c.main, 1.4), 0.35)


@archetype("helmet", kind="item", height=0.14, words="helm headgear", colors="silver")
def draw_helmet(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    metal = c.metal if not v.get("explicit") else mix(c.metal, c.main, 0.45)
    p.shape(bezier((0.16, 0.9), (0.12, 0.12), (0.5, 0.1), n=16) + bezier((0.5, 0.1), (0.88, 0.12), (0.84, 0.9), n=16), metal, gloss=True)
    p.rect(0.24, 0.44, 0.76, 0.52, (26, 24, 32), outline=False, shade_mode="none")
    p.line([(0.5, 0.55), (0.5, 0.86)], shade(metal, 0.6), 0.03)
    p.line([(0.5, 0.1), (0.5, 0.42)], shade(metal, 0.8), 0.05, shade_mode="soft")
    for y in (0.62, 0.7, 0.78):
        for x in (0.34, 0.66):
            p.ellipse(x, y, 0.015, 0.015, (26, 24, 32), shade_mode="none", outline=False)


@archetype("armor", kind="item", height=0.2, words="armour chestplate breastplate cuirass", colors="silver")
def draw_armor(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    metal = c.metal if not v.get("explicit") else mix(c.metal, c.main, 0.45)
    body = [(0.22, 0.16), (0.38, 0.12), (0.5, 0.2), (0.62, 0.12), (0.78, 0.16), (0.8, 0.5), (0.72, 0.9), (0.28, 0.9), (0.2, 0.5)]
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.32, 0.24, 0.14, 0.1, shade(metal, 0.9))
    p.shape(body, metal, gloss=True)
    p.line([(0.5, 0.24), (0.5, 0.86)], shade(metal, 0.65), 0.015)
    for y in (0.66, 0.76):
        p.line(bezier((0.28, y), (0.5, y + 0.04), (0.72, y)), shade(metal, 0.6), 0.012)
    p.shape(star_pts(0.5, 0.42, 0.08, 0.035), c.gold if not v.get("explicit") else c.main, shade_mode="cel")


@archetype("boots", kind="item", height=0.14, words="boot shoes shoe", colors="brown")
def draw_boots(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    leather = c.main if v.get("explicit") else (120, 76, 44)
    for dx in (-0.2, 0.16):
        shape = [(0.3 + dx, 0.2), (0.52 + dx, 0.2), (0.52 + dx, 0.66), (0.74 + dx, 0.72), (0.76 + dx, 0.86), (0.3 + dx, 0.86)]
        p.shape(shape, leather if dx > 0 else shade(leather, 0.85))
        p.rect(0.28 + dx, 0.16, 0.54 + dx, 0.26, shade(leather, 0.7), r=0.02)
        p.rect(0.3 + dx, 0.84, 0.78 + dx, 0.9, (50, 40, 36), r=0.01)


@archetype("bag", kind="item", height=0.14, words="pouch sack satchel purse backpack", colors="brown tan")
def draw_bag(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    cloth = c.main if v.get("explicit") else (176, 130, 82)
    body = bezier((0.36, 0.34), (0.06, 0.5), (0.16, 0.88), n=14) + bezier((0.16, 0.88), (0.5, 0.98), (0.84, 0.88), n=14) + bezier((0.84, 0.88), (0.94, 0.5), (0.64, 0.34), n=14)
    p.shape(body, cloth)
    p.shape([(0.36, 0.34), (0.3, 0.16), (0.42, 0.24), (0.5, 0.12), (0.58, 0.24), (0.7, 0.16), (0.64, 0.34)], shade(cloth, 1.1))
    p.rect(0.34, 0.31, 0.66, 0.37, (150, 40, 40), r=0.02)
    p.shape(star_pts(0.5, 0.64, 0.1, 0.045), c.gold, shade_mode="cel")


@archetype("arrow", kind="item", height=0.2, words="arrows bolt quiver", colors="brown")
def draw_arrow(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(-0.2, -0.2, 1.2, 1.2, angle=45):
        p.line([(0.5, 0.12), (0.5, 0.9)], c.wood, 0.03, shade_mode="soft", outline=True)
        p.shape([(0.5, 0.02), (0.56, 0.14), (0.5, 0.12), (0.44, 0.14)], c.metal)
        fl = c.main if v.get("explicit") else (200, 60, 50)
        for sx in (-1, 1):
            p.shape([(0.5, 0.78), (0.5 + sx * 0.07, 0.84), (0.5 + sx * 0.07, 0.96), (0.5, 0.9)], fl)


@archetype("meat", kind="item", height=0.12, words="ham drumstick steak food", colors="red")
def draw_meat(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(0, 0, 1, 1, angle=-30):
        p.rect(0.6, 0.44, 0.9, 0.56, (244, 236, 220), r=0.05)
        for y in (0.4, 0.6):
            p.ellipse(0.9, y, 0.06, 0.06, (244, 236, 220))
        p.ellipse(0.4, 0.5, 0.3, 0.24, (180, 90, 60), gloss=True)
        p.ellipse(0.36, 0.47, 0.18, 0.13, (210, 120, 80), shade_mode="none", outline=False)


@archetype("bread", kind="item", height=0.12, words="loaf baguette cake pie", colors="tan")
def draw_bread(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    crust = (214, 150, 80)
    p.shape(ellipse_pts(0.5, 0.62, 0.42, 0.26, start=180, end=360) + [(0.92, 0.62), (0.9, 0.78), (0.1, 0.78), (0.08, 0.62)], crust, gloss=True)
    for x in (0.32, 0.5, 0.68):
        p.line(bezier((x - 0.06, 0.46), (x, 0.4), (x + 0.06, 0.46)), shade(crust, 0.6), 0.02)


@archetype("hat", kind="item", height=0.12, words="cap tophat sombrero", colors="black brown red")
def draw_hat(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main
    p.ellipse(0.5, 0.72, 0.44, 0.1, shade(col, 0.85))
    p.shape(rrect_pts(0.28, 0.26, 0.72, 0.74, 0.06), col, gloss=True)
    p.rect(0.28, 0.58, 0.72, 0.68, c.accent, outline=False)


@archetype("balloon", kind="item", height=0.3, grounded=False, colors="red blue yellow pink green")
def draw_balloon(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main
    p.line(bezier((0.5, 0.66), (0.44, 0.82), (0.52, 0.98), n=14), (90, 80, 80), 0.008)
    p.shape([(0.47, 0.66), (0.53, 0.66), (0.5, 0.62)], shade(col, 0.8))
    p.shape(ellipse_pts(0.5, 0.36, 0.23, 0.28), col, gloss=True)
    p.ellipse(0.42, 0.25, 0.04, 0.07, mix(col, (255, 255, 255), 0.7), shade_mode="none", outline=False)


@archetype("kite", kind="item", height=0.36, grounded=False, colors="red yellow blue")
def draw_kite(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main
    other = mix(col, (255, 240, 120), 0.6)
    top, right, bottom, left, mid = (0.5, 0.04), (0.78, 0.3), (0.5, 0.7), (0.22, 0.3), (0.5, 0.3)
    p.shape([top, right, bottom, left], col)
    p.shape([top, right, mid], other, outline=False)
    p.shape([bottom, left, mid], other, outline=False)
    p.line([top, bottom], (90, 70, 50), 0.008)
    p.line([left, right], (90, 70, 50), 0.008)
    tail = bezier(bottom, (0.36, 0.84), (0.56, 0.98), n=16)
    p.line(tail, (90, 80, 80), 0.006)
    for k in (5, 10, 15):
        x, y = tail[k]
        p.shape([(x - 0.04, y - 0.02), (x, y), (x - 0.04, y + 0.02)], shade(col, 0.9))
        p.shape([(x + 0.04, y - 0.02), (x, y), (x + 0.04, y + 0.02)], shade(col, 0.9))


@archetype("moon", kind="celestial", height=0.26, grounded=False, words="full-moon", colors="ivory")
def draw_moon(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    face = (244, 238, 206)
    p.glow(0.5, 0.5, 0.5, (255, 248, 210), 0.35)
    p.ellipse(0.5, 0.5, 0.36, 0.36, face, gloss=True)
    for cx, cy, r in ((0.38, 0.4, 0.07), (0.6, 0.58, 0.09), (0.56, 0.34, 0.045), (0.4, 0.64, 0.04)):
        p.ellipse(cx, cy, r, r, shade(face, 0.86), outline=False)


@archetype("cup", kind="item", height=0.12, words="mug teacup tea coffee teapot", colors="white red blue")
def draw_cup(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = c.main
    p.ellipse(0.5, 0.9, 0.34, 0.06, shade(col, 0.85))
    p.line(bezier((0.72, 0.42), (0.95, 0.5), (0.72, 0.74), n=14), col, 0.05, shade_mode=None, outline=True)
    p.shape([(0.24, 0.34), (0.76, 0.34), (0.7, 0.86), (0.3, 0.86)], col, gloss=True)
    p.ellipse(0.5, 0.34, 0.26, 0.06, (150, 96, 60), outline=True)
    for x in (0.42, 0.54):
        p.line(bezier((x, 0.26), (x + 0.05, 0.17), (x, 0.08)), (235, 235, 240), 0.018, shade_mode=None)


@archetype("easel", kind="prop", height=0.44, words="canvas paintbrush palette", colors="blue teal purple")
def draw_easel(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.wood
    dark = shade(wood, 0.75)
    p.line([(0.5, 0.04), (0.5, 0.97)], dark, 0.035, shade_mode=None, outline=True)  # the back leg
    for x0, x1 in ((0.4, 0.2), (0.6, 0.8)):
        p.line([(x0, 0.04), (x1, 0.98)], wood, 0.04, shade_mode=None, outline=True)
    # the canvas: a little landscape in the subject's colour
    x0, y0, x1, y1 = 0.2, 0.12, 0.8, 0.6
    p.rect(x0, y0, x1, y1, (250, 248, 240))
    sky = mix(c.main, (255, 255, 255), 0.35)
    p.rect(x0 + 0.03, y0 + 0.03, x1 - 0.03, y1 - 0.03, sky, outline=False)
    hill = mix(c.leaf, c.main, 0.2)
    p.shape(ellipse_pts(0.42, y1 - 0.03, 0.26, 0.14, start=180, end=360) + [(x0 + 0.03, y1 - 0.03)], hill, outline=False)
    p.shape(ellipse_pts(0.66, y1 - 0.03, 0.16, 0.09, start=180, end=360), shade(hill, 0.8), outline=False)
    p.rect(x0 + 0.03, y1 - 0.05, x1 - 0.03, y1 - 0.03, shade(hill, 0.8), outline=False)
    p.ellipse(0.66, 0.24, 0.05, 0.05, (250, 210, 80), outline=False)
    p.rect(0.14, 0.6, 0.86, 0.65, wood, r=0.01)  # the ledge
    # a palette leaning on the leg
    with p.region(0.62, 0.7, 0.92, 0.9, angle=-12):
        p.shape(ellipse_pts(0.5, 0.5, 0.48, 0.42), (226, 196, 150))
        p.ellipse(0.35, 0.62, 0.1, 0.11, (120, 90, 60), outline=False)
        for (dx, dy), col in zip(((0.3, 0.3), (0.5, 0.22), (0.7, 0.32), (0.72, 0.6)), ((220, 60, 60), (240, 200, 60), c.main, (70, 150, 80))):
            p.ellipse(dx, dy, 0.08, 0.08, col, outline=False)
