"""What every tab shares: where outputs and uploads live, the cancel registry, the run queue
settings, and `UIContext.execute`, the one way a tab runs a recipe."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.errors import UserError
from studio.engine.executor import RunResult
from studio.engine.pipeline import Pipeline
from studio.engine.progress import Event
from studio.ui.progress import CancelRegistry, ProgressBridge, stream_run

log = logging.getLogger("studio.ui")

#: all model-heavy events share this queue slot pool (so N tabs cannot load N models at once)
RUN_QUEUE = "studio-runs"


@dataclass
class UIContext:
    outputs_root: Path
    upload_dir: Path
    concurrency: int = 1
    cancels: CancelRegistry = field(default_factory=CancelRegistry)
    blocks: Any = None

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
        roots = [self.upload_dir.resolve(), self.outputs_root.resolve()]
        if not any(p == r or r in p.parents for r in roots):
            raise UserError(f"{what}: {value} is outside the uploads and outputs folders; upload the file instead")
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
        try:
            for kind, item in stream_run(
                pipeline, inputs, overrides=overrides, seed=seed, outputs_root=self.outputs_root, cancel=token
            ):
                if kind == "result":
                    return item
                bridge(item)
                if on_event is not None:
                    update = on_event(item, bridge)
                    if update is not None:
                        yield update
        finally:
            self.cancels.finish(session, tab, token)
        raise AssertionError("unreachable: stream_run ends with a result or an exception")

    def cancel(self, request: Any, tab: str) -> str:
        session = getattr(request, "session_hash", None) or "anonymous"
        if self.cancels.cancel(session, tab):
            return "Cancelling: the run stops at its next progress point."
        return "Nothing is running in this tab."
