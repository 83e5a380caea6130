"""PNG text metadata: the AUTOMATIC1111-style `parameters` text (read by many image tools) and the
tEXt chunk that carries it.

Every image studio saves into a run folder carries one `parameters` text chunk: the image's own
generation parameters (A1111 layout, when a step recorded them) and, on the last line, what made
it (studio version, recipe, step, use, backend, model, seed). The engine knows no text format: it
calls the writer and the provenance formatter that `install` hands it (done when the package loads
its builtin steps).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from studio.engine.artifacts import set_png_text

#: the text chunk keyword A1111-compatible readers look for
KEYWORD = "parameters"

#: A1111 sampler names for diffusers scheduler classes
A1111_SAMPLERS = {
    "EulerDiscreteScheduler": "Euler", "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M", "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "DDIMScheduler": "DDIM", "PNDMScheduler": "PLMS", "LMSDiscreteScheduler": "LMS",
    "HeunDiscreteScheduler": "Heun", "UniPCMultistepScheduler": "UniPC", "LCMScheduler": "LCM",
    "FlowMatchEulerDiscreteScheduler": "Euler (flow)",
}


def a1111_parameters(prompt: str, negative: str, *, steps: int, sampler: str, guidance: float, seed: int,
                     width: int, height: int, model: str, extra: dict[str, Any] | None = None) -> str:
    """Generation parameters in the AUTOMATIC1111 text layout (read by many image tools)."""
    lines = [prompt]
    if negative:
        lines.append(f"Negative prompt: {negative}")
    fields = {"Steps": steps, "Sampler": sampler, "CFG scale": guidance, "Seed": seed, "Size": f"{width}x{height}", "Model": model}
    fields.update(extra or {})
    lines.append(", ".join(f"{k}: {v}" for k, v in fields.items()))
    return "\n".join(lines)


def provenance_parameters(own: str | None, made_by: dict[str, Any]) -> str:
    """The `parameters` text of an image saved into a run folder: its own text (if any), then one
    line naming what made it. `made_by` holds studio (version), recipe, step, seed and, when the
    step ran in this run, use, backend and model."""
    parts = [f"studio {made_by['studio']}", f"recipe: {made_by['recipe']}", f"step: {made_by['step']}"]
    if "use" in made_by:
        parts.append(f"use: {made_by['use']}")
        if made_by.get("backend"):
            parts.append(f"backend: {made_by['backend']}")
        if made_by.get("model"):
            parts.append(f"model: {made_by['model']}")
    parts.append(f"seed: {made_by['seed']}")
    return "\n".join([str(own), ", ".join(parts)]) if own else ", ".join(parts)


def png_with_text(data: bytes, keyword: str, text: str | None) -> bytes:
    """PNG bytes with every text chunk named `keyword` replaced by one tEXt chunk (or removed
    when `text` is None), placed right after IHDR."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    chunks: list[bytes] = []
    pos = 8
    key = keyword.encode("latin-1")
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        body = data[pos + 8 : pos + 8 + length]
        if not (ctype in (b"tEXt", b"zTXt", b"iTXt") and body.split(b"\x00", 1)[0] == key):
            chunks.append(data[pos:end])
        pos = end
    if text is not None:
        payload = key + b"\x00" + text.encode("latin-1", "replace")
        chunk = struct.pack(">I", len(payload)) + b"tEXt" + payload + struct.pack(">I", zlib.crc32(b"tEXt" + payload) & 0xFFFFFFFF)
        chunks.insert(1, chunk)
    return data[:8] + b"".join(chunks)


def with_parameters(data: bytes, text: str | None) -> bytes:
    """PNG bytes carrying `text` as their one `parameters` chunk (None: no `parameters` chunk)."""
    return png_with_text(data, KEYWORD, text)


def install() -> None:
    """Hand the engine this module's PNG text writer and provenance formatter."""
    set_png_text(with_parameters, provenance_parameters)
