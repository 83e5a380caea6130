"""Rendering a composition through a General MIDI SoundFont (TinySoundFont, no system libraries).

Two renderers, chosen by what is installed: TinySoundFont (`tinysoundfont`, installed by the
Makefile with `--no-deps`: its one requirement, pyaudio, is for live playback and needs system
headers to build) renders at any sample rate; without it, `midirenderer` (a plain wheel, a
dependency of studio, so `pip install .` always has a renderer) renders each track from a one-track
MIDI file at 48 kHz, resampled to the output rate. The two sound alike but are not
sample-identical; `renderer()` names the one in use and the run announces a fallback.

How the stems are made so that they sum to the mix exactly:

* every track is rendered on its own by TinySoundFont into its own stereo buffer (its own voices,
  so nothing is shared between stems);
* level, pan and the fade are per-stem linear gains applied in numpy;
* reverb is one shared bus (a convolution with a seeded, decaying-noise impulse response) fed by
  each track's send and delivered as its own stem, ``reverb``: the conventional "FX return" stem.
  Convolving each stem separately would cost a convolution per track (too slow for the 3 s budget);
* the mix is then the plain sum of the stems, and any later gain (peak or loudness normalisation,
  limiter envelope) is applied identically to the mix and to every stem.

For loops the render runs past the end by the longest release/reverb tail, and everything after the
loop end is folded back onto the start (what a player hears when the loop wraps), so the seam is
continuous by construction.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.errors import InputError

#: target loudness of each role relative to the others (dB of active RMS)
ROLE_LEVEL_DB = {"melody": -17.0, "chords": -21.5, "pad": -23.0, "arp": -24.0, "bass": -18.5, "perc": -22.0, "drums": -17.5}


def default_soundfont() -> Path:
    """pretty_midi's bundled General MIDI SoundFont (TimGM6mb.sf2, GPL-2)."""
    import pretty_midi

    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


_SF_BYTES: dict[tuple[str, int], bytes] = {}


#: the sample rate midirenderer renders at (fixed by that library)
MIDIRENDERER_RATE = 48000

#: the fallback announcement (one line, once per run, from music.generate)
FALLBACK_NOTE = "tinysoundfont not installed: rendering with midirenderer (`pip install --no-deps tinysoundfont` for the usual one)"


def renderer() -> str:
    """'tinysoundfont' when it imports, else 'midirenderer' (a studio dependency)."""
    try:
        import tinysoundfont  # noqa: F401
    except ImportError:
        return "midirenderer"
    return "tinysoundfont"


@dataclass
class _MidiRendererFont:
    """What `load_soundfont` hands back when tinysoundfont is missing: the font's bytes, rendered
    per track by midirenderer in `render_instrument`."""

    data: bytes
    sample_rate: int


def load_soundfont(path: str | Path | None, sample_rate: int) -> tuple[Any, Path]:
    """A fresh TinySoundFont instance (the file's bytes are read once per process). A fresh
    instance per track matters: `reset()` leaves some voice state behind, and a reused instance
    made the second render of the same notes differ slightly. Without tinysoundfont: the font's
    bytes for midirenderer."""
    p = Path(path).expanduser() if path else default_soundfont()
    if not p.is_file():
        raise InputError(f"soundfont {p}: no such file; give a .sf2/.sf3 file or leave soundfont empty for the bundled General MIDI font")
    if p.suffix.lower() not in (".sf2", ".sf3", ".sfo"):
        raise InputError(f"soundfont {p}: expected a .sf2 or .sf3 SoundFont file")
    key = (str(p.resolve()), p.stat().st_mtime_ns)
    data = _SF_BYTES.get(key)
    if data is None:
        data = p.read_bytes()
        _SF_BYTES.clear()
        _SF_BYTES[key] = data
    if renderer() == "midirenderer":
        if not data.startswith(b"RIFF") or data[8:12] != b"sfbk":
            raise InputError(f"soundfont {p}: not a readable SoundFont (no RIFF sfbk header)")
        return _MidiRendererFont(data, int(sample_rate)), p
    from tinysoundfont import _tinysoundfont as tsf

    try:
        font = tsf.SoundFont(data)
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputError(f"soundfont {p}: not a readable SoundFont ({exc})") from None
    font.set_output(tsf.OutputMode.StereoInterleaved, int(sample_rate), -6.0)
    font.set_max_voices(192)
    return font, p


