"""audio.transcribe: speech to timed lines with Whisper; skipped (never faked) without weights."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from studio.engine import (
    DataArtifact,
    InputError,
    Port,
    Step,
    StepParams,
    register_step,
)


class TranscribeParams(StepParams):
    backend: Literal["auto", "transformers", "skip"] = Field(
        "auto",
        description="auto: Whisper when its weights are here, else skip with a warning (recipes go on); "
        "transformers: Whisper or an error; skip: do not transcribe",
    )
    model: str | None = Field(
        None, max_length=500,
        description="whisper-tiny | whisper-base | whisper-small | whisper-medium | whisper-large-v3 | "
        "whisper-large-v3-turbo | distil-large-v3, a hub id or a local folder (default: whisper-small, "
        "or any catalogued Whisper present locally)",
    )
    language: str | None = Field(None, max_length=20, description="spoken language code (en, fr, ...); None: detect")
    task: Literal["transcribe", "translate"] = Field("transcribe", description="translate: English text from any language")
    chunk_length_s: float = Field(30.0, ge=5.0, le=30.0, description="window length for long audio, seconds")
    batch_size: int = Field(4, ge=1, le=64, description="windows per forward pass")
    max_new_tokens: int | None = Field(None, ge=1, le=444, description="cap on tokens per window (None: the model's limit)")
    device: str = Field("auto", max_length=20, description="auto, cpu, cuda, cuda:1, mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field("auto", description="weights dtype")


def _plan(params: TranscribeParams):
    from studio.backends.captioner import resolve_model
    from studio.models.manager import plan_backend

    requested = "skipped" if params.backend == "skip" else params.backend
    return plan_backend(requested, neural="transformers", fallback="skipped",
                        resolve=lambda: resolve_model("speech-recognition", params.model))


def _span(meta: dict) -> tuple[float, float] | None:
    """A keyframe's shot interval from its meta, when the keyframe step recorded one."""
    for a, b in (("shot_start", "shot_end"), ("start", "end")):
        if isinstance(meta.get(a), (int, float)) and isinstance(meta.get(b), (int, float)):
            return float(meta[a]), float(meta[b])
    span = meta.get("span") or meta.get("shot")
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(v, (int, float)) for v in span):
        return float(span[0]), float(span[1])
    return None


@register_step
class Transcribe(Step):
    name = "audio.transcribe"
    version = "1"
    description = "Speech to timed text (Whisper) from a video's soundtrack or an audio clip; lines attach to keyframes by time."
    inputs = {
        "video": Port("video", "a video whose soundtrack to transcribe", required=False),
        "audio": Port("audio", "an audio clip to transcribe", required=False),
        "images": Port("images", "keyframes (meta 'time'): each gets the lines spoken during its shot in meta 'speech'", required=False),
    }
    outputs = {
        "data": Port("data", "the lines: a list of {start, end, text} in seconds (empty when skipped)"),
        "images": Port("images", "the keyframes passed through with meta 'speech' (empty when none came in)"),
    }
    Params = TranscribeParams

    def cache_extra(self, params):
        backend, resolved = _plan(params)
        if backend == "skipped":
            return {"backend": "skipped"}
        return {"backend": backend, "model_path": str(resolved.path), "revision": resolved.revision}

    def run(self, ctx, inputs, params):
        video, audio, images = inputs.get("video"), inputs.get("audio"), inputs.get("images") or []
        if video is None and audio is None:
            raise InputError("audio.transcribe: give a video or an audio input")
        if video is not None and audio is not None:
            raise InputError("audio.transcribe: give a video or an audio input, not both")
        backend, resolved = _plan(params)
        lines: list[dict] = []
        if backend == "skipped":
            if resolved is None:  # asked for: nothing to announce
                ctx.report(backend="skipped", reason="backend: skip", lines=0)
            else:
                ctx.warn(f"audio.transcribe skipped: {resolved.hint()}; no dialogue lines were made (the recipe goes on)")
                ctx.report(backend="skipped", reason=resolved.hint(), lines=0)
        else:
            lines = self._transcribe(ctx, video, audio, params, resolved)
        out_images = self._attach(images, lines)
        return {"data": DataArtifact(lines, name="speech"), "images": out_images}

    def _transcribe(self, ctx, video, audio, params, resolved):
        from studio.backends.captioner import model_label
        from studio.backends.transcribe import (
            SAMPLE_RATE,
            NoAudioError,
            audio_from_video,
            load_whisper,
            to_mono_16k,
            transcribe,
        )

        ctx.progress(0.0, "reading audio")
        try:
            samples = audio_from_video(video.path) if video is not None else to_mono_16k(audio.samples, audio.sample_rate)
        except NoAudioError as exc:
            ctx.warn(f"audio.transcribe skipped: {exc}; no dialogue lines were made")
            ctx.report(backend="skipped", reason=str(exc), lines=0)
            return []
        seconds = samples.shape[0] / SAMPLE_RATE
        ctx.progress(0.1, "loading Whisper")
        asr = load_whisper(resolved, device=params.device, dtype=params.dtype)
        ctx.progress(0.2, f"transcribing {seconds:.1f} s")
        lines = transcribe(
            asr, samples, language=params.language, task=params.task, chunk_length_s=params.chunk_length_s,
            batch_size=params.batch_size, max_new_tokens=params.max_new_tokens,
        )
        ctx.report(backend="transformers", model=model_label(resolved), licence=resolved.licence,
                   lines=len(lines), audio_seconds=round(seconds, 3), language=params.language or "auto")
        return lines

    @staticmethod
    def _attach(images, lines):
        from studio.backends.transcribe import attach_lines

        if not images:
            return []
        times = [a.meta.get("time") if isinstance(a.meta.get("time"), (int, float)) else None for a in images]
        spans = [_span(a.meta) for a in images]
        per = attach_lines(times, lines, spans=spans if any(spans) else None)
        return [a.with_meta({**a.meta, "speech": said}) for a, said in zip(images, per)]
