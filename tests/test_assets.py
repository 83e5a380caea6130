"""Game assets: sprites on transparency, pixel art on palettes, animations, icons, the spec
(and its errors), and the game-assets recipe end to end."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.assets import sprites
from studio.assets.spec import infer_kind, parse_prompts, parse_spec_text
from studio.backends.image.pixelate import PALETTES, colours_used, pixelate, upscale
from studio.engine.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def _subject_on(background, size=128, hole=False):
    img = Image.new("RGB", (size, size), background)
    d = ImageDraw.Draw(img)
    d.ellipse((30, 20, 98, 88), fill=(200, 40, 40), outline=(30, 10, 10), width=3)
    d.rectangle((50, 80, 78, 110), fill=(90, 60, 30))
    if hole:  # backdrop-coloured pixels inside the subject are not background
        d.ellipse((56, 46, 72, 62), fill=background)
    return img


def _gradient(size=128):
    y = np.linspace(0, 1, size)[:, None, None]
    a = (np.array([235, 240, 250]) * (1 - y) + np.array([200, 210, 230]) * y)
    return Image.fromarray(np.broadcast_to(a, (size, size, 3)).astype(np.uint8))


@pytest.mark.parametrize("backdrop", ["white", "green", "gradient"])
def test_background_removal_border_transparent_subject_opaque(backdrop):
    if backdrop == "gradient":
        img = _gradient()
        ImageDraw.Draw(img).ellipse((30, 20, 98, 88), fill=(200, 40, 40), outline=(30, 10, 10), width=3)
        ImageDraw.Draw(img).rectangle((50, 80, 78, 110), fill=(90, 60, 30))
    else:
        img = _subject_on((255, 255, 255) if backdrop == "white" else (0, 200, 0), hole=True)
    cut = sprites.remove_background(img)
    a = np.asarray(cut)
    alpha = a[..., 3]
    border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
    assert (border == 0).all()
    assert (alpha[40:70, 40:50] == 255).all() and (alpha[85:108, 55:74] == 255).all()  # body and legs
    if backdrop != "gradient":
        assert (alpha[58:61, 62:66] == 255).all()  # the enclosed backdrop-coloured hole stays
    assert (alpha[5:15, 5:15] == 0).all()
    score = sprites.silhouette_score(cut)
    assert score["border_transparent"] == 1.0 and score["subject_fill"] > 0.6
    # defringe/bleed: transparent pixels carry subject colours, not the backdrop's
    if backdrop == "green":
        clear = a[alpha == 0][:, :3].astype(int)
        assert np.mean(np.abs(clear - [0, 200, 0]).sum(1) < 30) < 0.05


def test_cleanup_removes_specks_and_hardens_alpha():
    a = np.zeros((40, 40, 4), dtype=np.uint8)
    a[10:30, 10:30] = (200, 100, 50, 250)
    a[2, 2] = (255, 255, 255, 255)  # a speck
    a[35, 35] = (10, 10, 10, 10)  # near-invisible noise
    out = np.asarray(sprites.cleanup_alpha(Image.fromarray(a), min_island=4))
    assert out[2, 2, 3] == 0 and out[35, 35, 3] == 0
    assert (out[10:30, 10:30, 3] == 255).all()


def test_procedural_sprite_is_transparent_around_an_opaque_subject():
    img = sprites.procedural_sprite("red health potion", size=64, seed=1)
    assert img.size == (64, 64) and img.mode == "RGBA"
    score = sprites.silhouette_score(img)
    assert score["border_transparent"] == 1.0
    a = np.asarray(img)[..., 3]
    assert (a == 255).mean() > 0.15  # a solid subject, not a ghost
    again = sprites.procedural_sprite("red health potion", size=64, seed=1)
    assert img.tobytes() == again.tobytes()


def test_focus_prompt_keeps_one_subject():
    assert sprites.focus_prompt("blue slime monster") == "blue slime"
    knight = sprites.focus_prompt("knight hero with a sword")  # "knight hero" is one person, the sword in hand
    from studio.backends.image.procedural import describe_prompt

    (only,) = describe_prompt(knight)["subjects"]
    assert only["archetype"] == "person" and only["variant"].get("knight") and only["variant"].get("holds") == "sword"
    (archer,) = describe_prompt(sprites.focus_prompt("skeleton archer"))["subjects"]
    assert archer["archetype"] == "skeleton" and archer["variant"].get("holds") == "bow"
    assert sprites.focus_prompt("red health potion") == "red health potion"


@pytest.mark.parametrize("palette", ["pico-8", "gameboy", "nes", "endesga-32"])
@pytest.mark.parametrize("dither", ["none", "ordered", "floyd-steinberg"])
def test_pixelate_uses_only_palette_colours(palette, dither):
    src = sprites.procedural_sprite("golden key", size=128, seed=2)
    small, pal = pixelate(src, width=24, palette=palette, dither=dither, outline=True)
    assert small.size == (24, 24)
    allowed = {tuple(int(v) for v in c) for c in PALETTES[palette]}
    used = colours_used(small)
    assert used and used <= allowed
    alpha = np.unique(np.asarray(small)[..., 3])
    assert set(alpha.tolist()) <= {0, 255}  # hard alpha
    big = upscale(small, 8)
    assert big.size == (192, 192) and colours_used(big) == used


def test_pixelate_adaptive_and_errors():
    src = sprites.procedural_sprite("blue slime", size=128, seed=3)
    small, pal = pixelate(src, width=32, palette="adaptive", colors=6)
    assert len(colours_used(small)) <= 6
    assert colours_used(small) <= {tuple(int(v) for v in c) for c in pal}
    with pytest.raises(ValueError, match="unknown palette"):
        pixelate(src, width=16, palette="atari-9000")


@pytest.mark.parametrize("kind", sprites.ANIMATIONS)
def test_animations(kind):
    base = sprites.fit_on_canvas(sprites.procedural_sprite("green goblin", size=128, seed=4), 128, margin=0.12)
    frames = sprites.animate(base, kind, 8)
    assert len(frames) == 8 and all(f.size == (128, 128) and f.mode == "RGBA" for f in frames)
    raw = [f.tobytes() for f in frames]
    assert len(set(raw)) > 1, "an animation whose frames are all the same"
    for f in frames:  # nothing leaves the canvas edge
        a = np.asarray(f)[..., 3]
        assert a[0].max() == 0 and a[:, 0].max() == 0 and a[:, -1].max() == 0
    if kind == "flash":
        assert np.asarray(frames[1])[..., :3][np.asarray(frames[1])[..., 3] > 200].min() == 255
        assert raw[0] == raw[2]
    if kind == "spin":
        widths = [np.ptp(np.nonzero(np.asarray(f)[..., 3].max(axis=0))[0]) for f in frames]
        assert widths[2] < widths[0] / 3  # edge-on at a quarter turn


def test_icon_sets_and_rarity_frames():
    from studio.assets.icons import RARITIES, icon_set

    subject = sprites.procedural_sprite("iron sword", size=256, seed=5)
    icons = icon_set(subject, [16, 32, 64, 128], rarity="epic")
    assert sorted(icons) == [16, 32, 64, 128]
    for s, img in icons.items():
        assert img.size == (s, s) and img.mode == "RGBA"
    big = np.asarray(icons[128])
    assert big[0, 0, 3] < 64  # rounded corner
    edge = big[64, 1, :3].astype(int)
    assert np.abs(edge - np.array(RARITIES["epic"])).sum() < 120  # the border carries the rarity colour
    plain = icon_set(subject, [32])[32]
    assert np.asarray(plain)[0, 0, 3] == 0


# -- the spec -------------------------------------------------------------------------------------------


def test_prompts_infer_kinds_and_ids():
    spec = parse_prompts("red health potion; goblin enemy; stone wall texture; coin pickup sound; goblin enemy walking; iron sword icon")
    assert [(a.id, a.kind) for a in spec.assets] == [
        ("red_health_potion", "sprite"), ("goblin_enemy", "sprite"), ("stone_wall", "texture"),
        ("coin_pickup", "sfx"), ("goblin_enemy_walking", "animation"), ("iron_sword", "icon")]
    assert spec.assets[4].animation == "walk"
    assert infer_kind("red brick floor") == "texture" and infer_kind("spinning gold coin") == "animation"


def test_spec_defaults_and_aliases():
    spec = parse_spec_text("""
