"""Talking clips whose words are known, for tests and benchmarks of speech to bubbles.

Debian's `espeak-ng` speaks known sentences (several voices and speeds); they are laid at known
times over pictures (the synthetic demo clip's, or any video's, looped and scaled) and muxed with
PyAV as H.264 + AAC. The ground truth comes back with the file: every line's text and the time
its voice really starts and ends (silence espeak-ng pads around it is trimmed off).

    from studio.testing.talking_clip import Said, espeak_path, make_talking_clip
    if espeak_path() is None: skip("espeak-ng is not installed (apt-get install espeak-ng)")
    truth = make_talking_clip(tmp_path / "talk.mp4", [Said("Did you hear that?", 0.8), ...])
    truth["lines"]   # [{text, start, end, voice, speed}]

Clips are made where they are needed (a test's tmp_path), never committed. The measures of
speech to bubbles live here too: `word_error_rate`, `lettered_words` (what comic.letter drew) and
`placement` (is each spoken line lettered in the panel whose time span holds it).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

SAMPLE_RATE = 22_050  # espeak-ng's own rate


@dataclass(frozen=True)
class Said:
    """One line to speak: its text, when it starts (seconds) and how (an espeak-ng voice such as
    en-us, en-gb, en-gb-scotland, en-us+f3; words per minute; pitch 0-99)."""

    text: str
    start: float
    voice: str = "en-us"
    speed: int = 160
    pitch: int = 50


def espeak_path() -> str | None:
    """The espeak-ng executable, or None when it is not installed."""
    return shutil.which("espeak-ng")


def speak(text: str, *, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """`text` spoken by espeak-ng as float32 mono at SAMPLE_RATE, silence trimmed off both ends."""
    import soundfile as sf

    exe = espeak_path()
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    out = subprocess.run([exe, "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), "--stdout", text],
                         check=True, capture_output=True, timeout=60).stdout
    x, sr = sf.read(io.BytesIO(out), dtype="float32")
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sr != SAMPLE_RATE:
        raise RuntimeError(f"espeak-ng wrote {sr} Hz, expected {SAMPLE_RATE}")
    loud = np.flatnonzero(np.abs(x) > 0.01)
    return x[loud[0]: loud[-1] + 1] if loud.size else x[:0]


def _picture_source(pictures: str | Path, size: tuple[int, int], fps: int) -> Callable[[float], Image.Image]:
    """A function time -> picture: the demo clip drawn at t, or the frames of a video (looped)."""
    if str(pictures) == "demo":
        from studio.comic.demo_clip import SHOTS, frame_at

        total = sum(SHOTS)

        def demo(t: float) -> Image.Image:
            img = frame_at(t % total)
            return img if img.size == size else img.resize(size, Image.Resampling.BILINEAR)

        return demo
    import av

    frames: list[Image.Image] = []
    times: list[float] = []
    with av.open(str(pictures)) as src:
        stream = src.streams.video[0]
        for frame in src.decode(stream):
            if frame.time is None:
                continue
            if times and frame.time - times[-1] < 1.0 / fps - 1e-6:
                continue  # keep at most `fps` frames a second
            frames.append(frame.to_image().convert("RGB").resize(size, Image.Resampling.BILINEAR))
            times.append(float(frame.time))
    if not frames:
        raise RuntimeError(f"{pictures}: no video frames")
    t0 = times[0]
    length = times[-1] - t0 + 1.0 / fps
    rel = np.asarray(times) - t0

    def video(t: float) -> Image.Image:
        k = int(np.searchsorted(rel, (t % length) + 1e-6, side="right")) - 1
        return frames[max(0, k)]

    return video


def make_talking_clip(
    path: str | Path,
    lines: Sequence[Said],
    *,
    pictures: str | Path = "demo",
    duration: float | None = None,
    size: tuple[int, int] = (640, 360),
    fps: int = 24,
    noise: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Write an MP4 (H.264 + AAC mono) of `pictures` with `lines` spoken at their start times;
    return the ground truth `{video, duration, lines: [{text, start, end, voice, speed, pitch}]}`.

    `duration` defaults to the end of the last line plus one second; `noise` adds white noise at
    that RMS level under the voices (a room, a hum). Lines must not overlap."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    voices = [speak(s.text, voice=s.voice, speed=s.speed, pitch=s.pitch) for s in lines]
    truth: list[dict[str, Any]] = []
    for s, v in zip(lines, voices):
        truth.append({"text": s.text, "start": round(s.start, 3), "end": round(s.start + v.size / SAMPLE_RATE, 3),
                      "voice": s.voice, "speed": s.speed, "pitch": s.pitch})
    for a, b in zip(truth[:-1], truth[1:]):
        if b["start"] < a["end"]:
            raise ValueError(f"line {b['text']!r} starts at {b['start']} s, before {a['text']!r} ends ({a['end']} s)")
    total = float(duration) if duration is not None else (max((t["end"] for t in truth), default=0.0) + 1.0)
    track = np.zeros(int(round(total * SAMPLE_RATE)), np.float32)
    if noise > 0:
        track += (noise * np.random.default_rng(seed).standard_normal(track.size)).astype(np.float32)
    for s, v in zip(lines, voices):
        i = int(round(s.start * SAMPLE_RATE))
        seg = v[: max(0, track.size - i)]
        track[i: i + seg.size] += seg
    track = np.clip(track, -1.0, 1.0)
    picture = _picture_source(pictures, size, fps)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"crf": "26", "preset": "veryfast", "threads": "1"}
        aud = out.add_stream("aac", rate=SAMPLE_RATE)
        aud.layout = "mono"
        for i in range(int(round(total * fps))):
            for packet in vs.encode(av.VideoFrame.from_image(picture(i / fps))):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        hop = 1024
        for k in range(0, track.size, hop):
            chunk = track[k: k + hop]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = k
            for packet in aud.encode(frame):
                out.mux(packet)
        for packet in aud.encode():
            out.mux(packet)
    return {"video": str(path), "duration": round(total, 3), "lines": truth}


# -- measures -----------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number_words(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10 - 2]] + ([_ONES[n % 10]] if n % 10 else [])
    return [str(n)]


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers under 100 spelled out ("It's only the WIND!"
    -> it's only the wind; "in 10 minutes" -> in ten minutes: Whisper writes digits)."""
    out: list[str] = []
    for w in _WORD.findall(str(text).lower().replace("\u2019", "'")):
        out.extend(_number_words(int(w)) if w.isdigit() else [w])
    return out


