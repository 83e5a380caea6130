"""Diffusion sampling on a loaded diffusers pipeline: text to image and image to image.

Knows nothing of recipes: give it a pipeline (from `studio.models.loaders.diffusers`), prompts
and seeds; get PIL images. Every image has its own seeded CPU generator, so an image depends only
on its prompt, settings and seed, not on how it was batched. Progress per denoising step goes to
the `progress(fraction, message)` callback (which may raise to cancel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from studio.engine.errors import InputError, UserError
from studio.export.png import A1111_SAMPLERS

Progress = Callable[[float, str], None]

#: scheduler names accepted by `image.generate` / `image.restyle` -> (diffusers class, config overrides)
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "euler": ("EulerDiscreteScheduler", {}),
    "euler-a": ("EulerAncestralDiscreteScheduler", {}),
    "dpm++2m": ("DPMSolverMultistepScheduler", {}),
    "dpm++2m-karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "dpm++sde": ("DPMSolverSinglestepScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "pndm": ("PNDMScheduler", {}),
    "lms": ("LMSDiscreteScheduler", {}),
    "heun": ("HeunDiscreteScheduler", {}),
    "unipc": ("UniPCMultistepScheduler", {}),
    "lcm": ("LCMScheduler", {}),
}

def snap_size(width: int, height: int, multiple: int = 8) -> tuple[int, int]:
    """Round a size to the nearest multiple the model needs (at least one multiple)."""
    if width < 1 or height < 1:
        raise InputError(f"image size {width}x{height}: width and height must be positive")
    w = max(multiple, int(width / multiple + 0.5) * multiple)
    h = max(multiple, int(height / multiple + 0.5) * multiple)
    return w, h


def sampler_name(pipe: Any) -> str:
    name = type(pipe.scheduler).__name__
    label = A1111_SAMPLERS.get(name, name)
    if getattr(pipe.scheduler.config, "use_karras_sigmas", False):
        label += " Karras"
    return label


def with_scheduler(pipe: Any, scheduler: str | None) -> Any:
    """`pipe` itself, or a sibling pipeline (`from_pipe`, same weights) using another scheduler,
    so the shared pipeline is never changed under other users."""
    if not scheduler or scheduler == "default":
        return pipe
    if scheduler not in SCHEDULERS:
        raise UserError(f"unknown scheduler {scheduler!r}; use one of: default, {', '.join(SCHEDULERS)}")
    import diffusers

    cls_name, overrides = SCHEDULERS[scheduler]
    cls = getattr(diffusers, cls_name)
    compatible = {c.__name__ for c in getattr(pipe.scheduler, "compatibles", [])} | {type(pipe.scheduler).__name__}
    if cls_name not in compatible:
        raise UserError(f"scheduler {scheduler!r} does not work with {type(pipe).__name__}; it uses {type(pipe.scheduler).__name__} (scheduler: default)")
    sched = cls.from_config(pipe.scheduler.config, **overrides)
    sibling = type(pipe).from_pipe(pipe, scheduler=sched)
    sibling.set_progress_bar_config(disable=True)
    return sibling


class _Lora:
    """Apply LoRA weights for one call and remove them afterwards (the pipeline is shared)."""

    def __init__(self, pipe: Any, lora: str | None, scale: float):
        self.pipe, self.lora, self.scale = pipe, lora, scale

    def __enter__(self) -> _Lora:
        if not self.lora:
            return self
        if not hasattr(self.pipe, "load_lora_weights"):
            raise UserError(f"{type(self.pipe).__name__} does not take LoRA weights")
        try:
            import peft  # noqa: F401
        except ImportError:
            raise UserError("LoRA weights need the `peft` package: pip install peft") from None
        from pathlib import Path

        p = Path(self.lora).expanduser()
        kwargs: dict[str, Any] = {"adapter_name": "studio_lora"}
        try:
            if p.is_file():
                self.pipe.load_lora_weights(str(p.parent), weight_name=p.name, **kwargs)
            elif p.is_dir():
                self.pipe.load_lora_weights(str(p), **kwargs)
            else:
                self.pipe.load_lora_weights(self.lora, local_files_only=True, **kwargs)
        except (OSError, ValueError) as exc:
            raise UserError(f"LoRA {self.lora!r} could not be loaded ({exc}); give a local .safetensors file or folder") from None
        self.pipe.set_adapters(["studio_lora"], adapter_weights=[self.scale])
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.lora:
            self.pipe.unload_lora_weights()


@dataclass
class DiffusionSettings:
    """What one generate/restyle call uses (also written into each image's `parameters`)."""

    steps: int
    guidance: float
    width: int
    height: int
    negative_prompt: str = ""
    scheduler: str | None = None
    lora: str | None = None
    lora_scale: float = 1.0
    strength: float | None = None  # image to image only
    max_sequence_length: int | None = None
    batch_size: int = 4


def _call_kwargs(pipe: Any, s: DiffusionSettings) -> dict[str, Any]:
    import inspect

    params = inspect.signature(pipe.__call__).parameters
    kw: dict[str, Any] = {"num_inference_steps": s.steps, "guidance_scale": s.guidance}
    if s.max_sequence_length and "max_sequence_length" in params:
        kw["max_sequence_length"] = s.max_sequence_length
    return kw


def _run_batches(pipe: Any, jobs: list[dict[str, Any]], s: DiffusionSettings, progress: Progress | None,
                 label: str, extra_kw: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> list[Image.Image]:
    import inspect

    import torch

    base_kw = _call_kwargs(pipe, s)
    accepts_negative = "negative_prompt" in inspect.signature(pipe.__call__).parameters
    out: list[Image.Image] = []
    total = len(jobs)
    done = 0
    bs = max(1, s.batch_size)
    for start in range(0, total, bs):
        batch = jobs[start: start + bs]

        def on_step(p: Any, i: int, t: Any, kw: dict[str, Any], _n: int = len(batch), _done: int = done) -> dict[str, Any]:
            steps = max(1, int(getattr(p, "num_timesteps", 0) or s.steps))
            if progress is not None:
                frac = (_done + _n * (i + 1) / steps) / total
                progress(frac, f"{label} {min(total, _done + _n)}/{total}: step {i + 1}/{steps}")
            return kw

        gens = [torch.Generator("cpu").manual_seed(int(j["seed"])) for j in batch]
        kwargs = dict(base_kw)
        kwargs.update(extra_kw(batch))
        negs = [j.get("negative") or s.negative_prompt or "" for j in batch]
        if any(negs) and accepts_negative:
            kwargs["negative_prompt"] = negs
        result = pipe(prompt=[j["prompt"] for j in batch], generator=gens, callback_on_step_end=on_step, **kwargs)
        out.extend(result.images)
        done += len(batch)
    return out


def text_to_image(pipe: Any, prompts: Sequence[str], seeds: Sequence[int], settings: DiffusionSettings,
                  progress: Progress | None = None, negatives: Sequence[str] | None = None) -> list[Image.Image]:
    """One image per (prompt, seed) pair, in order, batched `settings.batch_size` at a time
    (`negatives`: one negative prompt per image, else `settings.negative_prompt`)."""
    if len(prompts) != len(seeds):
        raise ValueError("one seed per prompt")
    run_pipe = with_scheduler(pipe, settings.scheduler)
    negs = list(negatives) if negatives is not None else [settings.negative_prompt] * len(prompts)
    jobs = [{"prompt": p, "seed": sd, "negative": n} for p, sd, n in zip(prompts, seeds, negs)]
    with _Lora(run_pipe, settings.lora, settings.lora_scale):
        return _run_batches(
            run_pipe, jobs, settings, progress, "image",
            lambda batch: {"width": settings.width, "height": settings.height},
        )


def image_to_image(pipe: Any, images: Sequence[Image.Image], prompts: Sequence[str], seeds: Sequence[int],
                   settings: DiffusionSettings, progress: Progress | None = None,
                   negatives: Sequence[str] | None = None) -> list[Image.Image]:
    """Restyle each image (resized to `settings.width` x `settings.height`) with its prompt."""
    if not (len(images) == len(prompts) == len(seeds)):
        raise ValueError("one prompt and one seed per image")
    run_pipe = with_scheduler(pipe, settings.scheduler)
    size = (settings.width, settings.height)
    negs = list(negatives) if negatives is not None else [settings.negative_prompt] * len(prompts)
    jobs = [{"prompt": p, "seed": sd, "negative": n, "image": im.convert("RGB").resize(size, Image.Resampling.LANCZOS)}
            for im, p, sd, n in zip(images, prompts, seeds, negs)]
    strength = settings.strength if settings.strength is not None else 0.6
    # few-step models need steps * strength >= 1 or the pipeline does nothing
    if settings.steps * strength < 1:
        raise InputError(f"steps {settings.steps} x strength {strength} < 1: no denoising step would run; raise steps or strength")
    with _Lora(run_pipe, settings.lora, settings.lora_scale):
        return _run_batches(
            run_pipe, jobs, settings, progress, "restyle",
            lambda batch: {"image": [j["image"] for j in batch], "strength": strength},
        )


def key_out_background(img: Image.Image, tolerance: int = 28) -> Image.Image:
    """RGBA copy of `img` with the plain background that touches the border made transparent
    (flood fill from the edges within `tolerance`), for subjects generated on a flat backdrop."""
    import numpy as np
    from scipy import ndimage

    rgb = np.asarray(img.convert("RGB")).astype(np.int16)
    h, w, _ = rgb.shape
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    bg = np.median(border, axis=0)
    close = np.abs(rgb - bg).max(axis=2) <= tolerance
    labels, _n = ndimage.label(close)
    edge_labels = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))) - {0}
    mask = np.isin(labels, list(edge_labels))
    alpha = np.where(mask, 0, 255).astype(np.uint8)
    alpha = ndimage.uniform_filter(alpha.astype(np.float32), 3).astype(np.uint8)  # soft 1-px edge
    out = np.dstack([rgb.astype(np.uint8), alpha])
    return Image.fromarray(out)
