"""A real browser: headless Chromium (Debian's `chromium`, never downloaded) driven by
Playwright loads the UI, runs tabs by clicking, and saves screenshots to test-artifacts/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("gradio")
playwright_api = pytest.importorskip("playwright.sync_api")

from tests.browser.server import running_ui  # noqa: E402

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("STUDIO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
RUN_TIMEOUT_MS = 120_000


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not path:
        pytest.skip(f"no Chromium at {CHROMIUM} and none on PATH (Debian: apt-get install -y chromium)")
    return path


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-browser")
    with running_ui(root, concurrency=1) as (app, url):
        yield app, url


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, ui):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(ui[1], wait_until="domcontentloaded")
    pg.get_by_role("tab", name="Comic from video").wait_for(timeout=60_000)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ui-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _needs(recipe: str) -> None:
    from studio.engine.recipe import builtin_recipes

    if recipe not in builtin_recipes():
        pytest.skip(f"builtin recipe {recipe!r} is not installed")


def test_page_loads_with_every_tab(page):
    for name in ("Comic from video", "Comic from prompt", "Game assets", "Soundtrack", "Recipes", "Models"):
        assert page.get_by_role("tab", name=name).is_visible()
    assert page.get_by_text("Comics, game assets and soundtracks").is_visible()
    shot(page, "start")


def test_recipes_tab_form_run(page, tmp_path):
    from PIL import Image

    pics = []
    for i, colour in enumerate(["#e76f51", "#2a9d8f", "#264653"]):
        pics.append(tmp_path / f"{i}.png")
        Image.new("RGB", (96, 64), colour).save(pics[-1])
    page.get_by_role("tab", name="Recipes").click()
    page.locator("#rc-in-folder input[type=file]").set_input_files([str(p) for p in pics])
    page.locator("#rc-in-folder").get_by_text("0.png").first.wait_for(timeout=30_000)
    page.locator("#rc-run").click()
    page.locator("#rc-gallery img").first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator("#rc-result").get_by_text("Done", exact=True).first.wait_for(timeout=30_000)
    shot(page, "recipes")
    # another builtin recipe: its YAML loads, validates and gets its own form
    page.locator("#rc-choice input").click()
    page.get_by_role("option", name="story").click()
    page.locator("#rc-in-premise").wait_for(timeout=30_000)
    assert page.locator("#rc-in-folder").count() == 0
    assert "use: text.story" in page.locator("#rc-code .cm-content").inner_text()
    # bad YAML: the problems with their lines, and the page keeps working
    code = page.locator("#rc-code .cm-content")
    code.fill("name: broken\nsteps:\n  - id: a\n    use: no.such_step\n")
    page.locator("#rc-validate").click()
    page.locator("#rc-status").get_by_text("line 3: step 'a': unknown step 'no.such_step'").first.wait_for(timeout=30_000)
    shot(page, "recipes-invalid")


def test_soundtrack_by_clicking(page):
    _needs("soundtrack")
    page.get_by_role("tab", name="Soundtrack").click()
    page.locator("#st-prompt textarea").fill("calm exploration in a misty forest")
    page.get_by_label("Duration (seconds)").first.fill("4")
    page.locator("#st-go").click()
    page.locator("#st-status").get_by_text("Done", exact=True).first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator("#st-files").get_by_text(".mid").first.wait_for(timeout=30_000)
    assert page.locator("#st-audio audio, #st-audio [data-testid='waveform-Soundtrack']").count() >= 1
    shot(page, "soundtrack")


def test_comic_from_prompt_by_clicking(page):
    _needs("comic-from-prompt")
    page.get_by_role("tab", name="Comic from prompt").click()
    page.locator("#cp-prompt textarea").fill("a cat who wants to fly")
    page.locator("#cp-script-btn").click()
    page.locator("#cp-status").get_by_text("Script written").first.wait_for(timeout=RUN_TIMEOUT_MS)
    shot(page, "comic-script")
    page.locator("#cp-go").click()
    page.locator("#cp-status").get_by_text("Done", exact=True).first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator("#cp-pages img").first.wait_for(timeout=30_000)
    page.locator("#cp-files").get_by_text(".pdf").first.wait_for(timeout=30_000)
    shot(page, "comic-prompt")
