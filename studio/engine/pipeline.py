"""Pipelines: a DAG of steps wired by references, built from YAML or from Python.

A YAML recipe and a Python-built pipeline are the same object (`Pipeline`). Values in a step's
`with:` are literals, references (`$inputs.video`, `$keyframes.images`, or a list of references
for list inputs) or Jinja2 templates over the recipe inputs (`"{{ inputs.prompt }}, ink"`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.engine.errors import (
    InvalidArgumentError,
    Problem,
    RecipeError,
    UnknownKeyError,
    UserError,
)
from studio.engine.executor import bad_name, execute
from studio.engine.refs import Ref, is_template
from studio.engine.registry import suggest
from studio.engine.step import PLURALS, STEPS, Step, element_kind, is_list_type
from studio.engine.validation import check_params

if TYPE_CHECKING:
    from studio.engine.executor import RunResult

ID_RE = re.compile(r"^[A-Za-z_][\w-]*$")
RESERVED_IDS = {"inputs", "seed", "outputs"}

#: types a recipe input may declare
INPUT_TYPES = {"str", "int", "float", "bool", "path", "list", "dict", *PLURALS, *PLURALS.values()}

class _Missing:
    """Sentinel for "no default" that survives copy/deepcopy."""

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: Any) -> _Missing:
        return self

    def __repr__(self) -> str:
        return "<required>"


_MISSING: Any = _Missing()


@dataclass
class InputSpec:
    """A recipe input: its type, default and help text."""

    name: str
    type: str = "str"
    default: Any = _MISSING
    description: str = ""
    choices: list[Any] | None = None
    line: int | None = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type}
        if not self.required:
            d["default"] = self.default
        if self.description:
            d["description"] = self.description
        if self.choices:
            d["choices"] = list(self.choices)
        return d


@dataclass
class StepSpec:
    """One step of a pipeline: an id, the registered step it uses and its `with` values."""

    id: str
    use: str
    with_: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    with_lines: dict[str, int] = field(default_factory=dict)

    def refs(self) -> list[tuple[str, Ref]]:
        found = []
        for key, value in self.with_.items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                ref = Ref.parse(v)
                if ref is not None:
                    found.append((key, ref))
        return found


class _Namespace:
    """Attribute access that builds references: `handle.images` -> Ref(id, "images")."""

    def __init__(self, source: str, names: list[str] | None, what: str):
        self._source = source
        self._names = names
        self._what = what

    def __getattr__(self, name: str) -> Ref:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._names is not None and name not in self._names:
            raise AttributeError(f"{self._what} has no {name!r}{suggest(name, self._names)}")
        return Ref(self._source, name)

    def __getitem__(self, name: str) -> Ref:
        return self.__getattr__(name)


class StepHandle(_Namespace):
    """Returned by `Pipeline.step`; its attributes are references to the step's outputs."""

    def __init__(self, spec: StepSpec, outputs: list[str]):
        super().__init__(spec.id, outputs, f"step {spec.id!r} ({spec.use})")
        self.spec = spec

    @property
    def id(self) -> str:
        return self.spec.id


