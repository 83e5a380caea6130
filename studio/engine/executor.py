"""Runs a pipeline: resolves inputs, derives seeds, consults the cache, runs steps in dependency
order, saves outputs atomically into a run folder and writes the manifest."""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from studio._version import __version__
from studio.engine import artifacts as _artifacts
from studio.engine.artifacts import (
    Artifact,
    FileArtifact,
    ImageArtifact,
    canonical_json,
    hash_bytes,
    provenance_text,
)
from studio.engine.cache import Cache
from studio.engine.coerce import convert_input, to_artifact
from studio.engine.errors import (
    Cancelled,
    InputError,
    InvalidArgumentError,
    StepError,
    StudioError,
    UnknownKeyError,
    UserError,
)
from studio.engine.fingerprint import code_fingerprint
from studio.engine.jinja import bind_cancel, render_sandboxed
from studio.engine.manifest import build_manifest, write_json_atomic
from studio.engine.progress import CancelToken, Event, Listener
from studio.engine.reads import ReadPolicy, bind_read_policy, check_readable, check_values
from studio.engine.refs import Ref, is_template
from studio.engine.registry import suggest
from studio.engine.seeds import DEFAULT_SEED, derive_seed
from studio.engine.step import STEPS, Step, StepContext, get_step, is_list_type
from studio.engine.storage import Scratch, check_writable, storage_error
from studio.engine.validation import format_pydantic_error

if TYPE_CHECKING:
    from studio.engine.pipeline import Pipeline

#: the same rule the validator applies to recipe and output names
_NAME_RE = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]{0,99}$")


def bad_name(name: Any) -> bool:
    """True when `name` is not one plain file name (`../x`, `/abs/x`, `a/b`, `.hidden`, empty)."""
    return not isinstance(name, str) or not _NAME_RE.match(name)

OUTPUTS_ENV = "STUDIO_OUTPUTS"
log = logging.getLogger("studio")


@dataclass
class RunResult:
    """What a run produced: typed outputs, the files written, and the manifest."""

    run_dir: Path
    outputs: dict[str, Any]
    paths: dict[str, Any]
    manifest: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        if name not in self.outputs:
            raise UnknownKeyError(f"the run has no output {name!r}{suggest(str(name), list(self.outputs))}; outputs: {', '.join(self.outputs) or 'none'}")
        return self.outputs[name]

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / "manifest.json"

    def output_lines(self) -> list[str]:
        """`name: path` per written output (a folder and its file count for list outputs);
        outputs left empty are skipped."""
        lines = []
        for name, value in self.paths.items():
            if value is None or (isinstance(value, list) and not value):
                continue
            shown = f"{value[0].parent}/ ({len(value)} files)" if isinstance(value, list) else str(value)
            lines.append(f"{name}: {shown}")
        return lines

    def main_paths(self) -> list[Path]:
        found: list[Path] = []
        for value in self.paths.values():
            if isinstance(value, list):
                if value:
                    found.append(value[0].parent)
            elif value is not None:
                found.append(value)
        return found


def default_outputs_root() -> Path:
    return Path(os.environ.get(OUTPUTS_ENV, "outputs"))


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _emit(listeners: Iterable[Listener], event: Event) -> None:
    for listener in listeners:
        listener(event)


def _render(template: str, context: dict[str, Any], where: str) -> str:
    """A `with:` template, in the sandbox with a time and size budget (engine/jinja.py)."""
    shown = template if len(template) <= 80 else template[:77] + "..."
    return render_sandboxed(template, context, where=f"{where}: template {shown!r}")


#: deepest nesting of lists and dicts a recipe input may have (the recipe's own YAML: 64)
MAX_INPUT_DEPTH = 64


