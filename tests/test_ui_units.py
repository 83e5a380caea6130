"""The UI's parts without a server: error messages, progress bridge, forms, run streaming."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import studio
from studio.engine import Event, InputError, RecipeError, UserError
from studio.engine.errors import Cancelled, StepError
from studio.engine.recipe import load_recipe, pipeline_from_text
from studio.ui import forms
from studio.ui.errors import message_for
from studio.ui.progress import CancelRegistry, ProgressBridge, stream_run
from tests.helpers import toy_steps  # noqa: F401  (registers toy.* steps)

REPO = Path(__file__).resolve().parents[1]

TOY = """\
name: toy-form
inputs:
  n: {type: int, default: 3, description: how many}
  mode: {type: str, default: fit}
  folder: {type: path, description: pictures}
  flag: {type: bool, default: true}
  tags: {type: list, default: [a, b]}
  nap: {type: float, default: 0.0}
steps:
  - id: count
    use: toy.count
    with: {n: $inputs.n}
  - id: nap
    use: toy.sleep
    with: {texts: $count.texts, seconds: $inputs.nap}
  - id: load
    use: image.load
    with: {path: $inputs.folder}
  - id: size
    use: image.resize
    with: {images: $load.images, mode: $inputs.mode, width: 8}
outputs:
  texts: $nap.texts
  images: $size.images
