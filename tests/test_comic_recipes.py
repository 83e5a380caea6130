"""The three comic recipes on embedded defaults: comic-from-video on the generated demo clip and on
the shared test video, re-lettering through the cache, comic-from-prompt, motion-comic, bad input."""

from __future__ import annotations

import json
import math
import zipfile
from xml.etree import ElementTree as ET

import numpy as np
import pytest

import studio
from studio.engine import UserError


@pytest.fixture(scope="module")
def demo_clip(tmp_path_factory):
    from studio.comic.demo_clip import make_demo_clip

    return make_demo_clip(tmp_path_factory.mktemp("clip") / "demo.mp4")


def _check_comic(r):
    import pikepdf

    pages = r.paths["pages"]
    with pikepdf.open(r.paths["pdf"]) as pdf:
        assert len(pdf.pages) == len(pages)
    with zipfile.ZipFile(r.paths["cbz"]) as zf:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        names = [n for n in zf.namelist() if n.endswith(".png")]
        assert names == sorted(names) and len(names) == len(pages)
        assert ET.fromstring(zf.read("ComicInfo.xml")).findtext("PageCount") == str(len(pages))
    for art in r.outputs["panels"]:
        a = np.asarray(art.image.convert("L"), dtype=np.float32)
        assert a.std() > 8 and 15 < a.mean() < 240, "a panel is blank, black or mid-fade"
    plans = r.outputs["bubbles"].data["panels"]
    for art, plan in zip(r.outputs["panels"], plans):
        w, h = art.image.size
        faces = [(x, y, x + fw, y + fh) for x, y, fw, fh in art.meta.get("faces", [])]
        for b in plan["bubbles"]:
            x0, y0, x1, y1 = b["rect"]
            assert x0 >= 0 and y0 >= 0 and x1 <= w and y1 <= h
            tx0, ty0, tx1, ty1 = b["text_rect"]
            assert x0 <= tx0 and y0 <= ty0 and tx1 <= x1 and ty1 <= y1
            if "faces" not in plan["relaxed"]:
                for f in faces:
                    assert min(x1, f[2]) <= max(x0, f[0]) or min(y1, f[3]) <= max(y0, f[1])


@pytest.mark.slow
def test_comic_from_video_on_the_demo_clip_and_relettering(demo_clip, tmp_path):
    r = studio.run("comic-from-video", {"video": str(demo_clip), "title": "The Roof"}, out=tmp_path / "cold")
    _check_comic(r)
    script = r.outputs["script"].data
    words = json.dumps(script)
    assert "Did you hear that?" in words and "THE ROOF IS MOVING!" in words
    shapes = {b["shape"] for p in r.outputs["bubbles"].data["panels"] for b in p["bubbles"]}
    assert "jagged" in shapes, "BEN's all-caps line is a shout"
    assert any(a.meta.get("faces") for a in r.outputs["panels"]), "the demo's drawn faces are found"
    # the two-shot: BEN talks (his mouth moves, Anna's does not), so his bubble points at him, on the right
    two = next(a for a in r.outputs["panels"] if len(a.meta.get("faces", [])) == 2)
    plan = r.outputs["bubbles"].data["panels"][two.meta["panel"]]
    anna_x, ben_x = sorted(f[0] + f[2] / 2 for f in two.meta["faces"])
    tips = [b["tail"][1][0] for b in plan["bubbles"] if b["speaker"] == "BEN" and b["tail"]]
    assert tips and all(abs(x - ben_x) < abs(x - anna_x) for x in tips)
    # edit the words only: the pictures come from the cache
    script["panels"][0]["caption"] = "An old house, a windy night."
    r2 = studio.run("comic-from-video", {"video": str(demo_clip), "title": "The Roof", "script": script}, out=tmp_path / "warm")
    fresh = [s["id"] for s in r2.steps if not s["cached"]]
    assert fresh == ["script", "letter", "page", "export"]
    assert r2.outputs["script"].data["panels"][0]["caption"] == "An old house, a windy night."
    _check_comic(r2)


