"""Writing scenes.json: the shots of a video and their keyframes, as `video.keyframes` found them.

Layout (built by `ExtractResult.scenes_json` in studio.backends.video.extract): video, duration,
fps, width, height, detector, cuts, gaps, subtitles, and scenes with start, end and keyframes
(time, path, score, faces, face_boxes, subtitles). Times are in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_scenes(doc: dict[str, Any], path: str | Path) -> Path:
    """Write a scenes document as UTF-8 JSON (two-space indent, non-ASCII kept); return the path."""
    path = Path(path)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
