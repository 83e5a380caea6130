"""Sound effects: deterministic synthesis, sane durations and levels, kinds that sound
different (spectral and envelope statistics), description words that bend them, and the
`sfx.generate` step with its backends."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from studio.backends.audio import sfx

CORE = ("jump", "coin", "hit", "explosion", "laser", "powerup", "blip")


def _stats(kind: str, seed: int, desc: str | None = None) -> dict[str, float]:
    x, info = sfx.generate_sfx(desc or kind, kind=None if desc else kind, seed=seed)
    assert info["kind"] == kind
    return sfx.stats(x)


def test_deterministic_and_seeded():
    a, _ = sfx.generate_sfx("coin pickup", seed=7)
    b, _ = sfx.generate_sfx("coin pickup", seed=7)
    c, _ = sfx.generate_sfx("coin pickup", seed=8)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    assert not (len(a) == len(c) and np.array_equal(a, c))


@pytest.mark.parametrize("kind", sfx.KIND_NAMES)
def test_durations_and_levels_are_sane(kind):
    for seed in range(4):
        x, info = sfx.generate_sfx(kind, kind=kind, seed=seed)
        assert np.all(np.isfinite(x))
        dur = len(x) / sfx.SAMPLE_RATE
        assert 0.03 <= dur <= 2.5, (kind, dur)
        peak = float(np.abs(x).max())
        assert 0.5 <= peak <= 0.95, (kind, peak)  # loud enough, never clipping
        assert abs(float(x.mean())) < 0.02  # no DC offset
        tail = np.abs(x[-int(0.002 * sfx.SAMPLE_RATE):]).max()
        assert tail < 0.05 * peak  # ends without a click
        assert info["params"]["freq"] > 0


def test_kinds_sound_different():
    seeds = range(4)
    med = {k: {f: float(np.median([_stats(k, s)[f] for s in seeds])) for f in ("duration", "centroid", "flatness", "pitch_trend", "zero_cross_hz")} for k in CORE}
    # envelope and pitch signatures of each preset
    assert med["laser"]["pitch_trend"] < -2 and med["hit"]["pitch_trend"] < -1
    assert med["jump"]["pitch_trend"] > 1 and med["powerup"]["pitch_trend"] > 0
    assert med["explosion"]["duration"] > 2 * med["blip"]["duration"]
    assert med["explosion"]["duration"] > med["coin"]["duration"] and med["explosion"]["duration"] > med["laser"]["duration"]
    assert med["blip"]["duration"] < 0.15
    assert med["explosion"]["flatness"] > 3 * med["blip"]["flatness"]  # noise versus a pure tone
    # every pair differs clearly in a vector of log-duration, log-centroid, flatness and pitch trend
    def vec(k):
        m = med[k]
        return np.array([np.log2(m["duration"]), np.log2(m["centroid"]), 4 * m["flatness"], m["pitch_trend"] / 2])
    for a, b in itertools.combinations(CORE, 2):
        assert np.linalg.norm(vec(a) - vec(b)) > 0.5, (a, b)


def test_description_words_choose_and_bend_the_sound():
    assert sfx.kind_for("coin pickup") == "coin"
    assert sfx.kind_for("big explosion") == "explosion"
    assert sfx.kind_for("player jumps") == "jump"
    assert sfx.kind_for("menu select") == "blip"
    assert sfx.kind_for("level up") == "powerup"
    assert sfx.kind_for("power up") == "powerup"
    assert sfx.kind_for("something else") is None
    _, big = sfx.params_for("big explosion", seed=1)
    _, small = sfx.params_for("small explosion", seed=1)
    assert big.freq < small.freq and big.duration > small.duration
    _, short = sfx.params_for("short laser", seed=2)
    _, long = sfx.params_for("long laser", seed=2)
    assert short.duration < long.duration
    x, _ = sfx.generate_sfx("laser", seed=3, duration=0.5)
    assert abs(len(x) / sfx.SAMPLE_RATE - 0.5) < 0.01
    _, soft = sfx.params_for("soft coin", seed=1)
    assert soft.lpf is not None and soft.lpf <= 1500


def test_unknown_kind_and_wave_are_errors():
    with pytest.raises(ValueError, match="unknown sound kind"):
        sfx.preset("kazoo", np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown wave"):
        sfx.synthesize(sfx.SynthParams(wave="kazoo"))


def test_neural_adapter_with_a_fake_pipeline():
    """The AudioLDM2 / Stable Audio call and its post-processing (a seam for tests: the real
    pipelines need weights)."""
    import torch

    class Out:
        def __init__(self, audios):
            self.audios = audios

    class FakeStableAudio:
        class vae:
            sampling_rate = 44100

        def __call__(self, prompt, *, audio_end_in_s, num_inference_steps, generator, negative_prompt=None):
            n = int(audio_end_in_s * 44100)
            noise = torch.randn(2, n, generator=generator) * 0.1
            noise[:, : n // 4] = 0  # leading silence is trimmed
            return Out(noise.unsqueeze(0))

    audio, rate = sfx.neural_sfx(FakeStableAudio(), "door creak", seconds=1.0, seed=1)
    assert rate == 44100 and audio.shape == (44100, 2)
    again, _ = sfx.neural_sfx(FakeStableAudio(), "door creak", seconds=1.0, seed=1)
    assert np.array_equal(audio, again)
    trimmed = sfx.trim_and_normalise(audio, rate)
    assert trimmed.shape[0] < audio.shape[0] * 0.8 and abs(np.abs(trimmed).max() - 0.89) < 1e-3


def test_sfx_step_writes_wav_ogg_and_reports(tmp_path):
    import soundfile as sf

    from studio import Pipeline

    p = Pipeline("s")
    s = p.step("sfx.generate", prompt="big explosion", count=2)
    p.output("files", s.files)
    p.output("data", s.data)
    r = p.run(out=tmp_path / "run")
    names = sorted(x.name for x in r.paths["files"])
    assert names == ["explosion_1.json", "explosion_1.ogg", "explosion_1.wav", "explosion_2.json", "explosion_2.ogg", "explosion_2.wav"]
    data, rate = sf.read(tmp_path / "run" / "files" / "explosion_1.wav")
    assert rate == 44100 and 0.3 < len(data) / rate < 3
    rows = r.outputs["data"].data["sounds"]
    assert [row["kind"] for row in rows] == ["explosion", "explosion"] and rows[0]["seed"] != rows[1]["seed"]
    rec = r.steps[0]
    assert rec["backend"] == "sfxr-synth"
    assert any("audioldm2" in w for w in rec["warnings"])  # the fallback is announced


def test_sfx_step_explicit_neural_without_weights_is_a_clear_error(tmp_path):
    from studio import Pipeline
    from studio.engine.errors import ModelNotAvailableError

    p = Pipeline("s")
    s = p.step("sfx.generate", prompt="coin", backend="neural", model="stable-audio-open")
    p.output("files", s.files)
    with pytest.raises(ModelNotAvailableError, match="stable-audio-open"):
        p.run(out=tmp_path / "run")


def test_sfx_catalogue():
    from studio.models import registry

    names = {m.name for m in registry.all_models("text-to-audio")}
    assert {"audioldm2", "stable-audio-open"} <= names
    assert "NC" in registry.get("text-to-audio", "audioldm2").licence