def word_error_rate(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    """(substitutions + deletions + insertions) / words of the reference (word-level Levenshtein)."""
    ref, hyp = list(reference), list(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)


def lettered_words(lettering: dict[str, Any]) -> list[list[str]]:
    """The words comic.letter drew, per panel in reading order (its `lettering` data: the wrapped
    lines of every bubble; a line ending in a hyphen joins the next)."""
    out = []
    for panel in lettering.get("panels") or []:
        text = ""
        for bubble in panel.get("bubbles") or []:
            for line in bubble.get("lines") or [bubble.get("text", "")]:
                text = text[:-1] + line if text.endswith("-") else f"{text} {line}"
        out.append(words_of(text))
    return out


def placement(truth: Sequence[dict[str, Any]], panel_words: Sequence[Sequence[str]],
              spans: Sequence[tuple[float, float] | None]) -> list[dict[str, Any]]:
    """For each spoken line (`truth`: text, start, end): the panel that letters most of its words
    (at least half of them; else None: the line was not lettered) and whether that panel's time
    span holds the middle of the line."""
    from collections import Counter

    out = []
    for line in truth:
        want = Counter(words_of(line["text"]))
        hits = [sum((Counter(ws) & want).values()) for ws in panel_words]
        enough = sum(want.values()) / 2
        best = max(range(len(hits)), key=lambda k: (hits[k], -k)) if hits and max(hits) >= enough else None
        mid = (float(line["start"]) + float(line["end"])) / 2
        span = spans[best] if best is not None and best < len(spans) else None
        out.append({"text": line["text"], "middle": round(mid, 3), "panel": None if best is None else best + 1,
                    "span": span, "in_span": bool(span is not None and span[0] <= mid < span[1])})
    return out


def measure_comic(keyframes: Sequence[Any], panels: Sequence[Any], lettering: dict[str, Any],
                  truth: dict[str, Any]) -> dict[str, Any]:
    """The speech measures of one comic-from-video run: word error rate of the lettered words
    against the spoken text, and where each spoken line was lettered. `keyframes` are the
    audio.transcribe step's images (meta time, shot_start, shot_end), `panels` the lettered
    panels (meta source_name), `lettering` comic.letter's data, `truth` what make_talking_clip
    returned."""
    from studio.backends.audio.transcribe import panel_spans

    times = [k.meta.get("time") for k in keyframes]
    shots = [(k.meta["shot_start"], k.meta["shot_end"]) if "shot_start" in k.meta else None for k in keyframes]
    spans = panel_spans(times, shots if any(shots) else None, truth["duration"])
    by_name = {k.name: spans[i] for i, k in enumerate(keyframes)}
    panel_spans_ = [by_name.get(str(p.meta.get("source_name"))) for p in panels]
    words = lettered_words(lettering)
    spoken = [w for line in truth["lines"] for w in words_of(line["text"])]
    placed = placement(truth["lines"], words, panel_spans_)
    return {
        "wer": round(word_error_rate(spoken, [w for ws in words for w in ws]), 3),
        "lines": len(placed), "in_span": sum(p["in_span"] for p in placed), "placement": placed,
        "panels": len(panels), "lettered": [" ".join(ws) for ws in words],
    }


__all__ = ["SAMPLE_RATE", "Said", "espeak_path", "speak", "make_talking_clip", "words_of", "word_error_rate",
           "lettered_words", "placement", "measure_comic"]
