"""One exception hierarchy for the whole toolkit.

User errors (bad input, a recipe with a typo, an unknown model) map to exit code 2 in the CLI
and are shown as one line; anything else is a bug or an environment failure (exit code 1).
"""

from __future__ import annotations

from dataclasses import dataclass


class StudioError(Exception):
    """Base class of every error studio raises on purpose."""

    exit_code = 1


class UserError(StudioError):
    """The user can fix this: bad input, bad recipe, unknown name, absurd value."""

    exit_code = 2


class InputError(UserError):
    """A file or value given as input is unusable (not a video, corrupt, empty, unreadable)."""


class UnknownNameError(UserError):
    """An unknown step, recipe, model, style, layout, ..."""


class UnknownKeyError(UnknownNameError, KeyError):
    """An unknown step id or output name asked of a Pipeline or RunResult (also a KeyError, for
    code that caught that before)."""

    __str__ = Exception.__str__


class InvalidArgumentError(UserError, ValueError, TypeError):
    """A Python API argument of the wrong type or value (also a ValueError and a TypeError, for
    code that caught those before)."""


class ModelNotAvailableError(UserError):
    """A model's weights are not available locally and downloads are not allowed."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a recipe."""

    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        return f"{where}{self.message}"


class RecipeError(UserError):
    """A recipe is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid recipe"
        more = f" (and {len(self.problems) - 1} more problem(s))" if len(self.problems) > 1 else ""
        super().__init__(first + more)

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class StorageError(StudioError):
    """A folder studio must write to is unusable: read-only, not writable, full (exit 1: the
    environment, not the recipe)."""


class StepError(StudioError):
    """A step failed at run time for a reason that is not the user's input."""


class Cancelled(StudioError):
    """The run was cancelled (Ctrl-C or a cancel request)."""

    exit_code = 130
