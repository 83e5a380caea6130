"""Text steps: templating (prompt building)."""

from __future__ import annotations

from pydantic import Field

from studio.engine import Port, Step, StepParams, TextArtifact, UserError, register_step


class TemplateParams(StepParams):
    template: str = Field(
        "{{ text }}",
        max_length=20_000,
        description="a Jinja2 template, or the name of a file in templates/prompts/ (e.g. 'panel.j2'). "
        "Variables: text (each input text), index, meta (the text's metadata), data, vars",
    )
    vars: dict = Field(default_factory=dict, description="extra variables for the template")


@register_step
class TextTemplate(Step):
    name = "text.template"
    description = "Render a Jinja2 template once per input text (or once with no texts)."
    inputs = {
        "texts": Port("texts", "texts to render the template over", required=False),
        "data": Port("data", "structured data available as `data`", required=False),
    }
    outputs = {"texts": Port("texts", "one rendered text per input text"), "text": Port("text", "all rendered texts joined by newlines")}
    Params = TemplateParams

    def run(self, ctx, inputs, params):
        from studio.backends.templating import render_template

        data = inputs["data"].data if inputs.get("data") is not None else None
        texts = inputs.get("texts") or []
        rows = texts if texts else [TextArtifact("")]
        out = []
        for i, t in enumerate(rows):
            rendered = render_template(params.template, text=t.text, index=i, meta=t.meta, data=data, vars=params.vars)
            out.append(TextArtifact(rendered, meta=t.meta, name=t.name))
        ctx.report(backend="jinja2")
        if not out:
            raise UserError("text.template produced nothing")
        return {"texts": out, "text": TextArtifact("\n".join(o.text for o in out))}
