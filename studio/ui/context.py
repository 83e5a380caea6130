"""What every tab shares: where outputs and uploads live, the cancel registry, the run queue
settings, and `UIContext.execute`, the one way a tab runs a recipe."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.errors import Cancelled, UserError
from studio.engine.executor import RunResult
from studio.engine.pipeline import Pipeline
from studio.engine.progress import Event
from studio.engine.reads import ReadPolicy
from studio.ui.progress import CancelRegistry, ProgressBridge, stream_run

log = logging.getLogger("studio.ui")

#: all model-heavy events share this queue slot pool (so N tabs cannot load N models at once)
RUN_QUEUE = "studio-runs"


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class MemoryWatch:
    """Cancels `token` when the server's resident memory passes `limit` bytes (polled; a run
    stops at its next progress point, template loop item or step boundary)."""

    def __init__(self, limit: int, token: Any, every: float = 0.25):
        self.limit, self.token, self.every = limit, token, every
        self.tripped = False
        self._stop = threading.Event()
        if resident_bytes() is None:
            return  # no way to measure here: no watch
        self._thread = threading.Thread(target=self._run, name="studio-memory-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            rss = resident_bytes()
            if rss is not None and rss > self.limit:
                self.tripped = True
                self.token.cancel()
                return

    def stop(self) -> None:
        self._stop.set()


@dataclass
class UIContext:
    outputs_root: Path
    upload_dir: Path
    concurrency: int = 1
    cancels: CancelRegistry = field(default_factory=CancelRegistry)
    blocks: Any = None
    #: server folders runs may read besides uploads and outputs (`studio ui --allow-dir`)
    allow_dirs: list[Path] = field(default_factory=list)
    #: seconds after which a run is stopped (None: no limit)
    run_timeout: float | None = None
    #: resident memory of the server (bytes) above which running runs are stopped (None: no limit)
    max_memory: int | None = None

    def read_roots(self) -> list[Path]:
        return [self.upload_dir.resolve(), self.outputs_root.resolve(), *(d.resolve() for d in self.allow_dirs)]

    def read_policy(self) -> ReadPolicy:
        what = "the uploads and outputs folders" + (" and the --allow-dir folders" if self.allow_dirs else "")
        return ReadPolicy.of(self.read_roots(), what)

    @property
    def examples_dir(self) -> Path:
        """Example inputs studio makes itself (outside Gradio's cache, which it prunes)."""
        d = self.outputs_root / ".ui-examples"
        d.mkdir(parents=True, exist_ok=True)
        return d

    @property
    def staging_dir(self) -> Path:
        d = self.upload_dir / "staging"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def heavy(self) -> dict[str, Any]:
        """Event options for model-heavy work: one shared queue with the concurrency limit."""
        return {"concurrency_limit": self.concurrency, "concurrency_id": RUN_QUEUE}

    def check_path(self, value: Any, what: str) -> str:
        """A path typed by the user must lie in the uploads or outputs folders: the UI never
        reads other files on the server."""
        p = Path(str(value)).expanduser().resolve()
        policy = self.read_policy()
        if not any(p == r or r in p.parents for r in policy.roots):
            raise UserError(f"{what}: {value} is outside {policy.what}; upload the file instead")
        return str(p)

    def execute(
        self,
        pipeline: Pipeline,
        inputs: dict[str, Any],
        *,
        tab: str,
        request: Any,
        progress: Callable[..., Any] | None,
        overrides: dict[str, Any] | None = None,
        seed: int | None = None,
        on_event: Callable[[Event, ProgressBridge], Any] | None = None,
    ) -> Generator[Any, None, RunResult]:
        """Run a recipe for one browser session; drive `progress`; yield whatever `on_event`
        returns (a tuple of output updates) when it is not None; return the RunResult."""
        session = getattr(request, "session_hash", None) or "anonymous"
        token = self.cancels.start(session, tab)
        bridge = ProgressBridge(progress, title=pipeline.name)
        timer = None
        if self.run_timeout:
            # the budget stops the run like the Cancel button does (at its next progress point,
            # template loop item or step boundary)
            timer = threading.Timer(self.run_timeout, token.cancel)
            timer.daemon = True
            timer.start()
        watch = MemoryWatch(self.max_memory, token) if self.max_memory else None
        try:
            for kind, item in stream_run(
                pipeline, inputs, overrides=overrides, seed=seed, outputs_root=self.outputs_root, cancel=token,
                reads=self.read_policy(),  # uploads, outputs and --allow-dir only; templates by name
            ):
                if kind == "result":
                    return item
                bridge(item)
                if on_event is not None:
                    update = on_event(item, bridge)
                    if update is not None:
                        yield update
        except Cancelled:
            if watch is not None and watch.tripped:
                raise UserError(f"the server went over its memory budget ({self.max_memory / 2**30:.1f} GiB, studio ui --max-memory) "
                                "and the run was stopped; try smaller sizes or fewer items") from None
            if timer is not None and not timer.is_alive() and not self.cancels.was_cancelled(session, tab, token):
                raise UserError(f"the run took longer than this server's {self.run_timeout:g} s budget (studio ui --run-timeout) and was stopped") from None
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if watch is not None:
                watch.stop()
            self.cancels.finish(session, tab, token)
        raise AssertionError("unreachable: stream_run ends with a result or an exception")

    def cancel(self, request: Any, tab: str) -> str:
        session = getattr(request, "session_hash", None) or "anonymous"
        if self.cancels.cancel(session, tab):
            return "Cancelling: the run stops at its next progress point."
        return "Nothing is running in this tab."
