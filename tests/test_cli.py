"""The command line: exit codes, one-line errors, the run folder on the last line, fast start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO)


@pytest.fixture()
def pics(tmp_path):
    d = tmp_path / "pics"
    d.mkdir()
    for i in range(3):
        Image.new("RGB", (64, 48), (80 * i, 100, 200)).save(d / f"p{i}.png")
    return d


def test_version_and_recipes(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert "studio" in capsys.readouterr().out
    assert main(["recipes"]) == 0
    assert "contact-sheet" in capsys.readouterr().out


def test_steps_json(capsys):
    assert main(["steps", "--json"]) == 0
    schema = json.loads(capsys.readouterr().out)
    sheet = schema["image.contact_sheet"]
    assert sheet["params"]["columns"]["default"] == 4
    assert sheet["params"]["columns"]["minimum"] == 1
    assert sheet["inputs"]["images"]["type"] == "images"


def test_run_prints_run_folder_last(pics, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "contact-sheet", "-i", f"folder={pics}", "--set", "sheet.columns=3", "--out", str(out), "-q"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == str(out)
    assert (out / "sheet.png").is_file() and (out / "manifest.json").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["steps"][1]["params"]["columns"] == 3


def test_dry_run_runs_nothing(pics, tmp_path, capsys):
    assert main(["run", "contact-sheet", "-i", f"folder={pics}", "--out", str(tmp_path / "r"), "--dry-run"]) == 0
    assert "valid" in capsys.readouterr().out
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "missing-file.yaml"], "does not exist"),
        (["run", "contact-shee"], 'unknown recipe \'contact-shee\' (did you mean "contact-sheet"?)'),
        (["run", "contact-sheet", "-i", "folder=.", "--set", "sheet.colums=3"], "has no param 'colums'"),
        (["run", "contact-sheet", "-i", "folder=.", "--set", "sheet.columns=0"], "greater than or equal to 1"),
        (["run", "contact-sheet", "-i", "folder=.", "--set", "columns=3"], "use STEP.PARAM=VALUE"),
        (["run", "contact-sheet", "-i", "folder"], "use NAME=VALUE"),
        (["run", "contact-sheet"], "missing required input 'folder'"),
        (["steps", "image.nope"], "unknown step"),
    ],
)
def test_user_errors_exit_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_validate_three_mistakes_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""\
        name: bad
        inputs:
          folder: {type: path}
        steps:
          - id: load
            use: image.lod
          - id: sheet
            use: image.contact_sheet
            with: {images: $lod.images, columns: 0}
        outputs:
          sheet: $sheet.image
    """))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3, err
    assert err[0].startswith(f"{bad}:5: ") and "unknown step 'image.lod'" in err[0]
    assert all(line.startswith(f"{bad}:9: ") for line in err[1:])
    assert any("$lod.images refers to no step 'lod'" in line for line in err)
    assert any("greater than or equal to 1" in line for line in err)


def test_validate_builtin_ok(capsys):
    assert main(["validate", "contact-sheet"]) == 0


