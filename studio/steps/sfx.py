"""Sound-effect steps: `sfx.generate`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from studio.engine import (
    AudioArtifact,
    DataArtifact,
    FileArtifact,
    InputError,
    Port,
    Step,
    StepParams,
    register_step,
)
from studio.engine.errors import ModelNotAvailableError

SfxKind = Literal["auto", "coin", "jump", "laser", "explosion", "hit", "powerup", "blip", "confirm", "error", "footstep", "whoosh", "magic", "death"]


class SfxParams(StepParams):
    prompt: str = Field(min_length=1, max_length=500, description="what the sound is, e.g. 'coin pickup', 'big explosion', 'short laser shot'")
    kind: SfxKind = Field("auto", description="synth preset; auto: from the prompt's words (blip when none match)")
    count: int = Field(1, ge=1, le=32, description="variations to make (each with its own seed)")
    duration: float | None = Field(None, ge=0.02, le=30.0, description="length in seconds (None: the preset's natural length)")
    backend: Literal["auto", "synth", "neural"] = Field("auto", description="auto: a text-to-audio model when its weights are local, else the synthesiser")
    model: str | None = Field(None, description="text-to-audio model: audioldm2, audioldm2-large, stable-audio-open, a hub id or a local folder")
    steps: int | None = Field(None, ge=1, le=500, description="denoising steps for the neural backend (None: the model's default)")
    formats: list[Literal["wav", "ogg"]] = Field(default_factory=lambda: ["wav", "ogg"], description="files to write")


def resolve_sfx_model(model: str | None) -> Any:
    from studio.models import manager, registry

    spec = registry.default_for("text-to-audio")
    name = model or (spec.name if spec else "audioldm2")
    return manager.resolve(name, task="text-to-audio")


def load_audio_pipeline(resolved: Any) -> Any:
    """A diffusers AudioLDM2 / Stable Audio pipeline, loaded once per process by the manager."""
    from studio.models import manager
    from studio.models.manager import choose_device, choose_dtype

    resolved.require()
    device = choose_device("auto")
    dtype = choose_dtype(device)
    path = resolved.path

    def loader() -> Any:
        from diffusers import DiffusionPipeline

        if path.is_file():
            raise InputError(f"{path}: a text-to-audio model must be a diffusers folder (with model_index.json), not a single file")
        if not (path / "model_index.json").is_file():
            raise InputError(f"{path}: not a diffusers pipeline folder (no model_index.json)")
        pipe = DiffusionPipeline.from_pretrained(str(path), torch_dtype=dtype, local_files_only=True, use_safetensors=True)
        pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    return manager.load(("diffusers-audio", str(path), resolved.revision or "", device, str(dtype)), loader)


class SoundMaker:
    """Chooses the backend once, then makes sounds: (samples, rate, info)."""

    def __init__(self, ctx: Any, backend: str, model: str | None, steps: int | None):
        self.backend = "synth"
        self.pipe = None
        self.model_label: str | None = None
        self.licence: str | None = None
        self.steps = steps
        if backend == "synth":
            return
        resolved = resolve_sfx_model(model)
        if not resolved.available:
            if backend == "neural":
                raise ModelNotAvailableError(resolved.hint())
            ctx.warn(f"{resolved.hint()}; using the embedded sfxr-style synthesiser instead")
            return
        self.pipe = load_audio_pipeline(resolved)
        self.backend = "neural"
        self.model_label = resolved.describe() if hasattr(resolved, "describe") else str(resolved.path)
        self.licence = resolved.licence

    def __call__(self, description: str, kind: str | None, seed: int, duration: float | None) -> tuple[Any, int, dict[str, Any]]:
        from studio.backends import sfx as sfxmod

        if self.pipe is None:
            samples, info = sfxmod.generate_sfx(description, kind=kind, seed=seed, duration=duration)
            return samples, sfxmod.SAMPLE_RATE, info
        k = kind or sfxmod.kind_for(description) or "blip"
        seconds = duration or sfxmod.duration_guess(k)
        prompt = f"{description}, video game sound effect, isolated, clean"
        audio, rate = sfxmod.neural_sfx(self.pipe, prompt, seconds=seconds + 0.3, seed=seed, steps=self.steps)
        return sfxmod.trim_and_normalise(audio, rate), rate, {"kind": k, "prompt": prompt}


def exporter(formats: list[str] | tuple[str, ...]) -> Any:
    """export(samples, rate, out_dir, stem) through the soundtrack exporter (peak-normalised
    sound effects: no loudness target)."""
    fmts = tuple(dict.fromkeys(formats)) or ("wav",)

    def export(samples: Any, rate: int, out_dir: Any, stem: str) -> dict[str, Any]:
        from studio.backends.music.export import export_audio

        return export_audio(samples, rate, out_dir, stem, formats=fmts, target_lufs=None)

    return export


def sfx_cache_extra(backend: str, model: str | None) -> dict[str, Any]:
    if backend == "synth":
        return {"backend": "synth"}
    resolved = resolve_sfx_model(model)
    return {"backend": "neural" if resolved.available else "synth", "model": str(resolved.path) if resolved.available else None, "revision": resolved.revision}


@register_step
class GenerateSfx(Step):
    name = "sfx.generate"
    version = "1"
    description = "Sound effects from a description: sfxr-style synthesiser (embedded) or AudioLDM2 / Stable Audio Open."
    outputs = {
        "audios": Port("audios", "the sounds (float32)"),
        "files": Port("files", "the exported WAV/OGG files"),
        "data": Port("data", "kind, duration, peak and synth parameters of each sound"),
    }
    Params = SfxParams
    uses_seed = True

    def cache_extra(self, params: SfxParams) -> dict[str, Any]:
        return sfx_cache_extra(params.backend, params.model)

    def run(self, ctx, inputs, params: SfxParams):
        from studio.backends import sfx as sfxmod
        from studio.engine.seeds import derive_seed

        if not params.prompt.strip():
            raise InputError("sfx.generate: prompt is empty; describe the sound, e.g. 'coin pickup'")
        maker = SoundMaker(ctx, params.backend, params.model, params.steps)
        export = exporter(params.formats)
        kind = None if params.kind == "auto" else params.kind
        audios, files, rows = [], [], []
        stem0 = sfxmod.kind_for(params.prompt) or "sfx"
        for i in range(params.count):
            seed = ctx.seed if params.count == 1 else derive_seed(ctx.seed, f"sfx#{i + 1}")
            samples, rate, info = maker(params.prompt, kind, seed, params.duration)
            stem = stem0 if params.count == 1 else f"{stem0}_{i + 1}"
            folder = ctx.scratch("x").parent
            written = export(samples, rate, folder, stem)
            for fmt in sorted(written):
                files.append(FileArtifact(written[fmt], name=stem, meta={"format": fmt}))
            st = sfxmod.stats(samples, rate)
            row = {"name": stem, "kind": info.get("kind"), "seed": seed, "duration": round(st["duration"], 4),
                   "peak_dbfs": round(sfxmod.db(st["peak"]), 2), "sample_rate": rate}
            if "params" in info:
                row["params"] = info["params"]
            rows.append(row)
            audios.append(AudioArtifact(samples, rate, name=stem, meta={"kind": info.get("kind")}))
            ctx.progress((i + 1) / params.count, stem)
        if maker.backend == "synth":
            ctx.report(backend="sfxr-synth", licence="generated (no model licence)", count=len(audios))
        else:
            ctx.report(backend="diffusers", model=maker.model_label, licence=maker.licence, count=len(audios))
        return {"audios": audios, "files": files, "data": DataArtifact({"sounds": rows})}
