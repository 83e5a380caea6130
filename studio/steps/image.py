"""Image steps: loading, resizing, contact sheets, text to image, image to image (restyle) and
captions (`image.caption`: a vision-language model or an honest fallback)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from studio.backends.image.captioner import caption_images, model_label
from studio.backends.text.presets import apply_style, list_styles, load_style, render_prompt
from studio.engine import (
    ImageArtifact,
    InputError,
    Port,
    Step,
    StepParams,
    TextArtifact,
    register_step,
)
from studio.engine.coerce import images_from_path
from studio.engine.errors import ModelNotAvailableError
from studio.export.png import a1111_parameters
from studio.models.loaders.diffusers import load_image_to_image, load_text_to_image
from studio.models.loaders.transformers import load_captioner
from studio.models.manager import manager, plan_backend, resolve_for_task


class LoadParams(StepParams):
    path: str = Field(description="an image file or a folder of images (sorted by name)")
    limit: int | None = Field(None, ge=1, le=100_000, description="load at most this many images")


@register_step
class LoadImages(Step):
    name = "image.load"
    description = "Load images from a file or a folder (PNG, JPEG, WebP, GIF, BMP, TIFF)."
    outputs = {"images": Port("images", "the loaded images, named after their files")}
    Params = LoadParams

    def cache_extra(self, params):
        # the folder's current contents, so edited or added images are not served stale
        from pathlib import Path

        from studio.engine.artifacts import hash_file
        from studio.engine.coerce import IMAGE_SUFFIXES

        p = Path(params.path).expanduser()
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
        else:
            files = [p] if p.is_file() else []
        return {"files": [(f.name, hash_file(f)) for f in files]}

    def run(self, ctx, inputs, params):
        images = images_from_path(params.path)
        if params.limit:
            images = images[: params.limit]
        ctx.report(backend="pillow", count=len(images))
        return {"images": images}


class ResizeParams(StepParams):
    width: int | None = Field(None, ge=1, le=16384, description="target width in px (None: follow aspect)")
    height: int | None = Field(None, ge=1, le=16384, description="target height in px (None: follow aspect)")
    mode: Literal["fit", "fill", "stretch"] = Field("fit", description="fit inside, fill by centre crop, or stretch")
    resample: Literal["lanczos", "bicubic", "bilinear", "nearest"] = Field("lanczos", description="resampling filter (nearest for pixel art)")


@register_step
class ResizeImages(Step):
    name = "image.resize"
    description = "Resize images to a width and/or height."
    inputs = {"images": Port("images", "images to resize")}
    outputs = {"images": Port("images", "resized images")}
    Params = ResizeParams

    def run(self, ctx, inputs, params):
        from studio.backends.image.imageops import resize

        if params.width is None and params.height is None:
            raise InputError("image.resize: give width, height or both")
        out = []
        for i, art in enumerate(inputs["images"]):
            img = resize(art.image, params.width, params.height, params.mode, params.resample)
            out.append(ImageArtifact(img, meta=art.meta, name=art.name))
            ctx.progress((i + 1) / len(inputs["images"]))
        ctx.report(backend="pillow")
        return {"images": out}


class ContactSheetParams(StepParams):
    columns: int = Field(4, ge=1, le=64, description="number of columns")
    cell: int = Field(256, ge=16, le=2048, description="size of each square cell in px")
    padding: int = Field(12, ge=0, le=256, description="space between cells in px")
    labels: bool = Field(True, description="write each image's name under it")
    title: str | None = Field(None, max_length=200, description="optional title above the grid")
    background: str = Field("#1e1e24", description="background colour")


@register_step
class ContactSheet(Step):
    name = "image.contact_sheet"
    description = "Lay images out as one labelled grid."
    inputs = {"images": Port("images", "images to lay out")}
    outputs = {"image": Port("image", "the contact sheet")}
    Params = ContactSheetParams

    def run(self, ctx, inputs, params):
        from studio.backends.image.imageops import contact_sheet

        arts = inputs["images"]
        if not arts:
            raise InputError("image.contact_sheet: no images to lay out")
        labels = [a.meta.get("label") or a.name or f"#{i + 1}" for i, a in enumerate(arts)] if params.labels else None
        sheet = contact_sheet(
            [a.image for a in arts], labels, columns=params.columns, cell=params.cell,
            padding=params.padding, background=params.background, title=params.title,
        )
        ctx.report(backend="pillow", count=len(arts))
        return {"image": ImageArtifact(sheet, name="contact_sheet")}


# -- text to image / image to image -------------------------------------------------------------------
Scheduler = Literal["default", "euler", "euler-a", "dpm++2m", "dpm++2m-karras", "dpm++sde", "ddim", "pndm", "lms", "heun", "unipc", "lcm"]
Dtype = Literal["auto", "float32", "float16", "bfloat16"]
Offload = Literal["auto", "none", "model", "sequential"]


def _check_style(v: str | None) -> str | None:
    if v is None or v == "":
        return None

    names = list_styles()
    key = v.strip().lower().replace("_", "-").replace(" ", "-")
    if key not in names:
        import difflib

        close = difflib.get_close_matches(key, names, n=2, cutoff=0.4)
        maybe = f"did you mean {' or '.join(close)}? " if close else ""
        raise ValueError(f"unknown style {v!r}; {maybe}available: {', '.join(names)}")
    return key


def _slug(text: str, n: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:n].strip("-") or "image"


def _framed(prompt: str, index: int) -> str:
    """Vary the framing of a comic's panels (wide, medium, close, medium) unless the prompt names
    one; the procedural generator reads the framing words."""
    words = prompt.lower()
    if any(k in words for k in ("close-up", "closeup", "wide shot", "establishing", "medium shot", "long shot")):
        return prompt
    framing = ("wide shot: ", "", "close-up: ", "")[index % 4]
    return framing + prompt


def _aspect_of(meta: dict[str, Any]) -> float | None:
    """The picture shape a prompt asks for (meta `aspect`, width / height), if it is a sane one."""
    try:
        aspect = float(meta.get("aspect"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return aspect if 0.2 <= aspect <= 5.0 else None


def shaped_size(width: int, height: int, aspect: float | None) -> tuple[int, int]:
    """`width` x `height`, or, for a given aspect, a size of about the same area in that shape."""
    if aspect is None:
        return width, height
    area = width * height
    w = max(8, round((area * aspect) ** 0.5))
    return w, max(8, round(w / aspect))


def _model_cache_key(resolved) -> dict[str, Any]:
    """Cheap identity of the weights a step would use (path, revision, mtime)."""
    if resolved is None:
        return {}
    d: dict[str, Any] = {"model": resolved.id, "source": resolved.source, "revision": resolved.revision}
    if resolved.path is not None:
        d["path"] = str(resolved.path)
        marker = resolved.path / "model_index.json" if resolved.path.is_dir() else resolved.path
        if marker.exists():
            st = marker.stat()
            d["stamp"] = [st.st_size, st.st_mtime_ns]
    return d


def _plan(backend: str, model: str, task: str, embedded: str):
    """(backend that will run, resolved model or None). Resolving is cheap and offline; an
    explicit `diffusers` without weights is reported by `run` (with the step's name)."""

    return plan_backend(backend, neural="diffusers", fallback=embedded,
                        resolve=lambda: manager.resolve(model, task=task), strict=False)


class GenerateParams(StepParams):
    prompt: str | None = Field(None, max_length=4000, description="what to draw (or connect the `prompts` input: one or more texts)")
    negative_prompt: str = Field("", max_length=4000, description="what to avoid (diffusion only)")
    width: int | None = Field(None, ge=8, le=4096, description="width in px (default: the model's native size; 512 procedural); snapped to the model's multiple of 8/16")
    height: int | None = Field(None, ge=8, le=4096, description="height in px (default: as width)")
    steps: int | None = Field(None, ge=1, le=200, description="denoising steps (default: the model's recommendation)")
    guidance: float | None = Field(None, ge=0.0, le=30.0, description="classifier-free guidance scale (default: the model's recommendation)")
    num_images: int = Field(1, ge=1, le=64, description="images per prompt (seeds seed, seed+1, ...)")
    batch_size: int = Field(4, ge=1, le=64, description="images per diffusion call")
    scheduler: Scheduler = Field("default", description="diffusion sampler (default: the model's own)")
    lora: str | None = Field(None, description="LoRA weights: a local .safetensors file or folder (needs `peft`)")
    lora_scale: float = Field(1.0, ge=0.0, le=2.0, description="LoRA weight")
    style: str | None = Field(None, description="a style preset from templates/styles (american-comic, manga, noir, watercolor, pixel-art, flat-vector, isometric, pop)")
    model: str = Field("sdxl-turbo", description="a registry name (`studio models`), a hub id, a local diffusers folder or a .safetensors file")
    backend: Literal["auto", "diffusers", "procedural"] = Field("auto", description="auto: diffusion if the model's weights are available locally, else the procedural generator (with a warning)")
    procedural_style: Literal["flat", "outlined", "pixel"] | None = Field(None, description="look of the procedural generator (default: the style preset's, else outlined)")
    transparent: bool = Field(False, description="transparent background (RGBA); diffusion keys out a plain backdrop")
    subject_only: bool = Field(False, description="procedural: only the subject, centred on transparency (sprites, icons)")
    same_subjects: bool = Field(False, description="procedural: a subject described the same way looks the same in every picture of this step (a comic's panels); off: each picture varies it")
    device: str = Field("auto", description="auto (cuda, then mps, then cpu), cpu, cuda, cuda:1, mps")
    dtype: Dtype = Field("auto", description="auto: bf16/fp16 on GPU, fp32 on CPU")
    offload: Offload = Field("auto", description="model CPU offload (auto: only when GPU memory is short)")

    _style = field_validator("style")(classmethod(lambda cls, v: _check_style(v)))


@register_step
class GenerateImages(Step):
    name = "image.generate"
    version = "1"
    description = "Text to image: diffusion (SDXL-Turbo, SD 1.5, SDXL, SD3, FLUX, any diffusers model) or the built-in procedural generator."
    inputs = {"prompts": Port("texts", "prompts, one image set per text (else the `prompt` param)", required=False)}
    outputs = {"images": Port("images", "generated images; meta: prompt, seed, parameters (A1111 text)")}
    Params = GenerateParams
    uses_seed = True

    def cache_extra(self, params: GenerateParams) -> dict[str, Any]:
        backend, resolved = _plan(params.backend, params.model, "text-to-image", "procedural")
        return {"backend": backend, **_model_cache_key(resolved)}

    def run(self, ctx, inputs, params: GenerateParams):

        given = [t for t in (inputs.get("prompts") or []) if t.text.strip()]
        prompts = [t.text for t in given] or ([params.prompt] if params.prompt and params.prompt.strip() else [])
        # a prompt may carry the shape its picture must have (comic.plan: its panel's width / height)
        aspects = [_aspect_of(t.meta) for t in given] or [None] * len(prompts)
        if not prompts:
            raise InputError("image.generate: no prompt; set `prompt` or connect `prompts`")
        style = load_style(params.style) if params.style else None
        backend, resolved = _plan(params.backend, params.model, "text-to-image", "procedural")
        if backend == "diffusers" and not resolved.available:
            raise ModelNotAvailableError(f"image.generate: {resolved.hint()}")
        if backend == "procedural" and resolved is not None:
            ctx.warn(f"{resolved.hint()}; drawing with the built-in procedural generator instead (backend: procedural to silence this)")
        jobs = [(pi, n, p) for pi, p in enumerate(prompts) for n in range(params.num_images)]
        seeds = [int(ctx.seed) + i for i in range(len(jobs))]
        shapes = [aspects[pi] for pi, _, _ in jobs]
        if backend == "diffusers":
            return {"images": self._diffusion(ctx, params, resolved, style, jobs, seeds, apply_style, shapes)}
        return {"images": self._procedural(ctx, params, style, jobs, seeds, shapes)}

    def _procedural(self, ctx, params, style, jobs, seeds, shapes):
        from studio.backends.image.procedural import describe_prompt, generate_image, head_box

        pstyle = params.procedural_style or (style.get("procedural_style") if style else None) or "outlined"
        finish = style.get("procedural_finish") if style else None
        w0 = params.width or 512
        h0 = params.height or w0
        out = []
        suffix = ""
        if style:  # the preset's own words ("..., bold black ink outlines") must not steer the drawing

            suffix = render_prompt(str(style["prompt"]), "\x00").split("\x00", 1)[-1].strip(" ,")
        place: str | None = None  # same_subjects (a comic): the story's place holds until a panel names another
        missing: list[str] = []
        for i, ((_pi, _n, prompt), seed, shape) in enumerate(zip(jobs, seeds, shapes)):
            ctx.check_cancelled()
            w, h = shaped_size(w0, h0, shape)
            subject = prompt.replace(suffix, " ").strip(" ,") if suffix and suffix in prompt else prompt
            if params.same_subjects and not params.subject_only and len(jobs) > 1:
                subject = _framed(subject, i)  # a comic's panels: wide, medium, close, medium, ...
            drawn: list[dict] = []
            shown: dict = {}
            img = generate_image(subject, width=w, height=h, seed=seed, style=pstyle, transparent=params.transparent,
                                 subject_only=params.subject_only, subjects=drawn,
                                 identity=int(ctx.seed) if params.same_subjects else None, drawn=shown,
                                 setting=place if params.same_subjects else None)
            if params.same_subjects and shown.get("setting"):
                place = shown["setting"]
            missing += [t["word"] for t in shown.get("things", []) if t.get("placeholder") and t["word"] not in missing]
            if finish:
                from studio.backends.image.comic_filter import stylize

                alpha = img.getchannel("A") if img.mode == "RGBA" else None
                img = stylize(img, finish, seed=seed)
                if alpha is not None:
                    img.putalpha(alpha)
            text = f"{prompt}\nSteps: 0, Sampler: procedural, Seed: {seed}, Size: {w}x{h}, Model: procedural ({pstyle}), Style: {params.style or 'none'}"
            meta = {"prompt": prompt, "seed": seed, "parameters": text, "backend": "procedural", "style": params.style,
                    "procedural": describe_prompt(subject), "drawn": shown}
            if drawn:
                # the generator knows where it drew everyone: later steps (panel crops, bubbles
                # and their tails) use these instead of guessing with a face detector
                meta["subjects"] = drawn
                heads = [(d["name"], head_box(d["kind"], d["box"], d.get("archetype"))) for d in drawn]
                meta["faces"] = [b for _, b in heads if b is not None]
                meta["face_names"] = [n for n, b in heads if b is not None]
            out.append(ImageArtifact(img, meta=meta, name=f"{i:03d}_{_slug(prompt)}"))
            ctx.progress((i + 1) / len(jobs), f"image {i + 1}/{len(jobs)}")
        if missing:
            ctx.warn(f"procedural: nothing near {', '.join(repr(m) for m in missing)} in the archetype library; drawn as placeholder card(s)")
        ctx.report(backend="procedural", model="studio procedural generator", licence="MIT (built in)", style=pstyle, count=len(out),
                   placeholders=missing)
        return out

    def _diffusion(self, ctx, params, resolved, style, jobs, seeds, apply_style, shapes):
        from studio.backends.image.diffusion import (
            DiffusionSettings,
            key_out_background,
            sampler_name,
            snap_size,
            text_to_image,
        )

        rec = resolved.spec.settings if resolved.spec else {}
        multiple = int(rec.get("multiple", 8))
        w0 = params.width or int(rec.get("width", 1024 if "xl" in resolved.id.lower() else 512))
        h0 = params.height or (params.width or int(rec.get("height", w0)))
        if min(w0, h0) < 64:
            raise InputError(f"image.generate: {w0}x{h0} is too small for diffusion (at least 64 px); use backend: procedural for tiny sprites")
        w, h = snap_size(w0, h0, multiple)
        if (w, h) != (w0, h0):
            ctx.warn(f"size {w0}x{h0} snapped to {w}x{h} (the model needs multiples of {multiple})")
        steps = params.steps or int(rec.get("steps", 30))
        guidance = params.guidance if params.guidance is not None else float(rec.get("guidance", 7.0))
        styled = []
        for _pi, _n, prompt in jobs:
            p, neg = apply_style(style, prompt, params.negative_prompt)
            if params.transparent:
                p += ", isolated on a plain white background"
            styled.append((p, neg))
        settings = DiffusionSettings(steps=steps, guidance=guidance, width=w, height=h,
                                     scheduler=params.scheduler, lora=params.lora, lora_scale=params.lora_scale,
                                     max_sequence_length=rec.get("max_sequence_length"), batch_size=params.batch_size)
        loaded = load_text_to_image(resolved, device=params.device, dtype=params.dtype, offload=params.offload)
        # pictures of one shape go through the pipeline together (comic.plan gives each panel its own)
        sizes = [snap_size(*shaped_size(w, h, shape), multiple) for shape in shapes]
        images: list[Any] = [None] * len(jobs)
        done = 0
        for size in dict.fromkeys(sizes):
            idx = [i for i, sz in enumerate(sizes) if sz == size]

            def progress(f: float, msg: str = "", _before: int = done, _count: int = len(idx)) -> None:
                ctx.progress((_before + f * _count) / len(jobs), msg)

            got = text_to_image(loaded.pipe, [styled[i][0] for i in idx], [seeds[i] for i in idx],
                                dataclasses.replace(settings, width=size[0], height=size[1]), progress=progress,
                                negatives=[styled[i][1] for i in idx])
            for i, img in zip(idx, got):
                images[i] = img
            done += len(idx)
        sampler = sampler_name(loaded.pipe) if params.scheduler == "default" else params.scheduler
        out = []
        for i, (img, (_pi, _n, prompt), (p, neg), seed, (w, h)) in enumerate(zip(images, jobs, styled, seeds, sizes)):
            if params.transparent:
                img = key_out_background(img)
            text = a1111_parameters(p, neg, steps=steps, sampler=sampler, guidance=guidance, seed=seed, width=w, height=h,
                                    model=resolved.id, extra={"Style": params.style} if params.style else None)
            meta = {"prompt": p, "negative_prompt": neg, "seed": seed, "parameters": text, "backend": "diffusers", "model": resolved.id, "style": params.style}
            out.append(ImageArtifact(img, meta=meta, name=f"{i:03d}_{_slug(prompt)}"))
        ctx.report(backend="diffusers", model=resolved.id, licence=resolved.licence or "see the model card",
                   path=str(resolved.path), revision=resolved.revision, device=loaded.device, dtype=loaded.dtype,
                   offload=loaded.offload, pipeline=loaded.family, steps=steps, guidance=guidance,
                   size=[list(sz) for sz in dict.fromkeys(sizes)] if len(set(sizes)) > 1 else list(sizes[0]),
                   model_loads=manager.load_count)
        return out


class RestyleParams(StepParams):
    prompt: str = Field("", max_length=4000, description="what the restyled images show (diffusion; default: each image's caption meta, else the style alone)")
    negative_prompt: str = Field("", max_length=4000, description="what to avoid (diffusion only)")
    strength: float = Field(0.6, gt=0.0, le=1.0, description="how far to move from the input: diffusion denoising strength, or the stylizer's effect strength")
    style: str = Field("american-comic", description="a style preset from templates/styles (american-comic, manga, noir, watercolor, pixel-art, flat-vector, isometric, pop)")
    model: str = Field("sdxl-turbo", description="a registry name, hub id, local diffusers folder or .safetensors file")
    backend: Literal["auto", "diffusers", "stylize"] = Field("auto", description="auto: diffusion image-to-image if weights are available locally, else the classic comic stylizer (with a warning)")
    steps: int | None = Field(None, ge=1, le=200, description="denoising steps before strength (default: the model's recommendation)")
    guidance: float | None = Field(None, ge=0.0, le=30.0, description="guidance scale (default: the model's recommendation)")
    scheduler: Scheduler = Field("default", description="diffusion sampler")
    lora: str | None = Field(None, description="LoRA weights: a local .safetensors file or folder (needs `peft`)")
    lora_scale: float = Field(1.0, ge=0.0, le=2.0, description="LoRA weight")
    max_side: int = Field(1024, ge=128, le=2048, description="diffusion works at most this many px on the long side; the result is scaled back to the input size")
    batch_size: int = Field(2, ge=1, le=32, description="images per diffusion call")
    device: str = Field("auto", description="auto (cuda, then mps, then cpu), cpu, cuda, mps")
    dtype: Dtype = Field("auto", description="auto: bf16/fp16 on GPU, fp32 on CPU")
    offload: Offload = Field("auto", description="model CPU offload (auto: only when GPU memory is short)")

    _style = field_validator("style")(classmethod(lambda cls, v: _check_style(v) or "american-comic"))


@register_step
class RestyleImages(Step):
    name = "image.restyle"
    version = "3"
    description = "Image to image: restyle images (keyframes) as comic panels by diffusion or the built-in comic stylizer; keeps each image's size and meta."
    inputs = {"images": Port("images", "images to restyle (their meta, e.g. time/faces/subtitles, is kept)")}
    outputs = {"images": Port("images", "restyled images, same size and meta as the inputs (plus `restyle` and `parameters`)")}
    Params = RestyleParams
    uses_seed = True

    def cache_extra(self, params: RestyleParams) -> dict[str, Any]:
        backend, resolved = _plan(params.backend, params.model, "image-to-image", "stylize")
        return {"backend": backend, **_model_cache_key(resolved)}

    def run(self, ctx, inputs, params: RestyleParams):

        arts = inputs["images"]
        if not arts:
            raise InputError("image.restyle: no images to restyle")
        style = load_style(params.style)
        backend, resolved = _plan(params.backend, params.model, "image-to-image", "stylize")
        if backend == "diffusers" and not resolved.available:
            raise ModelNotAvailableError(f"image.restyle: {resolved.hint()}")
        if backend == "stylize" and resolved is not None:
            ctx.warn(f"{resolved.hint()}; using the built-in comic stylizer ({style['stylizer']}) instead (backend: stylize to silence this)")
        seeds = [int(ctx.seed) + i for i in range(len(arts))]
        if backend == "diffusers":
            return {"images": self._diffusion(ctx, params, resolved, style, arts, seeds)}
        from studio.backends.image.comic_filter import stylize

        def one(job: tuple[Any, int]) -> ImageArtifact:
            art, seed = job
            img = art.image
            alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
            known = art.meta.get("faces")  # keyframes and drawn pictures know their faces; else it looks
            res = stylize(img, style["stylizer"], strength=params.strength, seed=seed,
                          faces=known if isinstance(known, list) and known else None)
            if alpha is not None:
                res.putalpha(alpha)
            meta = dict(art.meta)
            meta["restyle"] = {"backend": "stylize", "style": params.style, "stylizer": style["stylizer"], "strength": params.strength}
            meta["parameters"] = f"restyle: {style['stylizer']} stylizer\nStrength: {params.strength}, Seed: {seed}, Size: {img.width}x{img.height}, Style: {params.style}"
            return ImageArtifact(res, meta=meta, name=art.name)

        # the stylizer is OpenCV and NumPy work: panels are restyled on several threads
        out = ctx.map(one, list(zip(arts, seeds)), label="panel")
        ctx.report(backend="stylize", model=f"classic comic stylizer ({style['stylizer']})", licence="MIT (built in)", count=len(out))
        return {"images": out}

    def _diffusion(self, ctx, params, resolved, style, arts, seeds):
        from PIL import Image

        from studio.backends.image.diffusion import (
            DiffusionSettings,
            image_to_image,
            sampler_name,
            snap_size,
        )

        rec = resolved.spec.settings if resolved.spec else {}
        multiple = int(rec.get("multiple", 8))
        steps = params.steps or int(rec.get("img2img_steps", rec.get("steps", 30)))
        guidance = params.guidance if params.guidance is not None else float(rec.get("guidance", 7.0))
        loaded = load_image_to_image(resolved, device=params.device, dtype=params.dtype, offload=params.offload)
        sampler = sampler_name(loaded.pipe) if params.scheduler == "default" else params.scheduler
        # group images by working size so each diffusion call has one size
        groups: dict[tuple[int, int], list[int]] = {}
        for i, art in enumerate(arts):
            iw, ih = art.image.size
            f = min(1.0, params.max_side / max(iw, ih))
            groups.setdefault(snap_size(max(64, round(iw * f)), max(64, round(ih * f)), multiple), []).append(i)
        results: dict[int, Image.Image] = {}
        done = 0
        for (w, h), idx in groups.items():
            prompts, negs = [], []
            for i in idx:
                base = params.prompt or str(arts[i].meta.get("caption") or arts[i].meta.get("prompt") or "a scene")
                p, neg = apply_style(style, base, params.negative_prompt)
                prompts.append(p)
                negs.append(neg)
            settings = DiffusionSettings(steps=steps, guidance=guidance, width=w, height=h, strength=params.strength,
                                         scheduler=params.scheduler, lora=params.lora, lora_scale=params.lora_scale,
                                         max_sequence_length=rec.get("max_sequence_length"), batch_size=params.batch_size)

            def prog(f: float, msg: str, _n: int = len(idx), _done: int = done) -> None:
                ctx.progress((_done + f * _n) / len(arts), msg)

            imgs = image_to_image(loaded.pipe, [arts[i].image for i in idx], prompts, [seeds[i] for i in idx], settings, progress=prog, negatives=negs)
            for i, img, p, neg in zip(idx, imgs, prompts, negs):
                results[i] = (img, p, neg, w, h)
            done += len(idx)
        out = []
        for i, art in enumerate(arts):
            img, p, neg, w, h = results[i]
            img = img.resize(art.image.size, Image.Resampling.LANCZOS)  # same size: pixel meta (faces) stays valid
            meta = dict(art.meta)
            meta["restyle"] = {"backend": "diffusers", "model": resolved.id, "style": params.style, "strength": params.strength, "work_size": [w, h]}
            meta["parameters"] = a1111_parameters(p, neg, steps=steps, sampler=sampler, guidance=guidance, seed=seeds[i], width=w, height=h,
                                                  model=resolved.id, extra={"Denoising strength": params.strength, "Style": params.style})
            out.append(ImageArtifact(img, meta=meta, name=art.name))
        ctx.report(backend="diffusers", model=resolved.id, licence=resolved.licence or "see the model card", path=str(resolved.path),
                   revision=resolved.revision, device=loaded.device, dtype=loaded.dtype, offload=loaded.offload,
                   pipeline=loaded.family, steps=steps, strength=params.strength, model_loads=manager.load_count)
        return out


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


def _plan_caption(params: CaptionParams):
    """(backend, resolved model or None) for these params, without loading anything."""

    return plan_backend(params.backend, neural="transformers", fallback="describe",
                        resolve=lambda: resolve_for_task("image-captioning", params.model))


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
        backend, resolved = _plan_caption(params)
        if backend == "describe":
            return {"backend": "describe", "describe_version": DESCRIBE_VERSION}
        return {"backend": backend, "model_path": str(resolved.path), "revision": resolved.revision}

    def run(self, ctx, inputs, params):
        images = inputs.get("images") or []
        if not images:
            raise InputError("image.caption: no images to caption; connect a list of images (e.g. $keyframes.images)")
        backend, resolved = _plan_caption(params)
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

            ctx.report(backend="transformers", model=model_label(resolved), licence=resolved.licence, count=len(texts), sources=counts)
        else:
            label = "+".join(s for s in ("subtitles", "describe") if s in counts)
            ctx.report(backend=label or "describe", model=None, count=len(texts), sources=counts, fallback=True)
        return {"texts": texts, "images": out_images}

    # -- backends --------------------------------------------------------------------------
    def _model(self, ctx, images, params, resolved):

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
        from studio.backends.image.describe import describe_image

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
