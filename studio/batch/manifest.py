"""The batch manifest `batch.json`: every item with its status, outputs, run folder, error and
seconds. Only the driver writes it, atomically (temporary file + rename), each time an item
changes state, so it is always complete JSON and says where the batch stands."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from studio.batch.plan import BatchItem
from studio.engine.manifest import write_json_atomic

FORMAT = 1
NAME = "batch.json"
STATUSES = ("pending", "running", "done", "failed", "cancelled")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    return value


class BatchManifest:
    def __init__(self, folder: Path, header: dict[str, Any], items: list[BatchItem]):
        self.folder = folder
        self.path = folder / NAME
        self._lock = threading.Lock()
        self._t0 = time.perf_counter()
        self.data: dict[str, Any] = {
            "kind": "studio-batch",
            "format": FORMAT,
            **header,
            "status": "running",
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "finished": None,
            "seconds": 0.0,
            "counts": {},
            "items": [
                {
                    "index": it.index,
                    "key": it.key,
                    "label": it.label,
                    "source": it.source,
                    "inputs": {k: _jsonable(v) for k, v in it.inputs.items()},
                    "seed": it.seed,
                    "overrides": it.overrides,
                    "status": "pending",
                    "run_dir": None,
                    "outputs": {},
                    "error": None,
                    "seconds": None,
                    "attempts": 0,
                    "worker": None,
                    "resumed": False,
                }
                for it in items
            ],
        }

    @staticmethod
    def read(folder: Path) -> dict[str, Any] | None:
        path = folder / NAME
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def item(self, index: int) -> dict[str, Any]:
        return self.data["items"][index]

    def update(self, index: int, write: bool = True, **fields: Any) -> None:
        with self._lock:
            self.data["items"][index].update(fields)
            if write:
                self._write_locked()

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for it in self.data["items"]:
            counts[it["status"]] = counts.get(it["status"], 0) + 1
        counts["total"] = len(self.data["items"])
        counts["resumed"] = sum(1 for it in self.data["items"] if it["resumed"])
        return counts

    def _write_locked(self) -> None:
        self.data["counts"] = self.counts()
        self.data["seconds"] = round(time.perf_counter() - self._t0, 3)
        write_json_atomic(self.path, self.data)

    def write(self) -> None:
        with self._lock:
            self._write_locked()

    def finish(self, status: str) -> None:
        with self._lock:
            self.data["status"] = status
            self.data["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            self._write_locked()
