"""Writing Standard MIDI Files.

The composer builds the performance as a `pretty_midi.PrettyMIDI` (tempo, meter, key, programs,
notes, section names as text events `section NAME`, per-track volume/pan and a CC111 loop-start
marker); the synthesiser renders that object and this module writes it to disk (through
pretty_midi and mido, format 1, 960 ticks per beat). Sections become Marker meta events (type
0x06, text = the section name, on the tempo track): what DAWs and MIDI players list as markers.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

#: the text-event prefix the composer gives section names
SECTION_PREFIX = "section "


def write_midi(performance: Any, path: str | Path) -> Path:
    """Write a `pretty_midi.PrettyMIDI` to `path` (a .mid file), its `section NAME` text events
    as Marker meta events; return the path."""
    import mido

    path = Path(path)
    buf = io.BytesIO()
    performance.write(buf)
    buf.seek(0)
    mid = mido.MidiFile(file=buf)
    for track in mid.tracks:
        for i, msg in enumerate(track):
            if msg.type == "text" and msg.text.startswith(SECTION_PREFIX):
                track[i] = mido.MetaMessage("marker", text=msg.text[len(SECTION_PREFIX):], time=msg.time)
    mid.save(str(path))
    return path
