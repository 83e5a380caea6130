"""studio: composable creative-media pipelines.

    >>> import studio
    >>> result = studio.run("contact-sheet", folder="pics/")
    >>> result.paths["sheet"]

Build the same thing in code with `studio.Pipeline` (see README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.1.0"

from .engine import (  # noqa: E402
    STEPS,
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
    StudioError,
    TextArtifact,
    UnknownNameError,
    UserError,
    VideoArtifact,
    register_step,
)
from .engine import load_recipe as _load_recipe  # noqa: E402
from .engine.recipe import builtin_recipes, recipe_description  # noqa: E402


def _load_builtin_steps() -> None:
    from . import steps

    steps.load_builtin()


STEPS.add_loader(_load_builtin_steps)


def load_recipe(name_or_path: str | Path) -> Pipeline:
    """A builtin recipe by name (see `list_recipes`) or a recipe file by path, validated."""
    return _load_recipe(name_or_path)


def list_recipes() -> dict[str, str]:
    """Builtin recipe names with their one-line descriptions."""
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
    p = recipe if isinstance(recipe, Pipeline) else load_recipe(recipe)
    from .engine.executor import execute

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
    return {name: cls.schema() for name, cls in STEPS.items()}


__all__ = [
    "__version__", "run", "load_recipe", "list_recipes", "steps_schema", "Pipeline", "Ref", "RunResult",
    "Step", "StepContext", "StepParams", "Port", "register_step", "Cache", "CancelToken", "Event",
    "Artifact", "ImageArtifact", "TextArtifact", "DataArtifact", "AudioArtifact", "FileArtifact", "VideoArtifact",
    "StudioError", "UserError", "InputError", "RecipeError", "StepError", "Cancelled", "UnknownNameError",
    "ModelNotAvailableError",
]
