"""The engine end to end: recipes, validation, references, cache, seeds, manifests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

import studio
from studio.engine import Pipeline, RecipeError, UserError
from studio.engine.recipe import pipeline_from_text
from tests.helpers import toy_steps  # noqa: F401  (registers toy.* steps)

TOY = """
name: toy
description: numbers, echoed
inputs:
  start: {type: int, default: 1}
  suffix: {type: str, default: "!"}
steps:
  - id: count
    use: toy.count
    with: {start: $inputs.start, n: 3}
  - id: echo
    use: toy.echo
    with: {texts: $count.texts, suffix: "{{ inputs.suffix }}?"}
  - id: noise
    use: toy.noise
    with: {n: 2}
outputs:
  lines: $echo.texts
  joined: $echo.joined
  noise: $noise.data
"""


def _hashes(run_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def test_run_writes_outputs_and_manifest(tmp_path):
    p = pipeline_from_text(TOY)
    res = p.run(start=5, out=tmp_path / "run")
    assert res.outputs["joined"].text == "5!?,6!?,7!?"
    assert (tmp_path / "run" / "joined.txt").read_text().strip() == "5!?,6!?,7!?"
    assert sorted(x.name for x in (tmp_path / "run" / "lines").iterdir()) == ["lines_000.txt", "lines_001.txt", "lines_002.txt"]
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    for key in ("recipe", "inputs", "seed", "steps", "outputs", "studio_version", "platform", "recipe_text"):
        assert key in m
    assert m["inputs"] == {"start": 5, "suffix": "!"}
    assert m["seed"] == 0
    step = m["steps"][0]
    assert set(step) >= {"id", "use", "backend", "model", "licence", "params", "seed", "cached", "seconds"}
    assert step["backend"] == "toy" and step["params"] == {"start": 5, "n": 3}
    assert m["outputs"]["joined"] == "joined.txt"


def test_second_run_is_all_cached_and_identical(tmp_path):
    p = pipeline_from_text(TOY)
    a = p.run(out=tmp_path / "a")
    b = p.run(out=tmp_path / "b")
    assert [s["cached"] for s in a.manifest["steps"]] == [False, False, False]
    assert [s["cached"] for s in b.manifest["steps"]] == [True, True, True]
    assert _hashes(a.run_dir) == _hashes(b.run_dir)


def test_override_reruns_only_affected_steps(tmp_path):
    p = pipeline_from_text(TOY)
    p.run(out=tmp_path / "a")
    b = p.run(out=tmp_path / "b", overrides={"echo.suffix": "#"})
    cached = {s["id"]: s["cached"] for s in b.manifest["steps"]}
    assert cached == {"count": True, "echo": False, "noise": True}
    c = p.run(out=tmp_path / "c", overrides={"count.n": 2})
    cached = {s["id"]: s["cached"] for s in c.manifest["steps"]}
    assert cached == {"count": False, "echo": False, "noise": True}
    assert c.outputs["joined"].text == "1!?,2!?"


def test_seed_is_derived_recorded_and_changes_random_steps(tmp_path):
    p = pipeline_from_text(TOY)
    a = p.run(out=tmp_path / "a", seed=1)
    b = p.run(out=tmp_path / "b", seed=2)
    sa = {s["id"]: s for s in a.manifest["steps"]}
    sb = {s["id"]: s for s in b.manifest["steps"]}
    assert a.manifest["seed"] == 1 and isinstance(sa["noise"]["seed"], int)
    assert sa["noise"]["seed"] != sb["noise"]["seed"]
    assert a.outputs["noise"].data != b.outputs["noise"].data
    # steps that draw no random numbers do not depend on the seed: reused from the cache
    assert sb["count"]["cached"] and sb["echo"]["cached"] and not sb["noise"]["cached"]
    again = p.run(out=tmp_path / "c", seed=1)
    assert again.outputs["noise"].data == a.outputs["noise"].data


def test_validate_reports_every_problem_with_lines(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\n"                       # 1
        "inputs:\n"                          # 2
        "  n: {type: int, default: 2}\n"     # 3
        "steps:\n"                           # 4
        "  - id: count\n"                    # 5
        "    use: toy.cuont\n"               # 6
        "  - id: echo\n"                     # 7
        "    use: toy.echo\n"                # 8
        "    with:\n"                        # 9
        "      texts: $nothere.texts\n"      # 10
        "      sufix: x\n"                   # 11
        "  - id: count2\n"                   # 12
        "    use: toy.count\n"               # 13
        "    with: {n: 1000}\n"              # 14
        "outputs:\n"
        "  out: $echo.texts\n"
    )
    with pytest.raises(RecipeError) as err:
        studio.load_recipe(bad)
    report = err.value.report()
    lines = report.splitlines()
    assert len(lines) == 4, report
    assert f"{bad}:5: step 'count': unknown step 'toy.cuont' (did you mean \"toy.count\"?)" in report
    assert f"{bad}:10:" in report and "nothere" in report
    assert f"{bad}:11:" in report and "unknown param 'sufix'" in report and 'did you mean "suffix"' in report
    assert f"{bad}:14:" in report and "less than or equal to 100" in report


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("steps:\n  - {id: a, use: toy.echo, with: {texts: $b.texts}}\n  - {id: b, use: toy.echo, with: {texts: $a.texts}}\noutputs: {x: $a.texts}\n", "cycle between steps"),
        ("steps:\n  - {id: a, use: toy.count}\n  - {id: b, use: toy.echo, with: {texts: $a.nope}}\noutputs: {x: $b.texts}\n", "has no output 'nope'"),
        ("steps:\n  - {id: a, use: toy.count}\n  - {id: b, use: toy.echo}\noutputs: {x: $b.texts}\n", "missing required input 'texts'"),
        ("steps:\n  - {id: a, use: toy.noise}\n  - {id: b, use: toy.echo, with: {texts: $a.data}}\noutputs: {x: $b.texts}\n", "expects texts, but $a.data is data"),
        ("steps:\n  - {id: a, use: toy.count, with: {n: many}}\noutputs: {x: $a.texts}\n", "valid integer"),
        ("steps:\n  - {id: a, use: toy.count}\n  - {id: a, use: toy.count}\noutputs: {x: $a.texts}\n", "duplicate step id"),
        ("stepz: []\nsteps:\n  - {id: a, use: toy.count}\noutputs: {x: $a.texts}\n", "unknown top-level key 'stepz'"),
        ("steps:\n  - {id: a, use: toy.count}\noutputs: {x: $inputs.zzz}\n", "unknown recipe input 'zzz'"),
        ("steps: [\n", "invalid YAML"),
        ("steps:\n  - {id: a, use: !!python/object:os.system ls}\n", "invalid YAML"),
    ],
)
def test_validation_errors(snippet, expected):
    with pytest.raises(RecipeError) as err:
        pipeline_from_text("name: t\n" + snippet)
    assert expected in err.value.report()


def test_oversized_recipe_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("name: big\n# " + "x" * 300_000 + "\n")
    with pytest.raises(RecipeError, match="larger than"):
        studio.load_recipe(big)


def test_python_pipeline_equals_yaml(tmp_path):
    p = Pipeline("toy", inputs={"start": {"type": "int", "default": 1}, "suffix": {"type": "str", "default": "!"}})
    count = p.step("toy.count", id="count", start=p.input.start, n=3)
    echo = p.step("toy.echo", id="echo", texts=count.texts, suffix="{{ inputs.suffix }}?")
    noise = p.step("toy.noise", id="noise", n=2)
    p.output("lines", echo.texts)
    p.output("joined", echo.joined)
    p.output("noise", noise.data)
    assert p.validate() == []
    from_yaml = pipeline_from_text(TOY)
    assert p.to_dict()["steps"] == from_yaml.to_dict()["steps"]
    assert pipeline_from_text(p.to_yaml()).to_dict() == p.to_dict()
    a = p.run(out=tmp_path / "a")
    b = from_yaml.run(out=tmp_path / "b")
    assert _hashes(a.run_dir) == _hashes(b.run_dir)
    with pytest.raises(AttributeError, match="has no 'textz'"):
        _ = echo.textz


def test_input_errors(tmp_path):
    p = pipeline_from_text(TOY)
    with pytest.raises(UserError, match="must be int"):
        p.run(start="five", out=tmp_path / "x")
    with pytest.raises(UserError, match="has no input 'strat'.*did you mean \"start\""):
        p.run(strat=1, out=tmp_path / "y")
    with pytest.raises(UserError, match="no step 'ech'"):
        p.run(out=tmp_path / "z", overrides={"ech.suffix": "x"})
    with pytest.raises(UserError, match="has no param 'sufix'"):
        p.run(out=tmp_path / "z", overrides={"echo.sufix": "x"})
    with pytest.raises(UserError, match="less than or equal to 100"):
        p.run(out=tmp_path / "z", overrides={"count.n": 1000})
    assert not (tmp_path / "x").exists() and not (tmp_path / "z").exists()


def test_contact_sheet_builtin(tmp_path):
    pics = tmp_path / "pics"
    pics.mkdir()
    for i, colour in enumerate(["red", "green", "blue", "orange", "purple"]):
        Image.new("RGB", (120, 80), colour).save(pics / f"pic{i}.png")
    res = studio.run("contact-sheet", folder=str(pics), overrides={"sheet.columns": 3}, out=tmp_path / "run")
    sheet = Image.open(res.paths["sheet"])
    assert sheet.size[0] > sheet.size[1]  # 3 columns x 2 rows
    assert "parameters" not in sheet.text  # no generation parameters of its own: no A1111 chunk
    assert sheet.text["studio"].startswith("studio: ") and "recipe: contact-sheet" in sheet.text["studio"]
    # the five colours appear in the grid
    colours = {c for _, c in sheet.convert("RGB").getcolors(1 << 20)}
    for rgb in [(255, 0, 0), (0, 128, 0), (0, 0, 255)]:
        assert rgb in colours


def test_missing_required_input():
    with pytest.raises(UserError, match="missing required input 'folder'"):
        studio.run("contact-sheet")


def test_path_input_must_exist(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        studio.run("contact-sheet", folder=str(tmp_path / "nope"))


def test_failed_step_leaves_no_run_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="folder has no images"):
        studio.run("contact-sheet", folder=str(tmp_path / "empty"), out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert not any(p.name.startswith(".run.partial") for p in tmp_path.iterdir())


def test_progress_events(tmp_path):
    events = []
    pipeline_from_text(TOY).run(out=tmp_path / "a", listeners=[events.append])
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("step_started") == 3 and kinds.count("step_finished") == 3
    events.clear()
    pipeline_from_text(TOY).run(out=tmp_path / "b", listeners=[events.append])
    assert [e.kind for e in events].count("step_cached") == 3


def test_cancel_token_stops_run(tmp_path):
    from studio.engine import Cancelled, CancelToken

    token = CancelToken()

    def listener(ev):
        if ev.kind == "progress":
            token.cancel()

    text = """
