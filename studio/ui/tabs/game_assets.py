"""Game assets: a spec (YAML) or one prompt per line; gallery of results, sheet preview, the
asset folder as a zip."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from studio.engine.errors import UserError
from studio.ui.context import UIContext
from studio.ui.errors import shown
from studio.ui.forms import choices_of, place_values
from studio.ui.tabs import common
from studio.ui.tabs.common import out

RECIPE = "game-assets"
TAB = "game-assets"
SPEC_EXAMPLE = """\
# one entry per asset: kind (sprite, animation, texture, icon, sfx), description, options
assets:
  - kind: sprite
    description: red health potion
  - kind: animation
    description: goblin enemy walk cycle
    frames: 4
  - kind: texture
    description: mossy stone wall
  - kind: icon
    description: gold coin
  - kind: sfx
    description: coin pickup sound
"""
PROMPTS_EXAMPLE = "red health potion\ngoblin enemy\nstone wall texture\ncoin pickup sound"
MAX_SPEC_CHARS = 200_000


@shown
def make_assets(ctx: UIContext, spec: str | None, prompts: str | None, style: str | None, request: Any, progress: Any):
    p = common.require(RECIPE)
    spec = (spec or "").strip()
    prompts = (prompts or "").strip()
    values: dict[str, Any] = {}
    if spec:
        if len(spec) > MAX_SPEC_CHARS:
            raise UserError(f"the spec is longer than {MAX_SPEC_CHARS // 1000} k characters; split it")
        folder = ctx.staging_dir / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "assets.yaml"
        path.write_text(spec + "\n", encoding="utf-8")
        values["spec"] = str(path)
    elif prompts:
        items = [x.strip() for line in prompts.splitlines() for x in line.split(";") if x.strip()]
        values["prompts"] = "; ".join(items)
    else:
        raise UserError("write a spec or at least one prompt (one asset per line)")
    if style:
        values["style"] = style
    inputs, overrides = place_values(p, values, prefer=("assets.",))
    previous: list[Any] = []
    live = common.live_gallery(previous, names=("images", "preview"))

    def on_event(ev: Any, bridge: Any) -> Any:
        got = live(ev, bridge)
        if got is None:
            return None
        md, imgs = got
        return (md, imgs if imgs is not None else gr.skip(), gr.skip(), gr.skip(), gr.skip())

    result = yield from ctx.execute(p, inputs, overrides=overrides, tab=TAB, request=request, progress=progress, on_event=on_event)
    yield present(result)


def asset_folder(result: Any) -> Path:
    """The folder holding the assets (an output folder named like assets/folder), else the run."""
    for name, value in result.paths.items():
        if isinstance(value, Path) and value.is_dir():
            return value
        if isinstance(value, list) and value and any(n in name.lower() for n in ("asset", "folder", "files")):
            return Path(os.path.commonpath([str(Path(v).parent) for v in value]))
    return result.run_dir


def present(result: Any) -> tuple[Any, ...]:
    paths = result.paths
    preview = out.first(paths, out.IMAGE, "preview", "contact") or out.first(paths, out.IMAGE, "sheet")
    gallery = [(str(x), x.stem) for x in out.images(paths, exclude=("preview", "contact"))[:200]]
    folder = asset_folder(result)
    archive = out.zip_folder(folder, result.run_dir.with_name(result.run_dir.name + "-assets.zip")) if folder != result.run_dir else out.zip_run(result.run_dir)
    data_file = out.first(paths, {".json"}, "data", "atlas", "index", "manifest") or out.first(paths, {".json"})
    files = [str(archive)] + out.downloads(paths) + [str(result.manifest_path)]
    summary = out.summary(result.manifest) + f"\n\n{len(gallery)} image(s). Run folder: `{result.run_dir}`"
    return summary, gallery, str(preview) if preview else None, files, data_file.read_text(encoding="utf-8") if data_file else None


def build(ctx: UIContext) -> None:
    p, problem = common.load_or_problem(RECIPE)
    if p is None:
        gr.Markdown(problem)
        return
    styles, style_default = choices_of(p, "style", prefer=("assets.",))
    gr.Markdown("List what your game needs: either a **spec** (YAML: kind, description, size, frames, "
                "palette, style per asset) or simply **one prompt per line**. You get PNG sprites with "
                "transparency, sprite sheets with atlas JSON and a Godot SpriteFrames file, tileable "
                "textures with normal maps, icons and sound effects, zipped for download.",
                elem_classes="studio-hint")
    with gr.Row():
        with gr.Column(scale=2):
            with gr.Tabs():
                with gr.Tab("One prompt per line"):
                    prompts = gr.Textbox(label="Prompts", lines=6, placeholder=PROMPTS_EXAMPLE, elem_id="ga-prompts")
                with gr.Tab("Spec (YAML)"):
                    spec = gr.Code(None, language="yaml", label="Spec (used when not empty)", lines=12)
                    gr.Examples([[SPEC_EXAMPLE]], inputs=[spec], label="Example spec")
            style = gr.Dropdown(styles or ["auto"], value=style_default or (styles or ["auto"])[0], label="Style",
                                info="the look of prompt-made assets (a spec sets its own)")
            with gr.Row():
                go = gr.Button("Make assets", variant="primary", elem_id="ga-go")
                cancel = gr.Button("Cancel", variant="stop", scale=0)
            gr.Examples([[PROMPTS_EXAMPLE], ["wooden crate\nblue mana potion\ngrass texture\nlaser shot sound"]],
                        inputs=[prompts], label="Examples (click one, then Make assets)")
        with gr.Column(scale=3):
            status = gr.Markdown(elem_id="ga-status")
            preview = gr.Image(label="Preview sheet", type="filepath", interactive=False, elem_id="ga-preview")
            gallery = gr.Gallery(label="Assets", columns=6, height=300, object_fit="contain", elem_id="ga-gallery")
    files = gr.File(label="Downloads: the asset folder as a zip, every file, manifest", file_count="multiple", interactive=False)
    with gr.Accordion("Data (atlas / asset index)", open=False):
        data = gr.Code(language="json", label="data", interactive=False)

    def do_make(s: str, pr: str, st: str, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from make_assets(ctx, s, pr, st, request, progress)

    def stop(request: gr.Request) -> str:
        return ctx.cancel(request, TAB)

    go.click(do_make, inputs=[spec, prompts, style], outputs=[status, gallery, preview, files, data], api_name="game_assets", show_progress_on=preview, **ctx.heavy())
    cancel.click(stop, outputs=status, api_name="game_assets_cancel", concurrency_limit=None)
