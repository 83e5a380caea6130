"""Seamless loops: pick whole bars, crossfade the seam, measure what is left of it.

* A procedural track rendered as a loop is already seamless (its tail is folded onto its start);
  it is kept as is and only measured.
* Otherwise the loop region is chosen in whole bars: from the bar grid the composer reports, or
  from beat tracking (tempo by onset autocorrelation, beat phase and downbeat) for neural audio.
* The seam is crossfaded with audio from outside the loop, so the material on both sides of the
  wrap is what would really be heard there: the loop's last `crossfade` seconds fade out while the
  audio just before the loop start fades in (equal power, since the two are different material).
  When there is no audio before the start, the loop's first seconds are crossfaded with the audio
  just after its end instead.
The same edits (linear) are applied to stems, so stems still sum to the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.backends.audio.music.analysis import beat_grid, seam_discontinuity
from studio.engine.errors import UserError


@dataclass
class LoopPlan:
    start: int  # samples, in the input
    end: int  # samples, exclusive
    bar_samples: float
    bars: int
    source: str  # "composer" | "beat-tracking" | "whole file"
    bpm: float | None = None
    info: dict[str, Any] = field(default_factory=dict)


def plan_loop(samples: np.ndarray, sample_rate: int, data: dict[str, Any] | None, *, bars: int | None = None,
              keep_intro: bool = True, crossfade: float = 0.1, beats_per_bar: int | None = None) -> LoopPlan:
    n = samples.shape[0]
    data = data or {}
    xf = int(crossfade * sample_rate)
    if data.get("seconds_per_bar") and data.get("bpm"):
        bar = float(data["seconds_per_bar"]) * sample_rate
        total_bars = int(data.get("bars") or round(n / bar))
        if data.get("loop_ready"):
            return LoopPlan(0, n, bar, total_bars, "composer (rendered seamless)", float(data["bpm"]))
        b0, b1 = data.get("loop_bars") or (0, total_bars)
        if bars:
            b1 = min(b1, b0 + bars)
        start, end = int(round(b0 * bar)), int(round(b1 * bar))
        return LoopPlan(start, min(end, n), bar, b1 - b0, "composer bar grid", float(data["bpm"]))
    # neural or unknown audio: beat tracking
    bpb = int(beats_per_bar or data.get("beats_per_bar") or 4)
    grid = beat_grid(samples, sample_rate, beats_per_bar=bpb, bpm=data.get("bpm_hint"))
    bar = grid.seconds_per_bar * sample_rate
    start = int(round(grid.downbeat * sample_rate))
    # leave room for the crossfade before the start when possible
    while start < xf and start + bar < n - bar:
        start += int(round(bar))
    usable = n - start - xf
    count = int(usable // bar)
    if bars:
        count = min(count, bars)
    if count < 1:
        raise UserError(f"audio of {n / sample_rate:.2f}s is shorter than one bar at {grid.bpm:.1f} bpm; cannot cut a bar-exact loop")
    # prefer a power of two number of bars (4, 8, 16...) when it keeps most of the audio
    p2 = 1 << (count.bit_length() - 1)
    if not bars and p2 >= 0.75 * count:
        count = p2
    end = start + int(round(count * bar))
    return LoopPlan(start, end, bar, count, "beat tracking", grid.bpm, {"downbeat_s": round(grid.downbeat, 4)})


def _equal_power(n: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 1.0, n, dtype=np.float64)
    return np.cos(t * np.pi / 2).astype(np.float32), np.sin(t * np.pi / 2).astype(np.float32)


def apply_loop(x: np.ndarray, plan: LoopPlan, sample_rate: int, *, crossfade: float = 0.1,
               keep_intro: bool = True) -> tuple[np.ndarray, int, int, str]:
    """(audio, loop_start, loop_length, how the seam was made). With keep_intro the audio before
    the loop is kept (LOOPSTART points past it); otherwise the result is just the loop."""
    start, end = plan.start, plan.end
    n = x.shape[0]
    if plan.source.startswith("composer (rendered"):
        return x.copy(), 0, n, "rendered seamless (release and reverb tails folded onto the start)"
    xf = min(int(crossfade * sample_rate), (end - start) // 4)
    body = x[start:end].copy()
    how = "no crossfade"
    if xf > 0 and start >= xf:
        fo, fi = _equal_power(xf)
        pre = x[start - xf : start]
        shape = (-1, 1) if body.ndim == 2 else (-1,)
        body[-xf:] = body[-xf:] * fo.reshape(shape) + pre * fi.reshape(shape)
        how = f"{xf / sample_rate * 1000:.0f} ms equal-power crossfade of the loop end into the audio before its start"
    elif xf > 0 and end + xf <= n:
        fo, fi = _equal_power(xf)
        post = x[end : end + xf]
        shape = (-1, 1) if body.ndim == 2 else (-1,)
        body[:xf] = body[:xf] * fi.reshape(shape) + post * fo.reshape(shape)
        how = f"{xf / sample_rate * 1000:.0f} ms equal-power crossfade of the loop start with the audio after its end"
    if keep_intro and start > 0:
        return np.concatenate([x[:start], body]), start, end - start, how
    return body, 0, end - start, how


def make_loop(x: np.ndarray, sample_rate: int, data: dict[str, Any] | None, *, stems: list[np.ndarray] | None = None,
              bars: int | None = None, crossfade: float = 0.1, keep_intro: bool = True,
              beats_per_bar: int | None = None) -> tuple[np.ndarray, list[np.ndarray], dict[str, Any]]:
    plan = plan_loop(x, sample_rate, data, bars=bars, keep_intro=keep_intro, crossfade=crossfade, beats_per_bar=beats_per_bar)
    out, ls, ll, how = apply_loop(x, plan, sample_rate, crossfade=crossfade, keep_intro=keep_intro)
    out_stems = [apply_loop(s, plan, sample_rate, crossfade=crossfade, keep_intro=keep_intro)[0] for s in (stems or [])]
    seam = seam_discontinuity(out[ls : ls + ll], sample_rate, bar_samples=plan.bar_samples)
    info = {
        "loop_start": int(ls), "loop_length": int(ll), "loop_bars": int(plan.bars),
        "loop_seconds": round(ll / sample_rate, 6), "loop_source": plan.source, "seam": how,
        "seam_discontinuity": seam, "bpm_used": round(plan.bpm, 3) if plan.bpm else None, **plan.info,
    }
    return out, out_stems, info
