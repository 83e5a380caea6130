"""audio.loop / audio.export / audio.preview and the soundtrack recipe: loop tags read back from
OGG, FLAC and WAV by our own parsers and by ffmpeg, loudness within 1 dB of the target in every
decoded file, short clips, the limiter, stems that sum to the master after export, deterministic
files, bar-exact loops from the composer grid and from beat tracking, the preview image."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import soundfile as sf

import studio
from studio.backends.audio.music.analysis import beat_grid, seam_discontinuity
from studio.backends.audio.music.loops import make_loop
from studio.export import audio_tags as tagio
from studio.export.audio import export_audio, measure_lufs, read_loop_tags

SR = 22050


def _music(seconds: float = 6.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A stereo test signal with music-like level changes: chords with decaying notes."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    x = np.zeros((len(t), 2), np.float32)
    for k in range(int(seconds * 2)):
        f = 220 * 2 ** (rng.integers(0, 12) / 12)
        start = int(k * 0.5 * sr)
        seg = t[: len(t) - start]
        note = 0.2 * np.sin(2 * np.pi * f * seg) * np.exp(-3 * seg)
        x[start:, 0] += note
        x[start:, 1] += 0.8 * note
    return x


def _ffmpeg() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


# -- export ------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [-14.0, -20.0])
def test_export_formats_tags_and_loudness(tmp_path, target):
    x = _music()
    paths = export_audio(x, SR, tmp_path, "track", formats=("wav", "ogg", "flac"), loop_start=1000, loop_length=88200,
                         target_lufs=target, sidecar={"bpm": 120, "key": "A minor", "prompt": "test", "licence": "CC0"})
    assert set(paths) == {"wav", "ogg", "flac", "json"}
    # our own readers (no mutagen): Vorbis comments in OGG and FLAC, the WAV smpl chunk
    for fmt in ("ogg", "flac"):
        t = read_loop_tags(paths[fmt])
        assert (t["LOOPSTART"], t["LOOPLENGTH"], t["TITLE"], t["LICENSE"]) == ("1000", "88200", "test", "CC0")
    assert tagio.read_wav_loop(paths["wav"]) == (1000, 88200)
    assert tagio.check_ogg_crcs(paths["ogg"])  # every rewritten page has a valid CRC
    # and an independent decoder agrees: ffmpeg decodes the re-paged OGG and reports the tags
    probe = subprocess.run([_ffmpeg(), "-hide_banner", "-i", str(paths["ogg"]), "-f", "null", "-"], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-500:]
    assert "LOOPSTART       : 1000" in probe.stderr and "LOOPLENGTH      : 88200" in probe.stderr
    # every decoded file is within 1 dB of the loudness target, at full length
    for fmt in ("wav", "ogg", "flac"):
        y, sr = sf.read(str(paths[fmt]), dtype="float32")
        assert sr == SR and y.shape == x.shape
        lufs, _ = measure_lufs(y, sr)
        assert abs(lufs - target) < 1.0, (fmt, lufs)
        assert np.max(np.abs(y)) <= 10 ** (-1 / 20) + 2e-3  # under the -1 dBFS ceiling (OGG allows codec overshoot)
    side = json.loads(paths["json"].read_text())
    for key in ("bpm", "key", "meter", "bars", "sample_rate", "loop_start", "loop_length", "lufs", "seed", "backend", "model", "licence"):
        assert key in side, key
    assert (side["bpm"], side["loop_start"], side["loop_length"], side["sample_rate"]) == (120, 1000, 88200, SR)
    assert abs(side["lufs"] - target) < 0.3


def test_ogg_files_are_deterministic_and_crc_matches_the_reference(tmp_path):
    x = _music(3.0)
    a = export_audio(x, SR, tmp_path / "a", "t", formats=("ogg",), loop_start=0, loop_length=len(x))
    b = export_audio(x, SR, tmp_path / "b", "t", formats=("ogg",), loop_start=0, loop_length=len(x))
    assert a["ogg"].read_bytes() == b["ogg"].read_bytes()  # fixed stream serial: same input, same bytes
    rng = np.random.default_rng(0)
    for n in (0, 1, 27, 4096):
        blob = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert tagio.ogg_crc(blob) == tagio.ogg_crc_slow(blob)


def test_short_clips_and_the_limiter(tmp_path):
    t = np.arange(int(0.2 * SR)) / SR
    blip = (0.05 * np.sin(2 * np.pi * 880 * t) * np.exp(-8 * t)).astype(np.float32)
    p = export_audio(blip, SR, tmp_path, "blip", formats=("wav",), target_lufs=-16.0)
    side = json.loads(p["json"].read_text())
    assert "single block" in side["loudness_method"]
    y, _ = sf.read(str(p["wav"]), dtype="float32")
    assert abs(measure_lufs(y, SR)[0] - -16.0) < 1.0 and y.shape == blip.shape
    tick = np.zeros(int(0.02 * SR), np.float32)
    tick[:50] = np.hanning(50) * 0.1
    p = export_audio(tick, SR, tmp_path, "tick", formats=("wav",))
    side = json.loads(p["json"].read_text())
    assert "peak-normalised" in side["loudness_method"]
    assert np.max(np.abs(sf.read(str(p["wav"]), dtype="float32")[0])) == pytest.approx(10 ** (-1 / 20), abs=2e-3)
    # very peaky material: hitting -9 LUFS needs far more than the peaks allow; the limiter holds them
    spiky = 0.02 * _music(4.0)
    spiky[:: SR // 2] = 0.9
    parts = {"tone": spiky * 0.7, "clicks": spiky * 0.3}
    p = export_audio(spiky, SR, tmp_path, "spiky", formats=("wav",), target_lufs=-9.0, stems=parts, wav_subtype="FLOAT")
    y, _ = sf.read(str(p["wav"]), dtype="float32")
    side = json.loads(p["json"].read_text())
    assert side["limiter_max_reduction_db"] > 3
    # the stems got the same gain and limiter envelope: they still sum to the master
    stem_sum = sum(sf.read(str(p[f"stem:{k}"]), dtype="float32")[0] for k in parts)
    assert np.max(np.abs(stem_sum - y)) < 1e-5
    assert np.max(np.abs(y)) <= 10 ** (-1 / 20) + 1e-4
    assert abs(measure_lufs(y, SR)[0] - -9.0) < 1.0


def test_export_bad_input(tmp_path):
    from studio.engine.errors import InputError, UserError

    with pytest.raises(UserError, match="does not fit"):
        export_audio(_music(1.0), SR, tmp_path, "x", loop_start=0, loop_length=10**7)
    with pytest.raises(UserError, match="unknown audio format 'aiff'"):
        export_audio(_music(1.0), SR, tmp_path, "x", formats=("aiff",))
    with pytest.raises(InputError, match="NaN"):
        export_audio(np.full(1000, np.nan, np.float32), SR, tmp_path, "x")


def test_mp3_when_libsndfile_has_it(tmp_path):
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile has no MPEG support")
    p = export_audio(_music(2.0), SR, tmp_path, "m", formats=("mp3",))
    y, sr = sf.read(str(p["mp3"]), dtype="float32")
    assert sr == SR and abs(len(y) - int(2.0 * SR)) < 0.05 * SR
    assert "encoder delay" in json.loads(p["json"].read_text())["mp3_note"]


# -- loops ------------------------------------------------------------------------------------

def test_loop_from_the_composer_grid_keeps_stems_summing(tmp_path):
    p = studio.Pipeline("loop-test")
    m = p.step("music.generate", id="music", prompt="heroic adventure", duration=24, backend="procedural", sample_rate=SR)
    lp = p.step("audio.loop", id="loop", audio=m.audio, stems=m.stems, data=m.data)
    for name in ("audio", "stems", "data"):
        p.output(name, getattr(lp, name))
    p.output("music", m.data)
    res = studio.run(p, out=tmp_path / "run", seed=2)
    music, data = res.outputs["music"].data, res.outputs["data"].data
    bar = music["seconds_per_bar"] * SR
    intro = music["sections"][0]
    assert intro["name"] == "intro"
    b0, b1 = music["loop_bars"]
    assert data["loop_start"] == round(b0 * bar) and data["loop_length"] == round(b1 * bar) - round(b0 * bar)
    assert data["loop_source"] == "composer bar grid" and data["loop_bars"] == b1 - b0
    audio = res.outputs["audio"].samples
    # a piece with an ending (loopable=false) keeps intro and outro: the file holds every section listed
    assert audio.shape[0] == round(music["duration"] * SR) > data["loop_start"] + data["loop_length"]
    assert data["sections"] == music["sections"] and "kept after the loop" in data["ending"]
    stems = [s.samples for s in res.outputs["stems"]]
    assert np.max(np.abs(sum(stems) - audio)) < 1e-5
    assert data["seam_discontinuity"]["score"] < 2.0, data["seam_discontinuity"]


def test_loop_by_beat_tracking_on_audio_without_a_grid():
    # what neural audio looks like to audio.loop: a mono track at 32 kHz with no bar data
    from studio.backends.audio.music import synth
    from studio.backends.audio.music.composer import compose, to_pretty_midi
    from studio.backends.audio.music.style import infer_style

    rng = np.random.default_rng(1)
    st = infer_style("tense chase through a neon city", rng=rng, bpm=128)
    comp = compose(st, 20.0, rng=rng, loopable=False, bpm_fixed=True)
    mono = synth.render(comp, to_pretty_midi(comp), sample_rate=32000).mix.mean(axis=1)
    grid = beat_grid(mono, 32000)
    assert grid.bpm == pytest.approx(128, rel=0.01)
    # the downbeat lands on a bar line of the composition (kicks and crashes fall there)
    spb = comp.seconds_per_bar
    assert min(abs(grid.downbeat - k * spb) for k in range(comp.bars)) < 0.03
    out, _, info = make_loop(mono, 32000, {"prompt": "x"}, crossfade=0.08)
    assert info["loop_source"] == "beat tracking"
    assert info["loop_length"] == pytest.approx(info["loop_bars"] * spb * 32000, rel=0.01)
    assert info["loop_bars"] in (4, 8) and info["seam_discontinuity"]["score"] < 2.0
    seam = out[info["loop_start"] : info["loop_start"] + info["loop_length"]]
    # the same region cut without a crossfade is rougher at the seam than the crossfaded one
    raw = mono[info["loop_start"] : info["loop_start"] + info["loop_length"]]
    assert seam_discontinuity(seam, 32000)["step_ratio"] <= seam_discontinuity(raw, 32000)["step_ratio"] + 0.5


def test_loop_of_too_short_audio_is_a_user_error():
    from studio.engine.errors import UserError

    with pytest.raises(UserError, match="shorter than one bar"):
        make_loop(_music(0.5), SR, {"bpm_hint": 60})


# -- preview and the recipe -----------------------------------------------------------------

def test_preview_marks_loop_points(tmp_path):
    from studio.backends.audio.music.preview import render_preview

    x = _music(8.0)
    data = {"bpm": 120, "seconds_per_bar": 2.0, "sections": [{"name": "A", "start": 0, "end": 4}, {"name": "B", "start": 4, "end": 8}]}
    img = render_preview(x, SR, stems={"a": x * 0.5, "b": x * 0.5}, data=data, loop=(SR * 2, SR * 4), width=800)
    assert img.size[0] == 800 and img.size[1] > 300
    arr = np.asarray(img).astype(int)
    red = (arr[..., 0] > 200) & (arr[..., 1] < 130) & (arr[..., 2] < 130)
    cols = np.where(red.sum(axis=0) > 100)[0]
    left, plot_w = 110, 800 - 110 - 12
    for pos in (2 / 8, 6 / 8):  # LOOPSTART at 2 s, loop end at 6 s of 8 s
        assert np.min(np.abs(cols - (left + pos * plot_w))) <= 2
    blue = (arr[..., 2] > 200) & (arr[..., 0] < 150)
    assert blue.sum() > 10000  # the waveform is drawn


def test_soundtrack_recipe_end_to_end(tmp_path):
    res = studio.run("soundtrack", {"prompt": "tense chase through a neon city", "duration": 8},
                     overrides={"music.bpm": 150, "music.sample_rate": SR}, out=tmp_path / "run", seed=1)
    d = res.run_dir
    for name in ("soundtrack.wav", "soundtrack.ogg", "music.mid", "soundtrack.json", "preview.png", "manifest.json"):
        assert (d / name).is_file(), name
    side = json.loads((d / "soundtrack.json").read_text())
    assert side["backend"] == "procedural" and side["bpm"] == 150 and side["lufs"] == pytest.approx(-14, abs=0.3)
    ogg_tags = read_loop_tags(d / "soundtrack.ogg")
    assert int(ogg_tags["LOOPSTART"]) == side["loop_start"] == 0
    assert int(ogg_tags["LOOPLENGTH"]) == side["loop_length"]
    master, sr = sf.read(str(d / "soundtrack.wav"), dtype="float32")
    assert side["loop_length"] == len(master) and sr == SR
    # the loop is whole bars at exactly the requested tempo
    bars = side["loop_length"] / (SR * 4 * 60 / 150)
    assert bars == pytest.approx(round(bars), abs=1e-3)
    # stems from the run folder sum to the master (16-bit files: a few LSB of rounding per stem)
    stem_files = sorted((d / "stems").glob("*.wav"))
    assert [p.stem for p in stem_files] == sorted(side["stems"]) and len(stem_files) >= 4
    total = sum(sf.read(str(p), dtype="float32")[0] for p in stem_files)
    assert np.max(np.abs(total - master)) < len(stem_files) * 2.0 / 32768
    rec = {s["id"]: s for s in res.manifest["steps"]}
    assert rec["music"]["backend"] == "procedural" and any("procedural" in w for w in rec["music"]["warnings"])
    assert rec["loop"]["info"]["seam_score"] < 2.0
