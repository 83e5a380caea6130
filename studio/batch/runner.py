"""Planning and running a batch: expansion, the batch folder, resume, the executor, the manifest,
progress and Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio import load_recipe
from studio.batch.expand import Axis, Row, combine, folder_rows, parse_values, read_table
from studio.batch.manifest import BatchManifest
from studio.batch.plan import (
    BatchItem,
    Resources,
    batch_id,
    feed_input,
    make_items,
    path_inputs,
    recipe_digest,
    recipe_resources,
)
from studio.batch.worker import MARKER, Callbacks, ItemTask, place_shipped
from studio.engine.cache import Cache
from studio.engine.errors import UserError
from studio.engine.executor import apply_overrides, default_outputs_root
from studio.engine.pipeline import Pipeline
from studio.engine.progress import CancelToken

ITEMS = "items"


@dataclass
class BatchResult:
    """What a batch did. `manifest` is the content of `batch.json`."""

    batch_dir: Path
    status: str  # done | failed | cancelled
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.manifest["items"]

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]

    @property
    def ok(self) -> bool:
        return self.status == "done"

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [it for it in self.items if it["status"] == "failed"]

    @property
    def manifest_path(self) -> Path:
        return self.batch_dir / "batch.json"

    def run_dirs(self) -> list[Path | None]:
        return [self.batch_dir / it["run_dir"] if it["run_dir"] else None for it in self.items]


def _axis_values(values: Any, name: str) -> list[Any]:
    if isinstance(values, str):
        return parse_values(values, name)
    if isinstance(values, range):
        return list(values)
    if isinstance(values, (list, tuple)):
        if not values:
            raise UserError(f"axis {name!r} has no values")
        return list(values)
    return [values]


def _absolute_paths(p: Pipeline, rows: list[Row]) -> None:
    """Relative paths become absolute: workers (processes, Ray actors) may run elsewhere."""
    names = path_inputs(p)
    for row in rows:
        for name in names:
            value = row.inputs.get(name)
            if isinstance(value, str) and value and not os.path.isabs(os.path.expanduser(value)):
                row.inputs[name] = str(Path(value).expanduser().absolute())


def plan_batch(
    recipe: str | Path | Pipeline,
    rows: str | Path | list[dict[str, Any]] | None = None,
    *,
    inputs: dict[str, Any] | None = None,
    product: dict[str, Any] | None = None,
    zip: dict[str, Any] | None = None,
    zip_groups: list[list[str]] | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    feed: str | None = None,
) -> tuple[Pipeline, list[BatchItem]]:
    """Expand a batch into items without running anything.

    `rows`: a table (.csv/.tsv/.jsonl/.json), a folder (one item per entry, given to the recipe's
    path input or `feed`), or a list of dicts. `inputs`, `seed`, `overrides`: shared by every item
    (a row overrides them). `product`: {name: values} crossed with the rows; `zip`: {name: values}
    advancing together; `zip_groups`: names of `product` axes to advance together. Values may be
    lists, ranges or strings such as "1..8" and "manga,noir". Names: recipe inputs, `seed`, or
    `STEP.PARAM` overrides."""

    p = recipe if isinstance(recipe, Pipeline) else load_recipe(recipe)
    p.check()
    base = Row(source="")
    for name, value in (inputs or {}).items():
        base.inputs[name] = value
    for dotted, value in (overrides or {}).items():
        base.overrides[dotted] = value
    if seed is not None:
        if int(seed) < 0:
            raise UserError(f"seed must be a non-negative integer, got {seed}")
        base.seed = int(seed)

    if rows is None:
        table = [Row()]
    elif isinstance(rows, (str, Path)):
        src = Path(rows).expanduser()
        if not src.exists():
            raise UserError(f"--inputs {src}: no such file or folder; give a .csv/.jsonl table or a folder")
        if src.is_dir():
            name, type_ = feed_input(p, feed)
            table = folder_rows(src, name, type_)
        else:
            table = read_table(src, set(path_inputs(p)))
    else:
        table = []
        for i, rec in enumerate(rows):
            if not isinstance(rec, dict):
                raise UserError(f"rows[{i}] must be a dict of input values, got {type(rec).__name__}")
            r = Row(source=f"rows[{i}]")
            for k, v in rec.items():
                combine_one(r, k, v)
            table.append(r)
        if not table:
            raise UserError("rows is empty: give at least one row")
    table = [base.merged(r) for r in table]

    axes = [Axis(n, _axis_values(v, n)) for n, v in (product or {}).items()]
    groups = [list(g) for g in (zip_groups or [])]
    zipped = [Axis(n, _axis_values(v, n)) for n, v in (zip or {}).items()]
    if len(zipped) > 1:
        groups.append([a.name for a in zipped])
    expanded = combine(table, axes + zipped, groups)
    _absolute_paths(p, expanded)
    return p, make_items(p, expanded)


def combine_one(row: Row, name: str, value: Any) -> None:
    from studio.batch.expand import _assign

    _assign(row, str(name), value, row.source)


# -- the batch folder -----------------------------------------------------------------------


def _prepare_folder(folder: Path, p: Pipeline) -> str:
    """Create or reopen a batch folder; returns the batch token (shared-storage check)."""
    existing = BatchManifest.read(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder}: is a file; give a folder")
    if existing is None and folder.is_dir() and any(c for c in folder.iterdir() if not c.name.startswith(".")):
        raise UserError(f"--out {folder}: the folder is not empty and holds no batch (batch.json); choose an empty or new folder")
    if existing is not None and existing.get("recipe") != p.name:
        raise UserError(f"--out {folder}: holds a batch of recipe {existing.get('recipe')!r}, not {p.name!r}; choose another folder")
    (folder / ITEMS).mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    try:
        token = marker.read_text(encoding="utf-8").strip()
    except OSError:
        token = ""
    if not token:
        token = uuid.uuid4().hex
        tmp = marker.with_name(marker.name + ".tmp")
        tmp.write_text(token, encoding="utf-8")
        os.replace(tmp, marker)
    # staging folders of items whose worker was killed
    for stale in (folder / ITEMS).glob(".*.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return token


def _finished_runs(folder: Path) -> dict[str, Path]:
    """Key prefix -> finished run folder (one with its manifest) under `<batch>/items/`."""
    found: dict[str, Path] = {}
    for d in sorted((folder / ITEMS).iterdir()):
        if d.is_dir() and not d.name.startswith(".") and "-" in d.name and (d / "manifest.json").is_file():
            found[d.name.split("-", 1)[1]] = d
    return found


def _rel_outputs(run_rel: str, outputs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in outputs.items():
        if value is None:
            out[name] = None
        elif isinstance(value, list):
            out[name] = [f"{run_rel}/{v}" for v in value]
        else:
            out[name] = f"{run_rel}/{value}"
    return out


# -- Ctrl-C -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _sigint(cancel: CancelToken, say: Any, enabled: bool) -> Iterator[None]:
    """First Ctrl-C: cancel (running items stop at their next step, nothing new starts).
    Second Ctrl-C: KeyboardInterrupt, which stops running items now."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    presses = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            cancel.cancel()
            say("cancelling: no new items start, running ones stop at their next step (Ctrl-C again to stop them now)")
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _local_gpus(res: Resources) -> list[str]:
    if not res.gpu_steps:
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d.strip() for d in visible.split(",") if d.strip()]
    try:
        import torch
    except ImportError:
        return []
    return [str(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []


def run_batch(
    recipe: str | Path | Pipeline,
    rows: str | Path | list[dict[str, Any]] | None = None,
    *,
    inputs: dict[str, Any] | None = None,
    product: dict[str, Any] | None = None,
    zip: dict[str, Any] | None = None,
    zip_groups: list[list[str]] | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    feed: str | None = None,
    executor: str = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    outputs_root: str | Path | None = None,
    cache: str | Path | None = None,
    use_cache: bool = True,
    num_cpus: float | None = None,
    num_gpus: float | None = None,
    stop_timeout: float = 10.0,
    progress: bool = False,
    cancel: CancelToken | None = None,
    handle_sigint: bool = True,
    executor_options: dict[str, Any] | None = None,
) -> BatchResult:
    """Run one recipe over many inputs. See `plan_batch` for how items are made.

    Every item is an ordinary run in `<batch>/items/<index>-<key>/` with its own manifest, all
    sharing the content-addressed cache; `<batch>/batch.json` lists every item. A failed item does
    not stop the others. Running the same batch again skips finished items.
    `executor`: "local" (process pool, `workers` defaults to the CPU count), "ray" (`address` of a
    cluster, else a local Ray), or "sequential"."""
    from studio.batch.executors import make_executor
    from studio.batch.progress import BatchView

    if executor not in ("local", "ray", "sequential"):
        raise UserError(f"unknown executor {executor!r}; use local, ray or sequential")
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if address and executor != "ray":
        raise UserError("--address is for --executor ray")
    p, items = plan_batch(recipe, rows, inputs=inputs, product=product, zip=zip, zip_groups=zip_groups, seed=seed, overrides=overrides, feed=feed)
    bid = batch_id(p, items)
    root = Path(outputs_root) if outputs_root else default_outputs_root()
    folder = (Path(out).expanduser() if out else root / (p.name or "recipe") / f"batch-{bid}").absolute()
    cache_dir = str(Cache(cache).root.expanduser().absolute()) if use_cache else None

    res = recipe_resources(apply_overrides(p, items[0].overrides), items[0].inputs)
    notes = list(res.notes)
    options: dict[str, Any] = {"stop_timeout": stop_timeout, **(executor_options or {})}
    if executor == "ray":
        options.update(address=address, num_cpus=num_cpus or res.num_cpus, num_gpus=res.num_gpus if num_gpus is None else num_gpus)
    elif executor == "local":
        gpus = _local_gpus(res)
        if res.gpu_steps and not gpus:
            notes.append(f"steps {', '.join(res.gpu_steps)} would use a GPU but none is visible: they run on CPU")
        options.update(gpus=gpus)
    ex = make_executor(executor, workers, **options)

    token = _prepare_folder(folder, p)
    header = {
        "batch_id": bid,
        "recipe": p.name,
        "recipe_path": str(p.path) if p.path else None,
        "recipe_sha256": recipe_digest(p),
        "batch_dir": str(folder),
        "cache_dir": cache_dir,
        "executor": ex.describe(),
        "resources": res.to_dict(),
    }
    manifest = BatchManifest(folder, header, items)
    finished = _finished_runs(folder)
    resumed = 0
    tasks: list[ItemTask] = []
    for it in items:
        prev = finished.get(it.key[:10])
        if prev is not None:
            try:
                run_manifest = json.loads((prev / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                run_manifest = None
            if run_manifest is not None:
                rel = f"{ITEMS}/{prev.name}"
                manifest.update(it.index, write=False, status="done", resumed=True, run_dir=rel,
                                outputs=_rel_outputs(rel, run_manifest.get("outputs", {})), seconds=run_manifest.get("seconds"))
                resumed += 1
                continue
        tasks.append(ItemTask(
            index=it.index, key=it.key, recipe_text=p.text, recipe_path=str(p.path) if p.path else None,
            inputs=it.inputs, seed=it.seed, overrides=it.overrides, out=str(folder / ITEMS / it.folder_name),
            cache=cache_dir, use_cache=use_cache, token=token,
        ))
    manifest.write()

    cancel = cancel or CancelToken()
    title = f"batch {p.name} ({ex.name})"
    with BatchView(title, len(items), enabled=progress) as view:
        for note in notes:
            view.print(f"note: {note}")
        view.resumed(resumed)

        def started(index: int, worker: str) -> None:
            attempts = manifest.item(index)["attempts"] + 1
            manifest.update(index, status="running", attempts=attempts, worker=worker or None)
            view.started(index, items[index].label, worker)

        def event(index: int, kind: str, step_id: str | None, fraction: float | None, message: str) -> None:
            view.event(index, kind, step_id, fraction, message)

        def done(index: int, outcome: dict[str, Any]) -> None:
            status = outcome.get("status", "failed")
            fields: dict[str, Any] = {"status": status, "seconds": outcome.get("seconds"), "error": outcome.get("error")}
            if outcome.get("worker"):
                fields["worker"] = outcome["worker"]
            if outcome.get("traceback"):
                fields["traceback"] = outcome["traceback"]
            if status == "done":
                rel = f"{ITEMS}/{items[index].folder_name}"
                files = outcome.get("files")
                try:
                    if files is not None:
                        place_shipped(files, folder / rel)
                except OSError as exc:
                    fields.update(status="failed", error=f"could not write the item's files: {exc}")
                else:
                    fields.update(run_dir=rel, outputs=_rel_outputs(rel, outcome.get("outputs", {})),
                                  cache_hits=outcome.get("cache_hits"), warnings=outcome.get("warnings", []),
                                  backends=outcome.get("backends", {}))
            manifest.update(index, **fields)
            where = str(folder / fields["run_dir"]) if fields.get("run_dir") else ""
            view.finished(index, items[index].label, {**outcome, **fields}, where)

        with _sigint(cancel, view.print, handle_sigint):
            if tasks:
                ex.run(tasks, Callbacks(started=started, event=event, done=done), cancel)

    for note in getattr(ex, "notes", []):
        notes.append(note)
    with manifest._lock:
        manifest.data["executor"] = ex.describe()
        for it in manifest.data["items"]:
            if it["status"] in ("pending", "running"):
                it.update(status="cancelled" if cancel.cancelled else "failed", error=it["error"] or "the executor did not report this item")
    counts = manifest.counts()
    if cancel.cancelled and counts["cancelled"]:
        status = "cancelled"
    elif counts["failed"] or counts["cancelled"]:
        status = "failed"
    else:
        status = "done"
    manifest.finish(status)
    for stale in (folder / ITEMS).glob(".*.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return BatchResult(batch_dir=folder, status=status, manifest=manifest.data, notes=notes)