@pytest.mark.slow
@pytest.mark.media
def test_comic_from_video_on_testvideo(testdata, tmp_path):
    # the keyframes' face meta only (the shots have no faces; looking again costs seconds per panel)
    r = studio.run("comic-from-video", {"video": str(testdata / "video" / "testvideo.mp4"), "panels": 4, "style": "noir"},
                   out=tmp_path / "run", overrides={"panels.faces": "meta"})
    _check_comic(r)
    assert 1 <= len(r.outputs["panels"]) <= 4


@pytest.mark.slow
def test_comic_from_prompt(tmp_path):
    r = studio.run("comic-from-prompt", {"prompt": "a cat who wants to fly", "panels": 4}, out=tmp_path / "run",
                   overrides={"panels.faces": "meta"})
    _check_comic(r)
    assert len(r.outputs["panels"]) == 4
    assert any(p["caption"] or p["speech"] for p in r.outputs["script"].data["panels"])
    # the generator says where it drew the cat and the crow; every tail ends nearest its speaker
    tails = 0
    for art, plan in zip(r.outputs["panels"], r.outputs["bubbles"].data["panels"]):
        names, faces = art.meta.get("face_names") or [], art.meta.get("faces") or []
        assert len(names) == len(faces)
        for b in plan["bubbles"]:
            if b["kind"] == "caption" or not b["tail"] or str(b["speaker"]).lower() not in names:
                continue
            tip = b["tail"][1]
            dist = [math.dist(tip, (x + w / 2, y + h / 2)) for x, y, w, h in faces]
            assert names[dist.index(min(dist))] == str(b["speaker"]).lower()
            tails += 1
    assert tails >= 3


@pytest.mark.slow
def test_prompt_extremes(tmp_path):
    with pytest.raises(UserError):
        studio.run("comic-from-prompt", {"prompt": "", "panels": 2}, out=tmp_path / "empty")
    long = ("A lighthouse keeper finds a map inside a bottle and sails out to follow it. " * 140)[:10_000]
    r = studio.run("comic-from-prompt", {"prompt": long, "panels": 2}, out=tmp_path / "long", overrides={"panels.faces": "meta"})
    assert len(r.outputs["panels"]) == 2


@pytest.mark.slow
def test_motion_comic_on_the_demo_clip(demo_clip, tmp_path):
    import av

    r = studio.run("motion-comic", {"video": str(demo_clip), "panels": 4, "seconds_per_panel": 1.5}, out=tmp_path / "run",
                   overrides={"motion.width": 480, "motion.height": 270, "motion.fps": 12})
    n = len(r.outputs["panels"])
    with av.open(str(r.paths["video"])) as c:
        assert {s.type for s in c.streams} == {"video", "audio"}
        assert c.duration / 1e6 == pytest.approx(n * 1.5, abs=0.15)


def test_bad_layout_and_style_fail_before_any_work(demo_clip, tmp_path):
    with pytest.raises(UserError, match="input 'layout': 'grid9' is not one of"):
        studio.run("comic-from-video", {"video": str(demo_clip), "layout": "grid9"}, out=tmp_path / "a")
    with pytest.raises(UserError, match="input 'style': 'crayon' is not one of"):
        studio.run("comic-from-prompt", {"prompt": "a cat", "style": "crayon"}, out=tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("recipe", ["comic-from-video", "comic-from-prompt", "motion-comic"])
def test_recipe_choices_match_the_layouts_and_styles(recipe):
    from studio.backends.text.presets import list_styles
    from studio.comic.layout import list_layouts

    p = studio.load_recipe(recipe)
    assert sorted(p.inputs["layout"].choices) == sorted(["auto", *list_layouts()])
    assert sorted(p.inputs["style"].choices) == sorted(list_styles())
    assert "script" in p.inputs and not p.inputs["script"].required
