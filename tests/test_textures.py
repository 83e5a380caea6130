"""Seamless textures: the seam metric passes for produced textures and fails for a
non-tileable image; normal maps; circular padding on a tiny diffusers pipeline is applied
during generation and restored after."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.assets import textures as tx


@pytest.mark.parametrize("description", [
    "red brick wall", "wooden floor planks", "mossy grey cobblestone", "white marble tiles", "grass", "water",
    "desert sand", "dirt path", "sci-fi metal plates", "snow", "red carpet fabric", "purple noise",
])
def test_procedural_textures_tile(description):
    maps = tx.generate_procedural(description, width=128, height=96, seed=7)
    ts = tx.texture_set(maps)
    assert ts.albedo.size == (128, 96) and ts.normal.size == (128, 96)
    m = tx.seam_metric(ts.albedo)
    # the wrap seam is no worse than an average pair of neighbouring columns/rows inside
    assert m["seam_x"] <= m["interior_x"] * 1.25, m
    assert m["seam_y"] <= m["interior_y"] * 1.25, m
    assert tx.is_tileable(ts.albedo)
    # the image is not flat: a texture with nothing in it would pass trivially
    assert m["interior_x"] > 0.5 and m["interior_y"] > 0.5
    # the maps tile too: their wrap seam is no worse than the worst neighbouring pair inside
    for img in (ts.normal, ts.roughness, ts.height):
        assert _seam_within_interior(img), img.mode


def _seam_within_interior(img) -> bool:
    a = np.asarray(img, dtype=np.float64)
    a = a if a.ndim == 3 else a[..., None]
    cols = np.abs(np.diff(a, axis=1)).mean(axis=(0, 2))
    rows = np.abs(np.diff(a, axis=0)).mean(axis=(1, 2))
    seam_x = np.abs(a[:, -1] - a[:, 0]).mean()
    seam_y = np.abs(a[-1] - a[0]).mean()
    return bool(seam_x <= cols.max() + 1e-9 and seam_y <= rows.max() + 1e-9)


def test_non_tileable_images_fail_the_metric():
    x = np.linspace(0, 255, 128)
    gradient = Image.fromarray(np.tile(x, (128, 1)).astype(np.uint8)).convert("RGB")
    assert tx.seam_metric(gradient, "x")["ratio"] > 10
    assert not tx.is_tileable(gradient)
    # smooth noise that does not wrap: (gaussian-filtered, reflect mode)
    from scipy import ndimage

    rng = np.random.default_rng(0)
    smooth = ndimage.gaussian_filter(rng.random((128, 128)), 6, mode="reflect")
    img = Image.fromarray((255 * (smooth - smooth.min()) / np.ptp(smooth)).astype(np.uint8)).convert("RGB")
    assert tx.seam_metric(img)["ratio"] > 3
    # a photo-like crop of a tileable texture (cut off-period) fails as well
    big = tx.texture_set(tx.generate_procedural("grey cobblestone", width=256, height=256, seed=1)).albedo
    assert not tx.is_tileable(big.crop((0, 0, 150, 150)))


def test_material_and_colour_words():
    assert tx.material_for("mossy grey stone dungeon wall") == "stone"
    assert tx.material_for("dark wooden floor planks") == "planks"
    assert tx.material_for("rusty metal plates") == "metal"
    assert tx.material_for("something odd") == "noise"
    red = tx.generate_procedural("red noise", width=64, height=64, seed=0).albedo.mean(axis=(0, 1))
    blue = tx.generate_procedural("blue noise", width=64, height=64, seed=0).albedo.mean(axis=(0, 1))
    assert red[0] > red[2] and blue[2] > blue[0]
    dark = tx.generate_procedural("dark grass", width=64, height=64, seed=0).albedo.mean()
    light = tx.generate_procedural("grass", width=64, height=64, seed=0).albedo.mean()
    assert dark < light


def test_texture_is_seeded():
    a = tx.generate_procedural("bricks", width=64, height=64, seed=3).albedo
    b = tx.generate_procedural("bricks", width=64, height=64, seed=3).albedo
    c = tx.generate_procedural("bricks", width=64, height=64, seed=4).albedo
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_normal_map_conventions():
    flat = tx.normal_map(np.full((16, 16), 0.5))
    assert np.all(flat == np.array([128, 128, 255]))
    ramp = np.tile(np.linspace(0, 1, 32), (32, 1))  # rising to the right
    n = tx.normal_map(ramp, wrap=False)
    assert n[16, 16, 0] < 128  # the surface faces left
    dy = np.tile(np.linspace(0, 1, 32)[:, None], (1, 32))  # rising downwards (image y)
    gl = tx.normal_map(dy, wrap=False, convention="opengl")
    dx = tx.normal_map(dy, wrap=False, convention="directx")
    assert gl[16, 16, 1] > 128 > dx[16, 16, 1]


def test_maps_from_image_for_diffusion_output():
    img = tx.texture_set(tx.generate_procedural("stone", width=64, height=64, seed=0)).albedo
    ts = tx.maps_from_image(img)
    assert ts.normal.mode == "RGB" and ts.roughness.mode == "L" and ts.height.size == (64, 64)


# -- circular padding on diffusers -------------------------------------------------------------------

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")


@pytest.fixture(scope="module")
def tiny_pipe():
    from studio.testing.tiny_diffusers import build_tiny_pipeline

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: threads only add overhead on a busy machine
    pipe = build_tiny_pipeline("sd", seed=0)
    pipe.set_progress_bar_config(disable=True)
    yield pipe
    torch.set_num_threads(threads)


def _convs(pipe):
    return [m for comp in (pipe.unet, pipe.vae) for m in comp.modules() if isinstance(m, torch.nn.Conv2d)]


def test_circular_padding_applied_during_generation_and_restored(tiny_pipe):
    convs = _convs(tiny_pipe)
    padded = [c for c in convs if any(c.padding)]
    assert padded
    seen: list[str | None] = []
    hooks = [c.register_forward_pre_hook(lambda m, args: seen.append(m.__dict__.get("_studio_tiling"))) for c in padded[:3] + padded[-3:]]
    try:
        img = tx.diffusion_texture(tiny_pipe, "stone wall", width=32, height=32, seed=0, tile="both", steps=1, guidance=1.0)
    finally:
        for h in hooks:
            h.remove()
    assert img.size == (32, 32)
    assert seen and all(s == "both" for s in seen), seen  # every observed call ran with the patch
    for c in convs:
        assert "_conv_forward" not in c.__dict__ and "_studio_tiling" not in c.__dict__
        assert c.padding_mode == "zeros"
    # restored: the convolution equals plain zero padding again
    c = padded[0]
    x = torch.randn(1, c.in_channels, 8, 8)
    with torch.no_grad():
        ref = torch.nn.functional.conv2d(x, c.weight, c.bias, c.stride, c.padding, c.dilation, c.groups)
        assert torch.allclose(c(x), ref)


def test_circular_padding_per_axis(tiny_pipe):
    c = next(m for m in _convs(tiny_pipe) if m.kernel_size == (3, 3) and m.padding == (1, 1) and m.stride == (1, 1))
    x = torch.randn(1, c.in_channels, 6, 6)
    F = torch.nn.functional
    with torch.no_grad():
        with tx.circular_padding(tiny_pipe, "x") as n:
            assert n > 0
            got = c(x)
        want = F.conv2d(F.pad(F.pad(x, (1, 1, 0, 0), mode="circular"), (0, 0, 1, 1)), c.weight, c.bias)
        assert torch.allclose(got, want, atol=1e-6)
        with tx.circular_padding(tiny_pipe, "both"):
            got = c(x)
        assert torch.allclose(got, F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), c.weight, c.bias), atol=1e-6)
    with pytest.raises(ValueError), tx.circular_padding(tiny_pipe, "z"):
        pass
    # restored even when the block raises
    with pytest.raises(RuntimeError), tx.circular_padding(tiny_pipe, "y"):
        raise RuntimeError("boom")
    assert all("_conv_forward" not in m.__dict__ for m in _convs(tiny_pipe))


def test_circular_padding_makes_the_vae_decoder_periodic(tiny_pipe):
    """On the torus the decoder commutes with shifts: decoding a latent rolled by one cell gives
    the image rolled by the VAE's scale factor, so the output wraps around seamlessly. Without
    the padding the borders break that."""
    vae = tiny_pipe.vae
    scale = 2 ** (len(vae.config.block_out_channels) - 1)
    z = torch.randn(1, vae.config.latent_channels, 6, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        with tx.circular_padding(tiny_pipe, "both"):
            a = vae.decode(z).sample
            b = vae.decode(torch.roll(z, 1, dims=3)).sample
        assert torch.allclose(torch.roll(a, scale, dims=3), b, atol=1e-4)
        plain_a = vae.decode(z).sample
        plain_b = vae.decode(torch.roll(z, 1, dims=3)).sample
        assert not torch.allclose(torch.roll(plain_a, scale, dims=3), plain_b, atol=1e-3)
        with tx.circular_padding(tiny_pipe, "x"):
            a = vae.decode(z).sample
            bx = vae.decode(torch.roll(z, 1, dims=3)).sample
            by = vae.decode(torch.roll(z, 1, dims=2)).sample
        assert torch.allclose(torch.roll(a, scale, dims=3), bx, atol=1e-4)  # periodic along x
        assert not torch.allclose(torch.roll(a, scale, dims=2), by, atol=1e-3)  # not along y


def test_dit_models_are_refused():
    from studio.engine.errors import UserError

    class FakeDiT:
        transformer = torch.nn.Linear(2, 2)

    with pytest.raises(UserError, match="DiT"), tx.circular_padding(FakeDiT(), "both"):
        pass


def test_texture_step_with_a_local_tiny_model(tmp_path):
    from studio import Pipeline
    from studio.testing.tiny_diffusers import save_tiny_pipeline

    folder = save_tiny_pipeline(tmp_path / "tiny-sd", "sd")
    p = Pipeline("tex")
    t = p.step("assets.texture", prompt="mossy stone", width=32, backend="diffusers", model=str(folder), steps=1)
    p.output("texture", t.image)
    p.output("maps", t.maps)
    p.output("data", t.data)
    r = p.run(out=tmp_path / "run")
    rec = r.steps[0]
    assert rec["backend"] == "diffusers" and "tiny-sd" in rec["model"]
    assert r.outputs["data"].data["seam"]["ratio"] <= 1.25
    assert sorted(x.name for x in r.paths["maps"]) == ["height.png", "normal.png", "roughness.png"]


def test_texture_step_procedural_and_explicit_missing_model(tmp_path):
    from studio import Pipeline
    from studio.engine.errors import ModelNotAvailableError

    p = Pipeline("tex")
    t = p.step("assets.texture", prompt="red brick wall", width=96, height=64)
    p.output("texture", t.image)
    p.output("data", t.data)
    r = p.run(out=tmp_path / "a")
    rec = r.steps[0]
    assert rec["backend"] == "procedural"
    assert any("not available" in w for w in rec["warnings"])  # the fallback is announced
    assert r.outputs["data"].data["tileable"] and r.outputs["data"].data["material"] == "bricks"
    with Image.open(r.paths["texture"]) as im:
        assert im.size == (96, 64)
    p2 = Pipeline("tex2")
    t2 = p2.step("assets.texture", prompt="stone", width=64, backend="diffusers", model="sdxl-turbo")
    p2.output("texture", t2.image)
    with pytest.raises(ModelNotAvailableError):
        p2.run(out=tmp_path / "b")


def test_lava_ice_and_moss_in_the_joints():
    """#18: lava and ice are their own materials; "mossy" puts moss in a stone wall's joints."""
    lava = tx.generate_procedural("lava", width=96, height=96, seed=1)
    ice = tx.generate_procedural("ice floor", width=96, height=96, seed=1)
    assert (lava.material, ice.material) == ("lava", "ice")
    la = lava.albedo
    assert (la[..., 0] > 0.8).mean() > 0.03 and (la.sum(axis=-1) < 0.6).mean() > 0.3  # bright cracks in a dark crust
    assert ice.albedo[..., 2].mean() > ice.albedo[..., 0].mean()  # blue
    plain = tx.generate_procedural("grey stone wall", width=96, height=96, seed=2)
    mossy = tx.generate_procedural("mossy grey stone wall", width=96, height=96, seed=2)
    joints = plain.height < 0.1
    green = lambda a: a[..., 1] - (a[..., 0] + a[..., 2]) / 2  # noqa: E731
    assert green(mossy.albedo)[joints].mean() > green(plain.albedo)[joints].mean() + 0.05
    assert abs(green(mossy.albedo)[plain.height > 0.6].mean() - green(plain.albedo)[plain.height > 0.6].mean()) < 0.03
    for maps in (lava, ice):
        assert tx.seam_metric(tx.to_image(maps.albedo))["ratio"] <= 1.25
    seam = lambda m: tx.seam_metric(tx.to_image(m.albedo))["ratio"]  # noqa: E731
    assert seam(mossy) <= seam(plain) + 0.1  # the moss does not add a seam
