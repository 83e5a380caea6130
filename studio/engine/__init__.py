"""The engine: artifacts, steps, pipelines, recipes, executor, cache, manifests. Media-agnostic."""

from typing import TYPE_CHECKING, Any

# Submodules load on first use: `from studio.engine.errors import InputError` stays cheap for
# backends, and everything below is still importable from `studio.engine`.
_WHERE = {
    "artifacts": ("Artifact", "AudioArtifact", "DataArtifact", "FileArtifact", "ImageArtifact", "TextArtifact", "VideoArtifact"),
    "cache": ("Cache",),
    "errors": ("Cancelled", "InputError", "InvalidArgumentError", "ModelNotAvailableError", "Problem", "RecipeError", "StepError", "StorageError",
               "StudioError", "UnknownKeyError", "UnknownNameError", "UserError"),
    "executor": ("RunResult", "execute"),
    "pipeline": ("Pipeline",),
    "progress": ("CancelToken", "Event"),
    "recipe": ("builtin_recipes", "load_recipe", "pipeline_from_text"),
    "refs": ("Ref",),
    "step": ("STEPS", "Port", "Step", "StepContext", "StepParams", "get_step", "register_step"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

if TYPE_CHECKING:
    from studio.engine.artifacts import (
        Artifact,
        AudioArtifact,
        DataArtifact,
        FileArtifact,
        ImageArtifact,
        TextArtifact,
        VideoArtifact,
    )
    from studio.engine.cache import Cache
    from studio.engine.errors import (
        Cancelled,
        InputError,
        InvalidArgumentError,
        ModelNotAvailableError,
        Problem,
        RecipeError,
        StepError,
        StorageError,
        StudioError,
        UnknownKeyError,
        UnknownNameError,
        UserError,
    )
    from studio.engine.executor import RunResult, execute
    from studio.engine.pipeline import Pipeline
    from studio.engine.progress import CancelToken, Event
    from studio.engine.recipe import builtin_recipes, load_recipe, pipeline_from_text
    from studio.engine.refs import Ref
    from studio.engine.step import (
        STEPS,
        Port,
        Step,
        StepContext,
        StepParams,
        get_step,
        register_step,
    )


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'studio.engine' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Artifact", "AudioArtifact", "DataArtifact", "FileArtifact", "ImageArtifact", "TextArtifact", "VideoArtifact",
    "Cache", "Cancelled", "InputError", "InvalidArgumentError", "ModelNotAvailableError", "Problem", "RecipeError", "StepError",
    "StorageError", "StudioError", "UnknownKeyError", "UnknownNameError", "UserError", "RunResult", "execute", "Pipeline", "Ref", "CancelToken",
    "Event", "builtin_recipes", "load_recipe", "pipeline_from_text", "STEPS", "Port", "Step", "StepContext",
    "StepParams", "get_step", "register_step",
]
