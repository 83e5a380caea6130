"""Turning user-given values (strings, paths, numbers) into typed recipe inputs and artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.engine.artifacts import (
    Artifact,
    AudioArtifact,
    DataArtifact,
    FileArtifact,
    ImageArtifact,
    TextArtifact,
    VideoArtifact,
)
from studio.engine.errors import InputError, UserError
from studio.engine.registry import suggest
from studio.engine.step import element_kind, is_list_type

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def parse_cli_value(text: str) -> Any:
    """`--set` values are YAML scalars or flow collections: 3, 0.5, true, [a, b], "x"."""
    import yaml

    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def parse_pairs(pairs: list[str] | None, flag: str) -> list[tuple[str, str]]:
    """`NAME=VALUE` command-line items (for -i and --set) as (name, raw value) pairs."""
    out = []
    for item in pairs or []:
        if "=" not in item:
            raise UserError(f"{flag} {item!r}: use NAME=VALUE")
        k, v = item.split("=", 1)
        if not k.strip():
            raise UserError(f"{flag} {item!r}: the name before '=' is empty")
        out.append((k.strip(), v))
    return out


def structured_from_text(name: str, type_: str, text: str) -> Any:
    """A dict/list input given as text (`-i NAME=VALUE`): JSON, `@file.json`, or a path to a .json file.

    Returns the parsed value, or the text unchanged when it is none of those (a list input then
    falls back to `a; b; c`)."""
    import json

    raw = text.strip()
    source = None
    if raw.startswith("@"):
        source = Path(raw[1:]).expanduser()
        if not source.is_file():
            raise InputError(f"input {name!r}: {source}: no such file (after '@' give a JSON file)")
    elif raw.lower().endswith(".json") and not raw.startswith(("{", "[")):
        source = Path(raw).expanduser()
        if not source.is_file():
            raise InputError(f"input {name!r}: {source}: no such file (expected a JSON file for a {type_} input)")
    if source is not None:
        try:
            raw = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"input {name!r}: cannot read {source}: {exc}") from None
    elif not raw.startswith(("{", "[")):
        return text
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"{source}" if source is not None else "the value"
        raise UserError(
            f"input {name!r}: {where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg});"
            f" give a {type_} as JSON, @file.json or a path to a .json file"
        ) from None


def convert_input(name: str, type_: str, value: Any, choices: list[Any] | None = None) -> Any:
    """Convert a recipe input value to its declared type, or raise a UserError naming it."""
    where = f"input {name!r}"
    if type_ in ("dict", "list") and isinstance(value, str):
        value = structured_from_text(name, type_, value)
    try:
        if type_ == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            value = int(value)
        elif type_ == "float":
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        elif type_ == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
                    raise ValueError
                value = low in ("true", "yes", "1", "on")
            else:
                value = bool(value)
        elif type_ == "str":
            if isinstance(value, (dict, list)):
                raise ValueError
            value = "" if value is None else str(value)
        elif type_ == "list":
            if isinstance(value, str):
                value = [v.strip() for v in value.split(";") if v.strip()]
            if isinstance(value, dict):
                raise ValueError
            value = list(value)
        elif type_ == "dict":
            if not isinstance(value, dict):
                raise ValueError
        elif type_ == "path" and not isinstance(value, (str, Path, Artifact)):
            raise ValueError
    except (TypeError, ValueError):
        hint = " (give JSON, @file.json or a path to a .json file)" if type_ == "dict" else ""
        raise UserError(f"{where} must be {type_}, got {value!r}{hint}") from None
    if choices and value not in choices:

        raise UserError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}{suggest(str(value), [str(c) for c in choices])}")
    return value


def _existing(path: Any, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such file ({what})")
    return p


def images_from_path(path: str | Path) -> list[ImageArtifact]:
    p = _existing(path, "expected an image or a folder of images")
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
        if not files:
            raise InputError(f"{p}: folder has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return [ImageArtifact.from_path(f) for f in files]
    return [ImageArtifact.from_path(p)]


def to_artifact(value: Any, port_type: str, where: str) -> Any:
    """Coerce a value for a port of `port_type` ("image", "images", ...)."""
    kind = element_kind(port_type)
    many = is_list_type(port_type)
    if value is None:
        return [] if many else None
    if many:
        if isinstance(value, (list, tuple)):
            out: list[Any] = []
            for v in value:
                c = to_artifact(v, port_type, where)
                out.extend(c)
            return out
        if kind == "image" and isinstance(value, (str, Path)):
            return images_from_path(value)
        return [to_artifact(value, kind, where)]
    if isinstance(value, (list, tuple)):
        raise UserError(f"{where}: expects one {kind}, got a list of {len(value)}")
    if isinstance(value, Artifact):
        if value.kind == kind or (kind == "file" and isinstance(value, FileArtifact)):
            return value
        raise UserError(f"{where}: expects {kind}, got {value.kind}")
    if kind == "image":
        from PIL import Image

        if isinstance(value, Image.Image):
            return ImageArtifact(value)
        imgs = images_from_path(value)
        if len(imgs) != 1:
            raise InputError(f"{where}: {value} holds {len(imgs)} images; this input takes one")
        return imgs[0]
    if kind == "video":
        p = _existing(value, "expected a video")
        if p.is_dir():
            raise InputError(f"{p}: is a folder, expected a video file")
        return VideoArtifact(p.resolve(), meta={"source": str(p)})
    if kind == "file":
        p = _existing(value, "expected a file")
        if p.is_dir():
            raise InputError(f"{p}: is a folder, expected a file")
        return FileArtifact(p.resolve(), meta={"source": str(p)})
    if kind == "audio":
        return AudioArtifact.from_path(_existing(value, "expected an audio file"))
    if kind == "text":
        return TextArtifact(str(value))
    if kind == "data":
        return DataArtifact(value)
    raise UserError(f"{where}: cannot make a {kind} from {value!r}")
