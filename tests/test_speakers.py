"""Who is talking: mouth motion against eye motion per face, and the clear-talker rule."""

from __future__ import annotations

import numpy as np
import pytest

from studio.backends.video.speakers import (
    CLEAR_RATIO,
    MIN_MOTION,
    clear_talker,
    region_crops,
    talking_scores,
)


def _frames(n: int = 8, *, talk: int | None, nod: int | None = None) -> list[np.ndarray]:
    """Greyscale frames with two flat 'faces'; face `talk` gets a mouth that opens and closes,
    face `nod` moves as a whole (eyes and mouth alike)."""
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        g = np.full((200, 400), 120, np.uint8)
        for k, x in enumerate((40, 240)):
            dy = (i % 2) * 6 if k == nod else 0
            g[40 + dy:140 + dy, x:x + 100] = 180
            g[60 + dy:75 + dy, x + 20:x + 40] = 40  # eyes
            g[60 + dy:75 + dy, x + 60:x + 80] = 40
            if k == talk:
                g[110:110 + 4 + 12 * (i % 2), x + 35:x + 65] = 60  # the mouth opens every other frame
            else:
                g[112 + dy:116 + dy, x + 35:x + 65] = 60
        g += rng.integers(0, 2, g.shape, dtype=np.uint8)  # sensor noise: about half a grey level
        out.append(g)
    return out


FACES = [[40, 40, 100, 100], [240, 40, 100, 100]]


def _scores(frames):
    return talking_scores([region_crops(f, FACES) for f in frames])


def test_the_face_whose_mouth_moves_is_the_talker():
    s = _scores(_frames(talk=1))
    assert s[1]["mouth"] > MIN_MOTION and s[1]["score"] >= CLEAR_RATIO * s[0]["score"]
    assert clear_talker(s) == 1
    assert clear_talker(_scores(_frames(talk=0))) == 0


def test_no_talker_when_nobody_talks_or_a_head_just_moves():
    assert clear_talker(_scores(_frames(talk=None))) is None  # a still shot: noise only
    # a nodding head moves its mouth region and its eyes alike: that is not talking
    nod = _scores(_frames(talk=None, nod=1))
    assert nod[1]["mouth"] > MIN_MOTION and nod[1]["eyes"] > MIN_MOTION
    assert clear_talker(nod) is None


@pytest.mark.parametrize("bad", [None, [], [{"score": 2.0, "mouth": 3.0}], "x", [{"score": "?"}, {"score": 1}],
                                 [{"mouth": 1.0}, {"mouth": 2.0}]])
def test_clear_talker_ignores_malformed_meta(bad):
    assert clear_talker(bad) is None


def test_a_talker_needs_its_mouth_to_move_more_than_its_eyes():
    still = {"mouth": 0.1, "eyes": 0.1, "score": 0.09}
    assert clear_talker([still, {"mouth": 3.0, "eyes": 0.2, "score": 2.5}]) == 1
    assert clear_talker([still, {"mouth": 3.0, "eyes": 2.5, "score": 0.86}]) is None  # the whole head moves
    assert clear_talker([still, {"mouth": 0.3, "eyes": 0.0, "score": 0.3}]) is None  # too little to tell
    assert clear_talker([{"mouth": 2.0, "eyes": 0.0, "score": 2.0}, {"mouth": 3.0, "eyes": 0.0, "score": 3.0}]) is None  # both talk


def test_one_frame_gives_no_scores():
    assert talking_scores([region_crops(_frames(1, talk=1)[0], FACES)]) == []


def test_keyframes_of_the_demo_clip_know_who_talks(tmp_path):
    """In the demo's two-shot Ben (right) talks and Anna (left) listens; keyframes with one face
    are not measured."""
    from studio.backends.video import extract_keyframes
    from studio.comic.demo_clip import make_demo_clip

    r = extract_keyframes(make_demo_clip(tmp_path / "demo.mp4"))
    two = [k for k in r.keyframes if len(k.faces) == 2]
    assert len(two) == 1 and two[0].talking is not None and len(two[0].talking) == 2
    right = max(range(2), key=lambda i: two[0].faces[i][0])
    assert clear_talker(two[0].talking) == right
    assert all(k.talking is None for k in r.keyframes if len(k.faces) < 2)
