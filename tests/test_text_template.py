"""text.template as a prompt builder: the prompt templates in templates/prompts/ and style presets."""

from __future__ import annotations

import pytest

import studio
from studio.backends.text.templating import render_template, templates_dir
from studio.engine import StepContext, TextArtifact, UnknownNameError, get_step


def _run(tmp_path, texts, **params):
    step = get_step("text.template")
    ctx = StepContext(step_id="t", use="text.template", seed=0, workdir=tmp_path)
    return step.run(ctx, {"texts": texts, "data": None}, step.Params(**params)), ctx.report_data


def test_prompt_templates_exist():
    names = {p.name for p in (templates_dir() / "prompts").glob("*.j2")}
    assert {"panel.j2", "narration.j2", "keyframe.j2"} <= names


def test_plain_template_still_works(tmp_path):
    out, report = _run(tmp_path, [TextArtifact("a"), TextArtifact("b")], template="{{ index }}: {{ text | upper }}")
    assert [t.text for t in out["texts"]] == ["0: A", "1: B"] and out["text"].text == "0: A\n1: B"
    assert report.backend == "jinja2"
    out, _ = _run(tmp_path, [], template="no texts {{ vars.x }}", vars={"x": 3})
    assert out["text"].text == "no texts 3"


def test_panel_prompt_repeats_character_looks(tmp_path):
    cast = [{"name": "Cat", "look": "a small grey tabby cat with a white chest"}, {"name": "Crow", "look": "a black crow"}]
    texts = [
        TextArtifact("The cat leaps off a fence.", meta={"characters": cast[:1], "caption": "So it tried."}),
        TextArtifact("A small grey tabby cat with a white chest naps.", meta={"characters": cast[:1]}),
        TextArtifact("A deer among trees.", meta={"source": "model", "time": 9.0}),  # a keyframe caption
    ]
    out, _ = _run(tmp_path, texts, template="panel.j2")
    prompts = [t.text for t in out["texts"]]
    assert prompts[0] == "The cat leaps off a fence, a small grey tabby cat with a white chest, comic panel"
    assert prompts[1] == "A small grey tabby cat with a white chest naps, comic panel"  # not repeated twice
    assert prompts[2] == "A deer among trees, comic panel"
    assert out["texts"][2].meta["time"] == 9.0  # meta travels on


def test_style_preset_wraps_prompt_and_sets_negative(tmp_path):
    texts = [TextArtifact("A cat on a roof.", meta={"characters": []})]
    out, report = _run(tmp_path, texts, template="panel.j2", style="manga")
    t = out["texts"][0]
    assert t.text.startswith("A cat on a roof, comic panel, manga panel")
    assert "photorealistic" in t.meta["negative_prompt"] and t.meta["style"] == "manga"
    assert report.info["style"] == "manga"
    with pytest.raises(UnknownNameError, match="unknown style 'mangaa'; did you mean manga"):
        _run(tmp_path, texts, style="mangaa")


def test_narration_template():
    meta = {"caption": "Then help came.", "speech": [{"speaker": "Crow", "text": "Try this!"}]}
    assert render_template("narration.j2", text="x", meta=meta, vars={}) == 'Then help came. Crow: "Try this!"'
    assert render_template("narration.j2", text="A dark picture.", meta={"speech": ["Hello."]}, vars={}) == 'A dark picture. "Hello."'


def test_story_recipe_end_to_end(tmp_path):
    r = studio.run("story", premise="a cat who wants to fly", panels=4, style="noir", out=tmp_path / "s", seed=1)
    assert [s["backend"] for s in r.manifest["steps"]] == ["template", "jinja2", "jinja2"]
    prompts = r.outputs["prompts"]
    assert len(prompts) == 4 and all(p.meta["style"] == "noir" and p.meta["negative_prompt"] for p in prompts)
    hero = r.outputs["script"].meta["cast"][0]["look"]
    assert all(hero in p.text.lower() for p in prompts if "Cat" in [c["name"] for c in p.meta["characters"]])
    words = r.outputs["words"].text.splitlines()
    assert len(words) == 4 and all(words)
    assert (r.run_dir / "script.json").is_file() and (r.run_dir / "prompts").is_dir()


def test_keyframe_template():
    out = render_template("keyframe.j2", text="A man walks.", meta={}, vars={"extra": "rainy night"})
    assert out == "A man walks, redrawn as a comic panel, same composition, rainy night"
    assert render_template("keyframe.j2", text="A man walks.", meta={}, vars={}) == "A man walks, redrawn as a comic panel, same composition"
