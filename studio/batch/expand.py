"""Turning a table, a folder and value axes into the list of batch items.

Sources of rows:
- a table (`.csv` with a header row, `.jsonl` with one object per line, or `.json`, a list of
  objects): one item per row; empty CSV cells mean "use the recipe's default";
- a folder: one item per entry (files and sub-folders, hidden ones skipped, sorted by name), given
  to the recipe's one path-like input (or the input named with `feed=`);
- nothing: a single row, so that axes alone make a batch.

Axes multiply the rows: `--product seed=1..8` runs every row with seeds 1 to 8,
`--product style=manga,noir` with both styles; axes named together in `--zip a,b` advance
together instead of being crossed (their value lists must have the same length); `--zip
NAME=VALUES` declares a zipped axis directly. The last axis varies fastest.

Column and axis names: a recipe input (`prompt`), `seed` (the run seed) or `STEP.PARAM` (a
per-item `--set` override, e.g. `sheet.columns`).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.coerce import IMAGE_SUFFIXES, parse_cli_value
from studio.engine.errors import InputError, UserError

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".aiff", ".aif"}
PATH_TYPES = ("path", "file", "image", "images", "video", "videos", "audio", "audios", "files")
_RANGE_RE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?::\s*(\d+)\s*)?$")
MAX_ITEMS = 100_000


@dataclass
class Row:
    """One item before planning: recipe inputs, an optional seed, per-item overrides."""

    inputs: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # where the row came from: "table.csv:3", "folder/a.png"

    def merged(self, other: Row) -> Row:
        return Row(
            inputs={**self.inputs, **other.inputs},
            seed=other.seed if other.seed is not None else self.seed,
            overrides={**self.overrides, **other.overrides},
            source=self.source or other.source,
        )


@dataclass
class Axis:
    name: str
    values: list[Any]


def parse_values(text: str, name: str = "") -> list[Any]:
    """`1..8` (inclusive; `1..20:5` steps by 5), `a,b,c`, or `@file.txt` (one value per line)."""
    where = f"{name}=" if name else ""
    text = text.strip()
    if not text:
        raise UserError(f"{where}: no values; give a list such as a,b or a range such as 1..8")
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        if not path.is_file():
            raise UserError(f"{where}{text}: no such file (one value per line)")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        values: list[Any] = [ln for ln in lines if ln and not ln.startswith("#")]
        if not values:
            raise UserError(f"{where}{text}: the file has no values")
        return values
    m = _RANGE_RE.match(text)
    if m:
        lo, hi, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if step < 1:
            raise UserError(f"{where}{text}: the step after ':' must be at least 1")
        if hi < lo:
            raise UserError(f"{where}{text}: the range is empty; write LOW..HIGH with LOW <= HIGH")
        if (hi - lo) // step + 1 > MAX_ITEMS:
            raise UserError(f"{where}{text}: more than {MAX_ITEMS} values")
        return list(range(lo, hi + 1, step))
    return [parse_cli_value(v.strip()) for v in text.split(",")]


def parse_axis(spec: str, flag: str) -> Axis:
    if "=" not in spec:
        raise UserError(f"{flag} {spec!r}: use NAME=VALUES, e.g. seed=1..8 or style=manga,noir")
    name, values = spec.split("=", 1)
    name = name.strip()
    if not name:
        raise UserError(f"{flag} {spec!r}: the name before '=' is empty")
    return Axis(name, parse_values(values, name))


def _assign(row: Row, name: str, value: Any, where: str) -> None:
    if name == "seed":
        try:
            seed = int(value)
        except (TypeError, ValueError):
            raise UserError(f"{where}: seed must be a whole number, got {value!r}") from None
        if seed < 0:
            raise UserError(f"{where}: seed must be non-negative, got {seed}")
        row.seed = seed
    elif "." in name:
        row.overrides[name] = parse_cli_value(value) if isinstance(value, str) else value
    else:
        row.inputs[name] = value


def _row(values: dict[str, Any], where: str, base: Path | None, path_inputs: set[str]) -> Row:
    row = Row(source=where)
    for name, value in values.items():
        name = str(name).strip()
        if not name or value is None or (isinstance(value, str) and value == ""):
            continue
        if base is not None and name in path_inputs and isinstance(value, str):
            p = Path(value).expanduser()
            if not p.is_absolute():
                value = str(base / p)
        _assign(row, name, value, where)
    return row


def read_table(path: Path, path_inputs: set[str] = frozenset()) -> list[Row]:  # type: ignore[assignment]
    """Rows of a CSV, JSONL or JSON table. Relative paths in path-like columns are relative to the
    table's folder."""
    base = path.parent
    suffix = path.suffix.lower()
    rows: list[Row] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the table as UTF-8") from None
    if suffix == ".csv" or suffix == ".tsv":
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if suffix == ".tsv" else ",")
        if not reader.fieldnames:
            raise InputError(f"{path}: empty table; the first line must name the columns (recipe inputs)")
        for i, rec in enumerate(reader, start=2):
            if None in rec:
                raise InputError(f"{path}:{i}: more cells than columns; quote values that contain commas")
            if not any((v or "").strip() for v in rec.values()):
                continue
            rows.append(_row({k: v for k, v in rec.items()}, f"{path.name}:{i}", base, path_inputs))
    elif suffix in (".jsonl", ".ndjson"):
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{i}: not valid JSON ({exc.msg}); each line must be one object") from None
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{i}: each line must be a JSON object like {{\"prompt\": \"...\"}}")
            rows.append(_row(rec, f"{path.name}:{i}", base, path_inputs))
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(f"{path}: a .json table must be a list of objects")
        for i, rec in enumerate(data):
            rows.append(_row(rec, f"{path.name}[{i}]", base, path_inputs))
    else:
        raise UserError(f"--inputs {path}: unknown table format {suffix or '(no suffix)'}; use .csv, .tsv, .jsonl or .json, or a folder")
    if not rows:
        raise InputError(f"{path}: the table has no rows")
    return rows


def folder_rows(folder: Path, feed: str, input_type: str) -> list[Row]:
    """One row per entry of a folder, fed to input `feed`."""
    suffixes: set[str] | None = None
    kind = input_type.rstrip("s") if input_type in ("images", "videos", "audios") else input_type
    if kind == "image":
        suffixes = IMAGE_SUFFIXES
    elif kind == "video":
        suffixes = VIDEO_SUFFIXES
    elif kind == "audio":
        suffixes = AUDIO_SUFFIXES
    entries = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if suffixes is not None and not (entry.is_file() and entry.suffix.lower() in suffixes):
            continue
        entries.append(entry)
    if not entries:
        what = f" with {', '.join(sorted(suffixes))} files" if suffixes else ""
        raise InputError(f"--inputs {folder}: the folder has no entries{what}")
    return [Row(inputs={feed: str(e.resolve())}, source=e.name) for e in entries]


def combine(rows: list[Row], axes: list[Axis], zip_groups: list[list[str]]) -> list[Row]:
    """rows x (product of axes, where the axes of one zip group advance together)."""
    by_name: dict[str, Axis] = {}
    for ax in axes:
        if ax.name in by_name:
            raise UserError(f"axis {ax.name!r} is given twice; put all its values in one list")
        by_name[ax.name] = ax
    grouped: dict[str, int] = {}
    for gi, group in enumerate(zip_groups):
        for name in group:
            if name not in by_name:
                raise UserError(f"--zip {','.join(group)}: {name!r} is not an axis; declare it with --product {name}=VALUES or --zip {name}=VALUES")
            if name in grouped:
                raise UserError(f"--zip: {name!r} is in two zip groups")
            grouped[name] = gi
    # factors in order of first appearance: a lone axis, or a zip group
    factors: list[list[dict[str, Any]]] = []
    done: set[int] = set()
    for ax in axes:
        if ax.name not in grouped:
            factors.append([{ax.name: v} for v in ax.values])
            continue
        gi = grouped[ax.name]
        if gi in done:
            continue
        done.add(gi)
        members = [by_name[n] for n in zip_groups[gi]]
        lengths = {len(m.values) for m in members}
        if len(lengths) > 1:
            sizes = ", ".join(f"{m.name}: {len(m.values)}" for m in members)
            raise UserError(f"--zip {','.join(zip_groups[gi])}: zipped axes need the same number of values ({sizes})")
        factors.append([{m.name: m.values[i] for m in members} for i in range(len(members[0].values))])
    total = len(rows)
    for f in factors:
        total *= len(f)
    if total > MAX_ITEMS:
        raise UserError(f"the batch would have {total} items, more than {MAX_ITEMS}; split it")
    out: list[Row] = []
    for row in rows:
        for combo in itertools.product(*factors):
            r = Row(inputs=dict(row.inputs), seed=row.seed, overrides=dict(row.overrides), source=row.source)
            for part in combo:
                for name, value in part.items():
                    _assign(r, name, value, f"axis {name}")
            out.append(r)
    return out


def parse_zip(specs: list[str]) -> tuple[list[Axis], list[list[str]]]:
    """`--zip a,b` (names of axes to advance together) and `--zip NAME=VALUES` (zipped axes)."""
    axes: list[Axis] = []
    groups: list[list[str]] = []
    declared: list[str] = []
    for spec in specs:
        if "=" in spec:
            ax = parse_axis(spec, "--zip")
            axes.append(ax)
            declared.append(ax.name)
        else:
            names = [n.strip() for n in spec.split(",") if n.strip()]
            if len(names) < 2:
                raise UserError(f"--zip {spec!r}: name two or more axes (a,b) or give NAME=VALUES")
            groups.append(names)
    if len(declared) > 1:
        groups.append(declared)
    return axes, groups
