"""Meta's audiocraft package as a backend, used only when it imports.

audiocraft 1.3.0 (its last release) pins torch==2.1.0, torchaudio<2.1.2, xformers<0.0.23 and
av==11.0.0, which has no wheel for Python 3.11, so it cannot be a dependency of studio and does
not install next to studio's torch. Where a user has it in their own environment, this runs the
same MusicGen models through audiocraft's own code (its ``extend_stride`` continuation, its
chroma extractor for melody models). Everywhere else, ``backend: musicgen`` runs the same
checkpoints through transformers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.engine.errors import ModelNotAvailableError
from studio.models.loaders.audio import load_audiocraft

HINT = (
    "the audiocraft package is not installed or does not import here (audiocraft 1.3 pins torch 2.1, "
    "torchaudio < 2.1.2 and av 11, which has no wheel for Python 3.11); use backend=musicgen, which runs the "
    "same MusicGen checkpoints through transformers, or install audiocraft in its own Python 3.10 environment"
)


def available() -> tuple[bool, str]:
    try:
        import audiocraft.models  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure (missing, broken pins) means unusable
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def generate(model_name: str, prompt: str, duration: float, *, seed: int, guidance: float, temperature: float,
             top_k: int, extend_stride: float, melody: np.ndarray | None = None, melody_rate: int | None = None,
             device: str = "auto") -> tuple[np.ndarray, int]:
    ok, why = available()
    if not ok:
        raise ModelNotAvailableError(f"{HINT} ({why})")
    import torch

    model = load_audiocraft(model_name, device=device)
    model.set_generation_params(duration=float(duration), top_k=int(top_k), temperature=float(temperature),
                                cfg_coef=float(guidance), extend_stride=float(extend_stride), use_sampling=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if melody is not None:
            mel = torch.from_numpy(np.asarray(melody, dtype=np.float32))[None, None]
            wav = model.generate_with_chroma([prompt], mel, int(melody_rate or model.sample_rate))
        else:
            wav = model.generate([prompt])
    out: Any = wav[0].detach().float().cpu().numpy()  # (channels, samples)
    audio = out[0] if out.shape[0] == 1 else out.T
    return np.ascontiguousarray(audio[: int(round(duration * model.sample_rate))], dtype=np.float32), int(model.sample_rate)