def _depth(value: Any) -> int:
    """Nesting depth of lists/dicts in `value`, without recursion (so a 100000-deep list from
    `-i x=[[[[...` is measured, not a RecursionError); stops counting past the limit."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if d > deepest:
            deepest = d
            if deepest > MAX_INPUT_DEPTH:
                break
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend((x, d + 1) for x in v)
    return deepest


def apply_overrides(p: Pipeline, overrides: dict[str, Any] | Iterable[tuple[str, Any]] | None) -> Pipeline:
    if not overrides:
        return p
    p = p.copy()
    items = overrides.items() if isinstance(overrides, dict) else overrides
    try:
        items = [(str(k), v) for k, v in items]
    except (TypeError, ValueError):
        raise InvalidArgumentError("overrides must map 'STEP.PARAM' to a value (a dict, or (key, value) pairs)") from None
    for dotted, value in items:
        if "." not in dotted:
            raise UserError(f"--set {dotted}: use STEP.PARAM=VALUE (steps: {', '.join(s.id for s in p.steps)})")
        step_id, key = dotted.split(".", 1)
        p.set(step_id, key, value)
    return p


def resolve_inputs(p: Pipeline, given: dict[str, Any]) -> dict[str, Any]:
    unknown = [k for k in given if k not in p.inputs]
    if unknown:
        k = unknown[0]
        raise UserError(f"recipe {p.name!r} has no input {k!r}{suggest(k, list(p.inputs))}; inputs: {', '.join(p.inputs) or 'none'}")
    resolved: dict[str, Any] = {}
    for name, spec in p.inputs.items():
        if name in given and given[name] is not None:
            value = given[name]
        elif not spec.required:
            value = spec.default
        else:
            hint = f" ({spec.description})" if spec.description else ""
            raise UserError(f"missing required input {name!r}{hint}: pass -i {name}=VALUE")
        if _depth(value) > MAX_INPUT_DEPTH:
            raise UserError(f"input {name!r} is nested more than {MAX_INPUT_DEPTH} levels deep")
        if value is not None:
            value = convert_input(name, spec.type, value, spec.choices)
        if spec.type == "path" and isinstance(value, (str, Path)):
            path = Path(value).expanduser()
            if not path.exists():
                raise UserError(f"input {name!r}: {path}: no such file or folder")
            check_readable(path, f"input {name!r}")
            value = str(path)
        check_values(value, f"input {name!r}")
        resolved[name] = value
    return resolved


def execute(
    pipeline: Pipeline,
    inputs: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    overrides: dict[str, Any] | Iterable[tuple[str, Any]] | None = None,
    out: str | Path | None = None,
    outputs_root: str | Path | None = None,
    cache: Cache | str | Path | None = None,
    use_cache: bool = True,
    listeners: Iterable[Listener] = (),
    cancel: CancelToken | None = None,
    run_id: str | None = None,
    reads: ReadPolicy | None = None,
) -> RunResult:
    """Run `pipeline`. `reads` restricts the files its values may name (the web UI passes the
    uploads, outputs and --allow-dir folders); None: the process default (no restriction)."""
    outer_reads = bind_read_policy(reads) if reads is not None else None
    try:
        return _execute(pipeline, inputs, seed=seed, overrides=overrides, out=out, outputs_root=outputs_root, cache=cache,
                        use_cache=use_cache, listeners=listeners, cancel=cancel, run_id=run_id)
    except Exception as exc:
        if _is_image_bomb(exc):  # met outside a step (hashing, saving): still the input's fault
            raise InputError(f"an image is too large to decode safely ({exc})") from None
        raise
    finally:
        if reads is not None:
            bind_read_policy(outer_reads)


def _execute(
    pipeline: Pipeline,
    inputs: dict[str, Any] | None,
    *,
    seed: int | None,
    overrides: dict[str, Any] | Iterable[tuple[str, Any]] | None,
    out: str | Path | None,
    outputs_root: str | Path | None,
    cache: Cache | str | Path | None,
    use_cache: bool,
    listeners: Iterable[Listener],
    cancel: CancelToken | None,
    run_id: str | None,
) -> RunResult:
    listeners = list(listeners)
    if inputs is not None and not isinstance(inputs, dict):
        raise InvalidArgumentError(f"inputs must be a dict of name to value, got {type(inputs).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    p = apply_overrides(pipeline, overrides)
    p.check()
    order = p.order()
    values_in = resolve_inputs(p, dict(inputs or {}))
    run_seed = int(seed if seed is not None else (p.seed if p.seed is not None else DEFAULT_SEED))
    if run_seed < 0:
        raise UserError(f"seed must be a non-negative integer, got {run_seed}")
    store = cache if isinstance(cache, Cache) else Cache(cache)
    if use_cache:
        check_writable(store.root, "--cache-dir" if cache is not None else "cache folder")

    digests_before = _artifacts._DIGEST_DIR
    if use_cache:
        # large inputs (videos) are hashed once, not on every run: digests live beside the cache
        _artifacts.remember_file_digests(store.root / "files")
    run_id = run_id or new_run_id()
    if bad_name(run_id):
        raise UserError(f"run id {run_id!r} is not a plain name")
    final = Path(out) if out else (Path(outputs_root) if outputs_root else default_outputs_root()) / plain_filename(p.name, "recipe") / run_id
    if final.exists() and not final.is_dir():
        raise UserError(f"--out {final} is a file, not a folder; give a new or empty folder")
    if final.exists() and any(final.iterdir()):
        raise UserError(f"output folder {final} already exists and is not empty; choose another --out")
    check_writable(final, "--out" if out else "outputs folder")

    started = time.time()
    t0 = time.perf_counter()
    scratch = Scratch()  # also removes scratch folders that killed runs left behind
    outer_cancel = bind_cancel(cancel)  # a template loop stops on cancel too
    workdir = scratch.path
    staging = final.parent / f".{final.name}.partial-{uuid.uuid4().hex[:6]}"
    records: list[dict[str, Any]] = []
    produced: dict[str, dict[str, Any]] = {}
    raw_inputs = dict(values_in)
    template_ctx = {"inputs": raw_inputs, "seed": run_seed}
    total = len(order)
    _emit(listeners, Event("run_started", message=p.name, total=total, data={"run_dir": str(final)}))
    try:
        for index, spec in enumerate(order):
            if cancel is not None and cancel.cancelled:
                raise Cancelled("run cancelled")
            step = get_step(spec.use)
            cls = type(step)
            where = f"step {spec.id!r} ({spec.use})"

            def value_of(v: Any) -> Any:
                ref = Ref.parse(v)
                if ref is not None:
                    if ref.source == "inputs":
                        return raw_inputs.get(ref.name)
                    return produced[ref.source][ref.name]
                if is_template(v):
                    return _render(v, template_ctx, where)  # noqa: B023
                return v

            port_values: dict[str, Any] = {}
            param_values: dict[str, Any] = {}
            step_seed = derive_seed(run_seed, spec.id)
            for key, raw in spec.with_.items():
                if isinstance(raw, list) and key in cls.inputs:
                    value: Any = []
                    for item in raw:
                        v = value_of(item)
                        value.extend(v if isinstance(v, list) else [v])
                else:
                    value = value_of(raw)
                if key == "seed":
                    step_seed = int(value)
                elif key in cls.inputs:
                    port_values[key] = value
                else:
                    param_values[key] = value
            # a server (the web UI) reads only its own folders: no value may name another file
            for key, value in port_values.items():
                check_values(value, f"{where} input {key!r}")
            for key, value in param_values.items():
                check_values(value, f"{where} param {key!r}")
            inputs_art = {}
            for key, port in cls.inputs.items():
                if key in port_values:
                    try:
                        inputs_art[key] = to_artifact(port_values[key], port.type, f"{where} input {key!r}")
                    except Exception as exc:
                        if _is_image_bomb(exc):
                            raise InputError(f"{where} input {key!r}: an image is too large to decode safely ({exc})") from None
                        raise
                else:
                    inputs_art[key] = [] if is_list_type(port.type) else None
            try:
                params = cls.Params.model_validate(param_values)
            except ValidationError as exc:
                raise UserError(f"{where}: {format_pydantic_error(exc.errors()[0])}") from None

            extra = step.cache_extra(params)
            inputs_extra = step.cache_inputs_extra(params, inputs_art)
            if inputs_extra:
                extra = {**extra, "inputs_extra": inputs_extra}
            key_material = {
                "use": cls.name,
                "version": cls.version,
                "params": params.model_dump(mode="json"),
                "seed": step_seed if cls.uses_seed else None,
                "inputs": {k: _hash_value(v) for k, v in inputs_art.items()},
                "extra": extra,
                "code": code_fingerprint(),  # outputs made by other code are never served
            }
            key = hash_bytes(canonical_json(key_material))
            ctx = StepContext(step_id=spec.id, use=spec.use, seed=step_seed, workdir=workdir, listeners=listeners, cancel=cancel, index=index, total=total,
                              memo_store=store if (use_cache and cls.cacheable) else None,
                              memo_salt=canonical_json({"use": cls.name, "version": cls.version, "code": code_fingerprint()}))
            _emit(listeners, Event("step_started", step_id=spec.id, use=spec.use, index=index, total=total))
            st = time.perf_counter()
            hit = store.get(key) if (use_cache and cls.cacheable) else None
            if hit is not None:
                outputs, rec = hit
                cached = True
                _emit(listeners, Event("step_cached", step_id=spec.id, use=spec.use, index=index, total=total, data={"outputs": outputs}))
                report = rec
            else:
                cached = False
                damage = store.last_damage if (use_cache and cls.cacheable) else None
                try:
                    outputs = step.run(ctx, inputs_art, params) or {}
                except (StudioError, KeyboardInterrupt):
                    raise
                except MemoryError:
                    raise StepError(f"{where} ran out of memory; try smaller sizes or fewer items") from None
                except RecursionError:
                    raise InputError(f"{where}: its input is nested too deeply to process") from None
                except Exception as exc:
                    if _is_image_bomb(exc):
                        raise InputError(f"{where}: an image is too large to decode safely ({exc})") from None
                    raise StepError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
                _check_outputs(cls, outputs, where)
                rep = ctx.report_data
                report = {"backend": rep.backend, "model": rep.model, "licence": rep.licence, "info": rep.info, "warnings": rep.warnings, "seconds": round(time.perf_counter() - st, 4)}
                if use_cache and cls.cacheable:
                    try:
                        store.put(key, outputs, report)
                    except OSError as exc:  # a full or read-only cache must not fail the run
                        log.warning("could not store %s in the cache (%s): %s", spec.id, store.root, exc.strerror or exc)
                if damage:  # shown and kept in the manifest, but not stored with the new entry
                    report = {**report, "warnings": [*report["warnings"], damage]}
                    _emit(listeners, Event("warning", step_id=spec.id, use=spec.use, message=damage))
                _emit(listeners, Event("step_finished", step_id=spec.id, use=spec.use, index=index, total=total, data={"outputs": outputs}))
            seconds = time.perf_counter() - st
            produced[spec.id] = outputs
            records.append({
                "id": spec.id,
                "use": spec.use,
                "version": cls.version,
                "backend": report.get("backend"),
                "model": report.get("model"),
                "licence": report.get("licence"),
                "params": params.model_dump(mode="json"),
                "seed": step_seed if cls.uses_seed else None,
                "cached": cached,
                "seconds": round(seconds, 4),
                "cache_key": key,
                "warnings": report.get("warnings", []),
                "info": report.get("info", {}),
            })

        # save outputs into the staging folder, then move it into place in one rename
        staging.mkdir(parents=True, exist_ok=False)
        final_outputs: dict[str, Any] = {}
        rel_paths: dict[str, Any] = {}
        for name, ref in p.outputs.items():
            value = produced[ref.source][ref.name]
            final_outputs[name] = value
            rel_paths[name] = _save_output(name, value, staging, p.name, run_seed, ref, records)
        manifest = build_manifest(
            p, values_in, run_seed, records, rel_paths, run_id=run_id, started=started, seconds=time.perf_counter() - t0
        )
        write_json_atomic(staging / "manifest.json", manifest)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            final.rmdir()
        os.rename(staging, final)
    except KeyboardInterrupt:
        shutil.rmtree(staging, ignore_errors=True)
        _emit(listeners, Event("step_failed", message="cancelled"))
        raise Cancelled("run cancelled (interrupted)") from None
    except OSError as exc:
        # a full disk or a folder turned read-only while saving: one line, not a traceback
        shutil.rmtree(staging, ignore_errors=True)
        _emit(listeners, Event("step_failed", message=str(exc)))
        raise storage_error(exc, "cannot write", exc.filename or final) from exc
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _emit(listeners, Event("step_failed", message=str(exc)))
        raise
    finally:
        bind_cancel(outer_cancel)
        scratch.close()
        _artifacts.remember_file_digests(digests_before)

    # an optional output a step left empty (None) has no file
    paths = {k: (None if v is None else [final / x for x in v] if isinstance(v, list) else final / v) for k, v in rel_paths.items()}
    _emit(listeners, Event("run_finished", message=str(final), total=total, data={"run_dir": str(final)}))
    # re-point file artifacts at the run folder (the scratch folder is gone)
    for name, value in final_outputs.items():
        final_outputs[name] = _repoint(value, paths[name])
    return RunResult(run_dir=final, outputs=final_outputs, paths=paths, manifest=manifest, steps=records)


def _is_image_bomb(exc: BaseException) -> bool:
    """Pillow's DecompressionBombError (a 16000x16000 frame, a PNG claiming a huge size): the
    input's fault, told in one line, without importing Pillow here."""
    return type(exc).__name__ == "DecompressionBombError"


