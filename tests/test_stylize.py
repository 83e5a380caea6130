"""The classic comic stylizer, judged on frames of the shared test videos, and image.restyle."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import studio
from studio import Pipeline
from studio.backends.image.comic_filter import STYLES, stylize
from studio.engine.artifacts import ImageArtifact


def _frame(path, index: int) -> Image.Image:
    import av

    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                return f.to_image()
    raise AssertionError(f"{path} has fewer than {index + 1} frames")


@pytest.fixture(scope="module")
def frames(testdata):
    """Real frames: a 1280x720 colour close-up, a B/W film street scene, an indoor home video."""
    return {
        "leaf": _frame(testdata / "video" / "testvideo.mp4", 40),
        "chaplin": _frame(testdata / "video" / "chaplin.mp4", 40),
        "kitchen": _frame(testdata / "video" / "flipping_a_pancake.mkv", 40),
    }


def _colours(img: Image.Image) -> int:
    a = np.asarray(img.convert("RGB"))[::2, ::2].reshape(-1, 3)
    return len(np.unique(a // 8, axis=0))


def _ink(img: Image.Image) -> float:
    g = np.asarray(img.convert("L")).astype(np.float32)
    return float((g < 40).mean())


@pytest.mark.media
@pytest.mark.parametrize("style", STYLES)
def test_every_style_keeps_size_and_is_deterministic(frames, style):
    src = frames["chaplin"]
    out = stylize(src, style, seed=3)
    assert out.size == src.size and out.mode == "RGB"
    assert np.array_equal(np.asarray(out), np.asarray(stylize(src, style, seed=3)))
    assert np.abs(np.asarray(out).astype(np.float32) - np.asarray(src.convert("RGB")).astype(np.float32)).mean() > 8


@pytest.mark.media
def test_american_comic_is_flat_colour_with_ink(frames):
    for name in ("leaf", "kitchen"):
        src = frames[name]
        out = stylize(src, "american-comic")
        # flat printer's inks instead of photographic gradients: far fewer distinct colours
        assert _colours(out) < _colours(src) * 0.6, name
        # ink: black outlines / spot blacks cover a real but minor part of the panel
        assert 0.01 < _ink(out) < 0.6, name
    leaf = np.asarray(stylize(frames["leaf"], "american-comic")).astype(np.float32)
    # colour stays colour (saturated inks), unlike manga/noir
    sat = leaf.max(-1) - leaf.min(-1)
    assert np.median(sat) > 20


@pytest.mark.media
def test_manga_and_noir_are_black_and_white(frames):
    src = frames["leaf"]
    manga = np.asarray(stylize(src, "manga")).astype(np.int16)
    assert np.abs(manga[..., 0] - manga[..., 2]).max() <= 1  # greyscale
    # screentone: mid greys are made of dots, so most pixels are near paper or near ink
    g = manga[..., 0]
    assert ((g < 60) | (g > 200)).mean() > 0.7
    noir = np.asarray(stylize(src, "noir").convert("L")).astype(np.int16)
    assert ((noir < 50) | (noir > 205)).mean() > 0.85  # stark black and white
    assert 0.15 < (noir < 50).mean() < 0.85


@pytest.mark.media
def test_pop_has_halftone_dots_and_pixel_art_has_cells(frames):
    src = frames["leaf"]

    def jumps(img) -> float:  # share of strong pixel-to-pixel jumps along rows
        g = np.asarray(img.convert("RGB")).astype(np.float32).mean(-1)
        return float((np.abs(np.diff(g, axis=1)) > 60).mean())

    # Ben-Day dots: flat areas turn into dot screens, so strong jumps are everywhere inside them
    assert jumps(stylize(src, "pop")) > 0.03
    assert jumps(stylize(src, "pop")) > max(30 * jumps(src), 4 * jumps(stylize(src, "flat")))
    pix = np.asarray(stylize(src, "pixel-art"))
    cell = round(src.width / 96)
    block = pix[: cell * 20, : cell * 20].reshape(20, cell, 20, cell, 3)
    # each cell is one colour
    assert (block.max(axis=(1, 3)) == block.min(axis=(1, 3))).mean() > 0.95


@pytest.mark.media
def test_strength_and_errors(frames):
    from studio.engine.errors import InputError, UnknownNameError

    src = frames["kitchen"]
    strong = stylize(src, "american-comic", strength=1.0)
    weak = stylize(src, "american-comic", strength=0.3)
    assert _colours(weak) > _colours(strong)
    with pytest.raises(UnknownNameError, match="did you mean"):
        stylize(src, "mangaa")
    with pytest.raises(InputError):
        stylize(src, "noir", strength=0)


@pytest.mark.media
def test_restyle_step_keeps_meta_and_warns_on_fallback(frames, tmp_path):
    src = frames["chaplin"]
    faces = [[210, 60, 40, 40]]
    arts = [ImageArtifact(src, meta={"time": 1.6, "faces": faces, "subtitles": ["Hi"]}, name="kf_000"),
            ImageArtifact(frames["kitchen"], meta={"time": 3.2}, name="kf_001")]
    p = Pipeline("restyle", inputs={"frames": "images"})
    r = p.step("image.restyle", images=p.input.frames, style="noir")
    p.output("images", r.images)
    res = studio.run(p, {"frames": arts}, seed=0, out=tmp_path / "run")
    out = res["images"]
    assert [a.image.size for a in out] == [src.size, frames["kitchen"].size]
    assert out[0].meta["faces"] == faces and out[0].meta["time"] == 1.6 and out[0].meta["subtitles"] == ["Hi"]
    assert out[0].name == "kf_000" and out[0].meta["restyle"]["backend"] == "stylize"
    rec = res.manifest["steps"][0]
    assert rec["backend"] == "stylize"
    assert any("sdxl-turbo" in w and "studio models pull" in w for w in res.manifest["warnings"])
    # the classic stylizer asked for by name: no warning
    p2 = Pipeline("restyle2", inputs={"frames": "images"})
    r2 = p2.step("image.restyle", images=p2.input.frames, style="pop", backend="stylize")
    p2.output("images", r2.images)
    assert not studio.run(p2, {"frames": arts[:1]}, use_cache=False).manifest["warnings"]


def test_stylize_synthetic_image_without_media():
    """Runs everywhere (no shared media): a drawn scene becomes flat colour with ink."""
    from studio.backends.image.procedural import generate_image

    scene = generate_image("a house in a village at sunset", width=320, height=180, seed=0, style="outlined")
    for style in STYLES:
        out = stylize(scene, style)
        assert out.size == scene.size
    assert _colours(stylize(scene, "american-comic")) < _colours(scene)


def test_restyle_recipe_validates():
    from studio.engine.recipe import load_recipe

    for name in ("restyle", "image"):
        p = load_recipe(name)
        assert p.steps


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


@pytest.fixture(scope="module")
def face_frames():
    """Close-ups from the synthetic demo clip (Anna, the two-shot, Ben at night): no media needed."""
    from studio.comic.demo_clip import frame_at

    return [frame_at(t) for t in (4.5, 8.0, 11.5)]


@pytest.mark.parametrize("style", STYLES)
def test_faces_survive_every_style(face_frames, style):
    from studio.backends.image.faces import detect_faces

    total = kept = 0
    for img in face_frames:
        faces = detect_faces(img)
        out = stylize(img, style, seed=1)
        again = detect_faces(out)
        total += len(faces)
        kept += sum(any(_iou(f, g) >= 0.3 for g in again) for f in faces)
    assert total >= 3
    assert kept / total >= 0.8, f"{style}: {kept}/{total} faces found after stylizing"


def test_face_protection_changes_only_the_faces(face_frames):
    from studio.backends.image.faces import detect_faces

    img = face_frames[0]
    (x, y, w, h), *_ = detect_faces(img)
    plain = np.asarray(stylize(img, "manga", faces=[])).astype(np.int16)
    kept = np.asarray(stylize(img, "manga", faces=[[x, y, w, h]])).astype(np.int16)
    diff = np.abs(plain - kept).max(axis=2)
    inside = diff[y + h // 4: y + 3 * h // 4, x + w // 4: x + 3 * w // 4]
    assert inside.mean() > 10  # the face is drawn differently (no screentone over it)
    far = diff.copy()
    far[max(0, y - h): y + 2 * h, max(0, x - w): x + 2 * w] = 0
    assert far.max() == 0  # and nothing else moves
    # no halftone inside the face: its tones are smooth, the screentone's dots alternate
    g = kept[y + h // 3: y + 2 * h // 3, x + w // 4: x + 3 * w // 4, 0].astype(np.float32)
    assert np.abs(np.diff(g, axis=1)).mean() < np.abs(np.diff(plain[y + h // 3: y + 2 * h // 3, x + w // 4: x + 3 * w // 4, 0].astype(np.float32), axis=1)).mean()