name: slow
steps:
  - {id: count, use: toy.count}
  - {id: sleep, use: toy.sleep, with: {texts: $count.texts, seconds: 5}}
outputs: {x: $sleep.texts}
"""
    with pytest.raises(Cancelled):
        pipeline_from_text(text).run(out=tmp_path / "run", listeners=[listener], cancel=token)
    assert not (tmp_path / "run").exists()


def test_damaged_cache_entry_is_ignored(tmp_path):
    p = pipeline_from_text(TOY)
    a = p.run(out=tmp_path / "a")
    from studio.engine.cache import Cache

    cache = Cache()
    key = a.manifest["steps"][1]["cache_key"]
    (cache.entry_dir(key) / "entry.json").write_text("{not json")
    b = p.run(out=tmp_path / "b")
    assert {s["id"]: s["cached"] for s in b.manifest["steps"]} == {"count": True, "echo": False, "noise": True}
    assert b.outputs["joined"].text == a.outputs["joined"].text


def test_out_folder_must_be_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(UserError, match="not empty"):
        pipeline_from_text(TOY).run(out=tmp_path / "busy")


def test_image_load_sees_changed_files(tmp_path):
    pics = tmp_path / "pics"
    pics.mkdir()
    Image.new("RGB", (32, 32), "red").save(pics / "a.png")
    a = studio.run("contact-sheet", folder=str(pics), out=tmp_path / "a")
    Image.new("RGB", (32, 32), "blue").save(pics / "a.png")
    b = studio.run("contact-sheet", folder=str(pics), out=tmp_path / "b")
    assert not b.manifest["steps"][0]["cached"]
    assert (0, 0, 255) in {c for _, c in Image.open(b.paths["sheet"]).convert("RGB").getcolors(1 << 16)}
    assert a.manifest["steps"][0]["cache_key"] != b.manifest["steps"][0]["cache_key"]


def test_cached_images_are_loaded_lazily_and_saved_identically(tmp_path):
    from studio.engine.artifacts import ImageArtifact

    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(3):
        Image.new("RGB", (40, 30), (60 * i, 20, 200)).save(pics / f"{i}.png")
    a = studio.run("contact-sheet", folder=str(pics), out=tmp_path / "a")
    b = studio.run("contact-sheet", folder=str(pics), out=tmp_path / "b")
    assert all(s["cached"] for s in b.manifest["steps"])
    assert (tmp_path / "a" / "sheet.png").read_bytes() == (tmp_path / "b" / "sheet.png").read_bytes()
    art = b.outputs["sheet"]
    assert isinstance(art, ImageArtifact) and art._image is None  # never decoded on the warm run
    assert art.content_hash() == a.outputs["sheet"].content_hash()
    assert art.image.size == a.outputs["sheet"].image.size  # decodes on demand
    assert Image.open(tmp_path / "b" / "sheet.png").text["studio"].startswith("studio: ")


# -- StepContext.map ------------------------------------------------------------------------------

def _ctx(tmp_path, **kw):
    from studio.engine.step import StepContext

    return StepContext(step_id="m", use="toy.map", seed=0, workdir=tmp_path, **kw)


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_ctx_map_keeps_order_and_reports_progress(tmp_path, threads):
    import time

    events = []
    ctx = _ctx(tmp_path, listeners=[events.append])

    def slow_square(x: int) -> int:
        time.sleep(0.002 * (5 - x % 5))  # later items often finish first
        return x * x

    assert ctx.map(slow_square, list(range(12)), label="n", threads=threads) == [x * x for x in range(12)]
    progress = [e for e in events if e.kind == "progress"]
    assert progress and progress[-1].fraction == 1.0 and progress[-1].message == "n 12/12"


def test_ctx_map_stops_when_cancelled_and_reraises_errors(tmp_path):
    import threading

    from studio.engine import Cancelled
    from studio.engine.progress import CancelToken

    token = CancelToken()
    ran = []
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            ran.append(x)
        if x == 1:
            token.cancel()
        threading.Event().wait(0.05)
        return x

    with pytest.raises(Cancelled):
        _ctx(tmp_path, cancel=token).map(work, list(range(40)), threads=2)
    assert len(ran) < 40

    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("bad item 3")
        return x

    with pytest.raises(ValueError, match="bad item 3"):
        _ctx(tmp_path).map(boom, list(range(6)), threads=2)


# -- file digests remembered across processes ------------------------------------------------------

def _aged(path, seconds_ago: float = 60.0) -> None:
    import os
    import time

    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def test_file_digests_are_remembered_on_disk(tmp_path, monkeypatch):
    """A large input is read once: a later process finds its digest in the cache's `files/`
    folder by (path, device, inode, size, mtime). A changed file (new mtime) is hashed again."""
    import hashlib

    from studio.engine import artifacts

    f = tmp_path / "clip.bin"
    f.write_bytes(b"a" * 1000)
    _aged(f)
    monkeypatch.setattr(artifacts, "_FILE_HASHES", {})
    artifacts.remember_file_digests(tmp_path / "memo")
    try:
        first = artifacts.hash_file(f)
        assert first == hashlib.sha256(b"a" * 1000).hexdigest()
        assert len(list((tmp_path / "memo").iterdir())) == 1
        # a new process (empty in-memory memo) does not read the file: prove it with content that
        # changed behind the memo's back, same size and the same mtime set back on purpose
        st = f.stat()
        f.write_bytes(b"b" * 1000)
        import os

        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
        monkeypatch.setattr(artifacts, "_FILE_HASHES", {})
        assert artifacts.hash_file(f) == first
        # a real edit moves the mtime: hashed again
        _aged(f, 30.0)
        monkeypatch.setattr(artifacts, "_FILE_HASHES", {})
        assert artifacts.hash_file(f) == hashlib.sha256(b"b" * 1000).hexdigest()
    finally:
        artifacts.remember_file_digests(None)


def test_a_file_modified_just_now_is_not_remembered(tmp_path, monkeypatch):
    from studio.engine import artifacts

    f = tmp_path / "fresh.bin"
    f.write_bytes(b"still being written")
    monkeypatch.setattr(artifacts, "_FILE_HASHES", {})
    artifacts.remember_file_digests(tmp_path / "memo")
    try:
        artifacts.hash_file(f)
        assert not (tmp_path / "memo").exists() or not list((tmp_path / "memo").iterdir())
        # a damaged memo entry is ignored, not trusted
        _aged(f)
        artifacts.hash_file(f)
        (entry,) = list((tmp_path / "memo").iterdir())
        entry.write_text("not a digest")
        monkeypatch.setattr(artifacts, "_FILE_HASHES", {})
        import hashlib

        assert artifacts.hash_file(f) == hashlib.sha256(b"still being written").hexdigest()
    finally:
        artifacts.remember_file_digests(None)


def test_runs_remember_input_digests_in_the_cache(tmp_path):
    """The executor points the memo at `<cache>/files` while a run with the cache on lasts."""
    import studio
    from studio.engine import artifacts

    img = tmp_path / "in.png"
    from PIL import Image

    Image.new("RGB", (16, 16), (200, 10, 10)).save(img)
    _aged(img)
    try:
        studio.run("contact-sheet", {"folder": str(tmp_path)}, out=tmp_path / "run", cache=tmp_path / "cache")
        assert any((tmp_path / "cache" / "files").iterdir()), "the input image's digest is remembered"
        assert artifacts._DIGEST_DIR is None, "the run puts the memo folder back as it was"
    finally:
        artifacts.remember_file_digests(None)


def test_cache_entries_made_by_other_code_are_not_served(tmp_path, monkeypatch):
    from studio.engine import executor

    p = pipeline_from_text(TOY)
    p.run(out=tmp_path / "a")
    same = p.run(out=tmp_path / "b")
    assert all(s["cached"] for s in same.manifest["steps"])
    # another release, or an edit to a backend nobody bumped a version for: new keys
    monkeypatch.setattr(executor, "code_fingerprint", lambda: "0" * 32)
    other = p.run(out=tmp_path / "c")
    assert not any(s["cached"] for s in other.manifest["steps"])
    assert _hashes(other.run_dir) == _hashes(same.run_dir)


def test_code_fingerprint_follows_the_package_files(tmp_path, monkeypatch):
    from studio.engine import fingerprint

    pkg = tmp_path / "pkg"
    (pkg / "sub" / "__pycache__").mkdir(parents=True)
    (pkg / "a.py").write_text("A = 1\n")
    (pkg / "sub" / "b.py").write_text("B = 2\n")
    (pkg / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"\x00junk")
    monkeypatch.setattr(fingerprint, "code_roots", lambda: [pkg])

    def digest() -> str:
        fingerprint.code_fingerprint.cache_clear()
        return fingerprint.code_fingerprint()

    try:
        first = digest()
        assert digest() == first
        (pkg / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"\x01other")
        assert digest() == first  # compiled files do not count
        (pkg / "sub" / "b.py").write_text("B = 3\n")
        assert digest() != first
        (pkg / "sub" / "b.py").write_text("B = 2\n")
        assert digest() == first
        (pkg / "sub" / "b.py").rename(pkg / "sub" / "c.py")  # a rename is a change too
        assert digest() != first
    finally:
        fingerprint.code_fingerprint.cache_clear()


def test_code_fingerprint_covers_the_installed_package():
    import studio as pkg
    from studio.engine import fingerprint

    roots = fingerprint.code_roots()
    assert roots[0] == Path(pkg.__file__).resolve().parent
    files = fingerprint._files(roots[0])
    assert Path(fingerprint.__file__).resolve() in files
    assert not any(f.suffix == ".pyc" for f in files)
    assert len(fingerprint.code_fingerprint()) == 32


def test_step_memo_caches_parts_of_a_step(tmp_path):
    """ctx.memo: a step's own per-item cache inside the step cache (a hit returns the stored
    artifacts; the key covers the step's name, version and code; no store means no caching)."""
    from studio.engine import DataArtifact, ImageArtifact
    from studio.engine.cache import Cache
    from studio.engine.step import StepContext

    calls = []

    def compute():
        calls.append(1)
        return {"image": ImageArtifact(Image.new("RGB", (8, 4), (200, 10, 10)), meta={"n": 1}, name="one"),
                "data": DataArtifact({"k": [1, 2]}, name="d")}

    def ctx(salt="toy.a v1", store=True):
        return StepContext(step_id="s", use="toy.a", seed=0, workdir=tmp_path / "work",
                           memo_store=Cache(tmp_path / "cache") if store else None, memo_salt=salt)

    first = ctx()
    a = first.memo({"item": 1}, compute)
    again = ctx()
    b = again.memo({"item": 1}, compute)
    assert len(calls) == 1 and (first.memo_misses, again.memo_hits) == (1, 1)
    assert b["image"].image.tobytes() == a["image"].image.tobytes() and b["image"].meta == {"n": 1}
    assert b["image"].name == "one" and b["data"].data == {"k": [1, 2]}
    ctx().memo({"item": 2}, compute)  # another key
    ctx(salt="toy.a v2").memo({"item": 1}, compute)  # another version of the step
    ctx(store=False).memo({"item": 1}, compute)  # --no-cache
    assert len(calls) == 4
