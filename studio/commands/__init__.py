"""Extra CLI commands. Each module defines `register(subparsers)` which adds a subcommand whose
`func(args) -> int` does the work; modules are discovered automatically. Keep imports light."""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def register_all(subparsers: argparse._SubParsersAction) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(subparsers)
