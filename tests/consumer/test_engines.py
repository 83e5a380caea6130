"""Real consumers: PixiJS and Phaser 3 (from npm) load the sprite sheets studio writes, in
headless Chromium. PixiJS renders every frame with the source pixels in the right place; Phaser
builds the animations with its frame-name helper (`generateFrameNames`: `walk_0000`, ...) and plays them.

Needs Chromium (Debian: `apt-get install -y chromium`), Node's npm (the pinned packages of
package.json are installed into tests/consumer/node_modules on first use, about 15 s; it is
git-ignored) and Python playwright. Skips with the reason when one of them is missing."""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("STUDIO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not path:
        pytest.skip(f"no Chromium at {CHROMIUM} and none on PATH (Debian: apt-get install -y chromium)")
    return path


PACKAGES = {"pixi.min.js": ("pixi.js", "dist/pixi.min.js"), "phaser.min.js": ("phaser", "dist/phaser.min.js")}


def _engines() -> dict[str, Path]:
    """{served name: file} of the engines' browser builds, npm-installing them when missing."""
    files = {name: HERE / "node_modules" / pkg / rel for name, (pkg, rel) in PACKAGES.items()}
    if all(f.is_file() for f in files.values()):
        return files
    npm = shutil.which("npm")
    if not npm:
        pytest.skip("npm is not installed, so pixi.js and phaser cannot be fetched (Debian: apt-get install -y npm)")
    try:
        proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install took over 300 s (no registry access?)")
    if proc.returncode != 0 or not all(f.is_file() for f in files.values()):
        pytest.skip(f"npm could not install pixi.js and phaser (no registry access?): {proc.stderr.strip()[-300:]}")
    return files


@contextlib.contextmanager
def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """A small game-assets run: two animations and two sprites."""
    import studio

    root = tmp_path_factory.mktemp("consumer")
    spec = root / "assets.yaml"
    spec.write_text("""
name: consumer
assets:
  - {id: goblin_walk, kind: animation, description: green goblin, animation: walk, frames: 6, size: 64}
  - {id: coin_spin, kind: animation, description: gold coin, animation: spin, frames: 4, size: 32}
  - {id: potion, kind: sprite, description: red health potion, size: 48}
  - {id: key, kind: sprite, description: golden key, size: 32}
""")
    studio.run("game-assets", out=root / "run", spec=str(spec), use_cache=False)
    return root / "run" / "assets"


@pytest.fixture(scope="module")
def page(produced):
    playwright_api = pytest.importorskip("playwright.sync_api")
    exe = _chromium()
    engines = _engines()
    site = produced.parent / "site"
    shutil.copytree(produced, site)
    for name, path in engines.items():
        shutil.copy(path, site / name)
    shutil.copy(HERE / "page.html", site / "index.html")
    shutil.copy(HERE / "phaser.html", site / "phaser.html")
    with _serve(site) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS)
        pg = browser.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(url + "/index.html", wait_until="load")
        pg.wait_for_function("window.renderSheet !== undefined", timeout=30_000)
        yield pg, site, url
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


def _render(pg, json_name: str, names: list[str], size: tuple[int, int]) -> dict:
    return pg.evaluate("([u, n, w, h]) => window.renderSheet(u, n, w, h)", [json_name, names, size[0], size[1]])


def _check_frames(result: dict, expected: dict[str, Image.Image]) -> None:
    for name, img in expected.items():
        got = result["frames"][name]
        w, h = img.size
        assert got["orig"] == [w, h], name
        rgba = np.frombuffer(base64.b64decode(got["rgba"]), dtype=np.uint8).reshape(h, w, 4).astype(int)
        want = np.asarray(img.convert("RGBA")).astype(int)
        # alpha everywhere, colour where the pixel is opaque (premultiplied round trips blur the rest)
        assert np.abs(rgba[..., 3] - want[..., 3]).max() <= 3, f"{name}: alpha differs from the source"
        solid = want[..., 3] == 255
        assert solid.sum() > 20, name
        diff = np.abs(rgba[..., :3] - want[..., :3])[solid]
        assert diff.max() <= 3, f"{name}: colours differ from the source (max {diff.max()})"


