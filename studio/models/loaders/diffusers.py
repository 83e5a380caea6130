"""Loading diffusers pipelines through the model manager: one copy per process.

    from studio.models import manager
    from studio.models.loaders.diffusers import load_text_to_image, load_image_to_image
    resolved = manager.resolve("sdxl-turbo", task="text-to-image").require()
    t2i = load_text_to_image(resolved)           # loads once (LRU-cached per path/device/dtype)
    i2i = load_image_to_image(resolved)          # derived with `from_pipe`: no second load

A model is a diffusers folder (hub snapshot or local) or a single `.safetensors` checkpoint
(SD 1.x/2.x, SDXL, SD3, FLUX are recognised from its tensor names). Safetensors only unless the
user sets STUDIO_ALLOW_PICKLE=1. On a GPU with too little free memory the pipeline uses model CPU
offload and VAE tiling instead of failing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.engine.errors import ModelNotAvailableError, UserError
from studio.models.manager import (
    ModelManager,
    ResolvedModel,
    allow_pickle,
    choose_device,
    choose_dtype,
    manager,
)

log = logging.getLogger("studio.models")

OFFLOAD_CHOICES = ("auto", "none", "model", "sequential")


@dataclass
class LoadedPipeline:
    """A diffusers pipeline held by the manager, with how it was placed."""

    pipe: Any
    key: tuple
    device: str
    dtype: str
    offload: str
    resolved: ResolvedModel

    @property
    def family(self) -> str:
        return type(self.pipe).__name__


def dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def pipeline_key(resolved: ResolvedModel, device: str, dtype: str, offload: str) -> tuple:
    """The manager key of a text-to-image pipeline (derived pipelines add a suffix)."""
    return ("diffusers", str(resolved.path), resolved.revision or "", device, dtype, offload)


def _variant_of(folder: Path) -> str | None:
    """'fp16' when a folder only has fp16-variant weights (as `studio models pull --variant fp16` leaves it)."""
    plain = list(folder.glob("*/*.safetensors"))
    if any(p.name.count(".") == 1 for p in plain):
        return None
    for variant in ("fp16", "bf16"):
        if any(p.name.endswith(f".{variant}.safetensors") for p in plain):
            return variant
    return None


def _single_file_class(path: Path) -> str:
    """The diffusers pipeline class that reads a single-file checkpoint, from its tensor names."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        keys = list(fh.keys())
    joined = "\n".join(keys[:5000])
    if "double_blocks." in joined or ("single_transformer_blocks" in joined and "transformer_blocks.0.attn.to_q" in joined):
        return "FluxPipeline"
    if "joint_blocks." in joined:
        return "StableDiffusion3Pipeline"
    if "conditioner.embedders.1" in joined:
        return "StableDiffusionXLPipeline"
    if "model.diffusion_model." in joined or "cond_stage_model." in joined:
        return "StableDiffusionPipeline"
    raise UserError(f"{path}: not a Stable Diffusion, SDXL, SD3 or FLUX checkpoint (unrecognised tensor names); give a diffusers folder instead")


def _dtype_kw() -> str:
    """diffusers renamed `torch_dtype` to `dtype` (the old name warns); use what it understands."""
    try:
        from diffusers.utils import deprecation_utils

        return "dtype" if hasattr(deprecation_utils, "_TORCH_DTYPE_DEPRECATION_MESSAGE") else "torch_dtype"
    except ImportError:
        return "torch_dtype"


def _load_pipeline(resolved: ResolvedModel, torch_dtype: Any) -> Any:
    """Build the text-to-image pipeline from a folder or a single file (no device placement)."""
    import diffusers

    path = resolved.path
    assert path is not None
    if path.is_file():
        cls_name = _single_file_class(path)
        cls = getattr(diffusers, cls_name)
        try:
            return cls.from_single_file(str(path), **{_dtype_kw(): torch_dtype})
        except (OSError, ValueError) as exc:
            raise ModelNotAvailableError(
                f"{path}: loading a single-file {cls_name} checkpoint needs its base model's configuration, which "
                f"diffusers reads from the Hugging Face cache ({type(exc).__name__}: {str(exc)[:200]}); run "
                f"`studio models pull` for the matching base model (e.g. sdxl-base or sd-1.5) once, or give a diffusers folder"
            ) from None
    index = path / "model_index.json"
    if not index.is_file():
        raise UserError(f"{path}: not a diffusers pipeline folder (no model_index.json); give a folder saved with save_pretrained, a hub snapshot, or a .safetensors checkpoint")
    kwargs: dict[str, Any] = {_dtype_kw(): torch_dtype, "use_safetensors": not allow_pickle(), "local_files_only": True}
    variant = _variant_of(path)
    if variant:
        kwargs["variant"] = variant
    class_name = json.loads(index.read_text(encoding="utf-8")).get("_class_name", "")
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    try:
        return AutoPipelineForText2Image.from_pretrained(str(path), **kwargs)
    except ValueError as exc:
        if "safetensors" in str(exc).lower():
            raise UserError(f"{path}: has no .safetensors weights; pickle weights are refused unless STUDIO_ALLOW_PICKLE=1 (only if you trust them)") from None
        if "AutoPipeline can't find a pipeline" not in str(exc) and "not supported" not in str(exc):
            raise
    log.info("%s (%s) has no text-to-image AutoPipeline mapping; loading it as DiffusionPipeline", path, class_name)
    return DiffusionPipeline.from_pretrained(str(path), **kwargs)


