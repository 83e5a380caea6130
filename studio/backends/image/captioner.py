"""Image captioning with transformers image-text-to-text models (BLIP, Florence-2, SmolVLM,
Qwen-VL...), loaded once per process through the model manager.

transformers 5 has no `image-to-text` pipeline, so this drives `AutoModelForImageTextToText` +
`AutoProcessor` directly. Three prompt styles cover the catalogue:

- plain (BLIP, GIT): the image alone, or an optional text prefix the caption continues;
- florence (Florence-2): a task token such as `<CAPTION>` or `<DETAILED_CAPTION>`;
- chat (SmolVLM, Qwen-VL, Idefics, LLaVA...): the processor's chat template with the instruction.

The style comes from the catalogue entry, else from the model's config. Decoding is greedy (or
beam search), so captions are deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from studio.engine.errors import UserError
from studio.models import registry
from studio.models.manager import ResolvedModel

DEFAULT_INSTRUCTION = "Describe this image in one short sentence."

def _model_manager():
    """The process-wide model manager (looked up at call time, so tests may swap it)."""
    from studio.models.manager import manager

    return manager



def resolve_model(task: str, model: str | None) -> ResolvedModel:
    """The model to use for `task`: the one named, else the catalogue default, else any other
    catalogued model of that task already present locally. Never touches the network unless the
    user allowed downloads. Shared by the word backends (captions, speech, story)."""
    mgr = _model_manager()
    if model:
        return mgr.resolve(model, task=task)
    default = registry.default_for(task)
    if default is None:
        raise UserError(f"no model is catalogued for {task}; pass model: a hub id or a local folder")
    first = mgr.resolve(default.name, task=task)
    if first.available:
        return first
    for spec in registry.all_models(task):
        if spec.name == default.name:
            continue
        other = mgr.resolve(spec.name, task=task, allow_download=False)
        if other.available:
            return other
    return first


def model_label(resolved: ResolvedModel) -> str:
    """What the manifest calls the model: the hub id for catalogued/hub models, else the path."""
    if resolved.spec is not None:
        return resolved.spec.hub_id
    return resolved.id


@dataclass
class Captioner:
    model: Any
    processor: Any
    style: str  # plain | florence | chat
    device: str
    dtype: Any
    spec_settings: dict


def _style_for(resolved: ResolvedModel, config: Any) -> str:
    if resolved.spec is not None and resolved.spec.settings.get("style"):
        return str(resolved.spec.settings["style"])
    mtype = getattr(config, "model_type", "")
    if mtype == "florence2":
        return "florence"
    if mtype in ("blip", "git", "pix2struct", "kosmos-2"):
        return "plain"
    return "chat"


def load_captioner(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto") -> Captioner:
    """Load (once per process) the model and processor behind `resolved`."""
    from studio.models import choose_device, choose_dtype

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
        style = _style_for(resolved, model.config)
        tok = getattr(processor, "tokenizer", None)
        if style == "chat" and tok is not None:
            tok.padding_side = "left"  # decoder-only generation needs left padding in batches
        return Captioner(model, processor, style, dev, torch_dtype, dict(resolved.spec.settings) if resolved.spec else {})

    return _model_manager().load(("image-captioning", str(path), dev, str(torch_dtype)), loader)


_SPACES = re.compile(r"\s+")


def clean_caption(text: str) -> str:
    """Tidy a decoded caption: one line, no stray special tokens, a capital and a full stop."""
    text = re.sub(r"</?s>|<pad>|<\|[^|>]*\|>", " ", text)
    text = "".join(ch if ch.isprintable() and ch != "\ufffd" else " " for ch in text)
    text = _SPACES.sub(" ", text).strip(" \t\n\"'")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text += "."
    return text


def _prompts(cap: Captioner, n: int, instruction: str | None) -> tuple[list[str] | None, bool]:
    """Per-image text prompts, and whether the prompt tokens must be cut from the output."""
    if cap.style == "plain":
        # BLIP continues a prefix; an instruction is not a prefix, so it is not used here
        return None, False
    if cap.style == "florence":
        task = cap.spec_settings.get("task", "<CAPTION>")
        if instruction and instruction.strip().startswith("<") and instruction.strip().endswith(">"):
            task = instruction.strip()
        elif instruction:
            task = cap.spec_settings.get("detailed_task", "<DETAILED_CAPTION>")
        return [task] * n, False
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": instruction or DEFAULT_INSTRUCTION}]}]
    prompt = cap.processor.apply_chat_template(messages, add_generation_prompt=True)
    return [prompt] * n, True


def caption_images(
    cap: Captioner,
    images: list[Any],
    *,
    instruction: str | None = None,
    max_new_tokens: int = 40,
    min_new_tokens: int = 0,
    num_beams: int = 1,
    batch_size: int = 4,
    progress: Any = None,
) -> list[str]:
    """One caption per PIL image, in order (greedy or beam search: deterministic)."""
    import torch

    out: list[str] = []
    total = len(images)
    for start in range(0, total, max(1, batch_size)):
        batch = [im.convert("RGB") for im in images[start : start + batch_size]]
        prompts, cut_prompt = _prompts(cap, len(batch), instruction)
        if prompts is None:
            inputs = cap.processor(images=batch, return_tensors="pt")
        elif cap.style == "chat":
            inputs = cap.processor(text=prompts, images=[[im] for im in batch], return_tensors="pt", padding=True)
        else:
            inputs = cap.processor(text=prompts, images=batch, return_tensors="pt", padding=True)
        inputs = inputs.to(cap.device)
        if "pixel_values" in inputs and inputs["pixel_values"].is_floating_point():
            inputs["pixel_values"] = inputs["pixel_values"].to(cap.dtype)
        with torch.inference_mode():
            generated = cap.model.generate(
                **inputs, max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens,
                num_beams=num_beams, do_sample=False,
            )
        if cut_prompt and "input_ids" in inputs:
            generated = generated[:, inputs["input_ids"].shape[1] :]
        texts = cap.processor.batch_decode(generated, skip_special_tokens=True)
        out.extend(clean_caption(t) for t in texts)
        if progress is not None:
            progress(min(1.0, (start + len(batch)) / max(1, total)))
    return out
