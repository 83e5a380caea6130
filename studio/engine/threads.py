"""How many threads to use: the cores this process may run on (affinity-aware)."""

from __future__ import annotations

import os

#: at most this many threads for per-item work inside one run
MAX_THREADS = 8


def available_cpus() -> int:
    """The cores this process may use (its CPU affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Threads for work inside one run (`StepContext.map`, cache writes, video decoders): the
    available cores, at most MAX_THREADS, or the STUDIO_THREADS environment variable."""
    env = os.environ.get("STUDIO_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return min(MAX_THREADS, available_cpus())