style: pixel
palette: gameboy
assets:
  - {kind: sprites, description: potion}
  - {kind: anim, description: bat, animation: flash}
  - {kind: tile, description: lava, size: 64x32}
  - {kind: icons, description: gem, sizes: [64, 16, 16], rarity: legendary}
  - {kind: sound, description: boom, duration: 0.5, count: 2}
""", "assets.yaml")
    a = spec.assets
    assert [x.kind for x in a] == ["sprite", "animation", "texture", "icon", "sfx"]
    assert a[0].size == (32, 32) and a[0].style == "pixel" and a[0].palette == "gameboy"
    assert a[1].frames == 4 and a[1].fps == 12
    assert a[2].size == (64, 32) and a[2].tile == "both"
    assert a[3].sizes == [16, 64] and a[3].rarity == "legendary"
    assert a[4].duration == 0.5 and a[4].count == 2


@pytest.mark.parametrize("text,message", [
    ("assets:\n  - {kind: sprite, description: a}\n  - {kind: sprite, description: b}\n  - {id: goblin, kind: monster, description: c}\n",
     "assets.yaml: asset #3 'goblin': unknown kind 'monster'"),
    ("assets:\n  - {description: a}\n  - {description: b}\n  - {id: goblin, kind: sprite, description: c, size: -5}\n",
     "assets.yaml: asset #3 'goblin': size must be positive"),
    ("assets:\n  - {id: potion, kind: sprite, description: '  '}\n", "assets.yaml: asset #1 'potion': description is empty"),
    ("assets:\n  - {kind: sprite, description: a\n", "assets.yaml: line"),
    ("assets: [\n", "not valid YAML"),
    ("", "the spec is empty"),
    ("assets: []\n", "non-empty list"),
    ("assets:\n  - {id: a, description: x}\n  - {id: a, description: y}\n", "asset #2 'a': id 'a' is used twice"),
    ("assets:\n  - {id: atlas, description: x}\n", "asset #1 'atlas': id 'atlas' is reserved"),
    ("assets:\n  - {id: t, kind: texture, description: x, frames: 4}\n", "frames/animation/fps apply to kind animation"),
    ("assets:\n  - {id: s, kind: sfx, description: x, size: 32}\n", "a sound has no size"),
    ("assets:\n  - {id: s, description: x, colour: red}\n", "unknown key 'colour'"),
    ("assets:\n  - {id: s, description: x, style: watercolour}\n", "unknown style 'watercolour'"),
    ("assets:\n  - {id: s, description: x, palette: atari}\n", "unknown palette 'atari'"),
    ("assets:\n  - {id: i, kind: icon, description: x, sizes: [16, 0]}\n", "sizes must be positive"),
    ("assets:\n  - {id: s, kind: sfx, description: x, duration: 99}\n", "duration must be seconds"),
    ("assets:\n  - {id: a, kind: animation, description: x, animation: dance}\n", "unknown animation 'dance'"),
    ("nmae: x\nassets:\n  - {description: x}\n", "unknown key 'nmae'"),
])
def test_bad_specs_name_the_entry_and_the_problem(text, message):
    with pytest.raises(InputError) as err:
        parse_spec_text(text, "assets.yaml")
    assert message in str(err.value), str(err.value)


def test_bad_spec_exits_2_from_the_cli(tmp_path):
    bad = tmp_path / "assets.yaml"
    bad.write_text("assets:\n  - {description: potion}\n  - {description: coin sound}\n  - {id: goblin, kind: sprite, description: goblin, size: -3}\n")
    proc = subprocess.run([sys.executable, "-m", "studio", "run", "game-assets", "-i", f"spec={bad}", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "asset #3 'goblin': size must be positive" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written


# -- end to end ------------------------------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_game_assets_recipe_from_prompts(tmp_path):
    import soundfile as sf

    import studio

    prompts = "red health potion; goblin enemy walking; stone wall texture; coin pickup sound; iron sword icon"
    r = studio.run("game-assets", out=tmp_path / "a", prompts=prompts, use_cache=False)
    folder = tmp_path / "a" / "assets"
    names = {p.name for p in folder.iterdir()}
    assert {"red_health_potion.png", "goblin_enemy_walking_sheet.png", "goblin_enemy_walking_sheet.json", "goblin_enemy_walking.tres",
            "goblin_enemy_walking_grid.png", "goblin_enemy_walking.gif", "stone_wall.png", "stone_wall_normal.png",
            "stone_wall_roughness.png", "stone_wall_height.png", "coin_pickup.wav", "coin_pickup.ogg", "iron_sword_16.png",
            "iron_sword_256.png", "atlas.png", "atlas.json", "atlas.tres"} <= names
    assert (tmp_path / "a" / "preview.png").is_file() and (tmp_path / "a" / "index.json").is_file()
    index = json.loads((tmp_path / "a" / "index.json").read_text())
    kinds = {e["id"]: e["kind"] for e in index["assets"]}
    assert kinds == {"red_health_potion": "sprite", "goblin_enemy_walking": "animation", "stone_wall": "texture",
                     "coin_pickup": "sfx", "iron_sword": "icon"}
    wall = next(e for e in index["assets"] if e["id"] == "stone_wall")
    assert wall["tileable"] and wall["seam"]["ratio"] <= 1.25
    # the sprite: transparent border, opaque subject
    potion = np.asarray(Image.open(folder / "red_health_potion.png"))
    assert potion.shape == (64, 64, 4) and sprites.silhouette_score(Image.fromarray(potion))["border_transparent"] == 1.0
    # the atlas: every frame inside the sheet, walk_0000-style animation keys, Godot agrees with the JSON
    from studio.export.atlas import parse_godot_regions

    doc = json.loads((folder / "goblin_enemy_walking_sheet.json").read_text())
    with Image.open(folder / doc["meta"]["image"]) as sheet:
        w, h = sheet.size
    assert list(doc["frames"]) == [f"walk_{i:04d}" for i in range(8)] and doc["meta"]["frameTags"][0]["name"] == "walk"
    for fr in doc["frames"].values():
        f = fr["frame"]
        assert f["x"] >= 0 and f["y"] >= 0 and f["x"] + f["w"] <= w and f["y"] + f["h"] <= h
    godot = parse_godot_regions((folder / "goblin_enemy_walking.tres").read_text())
    regions = [godot["subresources"][s]["region"] for s in godot["animations"]["walk"]]
    assert regions == [[fr["frame"][k] for k in ("x", "y", "w", "h")] for fr in doc["frames"].values()]
    # the sound: WAV and OGG, sane level
    data, rate = sf.read(folder / "coin_pickup.wav")
    assert rate == 44100 and 0.05 < len(data) / rate < 2.0 and 0.5 < np.abs(data).max() <= 1.0
    ogg, _ = sf.read(folder / "coin_pickup.ogg")
    assert abs(len(ogg) - len(data)) < 2048
    # the manifest says which backend ran, and the fallback was announced
    step = r.manifest["steps"][0]
    assert "procedural" in step["backend"] and "sfxr-synth" in step["backend"]
    assert any("not available" in w for w in step["warnings"])
    # same recipe and seed: the same files
    studio.run("game-assets", out=tmp_path / "b", prompts=prompts, use_cache=False)
    assert _digest(folder) == _digest(tmp_path / "b" / "assets")


def test_game_assets_recipe_from_a_spec_file_pixel_style(tmp_path):
    import studio

    spec = tmp_path / "assets.yaml"
    spec.write_text("""
