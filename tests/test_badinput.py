"""The bad-input corpus (issue #21): every case ends with one clear line and exit 2 (user input)
or 1 (environment), writes nothing outside the run and outputs folders, and the bombs stay under
1 GB of memory. Recipe cases live in tests/badinput/*.yaml; their first line says the command,
the exit code and a part of the message."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.cli import main
from tests.helpers import toy_steps  # noqa: F401  (registers toy.* steps)

CORPUS = Path(__file__).parent / "badinput"
HEADER = re.compile(r"^# corpus case \(tests/test_badinput.py\): command=(\w+) exit=(\d) message=(.+)$")
BOMBS = {"alias-bomb.yaml", "deep-nesting.yaml"}


def _cases() -> list[tuple[str, str, int, str]]:
    cases = []
    for f in sorted(CORPUS.glob("*.yaml")):
        m = HEADER.match(f.read_text(encoding="utf-8").splitlines()[0])
        assert m, f"{f.name}: first line must be the corpus header"
        cases.append((f.name, m.group(1), int(m.group(2)), m.group(3).strip()))
    return cases


def _everything_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.fixture
def budget(monkeypatch):
    # the template budget is 5 s; the corpus checks that it trips, not how long it is
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "0.5")


@pytest.mark.parametrize(("name", "command", "code", "message"), _cases(), ids=[c[0] for c in _cases()])
def test_corpus_case_one_line_right_exit_nothing_outside(name, command, code, message, tmp_path, monkeypatch, capsys, budget):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    recipe = CORPUS / name
    before = _everything_under(tmp_path)
    args = ["validate", str(recipe)] if command == "validate" else ["run", str(recipe), "--out", str(work / "run"), "-q"]
    rc = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == code, err
    assert len(err) == 1, err
    assert message in err[0], err
    assert "Traceback" not in err[0]
    assert _everything_under(tmp_path) == before, "the failed case wrote files"
    assert not Path("/tmp/studio-escaped").exists()


def _peak_kb(args: list[str], cap_bytes: int) -> tuple[int, str, int]:
    """Run the CLI in a child capped at `cap_bytes` of address space; (exit code, stderr, peak KB)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({cap_bytes}, {cap_bytes}))\n"
        "from studio.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        # VmHWM belongs to this process's address space (ru_maxrss would carry the forking
        # parent's high-water mark across exec: a big pytest process reads as a big child)
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "peak = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "sys.stderr.write('PEAK %d\\n' % peak)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    peak = int(lines[-1].split()[1]) if lines and lines[-1].startswith("PEAK ") else -1
    return proc.returncode, "\n".join(lines[:-1]), peak


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_fail_in_one_line_under_1gb(name):
    rc, err, peak_kb = _peak_kb(["validate", str(CORPUS / name)], 1 << 30)
    assert rc == 2, err
    assert len(err.splitlines()) == 1, err
    assert "refusing to load it" in err
    assert 0 < peak_kb < 1024 * 1024, peak_kb


@pytest.mark.parametrize("name", ["jinja-nested-range.yaml", "jinja-string-multiply.yaml", "jinja-huge-output.yaml",
                                  "jinja-namespace-doubling.yaml", "jinja-filter-width.yaml", "jinja-str-format-width.yaml"])
def test_template_bombs_run_in_one_line_under_1gb(name, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "1")
    rc, err, peak_kb = _peak_kb(["run", str(CORPUS / name), "--out", str(tmp_path / "run"), "-q"], 1 << 30)
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("studio: error: "), err
    assert 0 < peak_kb < 1024 * 1024, peak_kb
    assert not (tmp_path / "run").exists()


# -- environment: folders the run writes to ----------------------------------------------------

TOY = """\
name: toy
steps:
  - {id: c, use: toy.count}
outputs:
  numbers: $c.texts
"""


