"""Motion comics: panels in reading order with camera moves and transitions, written with PyAV
as an H.264/AAC MP4 (BT.709, tagged).

By default (`fit="fill"`) every panel fills the whole frame: it is scaled to cover the frame and
the camera travels along the part that overflows, from where reading starts to where it ends
(down a tall panel, across a wide one), so every bubble passes through the frame; a panel of the
frame's own shape gets a slow push-in or pull-out. Two tall panels in a row share the frame side by
side (for the time of both), so portrait panels are not blown up to the frame's width. With
`fit="contain"` each panel is shown whole, letterboxed over a blurred, darkened copy of itself.
Each frame resamples the panel from a sub-pixel source box, so moves do not jitter. Panels change
with a crossfade, a slide or a cut; nothing ever fades through black.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

#: AAC sample rates the MP4 keeps as they are (others are resampled to 44.1 kHz)
AAC_RATES = (22050, 24000, 32000, 44100, 48000)


def write_mp4(path: Path, frame_at: Callable[[float], np.ndarray], frames: int, fps: int, size: tuple[int, int], *,
              audio: tuple[np.ndarray, int] | None = None, crf: int = 20) -> Path:
    """Encode `frames` RGB frames (`frame_at(t)` -> HxWx3 uint8) and optional stereo float32 audio as
    an H.264/AAC MP4 with PyAV (libx264 veryfast at `crf`, yuv420p, AAC 160 kb/s, faststart, no
    metadata). The frames are sRGB: they are converted to Y'CbCr with the BT.709 matrix in limited
    range and the stream is tagged BT.709 (matrix, primaries, transfer), so players that read the
    tags and players that assume BT.709 for HD show the same colours."""
    from fractions import Fraction

    import av
    from av.video.reformatter import ColorRange, Colorspace

    w, h = size
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        v = out.add_stream("libx264", rate=Fraction(int(fps), 1))
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"crf": str(int(crf)), "preset": "veryfast"}
        v.thread_count = 2
        cc = v.codec_context
        cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 1, 1, 1, 1  # BT.709, limited (MPEG) range
        a = None
        if audio is not None:
            samples, sr = audio
            if sr not in AAC_RATES:
                from math import gcd

                from scipy.signal import resample_poly

                g = gcd(int(sr), 44100)
                samples = resample_poly(samples, 44100 // g, int(sr) // g, axis=0).astype(np.float32)
                sr = 44100
            a = out.add_stream("aac", rate=int(sr), layout="stereo")
            a.bit_rate = 160_000
        for i in range(frames):
            rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_at(i / fps)), format="rgb24")
            yuv = rgb.reformat(format="yuv420p", src_colorspace=Colorspace.ITU709, dst_colorspace=Colorspace.ITU709,
                               dst_color_range=ColorRange.MPEG)
            yuv.pts = i
            out.mux(v.encode(yuv))
        out.mux(v.encode(None))
        if a is not None:
            planar = np.ascontiguousarray(np.clip(samples, -1, 1).T.astype(np.float32))
            step = a.codec_context.frame_size or 1024
            for start in range(0, planar.shape[1], step):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar[:, start:start + step]), format="fltp", layout="stereo")
                chunk.sample_rate = int(sr)
                chunk.pts = start
                out.mux(a.encode(chunk))
            out.mux(a.encode(None))
    return path


def _ease(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


#: a panel within this ratio of the frame's aspect counts as the frame's shape (no pan needed)
SAME_SHAPE = 1.03
#: two panels in a row narrower than this share of the frame's aspect go side by side
PAIR_BELOW = 0.62
#: gutter between two panels side by side, as a share of the frame's width
PAIR_GUTTER = 0.012


def resolve_move(img_size: tuple[int, int], frame: tuple[int, int], move: str, index: int = 0, fit: str = "contain") -> str:
    """The camera move for a panel: `auto` pans along panels much taller or wider than the frame
    (with `fit="fill"`: along any panel that overflows the frame) and alternates push-in /
    pull-out on the others; `pan` picks the panel's long axis."""
    aspect, frame_aspect = img_size[0] / img_size[1], frame[0] / frame[1]
    if move == "auto" and fit == "fill":
        if aspect < frame_aspect / SAME_SHAPE:
            return "pan-down"
        if aspect > frame_aspect * SAME_SHAPE:
            return "pan-right"
        return "push-in" if index % 2 == 0 else "pull-out"
    if move == "auto":
        if aspect < frame_aspect / 1.9:
            return "pan-down"
        if aspect > frame_aspect * 1.9:
            return "pan-right"
        return "push-in" if index % 2 == 0 else "pull-out"
    if move == "pan":
        return "pan-down" if aspect < frame_aspect else "pan-right"
    return move


