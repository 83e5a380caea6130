"""References between the parts of a pipeline: `$inputs.NAME` and `$STEP.OUTPUT`, and the
Jinja2 templates that a `with:` value may be instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REF_RE = re.compile(r"^\$([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)$")


@dataclass(frozen=True)
class Ref:
    """A reference to a recipe input (`source == "inputs"`) or a step's output."""

    source: str
    name: str

    def __str__(self) -> str:
        return f"${self.source}.{self.name}"

    @classmethod
    def parse(cls, value: Any) -> Ref | None:
        if isinstance(value, Ref):
            return value
        if isinstance(value, str):
            m = REF_RE.match(value.strip())
            if m:
                return cls(m.group(1), m.group(2))
        return None


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)
