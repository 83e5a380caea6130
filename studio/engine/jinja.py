"""Jinja2 rendering for recipes and prompt templates, in a sandbox with a budget.

The sandbox (jinja2.sandbox) blocks attribute tricks; the budget stops templates that would eat
the machine: a deadline checked on every loop iteration and call, a cap on the rendered text,
and caps on `*` / `**` results (`"x" * 10**9`). Any breach is a `UserError` (one line, exit 2).
"""

from __future__ import annotations

import operator
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

from studio.engine.errors import Cancelled, UserError

#: longest text a template may render
MAX_OUTPUT_CHARS = 1_000_000
#: longest a template may take to render (env STUDIO_TEMPLATE_SECONDS overrides)
MAX_SECONDS = 5.0
#: most items one range() may give (jinja2's sandbox default)
MAX_RANGE = 100_000


#: a printf or format width of seven digits or more ("%0999999999d", "{:>9999999}")
_HUGE_WIDTH = re.compile(r"[%:][^a-zA-Z%{}]*?\d{7,}")


class TemplateBudgetError(UserError):
    """A template went over its time or size budget."""


_local = threading.local()


def bind_cancel(token: Any) -> Any:
    """Let templates rendered in this thread stop when `token` (a CancelToken, or None) is
    cancelled; returns the token bound before. The executor binds its run's token."""
    previous = getattr(_local, "cancel", None)
    _local.cancel = token
    return previous


def _environment(deadline: float, max_seconds: float, max_chars: int, **options: Any) -> Any:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    cancel = getattr(_local, "cancel", None)

    def check() -> None:
        if cancel is not None and cancel.cancelled:
            raise Cancelled("run cancelled")
        if time.monotonic() > deadline:
            raise TemplateBudgetError(f"template took longer than its {max_seconds:g} s budget")

    def sized(value: Any) -> Any:
        # a value read back (a namespace attribute doubled in a loop, a call's result) may not
        # outgrow the output budget
        if isinstance(value, (str, list, tuple, dict)) and len(value) > max_chars:
            raise TemplateBudgetError(f"template builds a value longer than {max_chars} items")
        return value

    def arguments(args: Any, kwargs: Any) -> None:
        # a width or count far past the output budget (`center(10**9)`, `indent(10**9)`), or a
        # printf/format width that builds a gigabyte (`'%0999999999d'`), is refused up front
        for a in (*args, *kwargs.values()):
            if isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a) > max_chars:
                raise TemplateBudgetError(f"template passes {a!r}, more than the {max_chars} budget")
            if isinstance(a, str) and _HUGE_WIDTH.search(a):
                raise TemplateBudgetError("template formats with a width of a million or more")

    def budgeted_filter(f: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            check()
            arguments(args, kwargs)
            return sized(f(*args, **kwargs))

        for attr in ("jinja_pass_arg", "__name__", "__doc__"):
            if hasattr(f, attr):
                setattr(run, attr, getattr(f, attr))
        return run

    class BudgetedEnvironment(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%"})

        def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
            check()
            if op == "**":
                if isinstance(right, (int, float)) and abs(right) > 64 and isinstance(left, (int, float)) and abs(left) > 1:
                    raise TemplateBudgetError(f"template computes {left!r} ** {right!r}, too large")
                return operator.pow(left, right)
            if op == "%":
                if isinstance(left, str):
                    arguments((left,), {})
                    return sized(super().call_binop(context, op, left, right))
                return operator.mod(left, right)
            seq, times = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > max_chars:
                raise TemplateBudgetError(f"template builds a value longer than {max_chars} items")
            return operator.mul(left, right)

        def getattr(self, obj: Any, attribute: str) -> Any:
            check()
            if isinstance(obj, str) and attribute in ("format", "format_map"):
                arguments((obj,), {})  # "{:0999999999}".format(1)
            return sized(super().getattr(obj, attribute))

        def getitem(self, obj: Any, argument: Any) -> Any:
            check()
            return sized(super().getitem(obj, argument))

        def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            check()
            arguments(args, kwargs)
            return sized(super().call(__context, __obj, *args, **kwargs))

    def budgeted_range(*args: int) -> Iterator[int]:
        rng = range(*args)
        if len(rng) > MAX_RANGE:
            raise TemplateBudgetError(f"range() of {len(rng)} items; at most {MAX_RANGE}")
        for i, value in enumerate(rng):
            if not i % 256:
                check()
            yield value

    env = BudgetedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, **options)
    env.globals["range"] = budgeted_range
    env.globals.pop("lipsum", None)  # lipsum(10**6) takes minutes; prompts have no use for it
    env.filters = {name: budgeted_filter(f) for name, f in env.filters.items()}
    return env


def render_sandboxed(
    text: str,
    context: dict[str, Any],
    *,
    where: str = "template",
    max_chars: int = MAX_OUTPUT_CHARS,
    max_seconds: float | None = None,
    **options: Any,
) -> str:
    """Render `text` with `context`; UserError (one line) on a syntax error, an undefined name,
    or a breach of the time or size budget."""
    import jinja2

    if max_seconds is None:
        max_seconds = float(os.environ.get("STUDIO_TEMPLATE_SECONDS") or MAX_SECONDS)
    deadline = time.monotonic() + max_seconds
    env = _environment(deadline, max_seconds, max_chars, **options)
    parts: list[str] = []
    size = 0
    try:
        for chunk in env.from_string(text).generate(**context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateBudgetError(f"template renders more than {max_chars} characters")
            if time.monotonic() > deadline:
                raise TemplateBudgetError(f"template took longer than its {max_seconds:g} s budget")
            parts.append(chunk)
    except TemplateBudgetError as exc:
        raise TemplateBudgetError(f"{where}: {exc}") from None
    except jinja2.TemplateError as exc:
        raise UserError(f"{where}: template failed: {exc}") from None
    except RecursionError:
        raise UserError(f"{where}: template recurses too deeply") from None
    except (MemoryError, OverflowError) as exc:
        raise UserError(f"{where}: template is too large to render ({type(exc).__name__})") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise UserError(f"{where}: template failed: {type(exc).__name__}: {exc}") from None
    return "".join(parts)
