"""music.generate: the prompt reader, the procedural composer and its SoundFont render (tempo measured
in the audio, key/mode from prompt words, voice leading, stems that sum to the mix, seamless loops,
determinism), the step's backends and bad input, and MusicGen through a tiny random checkpoint
built in code (exact durations, windowed continuation, the melody model)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import studio
from studio.backends.audio.music import synth
from studio.backends.audio.music.analysis import estimate_tempo, seam_discontinuity
from studio.backends.audio.music.composer import compose, to_pretty_midi
from studio.backends.audio.music.style import MINOR_LIKE, infer_style
from studio.engine.errors import InputError, ModelNotAvailableError, UserError

SR = 22050


def _track(prompt: str, duration: float = 12.0, *, seed: int = 0, loopable: bool = False, sr: int = SR, **kw):
    rng = np.random.default_rng(seed)
    st = infer_style(prompt, rng=rng, **kw)
    comp = compose(st, duration, rng=rng, loopable=loopable, bpm_fixed=kw.get("bpm") is not None)
    pm = to_pretty_midi(comp, humanize_rng=np.random.default_rng(seed + 1))
    return st, comp, pm, synth.render(comp, pm, sample_rate=sr)


def _generate(**with_):
    p = studio.Pipeline("music-test")
    m = p.step("music.generate", id="music", **with_)
    for name in ("audio", "stems", "midi", "data"):
        p.output(name, getattr(m, name))
    return p


# -- the prompt reader ------------------------------------------------------------------------

@pytest.mark.parametrize("prompt, genre, modes, bpm_range, meter", [
    ("tense chase through a neon city", "synthwave", MINOR_LIKE, (110, 140), 4),
    ("calm peaceful lullaby in the meadow", "ambient", {"major", "lydian"}, (60, 100), 3),
    ("sad rainy day piano", "ballad", {"minor", "dorian"}, (55, 80), 4),
    ("epic orchestral battle", "orchestral", MINOR_LIKE | {"major", "mixolydian"}, (110, 140), 4),
    ("jazz noir detective in a smoky bar", "jazz", None, (95, 150), 4),
    ("happy 8-bit platformer", "chiptune", {"major", "mixolydian"}, (130, 165), 4),
    ("spooky haunted mansion", "horror", {"harmonic_minor", "minor", "phrygian"}, (55, 90), 4),
])
def test_prompt_words_decide_genre_mode_tempo_meter(prompt, genre, modes, bpm_range, meter):
    for seed in range(3):
        st = infer_style(prompt, rng=np.random.default_rng(seed))
        assert st.genre.name == genre, st.matched
        if modes:
            assert st.mode in modes, (prompt, st.mode)
        assert bpm_range[0] <= st.bpm <= bpm_range[1], (prompt, st.bpm)
        assert st.beats_per_bar == meter


def test_calm_nature_is_no_pop_band():
    """#17: "calm forest exploration at dawn" was a pop band with a drum kit at 104 bpm: the
    prompt's own mood word wins over scene words, and with no genre word the place picks the band."""
    for seed in range(3):
        st = infer_style("calm forest exploration at dawn", rng=np.random.default_rng(seed))
        assert st.genre.name == "ambient" and st.mood.name == "calm", st.matched
        assert "drums" not in st.band and st.drum_style == "none" and st.bpm <= 84
    st = infer_style("a cheerful walk in the woods", rng=np.random.default_rng(0))
    assert st.genre.name == "folk" and st.mood.name == "happy"
    assert infer_style("rainy night in the city", rng=np.random.default_rng(0)).genre.name == "lofi"
    assert infer_style("a tiny dragon in a volcano", rng=np.random.default_rng(0)).genre.name == "orchestral"


