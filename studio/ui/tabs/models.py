"""Models tab: which weights are available locally per task, which backend each product tab
will use with its current settings, and how to get what is missing."""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.engine.errors import UserError
from studio.engine.pipeline import Ref
from studio.engine.recipe import builtin_recipes, load_recipe
from studio.engine.step import STEPS
from studio.models import manager, registry
from studio.ui.context import UIContext
from studio.ui.errors import message_for

#: the product tabs and the recipe each one runs
PRODUCT_TABS = {
    "Comic from video": "comic-from-video",
    "Comic from prompt": "comic-from-prompt",
    "Game assets": "game-assets",
    "Soundtrack": "soundtrack",
}
MODEL_COLUMNS = ["task", "name", "available here", "how to get it", "licence", "size (GB)", "default", "hub id"]
BACKEND_COLUMNS = ["tab", "step", "backend setting", "model", "will run", "note"]


def models_table() -> list[list[Any]]:
    rows = []
    for spec in registry.all_models():
        try:
            resolved = manager.resolve(spec.name, task=spec.task)
            avail = f"yes ({resolved.source})" if resolved.available else "no"
            how = "" if resolved.available else f"studio models pull {spec.name}"
        except UserError as exc:
            avail, how = "no", message_for(exc)
        rows.append([spec.task, spec.name, avail, how, spec.licence, spec.size_gb if spec.size_gb is not None else "",
                     "yes" if spec.default else "", spec.hub_id])
    return rows


def _literal(p: Any, value: Any) -> Any:
    ref = Ref.parse(value)
    if ref is not None and ref.source == "inputs" and ref.name in p.inputs and not p.inputs[ref.name].required:
        return p.inputs[ref.name].default
    return None if ref is not None else value


def backends_table() -> list[list[Any]]:
    """For every step of every product recipe that has a `backend` param: what runs now."""
    rows = []
    installed = builtin_recipes()
    for tab, recipe in PRODUCT_TABS.items():
        if recipe not in installed:
            rows.append([tab, "", "", "", "recipe not installed", f"builtin recipe {recipe!r} is missing"])
            continue
        try:
            p = load_recipe(recipe)
        except UserError as exc:
            rows.append([tab, "", "", "", "recipe does not load", message_for(exc)])
            continue
        for s in p.steps:
            cls = STEPS.get(s.use)
            fields = cls.Params.model_fields
            if "backend" not in fields:
                continue
            literal = {k: _literal(p, v) for k, v in s.with_.items() if k in fields}
            literal = {k: v for k, v in literal.items() if v is not None and not (isinstance(v, str) and "{{" in v)}
            for name, info in fields.items():  # a required param fed at run time (e.g. the prompt)
                if info.is_required() and name not in literal:
                    literal[name] = "example"
            try:
                params = cls.Params.model_validate(literal)
            except ValueError as exc:
                rows.append([tab, f"{s.id} ({s.use})", "", "", "?", f"settings invalid: {exc}"])
                continue
            backend = getattr(params, "backend", "")
            model = getattr(params, "model", "") or ""
            will, note = _will_run(cls, params, backend, model)
            rows.append([tab, f"{s.id} ({s.use})", backend, model, will, note])
    return rows


def _will_run(cls: Any, params: Any, backend: str, model: str) -> tuple[str, str]:
    try:
        extra = cls().cache_extra(params) or {}
    except UserError as exc:
        return "error", message_for(exc)
    resolved_backend = _describe_extra(extra) or backend
    note = ""
    available: bool | None = None
    if model:
        spec = registry.find_any(str(model))
        if spec is not None:
            try:
                r = manager.resolve(str(model), task=spec.task)
                available = r.available
                note = "weights found locally" if r.available else r.hint()
            except UserError as exc:
                note = message_for(exc)
    if resolved_backend == "auto" and available is not None:  # the step did not say: infer from the weights
        resolved_backend = f"{model} (neural)" if available else "embedded default"
    return str(resolved_backend), note


def _describe_extra(extra: dict[str, Any]) -> str:
    """What a step's `cache_extra` says `auto` resolves to, in a few words: "procedural", or per
    part "image: procedural; sfx: synth"."""
    if isinstance(extra.get("backend"), str):
        return str(extra["backend"])
    parts = []
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(value.get("backend"), str):
            parts.append(f"{key}: {value['backend']}")
    return "; ".join(parts)


def check_model(model: str, task: str) -> str:
    if not model or not model.strip():
        return "Give a short name, a hub id (org/name) or a local folder."
    try:
        r = manager.resolve(model.strip(), task=task)
    except UserError as exc:
        return f"`{message_for(exc)}`"
    if r.available:
        lic = f", licence {r.licence}" if r.licence else ""
        return f"**Available** ({r.source}) at `{r.path}`{lic}."
    return f"**Not available**: {r.hint()}"


def refresh() -> tuple[list[list[Any]], list[list[Any]]]:
    return backends_table(), models_table()


def build(ctx: UIContext) -> None:
    gr.Markdown(
        "Every tab works **without any weights** (embedded defaults: procedural generators, classic "
        "filters). When the weights of a model are in the local Hugging Face cache or a local folder, "
        "`backend: auto` uses them. Get weights on a machine with internet with "
        "`studio models pull NAME`, or point a step's `model` setting at a local folder or "
        "`.safetensors` file. Mind the licences (e.g. MusicGen weights are CC-BY-NC)."
    )
    refresh_btn = gr.Button("Refresh")
    gr.Markdown("### Which backend each tab will use")
    backends = gr.Dataframe(headers=BACKEND_COLUMNS, value=None, interactive=False, wrap=True, max_height=400,
                            elem_id="models-backends")
    gr.Markdown("### Known models")
    models = gr.Dataframe(headers=MODEL_COLUMNS, value=None, interactive=False, wrap=True, max_height=900,
                          column_widths=["14%", "13%", "10%", "20%", "17%", "7%", "6%", "13%"], elem_id="models-known")
    gr.Markdown("### Check a model")
    with gr.Row():
        model_id = gr.Textbox(label="Model: short name, hub id or local folder", scale=3)
        task = gr.Dropdown(list(registry.TASKS), value=registry.TASKS[0], label="Task", scale=1)
        check_btn = gr.Button("Check", scale=0)
    check_md = gr.Markdown()
    refresh_btn.click(refresh, outputs=[backends, models], api_name="models", concurrency_limit=None)
    ctx.blocks.load(refresh, outputs=[backends, models], api_visibility="private")
    check_btn.click(check_model, inputs=[model_id, task], outputs=check_md, api_name="model_check", concurrency_limit=None)
