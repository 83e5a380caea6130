"""Lettering, checked geometrically: text inside its bubble, bubbles inside the panel and off
faces, no overlaps, reading order, tails towards the speaker; and in pixels: nothing is drawn
outside the bubbles and their tails."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.comic.lettering import (
    Line,
    classify,
    panel_lines,
    plan_panel,
    reads_after,
    render_panel,
    split_sentences,
    wrap_text,
)
from studio.comic.script import (
    normalise,
    panel_from_meta,
    panel_from_story,
    parse_speech,
    speech_string,
)
from studio.engine.errors import InputError


def _inside(inner, outer, tol=0.5) -> bool:
    return inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _text_in_shape(b) -> bool:
    """The text's ink box lies inside the bubble's inner shape (ellipse for ovals, clouds and
    shouts; the rectangle for boxes)."""
    x0, y0, x1, y1 = b.rect
    if b.shape in ("box", "rect"):
        return _inside(b.text_rect, b.rect, tol=0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a, bb = (x1 - x0) / 2, (y1 - y0) / 2
    if b.shape == "jagged":
        a, bb = a / 1.28, bb / 1.28
    if b.shape == "cloud":
        r = 0.16 * min(a, bb)
        a, bb = a - r, bb - r
    tx0, ty0, tx1, ty1 = b.text_rect
    return all(((px - cx) / a) ** 2 + ((py - cy) / bb) ** 2 <= 1.0 + 1e-6 for px in (tx0, tx1) for py in (ty0, ty1))


SCENES = [
    # (size, faces, lines, direction)
    ((600, 400), [(380, 150, 120, 120)], [Line("caption", "Meanwhile, at the old mill, a storm was gathering.", None, "box"),
                                          Line("speech", "Did you hear that?", "Ann", "oval"),
                                          Line("speech", "It came from the roof.", "Ann", "oval")], "ltr"),
    ((400, 600), [(60, 300, 100, 100), (250, 320, 90, 90)], [Line("speech", "Who are you?", "Ann", "oval"),
                                                             Line("shout", "GET OUT OF MY HOUSE!", "Bob", "jagged"),
                                                             Line("thought", "He looks scared.", "Ann", "cloud")], "ltr"),
    ((800, 300), [(100, 60, 110, 110)], [Line("speech", "Right to left we read.", "Ken", "oval"),
                                        Line("speech", "And so do the bubbles.", "Yui", "rect")], "rtl"),
    ((300, 300), [], [Line("speech", "A small panel with quite a lot of words to fit in it somewhere.", None, "oval")], "ltr"),
    ((1000, 560), [(420, 120, 170, 170)], [Line("caption", "Later.", None, "box"), Line("speech", "Hi!", "A", "jagged"),
                                          Line("speech", "Hello. Nice to see you again after all these years.", "A", "oval")], "ltr"),
]


def _check_plan(plan, size, faces, direction):
    W, H = size
    face_rects = [(x, y, x + w, y + h) for x, y, w, h in faces]
    assert plan.relaxed == [], plan.relaxed
    for b in plan.bubbles:
        assert _inside(b.rect, (0, 0, W, H), tol=0), f"bubble {b.text!r} leaves the panel: {b.rect}"
        assert _text_in_shape(b), f"text of {b.text!r} leaves its {b.shape}: {b.text_rect} in {b.rect}"
        for f in face_rects:
            assert not _overlap(b.rect, f), f"bubble {b.text!r} covers a face"
        for pt in b.tail or []:
            assert 0 <= pt[0] <= W and 0 <= pt[1] <= H
            for f in face_rects:
                assert not (f[0] <= pt[0] <= f[2] and f[1] <= pt[1] <= f[3]), "tail pokes into a face"
    for i, a in enumerate(plan.bubbles):
        for b in plan.bubbles[i + 1:]:
            assert not _overlap(a.rect, b.rect), f"{a.text!r} overlaps {b.text!r}"
            assert reads_after(a.rect, b.rect, direction), f"{b.text!r} reads before {a.text!r}"


@pytest.mark.parametrize("scene", range(len(SCENES)))
def test_plan_geometry(scene):
    size, faces, lines, direction = SCENES[scene]
    rng = np.random.default_rng(scene)
    sal = rng.random((size[1] // 8, size[0] // 8)).astype(np.float32)
    plan = plan_panel(size, lines, faces=faces, saliency=sal, font_px=18, min_font_px=8, direction=direction)
    assert len(plan.bubbles) == len(lines)
    assert [b.text for b in plan.bubbles] == [ln.text for ln in lines]
    _check_plan(plan, size, faces, direction)


def _aims_at(b, face) -> bool:
    fx, fy, fw, fh = face
    tip = b.tail[1]
    base = ((b.tail[0][0] + b.tail[2][0]) / 2, (b.tail[0][1] + b.tail[2][1]) / 2)
    face_c = (fx + fw / 2, fy + fh / 2)
    v_tail = (tip[0] - base[0], tip[1] - base[1])
    v_face = (face_c[0] - base[0], face_c[1] - base[1])
    return (v_tail[0] * v_face[0] + v_tail[1] * v_face[1]) / (math.hypot(*v_tail) * math.hypot(*v_face)) > 0.9


def test_tail_points_at_the_speakers_face():
    size = (700, 450)
    faces = [(80, 200, 120, 120), (480, 210, 120, 120)]
    lines = [Line("speech", "I am on the left.", "Ann", "oval"), Line("speech", "And I am on the right.", "Bob", "oval")]
    plan = plan_panel(size, lines, faces=faces, font_px=18, direction="ltr")
    _check_plan(plan, size, faces, "ltr")
    for b, (fx, fy, fw, fh) in zip(plan.bubbles, faces):
        assert b.tail is not None
        assert _aims_at(b, (fx, fy, fw, fh))  # the tail heads towards its own speaker's face
        tip = b.tail[1]
        base = ((b.tail[0][0] + b.tail[2][0]) / 2, (b.tail[0][1] + b.tail[2][1]) / 2)
        face_c = (fx + fw / 2, fy + fh / 2)
        assert math.hypot(tip[0] - face_c[0], tip[1] - face_c[1]) < math.hypot(base[0] - face_c[0], base[1] - face_c[1])


def test_tails_find_speakers_by_name_when_the_faces_are_named():
    """A generated picture knows who it drew: "Crow" speaks from the crow on the right, although
    reading order alone would give the first speaker the left face."""
    size = (700, 450)
    faces = [(80, 200, 120, 120), (480, 210, 120, 120)]
    lines = [Line("speech", "Who says there is one way?", "Crow", "oval"), Line("speech", "Me.", "The Cat", "oval")]
    named = plan_panel(size, lines, faces=faces, font_px=18, face_names=["cat", "crow"])
    _check_plan(named, size, faces, "ltr")
    assert _aims_at(named.bubbles[0], faces[1]) and _aims_at(named.bubbles[1], faces[0])
    unnamed = plan_panel(size, lines, faces=faces, font_px=18)
    assert _aims_at(unnamed.bubbles[0], faces[0]) and _aims_at(unnamed.bubbles[1], faces[1])
    # names that match nobody fall back to reading order; a names list of the wrong length is ignored
    other = plan_panel(size, lines, faces=faces, font_px=18, face_names=["dog", "owl"])
    assert _aims_at(other.bubbles[0], faces[0])
    assert _aims_at(plan_panel(size, lines, faces=faces, font_px=18, face_names=["crow"]).bubbles[0], faces[0])


def test_an_unnamed_speakers_tail_finds_the_face_that_talks():
    """A video keyframe does not know names, but it knows whose mouth moves (`talking` meta): the
    speaker's tail points there instead of at the first face in reading order."""
    size = (700, 450)
    faces = [(80, 200, 120, 120), (480, 210, 120, 120)]
    lines = [Line("speech", "It's only the wind.", "BEN", "oval")]
    still = {"mouth": 0.2, "eyes": 0.2, "score": 0.17}
    talks = {"mouth": 2.4, "eyes": 0.3, "score": 1.85}
    plan = plan_panel(size, lines, faces=faces, font_px=18, talking=[still, talks])
    _check_plan(plan, size, faces, "ltr")
    assert _aims_at(plan.bubbles[0], faces[1])
    assert _aims_at(plan_panel(size, lines, faces=faces, font_px=18).bubbles[0], faces[0])
    # nobody clearly talking, or scores for other faces: reading order as before
    assert _aims_at(plan_panel(size, lines, faces=faces, font_px=18, talking=[still, still]).bubbles[0], faces[0])
    assert _aims_at(plan_panel(size, lines, faces=faces, font_px=18, talking=[talks]).bubbles[0], faces[0])
    # a name match still wins over the talking face
    named = plan_panel(size, lines, faces=faces, font_px=18, face_names=["ben", None], talking=[still, talks])
    assert _aims_at(named.bubbles[0], faces[0])


