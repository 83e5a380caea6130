"""Scene backgrounds: sky by time of day, sun/moon/stars, clouds, layered silhouettes with
atmospheric haze, ground per setting, and weather. Everything is seeded and deterministic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from studio.backends.image.procedural import settings as places
from studio.backends.image.procedural.colors import (
    COLOURS,
    SKIES,
    SKINS,
    Colors,
    apply_mood,
    colors_for,
    rotate_hue,
)
from studio.backends.image.procedural.library import ARCHETYPES
from studio.backends.image.procedural.painter import (
    RGB,
    Painter,
    blob_pts,
    ellipse_pts,
    mix,
    shade,
    star_pts,
)

#: where the horizon sits (fraction of the height) and the default time per setting
HORIZON = {"forest": 0.6, "city": 0.64, "village": 0.6, "desert": 0.62, "beach": 0.55, "mountains": 0.62, "field": 0.6,
           "snow": 0.6, "space": 0.8, "cave": 0.7, "interior": 0.7, "underwater": 0.8, "swamp": 0.62, "volcano": 0.64,
           "graveyard": 0.62, "sky": 1.2}
GROUND = {"forest": (70, 120, 56), "city": (96, 96, 104), "village": (104, 160, 72), "desert": (226, 190, 128),
          "beach": (236, 214, 160), "mountains": (96, 150, 80), "field": (108, 172, 72), "snow": (236, 242, 250),
          "space": (120, 118, 128), "cave": (70, 64, 64), "interior": (150, 100, 62), "underwater": (200, 186, 140),
          "swamp": (70, 84, 56), "volcano": (56, 44, 44), "graveyard": (70, 96, 60), "sky": (200, 220, 240)}


@dataclass
class SceneSpec:
    setting: str
    time: str
    weather: list[str]
    moods: list[str]
    targets: dict[str, str] = field(default_factory=dict)
    flat: bool = False
    detail: float = 1.0  # 0..1, fewer small details at pixel scale
    sky_moon: bool = True  # False when the moon is a subject of the picture (drawn once, not twice)


def _lin(a: RGB, b: RGB, t: np.ndarray) -> np.ndarray:
    a_ = np.array(a, dtype=np.float32)
    b_ = np.array(b, dtype=np.float32)
    return a_ + (b_ - a_) * t[..., None]


def sky_gradient(w: int, h: int, stops: tuple[RGB, RGB, RGB], horizon: float, flat: bool) -> np.ndarray:
    """(h, w, 3) float32 vertical gradient, top -> middle -> horizon colour."""
    y = np.linspace(0, 1, h, dtype=np.float32) / max(0.05, horizon)
    t = np.clip(y, 0, 1)
    if flat:
        t = np.floor(t * 6) / 6
    upper = _lin(stops[0], stops[1], np.clip(t / 0.55, 0, 1))
    lower = _lin(stops[1], stops[2], np.clip((t - 0.55) / 0.45, 0, 1))
    col = np.where((t < 0.55)[..., None], upper, lower)
    return np.repeat(col[:, None, :], w, axis=1)


def horizon_of(setting: str) -> float:
    """Where the horizon of a setting sits (fraction of the height)."""
    return places.HORIZON.get(setting, HORIZON.get(places.BASE.get(setting, setting), 0.6))


def sky_stops(spec: SceneSpec) -> tuple[RGB, RGB, RGB]:
    top, mid, hor = SKIES.get(spec.time, SKIES["day"])
    base = places.BASE.get(spec.setting, spec.setting)
    own = places.tint_sky(spec.setting)
    if own is not None and spec.time in ("day", "dawn", "sunset"):
        top, mid, hor = own
    elif own is not None:
        top, mid, hor = mix(top, own[0], 0.35), mix(mid, own[1], 0.35), mix(hor, own[2], 0.35)
    if base == "space":
        top, mid, hor = (4, 4, 14), (14, 10, 34), (34, 18, 60)
    elif base == "volcano":
        top, mid, hor = (30, 14, 16), (110, 36, 24), (220, 110, 50)
    elif base == "swamp":
        top, mid, hor = mix(top, (60, 70, 60), 0.45), mix(mid, (110, 120, 90), 0.45), mix(hor, (160, 170, 130), 0.45)
    elif base == "desert" and spec.time == "day" and own is None:
        top, mid, hor = (70, 140, 220), (150, 196, 236), (246, 226, 190)
    if "rain" in spec.weather or "storm" in spec.weather or "clouds" in spec.weather:
        grey = (96, 100, 112) if spec.time != "night" else (20, 22, 30)
        top, mid, hor = mix(top, grey, 0.6), mix(mid, grey, 0.55), mix(hor, shade(grey, 1.3), 0.45)
    if "sky" in spec.targets:
        c = COLOURS[spec.targets["sky"]]
        top, mid, hor = shade(c, 0.55), c, shade(c, 1.45)
    if "neon" in spec.moods and spec.time in ("night", "dusk"):
        mid, hor = mix(mid, (120, 30, 120), 0.5), mix(hor, (230, 60, 160), 0.5)
    return apply_mood(top, spec.moods), apply_mood(mid, spec.moods), apply_mood(hor, spec.moods)


def _ridge(p: Painter, rng: np.random.Generator, base: float, amp: float, colour: RGB, freq: float = 3.0,
           jagged: float = 0.0, n: int = 120) -> list[tuple[float, float]]:
    phases = rng.uniform(0, 2 * math.pi, 4)
    pts = []
    for i in range(n + 1):
        x = i / n
        y = (math.sin(x * freq * 2 * math.pi + phases[0]) * 0.5 + math.sin(x * freq * 4.3 * math.pi + phases[1]) * 0.3
             + math.sin(x * freq * 9.1 * math.pi + phases[2]) * 0.2 * (1 + jagged))
        if jagged:
            y += jagged * (abs(((x * freq * 3 + phases[3]) % 1.0) - 0.5) * 2 - 0.5)
        pts.append((x, base - amp * (0.5 + 0.5 * y)))
    p.shape([(-0.01, 1.01)] + pts + [(1.01, 1.01)], colour, shade_mode="none", outline=False)
    return pts


def _clouds(p: Painter, rng: np.random.Generator, spec: SceneSpec, horizon: float, aspect: float, count: int) -> None:
    lit = {"day": (250, 252, 255), "dawn": (255, 226, 220), "sunset": (255, 196, 170), "dusk": (150, 120, 160), "night": (60, 66, 96)}[spec.time]
    if "rain" in spec.weather or "storm" in spec.weather:
        lit = mix(lit, (110, 112, 124), 0.6)
    dark = shade(lit, 0.82)
    for _ in range(count):
        cx, cy = rng.uniform(-0.05, 1.05), rng.uniform(0.06, horizon * 0.55)
        wdt = rng.uniform(0.12, 0.26)
        puffs = int(rng.integers(3, 6))
        for j in range(puffs):
            px = cx + (j - puffs / 2) * wdt / puffs * 1.2
            r = wdt * rng.uniform(0.25, 0.42)
            p.shape(ellipse_pts(px, cy + r * 0.25, r, r * aspect * 0.7), dark, shade_mode="none", outline=False, alpha=0.95)
        for j in range(puffs):
            px = cx + (j - puffs / 2) * wdt / puffs * 1.2
            r = wdt * rng.uniform(0.22, 0.36)
            p.shape(ellipse_pts(px, cy - r * 0.2, r, r * aspect * 0.7), lit, shade_mode="none", outline=False, alpha=0.95)


def _celestial(p: Painter, rng: np.random.Generator, spec: SceneSpec, horizon: float, aspect: float) -> None:
    t = spec.time
    base = places.BASE.get(spec.setting, spec.setting)
    if base in ("cave", "interior", "underwater"):
        return
    if t in ("night", "dusk") or base == "space":
        n = 260 if t == "night" or base == "space" else 70
        for _ in range(int(n * max(0.3, spec.detail))):
            x, y = rng.uniform(0, 1), rng.uniform(0, horizon) ** 1.4 / max(0.05, horizon) ** 0.4
            r = rng.uniform(0.0008, 0.0026)
            b = rng.uniform(0.5, 1.0)
            p.shape(ellipse_pts(x, y, r, r * aspect, n=8), (255, 255, 240), shade_mode="none", outline=False, alpha=b)
        for _ in range(6):
            x, y = rng.uniform(0.05, 0.95), rng.uniform(0.03, horizon * 0.6)
            p.shape(star_pts(x, y, 0.008, 0.0016, points=4, rot=0), (255, 255, 230), shade_mode="none", outline=False, alpha=0.9)
    if base == "space":
        return
    if t == "night" and spec.sky_moon:
        mx, my, r = rng.uniform(0.65, 0.85), horizon * 0.25, 0.055
        p.glow(mx, my, r * 3.2, (190, 210, 255), 0.35)
        p.shape(ellipse_pts(mx, my, r, r * aspect), (244, 240, 222), shade_mode="none", outline=False)
        for dx, dy, cr in ((-0.015, -0.01, 0.014), (0.02, 0.015, 0.01), (-0.005, 0.025, 0.008)):
            p.shape(ellipse_pts(mx + dx, my + dy * aspect, cr, cr * aspect), (214, 210, 196), shade_mode="none", outline=False)
    elif t in ("day", "dawn", "sunset"):
        if "rain" in spec.weather or "storm" in spec.weather:
            return
        if t == "day":
            sx, sy, r, col = rng.uniform(0.7, 0.86), horizon * 0.22, 0.045, (255, 248, 210)
        elif t == "dawn":
            sx, sy, r, col = rng.uniform(0.15, 0.3), horizon * 0.8, 0.06, (255, 230, 170)
        else:
            sx, sy, r, col = rng.uniform(0.55, 0.75), horizon * 0.86, 0.08, (255, 200, 110)
        p.glow(sx, sy, r * 5, col, 0.45)
        p.shape(ellipse_pts(sx, sy, r, r * aspect), col, shade_mode="none", outline=False)


#: how far trees lean in the wind (degrees, clockwise: the wind blows from the left)
WIND_LEAN = 9.0


def _trees_row(p: Painter, rng: np.random.Generator, y: float, h: float, aspect: float, count: int, kinds: list[str],
               colors: Colors, variant: dict[str, Any] | None = None, xs: list[float] | None = None, lean: float = 0.0) -> None:
    xs = xs if xs is not None else sorted(rng.uniform(-0.05, 1.05, count).tolist())
    for x in xs:
        kind = kinds[int(rng.integers(len(kinds)))]
        hh = h * rng.uniform(0.75, 1.15)
        ww = hh / aspect
        # leaning about the centre moves the foot back: shift it so the trunk stays planted
        dx = math.sin(math.radians(lean)) * hh * 0.5 / aspect
        with p.region(x - ww / 2 + dx, y - hh, x + ww / 2 + dx, y + hh * 0.03, angle=lean):
            ARCHETYPES[kind].draw(p, colors, rng, dict(variant or {}))


def _wind_grass(p: Painter, rng: np.random.Generator, horizon: float, colour: RGB, count: int) -> None:
    """Tufts of grass bent over by the wind (to the right)."""
    for _ in range(count):
        x, y = float(rng.uniform(-0.02, 1.02)), float(rng.uniform(horizon + 0.04, 1.0))
        ln = 0.02 + 0.06 * (y - horizon)
        for k in range(3):
            bx = x + k * 0.004
            p.line([(bx, y), (bx + ln * 0.35, y - ln * 0.7), (bx + ln * 0.9, y - ln * 0.85)], colour, 0.0025 + 0.003 * (y - horizon))


def _haze(layer: Image.Image, colour: RGB, amount: float) -> Image.Image:
    if amount <= 0:
        return layer
    arr = np.asarray(layer).astype(np.float32)
    arr[..., :3] = arr[..., :3] * (1 - amount) + np.array(colour, dtype=np.float32) * amount
    return Image.fromarray(arr.astype(np.uint8))


def _ground(canvas: np.ndarray, horizon: float, colour: RGB, flat: bool) -> None:
    h = canvas.shape[0]
    y0 = int(h * horizon)
    if y0 >= h:
        return
    t = np.linspace(0, 1, h - y0, dtype=np.float32)
    if flat:
        t = (np.floor(t * 4) / 4).astype(np.float32)
    far = np.array(shade(colour, 1.12), dtype=np.float32)
    near = np.array(shade(colour, 0.78), dtype=np.float32)
    canvas[y0:] = (far + (near - far) * t[:, None])[:, None, :]


def render_background(size: tuple[int, int], spec: SceneSpec, rng: np.random.Generator, look_mode: str,
                      line: float, palette_rng: np.random.Generator | None = None) -> tuple[Image.Image, float, RGB]:
    """The scene behind the subjects. Returns (RGB image, ground line for subjects (fraction of
    height), the haze colour). `palette_rng`, when given, makes the colour choices (a planet's,
    the houses') so a comic can keep them the same in every panel."""
    w, h = size
    aspect = w / h
    key = spec.setting
    setting = places.BASE.get(key, key)  # the base scene; `key`'s own features come last
    prng = palette_rng if palette_rng is not None else rng
    horizon = horizon_of(key)
    stops = sky_stops(spec)
    canvas = sky_gradient(w, h, stops, min(horizon, 1.0), spec.flat)
    ground_col = places.ground_of(key) or GROUND.get(setting, (108, 172, 72))
    if "ground" in spec.targets:
        ground_col = mix(ground_col, COLOURS[spec.targets["ground"]], 0.7)
    ground_col = apply_mood(ground_col, spec.moods)
    night = spec.time in ("night", "dusk")
    if spec.time == "night":
        ground_col = mix(shade(ground_col, 0.42), (20, 30, 70), 0.3)
    elif spec.time == "dusk":
        ground_col = mix(shade(ground_col, 0.6), (60, 40, 90), 0.25)
    elif spec.time == "sunset":
        ground_col = mix(ground_col, (160, 80, 60), 0.25)
    haze = stops[2]

    if setting in ("cave", "interior", "underwater"):
        canvas[:] = 0  # replaced by the interior painter below
    else:
        _ground(canvas, horizon, ground_col, spec.flat)
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8)).convert("RGBA")

    def layer(mode: str = "none", ln: float = 0.0) -> Painter:
        return Painter((w, h), mode=mode, line=ln)

    base_colors = colors_for((72, 160, 70), rng, spec.moods)
    if "ground" in spec.targets:
        base_colors.leaf = COLOURS[spec.targets["ground"]]
    if "warm" in spec.moods:
        base_colors.leaf = (214, 120, 40)
    if night:
        base_colors.leaf = shade(base_colors.leaf, 0.55)
        base_colors.wood = shade(base_colors.wood, 0.55)
        base_colors.stone = shade(base_colors.stone, 0.55)
    variant_night = {"night": spec.time in ("night", "dusk")}

    sky = layer()
    if setting not in ("cave", "interior", "underwater"):
        _celestial(sky, rng, spec, min(horizon, 1.0), aspect)
        n_clouds = {"clouds": 9, "rain": 10, "storm": 12}.get(next((x for x in spec.weather if x in ("clouds", "rain", "storm")), ""), 4)
        if setting != "space" and key != "mars" and "clear" not in spec.weather:
            _clouds(sky, rng, spec, min(horizon, 1.0), aspect, n_clouds if spec.time != "night" else n_clouds // 2)
    img.alpha_composite(sky.img)

    lean = WIND_LEAN if "wind" in spec.weather else 0.0
    far = layer()
    mid = layer("cel" if look_mode != "none" else "none", line * 0.6)
    near = layer("cel" if look_mode != "none" else "none", line)
    if setting in ("forest", "field", "village", "mountains", "snow", "graveyard", "swamp"):
        hills = mix(ground_col, haze, 0.55) if setting != "mountains" else mix((110, 120, 140), haze, 0.35)
        if setting in ("mountains", "snow"):
            pts = _ridge(far, rng, horizon - 0.02, 0.32, hills, freq=1.4, jagged=0.9)
            snowcap = mix((250, 250, 255), haze, 0.25)
            for i in range(1, len(pts) - 1):
                if pts[i][1] < pts[i - 1][1] and pts[i][1] < pts[i + 1][1] and pts[i][1] < horizon - 0.2:
                    x, y = pts[i]
                    far.shape([(x, y), (x + 0.035, y + 0.06), (x + 0.012, y + 0.05), (x - 0.01, y + 0.065), (x - 0.035, y + 0.06)], snowcap, shade_mode="none", outline=False)
            _ridge(far, rng, horizon + 0.01, 0.1, mix(ground_col, haze, 0.4), freq=2.0)
        else:
            _ridge(far, rng, horizon + 0.005, 0.12 if setting != "field" else 0.08, hills, freq=1.2)
    if setting == "desert":
        _ridge(far, rng, horizon, 0.12, mix((200, 120, 80), haze, 0.5), freq=0.8, jagged=0.2)
        _ridge(far, rng, horizon + 0.05, 0.06, mix(ground_col, haze, 0.25), freq=1.1)
    if setting == "volcano":
        cone = [(0.2, horizon + 0.02), (0.42, horizon - 0.34), (0.5, horizon - 0.33), (0.58, horizon - 0.35), (0.82, horizon + 0.02)]
        far.shape(cone, (60, 40, 40), shade_mode="none", outline=False)
        far.glow(0.5, horizon - 0.36, 0.2, (255, 120, 40), 0.8)
        for dx in (-0.04, 0.02, 0.06):
            far.line([(0.5 + dx, horizon - 0.33), (0.5 + dx * 2.5, horizon - 0.15), (0.5 + dx * 3.2, horizon)], (255, 120, 40), 0.008)
    sea_top = (40, 110, 170) if "water" not in spec.targets else COLOURS[spec.targets["water"]]
    sea_top = apply_mood(shade(sea_top, 0.55) if night else sea_top, spec.moods)
    if setting == "beach" and key not in ("sea", "ship", "harbour"):
        far.shape([(-0.01, horizon), (1.01, horizon), (1.01, 0.8), (-0.01, 0.8)], mix(sea_top, haze, 0.3), shade_mode="none", outline=False)
        far.shape([(-0.01, 0.66), (1.01, 0.66), (1.01, 0.8), (-0.01, 0.8)], sea_top, shade_mode="none", outline=False, alpha=0.6)
        for _ in range(int(24 * spec.detail) + 4):
            y = rng.uniform(horizon + 0.01, 0.78)
            x = rng.uniform(0, 1)
            far.line([(x, y), (x + rng.uniform(0.02, 0.06), y)], shade(sea_top, 1.4), 0.003, alpha=0.7)
        shore = [(-0.01, 0.78)] + [(i / 40, 0.77 + 0.012 * math.sin(i * 0.9 + rng.uniform(0, 0.4))) for i in range(41)] + [(1.01, 0.78), (1.01, 1.01), (-0.01, 1.01)]
        far.shape(shore, (246, 246, 240), shade_mode="none", outline=False, alpha=0.8)
        far.shape([(x, y + 0.012) for x, y in shore[:-3]] + [(1.01, 1.01), (-0.01, 1.01)], ground_col, shade_mode="none", outline=False)
    if setting == "city":
        skyline_far = mix((70, 76, 96), haze, 0.5)
        x = -0.02
        while x < 1.02:
            bw = rng.uniform(0.04, 0.09)
            bh = rng.uniform(0.12, 0.34)
            far.shape([(x, horizon), (x, horizon - bh), (x + bw, horizon - bh), (x + bw, horizon)], skyline_far, shade_mode="none", outline=False)
            x += bw + rng.uniform(0.0, 0.01)
        x = -0.03
        bcol = (58, 62, 80) if not night else (28, 30, 46)
        while x < 1.03:
            bw = rng.uniform(0.07, 0.14)
            bh = rng.uniform(0.1, 0.26)
            col = shade(bcol, rng.uniform(0.85, 1.2))
            mid.shape([(x, horizon + 0.01), (x, horizon - bh), (x + bw, horizon - bh), (x + bw, horizon + 0.01)], col, shade_mode="none", outline=True)
            wx = bw / 5
            for cx in np.arange(x + wx * 0.6, x + bw - wx * 0.4, wx * 1.3):
                for cy in np.arange(horizon - bh + 0.02, horizon - 0.02, 0.035 * aspect ** 0.3):
                    if spec.detail < 0.5 and rng.random() < 0.5:
                        continue
                    on = rng.random() < (0.5 if night else 0.0)
                    wcol = (255, 214, 120) if on else mix(col, haze, 0.25 if not night else 0.05)
                    mid.shape([(cx, cy), (cx + wx * 0.7, cy), (cx + wx * 0.7, cy + 0.018), (cx, cy + 0.018)], wcol, shade_mode="none", outline=False)
            x += bw + rng.uniform(0.005, 0.02)
        near.shape([(-0.01, horizon + 0.02), (1.01, horizon + 0.02), (1.01, horizon + 0.05), (-0.01, horizon + 0.05)], shade(ground_col, 1.3), shade_mode="none", outline=False)
        for i in range(7 if key == "city" else 0):
            x0 = i / 6 - 0.04
            near.shape([(x0, 0.86), (x0 + 0.07, 0.86), (x0 + 0.075, 0.875), (x0 - 0.005, 0.875)], (230, 210, 120) if not night else (150, 140, 90), shade_mode="none", outline=False)
        if night or "neon" in spec.moods:
            _trees_row(near, rng, horizon + 0.05, 0.34, aspect, 0, ["lamppost"], base_colors, {"night": True}, xs=[0.08, 0.92])
    if setting in ("forest", "swamp"):
        dark_leaf = mix(shade(base_colors.leaf, 0.7), haze, 0.35)
        _ridge(far, rng, horizon, 0.14, dark_leaf, freq=9.0)
        kinds = ["pine", "tree"] if setting == "forest" else ["tree"]
        var = {"dead": True} if setting == "swamp" or "dark" in spec.moods else {}
        _trees_row(mid, rng, horizon + 0.02, 0.3, aspect, int(10 * max(0.5, spec.detail)), kinds, base_colors, var, lean=lean)
        _trees_row(near, rng, 1.02, 0.95, aspect, 0, ["pine" if setting == "forest" else "tree"], base_colors, var, xs=[-0.06, 1.06], lean=lean * 0.5)
    if setting == "mountains":
        _trees_row(mid, rng, horizon + 0.02, 0.14, aspect, int(14 * max(0.5, spec.detail)), ["pine"], base_colors, lean=lean)
    if setting == "snow":
        _trees_row(mid, rng, horizon + 0.02, 0.22, aspect, int(8 * max(0.5, spec.detail)), ["pine"], base_colors, {"snow": True}, lean=lean)
    if setting == "field":
        n_trees = int(rng.integers(0, 4))
        xs = sorted(rng.choice([0.06, 0.16, 0.28, 0.72, 0.84, 0.94], size=n_trees, replace=False).tolist()) if n_trees else []
        _trees_row(mid, rng, horizon + 0.03, 0.24, aspect, 0, ["tree", "tree", "pine"], base_colors, xs=xs, lean=lean)
        if rng.random() < 0.45:
            fy = horizon + rng.uniform(0.06, 0.12)
            for i in range(9):
                x = i / 8
                mid.line([(x - 0.06, fy), (x + 0.06, fy)], base_colors.wood, 0.006)
                mid.line([(x, fy - 0.03), (x, fy + 0.03)], base_colors.wood, 0.008)
        else:
            _ridge(mid, rng, horizon + 0.09, 0.05, shade(ground_col, 1.08), freq=0.9)
        petals = [COLOURS[k] for k in ("yellow", "white", "pink", "red")]
        for _ in range(int(40 * spec.detail)):
            x, y = rng.uniform(0, 1), rng.uniform(horizon + 0.05, 1.0)
            r = 0.003 + 0.006 * (y - horizon)
            col = petals[int(rng.integers(len(petals)))] if not night else shade(petals[0], 0.5)
            near.shape(ellipse_pts(x, y, r, r * aspect), col, shade_mode="none", outline=False)
    if setting == "village":
        xs = sorted(rng.uniform(0.05, 0.95, 4).tolist())
        vcols = colors_for((190, 70, 50), rng, spec.moods)
        if night:
            vcols.stone = shade(vcols.stone, 0.6)
        _trees_row(mid, rng, horizon + 0.03, 0.22, aspect, 0, ["house"], vcols, variant_night, xs=xs)
        _trees_row(mid, rng, horizon + 0.04, 0.2, aspect, 3, ["tree"], base_colors, lean=lean)
    if setting == "desert" and key == "desert":
        _trees_row(mid, rng, horizon + 0.08, 0.16, aspect, 3, ["cactus"], base_colors)
    if setting == "graveyard":
        _trees_row(mid, rng, horizon + 0.03, 0.32, aspect, 2, ["tree"], base_colors, {"dead": True})
        stone = colors_for((140, 140, 140), rng, spec.moods)
        stone.stone = shade(stone.stone, 0.55 if night else 0.9)
        _trees_row(mid, rng, horizon + 0.1, 0.1, aspect, 6, ["tombstone"], stone)
        for i in range(21):
            x = i / 20
            mid.line([(x, horizon + 0.02), (x, horizon - 0.04)], (30, 30, 36), 0.004)
        mid.line([(0, horizon - 0.03), (1, horizon - 0.03)], (30, 30, 36), 0.004)
    if setting == "space":
        for _ in range(3):
            cx, cy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.55)
            neb = COLOURS[prng.choice(["purple", "magenta", "teal", "blue"])] if "sky" not in spec.targets else COLOURS[spec.targets["sky"]]
            far.glow(cx, cy, rng.uniform(0.25, 0.45), neb, 0.35 if key != "moon" else 0.12)
        if key != "moon":
            pc = colors_for(COLOURS[prng.choice(["orange", "teal", "purple", "coral"])], prng, spec.moods)
            with far.region(0.62, 0.08, 0.62 + 0.26 / aspect, 0.34):
                ARCHETYPES["planet"].draw(far, pc, prng, {})
        _ridge(near, rng, horizon + 0.02, 0.05, shade(ground_col, 0.9) if key == "moon" else (120, 118, 128), freq=0.7)
        for _ in range(7):
            x, y, r = rng.uniform(0, 1), rng.uniform(horizon + 0.06, 0.98), rng.uniform(0.015, 0.05)
            near.shape(ellipse_pts(x, y, r, r * aspect * 0.35), (96, 94, 104), shade_mode="none", outline=False)
    if setting == "cave":
        wall = apply_mood((70, 62, 64), spec.moods)
        bg = sky_gradient(w, h, (shade(wall, 0.4), shade(wall, 0.7), shade(wall, 0.9)), horizon, spec.flat)
        img.alpha_composite(Image.fromarray(np.dstack([bg.astype(np.uint8), np.full((h, w), 255, np.uint8)])))
        far.shape(ellipse_pts(0.5, horizon, 0.16, 0.3, start=180, end=360), (26, 22, 26), shade_mode="none", outline=False)
        far.glow(0.5, horizon - 0.1, 0.2, (120, 150, 200), 0.25)
        for _ in range(int(14 * max(0.5, spec.detail)) if key == "cave" else 0):
            x = rng.uniform(0, 1)
            ln = rng.uniform(0.05, 0.2)
            mid.shape([(x - 0.025, -0.01), (x + 0.025, -0.01), (x, ln)], shade(wall, rng.uniform(0.6, 0.9)))
        near.shape([(-0.01, horizon), (1.01, horizon), (1.01, 1.01), (-0.01, 1.01)], shade(wall, 0.8), shade_mode="none", outline=False)
        for x in (0.14, 0.86) if key == "cave" else ():
            with near.region(x - 0.04 / aspect, horizon - 0.34, x + 0.04 / aspect, horizon - 0.18):
                ARCHETYPES["torch"].draw(near, base_colors, rng, {})
            near.glow(x, horizon - 0.3, 0.3, (255, 160, 60), 0.3)
        haze = (40, 34, 36)
    if setting == "interior":
        wall = COLOURS[spec.targets["ground"]] if "ground" in spec.targets else (places.wall_of(key) or rotate_hue((206, 180, 140), prng.uniform(-20, 20)))
        wall = apply_mood(wall, spec.moods)
        if night:
            wall = shade(wall, 0.6)
        far.shape([(-0.01, -0.01), (1.01, -0.01), (1.01, horizon), (-0.01, horizon)], wall, shade_mode="none", outline=False)
        far.shape([(-0.01, horizon - 0.16), (1.01, horizon - 0.16), (1.01, horizon), (-0.01, horizon)], shade(wall, 0.8), shade_mode="none", outline=False)
        floor = apply_mood(shade(places.floor_of(key) or (150, 100, 62), 0.7 if night else 1.0), spec.moods)
        far.shape([(-0.01, horizon), (1.01, horizon), (1.01, 1.01), (-0.01, 1.01)], floor, shade_mode="none", outline=False)
        for i in range(9):
            far.line([(i / 8, horizon), ((i / 8 - 0.5) * 1.8 + 0.5, 1.01)], shade(floor, 0.75), 0.004)
        wx = rng.choice([0.2, 0.7])
        win_sky = SKIES.get(spec.time, SKIES["day"])
        if key not in ("classroom", "school", "library", "attic", "dance"):  # their walls are full
            mid.shape([(wx, 0.14), (wx + 0.16, 0.14), (wx + 0.16, 0.44), (wx, 0.44)], win_sky[1], shade_mode="none", outline=True)
            mid.line([(wx + 0.08, 0.14), (wx + 0.08, 0.44)], (90, 70, 50), 0.008)
            mid.line([(wx, 0.29), (wx + 0.16, 0.29)], (90, 70, 50), 0.008)
            for sx in (wx - 0.03, wx + 0.16):
                mid.shape([(sx, 0.12), (sx + 0.035, 0.12), (sx + 0.04, 0.5), (sx - 0.005, 0.5)], (170, 50, 50))
            px = 0.75 if wx < 0.5 else 0.25
            mid.shape([(px - 0.06, 0.2), (px + 0.06, 0.2), (px + 0.06, 0.34), (px - 0.06, 0.34)], (120, 80, 40))
            mid.shape([(px - 0.05, 0.215), (px + 0.05, 0.215), (px + 0.05, 0.325), (px - 0.05, 0.325)], mix(base_colors.leaf, (120, 170, 220), 0.5), shade_mode="none", outline=False)
        if night:
            mid.glow(0.5, 0.08, 0.25, (255, 220, 150), 0.45)
        haze = wall
    if setting == "underwater":
        water = (20, 110, 150) if "water" not in spec.targets else COLOURS[spec.targets["water"]]
        bg = sky_gradient(w, h, (shade(water, 1.35), water, shade(water, 0.5)), 1.0, spec.flat)
        img.alpha_composite(Image.fromarray(np.dstack([bg.astype(np.uint8), np.full((h, w), 255, np.uint8)])))
        for _ in range(5):
            x = rng.uniform(0, 1)
            far.shape([(x - 0.02, -0.01), (x + 0.03, -0.01), (x + 0.2, 1.0), (x + 0.08, 1.0)], (220, 250, 255), shade_mode="none", outline=False, alpha=0.12)
        _ridge(near, rng, horizon + 0.04, 0.06, (200, 186, 140), freq=0.9)
        for _ in range(int(8 * max(0.5, spec.detail))):
            x = rng.uniform(0, 1)
            ht = rng.uniform(0.12, 0.3)
            pts = [(x + 0.012 * math.sin(i * 0.9), horizon + 0.06 - ht * i / 10) for i in range(11)]
            mid.line(pts, (40, 140, 80), 0.012)
        for _ in range(20):
            x, y, r = rng.uniform(0, 1), rng.uniform(0, horizon), rng.uniform(0.004, 0.012)
            near.shape(ellipse_pts(x, y, r, r * aspect), (220, 245, 255), shade_mode="none", outline=False, alpha=0.45)
        haze = water
    if setting == "sky":
        _clouds(far, rng, spec, 0.95, aspect, 6)
    if lean and setting not in ("cave", "interior", "underwater", "space", "sky", "city"):
        _wind_grass(near, rng, min(horizon, 1.0), shade(ground_col, 0.8), int(60 * max(0.4, spec.detail)))
    places.paint_features(key, (far, mid, near), rng, prng, horizon=horizon, aspect=aspect, night=night,
                          weather=spec.weather, detail=spec.detail, water=sea_top, colors=base_colors)

    img.alpha_composite(_haze(far.img, haze, 0.0))
    img.alpha_composite(_haze(mid.img, haze, 0.18 if setting not in ("interior", "cave") else 0.0))
    near_img = near.img
    img.alpha_composite(near_img)
    ground_line = {"beach": 0.93, "city": 0.95, "sky": 0.75, "space": 0.94, "underwater": 0.93}.get(setting, 0.95)
    if key in ("ship", "harbour", "rooftop"):
        ground_line = 0.95
    _ = SKINS
    return img.convert("RGB"), ground_line, haze


