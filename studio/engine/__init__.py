"""The engine: artifacts, steps, pipelines, recipes, executor, cache, manifests. Media-agnostic."""

from .artifacts import (
    Artifact,
    AudioArtifact,
    DataArtifact,
    FileArtifact,
    ImageArtifact,
    TextArtifact,
    VideoArtifact,
)
from .cache import Cache
from .errors import (
    Cancelled,
    InputError,
    ModelNotAvailableError,
    Problem,
    RecipeError,
    StepError,
    StudioError,
    UnknownNameError,
    UserError,
)
from .executor import RunResult, execute
from .pipeline import Pipeline, Ref
from .progress import CancelToken, Event
from .recipe import builtin_recipes, load_recipe, pipeline_from_text
from .step import STEPS, Port, Step, StepContext, StepParams, get_step, register_step

__all__ = [
    "Artifact", "AudioArtifact", "DataArtifact", "FileArtifact", "ImageArtifact", "TextArtifact", "VideoArtifact",
    "Cache", "Cancelled", "InputError", "ModelNotAvailableError", "Problem", "RecipeError", "StepError",
    "StudioError", "UnknownNameError", "UserError", "RunResult", "execute", "Pipeline", "Ref", "CancelToken",
    "Event", "builtin_recipes", "load_recipe", "pipeline_from_text", "STEPS", "Port", "Step", "StepContext",
    "StepParams", "get_step", "register_step",
]
