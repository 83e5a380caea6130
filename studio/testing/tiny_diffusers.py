"""Tiny random Stable Diffusion / SDXL pipelines built in code (no hub), for tests and benchmarks.

They use the same dummy components as diffusers' own test-suite (a 2 M-parameter UNet, a tiny VAE
and CLIP text encoders with hidden size 32) and an in-memory CLIP tokenizer, so they build, save
and load offline in a fraction of a second. Their images are noise: they exercise the real loading
and sampling code, nothing more.

    from studio.testing.tiny_diffusers import save_tiny_pipeline
    folder = save_tiny_pipeline(tmp_path / "tiny-sd", kind="sd")   # a diffusers folder
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def tiny_clip_tokenizer() -> Any:
    """A CLIP tokenizer whose vocabulary (under 1000 ids) lives in memory."""
    from transformers import CLIPTokenizer

    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in _CHARS + ",.!?'-":
        vocab.setdefault(c, len(vocab))
        vocab.setdefault(c + "</w>", len(vocab))
    merges: list[tuple[str, str]] = []
    for a in "etaoinshr":
        for b in "etaoinshr":
            tok = a + b
            if tok not in vocab:
                merges.append((a, b))
                vocab[tok] = len(vocab)
                vocab[tok + "</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)  # type: ignore[arg-type]  # tuples: tokenizers 0.23


def _unet(sdxl: bool) -> Any:
    from diffusers import UNet2DConditionModel

    common: dict[str, Any] = dict(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
    )
    if not sdxl:
        return UNet2DConditionModel(cross_attention_dim=32, **common)
    return UNet2DConditionModel(
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=80, cross_attention_dim=64, norm_num_groups=1, **common,
    )


def _vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=[32, 64], in_channels=3, out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"], latent_channels=4, sample_size=128,
    )


def _text_config() -> Any:
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, hidden_size=32, intermediate_size=37, layer_norm_eps=1e-05,
        num_attention_heads=4, num_hidden_layers=5, pad_token_id=1, vocab_size=1000, hidden_act="gelu",
        projection_dim=32,
    )


def build_tiny_pipeline(kind: str = "sd", *, seed: int = 0) -> Any:
    """A randomly initialised StableDiffusionPipeline (`kind="sd"`) or StableDiffusionXLPipeline
    (`kind="sdxl"`) with tiny components; the same seed gives the same weights."""
    import torch
    from diffusers import DDIMScheduler, EulerDiscreteScheduler
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    if kind == "sd":
        from diffusers import StableDiffusionPipeline

        unet = _unet(False)
        vae = _vae()
        text_encoder = CLIPTextModel(_text_config())
        scheduler: Any = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False, steps_offset=1)
        return StableDiffusionPipeline(
            unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tiny_clip_tokenizer(), scheduler=scheduler,
            safety_checker=None, feature_extractor=None, requires_safety_checker=False,
        )
    if kind == "sdxl":
        from diffusers import StableDiffusionXLPipeline

        unet = _unet(True)
        vae = _vae()
        text_encoder = CLIPTextModel(_text_config())
        text_encoder_2 = CLIPTextModelWithProjection(_text_config())
        scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1, beta_schedule="scaled_linear", timestep_spacing="leading")
        return StableDiffusionXLPipeline(
            unet=unet, vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2,
            tokenizer=tiny_clip_tokenizer(), tokenizer_2=tiny_clip_tokenizer(), scheduler=scheduler,
        )
    raise ValueError(f"kind must be 'sd' or 'sdxl', not {kind!r}")


def save_tiny_pipeline(folder: str | Path, kind: str = "sd", *, seed: int = 0) -> Path:
    """Build a tiny pipeline and save it as a diffusers folder (safetensors); return the folder."""
    folder = Path(folder)
    build_tiny_pipeline(kind, seed=seed).save_pretrained(folder, safe_serialization=True)
    return folder


def save_tiny_to_hf_cache(cache_dir: str | Path, hub_id: str, kind: str = "sd", *, seed: int = 0,
                          commit: str = "0123456789abcdef0123456789abcdef01234567") -> Path:
    """Lay a tiny pipeline out the way the Hugging Face cache stores a downloaded repo
    (`models--org--name/snapshots/<commit>/...` with `refs/main`); return the snapshot folder."""
    repo = Path(cache_dir) / ("models--" + hub_id.replace("/", "--"))
    snap = repo / "snapshots" / commit
    save_tiny_pipeline(snap, kind, seed=seed)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snap
