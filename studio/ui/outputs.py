"""Reading a `RunResult` for display: which files are images, audio, documents; zips of folders.

Tabs never hard-code a recipe's output names: they look at `RunResult.paths` (every output and
the files it was saved as) and pick by file type and, where it helps, by name.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

IMAGE = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
AUDIO = {".wav", ".ogg", ".flac", ".mp3", ".m4a"}
VIDEO = {".mp4", ".webm", ".mov", ".mkv"}


def flat(paths: dict[str, Any]) -> list[tuple[str, Path]]:
    """(output name, file) for every file the run wrote, in output order."""
    out: list[tuple[str, Path]] = []
    for name, value in paths.items():
        if value is None:
            continue
        for p in value if isinstance(value, list) else [value]:
            p = Path(p)
            if p.is_dir():
                out.extend((name, q) for q in sorted(p.rglob("*")) if q.is_file())
            elif p.is_file():
                out.append((name, p))
    return out


def of_type(paths: dict[str, Any], suffixes: set[str], *, names: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[Path]:
    """Files with one of `suffixes`, from outputs whose name contains one of `names` (all when
    empty) and none of `exclude`."""
    found = []
    for name, p in flat(paths):
        low = name.lower()
        if names and not any(n in low for n in names):
            continue
        if any(x in low for x in exclude):
            continue
        if p.suffix.lower() in suffixes:
            found.append(p)
    return found


def images(paths: dict[str, Any], *names: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    return of_type(paths, IMAGE, names=names, exclude=exclude)


def first(paths: dict[str, Any], suffixes: set[str], *names: str) -> Path | None:
    found = of_type(paths, suffixes, names=names)
    return found[0] if found else None


def downloads(paths: dict[str, Any], limit: int = 200) -> list[str]:
    """Every file of the run as a download list (the manifest included)."""
    files = [str(p) for _, p in flat(paths)]
    return files[:limit]


def zip_folder(folder: Path, dest: Path) -> Path:
    """Zip `folder` (sorted, deterministic member order and times) into `dest`, atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                info = zipfile.ZipInfo(str(p.relative_to(folder)), date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes())
    tmp.replace(dest)
    return dest


def zip_run(run_dir: Path) -> Path:
    """The whole run folder as `<run_dir>.zip` beside it (inside the outputs root)."""
    return zip_folder(run_dir, run_dir.with_name(run_dir.name + ".zip"))


def summary(manifest: dict[str, Any]) -> str:
    """A short markdown summary of a run: where, how long, which backends, warnings."""
    lines = [f"**Done** in {manifest.get('seconds', 0):.1f} s; "
             f"{manifest.get('cache', {}).get('hits', 0)}/{len(manifest.get('steps', []))} steps from cache."]
    backends = []
    for s in manifest.get("steps", []):
        b = s.get("backend")
        if b:
            model = f" · {s['model']}" if s.get("model") else ""
            lic = f" · licence {s['licence']}" if s.get("licence") else ""
            backends.append(f"`{s['id']}`: {b}{model}{lic}")
    if backends:
        lines.append("Backends: " + "; ".join(backends))
    for w in manifest.get("warnings", []):
        lines.append(f"- note: {w}")
    return "\n\n".join(lines[:2]) + ("\n" + "\n".join(lines[2:]) if len(lines) > 2 else "")


def read_json(path: Path | None) -> Any:
    if path is None:
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def to_json(value: Any) -> str:
    """Pretty JSON text for a code view (JSON shown as text: a dict with a "path" key would be
    mistaken for a file by Gradio clients)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)
