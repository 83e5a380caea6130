"""Batch progress on stderr: one overall bar, one line per running item (its current step), and a
line per finished item. Without a terminal, only the finished-item lines are printed."""

from __future__ import annotations

import sys
import threading
from typing import Any


class BatchView:
    def __init__(self, title: str, total: int, enabled: bool = True):
        self.title = title
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.plain = enabled and not self.enabled
        self._lock = threading.RLock()
        self._progress: Any = None
        self._overall: Any = None
        self._rows: dict[int, Any] = {}
        self._labels: dict[int, str] = {}
        self.failed = 0

    def __enter__(self) -> BatchView:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
            self._overall = self._progress.add_task(self.title, total=max(1, self.total))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def print(self, text: str) -> None:
        with self._lock:
            if self._progress is not None:
                self._progress.console.print(text, highlight=False, markup=False)
            elif self.plain:
                print(text, file=sys.stderr, flush=True)

    def resumed(self, count: int) -> None:
        if count:
            self.print(f"{count} item(s) already finished in this batch folder: skipped")
            if self._progress is not None:
                self._progress.advance(self._overall, count)

    def started(self, index: int, label: str, worker: str = "") -> None:
        with self._lock:
            self._labels[index] = label
            if self._progress is not None and index not in self._rows:
                self._rows[index] = self._progress.add_task(f"  {index:04d} {label}: starting", total=1.0)

    def event(self, index: int, kind: str, step_id: str | None, fraction: float | None, message: str) -> None:
        with self._lock:
            if kind == "warning":
                self.print(f"  {index:04d} warning: {step_id}: {message}")
                return
            row = self._rows.get(index)
            if self._progress is None or row is None:
                return
            label = self._labels.get(index, "")
            if kind == "step_started":
                self._progress.update(row, description=f"  {index:04d} {label}: {step_id}", completed=0.0)
            elif kind == "progress":
                extra = f" {message}" if message else ""
                self._progress.update(row, description=f"  {index:04d} {label}: {step_id}{extra}", completed=fraction or 0.0)
            elif kind in ("step_finished", "step_cached"):
                self._progress.update(row, completed=1.0)

    def finished(self, index: int, label: str, outcome: dict[str, Any], where: str = "") -> None:
        status = outcome.get("status")
        secs = outcome.get("seconds")
        took = f" ({secs:.1f}s)" if isinstance(secs, (int, float)) else ""
        with self._lock:
            row = self._rows.pop(index, None)
            if self._progress is not None:
                if row is not None:
                    self._progress.remove_task(row)
                if status in ("done", "failed"):
                    self._progress.advance(self._overall)
            if status == "done":
                self.print(f"done    {index:04d} {label}{took} -> {where}")
            elif status == "failed":
                self.failed += 1
                self.print(f"FAILED  {index:04d} {label}{took}: {outcome.get('error')}")
            elif status == "cancelled":
                self.print(f"cancelled {index:04d} {label}")
            if self._progress is not None and self.failed:
                self._progress.update(self._overall, description=f"{self.title} ({self.failed} failed)")
