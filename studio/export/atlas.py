"""Atlas writers: TexturePacker "JSON Hash" (read by Phaser 3, PixiJS and most importers) with
Pixi's `animations` and Aseprite's `meta.frameTags`, and Godot 4's SpriteFrames `.tres`.

Animation frames are named `{animation}_{index:04d}` (`walk_0000`, `walk_0001`, ...), the names
engines' frame-name helpers build (Phaser's `anims.generateFrameNames(key, {prefix: "walk_",
end: n - 1, zeroPad: 4})`, PixiJS's `animations`, Godot's SpriteFrames); single sprites keep their
names. `meta.frameTags` name each animation's run of frames by position in `frames` (Aseprite's
meaning of `from`/`to`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.export.png import write_png

if TYPE_CHECKING:  # the packer's result, read here; formats import nothing from the products above them
    from studio.assets.packing import Sheet


def frame_name(animation: str, index: int) -> str:
    """The key of frame `index` of `animation`: `walk_0000`."""
    return f"{animation}_{index:04d}"


@dataclass
class Animation:
    """A named sequence of frame keys played at `fps`."""

    name: str
    keys: list[str]
    fps: float = 10.0
    loop: bool = True
    direction: str = "forward"  # forward | reverse | pingpong (Aseprite's names)
    meta: dict[str, Any] = field(default_factory=dict)


def texturepacker_json(sheet: Sheet, image_name: str, animations: list[Animation] | None = None, *, app_version: str = "") -> dict[str, Any]:
    """The JSON Hash document for `sheet` whose PNG is saved as `image_name`."""
    animations = animations or []
    frames: dict[str, Any] = {}
    for p in sheet.placements:
        entry: dict[str, Any] = {
            "frame": p.rect.as_dict(),
            "rotated": False,
            "trimmed": bool(p.trimmed),
            "spriteSourceSize": {"x": p.source.x, "y": p.source.y, "w": p.source.w, "h": p.source.h},
            "sourceSize": {"w": p.source_size[0], "h": p.source_size[1]},
        }
        if p.pivot is not None:
            entry["pivot"] = {"x": float(p.pivot[0]), "y": float(p.pivot[1])}
        if p.duration is not None:
            entry["duration"] = int(p.duration)
        frames[p.key] = entry
    order = {k: i for i, k in enumerate(frames)}
    tags = []
    for a in animations:
        missing = [k for k in a.keys if k not in frames]
        if missing:
            raise ValueError(f"animation {a.name!r} names frames that are not on the sheet: {missing[:3]}")
        # Aseprite-style tags: a run of consecutive frames, by position in `frames`
        if len(a.keys) > 1:
            nums = [order[k] for k in a.keys]
            if nums == list(range(nums[0], nums[0] + len(nums))):
                tags.append({"name": a.name, "from": nums[0], "to": nums[-1], "direction": a.direction})
    w, h = sheet.size
    meta: dict[str, Any] = {
        "app": "studio",
        "version": app_version or "1.0",
        "image": image_name,
        "format": "RGBA8888",
        "size": {"w": w, "h": h},
        "scale": "1",
        "frameTags": tags,
    }
    doc: dict[str, Any] = {"frames": frames}
    if animations:
        doc["animations"] = {a.name: list(a.keys) for a in animations}
    doc["meta"] = meta
    return doc


def _godot_string(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _num(v: float) -> str:
    return f"{float(v):.1f}" if float(v).is_integer() else f"{float(v):g}"


def godot_spriteframes(
    sheet: Sheet,
    texture_path: str,
    animations: list[Animation],
    *,
    filter_clip: bool = False,
) -> str:
    """A Godot 4 `SpriteFrames` resource (text `.tres`) with one AtlasTexture per frame.

    `texture_path` is written as is: a path relative to the `.tres` file (Godot resolves it
    against the resource's own folder, so the asset folder can sit anywhere in a project) or a
    `res://` path. Trimmed frames get an AtlasTexture `margin`, so they keep their original size
    and position inside it."""
    by_key = {p.key: p for p in sheet.placements}
    used: list[str] = []
    for a in animations:
        for k in a.keys:
            if k not in by_key:
                raise ValueError(f"animation {a.name!r} names frame {k!r} that is not on the sheet")
            if k not in used:
                used.append(k)
    sub_id = {k: f"AtlasTexture_{i}" for i, k in enumerate(used)}
    lines = [f'[gd_resource type="SpriteFrames" load_steps={len(used) + 2} format=3]', ""]
    lines.append(f'[ext_resource type="Texture2D" path="{_godot_string(texture_path)}" id="1"]')
    lines.append("")
    for k in used:
        p = by_key[k]
        lines.append(f'[sub_resource type="AtlasTexture" id="{sub_id[k]}"]')
        lines.append('atlas = ExtResource("1")')
        lines.append(f"region = Rect2({p.rect.x}, {p.rect.y}, {p.rect.w}, {p.rect.h})")
        if p.trimmed:
            mw = p.source_size[0] - p.rect.w
            mh = p.source_size[1] - p.rect.h
            lines.append(f"margin = Rect2({p.source.x}, {p.source.y}, {mw}, {mh})")
        if filter_clip:
            lines.append("filter_clip = true")
        lines.append("")
    anim_texts = []
    for a in animations:
        frames = ",\n".join(
            '{\n"duration": 1.0,\n' + f'"texture": SubResource("{sub_id[k]}")' + "\n}" for k in a.keys
        )
        anim_texts.append(
            "{\n" + f'"frames": [{frames}],\n"loop": {"true" if a.loop else "false"},\n'
            f'"name": &"{_godot_string(a.name)}",\n"speed": {_num(a.fps)}' + "\n}"
        )
    lines.append("[resource]")
    lines.append("animations = [" + ", ".join(anim_texts) + "]")
    return "\n".join(lines) + "\n"


def write_atlas(sheet: Sheet, animations: list[Animation], folder: Path, stem: str, *, tres_stem: str | None = None,
                filter_clip: bool = False) -> list[Path]:
    """Write a packed sheet as `{stem}.png`, its JSON Hash `{stem}.json` and a Godot SpriteFrames
    `{tres_stem or stem}.tres` into `folder`; return the three paths."""
    png = folder / f"{stem}.png"
    write_png(sheet.image, png)
    js = folder / f"{stem}.json"
    js.write_text(json.dumps(texturepacker_json(sheet, png.name, animations), indent=1) + "\n", encoding="utf-8")
    tres = folder / f"{tres_stem or stem}.tres"
    tres.write_text(godot_spriteframes(sheet, png.name, animations, filter_clip=filter_clip), encoding="utf-8")
    return [png, js, tres]


def parse_godot_regions(text: str) -> dict[str, dict[str, Any]]:
    """Read back a SpriteFrames `.tres` written above: sub-resource id -> {region, margin} and
    animations -> list of sub-resource ids (used by tests and the consumer check)."""
    import re

    subs: dict[str, dict[str, Any]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r'\[sub_resource type="AtlasTexture" id="([^"]+)"\]', line)
        if m:
            current = m.group(1)
            subs[current] = {}
            continue
        if line.startswith("["):
            current = None
        if current is None:
            continue
        m = re.match(r"(region|margin) = Rect2\(([-\d., ]+)\)", line)
        if m:
            subs[current][m.group(1)] = [float(v) for v in m.group(2).split(",")]
    anims: dict[str, list[str]] = {}
    body = text.split("[resource]", 1)[1] if "[resource]" in text else ""
    for block in re.finditer(r'"frames": \[(.*?)\],\n"loop": (true|false),\n"name": &"([^"]+)",\n"speed": ([\d.]+)', body, re.S):
        anims[block.group(3)] = re.findall(r'SubResource\("([^"]+)"\)', block.group(1))
    return {"subresources": subs, "animations": anims}