class Pipeline:
    """A named DAG of steps with declared inputs and outputs."""

    def __init__(
        self,
        name: str,
        *,
        description: str = "",
        inputs: dict[str, Any] | None = None,
        seed: int | None = None,
        source_text: str | None = None,
        path: Path | None = None,
    ):
        self.name = name
        self.description = description
        self.inputs: dict[str, InputSpec] = {}
        self.steps: list[StepSpec] = []
        self.outputs: dict[str, Ref] = {}
        self.output_lines: dict[str, int] = {}
        self.seed = seed
        self.source_text = source_text
        self.path = path
        self.line_of_name: int | None = None
        for key, spec in (inputs or {}).items():
            self.add_input(key, spec)

    # -- building -----------------------------------------------------------------------------
    def add_input(self, name: str, spec: Any = "str", **kw: Any) -> Ref:
        if isinstance(spec, InputSpec):
            self.inputs[name] = spec
        elif isinstance(spec, str):
            self.inputs[name] = InputSpec(name, type=spec, **kw)
        elif isinstance(spec, dict):
            d = dict(spec)
            self.inputs[name] = InputSpec(
                name,
                type=d.pop("type", "str"),
                default=d.pop("default", _MISSING),
                description=d.pop("description", ""),
                choices=d.pop("choices", None),
            )
        else:
            raise InvalidArgumentError(f"input {name!r}: give a type name, a dict or an InputSpec")
        return Ref("inputs", name)

    @property
    def input(self) -> _Namespace:
        """References to the recipe inputs: `p.input.folder` is `$inputs.folder`."""
        return _Namespace("inputs", list(self.inputs), f"pipeline {self.name!r}")

    def step(self, use: str, *, id: str | None = None, **with_: Any) -> StepHandle:
        """Append a step. Keyword values may be literals, `Ref`s or templates."""
        step_cls = STEPS.get(use)
        if id is None:
            base = use.split(".")[-1]
            id, n = base, 2
            while any(s.id == id for s in self.steps):
                id, n = f"{base}{n}", n + 1
        if any(s.id == id for s in self.steps):
            raise RecipeError([Problem(f"duplicate step id {id!r}")])
        spec = StepSpec(id=id, use=use, with_={k: _unwrap(v) for k, v in with_.items()})
        self.steps.append(spec)
        return StepHandle(spec, list(step_cls.outputs))

    def output(self, name: str, ref: Ref | str) -> None:
        parsed = Ref.parse(ref)
        if parsed is None:
            raise InvalidArgumentError(f"output {name!r}: {ref!r} is not a reference like $step.output")
        self.outputs[name] = parsed

    def get_step(self, step_id: str) -> StepSpec:
        for s in self.steps:
            if s.id == step_id:
                return s
        ids = [s.id for s in self.steps]
        raise UnknownKeyError(f"no step {step_id!r} in pipeline {self.name!r}{suggest(step_id, ids)}; steps: {', '.join(ids) or 'none'}")

    def set(self, step_id: str, key: str, value: Any) -> None:
        """Override one `with` value (what `--set STEP.PARAM=VALUE` does)."""

        ids = [s.id for s in self.steps]
        if step_id not in ids:
            raise UserError(f"--set {step_id}.{key}: no step {step_id!r} in recipe {self.name!r}{suggest(step_id, ids)}; steps: {', '.join(ids)}")
        spec = self.get_step(step_id)
        step_cls = STEPS.get(spec.use)
        allowed = list(step_cls.inputs) + list(step_cls.Params.model_fields) + ["seed"]
        if key not in allowed:
            raise UserError(
                f"--set {step_id}.{key}: step {step_id!r} ({spec.use}) has no param {key!r}{suggest(key, allowed)}; "
                f"params: {', '.join(allowed)}"
            )
        spec.with_[key] = _unwrap(value)

    def copy(self) -> Pipeline:
        import copy as _copy

        return _copy.deepcopy(self)

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        if self.seed is not None:
            d["seed"] = self.seed
        d["inputs"] = {k: v.to_dict() for k, v in self.inputs.items()}
        d["steps"] = [{"id": s.id, "use": s.use, "with": {k: _serialise(v) for k, v in s.with_.items()}} for s in self.steps]
        d["outputs"] = {k: str(v) for k, v in self.outputs.items()}
        return d

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @property
    def text(self) -> str:
        """The recipe text: the YAML it was loaded from, or its YAML form."""
        return self.source_text if self.source_text is not None else self.to_yaml()

    # -- validation -------------------------------------------------------------------------
    def validate(self) -> list[Problem]:
        """Every problem found, without running anything."""
        return validate_pipeline(self)

    def check(self) -> None:
        problems = self.validate()
        if problems:
            raise RecipeError(problems)

    def order(self) -> list[StepSpec]:
        """Steps in dependency order (declaration order among independent steps)."""
        order, problems = _toposort(self)
        if problems:
            raise RecipeError(problems)
        return order

    # -- running ------------------------------------------------------------------------------
    def run(self, inputs: dict[str, Any] | None = None, **kwargs: Any) -> RunResult:
        """Run the pipeline. See `studio.run` for the keyword options."""

        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _RUN_OPTIONS}
        all_inputs = {**(inputs or {}), **kwargs}
        return execute(self, all_inputs, **options)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name!r}: {len(self.steps)} steps>"


