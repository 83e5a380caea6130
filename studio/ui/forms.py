"""Forms generated from a recipe's inputs and the schemas of the steps they feed.

A recipe input is described by its own declaration (`type`, `default`, `choices`, `description`)
and by the step params or ports it is wired to (`with: {style: $inputs.style}`): a param's
`Literal` choices become a dropdown, its `ge`/`le` bounds the number's range, its description the
help text; a `path` feeding a video/image/audio port becomes a file upload of that kind. The
field descriptions are plain data (testable without Gradio); `make_component` builds the widget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.coerce import parse_cli_value
from studio.engine.errors import UserError
from studio.engine.pipeline import Pipeline, Ref
from studio.engine.step import STEPS, element_kind

#: file types offered by the upload widget per artifact kind
FILE_TYPES = {
    "video": [".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg"],
    "image": [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"],
    "audio": [".wav", ".ogg", ".flac", ".mp3", ".m4a", ".aac"],
    "text": [".txt", ".srt", ".vtt", ".md"],
    "data": [".json", ".yaml", ".yml"],
}
ARTIFACT_KINDS = {"image", "images", "text", "texts", "data", "audio", "audios", "file", "files", "video", "videos"}


@dataclass
class FieldSpec:
    """One form field for one recipe input."""

    name: str
    kind: str  # text | textarea | number | slider | dropdown | checkbox | file | files | code
    label: str
    info: str = ""
    default: Any = None
    required: bool = False
    choices: list[Any] | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    integer: bool = False
    file_types: list[str] | None = None
    input_type: str = "str"
    feeds: list[str] = field(default_factory=list)


def _wired(p: Pipeline, name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, "param"|"port", schema) for every step value that is exactly `$inputs.name`."""
    found = []
    for s in p.steps:
        if s.use not in STEPS:
            continue
        schema = STEPS.get(s.use).schema()
        for key, value in s.with_.items():
            values = value if isinstance(value, list) else [value]
            if not any(Ref.parse(v) == Ref("inputs", name) for v in values):
                continue
            if key in schema["params"]:
                found.append((f"{s.id}.{key}", "param", schema["params"][key]))
            elif key in schema["inputs"]:
                found.append((f"{s.id}.{key}", "port", schema["inputs"][key]))
    return found


def field_for(p: Pipeline, name: str) -> FieldSpec:
    spec = p.inputs[name]
    wired = _wired(p, name)
    params = [w[2] for w in wired if w[1] == "param"]
    ports = [w[2] for w in wired if w[1] == "port"]
    docs = [spec.description] + [w[2].get("doc", "") for w in wired]
    info = next((d for d in docs if d), "")
    label = name.replace("_", " ")
    default = None if spec.required else spec.default
    f = FieldSpec(name, "text", label, info=info, default=default, required=spec.required, input_type=spec.type,
                  feeds=[w[0] for w in wired])
    choices = list(spec.choices) if spec.choices else next((list(pr["enum"]) for pr in params if "enum" in pr), None)
    t = spec.type
    if choices and t not in ("bool", "path") and t not in ARTIFACT_KINDS:
        f.kind, f.choices = "dropdown", choices
        if f.default is None and not f.required:
            f.default = None
        return f
    if t == "bool":
        f.kind = "checkbox"
        f.default = bool(default) if default is not None else False
        return f
    if t in ("int", "float"):
        f.integer = t == "int"
        for pr in params:
            lo = pr.get("minimum", pr.get("exclusiveMinimum"))
            hi = pr.get("maximum", pr.get("exclusiveMaximum"))
            if lo is not None:
                f.minimum = lo if f.minimum is None else max(f.minimum, lo)
            if hi is not None:
                f.maximum = hi if f.maximum is None else min(f.maximum, hi)
        f.step = 1 if f.integer else None
        if f.integer and f.minimum is not None and f.maximum is not None and f.maximum - f.minimum <= 100:
            f.kind = "slider"
            if f.default is None:
                f.default = f.minimum
        else:
            f.kind = "number"
        return f
    kinds = [element_kind(pt["type"]) for pt in ports]
    if t in ("text", "texts"):
        f.kind = "textarea"
        return f
    if t == "data":
        f.kind = "code"
        return f
    if t in ARTIFACT_KINDS or t == "path":
        port_kind = element_kind(t) if t in ARTIFACT_KINDS else (kinds[0] if kinds else "file")
        if t == "path" and not ports:  # a path param (e.g. image.load's): read its docs
            text = " ".join(docs).lower()
            many = "folder" in text or "directory" in text
            port_kind = next((k for k in ("video", "image", "audio") if k in text), "file")
        elif t == "path":
            many = any(pt["type"] != element_kind(pt["type"]) for pt in ports)
        else:
            many = t != element_kind(t)
        f.kind = "files" if many else "file"
        f.file_types = FILE_TYPES.get(port_kind)
        return f
    if t in ("list", "dict"):
        f.kind = "code"
        if default is not None:
            f.default = json.dumps(default, indent=1) if t == "dict" else "\n".join(map(str, default))
        return f
    long_text = name in ("prompt", "prompts", "premise", "text", "spec", "script") or any(
        (pr.get("maxLength") or 0) > 200 for pr in params
    )
    f.kind = "textarea" if long_text else "text"
    return f


