"""Loading transformers models through the model manager: one copy per process.

    from studio.models import manager
    from studio.models.loaders.transformers import load_captioner, load_whisper
    cap = load_captioner(manager.resolve("blip-base", task="image-captioning").require())
    asr = load_whisper(manager.resolve("whisper-tiny", task="speech-recognition").require())

Each loader reads a local transformers folder (config.json), picks device and dtype, and keeps the
loaded model under a key of (task, path, device, dtype). transformers is imported only inside the
loaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.engine.errors import UserError
from studio.models.manager import ModelManager, ResolvedModel, choose_device, choose_dtype, manager


def _model_manager(mgr: ModelManager | None = None) -> ModelManager:
    """`mgr`, else the process-wide model manager (looked up at call time, so tests may swap it)."""
    if mgr is not None:
        return mgr

    return manager


# -- image captioning (image-text-to-text) -------------------------------------------------------

@dataclass
class Captioner:
    """A loaded captioning model, its processor and the prompt style it needs."""

    model: Any
    processor: Any
    style: str  # plain | florence | chat
    device: str
    dtype: Any
    spec_settings: dict


def caption_style(resolved: ResolvedModel, config: Any) -> str:
    """plain (BLIP, GIT), florence (Florence-2) or chat (SmolVLM, Qwen-VL...): from the catalogue
    entry, else from the model's config."""
    if resolved.spec is not None and resolved.spec.settings.get("style"):
        return str(resolved.spec.settings["style"])
    mtype = getattr(config, "model_type", "")
    if mtype == "florence2":
        return "florence"
    if mtype in ("blip", "git", "pix2struct", "kosmos-2"):
        return "plain"
    return "chat"


def load_captioner(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto",
                   mgr: ModelManager | None = None) -> Captioner:
    """Load (once per process) the model and processor behind `resolved`."""
    path = resolved.transformers_folder("a captioning model")
    dev = choose_device(device)
    torch_dtype = choose_dtype(dev, dtype)

    def loader() -> Captioner:
        from transformers import AutoModelForImageTextToText, AutoProcessor

        try:
            model = AutoModelForImageTextToText.from_pretrained(str(path), dtype=torch_dtype)
        except ValueError as exc:
            raise UserError(
                f"{resolved.id}: not an image-text-to-text model that transformers can load natively ({exc}); "
                "use a captioner from `studio models` (task image-captioning)"
            ) from None
        processor = AutoProcessor.from_pretrained(str(path))
        model.to(dev).eval()  # type: ignore[arg-type]
        style = caption_style(resolved, model.config)
        tok = getattr(processor, "tokenizer", None)
        if style == "chat" and tok is not None:
            tok.padding_side = "left"  # decoder-only generation needs left padding in batches
        return Captioner(model, processor, style, dev, torch_dtype, dict(resolved.spec.settings) if resolved.spec else {})

    return _model_manager(mgr).load(("image-captioning", str(path), dev, str(torch_dtype)), loader)


# -- speech recognition (Whisper) ----------------------------------------------------------------

def load_whisper(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto",
                 mgr: ModelManager | None = None) -> Any:
    """An ASR pipeline for `resolved`, loaded once per process."""
    path = resolved.transformers_folder("a speech model")
    dev = choose_device(device)
    torch_dtype = choose_dtype(dev, dtype)

    def loader() -> Any:
        from transformers import AutoModelForSpeechSeq2Seq, AutoProcessor, pipeline

        try:
            model = AutoModelForSpeechSeq2Seq.from_pretrained(str(path), dtype=torch_dtype)
        except ValueError as exc:
            raise UserError(f"{resolved.id}: not a speech-to-text model transformers can load ({exc})") from None
        processor = AutoProcessor.from_pretrained(str(path))
        tok = processor.tokenizer
        if tok.pad_token_id is None:  # batching needs one; Whisper pads with end-of-text
            tok.pad_token = tok.eos_token
        model.to(dev).eval()
        return pipeline(
            "automatic-speech-recognition", model=model, tokenizer=processor.tokenizer,
            feature_extractor=processor.feature_extractor, device=dev, dtype=torch_dtype,
        )

    return _model_manager(mgr).load(("speech-recognition", str(path), dev, str(torch_dtype)), loader)
