"""Builtin steps. Every module in this package registers its steps when imported.

Step modules must stay light to import: heavy libraries are imported inside `run` or in the
backends, so `studio steps` and `studio validate` start fast.
"""

from __future__ import annotations

import importlib
import pkgutil

from studio.export import png

_loaded = False


def load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    png.install()  # images saved by runs carry their `parameters` text
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
