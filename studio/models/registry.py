"""Known models per task. Catalogue modules (`catalog_*.py` in this package) register entries."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

TASKS = (
    "text-to-image",
    "image-to-image",
    "image-captioning",
    "speech-recognition",
    "text-generation",
    "text-to-music",
    "text-to-audio",
    "shot-detection",
)


@dataclass(frozen=True)
class ModelSpec:
    """A known model: short name, hub id, licence, defaults and recommended settings."""

    name: str
    task: str
    hub_id: str
    licence: str
    description: str = ""
    #: the library class family, e.g. "diffusers:StableDiffusionXLPipeline", "transformers:MusicgenForConditionalGeneration"
    family: str = ""
    revision: str | None = None
    dtype: str = "auto"
    settings: dict[str, Any] = field(default_factory=dict)
    size_gb: float | None = None
    default: bool = False
    #: the hub repo needs an accepted licence and a token (`huggingface-cli login`) to download
    gated: bool = False


_MODELS: dict[tuple[str, str], ModelSpec] = {}
_loaded = False


def register_model(spec: ModelSpec) -> ModelSpec:
    _MODELS[(spec.task, spec.name)] = spec
    return spec


def _load_catalogues() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from studio import models as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("catalog_"):
            importlib.import_module(f"studio.models.{info.name}")


def all_models(task: str | None = None) -> list[ModelSpec]:
    _load_catalogues()
    return [m for (t, _), m in sorted(_MODELS.items()) if task is None or t == task]


def get(task: str, name_or_id: str) -> ModelSpec | None:
    """A known model by short name or hub id (None if it is not in the catalogue)."""
    _load_catalogues()
    if (task, name_or_id) in _MODELS:
        return _MODELS[(task, name_or_id)]
    for (t, _), m in _MODELS.items():
        if t == task and m.hub_id.lower() == name_or_id.lower():
            return m
    return None


def find_any(name_or_id: str) -> ModelSpec | None:
    _load_catalogues()
    for (_, n), m in sorted(_MODELS.items()):
        if n == name_or_id or m.hub_id.lower() == name_or_id.lower():
            return m
    return None


def default_for(task: str) -> ModelSpec | None:
    models = all_models(task)
    for m in models:
        if m.default:
            return m
    return models[0] if models else None


def tasks() -> list[str]:
    """Every task that has at least one known model, plus the standard task names."""
    _load_catalogues()
    return list(dict.fromkeys([*TASKS, *sorted({t for t, _ in _MODELS})]))


def suggest(task: str, name: str, n: int = 3) -> list[str]:
    """Known short names for `task` that look like `name` (for "did you mean" messages)."""
    import difflib

    names = [m.name for m in all_models(task)]
    return difflib.get_close_matches(name.lower(), names, n=n, cutoff=0.5)
