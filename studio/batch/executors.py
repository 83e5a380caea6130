"""Executors run batch items and report back through callbacks.

- `SequentialExecutor`: one item after another in this process (debugging, tiny batches).
- `LocalExecutor`: a pool of long-lived worker processes (spawned, so nothing unsafe is inherited
  from the parent). A worker keeps the models it loaded (the model manager is per process), so
  weights load once per worker, not once per item. A worker that dies (crash, out of memory)
  fails only the item it was running; the pool is rebuilt for the rest.
- `RayExecutor` (in `_ray.py`, imported only when used): one actor per worker slot.

Every executor reports each task exactly once through `done` (status done, failed or cancelled).
Cancellation: the runner sets the `CancelToken`; running items stop at their next cancellation
point (between steps, at progress reports), items not started are not started, and after
`stop_timeout` seconds workers still running are stopped by force.
"""

from __future__ import annotations

import contextlib
import os
import queue as queue_mod
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

from studio.batch._ray import RayExecutor
from studio.batch.worker import (
    THREAD_VARS,
    Callbacks,
    ItemTask,
    init_pool_worker,
    not_started,
    pool_run,
    run_item,
)
from studio.engine.errors import UserError
from studio.engine.progress import CancelToken, Event
from studio.engine.threads import available_cpus


@contextlib.contextmanager
def _spawning(threads: int | None) -> Iterator[None]:
    """While worker processes are started: they inherit "ignore Ctrl-C" (the parent handles it)
    and thread limits in their environment, which must be there before numpy/OpenBLAS or torch
    load (an initializer runs too late for the BLAS thread pool)."""

    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    if threads:
        for var in THREAD_VARS:
            os.environ.setdefault(var, str(threads))
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


class SequentialExecutor:
    name = "sequential"

    def __init__(self, workers: int | None = None, **_: Any):
        self.workers = 1

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "workers": 1}

    def run(self, tasks: list[ItemTask], cb: Callbacks, cancel: CancelToken) -> None:
        def emit(index: int, ev: Event) -> None:
            if ev.kind == "run_started":
                return
            cb.event(index, ev.kind, ev.step_id, ev.fraction, ev.message)

        for n, task in enumerate(tasks):
            if cancel.cancelled:
                for rest in tasks[n:]:
                    cb.done(rest.index, not_started(rest))
                return
            cb.started(task.index, "main")
            try:
                outcome = run_item(task, cancel=cancel, emit=emit)
            except KeyboardInterrupt:  # outside the engine's own handling (between steps)
                cancel.cancel()
                outcome = not_started(task, "cancelled")
            if outcome["status"] == "cancelled":
                cancel.cancel()
            cb.done(task.index, outcome)


