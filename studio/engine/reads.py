"""Which files a run may read: everything (the CLI and the Python API, where the user is the
operator), or only some folders (the web UI, where the user is anyone with the page).

A server runs each recipe with a `ReadPolicy` (`execute(..., reads=policy)`, bound to the run's
thread; `set_read_policy` sets one for the whole process); the executor then checks every value a
step receives, port or param, literal, reference or template result: a string that names an
existing file or folder (`/etc/passwd`, `../secrets.txt`, `~/.ssh`, `notes.txt` in the server's
working folder) must lie in one of the policy's roots, or the run stops with one line (exit 2)
before the step reads it. Templates, styles and layouts are then taken by name from studio's own
folders only (`paths_allowed()` is False).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.errors import UserError

#: deepest nesting of lists/dicts searched for path strings
_MAX_DEPTH = 8


class ReadDeniedError(UserError):
    """A value names a file outside the folders this server may read."""


@dataclass(frozen=True)
class ReadPolicy:
    """Reads allowed only inside `roots` (resolved); `what` names them in error messages."""

    roots: tuple[Path, ...]
    what: str = "the uploads and outputs folders"
    extra: tuple[Path, ...] = field(default=())

    @classmethod
    def of(cls, roots: Iterable[Path | str], what: str = "the uploads and outputs folders") -> ReadPolicy:
        return cls(tuple(Path(r).expanduser().resolve() for r in roots), what, _studio_folders())

    def allows(self, path: Path) -> bool:
        p = path.expanduser().resolve()
        return any(p == r or r in p.parents for r in (*self.roots, *self.extra))


def _studio_folders() -> tuple[Path, ...]:
    """studio's own data (templates, styles, layouts, embedded soundfont): readable by name."""
    pkg = Path(__file__).resolve().parents[1]
    found = [pkg]
    for name in ("templates", "layouts", "pipelines"):
        d = pkg.parent / name
        if d.is_dir():
            found.append(d.resolve())
    return tuple(found)


_PROCESS: ReadPolicy | None = None
_local = threading.local()


def set_read_policy(policy: ReadPolicy | None) -> ReadPolicy | None:
    """Restrict reads for the whole process (None: no restriction). Returns the previous one."""
    global _PROCESS
    previous, _PROCESS = _PROCESS, policy
    return previous


def bind_read_policy(policy: ReadPolicy | None) -> ReadPolicy | None:
    """Restrict reads in this thread (the executor binds its run's policy); returns the previous."""
    previous = getattr(_local, "policy", None)
    _local.policy = policy
    return previous


def read_policy() -> ReadPolicy | None:
    return getattr(_local, "policy", None) or _PROCESS


def paths_allowed() -> bool:
    """May templates, styles and layouts be given by path (CLI, Python API) or only by name?"""
    return read_policy() is None


def _existing(value: str) -> Path | None:
    if not value or len(value) > 4096 or "\x00" in value or "\n" in value:
        return None
    try:
        p = Path(value).expanduser()
        return p if p.exists() or p.is_symlink() else None
    except (OSError, ValueError, RuntimeError):
        return None


def check_readable(path: Path | str, what: str) -> Path:
    """`path` if the policy lets it be read; ReadDeniedError (one line) if not."""
    p = Path(path)
    policy = read_policy()
    if policy is not None and not policy.allows(p):
        raise ReadDeniedError(f"{what}: {path} is outside {policy.what}; upload the file instead")
    return p


def check_values(value: Any, what: str, depth: int = 0) -> None:
    """Check every string in `value` (lists and dicts searched) that names an existing path."""
    if depth > _MAX_DEPTH or read_policy() is None:
        return
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        p = _existing(value)
        if p is not None:
            check_readable(p, what)
    elif isinstance(value, (list, tuple)):
        for v in value:
            check_values(v, what, depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            check_values(v, what, depth + 1)
