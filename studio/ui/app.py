"""The Gradio app: `build_app()` lays out the tabs; `launch()` serves it with the safety settings
(loopback by default, uploads size-limited, only the outputs folder and Gradio's own upload cache
served, analytics off)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from studio.engine.errors import UserError
from studio.engine.executor import default_outputs_root
from studio.ui.context import UIContext

DEFAULT_MAX_UPLOAD = "500mb"
TITLE = "studio"

CSS = """
.studio-hint {opacity: 0.8; font-size: 0.92em}
footer {display: none !important}
"""


def prepare_environment(outputs_root: Path | str | None = None, upload_dir: Path | str | None = None) -> tuple[Path, Path]:
    """Set Gradio's environment before it is imported or builds anything: no analytics, and its
    upload/cache folder inside a folder studio controls. Returns (outputs_root, upload_dir)."""

    root = Path(outputs_root) if outputs_root else default_outputs_root()
    root = root.expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    uploads = Path(upload_dir).expanduser().resolve() if upload_dir else root / ".ui-uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)
    return root, uploads


def build_app(
    outputs_root: Path | str | None = None,
    *,
    upload_dir: Path | str | None = None,
    concurrency: int = 1,
    max_file_size: str | int | None = DEFAULT_MAX_UPLOAD,
    queue_size: int = 64,
    allow_dirs: list[Path | str] | None = None,
    run_timeout: float | None = None,
    max_memory: int | None = None,
) -> Any:
    """Build the studio UI (a `gr.Blocks`). Launch it with `launch(app, ...)`, which applies the
    upload limit and the served-paths restriction stored on the app."""
    root, uploads = prepare_environment(outputs_root, upload_dir)
    import gradio as gr

    from studio.ui.tabs import comic_prompt, comic_video, game_assets, models, recipes, soundtrack

    if concurrency < 1:

        raise UserError(f"concurrency must be at least 1, got {concurrency}")
    ctx = UIContext(outputs_root=root, upload_dir=uploads, concurrency=concurrency,
                    allow_dirs=[Path(d).expanduser().resolve() for d in allow_dirs or []], run_timeout=run_timeout,
                    max_memory=max_memory)

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        ctx.blocks = app
        gr.Markdown(
            "# studio\nComics, game assets and soundtracks from videos and prompts. Every tab runs "
            "without model weights (embedded defaults); results land in "
            f"`{root}`. Try an **example** under each form, then press the big button."
        )
        with gr.Tabs():
            with gr.Tab("Comic from video", id="comic-video"):
                comic_video.build(ctx)
            with gr.Tab("Comic from prompt", id="comic-prompt"):
                comic_prompt.build(ctx)
            with gr.Tab("Game assets", id="game-assets"):
                game_assets.build(ctx)
            with gr.Tab("Soundtrack", id="soundtrack"):
                soundtrack.build(ctx)
            with gr.Tab("Recipes", id="recipes"):
                recipes.build(ctx)
            with gr.Tab("Models", id="models"):
                models.build(ctx)
    app.queue(default_concurrency_limit=concurrency, max_size=queue_size)
    app.studio_context = ctx
    app.studio_launch = {
        "allowed_paths": [str(root)],
        "max_file_size": max_file_size,
        "theme": gr.themes.Soft(),
        "css": CSS,
    }
    return app


def launch(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> Any:
    """Serve the app. Only the outputs root (and Gradio's upload cache inside it) is served."""
    opts = dict(getattr(app, "studio_launch", {}))
    return app.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=True,
        ssr_mode=False,
        inbrowser=False,
        **opts,
    )
