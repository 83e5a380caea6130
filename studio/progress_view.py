"""Rich progress display for the CLI, fed by the executor's events."""

from __future__ import annotations

import sys
from typing import Any

from studio.engine.progress import Event


class ProgressView:
    """Shows one bar for the run and one for the current step; prints warnings and cache hits."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.plain = enabled and not self.enabled
        self._progress: Any = None
        self._run_task: Any = None
        self._step_task: Any = None
        self.shown: set[str] = set()

    def __enter__(self) -> ProgressView:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def _print(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, markup=False)
        elif self.plain:
            print(text, file=sys.stderr)

    def __call__(self, ev: Event) -> None:
        p = self._progress
        if ev.kind == "run_started":
            if p is not None:
                self._run_task = p.add_task(f"{ev.message}", total=max(1, ev.total))
        elif ev.kind == "step_started":
            if p is not None:
                if self._step_task is not None:
                    p.remove_task(self._step_task)
                self._step_task = p.add_task(f"  {ev.step_id} ({ev.use})", total=1.0)
        elif ev.kind == "progress":
            if p is not None and self._step_task is not None:
                desc = f"  {ev.step_id} ({ev.use})" + (f": {ev.message}" if ev.message else "")
                p.update(self._step_task, completed=ev.fraction or 0.0, description=desc)
        elif ev.kind in ("step_finished", "step_cached"):
            tag = "cached" if ev.kind == "step_cached" else "done"
            self._print(f"  [{ev.index + 1}/{ev.total}] {ev.step_id} ({ev.use}): {tag}")
            if p is not None and self._run_task is not None:
                p.advance(self._run_task)
        elif ev.kind == "warning":
            self.shown.add(f"{ev.step_id}: {ev.message}")
            self._print(f"warning: {ev.step_id}: {ev.message}")

    def unshown_warnings(self, manifest: dict[str, Any]) -> list[str]:
        """The run's warnings not printed live (steps served from the cache, or a quiet view)."""
        return [w for w in manifest.get("warnings", []) if w not in self.shown or not (self.enabled or self.plain)]