name: tiny
style: pixel
palette: pico-8
sheet: {padding: 1, extrude: 0, power_of_two: true}
assets:
  - {id: heart, description: red heart, size: 16}
  - {id: bat, kind: animation, description: purple bat, animation: idle, frames: 4, size: 24}
  - {id: floor, kind: texture, description: grey stone floor, size: 32}
  - {id: gem, kind: icon, description: green gem, sizes: [16, 32]}
""")
    r = studio.run("game-assets", out=tmp_path / "out", spec=str(spec), use_cache=False)
    folder = tmp_path / "out" / "assets"
    allowed = {tuple(int(v) for v in c) for c in PALETTES["pico-8"]}
    for name in ("heart.png", "floor.png", "gem_16.png", "gem_32.png", "bat_grid.png"):
        used = colours_used(Image.open(folder / name))
        assert used and used <= allowed, name
    with Image.open(folder / "heart.png") as im:
        assert im.size == (16, 16)
    with Image.open(folder / "bat_sheet.png") as im:
        w, h = im.size
        assert w & (w - 1) == 0 and h & (h - 1) == 0
    assert "filter_clip = true" in (folder / "bat.tres").read_text()
    index = r.outputs["index"].data
    assert index["name"] == "tiny"
    floor = next(e for e in index["assets"] if e["id"] == "floor")
    assert floor["size"] == [32, 32] and floor["seam"]["ratio"] <= 1.25


def test_example_spec_is_valid():
    from studio.assets.spec import parse_spec_file

    spec = parse_spec_file(REPO / "examples" / "assets.yaml")
    assert 8 <= len(spec.assets) <= 20
    assert {a.kind for a in spec.assets} == {"sprite", "animation", "texture", "icon", "sfx"}


def test_sprite_and_icon_steps(tmp_path):
    from studio import Pipeline

    p = Pipeline("s")
    s = p.step("assets.sprite", prompt="gold coin", size=48, animation="spin", frames=6)
    px = p.step("assets.pixelate", images=s.images, width=16, palette="gameboy")
    ic = p.step("assets.icons", prompt="wooden shield", sizes=[16, 48], rarity="rare")
    sh = p.step("assets.sheet", images=px.images, name="coin", animation="spin", pixel_art=True)
    p.output("frames", s.images)
    p.output("pixels", px.images)
    p.output("icons", ic.images)
    p.output("sheet", sh.files)
    r = p.run(out=tmp_path / "run")
    assert len(r.paths["frames"]) == 6 and len(r.paths["pixels"]) == 6
    assert sorted(x.name for x in r.paths["icons"]) == ["icon_16.png", "icon_48.png"]
    assert sorted(x.name for x in r.paths["sheet"]) == ["coin.json", "coin.png", "coin.tres", "coin_grid.png"]
    allowed = {tuple(int(v) for v in c) for c in PALETTES["gameboy"]}
    assert colours_used(Image.open(r.paths["pixels"][0])) <= allowed


def test_sprites_with_a_local_tiny_diffusers_model(tmp_path):
    """The diffusers path end to end (real loading code, a 2 M-parameter random model): the
    subject is keyed out of its backdrop and fitted on transparency; the manifest names it."""
    pytest.importorskip("diffusers")
    import torch

    from studio import Pipeline
    from studio.testing.tiny_diffusers import save_tiny_pipeline

    folder = save_tiny_pipeline(tmp_path / "tiny-sd", "sd")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        p = Pipeline("s")
        s = p.step("assets.sprite", prompt="red potion", size=32, backend="diffusers", model=str(folder), steps=1, render_size=64)
        p.output("sprites", s.images)
        r = p.run(out=tmp_path / "run")
    finally:
        torch.set_num_threads(threads)
    rec = r.steps[0]
    assert rec["backend"] == "diffusers" and "tiny-sd" in rec["model"] and not rec["warnings"]
    img = Image.open(r.paths["sprites"][0])
    assert img.size == (32, 32) and img.mode == "RGBA"
    assert sprites.silhouette_score(img)["border_transparent"] == 1.0


def test_one_look_per_description_and_drawn_in_the_index(tmp_path):
    """The same description is the same character in every animation of a pack (#18), and each
    asset says what it shows: skeleton archer with a bow, wooden door, fireball icon (no cards)."""
    import studio

    spec = tmp_path / "assets.yaml"
    spec.write_text("""
name: looks
assets:
  - {id: hero_walk, kind: animation, description: knight hero with a sword, animation: walk, frames: 4, size: 48}
  - {id: hero_idle, kind: animation, description: knight hero with a sword, animation: idle, frames: 4, size: 48}
  - {id: archer, kind: sprite, description: skeleton archer, size: 48}
  - {id: door, kind: sprite, description: wooden door, size: 48}
  - {id: fireball, kind: icon, description: fireball spell icon, sizes: [32]}
""")
    r = studio.run("game-assets", out=tmp_path / "out", spec=str(spec), use_cache=False)
    folder = tmp_path / "out" / "assets"
    index = {e["id"]: e for e in r.outputs["index"].data["assets"]}
    assert index["hero_walk"]["seed"] == index["hero_idle"]["seed"]
    with Image.open(folder / "hero_walk_grid.png") as a, Image.open(folder / "hero_idle_grid.png") as b:
        first_a = np.asarray(a.convert("RGBA"))[:48, :48]
        first_b = np.asarray(b.convert("RGBA"))[:48, :48]
    # the same knight: the same colours (mean of the opaque pixels) in the first frame of both
    mean_a = first_a[first_a[..., 3] > 200][:, :3].mean(axis=0)
    mean_b = first_b[first_b[..., 3] > 200][:, :3].mean(axis=0)
    assert np.abs(mean_a - mean_b).max() < 8, (mean_a, mean_b)
    things = {e: [(t["word"], t["drawn_as"], t["placeholder"]) for t in index[e]["drawn"]["things"]] for e in index}
    assert ("bow", "bow (held)", False) in things["archer"] or any(t[1].startswith("skeleton") for t in things["archer"])
    assert next(e for e in r.outputs["index"].data["assets"] if e["id"] == "archer")["drawn"]["things"][0]["drawn_as"] == "skeleton"
    assert things["door"] == [("door", "door", False)]
    assert things["fireball"][0][:2] == ("fireball", "fireball")
    assert not any(p for e in things.values() for _, _, p in e)