def test_text_shrinks_to_fit_and_overflow_is_reported():
    long = " ".join(["words"] * 40)
    plan = plan_panel((320, 240), [Line("speech", long, None, "oval")], font_px=30, min_font_px=8)
    assert plan.bubbles and plan.font_px < 30
    _check_plan(plan, (320, 240), [], "ltr")
    huge = " ".join(["overflowing"] * 400)
    over = plan_panel((200, 150), [Line("speech", huge, None, "oval")], font_px=20, min_font_px=10)
    assert over.relaxed == ["overflow"] and over.bubbles == []


def test_a_face_filling_the_panel_relaxes_with_a_note():
    plan = plan_panel((300, 300), [Line("speech", "Hello there", None, "oval")], faces=[(0, 0, 300, 300)], font_px=16)
    assert plan.bubbles and "faces" in plan.relaxed


def test_wrap_keeps_words_and_width():
    from studio.comic.fonts import load_font

    font = load_font(16)
    text = "a supercalifragilisticexpialidocious word and some more words to wrap"
    lines = wrap_text(text, font, 120)
    assert all(font.getlength(ln) <= 120.5 for ln in lines)
    # the long word is hyphenated at syllables (the hyphens are added), the others are whole
    assert "".join(ln[:-1] if ln.endswith("-") else ln for ln in lines).replace(" ", "") == text.replace(" ", "")
    whole = [w for w in text.split() if w != "supercalifragilisticexpialidocious"]
    assert [w for ln in lines for w in ln.split() if w in whole] == whole


