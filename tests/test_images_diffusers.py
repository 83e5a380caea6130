"""Diffusion through the real loading path, on tiny random SD / SDXL pipelines built in code.

The pipelines are saved to a temp folder (and laid out as a Hugging Face cache snapshot), then
loaded by the model manager exactly as real weights would be. Their pictures are noise; the tests
check sizes, seeds, sharing of one loaded model, progress, meta, fallbacks and errors.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("diffusers")
pytest.importorskip("torch")

import studio  # noqa: E402
from studio import Pipeline  # noqa: E402
from studio.engine.artifacts import ImageArtifact  # noqa: E402
from studio.models import manager  # noqa: E402
from studio.testing.tiny_diffusers import save_tiny_pipeline, save_tiny_to_hf_cache  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from threads, and on a busy shared CPU OpenMP threads spin-wait
    each other (a 0.1 s call took 10-25 s with 2 threads under load, 1 s with one)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return save_tiny_pipeline(tmp_path_factory.mktemp("models") / "tiny-sd", "sd")


@pytest.fixture(scope="module")
def tiny_sdxl(tmp_path_factory):
    return save_tiny_pipeline(tmp_path_factory.mktemp("models") / "tiny-sdxl", "sdxl")


@pytest.fixture(autouse=True)
def _fresh_manager():
    manager.clear()
    yield
    manager.clear()


def _generate(model, *, seed=1, steps=2, width=64, height=64, listeners=(), out=None, **params):
    p = Pipeline("t2i")
    g = p.step("image.generate", prompt="a red potion", model=str(model), backend="diffusers",
               steps=steps, width=width, height=height, **params)
    p.output("images", g.images)
    return studio.run(p, seed=seed, use_cache=False, listeners=listeners, out=out)


def _pixels(art: ImageArtifact) -> np.ndarray:
    return np.asarray(art.image.convert("RGB")).astype(np.int16)


@pytest.mark.parametrize("kind", ["sd", "sdxl"])
def test_generate_size_seed_and_meta(kind, tiny_sd, tiny_sdxl, tmp_path):
    from PIL import Image

    model = tiny_sd if kind == "sd" else tiny_sdxl
    events = []
    r1 = _generate(model, seed=5, num_images=2, width=72, height=64, listeners=[events.append], out=tmp_path / "run")
    imgs = r1["images"]
    assert len(imgs) == 2
    assert all(a.image.size == (72, 64) for a in imgs)
    # the two images of one run have different seeds, so they differ
    assert np.abs(_pixels(imgs[0]) - _pixels(imgs[1])).mean() > 1.0
    # same seed, same pixels (a second run); another seed, other pixels
    r2 = _generate(model, seed=5, num_images=2, width=72, height=64)
    assert all(np.array_equal(_pixels(a), _pixels(b)) for a, b in zip(r1["images"], r2["images"]))
    if kind == "sd":  # each image has its own seeded generator: alone in a batch it is the same picture
        r3 = _generate(model, seed=5, num_images=1, width=72, height=64)
        assert np.abs(_pixels(r1["images"][0]) - _pixels(r3["images"][0])).mean() < 1.0
    # loaded once for all runs
    assert manager.load_count == 1
    meta = imgs[0].meta
    seed = meta["seed"]  # the step's seed (derived from the run seed), then seed + 1, ...
    assert meta["prompt"] == "a red potion" and imgs[1].meta["seed"] == seed + 1
    assert meta["parameters"].startswith("a red potion\n")
    assert "Steps: 2" in meta["parameters"] and f"Seed: {seed}," in meta["parameters"] and "Size: 72x64" in meta["parameters"]
    # progress per denoising step reached the engine's listeners
    steps = [e for e in events if e.kind == "progress" and e.use == "image.generate"]
    assert steps and steps[-1].fraction == pytest.approx(1.0)
    assert any("step 1/2" in e.message for e in steps)
    rec = r1.manifest["steps"][0]
    assert rec["backend"] == "diffusers" and rec["model"] == str(model)
    # the saved PNG carries the A1111 `parameters` text chunk
    with Image.open(r1.paths["images"][0]) as im:
        assert im.text["parameters"].startswith(meta["parameters"])
        sampler = "DDIM" if kind == "sd" else "Euler"
        assert im.text["parameters"].startswith(f"a red potion\nSteps: 2, Sampler: {sampler},")


def test_size_is_snapped_with_a_warning(tiny_sd):
    r = _generate(tiny_sd, width=100, height=90)
    assert r["images"][0].image.size == (104, 88)
    assert any("snapped to 104x88" in w for w in r.manifest["warnings"])


def test_prompts_with_an_aspect_get_pictures_of_that_shape(tiny_sd):
    """comic.plan puts each panel's shape on its prompt: diffusion draws each picture in that
    shape (about the same area, snapped to the model's multiple), one batch per shape, in order."""
    from studio.engine import TextArtifact

    p = Pipeline("t2i-shapes")
    p.add_input("prompts", "texts")
    g = p.step("image.generate", prompts="$inputs.prompts", model=str(tiny_sd), backend="diffusers", steps=2, width=64, height=64)
    p.output("images", g.images)
    prompts = [TextArtifact("a wide view", meta={"aspect": 2.0}), TextArtifact("a tall view", meta={"aspect": 0.5}),
               TextArtifact("another wide one", meta={"aspect": 2.0}), TextArtifact("a plain one")]
    r = studio.run(p, {"prompts": prompts}, seed=3, use_cache=False)
    sizes = [a.image.size for a in r["images"]]
    assert sizes == [(88, 48), (48, 88), (88, 48), (64, 64)]
    assert [a.meta["prompt"] for a in r["images"]] == [t.text for t in prompts]
    assert "Size: 48x88" in r["images"][1].meta["parameters"]
    assert manager.load_count == 1


def test_img2img_shares_the_loaded_text_to_image_model(tiny_sd):
    from studio.models.loaders.diffusers import load_image_to_image, load_text_to_image

    resolved = manager.resolve(str(tiny_sd), task="text-to-image")
    t2i = load_text_to_image(resolved)
    assert manager.load_count == 1
    i2i = load_image_to_image(resolved)
    assert manager.load_count == 1, "image-to-image must not load a second copy"
    assert i2i.pipe.unet is t2i.pipe.unet and i2i.pipe.vae is t2i.pipe.vae
    assert type(i2i.pipe).__name__ == "StableDiffusionImg2ImgPipeline"

    # through the steps: generate then restyle in one run, one load in total
    manager.clear()
    p = Pipeline("gen-restyle")
    g = p.step("image.generate", prompt="a knight", model=str(tiny_sd), backend="diffusers", steps=2, width=64, height=64, num_images=2)
    r = p.step("image.restyle", images=g.images, model=str(tiny_sd), backend="diffusers", steps=4, strength=0.5, style="manga")
    p.output("images", r.images)
    res = studio.run(p, seed=2, use_cache=False)
    assert manager.load_count == 1
    out = res["images"]
    assert [a.image.size for a in out] == [(64, 64), (64, 64)]
    assert out[0].meta["restyle"]["backend"] == "diffusers"
    assert "Denoising strength: 0.5" in out[0].meta["parameters"]


def test_restyle_keeps_size_and_meta(tiny_sdxl):
    from PIL import Image

    rng = np.random.default_rng(0)
    frame = Image.fromarray(rng.integers(0, 255, (90, 160, 3), dtype=np.uint8))
    faces = [{"x": 10, "y": 20, "w": 30, "h": 30}]
    art = ImageArtifact(frame, meta={"time": 1.25, "faces": faces, "subtitles": ["Hello"]}, name="kf_001")
    p = Pipeline("restyle", inputs={"frames": "images"})
    r = p.step("image.restyle", images=p.input.frames, model=str(tiny_sdxl), backend="diffusers", steps=4, strength=0.5, max_side=128)
    p.output("images", r.images)
    res = studio.run(p, {"frames": [art]}, seed=0, use_cache=False)
    out = res["images"][0]
    assert out.image.size == (160, 90)  # same size: the pixel boxes in meta stay valid
    assert out.meta["time"] == 1.25 and out.meta["faces"] == faces and out.meta["subtitles"] == ["Hello"]
    assert out.name == "kf_001"
    assert out.meta["restyle"]["work_size"] == [128, 72]


def test_model_from_a_fake_hf_cache(tmp_path, monkeypatch):
    cache = tmp_path / "hf" / "hub"
    snap = save_tiny_to_hf_cache(cache, "tiny-org/tiny-sd", "sd")
    # explicit cache dir
    resolved = manager.resolve("tiny-org/tiny-sd", task="text-to-image", cache_dir=cache)
    assert resolved.available and resolved.source == "hf-cache"
    assert resolved.path.resolve() == snap.resolve()
    assert resolved.revision == snap.name
    # the environment is read at call time (HF_HOME set after huggingface_hub was imported)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    r = _generate("tiny-org/tiny-sd")
    assert r["images"][0].image.size == (64, 64)
    info = r.manifest["steps"][0]
    assert info["backend"] == "diffusers"


def test_auto_without_weights_falls_back_with_a_warning(tiny_sd):
    p = Pipeline("auto")
    g = p.step("image.generate", prompt="a blue gem", model="sdxl-turbo", width=96, height=96)
    p.output("images", g.images)
    res = studio.run(p, seed=0, use_cache=False)
    assert res.manifest["steps"][0]["backend"] == "procedural"
    warnings = res.manifest["warnings"]
    assert any("sdxl-turbo" in w and "studio models pull sdxl-turbo" in w for w in warnings)
    assert res["images"][0].image.size == (96, 96)
    # once weights exist under that name (a local folder here), auto picks diffusion
    p2 = Pipeline("auto2")
    g2 = p2.step("image.generate", prompt="a blue gem", model=str(tiny_sd), steps=2, width=64, height=64)
    p2.output("images", g2.images)
    res2 = studio.run(p2, seed=0, use_cache=False)
    assert res2.manifest["steps"][0]["backend"] == "diffusers"
    assert not res2.manifest["warnings"]


def test_cache_key_changes_when_weights_appear(tmp_path, monkeypatch):
    """A cached fallback result must not be reused once the model is available."""
    from studio.steps.image import GenerateImages, GenerateParams

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    step = GenerateImages()
    params = GenerateParams(prompt="x", model="tiny-org/later")
    before = step.cache_extra(params)
    assert before["backend"] == "procedural"
    save_tiny_to_hf_cache(tmp_path / "hf" / "hub", "tiny-org/later", "sd")
    after = step.cache_extra(params)
    assert after["backend"] == "diffusers" and after["path"] and after != before


def test_explicit_diffusers_without_weights_exits_2(tmp_path, capsys):
    from studio.cli import main

    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "name: r\nsteps:\n  - id: g\n    use: image.generate\n    with: {prompt: a cat, backend: diffusers, model: sdxl-turbo}\n"
        "outputs:\n  images: $g.images\n"
    )
    rc = main(["run", str(recipe), "-q", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "sdxl-turbo" in err and "studio models pull sdxl-turbo" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_not_a_pipeline_folder_is_a_clear_error(tmp_path):
    from studio.engine.errors import UserError

    (tmp_path / "empty").mkdir()
    p = Pipeline("bad")
    g = p.step("image.generate", prompt="x", model=str(tmp_path / "empty"), backend="diffusers", steps=1, width=64, height=64)
    p.output("images", g.images)
    with pytest.raises(UserError, match="model_index.json"):
        studio.run(p, use_cache=False)


def test_models_command_lists_local_availability(tmp_path, monkeypatch, capsys):
    from studio.cli import main

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    save_tiny_to_hf_cache(tmp_path / "hf" / "hub", "stabilityai/sd-turbo", "sd")  # pretend sd-turbo was pulled
    assert main(["models", "--task", "text-to-image", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert by_name["sd-turbo"]["available"] is True and by_name["sd-turbo"]["source"] == "hf-cache"
    assert by_name["sdxl-turbo"]["available"] is False
    assert {"sdxl-turbo", "sdxl-base", "sd-1.5", "sd-3.5-medium", "flux.1-schnell"} <= set(by_name)
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert "image-to-image" in text and "local" in text
    # pulling with the hub unreachable (offline) is one clear error, exit 2
    assert main(["models", "pull", "sdxl-turbo"]) == 2
    assert "could not download" in capsys.readouterr().err
