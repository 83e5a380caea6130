"""Jinja2 templates for prompts, kept in templates/prompts/ (or given inline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import studio
from studio.engine.errors import UserError
from studio.engine.jinja import render_sandboxed


def templates_dir() -> Path:
    """The templates folder: inside the installed package, or the repo's `templates/`."""

    pkg = Path(studio.__file__).resolve().parent
    for d in (pkg / "_data" / "templates", pkg.parent / "templates"):
        if d.is_dir():
            return d
    return pkg.parent / "templates"


def render_template(template: str, **context: Any) -> str:
    text = template
    if "{" not in template and template.endswith((".j2", ".jinja", ".txt")):
        path = templates_dir() / "prompts" / template
        if not path.is_file():
            names = sorted(p.name for p in (templates_dir() / "prompts").glob("*")) if (templates_dir() / "prompts").is_dir() else []
            raise UserError(f"prompt template {template!r} not found in templates/prompts/; available: {', '.join(names) or 'none'}")
        text = path.read_text(encoding="utf-8")
    return render_sandboxed(text, context, where="template", trim_blocks=True, lstrip_blocks=True).strip()
