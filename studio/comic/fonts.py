"""Fonts that work offline: a user TTF, or Pillow's scalable built-in font."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from studio.engine.errors import InputError


@lru_cache(maxsize=64)
def load_font(size: int, path: str | None = None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font of `size` px: the TTF at `path` if given, else Pillow's built-in scalable font."""
    if path:
        p = Path(path).expanduser()
        if not p.is_file():

            raise InputError(f"font {p}: no such file; give a .ttf/.otf path or leave it empty for the built-in font")
        return ImageFont.truetype(str(p), size=size)
    return ImageFont.load_default(size=size)