def render_instrument(font: Any, inst: Any, n_samples: int, sample_rate: int) -> np.ndarray:
    """One pretty_midi Instrument -> stereo float32 (n_samples, 2), rendered on its own by a
    fresh synth instance `font`."""
    if isinstance(font, _MidiRendererFont):
        return _render_with_midirenderer(font, inst, n_samples, sample_rate)
    ch = 9 if inst.is_drum else 0
    try:
        font.channel_set_preset_number(ch, int(inst.program), bool(inst.is_drum))
    except RuntimeError:
        # the font lacks this preset: fall back to bank 0 / standard kit, as GM players do
        font.channel_set_preset_number(ch, 0, bool(inst.is_drum))
    events: list[tuple[int, int, int, float]] = []
    for n in inst.notes:
        on = int(round(n.start * sample_rate))
        off = int(round(n.end * sample_rate))
        if on >= n_samples:
            continue
        events.append((on, 1, n.pitch, n.velocity / 127.0))
        events.append((max(on + 1, min(off, n_samples)), 0, n.pitch, 0.0))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    out = np.zeros((n_samples, 2), dtype=np.float32)
    pos = 0
    for when, kind, pitch, vel in events:
        if when > pos:
            font.render(memoryview(out[pos:when]).cast("B"), False)  # type: ignore[arg-type]
            pos = when
        if kind:
            font.channel_note_on(ch, pitch, vel)
        else:
            font.channel_note_off(ch, pitch)
    if pos < n_samples:
        font.render(memoryview(out[pos:]).cast("B"), False)  # type: ignore[arg-type]
    return out


