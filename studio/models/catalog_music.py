"""MusicGen checkpoints (text-to-music). All of Meta's released MusicGen weights are CC-BY-NC 4.0:
fine for placeholders and personal projects, not for a game you sell."""

from __future__ import annotations

from studio.models.registry import ModelSpec, register_model

LICENCE = "CC-BY-NC-4.0"
_MG = "transformers:MusicgenForConditionalGeneration"
_MEL = "transformers:MusicgenMelodyForConditionalGeneration"

for name, hub, family, size, channels, desc, default in [
    ("musicgen-small", "facebook/musicgen-small", _MG, 2.4, 1, "300M parameters, mono 32 kHz; the quick one", True),
    ("musicgen-medium", "facebook/musicgen-medium", _MG, 8.0, 1, "1.5B parameters, mono 32 kHz", False),
    ("musicgen-large", "facebook/musicgen-large", _MG, 13.0, 1, "3.3B parameters, mono 32 kHz", False),
    ("musicgen-stereo-small", "facebook/musicgen-stereo-small", _MG, 2.4, 2, "stereo 32 kHz, 300M", False),
    ("musicgen-stereo-medium", "facebook/musicgen-stereo-medium", _MG, 8.0, 2, "stereo 32 kHz, 1.5B", False),
    ("musicgen-stereo-large", "facebook/musicgen-stereo-large", _MG, 13.0, 2, "stereo 32 kHz, 3.3B", False),
    ("musicgen-melody", "facebook/musicgen-melody", _MEL, 6.0, 1, "1.5B, follows the melody of a reference audio (chroma)", False),
    ("musicgen-melody-large", "facebook/musicgen-melody-large", _MEL, 13.0, 1, "3.3B melody model", False),
    ("musicgen-stereo-melody", "facebook/musicgen-stereo-melody", _MEL, 6.0, 2, "stereo melody model, 1.5B", False),
]:
    register_model(ModelSpec(
        name=name, task="text-to-music", hub_id=hub, licence=LICENCE, description=desc, family=family,
        size_gb=size, default=default,
        settings={"sample_rate": 32000, "channels": channels, "max_seconds": 30, "frame_rate": 50,
                  "melody": family == _MEL},
    ))
