"""Characters and creatures: people in many outfits, knights, wizards, robots, animals, monsters."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.backends.image.procedural.colors import Colors
from studio.backends.image.procedural.painter import (
    Painter,
    bezier,
    blob_pts,
    ellipse_pts,
    mirror,
    mix,
    rrect_pts,
    shade,
    star_pts,
)
from studio.backends.image.procedural.registry import ARCHETYPES, archetype

_OUTFITS: dict[str, dict[str, Any]] = {
    "man": {"sex": "m"}, "boy": {"sex": "m", "child": True}, "guy": {"sex": "m"}, "gentleman": {"sex": "m", "hat": "bowler"},
    "woman": {"sex": "f"}, "girl": {"sex": "f", "child": True}, "lady": {"sex": "f"},
    "child": {"child": True}, "kid": {"child": True}, "baby": {"child": True},
    "detective": {"coat": (196, 160, 110), "hat": "fedora", "sex": "m"},
    "spy": {"coat": (60, 60, 70), "hat": "fedora"}, "agent": {"coat": (40, 40, 48), "glasses": True},
    "king": {"hat": "crown", "cape": True, "sex": "m", "beard": True}, "queen": {"hat": "crown", "cape": True, "sex": "f", "dress": True},
    "prince": {"hat": "crown", "sex": "m"}, "princess": {"hat": "crown", "sex": "f", "dress": True},
    "pirate": {"hat": "bandana", "patch": True, "beard": True, "sex": "m"},
    "captain": {"hat": "cap", "sex": "m", "beard": True},
    "ninja": {"ninja": True}, "assassin": {"ninja": True},
    "soldier": {"hat": "helmet", "uniform": (96, 110, 70)}, "army": {"hat": "helmet", "uniform": (96, 110, 70)},
    "astronaut": {"astronaut": True}, "cosmonaut": {"astronaut": True},
    "chef": {"hat": "toque", "uniform": (244, 244, 240)}, "cook": {"hat": "toque", "uniform": (244, 244, 240)},
    "doctor": {"labcoat": True, "glasses": True}, "scientist": {"labcoat": True, "glasses": True}, "inventor": {"labcoat": True, "glasses": True}, "nurse": {"labcoat": True, "sex": "f"},
    "cowboy": {"hat": "cowboy", "sex": "m"}, "cowgirl": {"hat": "cowboy", "sex": "f"}, "sheriff": {"hat": "cowboy", "badge": True},
    "police": {"hat": "cap", "uniform": (40, 60, 120), "badge": True}, "policeman": {"hat": "cap", "uniform": (40, 60, 120), "badge": True},
    "cop": {"hat": "cap", "uniform": (40, 60, 120), "badge": True}, "officer": {"hat": "cap", "uniform": (40, 60, 120), "badge": True},
    "farmer": {"hat": "straw"}, "gardener": {"hat": "straw"}, "villager": {}, "peasant": {"hat": "straw"},
    "hero": {"cape": True, "mask": True}, "superhero": {"cape": True, "mask": True}, "heroine": {"cape": True, "mask": True, "sex": "f"},
    "villain": {"cape": True, "coat": (50, 30, 60), "sex": "m"},
    "businessman": {"suit": True, "sex": "m"}, "businesswoman": {"suit": True, "sex": "f"}, "boss": {"suit": True},
    "student": {"backpack": True}, "explorer": {"hat": "safari", "backpack": True}, "adventurer": {"hat": "safari", "backpack": True},
    "hunter": {"hat": "safari"}, "ranger": {"hat": "safari", "uniform": (90, 110, 60)},
    "zombie": {"skin": (140, 170, 120), "torn": True}, "goblin": {"skin": (120, 170, 80), "ears": True, "child": True},
    "orc": {"skin": (100, 140, 70), "ears": True, "tusks": True}, "troll": {"skin": (120, 140, 130), "ears": True, "tusks": True},
    "elf": {"ears": True}, "vampire": {"cape": True, "skin": (226, 222, 228), "suit": True}, "witch": {"wizard": True, "sex": "f"},
    "old": {"old": True}, "grandpa": {"old": True, "sex": "m", "beard": True}, "grandma": {"old": True, "sex": "f"},
    "knight": {"knight": True}, "paladin": {"knight": True}, "warrior": {"knight": True, "helmetless": True},
    "wizard": {"wizard": True, "sex": "m"}, "mage": {"wizard": True}, "sorcerer": {"wizard": True}, "magician": {"wizard": True},
    "druid": {"wizard": True, "robe": (90, 120, 60)}, "monk": {"robe_only": True, "robe": (170, 110, 50)},
    "thief": {"ninja": True, "hood": True}, "rogue": {"ninja": True, "hood": True},
    "fisherman": {"hat": "straw", "coat": (230, 190, 60), "sex": "m"}, "sailor": {"hat": "cap", "uniform": (240, 240, 244)},
    "guard": {"hat": "helmet", "uniform": (120, 40, 40)}, "worker": {"hat": "helmet", "uniform": (230, 130, 40)},
    "builder": {"hat": "helmet", "uniform": (230, 130, 40)}, "mechanic": {"uniform": (60, 90, 140)},
    "firefighter": {"hat": "helmet", "uniform": (190, 50, 40)}, "teacher": {"glasses": True, "suit": True},
    "priest": {"uniform": (30, 30, 36)}, "nun": {"uniform": (30, 30, 36), "hood": True, "sex": "f"},
    "musician": {"hat": "bowler"}, "athlete": {"uniform": (220, 60, 50)}, "reporter": {"coat": (150, 130, 100), "glasses": True},
    "waiter": {"suit": True}, "bartender": {"suit": True}, "driver": {"hat": "cap"}, "pilot": {"hat": "cap", "coat": (120, 84, 50)},
    "samurai": {"ninja": True, "uniform": (150, 30, 40)}, "viking": {"hat": "helmet", "beard": True, "sex": "m"},
    "beekeeper": {"hat": "veil", "uniform": (240, 238, 228), "bees": True},
    "apiarist": {"hat": "veil", "uniform": (240, 238, 228), "bees": True},
    "singer": {"sing": True}, "dancer": {"sex": "f", "dress": True}, "painter": {"holds": "easel"},
}


@archetype(
    "person", kind="character", height=0.74,
    words="people character figure human player npc protagonist hero adventurer couple family crowd friend stranger traveller traveler wanderer pilgrim tourist hiker citizen neighbour neighbor customer passenger",
    colors="red blue green purple orange teal", variants=_OUTFITS,
)
def draw_person(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    if v.get("knight"):
        return _knight(p, c, rng, v)
    if v.get("wizard"):
        return _wizard(p, c, rng, v)
    if v.get("astronaut"):
        return _astronaut(p, c, rng, v)
    sex = v.get("sex") or ("f" if rng.random() < 0.5 else "m")
    skin = v.get("skin") or c.skin
    hair = (226, 226, 226) if v.get("old") else c.hair
    shirt = v.get("uniform") or c.main
    pants = shade(c.second, 0.8) if not v.get("uniform") else shade(v["uniform"], 0.75)
    if v.get("ninja"):
        shirt, pants = (44, 42, 56), (36, 34, 46)
    if v.get("suit"):
        shirt, pants = (48, 52, 66), (40, 44, 56)
    if v.get("robe_only"):
        shirt = pants = v["robe"]

    if v.get("cape"):
        cape = c.accent if not v.get("coat") else (150, 20, 30)
        p.shape([(0.37, 0.33), (0.63, 0.33), (0.76, 0.9), (0.5, 0.93), (0.24, 0.9)], cape)
    if sex == "f" and not v.get("ninja") and v.get("hat") != "helmet":
        p.rect(0.385, 0.14, 0.615, 0.43 if not v.get("child") else 0.38, hair, r=0.09)  # long hair behind
    # legs and shoes
    dress = v.get("dress") or (sex == "f" and rng.random() < 0.45 and not v.get("uniform") and not v.get("ninja"))
    leg = skin if dress else pants
    p.rect(0.405, 0.58, 0.49, 0.925, leg, r=0.02)
    p.rect(0.51, 0.58, 0.595, 0.925, leg, r=0.02)
    shoe = (52, 40, 36) if not v.get("ninja") else (30, 30, 36)
    p.ellipse(0.44, 0.935, 0.058, 0.03, shoe)
    p.ellipse(0.56, 0.935, 0.058, 0.03, shoe)
    # arms (behind the torso's outline but after legs)
    sleeve = shirt if not v.get("coat") else (c.main if v.get("explicit") else v["coat"])
    if v.get("labcoat"):
        sleeve = (244, 244, 244)
    arm_l = [(0.375, 0.36), (0.335, 0.48), (0.33, 0.58)]
    arm_r = [(0.625, 0.36), (0.665, 0.48), (0.67, 0.58)]
    p.line(arm_l, sleeve, 0.065, shade_mode=None, outline=True)
    p.line(arm_r, sleeve, 0.065, shade_mode=None, outline=True)
    p.ellipse(0.33, 0.6, 0.034, 0.034, skin)
    p.ellipse(0.67, 0.6, 0.034, 0.034, skin)
    # torso
    torso = [(0.37, 0.33), (0.63, 0.33), (0.615, 0.6), (0.385, 0.6)]
    p.shape(rrect_pts(0.365, 0.32, 0.635, 0.61, 0.05), shirt)
    _ = torso
    if dress:
        p.shape([(0.38, 0.5), (0.62, 0.5), (0.69, 0.76), (0.31, 0.76)], shirt)
    else:
        p.rect(0.38, 0.565, 0.62, 0.605, (60, 44, 36), outline=False, shade_mode="none")  # belt
        p.rect(0.48, 0.568, 0.52, 0.602, c.gold, outline=False, shade_mode="none")
    if v.get("coat") or v.get("labcoat"):
        coat = v.get("coat") or (244, 244, 244)
        if v.get("explicit") and v.get("coat"):
            coat = c.main  # "a detective in a red coat"
        for side in (0, 1):
            pts = [(0.365, 0.33), (0.47, 0.33), (0.46, 0.8), (0.33, 0.8)]
            p.shape(pts if side == 0 else mirror(pts), coat)
        p.line([(0.42, 0.34), (0.47, 0.45)], shade(coat, 0.75), 0.012)
        p.line([(0.58, 0.34), (0.53, 0.45)], shade(coat, 0.75), 0.012)
    if v.get("suit"):
        p.shape([(0.47, 0.33), (0.53, 0.33), (0.5, 0.45)], (240, 240, 240), outline=False)
        p.shape([(0.49, 0.35), (0.51, 0.35), (0.515, 0.44), (0.5, 0.47), (0.485, 0.44)], c.main if not v.get("skin") else (150, 20, 30), outline=False)
    if v.get("badge"):
        p.shape(star_pts(0.57, 0.4, 0.022, 0.01), c.gold, shade_mode="none", outline=False)
    if v.get("backpack"):
        p.rect(0.6, 0.36, 0.66, 0.5, (120, 84, 50), r=0.01)
    if v.get("torn"):
        p.shape([(0.4, 0.6), (0.43, 0.55), (0.46, 0.6), (0.5, 0.56), (0.53, 0.6)], shade(shirt, 0.6), outline=False)
    # neck and head
    p.rect(0.472, 0.27, 0.528, 0.34, shade(skin, 0.88), outline=False)
    hy = 0.2
    p.ellipse(0.5, hy, 0.092, 0.1, skin)
    if v.get("ears"):
        for sx in (1, -1):
            ear = [(0.5 + sx * 0.085, 0.18), (0.5 + sx * 0.16, 0.13), (0.5 + sx * 0.09, 0.23)]
            p.shape(ear, skin)
    _face(p, c, rng, v, hy, sex)
    # hair on top (unless covered)
    hat = v.get("hat")
    if v.get("ninja"):
        p.shape(ellipse_pts(0.5, hy, 0.1, 0.108), (44, 42, 56))
        p.rect(0.42, hy - 0.025, 0.58, hy + 0.02, skin, r=0.02, outline=False, shade_mode="none")
        _eyes(p, hy, (40, 30, 30))
    elif hat not in ("helmet",) and not v.get("hood"):
        top = ellipse_pts(0.5, hy - 0.012, 0.098, 0.098, start=180, end=360)
        if sex == "f" or v.get("old"):
            p.shape(top + [(0.6, hy - 0.01), (0.53, hy - 0.05), (0.45, hy - 0.04), (0.4, hy - 0.0)], hair)
        else:
            spikes = [(0.59, hy - 0.03), (0.56, hy - 0.06), (0.52, hy - 0.045), (0.48, hy - 0.07), (0.44, hy - 0.045), (0.405, hy - 0.01)]
            p.shape(top + spikes, hair)
    if v.get("hood"):
        p.shape(ellipse_pts(0.5, hy - 0.005, 0.108, 0.112, start=180, end=360) + [(0.6, hy + 0.09), (0.56, hy - 0.02), (0.44, hy - 0.02), (0.4, hy + 0.09)], (50, 46, 60))
    if v.get("beard") or (v.get("old") and sex == "m"):
        beard = hair if not v.get("old") else (230, 230, 230)
        p.shape([(0.43, hy + 0.02), (0.57, hy + 0.02), (0.56, hy + 0.09), (0.5, hy + 0.13), (0.44, hy + 0.09)], beard)
        p.line([(0.47, hy + 0.05), (0.53, hy + 0.05)], shade(skin, 0.5), 0.008)
    if v.get("mask"):
        p.shape([(0.41, hy - 0.03), (0.59, hy - 0.03), (0.58, hy + 0.015), (0.42, hy + 0.015)], c.accent, shade_mode="none", outline=False)
        _eyes(p, hy, (250, 250, 250))
    if v.get("patch"):
        p.ellipse(0.535, hy - 0.005, 0.022, 0.02, (20, 20, 24), shade_mode="none", outline=False)
        p.line([(0.42, hy - 0.04), (0.58, hy + 0.0)], (20, 20, 24), 0.007)
    if v.get("tusks"):
        for sx in (-1, 1):
            p.shape([(0.5 + sx * 0.035, hy + 0.055), (0.5 + sx * 0.045, hy + 0.02), (0.5 + sx * 0.02, hy + 0.055)], (250, 245, 225), outline=False)
    if v.get("glasses"):
        for sx in (-1, 1):
            p.line(ellipse_pts(0.5 + sx * 0.036, hy - 0.003, 0.026, 0.02) + [ellipse_pts(0.5 + sx * 0.036, hy - 0.003, 0.026, 0.02)[0]], (30, 30, 34), 0.007)
    _hat(p, c, hat, hy, hair)
    if v.get("bees"):
        _bees(p, [(0.2, 0.12), (0.82, 0.22), (0.76, 0.05)])


def _bees(p: Painter, spots: list[tuple[float, float]]) -> None:
    """Little bees around a beekeeper (striped bodies, pale wings)."""
    for x, y in spots:
        p.ellipse(x - 0.012, y - 0.03, 0.022, 0.016, (236, 244, 255), shade_mode="none", outline=False, alpha=0.9)
        p.ellipse(x + 0.014, y - 0.032, 0.022, 0.016, (236, 244, 255), shade_mode="none", outline=False, alpha=0.9)
        p.ellipse(x, y, 0.036, 0.024, (246, 196, 40))
        p.line([(x - 0.006, y - 0.021), (x - 0.006, y + 0.021)], (30, 26, 24), 0.009)
        p.line([(x + 0.014, y - 0.018), (x + 0.014, y + 0.018)], (30, 26, 24), 0.008)


def _eyes(p: Painter, hy: float, white: tuple[int, int, int]) -> None:
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.036, hy - 0.004, 0.016, 0.016, white, shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.036, hy - 0.002, 0.009, 0.011, (30, 26, 30), shade_mode="none", outline=False)


def _face(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any], hy: float, sex: str) -> None:
    ink = (36, 28, 30)
    for sx in (-1, 1):
        ex = 0.5 + sx * 0.036
        p.ellipse(ex, hy - 0.002, 0.011, 0.015, ink, shade_mode="none", outline=False)
        p.ellipse(ex - 0.004, hy - 0.008, 0.004, 0.004, (255, 255, 255), shade_mode="none", outline=False)
        p.line([(ex - 0.018, hy - 0.032 - (0.004 if sex == "f" else 0)), (ex + 0.016, hy - 0.036)], shade(c.hair, 0.7), 0.007)
    if v.get("pose") == "sing" or v.get("sing"):  # an open, singing mouth
        p.ellipse(0.5, hy + 0.055, 0.022, 0.026, (110, 36, 40), shade_mode="none")
        p.ellipse(0.5, hy + 0.068, 0.012, 0.009, (220, 110, 110), shade_mode="none", outline=False)
    else:
        mouth = bezier((0.47, hy + 0.045), (0.5, hy + 0.065), (0.53, hy + 0.045), n=10)
        p.line(mouth, (120, 50, 50), 0.008)
    if sex == "f" or v.get("child"):
        for sx in (-1, 1):
            p.ellipse(0.5 + sx * 0.058, hy + 0.028, 0.016, 0.009, (240, 140, 140), shade_mode="none", outline=False, alpha=0.55)


def _hat(p: Painter, c: Colors, hat: str | None, hy: float, hair: tuple[int, int, int]) -> None:
    if not hat:
        return
    if hat == "fedora":
        col = (92, 74, 60)
        p.ellipse(0.5, hy - 0.075, 0.15, 0.03, shade(col, 0.85))
        p.shape(rrect_pts(0.42, hy - 0.16, 0.58, hy - 0.07, 0.03), col)
        p.rect(0.42, hy - 0.1, 0.58, hy - 0.075, (40, 30, 28), outline=False, shade_mode="none")
    elif hat == "bowler":
        p.ellipse(0.5, hy - 0.075, 0.13, 0.025, (40, 40, 44))
        p.shape(ellipse_pts(0.5, hy - 0.08, 0.085, 0.08, start=180, end=360), (40, 40, 44))
    elif hat == "crown":
        pts = [(0.42, hy - 0.075), (0.42, hy - 0.16), (0.46, hy - 0.115), (0.5, hy - 0.175), (0.54, hy - 0.115), (0.58, hy - 0.16), (0.58, hy - 0.075)]
        p.shape(pts, c.gold, gloss=True)
        for x, y in ((0.42, hy - 0.16), (0.5, hy - 0.175), (0.58, hy - 0.16)):
            p.ellipse(x, y, 0.012, 0.012, c.gold)
        p.ellipse(0.5, hy - 0.1, 0.012, 0.012, (200, 30, 60), shade_mode="none", outline=False)
    elif hat == "bandana":
        p.shape(ellipse_pts(0.5, hy - 0.03, 0.1, 0.085, start=180, end=360), (200, 40, 40))
        p.shape([(0.59, hy - 0.04), (0.66, hy - 0.01), (0.64, hy + 0.03)], (200, 40, 40))
        for x in (0.45, 0.52):
            p.ellipse(x, hy - 0.07, 0.01, 0.01, (250, 250, 250), shade_mode="none", outline=False)
    elif hat == "helmet":
        p.shape(ellipse_pts(0.5, hy - 0.02, 0.112, 0.105, start=180, end=360) + [(0.62, hy - 0.01), (0.38, hy - 0.01)], (96, 110, 70))
    elif hat == "cap":
        col = (40, 50, 90)
        p.shape(ellipse_pts(0.5, hy - 0.05, 0.1, 0.075, start=180, end=360), col)
        p.shape([(0.4, hy - 0.05), (0.62, hy - 0.05), (0.64, hy - 0.03), (0.4, hy - 0.035)], shade(col, 0.7))
        p.shape(star_pts(0.5, hy - 0.085, 0.014, 0.006), c.gold, shade_mode="none", outline=False)
    elif hat == "toque":
        p.rect(0.43, hy - 0.13, 0.57, hy - 0.06, (246, 246, 246))
        for x in (0.44, 0.5, 0.56):
            p.ellipse(x, hy - 0.15, 0.045, 0.04, (246, 246, 246))
    elif hat == "cowboy":
        col = (150, 100, 56)
        p.shape(bezier((0.33, hy - 0.1), (0.5, hy - 0.03), (0.67, hy - 0.1), n=16) + bezier((0.64, hy - 0.065), (0.5, hy - 0.045), (0.36, hy - 0.065), n=16), shade(col, 0.85))
        p.shape(rrect_pts(0.43, hy - 0.165, 0.57, hy - 0.07, 0.03), col)
    elif hat == "straw":
        col = (232, 200, 120)
        p.ellipse(0.5, hy - 0.07, 0.16, 0.03, col)
        p.shape(ellipse_pts(0.5, hy - 0.075, 0.075, 0.065, start=180, end=360), col)
        p.rect(0.425, hy - 0.095, 0.575, hy - 0.078, (200, 60, 50), outline=False, shade_mode="none")
    elif hat == "veil":  # a beekeeper's hat: a wide pale brim and a mesh veil down to the shoulders
        col = (238, 232, 210)
        p.shape([(0.37, hy - 0.07), (0.63, hy - 0.07), (0.66, hy + 0.13), (0.34, hy + 0.13)], (226, 230, 226), outline=False, alpha=0.55)
        for k in range(1, 8):
            x = 0.37 + k * 0.033
            p.line([(x, hy - 0.07), (x + (x - 0.5) * 0.12, hy + 0.13)], (150, 156, 150), 0.003, alpha=0.6)
        for k in range(1, 5):
            y = hy - 0.07 + k * 0.04
            p.line([(0.37 - k * 0.007, y), (0.63 + k * 0.007, y)], (150, 156, 150), 0.003, alpha=0.6)
        p.ellipse(0.5, hy - 0.07, 0.17, 0.032, col)
        p.shape(ellipse_pts(0.5, hy - 0.08, 0.08, 0.07, start=180, end=360), col)
    elif hat == "safari":
        col = (196, 172, 120)
        p.ellipse(0.5, hy - 0.07, 0.14, 0.028, shade(col, 0.9))
        p.shape(ellipse_pts(0.5, hy - 0.075, 0.085, 0.075, start=180, end=360), col)


def _knight(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    metal, trim = c.metal, c.main
    p.shape([(0.38, 0.33), (0.62, 0.33), (0.74, 0.9), (0.26, 0.9)], shade(trim, 0.8))  # cape
    p.rect(0.405, 0.58, 0.49, 0.925, metal, r=0.02)
    p.rect(0.51, 0.58, 0.595, 0.925, metal, r=0.02)
    p.ellipse(0.44, 0.935, 0.06, 0.03, shade(metal, 0.7))
    p.ellipse(0.56, 0.935, 0.06, 0.03, shade(metal, 0.7))
    p.line([(0.625, 0.36), (0.665, 0.48), (0.675, 0.58)], metal, 0.07, shade_mode=None, outline=True)
    p.shape(rrect_pts(0.36, 0.31, 0.64, 0.62, 0.05), metal)
    p.shape([(0.4, 0.34), (0.6, 0.34), (0.58, 0.5), (0.5, 0.56), (0.42, 0.5)], trim)  # tabard
    p.shape([(0.47, 0.38), (0.53, 0.38), (0.53, 0.43), (0.58, 0.43), (0.58, 0.47), (0.53, 0.47), (0.53, 0.52), (0.47, 0.52), (0.47, 0.47), (0.42, 0.47), (0.42, 0.43), (0.47, 0.43)], c.gold, shade_mode="none", outline=False)
    p.rect(0.38, 0.57, 0.62, 0.61, (70, 50, 40), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.14, 0.345, 0.055, 0.04, shade(metal, 1.05))  # pauldrons
    # head: helmet with a visor slit and a plume
    if v.get("helmetless"):
        p.ellipse(0.5, 0.2, 0.092, 0.1, c.skin)
        _face(p, c, rng, v, 0.2, "m")
        p.shape(ellipse_pts(0.5, 0.19, 0.1, 0.1, start=180, end=360) + [(0.6, 0.19), (0.4, 0.19)], c.hair)
    else:
        p.shape(bezier((0.36, 0.32), (0.36, 0.06), (0.5, 0.06), n=14) + bezier((0.5, 0.06), (0.64, 0.06), (0.64, 0.32), n=14), metal, gloss=True)
        p.rect(0.41, 0.18, 0.59, 0.205, (24, 22, 30), outline=False, shade_mode="none")
        p.line([(0.5, 0.21), (0.5, 0.31)], shade(metal, 0.6), 0.01)
        p.shape(bezier((0.5, 0.08), (0.56, -0.02), (0.7, 0.06), n=12) + bezier((0.66, 0.1), (0.58, 0.06), (0.52, 0.11), n=12), c.accent)
    # sword in the right hand, shield on the left arm
    with p.region(0.52, 0.0, 0.92, 0.74, angle=12):
        ARCHETYPES["sword"].draw(p, c, rng, {"upright": True})
    p.ellipse(0.675, 0.6, 0.035, 0.035, metal)
    with p.region(0.16, 0.36, 0.5, 0.78):
        ARCHETYPES["shield"].draw(p, c, rng, {})


def _wizard(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    robe = v.get("robe") or c.main
    sex = v.get("sex", "m")
    with p.region(0.58, 0.08, 0.9, 0.96):  # staff behind the hand
        p.line([(0.5, 0.12), (0.5, 0.99)], c.wood, 0.07, shade_mode=None, outline=True)
        p.glow(0.5, 0.1, 0.25, c.glow, 0.7)
        p.ellipse(0.5, 0.1, 0.11, 0.07, c.accent, gloss=True)
    p.shape([(0.38, 0.32), (0.62, 0.32), (0.7, 0.94), (0.3, 0.94)], robe)
    p.shape([(0.47, 0.34), (0.53, 0.34), (0.55, 0.94), (0.45, 0.94)], shade(robe, 0.78), outline=False)
    p.rect(0.36, 0.54, 0.64, 0.58, c.gold, outline=False)
    for sx in (-1, 1):
        sleeve = [(0.5 + sx * 0.11, 0.34), (0.5 + sx * 0.19, 0.5), (0.5 + sx * 0.21, 0.6), (0.5 + sx * 0.12, 0.6), (0.5 + sx * 0.09, 0.45)]
        p.shape(sleeve, robe)
        p.ellipse(0.5 + sx * 0.17, 0.61, 0.03, 0.03, c.skin)
    p.ellipse(0.5, 0.2, 0.09, 0.1, c.skin)
    _face(p, c, rng, v, 0.2, sex)
    if sex == "m":
        beard = (236, 236, 236)
        p.shape([(0.41, 0.2), (0.59, 0.2), (0.58, 0.3), (0.5, 0.46), (0.42, 0.3)], beard)
        p.line(bezier((0.45, 0.25), (0.5, 0.22), (0.55, 0.25)), (230, 230, 230), 0.02)
    else:
        p.shape([(0.4, 0.14), (0.6, 0.14), (0.63, 0.38), (0.58, 0.3), (0.42, 0.3), (0.37, 0.38)], c.hair)
    hat = [(0.33, 0.14), (0.67, 0.14), (0.58, 0.1), (0.56, 0.0), (0.7, -0.04), (0.5, -0.02), (0.42, 0.1)]
    p.shape(hat, robe)
    p.ellipse(0.5, 0.135, 0.17, 0.03, shade(robe, 0.85))
    p.shape(star_pts(0.49, 0.07, 0.025, 0.011), c.gold, shade_mode="none", outline=False)


def _astronaut(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    suit = (236, 236, 240)
    p.rect(0.33, 0.33, 0.67, 0.62, (200, 200, 206), r=0.04)  # backpack
    p.rect(0.4, 0.58, 0.49, 0.93, suit, r=0.03)
    p.rect(0.51, 0.58, 0.6, 0.93, suit, r=0.03)
    p.ellipse(0.445, 0.935, 0.06, 0.03, (90, 90, 100))
    p.ellipse(0.555, 0.935, 0.06, 0.03, (90, 90, 100))
    p.line([(0.37, 0.37), (0.32, 0.5), (0.32, 0.59)], suit, 0.08, shade_mode=None, outline=True)
    p.line([(0.63, 0.37), (0.68, 0.5), (0.68, 0.59)], suit, 0.08, shade_mode=None, outline=True)
    p.ellipse(0.32, 0.61, 0.04, 0.035, (200, 200, 206))
    p.ellipse(0.68, 0.61, 0.04, 0.035, (200, 200, 206))
    p.rect(0.36, 0.32, 0.64, 0.62, suit, r=0.05)
    p.rect(0.43, 0.4, 0.57, 0.48, c.main, r=0.01)
    for i, col in enumerate(((230, 60, 60), (60, 200, 90), (250, 200, 60))):
        p.ellipse(0.455 + i * 0.045, 0.44, 0.01, 0.01, col, shade_mode="none", outline=False)
    p.ellipse(0.5, 0.2, 0.13, 0.13, suit)
    p.ellipse(0.5, 0.21, 0.095, 0.085, (40, 50, 80), gloss=True)
    p.glow(0.47, 0.18, 0.05, (140, 180, 255), 0.5)


@archetype("robot", kind="character", height=0.68, words="android droid mech cyborg automaton bot", colors="silver blue red orange")
def draw_robot(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body, trim, eye = c.main, c.metal, c.accent
    p.line([(0.5, 0.12), (0.5, 0.04)], trim, 0.014, outline=True)
    p.glow(0.5, 0.035, 0.06, (255, 80, 80), 0.8)
    p.ellipse(0.5, 0.035, 0.022, 0.022, (240, 70, 60))
    p.rect(0.42, 0.82, 0.48, 0.93, trim)
    p.rect(0.52, 0.82, 0.58, 0.93, trim)
    p.rect(0.36, 0.6, 0.48, 0.84, body, r=0.02)
    p.rect(0.52, 0.6, 0.64, 0.84, body, r=0.02)
    p.rect(0.34, 0.9, 0.49, 0.96, shade(trim, 0.7), r=0.015)
    p.rect(0.51, 0.9, 0.66, 0.96, shade(trim, 0.7), r=0.015)
    for sx in (-1, 1):
        p.line([(0.5 + sx * 0.19, 0.37), (0.5 + sx * 0.25, 0.5), (0.5 + sx * 0.25, 0.6)], trim, 0.05, shade_mode=None, outline=True)
        p.ellipse(0.5 + sx * 0.19, 0.37, 0.05, 0.05, body)
        p.shape([(0.5 + sx * 0.22, 0.6), (0.5 + sx * 0.28, 0.6), (0.5 + sx * 0.3, 0.67), (0.5 + sx * 0.25, 0.64), (0.5 + sx * 0.2, 0.67)], shade(trim, 0.8))
    p.rect(0.32, 0.32, 0.68, 0.64, body, r=0.05)
    p.rect(0.4, 0.38, 0.6, 0.54, shade(body, 0.75), r=0.02, outline=False)
    for i in range(3):
        col = ((90, 230, 120), (250, 200, 60), (240, 80, 80))[i]
        p.ellipse(0.44 + i * 0.06, 0.43, 0.017, 0.017, col, shade_mode="none", outline=False)
    for i in range(3):
        p.line([(0.43, 0.48 + i * 0.02), (0.57, 0.48 + i * 0.02)], shade(body, 0.5), 0.006)
    p.rect(0.46, 0.28, 0.54, 0.33, trim, outline=False)
    p.rect(0.34, 0.1, 0.66, 0.3, body, r=0.04, gloss=True)
    p.rect(0.37, 0.15, 0.63, 0.24, (26, 28, 40), r=0.03, outline=False, shade_mode="none")
    for sx in (-1, 1):
        p.glow(0.5 + sx * 0.06, 0.195, 0.05, eye, 0.6)
        p.ellipse(0.5 + sx * 0.06, 0.195, 0.025, 0.022, shade(eye, 1.3), shade_mode="none", outline=False)
    for sx in (-1, 1):
        p.rect(0.5 + sx * 0.17 - 0.015, 0.16, 0.5 + sx * 0.17 + 0.015, 0.24, trim)


@archetype("monster", kind="creature", height=0.5, words="creature beast critter alien imp demon yeti gremlin", colors="purple green teal orange")
def draw_monster(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    horn = (240, 230, 200)
    for sx in (-1, 1):
        p.shape([(0.5 + sx * 0.16, 0.32), (0.5 + sx * 0.3, 0.08), (0.5 + sx * 0.24, 0.34)], horn)
    for sx in (-1, 1):
        p.rect(0.5 + sx * 0.14 - 0.06, 0.78, 0.5 + sx * 0.14 + 0.06, 0.95, shade(body, 0.85), r=0.03)
        p.line([(0.5 + sx * 0.27, 0.52), (0.5 + sx * 0.38, 0.64), (0.5 + sx * 0.36, 0.74)], body, 0.07, shade_mode=None, outline=True)
    p.shape(blob_pts(0.5, 0.56, 0.3, 0.31, rng, wobble=0.06), body)
    p.shape(ellipse_pts(0.5, 0.66, 0.18, 0.16), mix(body, (255, 255, 255), 0.35), outline=False)
    one_eye = rng.random() < 0.4
    eyes = [0.5] if one_eye else [0.41, 0.59]
    for ex in eyes:
        r = 0.085 if one_eye else 0.06
        p.ellipse(ex, 0.42, r, r, (250, 250, 250))
        p.ellipse(ex + 0.01, 0.43, r * 0.45, r * 0.5, (30, 24, 36), shade_mode="none", outline=False)
        p.ellipse(ex - 0.005, 0.415, r * 0.15, r * 0.15, (255, 255, 255), shade_mode="none", outline=False)
    mouth = bezier((0.36, 0.56), (0.5, 0.7), (0.64, 0.56), n=20)
    p.shape(mouth, (70, 20, 40))
    for tx in (0.43, 0.57):
        p.shape([(tx - 0.025, 0.575), (tx + 0.025, 0.575), (tx, 0.62)], (250, 250, 240), outline=False)


@archetype("slime", kind="creature", height=0.32, words="blob jelly ooze goo", colors="green blue pink purple")
def draw_slime(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    top = ellipse_pts(0.5, 0.68, 0.38, 0.4, start=180, end=360)
    bottom = [(0.88, 0.9), (0.78, 0.95), (0.5, 0.96), (0.22, 0.95), (0.12, 0.9)]
    p.shape(top + [(0.88, 0.68)] + bottom, c.main, gloss=True, alpha=0.95)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.1, 0.6, 0.035, 0.055, (30, 30, 40), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.1 - 0.01, 0.58, 0.012, 0.016, (255, 255, 255), shade_mode="none", outline=False)
    p.line(bezier((0.45, 0.72), (0.5, 0.77), (0.55, 0.72)), (40, 30, 40), 0.012)
    p.ellipse(0.32, 0.7, 0.04, 0.02, (255, 150, 170), shade_mode="none", outline=False, alpha=0.6)
    p.ellipse(0.68, 0.7, 0.04, 0.02, (255, 150, 170), shade_mode="none", outline=False, alpha=0.6)


@archetype("dragon", kind="creature", height=0.62, words="wyvern drake dinosaur dino", colors="red green purple blue")
def draw_dragon(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body, wing, belly = c.main, shade(c.second, 0.9), mix(c.main, (250, 220, 150), 0.55)
    # far wing
    p.shape([(0.5, 0.5), (0.44, 0.16), (0.56, 0.22), (0.64, 0.08), (0.7, 0.3), (0.66, 0.5)], shade(wing, 0.75))
    # tail
    tail = bezier((0.3, 0.66), (0.12, 0.72), (0.1, 0.9), (0.02, 0.82), n=20)
    for i in range(len(tail) - 1):
        w = 0.1 * (1 - i / len(tail)) + 0.02
        p.line([tail[i], tail[i + 1]], body, w, shade_mode=None, outline=False)
    p.shape([(0.01, 0.86), (0.0, 0.74), (0.06, 0.8)], c.accent)
    # legs (back pair)
    p.line([(0.34, 0.7), (0.3, 0.84), (0.33, 0.93)], shade(body, 0.8), 0.08, shade_mode=None, outline=True)
    p.line([(0.56, 0.72), (0.58, 0.86), (0.55, 0.93)], shade(body, 0.8), 0.075, shade_mode=None, outline=True)
    # body, neck, head
    p.ellipse(0.45, 0.64, 0.2, 0.15, body)
    p.shape(ellipse_pts(0.47, 0.7, 0.15, 0.08, start=0, end=180), belly, outline=False)
    neck = bezier((0.56, 0.6), (0.64, 0.45), (0.7, 0.3), n=12)
    p.line(neck, body, 0.1, shade_mode=None, outline=True)
    for i in range(0, 5):
        y = 0.43 - i * 0.05
        p.line([(0.64 + i * 0.005, y + 0.06), (0.67 + i * 0.01, y + 0.06)], belly, 0.03)
    p.ellipse(0.73, 0.27, 0.09, 0.07, body)
    p.shape(rrect_pts(0.75, 0.25, 0.92, 0.33, 0.035), body)
    p.line([(0.79, 0.315), (0.91, 0.315)], shade(body, 0.45), 0.008)
    p.ellipse(0.895, 0.275, 0.008, 0.006, (30, 20, 20), shade_mode="none", outline=False)
    for hx in (0.66, 0.7):
        p.shape([(hx, 0.23), (hx - 0.08, 0.12), (hx + 0.03, 0.21)], (240, 230, 200))
    p.ellipse(0.75, 0.255, 0.022, 0.016, (255, 220, 60), shade_mode="none", outline=False)
    p.ellipse(0.755, 0.255, 0.007, 0.014, (20, 20, 20), shade_mode="none", outline=False)
    # spikes along the back
    for i in range(6):
        x = 0.3 + i * 0.06
        y = 0.52 - 0.02 * np.sin(i)
        p.shape([(x - 0.025, y + 0.02), (x, y - 0.05), (x + 0.025, y + 0.02)], c.accent)
    # front legs
    p.line([(0.58, 0.7), (0.64, 0.82), (0.62, 0.93)], body, 0.07, shade_mode=None, outline=True)
    p.line([(0.4, 0.72), (0.42, 0.85), (0.4, 0.93)], body, 0.075, shade_mode=None, outline=True)
    for fx in (0.4, 0.62, 0.33, 0.55):
        p.ellipse(fx + 0.015, 0.94, 0.04, 0.018, shade(body, 0.7))
    # near wing
    wing_pts = [(0.46, 0.52), (0.28, 0.1), (0.36, 0.2), (0.4, 0.06), (0.5, 0.22), (0.56, 0.1), (0.6, 0.36), (0.56, 0.55)]
    p.shape(wing_pts, wing)
    for tip in ((0.28, 0.1), (0.4, 0.06), (0.56, 0.1)):
        p.line([(0.5, 0.5), tip], shade(wing, 0.55), 0.012)


@archetype("cat", kind="creature", height=0.3, words="kitten kitty", colors="orange grey black white")
def draw_cat(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    p.line(bezier((0.64, 0.9), (0.92, 0.92), (0.86, 0.52), n=16), fur, 0.07, shade_mode=None, outline=True)
    p.shape(ellipse_pts(0.5, 0.72, 0.21, 0.25), fur)
    p.shape(ellipse_pts(0.5, 0.78, 0.11, 0.15), mix(fur, (255, 255, 255), 0.55), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.1, 0.94, 0.07, 0.035, fur)
        p.shape([(0.5 + sx * 0.06, 0.3), (0.5 + sx * 0.17, 0.14), (0.5 + sx * 0.175, 0.35)], fur)
        p.shape([(0.5 + sx * 0.09, 0.3), (0.5 + sx * 0.16, 0.19), (0.5 + sx * 0.16, 0.32)], (240, 160, 170), outline=False)
    p.ellipse(0.5, 0.4, 0.18, 0.15, fur)
    if rng.random() < 0.5:
        for i in range(3):
            p.line([(0.44 + i * 0.06, 0.26), (0.45 + i * 0.05, 0.31)], shade(fur, 0.6), 0.012)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.065, 0.39, 0.035, 0.03, (200, 220, 80), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.065, 0.39, 0.009, 0.026, (20, 20, 20), shade_mode="none", outline=False)
        for dy in (-0.01, 0.015):
            p.line([(0.5 + sx * 0.08, 0.45 + dy), (0.5 + sx * 0.22, 0.43 + dy * 2)], (60, 50, 50), 0.004)
    p.shape([(0.48, 0.44), (0.52, 0.44), (0.5, 0.465)], (230, 120, 140), outline=False)
    p.line(bezier((0.46, 0.48), (0.5, 0.5), (0.54, 0.48)), (60, 40, 40), 0.007)


@archetype("dog", kind="creature", height=0.34, words="puppy hound wolf", colors="brown tan beige grey")
def draw_dog(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    p.line(bezier((0.66, 0.82), (0.86, 0.78), (0.84, 0.56), n=12), fur, 0.05, shade_mode=None, outline=True)
    p.shape(ellipse_pts(0.5, 0.72, 0.2, 0.23), fur)
    p.shape(ellipse_pts(0.5, 0.76, 0.1, 0.14), mix(fur, (255, 255, 255), 0.5), outline=False)
    for sx in (-1, 1):
        p.rect(0.5 + sx * 0.09 - 0.045, 0.78, 0.5 + sx * 0.09 + 0.045, 0.95, fur, r=0.03)
    p.ellipse(0.5, 0.38, 0.17, 0.16, fur)
    for sx in (-1, 1):
        with p.region(0.5 + sx * 0.16 - 0.07, 0.26, 0.5 + sx * 0.16 + 0.07, 0.52, angle=sx * 15):
            p.ellipse(0.5, 0.5, 0.45, 0.5, shade(fur, 0.7))
    p.ellipse(0.5, 0.46, 0.09, 0.07, mix(fur, (255, 255, 255), 0.6))
    p.ellipse(0.5, 0.42, 0.035, 0.025, (30, 24, 24), shade_mode="none", outline=False)
    p.shape(ellipse_pts(0.52, 0.52, 0.03, 0.04, start=0, end=180), (230, 100, 120), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.07, 0.35, 0.02, 0.025, (30, 24, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.07 - 0.006, 0.342, 0.006, 0.006, (255, 255, 255), shade_mode="none", outline=False)
    p.rect(0.39, 0.53, 0.61, 0.57, (200, 40, 40), r=0.01, outline=False)
    p.ellipse(0.5, 0.59, 0.022, 0.022, c.gold, shade_mode="none", outline=False)


@archetype("mouse", kind="creature", height=0.22, words="mice rat hamster gerbil", colors="grey brown white")
def draw_mouse(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    pink = (238, 160, 170)
    p.line(bezier((0.68, 0.88), (0.98, 0.96), (0.9, 0.6), n=18), pink, 0.022, shade_mode=None, outline=True)
    p.shape(ellipse_pts(0.52, 0.7, 0.22, 0.24), fur)
    p.shape(ellipse_pts(0.52, 0.76, 0.11, 0.14), mix(fur, (255, 255, 255), 0.55), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.52 + sx * 0.1, 0.945, 0.065, 0.03, pink)
        p.ellipse(0.52 + sx * 0.16, 0.2, 0.12, 0.12, fur)
        p.ellipse(0.52 + sx * 0.16, 0.2, 0.075, 0.075, pink, outline=False)
    p.shape(ellipse_pts(0.52, 0.4, 0.17, 0.15), fur)
    for sx in (-1, 1):
        p.ellipse(0.52 + sx * 0.065, 0.37, 0.03, 0.036, (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.52 + sx * 0.065 - 0.008, 0.36, 0.009, 0.009, (255, 255, 255), shade_mode="none", outline=False)
        for dy in (-0.012, 0.012):
            p.line([(0.52 + sx * 0.05, 0.47 + dy), (0.52 + sx * 0.22, 0.45 + dy * 2.5)], (70, 60, 60), 0.004)
    p.ellipse(0.52, 0.47, 0.03, 0.025, (226, 110, 130), outline=False)
    p.line(bezier((0.49, 0.51), (0.52, 0.53), (0.55, 0.51)), (60, 40, 40), 0.006)
    for sx in (-1, 1):
        p.ellipse(0.52 + sx * 0.07, 0.68, 0.035, 0.05, pink)


@archetype("rabbit", kind="creature", height=0.34, words="bunny hare", colors="white grey brown")
def draw_rabbit(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    pink = (238, 164, 176)
    p.ellipse(0.74, 0.84, 0.07, 0.07, mix(fur, (255, 255, 255), 0.7))
    p.shape(ellipse_pts(0.5, 0.73, 0.2, 0.22), fur)
    p.shape(ellipse_pts(0.5, 0.78, 0.1, 0.13), mix(fur, (255, 255, 255), 0.55), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.12, 0.94, 0.09, 0.035, fur)
        with p.region(0.5 + sx * 0.08 - 0.07, 0.0, 0.5 + sx * 0.08 + 0.07, 0.36, angle=sx * 10):
            p.ellipse(0.5, 0.5, 0.42, 0.5, fur)
            p.ellipse(0.5, 0.52, 0.22, 0.38, pink, outline=False)
    p.ellipse(0.5, 0.44, 0.16, 0.14, fur)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.06, 0.42, 0.026, 0.032, (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.06 - 0.007, 0.41, 0.008, 0.008, (255, 255, 255), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.05, 0.66, 0.035, 0.045, fur)
    p.shape([(0.48, 0.48), (0.52, 0.48), (0.5, 0.505)], (226, 110, 130), outline=False)
    p.line(bezier((0.47, 0.53), (0.5, 0.55), (0.53, 0.53)), (60, 40, 40), 0.006)


@archetype("fox", kind="creature", height=0.34, words="vixen", colors="orange")
def draw_fox(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    fur = c.main
    white = (250, 246, 238)
    dark = shade(fur, 0.45)
    tail = bezier((0.64, 0.9), (1.02, 0.9), (0.9, 0.5), n=18)
    p.line(tail, fur, 0.1, shade_mode=None, outline=True)
    p.ellipse(0.9, 0.52, 0.06, 0.06, white)
    p.shape(ellipse_pts(0.5, 0.72, 0.19, 0.23), fur)
    p.shape(ellipse_pts(0.5, 0.74, 0.09, 0.15), white, outline=False)
    for sx in (-1, 1):
        p.rect(0.5 + sx * 0.08 - 0.04, 0.8, 0.5 + sx * 0.08 + 0.04, 0.96, dark, r=0.02)
        p.shape([(0.5 + sx * 0.05, 0.3), (0.5 + sx * 0.17, 0.1), (0.5 + sx * 0.18, 0.34)], fur)
        p.shape([(0.5 + sx * 0.08, 0.3), (0.5 + sx * 0.16, 0.16), (0.5 + sx * 0.16, 0.31)], dark, outline=False)
    p.shape([(0.3, 0.36), (0.5, 0.27), (0.7, 0.36), (0.56, 0.54), (0.5, 0.57), (0.44, 0.54)], fur)
    p.shape([(0.36, 0.42), (0.5, 0.44), (0.64, 0.42), (0.55, 0.54), (0.5, 0.57), (0.45, 0.54)], white, outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.07, 0.39, 0.022, 0.028, (24, 20, 24), shade_mode="none", outline=False)
    p.ellipse(0.5, 0.55, 0.025, 0.02, (24, 20, 24), outline=False)


@archetype("bear", kind="creature", height=0.46, words="teddy grizzly panda", colors="brown",
           variants={"panda": {"panda": True}})
def draw_bear(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    panda = bool(v.get("panda"))
    fur = (244, 244, 240) if panda else c.main
    dark = (34, 32, 36) if panda else shade(fur, 0.7)
    muzzle = (250, 250, 246) if panda else mix(fur, (255, 240, 220), 0.55)
    p.shape(ellipse_pts(0.5, 0.68, 0.27, 0.28), fur)
    p.shape(ellipse_pts(0.5, 0.72, 0.15, 0.18), mix(fur, (255, 255, 255), 0.35), outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.14, 0.93, 0.1, 0.05, dark)
        p.ellipse(0.5 + sx * 0.21, 0.64, 0.07, 0.11, dark)
        p.ellipse(0.5 + sx * 0.15, 0.12, 0.075, 0.075, dark)
        p.ellipse(0.5 + sx * 0.15, 0.12, 0.04, 0.04, shade(dark, 0.8), outline=False)
    p.ellipse(0.5, 0.3, 0.21, 0.19, fur)
    for sx in (-1, 1):
        if panda:
            with p.region(0.5 + sx * 0.08 - 0.05, 0.24, 0.5 + sx * 0.08 + 0.05, 0.34, angle=sx * 25):
                p.ellipse(0.5, 0.5, 0.5, 0.45, dark, outline=False)
        p.ellipse(0.5 + sx * 0.08, 0.28, 0.024, 0.028, (250, 250, 250) if panda else (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.08, 0.285, 0.013, 0.016, (24, 20, 24), shade_mode="none", outline=False)
    p.ellipse(0.5, 0.38, 0.09, 0.07, muzzle)
    p.ellipse(0.5, 0.355, 0.035, 0.025, (30, 24, 24), outline=False)
    p.line(bezier((0.47, 0.41), (0.5, 0.43), (0.53, 0.41)), (60, 40, 40), 0.007)


def _hooves(p: Painter, xs: tuple[float, ...], top: float, leg: Any, hoof: Any, half: float = 0.045) -> None:
    """Straight legs from `top` to the ground with dark hooves (farm animals, seen from the front)."""
    for x in xs:
        p.rect(x - half, top, x + half, 0.9, leg, r=0.015)
        p.rect(x - half - 0.005, 0.88, x + half + 0.005, 0.97, hoof, r=0.012)


@archetype("pig", kind="creature", height=0.3, words="piglet hog boar swine", colors="pink")
def draw_pig(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    skin = c.main
    dark = shade(skin, 0.72)
    snout = mix(skin, (236, 120, 140), 0.45)
    p.line(bezier((0.74, 0.6), (0.9, 0.5), (0.84, 0.44), (0.8, 0.5), n=20), skin, 0.02, shade_mode=None, outline=True)
    _hooves(p, (0.36, 0.64), 0.72, skin, shade(skin, 0.5), half=0.055)
    p.shape(ellipse_pts(0.5, 0.64, 0.28, 0.24), skin)
    p.shape(ellipse_pts(0.5, 0.7, 0.16, 0.13), mix(skin, (255, 255, 255), 0.35), outline=False)
    for sx in (-1, 1):
        p.shape([(0.5 + sx * 0.06, 0.21), (0.5 + sx * 0.2, 0.14), (0.5 + sx * 0.25, 0.27)], skin)
    p.ellipse(0.5, 0.36, 0.2, 0.18, skin)
    for sx in (-1, 1):  # the ears flop forward over the top of the head
        p.shape([(0.5 + sx * 0.09, 0.22), (0.5 + sx * 0.21, 0.19), (0.5 + sx * 0.17, 0.31)], dark)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.08, 0.3, 0.022, 0.028, (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.08 - 0.007, 0.29, 0.007, 0.007, (255, 255, 255), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.14, 0.42, 0.035, 0.022, mix(skin, (240, 110, 130), 0.5), outline=False)
    p.ellipse(0.5, 0.41, 0.075, 0.055, snout)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.028, 0.41, 0.013, 0.02, shade(snout, 0.45), shade_mode="none", outline=False)
    p.line(bezier((0.46, 0.49), (0.5, 0.515), (0.54, 0.49)), (90, 40, 50), 0.007)


@archetype("cow", kind="creature", height=0.4, words="bull calf ox cattle", colors="white")
def draw_cow(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    hide = c.main
    # the patches contrast with the hide: black on a light cow, white on a dark one
    light_hide = sum(hide) / 3 > 140
    spot = (40, 36, 40) if light_hide else (246, 244, 238)
    muzzle = (240, 176, 180)
    p.line(bezier((0.72, 0.56), (0.86, 0.62), (0.84, 0.82), n=14), hide, 0.018, shade_mode=None, outline=True)
    p.ellipse(0.84, 0.84, 0.025, 0.04, spot, outline=False)
    _hooves(p, (0.32, 0.42, 0.58, 0.68), 0.7, hide, (60, 50, 46))
    p.shape(ellipse_pts(0.5, 0.6, 0.26, 0.2), hide)
    for x, y, rx, ry in ((0.38, 0.56, 0.07, 0.05), (0.6, 0.66, 0.06, 0.045), (0.55, 0.5, 0.04, 0.03)):
        p.shape(blob_pts(x, y, rx, ry, rng, wobble=0.18), spot, outline=False)
    p.ellipse(0.5, 0.76, 0.06, 0.035, muzzle, outline=False)  # udder
    for sx in (-1, 1):
        p.shape([(0.5 + sx * 0.08, 0.14), (0.5 + sx * 0.13, 0.04), (0.5 + sx * 0.14, 0.13)], (236, 226, 196))
        with p.region(0.5 + sx * 0.19 - 0.07, 0.15, 0.5 + sx * 0.19 + 0.07, 0.25, angle=sx * -15):
            p.ellipse(0.5, 0.5, 0.5, 0.4, hide)
            p.ellipse(0.5, 0.5, 0.3, 0.2, muzzle, outline=False)
    p.shape(ellipse_pts(0.5, 0.28, 0.13, 0.15), hide)
    p.shape(blob_pts(0.45, 0.2, 0.06, 0.05, rng, wobble=0.15), spot, outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.06, 0.25, 0.022, 0.027, (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.06 - 0.007, 0.24, 0.007, 0.007, (255, 255, 255), shade_mode="none", outline=False)
    p.ellipse(0.5, 0.38, 0.1, 0.065, muzzle)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.04, 0.37, 0.014, 0.018, shade(muzzle, 0.45), shade_mode="none", outline=False)
    if v.get("bell", True):
        p.line(bezier((0.4, 0.44), (0.5, 0.48), (0.6, 0.44)), (170, 50, 40), 0.014)
        p.ellipse(0.5, 0.5, 0.025, 0.028, c.gold)


@archetype("sheep", kind="creature", height=0.32, words="lamb ram ewe goat", colors="white",
           variants={"goat": {"goat": True}})
def draw_sheep(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    goat = bool(v.get("goat"))
    wool = c.main
    face = mix(wool, (60, 54, 58), 0.25) if goat else (58, 52, 56)
    _hooves(p, (0.34, 0.46, 0.56, 0.66), 0.74, face, (30, 26, 28), half=0.03)
    if goat:  # a goat: short coat, a beard and horns
        p.shape(ellipse_pts(0.5, 0.62, 0.24, 0.18), wool)
    else:
        for i in range(11):  # the fleece: overlapping puffs around an oval
            a = 2 * np.pi * i / 11
            p.ellipse(0.5 + 0.2 * np.cos(a), 0.62 + 0.14 * np.sin(a), 0.1, 0.09, wool)
        p.ellipse(0.5, 0.62, 0.22, 0.16, wool, outline=False)
    for sx in (-1, 1):
        with p.region(0.5 + sx * 0.17 - 0.07, 0.22, 0.5 + sx * 0.17 + 0.07, 0.32, angle=sx * -20):
            p.ellipse(0.5, 0.5, 0.5, 0.38, face)
        if goat:
            p.line(bezier((0.5 + sx * 0.05, 0.16), (0.5 + sx * 0.1, 0.04), (0.5 + sx * 0.16, 0.08)), (200, 186, 150), 0.022,
                   shade_mode=None, outline=True)
    p.shape(ellipse_pts(0.5, 0.3, 0.1, 0.14), face if not goat else wool)
    if not goat:
        for dx in (-0.05, 0.0, 0.05):
            p.ellipse(0.5 + dx, 0.17, 0.05, 0.045, wool)
    else:
        p.shape([(0.47, 0.42), (0.53, 0.42), (0.5, 0.52)], shade(wool, 0.75))
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.045, 0.28, 0.022, 0.018, (250, 248, 236), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.045, 0.28, 0.01, 0.014, (20, 18, 20), shade_mode="none", outline=False)
    if v.get("pose") == "sing":  # an open, singing mouth
        p.ellipse(0.5, 0.405, 0.03, 0.03, (90, 30, 36), shade_mode="none")
        p.ellipse(0.5, 0.42, 0.016, 0.01, (220, 110, 110), shade_mode="none", outline=False)
    else:
        p.line(bezier((0.47, 0.39), (0.5, 0.41), (0.53, 0.39)), (200, 150, 150) if not goat else (60, 40, 40), 0.007)


@archetype("tortoise", kind="creature", height=0.2, words="turtle terrapin", colors="green olive")
def draw_tortoise(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    shell = c.main
    skin = mix(shell, (200, 190, 120), 0.55)
    for x in (0.26, 0.42, 0.6, 0.74):
        p.rect(x - 0.05, 0.7, x + 0.05, 0.95, skin, r=0.03)
    p.line(bezier((0.12, 0.78), (0.04, 0.8), (0.02, 0.74)), skin, 0.035, shade_mode=None, outline=True)
    p.shape(ellipse_pts(0.82, 0.56, 0.13, 0.11), skin)
    p.ellipse(0.86, 0.53, 0.022, 0.026, (24, 20, 24), shade_mode="none", outline=False)
    p.ellipse(0.855, 0.52, 0.007, 0.007, (255, 255, 255), shade_mode="none", outline=False)
    p.line(bezier((0.85, 0.61), (0.9, 0.63), (0.94, 0.6)), (60, 40, 40), 0.006)
    p.shape(ellipse_pts(0.48, 0.78, 0.36, 0.42, start=180, end=360), shell, gloss=True)
    p.rect(0.1, 0.74, 0.86, 0.8, shade(shell, 0.75), r=0.02)
    line = shade(shell, 0.6)
    for cx, cy in ((0.48, 0.52), (0.3, 0.62), (0.66, 0.62)):
        hexagon = [(cx + 0.085 * np.cos(np.radians(a)), cy + 0.08 * np.sin(np.radians(a))) for a in range(0, 360, 60)]
        p.shape(hexagon, mix(shell, (255, 255, 255), 0.15), outline=False)
        p.line(hexagon + [hexagon[0]], line, 0.008)


@archetype("frog", kind="creature", height=0.2, words="toad", colors="green lime")
def draw_frog(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    skin = c.main
    belly = mix(skin, (250, 246, 200), 0.6)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.3, 0.86, 0.16, 0.1, skin)
        p.ellipse(0.5 + sx * 0.4, 0.95, 0.08, 0.03, shade(skin, 0.85))
    p.shape(ellipse_pts(0.5, 0.68, 0.32, 0.26), skin)
    p.shape(ellipse_pts(0.5, 0.76, 0.2, 0.16), belly, outline=False)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.16, 0.38, 0.1, 0.1, skin)
        p.ellipse(0.5 + sx * 0.16, 0.37, 0.065, 0.065, (252, 252, 246), shade_mode="none")
        p.ellipse(0.5 + sx * 0.16, 0.38, 0.03, 0.04, (24, 20, 24), shade_mode="none", outline=False)
        p.ellipse(0.5 + sx * 0.06, 0.54, 0.012, 0.01, shade(skin, 0.55), outline=False)
    p.line(bezier((0.32, 0.6), (0.5, 0.7), (0.68, 0.6), n=16), (70, 40, 40), 0.01)


@archetype("bird", kind="creature", height=0.18, grounded=False, words="crow raven parrot owl eagle sparrow chicken duck pigeon swallow seagull gull robin", colors="blue red yellow black")
def draw_bird(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    p.shape([(0.22, 0.55), (0.04, 0.46), (0.08, 0.62), (0.04, 0.7), (0.26, 0.64)], shade(body, 0.75))
    for x in (0.46, 0.56):
        p.line([(x, 0.72), (x, 0.86)], (230, 150, 40), 0.015)
        p.line([(x - 0.03, 0.87), (x + 0.03, 0.87)], (230, 150, 40), 0.015)
    p.ellipse(0.48, 0.56, 0.27, 0.2, body)
    p.ellipse(0.5, 0.62, 0.15, 0.1, mix(body, (255, 255, 255), 0.5), outline=False)
    p.ellipse(0.66, 0.38, 0.15, 0.14, body)
    p.shape([(0.79, 0.35), (0.95, 0.4), (0.79, 0.44)], (240, 170, 40))
    p.ellipse(0.7, 0.35, 0.03, 0.03, (255, 255, 255), shade_mode="none", outline=False)
    p.ellipse(0.71, 0.35, 0.016, 0.02, (20, 20, 20), shade_mode="none", outline=False)
    with p.region(0.22, 0.34, 0.62, 0.66, angle=-18):
        p.shape(ellipse_pts(0.5, 0.5, 0.45, 0.3, start=180, end=360) + [(0.95, 0.5), (0.7, 0.8), (0.3, 0.85)], shade(body, 0.8))


@archetype("fish", kind="creature", height=0.18, grounded=False, words="shark goldfish carp salmon dolphin", colors="orange blue teal yellow")
def draw_fish(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    body = c.main
    p.shape([(0.26, 0.5), (0.06, 0.3), (0.12, 0.5), (0.06, 0.7)], shade(body, 0.8))
    p.shape([(0.4, 0.36), (0.55, 0.2), (0.66, 0.36)], shade(body, 0.8))
    p.ellipse(0.52, 0.5, 0.32, 0.18, body, gloss=True)
    for x in (0.42, 0.52):
        p.line(bezier((x, 0.36), (x + 0.04, 0.5), (x, 0.64)), shade(body, 0.7), 0.02)
    p.ellipse(0.72, 0.46, 0.035, 0.035, (255, 255, 255), shade_mode="none", outline=False)
    p.ellipse(0.725, 0.46, 0.018, 0.022, (20, 20, 30), shade_mode="none", outline=False)
    p.line(bezier((0.8, 0.55), (0.77, 0.57), (0.74, 0.55)), (60, 30, 30), 0.008)


@archetype("ghost", kind="creature", height=0.4, grounded=False, words="spirit phantom spectre specter poltergeist", colors="white lavender mint")
def draw_ghost(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    col = mix(c.main, (250, 250, 255), 0.6)
    top = ellipse_pts(0.5, 0.38, 0.3, 0.3, start=180, end=360)
    wave = []
    for i in range(9):
        x = 0.8 - i * 0.6 / 8
        wave.append((x, 0.88 + (0.05 if i % 2 else -0.01)))
    p.shape(top + [(0.82, 0.6)] + wave + [(0.18, 0.6)], col, alpha=0.88)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.1, 0.38, 0.045, 0.065, (30, 30, 50), shade_mode="none", outline=False)
    p.ellipse(0.5, 0.52, 0.04, 0.05, (30, 30, 50), shade_mode="none", outline=False)
    for sx in (-1, 1):
        p.shape([(0.5 + sx * 0.28, 0.5), (0.5 + sx * 0.42, 0.44), (0.5 + sx * 0.3, 0.6)], col, alpha=0.88)


@archetype("skeleton", kind="creature", height=0.56, words="skull undead lich", colors="ivory")
def draw_skeleton(p: Painter, c: Colors, rng: np.random.Generator, v: dict[str, Any]) -> None:
    bone = (236, 232, 214)
    for sx in (-1, 1):
        p.line([(0.5 + sx * 0.05, 0.6), (0.5 + sx * 0.06, 0.92)], bone, 0.03, shade_mode=None, outline=True)
        p.ellipse(0.5 + sx * 0.07, 0.935, 0.04, 0.02, bone)
        p.line([(0.5 + sx * 0.1, 0.33), (0.5 + sx * 0.15, 0.47), (0.5 + sx * 0.16, 0.6)], bone, 0.025, shade_mode=None, outline=True)
    p.line([(0.5, 0.3), (0.5, 0.6)], bone, 0.03, shade_mode=None, outline=True)
    for i in range(4):
        y = 0.36 + i * 0.05
        p.line(bezier((0.4, y + 0.02), (0.5, y - 0.02), (0.6, y + 0.02)), bone, 0.02, shade_mode=None, outline=True)
    p.shape([(0.42, 0.58), (0.58, 0.58), (0.55, 0.66), (0.45, 0.66)], bone)
    p.ellipse(0.5, 0.18, 0.1, 0.1, bone)
    p.rect(0.45, 0.24, 0.55, 0.3, bone, r=0.01)
    for sx in (-1, 1):
        p.ellipse(0.5 + sx * 0.04, 0.18, 0.028, 0.032, (30, 26, 30), shade_mode="none", outline=False)
    p.shape([(0.49, 0.23), (0.51, 0.23), (0.5, 0.21)], (30, 26, 30), shade_mode="none", outline=False)
    for i in range(4):
        p.line([(0.465 + i * 0.023, 0.26), (0.465 + i * 0.023, 0.295)], (60, 56, 56), 0.005)