@pytest.mark.parametrize("prompt, key", [
    ("in a volcano", None), ("a minor setback in a major city", None), ("an adventure in a castle", None),
    ("sad piano in A minor", (9, "minor")), ("key of D", (2, "")), ("in e dorian please", (4, "dorian")),
    ("a march in F# major", (6, "major")), ("the key of Bb minor", (10, "minor")),
])
def test_only_explicit_key_phrases_set_a_key(prompt, key):
    from studio.backends.audio.music.style import _key_in_prompt

    assert _key_in_prompt(prompt) == key
    st = infer_style(prompt, rng=np.random.default_rng(0))
    assert ("key" in st.matched) == (key is not None), st.matched


def test_explicit_words_and_overrides():
    st = infer_style("a march in F# major at 140 bpm", rng=np.random.default_rng(0))
    assert (st.tonic, st.mode, st.bpm, st.bpm_source) == (6, "major", 140.0, "prompt")
    st = infer_style("tense chase", rng=np.random.default_rng(0), bpm=96, key="Bb", mode="dorian",
                     instruments=["Piano", "upright bass", "drums"])
    assert (st.tonic, st.mode, st.bpm) == (10, "dorian", 96.0)
    # a lone piano carries the tune and its own harmony (two tracks)
    assert {r: [i.name for i in v] for r, v in st.band.items()} == {"melody": ["piano"], "chords": ["piano"], "bass": ["acoustic bass"], "drums": ["drums"]}
    # an instrument named in the prompt joins the band in its role
    st = infer_style("a calm village tune with a flute and a harp", rng=np.random.default_rng(0))
    assert st.band["melody"][0].name == "flute" and st.band["arp"][0].name == "harp"


def test_bad_names_are_user_errors():
    with pytest.raises(UserError, match=r"unknown instrument 'kazoo'; known instruments: .*piano.*synth bass"):
        infer_style("x", rng=np.random.default_rng(0), instruments=["piano", "kazoo"])
    with pytest.raises(UserError, match="not a key name"):
        infer_style("x", rng=np.random.default_rng(0), key="H minor")


# -- the composer and the render ----------------------------------------------------------------

@pytest.mark.parametrize("prompt, bpm", [("tense chase through a neon city", 140), ("lofi study beats", 84),
                                         ("epic orchestral battle", 128), ("tavern folk waltz", 150)])
def test_rendered_tempo_matches_requested_bpm(prompt, bpm):
    _, comp, _, r = _track(prompt, 16.0, bpm=bpm)
    assert comp.bpm == bpm  # a requested tempo is kept exactly
    est = estimate_tempo(r.mix, SR)
    assert est.bpm == pytest.approx(bpm, rel=0.015), est


def test_prompts_sound_different():
    prompts = ["tense chase through a neon city", "calm peaceful lullaby in the meadow", "jazz noir detective", "sad rainy day piano"]
    seen = []
    for prompt in prompts:
        st, comp, pm, r = _track(prompt, 16.0, sr=11025)
        tempo = estimate_tempo(r.mix, 11025).bpm
        assert tempo == pytest.approx(comp.bpm, rel=0.015), (prompt, tempo, comp.bpm)  # measured in the audio
        seen.append((tempo, st.mode, frozenset((i.program, i.is_drum) for i in pm.instruments), st.beats_per_bar, st.swing))
    for i in range(len(seen)):
        for j in range(i + 1, len(seen)):
            (ta, ma, ba, meta, swa), (tb, mb, bb, metb, swb) = seen[i], seen[j]
            assert ba - bb and bb - ba, (prompts[i], prompts[j])  # each has instruments the other lacks
            # and they differ in tempo (by 8 % or more), mode, meter or swing
            assert abs(ta / tb - 1) >= 0.08 or ma != mb or meta != metb or swa != swb, (prompts[i], prompts[j])
    assert len({round(t) for t, *_ in seen}) >= 3 and len({m for _, m, *_ in seen}) >= 2