_RUN_OPTIONS = {"seed", "overrides", "out", "outputs_root", "cache", "use_cache", "listeners", "cancel", "run_id", "reads"}


def _unwrap(value: Any) -> Any:
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _serialise(value: Any) -> Any:
    return _unwrap(value)


def _file(p: Pipeline) -> str | None:
    return str(p.path) if p.path else None


def _toposort(p: Pipeline) -> tuple[list[StepSpec], list[Problem]]:
    ids = {s.id: s for s in p.steps}
    deps: dict[str, list[str]] = {}
    for s in p.steps:
        deps[s.id] = [r.source for _, r in s.refs() if r.source in ids and r.source != s.id]
    order: list[StepSpec] = []
    done: set[str] = set()
    remaining = [s.id for s in p.steps]
    while remaining:
        progressed = False
        for sid in list(remaining):
            if all(d in done for d in deps[sid]):
                order.append(ids[sid])
                done.add(sid)
                remaining.remove(sid)
                progressed = True
                break
        if not progressed:
            cyc = _find_cycle(remaining, deps)
            first = ids[cyc[0]]
            return order, [Problem(f"cycle between steps: {' -> '.join(cyc + [cyc[0]])}", _file(p), first.line)]
    return order, []


def _find_cycle(nodes: list[str], deps: dict[str, list[str]]) -> list[str]:
    node = nodes[0]
    path: list[str] = []
    while node not in path:
        path.append(node)
        nxt = [d for d in deps[node] if d in nodes]
        if not nxt:
            break
        node = nxt[0]
    return path[path.index(node):] if node in path else path


def port_compatible(src_type: str, dst_type: str) -> bool:
    """Can a value of `src_type` (a port or recipe-input type) feed a port of `dst_type`?"""
    if src_type == dst_type:
        return True
    src_el, dst_el = element_kind(src_type), element_kind(dst_type)
    src_list, dst_list = is_list_type(src_type), is_list_type(dst_type)
    if src_list and not dst_list:
        return False
    if src_el == dst_el:
        return True  # single into list: wrapped
    if src_el == "video" and dst_el == "file":
        return True
    # recipe input types converted on the way in
    if src_type == "path":
        return dst_el in ("image", "video", "audio", "file")
    if src_type == "str":
        return dst_el == "text"
    if src_type == "list":
        return dst_type in ("texts", "data")
    if src_type == "dict":
        return dst_type == "data"
    return False


