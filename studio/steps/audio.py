"""Audio steps for game-ready music: `audio.loop` (bar-exact seamless loops), `audio.export`
(WAV / OGG with loop tags / FLAC / MP3, loudness-normalised, sidecar JSON, stems) and
`audio.preview` (a waveform PNG with bars, sections and loop points)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from studio.engine import Port, Step, StepParams, register_step
from studio.engine.artifacts import AudioArtifact, DataArtifact, FileArtifact, ImageArtifact
from studio.engine.errors import InputError, UserError


def _data(inputs) -> dict:
    art = inputs.get("data")
    return dict(art.data) if art is not None and isinstance(art.data, dict) else {}


def _check_stems(audio: AudioArtifact, stems: list[AudioArtifact], where: str) -> None:
    for s in stems:
        if s.sample_rate != audio.sample_rate or s.samples.shape[0] != audio.samples.shape[0]:
            raise InputError(f"{where}: stem {s.name!r} ({s.describe()}) does not match the mix ({audio.describe()})")


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
        from studio.backends.music.loops import make_loop

        audio: AudioArtifact = inputs["audio"]
        stems: list[AudioArtifact] = inputs.get("stems") or []
        _check_stems(audio, stems, "audio.loop")
        data = _data(inputs)
        out, out_stems, info = make_loop(audio.samples, audio.sample_rate, data, stems=[s.samples for s in stems],
                                         bars=params.bars, crossfade=params.crossfade, keep_intro=params.keep_intro,
                                         beats_per_bar=params.beats_per_bar)
        merged = {**data, **info, "duration": round(out.shape[0] / audio.sample_rate, 6), "sample_rate": audio.sample_rate}
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

        from studio.backends.music.export import export_audio

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
        from studio.backends.music.preview import render_preview

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