def fields_for(p: Pipeline) -> list[FieldSpec]:
    return [field_for(p, name) for name in p.inputs]


def _upload_path(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # gradio FileData as a dict
        value = value.get("path") or value.get("name")
    if hasattr(value, "path"):
        value = value.path
    if hasattr(value, "name") and not isinstance(value, (str, Path)):
        value = value.name
    return str(value) if value else None


def collect(fields: list[FieldSpec], values: list[Any], staging: Path | None = None) -> dict[str, Any]:
    """Form values (in `fields` order) to recipe inputs. Empty optional fields are left out (the
    recipe's default applies); an empty required field is a UserError naming it."""
    import yaml

    inputs: dict[str, Any] = {}
    for f, v in zip(fields, values):
        if f.kind in ("file", "files"):
            paths = [p for p in (_upload_path(x) for x in (v if isinstance(v, list) else [v])) if p]
            if not paths:
                v = None
            elif f.kind == "files" and f.input_type == "path":
                v = gather_folder(paths, staging)
            elif f.kind == "files":
                v = paths
            else:
                v = paths[0]
        elif f.kind == "code" and isinstance(v, str):
            if not v.strip():
                v = None
            elif f.input_type == "list" and not v.lstrip().startswith("["):
                v = [line.strip() for line in v.splitlines() if line.strip()]
            else:
                try:
                    v = yaml.safe_load(v)
                except yaml.YAMLError as exc:
                    raise UserError(f"input {f.name!r}: not valid YAML/JSON: {exc}") from None
        elif f.kind in ("text", "textarea") and isinstance(v, str) and not v.strip():
            v = None
        elif f.kind in ("number", "slider") and v is not None and f.integer:
            v = int(v)
        if v is None:
            if f.required:
                raise UserError(f"missing required input {f.name!r}{f' ({f.info})' if f.info else ''}: fill it in")
            continue
        inputs[f.name] = v
    return inputs


def gather_folder(paths: list[str], staging: Path | None) -> str:
    """Several uploaded files into one fresh folder (a `path` input that wants a folder)."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="upload-", dir=str(staging) if staging else None))
    for i, src in enumerate(paths):
        name = Path(src).name
        dest = base / (name if not (base / name).exists() else f"{i:03d}-{name}")
        shutil.copyfile(src, dest)
    return str(base)


def make_component(f: FieldSpec, **extra: Any) -> Any:
    """The Gradio widget for a field (`extra`: more component options, e.g. elem_id)."""
    import gradio as gr

    label = f.label + ("" if not f.required else " *")
    info = f.info or None
    if f.kind == "dropdown":
        return gr.Dropdown(choices=f.choices, value=f.default, label=label, info=info, allow_custom_value=False, **extra)
    if f.kind == "checkbox":
        return gr.Checkbox(value=bool(f.default), label=label, info=info, **extra)
    if f.kind == "slider":
        lo, hi = (f.minimum or 0), (f.maximum if f.maximum is not None else 100)
        return gr.Slider(minimum=lo, maximum=hi, step=1, value=f.default, label=label, info=info, **extra)
    if f.kind == "number":
        return gr.Number(value=f.default, label=label, info=info, minimum=f.minimum, maximum=f.maximum,
                         precision=0 if f.integer else None, **extra)
    if f.kind in ("file", "files"):
        return gr.File(label=label, file_count="multiple" if f.kind == "files" else "single", file_types=f.file_types, **extra)
    if f.kind == "code":
        return gr.Code(value=f.default if isinstance(f.default, str) else None, language="yaml", label=label, lines=4, **extra)
    if f.kind == "textarea":
        return gr.Textbox(value=f.default, label=label, info=info, lines=3, **extra)
    return gr.Textbox(value=None if f.default is None else str(f.default), label=label, info=info, **extra)


def params_reference(p: Pipeline) -> str:
    """A markdown table of every step param of the recipe (for the `STEP.PARAM=VALUE` box)."""
    rows = ["| setting | type | default | range / choices | what it does |", "|---|---|---|---|---|"]
    for s in p.steps:
        if s.use not in STEPS:
            continue
        schema = STEPS.get(s.use).schema()
        for k, prm in schema["params"].items():
            current = s.with_.get(k, prm.get("default", ""))
            rng = ""
            if "enum" in prm:
                rng = ", ".join(map(str, prm["enum"]))
            elif "minimum" in prm or "maximum" in prm:
                rng = f"{prm.get('minimum', '')}..{prm.get('maximum', '')}"
            cur = json.dumps(current, default=str) if not isinstance(current, str) else current
            if len(cur) > 40:
                cur = cur[:37] + "..."
            doc = str(prm.get("doc", "")).replace("|", "\\|").replace("\n", " ")
            rows.append(f"| `{s.id}.{k}` | {prm['type']} | `{cur}` | {rng} | {doc} |".replace("``", "` `"))
    return "\n".join(rows) if len(rows) > 2 else "_This recipe's steps have no settings._"


def parse_overrides(text: str | None) -> dict[str, Any]:
    """`STEP.PARAM=VALUE` lines (like `--set`) to an overrides dict."""

    out: dict[str, Any] = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise UserError(f"setting {line!r}: use STEP.PARAM=VALUE, one per line")
        k, v = line.split("=", 1)
        if not k.strip():
            raise UserError(f"setting {line!r}: the name before '=' is empty")
        out[k.strip()] = parse_cli_value(v.strip())
    return out


def place_values(p: Pipeline, values: dict[str, Any], prefer: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """Put UI values where the recipe takes them: a recipe input of that name, else the param of
    that name on a step (steps whose `use` starts with a `prefer` prefix first), else an unwired
    input port of that name. Returns
    (inputs, overrides). A value with no home is a UserError (the tab and recipe disagree)."""
    inputs: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    steps = sorted(p.steps, key=lambda s: 0 if s.use.startswith(prefer) else 1) if prefer else list(p.steps)
    for key, value in values.items():
        if value is None:
            continue
        if key in p.inputs:
            inputs[key] = value
            continue
        home = next((s for s in steps if s.use in STEPS and key in STEPS.get(s.use).Params.model_fields), None)
        if home is None:  # a data port (e.g. an edited script) can be given like a param
            home = next((s for s in steps if s.use in STEPS and key in STEPS.get(s.use).inputs and key not in s.with_), None)
        if home is None:
            raise UserError(f"recipe {p.name!r} takes no {key!r} (inputs: {', '.join(p.inputs)}); update the recipe or the UI")
        overrides[f"{home.id}.{key}"] = value
    return inputs, overrides


def choices_of(p: Pipeline, key: str, prefer: tuple[str, ...] = ()) -> tuple[list[Any] | None, Any]:
    """(choices, default) for a value a tab shows, from the recipe input or the step param schema."""
    if key in p.inputs:
        spec = field_for(p, key)
        return spec.choices, spec.default
    steps = sorted(p.steps, key=lambda s: 0 if s.use.startswith(prefer) else 1) if prefer else list(p.steps)
    for s in steps:
        if s.use in STEPS:
            prm = STEPS.get(s.use).schema()["params"].get(key)
            if prm is not None:
                default = s.with_.get(key, prm.get("default"))
                if Ref.parse(default) is not None:
                    default = prm.get("default")
                return (list(prm["enum"]) if "enum" in prm else None), default
    return None, None