def _render_with_midirenderer(font: _MidiRendererFont, inst: Any, n_samples: int, sample_rate: int) -> np.ndarray:
    """One track through midirenderer: a one-track MIDI file (its notes, program and drum flag; its
    volume and pan controllers are left out, as with TinySoundFont, since level and pan are
    applied in numpy), rendered at 48 kHz and resampled to `sample_rate`."""
    import io
    import wave
    from math import gcd

    import midirenderer
    import pretty_midi
    from scipy.signal import resample_poly

    out = np.zeros((n_samples, 2), dtype=np.float32)
    notes = [n for n in inst.notes if n.start * sample_rate < n_samples]
    if not notes:
        return out
    one = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    track = pretty_midi.Instrument(program=int(inst.program), is_drum=bool(inst.is_drum))
    track.notes = [pretty_midi.Note(n.velocity, n.pitch, n.start, max(n.start + 1.0 / sample_rate, min(n.end, n_samples / sample_rate)))
                   for n in notes]
    one.instruments.append(track)
    buf = io.BytesIO()
    one.write(buf)
    try:
        wav = midirenderer.render_wave_from(font.data, buf.getvalue())
    except (ValueError, RuntimeError) as exc:
        raise InputError(f"soundfont: midirenderer could not render with it ({exc})") from None
    with wave.open(io.BytesIO(wav)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    x = pcm.reshape(-1, channels)
    if channels == 1:
        x = np.repeat(x, 2, axis=1)
    if rate != sample_rate:
        g = gcd(int(rate), int(sample_rate))
        x = resample_poly(x, sample_rate // g, rate // g, axis=0).astype(np.float32)
    m = min(n_samples, x.shape[0])
    out[:m] = x[:m, :2]
    return out


def active_rms_db(x: np.ndarray, block: int = 2048) -> float:
    """RMS in dB over the blocks where the track plays (within 40 dB of its loudest block)."""
    mono = (x[::4].sum(axis=1) * 0.5 if x.ndim == 2 else x[::4]).astype(np.float32)
    block //= 4
    nb = len(mono) // block
    if nb == 0:
        p = float(np.mean(mono.astype(np.float64) ** 2))
        return 10 * np.log10(p) if p > 0 else -120.0
    blocks = mono[: nb * block].astype(np.float64).reshape(nb, block)
    power = np.mean(blocks**2, axis=1)
    top = power.max()
    if top <= 0:
        return -120.0
    act = power[power >= top * 1e-4]
    return float(10 * np.log10(act.mean()))


@functools.lru_cache(maxsize=8)
def impulse_response(rt60: float, sample_rate: int, *, seed: int = 20261) -> np.ndarray:
    """A stereo room-like impulse response: decorrelated noise with an exponential decay that
    is faster at high frequencies (a one-pole low-pass on the tail), 18 ms pre-delay."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    length = int(min(rt60 * 1.1, 3.6) * sample_rate)
    t = np.arange(length) / sample_rate
    env = np.exp(-6.91 * t / rt60)
    noise = rng.standard_normal((length, 2)) * env[:, None]
    # darker as it decays: blend a low-passed copy in over time
    lp = lfilter([0.25], [1, -0.75], noise, axis=0)
    mix = np.clip(t / (rt60 * 0.5), 0, 1)[:, None]
    ir = noise * (1 - mix) + lp * mix * 2.0
    pre = int(0.018 * sample_rate)
    ir = np.concatenate([np.zeros((pre, 2)), ir])
    ir /= np.sqrt(np.sum(ir**2, axis=0, keepdims=True))
    return ir.astype(np.float32)


def fold_loop(x: np.ndarray, n: int) -> np.ndarray:
    """Fold everything after sample n back onto the start (periodic extension). In place: the
    result is a view of `x`."""
    out = x[:n]
    k = n
    while k < len(x):
        seg = x[k : k + n]
        out[: len(seg)] += seg
        k += n
    return out


@dataclass
class Rendered:
    mix: np.ndarray
    stems: dict[str, np.ndarray]
    sample_rate: int
    soundfont: Path
    info: dict[str, Any] = field(default_factory=dict)


def render(comp: Any, pm: Any, *, sample_rate: int = 44100, soundfont: str | Path | None = None,
           progress=None, peak_dbfs: float = -1.0) -> Rendered:
    """Render `pm` (built from `comp`) to a mix and one stem per track, plus the reverb return."""
    from scipy.signal import oaconvolve, resample_poly

    _, sf_path = load_soundfont(soundfont, sample_rate)  # checks the file once, up front
    n = int(round(comp.duration * sample_rate))
    rt60 = float(comp.style.genre.reverb)
    # the reverb runs at half rate above 32 kHz (a dark room; a quarter of the convolution cost)
    down = 2 if sample_rate >= 32000 else 1
    ir = impulse_response(rt60, sample_rate // down)
    tail = int(len(ir) * down + 1.5 * sample_rate) if comp.loopable else 0
    total = n + tail
    stems: dict[str, np.ndarray] = {}
    gains: dict[str, float] = {}
    send = np.zeros((total, 2), dtype=np.float32)
    for i, (track, inst) in enumerate(zip(comp.tracks, pm.instruments)):
        font, _ = load_soundfont(sf_path, sample_rate)
        x = render_instrument(font, inst, total, sample_rate)
        level = active_rms_db(x)
        gain_db = float(np.clip(ROLE_LEVEL_DB[track.role] - level, -30.0, 30.0)) if level > -110 else 0.0
        theta = (track.pan + 1.0) * np.pi / 4.0
        lr = np.array([np.cos(theta), np.sin(theta)], dtype=np.float32) * np.float32(np.sqrt(2.0))
        x *= np.float32(10 ** (gain_db / 20.0)) * lr
        track.gain_db = gain_db
        gains[track.slug] = round(gain_db, 2)
        send += np.float32(track.reverb_send) * x
        stems[track.slug] = x
        if progress:
            progress((i + 1) / (len(comp.tracks) + 1), f"rendered {track.name}")
    if down > 1:
        low = resample_poly(send, 1, down, axis=0).astype(np.float32)
        wet = resample_poly(oaconvolve(low, ir, axes=0)[: len(low)], down, 1, axis=0)[:total]
        if len(wet) < total:
            wet = np.pad(wet, ((0, total - len(wet)), (0, 0)))
    else:
        wet = oaconvolve(send, ir, axes=0)[:total]
    stems["reverb"] = wet.astype(np.float32)
    if comp.loopable:
        stems = {k: fold_loop(v, n) for k, v in stems.items()}
    else:
        fade = min(int(0.35 * sample_rate), n // 4)
        if fade > 1:
            ramp = (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade))).astype(np.float32)[:, None]
            for v in stems.values():
                v[n - fade :] *= ramp
    mix = _sum(stems)
    peak = float(np.max(np.abs(mix))) if mix.size else 0.0
    g = 10 ** (peak_dbfs / 20.0) / peak if peak > 0 else 1.0
    for v in stems.values():
        v *= np.float32(g)
    mix = _sum(stems)
    # the MIDI file carries the balance as CC7 (relative to the loudest track)
    if gains:
        top = max(gains.values())
        for track, inst in zip(comp.tracks, pm.instruments):
            vol = int(np.clip(round(127 * 10 ** ((track.gain_db - top) / 40.0)), 1, 127))
            for cc in inst.control_changes:
                if cc.number == 7:
                    cc.value = vol
    return Rendered(mix=mix, stems=stems, sample_rate=sample_rate, soundfont=sf_path,
                    info={"track_gain_db": gains, "reverb_rt60": rt60, "normalise_gain_db": round(20 * np.log10(g), 2) if g > 0 else 0.0,
                          "soundfont": os.path.basename(str(sf_path)), "renderer": renderer()})


def _sum(stems: dict[str, np.ndarray]) -> np.ndarray:
    acc = None
    for v in stems.values():
        acc = v.copy() if acc is None else np.add(acc, v, out=acc)
    return np.zeros((0, 2), np.float32) if acc is None else acc
