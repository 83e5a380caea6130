"""Composing a picture from a parsed prompt: scene or backdrop, subjects, style, transparency."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from studio.backends.image.procedural import settings as places
from studio.backends.image.procedural.colors import (
    COLOURS,
    LIGHTING,
    Colors,
    colors_for,
    jitter,
    rotate_hue,
)
from studio.backends.image.procedural.library import ARCHETYPES, ensure_loaded
from studio.backends.image.procedural.painter import RGB, Painter, mix, shade
from studio.backends.image.procedural.prompt import PromptInfo, Subject, parse_prompt
from studio.backends.image.procedural.scene import (
    SceneSpec,
    horizon_of,
    render_background,
    weather_overlay,
)
from studio.comic.fonts import load_font
from studio.engine.errors import InputError

STYLES = ("flat", "outlined", "pixel")
INK: RGB = (26, 22, 32)


@dataclass(frozen=True)
class Look:
    mode: str  # painter shading for subjects
    part_line: float  # part outline width (fraction of the subject box)
    outline: float  # silhouette outline width (fraction of the subject box)


LOOKS = {"outlined": Look("soft", 0.008, 0.018), "flat": Look("cel", 0.0, 0.0), "pixel": Look("cel", 0.0, 0.028)}


def stable_seed(*parts: object) -> int:
    h = hashlib.sha256("\x00".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "little")


def _subject_colors(sub: Subject, rng: np.random.Generator, moods: list[str]) -> Colors:
    arch = ARCHETYPES.get(sub.archetype or "")
    if sub.colour:
        base = COLOURS[sub.colour]
    else:
        names = arch.colors if arch else ("grey",)
        base = jitter(COLOURS.get(names[int(rng.integers(len(names)))], (140, 140, 148)), rng)
    return colors_for(base, rng, moods)


def draw_subject(sub: Subject, size: int, look: Look, rng: np.random.Generator, moods: list[str], night: bool = False) -> Image.Image:
    """One subject as an RGBA square of `size` px (outlined per the look)."""
    ensure_loaded()
    colors = _subject_colors(sub, rng, moods)
    if sub.archetype is None:
        img = placeholder_card(size, sub.label or sub.word, colors)
    else:
        p = Painter((size, size), mode=look.mode, line=look.part_line, ink=INK)
        variant = dict(sub.variant)
        if sub.pose:
            variant["pose"] = sub.pose
        if sub.colour:
            variant["explicit"] = True
        if night:
            variant["night"] = True
        ARCHETYPES[sub.archetype].draw(p, colors, rng, variant)
        _held(p, sub, variant, rng, moods)
        img = p.img
    if look.outline > 0:
        img = outline_alpha(img, max(1, round(look.outline * size)), INK)
    return img


#: where a held item goes (x0, y0, x1, y1 in the subject's unit box), per archetype
_HANDS = {"person": (0.56, 0.3, 0.92, 0.78), "robot": (0.6, 0.3, 0.98, 0.78), "skeleton": (0.56, 0.28, 0.9, 0.74)}


def _held(p: Painter, sub: Subject, variant: dict, rng: np.random.Generator, moods: list[str]) -> None:
    """Draw what a character holds ("a knight with a sword", "a skeleton archer") in its hand."""
    item = variant.get("holds")
    if not item or item not in ARCHETYPES or sub.archetype is None:
        return
    if variant.get("knight") and item in ("sword", "shield"):
        return  # a knight already has both
    arch = ARCHETYPES[item]
    col = variant.get("holds_colour")
    base = COLOURS[col] if col in COLOURS else COLOURS.get(arch.colors[0], (150, 110, 70))
    colors = colors_for(base, np.random.default_rng(stable_seed("held", item, col)), moods)
    box = _HANDS.get(sub.archetype, (0.58, 0.3, 0.95, 0.8))
    with p.region(*box):
        arch.draw(p, colors, rng, {"upright": True} if item == "sword" else {})


def outline_alpha(img: Image.Image, width: int, colour: RGB) -> Image.Image:
    """Put an ink silhouette of `width` px around everything opaque in an RGBA image."""
    import cv2

    arr = np.asarray(img)
    alpha = arr[..., 3]
    pad = width + 2
    a = np.pad(alpha, pad)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    grown = cv2.dilate((a > 40).astype(np.uint8) * 255, k)
    grown = cv2.GaussianBlur(grown, (3, 3), 0)[pad:-pad, pad:-pad]
    base = np.zeros_like(arr)
    base[..., :3] = colour
    base[..., 3] = grown
    out = Image.fromarray(base)
    out.alpha_composite(img)
    return out


def placeholder_card(size: int, label: str, colors: Colors) -> Image.Image:
    """A clearly labelled placeholder for a subject the generator cannot draw."""

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    m = size * 0.08
    paper = mix(colors.main, (250, 248, 240), 0.78)
    edge = shade(colors.main, 0.6)
    d.rounded_rectangle([m, m, size - m, size - m], radius=size * 0.08, fill=paper + (255,), outline=edge + (255,), width=max(2, size // 60))
    # a picture glyph (mountains and sun) with a question mark: "image goes here"
    gx0, gy0, gx1, gy1 = size * 0.3, size * 0.2, size * 0.7, size * 0.5
    d.rounded_rectangle([gx0, gy0, gx1, gy1], radius=size * 0.03, outline=edge + (255,), width=max(2, size // 80))
    d.polygon([(gx0 + size * 0.02, gy1 - size * 0.02), (gx0 + size * 0.14, gy0 + size * 0.12), (gx0 + size * 0.24, gy1 - size * 0.02)], fill=shade(colors.main, 0.85) + (255,))
    d.polygon([(gx0 + size * 0.18, gy1 - size * 0.02), (gx0 + size * 0.28, gy0 + size * 0.16), (gx1 - size * 0.02, gy1 - size * 0.02)], fill=colors.main + (255,))
    r = size * 0.035
    d.ellipse([gx1 - size * 0.1 - r, gy0 + size * 0.07 - r, gx1 - size * 0.1 + r, gy0 + size * 0.07 + r], fill=colors.gold + (255,))
    qfont = load_font(max(8, int(size * 0.16)))
    d.text((size * 0.5, size * 0.35), "?", fill=(255, 255, 255, 230), font=qfont, anchor="mm", stroke_width=max(1, size // 100), stroke_fill=edge + (255,))
    text = label.upper()[:28]
    fsize = max(8, int(size * 0.1))
    font = load_font(fsize)
    while fsize > 8 and d.textlength(text, font=font) > size * 0.76:
        fsize -= 1
        font = load_font(fsize)
    d.text((size * 0.5, size * 0.65), text, fill=edge + (255,), font=font, anchor="mm")
    small = load_font(max(7, int(size * 0.055)))
    d.text((size * 0.5, size * 0.78), "placeholder", fill=shade(edge, 1.3) + (255,), font=small, anchor="mm")
    dash = max(4, size // 30)
    for x in range(int(m + size * 0.05), int(size - m - size * 0.05), dash * 2):
        d.line([(x, size - m - size * 0.05), (x + dash, size - m - size * 0.05)], fill=edge + (160,), width=max(1, size // 150))
    return img


def _fit(img: Image.Image, box: tuple[int, int], margin: float) -> tuple[Image.Image, tuple[int, int]]:
    """Crop to the opaque bbox and scale to fit `box` minus a margin; return (image, offset)."""
    bbox = img.getbbox()
    if bbox is None:
        return img.resize(box), (0, 0)
    img = img.crop(bbox)
    bw, bh = box
    scale = min(bw * (1 - 2 * margin) / img.width, bh * (1 - 2 * margin) / img.height)
    nw, nh = max(1, round(img.width * scale)), max(1, round(img.height * scale))
    img = img.resize((nw, nh), Image.Resampling.LANCZOS)
    return img, ((bw - nw) // 2, (bh - nh) // 2)


def _tint(img: Image.Image, mul: tuple[float, ...]) -> Image.Image:
    if tuple(mul) == (1.0, 1.0, 1.0):
        return img
    arr = np.asarray(img).astype(np.float32)
    arr[..., :3] *= np.array(mul, dtype=np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _identity_rngs(subjects: list[Subject], identity: int | None, fallback: list[int]) -> list[np.random.Generator]:
    """One random generator per subject instance. With an `identity`, a subject's looks (colours,
    clothes, skin, markings) depend only on its description and how many like it came before in
    this picture, so the same character looks the same in every picture drawn with that identity
    (the panels of a comic); without one, `fallback` seeds (this picture's own) are used."""
    if identity is None:
        return [np.random.default_rng(seed) for seed in fallback]
    seen: dict[tuple, int] = {}
    out = []
    for s in subjects:
        key = (s.archetype, s.word, s.colour, s.label, tuple(sorted((k, str(v)) for k, v in s.variant.items())))
        k = seen.get(key, 0)
        seen[key] = k + 1
        out.append(np.random.default_rng(stable_seed("identity", identity, *key, k)))
    return out


def _instances(info: PromptInfo) -> list[Subject]:
    out: list[Subject] = []
    for s in info.subjects:
        out.extend([s] * max(1, min(6, s.count)))
    return out[:8]


def _default_setting(info: PromptInfo) -> str | None:
    if info.setting:
        return info.setting
    if "snow" in info.weather:
        return "snow"  # "lost in a blizzard"
    kinds = {ARCHETYPES[s.archetype].kind for s in info.subjects if s.archetype}
    names = {s.archetype for s in info.subjects + info.backdrops if s.archetype}
    if names & {"rocket", "planet"} or any(s.variant.get("astronaut") for s in info.subjects):
        return "space"
    if kinds & {"character", "structure", "vehicle", "plant"} or (kinds & {"creature"} and any(ARCHETYPES[s.archetype].grounded for s in info.subjects if s.archetype)):
        return "field"
    if any(s.archetype == "fish" for s in info.subjects):
        return "underwater"
    if any(s.archetype in ("rocket", "planet") for s in info.subjects):
        return "space"
    if info.time or info.weather:
        return "field"
    return None


def _default_time(info: PromptInfo, setting: str | None) -> str:
    if info.time:
        return info.time
    if setting == "graveyard" or ("dark" in info.moods and setting not in ("interior",)):
        return "night" if setting == "graveyard" else "dusk"
    if "neon" in info.moods:
        return "night"
    return "day"


def compose(info: PromptInfo, width: int, height: int, seed: int, style: str, transparent: bool, subject_only: bool,
            placed: list[dict] | None = None, identity: int | None = None) -> Image.Image:
    """The picture. `placed`, when given, gets one entry per subject drawn into a scene:
    {"index", "name", "kind", "box": [x, y, w, h]} (the sprite's opaque bounds in pixels)."""
    ensure_loaded()
    look = LOOKS[style]
    rng = np.random.default_rng(stable_seed(info.text.strip().lower(), seed))
    w, h = width, height
    subjects = _instances(info)
    if not subjects and not info.setting and not info.time and not info.weather:
        label = info.unknown[0] if info.unknown else (info.text.strip() or "empty prompt")
        subjects = [Subject(None, label, label=label)]
    if subject_only:
        subjects = subjects or [Subject(None, info.text, label=info.setting or info.text or "scene")]
        return _subject_sheet(subjects, w, h, look, rng, info.moods, identity)
    setting = _default_setting(info)
    time = _default_time(info, setting)
    night = time in ("night", "dusk")
    if setting is None:
        return _backdrop(subjects, w, h, look, rng, info, transparent, identity)
    spec = SceneSpec(setting, time, list(info.weather), list(info.moods), dict(info.targets), flat=style != "outlined",
                     sky_moon=not any(s.archetype == "moon" for s in [*info.subjects, *info.backdrops]))
    if setting == "snow" and "snow" not in spec.weather:
        spec.weather.append("snow")
    if transparent:
        canvas = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ground, haze = {"beach": 0.93, "city": 0.95, "sky": 0.75}.get(setting, 0.95), (200, 210, 220)
    else:
        prng = np.random.default_rng(stable_seed("palette", identity, setting)) if identity is not None else None
        bg, ground, haze = render_background((w, h), spec, rng, look.mode, 0.0015 if style == "outlined" else 0.0, prng)
        canvas = bg.convert("RGBA")
    base = places.BASE.get(setting, setting)
    light: tuple[float, ...] = LIGHTING.get(time, (1.0, 1.0, 1.0)) if base not in ("interior", "cave", "underwater") else {"cave": (0.9, 0.78, 0.66), "underwater": (0.7, 0.9, 1.0)}.get(base, (1.0, 1.0, 1.0) if not night else (0.8, 0.72, 0.62))
    light = tuple(min(1.1, 0.45 + 0.6 * v) for v in light) if night else light  # keep subjects readable at night
    # backdrops: smaller, hazed, on the horizon
    for i, b in enumerate(info.backdrops[:3]):
        if b.archetype is None:
            continue
        arch = ARCHETYPES[b.archetype]
        size = int(h * arch.height * 0.75)
        img = draw_subject(b, size, look, rng, info.moods, night)
        img = _tint(img, light)
        arr = np.asarray(img).astype(np.float32)
        arr[..., :3] = arr[..., :3] * 0.7 + np.array(haze, dtype=np.float32) * 0.3
        img = Image.fromarray(arr.astype(np.uint8))
        x = int(w * (0.72 if i % 2 == 0 else 0.25)) - size // 2
        y = int(h * min(0.9, horizon_of(setting) + 0.04)) - size
        canvas.alpha_composite(img, dest=(x, y))
    # subjects
    n = len(subjects)
    boxes = []
    for s in subjects:
        sarch = ARCHETYPES.get(s.archetype or "")
        hh = sarch.height if sarch else 0.45
        if n == 1 and sarch is not None and sarch.kind in ("item", "celestial", "prop"):
            hh = max(hh, 0.42)
        elif n == 1 and sarch is not None and sarch.kind == "creature":
            hh = max(hh, 0.46)
        if s.variant.get("child"):
            hh *= 0.72
        if sarch is not None and sarch.kind in ("character", "creature"):
            hh *= FRAME_SCALE.get(info.framing or "medium", 1.0)
        boxes.append(hh * h)
    # something that walks but "floats above the rooftops" is drawn in the air, and balloons in the
    # same picture gather above it on their strings ("holding on to a bunch of balloons")
    lifted = [s.airborne and (ARCHETYPES.get(s.archetype or "") is None or ARCHETYPES[s.archetype or ""].grounded) for s in subjects]
    hero = lifted.index(True) if any(lifted) else None
    held = [i for i, s in enumerate(subjects) if hero is not None and s.archetype == "balloon"]
    total_w = sum(b for i, b in enumerate(boxes) if i not in held) * 0.62
    scale = min(1.0, w * 0.94 / max(1.0, total_w))
    close = info.framing == "close"
    order = sorted(range(n), key=lambda i: ARCHETYPES[subjects[i].archetype or ""].kind == "structure" if subjects[i].archetype else False, reverse=True)
    if held:
        order = held + [i for i in order if i not in held]  # behind the one who holds them
        free = [i for i in range(n) if i not in held]
        xs = [0.0] * n
        for i, xpos in zip(free, _spread(len(free), rng)):
            xs[i] = xpos
    else:
        xs = _spread(n, rng)
    rngs = _identity_rngs(subjects, identity, [stable_seed(seed, i, s.word, info.text) for i, s in enumerate(subjects)])
    lift_bottom = int(h * min(ground - 0.2, 0.6))
    for i in order:
        s = subjects[i]
        size = max(8, int(boxes[i] * scale))
        img = draw_subject(s, size, look, rngs[i], info.moods, night)
        img = _tint(img, light)
        sarch = ARCHETYPES.get(s.archetype or "")
        img, lift = _posed(img, s.pose, i)
        cx = int(w * xs[i])
        half = int(size * 0.32)
        cx = min(max(cx, half), w - half)  # inside the frame
        if i in held and hero is not None:
            k, m = held.index(i), len(held)
            hsize = max(8, int(boxes[hero] * scale))
            spread = (m - 1) / 2 * size * 0.42
            middle = min(max(w * xs[hero], spread + size * 0.3), w - spread - size * 0.3)  # the bunch stays in the picture
            cx = int(middle + (k - (m - 1) / 2) * size * 0.42)
            bottom = lift_bottom - hsize + int(size * (0.1 + 0.07 * (k % 2)))  # strings end at its head
        elif lifted[i]:
            bottom = lift_bottom
        elif sarch is None or sarch.grounded:
            bottom = int(h * ground) - int(size * 0.02) - int(lift * size)
            if close and sarch is not None and sarch.kind in ("character", "creature"):
                bottom = max(int(h * ground), int(size * 0.98))  # cut at the waist, the head inside the top
            if setting == "sky":
                bottom = int(h * 0.5) + size // 2
        elif s.archetype in SWIMMERS and base in ("beach", "field") and setting in ("sea", "ship", "harbour", "lighthouse", "beach", "lake"):
            bottom = int(h * min(0.9, horizon_of(setting) + 0.08)) + size // 3  # in the water, not in the sky
        else:
            bottom = int(h * (0.42 + 0.08 * math.sin(i * 2.1))) + size // 2
        if (sarch is None or sarch.grounded) and i not in held:
            sh = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            sd = ImageDraw.Draw(sh)
            far = 0.55 if lifted[i] or lift > 0 else 1.0  # a lifted one's shadow stays on the ground, smaller
            ground_y = int(h * ground) - int(size * 0.02) if lifted[i] or lift > 0 else bottom
            rw, rh = size * 0.3 * far, max(2, size * 0.035 * far)
            sd.ellipse([cx - rw, ground_y - rh, cx + rw, ground_y + rh], fill=(10, 10, 20, int(80 * far)))
            canvas.alpha_composite(sh)
        canvas.alpha_composite(img, dest=(cx - img.width // 2, bottom - img.height))
        if s.pose in CUES:
            bb = img.getchannel("A").getbbox()
            if bb:
                box = [cx - img.width // 2 + bb[0], bottom - img.height + bb[1], bb[2] - bb[0], bb[3] - bb[1]]
                _cue(canvas, s.pose, box, sarch.kind if sarch else "thing", s.archetype, rngs[i])
        if placed is not None:
            bb = img.getchannel("A").getbbox()
            if bb:
                x0, y0 = cx - img.width // 2 + bb[0], bottom - img.height + bb[1]
                placed.append({"index": i, "name": s.word or s.label, "kind": sarch.kind if sarch else "thing", "archetype": s.archetype,
                               "box": [x0, y0, bb[2] - bb[0], bb[3] - bb[1]]})
    if placed is not None:
        placed.sort(key=lambda d: d["index"])
    if not transparent:
        canvas = weather_overlay(canvas.convert("RGB"), spec, rng).convert("RGBA")
        if style == "outlined":
            canvas = _vignette(canvas)
    return canvas if transparent else canvas.convert("RGB")


#: creatures that live in water: at sea they swim in it rather than float in the air
SWIMMERS = {"whale", "fish", "octopus"}
#: subject size per framing (characters and creatures)
FRAME_SCALE = {"wide": 0.62, "medium": 1.0, "close": 1.6}


def _posed(img: Image.Image, pose: str | None, i: int) -> tuple[Image.Image, float]:
    """A subject's sprite in its pose (what the panel says it does), and how far it is lifted off
    the ground (a fraction of its size): a jump leaves the ground tilted, a fall lies tipped over,
    a run and a fight lean forward, a dance leans to one side, a sitter is lower."""
    if not pose:
        return img, 0.0
    bb = img.getchannel("A").getbbox()
    if bb is None:
        return img, 0.0
    crop = img.crop(bb)
    angle = {"jump": 10.0, "fall": 72.0, "run": -12.0, "fight": -10.0, "dance": 12.0 if i % 2 == 0 else -12.0}.get(pose, 0.0)
    if pose == "sit":
        crop = crop.resize((crop.width, max(1, int(crop.height * 0.82))), Image.Resampling.LANCZOS)
    if angle:
        crop = crop.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        crop = crop.crop(crop.getchannel("A").getbbox() or (0, 0, crop.width, crop.height))
    out = Image.new("RGBA", (max(img.width, crop.width), max(img.height, crop.height)), (0, 0, 0, 0))
    out.alpha_composite(crop, dest=((out.width - crop.width) // 2, out.height - crop.height))
    return out, {"jump": 0.22}.get(pose, 0.0)


#: what a deed adds around the one who does it: notes for a song, waves for a swim, a steaming
#: pot for cooking, a brush and splashes for painting
CUES = {"sing", "swim", "cook", "paint", "dance"}


def _cue(canvas: Image.Image, pose: str, box: list[int], kind: str, archetype: str | None, rng: np.random.Generator) -> None:
    """Draw the cue of `pose` around a placed subject (`box` = [x, y, w, h] in canvas pixels)."""
    x, y, bw, bh = box
    W, H = canvas.size
    p = Painter((W, H), mode="none", line=0)
    u = 1.0 / math.sqrt(W * H)  # one pixel as a line width in the painter's units
    fx, fy = 1.0 / W, 1.0 / H
    ink = (34, 28, 40)
    if pose == "sing":
        # beside the head: the top of an upright figure, the upper front (right) of an animal
        hx, hy = (x + bw * 0.8, y + bh * 0.12) if kind == "character" else (x + bw * 0.9, y + bh * 0.2)
        r = max(4.0, bh * 0.045, H * 0.011)
        for k in range(3):
            nx = min(W - 3 * r, hx + r * (1.5 + 2.6 * k))
            ny = max(3 * r, hy + r * (1.0 - 1.9 * k) + float(rng.uniform(-0.4, 0.4)) * r)
            p.ellipse(nx * fx, ny * fy, r * fx, r * 0.75 * fy, ink, shade_mode="none", outline=False)
            p.line([((nx + r * 0.9) * fx, ny * fy), ((nx + r * 0.9) * fx, (ny - r * 3.2) * fy)], ink, r * 0.35 * u)
            p.line([((nx + r * 0.9) * fx, (ny - r * 3.2) * fy), ((nx + r * 2.0) * fx, (ny - r * 2.4) * fy)], ink, r * 0.35 * u)
    elif pose == "swim":
        base = y + bh * 0.75
        for k in range(3):
            yy = base + k * bh * 0.08
            pts = [((x - bw * 0.15 + j * bw * 0.065) * fx, (yy + math.sin(j * 1.3 + k) * bh * 0.02) * fy) for j in range(22)]
            p.line(pts, (230, 244, 255), max(2.0, bh * 0.018) * u, alpha=0.85)
    elif pose == "cook":
        cxp, cyp, r = x + bw * 0.85, y + bh * 0.62, bw * 0.18
        p.shape([((cxp - r) * fx, cyp * fy), ((cxp + r) * fx, cyp * fy), ((cxp + r * 0.8) * fx, (cyp + r * 1.1) * fy),
                 ((cxp - r * 0.8) * fx, (cyp + r * 1.1) * fy)], (70, 72, 80), shade_mode="none", outline=False)
        for k in range(3):
            sx = cxp + (k - 1) * r * 0.6
            pts = [((sx + math.sin(j * 0.9 + k) * r * 0.2) * fx, (cyp - j * r * 0.25) * fy) for j in range(9)]
            p.line(pts, (236, 236, 240), max(2.0, r * 0.12) * u, alpha=0.7)
    elif pose == "paint":
        hx, hy = x + bw * 0.92, y + bh * 0.5
        p.line([(hx * fx, hy * fy), ((hx + bw * 0.2) * fx, (hy - bh * 0.18) * fy)], (150, 100, 50), max(2.0, bw * 0.03) * u)
        cols = [(220, 60, 60), (60, 120, 220), (240, 200, 40)]
        p.ellipse((hx + bw * 0.2) * fx, (hy - bh * 0.18) * fy, bw * 0.03 * fx, bw * 0.03 * fy, cols[0], shade_mode="none", outline=False)
        for k in range(5):
            sx, sy = hx + bw * float(rng.uniform(0.05, 0.35)), hy - bh * float(rng.uniform(-0.1, 0.3))
            rr = bw * float(rng.uniform(0.015, 0.03))
            p.ellipse(sx * fx, sy * fy, rr * fx, rr * fy, cols[k % 3], shade_mode="none", outline=False, alpha=0.9)
    elif pose == "dance":
        for k in range(2):
            cxm = x + (bw * -0.1 if k == 0 else bw * 1.1)
            pts = [((cxm + math.cos(a) * bw * 0.12) * fx, (y + bh * 0.5 + math.sin(a) * bh * 0.2) * fy)
                   for a in np.linspace(-1.2, 1.2, 12) * (1 if k else -1) + (0 if k else math.pi)]
            p.line(pts, (250, 250, 250), max(2.0, bw * 0.02) * u, alpha=0.8)
    canvas.alpha_composite(p.img)


def _spread(n: int, rng: np.random.Generator) -> list[float]:
    if n == 1:
        return [0.5 + rng.uniform(-0.04, 0.04)]
    lo, hi = (0.3, 0.7) if n == 2 else (0.14, 0.86)
    return [lo + (hi - lo) * i / (n - 1) + rng.uniform(-0.02, 0.02) for i in range(n)]


def _vignette(img: Image.Image) -> Image.Image:
    w, h = img.size
    y, x = np.ogrid[0:h, 0:w]
    d = np.sqrt(((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    f = np.clip(1.08 - 0.22 * d ** 2, 0.75, 1.0).astype(np.float32)
    arr = np.asarray(img).astype(np.float32)
    arr[..., :3] *= f[..., None]
    return Image.fromarray(arr.astype(np.uint8))


def _subject_sheet(subjects: list[Subject], w: int, h: int, look: Look, rng: np.random.Generator, moods: list[str],
                   identity: int | None = None) -> Image.Image:
    """Just the subject(s), side by side, centred on a transparent background."""
    n = len(subjects)
    size = max(16, int(max(w, h) * 1.0))
    rngs = _identity_rngs(subjects, identity, [stable_seed(rng.integers(1 << 30), i) for i in range(n)])
    parts = [draw_subject(s, size, look, r, moods) for s, r in zip(subjects, rngs)]
    crops = [p.crop(p.getbbox()) if p.getbbox() else p for p in parts]
    gap = int(size * 0.04)
    row_h = max(c.height for c in crops)
    row_w = sum(c.width for c in crops) + gap * (n - 1)
    row = Image.new("RGBA", (row_w, row_h), (0, 0, 0, 0))
    x = 0
    for c in crops:
        row.alpha_composite(c, dest=(x, row_h - c.height))
        x += c.width + gap
    fitted, (ox, oy) = _fit(row, (w, h), 0.06)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    out.alpha_composite(fitted, dest=(ox, oy))
    return out


def _backdrop(subjects: list[Subject], w: int, h: int, look: Look, rng: np.random.Generator, info: PromptInfo, transparent: bool,
              identity: int | None = None) -> Image.Image:
    """Items without a setting: centred on a soft radial backdrop (or transparency)."""
    sheet = _subject_sheet(subjects, int(w * 0.86), int(h * 0.86), look, rng, info.moods, identity)
    if transparent:
        out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        out.alpha_composite(sheet, dest=((w - sheet.width) // 2, (h - sheet.height) // 2))
        return out
    first = subjects[0]
    main = COLOURS[first.colour] if first.colour else (COLOURS[info.colours[0]] if info.colours else (120, 110, 150))
    if "sky" in info.targets:
        main = COLOURS[info.targets["sky"]]
    bg_c = rotate_hue(main, 180, sat=0.45, val=0.55)
    if info.time == "night" or "dark" in info.moods:
        bg_c = shade(bg_c, 0.6)
    y, x = np.ogrid[0:h, 0:w]
    d = np.sqrt(((x - w / 2) / (w * 0.6)) ** 2 + ((y - h * 0.45) / (h * 0.6)) ** 2)
    t = np.clip(d, 0, 1.3)[..., None]
    if look.mode == "cel":
        t = np.floor(t * 3) / 3 * 0.6
    inner = np.array(shade(bg_c, 1.45), np.float32)
    outer = np.array(shade(bg_c, 0.6), np.float32)
    arr = inner + (outer - inner) * np.clip(t, 0, 1)
    canvas = Image.fromarray(arr.astype(np.uint8)).convert("RGBA")
    bbox = sheet.getbbox() or (0, 0, sheet.width, sheet.height)
    ox, oy = (w - sheet.width) // 2, (h - sheet.height) // 2
    sd = ImageDraw.Draw(canvas)
    cx, by = ox + (bbox[0] + bbox[2]) / 2, oy + bbox[3]
    rw = (bbox[2] - bbox[0]) * 0.42
    sd.ellipse([cx - rw, by - rw * 0.12, cx + rw, by + rw * 0.1], fill=tuple(int(v) for v in shade(bg_c, 0.45)) + (255,))
    canvas.alpha_composite(sheet, dest=(ox, oy))
    if info.weather:
        spec = SceneSpec("field", info.time or "day", list(info.weather), list(info.moods), flat=look.mode == "cel")
        canvas = weather_overlay(canvas.convert("RGB"), spec, rng).convert("RGBA")
    return canvas.convert("RGB")


def pixelate(img: Image.Image, cell: int, colours: int = 24, outline: bool = True) -> Image.Image:
    """Pixel-art finish: area-average onto a grid of `cell` px, hard alpha, a limited palette, a
    1-px dark outline around opaque shapes, then a crisp nearest-neighbour upscale."""
    w, h = img.size
    gw, gh = max(1, math.ceil(w / cell)), max(1, math.ceil(h / cell))
    rgba = img.convert("RGBA")
    small = rgba.resize((gw, gh), Image.Resampling.BOX)
    arr = np.asarray(small).copy()
    alpha = arr[..., 3] >= 128
    rgb = Image.fromarray(np.ascontiguousarray(arr[..., :3]))
    q = rgb.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB")
    qa = np.asarray(q).copy()
    out = np.dstack([qa, np.where(alpha, 255, 0).astype(np.uint8)])
    if outline and not alpha.all():
        grown = alpha.copy()
        grown[1:] |= alpha[:-1]
        grown[:-1] |= alpha[1:]
        grown[:, 1:] |= alpha[:, :-1]
        grown[:, :-1] |= alpha[:, 1:]
        ring = grown & ~alpha
        out[ring] = (*INK, 255)
    pix = Image.fromarray(out.astype(np.uint8))
    return pix.resize((gw * cell, gh * cell), Image.Resampling.NEAREST).crop((0, 0, w, h))


def _scale_boxes(placed: list[dict], k: float, size: tuple[int, int], out: list[dict]) -> None:
    """Subjects' boxes from the supersampled canvas to the output image (clipped)."""
    w, h = size
    for d in placed:
        x, y, bw, bh = d["box"]
        x0, y0 = max(0, round(x * k)), max(0, round(y * k))
        x1, y1 = min(w, round((x + bw) * k)), min(h, round((y + bh) * k))
        if x1 > x0 and y1 > y0:
            out.append({"name": d["name"], "kind": d["kind"], "archetype": d.get("archetype"), "box": [x0, y0, x1 - x0, y1 - y0]})


def drawn_report(info: PromptInfo, subject_only: bool = False) -> dict:
    """What a picture of `info` shows, for the `drawn` metadata: the setting (None when there is
    no scene) and every named thing with what it was drawn as (`placeholder` true for a card)."""
    setting = None if subject_only else _default_setting(info)
    things = [dict(t) for t in info.things]
    return {"setting": setting, "time": None if setting is None else _default_time(info, setting),
            "weather": list(info.weather), "things": things}


def generate(prompt: str, *, width: int, height: int, seed: int, style: str = "flat", transparent: bool = False,
             subject_only: bool = False, subjects: list[dict] | None = None, identity: int | None = None,
             drawn: dict | None = None, setting: str | None = None) -> Image.Image:
    """A placeholder picture for `prompt`. `subjects`, when given, gets where each character,
    creature or thing of a scene was drawn: {"name", "kind", "box": [x, y, w, h]} in pixels.
    `identity`, when given, makes each subject's looks depend on its description and `identity`
    only, not on `seed` or the rest of the prompt (see `_identity_rngs`)."""
    if style not in STYLES:
        raise InputError(f"procedural style {style!r}: use one of {', '.join(STYLES)}")
    if not (8 <= int(width) <= 8192 and 8 <= int(height) <= 8192):
        raise InputError(f"image size {width}x{height}: width and height must be between 8 and 8192")
    info = parse_prompt(prompt or "")
    if setting is not None and info.setting is None:
        if setting not in places.ALL:
            raise InputError(f"procedural setting {setting!r}: use one of {', '.join(places.ALL)}")
        info.setting = setting  # the place of the story so far (a comic's earlier panels)
    if drawn is not None:
        drawn.update(drawn_report(info, subject_only))
    w, h = int(width), int(height)
    if style == "pixel":
        cell = max(1, round(min(w, h) / 64))
        gw, gh = math.ceil(w / cell), math.ceil(h / cell)
        ss = 4
        placed: list[dict] = []
        big = compose(info, gw * ss, gh * ss, seed, "pixel", transparent or subject_only, subject_only, placed, identity)
        if subjects is not None:
            _scale_boxes(placed, cell / ss, (w, h), subjects)
        big = big.resize((gw * ss, gh * ss))
        out = pixelate(big, ss, colours=24 if subject_only else 40, outline=True)
        out = out.resize((gw * cell, gh * cell), Image.Resampling.NEAREST).crop((0, 0, w, h))
        return out if (transparent or subject_only) else out.convert("RGB")
    ss = 2 if min(w, h) >= 384 else (3 if min(w, h) >= 192 else 4)
    while max(w, h) * ss > 4096 and ss > 1:
        ss -= 1
    placed = []
    big = compose(info, w * ss, h * ss, seed, style, transparent or subject_only, subject_only, placed, identity)
    if subjects is not None:
        _scale_boxes(placed, 1.0 / ss, (w, h), subjects)
    out = big.resize((w, h), Image.Resampling.LANCZOS) if ss > 1 else big
    return out if (transparent or subject_only) else out.convert("RGB")
