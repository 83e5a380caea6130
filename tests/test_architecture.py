"""The layering rules (issue #16, README's layout), checked from the source: studio's import
graph has no cycles, the engine imports nothing above it, only studio/models/ calls
`from_pretrained`, and studio/backends/ is one package per medium.

The import graph is read with `ast` from every module under studio/ (nothing is imported):
every `import` and `from ... import` statement, at the top of a module or inside a function,
and `importlib.import_module` / `__import__` of a literal string. Names built at run time
(`import_module(f"studio.steps.{name}")`) are not followed.

How an import becomes an edge:
- `import studio.a.b` and `import_module("studio.a.b")`: to the module studio.a.b (or the
  closest enclosing module that exists).
- `from studio.a import name`: to studio.a.name when that is a submodule; otherwise `name` is an
  attribute of studio.a, and when studio/a/__init__.py re-exports it (`from studio.a.x import
  name`, including under TYPE_CHECKING and in a lazy `__getattr__`), the edge goes to where it
  comes from (studio.a.x, followed further if that re-exports too), else to studio.a itself.
- Imports under `if TYPE_CHECKING:` never run, so they make no edge (they only serve the
  re-export lookup above).
- Python imports a module's parent packages before the module itself, so they are no new
  dependency: an import of one's own ancestor package as a module (`from studio import models`
  inside studio/models/registry.py) makes no edge, and no edge is added from a module to its
  parents. An attribute taken from an ancestor (`from studio import __version__`) does count.
  So a package whose __init__ re-exports its children is not, by that alone, in a cycle with
  them.
The engine rule reads imports as written (and TYPE_CHECKING ones too): `from studio import
__version__` there is a violation even though studio re-exports it from studio._version.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "studio"

MEDIA = {"image", "audio", "text", "video"}


@dataclass(frozen=True)
class Import:
    target: str  # the studio module the import leads to (re-exports followed)
    written: str  # the studio module the statement names
    line: int
    type_checking: bool  # inside `if TYPE_CHECKING:` (never runs)
    module_object: bool  # the module itself is imported (not an attribute taken from it)


def _module_files() -> dict[str, Path]:
    found = {}
    for f in sorted(PKG.rglob("*.py")):
        parts = list(f.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = f
    return found


MODULES = _module_files()


def _is_package(mod: str) -> bool:
    return MODULES[mod].name == "__init__.py"


def _known(name: str) -> str | None:
    """`name` if it is a studio module, else the closest enclosing one."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, type_checking: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below `node`, with whether it sits under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for sub in child.body:
                yield sub, True
                yield from _walk(sub, True)
            for sub in child.orelse:
                yield sub, type_checking
                yield from _walk(sub, type_checking)
            continue
        yield child, type_checking
        yield from _walk(child, type_checking)


@cache
def _tree(mod: str) -> ast.Module:
    path = MODULES[mod]
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _from_base(mod: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = mod if _is_package(mod) else mod.rpartition(".")[0]
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def _reexports(pkg: str) -> dict[str, tuple[str, str]]:
    """Names a package's __init__ takes from elsewhere: name -> (module, name there)."""
    found: dict[str, tuple[str, str]] = {}
    for node, _ in _walk(_tree(pkg)):
        if isinstance(node, ast.ImportFrom):
            base = _from_base(pkg, node)
            if base.split(".")[0] == "studio":
                for alias in node.names:
                    found.setdefault(alias.asname or alias.name, (base, alias.name))
    return found


def _attribute_home(pkg: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> str:
    """The module that really provides `name`, imported from the module `pkg`."""
    if f"{pkg}.{name}" in MODULES:
        return f"{pkg}.{name}"
    if (pkg, name) in seen or not _is_package(pkg) or name not in _reexports(pkg):
        return pkg
    base, original = _reexports(pkg)[name]
    known = _known(base)
    if known is None:
        return pkg
    return _attribute_home(known, original, seen | {(pkg, name)})


def _literal_import_module(node: ast.Call) -> str | None:
    fn = node.func
    name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else None
    if name in ("import_module", "__import__") and node.args:
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


@cache
def imports_of(mod: str) -> tuple[Import, ...]:
    """Every import of a studio module written in `mod`."""
    found: list[Import] = []
    for node, tc in _walk(_tree(mod)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "studio" and (target := _known(alias.name)):
                    found.append(Import(target, target, node.lineno, tc, True))
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(mod, node)
            known = _known(base)
            if base.split(".")[0] != "studio" or known is None:
                continue
            for alias in node.names:
                if f"{known}.{alias.name}" in MODULES:
                    found.append(Import(f"{known}.{alias.name}", f"{known}.{alias.name}", node.lineno, tc, True))
                else:  # an attribute (or `*`) of the module `known`
                    home = known if alias.name == "*" else _attribute_home(known, alias.name)
                    found.append(Import(home, known, node.lineno, tc, False))
        elif (isinstance(node, ast.Call) and (name := _literal_import_module(node))
              and name.split(".")[0] == "studio" and (target := _known(name))):
            found.append(Import(target, target, node.lineno, tc, True))
    return tuple(found)


def _is_ancestor(pkg: str, mod: str) -> bool:
    return mod.startswith(pkg + ".")


@cache
def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it depends on at run time: first line that imports it}."""
    graph: dict[str, dict[str, int]] = {}
    for mod in MODULES:
        edges: dict[str, int] = {}
        for imp in imports_of(mod):
            if imp.type_checking or imp.target == mod:
                continue
            if imp.module_object and _is_ancestor(imp.target, mod):
                continue  # one's own parent package: imported already
            edges.setdefault(imp.target, imp.line)
        graph[mod] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[tuple[list[str], list[str]]]:
    """Per strongly connected component: one cycle in it (a list of modules, first == last) and
    all its members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    for root in sorted(graph):  # iterative Tarjan
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        components.append(sorted(comp))

    cycles = []
    for comp in components:  # the shortest way from the first member back to itself
        members = set(comp)
        start = comp[0]
        paths = {start: [start]}
        frontier = [start]
        cycle = None
        while frontier and cycle is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v]):
                    if w == start:
                        cycle = paths[v] + [start]
                        break
                    if w in members and w not in paths:
                        paths[w] = paths[v] + [w]
                        nxt.append(w)
                if cycle:
                    break
            frontier = nxt
        cycles.append((cycle or comp, comp))
    return cycles


