"""Batch runs: expansion, the batch manifest, resume, failure isolation, executors that agree,
the shared cache under concurrent writers, Ctrl-C, and the CLI's exit codes."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.batch import plan_batch, run_batch
from studio.batch.expand import parse_values
from studio.batch.plan import Resources, step_wants_gpu
from studio.batch.worker import ItemTask, place_shipped, run_item
from studio.cli import main
from studio.engine import CancelToken, UserError
from studio.engine.artifacts import ImageArtifact, TextArtifact
from studio.engine.cache import Cache

RECIPE = """\
name: tiny-batch
description: a small procedural recipe for batch tests
inputs:
  folder: {type: path, description: images}
  prompt: {type: str, default: hello}
  columns: {type: int, default: 2}
steps:
  - id: load
    use: image.load
    with: {path: $inputs.folder}
  - id: small
    use: image.resize
    with: {images: $load.images, width: 24}
  - id: sheet
    use: image.contact_sheet
    with: {images: $small.images, columns: $inputs.columns}
  - id: caption
    use: text.template
    with: {template: "{{ inputs.prompt }} / seed {{ seed }}"}
outputs:
  sheet: $sheet.image
  caption: $caption.text
"""


def _images(folder: Path, n: int, seed: int, size: int = 40) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder / f"img{i}.png")
    return folder


@pytest.fixture
def recipe(tmp_path) -> Path:
    path = tmp_path / "tiny-batch.yaml"
    path.write_text(RECIPE)
    return path


@pytest.fixture
def shoots(tmp_path) -> Path:
    root = tmp_path / "shoots"
    for s in range(3):
        _images(root / f"s{s}", 3, seed=s)
    return root


def _tree_hashes(run_dir: Path) -> dict[str, str]:
    """Every file of a run folder except the manifest (which holds timings and ids)."""
    return {
        str(f.relative_to(run_dir)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(run_dir.rglob("*"))
        if f.is_file() and f.name != "manifest.json"
    }


def _batch_hashes(result) -> dict[int, dict[str, str]]:
    return {it["index"]: _tree_hashes(result.batch_dir / it["run_dir"]) for it in result.items}


# -- expansion -------------------------------------------------------------------------------


def test_parse_values_ranges_lists_and_files(tmp_path):
    assert parse_values("1..4") == [1, 2, 3, 4]
    assert parse_values("0..20:10") == [0, 10, 20]
    assert parse_values("manga,noir") == ["manga", "noir"]
    assert parse_values("2, 0.5, true") == [2, 0.5, True]
    f = tmp_path / "prompts.txt"
    f.write_text("a cat, sitting\n# comment\n\na dog\n")
    assert parse_values(f"@{f}") == ["a cat, sitting", "a dog"]
    with pytest.raises(UserError, match="range is empty"):
        parse_values("5..1")


def test_product_and_zip_expansion(recipe, shoots):
    folder = str(shoots / "s0")
    _, items = plan_batch(recipe, inputs={"folder": folder}, product={"prompt": ["cat", "dog"], "seed": "1..3"})
    assert [(it.inputs["prompt"], it.seed) for it in items] == [
        ("cat", 1), ("cat", 2), ("cat", 3), ("dog", 1), ("dog", 2), ("dog", 3),
    ]
    _, zipped = plan_batch(recipe, inputs={"folder": folder}, product={"prompt": ["cat", "dog", "owl"], "seed": [7, 8, 9]}, zip_groups=[["prompt", "seed"]])
    assert [(it.inputs["prompt"], it.seed) for it in zipped] == [("cat", 7), ("dog", 8), ("owl", 9)]
    # a zip group crossed with a product axis (product axes first); STEP.PARAM names are overrides
    _, mixed = plan_batch(recipe, inputs={"folder": folder}, zip={"prompt": ["a", "b"], "seed": [1, 2]}, product={"sheet.columns": [1, 3]})
    assert [(it.inputs["prompt"], it.seed, it.overrides) for it in mixed] == [
        ("a", 1, {"sheet.columns": 1}), ("b", 2, {"sheet.columns": 1}), ("a", 1, {"sheet.columns": 3}), ("b", 2, {"sheet.columns": 3}),
    ]
    with pytest.raises(UserError, match="same number of values"):
        plan_batch(recipe, inputs={"folder": folder}, zip={"prompt": ["a", "b"], "seed": [1, 2, 3]})
    with pytest.raises(UserError, match="not an axis"):
        plan_batch(recipe, inputs={"folder": folder}, product={"seed": [1]}, zip_groups=[["seed", "prompt"]])


def test_tables_and_folders(recipe, shoots, tmp_path):
    csv = tmp_path / "rows.csv"
    csv.write_text("folder,prompt,seed,sheet.columns\nshoots/s0,cat,3,1\nshoots/s1,,4,\n")
    _, items = plan_batch(recipe, csv, product={"columns": [2, 3]})
    assert len(items) == 4
    first = items[0]
    assert first.inputs == {"folder": str(shoots / "s0"), "prompt": "cat", "columns": 2}  # relative to the table
    assert first.seed == 3 and first.overrides == {"sheet.columns": 1}
    assert "prompt" not in items[2].inputs  # an empty cell means the recipe default
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text(json.dumps({"folder": "shoots/s2", "columns": 4}) + "\n\n" + json.dumps({"folder": str(shoots / "s0")}) + "\n")
    _, items = plan_batch(recipe, jsonl)
    assert [it.inputs["folder"] for it in items] == [str(shoots / "s2"), str(shoots / "s0")]
    assert items[0].inputs["columns"] == 4
    _, items = plan_batch(recipe, shoots)  # a folder: one item per entry, fed to the path input
    assert [Path(it.inputs["folder"]).name for it in items] == ["s0", "s1", "s2"]
    assert items[1].label == "folder=s1"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"folder": "x"}\nnot json\n')
    with pytest.raises(UserError, match=r"bad.jsonl:2: not valid JSON"):
        plan_batch(recipe, bad)
    typo = tmp_path / "typo.csv"
    typo.write_text("folder,promt\nshoots/s0,cat\n")
    with pytest.raises(UserError, match="no input 'promt'.*prompt"):
        plan_batch(recipe, typo)


def test_item_keys_are_stable_and_duplicates_refused(recipe, shoots):
    rows = [{"folder": str(shoots / "s0"), "seed": 1}, {"folder": str(shoots / "s1"), "seed": 1}]
    _, a = plan_batch(recipe, rows)
    _, b = plan_batch(recipe, list(reversed(rows)))
    assert {it.key for it in a} == {it.key for it in b}
    assert a[0].key == b[1].key
    with pytest.raises(UserError, match="identical"):
        plan_batch(recipe, [rows[0], dict(rows[0])])


# -- running ---------------------------------------------------------------------------------


def test_sequential_batch_manifest_and_shared_cache(recipe, shoots, tmp_path):
    folder = str(shoots / "s0")
    result = run_batch(recipe, inputs={"folder": folder}, product={"columns": [2, 3], "seed": [1, 2]}, executor="sequential", out=tmp_path / "b")
    assert result.status == "done" and result.ok
    data = json.loads(result.manifest_path.read_text())
    assert data["kind"] == "studio-batch" and data["status"] == "done" and data["recipe"] == "tiny-batch"
    assert data["counts"]["done"] == 4 and data["counts"]["total"] == 4
    for it in data["items"]:
        run_dir = result.batch_dir / it["run_dir"]
        assert (run_dir / "manifest.json").is_file()
        assert (result.batch_dir / it["outputs"]["sheet"]).is_file()
        caption = (result.batch_dir / it["outputs"]["caption"]).read_text().strip()
        assert caption == f"hello / seed {it['seed']}"
        assert it["status"] == "done" and it["error"] is None and it["seconds"] > 0 and it["attempts"] == 1
        run_manifest = json.loads((run_dir / "manifest.json").read_text())
        assert run_manifest["seed"] == it["seed"] and run_manifest["inputs"]["columns"] == it["inputs"]["columns"]
    # items share the cache: load and resize ran once for the first item and were reused after
    assert data["items"][0]["cache_hits"] == 0
    assert all(it["cache_hits"] >= 2 for it in data["items"][1:])
    pixels = {Image.open(result.batch_dir / it["outputs"]["sheet"]).tobytes() for it in data["items"]}
    assert len(pixels) == 2  # columns changes the picture, the seed does not (it is in the PNG's parameters)


def test_failure_isolation_and_resume(recipe, shoots, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.png").write_bytes(b"this is not a png")
    rows = [{"folder": str(shoots / "s0")}, {"folder": str(broken)}, {"folder": str(shoots / "s1")}, {"folder": str(tmp_path / "missing")}]
    out = tmp_path / "b"
    result = run_batch(recipe, rows, executor="local", workers=2, out=out)
    assert result.status == "failed"
    status = [it["status"] for it in result.items]
    assert status == ["done", "failed", "done", "failed"]
    assert "bad.png" in result.items[1]["error"]
    assert "no such file" in result.items[3]["error"]
    assert result.items[1]["run_dir"] is None and not any(p.name.startswith(".") and "partial" in p.name for p in (out / "items").iterdir())
    assert len([d for d in (out / "items").iterdir() if d.is_dir()]) == 2  # no folder for failed items
    first_dirs = [it["run_dir"] for it in result.items]

    # fix one input and run again: finished items are skipped, the fixed one runs, the other still fails
    (broken / "bad.png").unlink()
    _images(broken, 2, seed=9)
    again = run_batch(recipe, rows, executor="local", workers=2, out=out)
    assert [it["status"] for it in again.items] == ["done", "done", "done", "failed"]
    assert [it["resumed"] for it in again.items] == [True, False, True, False]
    assert again.items[0]["run_dir"] == first_dirs[0] and again.items[2]["run_dir"] == first_dirs[2]
    assert again.counts["resumed"] == 2 and again.counts["failed"] == 1
    # the manifest of a resumed item still points at its outputs
    assert (out / again.items[0]["outputs"]["sheet"]).is_file()


def test_default_batch_folder_is_stable(recipe, shoots, monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_OUTPUTS", str(tmp_path / "outs"))
    a = run_batch(recipe, shoots, executor="sequential")
    b = run_batch(recipe, shoots, executor="sequential")
    assert a.batch_dir == b.batch_dir and a.batch_dir.parent == tmp_path / "outs" / "tiny-batch"
    assert a.batch_dir.name.startswith("batch-")
    assert b.counts["resumed"] == 3
    c = run_batch(recipe, shoots, executor="sequential", product={"seed": [5]})
    assert c.batch_dir != a.batch_dir


def test_local_pool_matches_sequential(recipe, shoots, tmp_path):
    kwargs = {"product": {"seed": [1, 2], "columns": [1, 3]}}
    seq = run_batch(recipe, shoots, executor="sequential", out=tmp_path / "seq", cache=tmp_path / "cache-seq", **kwargs)
    pool = run_batch(recipe, shoots, executor="local", workers=2, out=tmp_path / "pool", cache=tmp_path / "cache-pool", **kwargs)
    assert seq.ok and pool.ok and seq.counts["done"] == 12
    assert _batch_hashes(seq) == _batch_hashes(pool)
    workers = {it["worker"] for it in pool.items}
    assert len(workers) == 2 and str(os.getpid()) not in {w.split(":")[1] for w in workers}


def test_pre_cancelled_batch_runs_nothing(recipe, shoots, tmp_path):
    token = CancelToken()
    token.cancel()
    result = run_batch(recipe, shoots, executor="local", workers=2, out=tmp_path / "b", cancel=token)
    assert result.status == "cancelled"
    assert {it["status"] for it in result.items} == {"cancelled"}
    assert json.loads(result.manifest_path.read_text())["status"] == "cancelled"
    assert not [d for d in (tmp_path / "b" / "items").iterdir()]


def test_run_item_ships_files_when_the_batch_folder_is_not_visible(recipe, shoots, tmp_path):
    """A Ray worker on another node (no shared file system) sends the files back; the driver
    writes them."""
    batch = tmp_path / "batch"
    (batch / "items").mkdir(parents=True)
    (batch / ".studio-batch").write_text("driver-token")
    task = ItemTask(index=0, key="k", recipe_text=recipe.read_text(), recipe_path=None, inputs={"folder": str(shoots / "s0")},
                    seed=4, overrides={}, out=str(batch / "items" / "0000-k"), cache=str(tmp_path / "c"), token="another-node")
    outcome = run_item(task)
    assert outcome["status"] == "done" and set(outcome["files"]) == {"sheet.png", "caption.txt", "manifest.json"}
    assert not (batch / "items" / "0000-k").exists()
    place_shipped(outcome["files"], batch / "items" / "0000-k")
    assert (batch / "items" / "0000-k" / "caption.txt").read_text().strip() == "hello / seed 4"
    # with the right token the worker writes in place
    task.token, task.out = "driver-token", str(batch / "items" / "0001-k")
    outcome = run_item(task)
    assert "files" not in outcome and (batch / "items" / "0001-k" / "sheet.png").is_file()


# -- resources -------------------------------------------------------------------------------


class _Params:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class _Step:
    name = "fake.step"

    def __init__(self, extra):
        self.extra = extra

    def cache_extra(self, params):
        return self.extra


def test_gpu_requests_follow_the_backend_that_will_run():
    assert step_wants_gpu(_Step({"backend": "diffusers", "model": "/models/sd-turbo"}), _Params(device="auto"))[0]
    assert not step_wants_gpu(_Step({"backend": "procedural"}), _Params(device="auto"))[0]  # fallback: no weights
    assert not step_wants_gpu(_Step({"backend": "diffusers", "model": "/m"}), _Params(device="cpu"))[0]

    class Declared(_Step):
        def resources(self, params):
            return {"num_gpus": 1, "num_cpus": 4}

    assert step_wants_gpu(Declared({}), _Params())[0]
    assert Resources().num_gpus == 0
    # the shapes steps use: [source, path, revision] and the backend names of embedded defaults
    assert not step_wants_gpu(_Step({"model": ["missing", None, None]}), _Params())[0]
    assert step_wants_gpu(_Step({"model": ["hf-cache", "/hf/models--x", "abc"]}), _Params())[0]
    assert not step_wants_gpu(_Step({"backend": "describe", "describe_version": "1"}), _Params())[0]
    assert step_wants_gpu(_Step({"backend": "transformers", "model_path": "/m", "revision": None}), _Params())[0]


def test_recipe_resources_follow_local_weights(tmp_path):
    """A diffusion step asks for a GPU only when its weights are there (else the procedural
    default runs); overrides count."""
    from studio.engine.executor import apply_overrides
    from studio.engine.recipe import pipeline_from_text
    from studio.engine.step import STEPS

    if "image.generate" not in STEPS.names():
        pytest.skip("image.generate is not in this build")
    from studio.batch import recipe_resources

    p = pipeline_from_text("name: gen\ninputs:\n  prompt: {type: str}\nsteps:\n  - id: gen\n    use: image.generate\n"
                           "    with: {prompt: $inputs.prompt}\noutputs:\n  images: $gen.images\n")
    assert recipe_resources(p, {"prompt": "a cat"}).gpu_steps == []
    model = tmp_path / "sd"
    model.mkdir()
    (model / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    res = recipe_resources(apply_overrides(p, {"gen.model": str(model)}), {"prompt": "a cat"})
    assert res.gpu_steps == ["gen"] and res.num_gpus == 1.0
    assert recipe_resources(apply_overrides(p, {"gen.model": str(model), "gen.backend": "procedural"}), {}).gpu_steps == []


# -- the shared cache under concurrent writers ------------------------------------------------


def _hammer(root: str, seed: int, rounds: int) -> int:
    cache = Cache(root)
    rng = np.random.default_rng(0)  # every process writes the same content for the same key
    img = Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    for r in range(rounds):
        for k in range(4):
            key = f"{k:02d}" + "ab" * 31
            cache.put(key, {"image": ImageArtifact(img), "texts": [TextArtifact(f"entry {k}"), TextArtifact("x" * 5000)]}, {"backend": "test", "round": r})
            got = cache.get(key)
            assert got is not None and got[0]["texts"][0].text == f"entry {k}"
    return seed


def test_cache_is_safe_with_concurrent_writers(tmp_path):
    root = tmp_path / "cache"
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        assert sorted(pool.starmap(_hammer, [(str(root), s, 15) for s in range(4)])) == [0, 1, 2, 3]
    cache = Cache(root)
    for k in range(4):
        outputs, record = cache.get(f"{k:02d}" + "ab" * 31)
        assert outputs["texts"][1].text == "x" * 5000 and outputs["image"].image.size == (64, 64)
        assert record["backend"] == "test"
    assert not list((root / "tmp").iterdir())  # no staging folder left behind


# -- CLI -------------------------------------------------------------------------------------


def test_cli_exit_codes(recipe, shoots, tmp_path, capsys):
    assert main(["batch", str(recipe), "--inputs", str(shoots), "--executor", "sequential", "-q", "--out", str(tmp_path / "ok")]) == 0
    assert (tmp_path / "ok" / "batch.json").is_file()
    (shoots / "s1" / "img0.png").write_bytes(b"garbage")
    assert main(["batch", str(recipe), "--inputs", str(shoots), "--executor", "sequential", "-q", "--out", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert "1 failed" in err and "failed: 0001 folder=s1" in err
    assert main(["batch", str(recipe), "--inputs", str(shoots), "--product", "colums=2,3", "-q"]) == 2
    assert "no input 'colums'" in capsys.readouterr().err
    assert main(["batch", str(recipe), "--inputs", str(shoots), "--product", "seed=1..2", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "6 item(s)" in out and "0005 folder=s2 seed=2" in out


def test_cli_ray_missing_gives_install_hint(recipe, shoots, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert main(["batch", str(recipe), "--inputs", str(shoots), "--executor", "ray"]) == 2
    assert "pip install 'studio[ray]'" in capsys.readouterr().err


SLOW_RECIPE = """\
name: slow-batch
inputs:
  folder: {type: path}
