"""The captions recipe end to end: keyframes of testvideo.mp4, then captions, written with the
backend that made them."""

from __future__ import annotations

import json

import pytest

import studio
from studio.engine import STEPS


@pytest.mark.media
@pytest.mark.slow
def test_captions_recipe_on_testvideo(testdata, tmp_path):
    studio.steps_schema()  # load builtin steps
    if "video.keyframes" not in STEPS:
        pytest.skip("video.keyframes is not available in this checkout")
    r = studio.run("captions", video=str(testdata / "video" / "testvideo.mp4"), out=tmp_path / "run")
    manifest = json.loads((r.run_dir / "manifest.json").read_text())
    rec = [s for s in manifest["steps"] if s["id"] == "captions"][0]
    assert rec["backend"] in ("describe", "subtitles+describe")  # no weights here: the labelled fallback
    assert any("not available locally" in w for w in rec["warnings"])
    captions, keyframes = r.outputs["captions"], r.outputs["keyframes"]
    assert len(captions) == len(keyframes) >= 4  # testvideo.mp4 has 4 picture shots
    gt = json.loads((testdata / "ground_truth.json").read_text())["video/testvideo.mp4"]["content_shots"]
    for text, kf in zip(captions, keyframes):
        assert text.text and text.meta["source"] == "describe"
        assert text.meta["time"] == kf.meta["time"] and kf.meta["caption"] == text.text
        assert "face" not in text.text  # no people in this video
        assert any(a <= kf.meta["time"] < b for a, b in gt), kf.meta["time"]
    saved = [p.read_text(encoding="utf-8").strip() for p in r.paths["captions"]]
    assert saved == [c.text for c in captions]