def _describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    hops = [f"{a} -> {b}  ({MODULES[a].relative_to(REPO)}:{graph[a][b]})" for a, b in zip(cycle, cycle[1:])]
    return "\n    ".join(hops)


# -- the graph reader itself --------------------------------------------------------------------

def test_the_graph_reader_sees_imports_of_every_kind():
    g = import_graph()
    # a function-level import, a submodule imported with `from`, importlib with a literal
    assert "studio.engine.executor" in g["studio"]  # `from studio.engine.executor import execute` in run()
    assert "studio.steps" in g["studio"]  # the builtin-steps loader
    assert "studio.engine.coerce" in g["studio.cli"]
    # an attribute re-exported by a package resolves to where it is defined
    engine_users = [m for m in MODULES if any(i.target == "studio.engine.step" for i in imports_of(m))]
    assert engine_users
    # TYPE_CHECKING imports make no edge; a module's own parent package makes none
    assert "studio.engine.pipeline" not in g["studio.engine.executor"]
    assert "studio.models" not in g["studio.models.registry"]
    assert "studio._version" in g["studio.engine.manifest"]


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}
    assert _cycles(graph) == [(["a", "b", "c", "a"], ["a", "b", "c"])]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


# -- the rules ----------------------------------------------------------------------------------

def test_no_import_cycles():
    graph = import_graph()
    cycles = _cycles(graph)
    report = "\n".join(
        f"cycle: {' -> '.join(c)}\n    {_describe(c, graph)}"
        + (f"\n    (one of several among: {', '.join(members)})" if len(members) > len(c) - 1 else "")
        for c, members in cycles
    )
    print(report)
    assert not cycles, f"import cycles among studio modules:\n{report}"


def test_engine_imports_nothing_above_it():
    offenders = []
    for mod in MODULES:
        if mod != "studio.engine" and not mod.startswith("studio.engine."):
            continue
        for imp in imports_of(mod):  # as written: `from studio import __version__` names studio
            if imp.written == "studio.engine" or imp.written.startswith("studio.engine.") or imp.written == "studio._version":
                continue
            offenders.append(f"{MODULES[mod].relative_to(REPO)}:{imp.line} imports {imp.written}")
    assert not offenders, "the engine imports studio modules outside studio/engine/:\n" + "\n".join(offenders)


def test_from_pretrained_only_in_models():
    offenders = sorted(
        str(f.relative_to(REPO)) for f in PKG.rglob("*.py")
        if f.relative_to(PKG).parts[0] != "models" and re.search(r"\bfrom_pretrained\b", f.read_text(encoding="utf-8"))
    )
    assert not offenders, f"from_pretrained outside studio/models/: {', '.join(offenders)}"


def test_backends_are_one_package_per_medium():
    backends = PKG / "backends"
    entries = [p for p in backends.iterdir() if p.name != "__pycache__"]
    loose = sorted(p.name for p in entries if p.is_file() and p.name != "__init__.py")
    assert not loose, f"loose files in studio/backends/ (put them in a medium's package): {loose}"
    assert (backends / "__init__.py").is_file()
    dirs = {p.name for p in entries if p.is_dir()}
    assert dirs == MEDIA, f"studio/backends/ should hold the packages {sorted(MEDIA)}, has {sorted(dirs)}"
    not_packages = sorted(d for d in dirs if not (backends / d / "__init__.py").is_file())
    assert not not_packages, f"not packages (no __init__.py): {not_packages}"
