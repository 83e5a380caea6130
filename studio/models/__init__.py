"""Model registry and manager: which models exist per task, where their weights are, and one
loaded copy per process.

    from studio.models import registry, manager
    spec = registry.get("text-to-image", "sdxl-turbo")        # a known model (or None)
    resolved = manager.resolve("stabilityai/sdxl-turbo", task="text-to-image")
    if resolved.available:
        pipe = manager.load(key, loader=my_loader)           # loaded once, LRU-cached

`plan_backend` is the one choice between a neural backend and its embedded fallback; the loaders
in `studio.models.loaders` (diffusers, transformers, audio, video) are the only code that builds
a model from weights. Neural backends get models only through here; procedural backends need
nothing from it.
"""

from studio.models import registry
from studio.models.manager import (
    LoadedModel,
    ModelManager,
    ResolvedModel,
    allow_downloads,
    allow_pickle,
    choose_device,
    choose_dtype,
    hf_cache_dir,
    manager,
    plan_backend,
    resolve_for_task,
    trust_remote_code,
)
from studio.models.registry import ModelSpec, register_model

__all__ = [
    "registry", "manager", "ModelManager", "ResolvedModel", "LoadedModel", "ModelSpec", "register_model",
    "choose_device", "choose_dtype", "allow_downloads", "allow_pickle", "trust_remote_code", "hf_cache_dir",
    "plan_backend", "resolve_for_task",
]
