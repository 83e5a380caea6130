"""Known text-to-audio models for sound effects (diffusers pipelines).

Licences travel with the files: AudioLDM2 weights are CC-BY-NC-SA 4.0 (no commercial use), Stable
Audio Open 1.0 the Stability AI Community Licence (free under USD 1M annual revenue). The embedded
synthesiser (`sfx.generate` backend `synth`) has no such strings attached.
"""

from __future__ import annotations

from studio.models.registry import ModelSpec, register_model

for _spec in (
    ModelSpec(
        name="audioldm2", task="text-to-audio", hub_id="cvssp/audioldm2",
        licence="CC-BY-NC-SA-4.0", family="diffusers:AudioLDM2Pipeline", size_gb=4.4, default=True,
        description="AudioLDM 2 (general sound); 16 kHz mono, good at everyday sound effects",
        settings={"steps": 100, "sample_rate": 16000, "max_seconds": 10.0},
    ),
    ModelSpec(
        name="audioldm2-large", task="text-to-audio", hub_id="cvssp/audioldm2-large",
        licence="CC-BY-NC-SA-4.0", family="diffusers:AudioLDM2Pipeline", size_gb=6.5,
        description="AudioLDM 2 large; 16 kHz mono, better quality, slower",
        settings={"steps": 150, "sample_rate": 16000, "max_seconds": 10.0},
    ),
    ModelSpec(
        name="stable-audio-open", task="text-to-audio", hub_id="stabilityai/stable-audio-open-1.0",
        licence="Stability AI Community License (free under USD 1M annual revenue)",
        family="diffusers:StableAudioPipeline", size_gb=4.9, gated=True,
        description="Stable Audio Open 1.0; 44.1 kHz stereo, up to 47 s, strong on foley and effects",
        settings={"steps": 100, "sample_rate": 44100, "max_seconds": 47.0},
    ),
):
    register_model(_spec)
