"""The product tabs through their API (gradio_client), end to end on the embedded defaults:
files exist and have the right types. A tab whose recipe is not installed is skipped."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("gradio")
pytest.importorskip("gradio_client")

from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402
from PIL import Image  # noqa: E402

from studio.engine.recipe import builtin_recipes, load_recipe  # noqa: E402
from studio.ui.forms import choices_of  # noqa: E402
from tests.browser.server import running_ui  # noqa: E402


def _needs(recipe: str) -> None:
    if recipe not in builtin_recipes():
        pytest.skip(f"builtin recipe {recipe!r} is not installed")


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-products")
    with running_ui(root, concurrency=2) as (app, url):
        yield app, url


@pytest.fixture()
def client(ui, tmp_path):
    return Client(ui[1], verbose=False, download_files=str(tmp_path / "dl"))


def _value(update):
    """A component value from an output that may be a gr.update dict."""
    return update.get("value") if isinstance(update, dict) and update.get("__type__") == "update" else update


def _run_dir(summary: str) -> Path:
    return Path(summary.split("Run folder: `")[1].split("`")[0])


def test_game_assets_from_prompts_and_spec(client):
    _needs("game-assets")
    status, gallery, preview, files, data = client.predict(
        "", "red health potion\ncoin pickup sound; stone wall texture", "flat", api_name="/game_assets")
    assert status.startswith("**Done**") and "note:" in status  # the fallback is announced
    zips = [Path(f) for f in files if f.endswith(".zip")]
    assert len(zips) == 1
    members = zipfile.ZipFile(zips[0]).namelist()
    assert any(m.endswith(".png") for m in members) and any(m.endswith((".ogg", ".wav")) for m in members)
    assert gallery and all(Path(g["image"]).is_file() for g in gallery)
    with Image.open(gallery[0]["image"]) as sprite:
        assert sprite.format == "PNG" and sprite.mode == "RGBA"
    with Image.open(preview) as sheet:
        assert sheet.format == "PNG"
    assert isinstance(json.loads(data), (dict, list))
    # a spec from the editor reaches the recipe (a bad one is refused naming the entry)
    with pytest.raises(AppError, match="studio: error: .*dragon"):
        client.predict("assets:\n  - kind: dragon\n    description: x\n", "", "flat", api_name="/game_assets")
    with pytest.raises(AppError, match="studio: error: write a spec or at least one prompt"):
        client.predict("", "  ", "flat", api_name="/game_assets")


def test_soundtrack(client, tmp_path):
    _needs("soundtrack")
    import soundfile as sf

    other = Client(client.src, verbose=False, download_files=str(tmp_path / "other"))
    job = other.submit("tense chase through a neon city", 3, 90, "procedural", False, api_name="/soundtrack")
    status, audio, preview, files, sidecar = client.predict(
        "calm exploration in a misty forest", 4, 120, "auto", True, api_name="/soundtrack")
    other_status, *_, other_sidecar = job.result(timeout=120)  # ran at the same time (two slots)
    assert json.loads(other_sidecar)["bpm"] == 90 and _run_dir(other_status) != _run_dir(status)
    assert status.startswith("**Done**") and "note: music:" in status  # the fallback is announced
    info = sf.info(audio)
    assert info.samplerate >= 22050 and 2 <= info.duration <= 8  # 4 s asked, cut to whole bars
    suffixes = {Path(f).suffix for f in files}
    assert {".wav", ".ogg", ".mid"} <= suffixes
    assert sum(f.endswith(".wav") for f in files) >= 3  # the master and per-instrument stems
    with Image.open(preview) as img:
        assert img.format == "PNG"
    side = json.loads(sidecar)
    assert side["bpm"] == 120 and side["backend"] == "procedural"  # the tab's bpm reached music.generate
    with pytest.raises(AppError, match="studio: error: write a prompt"):
        client.predict("", 8, 0, "auto", True, api_name="/soundtrack")


def test_comic_from_prompt_with_an_edited_script(client):
    _needs("comic-from-prompt")
    p = load_recipe("comic-from-prompt")
    style = choices_of(p, "style", prefer=("image.", "comic."))[1] or "auto"
    layout = choices_of(p, "layout", prefer=("comic.",))[1] or "auto"
    status, table, script = client.predict("a cat who wants to fly", style, 2, layout, api_name="/comic_script")
    assert status.startswith("**Script written.**")
    table = _value(table)
    assert len(table["data"]) == 2
    col = next(h for h in ("caption", "speech") if h in table["headers"])
    table["data"][0][table["headers"].index(col)] = "EDITED WORDS"
    status, panels, pages, files, table2, script2 = client.predict(
        "a cat who wants to fly", style, 2, layout, table, script, api_name="/comic_from_prompt")
    assert status.startswith("**Done**")
    assert pages and all(Image.open(pg["image"]).format == "PNG" for pg in pages)
    names = [Path(f).name for f in files]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".cbz") for n in names)
    assert "EDITED WORDS" in script2


def test_comic_from_video_and_reletter(ui, client):
    _needs("comic-from-video")
    clip = ui[0].studio_context.examples_dir / "demo-clip.mp4"  # the tab's example, made by studio itself
    srt = clip.with_suffix(".srt")
    assert clip.is_file()
    p = load_recipe("comic-from-video")
    style = choices_of(p, "style", prefer=("image.", "comic."))[1]
    args = [handle_file(str(clip)), handle_file(str(srt)) if srt.exists() else None, style, "auto", 4]
    status, panels, pages, files, table, script = client.predict(*args, api_name="/comic_from_video")
    assert status.startswith("**Done**") and panels and pages
    names = [Path(f).name for f in files]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".cbz") for n in names)
    with zipfile.ZipFile(next(f for f in files if f.endswith(".cbz"))) as cbz:
        assert "ComicInfo.xml" in cbz.namelist()
    table = _value(table)
    col = next(h for h in ("caption", "speech") if h in table["headers"])
    table["data"][0][table["headers"].index(col)] = "RELETTERED"
    status2, _, pages2, _, _, script2 = client.predict(*args, table, script, api_name="/comic_reletter")
    assert "RELETTERED" in script2
    manifest = json.loads((_run_dir(status2) / "manifest.json").read_text())
    assert manifest["cache"]["hits"] >= 2, "re-lettering regenerated the images"
    assert pages2
