"""Sheet packing and atlas writers: rectangles inside the sheet, no overlaps, pixels equal to
the sources, Godot regions equal to the JSON, `name_0000` keys and frame tags for animations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.assets.packing import Frame, MaxRects, Rect, grid_sheet, layout, pack_frames
from studio.export.atlas import (
    Animation,
    frame_name,
    godot_spriteframes,
    parse_godot_regions,
    texturepacker_json,
)


def _sprite(w: int, h: int, seed: int, margin: int = 3) -> Image.Image:
    """A random opaque blob inside a transparent border of `margin` px (so trimming matters)."""
    rng = np.random.default_rng(seed)
    a = np.zeros((h, w, 4), dtype=np.uint8)
    a[margin:h - margin, margin:w - margin, :3] = rng.integers(0, 256, (h - 2 * margin, w - 2 * margin, 3))
    a[margin:h - margin, margin:w - margin, 3] = 255
    a[margin, margin, 3] = 128  # a partly transparent corner pixel must survive too
    return Image.fromarray(a)


def _frames(n: int = 12, seed: int = 0) -> list[Frame]:
    rng = np.random.default_rng(seed)
    return [Frame(str(i), _sprite(int(rng.integers(8, 70)), int(rng.integers(8, 70)), seed * 100 + i, margin=int(rng.integers(0, 5))))
            for i in range(n)]


def _check_sheet(sheet, frames, extrude):
    w, h = sheet.size
    arr = np.asarray(sheet.image)
    rects = [p.rect for p in sheet.placements]
    for p, f in zip(sheet.placements, frames):
        r = p.rect
        assert r.x >= 0 and r.y >= 0 and r.right <= w and r.bottom <= h, f"frame {p.key} {r} outside {w}x{h}"
        # extrusion stays inside the sheet too
        assert r.x - extrude >= 0 and r.y - extrude >= 0 and r.right + extrude <= w and r.bottom + extrude <= h
        src = np.asarray(f.image.convert("RGBA"))[p.source.y:p.source.bottom, p.source.x:p.source.x + p.source.w]
        assert np.array_equal(arr[r.y:r.bottom, r.x:r.right], src), f"pixels of frame {p.key} differ from the source"
        # everything the trim cut away was fully transparent
        full = np.asarray(f.image.convert("RGBA"))[..., 3].copy()
        full[p.source.y:p.source.bottom, p.source.x:p.source.x + p.source.w] = 0
        assert full.max() == 0
    grown = [Rect(r.x - extrude, r.y - extrude, r.w + 2 * extrude, r.h + 2 * extrude) for r in rects]
    for i in range(len(grown)):
        for j in range(i + 1, len(grown)):
            assert not grown[i].intersects(grown[j]), f"frames {i} and {j} overlap"


@pytest.mark.parametrize("padding,extrude,pow2,trim", [(0, 0, False, False), (2, 1, False, True), (1, 2, True, True), (4, 0, True, False)])
def test_pack_rects_inside_disjoint_and_pixel_exact(padding, extrude, pow2, trim):
    frames = _frames(14, seed=padding + extrude)
    sheet = pack_frames(frames, padding=padding, extrude=extrude, power_of_two=pow2, trim=trim)
    _check_sheet(sheet, frames, extrude)
    w, h = sheet.size
    if pow2:
        assert w & (w - 1) == 0 and h & (h - 1) == 0
    assert 0.3 < sheet.efficiency() <= 1.0


def test_padding_separates_frames_and_edges():
    frames = [Frame(str(i), _sprite(20, 20, i, margin=0)) for i in range(6)]
    sheet = pack_frames(frames, padding=3, extrude=0, trim=False)
    rects = [p.rect for p in sheet.placements]
    w, h = sheet.size
    for r in rects:
        assert r.x >= 3 and r.y >= 3 and w - r.right >= 3 and h - r.bottom >= 3
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            gap_x = max(b.x - a.right, a.x - b.right)
            gap_y = max(b.y - a.bottom, a.y - b.bottom)
            assert max(gap_x, gap_y) >= 3


def test_extrusion_repeats_edge_pixels():
    f = Frame("a", _sprite(10, 10, 1, margin=0))
    sheet = pack_frames([f], padding=0, extrude=2, trim=False)
    arr = np.asarray(sheet.image)
    r = sheet.placements[0].rect
    assert np.array_equal(arr[r.y:r.bottom, r.x - 1], arr[r.y:r.bottom, r.x])
    assert np.array_equal(arr[r.y:r.bottom, r.x - 2], arr[r.y:r.bottom, r.x])
    assert np.array_equal(arr[r.bottom + 1, r.x:r.right], arr[r.bottom - 1, r.x:r.right])


def test_maxrects_and_layout_basics():
    packer = MaxRects(10, 10)
    assert packer.insert(10, 5) == Rect(0, 0, 10, 5)
    assert packer.insert(5, 5) is not None and packer.insert(5, 5) is not None
    assert packer.insert(1, 1) is None
    rects, w, h = layout([(16, 16)] * 16)
    assert (w, h) == (64, 64)  # sixteen squares fill a square exactly
    with pytest.raises(ValueError):
        layout([(10, 10)], max_size=8)
    with pytest.raises(ValueError, match="twice"):
        pack_frames([Frame("a", _sprite(8, 8, 0)), Frame("a", _sprite(8, 8, 1))])


def test_packing_is_deterministic():
    a = pack_frames(_frames(10, seed=3), padding=2, extrude=1)
    b = pack_frames(_frames(10, seed=3), padding=2, extrude=1)
    assert [p.rect for p in a.placements] == [p.rect for p in b.placements]
    assert a.image.tobytes() == b.image.tobytes()


def test_json_hash_animation_named_keys_tags_and_godot_match():
    names = [f"walk_{i:04d}" for i in range(8)]  # the name_0000 style engines' frame-name helpers build
    frames = [Frame(frame_name("walk", i), _sprite(32, 40, i), duration=100, pivot=(0.5, 1.0)) for i in range(8)]
    sheet = pack_frames(frames, padding=2, extrude=1)
    anim = Animation("walk", [f.key for f in frames], fps=10)
    doc = texturepacker_json(sheet, "goblin_walk_sheet.png", [anim])
    assert list(doc["frames"]) == names
    assert doc["animations"] == {"walk": names}
    assert doc["meta"]["frameTags"] == [{"name": "walk", "from": 0, "to": 7, "direction": "forward"}]
    assert doc["meta"]["image"] == "goblin_walk_sheet.png"
    assert doc["meta"]["size"] == {"w": sheet.size[0], "h": sheet.size[1]}
    assert doc["meta"]["format"] == "RGBA8888" and doc["meta"]["scale"] == "1"
    for _k, fr in doc["frames"].items():
        assert set(fr) >= {"frame", "rotated", "trimmed", "spriteSourceSize", "sourceSize"}
        assert fr["duration"] == 100 and fr["pivot"] == {"x": 0.5, "y": 1.0}
        assert fr["sourceSize"] == {"w": 32, "h": 40}
        assert fr["spriteSourceSize"]["w"] == fr["frame"]["w"] and fr["spriteSourceSize"]["h"] == fr["frame"]["h"]
    json.dumps(doc)  # plain JSON

    tres = godot_spriteframes(sheet, "goblin_walk_sheet.png", [anim], filter_clip=True)
    assert tres.startswith('[gd_resource type="SpriteFrames" load_steps=10 format=3]')
    assert '[ext_resource type="Texture2D" path="goblin_walk_sheet.png" id="1"]' in tres
    assert tres.count("filter_clip = true") == 8
    parsed = parse_godot_regions(tres)
    assert list(parsed["animations"]) == ["walk"]
    subs = parsed["subresources"]
    for sub_id, key in zip(parsed["animations"]["walk"], anim.keys):
        fr = doc["frames"][key]
        x, y, w, h = subs[sub_id]["region"]
        assert (x, y, w, h) == (fr["frame"]["x"], fr["frame"]["y"], fr["frame"]["w"], fr["frame"]["h"])
        # trimmed frames keep their place inside the original canvas through the margin
        mx, my, mw, mh = subs[sub_id]["margin"]
        sss, src = fr["spriteSourceSize"], fr["sourceSize"]
        assert (mx, my) == (sss["x"], sss["y"]) and (mw, mh) == (src["w"] - w, src["h"] - h)
    assert '"name": &"walk"' in tres and '"speed": 10.0' in tres and '"loop": true' in tres


def test_mixed_atlas_named_sprites_and_named_animation_frames():
    frames = [Frame("potion", _sprite(20, 30, 1)), Frame("coin", _sprite(16, 16, 2))]
    frames += [Frame(frame_name("hero", i), _sprite(24, 24, 10 + i)) for i in range(4)]
    frames += [Frame(frame_name("slime", i), _sprite(24, 24, 20 + i)) for i in range(3)]
    sheet = pack_frames(frames)
    anims = [Animation("potion", ["potion"], fps=1, loop=False), Animation("coin", ["coin"], fps=1, loop=False),
             Animation("hero", [frame_name("hero", i) for i in range(4)]), Animation("slime", [frame_name("slime", i) for i in range(3)])]
    doc = texturepacker_json(sheet, "atlas.png", anims)
    # frame tags for the animations: runs of frames by position in `frames` (Aseprite's from/to)
    assert doc["meta"]["frameTags"] == [{"name": "hero", "from": 2, "to": 5, "direction": "forward"},
                                        {"name": "slime", "from": 6, "to": 8, "direction": "forward"}]
    assert list(doc["frames"])[2:6] == ["hero_0000", "hero_0001", "hero_0002", "hero_0003"]
    tres = godot_spriteframes(sheet, "atlas.png", anims)
    parsed = parse_godot_regions(tres)
    assert sorted(parsed["animations"]) == ["coin", "hero", "potion", "slime"]
    assert len(parsed["animations"]["slime"]) == 3
    with pytest.raises(ValueError, match="not on the sheet"):
        texturepacker_json(sheet, "atlas.png", [Animation("x", ["99"])])


def test_grid_sheet_cells():
    imgs = [_sprite(30, 40, i) for i in range(10)]
    sheet, info = grid_sheet(imgs)
    assert info == {"cell_width": 30, "cell_height": 40, "columns": 4, "rows": 3, "count": 10, "padding": 0}
    assert sheet.size == (120, 120)
    arr = np.asarray(sheet)
    for i, img in enumerate(imgs):
        r, c = divmod(i, 4)
        assert np.array_equal(arr[r * 40:(r + 1) * 40, c * 30:(c + 1) * 30], np.asarray(img))
    row, info = grid_sheet(imgs[:6])
    assert info["columns"] == 6 and info["rows"] == 1


def test_sheet_step_writes_files(tmp_path):
    from studio import Pipeline

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(5):
        _sprite(32, 32, i).save(folder / f"f{i}.png")
    p = Pipeline("sheet-test")
    load = p.step("image.load", path=str(folder))
    sheet = p.step("assets.sheet", images=load.images, name="hero_walk", animation="walk", fps=8, power_of_two=True)
    p.output("files", sheet.files)
    p.output("data", sheet.data)
    r = p.run(out=tmp_path / "run")
    names = sorted(path.name for path in r.paths["files"])
    assert names == ["hero_walk.json", "hero_walk.png", "hero_walk.tres", "hero_walk_grid.png"]
    doc = json.loads((tmp_path / "run" / "files" / "hero_walk.json").read_text())
    assert doc["meta"]["frameTags"][0]["name"] == "walk"
    with Image.open(tmp_path / "run" / "files" / "hero_walk.png") as im:
        assert im.size == (doc["meta"]["size"]["w"], doc["meta"]["size"]["h"])
        w, h = im.size
        assert w & (w - 1) == 0 and h & (h - 1) == 0
