"""Loading audio models through the model manager: one copy per process.

    from studio.models.loaders.audio import load_musicgen, load_text_to_audio, load_audiocraft
    model, processor, family = load_musicgen(path)     # MusicGen / MusicGen-Melody (transformers)
    pipe = load_text_to_audio(resolved)                # AudioLDM2 / Stable Audio Open (diffusers)
    model = load_audiocraft("facebook/musicgen-small")  # audiocraft's MusicGen, where it imports

transformers, diffusers and audiocraft are imported only inside the loaders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.engine.errors import InputError, UserError
from studio.models.manager import ModelManager, ResolvedModel, choose_device, choose_dtype, manager


def _model_manager(mgr: ModelManager | None = None) -> ModelManager:
    """`mgr`, else the process-wide model manager (looked up at call time, so tests may swap it)."""
    if mgr is not None:
        return mgr

    return manager


# -- MusicGen through transformers ---------------------------------------------------------------

def musicgen_family(path: Path) -> str:
    """'musicgen' or 'musicgen_melody', from the checkpoint's config.json."""
    cfg = Path(path) / "config.json"
    if not cfg.is_file():
        raise UserError(f"{path}: no config.json; a MusicGen model folder is a transformers checkpoint (save_pretrained)")
    data = json.loads(cfg.read_text())
    mt = data.get("model_type", "")
    if mt not in ("musicgen", "musicgen_melody"):
        raise UserError(f"{path}: model_type {mt!r} is not a MusicGen model (musicgen or musicgen_melody)")
    return mt


def load_musicgen(path: Path, *, device: str = "auto", dtype: str = "auto",
                  mgr: ModelManager | None = None) -> tuple[Any, Any, str]:
    """(model, processor, family), loaded once per process (model manager)."""
    family = musicgen_family(path)
    dev = choose_device(device)
    dt = choose_dtype(dev, dtype)

    def loader():
        from transformers import (
            AutoProcessor,
            AutoTokenizer,
            MusicgenForConditionalGeneration,
            MusicgenMelodyForConditionalGeneration,
        )

        if family == "musicgen_melody":
            model = MusicgenMelodyForConditionalGeneration.from_pretrained(str(path), dtype=dt)
            # the melody processor's chroma extractor needs torchaudio; chroma is computed by the
            # backend with numpy (musicgen.melody_chroma) and only the tokenizer is loaded
            processor = AutoTokenizer.from_pretrained(str(path))
        else:
            model = MusicgenForConditionalGeneration.from_pretrained(str(path), dtype=dt)
            processor = AutoProcessor.from_pretrained(str(path))
        model.to(dev)
        model.eval()
        return model, processor

    model, processor = _model_manager(mgr).load(("musicgen", str(path), family, dev, str(dt)), loader)
    return model, processor, family


# -- text-to-audio diffusers pipelines (sound effects) -------------------------------------------

def load_text_to_audio(resolved: ResolvedModel, *, mgr: ModelManager | None = None) -> Any:
    """A diffusers AudioLDM2 / Stable Audio pipeline, loaded once per process by the manager."""
    resolved.require()
    device = choose_device("auto")
    dtype = choose_dtype(device)
    path = resolved.path
    assert path is not None

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

    return _model_manager(mgr).load(("diffusers-audio", str(path), resolved.revision or "", device, str(dtype)), loader)


# -- audiocraft (only where it imports) ----------------------------------------------------------

def load_audiocraft(model_name: str, *, device: str = "auto", mgr: ModelManager | None = None) -> Any:
    """audiocraft's MusicGen for `model_name`, loaded once per process (the caller checks first
    that audiocraft imports)."""
    from audiocraft.models import MusicGen

    dev = choose_device(device)
    return _model_manager(mgr).load(("audiocraft", model_name, dev), lambda: MusicGen.get_pretrained(model_name, device=dev))