def _hash_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [a.content_hash() for a in value]
    return value.content_hash()


def _check_outputs(cls: type[Step], outputs: dict[str, Any], where: str) -> None:
    for name, port in cls.outputs.items():
        if name not in outputs:
            raise StepError(f"{where} did not produce its output {name!r}")
        value = outputs[name]
        if is_list_type(port.type):
            if not isinstance(value, list) or not all(isinstance(a, Artifact) for a in value):
                raise StepError(f"{where}: output {name!r} must be a list of artifacts")
        elif value is not None and not isinstance(value, Artifact):
            raise StepError(f"{where}: output {name!r} must be an artifact, got {type(value).__name__}")


def _png_parameters(recipe: str, seed: int, ref: Ref, records: list[dict[str, Any]], artifact: Artifact) -> str | None:
    """The text of an image saved into the run folder, from its own `parameters` and what made it
    (formatted by the installed provenance formatter; None: none installed)."""

    rec = next((r for r in records if r["id"] == ref.source), None)
    made_by: dict[str, Any] = {"studio": __version__, "recipe": recipe, "step": ref.source}
    if rec is not None:
        made_by.update(use=rec["use"], backend=rec.get("backend"), model=rec.get("model"))
    made_by["seed"] = seed
    return provenance_text(artifact.meta.get("parameters"), made_by)