@pytest.fixture
def toy_recipe(tmp_path):
    f = tmp_path / "toy.yaml"
    f.write_text(TOY)
    return f


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_out_is_a_file_exit_2(toy_recipe, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert main(["run", str(toy_recipe), "--out", str(f), "-q"]) == 2
    assert "is a file" in _one_line(capsys)
    assert f.read_text() == "x"


def test_cache_dir_is_a_file_exit_2(toy_recipe, tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert main(["run", str(toy_recipe), "--out", str(tmp_path / "run"), "--cache-dir", str(f), "-q"]) == 2
    assert "--cache-dir" in _one_line(capsys)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag", ["--out", "--cache-dir"])
def test_read_only_folder_exit_1_before_any_step(flag, toy_recipe, tmp_path, capsys, monkeypatch):
    import errno

    from studio.engine import storage

    ro = tmp_path / "ro"
    ro.mkdir()
    real = storage.tempfile.TemporaryFile

    def probe(*a, dir=None, **kw):  # a read-only mount, as the kernel reports it
        if Path(dir).resolve() == ro.resolve():
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, **kw)

    monkeypatch.setattr(storage.tempfile, "TemporaryFile", probe)
    started = []
    monkeypatch.setattr(toy_steps.Count, "run", lambda self, ctx, inputs, params: started.append(1))
    args = ["run", str(toy_recipe), "-q", "--out", str(tmp_path / "run")]
    args += [flag, str(ro / "x")] if flag == "--cache-dir" else []
    if flag == "--out":
        args[-1] = str(ro / "run")
    assert main(args) == 1
    line = _one_line(capsys)
    assert flag in line and "Read-only file system" in line
    assert started == []  # checked before running


def test_unwritable_out_exit_1(toy_recipe, capsys):
    import tempfile

    try:
        with tempfile.TemporaryFile(dir="/sys"):
            pytest.skip("/sys is writable here")
    except OSError:
        pass
    assert main(["run", str(toy_recipe), "--out", "/sys/studio-out", "-q"]) == 1
    assert "--out /sys/studio-out" in _one_line(capsys)


def test_disk_full_while_saving_exit_1(toy_recipe, tmp_path, capsys, monkeypatch):
    import errno

    from studio.engine import executor

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(executor, "write_json_atomic", full)
    assert main(["run", str(toy_recipe), "--out", str(tmp_path / "run"), "-q"]) == 1
    assert "No space left on device" in _one_line(capsys)
    assert not (tmp_path / "run").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial")]


def test_verbose_user_error_exit_2_with_traceback(toy_recipe, capsys):
    assert main(["-v", "run", str(toy_recipe), "-i", "nope=1", "-q"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("studio: error: recipe 'toy' has no input 'nope'")


def test_stale_scratch_folders_cleaned_live_and_young_kept(toy_recipe, tmp_path, monkeypatch, capsys):
    import fcntl
    import tempfile

    from studio.engine.storage import LOCK_NAME

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    old = time.time() - 2 * 3600
    dead = scratch / "studio-run-dead"  # SIGKILLed run: its lock file is there, nobody holds it
    dead.mkdir()
    (dead / LOCK_NAME).write_text("99999")
    (dead / "frame.png").write_bytes(b"x" * 100)
    live = scratch / "studio-run-live"  # a long run still going: old, but locked
    live.mkdir()
    (live / LOCK_NAME).write_text("1")
    young = scratch / "studio-run-young"  # a run just starting
    young.mkdir()
    other = scratch / "not-studio"
    other.mkdir()
    for d in (dead, live, other):
        os.utime(d, (old, old))
    with open(live / LOCK_NAME) as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["run", str(toy_recipe), "--out", str(tmp_path / "run"), "-q"]) == 0
    assert not dead.exists()
    assert live.exists() and young.exists() and other.exists()
    assert sorted(p.name for p in scratch.iterdir()) == ["not-studio", "studio-run-live", "studio-run-young"]  # its own is gone


# -- cache hits are checked against their digests -----------------------------------------------

@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_damaged_cache_entry_is_recomputed_never_copied(damage, tmp_path, capsys):
    from PIL import Image

    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(3):
        Image.new("RGB", (64, 48), (80 * i, 100, 200)).save(pics / f"p{i}.png")
    cache = tmp_path / "cache"
    base = ["run", "contact-sheet", "-i", f"folder={pics}", "--cache-dir", str(cache), "-q"]
    assert main([*base, "--out", str(tmp_path / "first")]) == 0
    good = (tmp_path / "first" / "sheet.png").read_bytes()
    stored = [p for p in cache.rglob("*.png") if "tmp" not in p.relative_to(cache).parts and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"]
    assert stored
    for png in stored:
        data = png.read_bytes()
        if damage == "truncate":
            png.write_bytes(data[: len(data) // 2])
        elif damage == "flip":
            png.write_bytes(data[:-20] + bytes(b ^ 0xFF for b in data[-20:]))
        else:
            png.unlink()
    capsys.readouterr()
    assert main([*base, "--out", str(tmp_path / "second")]) == 0
    err = capsys.readouterr().err
    assert "damaged cache entry" in err
    assert (tmp_path / "second" / "sheet.png").read_bytes() == good
    manifest = json.loads((tmp_path / "second" / "manifest.json").read_text())
    assert not all(s["cached"] for s in manifest["steps"])
    assert any("damaged cache entry" in w for s in manifest["steps"] for w in s["warnings"])
    # the recomputed entry is whole again: a third run is served from the cache, silently
    assert main([*base, "--out", str(tmp_path / "third")]) == 0
    assert "damaged" not in capsys.readouterr().err
    assert (tmp_path / "third" / "sheet.png").read_bytes() == good


# -- oversized images, typed errors from the Python API -----------------------------------------

def _png_claiming(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims `width` x `height` (what a 16000x16000 frame looks like to
    Pillow's decompression-bomb check, without the memory)."""
    import struct
    import zlib

    from PIL import Image

    Image.new("RGB", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = data[12:29]
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def test_16000x16000_image_one_line_exit_2(tmp_path, capsys):
    pics = tmp_path / "pics"
    pics.mkdir()
    _png_claiming(pics / "huge.png", 16000, 16000)
    assert main(["run", "contact-sheet", "-i", f"folder={pics}", "--out", str(tmp_path / "run"), "-q"]) == 2
    line = _one_line(capsys)
    assert "too large to decode safely" in line
    assert not (tmp_path / "run").exists()


def test_python_api_raises_typed_errors(tmp_path):
    from PIL import Image

    import studio
    from studio.engine.errors import InvalidArgumentError, UnknownKeyError, UserError

    pics = tmp_path / "pics"
    pics.mkdir()
    Image.new("RGB", (8, 8)).save(pics / "a.png")
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = studio.run("contact-sheet", folder=str(pics), out=tmp_path / "ok")
    p = studio.load_recipe("contact-sheet")
    calls = {
        "seed": (lambda: studio.run("contact-sheet", folder=str(pics), seed="abc", out=tmp_path / "o1"), InvalidArgumentError),
        "output key": (lambda: result["nope"], UnknownKeyError),
        "step id": (lambda: p.get_step("nope"), UnknownKeyError),
        "bad ref": (lambda: studio.Pipeline("x").output("o", "nope"), InvalidArgumentError),
        "inputs": (lambda: studio.run("contact-sheet", inputs=[1, 2]), InvalidArgumentError),
        "overrides": (lambda: studio.run("contact-sheet", folder=str(pics), overrides=["x"], out=tmp_path / "o2"), InvalidArgumentError),
        "add_input": (lambda: studio.Pipeline("x").add_input("a", 5), InvalidArgumentError),
        "out under a file": (lambda: studio.run("contact-sheet", folder=str(pics), out=afile / "x"), UserError),
        "outputs_root a file": (lambda: studio.run("contact-sheet", folder=str(pics), outputs_root=afile), UserError),
        "cache a file": (lambda: studio.run("contact-sheet", folder=str(pics), cache=afile, out=tmp_path / "o3"), UserError),
    }
    for what, (call, kind) in calls.items():
        with pytest.raises(kind) as info:
            call()
        assert isinstance(info.value, studio.StudioError), what
        assert info.value.exit_code == 2, what
    # still what callers caught before
    with pytest.raises(KeyError):
        p.get_step("nope")
    with pytest.raises(ValueError):
        studio.Pipeline("x").output("o", "nope")
    assert result["sheet"] is result.outputs["sheet"]


def test_deeply_nested_input_one_line_exit_2(tmp_path):
    import studio
    from studio.engine.pipeline import Pipeline

    p = Pipeline("deep")
    p.add_input("x", {"type": "list", "default": []})
    t = p.step("text.template", template="{% raw %}{{ 1 }}{% endraw %}")
    p.output("text", t.text)
    value: list = []
    for _ in range(5000):  # deeper than Python's recursion limit: measured without recursing
        value = [value]
    with pytest.raises(studio.UserError, match="nested more than 64 levels"):
        p.run({"x": value}, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_export_names_from_steps_stay_in_the_run_folder(tmp_path, capsys):
    """A step (an export, a file whose name came from user data) naming its file `../../x`,
    `/abs/x` or `a/b`: the file lands in the run folder under a plain name."""
    from studio.engine import FileArtifact, Port, Step, StepParams, register_step
    from studio.engine.step import STEPS

    if "toy.escape" not in STEPS:
        @register_step
        class Escape(Step):
            name = "toy.escape"
            description = "Files whose names try to leave the run folder."
            outputs = {"files": Port("files", "files"), "one": Port("file", "one file")}
            Params = StepParams
            cacheable = False

            def run(self, ctx, inputs, params):
                files = []
                for i, nm in enumerate(["../../escaped-a.txt", "/tmp/studio-escaped-b.txt", "sub/dir.txt", ".hidden.txt"]):
                    f = ctx.workdir / f"f{i}.txt"
                    f.write_text(nm)
                    files.append(FileArtifact(f, name=nm))
                one = ctx.workdir / "one.txt"
                one.write_text("one")
                return {"files": files, "one": FileArtifact(one, name="../../escaped-one.txt")}

    recipe = tmp_path / "esc.yaml"
    recipe.write_text("name: esc\nsteps:\n  - {id: e, use: toy.escape}\noutputs:\n  files: $e.files\n  one: $e.one\n")
    run = tmp_path / "a" / "b" / "run"
    assert main(["run", str(recipe), "--out", str(run), "-q"]) == 0
    written = sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())
    assert written == ["_.._escaped-one.txt", "files/_.._escaped-a.txt.txt", "files/_tmp_studio-escaped-b.txt.txt",
                       "files/hidden.txt.txt", "files/sub_dir.txt.txt", "manifest.json"]
    outside = [p for p in tmp_path.rglob("*escaped*") if run not in p.parents]
    assert outside == []
    assert not Path("/tmp/studio-escaped-b.txt").exists()


def test_sigkilled_run_scratch_is_removed_by_the_next_run(toy_recipe, tmp_path, monkeypatch):
    import signal
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    marker = tmp_path / "started"
    slow = tmp_path / "slow.yaml"
    slow.write_text(
        "name: slow\nsteps:\n  - {id: c, use: toy.count}\n"
        f"  - {{id: s, use: toy.sleep, with: {{texts: $c.texts, seconds: 30, marker: \"{marker}\"}}}}\n"
        "outputs: {x: $s.texts}\n"
    )
    repo = Path(__file__).resolve().parents[1]
    code = "import sys; import tests.helpers.toy_steps; from studio.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(repo), "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-c", code, "run", str(slow), "--out", str(tmp_path / "killed"), "-q", "--no-cache"],
                            cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow step never started"
    left = list(scratch.glob("studio-run-*"))
    assert len(left) == 1
    # while it lives, an old-looking scratch folder is kept: its lock is held
    old = time.time() - 2 * 3600
    os.utime(left[0], (old, old))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["run", str(toy_recipe), "--out", str(tmp_path / "alive"), "-q"]) == 0
    assert left[0].exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert left[0].exists()  # SIGKILL cleans nothing up
    assert main(["run", str(toy_recipe), "--out", str(tmp_path / "next"), "-q"]) == 0
    assert not left[0].exists()
    assert list(scratch.glob("studio-run-*")) == []


def test_batch_out_and_cache_dir_checked_before_any_item(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    pics = tmp_path / "pics"
    pics.mkdir()
    assert main(["batch", "contact-sheet", "--inputs", str(pics), "--out", str(afile), "-q", "--executor", "sequential"]) == 2
    assert "--out" in _one_line(capsys)
    assert main(["batch", "contact-sheet", "--inputs", str(pics), "--cache-dir", str(afile / "c"), "-q", "--executor", "sequential"]) == 2
    assert "--cache-dir" in _one_line(capsys)
