"""Rich progress display for the CLI, fed by the executor's events."""

from __future__ import annotations

import re
import sys
from typing import Any

from studio.engine.progress import Event

#: the wording of ResolvedModel.hint() (studio.models.manager), with what the step says after it
_MISSING = re.compile(
    r"model '(?P<id>[^']+)' is not available locally \((?P<why>.*?)\); run `studio models pull [^`]+` on a machine "
    r"with internet, or pass a local folder or \.safetensors file(?P<rest>.*)$", re.S)
#: the longest a shortened warning's fallback clause may be
_REST_MAX = 48


# closing progress messages that say nothing beyond "done"
_PLAIN_ENDINGS = frozenset({"done", "written", "finished", "cached"})


def short_warning(step_id: str | None, message: str) -> tuple[str, str]:
    """(key, line) for the terminal: a missing-model fallback becomes one short line keyed by the
    model (so it shows once per run, however many steps fall back); anything else is kept as is.
    The manifest keeps the full text; `studio models` says how to get each model."""
    where = f"{step_id}: " if step_id else ""
    m = _MISSING.search(message)
    if m is None:
        return f"{where}{message}", f"{where}{message}"
    rest = m.group("rest").lstrip(" ;.,").strip()
    rest = re.split(r" \(|; |\. ", rest, maxsplit=1)[0].rstrip(".") if rest else "using the embedded default"
    if len(rest) > _REST_MAX:
        rest = rest[:_REST_MAX].rsplit(" ", 1)[0] + "..."
    rest = rest[:1].lower() + rest[1:]
    return f"model:{m.group('id')}", f"{where}{m.group('id')} not downloaded: {rest} (see `studio models`)"


class ProgressView:
    """Shows one bar for the run and one for the current step; prints warnings and cache hits."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.plain = enabled and not self.enabled
        self._progress: Any = None
        self._run_task: Any = None
        self._step_task: Any = None
        self.shown: set[str] = set()
        self._keys: set[str] = set()  # short-warning keys printed (one line per missing model per run)
        self._final: dict[str | None, str] = {}  # a step's closing progress message, by step id

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
            if (ev.fraction or 0.0) >= 1.0 and ev.message and ev.message not in _PLAIN_ENDINGS:
                self._final[ev.step_id] = ev.message  # what the step says it found, shown when it ends
            if p is not None and self._step_task is not None:
                desc = f"  {ev.step_id} ({ev.use})" + (f": {ev.message}" if ev.message else "")
                p.update(self._step_task, completed=ev.fraction or 0.0, description=desc)
        elif ev.kind in ("step_finished", "step_cached"):
            tag = "cached" if ev.kind == "step_cached" else "done"
            final = self._final.pop(ev.step_id, None)
            self._print(f"  [{ev.index + 1}/{ev.total}] {ev.step_id} ({ev.use}): {tag}" + (f" ({final})" if final else ""))
            if p is not None and self._run_task is not None:
                p.advance(self._run_task)
        elif ev.kind == "warning":
            self.shown.add(f"{ev.step_id}: {ev.message}")
            key, line = short_warning(ev.step_id, ev.message)
            if key not in self._keys:
                self._keys.add(key)
                self._print(f"warning: {line}")

    def unshown_warnings(self, manifest: dict[str, Any]) -> list[str]:
        """The run's warnings not printed live (steps served from the cache, or a quiet view),
        shortened like the live ones: one line per missing model per run."""
        out = []
        live = self.enabled or self.plain
        for w in manifest.get("warnings", []):
            if live and w in self.shown:
                continue
            step_id, _, message = w.partition(": ")
            key, line = short_warning(step_id, message) if message else (w, w)
            if key in self._keys and live:
                continue
            self._keys.add(key)
            out.append(line)
        return out
