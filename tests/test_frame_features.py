"""The pass's batched small frames and measurements (decode.SmallFrames, FrameFeatures.add_batch)
give exactly what small_frame and FrameFeatures.add give frame by frame: every array, bit for bit,
on decoded 720p frames (where the stacked resizes apply), on sizes and rotations where they do
not, on other pixel formats, on noise, and across batches and stores (delta, carry_on, extend)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.backends.video.decode import SmallFrames, rotate_array, small_frame
from studio.backends.video.features import FrameFeatures


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("features") / "clip.mp4"
    graph = ("testsrc2=s=1280x720:r=25:d=1[a];"
             "mandelbrot=s=1280x720:r=25,trim=duration=1,setpts=PTS-STARTPTS,drawgrid=w=64:h=64:t=3[b];"
             "[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-crf", "24", str(out)], check=True, timeout=120)
    return out


def decoded(path: Path, size: tuple[int, int] | None = None, fmt: str | None = None) -> list:
    import av

    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    if size or fmt:
        frames = [f.reformat(width=(size or (f.width, f.height))[0], height=(size or (f.width, f.height))[1],
                             format=fmt or f.format.name) for f in frames]
    return frames


def noise(w: int, h: int, n: int, fmt: str = "yuv420p", seed: int = 0) -> list:
    import av

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        img = np.clip(base.astype(np.int16) + rng.integers(-30, 30, (h, w, 3)), 0, 255).astype(np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame = frame if fmt == "rgb24" else frame.reformat(format=fmt)
        frame.pts = i
        frames.append(frame)
    return frames


def one_by_one(frames, step, fallback, rotation):
    feats, bgrs = FrameFeatures(), []
    for i, f in enumerate(frames):
        bgr, gray = small_frame(f, step, fallback)
        bgr, gray = rotate_array(bgr, rotation), rotate_array(gray, rotation)
        feats.add(i, i / 25, bgr, gray, bool(f.key_frame))
        bgrs.append(bgr)
    return feats, bgrs


def batched(frames, step, fallback, rotation, capacity, seed):
    """Groups of random length (and stores split where a Batch would end), as the scan has them."""
    rng = random.Random(seed)
    stores, bgrs, group = [FrameFeatures()], [], []
    small, work = SmallFrames(step, fallback, capacity), {}

    def measure():
        bgr, gray = small.take()
        bgr, gray = rotate_array(bgr, rotation, axes=(1, 2)), rotate_array(gray, rotation, axes=(1, 2))
        stores[-1].add_batch(group, [i / 25 for i in group], bgr, gray, [bool(frames[i].key_frame) for i in group], work)
        bgrs.extend(b.copy() for b in bgr)
        group.clear()
        if rng.random() < 0.3:
            stores.append(stores[-1].carry_on())

    for i, f in enumerate(frames):
        if not small.add(f):
            measure()
            assert small.add(f)
        group.append(i)
        if rng.random() < 0.2:
            measure()
    if group:
        measure()
    whole = FrameFeatures()
    for s in stores:
        whole.extend(s)
    return whole, bgrs


def assert_same(frames, step, fallback, rotation=0, capacity=16, seed=0):
    a, abgr = one_by_one(frames, step, fallback, rotation)
    b, bbgr = batched(frames, step, fallback, rotation, capacity, seed)
    for name, arr in a.arrays().items():
        other = b.arrays()[name]
        assert arr.dtype == other.dtype and arr.shape == other.shape, name
        assert arr.tobytes() == other.tobytes(), name
    assert len(abgr) == len(bbgr) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(abgr, bbgr))
    assert np.array_equal(a._prev, b._prev)


@pytest.mark.parametrize("rotation", [0, 90, 270])
def test_batches_equal_frame_by_frame_on_decoded_720p(clip, rotation):
    frames = decoded(clip)
    for capacity, seed in ((32, 1), (16, 2), (5, 3), (1, 4)):
        assert_same(frames, 8, (160, 90), rotation, capacity, seed)


@pytest.mark.parametrize("size,step", [((1280, 544), 8), ((1920, 1080), 12), ((480, 320), 3), ((426, 240), 3),
                                       ((640, 480), 4), ((321, 181), 2)])
def test_batches_equal_frame_by_frame_at_other_sizes(clip, size, step):
    frames = decoded(clip, size)[::3]
    assert_same(frames, step, (max(16, size[0] // step), max(16, size[1] // step)), capacity=8, seed=step)


@pytest.mark.parametrize("fmt", ["rgb24", "yuv444p", "yuvj420p"])
def test_batches_equal_frame_by_frame_on_other_pixel_formats(clip, fmt):
    assert_same(decoded(clip, (640, 360), fmt)[::4], 4, (160, 90), capacity=8, seed=7)


@pytest.mark.parametrize("w,h,step", [(1280, 720, 8), (500, 300, 3), (34, 20, 2), (34, 20, 8), (250, 250, 1)])
def test_batches_equal_frame_by_frame_on_noise(w, h, step):
    assert_same(noise(w, h, 24), step, (max(16, w // step), max(16, h // step)), capacity=8, seed=w)


def test_a_change_of_size_or_format_mid_stream(clip):
    frames = decoded(clip, (640, 360))[:12] + decoded(clip, (642, 362))[:5] + decoded(clip, (640, 360), "rgb24")[:5]
    assert_same(frames + decoded(clip, (640, 360))[:6], 4, (160, 90), capacity=8, seed=11)
