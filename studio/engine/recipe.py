"""Loading YAML recipes safely, with line numbers for every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from studio.engine.errors import Problem, RecipeError, UserError
from studio.engine.pipeline import _MISSING, InputSpec, Pipeline, Ref, StepSpec
from studio.engine.registry import suggest

MAX_RECIPE_BYTES = 256 * 1024
#: deepest nesting of mappings and lists a recipe may have (builtin recipes use 5)
MAX_DEPTH = 64
#: most values a recipe may hold once every alias is expanded (a "billion laughs" bomb has 10^9)
MAX_NODES = 200_000
TOP_KEYS = ["name", "description", "version", "seed", "inputs", "steps", "outputs"]
STEP_KEYS = ["id", "use", "with", "description"]
INPUT_KEYS = ["type", "default", "description", "choices"]


class LineDict(dict):
    """A dict that remembers the line (1-based) of each key."""

    lines: dict[Any, int]
    line: int


class LineList(list):
    line: int


class _Loader(yaml.SafeLoader):
    """SafeLoader (no python tags) that records line numbers."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    d = LineDict()
    d.lines = {}
    d.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "unhashable key", key_node.start_mark)
        if key in d:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        d[key] = loader.construct_object(value_node, deep=True)
        d.lines[key] = key_node.start_mark.line + 1
    return d


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    lst = LineList(loader.construct_object(n, deep=True) for n in node.value)
    lst.line = node.start_mark.line + 1
    return lst


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def check_yaml_shape(text: str, file: str | None = None, what: str = "recipe") -> None:
    """Refuse YAML that is too deep or expands (through aliases) to too many values, from the
    parser's event stream, before any object is built: nothing here recurses or expands."""
    sizes: dict[str, int] = {}  # anchor -> expanded number of values
    stack: list[list[Any]] = []  # [values so far, anchor] of each open collection
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([0, event.anchor])
            if len(stack) > MAX_DEPTH:
                raise RecipeError([Problem(f"{what} is nested more than {MAX_DEPTH} levels deep; refusing to load it", file, line)])
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            count, anchor = stack.pop()
            n = count + 1
        elif isinstance(event, yaml.ScalarEvent):
            n, anchor = 1, event.anchor
        elif isinstance(event, yaml.AliasEvent):
            n, anchor = sizes.get(event.anchor, 1), None  # an undefined alias: the loader reports it
        else:
            continue
        if anchor:
            sizes[anchor] = n
        if stack:
            stack[-1][0] += n
        else:
            total += n
        if total > MAX_NODES or (stack and stack[-1][0] > MAX_NODES):
            raise RecipeError([Problem(f"{what} expands to more than {MAX_NODES} values once its aliases are expanded; refusing to load it", file, line)])


