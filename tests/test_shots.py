"""The fused shot detector (studio/backends/video/cutdetect.py) on frames rendered in memory:
cuts found on the right frame, camera moves, flashes and lighting changes not taken for cuts,
dissolves and wipes reported once inside their span, short first and last shots kept."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from studio.backends.video.cutdetect import FusedCutDetector  # noqa: E402

W, H, FPS = 160, 90, 25


def scene(seed: int, scale: int = 6) -> np.ndarray:
    """A textured canvas six frames wide and high (uint8 BGR)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (H * scale // 8, W * scale // 8, 3), dtype=np.uint8)
    img = cv2.resize(small, (W * scale, H * scale), interpolation=cv2.INTER_CUBIC)
    for _ in range(30):
        c = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.circle(img, (int(rng.integers(W * scale)), int(rng.integers(H * scale))), int(rng.integers(8, 40)), c, -1)
    return img


def shot(seed: int, n: int, *, dx: float = 0.0, dy: float = 0.0) -> list[np.ndarray]:
    cv = scene(seed)
    x0, y0 = cv.shape[1] // 2 - W // 2 - int(dx * n / 2), cv.shape[0] // 2 - H // 2 - int(dy * n / 2)
    return [cv[int(y0 + dy * k): int(y0 + dy * k) + H, int(x0 + dx * k): int(x0 + dx * k) + W].copy() for k in range(n)]


def spike_reason(before: np.ndarray, after: np.ndarray) -> str:
    """`cut_reason` for a spike at frame 6 of 12 grey copies: `before` up to it, `after` from it
    ("" when it is a cut)."""
    from studio.backends.video.cutdetect import CutParams, cut_reason

    times = [k / FPS for k in range(12)]
    score = [0.02] * 12
    score[6] = 0.8
    greys = {k: before if k < 6 else after for k in range(12)}
    return cut_reason(6, times, score, score, greys.get, CutParams(), [1.0] * 12, [(0, 0)] * 12)


def detect(frames: list[np.ndarray]) -> list[float]:
    det = FusedCutDetector()
    cuts: list[float] = []
    for k, f in enumerate(frames):
        cuts += det.push(k, k / FPS, f)
    return cuts + det.finish()


def test_hard_cuts_are_found_on_the_first_frame_of_the_new_shot():
    frames = shot(1, 40) + shot(2, 50) + shot(3, 40)
    assert detect(frames) == pytest.approx([40 / FPS, 90 / FPS])


def test_fast_pans_and_tilts_are_not_cuts():
    # 12 px a frame is 7.5% of the width: a fast pan; 5 px a frame tilts
    frames = shot(4, 60, dx=12) + shot(5, 60, dy=5)
    assert detect(frames) == pytest.approx([60 / FPS])
    assert detect(shot(15, 60, dx=-12)) == []


def test_a_flash_and_a_lighting_change_are_not_cuts():
    frames = shot(6, 80)
    frames[30] = np.full_like(frames[30], 255)  # a full white flash, two frames
    frames[31] = np.full_like(frames[31], 255)
    frames[45] = cv2.addWeighted(frames[45], 0.3, np.full_like(frames[45], 255), 0.7, 0)  # a flash that brightens
    for k in range(60, 80):  # the light goes down
        frames[k] = (frames[k] * 0.5).astype(np.uint8)
    frames += shot(7, 40)
    assert detect(frames) == pytest.approx([80 / FPS])


def test_a_dissolve_and_a_wipe_are_reported_once_inside_their_span():
    a, b, c = shot(8, 40), shot(9, 40), shot(10, 40)
    mix = [cv2.addWeighted(a[-1], 1 - w, b[0], w, 0) for w in np.linspace(0.07, 0.93, 14)]
    cols = np.arange(W)[None, :, None]
    wipe = [np.where(cols < W * (k + 1) / 13, c[0], b[-1]).astype(np.uint8) for k in range(12)]
    cuts = detect(a + mix + b + wipe + c)
    assert len(cuts) == 2
    assert 40 / FPS - 0.1 <= cuts[0] <= 54 / FPS + 0.1
    assert 94 / FPS - 0.1 <= cuts[1] <= 106 / FPS + 0.1


def test_short_first_and_last_shots_are_kept():
    frames = shot(11, 8) + shot(12, 60) + shot(13, 7)  # 0.32 s and 0.28 s
    assert detect(frames) == pytest.approx([8 / FPS, 68 / FPS])


def test_memory_stays_flat_with_length():
    det = FusedCutDetector()
    frames = shot(14, 50, dx=2)
    for k in range(600):
        det.push(k, k / FPS, frames[k % 50] if (k // 50) % 2 == 0 else frames[49 - k % 50])
    # small frames are kept only for the look-ahead and the span before the next undecided frame
    assert len(det._ring) < 3 * FPS
    det.finish()


def recolour(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The same pictures in other colours: the grey structure stays, the colours do not."""
    return [np.clip(f.astype(np.float32) * [0.3, 1.0, 0.3] + [0, 0, 140], 0, 255).astype(np.uint8) for f in frames]


def test_a_cut_is_kept_when_a_picture_of_the_same_layout_but_other_colours_follows():
    # the flash test: the picture from before the cut must come back in its own colours; a shot
    # of the same layout in other colours (a similar set, the same frame regraded) is a new shot
    a = shot(16, 40)
    frames = a + shot(17, 6) + recolour(a[-1:] * 40)
    assert detect(frames) == pytest.approx([40 / FPS, 46 / FPS])


def test_a_slow_pan_is_not_a_dissolve():
    # half a pixel a frame: each frame is nearly the mean of the frames 0.2 s either side, a clean
    # "mix" of two pictures that are the same picture moved
    assert detect(shot(24, 100, dx=0.5)) == []


def test_a_short_dissolve_between_moving_shots_is_reported_once():
    # the frames 0.4 s either side have moved on; the half span still sees a clean mix
    a, b = shot(18, 40, dx=0.5), shot(19, 40, dx=-0.5)
    mix = [cv2.addWeighted(a[-1], 1 - w, b[0], w, 0) for w in np.linspace(1 / 7, 6 / 7, 6)]
    cuts = detect(a + mix + b)
    assert len(cuts) == 1
    assert 40 / FPS - 0.1 <= cuts[0] <= 46 / FPS + 0.1


def test_a_frame_still_before_a_wipe_is_not_counted_as_part_of_it():
    # grey copies as the detector keeps them: the frame 0.4 s after a still unwiped frame is
    # half wiped; its unwiped half matches the frame as well as the frame 0.4 s before does (the
    # shot moves), which is no progress: only the blocks that change count
    from studio.backends.video.cutdetect import GH, GW, CutParams, gradual_kind

    def grey(seed: int, shift: int) -> np.ndarray:
        return cv2.cvtColor(scene(seed), cv2.COLOR_BGR2GRAY)[100: 100 + 4 * GH, 100 + shift: 100 + shift + 4 * GW]

    def small(g: np.ndarray) -> np.ndarray:
        return cv2.resize(g, (GW, GH), interpolation=cv2.INTER_AREA).astype(np.float32)

    a = [small(grey(25, s)) for s in (0, 1, 1)]  # the first shot, moving a little, then still
    b = small(grey(26, 0))
    wiped = np.arange(GH)[:, None] < 2 * GH // 3  # two thirds wiped, top down
    frames = {0: a[0], 1: a[1], 2: np.where(wiped, b, a[2]), 3: np.where(wiped, b, a[2]), 4: b}
    times = [0.0, 0.44, 0.88, 1.1, 1.32]
    assert gradual_kind(1, times, frames.get, CutParams()) is None  # wholly before the wipe
    kind = gradual_kind(2, times, frames.get, CutParams())  # two thirds wiped, between a[1] and b
    assert kind is not None and kind[0] == "wipe" and 0.55 <= kind[1] <= 0.8


def test_an_explosion_that_fades_back_to_the_picture_is_not_a_transition():
    # a bright ball grows over 6 frames and fades over 14: its fade is a mix of the fire and the
    # picture, and the picture from before it comes back
    frames = shot(22, 90, dx=0.5)
    yy, xx = np.mgrid[0:H, 0:W]
    dist = np.hypot(xx - W / 2, yy - H / 2)
    fire = np.zeros((H, W, 3), np.float32)
    fire[..., 2], fire[..., 1], fire[..., 0] = 255, 200, 30
    for j in range(20):
        r = 0.8 * W * min(1.0, (j + 1) / 6)
        alpha = 1.0 if j < 6 else 1 - (j - 6) / 14
        m = (np.clip(1.2 - dist / r, 0, 1) * alpha)[..., None]
        frames[30 + j] = (frames[30 + j] * (1 - m) + fire * m).astype(np.uint8)
    assert detect(frames + shot(23, 40)) == pytest.approx([90 / FPS])


def test_a_cut_to_a_picture_with_a_flat_centre_is_found_and_a_dimmed_picture_is_not_a_cut():
    # a flat centre (a wall, the sky) has no structure to correlate: the previous frame's centre
    # is looked for in it instead. A cut to a flat wall with a door at its edge is found; the
    # same picture dimmed (its centre's contrast falls under the flat limit) is still the same
    a = shot(27, 40)
    wall = np.empty((H, W, 3), np.uint8)
    wall[:] = a[-1].mean(axis=(0, 1)).astype(np.uint8)  # as bright as the shot before: no jump in brightness
    wall[:, :24] = scene(28)[:H, :24]
    assert detect(a + [wall] * 40) == pytest.approx([40 / FPS])
    lit = scene(29)[:H, :W].astype(np.float32)
    centre = (slice(15, 75), slice(25, 135))
    lit[centre] = lit[centre].mean(axis=(0, 1)) + 0.15 * (lit[centre] - lit[centre].mean(axis=(0, 1)))
    dim = (lit * 0.25).astype(np.uint8)
    assert detect([lit.astype(np.uint8)] * 40 + [dim] * 40) == []


def test_one_spike_next_to_a_cut_does_not_hide_it_and_motion_that_ramps_up_is_no_cut():
    # scores as the detector keeps them: a weak cut (two similar pictures) at frame 10 of a pan
    # with one frame beyond the search range two frames before it (a non-reference frame
    # skipped): one spike does not make the shot busy. A hand swept across the lens ramps up
    # and down with the frames next to it: no cut
    from studio.backends.video.cutdetect import CutParams, cut_reason

    times = [k / FPS for k in range(20)]
    score = [0.08] * 20
    score[8], score[10] = 0.8, 0.64
    ds = [min(1.0, s) for s in score]
    changed = [1.0] * 20

    def no_grey(k):
        return None

    assert cut_reason(10, times, score, ds, no_grey, CutParams(), changed) == ""
    score = [0.08] * 20
    score[9], score[10], score[11] = 0.3, 0.64, 0.36
    assert cut_reason(10, times, score, score, no_grey, CutParams(), changed) == "context"


def test_a_pan_whose_frames_jump_beyond_the_search_range_three_times_in_a_row_is_not_a_cut():
    # 10 px a frame; frames skipped (a slow decoder) so that three analysed frames in a row moved
    # 40 px, beyond the search range: the pan's speed on the steady frames either side predicts them
    from studio.backends.video.cutdetect import moved_too_far

    cv = scene(30)
    keep = list(range(0, 30)) + [34, 38, 42] + list(range(43, 70))
    det = FusedCutDetector()
    cuts: list[float] = []
    greys = {}
    for n, k in enumerate(keep):
        x = 40 + 10 * k
        cuts += det.push(k, k / FPS, cv[200: 200 + H, x: x + W].copy())
        greys[n] = det._ring[-1][1]
    # the middle one of the three: both frames next to it went beyond the range as well
    assert moved_too_far(31, det.times, det.ds, det.shift, greys.get)
    assert cuts + det.finish() == []


def test_a_glow_that_fades_back_to_the_picture_is_not_a_short_shot():
    # an explosion's flash covers the picture, then its glow tints the whole picture and fades:
    # the structure is steady while the glow fades, as in a short shot of its own, but a short
    # shot keeps its colours, and these drift back to the old picture's
    frames = shot(31, 80)
    yy, xx = np.mgrid[0:H, 0:W]
    ball = (np.hypot(xx - W / 2, yy - H / 2) < 0.45 * W)[..., None]
    fire = np.array([30, 160, 255], np.float32)
    frames[30] = np.where(ball, fire, frames[30]).astype(np.uint8)
    for j in range(1, 22):
        a = 1 - j / 22
        frames[30 + j] = (frames[30 + j] * (1 - a) + fire * a).astype(np.uint8)
    assert detect(frames + shot(32, 40)) == pytest.approx([80 / FPS])


def test_a_picture_that_follows_the_one_before_through_one_brightness_curve_is_relit_not_cut():
    # a light switched on burns the bright parts out to white: the correlation falls, but one
    # brightness curve still takes the frame before to this one; a new picture follows none
    from studio.backends.video.cutdetect import grey_small, tone_fit

    before = grey_small(shot(38, 1)[0])
    relit = np.clip((before - np.median(before)) * 6 + 200, 0, 255).astype(np.float32)
    other = grey_small(shot(39, 1)[0])
    assert tone_fit(before, relit) >= 0.9
    assert tone_fit(before, other) < 0.3
    assert spike_reason(before, relit) == "relit"
    assert spike_reason(before, other) == ""


def test_a_fade_through_black_with_a_hold_too_short_for_a_gap_gives_one_boundary():
    # out over 10 frames, one frame nearly black (0.04 s, too short to be a blank gap), in over 10:
    # the contrast dips to nothing, gradually, between two different pictures
    a, b = shot(40, 40), shot(41, 40)
    out = [(a[-1] * (1 - k / 10)).astype(np.uint8) for k in range(1, 10)]
    black = [(a[-1] * 0.02).astype(np.uint8)]
    into = [(b[0] * (k / 10)).astype(np.uint8) for k in range(1, 10)]
    cuts = detect(a + out + black + into + b)
    assert len(cuts) == 1
    assert 40 / FPS - 0.1 <= cuts[0] <= 59 / FPS + 0.1


def _stream(frames: list[np.ndarray]):
    """A detector holding the grey copies of `frames` (grey, 64x36) at 25 fps, nothing decided."""
    from collections import deque

    det = FusedCutDetector()
    det.times = [k / FPS for k in range(len(frames))]
    det._ring = deque((k, g, np.full(64, 1 / 64, np.float32)) for k, g in enumerate(frames))
    return det


def _grey_scene(seed: int) -> np.ndarray:
    from studio.backends.video.cutdetect import grey_small

    return grey_small(scene(seed)[200: 200 + H, 200: 200 + W])


def test_a_dissolve_run_counts_without_progress_and_a_wipe_run_must_advance():
    # inside a dissolve longer than the span, the frames either side are part of it too and the
    # weight of the picture after stays near one half: a run of mix frames needs no progress. A
    # run of "wipe" frames whose replaced share stands still or goes back is a camera move.
    a, b = _grey_scene(1), _grey_scene(2)

    def close(kinds: list[str], progress: list[float]) -> list[float]:
        det = _stream([a] * 30 + [b] * 30)
        det._run, det._progress, det._kinds = [29, 30], progress, kinds
        return det._close_run()

    assert close(["mix", "mix"], [0.54, 0.57]) == [pytest.approx(30 / FPS)]
    assert close(["wipe", "wipe"], [0.28, 0.28]) == []
    assert close(["wipe", "wipe"], [0.44, 0.38]) == []
    assert close(["wipe", "wipe"], [0.58, 0.72]) == [pytest.approx(30 / FPS)]


def test_a_single_frame_counts_as_a_dissolve_only_when_it_is_a_clean_mix_at_both_spans():
    a, b, c, d = (_grey_scene(s) for s in (31, 32, 33, 34))
    mix = 0.5 * a + 0.5 * b
    # pictures a then b, one mixed frame between: a mix at 0.4 s and at 0.2 s
    det = _stream([a] * 30 + [mix] + [b] * 30)
    assert det._clean_mix(30)
    det._run, det._progress, det._kinds = [30], [0.5], ["mix"]
    assert det._close_run() == [pytest.approx(30 / FPS)]
    # other pictures 0.4 s away (c before a, b before d): a mix at the half span only, as the
    # glow of an explosion may be; not a dissolve on its own
    det = _stream([c] * 25 + [a] * 5 + [mix] + [b] * 5 + [d] * 25)
    assert not det._clean_mix(30)
    det._run, det._progress, det._kinds = [30], [0.5], ["mix"]
    assert det._close_run() == []


def test_a_wipe_between_pictures_of_similar_layout_is_a_wipe():
    # the picture after shares part of its structure with the one before (1 - correlation under
    # 0.5, over 0.35): a frame half wiped from one to the other is still a wipe frame
    from studio.backends.video.cutdetect import GH, CutParams, best_ncc, gradual_kind

    a, c = _grey_scene(41), _grey_scene(42)
    b = 0.4 * a + 0.6 * c
    assert 0.35 <= 1 - best_ncc(a, b) < 0.5
    wiped = np.arange(GH)[:, None] < GH // 2
    frames = {0: a, 1: np.where(wiped, b, a), 2: b}
    kind = gradual_kind(1, [0.0, 0.4, 0.8], frames.get, CutParams())
    assert kind is not None and kind[0] == "wipe" and 0.3 <= kind[1] <= 0.7


def test_a_pan_that_starts_with_a_jump_beyond_the_search_range_is_not_a_cut():
    # still, then a pan of 20 px a frame whose first frame comes 0.08 s after the one before (a
    # frame skipped): it moved 40 px, beyond the search range; the still side would halve the
    # speed the pan side shows
    cv = scene(27)
    x0, y0 = 100, 250
    frames = [cv[y0: y0 + H, x0: x0 + W].copy() for _ in range(40)]
    times = [k / FPS for k in range(40)]
    x, t = x0, times[-1]
    for k in range(30):
        x += 40 if k == 0 else 20
        t += 2 / FPS if k == 0 else 1 / FPS
        frames.append(cv[y0: y0 + H, x: x + W].copy())
        times.append(t)
    det = FusedCutDetector()
    cuts: list[float] = []
    for k, (f, t) in enumerate(zip(frames, times)):
        cuts += det.push(k, t, f)
    assert cuts + det.finish() == []


def test_a_tilt_across_a_plain_mid_grey_wall_is_not_a_fade():
    # the picture flattens gradually as the camera tilts over a plain wall and regains its texture
    # past it, between two different parts of the scene: like a fade's dip in contrast, but the
    # brightness stays mid-grey where a fade goes to black (or white)
    cv = scene(42)
    cv[250: 250 + H + 2] = 128
    frames = [cv[y: y + H, 300: 300 + W].copy() for y in range(90, 450, 8)]
    assert detect(frames) == []


def test_a_large_object_moving_fast_over_a_still_background_is_not_a_cut():
    # a quarter or more of the picture stays where it was, texture and all: the shot goes on
    # behind the object; a cut replaces the whole picture (flat letterbox bars that stay do not
    # count as the picture staying)
    from studio.backends.video.cutdetect import grey_small, still_share

    bg = shot(42, 1)[0]
    a, b = bg.copy(), bg.copy()
    cv2.circle(a, (40, 45), 30, (40, 200, 90), -1)
    cv2.circle(b, (120, 45), 30, (200, 60, 220), -1)
    before, after, other = grey_small(a), grey_small(b), grey_small(shot(43, 1)[0])
    assert still_share(before, after) >= 0.25
    assert still_share(before, other) < 0.1
    assert spike_reason(before, after) == "still"
    assert spike_reason(before, other) == ""
    bars = []
    for f in shot(44, 40) + shot(45, 40):
        f = f.copy()
        f[:11] = 0  # a 2.35:1 picture letterboxed in 16:9
        f[-11:] = 0
        bars.append(f)
    assert detect(bars) == pytest.approx([40 / FPS])


def test_a_long_mix_run_must_blend_its_ends():
    # a run of mix frames longer than the span is judged whole: its middle must be a blend
    # (1 - w) * A + w * B of the pictures around it. A slowly morphing picture is a mix of its near
    # neighbours at every frame, but its middle is no blend of its ends: the weights sum over 1
    a, b = (shot(52, 1)[0].astype(np.float32), shot(53, 1)[0].astype(np.float32))
    det = FusedCutDetector()
    det.times = [k / FPS for k in range(60)]
    run = list(range(20, 40))  # 0.8 s
    for middle, ok in ((0.5 * a + 0.5 * b, True), (0.3 * a + 0.7 * b, True), (0.65 * a + 0.65 * b - 60, False)):
        greys = {k: a for k in range(20)} | {k: middle for k in run} | {k: b for k in range(40, 60)}
        det._grey = lambda k, g={k: cv2.cvtColor(np.clip(v, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(np.float32)
                                   for k, v in greys.items()}: g.get(k)
        assert det._whole_mix(run) is ok


def test_a_first_or_last_shot_of_a_frame_or_two_is_no_shot_but_a_short_one_is():
    # a source's warm-up frame (a random first frame, then the real picture) is no shot; a
    # short first or last shot of 0.2 s is kept
    from studio.backends.video.shots import build_segments

    n = 100
    times = np.arange(n) / FPS
    blank = np.zeros(n, bool)
    thumbs = np.zeros((n, 6, 8, 3), np.uint8)
    _, bounds = build_segments(times, blank, thumbs, [1 / FPS, 98 / FPS], end_time=n / FPS, min_shot=0.5)
    assert bounds == []
    _, bounds = build_segments(times, blank, thumbs, [5 / FPS, 95 / FPS], end_time=n / FPS, min_shot=0.5)
    assert [b.time for b in bounds] == pytest.approx([5 / FPS, 95 / FPS])


def test_the_fast_helpers_give_numpy_s_numbers_bit_for_bit():
    # the per-frame statistics, block means and histogram are computed with bare ufunc calls,
    # matrix products and one OpenCV call (for speed); they must equal the plain numpy formulas
    # exactly, or decisions on a threshold could change
    from studio.backends.video import cutdetect as cd
    from studio.backends.video.cutdetect import GH, GW, MX, MY, colour_hist, grey_small, grey_stats

    rng = np.random.default_rng(7)
    frames = [scene(s)[100: 100 + H, 120: 120 + W] for s in range(6)] + shot(8, 3, dx=13)
    frames += [np.full((H, W, 3), 200, np.uint8), rng.integers(0, 256, (H, W, 3), dtype=np.uint8)]
    greys = [grey_small(f) for f in frames]
    for f, g in zip(frames, greys):
        centre = g[MY: GH - MY, MX: GW - MX]
        st = grey_stats(g)
        assert (st.mean, st.std, st.centre_std, st.sq) == (
            float(g.mean()), float(g.std()), float(centre.std()), float(g.ravel() @ g.ravel()))
        small = cv2.resize(f, (GW, GH), interpolation=cv2.INTER_AREA)
        q = (small >> 6).astype(np.int32)
        h = np.bincount((q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).ravel(), minlength=64).astype(np.float32)
        assert np.array_equal(colour_hist(f), h / max(float(h.sum()), 1.0))
    for a, b in zip(greys, greys[1:] + greys[:1]):
        d = np.abs(a - b)
        assert np.array_equal(cd._block_means(d, cd._WIPE_BLOCKS), d.reshape(GH // 6, 6, GW // 8, 8).mean(axis=(1, 3)))
        t = d[MY: GH - MY, MX: GW - MX]
        bh, bw = t.shape[0] // 4, t.shape[1] // 4
        assert np.array_equal(cd._block_means(t, cd._TPL_BLOCKS), t[: 4 * bh, : 4 * bw].reshape(4, bh, 4, bw).mean(axis=(1, 3)))
