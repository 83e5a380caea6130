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
