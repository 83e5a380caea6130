"""image.caption: one caption per image, from a vision-language model or an honest fallback."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from studio.engine import (
    InputError,
    Port,
    Step,
    StepParams,
    TextArtifact,
    register_step,
)

DESCRIBE_VERSION = "1"  # bump when the fallback describer's output changes


class CaptionParams(StepParams):
    backend: Literal["auto", "transformers", "describe"] = Field(
        "auto",
        description="auto: a captioning model when its weights are here, else the fallback; "
        "transformers: a model or an error; describe: no model (subtitles, else a measured description)",
    )
    model: str | None = Field(
        None, max_length=500,
        description="captioner: a catalogue name (blip-large, florence-2-base, smolvlm-256m, qwen2-vl-2b...), "
        "a hub id or a local folder; default: blip-large, or any catalogued captioner present locally",
    )
    instruction: str | None = Field(
        None, max_length=1000,
        description="what to say, for instruction-following models (e.g. 'Describe the action in one sentence.'); "
        "Florence-2 uses a detailed caption when set; BLIP ignores it",
    )
    max_new_tokens: int = Field(40, ge=1, le=512, description="longest caption in tokens")
    min_new_tokens: int = Field(0, ge=0, le=256, description="shortest caption in tokens")
    num_beams: int | None = Field(None, ge=1, le=8, description="beam search width (default: the catalogue's advice, else 1)")
    batch_size: int = Field(4, ge=1, le=64, description="images per forward pass")
    device: str = Field("auto", max_length=20, description="auto, cpu, cuda, cuda:1, mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field("auto", description="weights dtype (auto: bf16/fp16 on GPU, fp32 on CPU)")
    use_subtitles: bool = Field(True, description="fallback only: a keyframe's subtitles become its caption")
    detect_faces: bool = Field(True, description="fallback only: count frontal faces with OpenCV's Haar cascades")


def _plan(params: CaptionParams):
    """(backend, resolved model or None) for these params, without loading anything."""
    from studio.backends.captioner import resolve_model
    from studio.models.manager import plan_backend

    return plan_backend(params.backend, neural="transformers", fallback="describe",
                        resolve=lambda: resolve_model("image-captioning", params.model))


@register_step
class CaptionImages(Step):
    name = "image.caption"
    version = "1"
    description = "Caption images (keyframes) with a vision-language model; without weights, use subtitles or a measured description."
    inputs = {"images": Port("images", "images to caption (keyframes may carry subtitles, faces and time in their meta)")}
    outputs = {
        "texts": Port("texts", "one caption per image, in order (meta: source, time, index)"),
        "images": Port("images", "the same images with meta 'caption' added"),
    }
    Params = CaptionParams

    def cache_extra(self, params):
        backend, resolved = _plan(params)
        if backend == "describe":
            return {"backend": "describe", "describe_version": DESCRIBE_VERSION}
        return {"backend": backend, "model_path": str(resolved.path), "revision": resolved.revision}

    def run(self, ctx, inputs, params):
        images = inputs.get("images") or []
        if not images:
            raise InputError("image.caption: no images to caption; connect a list of images (e.g. $keyframes.images)")
        backend, resolved = _plan(params)
        if backend == "transformers":
            captions, sources = self._model(ctx, images, params, resolved)
        else:
            if resolved is not None:
                ctx.warn(
                    f"image.caption: {resolved.hint()}. Falling back to subtitles where the images have them, "
                    "else a short measured description (faces, colours, light); no content is guessed"
                )
            captions, sources, extra = self._fallback(ctx, images, params)
        texts, out_images = [], []
        for i, (img, caption, source) in enumerate(zip(images, captions, sources)):
            meta = {"source": source, "index": i, "time": img.meta.get("time")}
            if img.name:
                meta["image"] = img.name
            if backend != "transformers" and extra[i]:
                meta.update(extra[i])
            name = img.name or f"caption_{i:03d}"
            texts.append(TextArtifact(caption, meta=meta, name=name))
            out_images.append(img.with_meta({**img.meta, "caption": caption, "caption_source": source}))
        counts = {s: sources.count(s) for s in ("model", "subtitles", "describe") if sources.count(s)}
        if backend == "transformers":
            from studio.backends.captioner import model_label

            ctx.report(backend="transformers", model=model_label(resolved), licence=resolved.licence, count=len(texts), sources=counts)
        else:
            label = "+".join(s for s in ("subtitles", "describe") if s in counts)
            ctx.report(backend=label or "describe", model=None, count=len(texts), sources=counts, fallback=True)
        return {"texts": texts, "images": out_images}

    # -- backends --------------------------------------------------------------------------
    def _model(self, ctx, images, params, resolved):
        from studio.backends.captioner import caption_images, load_captioner

        ctx.progress(0.0, "loading captioner")
        cap = load_captioner(resolved, device=params.device, dtype=params.dtype)
        beams = params.num_beams or int(cap.spec_settings.get("num_beams", 1))
        ctx.progress(0.05, "captioning")
        captions = caption_images(
            cap, [a.image for a in images], instruction=params.instruction,
            max_new_tokens=params.max_new_tokens, min_new_tokens=min(params.min_new_tokens, params.max_new_tokens),
            num_beams=beams, batch_size=params.batch_size,
            progress=lambda f: ctx.progress(0.05 + 0.95 * f, "captioning"),
        )
        empty = [i for i, c in enumerate(captions) if not c]
        if empty:
            ctx.warn(f"image.caption: the model returned an empty caption for image(s) {empty}")
        return captions, ["model"] * len(captions)

    def _fallback(self, ctx, images, params):
        from studio.backends.describe import describe_image

        def one(art) -> tuple[str, str, dict]:
            subs = art.meta.get("subtitles") if params.use_subtitles else None
            if isinstance(subs, str):
                subs = [subs]
            lines = [str(s).strip() for s in (subs or []) if str(s).strip()]
            if lines:
                return " ".join(lines), "subtitles", {}
            given = art.meta.get("faces") if isinstance(art.meta.get("faces"), list) else None
            desc = describe_image(art.image, faces=given, detect=params.detect_faces)
            return desc.text, "describe", desc.as_meta()

        done = ctx.map(one, list(images), label="describing image")
        captions = [c for c, _, _ in done]
        sources = [s for _, s, _ in done]
        extra = [e for _, _, e in done]
        return captions, sources, extra