"""


def test_messages_match_the_cli(capsys, tmp_path):
    from studio.cli import main

    assert main(["run", "contact-sheet", "-i", f"folder={tmp_path / 'nope'}"]) == 2
    cli_line = capsys.readouterr().err.strip().splitlines()[-1]
    with pytest.raises(UserError) as info:
        studio.run("contact-sheet", folder=str(tmp_path / "nope"))
    assert message_for(info.value) == cli_line
    exc = RecipeError([])
    assert message_for(exc) == exc.report()
    assert message_for(InputError("clip.mp4 is not a video")) == "studio: error: clip.mp4 is not a video"
    assert message_for(Cancelled("run cancelled")) == "studio: run cancelled"
    assert message_for(StepError("boom")).startswith("studio: failed: boom")
    assert message_for(ValueError("bad")).startswith("studio: failed: ValueError: bad")


def test_progress_bridge_per_step_and_inside_a_step():
    calls: list[tuple[float, str]] = []
    bridge = ProgressBridge(lambda f, desc="": calls.append((f, desc)))
    events = [
        Event("run_started", message="r", total=2),
        Event("step_started", step_id="draw", use="image.generate", index=0, total=2),
        Event("progress", step_id="draw", use="image.generate", fraction=0.5, message="denoising 5/10", index=0, total=2),
        Event("warning", step_id="draw", use="image.generate", message="no weights: procedural fallback"),
        Event("step_finished", step_id="draw", use="image.generate", index=0, total=2),
        Event("step_started", step_id="page", use="comic.page", index=1, total=2),
        Event("progress", step_id="page", use="comic.page", fraction=0.5, index=1, total=2),
        Event("step_cached", step_id="page", use="comic.page", index=1, total=2),
        Event("run_finished", total=2),
    ]
    changed = [bridge(ev) for ev in events]
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert (0.25, "[1/2] draw (image.generate): denoising 5/10") in calls
    assert (0.75, "[2/2] page (comic.page)") in calls
    assert changed.count(True) == 3
    assert bridge.log == ["warning: draw: no weights: procedural fallback", "[1/2] draw (image.generate): done",
                          "[2/2] page (comic.page): from cache"]
    assert bridge.warnings == ["draw: no weights: procedural fallback"]


def test_stream_run_yields_events_then_the_result():
    p = pipeline_from_text(TOY.replace("folder: {type: path, description: pictures}", "folder: {type: path, default: null}")
                           .split("  - id: load")[0] + "outputs:\n  texts: $nap.texts\n")
    kinds = [k for k, _ in stream_run(p, {"n": 2})]
    assert kinds[0] == "event" and kinds[-1] == "result"
    result = list(stream_run(p, {"n": 2}))[-1][1]
    assert [t.text for t in result.outputs["texts"]] == ["0", "1"]


def test_closing_the_stream_cancels_the_run(tmp_path):
    p = pipeline_from_text(TOY.split("  - id: load")[0].replace("  folder: {type: path, description: pictures}\n", "")
                           + "outputs:\n  texts: $nap.texts\n")
    it = stream_run(p, {"nap": 30.0}, outputs_root=tmp_path)
    t0 = time.perf_counter()
    for kind, ev in it:
        if kind == "event" and ev.kind == "progress" and ev.step_id == "nap":
            break
    it.close()
    assert time.perf_counter() - t0 < 10
    assert not list(tmp_path.rglob("*")), "a cancelled run left files behind"


def test_stream_run_reraises_the_runs_error():
    p = pipeline_from_text(TOY)
    with pytest.raises(UserError, match="missing required input 'folder'"):
        list(stream_run(p, {}))


def test_cancel_registry_keeps_sessions_apart():
    reg = CancelRegistry()
    a = reg.start("session-a", "tab")
    b = reg.start("session-b", "tab")
    assert reg.cancel("session-a", "tab") and a.cancelled and not b.cancelled
    assert not reg.cancel("session-c", "tab")
    reg.finish("session-a", "tab", a)
    reg.finish("session-b", "tab", b)
    assert reg.active() == 0


def test_form_fields_come_from_step_schemas():
    p = pipeline_from_text(TOY)
    fields = {f.name: f for f in forms.fields_for(p)}
    assert fields["n"].kind == "slider" and (fields["n"].minimum, fields["n"].maximum) == (1, 100)
    assert fields["n"].default == 3 and fields["n"].info == "how many" and fields["n"].feeds == ["count.n"]
    assert fields["mode"].kind == "dropdown" and fields["mode"].choices == ["fit", "fill", "stretch"]
    assert fields["folder"].kind == "files" and fields["folder"].required and ".png" in fields["folder"].file_types
    assert fields["flag"].kind == "checkbox" and fields["flag"].default is True
    assert fields["tags"].kind == "code" and fields["tags"].default == "a\nb"
    assert fields["nap"].kind == "number" and (fields["nap"].minimum, fields["nap"].maximum) == (0, 60)
    contact = {f.name: f for f in forms.fields_for(load_recipe("contact-sheet"))}
    assert contact["folder"].kind == "files" and contact["columns"].kind == "slider"


def test_collect_turns_form_values_into_inputs(tmp_path):
    p = pipeline_from_text(TOY)
    fields = forms.fields_for(p)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(b"x")
    b.write_bytes(b"y")
    values = {"n": 5.0, "mode": "fill", "folder": [str(a), str(b)], "flag": False, "tags": "x\ny\n", "nap": None}
    got = forms.collect(fields, [values[f.name] for f in fields], staging=tmp_path)
    assert got["n"] == 5 and isinstance(got["n"], int)
    assert got["mode"] == "fill" and got["flag"] is False and got["tags"] == ["x", "y"] and "nap" not in got
    folder = Path(got["folder"])
    assert folder.parent == tmp_path and sorted(x.name for x in folder.iterdir()) == ["a.png", "b.png"]
    values["folder"] = None
    with pytest.raises(UserError, match="missing required input 'folder'"):
        forms.collect(fields, [values[f.name] for f in fields])


def test_overrides_and_placing_values():
    assert forms.parse_overrides("# comment\nsheet.columns=3\n\nsheet.title=Hi there\n") == {"sheet.columns": 3, "sheet.title": "Hi there"}
    with pytest.raises(UserError, match="use STEP.PARAM=VALUE"):
        forms.parse_overrides("columns 3")
    p = load_recipe("contact-sheet")
    assert forms.place_values(p, {"columns": 3, "cell": 64, "title": None}) == ({"columns": 3}, {"sheet.cell": 64})
    with pytest.raises(UserError, match="recipe 'contact-sheet' takes no 'bpm'"):
        forms.place_values(p, {"bpm": 120})
    assert forms.choices_of(p, "resample") == (None, None)
    assert forms.choices_of(pipeline_from_text(TOY), "resample") == (["lanczos", "bicubic", "bilinear", "nearest"], "lanczos")


def test_script_table_round_trip():
    from studio.ui.tabs.common import apply_rows, table_rows

    data = {"title": "t", "panels": [{"panel": 1, "caption": "Dawn.", "speech": ["CAT: Hi", "DOG: Yo"], "box": [0, 1]},
                                     {"panel": 2, "caption": None, "speech": []}]}
    key, headers, rows = table_rows(data)
    assert key == "panels" and headers == ["panel", "caption", "speech"]
    assert rows == [[1, "Dawn.", "CAT: Hi / DOG: Yo"], [2, "", ""]]
    rows[0][2] = "CAT: Hello / DOG: Yo"
    rows[1][1] = "Later."
    new = apply_rows(data, key, headers, rows)
    assert new["panels"][0]["speech"] == ["CAT: Hello", "DOG: Yo"] and new["panels"][0]["box"] == [0, 1]
    assert new["panels"][1]["caption"] == "Later." and data["panels"][1]["caption"] is None
    with pytest.raises(UserError, match="do not add or remove rows"):
        apply_rows(data, key, headers, rows[:1])
    story = [{"panel": 1, "description": "a cat", "speech": [{"speaker": "Cat", "text": "I will fly!"}], "characters": [{"name": "Cat"}]}]
    key, headers, rows = table_rows(story)
    assert key is None and headers == ["panel", "description", "speech"] and rows[0][2] == "Cat: I will fly!"
    rows[0][2] = "Cat: I can fly! / Narrator: It could not."
    new = apply_rows(story, key, headers, rows)
    assert new[0]["speech"] == [{"speaker": "Cat", "text": "I can fly!"}, {"speaker": "Narrator", "text": "It could not."}]
    assert new[0]["characters"] == [{"name": "Cat"}]


def test_zip_is_deterministic(tmp_path):
    from studio.ui.outputs import zip_folder

    (tmp_path / "f" / "sub").mkdir(parents=True)
    (tmp_path / "f" / "b.txt").write_text("b")
    (tmp_path / "f" / "sub" / "a.txt").write_text("a")
    one = zip_folder(tmp_path / "f", tmp_path / "one.zip").read_bytes()
    two = zip_folder(tmp_path / "f", tmp_path / "two.zip").read_bytes()
    assert one == two
    import zipfile

    assert zipfile.ZipFile(tmp_path / "one.zip").namelist() == ["b.txt", "sub/a.txt"]


def test_cli_ui_is_light_and_checks_its_options():
    code = (
        "import sys; from studio.cli import main, build_parser; build_parser();"
        "assert 'gradio' not in sys.modules, 'gradio imported at CLI start';"
        "sys.exit(main(['ui', '--auth', 'nopassword']))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == "studio: error: --auth 'nopassword': use USER:PASS (both non-empty)"
    r = subprocess.run([sys.executable, "-m", "studio", "ui", "--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0
    for opt in ("--host", "--port", "--share", "--auth", "--max-upload", "--concurrency"):
        assert opt in r.stdout


def test_uploaded_recipe_must_be_small_utf8_text(tmp_path):
    import gradio as gr

    from studio.ui.tabs.recipes import CUSTOM, read_upload

    good = tmp_path / "r.yaml"
    good.write_text("name: r\n", encoding="utf-8")
    assert read_upload(str(good)) == ("name: r\n", CUSTOM)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(gr.Error, match="is not UTF-8 text"):
        read_upload(str(bad))
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (300 * 1024))
    with pytest.raises(gr.Error, match="larger than 256 KiB"):
        read_upload(str(big))


def test_story_and_script_edits_become_the_script_input(tmp_path):
    from studio.ui.context import UIContext
    from studio.ui.tabs.comic_common import to_script
    from studio.ui.tabs.comic_video import pair_with_subtitles

    story = [{"panel": 1, "beat": "ki", "description": "a cat on a roof", "caption": "Dawn.",
              "speech": [{"speaker": "Cat", "text": "Today I fly."}], "characters": [{"name": "Cat"}]}]
    assert to_script(story) == {"panels": [{"panel": 1, "caption": "Dawn.", "speech": [{"speaker": "Cat", "text": "Today I fly."}]}]}
    assert to_script({"panels": [{"panel": 1, "caption": None, "speech": ["A: hi"]}]})["panels"][0]["speech"] == ["A: hi"]
    ctx = UIContext(outputs_root=tmp_path / "out", upload_dir=tmp_path / "up")
    video, subs = tmp_path / "x" / "upload name.MP4", tmp_path / "y" / "whatever.srt"
    video.parent.mkdir()
    subs.parent.mkdir()
    video.write_bytes(b"v")
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    staged = Path(pair_with_subtitles(ctx, str(video), str(subs)))
    assert staged.name == "clip.mp4" and staged.with_suffix(".srt").read_text().endswith("hi\n")
    assert ctx.staging_dir in staged.parents
