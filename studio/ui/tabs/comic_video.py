"""Comic from video: upload a clip (and optional subtitles), pick style, layout and panel count;
panels appear as they are made, then the pages; edit the lettering and re-letter without
regenerating the images (the cache keeps them)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from studio.engine.artifacts import hash_bytes, hash_file
from studio.engine.errors import InputError, UserError
from studio.ui.context import UIContext
from studio.ui.errors import shown
from studio.ui.forms import FILE_TYPES, choices_of, place_values
from studio.ui.tabs import comic_common as cc
from studio.ui.tabs import common

RECIPE = "comic-from-video"
TAB = "comic-video"
SUBTITLE_TYPES = [".srt", ".vtt", ".ass", ".ssa", ".txt"]


def _upload(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("path") or value.get("video", {}).get("path")
    return str(getattr(value, "path", value)) or None


def check_video(path: str | None) -> str:
    """A quick look before the run: an upload that is not a video gets one clear message."""
    if not path:
        raise UserError("upload a video first (mp4, mov, mkv, webm, ...)")
    p = Path(path)
    if p.suffix.lower() not in FILE_TYPES["video"]:
        raise InputError(f"{p.name} is not a video file (expected {', '.join(FILE_TYPES['video'])})")
    import av

    try:
        with av.open(str(p)) as c:
            if not c.streams.video:
                raise InputError(f"{p.name} has no video stream")
    except av.error.FFmpegError as exc:
        raise InputError(f"{p.name} cannot be read as a video ({exc.strerror or type(exc).__name__}); upload an mp4, mov, mkv or webm") from None
    return str(p)


def pair_with_subtitles(ctx: UIContext, video: str, subs: str) -> str:
    """Put the video and its subtitles in one folder under one name (`clip.mp4` + `clip.srt`),
    the way the keyframe and transcript steps find subtitles. The folder is named by the files'
    contents, so the same upload gives the same path (and the step cache hits on re-lettering)."""

    folder = ctx.staging_dir / ("pair-" + hash_bytes(hash_file(Path(video)), hash_file(Path(subs)))[:16])
    target = folder / ("clip" + Path(video).suffix.lower())
    if not (target.is_file() and target.stat().st_size == Path(video).stat().st_size):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (".partial-" + uuid.uuid4().hex[:8] + target.suffix)
        try:
            os.link(video, tmp)
        except OSError:
            shutil.copyfile(video, tmp)
        shutil.copyfile(subs, target.with_suffix(Path(subs).suffix.lower()))
        tmp.replace(target)
    return str(target)


@shown
def make_comic(ctx: UIContext, video: Any, subtitles: Any, style: Any, layout: Any, panels: Any,
               table: Any, script: Any, request: Any, progress: Any, reletter: bool = False):
    checked = check_video(_upload(video))
    p = common.require(RECIPE)
    values: dict[str, Any] = {
        "video": checked,
        "style": style or None,
        "layout": layout or None,
        "panels": int(panels) if panels else None,
    }
    subs = _upload(subtitles)
    if subs:
        if Path(subs).suffix.lower() not in SUBTITLE_TYPES:
            raise InputError(f"{Path(subs).name} is not a subtitle file (expected {', '.join(SUBTITLE_TYPES)})")
        if "subtitles" in p.inputs:
            values["subtitles"] = subs
        else:  # the recipe reads `<video stem>.srt` beside the video: put both in one folder
            values["video"] = pair_with_subtitles(ctx, checked, subs)
    if reletter:
        edited = cc.edited_script(script, table)
        if edited is None:
            raise UserError("make the comic first; then edit its lettering and re-letter")
        target = cc.script_target(p)
        if target is None:
            raise UserError(f"recipe {RECIPE!r} takes no edited lettering")
        values[target] = cc.to_script(edited)
    inputs, overrides = place_values(p, values, prefer=("comic.", "video."))
    yield from cc.run_comic(ctx, p, inputs, overrides, tab=TAB, request=request, progress=progress)


def build(ctx: UIContext) -> None:
    p, problem = common.load_or_problem(RECIPE)
    if p is None:
        gr.Markdown(problem)
        return
    styles, style_default, layouts, layout_default = cc.style_and_layout(p)
    _, panels_default = choices_of(p, "panels")
    examples = _examples(ctx)
    gr.Markdown("Upload a clip: studio picks key frames (no black or mid-fade frames), restyles them, letters "
                "the dialogue from the subtitles (optional) and lays out pages. Download the PNG pages, "
                "a PDF or a CBZ. Edit the lettering below and **Re-letter**: the images are not redrawn.",
                elem_classes="studio-hint")
    with gr.Row():
        with gr.Column(scale=2):
            video = gr.Video(label="Video", sources=["upload"], format=None, include_audio=True, elem_id="cv-video")
            subtitles = gr.File(label="Subtitles (optional: .srt / .vtt)", file_types=SUBTITLE_TYPES, file_count="single")
            with gr.Row():
                style = gr.Dropdown(styles, value=style_default, label="Style", allow_custom_value=True, min_width=170)
                layout = gr.Dropdown(layouts, value=layout_default, label="Layout", allow_custom_value=True, min_width=130)
            panels = gr.Slider(1, 24, value=int(panels_default or 6), step=1, label="Panels")
            with gr.Row():
                go = gr.Button("Make comic", variant="primary", elem_id="cv-go")
                cancel = gr.Button("Cancel", variant="stop", scale=0)
            if examples:
                gr.Examples(examples, inputs=[video, subtitles, panels], label="Example: a clip with subtitles that studio generates itself (click it, then Make comic)")
        with gr.Column(scale=3):
            status, panels_gallery, pages = cc.comic_outputs("cv")
    table = gr.Dataframe(label="Lettering: edit the captions and speech (NAME: words, lines separated by ' / '), keep the rows",
                         interactive=True, wrap=True, value=None, visible=False, elem_id="cv-table")
    reletter = gr.Button("Re-letter (keeps the images)", elem_id="cv-reletter", visible=False)
    files = cc.comic_downloads("cv")
    with gr.Accordion("Lettering data (JSON)", open=False):
        script = gr.Code(language="json", label="lettering", interactive=False)

    outputs = [status, panels_gallery, pages, files, table, script]

    def do_make(v: Any, s: Any, st: Any, lay: Any, n: Any, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from make_comic(ctx, v, s, st, lay, n, None, None, request, progress)

    def do_reletter(v: Any, s: Any, st: Any, lay: Any, n: Any, t: Any, sc: Any, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from make_comic(ctx, v, s, st, lay, n, t, sc, request, progress, reletter=True)

    def stop(request: gr.Request) -> str:
        return ctx.cancel(request, TAB)

    go.click(do_make, inputs=[video, subtitles, style, layout, panels], outputs=outputs, api_name="comic_from_video",
             show_progress_on=pages, **ctx.heavy()).success(
        lambda: gr.update(visible=True), outputs=reletter, api_visibility="private", concurrency_limit=None)
    reletter.click(do_reletter, inputs=[video, subtitles, style, layout, panels, table, script], outputs=outputs,
                   api_name="comic_reletter", show_progress_on=pages, **ctx.heavy())
    cancel.click(stop, outputs=status, api_name="comic_video_cancel", concurrency_limit=None)


def _examples(ctx: UIContext) -> list[list[Any]]:
    """A demo clip with subtitles generated on the spot (no shared media), when the comic package
    provides one. Made once per process and copied into the examples folder."""
    clip = ctx.examples_dir / "demo-clip.mp4"
    subs = clip.with_suffix(".srt")
    if not clip.exists():
        source = _demo_clip()
        if source is None:
            return []
        shutil.copyfile(source, clip)
        if source.with_suffix(".srt").exists():
            shutil.copyfile(source.with_suffix(".srt"), subs)
    return [[str(clip), str(subs) if subs.exists() else None, 6]]


@functools.lru_cache(maxsize=1)
def _demo_clip() -> Path | None:
    try:
        from studio.comic.demo_clip import make_demo_clip
    except ImportError:
        return None
    folder = Path(tempfile.mkdtemp(prefix="studio-ui-example-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(make_demo_clip(folder / "demo-clip.mp4"))