def test_deterministic_and_seeded():
    _, _, pm_a, a = _track("happy 8-bit platformer", 8.0, seed=5)
    _, _, pm_b, b = _track("happy 8-bit platformer", 8.0, seed=5)
    _, _, _, c = _track("happy 8-bit platformer", 8.0, seed=6)
    assert np.array_equal(a.mix, b.mix) and all(np.array_equal(a.stems[k], b.stems[k]) for k in a.stems)
    buf_a, buf_b = io.BytesIO(), io.BytesIO()
    pm_a.write(buf_a)
    pm_b.write(buf_b)
    assert buf_a.getvalue() == buf_b.getvalue()
    assert not np.array_equal(a.mix, c.mix)


def test_stems_sum_to_the_mix_and_carry_one_instrument_each():
    st, comp, pm, r = _track("epic orchestral battle", 10.0)
    assert list(r.stems) == [t.slug for t in comp.tracks] + ["reverb"]
    total = sum(r.stems.values())
    assert np.max(np.abs(total - r.mix)) < 1e-5
    assert np.max(np.abs(r.mix)) == pytest.approx(10 ** (-1 / 20), abs=1e-4)  # peak-normalised to -1 dBFS
    for name, x in r.stems.items():
        assert x.shape == r.mix.shape and np.sqrt(np.mean(x**2)) > 1e-3, name  # every stem plays