class LocalExecutor:
    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        *,
        threads: int | None = None,
        gpus: list[str] | None = None,
        stop_timeout: float = 10.0,
        max_attempts: int = 2,
        **_: Any,
    ):
        cpus = available_cpus()
        if workers is None:
            workers = len(gpus) if gpus else cpus
        self.workers = max(1, int(workers))
        self.threads = threads if threads is not None else max(1, cpus // self.workers)
        self.gpus = list(gpus or [])
        self.stop_timeout = stop_timeout
        self.max_attempts = max(1, max_attempts)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "workers": self.workers, "threads_per_worker": self.threads, "gpus": self.gpus}

    def run(self, tasks: list[ItemTask], cb: Callbacks, cancel: CancelToken) -> None:
        pending = list(tasks)
        attempts: dict[int, int] = {}
        while pending:
            if cancel.cancelled:
                for t in pending:
                    cb.done(t.index, not_started(t))
                return
            pending = self._round(pending, cb, cancel, attempts)

    def _round(self, tasks: list[ItemTask], cb: Callbacks, cancel: CancelToken, attempts: dict[int, int]) -> list[ItemTask]:
        """Run tasks in one pool; returns the tasks to run again if a worker process died."""
        import multiprocessing as mp
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool


        ctx = mp.get_context("spawn")
        cancel_event = ctx.Event()
        events = ctx.Queue()
        counter = ctx.Value("i", 0)
        n = min(self.workers, len(tasks))
        with _spawning(self.threads):
            pool = ProcessPoolExecutor(
                max_workers=n, mp_context=ctx, initializer=init_pool_worker,
                initargs=(cancel_event, events, self.threads, counter, self.gpus),
            )
            futures = {pool.submit(pool_run, t): t for t in tasks}
        by_index = {t.index: t for t in tasks}
        started: set[int] = set()
        finished: set[int] = set()
        retry: list[ItemTask] = []
        broken = False
        interrupted = False
        deadline: float | None = None

        def drain() -> None:
            while True:
                try:
                    index, kind, step_id, _use, fraction, message, data = events.get_nowait()
                except (queue_mod.Empty, OSError, ValueError, EOFError):
                    return
                if index in finished:
                    continue
                if kind == "run_started":
                    started.add(index)
                    cb.started(index, data.get("worker", ""))
                else:
                    cb.event(index, kind, step_id, fraction, message)

        def finish(index: int, outcome: dict[str, Any]) -> None:
            finished.add(index)
            cb.done(index, outcome)

        def stop_now() -> None:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()

        try:
            remaining = set(futures)
            while remaining:
                if cancel.cancelled and deadline is None:
                    cancel_event.set()
                    deadline = time.monotonic() + self.stop_timeout
                    for f in list(remaining):
                        if f.cancel():
                            remaining.discard(f)
                            finish(futures[f].index, not_started(futures[f]))
                if deadline is not None and time.monotonic() > deadline:
                    stop_now()
                    for f in remaining:
                        t = futures[f]
                        finish(t.index, not_started(t, "stopped: still running when the cancel timeout ran out") if t.index in started else not_started(t))
                    remaining.clear()
                    break
                done, _ = wait(remaining, timeout=0.1, return_when=FIRST_COMPLETED)
                drain()
                for f in done:
                    remaining.discard(f)
                    t = futures[f]
                    try:
                        outcome = f.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    except Exception as exc:  # noqa: BLE001 - pickling problems and the like: this item only
                        outcome = {"index": t.index, "key": t.key, "status": "failed", "seconds": 0.0, "error": f"{type(exc).__name__}: {exc}"}
                    finish(t.index, outcome)
                if broken:
                    break
        except KeyboardInterrupt:
            # a second Ctrl-C: stop everything now
            interrupted = True
            cancel.cancel()
            cancel_event.set()
            stop_now()
            for t in futures.values():
                if t.index not in finished:
                    finish(t.index, not_started(t, "stopped") if t.index in started else not_started(t))
        finally:
            if broken:
                drain()
                for f, t in futures.items():
                    if t.index in finished:
                        continue
                    if f.done() and not f.cancelled() and f.exception() is None:
                        finish(t.index, f.result())
                        continue
                    if t.index in started:
                        attempts[t.index] = attempts.get(t.index, 0) + 1
                        if attempts[t.index] >= self.max_attempts:
                            finish(t.index, {
                                "index": t.index, "key": t.key, "status": "failed", "seconds": None,
                                "error": f"the worker process died while running this item ({attempts[t.index]} times): it crashed or ran out of memory",
                            })
                            continue
                    retry.append(by_index[t.index])
            pool.shutdown(wait=not (broken or interrupted or deadline is not None), cancel_futures=True)
            events.close()
            events.cancel_join_thread()
        return sorted(retry, key=lambda t: t.index)


def make_executor(name: str, workers: int | None = None, **options: Any) -> Any:
    if name == "sequential":
        return SequentialExecutor(workers)
    if name == "local":
        return LocalExecutor(workers, **options)
    if name == "ray":

        return RayExecutor(workers, **options)

    raise UserError(f"unknown executor {name!r}; use local, ray or sequential")