def parse_yaml(text: str, file: str | None = None) -> Any:
    if len(text.encode("utf-8")) > MAX_RECIPE_BYTES:
        raise RecipeError([Problem(f"recipe is larger than {MAX_RECIPE_BYTES // 1024} KiB; refusing to load it", file)])
    try:
        check_yaml_shape(text, file)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except RecursionError:
        raise RecipeError([Problem("recipe is nested too deeply; refusing to load it", file)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RecipeError([Problem(f"invalid YAML: {exc.problem or exc.context}", file, line)]) from None
    except yaml.YAMLError as exc:
        raise RecipeError([Problem(f"invalid YAML: {exc}", file)]) from None


def pipeline_from_text(text: str, *, path: Path | None = None, validate: bool = True) -> Pipeline:
    """Build a pipeline from recipe YAML. Raises RecipeError listing every problem."""
    file = str(path) if path else None
    data = parse_yaml(text, file)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise RecipeError([Problem("a recipe must be a YAML mapping with name, inputs, steps and outputs", file, 1)])
    lines = getattr(data, "lines", {})

    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(f"unknown top-level key {key!r}{suggest(str(key), TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}", file, lines.get(key)))

    name = data.get("name")
    if name is None and path is not None:
        name = path.stem
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        problems.append(Problem(f"seed must be a non-negative integer, got {seed!r}", file, lines.get("seed")))
        seed = None
    p = Pipeline(str(name or ""), description=str(data.get("description") or ""), seed=seed, source_text=text, path=path)
    p.line_of_name = lines.get("name")

    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict):
        problems.append(Problem("inputs must be a mapping of name to {type, default, description}", file, lines.get("inputs")))
        inputs = {}
    in_lines = getattr(inputs, "lines", {})
    for iname, spec in inputs.items():
        line = in_lines.get(iname)
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            problems.append(Problem(f"input {iname!r}: give a mapping like {{type: str, default: ...}}", file, line))
            continue
        for k in spec:
            if k not in INPUT_KEYS:
                problems.append(Problem(f"input {iname!r}: unknown key {k!r}{suggest(str(k), INPUT_KEYS)}", file, getattr(spec, "lines", {}).get(k, line)))
        p.inputs[str(iname)] = InputSpec(
            str(iname),
            type=str(spec.get("type", "str")),
            default=_plain(spec["default"]) if "default" in spec else _MISSING,
            description=str(spec.get("description") or ""),
            choices=_plain(spec.get("choices")),
            line=line,
        )

    steps = data.get("steps")
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        problems.append(Problem("steps must be a list of {id, use, with}", file, lines.get("steps")))
        steps = []
    for i, raw in enumerate(steps):
        line = getattr(raw, "line", lines.get("steps"))
        if not isinstance(raw, dict):
            problems.append(Problem(f"step #{i + 1}: give a mapping with id, use and with", file, line))
            continue
        slines = getattr(raw, "lines", {})
        for k in raw:
            if k not in STEP_KEYS:
                problems.append(Problem(f"step #{i + 1}: unknown key {k!r}{suggest(str(k), STEP_KEYS)}; allowed: {', '.join(STEP_KEYS)}", file, slines.get(k, line)))
        use = raw.get("use")
        if not use:
            problems.append(Problem(f"step #{i + 1}: missing 'use' (the step to run, see `studio steps`)", file, line))
            use = ""
        sid = raw.get("id") or (str(use).split(".")[-1] if use else f"step{i + 1}")
        with_ = raw.get("with") or {}
        if not isinstance(with_, dict):
            problems.append(Problem(f"step {sid!r}: 'with' must be a mapping of param to value", file, slines.get("with", line)))
            with_ = {}
        wlines = dict(getattr(with_, "lines", {}))
        p.steps.append(StepSpec(id=str(sid), use=str(use), with_={str(k): _plain(v) for k, v in with_.items()}, line=line, with_lines={str(k): v for k, v in wlines.items()}))

    outputs = data.get("outputs") or {}
    if not isinstance(outputs, dict):
        problems.append(Problem("outputs must be a mapping of name to $step.output", file, lines.get("outputs")))
        outputs = {}
    olines = getattr(outputs, "lines", {})
    for oname, value in outputs.items():
        ref = Ref.parse(value)
        if ref is None:
            problems.append(Problem(f"output {oname!r}: {value!r} is not a reference like $step.output", file, olines.get(oname)))
            continue
        p.outputs[str(oname)] = ref
        oline = olines.get(oname)
        if oline is not None:
            p.output_lines[str(oname)] = oline

    if validate:
        problems.extend(p.validate())
    if problems:
        raise RecipeError(_dedupe(problems))
    return p


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for pr in problems:
        if pr not in seen:
            seen.add(pr)
            out.append(pr)
    return sorted(out, key=lambda pr: (pr.line or 0))


# -- builtin recipes ----------------------------------------------------------------------------

def builtin_dirs() -> list[Path]:
    """Where builtin recipes live: the repo's `pipelines/` (editable install) or the copy
    installed inside the package (`studio/_data/pipelines`)."""
    pkg = Path(__file__).resolve().parents[1]  # the studio package folder (engine/..)
    return [d for d in (pkg / "_data" / "pipelines", pkg.parent / "pipelines") if d.is_dir()]


def builtin_recipes() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in builtin_dirs():
        for f in sorted(d.glob("*.yaml")):
            found.setdefault(f.stem, f)
    return found


def recipe_description(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "(unreadable recipe)"
    return str((data or {}).get("description", "")).strip().splitlines()[0] if isinstance(data, dict) and data.get("description") else ""


def load_recipe(name_or_path: str | Path, *, validate: bool = True) -> Pipeline:
    """A builtin recipe by name, or a recipe file by path."""
    s = str(name_or_path)
    path = Path(s)
    looks_like_path = s.endswith((".yaml", ".yml")) or "/" in s or path.exists()
    if looks_like_path:
        if not path.exists():
            raise UserError(f"recipe file {s!r} does not exist; give a path to a .yaml recipe or a builtin name (see `studio recipes`)")
        if path.is_dir():
            raise UserError(f"recipe {s!r} is a folder; give a .yaml file")
        try:
            size = path.stat().st_size
            if size > MAX_RECIPE_BYTES:
                raise RecipeError([Problem(f"recipe is {size // 1024} KiB, larger than the {MAX_RECIPE_BYTES // 1024} KiB limit; refusing to load it", s)])
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(f"recipe {s!r} is not UTF-8 text") from None
        except OSError as exc:
            raise UserError(f"recipe {s!r} cannot be read: {exc.strerror}") from None
        return pipeline_from_text(text, path=path, validate=validate)
    builtins = builtin_recipes()
    if s not in builtins:
        raise UserError(f"unknown recipe {s!r}{suggest(s, list(builtins))}; builtin recipes: {', '.join(builtins) or 'none'} (or give a path to a .yaml file)")
    p = builtins[s]
    return pipeline_from_text(p.read_text(encoding="utf-8"), path=p, validate=validate)
