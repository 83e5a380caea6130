"""Music steps: `music.generate` (MusicGen through transformers, audiocraft when it imports, or the
embedded procedural composer rendered through a General MIDI SoundFont)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from studio.engine import Port, Step, StepParams, register_step
from studio.engine.artifacts import AudioArtifact, DataArtifact, FileArtifact, hash_file
from studio.engine.errors import InputError, ModelNotAvailableError, UserError
from studio.export.midi import write_midi
from studio.models import manager
from studio.models.loaders.audio import load_musicgen

MODES = Literal["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "harmonic_minor"]
DEFAULT_MODEL = "musicgen-small"
MELODY_MODEL = "musicgen-melody"


class GenerateParams(StepParams):
    prompt: str = Field(min_length=1, max_length=2000, description="what the music is for: mood, genre, tempo, instruments ('tense chase through a neon city')")
    duration: float = Field(30.0, ge=1.0, le=600.0, description="length in seconds (1..600)")
    bpm: float | None = Field(None, ge=30, le=260, description="tempo override in beats per minute (procedural: exact; MusicGen: added to the prompt)")
    key: str | None = Field(None, max_length=24, description="key override: a note (C, F#, Bb), optionally with major/minor ('D minor')")
    mode: MODES | None = Field(None, description="mode override (procedural)")
    instruments: list[str] | None = Field(None, max_length=12, description="instrument names (piano, strings, synth bass, drums...; procedural: exactly these tracks)")
    backend: Literal["auto", "musicgen", "audiocraft", "procedural"] = Field("auto", description="auto: MusicGen if its weights are local, else the procedural composer")
    model: str = Field(DEFAULT_MODEL, description="MusicGen model: a short name (musicgen-small, -medium, -large, -stereo-*, -melody), a hub id or a local folder")
    melody: str | None = Field(None, description="reference audio whose melody a MusicGen melody model follows")
    guidance: float = Field(3.0, ge=0.0, le=20.0, description="classifier-free guidance scale (MusicGen)")
    temperature: float = Field(1.0, gt=0.0, le=5.0, description="sampling temperature (MusicGen)")
    top_k: int = Field(250, ge=0, le=4096, description="top-k sampling (MusicGen)")
    window: float = Field(30.0, ge=0.1, le=30.0, description="MusicGen window in seconds; longer pieces continue window by window")
    extend_stride: float = Field(18.0, gt=0.0, le=30.0, description="seconds of new audio per continuation (the rest of the window is the audio prompt)")
    loopable: bool = Field(False, description="procedural: compose a seamless loop (A/B sections, tails folded onto the start) instead of intro/outro")
    soundfont: str | None = Field(None, description="a .sf2/.sf3 General MIDI SoundFont to render with (default: TimGM6mb bundled with pretty_midi)")
    sample_rate: int | None = Field(None, ge=8000, le=192000, description="output sample rate (default: 44100 procedural, the model's own for MusicGen)")
    device: str = Field("auto", description="auto, cpu, cuda, cuda:1, mps (MusicGen)")


@register_step
class MusicGenerate(Step):
    name = "music.generate"
    version = "1"
    description = "Music from a prompt: MusicGen (transformers), audiocraft, or a procedural composer rendered through a GM SoundFont."
    outputs = {
        "audio": Port("audio", "the mix"),
        "stems": Port("audios", "one audio per instrument track plus the reverb return (procedural; empty for MusicGen)"),
        "midi": Port("file", "the MIDI file (procedural; none for MusicGen)"),
        "data": Port("data", "bpm, key, meter, bars, sections, instruments, backend, model, licence..."),
    }
    Params = GenerateParams
    uses_seed = True

    def _model_name(self, params: GenerateParams) -> str:
        if params.melody and params.model == DEFAULT_MODEL:
            return MELODY_MODEL
        return params.model

    def cache_extra(self, params: GenerateParams) -> dict:
        extra: dict = {}
        if params.backend in ("auto", "musicgen"):

            try:
                r = manager.resolve(self._model_name(params), task="text-to-music")
                extra["model"] = [r.source, str(r.path) if r.path else None, r.revision]
            except UserError as exc:
                extra["model"] = ["error", str(exc)]
        if params.backend == "audiocraft":
            from studio.backends.audio.music.audiocraft_backend import available

            extra["audiocraft"] = available()[0]
        for key in ("melody", "soundfont"):
            p = getattr(params, key)
            if p and Path(p).expanduser().is_file():
                extra[key] = hash_file(Path(p).expanduser())
        return extra

    def run(self, ctx, inputs, params: GenerateParams):
        from studio.backends.audio.music.style import parse_key, resolve_instruments

        # 1. check inputs before anything expensive
        if params.instruments:
            resolve_instruments(params.instruments)
        if params.key:
            parse_key(params.key)
        melody = None
        if params.melody:
            melody = AudioArtifact.from_path(Path(params.melody).expanduser())
            if melody.duration < 0.5:
                raise InputError(f"melody {params.melody}: {melody.duration:.2f}s of audio is too short to carry a melody")
        if params.soundfont and not Path(params.soundfont).expanduser().is_file():
            raise InputError(f"soundfont {params.soundfont}: no such file")

        # 2. choose the backend
        backend = params.backend
        resolved = None
        if backend == "audiocraft":
            from studio.backends.audio.music.audiocraft_backend import HINT, available

            ok, why = available()
            if not ok:
                raise ModelNotAvailableError(f"{HINT} ({why})")
        if backend in ("auto", "musicgen"):

            resolved = manager.resolve(self._model_name(params), task="text-to-music")
            if resolved.available:
                backend = "musicgen"
            elif backend == "musicgen":
                raise ModelNotAvailableError(resolved.hint())
            else:
                ctx.warn(f"{resolved.hint()}; using the procedural composer instead")
                backend = "procedural"
        if backend == "procedural":
            if melody is not None:
                ctx.warn("the melody reference is only used by MusicGen melody models; the procedural composer ignored it")
            return self._procedural(ctx, params)
        return self._neural(ctx, params, backend, resolved, melody)

    # -- procedural ---------------------------------------------------------------------------
    def _procedural(self, ctx, params: GenerateParams):
        from studio.backends.audio.music.composer import compose, to_pretty_midi
        from studio.backends.audio.music.style import infer_style
        from studio.backends.audio.music.synth import FALLBACK_NOTE, render, renderer

        style = infer_style(params.prompt, rng=ctx.rng("style"), bpm=params.bpm, key=params.key, mode=params.mode,
                            instruments=params.instruments)
        comp = compose(style, params.duration, rng=ctx.rng("compose"), loopable=params.loopable,
                       bpm_fixed=params.bpm is not None)
        if params.loopable and abs(comp.duration - params.duration) > 1e-6:
            fix = ("leave bpm unset to let the tempo adjust to the duration" if params.bpm is not None
                   else "the tempo may move only 8 % to fit; ask for a duration of whole bars")
            ctx.warn(f"a loop of whole bars at {comp.bpm:g} bpm lasts {comp.duration:.3f}s, not {params.duration:g}s "
                     f"({comp.bars} bars); {fix}")
        pm = to_pretty_midi(comp, humanize_rng=ctx.rng("humanize"))
        sr = params.sample_rate or 44100
        if renderer() != "tinysoundfont":
            ctx.warn(FALLBACK_NOTE)
        ctx.progress(0.05, f"{style.key_name}, {comp.bpm:.1f} bpm, {comp.bars} bars")
        rendered = render(comp, pm, sample_rate=sr, soundfont=params.soundfont,
                          progress=lambda f, m: ctx.progress(0.05 + 0.9 * f, m))
        midi_path = write_midi(pm, ctx.scratch("music.mid"))
        sf_name = rendered.soundfont.name
        licence = ("procedural composition (no model); sounds from TimGM6mb.sf2 (GPL-2.0)" if not params.soundfont
                   else f"procedural composition (no model); sounds from {sf_name} (see that SoundFont's licence)")
        n = rendered.mix.shape[0]
        data = {
            "prompt": params.prompt,
            "backend": "procedural",
            "model": None,
            "licence": licence,
            "seed": ctx.seed,
            "duration": round(n / sr, 6),
            "sample_rate": sr,
            "channels": 2,
            **comp.describe(),
            "loopable": params.loopable,
            "loop_ready": params.loopable,
            "loop_start": 0 if params.loopable else None,
            "loop_length": n if params.loopable else None,
            "soundfont": sf_name,
            "stems": list(rendered.stems),
            "mix": "stems sum to the mix (one render per track, reverb as its own stem)",
            "render": rendered.info,
        }
        ctx.report(backend="procedural", model=None, licence=licence, key=data["key"], bpm=data["bpm"],
                   bars=comp.bars, genre=data["genre"], soundfont=sf_name)
        stems = [AudioArtifact(x, sr, name=name) for name, x in rendered.stems.items()]
        ctx.progress(1.0, "done")
        return {
            "audio": AudioArtifact(rendered.mix, sr, name="music"),
            "stems": stems,
            "midi": FileArtifact(midi_path),
            "data": DataArtifact(data),
        }

    # -- MusicGen / audiocraft -----------------------------------------------------------------
    def _neural_prompt(self, params: GenerateParams) -> str:
        text = params.prompt.strip()
        extra = []
        if params.instruments:
            extra.append("featuring " + ", ".join(params.instruments))
        if params.key:
            extra.append(f"in {params.key}")
        if params.bpm:
            extra.append(f"{params.bpm:g} bpm")
        return ", ".join([text, *extra])

    def _neural(self, ctx, params: GenerateParams, backend: str, resolved, melody):
        import numpy as np

        from studio.backends.audio.music.analysis import estimate_tempo

        text = self._neural_prompt(params)
        mel = None
        if melody is not None:
            mel = melody.samples.mean(axis=1) if melody.samples.ndim == 2 else melody.samples
        if backend == "audiocraft":
            from studio.backends.audio.music.audiocraft_backend import generate as ac_generate

            name = self._model_name(params)
            spec_hub = resolved.spec.hub_id if resolved is not None and resolved.spec else None
            audio, sr = ac_generate(spec_hub or name, text, params.duration, seed=ctx.seed, guidance=params.guidance,
                                    temperature=params.temperature, top_k=params.top_k, extend_stride=params.extend_stride,
                                    melody=mel, melody_rate=melody.sample_rate if melody is not None else None, device=params.device)
            model_id, licence, info = name, "CC-BY-NC-4.0", {}
        else:
            from studio.backends.audio.music import musicgen

            model, processor, family = load_musicgen(resolved.path, device=params.device)
            if mel is not None and family != "musicgen_melody":
                ctx.warn(f"model {resolved.id!r} is not a melody model; the melody reference was not used (use model=musicgen-melody)")
                mel = None
            req = musicgen.Request(
                prompt=text, duration=params.duration, seed=ctx.seed, guidance=params.guidance,
                temperature=params.temperature, top_k=params.top_k, window=params.window,
                extend_stride=min(params.extend_stride, params.window * 0.9), melody=mel,
                melody_rate=melody.sample_rate if melody is not None else None,
            )
            result = musicgen.generate(model, processor, family, req, progress=ctx.progress)
            audio, sr, info = result.audio, result.sample_rate, result.info
            model_id = resolved.id
            licence = resolved.licence or "unknown: check the model card (released MusicGen weights are CC-BY-NC-4.0)"
        if params.sample_rate and params.sample_rate != sr:
            from math import gcd

            from scipy.signal import resample_poly

            g = gcd(int(sr), int(params.sample_rate))
            audio = resample_poly(audio, params.sample_rate // g, sr // g, axis=0).astype(np.float32)
            audio = audio[: int(round(params.duration * params.sample_rate))]
            sr = params.sample_rate
        audio = np.clip(audio, -1.0, 1.0).astype(np.float32)
        tempo = estimate_tempo(audio, sr) if audio.shape[0] >= sr else None
        data = {
            "prompt": params.prompt,
            "text_prompt": text,
            "backend": backend,
            "model": model_id,
            "licence": licence,
            "seed": ctx.seed,
            "duration": round(audio.shape[0] / sr, 6),
            "sample_rate": sr,
            "channels": 1 if audio.ndim == 1 else int(audio.shape[1]),
            "bpm": round(params.bpm, 3) if params.bpm else (round(tempo.bpm, 2) if tempo and tempo.bpm else None),
            "bpm_source": "requested in the prompt" if params.bpm else "estimated from the audio (onset autocorrelation)",
            "bpm_hint": params.bpm,
            "key": params.key,
            "meter": "4/4",
            "beats_per_bar": 4,
            "bars": None,
            "sections": [],
            "instruments": params.instruments or [],
            "loopable": False,
            "loop_ready": False,
            "generation": {"guidance": params.guidance, "temperature": params.temperature, "top_k": params.top_k, **info},
        }
        ctx.report(backend=backend, model=model_id, licence=licence, **{k: v for k, v in info.items() if k in ("windows", "joins")})
        return {"audio": AudioArtifact(audio, sr, name="music"), "stems": [], "midi": None, "data": DataArtifact(data)}
