"""The script every writer returns: panels and cast, where it came from, and the repairs made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Script:
    panels: list[dict[str, Any]]
    characters: list[dict[str, str]]
    source: str = "template"
    repairs: list[str] = field(default_factory=list)
    understood: bool = True  # the template writer: whether the request could be read
