"""Deterministic seed derivation: one recipe seed gives every step its own seed."""

from __future__ import annotations

import hashlib

DEFAULT_SEED = 0
MAX_SEED = 2**32 - 1


def derive_seed(seed: int, *names: str) -> int:
    """A 32-bit seed derived from `seed` and names (e.g. the step id); stable across runs."""
    h = hashlib.sha256(str(int(seed)).encode())
    for name in names:
        h.update(b"/" + name.encode("utf-8"))
    return int.from_bytes(h.digest()[:4], "big")