def _params_bytes(pipe: Any) -> int:
    total = 0
    for comp in getattr(pipe, "components", {}).values():
        if hasattr(comp, "parameters"):
            total += sum(p.numel() * p.element_size() for p in comp.parameters())
    return total


def _choose_offload(pipe: Any, device: str, offload: str) -> str:
    if offload not in OFFLOAD_CHOICES:
        raise UserError(f"offload {offload!r}: use one of {', '.join(OFFLOAD_CHOICES)}")
    if not device.startswith("cuda"):
        return "none" if offload == "auto" else offload
    if offload != "auto":
        return offload
    import torch

    free, _total = torch.cuda.mem_get_info()
    need = _params_bytes(pipe) * 1.25 + 2 * 2**30  # weights plus activations headroom
    return "model" if free < need else "none"


def _place(pipe: Any, device: str, offload: str) -> None:
    if offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    if offload != "none" and hasattr(pipe, "vae") and hasattr(pipe.vae, "enable_tiling"):
        pipe.vae.enable_tiling()  # decode big images in tiles when memory is short


def load_text_to_image(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto",
                       offload: str = "auto", mgr: ModelManager | None = None) -> LoadedPipeline:
    """The text-to-image pipeline for `resolved` (which must be available), loaded once per
    (path, revision, device, dtype, offload) and shared by every step in the process."""
    mgr = mgr or manager
    resolved.require()
    dev = choose_device(device)
    spec_dtype = resolved.spec.dtype if (resolved.spec and dtype == "auto" and dev != "cpu") else dtype
    torch_dtype = choose_dtype(dev, spec_dtype)
    dname = dtype_name(torch_dtype)
    placed: dict[str, str] = {}
    # The offload decision needs the pipeline's size, so it is made inside the loader; the key
    # records the requested mode (auto resolves the same way for the same machine and model).
    key = pipeline_key(resolved, dev, dname, offload)

    def loader() -> Any:
        pipe = _load_pipeline(resolved, torch_dtype)
        mode = _choose_offload(pipe, dev, offload)
        _place(pipe, dev, mode)
        pipe.set_progress_bar_config(disable=True)
        pipe._studio_offload = mode  # remembered for pipelines derived from it
        placed["offload"] = mode
        return pipe

    pipe = mgr.load(key, loader)
    return LoadedPipeline(pipe, key, dev, dname, getattr(pipe, "_studio_offload", placed.get("offload", "none")), resolved)


def load_image_to_image(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto",
                        offload: str = "auto", mgr: ModelManager | None = None) -> LoadedPipeline:
    """The image-to-image pipeline for `resolved`: derived from the (possibly just loaded)
    text-to-image pipeline with `from_pipe`, sharing its weights, so the model is loaded once."""
    mgr = mgr or manager
    base = load_text_to_image(resolved, device=device, dtype=dtype, offload=offload, mgr=mgr)

    def derive(parent: Any) -> Any:
        from diffusers import AutoPipelineForImage2Image

        try:
            pipe = AutoPipelineForImage2Image.from_pipe(parent)
        except ValueError as exc:
            raise UserError(f"model {resolved.id!r} ({type(parent).__name__}) has no image-to-image pipeline in diffusers: {exc}") from None
        if base.offload != "none":  # accelerate hooks are per pipeline: install them for this one too
            _place(pipe, base.device, base.offload)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    pipe = mgr.derive(base.key + ("image-to-image",), base.key, derive)
    return LoadedPipeline(pipe, base.key + ("image-to-image",), base.device, base.dtype, base.offload, resolved)