def test_corrupt_image_exit_2(tmp_path, capsys):
    d = tmp_path / "pics"
    d.mkdir()
    (d / "broken.png").write_bytes(b"not a png at all")
    assert main(["run", "contact-sheet", "-i", f"folder={d}", "--out", str(tmp_path / "r"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "broken.png: not a readable image" in err
    assert not (tmp_path / "r").exists()


def test_cli_does_not_import_heavy_packages():
    code = (
        "import sys; from studio.cli import main; "
        "[main(a) for a in (['recipes'], ['steps', '--json'], ['validate', 'contact-sheet'])]; "
        "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'gradio', 'ray', 'cv2', 'av', 'moviepy') if m in sys.modules]; "
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr, proc.stderr


def test_verbose_shows_traceback(tmp_path):
    proc = run_cli("--verbose", "run", "contact-sheet", "-i", f"folder={tmp_path}/nope")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_sigint_leaves_no_corrupt_cache_and_rerun_succeeds(tmp_path):
    recipe = tmp_path / "slow.yaml"
    marker = tmp_path / "started"
    recipe.write_text(textwrap.dedent(f"""\
        name: slow
        steps:
          - {{id: count, use: toy.count}}
          - {{id: sleep, use: toy.sleep, with: {{texts: $count.texts, seconds: 30, marker: "{marker}"}}}}
        outputs: {{x: $sleep.texts}}
    """))
    cache = tmp_path / "cache"
    script = (
        "import sys; import tests.helpers.toy_steps; from studio.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "STUDIO_CACHE_DIR": str(cache)}
    args = [sys.executable, "-c", script, "run", str(recipe), "--out", str(tmp_path / "run"), "-q"]
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow step never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err
    assert not (tmp_path / "run").exists()
    entries = [p for p in cache.glob("*/*") if p.parent.name != "tmp"]
    assert all((e / "entry.json").is_file() for e in entries)  # only complete entries
    assert len(entries) == 1  # the finished first step; the interrupted one left nothing
    # re-run (short sleep) resumes: the first step comes from the cache
    recipe.write_text(recipe.read_text().replace("seconds: 30", "seconds: 0"))
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert [s["cached"] for s in manifest["steps"]] == [True, False]


DICT_RECIPE = """\
name: takes-data
inputs:
  script: {type: dict, default: null}
  names: {type: list, default: []}
steps:
  - id: show
    use: text.template
    with: {template: "{{ inputs.script }} {{ inputs.names }}"}
outputs:
  text: $show.text
"""


@pytest.mark.parametrize("form", ["json", "at", "path"])
def test_dict_and_list_inputs_parse_json_and_files(form, tmp_path, capsys):
    from studio.engine.coerce import convert_input

    data = {"panels": [{"caption": "Hi, there", "speech": ["Ann: Go!"]}]}
    f = tmp_path / "script.json"
    f.write_text(json.dumps(data))
    value = {"json": json.dumps(data), "at": f"@{f}", "path": str(f)}[form]
    assert convert_input("script", "dict", value) == data
    lst = tmp_path / "names.json"
    lst.write_text('["a", "b; c"]')
    assert convert_input("names", "list", f"@{lst}") == ["a", "b; c"]
    assert convert_input("names", "list", '["x", 2]') == ["x", 2]
    assert convert_input("names", "list", "a; b") == ["a", "b"]


@pytest.mark.parametrize(("value", "message"), [
    ("{not json", "is not valid JSON (line 1"),
    ("@missing.json", "missing.json: no such file"),
    ("nowhere/script.json", "script.json: no such file"),
    ("just words", "must be dict"),
    ("[1, 2]", "must be dict"),
])
def test_bad_dict_input_is_one_line_exit_2(value, message, tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(DICT_RECIPE)
    code = main(["run", str(recipe), "-i", f"script={value}", "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1


def test_documented_relettering_commands_work(tmp_path):
    """The re-lettering commands in docs/comics.md, run as written in a shell (clip and run folder filled in)."""
    from studio.comic.demo_clip import make_demo_clip

    clip = make_demo_clip(tmp_path / "clip.mp4")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "STUDIO_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    base = [sys.executable, "-m", "studio", "run", "comic-from-video", "-i", f"video={clip}", "-q"]
    first = subprocess.run([*base, "--out", str(tmp_path / "first")], capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    script = json.loads((tmp_path / "first" / "script.json").read_text())
    script["panels"][0]["caption"] = "A new opening line."
    edited = tmp_path / "edited" / "script.json"
    edited.parent.mkdir()
    edited.write_text(json.dumps(script))

    doc = (REPO / "docs" / "comics.md").read_text()
    commands = [line.strip() for line in doc.splitlines()
                if line.startswith("studio run comic-from-video") and "-i script=" in line]
    assert len(commands) == 3, commands
    studio_cmd = f"{sys.executable} -m studio"
    for i, cmd in enumerate(commands):
        shell = (cmd.replace("studio run", f"{studio_cmd} run", 1)
                 .replace("video=clip.mp4", f"video={clip}")
                 .replace("outputs/comic-from-video/<run>/script.json", str(edited)))
        out = tmp_path / f"re{i}"
        done = subprocess.run(["bash", "-c", f"{shell} --out {out} -q"], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, (cmd, done.stderr)
        assert json.loads((out / "script.json").read_text())["panels"][0]["caption"] == "A new opening line."


def test_plain_view_prints_what_a_step_says_it_found(capsys):
    """A step's closing progress message (e.g. text.story's premise_understood) is printed on the
    plain terminal, not only recorded; a bare 'done' adds nothing."""
    from studio.engine.progress import Event
    from studio.progress_view import ProgressView

    view = ProgressView()
    view.enabled, view.plain = False, True
    view(Event("progress", step_id="story", use="text.story", fraction=1.0, message="premise_understood: false"))
    view(Event("step_finished", step_id="story", use="text.story", index=0, total=2))
    view(Event("progress", step_id="music", use="music.generate", fraction=1.0, message="done"))
    view(Event("step_finished", step_id="music", use="music.generate", index=1, total=2))
    err = capsys.readouterr().err.splitlines()
    assert err == ["  [1/2] story (text.story): done (premise_understood: false)", "  [2/2] music (music.generate): done"]
