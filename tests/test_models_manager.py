"""Model registry, resolution and the process-wide model cache (no torch needed), and style presets."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from studio.engine.errors import ModelNotAvailableError, UnknownNameError, UserError
from studio.models import ModelManager, manager, registry


def test_image_catalogue():
    t2i = {m.name: m for m in registry.all_models("text-to-image")}
    for name in ("sdxl-turbo", "sdxl-base", "sd-1.5", "sd-3.5-medium", "flux.1-schnell"):
        spec = t2i[name]
        assert "/" in spec.hub_id and spec.licence and spec.family.startswith("diffusers:")
        assert {"width", "height", "steps", "guidance"} <= set(spec.settings)
    assert registry.default_for("text-to-image").name == "sdxl-turbo"
    assert registry.get("image-to-image", "sdxl-turbo") is not None
    assert registry.get("text-to-image", "stabilityai/SDXL-Turbo").name == "sdxl-turbo"  # hub ids, any case
    assert t2i["flux.1-schnell"].licence == "Apache-2.0"


def test_resolution_is_offline_and_immediate(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    t = time.perf_counter()
    r = manager.resolve("sdxl-turbo", task="text-to-image")
    assert time.perf_counter() - t < 1.0
    assert not r.available and r.source == "missing"
    assert "studio models pull sdxl-turbo" in r.hint()
    with pytest.raises(ModelNotAvailableError, match="sdxl-turbo"):
        r.require()
    assert not manager.resolve("someone/unknown-model", task="text-to-image").available


def test_local_paths_and_safety(tmp_path, monkeypatch):
    folder = tmp_path / "my-model"
    folder.mkdir()
    r = manager.resolve(str(folder), task="text-to-image")
    assert r.available and r.source == "local-path" and r.path == folder.resolve()
    st = tmp_path / "model.safetensors"
    st.write_bytes(b"x")
    assert manager.resolve(str(st), task="text-to-image").source == "local-file"
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"x")
    with pytest.raises(UserError, match="pickle"):
        manager.resolve(str(ckpt), task="text-to-image")
    monkeypatch.setenv("STUDIO_ALLOW_PICKLE", "1")
    assert manager.resolve(str(ckpt), task="text-to-image").available
    with pytest.raises(UserError, match="does not exist"):
        manager.resolve("./no/such/folder", task="text-to-image")
    with pytest.raises(UserError, match="did you mean sdxl-turbo"):
        manager.resolve("sdxl-trubo", task="text-to-image")


def test_load_once_derive_and_evict():
    m = ModelManager(budget_gb=1e-6)  # tiny budget: everything but the newest is evicted
    calls = []

    def loader(name):
        def f():
            calls.append(name)
            return {"name": name}
        return f

    a = m.load(("a",), loader("a"), size_hint=1000)
    assert m.load(("a",), loader("a")) is a and calls == ["a"] and m.load_count == 1
    child = m.derive(("a", "img2img"), ("a",), lambda parent: {"from": parent["name"]})
    assert child == {"from": "a"} and m.load_count == 1
    assert m.derive(("a", "img2img"), ("a",), lambda parent: pytest.fail("built twice")) is child
    m.load(("b",), loader("b"), size_hint=1000)  # over budget: "a" goes, and its derived pipeline with it
    assert ("a",) not in m.loaded_keys() and ("a", "img2img") not in m.loaded_keys()
    assert m.stats()["loads"] == 2
    with pytest.raises(KeyError):
        m.derive(("z", "img2img"), ("z",), lambda p: p)


def test_pull_patterns_skip_pickles_and_duplicates():
    from studio.models.manager import _pull_patterns

    allow, ignore = _pull_patterns(registry.get("text-to-image", "sdxl-base"), None)
    assert "*/*.safetensors" in allow and "*.safetensors" not in allow  # not the 7 GB root checkpoint
    assert "*.ckpt" in ignore and "*.bin" in ignore and "*.fp16.safetensors" in ignore
    allow16, _ = _pull_patterns(registry.get("text-to-image", "sdxl-base"), "fp16")
    assert "*/*.fp16.safetensors" in allow16 and "*/*.safetensors" not in allow16


def test_cli_does_not_import_heavy_libraries():
    code = ("import sys; from studio.cli import main; main(['models', '--task', 'text-to-image']); "
            "main(['steps', 'image']);"
            "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'cv2', 'av') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    assert "image.generate" in out.stdout and "image.restyle" in out.stdout


def test_style_presets():
    from studio.backends.image.comic_filter import resolve_style
    from studio.backends.text.presets import apply_style, list_styles, load_style, render_prompt

    names = list_styles()
    for required in ("american-comic", "manga", "noir", "watercolor", "pixel-art", "flat-vector", "isometric", "pop"):
        assert required in names
    for name in names:
        s = load_style(name)
        assert {"name", "description", "prompt", "negative_prompt", "stylizer"} <= set(s)
        assert s["name"] == name
        resolve_style(s["stylizer"])  # every preset names a real stylizer style
        assert s["procedural_style"] in ("flat", "outlined", "pixel")
    p, neg = apply_style(load_style("noir"), "a detective", "blurry")
    assert p.startswith("a detective, ") and "black and white" in p
    assert neg.startswith("blurry, ")
    assert render_prompt("{{ prompt | upper }} in ink", "a cat") == "A CAT in ink"
    with pytest.raises(UnknownNameError, match="did you mean"):
        load_style("water-colour")
