"""Helpers shared by the product tabs."""

from __future__ import annotations

from typing import Any

from studio.engine.artifacts import DataArtifact, ImageArtifact
from studio.engine.errors import UserError
from studio.engine.pipeline import Pipeline, Ref
from studio.engine.recipe import builtin_recipes, load_recipe
from studio.engine.step import STEPS
from studio.ui import outputs as out


def recipe(name: str) -> Pipeline | None:
    """The builtin recipe, or None when this install does not have it or it does not load."""
    return load_or_problem(name)[0]


def load_or_problem(name: str) -> tuple[Pipeline | None, str]:
    """(the builtin recipe, "") or (None, why it is not usable) — a broken recipe never stops
    the UI from starting; its tab says what is wrong."""
    if name not in builtin_recipes():
        return None, (f"**Not available**: the builtin recipe `{name}` is not installed in this version of studio "
                      "(see `studio recipes`). The other tabs work.")
    try:
        return load_recipe(name), ""
    except UserError as exc:
        from studio.ui.errors import message_for

        return None, f"**Not available**: the builtin recipe `{name}` does not load:\n```text\n{message_for(exc)}\n```"


def require(name: str) -> Pipeline:
    if name not in builtin_recipes():
        raise UserError(f"the builtin recipe {name!r} is not installed; see `studio recipes`")
    return load_recipe(name)


def step_images(ev: Any, names: tuple[str, ...] = ("images",), limit: int = 60) -> list[Any]:
    """The images a finished step made under the output `names` (for live previews), as
    (PIL image, caption) pairs."""
    found = []
    for name, value in (ev.data.get("outputs") or {}).items():
        if name not in names:
            continue
        for a in value if isinstance(value, list) else [value]:
            if isinstance(a, ImageArtifact):
                found.append((a.image, a.name or ev.step_id))
    return found[:limit]


def live_gallery(previous: list[Any], names: tuple[str, ...] = ("images",)) -> Any:
    """An `on_event` that keeps the newest step's images in a gallery while a run goes on."""

    def update(ev: Any, bridge: Any) -> Any:
        if ev.kind not in ("step_finished", "step_cached", "warning"):
            return None
        imgs = step_images(ev, names) if ev.kind != "warning" else []
        if imgs:
            previous[:] = imgs
        return bridge.markdown("**Running…**"), (list(previous) if imgs else None)

    return update


def _is_lines(v: Any) -> bool:
    """A list of text lines, or of {speaker, text} dicts (speech)."""
    return isinstance(v, list) and all(
        isinstance(x, str) or (isinstance(x, dict) and isinstance(x.get("text"), str) and set(x) <= {"speaker", "text"})
        for x in v
    )


def _line(x: Any) -> str:
    if isinstance(x, dict):
        return f"{x['speaker']}: {x['text']}" if x.get("speaker") else str(x["text"])
    return str(x)


def _parse_lines(text: str, old: list[Any]) -> list[Any]:
    parts = [t.strip() for t in text.split(" / ") if t.strip()]
    if not any(isinstance(x, dict) for x in old):
        return parts
    out: list[Any] = []
    for part in parts:
        speaker, sep, said = part.partition(": ")
        out.append({"speaker": speaker.strip(), "text": said.strip()} if sep and speaker.strip() and len(speaker) <= 40 else {"speaker": "", "text": part})
    return out


