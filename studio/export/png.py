"""PNG text and colour metadata: the AUTOMATIC1111 `parameters` text, studio's own provenance
chunk, sRGB and DPI.

Every PNG studio saves into a run folder (and every PNG a game-asset build writes) carries:

* `parameters` (A1111's keyword, read by many image tools): the image's generation parameters in
  A1111's exact layout (prompt lines, an optional `Negative prompt:` line, then one line of
  `key: value` pairs, values quoted as A1111 quotes them) and nothing else, so A1111's own parser
  reads back the seed, steps and sampler. Written only when the image has such parameters.
* `studio` (iTXt, UTF-8): what made the image, one line of `key: value` pairs (studio version,
  recipe, step, use, backend, model, seed; for assets also prompt and kind).
* text chunks are tEXt when the text is Latin-1, else iTXt (UTF-8), so non-Latin prompts survive;
* `sRGB` (perceptual intent) and `pHYs` (72 DPI) when the encoder wrote none, right after IHDR.

The engine knows no text format: it calls the writer and the provenance formatter that `install`
hands it (done when the package loads its builtin steps). The two texts travel through the engine
as one string, joined by `SEPARATOR` (a control character no prompt carries).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from studio.engine.artifacts import set_png_text

#: the text chunk keyword A1111-compatible readers look for
KEYWORD = "parameters"
#: the keyword of studio's own provenance chunk (iTXt)
STUDIO_KEYWORD = "studio"
#: joins the `parameters` text and the `studio` text in the one string the engine passes along
SEPARATOR = "\x1e"
#: the DPI written in pHYs when a writer names none
DPI = 72

#: A1111 sampler names for diffusers scheduler classes
A1111_SAMPLERS = {
    "EulerDiscreteScheduler": "Euler", "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M", "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "DDIMScheduler": "DDIM", "PNDMScheduler": "PLMS", "LMSDiscreteScheduler": "LMS",
    "HeunDiscreteScheduler": "Heun", "UniPCMultistepScheduler": "UniPC", "LCMScheduler": "LCM",
    "FlowMatchEulerDiscreteScheduler": "Euler (flow)",
}

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def a1111_quote(value: Any) -> str:
    """A value as A1111 writes it in the parameters line: JSON-quoted when it holds a comma, a
    colon or a newline (A1111's `quote`), else as is."""
    text = str(value)
    if "," not in text and "\n" not in text and ":" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _pairs(fields: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {a1111_quote(v)}" for k, v in fields.items() if v is not None)


def a1111_parameters(prompt: str, negative: str, *, steps: int, sampler: str, guidance: float, seed: int,
                     width: int, height: int, model: str, extra: dict[str, Any] | None = None) -> str:
    """Generation parameters in the AUTOMATIC1111 text layout (read by many image tools)."""
    lines = [prompt]
    if negative:
        lines.append(f"Negative prompt: {negative}")
    fields = {"Steps": steps, "Sampler": sampler, "CFG scale": guidance, "Seed": seed, "Size": f"{width}x{height}", "Model": model}
    fields.update(extra or {})
    lines.append(_pairs(fields))
    return "\n".join(lines)


def studio_text(made_by: dict[str, Any]) -> str:
    """studio's provenance line: `studio: VERSION, recipe: ..., step: ..., ...` (values quoted as
    in the A1111 line, so one parser reads both)."""
    fields: dict[str, Any] = {"studio": made_by.get("studio")}
    for key in ("recipe", "step", "use", "kind", "backend", "model", "seed", "prompt"):
        if made_by.get(key) not in (None, ""):
            fields[key] = made_by[key]
    return _pairs(fields)


def provenance_parameters(own: str | None, made_by: dict[str, Any]) -> str:
    """The text of an image saved into a run folder: its own A1111 `parameters` text (if any) and
    studio's provenance, joined by SEPARATOR (`png_with_texts` writes them as two chunks).
    `made_by` holds studio (version), recipe, step, seed and, when the step ran in this run, use,
    backend and model."""
    made = dict(made_by)
    if "use" not in made:
        made.pop("backend", None)
        made.pop("model", None)
    return f"{own or ''}{SEPARATOR}{studio_text(made)}"


def split_texts(text: str | None) -> tuple[str | None, str | None]:
    """(parameters, studio) from the engine's one string."""
    if text is None:
        return None, None
    if SEPARATOR in text:
        own, mine = text.split(SEPARATOR, 1)
        return (own or None), (mine or None)
    return text or None, None


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def text_chunk(keyword: str, text: str) -> bytes:
    """One tEXt chunk when `text` is Latin-1 (what A1111 and most readers expect), else an
    uncompressed iTXt chunk holding UTF-8."""
    key = keyword.encode("latin-1")
    try:
        return _chunk(b"tEXt", key + b"\x00" + text.encode("latin-1"))
    except UnicodeEncodeError:
        return _chunk(b"iTXt", key + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8"))


def itxt_chunk(keyword: str, text: str) -> bytes:
    """An uncompressed iTXt chunk (UTF-8, no language tag)."""
    return _chunk(b"iTXt", keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def png_with_texts(data: bytes, texts: dict[str, tuple[str | None, bool]], *, colour: bool = True, dpi: int | None = None) -> bytes:
    """PNG bytes with every text chunk named in `texts` replaced: `{keyword: (text, utf8)}` (text
    None: removed; utf8: always iTXt, else tEXt when Latin-1). With `colour`, an sRGB chunk is
    added after IHDR when the PNG has no colour space (sRGB, iCCP, gAMA, cHRM), and a pHYs chunk
    saying `dpi` (replacing any other), or DPI when `dpi` is None and the PNG has none."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG")
    keys = {k.encode("latin-1") for k in texts}
    chunks: list[bytes] = []
    seen: set[bytes] = set()
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        body = data[pos + 8 : pos + 8 + length]
        seen.add(ctype)
        drop = (ctype in (b"tEXt", b"zTXt", b"iTXt") and body.split(b"\x00", 1)[0] in keys) or (
            colour and ctype == b"pHYs" and dpi is not None)
        if not drop:
            chunks.append(data[pos:end])
        pos = end
    extra: list[bytes] = []
    if colour:
        if not seen & {b"sRGB", b"iCCP", b"gAMA", b"cHRM"}:
            extra.append(_chunk(b"sRGB", b"\x00"))  # rendering intent: perceptual
        if b"pHYs" not in seen or dpi is not None:
            ppm = round((dpi or DPI) / 0.0254)  # pixels per metre, as most tools round it
            extra.append(_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)))
    text_chunks = [itxt_chunk(k, t) if utf8 else text_chunk(k, t) for k, (t, utf8) in texts.items() if t is not None]
    # texts go just before the first IDAT (readers such as Pillow see chunks after IDAT only once
    # the pixels load), so a PNG that already went through here comes out in the same order
    body = [chunks[0], *extra, *chunks[1:]]
    at = next((i for i, c in enumerate(body) if c[4:8] == b"IDAT"), len(body) - 1)
    body[at:at] = text_chunks
    return data[:8] + b"".join(body)


def png_with_text(data: bytes, keyword: str, text: str | None) -> bytes:
    """PNG bytes with every text chunk named `keyword` replaced by one chunk holding `text` (tEXt
    when Latin-1, else iTXt; None: removed), plus sRGB and pHYs when missing."""
    return png_with_texts(data, {keyword: (text, False)})


def with_parameters(data: bytes, text: str | None) -> bytes:
    """PNG bytes carrying the engine's text: the A1111 `parameters` chunk (only when the image has
    its own generation parameters) and the `studio` provenance chunk, plus sRGB and pHYs."""
    own, mine = split_texts(text)
    return png_with_texts(data, {KEYWORD: (own, False), STUDIO_KEYWORD: (mine, True)})


def write_png(image: Any, path: str | Path, *, parameters: str | None = None, made_by: dict[str, Any] | None = None,
              compress_level: int = 6, dpi: int | None = None) -> Path:
    """Save a Pillow image as a PNG carrying `parameters` (A1111 text), a `studio` chunk from
    `made_by` (see `studio_text`), sRGB and `dpi` (None: DPI); return the path."""
    path = Path(path)
    path.write_bytes(png_bytes(image, parameters=parameters, made_by=made_by, compress_level=compress_level, dpi=dpi))
    return path


def png_bytes(image: Any, *, parameters: str | None = None, made_by: dict[str, Any] | None = None,
              compress_level: int = 6, dpi: int | None = None) -> bytes:
    """`write_png`'s bytes."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    mine = studio_text(made_by) if made_by else None
    return png_with_texts(buf.getvalue(), {KEYWORD: (parameters, False), STUDIO_KEYWORD: (mine, True)}, dpi=dpi)


def read_texts(data: bytes) -> dict[str, str]:
    """Every tEXt/iTXt/zTXt chunk of a PNG as {keyword: text} (for tests and tools)."""
    if not data.startswith(_SIGNATURE):
        raise ValueError("not a PNG")
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if ctype == b"tEXt":
            k, v = body.split(b"\x00", 1)
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif ctype == b"zTXt":
            k, v = body.split(b"\x00", 1)
            out[k.decode("latin-1")] = zlib.decompress(v[1:]).decode("latin-1")
        elif ctype == b"iTXt":
            k, rest = body.split(b"\x00", 1)
            flag, _method, rest = rest[0], rest[1], rest[2:]
            _lang, rest = rest.split(b"\x00", 1)
            _tkey, v = rest.split(b"\x00", 1)
            out[k.decode("latin-1")] = (zlib.decompress(v) if flag else v).decode("utf-8")
    return out


def install() -> None:
    """Hand the engine this module's PNG text writer and provenance formatter."""
    set_png_text(with_parameters, provenance_parameters)
