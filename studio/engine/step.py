"""The step contract: a named, versioned, typed unit of work.

A step declares typed input ports, typed output ports and a pydantic params model. That schema is
the single source of truth for recipe validation, `studio steps` and the UI's forms. `run` gets a
`StepContext` (seed, progress, scratch folder, backend report) and returns its outputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from studio.engine.artifacts import canonical_json, hash_bytes
from studio.engine.errors import Cancelled
from studio.engine.progress import CancelToken, Event, Listener
from studio.engine.registry import Registry
from studio.engine.seeds import derive_seed
from studio.engine.threads import default_threads

T = TypeVar("T")
R = TypeVar("R")

# Port types: a singular kind ("image") or a list of it ("images").
SINGULAR_KINDS = ("image", "text", "data", "audio", "file", "video")
PLURALS = {"images": "image", "texts": "text", "audios": "audio", "files": "file", "videos": "video"}
PORT_TYPES = set(SINGULAR_KINDS) | set(PLURALS)


def element_kind(port_type: str) -> str:
    return PLURALS.get(port_type, port_type)


def is_list_type(port_type: str) -> bool:
    return port_type in PLURALS


@dataclass(frozen=True)
class Port:
    """A typed input or output of a step."""

    type: str
    doc: str = ""
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in PORT_TYPES:
            raise ValueError(f"unknown port type {self.type!r}; use one of {sorted(PORT_TYPES)}")


class StepParams(BaseModel):
    """Base for step params: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NoParams(StepParams):
    pass


