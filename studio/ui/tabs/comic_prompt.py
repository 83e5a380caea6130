"""Comic from prompt: premise, style, panels; write the script, edit it, then draw the comic."""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.engine.errors import UserError
from studio.engine.step import STEPS
from studio.ui.context import UIContext
from studio.ui.errors import shown
from studio.ui.forms import choices_of, place_values
from studio.ui.tabs import comic_common as cc
from studio.ui.tabs import common
from studio.ui.tabs.common import out

RECIPE = "comic-from-prompt"
TAB = "comic-prompt"
EXAMPLES = [
    ["a cat who wants to fly", 4],
    ["two robots open a bakery on the moon", 6],
    ["a lighthouse keeper finds a message in a bottle", 3],
]


def _values(prompt: str, style: Any, panels: Any, layout: Any) -> dict[str, Any]:
    if not (prompt or "").strip():
        raise UserError("write a premise, e.g. 'a cat who wants to fly'")
    return {"prompt": prompt, "style": style or None, "panels": int(panels) if panels else None, "layout": layout or None}


def _place(p: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    values = {k: v for k, v in values.items() if v is not None}
    known = {k: v for k, v in values.items() if k in p.inputs or k in ("prompt",) or _has_param(p, k)}
    return place_values(p, known, prefer=("comic.", "text.story"))


def _has_param(p: Any, key: str) -> bool:

    return any(s.use in STEPS and key in STEPS.get(s.use).Params.model_fields for s in p.steps)


@shown
def write_script(ctx: UIContext, prompt: str, style: Any, panels: Any, layout: Any, request: Any, progress: Any):
    """Run only the story part of the recipe; show the script for editing."""
    p = common.require(RECIPE)
    story = common.step_using(p, "text.story") or next((s for s in p.steps if "story" in s.id or "script" in s.id), None)
    if story is None:
        raise UserError(f"recipe {RECIPE!r} has no story step to write a script with")
    q = common.sub_pipeline(p, story.id)
    inputs, overrides = _place(p, _values(prompt, style, panels, layout))
    inputs = {k: v for k, v in inputs.items() if k in q.inputs}
    overrides = {k: v for k, v in overrides.items() if k.split(".", 1)[0] in {s.id for s in q.steps}}
    result = yield from ctx.execute(q, inputs, overrides=overrides, tab=TAB, request=request, progress=progress)
    _, data = common.data_output(result, "")
    if data is None:
        raise gr.Error("studio: failed: the story step returned no script data", print_exception=False)
    yield ("**Script written.** Edit the captions and the speech (`NAME: words`, several lines separated "
           "by ` / `) in the table, then press **Draw comic**. The pictures follow the descriptions.",
           cc.table_update(data), out.to_json(data))


@shown
def draw(ctx: UIContext, prompt: str, style: Any, panels: Any, layout: Any, table: Any, script: Any, request: Any, progress: Any):
    p = common.require(RECIPE)
    values = _values(prompt, style, panels, layout)
    edited = cc.edited_script(script, table)
    if edited is not None:
        target = cc.script_target(p)
        if target is None:
            raise UserError(f"recipe {RECIPE!r} takes no edited script; clear the script to let it write its own")
        values[target] = cc.to_script(edited)
    inputs, overrides = _place(p, values)
    yield from cc.run_comic(ctx, p, inputs, overrides, tab=TAB, request=request, progress=progress)


def build(ctx: UIContext) -> None:
    p, problem = common.load_or_problem(RECIPE)
    if p is None:
        gr.Markdown(problem)
        return
    styles, style_default, layouts, layout_default = cc.style_and_layout(p)
    _, panels_default = choices_of(p, "panels")
    gr.Markdown("Write a one-line premise. **Write script** drafts the story panel by panel; edit its words "
                "if you like, then **Draw comic** draws each panel, letters it and lays out the pages "
                "(PNG, PDF, CBZ). Or press **Draw comic** straight away. After drawing, edit the words "
                "again and press **Draw comic** once more: only the lettering is redone.", elem_classes="studio-hint")
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(label="Premise", lines=2, placeholder="a cat who wants to fly", elem_id="cp-prompt")
            with gr.Row():
                style = gr.Dropdown(styles, value=style_default, label="Style", allow_custom_value=True, min_width=170)
                layout = gr.Dropdown(layouts, value=layout_default, label="Layout", allow_custom_value=True, min_width=130)
            panels = gr.Slider(1, 12, value=int(panels_default or 4), step=1, label="Panels")
            with gr.Row():
                script_btn = gr.Button("Write script", elem_id="cp-script-btn")
                go = gr.Button("Draw comic", variant="primary", elem_id="cp-go")
            cancel = gr.Button("Cancel", variant="stop", size="sm")
            gr.Examples(EXAMPLES, inputs=[prompt, panels], label="Examples (click one, then Draw comic)")
        with gr.Column(scale=3):
            status, panels_gallery, pages = cc.comic_outputs("cp")
    table = gr.Dataframe(label="Script: edit the captions and speech (NAME: words, lines separated by ' / '), keep the rows",
                         interactive=True, wrap=True, value=None, visible=False, elem_id="cp-table")
    files = cc.comic_downloads("cp")
    with gr.Accordion("Script data (JSON)", open=False):
        script = gr.Code(language="json", label="script", interactive=False)

    def do_script(a: str, b: Any, c: Any, d: Any, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from write_script(ctx, a, b, c, d, request, progress)

    def do_draw(a: str, b: Any, c: Any, d: Any, t: Any, s: Any, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from draw(ctx, a, b, c, d, t, s, request, progress)

    def clear_script() -> tuple[Any, Any]:
        return gr.update(value=None, visible=False), None

    def stop(request: gr.Request) -> str:
        return ctx.cancel(request, TAB)

    script_btn.click(do_script, inputs=[prompt, style, panels, layout], outputs=[status, table, script],
                     api_name="comic_script", show_progress_on=pages, **ctx.heavy())
    go.click(do_draw, inputs=[prompt, style, panels, layout, table, script],
             outputs=[status, panels_gallery, pages, files, table, script], api_name="comic_from_prompt", show_progress_on=pages, **ctx.heavy())
    for widget in (prompt, panels):
        widget.input(clear_script, outputs=[table, script], api_visibility="private", concurrency_limit=None)
    cancel.click(stop, outputs=status, api_name="comic_prompt_cancel", concurrency_limit=None)
