"""Soundtrack tab: prompt, duration, bpm, backend; audio player, preview, downloads."""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.engine.errors import UserError
from studio.ui.context import UIContext
from studio.ui.errors import shown
from studio.ui.forms import choices_of, place_values
from studio.ui.tabs import common
from studio.ui.tabs.common import out

RECIPE = "soundtrack"
TAB = "soundtrack"
EXAMPLES = [
    ["tense chase through a neon city", 30, 0, "auto", True],
    ["calm exploration in a misty forest", 30, 0, "auto", True],
    ["cheerful 8-bit village theme, 140 bpm", 20, 0, "auto", True],
    ["sad piano ballad with strings", 45, 0, "auto", False],
]


@shown
def run_soundtrack(ctx: UIContext, prompt: str, duration: Any, bpm: Any, backend: str | None, loopable: Any, request: Any, progress: Any):
    p = common.require(RECIPE)
    if not (prompt or "").strip():

        raise UserError("write a prompt: the mood, genre, tempo or instruments you want")
    values = {"prompt": prompt, "duration": float(duration) if duration else None,
              "bpm": int(bpm) if bpm else None, "backend": backend or None,
              "loopable": None if loopable is None else bool(loopable)}
    inputs, overrides = place_values(p, values, prefer=("music.",))
    result = yield from ctx.execute(p, inputs, overrides=overrides, tab=TAB, request=request, progress=progress,
                                    on_event=lambda ev, b: (b.markdown("**Composing…**"), gr.skip(), gr.skip(), gr.skip(), gr.skip())
                                    if ev.kind in ("step_finished", "step_cached", "warning") else None)
    paths = result.paths
    audio = out.first(paths, {".ogg"}) or out.first(paths, {".wav"}) or out.first(paths, out.AUDIO)
    preview = out.first(paths, out.IMAGE, "preview") or out.first(paths, out.IMAGE)
    sidecar = out.first(paths, {".json"}, "sidecar", "info", "meta") or out.first(paths, {".json"})
    files = out.downloads(paths) + [str(result.manifest_path)]
    return_value = (
        out.summary(result.manifest) + f"\n\nRun folder: `{result.run_dir}`",
        str(audio) if audio else None,
        str(preview) if preview else None,
        files,
        sidecar.read_text(encoding="utf-8") if sidecar else None,
    )
    yield return_value


def build(ctx: UIContext) -> None:
    p, problem = common.load_or_problem(RECIPE)
    if p is None:
        gr.Markdown(problem)
        return
    backends, backend_default = choices_of(p, "backend", prefer=("music.",))
    _, duration_default = choices_of(p, "duration", prefer=("music.",))
    _, loop_default = choices_of(p, "loopable", prefer=("music.",))
    gr.Markdown("Describe the music: mood, genre, tempo and instruments (e.g. *tense chase, synthwave, "
                "140 bpm*). You get a loopable WAV/OGG, a MIDI file, stems per instrument and a sidecar "
                "JSON with tempo, key and loop points.", elem_classes="studio-hint")
    with gr.Row():
        with gr.Column(scale=3):
            prompt = gr.Textbox(label="Prompt", lines=2, placeholder="tense chase through a neon city", elem_id="st-prompt")
            with gr.Row():
                duration = gr.Slider(2, 300, value=float(duration_default or 30), step=1, label="Duration (seconds)")
                bpm = gr.Number(value=0, precision=0, minimum=0, maximum=260, label="BPM (0 = from the prompt)")
                backend = gr.Dropdown(backends or ["auto"], value=backend_default or "auto", label="Backend",
                                      info="auto: MusicGen when its weights are here, else the procedural composer")
            loopable = gr.Checkbox(value=True if loop_default is None else bool(loop_default), label="Seamless loop",
                                   info="for games: loops without a click (off: a piece with intro and ending)")
            with gr.Row():
                go = gr.Button("Compose", variant="primary", elem_id="st-go")
                cancel = gr.Button("Cancel", variant="stop", scale=0)
            gr.Examples(EXAMPLES, inputs=[prompt, duration, bpm, backend, loopable], label="Examples (click one, then Compose)")
        with gr.Column(scale=2):
            status = gr.Markdown(elem_id="st-status")
            audio = gr.Audio(label="Soundtrack", type="filepath", interactive=False, elem_id="st-audio")
            preview = gr.Image(label="Waveform, bars and loop points", type="filepath", interactive=False)
    files = gr.File(label="Downloads: WAV, OGG, MIDI, stems, sidecar", file_count="multiple", interactive=False, elem_id="st-files")
    with gr.Accordion("Sidecar (tempo, key, loop points, licence)", open=False):
        sidecar = gr.Code(language="json", label="sidecar", interactive=False)

    def compose(prompt_v: str, duration_v: Any, bpm_v: Any, backend_v: str, loop_v: bool, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        yield from run_soundtrack(ctx, prompt_v, duration_v, bpm_v, backend_v, loop_v, request, progress)

    def stop(request: gr.Request) -> str:
        return ctx.cancel(request, TAB)

    go.click(compose, inputs=[prompt, duration, bpm, backend, loopable], outputs=[status, audio, preview, files, sidecar],
             api_name="soundtrack", show_progress_on=audio, **ctx.heavy())
    cancel.click(stop, outputs=status, api_name="soundtrack_cancel", concurrency_limit=None)
