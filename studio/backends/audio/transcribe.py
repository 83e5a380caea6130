"""Speech to timed text with Whisper through transformers (`automatic-speech-recognition`).

Audio comes from an audio artifact or straight from a video's soundtrack (decoded with PyAV,
resampled to 16 kHz mono). Lines come back as `{start, end, text}` in seconds, cleaned (control
characters dropped, times clamped into the audio and made monotonic) and can be attached to
keyframes by time, like subtitles. The model is loaded once per process by
`studio.models.loaders.transformers.load_whisper`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.errors import InputError

SAMPLE_RATE = 16_000


class NoAudioError(InputError):
    """The video has no audio stream."""


def audio_from_video(path: Path, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The first audio stream of a video file as float32 mono at `sample_rate`."""
    import av

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        container = av.open(str(path))
    except (av.error.InvalidDataError, av.error.FileNotFoundError, OSError) as exc:
        raise InputError(f"{path}: not a readable video ({exc})") from None
    with container:
        if not container.streams.audio:
            raise NoAudioError(f"{path.name} has no audio track")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks = []
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.InvalidDataError as exc:
            if not chunks:
                raise InputError(f"{path}: its audio could not be decoded ({exc})") from None
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def to_mono_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mix down to mono and resample (polyphase, deterministic) to 16 kHz."""
    from math import gcd

    from scipy.signal import resample_poly

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sample_rate != SAMPLE_RATE and x.size:
        g = gcd(int(sample_rate), SAMPLE_RATE)
        x = resample_poly(x, SAMPLE_RATE // g, int(sample_rate) // g).astype(np.float32)
    return x


_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]")


def _clean(text: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def transcribe(
    asr: Any,
    audio: np.ndarray,
    *,
    language: str | None = None,
    task: str = "transcribe",
    chunk_length_s: float = 30.0,
    batch_size: int = 4,
    max_new_tokens: int | None = None,
) -> list[dict[str, Any]]:
    """Timed lines `{start, end, text}` (seconds, rounded to ms) for 16 kHz mono `audio`."""
    duration = audio.shape[0] / SAMPLE_RATE
    if audio.size == 0:
        return []
    generate_kwargs: dict[str, Any] = {"task": task}
    if language:
        generate_kwargs["language"] = language
    if max_new_tokens:
        generate_kwargs["max_new_tokens"] = max_new_tokens
    result = asr(
        {"raw": audio, "sampling_rate": SAMPLE_RATE},
        return_timestamps=True, chunk_length_s=chunk_length_s, batch_size=batch_size,
        generate_kwargs=generate_kwargs,
    )
    chunks = result.get("chunks") or [{"timestamp": (0.0, duration), "text": result.get("text", "")}]
    lines: list[dict[str, Any]] = []
    last = 0.0
    for ch in chunks:
        text = _clean(str(ch.get("text", "")))
        if not text:
            continue
        start, end = (list(ch.get("timestamp") or (None, None)) + [None, None])[:2]
        start = last if start is None else float(start)
        end = duration if end is None else float(end)
        start = min(max(start, last), duration)  # monotonic and inside the audio
        end = min(max(end, start), duration)
        lines.append({"start": round(start, 3), "end": round(end, 3), "text": text})
        last = start
    return lines


def attach_lines(times: list[float | None], lines: list[dict[str, Any]], *, spans: list[tuple[float, float] | None] | None = None) -> list[list[str]]:
    """For each keyframe, the lines spoken around it.

    With `spans` (a keyframe's shot [start, end) in seconds) a line belongs to every shot it
    overlaps; otherwise to the keyframe nearest to its middle (a line is never lost).
    """
    out: list[list[str]] = [[] for _ in times]
    known = [i for i, t in enumerate(times) if t is not None]
    for line in lines:
        placed = False
        if spans:
            for i, span in enumerate(spans):
                if span is not None and line["start"] < span[1] and line["end"] > span[0]:
                    out[i].append(line["text"])
                    placed = True
        if not placed and known:
            mid = (line["start"] + line["end"]) / 2
            best = min(known, key=lambda i: (abs(float(times[i] or 0.0) - mid), i))
            out[best].append(line["text"])
    return out
