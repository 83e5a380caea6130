"""Image captioning with transformers image-text-to-text models (BLIP, Florence-2, SmolVLM,
Qwen-VL...); the model is loaded once per process by `studio.models.loaders.transformers.load_captioner`.

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
from typing import Any

from studio.models.loaders.transformers import Captioner
from studio.models.manager import ResolvedModel

DEFAULT_INSTRUCTION = "Describe this image in one short sentence."


def model_label(resolved: ResolvedModel) -> str:
    """What the manifest calls the model: the hub id for catalogued/hub models, else the path."""
    if resolved.spec is not None:
        return resolved.spec.hub_id
    return resolved.id


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
