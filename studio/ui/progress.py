"""The bridge from the engine's progress events to Gradio: a run in a worker thread whose events
are handed to the request's thread, where they drive `gr.Progress` and live previews."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from studio.engine.errors import Cancelled
from studio.engine.executor import execute
from studio.engine.pipeline import Pipeline
from studio.engine.progress import CancelToken, Event
from studio.engine.reads import ReadPolicy

_DONE = object()


class ProgressBridge:
    """Turns events into an overall fraction for `gr.Progress` (per step and, inside a step, per
    progress point such as a diffusion step) and keeps a short log for the status panel."""

    def __init__(self, progress: Callable[..., Any] | None = None, title: str = ""):
        self.progress = progress
        self.title = title
        self.total = 0
        self.log: list[str] = []
        self.warnings: list[str] = []
        self.fraction = 0.0
        self.desc = ""

    def __call__(self, ev: Event) -> bool:
        """Handle one event; True when the log changed (worth refreshing the status panel)."""
        changed = False
        if ev.total:
            self.total = ev.total
        total = max(1, self.total)
        where = f"[{ev.index + 1}/{total}] {ev.step_id} ({ev.use})" if ev.step_id else ""
        if ev.kind == "run_started":
            self.fraction, self.desc = 0.0, f"starting {ev.message}"
        elif ev.kind == "step_started":
            self.fraction, self.desc = ev.index / total, where
        elif ev.kind == "progress":
            self.fraction = (ev.index + (ev.fraction or 0.0)) / total
            self.desc = f"{where}: {ev.message}" if ev.message else where
        elif ev.kind in ("step_finished", "step_cached"):
            self.fraction = (ev.index + 1) / total
            self.desc = where
            self.log.append(f"{where}: {'from cache' if ev.kind == 'step_cached' else 'done'}")
            changed = True
        elif ev.kind == "warning":
            text = f"{ev.step_id}: {ev.message}" if ev.step_id else ev.message
            self.warnings.append(text)
            self.log.append(f"warning: {text}")
            changed = True
        elif ev.kind == "run_finished":
            self.fraction, self.desc = 1.0, "finished"
        if self.progress is not None and ev.kind != "step_failed":
            self.progress(min(1.0, max(0.0, self.fraction)), desc=self.desc)
        return changed

    def markdown(self, head: str = "") -> str:
        lines = [head] if head else []
        lines += [f"- {line}" for line in self.log]
        return "\n".join(lines)


def stream_run(
    pipeline: Pipeline,
    inputs: dict[str, Any],
    *,
    overrides: dict[str, Any] | None = None,
    seed: int | None = None,
    outputs_root: str | Path | None = None,
    cancel: CancelToken | None = None,
    poll: float = 0.1,
    reads: ReadPolicy | None = None,
) -> Iterator[tuple[str, Any]]:
    """Run `pipeline` in a worker thread; yield ("event", Event) as they happen and finally
    ("result", RunResult). The worker's exception is re-raised here. Closing the iterator early
    (the request was cancelled or abandoned) cancels the run."""

    cancel = cancel or CancelToken()
    events: queue.Queue[Any] = queue.Queue()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = execute(
                pipeline, inputs, overrides=overrides, seed=seed, outputs_root=outputs_root,
                listeners=[events.put], cancel=cancel, reads=reads,
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread and re-raised there
            box["error"] = exc
        finally:
            events.put(_DONE)

    worker = threading.Thread(target=work, name=f"studio-run-{pipeline.name}", daemon=True)
    worker.start()
    finished = False
    try:
        while True:
            try:
                item = events.get(timeout=poll)
            except queue.Empty:
                continue
            if item is _DONE:
                finished = True
                break
            yield "event", item
        worker.join()
        if "error" in box:
            raise box["error"]
        yield "result", box["result"]
    finally:
        if not finished:
            cancel.cancel()
            worker.join(timeout=30)


class CancelRegistry:
    """One cancel token per (browser session, tab): the Cancel button sets the token of the run
    that session started in that tab, and never another session's."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], CancelToken] = {}
        self._pressed: set[int] = set()  # ids of tokens cancelled by the button
        self._lock = threading.Lock()

    def start(self, session: str, tab: str) -> CancelToken:
        token = CancelToken()
        with self._lock:
            self._tokens[(session, tab)] = token
        return token

    def finish(self, session: str, tab: str, token: CancelToken) -> None:
        with self._lock:
            self._pressed.discard(id(token))
            if self._tokens.get((session, tab)) is token:
                del self._tokens[(session, tab)]

    def was_cancelled(self, session: str, tab: str, token: CancelToken) -> bool:
        """Did the Cancel button (not a time budget) stop this token's run?"""
        with self._lock:
            return id(token) in self._pressed

    def cancel(self, session: str, tab: str) -> bool:
        with self._lock:
            token = self._tokens.get((session, tab))
        if token is None:
            return False
        with self._lock:
            self._pressed.add(id(token))
        token.cancel()
        return True

    def active(self) -> int:
        with self._lock:
            return len(self._tokens)


__all__ = ["ProgressBridge", "stream_run", "CancelRegistry", "Cancelled"]
