"""Comic steps end to end on images drawn here: panels, script, lettering, pages, PDF, CBZ, the
motion comic, re-lettering through the cache, and bad input."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.engine import ImageArtifact, Pipeline, UserError
from studio.engine.errors import InputError


def _scene(i: int, size=(640, 360), face=True) -> ImageArtifact:
    """A distinct picture: a gradient sky, ground, and a face-like blob whose box goes in meta."""
    w, h = size
    rng = np.random.default_rng(i)
    top, bottom = rng.integers(40, 220, 3), rng.integers(40, 220, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    arr = (top * (1 - t) + bottom * t).astype(np.uint8).repeat(w, axis=1)
    img = Image.fromarray(arr)
    d = ImageDraw.Draw(img)
    d.rectangle([0, int(h * 0.75), w, h], fill=tuple(int(v) for v in rng.integers(20, 120, 3)))
    meta = {"time": float(i), "subtitles": []}
    if face:
        fx = int(rng.integers(40, w - 160))
        box = [fx, int(h * 0.3), 110, 110]
        d.ellipse([box[0], box[1], box[0] + box[2], box[1] + box[3]], fill=(220, 180, 150))
        meta["faces"] = [box]
    return ImageArtifact(img, meta=meta, name=f"frame_{i:02d}")


def _comic_pipeline(**panel_params) -> Pipeline:
    p = Pipeline("comic-test")
    p.add_input("images", "images")
    p.add_input("script", {"type": "dict", "default": None})
    pan = p.step("comic.panels", id="panels", images="$inputs.images", **panel_params)
    sc = p.step("comic.script", id="script", images=pan.images, script="$inputs.script")
    let = p.step("comic.letter", id="letter", images=pan.images, script=sc.script)
    pg = p.step("comic.page", id="page", images=let.images, layout=pan.layout)
    ex = p.step("comic.export", id="export", pages=pg.pages)
    for name, ref in [("pages", pg.pages), ("panels", let.images), ("pdf", ex.pdf), ("cbz", ex.cbz), ("script", sc.script),
                      ("bubbles", let.lettering), ("layout", pan.layout)]:
        p.output(name, ref)
    return p


SCRIPT = {"panels": [
    {"caption": "It began on a cold morning.", "speech": ["Ann: Did you hear that? It came from the roof."]},
    {"speech": ["Bob: WATCH OUT!"]},
    {"speech": ["(Why me?)"]},
    {"caption": "Later.", "speech": ["Ann: We need to talk.", "Bob: Not now."]},
    {"speech": ["Ann: This is the end of the line, my friend."]},
]}


def _faces_in_page_coords(result):
    out = []
    for art, rect in ((a, a.meta["rect"]) for a in result.outputs["panels"]):
        for x, y, w, h in art.meta["faces"]:
            out.append((art.meta["page"], rect[0] + x, rect[1] + y, rect[0] + x + w, rect[1] + y + h))
    return out


def test_comic_end_to_end(tmp_path):
    import pikepdf

    images = [_scene(i) for i in range(5)]
    r = _comic_pipeline(title="The Test").run(images=images, script=SCRIPT, out=tmp_path / "run")
    pages = r.outputs["pages"]
    assert len(r.outputs["panels"]) == 5
    # PDF: one page per page PNG
    with pikepdf.open(r.paths["pdf"]) as pdf:
        assert len(pdf.pages) == len(pages) == len(r.paths["pages"])
    # CBZ: stored zip, sorted page names, valid ComicInfo.xml
    with zipfile.ZipFile(r.paths["cbz"]) as zf:
        infos = zf.infolist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        names = [i.filename for i in infos if i.filename.endswith(".png")]
        assert names == sorted(names) == [f"{k:03d}.png" for k in range(len(pages))]
        root = ET.fromstring(zf.read("ComicInfo.xml"))
        assert root.tag == "ComicInfo"
        assert root.findtext("Title") == "The Test" and root.findtext("PageCount") == str(len(pages))
        assert root.findtext("Manga") == "No"
        assert len(root.find("Pages")) == len(pages)
        with Image.open(zf.open(names[0])) as first:
            assert first.size == pages[0].image.size
    # lettering: bubbles inside panels, off faces, text inside bubbles (page coordinates)
    bubbles = r.outputs["bubbles"].data["panels"]
    assert sum(len(p["bubbles"]) for p in bubbles) >= 7
    for art, plan in zip(r.outputs["panels"], bubbles):
        w, h = art.image.size
        assert (plan["width"], plan["height"]) == (w, h)
        faces = [(x, y, x + fw, y + fh) for x, y, fw, fh in art.meta["faces"]]
        for b in plan["bubbles"]:
            x0, y0, x1, y1 = b["rect"]
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
            tx0, ty0, tx1, ty1 = b["text_rect"]
            assert x0 <= tx0 and y0 <= ty0 and tx1 <= x1 and ty1 <= y1
            for f in faces:
                assert min(x1, f[2]) <= max(x0, f[0]) or min(y1, f[3]) <= max(y0, f[1]), "bubble over a face"
    # the script is data in the manifest and a file in the run folder
    assert r.outputs["script"].data["panels"][1]["speech"] == ["Bob: WATCH OUT!"]
    assert (r.run_dir / "script.json").is_file()
    # panels are never blank and the pages have the title
    for art in r.outputs["panels"]:
        a = np.asarray(art.image.convert("L"), dtype=np.float32)
        assert a.std() > 10 and 20 < a.mean() < 235
    assert pages[0].meta["title"] == "The Test"
    # panels do not overlap on the page and sit inside it
    rects = [(a.meta["page"], a.meta["rect"]) for a in r.outputs["panels"]]
    for i, (pa, a) in enumerate(rects):
        for pb, b in rects[i + 1:]:
            if pa == pb:
                assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])


def test_relettering_reuses_the_pictures(tmp_path):
    images = [_scene(i) for i in range(4)]
    p = _comic_pipeline()
    first = p.run(images=images, script=SCRIPT, out=tmp_path / "a")
    edited = {"panels": [{"caption": "A new start.", "speech": []}] + SCRIPT["panels"][1:4]}
    second = p.run(images=images, script=edited, out=tmp_path / "b")
    cached = {s["id"]: s["cached"] for s in second.steps}
    assert cached == {"panels": True, "script": False, "letter": False, "page": False, "export": False}
    assert second.outputs["bubbles"].data["panels"][0]["bubbles"][0]["text"] == "A new start."
    assert first.outputs["pages"][0].image.tobytes() != second.outputs["pages"][0].image.tobytes()
    # same inputs again: everything from the cache, the same files
    third = p.run(images=images, script=edited, out=tmp_path / "c")
    assert all(s["cached"] for s in third.steps)
    assert third.paths["cbz"].read_bytes() == second.paths["cbz"].read_bytes()
    # and without the cache (pages encoded afresh, not copied from cache entries): the same bytes
    fourth = p.run(images=images, script=edited, out=tmp_path / "d", use_cache=False)
    for key in ("cbz", "pdf"):
        assert fourth.paths[key].read_bytes() == second.paths[key].read_bytes(), key
    # each panel is lettered on its own: the edit redrew panel 1 and reused the other three
    info = {s["id"]: s["info"] for s in second.steps}["letter"]
    assert (info["panels_redrawn"], info["panels_reused"]) == (1, 3)
    assert {s["id"]: s["info"] for s in fourth.steps}["letter"]["panels_redrawn"] == 4  # no cache: all drawn
    for a, b in zip(second.outputs["panels"], fourth.outputs["panels"]):
        assert a.image.tobytes() == b.image.tobytes() and a.meta == b.meta and a.name == b.name
    assert second.outputs["bubbles"].data == fourth.outputs["bubbles"].data


def test_script_from_subtitles_and_captions(tmp_path):
    images = [_scene(i) for i in range(3)]
    images[0].meta["subtitles"] = ["ANNA: Hello there.", "BEN: Hi."]
    images[1].meta["caption"] = "A quiet street at dusk."
    images[1].meta["caption_source"] = "model"
    images[2].meta["caption"] = "Mostly blue; one face."
    images[2].meta["caption_source"] = "describe"
    r = _comic_pipeline().run(images=images, out=tmp_path / "run")
    panels = r.outputs["script"].data["panels"]
    assert panels[0]["speech"] == ["ANNA: Hello there.", "BEN: Hi."] and panels[0]["caption"] is None
    assert panels[1]["caption"] == "A quiet street at dusk."
    assert panels[2]["caption"] is None and panels[2]["speech"] == []


def test_manga_cbz_is_right_to_left(tmp_path):
    images = [_scene(i) for i in range(5)]
    r = _comic_pipeline(layout="manga-rtl").run(images=images, out=tmp_path / "run")
    with zipfile.ZipFile(r.paths["cbz"]) as zf:
        assert ET.fromstring(zf.read("ComicInfo.xml")).findtext("Manga") == "YesAndRightToLeft"
    assert all(a.meta["direction"] == "rtl" for a in r.outputs["panels"])


def test_more_panels_than_frames_and_blank_frames(tmp_path):
    images = [_scene(0), ImageArtifact(Image.new("RGB", (640, 360), (2, 2, 2)), name="black"), _scene(1)]
    r = _comic_pipeline(panels=6).run(images=images, out=tmp_path / "run")
    warnings = " ".join(r.manifest["warnings"]) if isinstance(r.manifest["warnings"], list) else str(r.manifest["warnings"])
    assert "blank" in warnings and "only 2" in warnings
    assert len(r.outputs["panels"]) == 2


def test_bad_input_is_one_clear_error(tmp_path):
    images = [_scene(i) for i in range(2)]
    with pytest.raises(UserError, match="unknown layout 'grid'"):
        _comic_pipeline(layout="grid").run(images=images, out=tmp_path / "a")
    with pytest.raises(InputError, match="kind 'yell'"):
        _comic_pipeline().run(images=images, script={"panels": [{"speech": [{"text": "x", "kind": "yell"}]}]}, out=tmp_path / "b")
    blank = [ImageArtifact(Image.new("RGB", (64, 64), "black"))]
    with pytest.raises(InputError, match="blank"):
        _comic_pipeline().run(images=blank, out=tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_motion_comic_has_both_streams_and_the_length(tmp_path):
    import av

    from studio.engine import AudioArtifact

    sr = 32000
    tone = (0.2 * np.sin(2 * np.pi * 220 * np.arange(sr * 10) / sr)).astype(np.float32)
    p = Pipeline("motion-test")
    p.add_input("images", "images")
    p.add_input("audio", "audio")
    m = p.step("comic.motion", images="$inputs.images", audio="$inputs.audio", seconds_per_panel=1.0,
               transition_seconds=0.3, width=320, height=180, fps=12)
    p.output("video", m.video)
    panels = [_scene(0, size=(300, 400)), _scene(1, size=(640, 200)), _scene(2)]
    r = p.run(images=panels, audio=AudioArtifact(tone, sr), out=tmp_path / "run")
    with av.open(str(r.paths["video"])) as c:
        kinds = {s.type: s for s in c.streams}
        assert set(kinds) == {"video", "audio"}
        assert kinds["video"].codec_context.name == "h264" and kinds["audio"].codec_context.name == "aac"
        assert c.duration / 1e6 == pytest.approx(3.0, abs=0.1)
        frames = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(frames) == pytest.approx(36, abs=1)
    assert min(f.mean() for f in frames) > 15, "a frame went black"
    rec = r.steps[0]
    assert rec["backend"] == "pyav+libx264" and rec["info"]["moves"][0] == "pan-down"


def test_fit_audio_loops_and_trims():
    from studio.comic.motion import fit_audio

    x = np.ones(1000, dtype=np.float32) * 0.5
    y = fit_audio(x, 1000, 3.0, fade=0.5)
    assert y.shape == (3000, 2) and y[-1].max() == 0.0 and y[100].min() == pytest.approx(0.5)
    z = fit_audio(np.ones((5000, 2), np.float32), 1000, 2.0, fade=0.0)
    assert z.shape == (2000, 2)


def test_fitting_keeps_the_face(tmp_path):
    from studio.comic.fitting import content_box, fit_image

    img = Image.new("RGB", (1200, 400), (90, 90, 90))
    d = ImageDraw.Draw(img)
    d.ellipse([950, 120, 1100, 270], fill=(230, 190, 160))
    out, faces, crop = fit_image(img, 300, 400, [(950, 120, 150, 150)])
    assert out.size == (300, 400) and len(faces) == 1
    assert crop[0] <= 950 and crop[2] >= 1100
    # letterbox bars are cut before cropping
    boxed = Image.new("RGB", (640, 480), "black")
    boxed.paste(Image.new("RGB", (640, 360), (120, 140, 160)), (0, 60))
    assert content_box(boxed) == (0, 60, 640, 420)


def test_demo_clip(tmp_path):
    import av

    from studio.comic.demo_clip import SHOTS, make_demo_clip

    path = make_demo_clip(tmp_path / "clip.mp4")
    assert path.with_suffix(".srt").read_text().count("-->") == 4
    with av.open(str(path)) as c:
        assert c.duration / 1e6 == pytest.approx(sum(SHOTS), abs=0.1)
        assert c.streams.video[0].codec_context.name == "h264"


def test_exports_are_reproducible(tmp_path):
    import pikepdf

    from studio.export.comic import png_pages, write_cbz, write_pdf

    pages = [_scene(i).image for i in range(3)]
    for k in (1, 2):
        write_pdf(png_pages(pages), tmp_path / f"{k}.pdf", dpi=100, title="Same")
        write_cbz(pages, tmp_path / f"{k}.cbz", title="Same", rtl=True)
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()
    assert (tmp_path / "1.cbz").read_bytes() == (tmp_path / "2.cbz").read_bytes()
    with pikepdf.open(tmp_path / "1.pdf") as pdf:
        assert len(pdf.pages) == 3
        # 640 px at 100 dpi is 6.4 in = 460.8 pt
        assert float(pdf.pages[0].mediabox[2]) == pytest.approx(460.8, abs=0.5)


def test_credits_name_the_picture_models_and_licences():
    from studio.comic.page import credits_line

    metas = [{"backend": "diffusers", "model": "stabilityai/sdxl-turbo"},
             {"restyle": {"backend": "diffusers", "model": "my/local-model"}, "licence": None},
             {"backend": "procedural", "model": None}, {"restyle": {"backend": "stylize"}}]
    line = credits_line(metas, "Lettered by studio")
    assert line.startswith("Pictures: stabilityai/sdxl-turbo (Stability AI Community License")
    assert "my/local-model" in line and line.endswith("· Lettered by studio")
    assert credits_line(metas[2:]) is None


def _planned_pipeline(n_images: int | None = None) -> Pipeline:
    p = Pipeline("plan-test")
    p.add_input("texts", "texts")
    plan = p.step("comic.plan", id="plan", texts="$inputs.texts")
    img = p.step("image.generate", id="images", prompts=plan.texts, backend="procedural", width=120, height=80)
    pan = p.step("comic.panels", id="panels", images=img.images, plan=plan.layout, faces="meta",
                 **({"panels": n_images} if n_images else {}))
    p.output("plan", plan.layout)
    p.output("layout", pan.layout)
    p.output("images", img.images)
    p.output("panels", pan.images)
    return p


def test_pictures_made_in_their_planned_panel_shape_are_not_cropped(tmp_path):
    """comic.plan lays out the pages first; image.generate draws each picture in its panel's
    shape (about the same area); comic.panels then uses that plan and crops (almost) nothing."""
    from studio.engine import TextArtifact

    texts = [TextArtifact(t, name=f"p{i}") for i, t in enumerate(
        ["a cat on a hill", "a dog in a city", "a robot at night", "a pig on a farm", "a fox in a forest", "a boat at sea"])]
    r = _planned_pipeline().run({"texts": texts}, out=tmp_path / "run")
    plan, layout = r.outputs["plan"].data, r.outputs["layout"].data
    assert layout["pages"] == plan["pages"]
    shapes = {round(b["rect"][2] - b["rect"][0]) / round(b["rect"][3] - b["rect"][1]) for p in plan["pages"] for b in p["panels"]}
    assert len(shapes) > 1  # this plan has panels of different shapes (wide rows and pairs)
    for img, panel in zip(r.outputs["images"], r.outputs["panels"]):
        x0, y0, x1, y1 = panel.meta["rect"]
        want = (x1 - x0) / (y1 - y0)
        w, h = img.image.size
        assert abs(w / h - want) / want < 0.03
        assert abs(w * h - 120 * 80) / (120 * 80) < 0.05
        cx0, cy0, cx1, cy1 = panel.meta["crop"]
        assert (cx1 - cx0) * (cy1 - cy0) >= 0.95 * w * h  # (almost) nothing cut away


def test_a_plan_for_another_panel_count_is_not_used(tmp_path):
    from studio.engine import TextArtifact

    texts = [TextArtifact(f"a cat number {i}", name=f"p{i}") for i in range(4)]
    r = _planned_pipeline(n_images=3).run({"texts": texts}, out=tmp_path / "run")
    assert sum(len(p["panels"]) for p in r.outputs["layout"].data["pages"]) == 3
    rec = next(s for s in r.manifest["steps"] if s["id"] == "panels")
    assert any("different number of panels" in w for w in rec["warnings"])


def test_shaped_size_keeps_the_area():
    from studio.steps.image import _aspect_of, shaped_size

    assert shaped_size(768, 512, None) == (768, 512)
    w, h = shaped_size(768, 512, 2.8)
    assert abs(w / h - 2.8) < 0.02 and abs(w * h - 768 * 512) / (768 * 512) < 0.01
    assert _aspect_of({"aspect": "1.5"}) == 1.5
    assert _aspect_of({"aspect": 40}) is None and _aspect_of({}) is None and _aspect_of({"aspect": "wide"}) is None


def test_relettering_one_panel_redraws_only_its_page(tmp_path):
    images = [_scene(i) for i in range(8)]
    p = _comic_pipeline(layout="2x2")
    script = {"panels": [{"caption": f"Panel {i + 1}.", "speech": []} for i in range(8)]}
    first = p.run(images=images, script=script, out=tmp_path / "a")
    assert len(first.outputs["pages"]) == 2
    script["panels"][6]["caption"] = "Panel seven, lettered again."
    second = p.run(images=images, script=script, out=tmp_path / "b")
    info = {s["id"]: s["info"] for s in second.steps}
    assert (info["letter"]["panels_redrawn"], info["letter"]["panels_reused"]) == (1, 7)
    assert (info["page"]["pages_redrawn"], info["page"]["pages_reused"]) == (1, 1)
    a, b = first.outputs["pages"], second.outputs["pages"]
    assert a[0].image.tobytes() == b[0].image.tobytes() and a[1].image.tobytes() != b[1].image.tobytes()
    fresh = p.run(images=images, script=script, out=tmp_path / "c", use_cache=False)
    assert fresh.paths["cbz"].read_bytes() == second.paths["cbz"].read_bytes()


def test_plan_with_an_unknown_layout_or_a_bad_plan_is_one_clear_error(tmp_path):
    from studio.engine import TextArtifact

    p = Pipeline("plan-bad")
    p.add_input("texts", "texts")
    p.step("comic.plan", id="plan", texts="$inputs.texts", layout="3x7")
    with pytest.raises(UserError, match="3x7"):
        p.run({"texts": [TextArtifact("a cat")]}, out=tmp_path / "a")
    q = Pipeline("panels-bad-plan")
    q.add_input("images", "images")
    q.add_input("plan", "dict")
    q.step("comic.panels", id="panels", images="$inputs.images", plan="$inputs.plan")
    with pytest.raises(UserError, match="not a page plan"):
        q.run({"images": [_scene(0)], "plan": {"pages": [{"oops": 1}]}}, out=tmp_path / "b")


def test_motion_comic_fills_the_frame(tmp_path):
    """Frame-shaped, tall and wide panels all cover the 16:9 frame (no letterbox): the frame's edges
    show the panel's own colour at the middle of every shot; two tall panels in a row share the
    frame side by side; contain keeps the old letterboxed look."""
    import av

    from studio.comic.motion import render_motion

    colours = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 200, 40)]
    sizes = [(640, 360), (200, 500), (220, 520), (900, 200)]
    panels = [Image.new("RGB", s, c) for s, c in zip(sizes, colours)]
    path = tmp_path / "fill.mp4"
    info = render_motion(panels, path, seconds_per_panel=1.0, transition="cut", size=(320, 180), fps=10)
    assert info["panels"] == 4 and info["shots"] == 3 and info["frame_fill"] == 1.0
    assert info["moves"] == ["push-in", "pan-down", "pan-right"]
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
    assert len(frames) == 40
    # mid-shot frames: the first panel at 0.5 s, the tall pair at 2.0 s, the wide panel at 3.5 s
    for t, left, right in [(0.5, colours[0], colours[0]), (2.0, colours[1], colours[2]), (3.5, colours[3], colours[3])]:
        f = frames[int(t * 10)]
        assert np.abs(f[:, :6].reshape(-1, 3).mean(axis=0) - left).max() < 30, t
        assert np.abs(f[:, -6:].reshape(-1, 3).mean(axis=0) - right).max() < 30, t
        for edge in (f[:6], f[-6:]):  # top and bottom: panel colour everywhere but a thin gutter
            dark = (edge.reshape(-1, 3).max(axis=1) < 60).mean()
            assert dark < 0.05, (t, dark)
    boxed = render_motion(panels[1:2], tmp_path / "contain.mp4", seconds_per_panel=1.0, transition="cut",
                          size=(320, 180), fps=10, fit="contain")
    assert boxed["frame_fill"] < 0.5


def test_asked_for_panels_note_only_when_the_user_asked(tmp_path):
    """The comic recipes pass `panels` as given (None when the user asked for nothing): no note
    then; a note when a user's N cannot be met."""
    def run(panels, out):
        p = Pipeline("panels-note")
        p.add_input("images", "images")
        pan = p.step("comic.panels", id="panels", images="$inputs.images", panels=panels)
        p.output("panels", pan.images)
        r = p.run(images=[_scene(0), _scene(1)], out=tmp_path / out)
        return " ".join(r.manifest["warnings"]) if isinstance(r.manifest["warnings"], list) else str(r.manifest["warnings"])

    assert "asked for" not in run(None, "default")
    assert "asked for 6 panels" in run(6, "asked")


def test_comic_recipes_leave_panels_unset_by_default():
    from studio.engine.recipe import load_recipe

    for name in ("comic-from-video", "motion-comic"):
        p = load_recipe(name)
        assert p.inputs["panels"].default is None
        kf = next(s for s in p.steps if s.use == "video.keyframes")
        assert kf.with_["fill"] is True and "or 6" in kf.with_["max_frames"]
