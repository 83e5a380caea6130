"""What the two comic tabs share: the outputs view, the editable script/lettering table."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from studio.engine.errors import UserError
from studio.engine.pipeline import Pipeline
from studio.engine.step import STEPS
from studio.ui.forms import choices_of
from studio.ui.tabs import common
from studio.ui.tabs.common import out

#: names under which a comic recipe takes an edited script (a recipe input, else a step's param
#: or data port), most specific first
SCRIPT_NAMES = ("script", "story")


def script_target(p: Pipeline) -> str | None:
    """The name the recipe accepts an edited script under, or None."""
    for name in SCRIPT_NAMES:
        if name in p.inputs:
            return name
    for name in SCRIPT_NAMES:
        for s in p.steps:
            if s.use in STEPS and (name in STEPS.get(s.use).Params.model_fields or name in STEPS.get(s.use).inputs):
                return name
    return None


def style_and_layout(p: Pipeline) -> tuple[list[str], str, list[str], str]:
    """Dropdown choices and defaults for style and layout: the recipe's own choices when it
    declares them, else the installed presets (custom values, e.g. a layout .yaml, still allowed)."""

    styles, style_default = choices_of(p, "style", prefer=("image.", "comic."))
    layouts, layout_default = choices_of(p, "layout", prefer=("comic.",))
    if not styles:
        try:
            from studio.backends.text.presets import list_styles

            styles = list_styles()
        except ImportError:
            styles = []
    if not layouts:
        try:
            from studio.comic.layout import list_layouts

            layouts = ["auto", *list_layouts()]
        except ImportError:
            layouts = ["auto"]
    style_default = style_default or (styles[0] if styles else "")
    layout_default = layout_default or "auto"
    for value, options in ((style_default, styles), (layout_default, layouts)):
        if value and value not in options:
            options.insert(0, value)
    return list(styles), str(style_default), list(layouts), str(layout_default)


def script_of(result: Any) -> tuple[str | None, Any]:
    """The editable words of a comic run: its script output (not the bubble geometry)."""
    for names in (("script",), ("story",)):
        found = common.data_output(result, *names)
        if found[0] is not None:
            return found
    return None, None


#: the table columns a user edits (the rest are shown for orientation, read-only)
EDITABLE = ("caption", "speech")
#: the columns shown, in this order (others, e.g. a story's beat or cast, stay in the data)
COLUMNS = ("panel", "description", "caption", "speech")
#: keys a comic script panel may have (see studio/comic/script.py)
SCRIPT_KEYS = ("panel", "caption", "speech")


def table_update(data: Any) -> Any:
    key, headers, rows = common.table_rows(data, COLUMNS)
    if not headers:
        return gr.update(value=None, visible=False)
    static = [i for i, h in enumerate(headers) if h not in EDITABLE]
    weight = {"panel": 6, "description": 38, "caption": 26, "speech": 30}
    total = sum(weight.get(h, 20) for h in headers)
    widths = [f"{100 * weight.get(h, 20) / total:.0f}%" for h in headers]
    return gr.update(value={"headers": headers, "data": rows}, headers=headers, visible=True,
                     static_columns=static, column_widths=widths)


def edited_script(data: Any, table: Any) -> Any:
    """The script data with the table's edits applied (None when there is no script yet)."""
    if isinstance(data, str):
        data = json.loads(data) if data.strip() else None
    if not data:
        return None
    key, headers, _ = common.table_rows(data, COLUMNS)
    got_headers, rows = common.dataframe_value(table)
    if not rows:
        return data
    if got_headers and got_headers != headers:
        raise UserError("the script table's columns changed; reload the script and edit only the text cells")
    return common.apply_rows(data, key, headers, rows)


def to_script(data: Any) -> dict[str, Any]:
    """A story (text.story: [{panel, beat, description, caption, speech, ...}]) or a script
    ({panels: [...]}) as the comic script a recipe's `script` input takes: the words only."""
    panels = data.get("panels") if isinstance(data, dict) else data
    if not isinstance(panels, list):
        raise UserError("the script must be a list of panels with caption and speech")
    return {"panels": [{k: v for k, v in p.items() if k in SCRIPT_KEYS} for p in panels if isinstance(p, dict)]}


def run_comic(ctx: Any, p: Pipeline, inputs: dict[str, Any], overrides: Any, *, tab: str, request: Any, progress: Any) -> Any:
    """Run a comic recipe from a tab, showing panels as they are made, then the result."""
    previous: list[Any] = []
    live = common.live_gallery(previous)

    def on_event(ev: Any, bridge: Any) -> Any:
        got = live(ev, bridge)
        if got is None:
            return None
        md, imgs = got
        return (md, imgs if imgs is not None else gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())

    result = yield from ctx.execute(p, inputs, overrides=overrides, tab=tab, request=request, progress=progress, on_event=on_event)
    yield present(result)


def present(result: Any) -> tuple[Any, ...]:
    """(summary, panels, pages, downloads, table, script data) for a comic run."""
    paths = result.paths
    pages = out.images(paths, "page")
    panels = out.images(paths, "panel")
    if not pages:
        pages = out.images(paths, exclude=("panel", "keyframe", "frame"))
    files = [str(p) for p in out.of_type(paths, {".pdf", ".cbz", ".mp4"})]
    files += [str(p) for p in pages] + [str(result.manifest_path)]
    _, data = script_of(result)
    summary = out.summary(result.manifest) + f"\n\n{len(pages)} page(s), {len(panels)} panel(s). Run folder: `{result.run_dir}`"
    return (
        summary,
        [(str(x), x.stem) for x in panels],
        [(str(x), x.stem) for x in pages],
        files,
        table_update(data),
        out.to_json(data) if data is not None else None,
    )


def comic_outputs(prefix: str) -> tuple[Any, ...]:
    """Lay out the results column of a comic tab; returns (status, panels, pages)."""
    status = gr.Markdown(elem_id=f"{prefix}-status")
    panels = gr.Gallery(label="Panels (they appear as they are made)", columns=6, height=170, elem_id=f"{prefix}-panels")
    pages = gr.Gallery(label="Pages", columns=3, height=720, object_fit="contain", preview=True, elem_id=f"{prefix}-pages")
    return status, panels, pages


def comic_downloads(prefix: str) -> Any:
    return gr.File(label="Downloads: PDF, CBZ, page PNGs, manifest", file_count="multiple", interactive=False,
                   elem_id=f"{prefix}-files")
