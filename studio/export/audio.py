"""Writing game-ready audio: WAV / OGG Vorbis / FLAC / MP3, loudness-normalised, with loop tags and
a sidecar JSON.

Loudness: ITU-R BS.1770 integrated loudness (pyloudnorm, 400 ms gated blocks). One gain brings the
mix to the target; if that pushes peaks over the ceiling (-1 dBFS by default), a smooth gain
envelope (a look-around limiter: the per-sample gain needed to stay under the ceiling, spread by a
minimum filter and smoothed by a moving average no wider than the minimum filter, so it never lets
a peak through) is applied, and the loudness is re-measured and re-trimmed (up to three times).
Clips shorter than one 400 ms block cannot be gated; they are measured as one BS.1770 block of
their own length (K-weighted mean square), and clips under 50 ms are peak-normalised instead; the
sidecar says which method ran. The same gain (and envelope) can be applied to stems, so stems still
sum to the normalised mix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.errors import InputError, UserError
from studio.export import audio_tags as tagio

FORMATS = ("wav", "ogg", "flac", "mp3")


@dataclass
class Normalised:
    samples: np.ndarray
    gain_db: float
    envelope: np.ndarray | None  # per-sample limiter gain (None when not needed)
    info: dict[str, Any] = field(default_factory=dict)

    def apply(self, other: np.ndarray) -> np.ndarray:
        """The same gain (and limiter envelope) applied to another signal of the same length."""
        y = np.asarray(other, dtype=np.float32) * np.float32(10 ** (self.gain_db / 20.0))
        if self.envelope is not None:
            env = self.envelope if y.ndim == 1 else self.envelope[:, None]
            y = y * env
        return y.astype(np.float32)


def measure_lufs(samples: np.ndarray, sample_rate: int) -> tuple[float, str]:
    """(loudness in LUFS, method). Gated BS.1770 for >= 0.4 s, one block for shorter clips."""
    import pyloudnorm

    x = np.asarray(samples, dtype=np.float64)
    dur = x.shape[0] / sample_rate
    if dur >= 0.4:
        meter = pyloudnorm.Meter(sample_rate)
        method = "BS.1770 integrated (gated 400 ms blocks)"
    elif dur >= 0.05:
        meter = pyloudnorm.Meter(sample_rate, block_size=dur)
        method = f"BS.1770 single block ({dur * 1000:.0f} ms clip, shorter than the 400 ms gating block)"
    else:
        return float("nan"), "too short to measure"
    with np.errstate(divide="ignore"):
        value = float(meter.integrated_loudness(x))
    return value, method


def _limiter_envelope(x: np.ndarray, ceiling: float, sample_rate: int) -> np.ndarray | None:
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    peak = np.max(np.abs(x), axis=1) if x.ndim == 2 else np.abs(x)
    if peak.max() <= ceiling:
        return None
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    r = max(1, int(0.005 * sample_rate))  # 5 ms either side
    held = minimum_filter1d(need, size=2 * r + 1, mode="nearest")
    smooth = uniform_filter1d(held, size=2 * r + 1, mode="nearest")
    # the average of values each <= need[n] within +-r cannot exceed need[n]; guard rounding
    return np.minimum(smooth, need).astype(np.float32)


def loudness_normalise(samples: np.ndarray, sample_rate: int, target_lufs: float | None, *,
                       ceiling_dbfs: float = -1.0) -> Normalised:
    x = np.asarray(samples, dtype=np.float32)
    ceiling = 10 ** (ceiling_dbfs / 20.0)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0:
        return Normalised(x.copy(), 0.0, None, {"lufs": None, "loudness_method": "silent input: left as is"})
    if target_lufs is None:
        lufs, method = measure_lufs(x, sample_rate)
        return Normalised(x.copy(), 0.0, None, {"lufs": None if np.isnan(lufs) else round(lufs, 2), "loudness_method": method + ", not normalised"})
    lufs, method = measure_lufs(x, sample_rate)
    if not np.isfinite(lufs):
        gain_db = 20 * np.log10(ceiling / peak)
        y = x * np.float32(10 ** (gain_db / 20))
        return Normalised(y, float(gain_db), None, {"lufs": None, "loudness_method": f"peak-normalised to {ceiling_dbfs} dBFS ({method})"})
    gain_db = float(target_lufs - lufs)
    for attempt in range(4):
        y = x * np.float32(10 ** (gain_db / 20))
        env = _limiter_envelope(y, ceiling, sample_rate)
        if env is not None:
            y = y * (env[:, None] if y.ndim == 2 else env)
        measured, _ = measure_lufs(y, sample_rate)
        if env is None or abs(measured - target_lufs) < 0.2 or attempt == 3:
            break
        gain_db += float(target_lufs - measured)  # the limiter took some loudness: push a little more
    reduction = float(-20 * np.log10(env.min())) if env is not None else 0.0
    info = {
        "lufs": round(float(measured), 2),
        "target_lufs": target_lufs,
        "input_lufs": round(float(lufs), 2),
        "gain_db": round(gain_db, 2),
        "limiter_max_reduction_db": round(reduction, 2),
        "peak_dbfs": round(float(20 * np.log10(max(np.max(np.abs(y)), 1e-12))), 2),
        "loudness_method": method,
    }
    return Normalised(y.astype(np.float32), gain_db, env, info)


def export_audio(
    samples: np.ndarray,
    sample_rate: int,
    out_dir: Path,
    stem: str,
    *,
    formats: tuple[str, ...] | list[str] = ("wav", "ogg"),
    loop_start: int | None = None,
    loop_length: int | None = None,
    target_lufs: float | None = -14.0,
    sidecar: dict | None = None,
    ceiling_dbfs: float = -1.0,
    wav_subtype: str = "PCM_16",
    stems: dict[str, np.ndarray] | None = None,
    stems_format: str = "wav",
) -> dict[str, Path]:
    """Write `samples` as `stem.<fmt>` files plus `stem.json` in `out_dir`; return {format: path}
    (the sidecar under "json"). Loop points are in samples (OGG/FLAC comments, WAV smpl chunk).

    `stems` (same length as `samples`) get exactly the gain and limiter envelope of the mix and are
    written to `out_dir/stems/NAME.<stems_format>`, returned under "stem:NAME"."""
    import soundfile as sf

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise InputError(f"export {stem}: no audio to write (shape {x.shape})")
    if not np.all(np.isfinite(x)):
        raise InputError(f"export {stem}: audio contains NaN or infinite samples")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UserError(f"unknown audio format {unknown[0]!r}; use {', '.join(FORMATS)}")
    if "mp3" in formats and "MP3" not in sf.available_formats():
        raise UserError("MP3 export needs libsndfile >= 1.1 with MPEG support (this soundfile has none); use ogg or wav")
    n = x.shape[0]
    if (loop_start is None) != (loop_length is None):
        raise UserError("give both loop_start and loop_length (in samples) or neither")
    if loop_start is not None and loop_length is not None and (loop_start < 0 or loop_length <= 0 or loop_start + loop_length > n):
        raise UserError(f"loop {loop_start}+{loop_length} does not fit in {n} samples")
    norm = loudness_normalise(x, sample_rate, target_lufs, ceiling_dbfs=ceiling_dbfs)
    y = np.clip(norm.samples, -1.0, 1.0)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tags: dict[str, str] = {}
    if loop_start is not None and loop_length is not None:
        tags = {"LOOPSTART": str(int(loop_start)), "LOOPLENGTH": str(int(loop_length))}
    meta = dict(sidecar or {})
    title = meta.get("title") or meta.get("prompt")
    comment_tags = dict(tags)
    if title:
        comment_tags["TITLE"] = str(title)[:200]
    if meta.get("licence"):
        comment_tags["LICENSE"] = str(meta["licence"])
    comment_tags["ENCODER"] = "studio"
    paths: dict[str, Path] = {}
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "wav":
            write_chunked(path, y, sample_rate, "WAV", wav_subtype)
            if loop_start is not None and loop_length is not None:
                tagio.write_wav_loop(path, sample_rate, int(loop_start), int(loop_length))
        elif fmt == "ogg":
            write_chunked(path, y, sample_rate, "OGG", "VORBIS")
            tagio.write_ogg_comments(path, comment_tags)
        elif fmt == "flac":
            write_chunked(path, y, sample_rate, "FLAC", "PCM_16" if wav_subtype == "PCM_16" else "PCM_24")
            tagio.write_flac_comments(path, comment_tags)
        elif fmt == "mp3":
            write_chunked(path, y, sample_rate, "MP3", "MPEG_LAYER_III")
        paths[fmt] = path
    stem_files = {}
    scaled = {}
    for name, sx in (stems or {}).items():
        sx = np.asarray(sx, dtype=np.float32)
        if sx.shape[0] != n:
            raise UserError(f"stem {name!r} has {sx.shape[0]} samples, the mix {n}; stems must match the mix")
        scaled[name] = norm.apply(sx)
    # a stem can peak above full scale where it partly cancels against others in the mix; 16/24-bit
    # files would clip it (and the stems would no longer sum to the master), float WAV does not
    over = sorted(k for k, v in scaled.items() if v.size and float(np.max(np.abs(v))) > 1.0)
    stem_subtype = "FLOAT" if over and stems_format == "wav" else wav_subtype
    for name, sy in scaled.items():
        sdir = out_dir / "stems"
        sdir.mkdir(exist_ok=True)
        spath = sdir / f"{name}.{stems_format}"
        if stems_format == "wav":
            write_chunked(spath, sy if stem_subtype == "FLOAT" else np.clip(sy, -1.0, 1.0), sample_rate, "WAV", stem_subtype)
        elif stems_format == "ogg":
            write_chunked(spath, np.clip(sy, -1.0, 1.0), sample_rate, "OGG", "VORBIS")
            tagio.write_ogg_comments(spath, dict(tags, TITLE=name, ENCODER="studio"))
        elif stems_format == "flac":
            write_chunked(spath, np.clip(sy, -1.0, 1.0), sample_rate, "FLAC", "PCM_16" if wav_subtype == "PCM_16" else "PCM_24")
            tagio.write_flac_comments(spath, dict(tags, TITLE=name, ENCODER="studio"))
        else:
            raise UserError(f"unknown stems format {stems_format!r}; use wav, ogg or flac")
        paths[f"stem:{name}"] = spath
        stem_files[name] = f"stems/{spath.name}"
    info = {
        "sample_rate": int(sample_rate),
        "channels": 1 if y.ndim == 1 else int(y.shape[1]),
        "samples": int(n),
        "duration": round(n / sample_rate, 6),
        "loop_start": None if loop_start is None else int(loop_start),
        "loop_length": None if loop_length is None else int(loop_length),
        **norm.info,
        "files": {fmt: p.name for fmt, p in paths.items() if not fmt.startswith("stem:")},
    }
    if stem_files:
        info["stems"] = stem_files
        info["stems_note"] = "stems carry the master's gain and limiter envelope: they sum to the master"
        if over:
            info["stems_note"] += (f"; {', '.join(over)} peak above full scale (cancelled in the mix), so the stems are 32-bit float WAV"
                                   if stem_subtype == "FLOAT" else f"; {', '.join(over)} clipped in {stems_format} (use wav stems to keep them whole)")
    if "mp3" in paths:
        info["mp3_note"] = "MP3 adds encoder delay and padding; use OGG or WAV for sample-exact loops"
    record = {key: meta.get(key) for key in ("bpm", "key", "meter", "bars", "seed", "backend", "model", "licence")}
    record.update(info)
    for k, v in meta.items():
        record.setdefault(k, v)
    js = out_dir / f"{stem}.json"
    js.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8")
    paths["json"] = js
    return paths


def write_chunked(path: Path, samples: np.ndarray, sample_rate: int, fmt: str, subtype: str, block: int = 16384) -> None:
    """soundfile write in blocks: libsndfile 1.2.2 crashes (SIGSEGV) when a long OGG Vorbis
    signal (about a minute of stereo) is written in one call; block writes are fine."""
    import soundfile as sf

    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with sf.SoundFile(str(path), "w", int(sample_rate), channels, format=fmt, subtype=subtype) as fh:
        for i in range(0, samples.shape[0], block):
            fh.write(samples[i : i + block])


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def read_loop_tags(path: Path) -> dict[str, str]:
    """The Vorbis comments of an OGG or FLAC file (for checks and tests)."""
    path = Path(path)
    if path.suffix.lower() == ".ogg":
        return tagio.read_ogg_comments(path)
    if path.suffix.lower() == ".flac":
        return tagio.read_flac_comments(path)
    raise UserError(f"{path}: loop tags are read from .ogg or .flac files")