@dataclass
class StepReport:
    """What a step tells the manifest about how it ran."""

    backend: str | None = None
    model: str | None = None
    licence: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class StepContext:
    """Handed to `Step.run`: seed, progress, scratch space and the backend report."""

    def __init__(
        self,
        *,
        step_id: str,
        use: str,
        seed: int,
        workdir: Path,
        listeners: list[Listener] | None = None,
        cancel: CancelToken | None = None,
        index: int = 0,
        total: int = 0,
        memo_store: Any = None,
        memo_salt: str = "",
    ):
        self.step_id = step_id
        self.use = use
        self.seed = seed
        self.workdir = workdir
        self.report_data = StepReport()
        self._memo_store = memo_store  # the step cache, when this run uses it
        self._memo_salt = memo_salt  # the step's name, version and studio's code
        self.memo_hits = 0
        self.memo_misses = 0
        self._listeners = listeners or []
        self._cancel = cancel
        self._index = index
        self._total = total
        self._last_emit = 0.0

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in 0..1 within this step; also a cancellation point."""
        self.check_cancelled()
        now = time.monotonic()
        if fraction < 1.0 and now - self._last_emit < 0.05:
            return
        self._last_emit = now
        self._emit(
            Event(
                "progress",
                step_id=self.step_id,
                use=self.use,
                fraction=max(0.0, min(1.0, float(fraction))),
                message=message,
                index=self._index,
                total=self._total,
            )
        )

    def warn(self, message: str) -> None:
        """Announce something the user must know (for example a fallback backend)."""
        self.report_data.warnings.append(message)
        self._emit(Event("warning", step_id=self.step_id, use=self.use, message=message))

    def report(
        self,
        *,
        backend: str | None = None,
        model: str | None = None,
        licence: str | None = None,
        **info: Any,
    ) -> None:
        """Record which backend/model ran (shown in the manifest)."""
        if backend is not None:
            self.report_data.backend = backend
        if model is not None:
            self.report_data.model = model
        if licence is not None:
            self.report_data.licence = licence
        self.report_data.info.update(info)

    def check_cancelled(self) -> None:
        if self._cancel is not None and self._cancel.cancelled:
            raise Cancelled("run cancelled")

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, label: str = "item", threads: int | None = None) -> list[R]:
        """`[fn(x) for x in items]`, run on a few threads (for work that releases the GIL: OpenCV,
        NumPy, Pillow, PyAV). Results keep the items' order, so output does not depend on the
        thread count; progress is reported per finished item, and cancelling stops the rest."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures import ThreadPoolExecutor as Pool

        n = len(items)
        workers = min(n, threads or default_threads())
        if workers <= 1:
            out = []
            for i, x in enumerate(items):
                self.check_cancelled()
                out.append(fn(x))
                self.progress((i + 1) / max(n, 1), f"{label} {i + 1}/{n}")
            return out
        results: list[Any] = [None] * n
        with Pool(workers, thread_name_prefix=f"studio-{self.step_id}") as pool:
            futures = {pool.submit(fn, x): i for i, x in enumerate(items)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                    for f in done:
                        results[futures[f]] = f.result()
                    if done:
                        finished = n - len(pending)
                        self.progress(finished / n, f"{label} {finished}/{n}")
                    self.check_cancelled()
            finally:
                for f in pending:
                    f.cancel()
        return results

    def memo(self, key: Any, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`compute()`'s artifacts (a dict of name -> artifact or list of them), cached on their
        own in the step cache under `key` (anything JSON-able naming all they depend on; the step's
        name and version and studio's code are added). For steps that redo only the items that
        changed: re-lettering one panel of twelve letters one. Without a cache (`--no-cache`) it
        just computes. Hits and misses are counted in `memo_hits` / `memo_misses`."""
        if self._memo_store is None:
            self.memo_misses += 1
            return compute()

        k = hash_bytes("memo", self._memo_salt, canonical_json(key))
        hit = self._memo_store.get(k)
        if hit is not None:
            self.memo_hits += 1
            return hit[0]
        self.memo_misses += 1
        if self._memo_store.last_damage:  # shown, not stored with the step's own entry
            self._emit(Event("warning", step_id=self.step_id, use=self.use, message=self._memo_store.last_damage))
        out = compute()
        self._memo_store.put(k, out, {"memo": self.use})
        return out

    def rng(self, salt: str = "") -> np.random.Generator:
        """A numpy generator derived from this step's seed (and an optional salt)."""

        return np.random.default_rng(derive_seed(self.seed, salt) if salt else self.seed)

    def scratch(self, name: str) -> Path:
        """A path inside this step's scratch folder (the folder is created)."""
        folder = self.workdir / self.step_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


class Step:
    """Base class of every step. Subclass, set the class attributes, implement `run`."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""
    inputs: ClassVar[dict[str, Port]] = {}
    outputs: ClassVar[dict[str, Port]] = {}
    Params: ClassVar[type[StepParams]] = NoParams
    #: same inputs, params and seed give the same outputs
    deterministic: ClassVar[bool] = True
    #: the step draws random numbers from its seed (the seed is part of its cache key)
    uses_seed: ClassVar[bool] = False
    #: results may be reused from the cache
    cacheable: ClassVar[bool] = True

    def cache_extra(self, params: Any) -> dict[str, Any]:
        """Extra cache-key material resolved before running, e.g. the backend and model revision
        that `backend: auto` would pick. Must be cheap and must not load models."""
        return {}

    def cache_inputs_extra(self, params: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        """Extra cache-key material that depends on the inputs, for files a step reads beside an
        input (e.g. a subtitles sidecar next to a video). Cheap; empty by default."""
        return {}

    def run(self, ctx: StepContext, inputs: dict[str, Any], params: Any) -> dict[str, Any]:
        raise NotImplementedError

    # -- schema -----------------------------------------------------------------------------
    @classmethod
    def schema(cls) -> dict[str, Any]:
        params_schema = cls.Params.model_json_schema()
        props = params_schema.get("properties", {})
        required = set(params_schema.get("required", []))
        defs = params_schema.get("$defs", {})
        params = {}
        for pname, prop in props.items():
            params[pname] = _describe_param(prop, defs, pname in required)
        return {
            "name": cls.name,
            "version": cls.version,
            "description": cls.description,
            "deterministic": cls.deterministic,
            "uses_seed": cls.uses_seed,
            "inputs": {
                k: {"type": p.type, "required": p.required, "doc": p.doc} for k, p in cls.inputs.items()
            },
            "outputs": {k: {"type": p.type, "doc": p.doc} for k, p in cls.outputs.items()},
            "params": params,
        }


def _type_name(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = defs.get(prop["$ref"].split("/")[-1], {})
        return _type_name(target, defs)
    if "enum" in prop:
        return "choice"
    if "anyOf" in prop:
        names = [_type_name(p, defs) for p in prop["anyOf"]]
        return " | ".join(dict.fromkeys(names))
    t = prop.get("type", "any")
    if t == "array":
        return f"list[{_type_name(prop.get('items', {}), defs)}]"
    if t == "object":
        return "dict"
    return {"integer": "int", "number": "float", "string": "str", "boolean": "bool", "null": "none"}.get(t, t)


def _describe_param(prop: dict[str, Any], defs: dict[str, Any], required: bool) -> dict[str, Any]:
    desc: dict[str, Any] = {"type": _type_name(prop, defs), "required": required, "doc": prop.get("description", "")}
    if "default" in prop:
        desc["default"] = prop["default"]
    src = defs.get(prop["$ref"].split("/")[-1], {}) if "$ref" in prop else prop
    for key in ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"):
        if key in src:
            desc[key] = src[key]
    if "anyOf" in prop:
        for sub in prop["anyOf"]:
            for key in ("enum", "minimum", "maximum"):
                if key in sub:
                    desc[key] = sub[key]
    return desc


#: every registered step; the package hands in a loader for its builtin steps
#: (`registry.add_builtin_loader("step", ...)`), called on the first lookup
STEPS: Registry[type[Step]] = Registry("step")



def register_step(cls: type[Step]) -> type[Step]:
    """Class decorator: add a step to the registry under `cls.name`."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    for pname, port in {**cls.inputs, **cls.outputs}.items():
        if not isinstance(port, Port):
            raise TypeError(f"{cls.name}: port {pname!r} must be a Port")
    clash = set(cls.inputs) & set(cls.Params.model_fields)
    if clash:
        raise ValueError(f"{cls.name}: names used both as input and param: {sorted(clash)}")
    STEPS.register(cls.name, cls)
    return cls


_INSTANCES: dict[type[Step], Step] = {}


def get_step(name: str) -> Step:
    """The process-wide instance of a registered step."""
    cls = STEPS.get(name)
    inst = _INSTANCES.get(cls)
    if inst is None:
        inst = _INSTANCES[cls] = cls()
    return inst
