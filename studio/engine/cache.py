"""A content-addressed cache of step outputs with atomic writes.

An entry lives in `<root>/<key[:2]>/<key>/` with `entry.json` and the artifact files. Entries are
written into `<root>/tmp/` first and renamed into place, so an interrupted write never leaves a
corrupt entry; stale temporary folders are removed when the cache is opened. `entry.json` keeps
the SHA-256 and size of every artifact file; a hit whose files do not match (truncated, edited,
gone) is discarded with a warning and the step runs again, so a damaged PNG or PDF is never
copied into a run folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from studio.engine.artifacts import Artifact, ImageArtifact, dump_artifact, load_artifact
from studio.engine.threads import default_threads

CACHE_ENV = "STUDIO_CACHE_DIR"
FORMAT = 3  # 3: artifact files carry sha256 and bytes


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("studio")) / "steps"


def _point_at_entry(outputs: dict[str, Any], specs: dict[str, Any], folder: Path) -> None:
    """Let images just stored remember their encoded PNG in the entry, so saving them into the
    run folder copies bytes instead of encoding the same pixels a second time."""

    for name, value in outputs.items():
        items = value if isinstance(value, list) else [value]
        spec_items = specs.get(name)
        spec_list = spec_items if isinstance(spec_items, list) else [spec_items]
        for art, spec in zip(items, spec_list):
            if isinstance(art, ImageArtifact) and spec and art._png is None:
                art._png = folder / spec["file"]


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _specs(outputs: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for spec in outputs.values():
        for s in spec if isinstance(spec, list) else [spec]:
            if isinstance(s, dict):
                found.append(s)
    return found


def _seal(folder: Path, outputs: dict[str, Any]) -> None:
    """Record the SHA-256 and size of each artifact file in its spec."""
    for spec in _specs(outputs):
        if spec.get("file"):
            path = folder / spec["file"]
            spec["sha256"] = _file_sha256(path)
            spec["bytes"] = path.stat().st_size


def _damage(folder: Path, outputs: dict[str, Any]) -> str | None:
    """Why an entry's files do not match what was stored, or None when they all do."""
    for spec in _specs(outputs):
        name = spec.get("file")
        if not name:
            continue
        path = folder / name
        if Path(name).name != name or not path.is_file():
            return f"{name} is missing"
        if "sha256" not in spec:
            return f"{name} has no recorded digest"
        size = path.stat().st_size
        if size != spec.get("bytes"):
            return f"{name} is {size} bytes, {spec.get('bytes')} were stored"
        if _file_sha256(path) != spec["sha256"]:
            return f"{name} does not match its digest"
    return None


class Cache:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root else default_cache_dir()
        self.tmp = self.root / "tmp"
        self._cleaned = False
        #: why the last `get` discarded an entry (None: it did not)
        self.last_damage: str | None = None

    def _ensure(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        if not self._cleaned:
            self._cleaned = True
            cutoff = time.time() - 3600
            for stale in self.tmp.iterdir():
                try:
                    if stale.stat().st_mtime < cutoff:
                        shutil.rmtree(stale, ignore_errors=True)
                except FileNotFoundError:
                    continue

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(outputs, record) for a complete entry whose files match their digests, or None. A
        damaged entry is removed (with a warning; `last_damage` says why)."""
        self.last_damage = None
        folder = self.entry_dir(key)
        meta = folder / "entry.json"
        if not meta.is_file():
            return None
        try:
            entry = json.loads(meta.read_text(encoding="utf-8"))
            if entry.get("format") != FORMAT:
                return None
            damage = _damage(folder, entry["outputs"])
            if damage is not None:
                raise ValueError(damage)
            outputs: dict[str, Any] = {}
            for name, spec in entry["outputs"].items():
                if isinstance(spec, list):
                    outputs[name] = [load_artifact(folder, s) for s in spec]
                elif spec is None:
                    outputs[name] = None
                else:
                    outputs[name] = load_artifact(folder, spec)
            return outputs, entry.get("record", {})
        except (OSError, ValueError, KeyError) as exc:
            import logging

            self.last_damage = f"damaged cache entry {key[:12]} discarded ({exc}); recomputed"
            # the step that asked says so in its warnings (run output, manifest); here for -v
            logging.getLogger("studio").debug("discarding damaged cache entry %s: %s", key, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def put(self, key: str, outputs: dict[str, Any], record: dict[str, Any]) -> None:
        """Store outputs atomically (write to a temporary folder, then rename)."""
        self._ensure()
        final = self.entry_dir(key)
        if (final / "entry.json").is_file():
            return
        staging = self.tmp / f"{key}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        try:
            specs: dict[str, Any] = {}
            for name, value in outputs.items():
                if isinstance(value, list):
                    specs[name] = _dump_all(value, staging, name)
                elif isinstance(value, Artifact):
                    specs[name] = dump_artifact(value, staging, name)
                else:
                    specs[name] = None
            _seal(staging, specs)
            entry = {"format": FORMAT, "key": key, "created": time.time(), "outputs": specs, "record": record}
            (staging / "entry.json").write_text(json.dumps(entry, default=str), encoding="utf-8")
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
                _point_at_entry(outputs, specs, final)
            except OSError:
                # another process stored the same entry first, or a damaged leftover is there
                if (final / "entry.json").is_file():
                    shutil.rmtree(staging, ignore_errors=True)
                else:
                    shutil.rmtree(final, ignore_errors=True)
                    os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file()) if self.root.exists() else 0


def _dump_all(artifacts: list[Any], folder: Path, name: str) -> list[dict[str, Any]]:
    """Dump a list output, encoding several artifacts at once (PNG and WAV encoders release the
    GIL); the specs keep the list's order."""
    jobs = [(a, f"{name}-{i:04d}") for i, a in enumerate(artifacts)]
    if len(jobs) < 2:
        return [dump_artifact(a, folder, key) for a, key in jobs]
    from concurrent.futures import ThreadPoolExecutor


    with ThreadPoolExecutor(min(len(jobs), default_threads()), thread_name_prefix="studio-cache") as pool:
        return list(pool.map(lambda job: dump_artifact(job[0], folder, job[1]), jobs))