@pytest.mark.parametrize("text", ["YOU ARE INVINCIBLE!", "\"INVINCIBLE!\" HE SAID.", "THAT WAS EXTRAORDINARY, UNBELIEVABLE!!"])
def test_words_break_only_at_syllables_and_only_when_they_cannot_fit(text):
    from studio.comic.fonts import load_font
    from studio.comic.lettering import syllable_breaks

    font = load_font(24)
    words = text.split()
    for width in range(30, 520, 7):
        lines = wrap_text(text, font, width)
        pieces = [w for ln in lines for w in ln.split()]
        # re-joining the hyphenated pieces gives the words back, in order
        joined, cur = [], ""
        for piece in pieces:
            if piece.endswith("-") and piece[:-1] + piece and (cur + piece[:-1]) not in words:
                cur += piece[:-1]
                continue
            joined.append(cur + piece)
            cur = ""
        assert joined == words, (width, lines)
        # every cut is a syllable boundary of its word, and only a word wider than the line is cut
        at = 0
        for w in words:
            parts = []
            while len("".join(parts)) < len(w):
                piece = pieces[at]
                at += 1
                parts.append(piece[:-1] if piece.endswith("-") and len("".join(parts)) + len(piece) - 1 < len(w) else piece)
            if len(parts) > 1:
                assert font.getlength(w) > width * 0.98, (width, w, parts)
                offs = [sum(len(p) for p in parts[:k]) for k in range(1, len(parts))]
                assert all(o in syllable_breaks(w) for o in offs), (w, parts)
        assert not any(ln.strip() in ("E!", "E!\"", "LE!") for ln in lines)


def test_invincible_splits_at_its_syllables():
    from studio.comic.fonts import load_font

    font = load_font(24)
    narrow = wrap_text("INVINCIBLE!", font, font.getlength("INVINCIBLE!") - 5)
    assert narrow in (["INVIN-", "CIBLE!"], ["INVINCI-", "BLE!"], ["IN-", "VINCIBLE!"])
    assert wrap_text("INVINCIBLE!", font, font.getlength("INVINCIBLE!") + 2) == ["INVINCIBLE!"]


def test_without_a_face_the_tail_points_off_panel_not_at_the_subject():
    """A panel with a bright lamp (the salient spot) and no face: the speaker is off panel, so the
    tail leaves through the bottom edge instead of pointing at the lamp."""
    size = (600, 400)
    sal = np.zeros((50, 75), np.float32)
    sal[8:14, 55:62] = 1.0  # the lamp, top right
    plan = plan_panel(size, [Line("speech", "Who turned the light on?", None, "oval")], faces=[], saliency=sal, font_px=20)
    (b,) = plan.bubbles
    assert b.tail is not None
    tip = b.tail[1]
    assert tip[1] > b.rect[3] + 5  # down, towards the bottom edge
    lamp = (58.5 * 8, 11 * 8)
    base = ((b.tail[0][0] + b.tail[2][0]) / 2, (b.tail[0][1] + b.tail[2][1]) / 2)
    aim = (tip[0] - base[0], tip[1] - base[1])
    to_lamp = (lamp[0] - base[0], lamp[1] - base[1])
    assert (aim[0] * to_lamp[0] + aim[1] * to_lamp[1]) / (math.hypot(*aim) * math.hypot(*to_lamp)) < 0.5


def test_classify_and_split():
    assert classify("STOP RIGHT THERE")[0] == "shout"
    assert classify("Watch out!")[0] == "shout"
    assert classify("Good morning to you, sir!")[0] == "speech"
    assert classify("No!!")[0] == "shout"
    assert classify("(I wonder...)") == ("thought", "I wonder...")
    assert classify("[door slams]") == ("caption", "door slams")
    assert classify("<i>Hello</i> there.") == ("speech", "Hello there.")
    assert classify("Fine.", "thought") == ("thought", "Fine.")
    assert split_sentences("Did you hear that? It came from the roof.") == ["Did you hear that?", "It came from the roof."]
    assert split_sentences("Hi. Ok. Then we go.") == ["Hi. Ok. Then we go."]
    kinds = [ln.shape for ln in panel_lines({"caption": "Night.", "speech": [{"speaker": "A", "text": "RUN!"}, {"text": "(hmm)"}]})]
    assert kinds == ["box", "jagged", "cloud"]


