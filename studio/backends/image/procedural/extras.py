"""More archetypes: what premises and game jams name that the first library lacked (large sea
animals, horses, bugs, vehicles on two wheels, doors, gates, bridges, furniture, machines,
instruments, spell effects, UI frames). `concepts.nearest` maps many more words onto these."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from studio.backends.image.procedural.colors import Colors
from studio.backends.image.procedural.painter import (
    Painter,
    bezier,
    ellipse_pts,
    mix,
    shade,
    star_pts,
)
from studio.backends.image.procedural.registry import archetype

_EYE = (20, 20, 28)


def _eye(p: Painter, x: float, y: float, r: float) -> None:
    p.ellipse(x, y, r, r, (255, 255, 255), shade_mode="none", outline=False)
    p.ellipse(x + r * 0.15, y, r * 0.55, r * 0.65, _EYE, shade_mode="none", outline=False)


@archetype("whale", kind="creature", height=0.4, grounded=False, words="orca narwhal", colors="blue navy grey teal")
def draw_whale(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    belly = mix(body, (245, 245, 240), 0.65)
    p.shape([(0.16, 0.5), (0.02, 0.3), (0.08, 0.5), (0.02, 0.68)], shade(body, 0.8))  # tail flukes
    top = bezier((0.14, 0.52), (0.35, 0.18), (0.9, 0.28), n=24)
    bottom = bezier((0.96, 0.52), (0.85, 0.8), (0.14, 0.58), n=24)
    p.shape(top + [(0.97, 0.42)] + bottom, body, gloss=True)
    p.shape(bezier((0.45, 0.66), (0.75, 0.8), (0.95, 0.54), n=16) + [(0.9, 0.6), (0.5, 0.62)], belly, outline=False)
    for i in range(5):
        x = 0.62 + i * 0.06
        p.line([(x, 0.62 + i * 0.005), (x + 0.02, 0.7 - i * 0.01)], shade(belly, 0.8), 0.008)
    p.shape([(0.5, 0.64), (0.56, 0.86), (0.62, 0.66)], shade(body, 0.85))  # flipper
    _eye(p, 0.8, 0.45, 0.025)
    p.line(bezier((0.84, 0.55), (0.9, 0.57), (0.95, 0.52)), shade(body, 0.5), 0.008)
    for dx, h in ((0.0, 0.14), (-0.03, 0.1), (0.03, 0.1)):  # spout
        p.line(bezier((0.7, 0.25), (0.7 + dx, 0.25 - h * 0.6), (0.7 + dx * 2.5, 0.25 - h)), (200, 230, 250), 0.014, alpha=0.8)


@archetype("octopus", kind="creature", height=0.32, grounded=False, words="squid kraken jellyfish", colors="purple pink red coral")
def draw_octopus(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    for i in range(6):
        x = 0.22 + i * 0.112
        p.line(bezier((x, 0.5), (x + 0.06 * math.sin(i), 0.75), (x - 0.05 + 0.1 * (i % 2), 0.95), n=14), shade(body, 0.9), 0.06,
               shade_mode=None, outline=True)
    p.ellipse(0.5, 0.36, 0.3, 0.3, body, gloss=True)
    for sx in (-1, 1):
        _eye(p, 0.5 + sx * 0.1, 0.42, 0.045)
    p.line(bezier((0.45, 0.54), (0.5, 0.57), (0.55, 0.54)), shade(body, 0.5), 0.01)


@archetype("crab", kind="creature", height=0.2, words="lobster shrimp", colors="red orange coral")
def draw_crab(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    for sx in (-1, 1):
        for k in range(3):
            y = 0.66 + k * 0.06
            p.line([(0.5 + sx * 0.2, y), (0.5 + sx * 0.34, y + 0.08), (0.5 + sx * 0.38, y + 0.2)], shade(body, 0.8), 0.025, shade_mode=None, outline=True)
        p.line([(0.5 + sx * 0.22, 0.6), (0.5 + sx * 0.34, 0.42)], shade(body, 0.85), 0.04, shade_mode=None, outline=True)
        p.shape([(0.5 + sx * 0.28, 0.42), (0.5 + sx * 0.36, 0.22), (0.5 + sx * 0.46, 0.3), (0.5 + sx * 0.38, 0.36), (0.5 + sx * 0.42, 0.44)], body)
        p.line([(0.5 + sx * 0.06, 0.58), (0.5 + sx * 0.08, 0.44)], body, 0.015, shade_mode=None, outline=True)
        _eye(p, 0.5 + sx * 0.08, 0.42, 0.03)
    p.ellipse(0.5, 0.68, 0.25, 0.15, body, gloss=True)


@archetype("horse", kind="creature", height=0.5, words="pony stallion mare foal donkey unicorn", colors="brown tan white black grey",
           variants={"unicorn": {"horn": True, "col": (246, 244, 250)}, "zebra": {"stripes": True, "col": (245, 245, 245)},
                     "donkey": {"col": (140, 130, 125)}, "deer": {"antlers": True, "col": (170, 110, 60)},
                     "reindeer": {"antlers": True, "col": (140, 100, 70)}, "camel": {"hump": True, "col": (210, 170, 110)},
                     "giraffe": {"long": True, "spots": True, "col": (236, 190, 90)}})
def draw_horse(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = v.get("col") if not v.get("explicit") and v.get("col") else c.main
    mane = shade(fur, 0.45) if sum(fur) > 200 else (230, 220, 200)
    neck_top = 0.1 if v.get("long") else 0.24
    for x in (0.22, 0.32, 0.64, 0.74):
        p.rect(x - 0.035, 0.58, x + 0.035, 0.93, shade(fur, 0.9 if x in (0.32, 0.74) else 0.8), r=0.015)
        p.rect(x - 0.04, 0.91, x + 0.04, 0.96, (50, 40, 36), r=0.01)
    p.line(bezier((0.14, 0.46), (0.04, 0.55), (0.08, 0.75)), mane, 0.05, shade_mode=None, outline=True)  # tail
    p.ellipse(0.47, 0.52, 0.34, 0.13, fur)
    if v.get("hump"):
        p.ellipse(0.45, 0.4, 0.12, 0.09, fur)
    p.shape([(0.66, 0.46), (0.72, neck_top + 0.06), (0.82, neck_top), (0.86, neck_top + 0.14), (0.8, 0.55)], fur)
    p.shape([(0.78, neck_top), (0.95, neck_top + 0.1), (0.96, neck_top + 0.17), (0.86, neck_top + 0.17), (0.77, neck_top + 0.1)], fur)
    p.line(bezier((0.7, 0.44), (0.7, neck_top + 0.1), (0.8, neck_top - 0.01)), mane, 0.035, shade_mode=None, outline=True)
    p.shape([(0.8, neck_top), (0.82, neck_top - 0.08), (0.85, neck_top + 0.01)], fur)
    _eye(p, 0.86, neck_top + 0.06, 0.018)
    if v.get("horn"):
        p.shape([(0.86, neck_top), (0.93, neck_top - 0.14), (0.9, neck_top + 0.02)], (240, 200, 80))
    if v.get("antlers"):
        for dx in (0.0, 0.04):
            p.line([(0.82 + dx, neck_top), (0.8 + dx, neck_top - 0.1), (0.76 + dx, neck_top - 0.14)], (120, 90, 60), 0.012)
            p.line([(0.81 + dx, neck_top - 0.06), (0.86 + dx, neck_top - 0.12)], (120, 90, 60), 0.01)
    if v.get("stripes"):
        for i in range(7):
            x = 0.2 + i * 0.08
            p.line([(x, 0.42), (x + 0.03, 0.62)], (30, 30, 34), 0.018)
    if v.get("spots"):
        for _ in range(10):
            p.ellipse(float(rng.uniform(0.2, 0.75)), float(rng.uniform(0.45, 0.6)), 0.025, 0.02, (150, 90, 40), shade_mode="none", outline=False)


@archetype("monkey", kind="creature", height=0.34, words="chimp ape", colors="brown tan")
def draw_monkey(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    face = (236, 200, 160)
    p.line(bezier((0.62, 0.85), (0.95, 0.85), (0.85, 0.5), n=16), fur, 0.04, shade_mode=None, outline=True)
    p.ellipse(0.5, 0.7, 0.18, 0.22, fur)
    for sx in (-1, 1):
        p.line([(0.5 + sx * 0.15, 0.58), (0.5 + sx * 0.25, 0.72), (0.5 + sx * 0.2, 0.85)], fur, 0.05, shade_mode=None, outline=True)
        p.ellipse(0.5 + sx * 0.1, 0.93, 0.06, 0.035, fur)
        p.ellipse(0.5 + sx * 0.17, 0.32, 0.06, 0.06, fur)
        p.ellipse(0.5 + sx * 0.17, 0.32, 0.035, 0.035, face, outline=False)
    p.ellipse(0.5, 0.34, 0.15, 0.14, fur)
    p.ellipse(0.5, 0.38, 0.1, 0.09, face, outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.045, 0.33, 0.02, 0.025, _EYE, shade_mode="none", outline=False)
    p.line(bezier((0.46, 0.42), (0.5, 0.45), (0.54, 0.42)), (80, 50, 40), 0.008)


@archetype("bug", kind="creature", height=0.16, grounded=False, words="insect beetle butterfly bee ant spider ladybug",
           colors="red yellow orange blue",
           variants={"butterfly": {"wings": True}, "bee": {"bee": True}, "spider": {"spider": True}, "moth": {"wings": True}})
def draw_bug(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    if v.get("wings"):
        for sx in (-1, 1):
            p.shape(ellipse_pts(0.5 + sx * 0.2, 0.36, 0.2, 0.18), body)
            p.shape(ellipse_pts(0.5 + sx * 0.16, 0.64, 0.14, 0.13), shade(body, 0.85))
            p.ellipse(0.5 + sx * 0.22, 0.34, 0.06, 0.06, mix(body, (255, 255, 255), 0.6), outline=False)
        p.ellipse(0.5, 0.5, 0.045, 0.25, (40, 34, 40))
        return
    legs = 8 if v.get("spider") else 6
    for i in range(legs // 2):
        y = 0.5 + (i - legs / 4) * 0.09
        for sx in (-1, 1):
            p.line([(0.5, y), (0.5 + sx * 0.3, y - 0.08), (0.5 + sx * 0.4, y + 0.12)], (30, 28, 32), 0.018)
    p.ellipse(0.5, 0.58, 0.2, 0.24, body if not v.get("bee") else (250, 200, 40), gloss=True)
    if v.get("bee"):
        for y in (0.52, 0.62, 0.72):
            p.rect(0.32, y, 0.68, y + 0.04, (30, 28, 32), outline=False)
        for sx in (-1, 1):
            p.ellipse(0.5 + sx * 0.18, 0.38, 0.14, 0.08, (220, 240, 250), alpha=0.8)
    elif not v.get("spider"):
        p.line([(0.5, 0.36), (0.5, 0.82)], (30, 28, 32), 0.012)
        for _ in range(4):
            p.ellipse(float(rng.uniform(0.38, 0.62)), float(rng.uniform(0.45, 0.75)), 0.035, 0.035, (30, 28, 32), shade_mode="none", outline=False)
    p.ellipse(0.5, 0.32, 0.12, 0.1, (40, 34, 40))
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.05, 0.3, 0.025, 0.025, (255, 255, 255), shade_mode="none", outline=False)


@archetype("lizard", kind="creature", height=0.2, words="snake serpent crocodile alligator gecko iguana", colors="green olive teal",
           variants={"snake": {"snake": True}, "serpent": {"snake": True}})
def draw_lizard(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    if v.get("snake"):
        pts = [(0.1 + 0.7 * i / 30, 0.75 + 0.12 * math.sin(i / 30 * 2.4 * math.pi)) for i in range(31)]
        p.line(pts, body, 0.09, shade_mode=None, outline=True)
        p.ellipse(0.84, 0.62, 0.09, 0.07, body)
        _eye(p, 0.87, 0.6, 0.02)
        p.line([(0.93, 0.64), (0.99, 0.64), (1.0, 0.62)], (220, 40, 40), 0.008)
        return
    p.line(bezier((0.3, 0.66), (0.1, 0.7), (0.02, 0.56), n=14), body, 0.05, shade_mode=None, outline=True)
    for x in (0.38, 0.62):
        for sx in (-1, 1):
            p.line([(x, 0.68), (x + 0.05 * sx, 0.8), (x + 0.09 * sx, 0.82)], shade(body, 0.85), 0.035, shade_mode=None, outline=True)
    p.ellipse(0.5, 0.66, 0.22, 0.09, body, gloss=True)
    p.ellipse(0.78, 0.62, 0.1, 0.07, body)
    _eye(p, 0.8, 0.59, 0.022)


@archetype("motorcycle", kind="vehicle", height=0.3, words="motorbike scooter moped bicycle bike",
           colors="red black blue orange", variants={"bicycle": {"bicycle": True}, "bike": {"bicycle": True}})
def draw_motorcycle(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    for x in (0.2, 0.8):
        p.ellipse(x, 0.74, 0.17, 0.17, (36, 36, 42))
        p.ellipse(x, 0.74, 0.11, 0.11, (200, 204, 210) if v.get("bicycle") else c.metal)
        if v.get("bicycle"):
            for a in range(0, 180, 30):
                r = math.radians(a)
                p.line([(x - 0.1 * math.cos(r), 0.74 - 0.1 * math.sin(r)), (x + 0.1 * math.cos(r), 0.74 + 0.1 * math.sin(r))], (120, 120, 130), 0.006)
    if v.get("bicycle"):
        frame = [(0.2, 0.74), (0.42, 0.48), (0.72, 0.48), (0.5, 0.74), (0.2, 0.74)]
        p.line(frame, body, 0.025)
        p.line([(0.5, 0.74), (0.4, 0.42)], body, 0.025)
        p.line([(0.72, 0.48), (0.8, 0.74)], body, 0.025)
        p.line([(0.72, 0.48), (0.7, 0.36), (0.78, 0.34)], (40, 40, 46), 0.02)
        p.rect(0.34, 0.38, 0.46, 0.42, (40, 36, 36), r=0.02)
        return
    p.shape([(0.28, 0.7), (0.34, 0.52), (0.6, 0.5), (0.72, 0.62), (0.62, 0.74), (0.36, 0.76)], shade(c.metal, 0.6))  # engine
    p.shape([(0.3, 0.5), (0.38, 0.4), (0.6, 0.38), (0.66, 0.48), (0.56, 0.52), (0.34, 0.54)], body, gloss=True)  # tank
    p.rect(0.14, 0.44, 0.38, 0.5, (40, 34, 34), r=0.02)  # seat
    p.line([(0.66, 0.46), (0.8, 0.74)], c.metal, 0.03, shade_mode=None, outline=True)  # fork
    p.line([(0.62, 0.34), (0.7, 0.3), (0.78, 0.32)], (40, 40, 46), 0.022)  # handlebar
    p.ellipse(0.76, 0.42, 0.04, 0.035, (255, 240, 180), shade_mode="none")
    p.line([(0.28, 0.68), (0.06, 0.64)], c.metal, 0.025, shade_mode=None, outline=True)  # exhaust
    if v.get("old"):
        for _ in range(4):
            p.ellipse(float(rng.uniform(0.32, 0.6)), float(rng.uniform(0.42, 0.5)), 0.02, 0.012, (150, 80, 40), shade_mode="none", outline=False)


@archetype("door", kind="structure", height=0.46, words="doorway portal entrance trapdoor hatch", colors="brown",
           variants={"portal": {"portal": True}})
def draw_door(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.main if v.get("explicit") else c.wood
    stone = c.stone
    arch = bezier((0.2, 0.3), (0.2, 0.02), (0.5, 0.02), n=14) + bezier((0.5, 0.02), (0.8, 0.02), (0.8, 0.3), n=14)
    p.shape([(0.14, 0.98)] + [(x - 0.06 * (1 if x < 0.5 else -1), y - 0.04) for x, y in arch] + [(0.86, 0.98)], stone)
    if v.get("portal"):
        p.shape([(0.2, 0.98)] + arch + [(0.8, 0.98)], (90, 40, 160))
        p.glow(0.5, 0.5, 0.4, (200, 120, 255), 0.8)
        for r in (0.25, 0.17, 0.09):
            p.line(ellipse_pts(0.5, 0.55, r, r * 1.3, start=0, end=330), (230, 200, 255), 0.012)
        return
    p.shape([(0.2, 0.98)] + arch + [(0.8, 0.98)], wood)
    for x in (0.35, 0.5, 0.65):
        p.line([(x, 0.08 if x == 0.5 else 0.12), (x, 0.97)], shade(wood, 0.7), 0.01)
    for y in (0.3, 0.75):
        p.rect(0.2, y - 0.025, 0.8, y + 0.025, c.metal, outline=True)
        for x in (0.26, 0.74):
            p.ellipse(x, y, 0.014, 0.014, shade(c.metal, 0.6), shade_mode="none", outline=False)
    p.ellipse(0.7, 0.55, 0.03, 0.03, c.gold)
    p.rect(0.68, 0.58, 0.72, 0.62, shade(c.metal, 0.5))


@archetype("gate", kind="structure", height=0.5, words="portcullis fence railing", colors="grey",
           variants={"fence": {"fence": True}, "railing": {"fence": True}})
def draw_gate(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("fence"):
        wood = c.main if v.get("explicit") else c.wood
        for x in np.arange(0.08, 0.95, 0.12):
            p.shape([(x - 0.04, 0.95), (x - 0.04, 0.45), (x, 0.38), (x + 0.04, 0.45), (x + 0.04, 0.95)], wood)
        for y in (0.55, 0.8):
            p.rect(0.02, y, 0.98, y + 0.05, shade(wood, 0.85))
        return
    stone = c.stone if not v.get("explicit") else mix(c.stone, c.main, 0.4)
    for x0 in (0.02, 0.78):
        p.rect(x0, 0.12, x0 + 0.2, 0.98, stone)
        for y in np.arange(0.2, 0.95, 0.12):
            p.line([(x0, y), (x0 + 0.2, y)], shade(stone, 0.75), 0.008)
        for k in range(3):
            p.rect(x0 + k * 0.07, 0.04, x0 + k * 0.07 + 0.045, 0.13, stone)
    p.shape([(0.22, 0.98)] + bezier((0.22, 0.4), (0.22, 0.16), (0.5, 0.16), n=10) + bezier((0.5, 0.16), (0.78, 0.16), (0.78, 0.4), n=10) + [(0.78, 0.98)],
            (30, 26, 30), shade_mode="none")
    metal = c.metal if not v.get("wooden") else c.wood
    for x in np.arange(0.27, 0.75, 0.07):
        p.line([(x, 0.24), (x, 0.95)], metal, 0.018, shade_mode=None, outline=True)
        p.shape([(x - 0.015, 0.95), (x + 0.015, 0.95), (x, 0.99)], metal)
    for y in (0.4, 0.62, 0.84):
        p.line([(0.23, y), (0.77, y)], metal, 0.016, shade_mode=None, outline=True)


@archetype("bridge", kind="structure", height=0.36, words="footbridge drawbridge", colors="brown")
def draw_bridge(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("stone"):
        stone = c.stone
        p.shape([(0.0, 0.4), (1.0, 0.4), (1.0, 0.95), (0.86, 0.95)] + bezier((0.86, 0.95), (0.84, 0.55), (0.5, 0.55), n=12)
                + bezier((0.5, 0.55), (0.16, 0.55), (0.14, 0.95), n=12) + [(0.0, 0.95)], stone)
        for x in np.arange(0.04, 1.0, 0.1):
            p.rect(x, 0.32, x + 0.06, 0.4, stone)
        return
    wood = c.main if v.get("explicit") else c.wood
    p.line(bezier((0.02, 0.5), (0.5, 0.72), (0.98, 0.5), n=24), shade(wood, 0.8), 0.05, shade_mode=None, outline=True)
    for i in range(12):
        t = i / 11
        x = 0.04 + 0.92 * t
        y = 0.5 + 0.88 * t * (1 - t) * 0.25 * 4 * 0.55
        p.rect(x - 0.035, y - 0.025, x + 0.035, y + 0.035, shade(wood, 0.9 + 0.2 * (i % 2)))
    for x in (0.04, 0.96):
        p.rect(x - 0.025, 0.18, x + 0.025, 0.95, shade(wood, 0.75))
    for dy in (0.0, 0.12):
        p.line(bezier((0.04, 0.22 + dy), (0.5, 0.5 + dy), (0.96, 0.22 + dy), n=20), (170, 140, 90), 0.012)
    for i in range(1, 8):
        t = i / 8
        x = 0.04 + 0.92 * t
        ytop = 0.22 + 0.28 * 4 * t * (1 - t) * 0.5
        p.line([(x, ytop + 0.02), (x, ytop + 0.2)], (170, 140, 90), 0.007)


@archetype("table", kind="prop", height=0.3, words="desk workbench counter bench stool chair throne bed sofa couch",
           colors="brown", variants={"chair": {"chair": True}, "stool": {"chair": True}, "throne": {"chair": True, "throne": True},
                                     "bed": {"bed": True}, "sofa": {"sofa": True}, "couch": {"sofa": True}})
def draw_table(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    wood = c.main if v.get("explicit") else c.wood
    if v.get("bed"):
        p.rect(0.05, 0.3, 0.14, 0.95, shade(wood, 0.8))
        p.rect(0.05, 0.55, 0.95, 0.8, wood)
        p.rect(0.08, 0.46, 0.94, 0.6, (240, 240, 246), r=0.03)
        p.rect(0.4, 0.44, 0.94, 0.62, c.main if v.get("explicit") else c.second, r=0.03)
        p.ellipse(0.24, 0.46, 0.09, 0.05, (250, 250, 252))
        p.rect(0.86, 0.45, 0.95, 0.95, shade(wood, 0.8))
        return
    if v.get("sofa"):
        col = c.main
        p.rect(0.06, 0.3, 0.94, 0.7, shade(col, 0.85), r=0.08)
        p.rect(0.1, 0.55, 0.9, 0.8, col, r=0.05)
        for x in (0.02, 0.86):
            p.rect(x, 0.45, x + 0.12, 0.85, shade(col, 0.9), r=0.05)
        return
    if v.get("chair"):
        back = 0.02 if v.get("throne") else 0.2
        col = c.gold if v.get("throne") else wood
        p.rect(0.28, back, 0.38, 0.9, shade(col, 0.85))
        p.rect(0.26, 0.52, 0.74, 0.6, col)
        for x in (0.3, 0.7):
            p.rect(x - 0.025, 0.58, x + 0.025, 0.96, shade(col, 0.8))
        if v.get("throne"):
            p.rect(0.3, 0.1, 0.37, 0.5, (160, 30, 40), outline=False)
        return
    p.rect(0.04, 0.36, 0.96, 0.46, wood, gloss=True)
    for x in (0.1, 0.86):
        p.rect(x, 0.44, x + 0.05, 0.96, shade(wood, 0.8))
    p.line([(0.06, 0.41), (0.94, 0.41)], shade(wood, 0.75), 0.006)


@archetype("machine", kind="prop", height=0.32, words="computer laptop radio television tv screen oven stove fridge engine clock camera telescope microscope",
           colors="grey teal", variants={"clock": {"clock": True}, "telescope": {"tube": True}, "microscope": {"tube": True}})
def draw_machine(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("clock"):
        p.ellipse(0.5, 0.5, 0.42, 0.42, c.wood)
        p.ellipse(0.5, 0.5, 0.35, 0.35, (250, 248, 236))
        for k in range(12):
            a = math.radians(k * 30)
            p.line([(0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)), (0.5 + 0.33 * math.cos(a), 0.5 + 0.33 * math.sin(a))], (40, 40, 40), 0.012)
        p.line([(0.5, 0.5), (0.5, 0.25)], (30, 30, 30), 0.02)
        p.line([(0.5, 0.5), (0.66, 0.56)], (30, 30, 30), 0.02)
        return
    if v.get("tube"):
        with p.region(0, 0, 1, 1, angle=-30):
            p.rect(0.42, 0.08, 0.58, 0.7, c.main if v.get("explicit") else c.metal, r=0.03, gloss=True)
            p.rect(0.4, 0.05, 0.6, 0.12, shade(c.metal, 0.7))
        p.line([(0.5, 0.6), (0.3, 0.97)], (60, 50, 50), 0.025)
        p.line([(0.5, 0.6), (0.7, 0.97)], (60, 50, 50), 0.025)
        return
    body = c.main if v.get("explicit") else mix(c.metal, c.main, 0.25)
    p.rect(0.1, 0.2, 0.9, 0.92, body, r=0.05, gloss=True)
    p.rect(0.18, 0.28, 0.62, 0.62, (30, 44, 52), r=0.03, shade_mode="none")
    p.line([(0.22, 0.4), (0.3, 0.36), (0.38, 0.46), (0.48, 0.34), (0.58, 0.42)], (120, 240, 160), 0.012)
    for k in range(3):
        y = 0.32 + k * 0.12
        p.ellipse(0.76, y, 0.05, 0.05, [c.accent, c.gold, (90, 200, 120)][k])
    for x in np.arange(0.2, 0.82, 0.1):
        p.rect(x, 0.72, x + 0.06, 0.82, shade(body, 0.7))
    p.glow(0.4, 0.45, 0.3, (120, 240, 200), 0.25)


@archetype("guitar", kind="item", height=0.32, words="violin cello ukulele banjo lute harp", colors="orange brown red")
def draw_guitar(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    with p.region(0, 0, 1, 1, angle=30):
        p.rect(0.46, 0.04, 0.54, 0.52, (70, 48, 36))
        p.rect(0.44, 0.0, 0.56, 0.1, (50, 36, 30), r=0.02)
        p.ellipse(0.5, 0.78, 0.2, 0.18, c.main)
        p.ellipse(0.5, 0.6, 0.15, 0.13, c.main)
        p.ellipse(0.5, 0.66, 0.05, 0.05, (30, 24, 24), shade_mode="none", outline=False)
        for dx in (-0.015, 0.0, 0.015):
            p.line([(0.5 + dx, 0.05), (0.5 + dx, 0.86)], (230, 230, 220), 0.003)


@archetype("drum", kind="item", height=0.26, words="drums piano keyboard trumpet saxophone flute", colors="red blue",
           variants={"piano": {"piano": True}, "keyboard": {"piano": True}})
def draw_drum(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("piano"):
        p.rect(0.05, 0.3, 0.95, 0.7, (30, 28, 32), r=0.02)
        p.rect(0.08, 0.5, 0.92, 0.66, (250, 250, 246), outline=False)
        for x in np.arange(0.08, 0.92, 0.06):
            p.line([(x, 0.5), (x, 0.66)], (80, 80, 80), 0.004)
            if int(x * 100) % 18 < 12:
                p.rect(x + 0.04, 0.5, x + 0.065, 0.59, (20, 20, 24), outline=False)
        for x in (0.1, 0.88):
            p.rect(x, 0.68, x + 0.04, 0.95, (30, 28, 32))
        return
    p.rect(0.16, 0.36, 0.84, 0.86, c.main, gloss=True)
    p.ellipse(0.5, 0.36, 0.34, 0.09, (240, 236, 226))
    p.ellipse(0.5, 0.86, 0.34, 0.09, c.main)
    for k in range(5):
        x = 0.2 + k * 0.15
        p.line([(x, 0.42), (x + 0.07, 0.8)], c.gold, 0.01)
    for sx in (-1, 1):
        p.line([(0.5 + sx * 0.1, 0.3), (0.5 + sx * 0.3, 0.06)], (200, 170, 120), 0.02)


@archetype("fireball", kind="item", height=0.24, grounded=False, words="flame spell meteor comet", colors="orange",
           variants={"frostbolt": {"element": "ice"}, "snowball": {"element": "ice"}})
def draw_fireball(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    element = v.get("element", "fire")
    outer, mid, core = {
        "fire": ((220, 60, 20), (250, 150, 30), (255, 240, 160)),
        "ice": ((60, 140, 230), (140, 210, 250), (240, 250, 255)),
        "lightning": ((110, 60, 200), (200, 170, 255), (255, 255, 240)),
        "heal": ((60, 180, 90), (160, 240, 150), (250, 255, 230)),
    }[element]
    if v.get("explicit") and element == "fire":
        outer = c.main
    if element == "lightning":
        p.glow(0.5, 0.5, 0.5, mid, 0.6)
        p.shape([(0.56, 0.04), (0.28, 0.52), (0.48, 0.52), (0.38, 0.96), (0.74, 0.42), (0.54, 0.42), (0.7, 0.04)], core)
        return
    if element == "heal":
        p.glow(0.5, 0.5, 0.5, mid, 0.7)
        p.shape([(0.4, 0.15), (0.6, 0.15), (0.6, 0.4), (0.85, 0.4), (0.85, 0.6), (0.6, 0.6), (0.6, 0.85), (0.4, 0.85), (0.4, 0.6), (0.15, 0.6), (0.15, 0.4), (0.4, 0.4)], core)
        return
    p.glow(0.6, 0.6, 0.45, mid, 0.7)
    tail = [(0.72, 0.42), (0.1, 0.08), (0.36, 0.36), (0.02, 0.3), (0.36, 0.5), (0.06, 0.58), (0.44, 0.66), (0.62, 0.84)]
    p.shape(tail, outer, alpha=0.9)
    p.ellipse(0.62, 0.62, 0.26, 0.26, outer)
    p.ellipse(0.64, 0.6, 0.18, 0.18, mid, outline=False)
    p.ellipse(0.66, 0.58, 0.09, 0.09, core, shade_mode="none", outline=False)
    if element == "ice":
        for k in range(6):
            a = math.radians(k * 60)
            p.line([(0.64, 0.6), (0.64 + 0.2 * math.cos(a), 0.6 + 0.2 * math.sin(a))], core, 0.012)


@archetype("frame", kind="item", height=0.3, words="button banner sign signpost blackboard whiteboard", colors="brown gold",
           variants={"button": {"button": True}, "sign": {"sign": True}, "signpost": {"sign": True},
                     "blackboard": {"board": True}, "whiteboard": {"board": True, "white": True}})
def draw_frame(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    edge = c.main if v.get("explicit") else (c.wood if not v.get("gold") else c.gold)
    if v.get("button"):
        p.rect(0.08, 0.3, 0.92, 0.72, shade(c.main, 0.6), r=0.12)
        p.rect(0.08, 0.26, 0.92, 0.66, c.main, r=0.12, gloss=True)
        return
    if v.get("sign"):
        p.rect(0.46, 0.4, 0.54, 0.98, c.wood)
        p.shape([(0.08, 0.12), (0.8, 0.12), (0.94, 0.27), (0.8, 0.42), (0.08, 0.42)], mix(c.wood, (230, 200, 150), 0.4))
        for y in (0.22, 0.3):
            p.line([(0.16, y), (0.7, y)], shade(c.wood, 0.6), 0.012)
        return
    inner = (40, 70, 56) if v.get("board") and not v.get("white") else ((246, 246, 240) if v.get("white") else mix(edge, (250, 240, 210), 0.75))
    p.rect(0.04, 0.14, 0.96, 0.86, edge, r=0.04)
    p.rect(0.1, 0.2, 0.9, 0.8, inner, r=0.02, shade_mode="none")
    for x, y in ((0.07, 0.17), (0.93, 0.17), (0.07, 0.83), (0.93, 0.83)):
        p.shape(star_pts(x, y, 0.045, 0.02, points=4), c.gold if not v.get("explicit") else shade(edge, 1.3))
    if v.get("board"):
        p.line([(0.18, 0.36), (0.5, 0.34), (0.62, 0.4)], (240, 240, 236) if not v.get("white") else (40, 40, 60), 0.01)
        p.line([(0.18, 0.5), (0.7, 0.5)], (240, 240, 236) if not v.get("white") else (40, 40, 60), 0.01)


@archetype("snowman", kind="prop", height=0.42, words="snowmen", colors="white")
def draw_snowman(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    snow = (246, 248, 252)
    p.ellipse(0.5, 0.76, 0.26, 0.21, snow)
    p.ellipse(0.5, 0.46, 0.19, 0.16, snow)
    p.ellipse(0.5, 0.22, 0.13, 0.11, snow)
    for sx in (-1, 1):
        p.line([(0.5 + sx * 0.17, 0.44), (0.5 + sx * 0.36, 0.32), (0.5 + sx * 0.42, 0.26)], (110, 76, 46), 0.014)
        p.ellipse(0.5 + sx * 0.045, 0.2, 0.014, 0.016, _EYE, shade_mode="none", outline=False)
    p.shape([(0.5, 0.23), (0.64, 0.25), (0.5, 0.26)], (240, 130, 40), outline=False)
    p.rect(0.36, 0.32, 0.64, 0.36, c.main if v.get("explicit") else (200, 50, 50), r=0.01)
    for y in (0.42, 0.5, 0.58):
        p.ellipse(0.5, y, 0.014, 0.014, (40, 36, 40), shade_mode="none", outline=False)
    p.rect(0.4, 0.04, 0.6, 0.12, (30, 28, 34))
    p.rect(0.36, 0.11, 0.64, 0.13, (30, 28, 34))
