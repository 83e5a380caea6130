"""MusicGen through transformers (MusicgenForConditionalGeneration and
MusicgenMelodyForConditionalGeneration); the model is loaded once per process by
`studio.models.loaders.audio.load_musicgen`.

Durations beyond the model's window (30 s for the released checkpoints: the transformers port
stops at 1503 tokens) are made by windowed continuation, as audiocraft's ``extend_stride`` does:
after the first window, the last ``window - extend_stride`` seconds are encoded back to tokens and
given as an audio prompt, the model continues for ``extend_stride`` seconds, and the new audio is
joined with a short linear crossfade over the end of the prompt (the prompt is re-decoded from the
same tokens, so the two sides are near-identical and a linear fade keeps the level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.engine.errors import UserError


def melody_chroma(audio: np.ndarray, sample_rate: int, *, model_rate: int = 32000, n_fft: int = 16384,
                  hop: int = 4096, max_seconds: float = 30.0) -> np.ndarray:
    """One-hot chroma per frame, (frames, 12): what MusicgenMelodyFeatureExtractor computes
    (power STFT with a periodic Hann window, centred with reflection, librosa chroma filters, the
    strongest chroma bin per frame set to 1), in numpy, without torchaudio."""
    from scipy.signal import resample_poly
    from transformers.audio_utils import chroma_filter_bank

    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sample_rate != model_rate:
        g = math.gcd(int(sample_rate), int(model_rate))
        x = resample_poly(x, model_rate // g, int(sample_rate) // g)
    x = x[: int(max_seconds * model_rate)]
    if len(x) < n_fft:
        pad = n_fft - len(x)
        x = np.pad(x, (pad // 2, pad - pad // 2))
    x = np.pad(x, (n_fft // 2, n_fft // 2), mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    filters = chroma_filter_bank(sampling_rate=model_rate, num_frequency_bins=n_fft, tuning=0, num_chroma=12)
    chroma = power @ filters.T
    out = np.zeros_like(chroma, dtype=np.float32)
    out[np.arange(len(chroma)), np.argmax(chroma, axis=1)] = 1.0
    return out


@dataclass
class Request:
    prompt: str
    duration: float
    seed: int
    guidance: float = 3.0
    temperature: float = 1.0
    top_k: int = 250
    window: float = 30.0
    extend_stride: float = 18.0
    crossfade: float = 0.25
    melody: np.ndarray | None = None  # mono float32
    melody_rate: int | None = None


@dataclass
class Result:
    audio: np.ndarray  # (n,) or (n, 2) float32
    sample_rate: int
    info: dict[str, Any] = field(default_factory=dict)


def _frames(model: Any) -> tuple[int, float, int, int]:
    enc = model.config.audio_encoder
    sr = int(enc.sampling_rate)
    fr = float(enc.frame_rate)
    k = int(model.config.decoder.num_codebooks)
    ch = int(getattr(model.config.decoder, "audio_channels", 1) or 1)
    return sr, fr, k, ch


def generate(model: Any, processor: Any, family: str, req: Request, *, progress=None) -> Result:
    import torch

    sr, fps, k, channels = _frames(model)
    hop = sr / fps
    delay = k // channels - 1  # the delay pattern adds this many steps
    total = int(round(req.duration * sr))
    window_frames = int(math.floor(req.window * fps))
    stride_frames = int(math.floor(req.extend_stride * fps))
    if window_frames < 2:
        raise UserError(f"window {req.window} s is shorter than two MusicGen frames")
    if not 0 < stride_frames < window_frames:
        raise UserError(f"extend_stride must be above 0 and below the window ({req.window} s), got {req.extend_stride}")
    context_frames = window_frames - stride_frames
    device = next(model.parameters()).device
    gen_kwargs = {"do_sample": True, "guidance_scale": req.guidance if req.guidance > 1 else None,
                  "temperature": req.temperature, "top_k": req.top_k}

    def melody_features(start_s: float, length_s: float) -> dict[str, Any]:
        if family != "musicgen_melody" or req.melody is None:
            return {}
        msr = int(req.melody_rate or sr)
        need = int(round(length_s * msr))
        off = int(round(start_s * msr))
        mel = req.melody
        reps = int(math.ceil((off + need) / max(1, len(mel)))) + 1
        seg = np.tile(mel, reps)[off : off + need]  # a short melody repeats
        chroma = melody_chroma(seg, msr, model_rate=sr)
        return {"input_features": torch.from_numpy(chroma)[None].to(device=device, dtype=model.dtype)}

    def run(new_frames: int, prompt_audio: np.ndarray | None, t0: float, index: int) -> np.ndarray:
        text = processor(text=[req.prompt], padding=True, return_tensors="pt")
        inputs: dict[str, Any] = {k_: v.to(device) for k_, v in text.items()}
        span = (new_frames + (0 if prompt_audio is None else prompt_audio.shape[-1] / hop)) / fps
        inputs.update(melody_features(t0, span))
        if prompt_audio is not None:
            if family == "musicgen":
                audio_in = processor(audio=[prompt_audio if channels == 1 else prompt_audio.T], sampling_rate=sr, return_tensors="pt")
                inputs["input_values"] = audio_in["input_values"].to(device=device, dtype=model.dtype)
                if "padding_mask" in audio_in:
                    inputs["padding_mask"] = audio_in["padding_mask"].to(device)
            else:
                if channels != 1:
                    raise UserError("stereo melody models are limited to one window here; ask for at most window seconds")
                x = torch.from_numpy(np.ascontiguousarray(prompt_audio, dtype=np.float32)).reshape(1, 1, -1)
                with torch.no_grad():
                    codes = model.audio_encoder.encode(x.to(device=device, dtype=model.dtype)).audio_codes
                inputs["decoder_input_ids"] = codes[0].reshape(k, -1)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(int(req.seed) + 7919 * index)
            out = model.generate(**inputs, max_new_tokens=new_frames + delay, **gen_kwargs)
        wav = out[0] if not hasattr(out, "sequences") else out.sequences[0]
        return wav.float().cpu().numpy()  # (channels, samples)

    first = min(window_frames, int(math.ceil(total / hop)))
    audio = run(first, None, 0.0, 0)
    joins = 0
    index = 1
    ctx_samples = int(round(context_frames * hop))
    xf_samples = int(round(min(req.crossfade, context_frames / fps) * sr))
    while audio.shape[-1] < total:
        if progress:
            progress(min(0.95, audio.shape[-1] / total), f"continuing at {audio.shape[-1] / sr:.1f}s")
        prompt = audio[:, -ctx_samples:]
        remaining = int(math.ceil((total - audio.shape[-1]) / hop))
        new_frames = min(stride_frames, remaining)
        t0 = (audio.shape[-1] - ctx_samples) / sr
        out = run(new_frames, prompt[0] if channels == 1 else prompt, t0, index)
        new_len = int(round(new_frames * hop))
        split = out.shape[-1] - new_len  # where the prompt's re-decoding ends
        if split <= 0:
            raise RuntimeError("MusicGen returned no continuation audio")
        xf = min(xf_samples, split, audio.shape[-1])
        if xf > 0:
            ramp = np.linspace(0.0, 1.0, xf, dtype=np.float32)
            audio[:, -xf:] = audio[:, -xf:] * (1 - ramp) + out[:, split - xf : split] * ramp
        audio = np.concatenate([audio, out[:, split:]], axis=-1)
        joins += 1
        index += 1
    audio = audio[:, :total]
    result = audio[0] if audio.shape[0] == 1 else audio.T
    return Result(np.ascontiguousarray(result, dtype=np.float32), sr,
                  {"windows": index, "joins": joins, "window_s": req.window, "extend_stride_s": req.extend_stride,
                   "frame_rate": fps, "codebooks": k, "channels": channels})
