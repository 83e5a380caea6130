"""The folders a run writes to: checked before any step runs, and the scratch folders of runs.

`check_writable` turns an unusable `--out` or `--cache-dir` into one line before the run
starts (a file where a folder should be: UserError, exit 2; read-only, not writable or full:
StorageError, exit 1). Each run's scratch folder (`$TMPDIR/studio-run-*`) holds a lock while
the run lives; the next run removes scratch folders that are old and no longer locked (left by a
SIGKILLed or crashed run).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

from studio.engine.errors import StorageError, UserError

log = logging.getLogger("studio")

SCRATCH_PREFIX = "studio-run-"
LOCK_NAME = ".studio-lock"
#: scratch folders younger than this are never touched (a run that is starting up)
STALE_AFTER_S = 3600.0

_ENV_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}


def storage_error(exc: OSError, what: str, path: Path | str) -> UserError | StorageError:
    """The typed error for an OSError met while writing `path`."""
    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return UserError(f"{what} {path}: {reason}")
    return StorageError(f"{what} {path}: {reason}")


def check_writable(path: Path | str, what: str) -> None:
    """Raise (one line) unless `path` is, or can become, a folder studio can write into.
    Nothing is left behind: a probe file is created in the nearest existing folder and removed."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UserError(f"{what} {path} is a file, not a folder; give a folder")
    probe_dir = path
    while not probe_dir.exists():
        if probe_dir.parent == probe_dir:
            break
        probe_dir = probe_dir.parent
    if probe_dir.exists() and not probe_dir.is_dir():
        raise UserError(f"{what} {path}: {probe_dir} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe_dir, prefix=".studio-probe-"):
            pass
    except OSError as exc:
        raise storage_error(exc, what, path) from None


# -- scratch folders ------------------------------------------------------------------------

def _lock(fh: IO[str]) -> bool:
    """Take an exclusive, non-blocking lock; False if another live process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: fall back on age alone
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Scratch:
    """A run's scratch folder, locked while the run lives; `close()` removes it."""

    def __init__(self) -> None:
        clean_stale_scratch()
        self.path = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        self._fh: IO[str] | None = open(self.path / LOCK_NAME, "w")  # noqa: SIM115 - held for the run
        self._fh.write(str(os.getpid()))
        self._fh.flush()
        _lock(self._fh)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        shutil.rmtree(self.path, ignore_errors=True)


def clean_stale_scratch(root: Path | str | None = None, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove `studio-run-*` folders under `root` (default: the temp folder) older than
    `older_than_s` whose lock no live process holds. Returns what was removed."""
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed: list[Path] = []
    cutoff = time.time() - older_than_s
    try:
        candidates = list(base.glob(SCRATCH_PREFIX + "*"))
    except OSError:
        return removed
    for folder in candidates:
        try:
            st = folder.lstat()
            if not folder.is_dir() or folder.is_symlink() or st.st_mtime > cutoff:
                continue
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                continue  # another user's run
            lock = folder / LOCK_NAME
            if lock.is_file():
                with open(lock) as fh:
                    if not _lock(fh):
                        continue  # a live run holds it
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            continue
    if removed:
        log.debug("removed %d stale scratch folder(s) from earlier runs", len(removed))
    return removed