steps:
  - id: load
    use: image.load
    with: {path: $inputs.folder}
  - id: big
    use: image.resize
    with: {images: $load.images, width: 2000, resample: lanczos}
  - id: small
    use: image.resize
    with: {images: $big.images, width: 300, resample: lanczos}
  - id: sheet
    use: image.contact_sheet
    with: {images: $small.images}
outputs:
  sheet: $sheet.image
"""


@pytest.mark.slow
def test_ctrl_c_cancels_cleanly(tmp_path):
    """SIGINT to the whole process group (what a terminal sends): finished items stay, the batch
    manifest says cancelled, nothing half-written, exit status 130."""
    recipe = tmp_path / "slow.yaml"
    recipe.write_text(SLOW_RECIPE)
    root = tmp_path / "in"
    for s in range(10):
        _images(root / f"s{s}", 6, seed=s, size=200)
    out = tmp_path / "b"
    env = {**os.environ, "STUDIO_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "batch", str(recipe), "--inputs", str(root), "--workers", "2", "--out", str(out), "-q", "--no-cache"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                data = json.loads((out / "batch.json").read_text())
            except (OSError, ValueError):
                data = None
            if data and data["counts"].get("done", 0) >= 1 and data["counts"].get("running", 0) >= 1:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        else:
            pytest.fail("the batch did not get going")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    data = json.loads((out / "batch.json").read_text())
    assert data["status"] == "cancelled"
    statuses = [it["status"] for it in data["items"]]
    assert "done" in statuses and "cancelled" in statuses and "running" not in statuses and "pending" not in statuses
    finished = {it["run_dir"] for it in data["items"] if it["status"] == "done"}
    folders = {f"items/{d.name}" for d in (out / "items").iterdir()}
    assert folders == finished  # no partial or half-written item folders
    for rel in finished:
        assert (out / rel / "manifest.json").is_file() and (out / rel / "sheet.png").is_file()