def test_pixi_renders_every_animation_frame(page, produced):
    pg, site, _ = page
    doc = json.loads((produced / "goblin_walk_sheet.json").read_text())
    names = list(doc["frames"])
    result = _render(pg, "goblin_walk_sheet.json", names, (64, 64))
    assert result["renderer"] == "webgl"
    assert result["textures"] == [f"walk_{i:04d}" for i in range(6)]
    assert result["animations"] == {"walk": 6}
    # the uniform grid holds the untrimmed frames in order: the reference pixels
    grid = Image.open(produced / "goblin_walk_grid.png")
    expected = {f"walk_{i:04d}": grid.crop((i * 64, 0, (i + 1) * 64, 64)) for i in range(6)}
    _check_frames(result, expected)


def test_pixi_reads_the_shared_atlas(page, produced):
    pg, site, _ = page
    doc = json.loads((produced / "atlas.json").read_text())
    result = _render(pg, "atlas.json", ["potion", "key"], (48, 48))
    assert {"potion", "key", "goblin_walk_0000", "coin_spin_0003"} <= set(result["textures"])
    assert result["animations"]["goblin_walk"] == 6 and result["animations"]["coin_spin"] == 4
    assert [t["name"] for t in doc["meta"]["frameTags"]] == ["goblin_walk", "coin_spin"]
    _check_frames({"frames": {"potion": result["frames"]["potion"]}}, {"potion": Image.open(produced / "potion.png")})
    small = _render(pg, "atlas.json", ["key"], (32, 32))
    _check_frames(small, {"key": Image.open(produced / "key.png")})


def _phaser(pg, url: str, png: str, js: str, anims: list[dict]) -> dict:
    pg.goto(url + "/phaser.html", wait_until="load")
    pg.wait_for_function("window.loadAtlas !== undefined", timeout=30_000)
    return pg.evaluate("([p, j, a]) => window.loadAtlas(p, j, a)", [png, js, anims])


def test_phaser_builds_animations_with_its_frame_name_helper(page, produced):
    pg, site, url = page
    doc = json.loads((produced / "goblin_walk_sheet.json").read_text())
    res = _phaser(pg, url, "goblin_walk_sheet.png", "goblin_walk_sheet.json", [{"key": "walk", "prefix": "walk_", "end": 5, "fps": 10}])
    names = [f"walk_{i:04d}" for i in range(6)]
    assert sorted(res["frameNames"]) == names and doc["animations"]["walk"] == names
    assert res["anims"] == [{"key": "walk", "frames": names, "duration": 600}]  # 6 frames at 10 fps
    assert res["playing"] and res["current"] == "walk_0000"
    for key, fr in doc["frames"].items():
        got = res["frames"][key]
        assert [got["x"], got["y"], got["w"], got["h"]] == [fr["frame"][k] for k in ("x", "y", "w", "h")]
        assert [got["realW"], got["realH"]] == [fr["sourceSize"]["w"], fr["sourceSize"]["h"]]
        assert got["trimmed"] == fr["trimmed"]
        assert got["customPivot"] and (got["pivotX"], got["pivotY"]) == (0.5, 1.0)
    assert res["origin"] == [0.5, 1.0]  # the pivot became the sprite's origin: position = feet


def test_phaser_reads_the_shared_atlas(page, produced):
    pg, site, url = page
    res = _phaser(pg, url, "atlas.png", "atlas.json", [{"key": "goblin_walk", "prefix": "goblin_walk_", "end": 5, "fps": 10},
                                                       {"key": "coin_spin", "prefix": "coin_spin_", "end": 3, "fps": 10}])
    assert {"potion", "key"} <= set(res["frameNames"])
    by_key = {a["key"]: a["frames"] for a in res["anims"]}
    assert by_key == {"goblin_walk": [f"goblin_walk_{i:04d}" for i in range(6)], "coin_spin": [f"coin_spin_{i:04d}" for i in range(4)]}
