"""The studio web UI (Gradio). `studio ui` starts it; in Python:

    from studio.ui import build_app, launch
    launch(build_app(), port=7860)

Importing this package does not import Gradio; `build_app` does.
"""

from __future__ import annotations

from typing import Any


def build_app(*args: Any, **kwargs: Any) -> Any:
    from studio.ui.app import build_app as _build

    return _build(*args, **kwargs)


def launch(app: Any, **kwargs: Any) -> Any:
    from studio.ui.app import launch as _launch

    return _launch(app, **kwargs)


__all__ = ["build_app", "launch"]
