"""The procedural image generator: the embedded default of `image.generate` (no weights needed).

    from studio.backends.image.procedural import generate_image, describe_prompt
    img = generate_image("a red potion", width=256, height=256, seed=1, style="outlined", subject_only=True)
    scene = generate_image("a knight in front of a castle at sunset", width=768, height=512, seed=3)

It reads the prompt (`describe_prompt`) for subjects, colours, setting, time of day, weather and
mood, and draws from an archetype library of shaded, outlined shapes (characters in many outfits,
creatures, items, plants, buildings, vehicles; see `ARCHETYPES`). Scenes get a sky by time of day,
sun/moon/stars, clouds, layered silhouettes with haze, a ground per setting, and weather. A
subject it cannot draw becomes a clearly labelled placeholder card.

Contract (other engineers build on it; keep it stable):

- `generate_image(prompt, *, width, height, seed, style="flat", transparent=False,
  subject_only=False) -> PIL.Image.Image` is deterministic: the same arguments give the same
  pixels. `style` is "flat" (cel-shaded, no outlines), "outlined" (soft shading, ink outlines) or
  "pixel" (a ~64-cell grid, limited palette, 1-px outline). `subject_only=True` returns just the
  subject(s) centred on a transparent RGBA canvas (sprites, icons); `transparent=True` keeps the
  scene layout but leaves out the background (RGBA). Otherwise the result is RGB.
- `subjects=[]` (optional, a list the caller passes) receives where each subject of a scene was
  drawn: `{"name", "kind", "archetype", "box": [x, y, w, h]}` in output pixels;
  `head_box(kind, box, archetype)` gives the rough head region of characters and creatures (what comic panels keep in frame and bubble
  tails point at).
- `identity=N` (optional): a subject's looks (colours, clothes, skin, markings) depend only on
  its description and N, not on `seed` or the rest of the prompt, so "a girl with round glasses"
  is the same girl in every panel drawn with the same N. Without it, each seed varies them.
- `describe_prompt(prompt) -> dict` is what the generator understood (subjects, backdrops,
  setting, time, weather, moods, palette, unknown words), for manifests.
- `drawn={}` (optional) receives what the picture shows: `{setting, time, weather, things:
  [{word, drawn_as, placeholder, via?}]}`; every noun the prompt names is there, drawn as an
  archetype, as the nearest one by meaning (`via` names the category: whale -> "large sea
  animal"), dressing or held by another subject, or as a placeholder card (`placeholder: true`).
  `drawn_for(prompt)` gives the same without drawing. `setting=KEY` (one of `SETTINGS`) is the
  place used when the prompt names none (a comic keeps its place from panel to panel).
"""

from __future__ import annotations

from PIL import Image

from studio.backends.image.procedural import settings as _places
from studio.backends.image.procedural.library import ARCHETYPES, WORDS, Archetype, ensure_loaded
from studio.backends.image.procedural.prompt import describe_prompt, parse_prompt
from studio.backends.image.procedural.render import (
    STYLES,
    drawn_report,
    generate,
    outline_alpha,
    pixelate,
    placeholder_card,
)

__all__ = [
    "generate_image", "head_box", "describe_prompt", "parse_prompt", "STYLES", "ARCHETYPES", "WORDS", "Archetype",
    "archetype_names", "outline_alpha", "pixelate", "placeholder_card", "drawn_for", "SETTINGS",
]

#: every setting the scene painter knows (sea, ship, harbour, Mars, classroom, kitchen, ...)
SETTINGS: tuple[str, ...] = tuple(_places.ALL)


def generate_image(prompt: str, *, width: int, height: int, seed: int, style: str = "flat",
                   transparent: bool = False, subject_only: bool = False, subjects: list[dict] | None = None,
                   identity: int | None = None, drawn: dict | None = None, setting: str | None = None) -> Image.Image:
    """Draw `prompt` deterministically (see the module docstring for the contract). `subjects`,
    when given, gets where each subject of a scene was drawn (see `generate`); `identity` keeps
    each described subject looking the same across pictures (comic panels); `drawn` gets what
    was drawn; `setting` is the place when the prompt names none."""
    return generate(prompt, width=width, height=height, seed=int(seed), style=style,
                    transparent=transparent, subject_only=subject_only, subjects=subjects,
                    identity=None if identity is None else int(identity), drawn=drawn, setting=setting)


def drawn_for(prompt: str, *, subject_only: bool = False, setting: str | None = None) -> dict:
    """What `generate_image(prompt, ...)` would draw (the `drawn` report), without drawing."""
    info = parse_prompt(prompt or "")
    if setting is not None and info.setting is None:
        info.setting = setting
    return drawn_report(info, subject_only)


#: where the head is within the drawn box (x, y, w, h as fractions) for creatures seen from the
#: side, facing right: the upper-half rule would put their face on the shell, body or wings
_SIDE_HEADS = {
    "bird": (0.5, 0.0, 0.5, 0.6), "fish": (0.55, 0.1, 0.45, 0.8), "tortoise": (0.68, 0.1, 0.32, 0.55),
    "dragon": (0.62, 0.05, 0.38, 0.4),
}


def head_box(kind: str, box: list[int], archetype: str | None = None) -> list[int] | None:
    """Where the head of a drawn subject is, roughly ([x, y, w, h]): characters stand upright
    with the head in the top third, centred; creatures sit with the head in the upper half, and
    side-view ones (bird, fish, tortoise, dragon; give `archetype`) have it at the front. None for
    things without a face (items, plants, buildings, vehicles, ...)."""
    x, y, w, h = box
    if archetype in _SIDE_HEADS:
        fx, fy, fw, fh = _SIDE_HEADS[archetype]
        return [round(x + fx * w), round(y + fy * h), max(1, round(fw * w)), max(1, round(fh * h))]
    if kind == "character":
        return [round(x + 0.2 * w), y, max(1, round(0.6 * w)), max(1, round(0.32 * h))]
    if kind == "creature":
        return [x, y, w, max(1, round(0.5 * h))]
    return None


def archetype_names() -> list[str]:
    """Every archetype the generator can draw, sorted."""
    ensure_loaded()
    return sorted(ARCHETYPES)
