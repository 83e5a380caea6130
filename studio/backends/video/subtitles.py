"""Subtitles: SRT/WebVTT sidecars and subtitle streams embedded in the video.

A cue is `(start, end, text)` in seconds. `lines_between(cues, a, b)` gives the text lines of
every cue that overlaps `[a, b)`, in time order, without repeats.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.engine.errors import InputError

SIDECAR_SUFFIXES = (".srt", ".vtt")

_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?")
_ARROW = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
_TAG = re.compile(r"<[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str

    def lines(self) -> list[str]:
        return [ln for ln in (s.strip() for s in self.text.split("\n")) if ln]


def _parse_time(text: str) -> float:
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    hours, minutes, seconds, frac = m.groups()
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if frac:
        value += int(frac) / (10 ** len(frac))
    return float(value)


def clean_text(text: str) -> str:
    """Strip markup (<i>, <c.x>, {\\an8}, &amp;) and ASS line breaks from a cue's text."""
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    text = _ASS_OVERRIDE.sub("", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def parse_subtitles(text: str, *, source: str = "subtitles") -> list[Cue]:
    """Parse SRT or WebVTT text into cues sorted by start time.

    Raises InputError when the text holds no cue at all (wrong file, wrong format)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = re.split(r"\n\s*\n", text)
    cues: list[Cue] = []
    for block in blocks:
        lines = block.split("\n")
        for i, line in enumerate(lines):
            m = _ARROW.match(line)
            if not m:
                continue
            try:
                start, end = _parse_time(m.group(1)), _parse_time(m.group(2))
            except ValueError:
                break
            body = clean_text("\n".join(lines[i + 1 :]))
            if body and end > start:
                cues.append(Cue(start, end, body))
            break
    if not cues:
        raise InputError(f"{source}: no subtitle cues found (expected SRT or WebVTT text with 'start --> end' lines)")
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def read_subtitle_file(path: str | Path) -> list[Cue]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(f"{p}: no such subtitle file")
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return parse_subtitles(text, source=str(p))


def find_sidecar(video: str | Path) -> Path | None:
    """`clip.srt` / `clip.vtt` (or `clip.<lang>.srt`) next to `clip.mp4`."""
    v = Path(video)
    for suffix in SIDECAR_SUFFIXES:
        cand = v.with_suffix(suffix)
        if cand.is_file():
            return cand
    try:
        siblings = sorted(v.parent.iterdir())
    except OSError:
        return None
    for cand in siblings:
        if cand.suffix.lower() in SIDECAR_SUFFIXES and cand.name.startswith(v.stem + ".") and cand.is_file():
            return cand
    return None


def read_embedded(path: str | Path, stream_index: int | None = None) -> list[Cue]:
    """Text cues of the first (or the given) subtitle stream of a video file ([] if it has none).

    Bitmap subtitles (DVD/PGS) carry no text and give no cues."""
    import av

    cues: list[Cue] = []
    with av.open(str(path)) as container:
        streams = [s for s in container.streams.subtitles]
        if stream_index is not None:
            streams = [s for s in streams if s.index == stream_index]
        if not streams:
            return []
        stream = streams[0]
        tb = stream.time_base or Fraction(1, 1000)
        origin = (container.start_time or 0) / 1_000_000
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            start = float(packet.pts * tb) - origin
            end = start + (float(packet.duration * tb) if packet.duration else 0.0)
            texts = []
            # PyAV >= 14 yields subtitle rectangles; older versions yield SubtitleSets of them
            for item in packet.decode():
                rects = item if hasattr(item, "__iter__") else [item]
                shown_ms = getattr(item, "end_display_time", 0)
                if shown_ms:
                    end = max(end, start + shown_ms / 1000.0)
                for rect in rects:
                    text = _rect_text(rect)
                    if text:
                        texts.append(text)
            body = clean_text("\n".join(texts))
            if body:
                cues.append(Cue(start, max(end, start + 0.001), body))
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def _rect_text(rect) -> str:
    """Text of one subtitle rectangle: plain text, or the text field of an ASS event line."""
    for attr in ("dialogue", "text"):
        text = getattr(rect, attr, None)
        if text:
            return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    ass = getattr(rect, "ass", None)
    if ass:
        ass = ass.decode("utf-8", "replace") if isinstance(ass, bytes) else str(ass)
        # "ReadOrder, Layer, Style, Name, MarginL, MarginR, MarginV, Effect, Text"
        if ass.startswith("Dialogue:"):
            ass = ass.split(":", 1)[1]
            return ass.split(",", 9)[-1]
        return ass.split(",", 8)[-1]
    return ""


def lines_between(cues: list[Cue], start: float, end: float) -> list[str]:
    """Text lines of the cues overlapping [start, end), in order, each line once."""
    out: list[str] = []
    for cue in cues:
        if cue.start < end and cue.end > start:
            for line in cue.lines():
                if line not in out:
                    out.append(line)
    return out
