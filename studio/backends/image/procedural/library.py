"""The archetype library: named, shaded, outlined shapes the generator can draw.

An archetype is a function `draw(painter, colors, rng, variant)` that paints into the unit box
(y down, the subject standing on y ~ 0.97), plus what the prompt parser and the scene composer
need: the words that name it, its default colours, its kind, and how tall its box is in a scene
(a fraction of the image height). Variants are word-specific options ("detective" is a person with
a trench coat and a fedora).
"""

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


def ensure_loaded() -> None:
    """Import the modules that register archetypes (idempotent)."""
    from studio.backends.image.procedural import characters, items, world  # noqa: F401
