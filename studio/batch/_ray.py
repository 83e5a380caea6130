"""The Ray executor: one long-lived actor per worker slot, so each actor loads its models once and
keeps them for every item it runs. Imported only when `--executor ray` is chosen.

Resources: every actor asks for the resources one item needs (`num_cpus`, and `num_gpus` when
the recipe has steps that will run a neural backend and the cluster has GPUs); Ray places actors
on nodes that have them and the autoscaler adds nodes for actors that cannot be placed yet.
Files: items write into the batch folder directly when the worker can see it (a shared file
system: the worker finds the batch's token file); otherwise the worker runs into a local folder
and the files come back through the object store and are written by the driver.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import Any

from studio.batch.worker import (
    Callbacks,
    ItemTask,
    limit_threads,
    not_started,
    run_item,
    worker_name,
)
from studio.engine.errors import UserError
from studio.engine.progress import CancelToken, Event
from studio.engine.step import STEPS

INSTALL_HINT = "install the ray extra: pip install 'studio[ray]'"


def import_ray() -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise UserError(f"--executor ray needs Ray, which is not installed; {INSTALL_HINT}") from None
    return ray


class _DropTokenNotice(logging.Filter):
    """Drops Ray's "Token authentication is enabled for this Ray cluster..." notice: studio starts
    its local Ray with token authentication on (Ray's default), which the notice only restates.
    Ray's warning that authentication is *disabled* is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.getMessage()).startswith("Token authentication is enabled for this Ray cluster")


def quiet_token_notice() -> None:
    """Install `_DropTokenNotice` on Ray's authentication logger (once)."""
    log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    if not any(isinstance(f, _DropTokenNotice) for f in log.filters):
        log.addFilter(_DropTokenNotice())


class StudioWorker:
    """The actor body (wrapped with `ray.remote` at run time). Threaded (max_concurrency=2) so
    `poll` and `cancel` answer while `run` works."""

    def __init__(self, threads: int | None = None):
        limit_threads(threads)

        STEPS.names()
        self._cancel = CancelToken()
        self._lock = threading.Lock()
        self._status: dict[str, Any] | None = None
        self._warnings: list[tuple[int, str | None, str]] = []

    def name(self) -> str:
        return worker_name()

    def _emit(self, index: int, ev: Event) -> None:
        with self._lock:
            if ev.kind == "warning":
                self._warnings.append((index, ev.step_id, ev.message))
            elif ev.kind != "run_started":
                self._status = {"index": index, "kind": ev.kind, "step_id": ev.step_id, "fraction": ev.fraction, "message": ev.message}

    def run(self, task: ItemTask) -> dict[str, Any]:
        try:
            return run_item(task, cancel=self._cancel, emit=self._emit)
        finally:
            with self._lock:
                self._status = None

    def poll(self) -> dict[str, Any]:
        with self._lock:
            warnings, self._warnings = self._warnings, []
            return {"status": self._status, "warnings": warnings}

    def cancel(self) -> None:
        self._cancel.cancel()


class RayExecutor:
    name = "ray"

    def __init__(
        self,
        workers: int | None = None,
        *,
        address: str | None = None,
        num_cpus: float = 1.0,
        num_gpus: float = 0.0,
        threads: int | None = None,
        stop_timeout: float = 10.0,
        max_attempts: int = 2,
        init_options: dict[str, Any] | None = None,
        **_: Any,
    ):
        self.ray = import_ray()
        self.requested_workers = workers
        self.workers = workers or 0
        self.address = address
        self.num_cpus = float(num_cpus)
        self.num_gpus = float(num_gpus)
        self.threads = threads
        self.stop_timeout = stop_timeout
        self.max_attempts = max(1, max_attempts)
        self.init_options = dict(init_options or {})
        self.notes: list[str] = []
        self.cluster: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "workers": self.workers, "address": self.address,
            "actor_resources": {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus},
            "cluster": self.cluster,
        }

    # -- cluster ---------------------------------------------------------------------------------
    def connect(self) -> bool:
        """Connect (or start a local Ray); True when this call started it."""
        ray = self.ray
        if ray.is_initialized():
            return False
        import logging

        opts: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": True, **self.init_options}
        quiet_token_notice()
        try:
            if self.address:
                ray.init(address=self.address, **opts)
            else:
                opts.setdefault("include_dashboard", False)
                opts.setdefault("_node_ip_address", "127.0.0.1")  # a private local Ray: not reachable from outside
                if self.requested_workers:
                    opts.setdefault("num_cpus", max(int(self.requested_workers * self.num_cpus), 1))
                ray.init(**opts)
        except ConnectionError as exc:
            raise UserError(f"cannot connect to the Ray cluster at {self.address!r}: {exc}; check --address (ray://HOST:10001 or HOST:6379) and that the head node is up") from None
        return True

    def _size(self, n_tasks: int) -> int:
        res = self.ray.cluster_resources()
        cpus, gpus = float(res.get("CPU", 0)), float(res.get("GPU", 0))
        self.cluster = {"CPU": cpus, "GPU": gpus, "nodes": len([n for n in self.ray.nodes() if n.get("Alive")])}
        if self.num_gpus > 0 and gpus == 0:
            self.notes.append("the recipe has steps that want a GPU but the Ray cluster has none: they run on CPU")
            self.num_gpus = 0.0
        if self.requested_workers:
            n = self.requested_workers
        elif self.num_gpus > 0:
            n = int(gpus // self.num_gpus)
        else:
            n = int(cpus // max(self.num_cpus, 0.001))
        self.workers = max(1, min(n, n_tasks))
        return self.workers

    # -- running ---------------------------------------------------------------------------------
    def run(self, tasks: list[ItemTask], cb: Callbacks, cancel: CancelToken) -> None:
        ray = self.ray
        started_here = self.connect()
        actors: list[Any] = []
        try:
            n = self._size(len(tasks))
            actor_cls = ray.remote(StudioWorker)
            threads = self.threads or max(1, int(self.num_cpus))

            def new_actor() -> Any:
                return actor_cls.options(num_cpus=self.num_cpus, num_gpus=self.num_gpus, max_concurrency=2, max_restarts=0).remote(threads)

            actors = [new_actor() for _ in range(n)]
            self._loop(tasks, cb, cancel, actors, new_actor)
        finally:
            for a in actors:
                try:
                    ray.kill(a)
                except Exception:  # noqa: BLE001 - already dead
                    continue
            if started_here:
                ray.shutdown()

    def _loop(self, tasks: list[ItemTask], cb: Callbacks, cancel: CancelToken, actors: list[Any], new_actor: Any) -> None:
        ray = self.ray
        from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError, WorkerCrashedError

        todo = deque(tasks)
        idle = list(actors)
        inflight: dict[Any, tuple[Any, ItemTask]] = {}
        attempts: dict[int, int] = {}
        deadline: float | None = None
        last_poll = 0.0
        try:
            while todo or inflight:
                if cancel.cancelled and deadline is None:
                    deadline = time.monotonic() + self.stop_timeout
                    while todo:
                        t = todo.popleft()
                        cb.done(t.index, not_started(t))
                    for actor, _t in inflight.values():
                        actor.cancel.remote()
                if deadline is not None and time.monotonic() > deadline:
                    for ref, (actor, t) in list(inflight.items()):
                        ray.kill(actor)
                        cb.done(t.index, not_started(t, "stopped: still running when the cancel timeout ran out"))
                        inflight.pop(ref)
                    break
                while idle and todo and not cancel.cancelled:
                    actor = idle.pop()
                    t = todo.popleft()
                    inflight[actor.run.remote(t)] = (actor, t)
                    cb.started(t.index, "")
                if not inflight:
                    break
                ready, _ = ray.wait(list(inflight), num_returns=1, timeout=0.2)
                for ref in ready:
                    actor, t = inflight.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except (RayActorError, WorkerCrashedError) as exc:
                        actors.remove(actor)
                        attempts[t.index] = attempts.get(t.index, 0) + 1
                        if cancel.cancelled:  # stopped by the cancel (or by Ctrl-C reaching it)
                            cb.done(t.index, not_started(t, "stopped"))
                            continue
                        replacement = new_actor()
                        actors.append(replacement)
                        idle.append(replacement)
                        if attempts[t.index] < self.max_attempts:
                            todo.appendleft(t)
                            continue
                        outcome = {"index": t.index, "key": t.key, "status": "failed", "seconds": None,
                                   "error": f"the Ray worker died while running this item ({type(exc).__name__}): it crashed, ran out of memory or its node went away"}
                        cb.done(t.index, outcome)
                        continue
                    except RayTaskError as exc:
                        outcome = {"index": t.index, "key": t.key, "status": "failed", "seconds": None, "error": str(exc).splitlines()[-1]}
                    idle.append(actor)
                    cb.done(t.index, outcome)
                now = time.monotonic()
                if inflight and now - last_poll > 0.5:
                    last_poll = now
                    polls = {actor.poll.remote(): t for actor, t in inflight.values()}
                    got, _ = ray.wait(list(polls), num_returns=len(polls), timeout=0.5)
                    for ref in got:
                        try:
                            info = ray.get(ref)
                        except (RayActorError, RayTaskError, GetTimeoutError):
                            continue
                        for index, step_id, message in info["warnings"]:
                            cb.event(index, "warning", step_id, None, message)
                        st = info["status"]
                        if st:
                            cb.event(st["index"], st["kind"], st["step_id"], st["fraction"], st["message"])
        except KeyboardInterrupt:
            cancel.cancel()
            for actor, t in list(inflight.values()):
                ray.kill(actor)
                cb.done(t.index, not_started(t, "stopped"))
            for t in todo:
                cb.done(t.index, not_started(t))
