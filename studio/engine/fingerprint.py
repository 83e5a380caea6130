"""A digest of the code and data that make step outputs, for the step cache key.

Steps carry a hand-bumped `version`, but the embedded backends (procedural drawing, stylizer,
story templates, music generator ...) change more often than anyone remembers to bump it, and
a cache entry made by older code would then be served as if it were current. So every cache key
also holds this fingerprint: the bytes of the installed `studio` package's files (its `.py`
modules and packaged data) and, in a source checkout, the repository's `templates/`. Another
release or any edit gives new keys; the same code always gives the same key, in every process.
Reading the ~160 files takes a few milliseconds, once per process.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

_SKIP_DIRS = {"__pycache__"}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not _SKIP_DIRS.intersection(p.relative_to(root).parts)
                  and p.suffix not in (".pyc", ".pyo"))


def code_roots() -> list[Path]:
    """The folders whose files make up the fingerprint."""
    pkg = Path(__file__).resolve().parents[1]  # the studio package folder (engine/..)
    roots = [pkg]
    checkout_templates = pkg.parent / "templates"
    if (pkg.parent / "pyproject.toml").is_file() and checkout_templates.is_dir():
        roots.append(checkout_templates)  # a source checkout: templates live beside the package
    return roots


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hex digest of the files under `code_roots()` (names and contents)."""
    h = hashlib.sha256()
    for root in code_roots():
        for f in _files(root):
            h.update(f"{root.name}/{f.relative_to(root).as_posix()}".encode())
            h.update(b"\x00")
            h.update(f.read_bytes())
            h.update(b"\x00")
    return h.hexdigest()[:32]
