"""video.keyframes on the shared real media (../shared/testdata) against ground_truth.json."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.backends.video import KeyframeOptions, extract_keyframes

pytestmark = pytest.mark.media

CUT_CLIPS = ["testvideo.mp4", "goldeneye-vfr-drop3.mp4", "issue-134-rotate.mp4"]
NO_CUT_CLIPS = ["chaplin.mp4", "flipping_a_pancake.mkv", "counter.mp4", "timecode_pattern.mp4"]
TOL = 0.1

_cache: dict[tuple, object] = {}


def extract(testdata, name, **kw):
    key = (name, tuple(sorted(kw.items())))
    if key not in _cache:
        kw.setdefault("faces", False)
        _cache[key] = extract_keyframes(testdata / "video" / name, KeyframeOptions(**kw))
    return _cache[key]


def events(gt: dict, fps: float) -> list[tuple[float, float, str]]:
    """Intervals that may hold one detected boundary each: hard cuts (+-0.1 s) and gradual
    transitions (from their first to one frame past their last frame, +-0.1 s)."""
    ev = [(c["t"] - TOL, c["t"] + TOL, "hard") for c in gt.get("hard_cuts", [])]
    for g in gt.get("gradual", []):
        a, b = g["frames"]
        ev.append((a / fps - TOL, (b + 1) / fps + TOL, g["type"]))
    return ev


def check_cuts(cuts: list[float], gt: dict, fps: float) -> tuple[list[float], list[float], list]:
    """(hard cuts missed, cuts explained by nothing, events with more than one cut)."""
    ev = events(gt, fps)
    missed = [c["t"] for c in gt.get("hard_cuts", []) if not any(abs(t - c["t"]) <= TOL for t in cuts)]
    taken: dict[int, list[float]] = {}
    extra = []
    for t in cuts:
        hit = next((i for i, (a, b, _) in enumerate(ev) if a <= t <= b), None)
        if hit is None:
            extra.append(t)
        else:
            taken.setdefault(hit, []).append(t)
    doubled = [(ev[i], ts) for i, ts in taken.items() if len(ts) > 1]
    return missed, extra, doubled


@pytest.mark.parametrize("name", CUT_CLIPS + NO_CUT_CLIPS)
def test_cuts_match_ground_truth(testdata, ground_truth, name):
    gt = ground_truth[f"video/{name}"]
    r = extract(testdata, name)
    missed, extra, doubled = check_cuts(r.cuts, gt, r.info.fps)
    assert not missed, f"{name}: hard cuts not found within {TOL}s: {missed} (found {r.cuts})"
    assert not extra, f"{name}: cuts not in the ground truth: {extra}"
    assert not doubled, f"{name}: more than one boundary for one transition: {doubled}"
    if not gt.get("hard_cuts") and not gt.get("gradual"):
        assert r.cuts == [] and len(r.scenes) == 1


def test_testvideo_four_keyframes_one_per_content_shot(testdata, ground_truth):
    gt = ground_truth["video/testvideo.mp4"]
    r = extract(testdata, "testvideo.mp4", max_frames=4)
    times = [k.time for k in r.keyframes]
    assert len(times) == 4
    for a, b in gt["content_shots"]:
        inside = [t for t in times if a <= t < b]
        assert len(inside) == 1, f"content shot [{a}, {b}) holds keyframes {inside} (all: {times})"
    for k in r.keyframes:
        luma = np.asarray(k.image.convert("L"), dtype=np.float32)
        assert luma.mean() > 40 and np.percentile(luma, 90) > 80, f"dark keyframe at {k.time}"
    # black stretches are gaps, not shots
    assert all(not (s.start < 0.9 or 6.2 < s.start < 7.0) for s in r.scenes)


def reference_frames(path, times, size, fps):
    """Frames decoded by the ffmpeg command line (which applies display rotation itself) at
    the frame index of each time (constant frame rate clips), scaled to `size`."""
    import imageio_ffmpeg

    w, h = size
    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"scale={w}:{h}:flags=area",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=120,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.int16)
    return frames, [int(round(t * fps)) for t in times]


@pytest.mark.parametrize("name", ["counter.mp4", "timecode_pattern.mp4", "issue-134-rotate.mp4"])
def test_reported_time_is_the_frame_shown(testdata, name):
    """Each keyframe equals the reference frame at its time and differs from its neighbours
    (counter.mp4 shows the frame number, timecode_pattern.mp4 a running timecode)."""
    from PIL import Image

    r = extract(testdata, name, split_seconds=1.0, dedupe=0, max_frames=8)
    assert len(r.keyframes) >= 3
    w0, h0 = r.keyframes[0].image.size
    size = (w0 // 4 // 2 * 2, h0 // 4 // 2 * 2)
    frames, idx = reference_frames(testdata / "video" / name, [k.time for k in r.keyframes], size, r.info.fps)
    for k, i in zip(r.keyframes, idx):
        ours = np.asarray(k.image.convert("L").resize(size, Image.Resampling.BOX), dtype=np.int16)

        def changed(j, ours=ours):
            return float((np.abs(ours - frames[j]) > 40).mean())

        assert changed(i) < 0.002, f"{name} @ {k.time}: differs from frame {i}"
        for j in (i - 1, i + 1):
            if 0 <= j < len(frames) and float((np.abs(frames[j] - frames[i]) > 40).mean()) > 0.002:
                assert changed(j) > changed(i), f"{name} @ {k.time}: closer to frame {j} than {i}"


def test_rotated_video_gives_upright_portrait_frames(testdata):
    r = extract(testdata, "issue-134-rotate.mp4")
    assert r.info.rotation in (90, 270)
    assert all(k.image.size == (544, 1280) for k in r.keyframes)


def test_faces_are_found_and_in_image_pixels(testdata):
    r = extract_keyframes(testdata / "video" / "goldeneye-vfr-drop3.mp4", KeyframeOptions(max_frames=3))
    boxes = [b for k in r.keyframes for b in k.faces]
    assert boxes, "goldeneye shows faces in close-up"
    for k in r.keyframes:
        for x, y, w, h in k.faces:
            assert x >= 0 and y >= 0 and x + w <= k.image.width and y + h <= k.image.height and w >= 24


@pytest.mark.media
def test_a_still_long_shot_gives_one_frame_and_a_moving_one_several(testdata):
    """testvideo's first shot (a leaf on a rock, 5 s, no motion) is one picture; chaplin.mp4 (one
    9.6 s shot with people moving) still yields well-spread keyframes."""
    import studio

    still = studio.run("keyframes", video=str(testdata / "video" / "testvideo.mp4"), use_cache=False,
                       overrides={"keyframes.faces": False})
    scenes = json.loads(Path(still.paths["scenes"]).read_text())
    assert [len(s["keyframes"]) for s in scenes["scenes"]][0] == 1
    moving = studio.run("keyframes", video=str(testdata / "video" / "chaplin.mp4"), use_cache=False,
                        overrides={"keyframes.faces": False})
    times = [a.meta["time"] for a in moving.outputs["frames"]]
    assert len(times) >= 2 and max(times) - min(times) > 3.0


def _summary(r) -> tuple:
    return (
        r.cuts, [(s.start, s.end) for s in r.scenes], r.gaps,
        [(k.time, k.pts, k.scene, round(k.score, 9)) for k in r.keyframes],
        r.stats["frames_analysed"],
    )


@pytest.mark.parametrize("fast", [True, False])
def test_chunked_decoding_gives_what_one_pass_gives(testdata, fast):
    """Decoding in parallel chunks (split at keyframes) must not change anything: same analysed
    frames, cuts, shots and keyframes as one sequential pass, on every shared clip."""
    chunked_somewhere = False
    for name in CUT_CLIPS + NO_CUT_CLIPS + ["fades.mp4"]:
        one = extract(testdata, name, workers=1, fast=fast)
        many = extract(testdata, name, workers=3, fast=fast)
        assert one.stats["decoders"] == 1
        chunked_somewhere |= many.stats["decoders"] > 1
        assert _summary(many) == _summary(one), name
        for a, b in zip(one.keyframes, many.keyframes):
            assert np.array_equal(np.asarray(a.image), np.asarray(b.image)), name
    assert chunked_somewhere, "no clip was long enough to be decoded in chunks"


def test_a_chunk_that_cannot_be_decoded_exactly_falls_back_to_one_pass(testdata, monkeypatch, caplog):
    from studio.backends.video import scan

    real = scan.Scan._decode_chunk

    def broken(self, k):
        if self.parallel and k == 1:
            raise scan.ParallelScanFailed("chunk 1 starts on the wrong frame (simulated)")
        return real(self, k)

    monkeypatch.setattr(scan.Scan, "_decode_chunk", broken)
    path = testdata / "video" / "testvideo.mp4"
    with caplog.at_level("INFO", logger="studio.video"):
        r = extract_keyframes(path, KeyframeOptions(workers=2, faces=False))
    assert r.stats["decoders"] == 1
    assert "decoding in one pass" in caplog.text
    monkeypatch.setattr(scan.Scan, "_decode_chunk", real)
    assert _summary(r) == _summary(extract_keyframes(path, KeyframeOptions(workers=1, faces=False)))
