"""Recipes tab: pick a builtin recipe or paste/upload YAML, validate it (every problem with its
line), fill its inputs in a form generated from the step schemas, run, see outputs and manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gradio as gr

from studio.engine.errors import RecipeError, UserError
from studio.engine.recipe import MAX_RECIPE_BYTES, builtin_recipes, pipeline_from_text
from studio.ui import outputs as out
from studio.ui.context import UIContext
from studio.ui.errors import message_for, shown
from studio.ui.forms import (
    FieldSpec,
    collect,
    fields_for,
    make_component,
    params_reference,
    parse_overrides,
)

CUSTOM = "(custom YAML)"
TAB = "recipes"
NO_FORM = "_Choose a recipe and press **Validate** to get its form._"


def recipe_text(name: str | None) -> str:
    """The YAML of a builtin recipe ('' for the custom choice)."""
    if not name or name == CUSTOM:
        return ""
    found = builtin_recipes()
    if name not in found:
        raise UserError(f"unknown recipe {name!r}; builtin recipes: {', '.join(found)}")
    return found[name].read_text(encoding="utf-8")


def validate_text(text: str | None) -> tuple[str, str, dict[str, Any] | None]:
    """(status markdown, settings reference markdown, form state) for recipe YAML."""
    if not text or not text.strip():
        return "Paste a recipe, upload a .yaml file or pick a builtin recipe.", "", None
    try:
        p = pipeline_from_text(text)
    except RecipeError as exc:
        lines = "\n".join(str(pr) for pr in exc.problems)
        return f"**Invalid recipe** ({len(exc.problems)} problem(s)):\n```text\n{lines}\n```", "", None
    except UserError as exc:
        return f"**Invalid recipe**:\n```text\n{message_for(exc)}\n```", "", None
    steps = ", ".join(f"`{s.id}` ({s.use})" for s in p.order())
    ins = ", ".join(f"`{k}`" for k in p.inputs) or "none"
    outs = ", ".join(f"`{k}`" for k in p.outputs)
    status = f"**Valid**: recipe `{p.name}` with {len(p.steps)} steps: {steps}.\n\nInputs: {ins}. Outputs: {outs}."
    if p.description:
        status = f"{p.description}\n\n{status}"
    return status, params_reference(p), {"yaml": text, "fields": list(p.inputs)}


def read_upload(file: Any) -> tuple[str, str]:
    """An uploaded .yaml into the editor (dropdown switches to custom)."""
    if file is None:
        return gr.skip(), gr.skip()
    path = Path(file if isinstance(file, str) else getattr(file, "name", file))
    if path.stat().st_size > MAX_RECIPE_BYTES:
        raise gr.Error(f"studio: error: {path.name} is larger than {MAX_RECIPE_BYTES // 1024} KiB; that is not a recipe", print_exception=False)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise gr.Error(f"studio: error: {path.name} is not UTF-8 text; upload a .yaml recipe", print_exception=False) from None
    return text, CUSTOM


def present(result: Any) -> tuple[Any, ...]:
    """Outputs of any run: summary, image gallery, first audio, downloads, manifest."""
    gallery = [(str(p), p.name) for p in out.images(result.paths)[:120]]
    audio = out.first(result.paths, out.AUDIO)
    video = out.first(result.paths, out.VIDEO)
    files = out.downloads(result.paths) + [str(result.manifest_path)]
    summary = out.summary(result.manifest) + f"\n\nRun folder: `{result.run_dir}`"
    return (
        summary,
        gallery,
        gr.update(value=str(audio) if audio else None, visible=audio is not None),
        gr.update(value=str(video) if video else None, visible=video is not None),
        files,
        out.to_json(result.manifest),
    )


def build(ctx: UIContext) -> None:
    names = list(builtin_recipes())
    first = "contact-sheet" if "contact-sheet" in names else (names[0] if names else CUSTOM)
    first_text = recipe_text(first)
    first_status, first_ref, first_state = validate_text(first_text)

    gr.Markdown(
        "Run **any recipe**: pick a builtin one or paste / upload your own YAML, press **Validate**, "
        "fill in the form and press **Run**. Every step, param and input is documented in "
        "`studio steps`."
    )
    with gr.Row():
        choice = gr.Dropdown([*names, CUSTOM], value=first, label="Recipe", scale=3, elem_id="rc-choice")
        upload = gr.UploadButton("Upload a .yaml recipe", file_types=[".yaml", ".yml"], scale=1)
    code = gr.Code(first_text, language="yaml", label="Recipe YAML (editable)", lines=14, max_lines=40, elem_id="rc-code")
    validate_btn = gr.Button("Validate", elem_id="rc-validate")
    status = gr.Markdown(first_status, elem_id="rc-status")
    state = gr.State(first_state)
    with gr.Accordion("Inputs", open=True):
        @gr.render(inputs=[state], triggers=[state.change, ctx.blocks.load])
        def form(current: dict[str, Any] | None) -> None:
            if not current:
                gr.Markdown(NO_FORM)
                return
            try:
                p = pipeline_from_text(current["yaml"])
            except (RecipeError, UserError):
                gr.Markdown(NO_FORM)
                return
            fields: list[FieldSpec] = fields_for(p)
            comps = [make_component(f, elem_id=f"rc-in-{f.name}") for f in fields]
            if not fields:
                gr.Markdown("_This recipe takes no inputs._")
            run_btn = gr.Button("Run", variant="primary", elem_id="rc-run")

            @shown
            def run_form(data: dict[Any, Any], request: gr.Request, progress=gr.Progress()):  # noqa: B008
                text, settings, seed_value = data[code], data[overrides], data[seed]
                values = [data[c] for c in comps]
                now = [f.name for f in fields_for(pipeline_from_text(text or ""))]
                if now != [f.name for f in fields]:
                    raise UserError("the recipe's inputs changed since the form was made; press Validate first")
                given = collect(fields, list(values), staging=ctx.staging_dir)
                yield from run(text, given, settings, seed_value, request, progress)

            run_btn.click(run_form, inputs={code, overrides, seed, *comps}, outputs=outputs_all,
                          api_visibility="private", show_progress_on=gallery, **ctx.heavy())
    with gr.Accordion("Step settings (optional)", open=False):
        overrides = gr.Textbox(label="Settings, one STEP.PARAM=VALUE per line (like --set)", lines=3,
                               placeholder="sheet.columns=3")
        seed = gr.Number(label="Seed (empty: the recipe's)", precision=0, value=None, minimum=0)
        reference = gr.Markdown(first_ref)
    with gr.Row():
        cancel_btn = gr.Button("Cancel", variant="stop", scale=0)
    result_md = gr.Markdown(elem_id="rc-result")
    gallery = gr.Gallery(label="Images", columns=4, height="auto", object_fit="contain", preview=False, elem_id="rc-gallery")
    with gr.Row():
        audio = gr.Audio(label="Audio", type="filepath", interactive=False, visible=False)
        video = gr.Video(label="Video", interactive=False, visible=False)
    files = gr.File(label="Downloads", file_count="multiple", interactive=False)
    with gr.Accordion("Manifest", open=False):
        manifest = gr.Code(language="json", label="manifest.json", interactive=False)
    with gr.Accordion("Inputs as JSON (API)", open=False):
        inputs_json = gr.Code("{}", language="json", label="Recipe inputs as a JSON object", lines=4)
        run_json_btn = gr.Button("Run with these JSON inputs")
    outputs_all = [result_md, gallery, audio, video, files, manifest]

    choice.change(recipe_text, inputs=choice, outputs=code, api_name="recipe_load").then(
        validate_text, inputs=code, outputs=[status, reference, state], api_visibility="private"
    )
    upload.upload(read_upload, inputs=upload, outputs=[code, choice], api_visibility="private").then(
        validate_text, inputs=code, outputs=[status, reference, state], api_visibility="private"
    )
    validate_btn.click(validate_text, inputs=code, outputs=[status, reference, state], api_name="recipe_validate",
                       concurrency_limit=None)

    def cancel(request: gr.Request) -> str:
        return ctx.cancel(request, TAB)

    cancel_btn.click(cancel, inputs=None, outputs=result_md, api_name="recipe_cancel", concurrency_limit=None)

    @shown
    def run(text: str, given: dict[str, Any], settings: str, seed_value: Any, request: gr.Request, progress: gr.Progress) -> Any:
        p = pipeline_from_text(text or "")
        for k, v in given.items():
            if p.inputs.get(k) is not None and p.inputs[k].type == "path" and isinstance(v, str):
                given[k] = ctx.check_path(v, f"input {k!r}")
        seed_int = int(seed_value) if seed_value not in (None, "") else None

        def on_event(ev: Any, bridge: Any) -> Any:
            if ev.kind in ("step_finished", "step_cached", "warning"):
                return (bridge.markdown("**Running…**"), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
            return None

        result = yield from ctx.execute(p, given, tab=TAB, request=request, progress=progress,
                                        overrides=parse_overrides(settings), seed=seed_int, on_event=on_event)
        yield present(result)

    @shown
    def run_json(text: str, raw: str, settings: str, seed_value: Any, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        try:
            given = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise gr.Error(f"studio: error: inputs JSON, line {exc.lineno}: {exc.msg}", print_exception=False) from None
        if not isinstance(given, dict):
            raise gr.Error("studio: error: inputs JSON must be an object like {\"prompt\": \"...\"}", print_exception=False)
        yield from run(text, given, settings, seed_value, request, progress)

    run_json_btn.click(run_json, inputs=[code, inputs_json, overrides, seed], outputs=outputs_all,
                       api_name="recipe_run", show_progress_on=gallery, **ctx.heavy())
