"""keyframes.png: the chosen frames with their times, above a timeline of the whole video that
shows its colours, the shots, blank gaps, the cuts and where each keyframe was taken."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from studio.comic.fonts import load_font as get_font

BG = (24, 24, 30)
FG = (235, 235, 240)
DIM = (150, 150, 160)
ACCENT = (255, 196, 61)
SHOT_COLOURS = [(70, 130, 180), (214, 108, 80), (96, 168, 110), (176, 120, 190), (210, 170, 70), (90, 170, 180)]


def fmt_time(t: float) -> str:
    m, s = divmod(max(t, 0.0), 60.0)
    if m >= 60:
        h, m = divmod(m, 60)
        return f"{int(h)}:{int(m):02d}:{s:06.3f}"
    return f"{int(m):02d}:{s:06.3f}"


def render_preview(
    frames: list[Any],  # PIL images
    labels: list[str],
    *,
    duration: float,
    shots: list[tuple[float, float]],
    gaps: list[tuple[float, float]],
    cuts: list[float],
    key_times: list[float],
    strip: np.ndarray | None,  # (rows, columns, 3) RGB picture of the timeline, or None
    title: str,
    cell_width: int = 320,
    columns: int | None = None,
):
    from PIL import Image, ImageDraw


    n = max(len(frames), 1)
    cols = columns or min(n, 4 if n > 4 else n)
    rows = math.ceil(len(frames) / cols) if frames else 0
    aspect = (frames[0].height / frames[0].width) if frames else 9 / 16
    cell_h = max(40, int(round(cell_width * min(aspect, 1.8))))
    pad, label_h, head = 12, 22, 34
    width = max(cols * cell_width + (cols + 1) * pad, 640)
    tl_h = 96
    height = head + rows * (cell_h + label_h + pad) + pad + tl_h + pad
    sheet = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(sheet)
    f_title = get_font(18)
    f_label = get_font(14)
    draw.text((pad, 8), title, fill=FG, font=f_title)
    for i, (img, label) in enumerate(zip(frames, labels)):
        r, c = divmod(i, cols)
        x = pad + c * (cell_width + pad)
        y = head + r * (cell_h + label_h + pad)
        thumb = img.copy()
        thumb.thumbnail((cell_width, cell_h))
        sheet.paste(thumb, (x + (cell_width - thumb.width) // 2, y + (cell_h - thumb.height) // 2))
        draw.rectangle([x + 4, y + 4, x + 30, y + 24], fill=BG)
        draw.text((x + 8, y + 6), str(i + 1), fill=ACCENT, font=f_label)
        draw.text((x, y + cell_h + 3), label, fill=FG, font=f_label)
    # timeline
    y0 = height - tl_h - pad
    x0, x1 = pad, width - pad
    span = max(duration, 1e-6)

    def X(t: float) -> int:
        return int(round(x0 + (x1 - x0) * min(max(t / span, 0.0), 1.0)))

    draw.text((x0, y0), f"timeline 0 - {fmt_time(duration)}  ({len(shots)} shots, {len(cuts)} cuts)", fill=DIM, font=f_label)
    bar_y, bar_h = y0 + 22, 34
    if strip is not None and len(strip):
        arr = strip if strip.ndim == 3 else strip[None, :, :]
        cols_img = Image.fromarray(np.ascontiguousarray(arr.astype(np.uint8)))
        cols_img = cols_img.resize((x1 - x0, bar_h), Image.Resampling.BILINEAR)
        sheet.paste(cols_img, (x0, bar_y))
    else:
        draw.rectangle([x0, bar_y, x1, bar_y + bar_h], fill=(50, 50, 60))
    band_y = bar_y + bar_h + 4
    for k, (a, b) in enumerate(shots):
        draw.rectangle([X(a), band_y, max(X(b) - 1, X(a)), band_y + 8], fill=SHOT_COLOURS[k % len(SHOT_COLOURS)])
    for a, b in gaps:
        draw.rectangle([X(a), band_y, max(X(b) - 1, X(a)), band_y + 8], fill=(60, 60, 66))
    for t in cuts:
        draw.line([X(t), bar_y - 3, X(t), band_y + 8], fill=FG, width=2)
    for i, t in enumerate(key_times):
        x = X(t)
        ty = band_y + 12
        draw.polygon([(x, ty), (x - 6, ty + 10), (x + 6, ty + 10)], fill=ACCENT)
        draw.text((x - 4, ty + 11), str(i + 1), fill=ACCENT, font=get_font(11))
    return sheet