def test_form_harmony_and_voice_leading():
    st, comp, pm, _ = _track("sad rainy day piano", 60.0, seed=2, sr=8000)
    names = [s.name for s in comp.sections]
    assert names[0] == "intro" and names[-1] == "outro" and "A" in names and "B" in names
    assert comp.bars * comp.seconds_per_bar == pytest.approx(60.0)  # the tempo was nudged to whole bars
    tonic_pc = st.tonic
    assert comp.chords[-1].root == tonic_pc  # ends on the tonic
    scale = {(st.tonic + s) % 12 for s in st.scale}
    # pads and comping move little from chord to chord (minimal-motion voicings)
    for track in comp.tracks:
        if track.role != "pad":
            continue
        onsets = sorted({n.start for n in track.notes})
        chords = [sorted(n.pitch for n in track.notes if n.start == t) for t in onsets]
        moves = [sum(abs(a - b) for a, b in zip(c0, c1)) for c0, c1 in zip(chords, chords[1:]) if len(c0) == len(c1)]
        assert moves and np.mean(moves) <= 5.0, moves
    # the melody stays in the key and lands on chord tones on strong beats
    melody = next(t for t in comp.tracks if t.role == "melody")
    pcs = [n.pitch % 12 for n in melody.notes]
    assert np.mean([pc in scale for pc in pcs]) >= 0.95
    strong = [n for n in melody.notes if n.start % comp.beats_per_bar in (0.0, 2.0)]
    on_chord = [n.pitch % 12 in comp.chords[int(n.start // comp.beats_per_bar)].pcs for n in strong]
    assert len(strong) >= 8 and np.mean(on_chord) >= 0.9


def test_loop_is_seamless_and_equals_the_continuous_performance():
    st, comp, pm, r = _track("sad piano ballad with strings", 12.0, loopable=True, seed=1)
    names = [s.name for s in comp.sections]
    assert "intro" not in names and "outro" not in names
    n = r.mix.shape[0]
    assert n == round(12.0 * SR)
    bar = comp.seconds_per_bar * SR
    seam = seam_discontinuity(r.mix, SR, bar_samples=bar)
    assert seam["score"] < 2.0, seam
    # the wrap must sound like the piece played twice in a row: render two periods continuously
    import copy

    pm2 = copy.deepcopy(pm)
    L = comp.duration
    for inst in pm2.instruments:
        inst.notes += [type(nt)(nt.velocity, nt.pitch, nt.start + L, nt.end + L) for nt in inst.notes]
    comp2 = copy.copy(comp)
    comp2.duration = 2 * L
    comp2.loopable = False
    two = synth.render(comp2, pm2, sample_rate=SR).mix
    w = int(0.25 * SR)

    def error_db(loop):
        wrapped = np.concatenate([loop[-w:], loop[:w]])
        cont = two[n - w : n + w]
        g = float(np.sum(wrapped * cont) / np.sum(cont * cont))  # the renders are peak-normalised separately
        return 10 * np.log10(np.sum((wrapped - g * cont) ** 2) / np.sum(wrapped**2))

    good = error_db(r.mix)
    assert good < -30, good
    # without folding the release and reverb tails back onto the start, the wrap loses them
    saved = synth.fold_loop
    try:
        synth.fold_loop = lambda x, m: x[:m].copy()
        naive = synth.render(comp, pm, sample_rate=SR).mix
    finally:
        synth.fold_loop = saved
    assert error_db(naive) > good + 15, (error_db(naive), good)


def test_seam_metric_flags_a_click():
    sr = 8000
    t = np.arange(sr) / sr
    whole = np.sin(2 * np.pi * 100 * t)  # exactly 100 periods: wraps continuously
    cut = np.sin(2 * np.pi * 100 * t[: int(0.9975 * sr)])  # stops a quarter period early: a jump
    assert seam_discontinuity(whole, sr)["step_ratio"] < 1.5
    assert seam_discontinuity(cut, sr)["step_ratio"] > 10
    # against the music's own bar lines: a click on a note-less bar line scores high
    bar = sr // 4
    clicky = np.tile(0.1 * np.sin(2 * np.pi * 200 * np.arange(bar) / sr), 4)
    clicky[-1] = 0.9
    assert seam_discontinuity(clicky, sr, bar_samples=bar)["score"] > 2.0


def test_midi_file_round_trip():
    import pretty_midi

    st, comp, pm, _ = _track("tense chase through a neon city", 8.0, loopable=True, sr=8000)
    buf = io.BytesIO()
    pm.write(buf)
    buf.seek(0)
    back = pretty_midi.PrettyMIDI(buf)
    assert back.get_tempo_changes()[1][0] == pytest.approx(comp.bpm, rel=1e-3)
    assert back.time_signature_changes[0].numerator == comp.beats_per_bar
    assert [(i.program, i.is_drum) for i in back.instruments] == [(t.instrument.program, t.instrument.is_drum) for t in comp.tracks]
    assert sum(len(i.notes) for i in back.instruments) == sum(len(i.notes) for i in pm.instruments) > 100
    assert all(any(c.number == 111 for c in i.control_changes) for i in back.instruments)  # loop start (RPG Maker)


# -- the step ---------------------------------------------------------------------------------

def test_generate_step_procedural_outputs(tmp_path):
    res = studio.run(_generate(prompt="happy 8-bit platformer", duration=6, backend="procedural", sample_rate=SR),
                     out=tmp_path / "run", seed=3)
    audio, stems, data = res.outputs["audio"], res.outputs["stems"], res.outputs["data"].data
    assert audio.sample_rate == SR and audio.samples.shape == (6 * SR, 2)
    assert [s.name for s in stems] == data["stems"] and "reverb" in data["stems"]
    assert np.max(np.abs(sum(s.samples for s in stems) - audio.samples)) < 1e-5
    assert res.paths["midi"].suffix == ".mid" and res.paths["midi"].stat().st_size > 200
    for key in ("bpm", "key", "meter", "bars", "sections", "instruments", "backend", "licence", "seed"):
        assert data[key] is not None, key
    assert data["backend"] == "procedural" and "GPL" in data["licence"]
    step = res.manifest["steps"][0]
    assert step["backend"] == "procedural" and not step["warnings"]
    # same seed, same files; the cache is bypassed to prove it
    again = studio.run(_generate(prompt="happy 8-bit platformer", duration=6, backend="procedural", sample_rate=SR),
                       out=tmp_path / "run2", seed=3, use_cache=False)
    assert np.array_equal(again.outputs["audio"].samples, audio.samples)
    assert again.paths["midi"].read_bytes() == res.paths["midi"].read_bytes()


def test_auto_falls_back_with_a_warning_and_explicit_backends_fail_clearly(tmp_path):
    res = studio.run(_generate(prompt="calm", duration=2, sample_rate=8000), out=tmp_path / "a")
    step = res.manifest["steps"][0]
    assert step["backend"] == "procedural"
    assert any("musicgen-small" in w and "procedural" in w for w in step["warnings"])
    with pytest.raises(ModelNotAvailableError, match="studio models pull musicgen-small"):
        studio.run(_generate(prompt="calm", duration=2, backend="musicgen"), out=tmp_path / "b")
    try:
        import audiocraft  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means the backend is unavailable
        with pytest.raises(ModelNotAvailableError, match="audiocraft.*backend=musicgen"):
            studio.run(_generate(prompt="calm", duration=2, backend="audiocraft"), out=tmp_path / "c")


@pytest.mark.parametrize("with_, message", [
    ({"duration": 0}, "duration.*greater than or equal to 1"),
    ({"duration": 3600}, "duration.*less than or equal to 600"),
    ({"instruments": ["kazoo"]}, "unknown instrument 'kazoo'; known instruments"),
    ({"bpm": 900}, "bpm"),
])
def test_bad_input_is_one_clear_user_error(tmp_path, with_, message):
    with pytest.raises(UserError, match=message):
        studio.run(_generate(prompt="calm", backend="procedural", **with_), out=tmp_path / "x")


def test_unreadable_melody_and_soundfont_files(tmp_path):
    bad = tmp_path / "melody.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(InputError, match="not a readable audio file"):
        studio.run(_generate(prompt="calm", duration=2, melody=str(bad)), out=tmp_path / "x")
    with pytest.raises(InputError, match="no such file"):
        studio.run(_generate(prompt="calm", duration=2, melody=str(tmp_path / "missing.wav")), out=tmp_path / "y")
    sf2 = tmp_path / "font.sf2"
    sf2.write_bytes(b"RIFF0000sfbk garbage")
    with pytest.raises(InputError, match="not a readable SoundFont"):
        studio.run(_generate(prompt="calm", duration=2, backend="procedural", soundfont=str(sf2)), out=tmp_path / "z")


def test_user_soundfont_overrides_the_bundled_one(tmp_path):
    import shutil

    sf2 = tmp_path / "MyFont.sf2"
    shutil.copyfile(synth.default_soundfont(), sf2)
    res = studio.run(_generate(prompt="calm", duration=2, backend="procedural", soundfont=str(sf2), sample_rate=8000), out=tmp_path / "x")
    data = res.outputs["data"].data
    assert data["soundfont"] == "MyFont.sf2" and "MyFont.sf2" in data["licence"]


def test_cli_exit_code_2_for_zero_duration(tmp_path):
    from studio.cli import main

    code = main(["run", "soundtrack", "-i", "prompt=calm", "--set", "music.duration=0", "--out", str(tmp_path / "r"), "-q"])
    assert code == 2
    assert not (tmp_path / "r").exists()


# -- MusicGen through transformers, with tiny random checkpoints built here -------------------------

@pytest.fixture(scope="module")
def one_thread():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared 2-core box: OpenMP threads fighting over cores cost 50x
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_musicgen(tmp_path_factory, one_thread):
    from studio.testing.tiny_musicgen import build_tiny_musicgen

    return build_tiny_musicgen(tmp_path_factory.mktemp("models") / "tiny-musicgen")


@pytest.fixture(scope="module")
def tiny_melody(tmp_path_factory, one_thread):
    from studio.testing.tiny_musicgen import build_tiny_musicgen

    return build_tiny_musicgen(tmp_path_factory.mktemp("models") / "tiny-musicgen-melody", melody=True)


def test_musicgen_exact_duration_through_the_model_manager(tiny_musicgen, tmp_path):
    from studio.models import manager

    manager.clear()
    res = studio.run(_generate(prompt="tense chase", duration=1.3, backend="musicgen", model=str(tiny_musicgen), top_k=50),
                     out=tmp_path / "a", seed=1)
    audio, data = res.outputs["audio"], res.outputs["data"].data
    assert audio.sample_rate == 32000 and audio.samples.shape == (round(1.3 * 32000),)
    assert res.outputs["stems"] == [] and res.outputs["midi"] is None and "midi" not in res.paths or res.paths["midi"] is None
    assert data["backend"] == "musicgen" and data["generation"]["windows"] == 1
    assert float(np.std(audio.samples)) > 1e-4  # not silence (EnCodec codebooks were filled)
    assert manager.load_count == 1 and any(str(tiny_musicgen) in str(k) for k in manager.loaded_keys())
    again = studio.run(_generate(prompt="tense chase", duration=1.3, backend="musicgen", model=str(tiny_musicgen), top_k=50),
                       out=tmp_path / "b", seed=1, use_cache=False)
    assert manager.load_count == 1  # loaded once per process
    assert np.array_equal(again.outputs["audio"].samples, audio.samples)  # seeded
    other = studio.run(_generate(prompt="tense chase", duration=1.3, backend="musicgen", model=str(tiny_musicgen), top_k=50),
                       out=tmp_path / "c", seed=2, use_cache=False)
    assert not np.array_equal(other.outputs["audio"].samples, audio.samples)


def test_musicgen_continues_beyond_its_window(tiny_musicgen, tmp_path):
    # a 0.6 s window continued to 2x its length: 0.6 s, then 2 x 0.3 s continuations after 0.3 s prompts
    res = studio.run(_generate(prompt="neon city", duration=1.2, backend="musicgen", model=str(tiny_musicgen), top_k=50,
                               window=0.6, extend_stride=0.3), out=tmp_path / "a", seed=4)
    audio, gen = res.outputs["audio"].samples, res.outputs["data"].data["generation"]
    assert audio.shape == (round(1.2 * 32000),) and np.all(np.isfinite(audio))
    assert gen["windows"] == 3 and gen["joins"] == 2
    # the continuation is new audio, not the first window repeated
    first = audio[: int(0.6 * 32000)]
    second = audio[int(0.6 * 32000):]
    assert not np.allclose(first, second, atol=1e-3)
    # the model id in the report is the folder given; the licence is unknown for an uncatalogued model
    assert res.manifest["steps"][0]["model"] == str(tiny_musicgen)


def test_musicgen_melody_model_and_numpy_chroma(tiny_melody, tmp_path):
    import soundfile as sf

    from studio.backends.audio.music.musicgen import melody_chroma

    sr = 32000
    t = np.arange(sr * 2) / sr
    notes = [261.63, 329.63, 392.0, 440.0]  # C E G A, half a second each
    tone = np.concatenate([0.3 * np.sin(2 * np.pi * f * t[: sr // 2]) for f in notes]).astype(np.float32)
    chroma = melody_chroma(tone, sr, hop=sr // 4, n_fft=8192)
    assert chroma.shape[1] == 12 and np.all(chroma.sum(axis=1) == 1)
    picked = chroma.argmax(axis=1)
    assert {0, 4, 7, 9} <= set(picked.tolist())  # C, E, G and A are found
    path = tmp_path / "hum.wav"
    sf.write(str(path), tone, sr)
    res = studio.run(_generate(prompt="calm", duration=1.2, backend="musicgen", model=str(tiny_melody), melody=str(path), top_k=50,
                               window=0.6, extend_stride=0.3), out=tmp_path / "a", seed=1)
    audio = res.outputs["audio"].samples
    assert audio.shape == (round(1.2 * 32000),) and not res.manifest["steps"][0]["warnings"]
    assert res.outputs["data"].data["generation"]["windows"] == 3


def test_not_a_musicgen_folder_is_a_user_error(tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(UserError, match="not a MusicGen model"):
        studio.run(_generate(prompt="calm", duration=1, backend="musicgen", model=str(folder)), out=tmp_path / "x")