def table_rows(data: Any, columns: tuple[str, ...] = ()) -> tuple[str | None, list[str], list[list[Any]]]:
    """A script/lettering data value as an editable table: (the key holding the list of rows or
    None when the data is the list itself, headers, rows). Columns are the rows' text, number
    and line-list fields (only `columns`, in that order, when given and present); lists of lines
    show joined with ' / ', speech as 'NAME: words'."""
    key: str | None = None
    items: Any = data
    if isinstance(data, dict):
        key = next((k for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)), None)
        items = data.get(key, []) if key else []
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        return None, [], []
    headers: list[str] = []
    for row in items:
        for k, v in row.items():
            ok = v is None or isinstance(v, (str, int, float, bool)) or _is_lines(v)
            if ok and k not in headers:
                headers.append(k)
    if columns and any(c in headers for c in columns):
        headers = [c for c in columns if c in headers]
    rows = []
    for row in items:
        cells = []
        for h in headers:
            v = row.get(h)
            cells.append(" / ".join(_line(x) for x in v) if isinstance(v, list) else ("" if v is None else v))
        rows.append(cells)
    return key, headers, rows


def apply_rows(data: Any, key: str | None, headers: list[str], rows: list[list[Any]]) -> Any:
    """Write an edited table back into a copy of `data` (types follow the original values)."""
    import copy

    new = copy.deepcopy(data)
    items = new[key] if key is not None else new
    if len(rows) != len(items):
        raise UserError(f"the table has {len(rows)} rows but the script has {len(items)} panels; edit the text, do not add or remove rows")
    for item, cells in zip(items, rows):
        for h, cell in zip(headers, cells):
            old = item.get(h)
            text = "" if cell is None else str(cell)
            if isinstance(old, list):
                item[h] = _parse_lines(text, old)
            elif isinstance(old, bool):
                item[h] = text.strip().lower() in ("true", "1", "yes")
            elif isinstance(old, int):
                try:
                    item[h] = int(float(text))
                except ValueError:
                    raise UserError(f"column {h!r}: {text!r} is not a number") from None
            elif isinstance(old, float):
                try:
                    item[h] = float(text)
                except ValueError:
                    raise UserError(f"column {h!r}: {text!r} is not a number") from None
            elif old is None and not text.strip():
                item[h] = None
            else:
                item[h] = text
    return new


def dataframe_value(value: Any) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) from what a gr.Dataframe hands a function (pandas, dict or list)."""
    if value is None:
        return [], []
    if isinstance(value, dict):
        return list(value.get("headers") or []), [list(r) for r in value.get("data") or []]
    if hasattr(value, "columns") and hasattr(value, "values"):
        return [str(c) for c in value.columns], [list(r) for r in value.values.tolist()]
    return [], [list(r) for r in value]


def data_output(result: Any, *names: str) -> tuple[str | None, Any]:
    """(output name, value) of the first data output whose name contains one of `names`."""

    for name, value in result.outputs.items():
        if isinstance(value, DataArtifact) and any(n in name.lower() for n in names):
            return name, value.data
    return None, None


def step_using(p: Pipeline, *prefixes: str) -> Any:
    return next((s for s in p.steps if s.use.startswith(prefixes)), None)


def sub_pipeline(p: Pipeline, step_id: str) -> Pipeline:
    """The part of `p` that `step_id` needs, ending at it, with all its outputs as outputs."""

    needed: set[str] = set()
    todo = [step_id]
    ids = {s.id for s in p.steps}
    while todo:
        sid = todo.pop()
        if sid in needed:
            continue
        needed.add(sid)
        todo.extend(r.source for _, r in p.get_step(sid).refs() if r.source in ids)
    q = p.copy()
    q.steps = [s for s in q.steps if s.id in needed]
    cls = STEPS.get(p.get_step(step_id).use)
    q.outputs = {name: Ref(step_id, name) for name in cls.outputs}
    q.output_lines = {}
    used_inputs = {r.name for s in q.steps for _, r in s.refs() if r.source == "inputs"}
    used_inputs |= {k for s in q.steps for k in p.inputs if any(f"inputs.{k}" in str(v) for v in s.with_.values())}
    q.inputs = {k: v for k, v in q.inputs.items() if k in used_inputs}
    return q


__all__ = ["out", "recipe", "require", "load_or_problem", "live_gallery", "table_rows", "apply_rows", "dataframe_value",
           "data_output", "step_using", "sub_pipeline"]
