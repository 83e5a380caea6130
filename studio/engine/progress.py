"""Progress events emitted by the executor to any number of listeners."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal[
    "run_started",
    "step_started",
    "progress",
    "step_finished",
    "step_cached",
    "step_failed",
    "warning",
    "run_finished",
]


@dataclass(frozen=True)
class Event:
    """One thing that happened during a run.

    `fraction` is in 0..1 for `progress` events (None otherwise); `index`/`total` locate the step
    in the run's order. `step_finished`/`step_cached` carry the step's artifacts in
    `data["outputs"]` (so a UI can show intermediate results as they are made).
    """

    kind: EventKind
    step_id: str | None = None
    use: str | None = None
    fraction: float | None = None
    message: str = ""
    index: int = 0
    total: int = 0
    data: dict = field(default_factory=dict)


Listener = Callable[[Event], None]


class CancelToken:
    """A thread-safe flag a UI or batch runner sets to stop a run between progress points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
