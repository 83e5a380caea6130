"""Web UI hardening (issue #21): a non-loopback bind needs --auth or --no-auth; runs started from
the UI read only uploads, the outputs root and --allow-dir folders (whatever the input's type,
and for templates, styles and layouts given in the recipe or as overrides); a run stops at its
time budget and on Cancel, even inside a template loop. No Gradio server is started here."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main
from studio.engine.errors import Cancelled, InputError, UnknownNameError, UserError
from studio.engine.reads import ReadPolicy, bind_read_policy, paths_allowed
from studio.engine.recipe import pipeline_from_text
from studio.ui.context import UIContext
from tests.helpers import toy_steps  # noqa: F401  (registers toy.* steps)


class Request:
    session_hash = "s1"


def _one_line_exit_2(capsys, args: list[str], needle: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_non_loopback_bind_needs_auth_or_no_auth(host, capsys):
    _one_line_exit_2(capsys, ["ui", "--host", host], "add --auth USER:PASS")


def test_auth_and_no_auth_together_and_bad_allow_dir(tmp_path, capsys):
    _one_line_exit_2(capsys, ["ui", "--host", "0.0.0.0", "--auth", "a:b", "--no-auth"], "give one")
    _one_line_exit_2(capsys, ["ui", "--allow-dir", str(tmp_path / "nope")], "--allow-dir")
    _one_line_exit_2(capsys, ["ui", "--run-timeout", "-1"], "--run-timeout")


def test_check_bind_accepts_loopback_auth_or_explicit_no_auth():
    from studio.commands.ui import check_bind

    for host in ("127.0.0.1", "localhost", "::1"):
        check_bind(host, None, False)
    check_bind("0.0.0.0", ("u", "p"), False)
    check_bind("0.0.0.0", None, True)
    with pytest.raises(UserError):
        check_bind("0.0.0.0", None, False)


@pytest.fixture
def ui(tmp_path):
    outputs = tmp_path / "outputs"
    uploads = outputs / ".ui-uploads"
    allowed = tmp_path / "shared"
    for d in (outputs, uploads, allowed):
        d.mkdir(parents=True)
    return UIContext(outputs_root=outputs, upload_dir=uploads, allow_dirs=[allowed])


def _run(ctx: UIContext, recipe: str, inputs: dict | None = None, overrides: dict | None = None, tab: str = "t"):
    gen = ctx.execute(pipeline_from_text(recipe), inputs or {}, tab=tab, request=Request(), progress=None, overrides=overrides)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


LOAD = """\
name: load
inputs:
  where: {type: %s}
steps:
  - {id: load, use: image.load, with: {path: $inputs.where}}
outputs:
  images: $load.images
"""


@pytest.mark.parametrize("kind", ["str", "path"])
def test_ui_run_reads_only_uploads_outputs_and_allowed(kind, ui, tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "red").save(secret)
    with pytest.raises(UserError, match="outside the uploads and outputs folders and the --allow-dir folders"):
        _run(ui, LOAD % kind, {"where": str(secret)})
    with pytest.raises(UserError, match="outside"):
        _run(ui, LOAD % kind, {"where": str(ui.outputs_root / ".." / "secret.png")})
    for ok in (ui.upload_dir / "up.png", ui.allow_dirs[0] / "shared.png"):
        Image.new("RGB", (8, 8), "blue").save(ok)
        result = _run(ui, LOAD % kind, {"where": str(ok)})
        assert len(result.outputs["images"]) == 1
    assert not list(ui.outputs_root.glob("load/*/images/secret*"))


def test_ui_param_override_naming_a_server_file_is_refused(ui, tmp_path):
    secret = tmp_path / "notes.txt"
    secret.write_text("{{ text }} secret")
    recipe = """\
name: tpl
steps:
  - {id: t, use: text.template, with: {template: "{% raw %}[{{ text }}]{% endraw %}"}}
outputs:
  text: $t.text
