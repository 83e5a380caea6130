"""Exceptions to the messages the user sees: the same lines the CLI prints.

    studio: error: <message>              a UserError (bad input, unknown name, missing model)
    <file>:<line>: <problem>              a RecipeError, one line per problem
    studio: run cancelled                 a cancelled run
    studio: failed: <message> (...)       anything else (a bug or the environment); logged with
                                          its traceback on the server
"""

from __future__ import annotations

import logging
from typing import Any

from studio.engine.errors import Cancelled, RecipeError, StorageError, StudioError, UserError

log = logging.getLogger("studio.ui")


def message_for(exc: BaseException) -> str:
    """The text the CLI would print for `exc` (without the CLI's --verbose hint)."""
    if isinstance(exc, RecipeError):
        return exc.report()
    if isinstance(exc, Cancelled):
        return f"studio: {exc}"
    if isinstance(exc, (UserError, StorageError)):
        return f"studio: error: {exc}"
    if isinstance(exc, StudioError):
        return f"studio: failed: {exc} (the server log has the traceback)"
    return f"studio: failed: {type(exc).__name__}: {exc} (the server log has the traceback)"


def is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, (UserError, Cancelled))


def to_gradio_error(exc: BaseException) -> Any:
    """A `gr.Error` carrying the CLI's message. Failures that are not the user's are logged with
    their traceback (user errors are not: they are expected and already explained)."""
    import gradio as gr

    if isinstance(exc, gr.Error):
        return exc
    if not is_user_error(exc):
        log.error("run failed", exc_info=(type(exc), exc, exc.__traceback__))
    title = "Cancelled" if isinstance(exc, Cancelled) else ("Invalid recipe" if isinstance(exc, RecipeError) else "Error")
    return gr.Error(message_for(exc), duration=None, title=title, print_exception=False)


def shown(fn: Any) -> Any:
    """Decorate a Gradio event generator: any exception reaches the user as the CLI's message
    (a `gr.Error`); the server keeps running."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = yield from fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is shown as one message, bugs are logged
            raise to_gradio_error(exc) from None
        return result

    return wrapper