class _Shot:
    """One panel's frames: a background and a moving view of the panel."""

    def __init__(self, img: Image.Image, size: tuple[int, int], move: str, background: str, fit: str = "contain"):
        self.img = img.convert("RGB")
        W, H = size
        self.size = size
        w, h = self.img.size
        contain = min(W / w, H / h)
        cover = max(W / w, H / h)
        move = resolve_move((w, h), size, move, fit=fit)
        self.move = move
        if fit == "fill":
            # cover the frame; pans travel the overflow, zooms start or end on the covering size
            if move == "push-in":
                self.scales = (cover, cover * 1.06)
            elif move == "pull-out":
                self.scales = (cover * 1.06, cover)
            else:
                self.scales = (cover, cover)
        elif move == "pan-down":
            s = min(W * 0.8 / w, H * 1.6 / h) if h * W * 0.8 / w > H else contain
            s = max(s, contain)
            self.scales = (s, s)
        elif move == "pan-right":
            s = max(contain, min(H * 0.85 / h, W * 1.6 / w))
            self.scales = (s, s)
        elif move == "pull-out":
            self.scales = (contain * 0.92, contain * 0.84)
        elif move == "push-in":
            self.scales = (contain * 0.84, contain * 0.92)
        else:
            self.scales = (contain * 0.9, contain * 0.9)
        if fit == "fill":
            bg = Image.new("RGB", size, "black")  # always covered
        elif background == "blur":
            bg = self.img.resize((max(1, W // 8), max(1, H // 8)), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(3))
            bg = ImageEnhance.Brightness(bg.resize(size, Image.Resampling.BILINEAR)).enhance(0.45)
        else:
            bg = Image.new("RGB", size, background)
        self.bg = bg

    def coverage(self) -> float:
        """The share of the frame the panel covers (at the start of the move)."""
        W, H = self.size
        w, h = self.img.size
        s = min(self.scales)
        return min(1.0, w * s / W) * min(1.0, h * s / H)

    def frame(self, u: float) -> Image.Image:
        """The shot at progress u in 0..1."""
        W, H = self.size
        w, h = self.img.size
        e = _ease(u)
        s = self.scales[0] + (self.scales[1] - self.scales[0]) * e
        sw, sh = w * s, h * s
        # where the scaled panel's top-left sits in the frame
        if self.move == "pan-down" and sh > H:
            ox, oy = (W - sw) / 2, -(sh - H) * e
        elif self.move == "pan-right" and sw > W:
            ox, oy = -(sw - W) * e, (H - sh) / 2
        elif self.move == "pan-left" and sw > W:
            ox, oy = -(sw - W) * (1 - e), (H - sh) / 2
        else:
            ox, oy = (W - sw) / 2, (H - sh) / 2
        # the visible part of the panel in whole frame pixels, and the exact (sub-pixel) source
        # box that maps onto it: scale and offset stay smooth from frame to frame
        dx0, dy0 = max(0, math.floor(ox)), max(0, math.floor(oy))
        dx1, dy1 = min(W, math.ceil(ox + sw)), min(H, math.ceil(oy + sh))
        out = self.bg.copy()
        if dx1 - dx0 < 1 or dy1 - dy0 < 1:
            return out
        box = ((dx0 - ox) / s, (dy0 - oy) / s, (dx1 - ox) / s, (dy1 - oy) / s)
        box = (max(0.0, box[0]), max(0.0, box[1]), min(float(w), box[2]), min(float(h), box[3]))
        part = self.img.resize((dx1 - dx0, dy1 - dy0), Image.Resampling.BILINEAR, box=box)
        out.paste(part, (dx0, dy0))
        return out


def fit_audio(samples: np.ndarray, sr: int, duration: float, *, fade: float = 1.5) -> np.ndarray:
    """Stereo float32 of exactly `duration` seconds: trimmed with a fade-out, or looped with a
    short crossfade at each seam when the soundtrack is shorter."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = np.stack([x, x], axis=1)
    elif x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    else:
        x = x[:, :2]
    n = max(1, int(round(duration * sr)))
    if len(x) == 0:
        return np.zeros((n, 2), dtype=np.float32)
    if len(x) < n:
        xf = min(int(0.05 * sr), len(x) // 4)
        out = x.copy()
        while len(out) < n:
            if xf > 0:
                ramp = np.linspace(0, 1, xf, dtype=np.float32)[:, None]
                seam = out[-xf:] * (1 - ramp) + x[:xf] * ramp
                out = np.concatenate([out[:-xf], seam, x[xf:]])
            else:
                out = np.concatenate([out, x])
        x = out
    x = x[:n].copy()
    k = min(n, int(fade * sr))
    if k > 0:
        x[-k:] *= np.linspace(1, 0, k, dtype=np.float32)[:, None]
    return np.clip(x, -1, 1)


def side_by_side(a: Image.Image, b: Image.Image, frame: tuple[int, int], rtl: bool = False) -> Image.Image:
    """Two panels at one height with a thin dark gutter between them (reading order left to
    right, or right to left)."""
    first, second = (b, a) if rtl else (a, b)
    h = max(first.height, second.height)
    wa = max(1, round(first.width * h / first.height))
    wb = max(1, round(second.width * h / second.height))
    gutter = max(2, round(PAIR_GUTTER * (wa + wb)))
    out = Image.new("RGB", (wa + gutter + wb, h), (12, 12, 16))
    out.paste(first.convert("RGB").resize((wa, h), Image.Resampling.LANCZOS), (0, 0))
    out.paste(second.convert("RGB").resize((wb, h), Image.Resampling.LANCZOS), (wa + gutter, 0))
    return out


def group_panels(panels: Sequence[Image.Image], frame: tuple[int, int], fit: str, rtl: bool = False) -> list[tuple[Image.Image, int]]:
    """What each shot shows and for how many panels' time: with `fit="fill"` two tall panels in a
    row (narrower than PAIR_BELOW of the frame's aspect) share one shot side by side."""
    fa = frame[0] / frame[1]
    out: list[tuple[Image.Image, int]] = []
    i = 0
    while i < len(panels):
        img = panels[i]
        if fit == "fill" and i + 1 < len(panels):
            nxt = panels[i + 1]
            if img.width / img.height < fa * PAIR_BELOW and nxt.width / nxt.height < fa * PAIR_BELOW:
                out.append((side_by_side(img, nxt, frame, rtl), 2))
                i += 2
                continue
        out.append((img, 1))
        i += 1
    return out


def render_motion(
    panels: Sequence[Image.Image],
    path: Path,
    *,
    audio: tuple[np.ndarray, int] | None = None,
    seconds_per_panel: float = 3.5,
    transition: str = "crossfade",
    transition_seconds: float = 0.6,
    move: str = "auto",
    size: tuple[int, int] = (1280, 720),
    fps: int = 24,
    background: str = "blur",
    crf: int = 20,
    progress: Callable[..., Any] | None = None,
    fit: str = "fill",
    rtl: bool = False,
) -> dict[str, Any]:
    """Write the motion comic to `path`; returns {duration, frames, panels, shots, moves, frame_fill}."""
    if fit not in ("fill", "contain"):
        raise ValueError(f"fit {fit!r}: use fill or contain")
    groups = group_panels(panels, size, fit, rtl)
    n = len(groups)
    spp = float(seconds_per_panel)
    starts = [0.0]
    for _, k in groups:
        starts.append(starts[-1] + k * spp)
    duration = starts[-1]
    tr = 0.0 if transition == "cut" else float(transition_seconds)
    moves = []
    zooms = 0
    for img, _ in groups:
        m = resolve_move(img.size, size, move, zooms, fit=fit)
        if rtl and m == "pan-right":
            m = "pan-left"  # right-to-left pages read from the right
        zooms += m in ("push-in", "pull-out")
        moves.append(m)
    shots: dict[int, _Shot] = {}

    def shot(i: int) -> _Shot:
        if i not in shots:
            for k in [k for k in shots if k < i - 1]:
                del shots[k]
            shots[i] = _Shot(groups[i][0], size, moves[i], background, fit)
        return shots[i]

    fill_share = sum(_Shot(img, size, m, "black", fit).coverage() * k for (img, k), m in zip(groups, moves)) / max(1, len(panels))
    total_frames = max(1, int(round(duration * fps)))
    done = {"frames": 0}

    def frame_at(t: float) -> np.ndarray:
        import bisect

        i = min(n - 1, max(0, bisect.bisect_right(starts, t) - 1))
        span = starts[i + 1] - starts[i]
        local = t - starts[i]
        # a panel moves from when its transition in starts until its transition out ends
        u = (local + (tr if i > 0 else 0.0)) / (span + (tr if i > 0 else 0.0))
        img = shot(i).frame(u)
        if tr > 0 and i + 1 < n and local > span - tr:
            a = _ease((local - (span - tr)) / tr)
            nxt_span = starts[i + 2] - starts[i + 1]
            nxt = shot(i + 1).frame((local - (span - tr)) / (nxt_span + tr))
            if transition == "slide":
                W = size[0]
                off = int(round(W * a))
                canvas = Image.new("RGB", size)
                canvas.paste(img, (-off, 0))
                canvas.paste(nxt, (W - off, 0))
                img = canvas
            else:
                img = Image.blend(img, nxt, a)
        done["frames"] += 1
        if progress is not None and done["frames"] % 12 == 0:
            progress(min(0.95, done["frames"] / total_frames), "rendering frames")
        return np.asarray(img, dtype=np.uint8)

    fitted = None
    if audio is not None:
        samples, sr = audio
        fitted = (fit_audio(samples, int(sr), duration), int(sr))
    write_mp4(Path(path), frame_at, total_frames, fps, size, audio=fitted, crf=crf)
    if progress is not None:
        progress(1.0, "written")
    return {"duration": round(duration, 3), "frames": total_frames, "panels": len(panels), "shots": n, "fps": fps, "size": list(size),
            "moves": moves, "fit": fit, "frame_fill": round(fill_share, 3), "audio_seconds": round(duration, 3) if audio is not None else 0.0,
            "transition": transition if not math.isclose(tr, 0.0) else "cut"}