"""
    with pytest.raises(UserError, match="outside"):
        _run(ui, recipe, overrides={"t.template": str(secret)})
    with pytest.raises(UserError, match="outside"):
        _run(ui, recipe, overrides={"t.style": str(tmp_path / "notes.txt")})
    # a path that does not exist is not read either: templates and styles by name only here
    with pytest.raises(UserError, match="paths are not read here"):
        _run(ui, recipe, overrides={"t.template": "/nope/x.txt"})
    with pytest.raises(UserError, match="paths are not read here"):
        _run(ui, recipe, overrides={"t.style": "/nope/x.yaml"})
    assert _run(ui, recipe).outputs["text"].text == "[]"


def test_names_by_name_only_under_a_policy_paths_from_the_cli(tmp_path):
    from studio.backends.text.presets import load_style
    from studio.backends.text.templating import render_template
    from studio.comic.layout import get_layout

    tpl = tmp_path / "mine.txt"
    tpl.write_text("<{{ text }}>")
    style = tmp_path / "mine.yaml"
    style.write_text("name: mine\ndescription: d\nprompt: '{prompt}, x'\nnegative_prompt: ''\nstylizer: none\n")
    # CLI / Python API: paths are the operator's to give
    assert paths_allowed()
    assert render_template(str(tpl), text="a") == "<a>"
    assert load_style(str(style))["name"] == "mine"
    with pytest.raises(InputError, match="give a builtin layout name or a path to a .yaml layout"):
        get_layout("/etc/passwd")  # not opened: layouts by path are .yaml files
    with pytest.raises(UserError, match="not found in templates/prompts"):
        render_template("no_such_template.txt")
    previous = bind_read_policy(ReadPolicy.of([tmp_path]))
    try:
        assert not paths_allowed()
        for call in (lambda: render_template(str(tpl), text="a"), lambda: load_style(str(style)),
                     lambda: get_layout("/etc/passwd"), lambda: get_layout(str(style)),
                     lambda: load_style("../../../etc/passwd")):
            with pytest.raises((UserError, UnknownNameError, InputError), match="paths are not read here"):
                call()
        assert load_style("manga")["name"]  # names still work
    finally:
        bind_read_policy(previous)
    assert paths_allowed()


LOOP = """\
name: loop
steps:
  - id: t
    use: text.template
    with:
      template: "{% raw %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endraw %}"
outputs:
  text: $t.text
"""


def test_run_time_budget_stops_a_template_loop(ui, monkeypatch):
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "60")  # the UI's own budget must stop it
    ui.run_timeout = 0.5
    t0 = time.monotonic()
    with pytest.raises(UserError, match="--run-timeout"):
        _run(ui, LOOP)
    assert time.monotonic() - t0 < 10


def test_cancel_stops_a_template_loop(ui, monkeypatch):
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "60")
    box: dict = {}

    def go():
        try:
            _run(ui, LOOP, tab="recipes")
        except BaseException as exc:  # noqa: BLE001 - inspected below
            box["error"] = exc

    worker = threading.Thread(target=go)
    t0 = time.monotonic()
    worker.start()
    deadline = time.monotonic() + 10
    while ui.cancels.active() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert "Cancelling" in ui.cancel(Request(), "recipes")
    worker.join(timeout=20)
    assert not worker.is_alive()
    assert isinstance(box.get("error"), Cancelled), box
    assert time.monotonic() - t0 < 15


def test_path_checks_leave_no_policy_behind(ui, tmp_path):
    secret = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "red").save(secret)
    with pytest.raises(UserError):
        _run(ui, LOAD % "str", {"where": str(secret)})
    assert paths_allowed()  # the CLI in the same process is not restricted afterwards
    assert Path(secret).is_file()


def test_ui_validate_endpoint_refuses_the_alias_bomb_in_one_line():
    from studio.ui.tabs.recipes import validate_text

    bomb = (Path(__file__).parent / "badinput" / "alias-bomb.yaml").read_text()
    status, reference, form = validate_text(bomb)
    assert "Invalid recipe" in status and "aliases are expanded" in status
    assert form is None and reference == ""


def test_memory_budget_stops_a_run(ui, monkeypatch):
    from studio.ui.context import resident_bytes

    if resident_bytes() is None:
        pytest.skip("no /proc/self/statm here")
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "60")
    ui.max_memory = 1 << 20  # 1 MiB: any Python process is above it, so the watch trips at once
    t0 = time.monotonic()
    with pytest.raises(UserError, match="memory budget"):
        _run(ui, LOOP)
    assert time.monotonic() - t0 < 10


def test_max_memory_flag_is_checked(capsys):
    _one_line_exit_2(capsys, ["ui", "--max-memory", "lots"], "--max-memory")
