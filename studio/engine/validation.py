"""Param validation shared by recipe validation and the executor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from studio.engine.errors import Problem

if TYPE_CHECKING:
    from studio.engine.pipeline import StepSpec
    from studio.engine.step import Step


def format_pydantic_error(err: Any) -> str:
    loc = ".".join(str(x) for x in err.get("loc", ()))
    msg = err.get("msg", "invalid value")
    value = err.get("input")
    shown = f" (got {value!r})" if err.get("type") != "missing" and not isinstance(value, dict) else ""
    return f"param {loc!r}: {msg}{shown}"


def check_params(
    cls: type[Step], literal: dict[str, Any], given: set[str], spec: StepSpec, file: str | None
) -> list[Problem]:
    """Validate literal params of one step; missing ones that are given by reference are fine."""
    try:
        cls.Params.model_validate(literal)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = str(err["loc"][0]) if err.get("loc") else ""
            if err.get("type") == "missing" and key in given:
                continue
            line = spec.with_lines.get(key, spec.line)
            problems.append(Problem(f"step {spec.id!r} ({spec.use}): {format_pydantic_error(err)}", file, line))
        return problems
    return []
