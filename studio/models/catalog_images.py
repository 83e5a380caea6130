"""Known text-to-image / image-to-image models (diffusers pipelines).

`settings` holds what the model wants: native `width`/`height`, `steps`, `guidance`, the size
`multiple` it needs, and `max_sequence_length` where relevant. Users may give any other hub id,
a local diffusers folder or a single `.safetensors` checkpoint instead.
"""

from __future__ import annotations

from dataclasses import replace

from studio.models.registry import ModelSpec, register_model

_STABILITY_COMMUNITY = "Stability AI Community License (free under USD 1M annual revenue)"
_RAIL_PP = "CreativeML Open RAIL++-M"

_MODELS = [
    ModelSpec(
        name="sdxl-turbo", task="text-to-image", hub_id="stabilityai/sdxl-turbo",
        licence=_STABILITY_COMMUNITY, family="diffusers:StableDiffusionXLPipeline", size_gb=6.9, default=True,
        description="SDXL distilled for 1-4 steps; fast, 512 px native",
        settings={"width": 512, "height": 512, "steps": 4, "guidance": 0.0, "multiple": 8, "img2img_steps": 4},
    ),
    ModelSpec(
        name="sdxl-base", task="text-to-image", hub_id="stabilityai/stable-diffusion-xl-base-1.0",
        licence=_RAIL_PP, family="diffusers:StableDiffusionXLPipeline", size_gb=6.9,
        description="Stable Diffusion XL 1.0 base; 1024 px, good prompt following",
        settings={"width": 1024, "height": 1024, "steps": 30, "guidance": 6.0, "multiple": 8},
    ),
    ModelSpec(
        name="sd-1.5", task="text-to-image", hub_id="stable-diffusion-v1-5/stable-diffusion-v1-5",
        licence="CreativeML Open RAIL-M", family="diffusers:StableDiffusionPipeline", size_gb=4.3,
        description="Stable Diffusion 1.5; 512 px, the largest LoRA ecosystem, runs on small GPUs",
        settings={"width": 512, "height": 512, "steps": 30, "guidance": 7.5, "multiple": 8},
    ),
    ModelSpec(
        name="sd-turbo", task="text-to-image", hub_id="stabilityai/sd-turbo",
        licence=_STABILITY_COMMUNITY, family="diffusers:StableDiffusionPipeline", size_gb=5.2,
        description="SD 2.1 distilled for 1-4 steps; 512 px, the lightest real model here",
        settings={"width": 512, "height": 512, "steps": 4, "guidance": 0.0, "multiple": 8},
    ),
    ModelSpec(
        name="sd-3.5-medium", task="text-to-image", hub_id="stabilityai/stable-diffusion-3.5-medium",
        licence=_STABILITY_COMMUNITY, family="diffusers:StableDiffusion3Pipeline", size_gb=16.0, gated=True,
        description="Stable Diffusion 3.5 Medium (MMDiT); 1024 px, good text rendering",
        settings={"width": 1024, "height": 1024, "steps": 40, "guidance": 4.5, "multiple": 16},
    ),
    ModelSpec(
        name="sd-3.5-large-turbo", task="text-to-image", hub_id="stabilityai/stable-diffusion-3.5-large-turbo",
        licence=_STABILITY_COMMUNITY, family="diffusers:StableDiffusion3Pipeline", size_gb=27.0, gated=True,
        description="Stable Diffusion 3.5 Large distilled for 4 steps; 1024 px",
        settings={"width": 1024, "height": 1024, "steps": 4, "guidance": 0.0, "multiple": 16},
    ),
    ModelSpec(
        name="flux.1-schnell", task="text-to-image", hub_id="black-forest-labs/FLUX.1-schnell",
        licence="Apache-2.0", family="diffusers:FluxPipeline", dtype="bfloat16", size_gb=34.0,
        description="FLUX.1 [schnell]; 1-4 steps, 1024 px, strong prompt following; needs a large GPU or offload",
        settings={"width": 1024, "height": 1024, "steps": 4, "guidance": 0.0, "multiple": 16, "max_sequence_length": 256},
    ),
    ModelSpec(
        name="flux.1-dev", task="text-to-image", hub_id="black-forest-labs/FLUX.1-dev",
        licence="FLUX.1 [dev] Non-Commercial License", family="diffusers:FluxPipeline", dtype="bfloat16",
        size_gb=34.0, gated=True,
        description="FLUX.1 [dev]; 28 steps, 1024 px, high quality; non-commercial weights",
        settings={"width": 1024, "height": 1024, "steps": 28, "guidance": 3.5, "multiple": 16, "max_sequence_length": 512},
    ),
    ModelSpec(
        name="playground-v2.5", task="text-to-image", hub_id="playgroundai/playground-v2.5-1024px-aesthetic",
        licence="Playground v2.5 Community License", family="diffusers:StableDiffusionXLPipeline", size_gb=6.9,
        description="Playground v2.5 (SDXL architecture) tuned for aesthetics; 1024 px",
        settings={"width": 1024, "height": 1024, "steps": 25, "guidance": 3.0, "multiple": 8},
    ),
]

for _spec in _MODELS:
    register_model(_spec)
    # every text-to-image pipeline here also restyles images (diffusers derives the
    # image-to-image pipeline from the loaded one with `from_pipe`, no second copy)
    register_model(replace(_spec, task="image-to-image"))
