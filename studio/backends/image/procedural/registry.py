"""The archetype registry: `Archetype`, the `archetype` decorator that the drawing modules
(characters, items, world) use to register theirs, and the tables it fills (`ARCHETYPES`, and
`WORDS` for the prompt parser). `library.ensure_loaded` imports those modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DrawFn = Callable[..., None]


@dataclass(frozen=True)
class Archetype:
    name: str
    kind: str  # character | creature | item | plant | structure | vehicle | celestial | prop
    words: tuple[str, ...]
    colors: tuple[str, ...]
    height: float
    draw: DrawFn
    grounded: bool = True
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)


ARCHETYPES: dict[str, Archetype] = {}
#: word (singular, lower case) -> (archetype name, variant options)
WORDS: dict[str, tuple[str, dict[str, Any]]] = {}


def archetype(name: str, *, kind: str, words: str = "", colors: str = "", height: float = 0.5,
              grounded: bool = True, variants: dict[str, dict[str, Any]] | None = None) -> Callable[[DrawFn], DrawFn]:
    """Register a drawing function as an archetype named `name` (also matched by `words`)."""

    def deco(fn: DrawFn) -> DrawFn:
        ws = tuple(dict.fromkeys([name, *words.split()]))
        arch = Archetype(name, kind, ws, tuple(colors.split()) or ("grey",), height, fn, grounded, dict(variants or {}))
        ARCHETYPES[name] = arch
        for w in ws:
            WORDS.setdefault(w, (name, {}))
        for w, v in (variants or {}).items():
            WORDS[w] = (name, dict(v))
        return fn

    return deco