def plain_filename(name: str, fallback: str) -> str:
    """`name` made one plain file name: separators and control characters become '_', leading
    dots go (so `../../x`, `/abs/x` and `a/b` all land inside the run folder)."""
    cleaned = "".join("_" if (c in "/\\" or ord(c) < 32) else c for c in str(name)).lstrip(". ")
    return cleaned[:200] or fallback


def _inside(folder: Path, fname: str) -> Path:
    target = folder / fname
    if target.resolve().parent != folder.resolve():
        raise StepError(f"refusing to write {fname!r} outside the run folder")
    return target


def _unique_names(items: list[Artifact], stem: str) -> list[str]:
    names = []
    seen: set[str] = set()
    for i, a in enumerate(items):
        fallback = f"{stem}_{i:03d}"
        base = a.default_filename(plain_filename(a.name, fallback)) if a.name else a.default_filename(fallback)
        if base in seen:
            base = a.default_filename(f"{i:03d}_{Path(base).stem}")
        seen.add(base)
        names.append(base)
    return names


def _save_output(name: str, value: Any, folder: Path, recipe: str, seed: int, ref: Ref, records: list[dict[str, Any]]) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        sub = _inside(folder, plain_filename(name, "output"))
        sub.mkdir(parents=True, exist_ok=True)
        rels = []
        for a, fname in zip(value, _unique_names(value, name)):
            opts = {"parameters": _png_parameters(recipe, seed, ref, records, a)} if isinstance(a, ImageArtifact) else {}
            written = a.save(_inside(sub, fname), **opts)
            rels.append(str(written.relative_to(folder)))
        return rels
    if isinstance(value, FileArtifact) and value.name:
        fname = plain_filename(value.name, value.default_filename(name))
    else:
        fname = value.default_filename(plain_filename(name, "output"))
    opts = {"parameters": _png_parameters(recipe, seed, ref, records, value)} if isinstance(value, ImageArtifact) else {}
    written = value.save(_inside(folder, fname), **opts)
    return str(written.relative_to(folder))


def _repoint(value: Any, path: Any) -> Any:
    if isinstance(value, list):
        return [_repoint(v, p) for v, p in zip(value, path)]
    if isinstance(value, FileArtifact):
        return type(value)(path, meta=value.meta, name=value.name)
    return value


def steps_known() -> list[str]:
    return STEPS.names()