def weather_overlay(img: Image.Image, spec: SceneSpec, rng: np.random.Generator) -> Image.Image:
    """Rain, storm, snow, fog and wind over a finished scene."""
    if not spec.weather:
        return img
    w, h = img.size
    aspect = w / h
    over = Painter((w, h), mode="none", line=0)
    out = img.convert("RGBA")
    if "fog" in spec.weather or ("dark" in spec.moods and spec.setting in ("swamp", "graveyard")):
        horizon = min(horizon_of(spec.setting), 1.0)
        ys = np.linspace(0, 1, h, dtype=np.float32)
        a = np.clip(1 - np.abs(ys - horizon) / 0.35, 0, 1) ** 1.2 * 0.6
        fog = np.zeros((h, w, 4), np.uint8)
        fog[..., :3] = np.array(mix(sky_stops(spec)[2], (220, 224, 230), 0.5), np.uint8)
        fog[..., 3] = (a[:, None] * 255).astype(np.uint8)
        out.alpha_composite(Image.fromarray(fog))
    if "rain" in spec.weather or "storm" in spec.weather:
        dark = Image.new("RGBA", (w, h), (20, 24, 40, 50))
        out.alpha_composite(dark)
        for _ in range(int(260 * (w * h) / (512 * 512)) + 40):
            x, y = float(rng.uniform(-0.1, 1.05)), float(rng.uniform(-0.05, 1.0))
            ln = float(rng.uniform(0.03, 0.07))
            over.line([(x, y), (x - ln * 0.25 / aspect, y + ln)], (200, 210, 230), 0.0025, alpha=0.55)
    if "storm" in spec.weather:
        x, y = float(rng.uniform(0.2, 0.8)), 0.0
        pts = [(x, y)]
        while y < 0.5:
            x += float(rng.uniform(-0.05, 0.05))
            y += float(rng.uniform(0.04, 0.09))
            pts.append((x, y))
        over.glow(pts[len(pts) // 2][0], pts[len(pts) // 2][1], 0.3, (200, 210, 255), 0.35)
        over.line(pts, (250, 250, 255), 0.006)
    if "wind" in spec.weather and places.BASE.get(spec.setting, spec.setting) not in ("interior", "cave", "underwater"):
        # gusts: long curling streaks and leaves blown from left to right
        for _ in range(7):
            x0, y0 = float(rng.uniform(-0.2, 0.7)), float(rng.uniform(0.08, 0.8))
            ln, amp = float(rng.uniform(0.25, 0.45)), float(rng.uniform(0.01, 0.025))
            pts = [(x0 + ln * t, y0 + amp * math.sin(t * 2 * math.pi * 1.2) * aspect) for t in np.linspace(0, 1, 28)]
            # a curl at the end of some gusts
            if rng.random() < 0.5:
                cx, cy, r = pts[-1][0], pts[-1][1] - 0.025 * aspect, 0.025
                pts += [(cx + r * math.sin(a), cy + r * math.cos(a) * aspect) for a in np.linspace(0, 1.6 * math.pi, 14)]
            over.line(pts, (250, 252, 255), 0.0035, alpha=0.75)
        leaf_cols = [(120, 170, 60), (214, 150, 50), (190, 90, 40)]
        for k in range(14):
            x, y = float(rng.uniform(0, 1)), float(rng.uniform(0.1, 0.85))
            r = float(rng.uniform(0.006, 0.011))
            a0 = float(rng.uniform(0, math.pi))
            pts = [(x + r * 1.6 * math.cos(a) * math.cos(a0) - r * 0.7 * math.sin(a) * math.sin(a0),
                    y + (r * 1.6 * math.cos(a) * math.sin(a0) + r * 0.7 * math.sin(a) * math.cos(a0)) * aspect) for a in np.linspace(0, 2 * math.pi, 12)]
            over.shape(pts, leaf_cols[k % 3], shade_mode="none", outline=False, alpha=0.95)
    if "snow" in spec.weather or spec.setting == "snow":
        for _ in range(int(110 * (w * h) / (512 * 512)) + 20):
            x, y, r = float(rng.uniform(0, 1)), float(rng.uniform(0, 1)), float(rng.uniform(0.0018, 0.0045))
            over.shape(ellipse_pts(x, y, r, r * aspect, n=10), (255, 255, 255), shade_mode="none", outline=False, alpha=rng.uniform(0.6, 1.0))
    out.alpha_composite(over.img)
    _ = blob_pts
    return out.convert("RGB")
