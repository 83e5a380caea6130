"""Start the studio UI in-process on a free loopback port (shared by the UI tests)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ENV_KEYS = ("GRADIO_TEMP_DIR", "GRADIO_ANALYTICS_ENABLED")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_ui(root: Path, **kwargs: Any) -> Iterator[tuple[Any, str]]:
    """(app, url) of a launched UI whose outputs and uploads live under `root`."""
    from studio.ui.app import build_app, launch

    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    app = build_app(root / "outputs", upload_dir=root / "uploads", **kwargs)
    try:
        launch(app, host="127.0.0.1", port=free_port(), prevent_thread_lock=True, quiet=True)
        yield app, app.local_url
    finally:
        app.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
