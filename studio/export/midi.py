"""Writing Standard MIDI Files.

The composer builds the performance as a `pretty_midi.PrettyMIDI` (tempo, meter, key, programs,
notes, section markers, per-track volume/pan and a CC111 loop-start marker); the synthesiser
renders that object and this module writes it to disk (through pretty_midi and mido, format 1,
960 ticks per beat).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_midi(performance: Any, path: str | Path) -> Path:
    """Write a `pretty_midi.PrettyMIDI` to `path` (a .mid file); return the path."""
    path = Path(path)
    performance.write(str(path))
    return path
