"""Style presets: `templates/styles/<name>.yaml`, usable from any recipe (`style: manga`).

A preset has `name`, `description`, `prompt` (a template holding `{prompt}` or Jinja
`{{ prompt }}`), `negative_prompt`, `stylizer` (the classic `stylize()` style used when no
diffusion model runs) and optionally `procedural_style` (flat | outlined | pixel) and `settings`
(recommended steps/guidance/strength for diffusion).

    from studio.backends.text.presets import load_style, list_styles, apply_style
    style = load_style("manga")
    prompt, negative = apply_style(style, "a detective in the rain", "")
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from studio.backends.text.templating import render_template, templates_dir
from studio.engine.errors import UnknownNameError, UserError
from studio.engine.reads import paths_allowed
from studio.engine.recipe import check_yaml_shape

REQUIRED = ("name", "description", "prompt", "negative_prompt", "stylizer")


def styles_dir() -> Path:
    return templates_dir() / "styles"


def list_styles() -> list[str]:
    """Names of every preset, sorted."""
    d = styles_dir()
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


@lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> dict[str, Any]:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        if len(text) > 64 * 1024:
            raise UserError(f"style preset {path}: larger than 64 KiB")
        check_yaml_shape(text, str(path), what="style preset")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"style preset {path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise UserError(f"style preset {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise UserError(f"style preset {path}: expected a mapping with {', '.join(REQUIRED)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise UserError(f"style preset {path}: missing {', '.join(missing)}")
    prompt = str(data["prompt"])
    if "{prompt}" not in prompt and not re.search(r"\{\{\s*prompt\s*\}\}", prompt):
        raise UserError(f"style preset {path}: `prompt` must contain {{prompt}} or {{{{ prompt }}}}")
    data.setdefault("procedural_style", "outlined")
    data.setdefault("settings", {})
    return data


def load_style(name: str) -> dict[str, Any]:
    """The preset called `name` (a copy), or UnknownNameError listing close names."""
    import difflib

    raw = str(name).strip()
    if "/" in raw or "\\" in raw or raw.startswith((".", "~")) or raw.endswith((".yaml", ".yml")):
        # a preset file by path: only where paths are allowed (CLI, Python API; not the web UI)
        if not paths_allowed():
            raise UnknownNameError(f"style {raw!r}: give a preset name ({', '.join(list_styles())}); paths are not read here")
        if not raw.endswith((".yaml", ".yml")):
            raise UnknownNameError(f"style {raw!r}: give a preset name or a path to a .yaml preset")
        file = Path(raw).expanduser()
        if not file.is_file():
            raise UnknownNameError(f"style preset file {raw!r} does not exist")
        return dict(_load(str(file), file.stat().st_mtime))
    key = raw.lower().replace("_", "-").replace(" ", "-")
    path = styles_dir() / f"{key}.yaml"
    if not path.is_file():
        names = list_styles()
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.4)
        maybe = f"did you mean {' or '.join(close)}? " if close else ""
        raise UnknownNameError(f"unknown style {name!r}; {maybe}available: {', '.join(names) or 'none'} (presets live in {styles_dir()})")
    return dict(_load(str(path), path.stat().st_mtime))


def render_prompt(template: str, prompt: str) -> str:
    """Put `prompt` into a preset template (`{prompt}` or Jinja `{{ prompt }}`)."""
    if "{{" in template:

        return render_template(template, prompt=prompt)
    return template.replace("{prompt}", prompt).strip().strip(",").strip()


def apply_style(style: dict[str, Any] | None, prompt: str, negative_prompt: str = "") -> tuple[str, str]:
    """(prompt, negative prompt) with the preset's templates applied; the user's negative prompt
    comes first, the preset's is appended."""
    if not style:
        return prompt, negative_prompt
    p = render_prompt(str(style["prompt"]), prompt)
    neg_parts = [n for n in (negative_prompt.strip(), str(style.get("negative_prompt") or "").strip()) if n]
    return p, ", ".join(neg_parts)