def test_script_from_meta_story_and_edits():
    p, dropped = panel_from_meta({"subtitles": ["ANNA: Hello there.", "- Who? - Me.", "[thunder]", "extra"]}, max_lines=4)
    assert p["speech"][0] == "ANNA: Hello there." and p["speech"][1].startswith("Speaker 1: ")
    assert dropped == 1 and p["caption"] is None
    p, _ = panel_from_meta({"caption": "two people by a door"})
    assert p == {"caption": "two people by a door", "speech": []}
    p, _ = panel_from_meta({"caption": "a door", "subtitles": ["Hi"]}, captions="auto")
    assert p["caption"] is None
    s = panel_from_story({"panel": 1, "caption": "A cat.", "speech": [{"speaker": "the cat", "text": "I want to fly"}]})
    assert s["speech"] == ["The cat: I want to fly"]
    assert parse_speech("The cat: I want to fly") == {"speaker": "The cat", "text": "I want to fly"}
    assert speech_string({"text": "hmm", "kind": "thought"}) == "(hmm)"
    canon = normalise([{"caption": " Night ", "speech": "Bob: hi"}, None])
    assert canon == {"panels": [{"panel": 1, "caption": "Night", "speech": ["Bob: hi"]}, {"panel": 2, "caption": None, "speech": []}]}
    for bad, msg in [({"pages": []}, "panels"), ([{"caption": 3}], "caption"), ([{"speech": [{"text": "x", "kind": "yell"}]}], "kind"),
                     ([{"words": "x"}], "unknown key"), ([{"speech": ["x" * 5000]}], "at most")]:
        with pytest.raises(InputError, match=msg):
            normalise(bad)


def test_render_draws_only_inside_bubbles():
    size = (640, 420)
    faces = [(400, 200, 120, 120)]
    base = Image.new("RGB", size, (128, 128, 128))
    d = ImageDraw.Draw(base)
    d.rectangle([400, 200, 520, 320], fill=(200, 160, 130))
    lines = panel_lines({"caption": "Meanwhile...", "speech": [{"speaker": "A", "text": "Hello! How are you? I have been waiting."},
                                                               {"speaker": "B", "text": "(thinking)"}]})
    plan = plan_panel(size, lines, faces=faces, font_px=18)
    _check_plan(plan, size, faces, "ltr")
    out = render_panel(base, plan)
    diff = np.abs(np.asarray(out, dtype=np.int16) - np.asarray(base, dtype=np.int16)).sum(axis=2) > 0
    allowed = Image.new("L", size, 0)
    ad = ImageDraw.Draw(allowed)
    for b in plan.bubbles:
        ad.rectangle([b.rect[0] - 2, b.rect[1] - 2, b.rect[2] + 2, b.rect[3] + 2], fill=255)
        for poly in (b.tail, b.link):
            if poly:
                xs, ys = [p[0] for p in poly], [p[1] for p in poly]
                pad = 0.12 * min(b.rect[2] - b.rect[0], b.rect[3] - b.rect[1]) if b.shape == "cloud" else 4
                ad.rectangle([min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad], fill=255)
    stray = diff & ~(np.asarray(allowed) > 0)
    assert stray.sum() == 0, f"{stray.sum()} pixels drawn outside bubbles and tails"
    # the face is untouched and every bubble holds dark text pixels
    assert not diff[200:320, 400:520].any()
    arr = np.asarray(out.convert("L"))
    for b in plan.bubbles:
        x0, y0, x1, y1 = (int(v) for v in b.text_rect)
        assert (arr[y0:y1, x0:x1] < 80).sum() > 20


def test_deterministic():
    size, faces, lines, direction = SCENES[0]
    a = plan_panel(size, lines, faces=faces, font_px=18).to_dict()
    b = plan_panel(size, lines, faces=faces, font_px=18).to_dict()
    assert a == b


def test_lines_shared_by_keyframes_of_one_shot_are_said_once():
    from studio.comic.script import spread_shared_lines

    a, b, c = "A: one", "B: two", "A: three"
    assert spread_shared_lines([[a, b, c], [a, b, c]]) == [[a, b], [c]]
    assert spread_shared_lines([[a], [a], [a]]) == [[a], [], []]
    assert spread_shared_lines([[a, b], [b, c], []]) == [[a, b], [c], []]
    assert spread_shared_lines([[a], [], [a]]) == [[a], [], [a]]