def validate_pipeline(p: Pipeline) -> list[Problem]:

    problems: list[Problem] = []
    f = _file(p)

    if not p.name or not isinstance(p.name, str):
        problems.append(Problem("recipe has no name", f, p.line_of_name))
    elif bad_name(p.name):
        problems.append(Problem(f"recipe name {p.name!r} is not a plain name: it names the outputs folder, so no '/', '\\', leading '.' or control characters (100 characters at most)", f, p.line_of_name))
    for spec in p.inputs.values():
        if spec.type not in INPUT_TYPES:
            problems.append(
                Problem(f"input {spec.name!r}: unknown type {spec.type!r}{suggest(spec.type, sorted(INPUT_TYPES))}; "
                        f"use one of {', '.join(sorted(INPUT_TYPES))}", f, spec.line)
            )
    if not p.steps:
        problems.append(Problem("recipe has no steps", f, None))

    seen: dict[str, StepSpec] = {}
    step_classes: dict[str, type[Step]] = {}
    for s in p.steps:
        if not isinstance(s.id, str) or not ID_RE.match(s.id) or s.id in RESERVED_IDS:
            problems.append(Problem(f"step id {s.id!r} is not valid: use letters, digits, '_' or '-', and not {sorted(RESERVED_IDS)}", f, s.line))
        if s.id in seen:
            problems.append(Problem(f"duplicate step id {s.id!r}", f, s.line))
        seen[s.id] = s
        if s.use in STEPS:
            step_classes[s.id] = STEPS.get(s.use)
        else:
            problems.append(Problem(f"step {s.id!r}: unknown step {s.use!r}{suggest(str(s.use), STEPS.names())}; run `studio steps` to list them", f, s.line))

    ids = [s.id for s in p.steps]

    def ref_type(ref: Ref, line: int | None, where: str) -> str | None:
        if ref.source == "inputs":
            if ref.name not in p.inputs:
                problems.append(Problem(f"{where}: unknown recipe input {ref.name!r} in {ref}{suggest(ref.name, list(p.inputs))}", f, line))
                return None
            return p.inputs[ref.name].type
        if ref.source not in seen:
            problems.append(Problem(f"{where}: {ref} refers to no step {ref.source!r}{suggest(ref.source, ids)}", f, line))
            return None
        cls = step_classes.get(ref.source)
        if cls is None:
            return None
        if ref.name not in cls.outputs:
            outs = list(cls.outputs)
            problems.append(Problem(f"{where}: step {ref.source!r} ({cls.name}) has no output {ref.name!r}{suggest(ref.name, outs)}; outputs: {', '.join(outs)}", f, line))
            return None
        return cls.outputs[ref.name].type

    for s in p.steps:
        cls = step_classes.get(s.id)
        if cls is None:
            # still report dangling references in an unknown step
            for key, ref in s.refs():
                ref_type(ref, s.with_lines.get(key, s.line), f"step {s.id!r}")
            continue
        params_fields = cls.Params.model_fields
        literal_params: dict[str, Any] = {}
        for key, value in s.with_.items():
            line = s.with_lines.get(key, s.line)
            where = f"step {s.id!r} ({s.use})"
            if key == "seed":
                if not (isinstance(value, int) and not isinstance(value, bool)) and Ref.parse(value) is None:
                    problems.append(Problem(f"{where}: seed must be an integer, got {value!r}", f, line))
                continue
            if key in cls.inputs:
                port = cls.inputs[key]
                values = value if isinstance(value, list) else [value]
                refs = [Ref.parse(v) for v in values]
                if isinstance(value, list) and all(r is not None for r in refs) and not is_list_type(port.type):
                    problems.append(Problem(f"{where}: input {key!r} takes one {port.type}, got a list", f, line))
                    continue
                for r in refs:
                    if r is None:
                        continue
                    if r.source == s.id:
                        problems.append(Problem(f"{where}: input {key!r} reads {r}, the step's own output; a step can only read earlier steps", f, line))
                        continue
                    t = ref_type(r, line, where)
                    if t is not None and not port_compatible(t, port.type) and not (isinstance(value, list) and port_compatible(t, element_kind(port.type))):
                        problems.append(Problem(f"{where}: input {key!r} expects {port.type}, but {r} is {t}", f, line))
                continue
            if key in params_fields:
                pref = Ref.parse(value)
                if pref is not None:
                    if pref.source == s.id:
                        problems.append(Problem(f"{where}: param {key!r} reads {pref}, the step's own output; a step can only read earlier steps", f, line))
                        continue
                    ref_type(pref, line, where)
                    if pref.source == "inputs" and pref.name in p.inputs and not p.inputs[pref.name].required:
                        literal_params[key] = p.inputs[pref.name].default
                    continue
                if is_template(value):
                    continue
                literal_params[key] = value
                continue
            allowed = list(cls.inputs) + list(params_fields)
            problems.append(Problem(f"{where}: unknown param {key!r}{suggest(key, allowed)}; accepts: {', '.join(allowed) or 'nothing'}", f, line))
        # required inputs given?
        for key, port in cls.inputs.items():
            if port.required and key not in s.with_:
                problems.append(Problem(f"step {s.id!r} ({s.use}): missing required input {key!r} ({port.type})", f, s.line))
        given = {k for k in s.with_ if k in params_fields}
        problems.extend(check_params(cls, literal_params, given, s, f))

    for name, ref in p.outputs.items():
        oline = p.output_lines.get(name)
        if bad_name(name):
            problems.append(Problem(f"output name {name!r} is not a plain name: it names a file or folder in the run folder, so no '/', '\\', leading '.' or control characters", f, oline))
        if ref.source == "inputs" and ref.name in p.inputs:
            problems.append(Problem(f"output {name!r}: {ref} is a recipe input; outputs name what a step made, like $step.output", f, oline))
            continue
        ref_type(ref, oline, f"output {name!r}")

    _, cyc = _toposort(p)
    problems.extend(cyc)
    return problems
