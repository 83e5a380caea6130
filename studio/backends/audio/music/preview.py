"""A preview image of a track: waveform (min/max per pixel column), one lane per stem, bar lines,
section bands and the loop points."""

from __future__ import annotations

from typing import Any

import numpy as np

SECTION_COLOURS = {"intro": (70, 90, 140), "A": (60, 120, 90), "A'": (60, 120, 90), "B": (140, 100, 60),
                   "B'": (140, 100, 60), "outro": (110, 70, 120)}


def _envelope(x: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    mono = x.mean(axis=1) if x.ndim == 2 else x
    n = len(mono)
    edges = np.linspace(0, n, width + 1).astype(int)
    lo = np.zeros(width, np.float32)
    hi = np.zeros(width, np.float32)
    for i in range(width):
        seg = mono[edges[i] : max(edges[i + 1], edges[i] + 1)]
        if len(seg):
            lo[i], hi[i] = seg.min(), seg.max()
    return lo, hi


def render_preview(samples: np.ndarray, sample_rate: int, *, stems: dict[str, np.ndarray] | None = None,
                   data: dict[str, Any] | None = None, loop: tuple[int, int] | None = None,
                   title: str = "", width: int = 1400) -> Any:
    from PIL import Image, ImageDraw, ImageFont

    data = data or {}
    stems = stems or {}
    n = samples.shape[0]
    dur = n / sample_rate
    top, main_h, lane_h, axis_h, left = 58, 220, 46, 28, 110
    height = top + main_h + lane_h * len(stems) + axis_h + 8
    img = Image.new("RGB", (width, height), (22, 22, 28))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=13)
    small = ImageFont.load_default(size=11)
    plot_w = width - left - 12

    def xpos(sample: float) -> int:
        return left + int(round(sample / max(n, 1) * plot_w))

    # sections
    spb = data.get("seconds_per_bar")
    for sec in data.get("sections", []) or []:
        if sec["start"] >= dur - 1e-6:
            continue  # cut away (an outro after the loop)
        x0, x1 = xpos(sec["start"] * sample_rate), xpos(min(sec["end"], dur) * sample_rate)
        col = SECTION_COLOURS.get(sec["name"], (90, 90, 90))
        d.rectangle([x0, top - 18, x1, top - 4], fill=col)
        d.text((x0 + 4, top - 18), sec["name"], fill=(240, 240, 240), font=small)
    # bar lines
    if spb:
        bars = int(np.ceil(dur / spb))
        for b in range(bars + 1):
            xb = xpos(b * spb * sample_rate)
            strong = b % 4 == 0
            d.line([xb, top, xb, height - axis_h - 4], fill=(70, 70, 84) if strong else (44, 44, 54))
            if strong and b < bars:
                d.text((xb + 2, height - axis_h), str(b + 1), fill=(150, 150, 160), font=small)
    # main waveform
    lo, hi = _envelope(samples, plot_w)
    mid = top + main_h / 2
    scale = main_h / 2 * 0.95
    for i in range(plot_w):
        d.line([left + i, mid - hi[i] * scale, left + i, mid - lo[i] * scale], fill=(110, 190, 240))
    d.text((8, mid - 8), "mix", fill=(220, 220, 220), font=font)
    # stems
    y = top + main_h
    peak = max([float(np.max(np.abs(s))) for s in stems.values()] + [1e-9])
    for name, s in stems.items():
        lo, hi = _envelope(s, plot_w)
        m = y + lane_h / 2
        sc = lane_h / 2 * 0.9 / peak
        d.line([left, y, width - 12, y], fill=(40, 40, 50))
        for i in range(plot_w):
            if hi[i] - lo[i] > 1e-4:
                d.line([left + i, m - hi[i] * sc, left + i, m - lo[i] * sc], fill=(150, 210, 150))
        d.text((8, m - 7), name[:15], fill=(200, 200, 200), font=small)
        y += lane_h
    # loop points
    if loop is not None:
        ls, ll = loop
        for pos, label in ((ls, "LOOPSTART"), (ls + ll, "LOOPEND")):
            xl = min(xpos(pos), width - 13)
            d.line([xl, top - 2, xl, height - axis_h - 4], fill=(250, 90, 90), width=2)
            d.text((max(left, xl - 70 if label == "LOOPEND" else xl + 4), top + 2), label, fill=(250, 120, 120), font=small)
    # header and time axis
    bits = [title] if title else []
    for k in ("bpm", "key", "meter", "lufs"):
        if data.get(k) is not None:
            bits.append(f"{k} {data[k]}")
    bits.append(f"{dur:.2f}s {sample_rate} Hz")
    d.text((8, 8), "  |  ".join(str(b) for b in bits)[:180], fill=(235, 235, 235), font=font)
    step = 1 if dur <= 15 else 5 if dur <= 90 else 30
    for t in np.arange(0, dur + 1e-9, step):
        xt = xpos(t * sample_rate)
        d.line([xt, height - axis_h - 4, xt, height - axis_h], fill=(160, 160, 170))
        d.text((xt + 2, height - 14), f"{t:g}s", fill=(120, 120, 130), font=small)
    return img
