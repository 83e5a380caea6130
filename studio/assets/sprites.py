"""Game sprites: subjects on transparency and simple frame animations.

- `remove_background`: flood fill from the image border over pixels within `tolerance` of the
  border's colours (plain or gradient backdrops), then defringe (un-mix the backdrop colour from
  semi-transparent edge pixels) and alpha cleanup (drop specks, harden near-binary alpha, bleed
  edge colours into transparent pixels so filtered sampling shows no dark halo).
- `fit_on_canvas`: centre a subject on a square transparent canvas with a margin.
- `animate`: idle bob, walk cycle (legs swing by shearing the lower half in opposite phases,
  body bobs), spin (horizontal squash through the profile), flash (hit flash), pulse.
- `procedural_sprite`: the embedded default, built on `studio.backends.image.procedural`.
- `diffusion_sprites`: subjects from a diffusers pipeline, prompted for a plain backdrop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from studio.backends.image.procedural import describe_prompt, generate_image

ANIMATIONS = ("idle", "walk", "spin", "flash", "pulse")

#: our style -> the procedural generator's style (pixel art is drawn smooth, then pixelated here)
PROCEDURAL_STYLE = {"outlined": "outlined", "flat": "flat", "pixel": "outlined", "cartoon": "outlined", "painted": "outlined"}


# -- background removal ---------------------------------------------------------------------------


def border_colours(rgb: np.ndarray, max_colours: int = 4) -> np.ndarray:
    """The main colours along the image border (a plain backdrop gives one; a gradient a few)."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]]).astype(np.int32)
    q = border >> 4
    codes = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    uniq, inv, counts = np.unique(codes, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    picked = [i for i in order[:max_colours] if counts[i] >= 0.05 * len(codes)] or [order[0]]
    return np.array([border[inv == i].mean(axis=0) for i in picked])


def remove_background(img: Image.Image, *, tolerance: float = 30.0, defringe: bool = True, min_island: int | None = None) -> Image.Image:
    """RGBA copy of `img` whose backdrop (the region connected to the border whose colour lies
    within `tolerance` of a border colour, max-channel distance 0..255) is transparent."""
    src = img.convert("RGBA")
    a = np.asarray(src).astype(np.float64)
    rgb, alpha0 = a[..., :3], a[..., 3]
    h, w = alpha0.shape
    bgs = border_colours(rgb)
    dist = np.min([np.abs(rgb - c).max(axis=-1) for c in bgs], axis=0)
    near = (dist <= tolerance) | (alpha0 < 8)
    labels, _ = ndimage.label(near)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = edge[edge > 0]
    background = np.isin(labels, edge)
    alpha = np.where(background, 0.0, alpha0)
    if defringe:
        # pixels just inside the subject that still look like the backdrop: partial alpha,
        # with the backdrop colour un-mixed from them
        ring = ndimage.binary_dilation(background, iterations=2) & ~background
        soft = tolerance * 2.5
        t = np.clip((dist - tolerance) / max(soft - tolerance, 1.0), 0.0, 1.0)
        a_edge = np.where(ring, np.minimum(alpha0, 255.0 * (0.25 + 0.75 * t)), alpha)
        nearest_bg = bgs[np.argmin([np.abs(rgb - c).max(axis=-1) for c in bgs], axis=0)]
        k = (a_edge / 255.0)[..., None]
        unmixed = np.clip((rgb - (1 - k) * nearest_bg) / np.maximum(k, 0.05), 0, 255)
        rgb = np.where(ring[..., None], unmixed, rgb)
        alpha = a_edge
    out = np.dstack([rgb, alpha]).astype(np.uint8)
    return cleanup_alpha(Image.fromarray(out), min_island=min_island if min_island is not None else max(4, h * w // 4000))


def cleanup_alpha(img: Image.Image, *, min_island: int = 4, floor: int = 16, ceil: int = 240, bleed: bool = True) -> Image.Image:
    """Alpha clean-up: alpha below `floor` becomes 0 and above `ceil` 255; opaque specks
    smaller than `min_island` px are removed; fully transparent pixels take the colour of the
    nearest opaque pixel (no dark fringes when the engine filters the texture)."""
    a = np.asarray(img.convert("RGBA")).copy()
    alpha = a[..., 3]
    alpha[alpha < floor] = 0
    alpha[alpha > ceil] = 255
    if min_island > 0:
        labels, n = ndimage.label(alpha > 0)
        if n > 1:
            sizes = ndimage.sum_labels(np.ones_like(alpha), labels, index=np.arange(1, n + 1))
            small = np.isin(labels, np.nonzero(sizes < min_island)[0] + 1)
            alpha[small] = 0
    a[..., 3] = alpha
    if bleed and (alpha == 0).any() and (alpha > 0).any():
        _, (iy, ix) = ndimage.distance_transform_edt(alpha == 0, return_indices=True)
        a[..., :3] = np.where((alpha == 0)[..., None], a[iy, ix, :3], a[..., :3])
    return Image.fromarray(a)


def fit_on_canvas(img: Image.Image, size: int | tuple[int, int], *, margin: float = 0.08, anchor: str = "center", resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    """The subject (trimmed to its alpha box) scaled to fit a transparent canvas of `size`
    with `margin` (fraction of the side) on every side; `anchor` "center" or "bottom"."""
    w, h = (size, size) if isinstance(size, int) else size
    rgba = img.convert("RGBA")
    box = rgba.getchannel("A").getbbox()
    canvas = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if box is None:
        return canvas
    subject = rgba.crop(box)
    mw, mh = max(1, int(round(w * (1 - 2 * margin)))), max(1, int(round(h * (1 - 2 * margin))))
    scale = min(mw / subject.width, mh / subject.height)
    nw, nh = max(1, int(round(subject.width * scale))), max(1, int(round(subject.height * scale)))
    subject = _resize_premultiplied(subject, (nw, nh), resample)
    x = (w - nw) // 2
    y = (h - nh) // 2 if anchor == "center" else h - int(round(h * margin)) - nh
    canvas.alpha_composite(subject, (x, y))
    return canvas


def _resize_premultiplied(img: Image.Image, size: tuple[int, int], resample: Image.Resampling) -> Image.Image:
    """Resize RGBA without letting transparent pixels' colours bleed into edges."""
    if img.size == size:
        return img.copy()
    pm = img.convert("RGBa").resize(size, resample)
    return pm.convert("RGBA")


def has_transparency(img: Image.Image) -> bool:
    if img.mode not in ("RGBA", "LA", "PA") and not (img.mode == "P" and "transparency" in img.info):
        return False
    lo = img.convert("RGBA").getchannel("A").getextrema()[0]
    return isinstance(lo, (int, float)) and lo < 250


def add_outline(img: Image.Image, colour: tuple[int, int, int] = (24, 20, 28), width: int = 1) -> Image.Image:
    """A dark outline around the subject (reads well on any game background)."""
    rgba = np.asarray(img.convert("RGBA")).copy()
    solid = rgba[..., 3] > 96
    grown = ndimage.binary_dilation(solid, iterations=max(1, width))
    ring = grown & ~solid
    below = rgba[..., 3].astype(np.float64) / 255.0
    for c in range(3):
        rgba[..., c] = np.where(ring, np.round(colour[c] * (1 - below) + rgba[..., c] * below), rgba[..., c])
    rgba[..., 3] = np.where(ring, 255, rgba[..., 3])
    return Image.fromarray(rgba.astype(np.uint8))


# -- animation ------------------------------------------------------------------------------------


def _paste(canvas_size: tuple[int, int], part: Image.Image, dx: float, dy: float) -> Image.Image:
    out = Image.new("RGBA", canvas_size, (0, 0, 0, 0))
    out.alpha_composite(part.transform(canvas_size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, -dy), resample=Image.Resampling.BILINEAR))
    return out


def _scale_about(img: Image.Image, sx: float, sy: float, cx: float, cy: float) -> Image.Image:
    """Scale by (sx, sy) about (cx, cy); negative sx mirrors."""
    # output (x, y) samples input ((x - cx) / sx + cx, (y - cy) / sy + cy)
    a, e = 1.0 / sx, 1.0 / sy
    return img.transform(img.size, Image.Transform.AFFINE, (a, 0, cx - a * cx, 0, e, cy - e * cy), resample=Image.Resampling.BICUBIC)


def _shear_below(img: Image.Image, k: float, pivot_y: float) -> Image.Image:
    """Shift each row below `pivot_y` sideways by k * (y - pivot_y) (a leg swinging)."""
    return img.transform(img.size, Image.Transform.AFFINE, (1, -k, k * pivot_y, 0, 1, 0), resample=Image.Resampling.BICUBIC)


def animate(img: Image.Image, kind: str, frames: int = 8, *, amplitude: float = 1.0) -> list[Image.Image]:
    """Frames of a looping animation of the sprite `img` (RGBA, subject with some margin).

    idle: a gentle breathing bob with squash and stretch; walk: body bob plus legs (the lower
    third, split into left and right halves) swinging in opposite phase; spin: a turn about the
    vertical axis (horizontal squash, mirrored back face, slightly darker); flash: the hit flash
    (white silhouette every other frame); pulse: a pickup's grow-and-shrink glow."""
    if kind not in ANIMATIONS:
        raise ValueError(f"unknown animation {kind!r}; use one of {', '.join(ANIMATIONS)}")
    if frames < 1:
        raise ValueError("an animation needs at least one frame")
    rgba = img.convert("RGBA")
    w, h = rgba.size
    box = rgba.getchannel("A").getbbox() or (0, 0, w, h)
    x0, y0, x1, y1 = box
    sub_h = max(1, y1 - y0)
    cx, base = (x0 + x1) / 2.0, float(y1)
    out: list[Image.Image] = []
    for i in range(frames):
        phase = 2 * math.pi * i / frames
        if kind == "idle":
            s = math.sin(phase)
            sy = 1.0 + 0.04 * amplitude * s
            sx = 1.0 - 0.03 * amplitude * s
            f = _scale_about(rgba, sx, sy, cx, base)
            f = _paste(f.size, f, 0, -round(0.03 * amplitude * sub_h * max(0.0, s)))
        elif kind == "walk":
            # stepping: each leg (left/right half of the lower part) lifts and swings outward in
            # turn, the body bobs down as a foot lands and sways towards the standing leg
            hip = int(round(y0 + sub_h * 0.62))
            legs_h = max(1, y1 - hip)
            s = math.sin(phase)
            f = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            for side, lift in (("left", max(0.0, s)), ("right", max(0.0, -s))):
                part = Image.new("RGBA", (w, h), (0, 0, 0, 0))
                crop = (0, hip, int(cx), h) if side == "left" else (int(cx), hip, w, h)
                part.paste(rgba.crop(crop), (crop[0], crop[1]))
                k = (0.22 if side == "left" else -0.22) * amplitude * lift
                part = _shear_below(part, k, hip)
                f.alpha_composite(_paste((w, h), part, 0, -round(0.18 * amplitude * legs_h * lift)))
            upper = Image.new("RGBA", (w, h), (0, 0, 0, 0))
            upper.paste(rgba.crop((0, 0, w, min(h, hip + 2))), (0, 0))
            bob = round(0.04 * amplitude * sub_h * (1 - abs(s)))  # dips while both feet are down
            sway = round(0.03 * amplitude * (x1 - x0) * s)
            f.alpha_composite(_paste((w, h), upper, sway, bob))
        elif kind == "spin":
            c = math.cos(phase)
            sx = c if abs(c) > 0.08 else math.copysign(0.08, c if c != 0 else 1.0)
            f = _scale_about(rgba, sx, 1.0, cx, base)
            if c < 0:
                arr = np.asarray(f).astype(np.float64)
                arr[..., :3] *= 0.78
                f = Image.fromarray(arr.astype(np.uint8))
        elif kind == "flash":
            if i % 2 == 1:
                arr = np.asarray(rgba).copy()
                arr[..., :3] = 255
                f = Image.fromarray(arr)
            else:
                f = rgba.copy()
        else:  # pulse
            s = 1.0 + 0.08 * amplitude * math.sin(phase)
            f = _scale_about(rgba, s, s, cx, (y0 + y1) / 2.0)
            glow = max(0.0, math.sin(phase))
            if glow > 0:
                arr = np.asarray(f).astype(np.float64)
                arr[..., :3] = arr[..., :3] + (255 - arr[..., :3]) * 0.15 * glow
                f = Image.fromarray(arr.astype(np.uint8))
        out.append(f)
    return out


# -- generation -----------------------------------------------------------------------------------


def sprite_prompt(description: str, style: str = "outlined") -> str:
    """A prompt for one isolated subject on a plain backdrop (easy to key out)."""
    look = {
        "pixel": "pixel art sprite, 16-bit, crisp pixels",
        "outlined": "game sprite, clean shapes, bold dark outline, cel shading",
        "flat": "flat vector game sprite, clean shapes",
        "painted": "hand-painted game sprite, stylised",
        "cartoon": "cartoon game sprite, thick outline",
    }.get(style, f"{style} game sprite")
    return f"{description}, {look}, single object, centered, full view, isolated on a plain white background, no shadow, no ground, no text"


NEGATIVE = "background scenery, floor, shadow, multiple objects, cropped, text, watermark, frame, border"


def focus_prompt(description: str) -> str:
    """One subject per sprite: when the procedural generator would draw several subjects
    ("blue slime monster" -> a slime and a monster; "round shield" -> a placeholder card for
    "round" and a shield), keep the first one it can draw and drop the other subjects' words."""
    import re


    subjects = describe_prompt(description).get("subjects", [])
    drawable = [s for s in subjects if s.get("archetype")]
    if len(subjects) <= 1 or not drawable:
        return description
    keep = drawable[0]
    out = description
    for s in subjects:
        if s is keep or not s.get("word") or s.get("word") == keep.get("word"):
            continue
        out = re.sub(rf"\b{re.escape(str(s['word']))}\b", " ", out, count=1, flags=re.IGNORECASE)
    out = " ".join(out.split())
    while True:  # no dangling "with a" / "and" once the other subjects are gone
        shorter = re.sub(r"\s*\b(with|and|holding|carrying|a|an|the|of)$", "", out, flags=re.IGNORECASE).strip()
        if shorter == out:
            break
        out = shorter
    return out or description


def procedural_sprite(description: str, *, size: int, seed: int, style: str = "outlined", margin: float = 0.08) -> Image.Image:
    """The embedded default: the procedural generator draws the subject on transparency; the
    result is cleaned up and fitted to a `size` px square canvas."""

    render = max(size, 256)
    img = generate_image(focus_prompt(description), width=render, height=render, seed=seed, style=PROCEDURAL_STYLE.get(style, "outlined"),
                         transparent=True, subject_only=True)
    if not has_transparency(img):
        img = remove_background(img)
    img = cleanup_alpha(img, min_island=max(4, render * render // 4000), bleed=False)
    return fit_on_canvas(img, size, margin=margin)


def diffusion_sprites(pipe: Any, descriptions: Sequence[str], seeds: Sequence[int], *, size: int, style: str = "outlined",
                      steps: int = 25, guidance: float = 7.0, render: int = 512, tolerance: float = 30.0,
                      progress: Any = None) -> list[Image.Image]:
    """Subjects from a diffusers text-to-image pipeline (one seeded CPU generator per image),
    prompted for a plain backdrop and keyed out of it."""
    import inspect

    import torch

    params = inspect.signature(pipe.__call__).parameters
    out = []
    for i, (desc, seed) in enumerate(zip(descriptions, seeds)):
        kw: dict[str, Any] = {"width": render, "height": render, "num_inference_steps": steps, "guidance_scale": guidance,
                              "generator": torch.Generator("cpu").manual_seed(int(seed))}
        if "negative_prompt" in params and guidance > 1.0:
            kw["negative_prompt"] = NEGATIVE
        image = pipe(prompt=sprite_prompt(desc, style), **kw).images[0]
        out.append(fit_on_canvas(remove_background(image, tolerance=tolerance), size))
        if progress is not None:
            progress((i + 1) / len(descriptions), desc)
    return out


def silhouette_score(img: Image.Image) -> dict[str, float]:
    """Checks a sprite is usable: fraction of border pixels that are transparent and fraction
    of the subject's bounding box that is opaque."""
    a = np.asarray(img.convert("RGBA"))[..., 3]
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    box = Image.fromarray(a).getbbox()
    fill = 0.0
    if box:
        x0, y0, x1, y1 = box
        fill = float((a[y0:y1, x0:x1] > 128).mean())
    return {"border_transparent": float((border == 0).mean()), "subject_fill": round(fill, 4)}

