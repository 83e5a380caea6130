"""Jinja2 templates for prompts, kept in templates/prompts/ (or given inline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import studio
from studio.engine.errors import UserError
from studio.engine.jinja import render_sandboxed
from studio.engine.reads import paths_allowed


def templates_dir() -> Path:
    """The templates folder: inside the installed package, or the repo's `templates/`."""

    pkg = Path(studio.__file__).resolve().parent
    for d in (pkg / "_data" / "templates", pkg.parent / "templates"):
        if d.is_dir():
            return d
    return pkg.parent / "templates"


def _is_plain_name(s: str) -> bool:
    return bool(s) and "/" not in s and "\\" not in s and not s.startswith((".", "~"))


def load_template_text(template: str) -> str:
    """The text of a named template: a file name in templates/prompts/ (anywhere), or a path to
    a template file (only where paths are allowed: the CLI and the Python API, not the web UI)."""
    prompts = templates_dir() / "prompts"
    if _is_plain_name(template):
        path = prompts / template
        if not path.is_file():
            names = sorted(p.name for p in prompts.glob("*")) if prompts.is_dir() else []
            raise UserError(f"prompt template {template!r} not found in templates/prompts/; available: {', '.join(names) or 'none'}")
    else:
        if not paths_allowed():
            raise UserError(f"prompt template {template!r}: give a template name from templates/prompts/ (paths are not read here)")
        path = Path(template).expanduser()
        if not path.is_file():
            raise UserError(f"prompt template file {template!r} does not exist")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"prompt template {template!r} cannot be read: {exc}") from None


def render_template(template: str, **context: Any) -> str:
    """Render an inline template, or a named one (`panel.j2`), in the budgeted sandbox."""
    text = template
    if "{" not in template and template.endswith((".j2", ".jinja", ".txt")):
        text = load_template_text(template)
    return render_sandboxed(text, context, where="template", trim_blocks=True, lstrip_blocks=True).strip()
