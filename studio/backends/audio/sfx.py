"""Sound effects.

Embedded default: a parametric synthesiser in the spirit of sfxr (DrPetter, 2007) rewritten in
vectorised numpy: an oscillator (square with duty sweep, saw, triangle, sine or pitched noise)
whose frequency slides, vibrates and arpeggiates, shaped by an attack/sustain/punch/decay
envelope, optionally repeated, phased and filtered by resonant low/high-pass filters with
sweeping cutoffs. Presets for each kind (jump, coin, hit, explosion, laser, power-up, blip,
...) draw their parameters from seeded ranges, and words in the description bend them
("big", "tiny", "short", "long", "soft", "retro"...). Rendered at 4x the output rate and
decimated, so square waves do not alias.

Neural backend: AudioLDM2 or Stable Audio Open through diffusers and the model manager.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

SAMPLE_RATE = 44100
OVERSAMPLE = 4

KINDS: dict[str, tuple[str, ...]] = {
    "coin": ("coin", "coins", "pickup", "pick-up", "collect", "collectible", "gem", "treasure", "money", "ring", "item"),
    "jump": ("jump", "jumps", "hop", "leap", "bounce", "spring"),
    "laser": ("laser", "shoot", "shot", "shots", "blaster", "zap", "gun", "pew", "fire", "beam", "projectile", "bullet"),
    "explosion": ("explosion", "explode", "explodes", "boom", "blast", "bomb", "grenade", "crash", "destroy", "destroyed", "thunder", "rumble"),
    "hit": ("hit", "hurt", "damage", "punch", "impact", "smack", "attack", "kick", "enemy", "ouch", "pain", "slash", "sword"),
    "powerup": ("powerup", "power-up", "power", "upgrade", "level", "levelup", "level-up", "buff", "heal", "health", "win", "victory"),
    "blip": ("blip", "select", "menu", "click", "ui", "button", "cursor", "hover", "beep", "tick", "type", "typing", "text", "dialog", "dialogue"),
    "confirm": ("confirm", "ok", "accept", "start", "success", "correct", "unlock", "open"),
    "error": ("error", "deny", "denied", "wrong", "fail", "invalid", "locked", "buzz", "buzzer", "cancel", "back"),
    "footstep": ("footstep", "footsteps", "step", "steps", "walk", "walking", "run", "running", "land", "landing", "thud"),
    "whoosh": ("whoosh", "swoosh", "swing", "swish", "woosh", "dash", "wind", "throw", "slide"),
    "magic": ("magic", "spell", "cast", "sparkle", "twinkle", "teleport", "portal", "enchant", "mana", "fairy", "charm", "shine"),
    "death": ("death", "die", "dies", "dead", "lose", "lost", "gameover", "game-over", "defeat", "fall"),
}

KIND_NAMES = tuple(KINDS)


def kind_for(description: str) -> str | None:
    """The preset a description names (first matching word wins), or None."""
    ws = re.findall(r"[a-z][a-z\-]*", description.lower())
    for w in ws:
        for kind, keys in KINDS.items():
            if w in keys:
                return kind
    # two-word forms ("power up", "level up", "game over")
    text = " ".join(ws)
    for phrase, kind in (("power up", "powerup"), ("level up", "powerup"), ("game over", "death"), ("pick up", "coin")):
        if phrase in text:
            return kind
    return None


@dataclass
class SynthParams:
    """One sound. Times in seconds, frequencies in Hz, slides in octaves per second."""

    wave: str = "square"  # square | saw | triangle | sine | noise
    freq: float = 440.0
    freq_min: float = 20.0  # the sound stops when a falling pitch reaches this
    slide: float = 0.0
    delta_slide: float = 0.0  # octaves per second squared
    vibrato_depth: float = 0.0  # fraction of the frequency
    vibrato_rate: float = 0.0
    arp_mult: float = 1.0  # frequency multiplier applied at arp_time
    arp_time: float = 0.0
    duty: float = 0.5
    duty_sweep: float = 0.0  # per second
    attack: float = 0.0
    sustain: float = 0.1
    punch: float = 0.0  # extra loudness at the start of the sustain (0..1)
    decay: float = 0.2
    repeat: float = 0.0  # restart pitch/arpeggio every `repeat` s (0: never)
    lpf: float | None = None  # low-pass cutoff Hz
    lpf_sweep: float = 0.0  # octaves per second
    lpf_resonance: float = 0.7  # Q
    hpf: float | None = None
    hpf_sweep: float = 0.0
    phaser_ms: float = 0.0
    phaser_sweep_ms: float = 0.0  # per second
    volume: float = 0.9
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.attack + self.sustain + self.decay


# -- synthesis ------------------------------------------------------------------------------------


def _envelope(p: SynthParams, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    a, s, d = max(p.attack, 1e-4), max(p.sustain, 0.0), max(p.decay, 1e-4)
    env = np.zeros(n)
    env = np.where(t < a, t / a, env)
    in_s = (t >= a) & (t < a + s)
    env = np.where(in_s, 1.0 + p.punch * 2.0 * (1.0 - (t - a) / max(s, 1e-6)), env)
    in_d = t >= a + s
    env = np.where(in_d, np.clip(1.0 - (t - a - s) / d, 0.0, 1.0) ** 1.5, env)
    return env


def _svf(x: np.ndarray, cutoff: np.ndarray, q: float, sr: int, mode: str) -> np.ndarray:
    """A zero-delay-feedback state-variable filter (Zavalishin) with a per-sample cutoff."""
    g = np.tan(np.pi * np.clip(cutoff, 10.0, sr * 0.45) / sr)
    k = 1.0 / max(q, 0.05)
    a1 = 1.0 / (1.0 + g * (g + k))
    a2 = g * a1
    a3 = g * a2
    ic1 = ic2 = 0.0
    out = np.empty_like(x)
    xl, a1l, a2l, a3l = x.tolist(), a1.tolist(), a2.tolist(), a3.tolist()
    hp = mode == "hp"
    for i in range(len(xl)):
        v0 = xl[i]
        v3 = v0 - ic2
        v1 = a1l[i] * ic1 + a2l[i] * v3
        v2 = ic2 + a2l[i] * ic1 + a3l[i] * v3
        ic1 = 2.0 * v1 - ic1
        ic2 = 2.0 * v2 - ic2
        out[i] = (v0 - k * v1 - v2) if hp else v2
    return out


def synthesize(p: SynthParams, *, sample_rate: int = SAMPLE_RATE, seed: int = 0) -> np.ndarray:
    """Render one sound to float32 mono samples in [-1, 1]."""
    rng = np.random.default_rng(seed)
    sr_hi = sample_rate * OVERSAMPLE
    n_hi = max(8, int(round(p.duration * sr_hi)))
    t = np.arange(n_hi) / sr_hi
    tr = np.mod(t, p.repeat) if p.repeat > 0 else t
    octaves = p.slide * tr + 0.5 * p.delta_slide * tr * tr
    freq = p.freq * np.power(2.0, octaves)
    if p.arp_time > 0 and p.arp_mult != 1.0:
        freq = np.where(tr >= p.arp_time, freq * p.arp_mult, freq)
    if p.vibrato_depth > 0 and p.vibrato_rate > 0:
        freq = freq * (1.0 + p.vibrato_depth * np.sin(2 * np.pi * p.vibrato_rate * t))
    alive = np.ones(n_hi, dtype=bool)
    if p.slide < 0 or p.delta_slide < 0:
        below = freq < p.freq_min
        if below.any():
            alive = ~np.logical_or.accumulate(below) if p.repeat <= 0 else ~below
    freq = np.clip(freq, 1.0, sr_hi / 2.2)
    phase_total = np.cumsum(freq / sr_hi)
    phase = np.mod(phase_total, 1.0)
    if p.wave == "square":
        duty = np.clip(p.duty + p.duty_sweep * t, 0.05, 0.95)
        wave = np.where(phase < duty, 1.0, -1.0) - (2.0 * duty - 1.0)  # zero-mean at any duty
    elif p.wave == "saw":
        wave = 1.0 - 2.0 * phase
    elif p.wave == "triangle":
        wave = 1.0 - 4.0 * np.abs(phase - 0.5)
    elif p.wave == "sine":
        wave = np.sin(2 * np.pi * phase)
    elif p.wave == "noise":
        # a new random value 32 times per period: the frequency colours the noise
        idx = np.floor(phase_total * 32).astype(np.int64)
        table = rng.uniform(-1.0, 1.0, int(idx[-1]) + 2)
        wave = table[idx]
    else:
        raise ValueError(f"unknown wave {p.wave!r}")
    wave = wave * alive
    if p.phaser_ms > 0:
        off = np.clip((p.phaser_ms + p.phaser_sweep_ms * t) * 1e-3 * sr_hi, 0, n_hi - 1).astype(np.int64)
        idx = np.arange(n_hi) - off
        delayed = np.where(idx >= 0, wave[np.clip(idx, 0, None)], 0.0)
        wave = 0.6 * wave - 0.4 * delayed
    x = decimate(wave, OVERSAMPLE)
    n = len(x)
    tt = np.arange(n) / sample_rate
    if p.lpf is not None:
        x = _svf(x, p.lpf * np.power(2.0, p.lpf_sweep * tt), p.lpf_resonance, sample_rate, "lp")
    if p.hpf is not None:
        x = _svf(x, p.hpf * np.power(2.0, p.hpf_sweep * tt), 0.707, sample_rate, "hp")
    x = x * _envelope(p, n, sample_rate)
    return finish(x, p.volume, sample_rate)


_FIR_CACHE: dict[int, np.ndarray] = {}


def decimate(x: np.ndarray, factor: int) -> np.ndarray:
    """Low-pass (Blackman-windowed sinc at 0.9 x the new Nyquist) and keep every `factor`-th
    sample."""
    if factor <= 1:
        return x
    h = _FIR_CACHE.get(factor)
    if h is None:
        n = 32 * factor + 1
        m = np.arange(n) - (n - 1) / 2
        fc = 0.45 / factor
        h = 2 * fc * np.sinc(2 * fc * m) * np.blackman(n)
        h = h / h.sum()
        _FIR_CACHE[factor] = h
    return np.convolve(x, h, mode="same")[::factor]


def remove_dc(x: np.ndarray, sample_rate: int, window_s: float = 0.025) -> np.ndarray:
    """Subtract the running mean over `window_s` (a gentle high-pass below about 20 Hz)."""
    n = max(3, int(window_s * sample_rate)) | 1
    if len(x) <= n:
        return x - x.mean()
    pad = np.pad(x, (n // 2, n // 2), mode="edge")
    c = np.cumsum(np.concatenate([[0.0], pad]))
    return x - (c[n:] - c[:-n]) / n


def finish(x: np.ndarray, volume: float, sample_rate: int) -> np.ndarray:
    """Remove DC, fade the last 5 ms (no click), normalise the peak to `volume` (<= 1)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return x.astype(np.float32)
    x = remove_dc(x, sample_rate)
    fade = min(len(x), int(0.005 * sample_rate))
    if fade > 1:
        x[-fade:] *= np.linspace(1.0, 0.0, fade)
        x[: max(1, fade // 5)] *= np.linspace(0.0, 1.0, max(1, fade // 5))
    peak = float(np.max(np.abs(x)))
    if peak > 1e-9:
        x = x * (min(volume, 0.999) / peak)
    return x.astype(np.float32)


# -- presets ---------------------------------------------------------------------------------------


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _pick(rng: np.random.Generator, *options: Any) -> Any:
    return options[int(rng.integers(len(options)))]


def preset(kind: str, rng: np.random.Generator) -> SynthParams:
    """Parameters for one variation of `kind`."""
    if kind == "coin":
        return SynthParams(wave=_pick(rng, "square", "square", "sine"), freq=_u(rng, 900, 1500), duty=_u(rng, 0.3, 0.5),
                           sustain=_u(rng, 0.03, 0.08), punch=_u(rng, 0.3, 0.6), decay=_u(rng, 0.15, 0.3),
                           arp_mult=_u(rng, 1.3, 1.6), arp_time=_u(rng, 0.04, 0.09))
    if kind == "jump":
        return SynthParams(wave="square", freq=_u(rng, 240, 420), slide=_u(rng, 1.8, 3.2), duty=_u(rng, 0.2, 0.5),
                           sustain=_u(rng, 0.06, 0.14), decay=_u(rng, 0.08, 0.18), hpf=_pick(rng, None, 120.0))
    if kind == "laser":
        return SynthParams(wave=_pick(rng, "square", "saw", "sine"), freq=_u(rng, 900, 1800), freq_min=_u(rng, 120, 250),
                           slide=_u(rng, -9.0, -5.0), duty=_u(rng, 0.2, 0.5), duty_sweep=_u(rng, -0.5, 0.5),
                           sustain=_u(rng, 0.04, 0.1), decay=_u(rng, 0.06, 0.16), punch=_u(rng, 0.0, 0.3),
                           phaser_ms=_pick(rng, 0.0, _u(rng, 0.5, 2.0)), phaser_sweep_ms=_u(rng, -2, 2),
                           hpf=_pick(rng, None, _u(rng, 100, 300)))
    if kind == "explosion":
        return SynthParams(wave="noise", freq=_u(rng, 60, 220), slide=_u(rng, -1.2, -0.3), freq_min=10.0,
                           attack=0.0, sustain=_u(rng, 0.08, 0.25), punch=_u(rng, 0.3, 0.7), decay=_u(rng, 0.45, 0.9),
                           lpf=_u(rng, 1800, 4000), lpf_sweep=_u(rng, -2.5, -1.0), lpf_resonance=0.8,
                           vibrato_depth=_pick(rng, 0.0, _u(rng, 0.05, 0.2)), vibrato_rate=_u(rng, 8, 20),
                           repeat=_pick(rng, 0.0, 0.0, _u(rng, 0.2, 0.35)))
    if kind == "hit":
        return SynthParams(wave=_pick(rng, "square", "saw", "noise"), freq=_u(rng, 250, 700), slide=_u(rng, -6.0, -3.0),
                           freq_min=40.0, duty=_u(rng, 0.3, 0.5), sustain=_u(rng, 0.015, 0.05), punch=_u(rng, 0.2, 0.5),
                           decay=_u(rng, 0.08, 0.18), hpf=_pick(rng, None, _u(rng, 80, 250)))
    if kind == "powerup":
        rep = _pick(rng, 0.0, _u(rng, 0.08, 0.14))
        return SynthParams(wave=_pick(rng, "square", "saw", "triangle"), freq=_u(rng, 250, 450), slide=_u(rng, 2.0, 4.0) if rep == 0 else _u(rng, 3.0, 5.0),
                           duty=_u(rng, 0.3, 0.5), vibrato_depth=_pick(rng, 0.0, _u(rng, 0.02, 0.06)), vibrato_rate=_u(rng, 8, 16),
                           sustain=_u(rng, 0.2, 0.35), decay=_u(rng, 0.15, 0.35), repeat=rep)
    if kind == "blip":
        return SynthParams(wave=_pick(rng, "square", "sine", "triangle"), freq=_u(rng, 700, 1400), duty=_u(rng, 0.25, 0.5),
                           sustain=_u(rng, 0.02, 0.05), decay=_u(rng, 0.02, 0.06), hpf=100.0)
    if kind == "confirm":
        return SynthParams(wave=_pick(rng, "square", "triangle"), freq=_u(rng, 500, 800), duty=0.5, arp_mult=_pick(rng, 1.5, 1.335, 2.0),
                           arp_time=_u(rng, 0.07, 0.1), sustain=_u(rng, 0.12, 0.18), punch=0.2, decay=_u(rng, 0.08, 0.15))
    if kind == "error":
        return SynthParams(wave=_pick(rng, "square", "saw"), freq=_u(rng, 140, 220), duty=0.5, arp_mult=_pick(rng, 0.75, 0.707),
                           arp_time=_u(rng, 0.1, 0.14), sustain=_u(rng, 0.2, 0.28), decay=_u(rng, 0.05, 0.1),
                           vibrato_depth=_u(rng, 0.01, 0.03), vibrato_rate=_u(rng, 20, 35), lpf=_u(rng, 2000, 3500))
    if kind == "footstep":
        return SynthParams(wave="noise", freq=_u(rng, 180, 400), slide=_u(rng, -2.0, -0.5), sustain=0.01, punch=0.5,
                           decay=_u(rng, 0.06, 0.12), lpf=_u(rng, 700, 1400), lpf_sweep=-2.0, lpf_resonance=1.2)
    if kind == "whoosh":
        return SynthParams(wave="noise", freq=_u(rng, 1500, 3000), attack=_u(rng, 0.08, 0.15), sustain=_u(rng, 0.05, 0.1),
                           decay=_u(rng, 0.15, 0.3), lpf=_u(rng, 400, 800), lpf_sweep=_u(rng, 3.0, 5.0), lpf_resonance=2.5,
                           volume=0.8)
    if kind == "magic":
        return SynthParams(wave=_pick(rng, "sine", "triangle"), freq=_u(rng, 600, 1000), slide=_u(rng, 0.5, 1.5),
                           vibrato_depth=_u(rng, 0.03, 0.08), vibrato_rate=_u(rng, 6, 12), arp_mult=_pick(rng, 1.25, 1.5),
                           arp_time=_u(rng, 0.05, 0.08), repeat=_u(rng, 0.1, 0.16), attack=_u(rng, 0.02, 0.06),
                           sustain=_u(rng, 0.3, 0.5), decay=_u(rng, 0.3, 0.5), phaser_ms=_u(rng, 1.0, 3.0), phaser_sweep_ms=_u(rng, 2, 6))
    if kind == "death":
        return SynthParams(wave=_pick(rng, "square", "saw", "triangle"), freq=_u(rng, 500, 800), slide=_u(rng, -1.6, -0.9),
                           freq_min=40.0, vibrato_depth=_u(rng, 0.04, 0.1), vibrato_rate=_u(rng, 6, 10),
                           sustain=_u(rng, 0.4, 0.6), decay=_u(rng, 0.3, 0.5), lpf=_u(rng, 2500, 5000))
    raise ValueError(f"unknown sound kind {kind!r}; use one of {', '.join(KIND_NAMES)}")


MODIFIERS: dict[str, dict[str, float]] = {
    # pitch multiplier, time multiplier
    "big": {"pitch": 0.65, "time": 1.35}, "huge": {"pitch": 0.5, "time": 1.6}, "heavy": {"pitch": 0.6, "time": 1.3},
    "large": {"pitch": 0.7, "time": 1.25}, "deep": {"pitch": 0.55, "time": 1.2}, "low": {"pitch": 0.6},
    "giant": {"pitch": 0.5, "time": 1.5}, "massive": {"pitch": 0.45, "time": 1.7},
    "small": {"pitch": 1.4, "time": 0.8}, "tiny": {"pitch": 1.7, "time": 0.65}, "little": {"pitch": 1.4, "time": 0.8},
    "light": {"pitch": 1.25, "time": 0.85}, "high": {"pitch": 1.5}, "squeaky": {"pitch": 2.0, "time": 0.8},
    "short": {"time": 0.65}, "quick": {"time": 0.7}, "fast": {"time": 0.7}, "snappy": {"time": 0.6},
    "long": {"time": 1.6}, "slow": {"time": 1.5}, "distant": {"time": 1.2},
}


def params_for(description: str, *, kind: str | None = None, seed: int = 0, duration: float | None = None) -> tuple[str, SynthParams]:
    """The kind and synth parameters for `description` (kind from its words when not given;
    "blip" when nothing matches), varied by `seed` and bent by modifier words."""
    k = kind or kind_for(description) or "blip"
    rng = np.random.default_rng(seed)
    p = preset(k, rng)
    ws = re.findall(r"[a-z][a-z\-]*", description.lower())
    pitch, time = 1.0, 1.0
    for w in ws:
        m = MODIFIERS.get(w)
        if m:
            pitch *= m.get("pitch", 1.0)
            time *= m.get("time", 1.0)
    if "retro" in ws or "8-bit" in description.lower() or "chiptune" in ws:
        p = replace(p, wave="square" if p.wave != "noise" else "noise", lpf=None)
    if "soft" in ws or "muffled" in ws or "gentle" in ws:
        p = replace(p, lpf=min(p.lpf or 20000.0, 1500.0), punch=p.punch * 0.5, volume=min(p.volume, 0.7))
    if "metallic" in ws or "robot" in ws or "robotic" in ws:
        p = replace(p, vibrato_depth=max(p.vibrato_depth, 0.08), vibrato_rate=max(p.vibrato_rate, 45.0))
    if duration is not None:
        time = duration / max(p.duration, 1e-6)
    if pitch != 1.0:
        p = replace(p, freq=p.freq * pitch, freq_min=p.freq_min * pitch, lpf=p.lpf * pitch ** 0.5 if p.lpf else None)
    if time != 1.0:
        p = replace(
            p, attack=p.attack * time, sustain=p.sustain * time, decay=p.decay * time,
            slide=p.slide / time, delta_slide=p.delta_slide / (time * time), arp_time=p.arp_time * time,
            repeat=p.repeat * time, duty_sweep=p.duty_sweep / time, lpf_sweep=p.lpf_sweep / time, hpf_sweep=p.hpf_sweep / time,
        )
    return k, p


def generate_sfx(description: str, *, kind: str | None = None, seed: int = 0, duration: float | None = None, sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, dict[str, Any]]:
    """Synthesise one sound effect: (float32 mono samples, info with kind and parameters)."""
    k, p = params_for(description, kind=kind, seed=seed, duration=duration)
    x = synthesize(p, sample_rate=sample_rate, seed=seed)
    info = {"kind": k, "duration": round(len(x) / sample_rate, 4), "params": {kk: (round(v, 5) if isinstance(v, float) else v) for kk, v in asdict(p).items() if kk != "extras"}}
    return x, info


# -- analysis (used by tests and the manifest) -------------------------------------------------------


def stats(x: np.ndarray, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Spectral and envelope statistics: peak, RMS, spectral centroid (Hz), spectral flatness
    (100 Hz-8 kHz; noise near 1, tones near 0), the time of the loudness peak and the pitch
    trend (octaves per second of each 20 ms frame's strongest partial)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim > 1:
        x = x.mean(axis=1)
    n = len(x)
    spec = np.abs(np.fft.rfft(x * np.hanning(n))) + 1e-12
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    centroid = float((f * spec).sum() / spec.sum())
    band = spec[(f >= 100) & (f <= 8000)]
    flatness = float(np.exp(np.mean(np.log(band))) / np.mean(band)) if len(band) else 0.0
    hop = max(1, int(0.01 * sample_rate))
    frames = [x[i:i + hop * 2] for i in range(0, max(1, n - hop * 2), hop)]
    rms_env = np.array([np.sqrt(np.mean(fr * fr)) for fr in frames]) if frames else np.zeros(1)
    cents = []
    for fr in frames:
        if np.sqrt(np.mean(fr * fr)) < 0.05 * (rms_env.max() + 1e-12):
            continue
        sp = np.abs(np.fft.rfft(fr * np.hanning(len(fr)), n=8192))
        ff = np.fft.rfftfreq(8192, 1.0 / sample_rate)
        sp[ff < 40] = 0.0
        cents.append(np.log2(max(ff[int(np.argmax(sp))], 40.0)))
    trend = float(np.polyfit(np.arange(len(cents)) * hop / sample_rate, cents, 1)[0]) if len(cents) > 3 else 0.0
    zc = float(np.mean(np.abs(np.diff(np.signbit(x).astype(np.int8))))) * sample_rate / 2.0
    return {
        "duration": n / sample_rate,
        "peak": float(np.max(np.abs(x))) if n else 0.0,
        "rms": float(np.sqrt(np.mean(x * x))) if n else 0.0,
        "centroid": centroid,
        "flatness": flatness,
        "zero_cross_hz": zc,
        "peak_time": float(np.argmax(rms_env) * hop / sample_rate),
        "pitch_trend": trend,  # octaves per second of the strongest partial
    }


# -- neural backend -------------------------------------------------------------------------------


def neural_sfx(pipe: Any, prompt: str, *, seconds: float, seed: int, steps: int | None = None, negative_prompt: str = "music, speech, low quality, noise floor") -> tuple[np.ndarray, int]:
    """Generate with a loaded AudioLDM2 or Stable Audio pipeline: (samples (n,) or (n, ch), rate)."""
    import inspect

    import torch

    gen = torch.Generator("cpu").manual_seed(int(seed))
    params = inspect.signature(pipe.__call__).parameters
    kw: dict[str, Any] = {"generator": gen}
    if "negative_prompt" in params:
        kw["negative_prompt"] = negative_prompt
    if "audio_end_in_s" in params:  # Stable Audio
        kw["audio_end_in_s"] = float(seconds)
        kw["num_inference_steps"] = steps or 100
    else:  # AudioLDM / AudioLDM2
        kw["audio_length_in_s"] = float(seconds)
        kw["num_inference_steps"] = steps or 200
    out = pipe(prompt, **kw)
    audio = out.audios[0]
    if hasattr(audio, "detach"):
        audio = audio.detach().float().cpu().numpy()
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:  # (channels, samples) -> (samples, channels)
        audio = audio.T if audio.shape[0] <= 8 else audio
    rate = None
    vae = getattr(pipe, "vae", None)
    if vae is not None and hasattr(vae, "sampling_rate"):
        rate = int(vae.sampling_rate)
    if rate is None:
        voc = getattr(pipe, "vocoder", None)
        rate = int(getattr(getattr(voc, "config", None), "sampling_rate", 16000)) if voc is not None else 16000
    return audio, rate


def trim_and_normalise(x: np.ndarray, sample_rate: int, *, threshold_db: float = -50.0, volume: float = 0.89) -> np.ndarray:
    """Cut leading/trailing near-silence from a neural render and normalise its peak."""
    x = np.asarray(x, dtype=np.float64)
    mono = np.abs(x if x.ndim == 1 else x.max(axis=1))
    thr = mono.max() * 10 ** (threshold_db / 20.0) if mono.max() > 0 else 0.0
    idx = np.nonzero(mono > thr)[0]
    if len(idx):
        pad = int(0.01 * sample_rate)
        x = x[max(0, idx[0] - pad): min(len(x), idx[-1] + pad)]
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 1e-9:
        x = x * (volume / peak)
    return x.astype(np.float32)


def duration_guess(kind: str) -> float:
    """A sensible length for a neural render of `kind` (seconds)."""
    return {"explosion": 2.0, "powerup": 1.2, "magic": 1.5, "death": 1.5, "whoosh": 0.8}.get(kind, 1.0)


def db(x: float) -> float:
    return 20 * math.log10(max(x, 1e-12))
