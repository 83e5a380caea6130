"""Speech to timed text: Whisper run by faster-whisper (CTranslate2, the embedded default) or by
transformers (`automatic-speech-recognition`, for checkpoints the user brings).

Audio comes from an audio artifact or straight from a video's soundtrack (decoded with PyAV,
resampled to 16 kHz mono). Lines come back as `{start, end, text}` in seconds, cleaned (control
characters dropped, times clamped into the audio and made monotonic); faster-whisper's lines are
sentences cut from its word timestamps and carry their `words`. `panel_spans` cuts a video's
timeline into one span per keyframe and `attach_lines` gives each line to the keyframe whose span
holds its middle, so every line is said once, in the panel of its moment. Models are loaded once
per process by `studio.models.loaders.speech.load_faster_whisper` and
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


#: a line ends at a word that ends a sentence, or before a pause at least this long (seconds)
PAUSE = 0.8
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")


def _sentences(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Timed words cut into sentences: after a word ending in . ! ? or before a long pause."""
    out: list[list[dict[str, Any]]] = []
    cur: list[dict[str, Any]] = []
    for w in words:
        if cur and w["start"] - cur[-1]["end"] >= PAUSE:
            out.append(cur)
            cur = []
        cur.append(w)
        if _SENTENCE_END.search(w["word"].strip()):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def transcribe_faster(
    model: Any,
    audio: np.ndarray,
    *,
    language: str | None = None,
    task: str = "transcribe",
    beam_size: int = 5,
    vad: bool = True,
    min_silence_ms: int = 500,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Timed sentences and facts for 16 kHz mono `audio` with a faster-whisper `WhisperModel`.

    Decoding is deterministic (temperature 0, no conditioning on the previous window, which is
    where Whisper's repetition loops come from); voice activity detection (Silero, bundled with
    faster-whisper) skips silence and music-only stretches; word timestamps cut the segments into
    sentences. Returns (lines, info): lines `{start, end, text, words: [{start, end, word, p}]}`,
    info `{language, language_probability, duration, speech_seconds}`."""
    duration = audio.shape[0] / SAMPLE_RATE
    info_out: dict[str, Any] = {"language": language, "language_probability": None,
                                "duration": round(duration, 3), "speech_seconds": 0.0}
    if audio.size == 0:
        return [], info_out
    segments, info = model.transcribe(
        np.ascontiguousarray(audio, dtype=np.float32), language=language, task=task, beam_size=beam_size,
        temperature=0.0, condition_on_previous_text=False, word_timestamps=True, vad_filter=vad,
        vad_parameters={"min_silence_duration_ms": int(min_silence_ms)} if vad else None,
    )
    words: list[dict[str, Any]] = []
    last = 0.0
    for seg in segments:  # a generator: decoding happens here
        for w in seg.words or []:
            text = _clean(w.word)
            if not text:
                continue
            start = min(max(float(w.start), last), duration)
            end = min(max(float(w.end), start), duration)
            words.append({"start": round(start, 3), "end": round(end, 3), "word": text,
                          "p": round(float(w.probability), 3)})
            last = start
    lines = []
    for sent in _sentences(words):
        text = _clean(" ".join(w["word"] for w in sent))
        if text:
            lines.append({"start": sent[0]["start"], "end": sent[-1]["end"], "text": text, "words": sent})
    info_out.update({
        "language": getattr(info, "language", None) or language,
        "language_probability": round(float(getattr(info, "language_probability", 0.0) or 0.0), 3),
        "speech_seconds": round(float(getattr(info, "duration_after_vad", duration) or 0.0), 3),
    })
    return lines, info_out


def panel_spans(times: list[float | None], shots: list[tuple[float, float] | None] | None = None,
                duration: float | None = None) -> list[tuple[float, float] | None]:
    """Cut the timeline into one span [start, end) per keyframe (None for a keyframe without a
    time). Between two keyframes of one shot the cut is halfway; between keyframes of different
    shots it is at the cut between the shots (halfway through any shot in between that has no
    keyframe). The first span starts at 0, the last ends at `duration` (or never)."""
    known = sorted((float(t), i) for i, t in enumerate(times) if t is not None)
    out: list[tuple[float, float] | None] = [None] * len(times)
    if not known:
        return out
    bounds = [0.0]
    for (ta, a), (tb, b) in zip(known[:-1], known[1:]):
        sa = shots[a] if shots else None
        sb = shots[b] if shots else None
        cut = (ta + tb) / 2
        if sa is not None and sb is not None and tuple(sa) != tuple(sb):
            cut = (float(sa[1]) + float(sb[0])) / 2  # the shot change (or the middle of a gap between)
        bounds.append(min(max(cut, ta), tb))
    bounds.append(float(duration) if duration is not None else float("inf"))
    for k, (_, i) in enumerate(known):
        out[i] = (round(bounds[k], 3), round(bounds[k + 1], 3) if bounds[k + 1] != float("inf") else bounds[k + 1])
    return out


def line_panel(line: dict[str, Any], spans: list[tuple[float, float] | None]) -> int | None:
    """The index of the span that holds the middle of `line` (None when no span is known)."""
    mid = (float(line["start"]) + float(line["end"])) / 2
    best, best_d = None, float("inf")
    for i, span in enumerate(spans):
        if span is None:
            continue
        if span[0] <= mid < span[1]:
            return i
        d = min(abs(mid - span[0]), abs(mid - span[1]))
        if d < best_d:  # before the first or after the last span (rounding): the nearest
            best, best_d = i, d
    return best


def attach_lines(times: list[float | None], lines: list[dict[str, Any]], *,
                 spans: list[tuple[float, float] | None] | None = None,
                 duration: float | None = None) -> list[list[dict[str, Any]]]:
    """For each keyframe, the lines said in its moment: `{speaker, text, start, end}` items.

    The timeline is cut into one span per keyframe (`panel_spans`, with `spans` the keyframes'
    shots when known) and each line goes to the keyframe whose span holds its middle: a line is
    said once, never lost while any keyframe has a time."""
    out: list[list[dict[str, Any]]] = [[] for _ in times]
    cut = panel_spans(times, spans, duration)
    for line in lines:
        i = line_panel(line, cut)
        if i is not None:
            out[i].append({"speaker": line.get("speaker"), "text": line["text"],
                           "start": line["start"], "end": line["end"]})
    return out
