"""The game-asset spec: a YAML list of what a game needs, or a `;`-separated prompt string.

    name: dungeon-prototype
    style: outlined        # outlined | flat | pixel (pixel: palette-quantised pixel art)
    palette: pico-8        # for pixel style: adaptive, pico-8, gameboy, nes, sweetie-16, endesga-32, cga, 1-bit
    assets:
      - {kind: sprite, description: red health potion, size: 64}
      - {id: goblin, kind: animation, description: green goblin enemy, animation: walk, frames: 8}
      - {kind: texture, description: mossy stone wall, size: 256}
      - {kind: icon, description: iron sword, sizes: [32, 64, 128], rarity: rare}
      - {kind: sfx, description: coin pickup sound}

Kinds are inferred from the description's words when `kind` is left out. Every problem is an
`InputError` naming the file, the entry and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.backends.audio.sfx import KIND_NAMES
from studio.engine.errors import InputError
from studio.engine.registry import suggest

KINDS = ("sprite", "animation", "texture", "icon", "sfx")
KIND_ALIASES = {
    "sprite": "sprite", "sprites": "sprite", "object": "sprite", "character": "sprite", "prop": "sprite", "item": "sprite",
    "animation": "animation", "anim": "animation", "animated": "animation", "spritesheet": "animation", "sprite-sheet": "animation",
    "texture": "texture", "textures": "texture", "tile": "texture", "tileable": "texture", "material": "texture",
    "icon": "icon", "icons": "icon",
    "sfx": "sfx", "sound": "sfx", "sounds": "sfx", "audio": "sfx", "sound-effect": "sfx",
}
STYLES = ("outlined", "flat", "pixel")
STYLE_ALIASES = {"cartoon": "outlined", "painted": "outlined", "toon": "outlined", "pixel-art": "pixel", "pixelart": "pixel", "vector": "flat"}
ANIMATIONS = ("idle", "walk", "spin", "flash", "pulse")
TILE = ("both", "x", "y", "none")
RARITIES = ("common", "uncommon", "rare", "epic", "legendary")
RESERVED_IDS = {"atlas", "preview", "index", "manifest"}

TOP_KEYS = ("name", "style", "palette", "size", "assets", "sheet", "description")
ASSET_KEYS = (
    "id", "kind", "description", "size", "count", "frames", "fps", "animation", "palette", "style", "pixels",
    "sizes", "rarity", "tile", "duration", "sound", "outline", "shape",
)
SHEET_KEYS = ("padding", "extrude", "power_of_two", "trim", "atlas")

_SFX_WORDS = {"sound", "sounds", "sfx", "audio", "jingle", "chime", "beep", "noise-effect", "soundeffect"}
_ICON_WORDS = {"icon", "icons", "emblem", "badge"}
_TEXTURE_WORDS = {"texture", "textures", "tileable", "seamless", "tiling", "pattern", "terrain", "wallpaper", "tileset"}
_SURFACE_WORDS = {"wall", "floor", "ground", "surface", "road", "pavement"}
_ANIM_WORDS = {
    "walk": ("walk", "walking", "walks", "run", "running", "runs", "walk-cycle"),
    "spin": ("spin", "spinning", "spins", "rotating", "rotate", "turning"),
    "flash": ("flash", "flashing", "hurt", "damaged", "blink", "blinking"),
    "pulse": ("pulse", "pulsing", "glowing", "throbbing", "bobbing-pickup"),
    "idle": ("idle", "breathing", "animation", "animated", "bobbing", "floating"),
}


@dataclass
class AssetSpec:
    """One asset to make, with every default filled in."""

    index: int  # 1-based position in the spec (for messages)
    id: str
    kind: str
    description: str
    size: tuple[int, int]
    count: int = 1
    frames: int = 8
    fps: float = 10.0
    animation: str = "idle"
    palette: str = "adaptive"
    style: str = "outlined"
    pixels: int | None = None  # pixel-art grid (pixel style)
    sizes: list[int] = field(default_factory=list)
    rarity: str | None = None
    tile: str = "both"
    duration: float | None = None
    sound: str | None = None
    outline: bool | None = None
    shape: str = "rounded"

    def label(self) -> str:
        return f"asset #{self.index} {self.id!r}"


@dataclass
class AssetsSpec:
    name: str
    assets: list[AssetSpec]
    style: str = "outlined"
    palette: str = "adaptive"
    sheet: dict[str, Any] = field(default_factory=dict)
    source: str = "spec"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9\-]*", text.lower())


def infer_kind(description: str) -> str:
    """sfx, icon, texture, animation or sprite, from the words of a description."""
    ws = set(_words(description))
    if ws & _SFX_WORDS:
        return "sfx"
    if ws & _ICON_WORDS:
        return "icon"
    if ws & _TEXTURE_WORDS:
        return "texture"
    if ws & _SURFACE_WORDS:
        from studio.assets.textures import material_for

        if material_for(description) != "noise":
            return "texture"
    if any(ws & set(keys) for name, keys in _ANIM_WORDS.items()):
        return "animation"
    return "sprite"


def infer_animation(description: str) -> str:
    ws = set(_words(description))
    for name, keys in _ANIM_WORDS.items():
        if ws & set(keys):
            return name
    return "idle"


_STOP = {"a", "an", "the", "of", "with", "and", "sound", "sfx", "effect", "texture", "icon", "sprite", "seamless", "tileable", "animation", "animated"}


def slug(description: str, max_words: int = 3) -> str:
    ws = [w for w in _words(description) if w not in _STOP] or _words(description) or ["asset"]
    return re.sub(r"[^a-z0-9_]+", "_", "_".join(ws[:max_words])).strip("_")[:40] or "asset"


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> None:
        raise InputError(f"{self.source}: {where}: {message}")

    def positive_int(self, where: str, key: str, value: Any, lo: int = 1, hi: int = 4096) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
            self.fail(where, f"{key} must be a whole number, got {value!r}")
        v = int(value)
        if v <= 0:
            self.fail(where, f"{key} must be positive, got {v}")
        if v < lo or v > hi:
            self.fail(where, f"{key} must be between {lo} and {hi}, got {v}")
        return v

    def choice(self, where: str, key: str, value: Any, choices: tuple[str, ...] | list[str]) -> str:
        v = str(value).strip().lower()
        if v not in choices:

            self.fail(where, f"unknown {key} {value!r}{suggest(v, list(choices))}; use one of: {', '.join(choices)}")
        return v

    def style(self, where: str, value: Any) -> str:
        v = str(value).strip().lower()
        return STYLE_ALIASES.get(v) or self.choice(where, "style", v, STYLES)

    def size(self, where: str, value: Any, lo: int, hi: int) -> tuple[int, int]:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*[x×]\s*-?\d+\s*", value):
            value = [int(v) for v in re.split(r"[x×]", value)]
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                self.fail(where, f"size must be one number or [width, height], got {value!r}")
            return (self.positive_int(where, "size", value[0], lo, hi), self.positive_int(where, "size", value[1], lo, hi))
        v = self.positive_int(where, "size", value, lo, hi)
        return (v, v)


DEFAULT_SIZE = {"sprite": 64, "animation": 64, "texture": 256, "icon": 256, "sfx": 0}
SIZE_RANGE = {"sprite": (8, 2048), "animation": (8, 1024), "texture": (16, 4096), "icon": (8, 2048), "sfx": (1, 1)}


def _asset(raw: Any, index: int, top: dict[str, Any], ck: _Checker, used: set[str]) -> AssetSpec:
    if isinstance(raw, str):
        raw = {"description": raw}
    name_hint = raw.get("id") if isinstance(raw, dict) else None
    where = f"asset #{index}" + (f" {str(name_hint)!r}" if name_hint else "")
    if not isinstance(raw, dict):
        ck.fail(where, f"give a mapping with at least a description, got {raw!r}")
    for k in raw:
        if k not in ASSET_KEYS:

            ck.fail(where, f"unknown key {k!r}{suggest(str(k), list(ASSET_KEYS))}; allowed: {', '.join(ASSET_KEYS)}")
    desc = raw.get("description")
    if desc is None or not str(desc).strip():
        ck.fail(where, "description is empty; say what the asset shows or sounds like (e.g. description: red health potion)")
    desc = " ".join(str(desc).split())
    if len(desc) > 500:
        ck.fail(where, f"description is {len(desc)} characters; keep it under 500")
    aid = str(raw.get("id") or slug(desc))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,63}", aid):
        ck.fail(where, f"id {aid!r} must be letters, digits, '_' or '-' (it names the files)")
    where = f"asset #{index} {aid!r}"
    if aid.lower() in RESERVED_IDS:
        ck.fail(where, f"id {aid!r} is reserved (it names a shared output); choose another id")
    if "kind" in raw and raw["kind"] is not None:
        k = str(raw["kind"]).strip().lower()
        if k not in KIND_ALIASES:

            ck.fail(where, f"unknown kind {raw['kind']!r}{suggest(k, list(KINDS))}; use one of: {', '.join(KINDS)}")
        kind = KIND_ALIASES[k]
    else:
        kind = infer_kind(desc)
    if raw.get("id") is None and aid in used:
        n = 2
        while f"{aid}_{n}" in used:
            n += 1
        aid = f"{aid}_{n}"
        where = f"asset #{index} {aid!r}"
    if aid in used:
        ck.fail(where, f"id {aid!r} is used twice; every asset needs its own id")
    used.add(aid)
    style = ck.style(where, raw.get("style", top["style"]))
    lo, hi = SIZE_RANGE[kind]
    if kind == "sfx":
        if "size" in raw:
            ck.fail(where, "a sound has no size; use duration (seconds) instead")
        size = (0, 0)
    else:
        default = top.get("size") or (32 if (style == "pixel" and kind in ("sprite", "animation")) else DEFAULT_SIZE[kind])
        size = ck.size(where, raw.get("size", default), lo, hi)
    a = AssetSpec(index=index, id=aid, kind=kind, description=desc, size=size, style=style)
    a.palette = str(raw.get("palette", top["palette"]))
    from studio.backends.image.pixelate import PALETTE_NAMES, palette_colours

    if a.palette != "adaptive":
        try:
            palette_colours(a.palette)
        except ValueError:
            ck.choice(where, "palette", a.palette, list(PALETTE_NAMES))
    if "count" in raw:
        if kind in ("animation",):
            ck.fail(where, "an animation's length is `frames`, not `count`")
        a.count = ck.positive_int(where, "count", raw["count"], 1, 32)
    if kind == "animation":
        a.animation = ck.choice(where, "animation", raw["animation"], ANIMATIONS) if "animation" in raw else infer_animation(desc)
        a.frames = ck.positive_int(where, "frames", raw.get("frames", 4 if a.animation == "flash" else 8), 1, 64)
        fps = raw.get("fps", 12 if a.animation == "flash" else 10)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not (0 < float(fps) <= 60):
            ck.fail(where, f"fps must be a number in (0, 60], got {fps!r}")
        a.fps = float(fps)
    elif "frames" in raw or "animation" in raw or "fps" in raw:
        ck.fail(where, f"frames/animation/fps apply to kind animation, not {kind} (set kind: animation)")
    if "pixels" in raw:
        a.pixels = ck.positive_int(where, "pixels", raw["pixels"], 4, 512)
        a.style = "pixel"
    if kind == "icon":
        sizes = raw.get("sizes", [16, 32, 64, 128, 256])
        if not isinstance(sizes, (list, tuple)) or not sizes:
            ck.fail(where, f"sizes must be a list of pixel sizes like [16, 32, 64], got {sizes!r}")
        a.sizes = sorted({ck.positive_int(where, "sizes", s, 8, 2048) for s in sizes})
        if raw.get("rarity") is not None:
            a.rarity = ck.choice(where, "rarity", raw["rarity"], RARITIES)
        a.shape = ck.choice(where, "shape", raw.get("shape", "rounded"), ("rounded", "square", "circle"))
    elif "sizes" in raw or "rarity" in raw:
        ck.fail(where, f"sizes/rarity apply to kind icon, not {kind}")
    if kind == "texture":
        a.tile = ck.choice(where, "tile", raw.get("tile", "both"), TILE)
    elif "tile" in raw:
        ck.fail(where, f"tile applies to kind texture, not {kind}")
    if kind == "sfx":
        if "duration" in raw:
            d = raw["duration"]
            if isinstance(d, bool) or not isinstance(d, (int, float)) or not (0.02 <= float(d) <= 30):
                ck.fail(where, f"duration must be seconds between 0.02 and 30, got {d!r}")
            a.duration = float(d)
        if raw.get("sound") is not None:

            a.sound = ck.choice(where, "sound", raw["sound"], KIND_NAMES)
    elif "duration" in raw or "sound" in raw:
        ck.fail(where, f"duration/sound apply to kind sfx, not {kind}")
    if "outline" in raw:
        if not isinstance(raw["outline"], bool):
            ck.fail(where, f"outline must be true or false, got {raw['outline']!r}")
        a.outline = raw["outline"]
    return a


def parse_spec_data(data: Any, source: str = "spec") -> AssetsSpec:
    """Validate a parsed spec (a mapping with `assets`, or a bare list of assets)."""
    ck = _Checker(source)
    if isinstance(data, list):
        data = {"assets": data}
    if not isinstance(data, dict):
        ck.fail("top level", "a spec is a mapping with an `assets:` list (or just a list of assets)")
    for k in data:
        if k not in TOP_KEYS:

            ck.fail("top level", f"unknown key {k!r}{suggest(str(k), list(TOP_KEYS))}; allowed: {', '.join(TOP_KEYS)}")
    assets = data.get("assets")
    if not isinstance(assets, list) or not assets:
        ck.fail("top level", "`assets:` must be a non-empty list of assets (each with a description)")
    if len(assets) > 500:
        ck.fail("top level", f"{len(assets)} assets; at most 500 per spec")
    style = ck.style("top level", data.get("style", "outlined"))
    palette = str(data.get("palette", "adaptive"))
    top = {"style": style, "palette": palette, "size": None}
    if data.get("size") is not None:
        top["size"] = data["size"]
    sheet = data.get("sheet") or {}
    if not isinstance(sheet, dict):
        ck.fail("sheet", "give a mapping like {padding: 2, extrude: 1, power_of_two: false}")
    for k in sheet:
        if k not in SHEET_KEYS:
            ck.fail("sheet", f"unknown key {k!r}; allowed: {', '.join(SHEET_KEYS)}")
    for k in ("padding", "extrude"):
        if k in sheet and (isinstance(sheet[k], bool) or not isinstance(sheet[k], int) or not 0 <= sheet[k] <= 64):
            ck.fail("sheet", f"{k} must be a whole number from 0 to 64, got {sheet[k]!r}")
    for k in ("power_of_two", "trim", "atlas"):
        if k in sheet and not isinstance(sheet[k], bool):
            ck.fail("sheet", f"{k} must be true or false, got {sheet[k]!r}")
    used: set[str] = set()
    out = [_asset(raw, i + 1, top, ck, used) for i, raw in enumerate(assets)]
    name = str(data.get("name") or Path(source).stem or "assets")
    return AssetsSpec(name=name, assets=out, style=style, palette=palette, sheet=dict(sheet), source=source)


def parse_spec_text(text: str, source: str = "spec") -> AssetsSpec:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" line {mark.line + 1}" if mark else ""
        raise InputError(f"{source}:{line}: not valid YAML ({exc.problem or exc.context}); check indentation and quoting") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc})") from None
    if data is None:
        raise InputError(f"{source}: the spec is empty; list assets under `assets:`")
    return parse_spec_data(data, source)


def parse_spec_file(path: str | Path, display: str | None = None) -> AssetsSpec:
    p = Path(path)
    name = display or p.name
    if not p.is_file():
        raise InputError(f"{name}: no such spec file")
    if p.stat().st_size > 1_000_000:
        raise InputError(f"{name}: spec is larger than 1 MB; is it the right file?")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text; a spec is a YAML file") from None
    return parse_spec_text(text, name)


def parse_prompts(prompts: str | list[str], *, style: str = "outlined", palette: str = "adaptive") -> AssetsSpec:
    """A spec from `"red health potion; goblin enemy; stone wall texture; coin pickup sound"`
    (or a list of descriptions): kinds and ids inferred from the words."""
    items = prompts if isinstance(prompts, list) else re.split(r"[;\n]", prompts)
    items = [" ".join(str(s).split()) for s in items if str(s).strip()]
    if not items:
        raise InputError("prompts: give at least one description, e.g. \"red health potion; coin pickup sound\"")
    return parse_spec_data({"assets": [{"description": s} for s in items], "style": style, "palette": palette}, "prompts")
