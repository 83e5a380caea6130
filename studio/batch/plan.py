"""A batch plan: the recipe, the expanded items with stable keys, the batch folder, and the
resources one item needs (derived from the recipe's steps).

Identity: an item's key is a hash of the recipe text and the item's inputs, seed and overrides,
so it does not depend on its position. Its run folder is `<batch>/items/<index>-<key[:10]>/`;
re-running finds finished items by key (a run folder with its manifest) and skips them. The
default batch folder is `<outputs>/<recipe>/batch-<id>/` where the id hashes the recipe and all
item keys: running the same command again resumes the same batch. `out=` names the folder
explicitly (then adding rows to the table and re-running only runs the new rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.batch.expand import PATH_TYPES, Row
from studio.engine.errors import UserError
from studio.engine.pipeline import Pipeline
from studio.engine.refs import Ref, is_template
from studio.engine.registry import suggest
from studio.engine.step import get_step


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _slug(value: Any, limit: int = 24) -> str:
    text = Path(value).stem if isinstance(value, str) and ("/" in value or "\\" in value) else str(value)
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out[:limit].strip("-")


@dataclass
class BatchItem:
    index: int
    key: str
    inputs: dict[str, Any]
    seed: int | None
    overrides: dict[str, Any]
    source: str = ""
    varying: dict[str, Any] = field(default_factory=dict)

    @property
    def folder_name(self) -> str:
        return f"{self.index:04d}-{self.key[:10]}"

    @property
    def label(self) -> str:
        """A short human description: the values that vary across the batch."""
        parts = []
        for name, value in self.varying.items():
            shown = Path(value).name if isinstance(value, str) and ("/" in value) else value
            text = str(shown)
            parts.append(f"{name}={text if len(text) <= 28 else text[:25] + '...'}")
        return " ".join(parts) or self.source or f"item {self.index}"


@dataclass
class Resources:
    """What one item asks of a worker. `gpu_steps` lists the steps that will run a neural backend."""

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    gpu_steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"num_cpus": self.num_cpus, "num_gpus": self.num_gpus, "gpu_steps": self.gpu_steps, "notes": self.notes}


def recipe_digest(p: Pipeline) -> str:
    return hashlib.sha256(p.text.encode("utf-8")).hexdigest()


def item_key(recipe_sha: str, inputs: dict[str, Any], seed: int | None, overrides: dict[str, Any]) -> str:
    material = {"recipe": recipe_sha, "inputs": inputs, "seed": seed, "overrides": overrides}
    return hashlib.sha256(_canonical(material).encode("utf-8")).hexdigest()


def check_names(p: Pipeline, rows: list[Row]) -> None:
    """Unknown inputs or override targets are a mistake in the whole batch: say so before running."""

    step_ids = {s.id for s in p.steps}
    for row in rows:
        for name in row.inputs:
            if name not in p.inputs:
                raise UserError(
                    f"{row.source or 'batch'}: recipe {p.name!r} has no input {name!r}{suggest(name, list(p.inputs))}; "
                    f"inputs: {', '.join(p.inputs) or 'none'} (also: seed, STEP.PARAM)"
                )
        for dotted in row.overrides:
            step_id = dotted.split(".", 1)[0]
            if step_id not in step_ids:
                raise UserError(f"{row.source or 'batch'}: {dotted!r} names no step of {p.name!r}{suggest(step_id, sorted(step_ids))}; steps: {', '.join(sorted(step_ids))}")


def make_items(p: Pipeline, rows: list[Row]) -> list[BatchItem]:
    check_names(p, rows)
    sha = recipe_digest(p)
    items: list[BatchItem] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        key = item_key(sha, row.inputs, row.seed, row.overrides)
        if key in seen:
            raise UserError(
                f"items {seen[key]} ({rows[seen[key]].source or 'axes'}) and {i} ({row.source or 'axes'}) are identical; "
                "remove the duplicate row or vary something (seed=...)"
            )
        seen[key] = i
        items.append(BatchItem(index=i, key=key, inputs=dict(row.inputs), seed=row.seed, overrides=dict(row.overrides), source=row.source))
    # which values vary across items (for labels)
    names: list[str] = []
    for it in items:
        for n in [*it.inputs, *(["seed"] if it.seed is not None else []), *it.overrides]:
            if n not in names:
                names.append(n)
    for n in names:
        vals = {_canonical(_value(it, n)) for it in items}
        if len(vals) > 1:
            for it in items:
                v = _value(it, n)
                if v is not None:
                    it.varying[n] = v
    return items


def _value(it: BatchItem, name: str) -> Any:
    if name == "seed":
        return it.seed
    if name in it.inputs:
        return it.inputs[name]
    return it.overrides.get(name)


def batch_id(p: Pipeline, items: list[BatchItem]) -> str:
    material = {"recipe": recipe_digest(p), "items": [it.key for it in items]}
    return hashlib.sha256(_canonical(material).encode("utf-8")).hexdigest()[:10]


def path_inputs(p: Pipeline) -> dict[str, str]:
    """Recipe inputs that take a path (name -> type), in declaration order."""
    return {name: spec.type for name, spec in p.inputs.items() if spec.type in PATH_TYPES}


def feed_input(p: Pipeline, feed: str | None) -> tuple[str, str]:
    """The input that folder entries are given to."""
    candidates = path_inputs(p)
    if feed:
        if feed not in p.inputs:

            raise UserError(f"--feed {feed!r}: recipe {p.name!r} has no such input{suggest(feed, list(p.inputs))}; inputs: {', '.join(p.inputs)}")
        return feed, p.inputs[feed].type
    if not candidates:
        raise UserError(f"recipe {p.name!r} has no path-like input to give folder entries to; use a table (--inputs rows.csv)")
    required = [n for n in candidates if p.inputs[n].required]
    pool = required or list(candidates)
    if len(pool) > 1:
        raise UserError(f"recipe {p.name!r} has several path inputs ({', '.join(pool)}); say which one gets the folder's entries with --feed NAME")
    return pool[0], candidates[pool[0]]


# -- resources -------------------------------------------------------------------------------


def _literal_params(cls: type, with_: dict[str, Any], sample: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, raw in with_.items():
        if key in cls.inputs or key == "seed":  # type: ignore[attr-defined]
            continue
        ref = Ref.parse(raw)
        if ref is not None:
            if ref.source == "inputs" and ref.name in sample:
                params[key] = sample[ref.name]
            continue
        if is_template(raw):
            continue
        params[key] = raw
    return params


def step_wants_gpu(step: Any, params: Any) -> tuple[bool, str]:
    """Whether a step will run a neural backend for these params, without loading anything.

    A step may say so itself with `resources(params) -> {"num_gpus": ..., "num_cpus": ...}`.
    Otherwise: `device: cpu` means no; else `cache_extra` (what `backend: auto` resolves to) is
    read: an embedded backend (procedural, classic, ...) means no, a neural backend with local
    weights means yes, missing weights (the embedded default will run) mean no."""
    hook = getattr(step, "resources", None)
    if callable(hook):
        try:
            wanted = hook(params) or {}
        except Exception as exc:  # noqa: BLE001 - a step's own estimate must not stop the batch; say what happened
            return False, f"{type(step).name}.resources() failed ({type(exc).__name__}: {exc}); assuming CPU"
        return float(wanted.get("num_gpus", 0) or 0) > 0, ""
    device = getattr(params, "device", None)
    if isinstance(device, str) and device.lower() == "cpu":
        return False, ""
    try:
        extra = step.cache_extra(params) or {}
    except Exception as exc:  # noqa: BLE001 - same: a resolution problem surfaces when the item runs
        return False, f"{type(step).name}: could not tell its backend ({type(exc).__name__}: {exc}); assuming CPU"
    if not isinstance(extra, dict):
        return False, ""
    return _neural(extra), ""


_ABSENT = {"missing", "error", "none", ""}


def _weights_present(model: Any) -> bool:
    """Reads the usual shapes of a `model` entry in cache_extra: [source, path, revision],
    {"source": ..., "path": ...}, or a path/id string."""
    if isinstance(model, (list, tuple)):
        if not model:
            return False
        source = str(model[0]).lower()
        path = model[1] if len(model) > 1 else None
        return source not in _ABSENT and bool(path)
    if isinstance(model, dict):
        if str(model.get("source", "")).lower() in _ABSENT and "source" in model:
            return False
        return bool(model.get("path") or model.get("available"))
    return bool(model) and str(model).lower() not in _ABSENT


def _neural(extra: dict[str, Any]) -> bool:
    """Real weights will be loaded: the cache key names a local model path."""
    backend = extra.get("backend")
    if isinstance(backend, str) and backend.lower() in EMBEDDED_BACKENDS:
        return False
    if "source" in extra and str(extra["source"]).lower() in _ABSENT:
        return False
    if extra.get("model_path") or extra.get("path") or extra.get("neural"):
        return True
    if "model" in extra:
        return _weights_present(extra["model"])
    return False


#: backend names that never need a GPU
EMBEDDED_BACKENDS = {
    "procedural", "pillow", "classic", "embedded", "jinja2", "numpy", "opencv", "template", "builtin", "none",
    "stylize", "rules", "heuristic", "scipy", "ffmpeg", "pyav", "synth", "tinysoundfont", "skipped", "describe",
}


def recipe_resources(p: Pipeline, sample_inputs: dict[str, Any] | None = None) -> Resources:
    from pydantic import ValidationError


    res = Resources()
    sample = sample_inputs or {}
    for spec in p.steps:
        step = get_step(spec.use)
        cls = type(step)
        try:
            params = cls.Params.model_validate(_literal_params(cls, spec.with_, sample))
        except ValidationError:
            continue  # a required param comes from a reference; the run validates it
        gpu, note = step_wants_gpu(step, params)
        if note:
            res.notes.append(note)
        if gpu:
            res.gpu_steps.append(spec.id)
        hook = getattr(step, "resources", None)
        if callable(hook):
            try:
                cpus = float((hook(params) or {}).get("num_cpus", 1) or 1)
            except Exception:  # noqa: BLE001 - already reported above
                cpus = 1.0
            res.num_cpus = max(res.num_cpus, cpus)
    if res.gpu_steps:
        res.num_gpus = 1.0
    return res
