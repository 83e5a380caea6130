"""studio: composable creative-media pipelines.

    >>> import studio
    >>> result = studio.run("contact-sheet", folder="pics/")
    >>> result.paths["sheet"]

Build the same thing in code with `studio.Pipeline` (see README).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio._version import __version__
from studio.engine.registry import add_builtin_loader


def _load_builtin_steps() -> None:
    from studio.steps import load_builtin

    load_builtin()


# the engine's step registry is generic: the package hands it the builtin steps, which load
# (and register) on the first lookup, so `import studio` stays cheap
add_builtin_loader("step", _load_builtin_steps)

# The engine (pydantic, yaml, ...) loads on first use, so `import studio.backends.video` and
# other backend-only uses start fast; `studio.Pipeline` etc. work as before.
_ENGINE_EXPORTS = frozenset({
    "STEPS", "Artifact", "AudioArtifact", "Cache", "Cancelled", "CancelToken", "DataArtifact", "Event",
    "FileArtifact", "ImageArtifact", "InputError", "ModelNotAvailableError", "Pipeline", "Port",
    "RecipeError", "Ref", "RunResult", "Step", "StepContext", "StepError", "StepParams", "StudioError",
    "TextArtifact", "UnknownNameError", "UserError", "VideoArtifact", "register_step",
    "InvalidArgumentError", "UnknownKeyError", "StorageError",
})

if TYPE_CHECKING:
    from studio.engine import (
        STEPS,  # noqa: F401
        Artifact,
        AudioArtifact,
        Cache,
        Cancelled,
        CancelToken,
        DataArtifact,
        Event,
        FileArtifact,
        ImageArtifact,
        InputError,
        InvalidArgumentError,  # noqa: F401
        ModelNotAvailableError,
        Pipeline,
        Port,
        RecipeError,
        Ref,
        RunResult,
        Step,
        StepContext,
        StepError,
        StepParams,
        StorageError,  # noqa: F401
        StudioError,
        TextArtifact,
        UnknownKeyError,  # noqa: F401
        UnknownNameError,
        UserError,
        VideoArtifact,
        register_step,
    )


def __getattr__(name: str) -> Any:
    if name in _ENGINE_EXPORTS:
        from studio import engine

        value = getattr(engine, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'studio' has no attribute {name!r}")


def load_recipe(name_or_path: str | Path) -> Pipeline:
    """A builtin recipe by name (see `list_recipes`) or a recipe file by path, validated."""
    from studio.engine import load_recipe as _load_recipe

    return _load_recipe(name_or_path)


def list_recipes() -> dict[str, str]:
    """Builtin recipe names with their one-line descriptions."""
    from studio.engine.recipe import builtin_recipes, recipe_description

    return {name: recipe_description(path) for name, path in builtin_recipes().items()}


def run(
    recipe: str | Path | Pipeline,
    inputs: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    out: str | Path | None = None,
    outputs_root: str | Path | None = None,
    cache: Cache | str | Path | None = None,
    use_cache: bool = True,
    listeners: Any = (),
    cancel: CancelToken | None = None,
    **kw_inputs: Any,
) -> RunResult:
    """Run a recipe (builtin name, path or `Pipeline`) and return its `RunResult`.

    Inputs are given as keywords (`studio.run("contact-sheet", folder="pics")`) or as a dict.
    `overrides` maps "STEP.PARAM" to a value, like `--set` on the command line.
    """
    from studio.engine.errors import InvalidArgumentError
    from studio.engine.executor import execute
    from studio.engine.pipeline import Pipeline

    if inputs is not None and not isinstance(inputs, dict):
        raise InvalidArgumentError(f"inputs must be a dict of name to value, got {type(inputs).__name__}")
    if not isinstance(recipe, (str, Path, Pipeline)):
        raise InvalidArgumentError(f"recipe must be a builtin name, a path or a Pipeline, got {type(recipe).__name__}")
    p = recipe if isinstance(recipe, Pipeline) else load_recipe(recipe)

    return execute(
        p,
        {**(inputs or {}), **kw_inputs},
        seed=seed,
        overrides=overrides,
        out=out,
        outputs_root=outputs_root,
        cache=cache,
        use_cache=use_cache,
        listeners=listeners,
        cancel=cancel,
    )


def steps_schema() -> dict[str, dict[str, Any]]:
    """The schema (inputs, outputs, params) of every registered step."""
    from studio.engine.step import STEPS

    return {name: cls.schema() for name, cls in STEPS.items()}


__all__ = [
    "__version__", "run", "load_recipe", "list_recipes", "steps_schema", "Pipeline", "Ref", "RunResult",
    "Step", "StepContext", "StepParams", "Port", "register_step", "Cache", "CancelToken", "Event",
    "Artifact", "ImageArtifact", "TextArtifact", "DataArtifact", "AudioArtifact", "FileArtifact", "VideoArtifact",
    "StudioError", "UserError", "InputError", "RecipeError", "StepError", "Cancelled", "UnknownNameError",
    "ModelNotAvailableError", "InvalidArgumentError", "UnknownKeyError", "StorageError",
]
