"""What runs in a worker: one batch item as an ordinary `studio.run`, with its own run folder and
manifest, sharing the content-addressed cache. Used by every executor (in-process, process pool,
Ray actor). Never raises for a failed item: the outcome is returned as a plain dict."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.cache import Cache
from studio.engine.errors import Cancelled, StudioError, UserError
from studio.engine.executor import execute
from studio.engine.progress import CancelToken, Event
from studio.engine.recipe import pipeline_from_text
from studio.engine.step import STEPS

MARKER = ".studio-batch"
NEW_SESSION_ENV = "STUDIO_BATCH_NEW_SESSION"
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")

#: events relayed from workers to the progress display
RELAYED = ("step_started", "step_finished", "step_cached", "progress", "warning")


@dataclass
class ItemTask:
    """Everything a worker needs to run one item; plain data, cheap to pickle."""

    index: int
    key: str
    recipe_text: str
    recipe_path: str | None
    inputs: dict[str, Any]
    seed: int | None
    overrides: dict[str, Any]
    out: str
    cache: str | None
    use_cache: bool = True
    #: the batch token written in `<batch>/.studio-batch`; a worker that cannot read it (another
    #: node without the shared file system) runs into a local folder and ships the files back
    token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Callbacks:
    """How an executor reports on the items it runs: started, each relayed event, and the
    outcome (exactly once per item)."""

    started: Callable[[int, str], None]
    event: Callable[[int, str, str | None, float | None, str], None]
    done: Callable[[int, dict[str, Any]], None]


def not_started(task: ItemTask, why: str = "cancelled before it started") -> dict[str, Any]:
    """The outcome of an item that never ran."""
    return {"index": task.index, "key": task.key, "status": "cancelled", "seconds": 0.0, "error": why}


_PIPELINES: dict[str, Any] = {}


def _pipeline(text: str, path: str | None) -> Any:
    """Parsed recipes are kept per process (one parse per worker, not per item)."""

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    p = _PIPELINES.get(digest)
    if p is None:
        p = pipeline_from_text(text, path=Path(path) if path else None)
        _PIPELINES[digest] = p
    return p


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def limit_threads(threads: int | None) -> None:
    """Give each worker its share of the cores (unless the user set the variables)."""
    if not threads:
        return
    for var in THREAD_VARS:
        os.environ.setdefault(var, str(threads))


def shared_folder_visible(task: ItemTask) -> bool:
    if not task.token:
        return True
    marker = Path(task.out).parent.parent / MARKER
    try:
        return marker.read_text(encoding="utf-8").strip() == task.token
    except OSError:
        return False


def _collect(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


def run_item(
    task: ItemTask,
    cancel: CancelToken | None = None,
    emit: Callable[[int, Event], None] | None = None,
) -> dict[str, Any]:
    """Run one item. Returns {status: done|failed|cancelled, seconds, error, ...}."""

    t0 = time.perf_counter()
    base: dict[str, Any] = {"index": task.index, "key": task.key, "worker": worker_name()}
    if cancel is not None and cancel.cancelled:
        return {**base, "status": "cancelled", "seconds": 0.0, "error": "cancelled before it started"}
    if emit is not None:
        emit(task.index, Event("run_started", message="started", data={"worker": base["worker"]}))

    def relay(ev: Event) -> None:
        if emit is not None and ev.kind in RELAYED:
            emit(task.index, ev)

    ship = not shared_folder_visible(task)
    local_dir: Path | None = None
    out = Path(task.out)
    if ship:
        local_dir = Path(tempfile.mkdtemp(prefix="studio-batch-item-"))
        out = local_dir / "run"
    try:
        p = _pipeline(task.recipe_text, task.recipe_path)
        result = execute(
            p,
            dict(task.inputs),
            seed=task.seed,
            overrides=dict(task.overrides),
            out=out,
            cache=Cache(task.cache) if task.cache else None,
            use_cache=task.use_cache,
            listeners=[relay],
            cancel=cancel,
            run_id=Path(task.out).name,
        )
        shipped = _collect(out) if ship else None
    except Cancelled as exc:
        return {**base, "status": "cancelled", "seconds": _since(t0), "error": str(exc)}
    except UserError as exc:
        return {**base, "status": "failed", "seconds": _since(t0), "error": str(exc), "error_type": type(exc).__name__, "user_error": True}
    except StudioError as exc:
        cause = exc.__cause__
        tb = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__)) if cause is not None else ""
        return {**base, "status": "failed", "seconds": _since(t0), "error": str(exc), "error_type": type(exc).__name__, "traceback": tb}
    except Exception as exc:  # noqa: BLE001 - a bug in a step or the engine: isolate it to this item, keep the traceback
        return {
            **base,
            "status": "failed",
            "seconds": _since(t0),
            "error": f"{type(exc).__name__}: {exc}",
            "error_type": type(exc).__name__,
            "traceback": traceback.format_exc(),
        }
    finally:
        if local_dir is not None:
            shutil.rmtree(local_dir, ignore_errors=True)
    manifest = result.manifest
    outcome: dict[str, Any] = {
        **base,
        "status": "done",
        "seconds": _since(t0),
        "outputs": manifest.get("outputs", {}),
        "cache_hits": manifest.get("cache", {}).get("hits", 0),
        "steps": len(manifest.get("steps", [])),
        "warnings": manifest.get("warnings", []),
        "backends": {s["id"]: s.get("backend") for s in manifest.get("steps", [])},
    }
    if shipped is not None:
        outcome["files"] = shipped
    return outcome


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 4)


def place_shipped(files: dict[str, bytes], final: Path) -> None:
    """Write a run folder shipped back by a remote worker: staged, then renamed into place."""
    import uuid

    staging = final.parent / f".{final.name}.partial-{uuid.uuid4().hex[:6]}"
    staging.mkdir(parents=True)
    try:
        for rel, data in files.items():
            target = (staging / rel).resolve()
            if staging.resolve() not in target.parents:
                raise StudioError(f"refusing to write {rel!r} outside the item folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if final.exists():
            final.rmdir()
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# -- process-pool worker state ---------------------------------------------------------------

_STATE: dict[str, Any] = {}


class _SharedCancel(CancelToken):
    """A cancel token backed by a multiprocessing.Event shared with the parent."""

    def __init__(self, event: Any):
        self._event = event


def init_pool_worker(cancel_event: Any, events: Any, threads: int | None, counter: Any, gpus: list[str]) -> None:
    """Process-pool initializer: Ctrl-C is the parent's job, models stay loaded for the worker's
    life (the model manager is per process), threads are limited to the worker's share."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get(NEW_SESSION_ENV, "").strip() == "1" and hasattr(os, "setsid"):
        # its own session: with Linux autogroup scheduling the workers then count as separate
        # jobs instead of sharing the terminal session's CPU share (see docs/batch.md)
        os.setsid()
    limit_threads(threads)
    if gpus:
        with counter.get_lock():
            slot = counter.value
            counter.value += 1
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]  # one of the parent's GPUs each
    _STATE["cancel"] = _SharedCancel(cancel_event)
    _STATE["events"] = events

    STEPS.names()  # import the builtin steps once, before the first item


def _queue_emit(index: int, ev: Event) -> None:
    q = _STATE.get("events")
    if q is None:
        return
    # only what the display needs: events may carry large payloads (a step's outputs)
    data = {"worker": ev.data.get("worker", "")} if ev.kind == "run_started" else {}
    try:
        q.put_nowait((index, ev.kind, ev.step_id, ev.use, ev.fraction, ev.message, data))
    except (OSError, ValueError):
        return  # the parent went away; the item's own result still comes back through the future


def pool_run(task: ItemTask) -> dict[str, Any]:
    """The function a process-pool worker runs for each item."""
    return run_item(task, cancel=_STATE.get("cancel"), emit=_queue_emit)
