"""Tiny random MusicGen checkpoints built in code, for tests, benchmarks and offline demos.

They have the real architecture and configuration shape (T5 text encoder, 32 kHz EnCodec with
upsampling ratios (8, 5, 4, 4) = 50 frames per second and 4 codebooks, MusicGen decoder) with a
few thousand parameters, so the real loading and generation code runs in seconds without a hub.
EnCodec's codebooks are zero buffers at initialisation (every token would decode to the same
waveform), so they are filled with seeded random values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_tiny_musicgen(path: str | Path, *, melody: bool = False, seed: int = 0, stereo: bool = False) -> Path:
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenMelodyConfig,
        MusicgenMelodyForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5Tokenizer,
    )

    path = Path(path)
    torch.manual_seed(seed)
    channels = 2 if stereo else 1
    text = T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)
    # 4 codebooks of 64 entries at 50 frames/s: bandwidth = 4 * 6 bits * 50 / 1000 = 1.2 kbps
    audio = EncodecConfig(sampling_rate=32000, upsampling_ratios=[8, 5, 4, 4], hidden_size=16, num_filters=4,
                          num_residual_layers=1, codebook_size=64, codebook_dim=16, num_lstm_layers=1,
                          target_bandwidths=[1.2], audio_channels=1)
    decoder = MusicgenDecoderConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                    ffn_dim=32, num_codebooks=4 * channels, audio_channels=channels,
                                    max_position_embeddings=2048, pad_token_id=64, bos_token_id=64)
    model: Any
    if melody:
        model = MusicgenMelodyForConditionalGeneration(
            MusicgenMelodyConfig(text_encoder=text, audio_encoder=audio, decoder=decoder, num_chroma=12))
    else:
        model = MusicgenForConditionalGeneration(MusicgenConfig(text_encoder=text, audio_encoder=audio, decoder=decoder))
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
    words = ["tense", "chase", "calm", "city", "neon", "music", "epic", "sad", "happy"]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(c, -2.0) for c in "abcdefghijklmnopqrstuvwxyz▁"] + [("▁" + w, -1.0) for w in words]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=64)
    processor: Any
    if melody:
        # MusicgenMelodyFeatureExtractor needs torchaudio; studio computes chroma itself and
        # loads only the tokenizer of a melody checkpoint
        processor = tokenizer
    else:
        processor = MusicgenProcessor(feature_extractor=EncodecFeatureExtractor(feature_size=channels, sampling_rate=32000), tokenizer=tokenizer)
    model.generation_config.max_new_tokens = 50 * 1 + 3
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path))
    processor.save_pretrained(str(path))
    return path
