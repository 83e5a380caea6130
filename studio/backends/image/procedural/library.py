"""The archetype library: named, shaded, outlined shapes the generator can draw.

An archetype is a function `draw(painter, colors, rng, variant)` that paints into the unit box
(y down, the subject standing on y ~ 0.97), plus what the prompt parser and the scene composer
need: the words that name it, its default colours, its kind, and how tall its box is in a scene
(a fraction of the image height). Variants are word-specific options ("detective" is a person with
a trench coat and a fedora).
"""

from __future__ import annotations

from studio.backends.image.procedural.registry import (
    ARCHETYPES,
    WORDS,
    Archetype,
    DrawFn,
    archetype,
)

__all__ = ["ARCHETYPES", "WORDS", "Archetype", "DrawFn", "archetype", "ensure_loaded"]


def ensure_loaded() -> None:
    """Import the modules that register archetypes (idempotent; the order fixes which archetype
    a shared word names, so it stays characters, items, world, extras)."""
    from studio.backends.image.procedural import characters, items, world  # noqa: F401, I001
    from studio.backends.image.procedural import extras  # noqa: F401  (after the first three: theirs keep shared words)
