"""An algorithmic composer: a Style (from the prompt) in, a multi-track arrangement out.

The piece is planned top-down the way a songwriter would sketch a game cue:

1. form: bars from the duration and tempo, split into sections (intro / A / B / A' / B' / outro, or
   A / B ... for a loop, whose last bar leads back into the first);
2. harmony: a chord progression per section from tables of idiomatic progressions for the mode,
   one chord per bar (two bars in slow ambient styles), a cadence before the end;
3. parts: pads and comping voiced with minimal movement between chords (voice leading), a bass
   line in the genre's pattern, an arpeggio, a melody built from short rhythmic/melodic motifs that
   repeat and answer each other over the changing chords (strong beats land on chord tones, phrase
   ends on stable notes), and a drum groove with accents, ghost notes, fills and crashes;
4. the arrangement thins or thickens per section (intro: pad and arp; B: everything, busier).

Everything random comes from one numpy Generator, so a seed gives one piece.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.backends.audio.music import instruments as gm
from studio.backends.audio.music.instruments import Instrument
from studio.backends.audio.music.style import MINOR_LIKE, MODES, NOTE_NAMES, Style


@dataclass
class Note:
    start: float  # beats
    dur: float  # beats
    pitch: int
    velocity: int


@dataclass
class Track:
    name: str
    instrument: Instrument
    role: str
    notes: list[Note] = field(default_factory=list)
    channel: int = 0
    gain_db: float = 0.0
    pan: float = 0.0  # -1 left .. 1 right
    reverb_send: float = 0.2

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


@dataclass
class Section:
    name: str
    start_bar: int
    bars: int
    level: str  # low | main | high | end


@dataclass
class Chord:
    degree: int
    root: int  # pitch class
    pcs: tuple[int, ...]  # pitch classes, root first


@dataclass
class Composition:
    style: Style
    bpm: float
    beats_per_bar: int
    bars: int
    duration: float  # seconds of audio to render
    loopable: bool
    sections: list[Section]
    chords: list[Chord]
    tracks: list[Track]
    loop_bars: tuple[int, int]
    notes_info: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds_per_beat(self) -> float:
        return 60.0 / self.bpm

    @property
    def seconds_per_bar(self) -> float:
        return self.beats_per_bar * 60.0 / self.bpm

    def beat_to_seconds(self, beat: float) -> float:
        return beat * 60.0 / self.bpm

    def describe(self) -> dict[str, Any]:
        spb = self.seconds_per_bar
        return {
            "bpm": round(self.bpm, 3),
            "key": self.style.key_name,
            "tonic": NOTE_NAMES[self.style.tonic],
            "mode": self.style.mode,
            "meter": f"{self.beats_per_bar}/4",
            "beats_per_bar": self.beats_per_bar,
            "bars": self.bars,
            "seconds_per_bar": round(spb, 6),
            "genre": self.style.genre.name,
            "mood": self.style.mood.name if self.style.mood else None,
            "energy": round(self.style.energy, 3),
            "tempo_from": self.style.bpm_source,
            "matched_words": self.style.matched,
            "sections": [
                {"name": s.name, "start_bar": s.start_bar, "bars": s.bars,
                 "start": round(s.start_bar * spb, 4), "end": round((s.start_bar + s.bars) * spb, 4)}
                for s in self.sections
            ],
            "progression": [NOTE_NAMES[c.root] + ("m" if _is_minor(c) else "") for c in self.chords],
            "instruments": [
                {"name": t.name, "stem": t.slug, "role": t.role, "program": t.instrument.program,
                 "drums": t.instrument.is_drum, "notes": len(t.notes)}
                for t in self.tracks
            ],
            "loop_bars": list(self.loop_bars),
            "swing": self.style.swing,
        }


def _is_minor(c: Chord) -> bool:
    return len(c.pcs) >= 2 and (c.pcs[1] - c.root) % 12 == 3


# -- harmony ---------------------------------------------------------------------------------

PROGRESSIONS: dict[str, tuple[list[list[int]], list[list[int]]]] = {
    "major": ([[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 5, 4], [0, 3, 0, 4], [5, 3, 0, 4]],
              [[3, 4, 2, 5], [5, 3, 0, 4], [3, 0, 4, 4], [1, 4, 0, 5]]),
    "mixolydian": ([[0, 6, 3, 0], [0, 6, 3, 4], [0, 3, 6, 0]], [[3, 6, 0, 0], [4, 3, 6, 0], [5, 6, 0, 4]]),
    "lydian": ([[0, 1, 0, 1], [0, 1, 4, 0], [0, 4, 1, 0]], [[5, 1, 0, 4], [4, 1, 5, 0]]),
    "minor": ([[0, 5, 2, 6], [0, 3, 5, 4], [0, 6, 5, 6], [0, 5, 3, 4], [0, 3, 6, 2]],
              [[5, 6, 0, 0], [3, 0, 5, 4], [5, 6, 3, 4], [5, 2, 6, 4]]),
    "dorian": ([[0, 3, 0, 3], [0, 6, 3, 0], [0, 1, 3, 0]], [[2, 3, 0, 6], [6, 3, 0, 4], [2, 6, 3, 3]]),
    "phrygian": ([[0, 1, 0, 6], [0, 1, 6, 1], [0, 6, 5, 1]], [[5, 1, 6, 0], [3, 1, 0, 0], [5, 6, 1, 1]]),
}
PROGRESSIONS["harmonic_minor"] = PROGRESSIONS["minor"]


def make_chord(style: Style, degree: int, *, sevenths: bool = False, dominant: bool = False) -> Chord:
    mode = style.mode
    scale = MODES["minor"] if mode == "harmonic_minor" else MODES[mode]
    if dominant and degree == 4 and mode in ("minor", "harmonic_minor", "dorian"):
        scale = MODES["harmonic_minor"]  # raised leading tone: V major in a minor key
    tones = [scale[(degree + k) % 7] for k in (0, 2, 4, 6)]
    pcs = [(style.tonic + t) % 12 for t in (tones if sevenths else tones[:3])]
    return Chord(degree, pcs[0], tuple(pcs))


def voice_chord(pcs: tuple[int, ...], prev: list[int] | None, low: int, high: int, centre: int) -> list[int]:
    """Close-position voicing of `pcs` in [low, high] nearest to `prev` (minimal motion)."""
    n = len(pcs)
    best: list[int] | None = None
    best_cost = 1e9
    for inv in range(n):
        order = [pcs[(inv + i) % n] for i in range(n)]
        for base_oct in range(1, 9):
            notes = []
            cur = base_oct * 12 + order[0]
            for pc in order:
                while cur % 12 != pc:
                    cur += 1
                notes.append(cur)
                cur += 1
            if notes[0] < low or notes[-1] > high:
                continue
            if prev:
                a, b = sorted(prev), sorted(notes)
                m = min(len(a), len(b))
                cost = sum(abs(x - y) for x, y in zip(a[:m], b[:m])) + 0.15 * abs(float(np.mean(notes)) - centre)
            else:
                cost = abs(float(np.mean(notes)) - centre)
            if cost < best_cost:
                best, best_cost = notes, cost
    if best is None:  # range too narrow: stack from low
        best = sorted(low + ((pc - low) % 12) for pc in pcs)
    return best


# -- form -------------------------------------------------------------------------------------

def plan_bars(duration: float, bpm: float, beats_per_bar: int, *, loopable: bool, bpm_fixed: bool) -> tuple[int, float, float]:
    """(bars, bpm, audio seconds). Free tempos are nudged (at most 8 %) so whole bars fill the
    duration exactly; a fixed tempo is kept and a loop is rounded to whole bars."""
    bar = beats_per_bar * 60.0 / bpm
    bars = max(1, int(round(duration / bar)))
    if not bpm_fixed:
        nudged = bars * beats_per_bar * 60.0 / duration
        if abs(nudged / bpm - 1.0) <= 0.08:
            return bars, nudged, duration
    if loopable:
        return bars, bpm, bars * bar
    return max(1, int(duration // bar)), bpm, duration


def plan_sections(bars: int, loopable: bool) -> list[Section]:
    def body(start: int, n: int) -> list[Section]:
        if n <= 0:
            return []
        if n < 8:
            return [Section("A", start, n, "main")]
        if n < 32:
            a = (n // 2 + 3) // 4 * 4 if n >= 16 else n // 2
            a = min(max(a, 4), n - 2)
            return [Section("A", start, a, "main"), Section("B", start + a, n - a, "high")]
        quarter = n // 4 // 4 * 4 or n // 4
        parts = [quarter, quarter, quarter, n - 3 * quarter]
        names = [("A", "main"), ("B", "high"), ("A'", "main"), ("B'", "high")]
        out, cur = [], start
        for (name, level), k in zip(names, parts):
            out.append(Section(name, cur, k, level))
            cur += k
        return out

    if loopable:
        return body(0, bars)
    if bars <= 2:
        return [Section("outro", 0, bars, "end")]
    intro = 4 if bars >= 24 else (2 if bars >= 10 else 1 if bars >= 5 else 0)
    outro = 2 if bars >= 12 else 1
    secs = []
    if intro:
        secs.append(Section("intro", 0, intro, "low"))
    secs += body(intro, bars - intro - outro)
    secs.append(Section("outro", bars - outro, outro, "end"))
    return secs


# -- the composer -----------------------------------------------------------------------------

LEVEL_VEL = {"low": 0.72, "main": 0.88, "high": 1.0, "end": 0.8}

DRUM_KEYS = {
    "kick": gm.KICK, "snare": gm.SNARE, "clap": gm.CLAP, "side": gm.SIDE_STICK, "hat": gm.HAT_CLOSED,
    "phat": gm.HAT_PEDAL, "ohat": gm.HAT_OPEN, "crash": gm.CRASH, "ride": gm.RIDE, "tamb": gm.TAMBOURINE,
    "shaker": gm.SHAKER, "tomL": gm.TOM_LOW, "tomM": gm.TOM_MID, "tomH": gm.TOM_HIGH,
}
VEL_CHARS = {"X": 118, "x": 96, "m": 74, "g": 46}

# 16th-note grids per bar (4/4: 16 steps, 3/4: 12 steps)
DRUM_PATTERNS: dict[str, dict[str, dict[str, str]]] = {
    "backbeat": {
        "low": {"kick": "x.......x.......", "hat": "x.m.x.m.x.m.x.m."},
        "main": {"kick": "X.....x.x.......", "snare": "....X.......X...", "hat": "x.m.x.m.x.m.x.m."},
        "high": {"kick": "X.....x.x.x.....", "snare": "....X..g....X...", "hat": "x.x.x.x.x.x.x.x.",
                 "ohat": "..............m."},
    },
    "rock": {
        "low": {"kick": "X.......X.......", "hat": "x.x.x.x.x.x.x.x."},
        "main": {"kick": "X.....x.X.x.....", "snare": "....X.......X...", "hat": "x.m.x.m.x.m.x.m."},
        "high": {"kick": "X.x...x.X.x...x.", "snare": "....X.......X...", "ohat": "x.m.x.m.x.m.x.m."},
    },
    "four": {
        "low": {"kick": "X...x...x...x...", "hat": "..m...m...m...m."},
        "main": {"kick": "X...X...X...X...", "clap": "....x.......x...", "ohat": "..m...m...m...m.",
                 "hat": "g.g.g.g.g.g.g.g."},
        "high": {"kick": "X...X...X...X...", "clap": "....X.......X...", "ohat": "..x...x...x...x.",
                 "hat": "mgmgmgmgmgmgmgmg", "snare": "..............g."},
    },
    "chase": {
        "low": {"kick": "X.......X.......", "hat": "mgmgmgmgmgmgmgmg"},
        "main": {"kick": "X..x..x...x..x..", "snare": "....X.......X...", "hat": "xgmgxgmgxgmgxgmg"},
        "high": {"kick": "X..x..x.X.x..x..", "snare": "....X..g.g..X...", "hat": "xmxmxmxmxmxmxmxm",
                 "ohat": "......m.......m."},
    },
    "epic": {
        "low": {"kick": "X..............."},
        "main": {"kick": "X.........x.....", "snare": "........X.......", "tomL": "............m.m."},
        "high": {"kick": "X.....x...x.....", "snare": "....X.......X...", "tomM": "..........m.....",
                 "tomL": "............x.x."},
    },
    "boombap": {
        "low": {"hat": "x.m.x.m.x.m.x.m."},
        "main": {"kick": "X......x..x.....", "snare": "....X.......X...", "hat": "x.m.x.m.x.m.x.m."},
        "high": {"kick": "X......x..x..x..", "snare": "....X.......X..g", "hat": "x.mgx.mgx.mgx.mg"},
    },
    "swing": {
        "low": {"ride": "x...m.m.x...m.m."},
        "main": {"ride": "x...x.m.x...x.m.", "phat": "....m.......m...", "kick": "g.......g......."},
        "high": {"ride": "X...x.x.X...x.x.", "phat": "....x.......x...", "kick": "m.......m.....g.",
                 "snare": "......g.......g."},
    },
    "folk": {
        "low": {"shaker": "m.g.m.g.m.g.m.g."},
        "main": {"kick": "X.......x.......", "tamb": "....x.......x...", "shaker": "m.g.m.g.m.g.m.g."},
        "high": {"kick": "X.....x.x.......", "snare": "....x.......x...", "tamb": "m.m.x.m.m.m.x.m."},
    },
    "waltz": {
        "low": {"hat": "x...m...m..."},
        "main": {"kick": "X...........", "snare": "....m...m...", "hat": "x.m.x.m.x.m."},
        "high": {"kick": "X.....x.....", "snare": "....x...x...", "hat": "x.x.x.x.x.x.", "ohat": "..........m."},
    },
    "heartbeat": {
        "low": {"kick": "X..m............"},
        "main": {"kick": "X..m............", "hat": "........g......."},
        "high": {"kick": "X..m....X..m....", "tomL": "............m.x."},
    },
    "tropical": {
        "low": {"shaker": "mgmgmgmgmgmgmgmg"},
        "main": {"kick": "X...x...X...x...", "side": "...x..x....x..x.", "shaker": "mgmgmgmgmgmgmgmg"},
        "high": {"kick": "X...x...X...x...", "snare": "...x..x....x..x.", "shaker": "xgmgxgmgxgmgxgmg",
                 "ohat": "..m...m...m...m."},
    },
}

MELODY_CELLS = {
    3: {
        "slow": [[3], [2, 1], [1, 2], [1.5, 0.5, 1], [2, -1]],
        "mid": [[1, 1, 1], [1.5, 0.5, 1], [1, 0.5, 0.5, 1], [0.5, 0.5, 1, 1], [2, 1], [-1, 1, 1]],
        "fast": [[0.5] * 6, [0.5, 0.5, 1, 0.5, 0.5], [1, 0.5, 0.5, 0.5, 0.5], [0.75, 0.25, 0.5, 0.5, 1]],
        "cad": [[3], [2, 1], [1, 2]],
    },
    4: {
        "slow": [[2, 2], [3, 1], [1, 1, 2], [4], [2, 1, 1], [1.5, 0.5, 2], [-1, 1, 2]],
        "mid": [[1, 1, 1, 1], [1.5, 0.5, 1, 1], [1, 0.5, 0.5, 2], [0.5, 0.5, 1, 2], [1, 1, 2], [2, 1, 1],
                [0.5, 1, 0.5, 2], [1.5, 1.5, 1], [-1, 1, 1, 1], [1, 1, 1, -1]],
        "fast": [[0.5] * 8, [0.5, 0.5, 1, 0.5, 0.5, 1], [0.25, 0.25, 0.5, 1, 0.5, 0.5, 1],
                 [1, 0.5, 0.5, 0.5, 0.5, 1], [0.75, 0.75, 0.5, 1, 1], [0.5, 0.5, 0.5, 0.5, 2],
                 [-0.5, 0.5, 0.5, 0.5, 1, 1]],
        "cad": [[1, 3], [2, 2], [4], [1.5, 2.5]],
    },
}


class Composer:
    def __init__(self, style: Style, rng: np.random.Generator):
        self.s = style
        self.rng = rng
        self.bpb = style.beats_per_bar
        self.swing_unit = 0.25 if style.genre.name == "lofi" else 0.5

    # random helpers
    def choice(self, seq):
        return seq[int(self.rng.integers(0, len(seq)))]

    def swing(self, beat: float) -> float:
        if not self.s.swing:
            return beat
        u = self.swing_unit
        frac = beat % (2 * u)
        if abs(frac - u) < 1e-6:
            return beat + self.s.swing * u / 3.0
        return beat

    def compose(self, duration: float, *, loopable: bool, bpm_fixed: bool) -> Composition:
        s = self.s
        bars, bpm, seconds = plan_bars(duration, s.bpm, self.bpb, loopable=loopable, bpm_fixed=bpm_fixed)
        sections = plan_sections(bars, loopable)
        chords = self.harmony(sections, bars, loopable)
        tracks = self.arrange(sections, chords, bars, loopable)
        if loopable:
            loop_bars = (0, bars)
        else:
            body = [x for x in sections if x.level in ("main", "high")]
            loop_bars = (body[0].start_bar, body[-1].start_bar + body[-1].bars) if body else (0, bars)
        return Composition(style=s, bpm=bpm, beats_per_bar=self.bpb, bars=bars, duration=seconds,
                           loopable=loopable, sections=sections, chords=chords, tracks=tracks, loop_bars=loop_bars)

    # -- harmony
    def harmony(self, sections: list[Section], bars: int, loopable: bool) -> list[Chord]:
        s = self.s
        table_a, table_b = PROGRESSIONS[s.mode]
        prog_a, prog_b = self.choice(table_a), self.choice(table_b)
        per_chord = 2 if s.genre.name in ("ambient", "horror") else 1
        out: list[Chord] = []
        for sec in sections:
            prog = prog_b if sec.name.startswith("B") else prog_a
            for i in range(sec.bars):
                idx = (i // per_chord) % len(prog)
                out.append(make_chord(s, prog[idx], sevenths=s.genre.sevenths, dominant=True))
        if not loopable and bars >= 1:
            out[-1] = make_chord(s, 0, sevenths=False)
            # a cadence: the bar before the final chord is the dominant
            last_body = [x for x in sections if x.level != "end"]
            if bars >= 3 and last_body:
                end_bar = last_body[-1].start_bar + last_body[-1].bars - 1
                if s.mode == "phrygian":
                    out[end_bar] = make_chord(s, 1)
                else:
                    out[end_bar] = make_chord(s, 4, sevenths=s.genre.sevenths, dominant=True)
        return out

    # -- arrangement
    def arrange(self, sections: list[Section], chords: list[Chord], bars: int, loopable: bool) -> list[Track]:
        s = self.s
        tracks: list[Track] = []
        names_seen: dict[str, int] = {}
        role_order = ["melody", "chords", "pad", "arp", "bass", "perc", "drums"]
        for role in role_order:
            for inst in s.band.get(role, []):
                names_seen[inst.name] = names_seen.get(inst.name, 0) + 1
        channel = 0
        for role in role_order:
            for inst in s.band.get(role, []):
                name = inst.name if names_seen[inst.name] == 1 else f"{inst.name} {role}"
                ch = 9 if inst.is_drum else channel
                if not inst.is_drum:
                    channel += 1
                    if channel == 9:
                        channel = 10
                tracks.append(Track(name, inst, role, channel=ch))
        level_of = [""] * bars
        section_of: list[Section | None] = [None] * bars
        for sec in sections:
            for b in range(sec.start_bar, sec.start_bar + sec.bars):
                level_of[b] = sec.level
                section_of[b] = sec
        has = {t.role for t in tracks}
        for t in tracks:
            fn = getattr(self, f"part_{t.role}")
            fn(t, sections, chords, level_of, section_of, has, loopable)
        PAN = {"melody": 0.0, "chords": -0.3, "pad": 0.25, "arp": 0.45, "bass": 0.0, "perc": -0.2, "drums": 0.0}
        SEND = {"melody": 0.22, "chords": 0.18, "pad": 0.32, "arp": 0.3, "bass": 0.04, "perc": 0.25, "drums": 0.1}
        for t in tracks:
            t.pan = PAN[t.role]
            t.reverb_send = SEND[t.role]
        return tracks

    def _vel(self, base: float, level: str, jitter: int = 5) -> int:
        v = base * LEVEL_VEL.get(level, 0.85) + self.rng.integers(-jitter, jitter + 1)
        return int(np.clip(round(v), 1, 127))

    def _final_bar(self, level_of: list[str], bar: int, loopable: bool) -> bool:
        return (not loopable) and bar == len(level_of) - 1

    # pads: sustained voicings, tied when the chord repeats
    def part_pad(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        lo, hi = max(inst.low, 50), min(inst.high, 79)
        prev = None
        cur: list[Note] = []
        for bar, chord in enumerate(chords):
            level = level_of[bar]
            voicing = voice_chord(chord.pcs[:4], prev, lo, hi, (lo + hi) / 2)
            start = bar * self.bpb
            dur = self.bpb - 0.05
            if self._final_bar(level_of, bar, loopable):
                dur = self.bpb * 1.6
            if prev == voicing and cur and level != "end":
                for n in cur:
                    n.dur = start + dur - n.start
                continue
            cur = [Note(start, dur, p, self._vel(78, level, 3)) for p in voicing]
            t.notes += cur
            prev = voicing

    # comping instruments
    def part_chords(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        comp = self.s.genre.comp
        if comp == "none":
            comp = "block"
        if inst.name in ("acoustic guitar", "nylon guitar", "banjo") and comp == "block":
            comp = "strum"
        if inst.name in ("overdriven guitar", "distortion guitar"):
            comp = "power"
        lo, hi = max(inst.low, 48), min(inst.high, 76)
        prev = None
        bpb = self.bpb
        for bar, chord in enumerate(chords):
            level = level_of[bar]
            start = bar * bpb
            final = self._final_bar(level_of, bar, loopable)
            if level == "low" and "pad" in has:
                continue
            voicing = voice_chord(chord.pcs[:4], prev, lo, hi, 62)
            prev = voicing
            if final or level == "end" or (level == "low"):
                dur = bpb * (1.6 if final else 1.0) - 0.05
                t.notes += [Note(start, dur, p, self._vel(72, level)) for p in voicing]
                continue
            if comp == "power":
                root = lo + (chord.root - lo) % 12
                if root > 52:
                    root -= 12
                shape = [root, root + 7, root + 12]
                steps = [i * 0.5 for i in range(bpb * 2)]
                for k, b in enumerate(steps):
                    acc = 96 if k % 2 == 0 else 78
                    if level == "main" and k % 4 == 3:
                        continue
                    t.notes += [Note(start + b, 0.42, p, self._vel(acc, level)) for p in shape]
            elif comp == "strum":
                low_root = 40 + (chord.root - 40) % 12
                shape = sorted({low_root, *voicing, voicing[0] + 12})
                pattern = "D.DU.UDU" if bpb == 4 else "D.D.DU"
                for k, ch in enumerate(pattern):
                    if ch == ".":
                        continue
                    b = start + k * 0.5
                    order = shape if ch == "D" else shape[::-1][:-1]
                    base = 92 if ch == "D" else 70
                    for j, p in enumerate(order):
                        t.notes.append(Note(b + j * 0.018 * self.s.bpm / 60, 0.5 if ch == "U" else 0.9, p,
                                            self._vel(base - j * 2, level)))
            elif comp == "stabs":
                for k in range(bpb):
                    t.notes += [Note(start + k + 0.5, 0.22, p, self._vel(84, level)) for p in voicing]
            elif comp == "comp":
                hits = self.choice([[(0, 0.4), (1.5, 0.4)], [(0, 1.0), (2.5, 0.4)], [(0.5, 0.4), (2, 0.4), (3.5, 0.4)],
                                    [(1.5, 0.5), (3, 0.8)]]) if bpb == 4 else [(0, 0.9), (1.5, 0.4)]
                for b, d in hits:
                    t.notes += [Note(start + b, d, p, self._vel(76, level, 8)) for p in voicing]
            elif comp == "broken":
                root = 36 + (chord.root - 36) % 12
                pcs = list(chord.pcs)
                fifth = root + ((pcs[2] - pcs[0]) % 12 if len(pcs) > 2 else 7)
                third = root + 12 + (pcs[1] - pcs[0]) % 12
                figure = [root, fifth, root + 12, third, root + 12, fifth, root + 12, third][: bpb * 2]
                for k, p in enumerate(figure):
                    t.notes.append(Note(start + k * 0.5, 0.9 if k else 1.8, p, self._vel(70 if k else 80, level)))
            else:  # block
                if self.s.energy >= 0.6 or level == "high":
                    halves = [0, bpb / 2] if bpb == 4 else [0]
                    for b in halves:
                        t.notes += [Note(start + b, bpb / len(halves) - 0.08, p, self._vel(80, level)) for p in voicing]
                else:
                    t.notes += [Note(start, bpb - 0.06, p, self._vel(76, level)) for p in voicing]

    # arpeggios
    def part_arp(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        style = self.s.genre.arp
        rate = 0.25 if style.endswith("16") and self.s.bpm < 140 else 0.5
        lo, hi = max(inst.low, 55), min(inst.high, 91)
        prev = None
        for bar, chord in enumerate(chords):
            level = level_of[bar]
            if level == "end" or (level == "main" and ("chords" in has) and self.s.energy < 0.5):
                continue
            voicing = voice_chord(chord.pcs[:3], prev, lo, min(hi, lo + 24), lo + 9)
            prev = voicing
            seq = voicing + [voicing[0] + 12]
            if style.startswith("updown"):
                seq = seq + seq[-2:0:-1]
            steps = int(self.bpb / rate)
            for k in range(steps):
                p = seq[k % len(seq)]
                acc = 82 if k % (int(1 / rate)) == 0 else 66
                t.notes.append(Note(bar * self.bpb + k * rate, rate * 0.9, p, self._vel(acc, level, 4)))

    # bass lines
    def part_bass(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        pattern = self.s.genre.bass
        lo, hi = max(inst.low, 28), min(inst.high, 52)
        prev = 38
        bpb = self.bpb
        for bar, chord in enumerate(chords):
            level = level_of[bar]
            start = bar * bpb
            cands = [p for p in range(lo, hi + 1) if p % 12 == chord.root]
            root = min(cands, key=lambda p: abs(p - prev) + 0.4 * abs(p - 38)) if cands else 36 + chord.root
            prev = root
            fifth = root + 7 if root + 7 <= hi + 5 else root - 5
            nxt = chords[bar + 1] if bar + 1 < len(chords) else chords[0]
            nxt_root = min((p for p in range(lo, hi + 1) if p % 12 == nxt.root), key=lambda p: abs(p - root), default=root)
            final = self._final_bar(level_of, bar, loopable)
            if final or level == "end":
                t.notes.append(Note(start, bpb * (1.6 if final else 1.0) - 0.05, root, self._vel(92, level)))
                continue
            if level == "low" and pattern != "whole":
                t.notes.append(Note(start, bpb - 0.1, root, self._vel(84, level)))
                continue
            notes: list[tuple[float, float, int, int]] = []
            if pattern == "whole":
                notes = [(0, bpb - 0.1, root, 90)]
                if level == "high" and bpb == 4:
                    notes = [(0, 2.5, root, 92), (2.5, 1.4, fifth, 80)]
            elif pattern == "epic":
                notes = [(0, bpb / 2 - 0.1, root, 96), (bpb / 2, bpb / 2 - 0.1, root, 86)] if bpb == 4 else [(0, bpb - 0.1, root, 96)]
                if level == "high":
                    notes = [(k, 0.9, root if k % 2 == 0 else root + 12 if root + 12 <= hi + 7 else root, 92 - 8 * (k % 2)) for k in range(bpb)]
            elif pattern in ("pulse8", "octave8"):
                for k in range(bpb * 2):
                    p = root + 12 if (pattern == "octave8" and k % 2 == 1) else root
                    if level == "high" and pattern == "pulse8" and k == bpb * 2 - 1:
                        p = nxt_root + (1 if nxt_root < root else -1) if nxt_root != root else fifth
                    notes.append((k * 0.5, 0.42, p, 96 if k % 2 == 0 else 80))
                if level == "main" and pattern == "pulse8":
                    notes = [n for i, n in enumerate(notes) if i % 4 != 3]
            elif pattern == "rootfifth":
                if bpb == 3:
                    notes = [(0, 0.9, root, 94)] + ([(2, 0.9, fifth, 78)] if level == "high" else [])
                else:
                    notes = [(0, 1.4, root, 94), (2, 1.4, fifth, 84)]
                    if level == "high":
                        notes[-1] = (2, 0.9, fifth, 84)
                        notes.append((3.5, 0.45, nxt_root - 2 if nxt_root - 2 >= lo else nxt_root + 2, 74))
            elif pattern == "walking":
                third = root + (chord.pcs[1] - chord.root) % 12
                fifth_w = root + (chord.pcs[2] - chord.root) % 12
                approach = nxt_root + (1 if self.rng.random() < 0.5 else -1)
                line = [root, self.choice([third, fifth_w]), self.choice([fifth_w, third + 12 if third + 12 <= hi + 5 else third]), approach]
                notes = [(k, 0.92, p, 90 if k == 0 else 78) for k, p in enumerate(line[:bpb])]
            else:  # syncopated
                if bpb == 4:
                    notes = [(0, 1.3, root, 96), (1.5, 0.45, root, 78), (2.5, 0.9, fifth, 84)]
                    if level == "high":
                        notes.append((3.5, 0.45, root + 12 if root + 12 <= hi + 7 else root, 76))
                else:
                    notes = [(0, 1.4, root, 96), (2, 0.9, fifth, 80)]
            for b, d, p, v in notes:
                t.notes.append(Note(start + b, d, int(p), self._vel(v, level, 4)))

    # timpani and other pitched percussion
    def part_perc(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        lo, hi = inst.low, inst.high
        for bar, chord in enumerate(chords):
            level = level_of[bar]
            start = bar * self.bpb
            root = lo + (chord.root - lo) % 12
            if root > hi:
                root -= 12
            sec = section_of[bar]
            last_of_section = sec is not None and bar == sec.start_bar + sec.bars - 1
            if level in ("low",) and bar % 2:
                continue
            t.notes.append(Note(start, 1.0, root, self._vel(92 if level != "low" else 70, level)))
            if level == "high" and self.bpb == 4:
                t.notes.append(Note(start + 2, 1.0, root + 7 if root + 7 <= hi else root - 5, self._vel(80, level)))
            if last_of_section and level in ("main", "high"):
                for k in range(8):
                    t.notes.append(Note(start + self.bpb - 1 + k / 8, 0.12, root, int(50 + k * 8)))

    # drums
    def part_drums(self, t, sections, chords, level_of, section_of, has, loopable):
        style = self.s.drum_style
        if style == "none":
            style = "backbeat"
        table = DRUM_PATTERNS[style]
        steps = self.bpb * 4
        nbars = len(level_of)
        for bar in range(nbars):
            level = level_of[bar]
            sec = section_of[bar]
            start = bar * self.bpb
            final = self._final_bar(level_of, bar, loopable)
            if level == "end":
                if final:
                    t.notes.append(Note(start, 2.0, gm.CRASH, 108))
                    t.notes.append(Note(start, 1.0, gm.KICK, 112))
                elif level_of[bar - 1] != "end" if bar > 0 else False:
                    t.notes.append(Note(start, 2.0, gm.CRASH, 100))
                    t.notes.append(Note(start, 1.0, gm.KICK, 104))
                continue
            pat = dict(table.get(level, table["main"]))
            bar_in_sec = bar - sec.start_bar if sec else bar
            phrase_end = (bar_in_sec % 4 == 3) or (sec is not None and bar == sec.start_bar + sec.bars - 1)
            big_end = (bar_in_sec % 8 == 7) or (sec is not None and bar == sec.start_bar + sec.bars - 1)
            fill_from = steps
            if phrase_end and level in ("main", "high") and style not in ("swing", "heartbeat") and self.s.energy > 0.3:
                fill_from = steps - (8 if big_end and level == "high" else 4)
            for name, line in pat.items():
                line = (line * 2)[:steps] if len(line) < steps else line[:steps]
                key = DRUM_KEYS[name]
                for k, ch in enumerate(line):
                    if ch == "." or k >= fill_from and name in ("snare", "tomL", "tomM", "tomH", "clap"):
                        continue
                    if k >= fill_from and name in ("hat", "ohat", "ride") and k % 2:
                        continue
                    v = VEL_CHARS[ch] * (0.85 if level == "low" else 1.0) + self.rng.integers(-6, 7)
                    t.notes.append(Note(start + k / 4, 0.2, key, int(np.clip(v, 1, 127))))
            if fill_from < steps:
                rock = style in ("rock", "epic", "chase")
                toms = [gm.TOM_HIGH, gm.TOM_HIGH, gm.TOM_MID, gm.TOM_MID, gm.TOM_LOW, gm.TOM_LOW, gm.TOM_LOW, gm.TOM_LOW]
                n = steps - fill_from
                for j in range(n):
                    key = toms[j * 8 // n] if rock and j >= n // 2 else gm.SNARE
                    if not rock and self.rng.random() < 0.25 and j not in (0, n - 1):
                        continue
                    t.notes.append(Note(start + (fill_from + j) / 4, 0.2, key, int(min(120, 64 + 50 * (j + 1) / n))))
            # crash on the first bar of a section (after the intro) and on a loop's first bar
            if sec is not None and bar == sec.start_bar and level in ("main", "high") and (bar > 0 or loopable):
                t.notes.append(Note(start, 1.5, gm.CRASH, 96 if level == "high" else 84))

    # melody
    def part_melody(self, t, sections, chords, level_of, section_of, has, loopable):
        inst = t.instrument
        scale = MODES[self.s.mode]
        tonic = self.s.tonic
        lo, hi = max(inst.low, 57), min(inst.high, 86)
        if hi - lo < 12:
            lo, hi = inst.low, inst.high

        def pitch(idx: int) -> int:
            return tonic + 12 * (idx // 7) + scale[idx % 7]

        idxs = [i for i in range(0, 7 * 11) if lo <= pitch(i) <= hi]
        if not idxs:
            return
        lo_i, hi_i = idxs[0], idxs[-1]
        centre = (lo_i + hi_i) // 2
        energy = self.s.energy
        cells = MELODY_CELLS[self.bpb]
        speed = "slow" if energy < 0.35 or self.s.bpm >= 150 else ("fast" if energy >= 0.75 and self.s.bpm < 135 else "mid")
        motifs: dict[str, dict[str, Any]] = {}

        def motif(key: str, speed_: str) -> dict[str, Any]:
            if key not in motifs:
                a = self.choice(cells[speed_])
                b = self.choice(cells[speed_])
                d = self.choice(cells[speed_])
                contour = [int(x) for x in self.rng.choice([-2, -1, -1, 1, 1, 2, 0, 3, -3], size=16)]
                motifs[key] = {"cells": [a, b, a, None], "alt": [a, b, d, None], "contour": contour,
                               "cad": [self.choice(cells["cad"]), self.choice(cells["cad"])], "lift": 0}
            return motifs[key]

        cur = centre
        for sec in sections:
            if sec.level == "low" and has - {"melody", "drums"}:
                continue
            if sec.level == "end":
                # a closing statement: the tonic (or the chord root) held
                for bar in range(sec.start_bar, sec.start_bar + sec.bars):
                    if self._final_bar(level_of, bar, loopable):
                        target = min((i for i in range(lo_i, hi_i + 1) if i % 7 == 0), key=lambda i: abs(i - cur))
                        t.notes.append(Note(bar * self.bpb, self.bpb * 1.5, pitch(target), self._vel(86, "end")))
                continue
            key = "B" if sec.name.startswith("B") else "A"
            m = motif(key, "fast" if (key == "B" and speed == "mid" and energy > 0.5) else speed)
            lift = 2 if key == "B" else 0
            for bar in range(sec.start_bar, sec.start_bar + sec.bars):
                rel = bar - sec.start_bar
                phrase = rel // 4
                pos = rel % 4
                last_in_sec = bar == sec.start_bar + sec.bars - 1
                if pos == 3 or last_in_sec:
                    rhythm = m["cad"][phrase % 2]
                else:
                    rhythm = (m["cells"] if phrase % 2 == 0 else m["alt"])[pos]
                chord = chords[bar]
                chord_idx = {(scale.index((pc - tonic) % 12)) if (pc - tonic) % 12 in scale else None for pc in chord.pcs[:3]}
                chord_idx.discard(None)
                beat = 0.0
                contour = m["contour"]
                ci = (pos * 4) % len(contour)
                for j, d in enumerate(rhythm):
                    rest = d < 0
                    d = abs(d)
                    if rest:
                        beat += d
                        continue
                    strong = abs(beat - round(beat)) < 1e-6 and int(round(beat)) in ((0, 2) if self.bpb == 4 else (0,))
                    if j == 0:
                        # start of a bar: nearest chord tone to where we are, nudged to the register
                        target = cur + (1 if cur < centre + lift - 3 else -1 if cur > centre + lift + 3 else 0)
                    else:
                        target = cur + contour[ci % len(contour)]
                        ci += 1
                    if target > hi_i:
                        target -= 3
                    if target < lo_i:
                        target += 3
                    is_end = (j == len(rhythm) - 1) and (pos == 3 or last_in_sec)
                    if strong or is_end:
                        pool = [i for i in range(lo_i, hi_i + 1) if i % 7 in chord_idx]
                        if is_end and last_in_sec and any(i % 7 == 0 for i in pool):
                            pool = [i for i in pool if i % 7 == 0] if (0 in chord_idx) else pool
                        if pool:
                            target = min(pool, key=lambda i: (abs(i - target), i))
                    target = int(np.clip(target, lo_i, hi_i))
                    vel = 92 if strong else 80
                    legato = 0.92 if inst.program not in (0, 1, 4, 11, 12, 13, 24, 25, 45, 46, 105, 108, 114) else 0.98
                    t.notes.append(Note(bar * self.bpb + beat, d * legato, pitch(target), self._vel(vel, sec.level, 6)))
                    cur = target
                    beat += d


def compose(style: Style, duration: float, *, rng: np.random.Generator, loopable: bool, bpm_fixed: bool) -> Composition:
    """Plan and write a piece in `style` lasting `duration` seconds."""
    return Composer(style, rng).compose(duration, loopable=loopable, bpm_fixed=bpm_fixed)


def to_pretty_midi(comp: Composition, *, humanize_rng: np.random.Generator | None = None) -> Any:
    """The composition as a pretty_midi.PrettyMIDI (tempo, meter, key, programs, notes, sections,
    per-track volume/pan, and an RPG Maker style CC111 loop-start marker)."""
    import pretty_midi

    s = comp.style
    pm = pretty_midi.PrettyMIDI(initial_tempo=comp.bpm, resolution=960)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(comp.beats_per_bar, 4, 0.0))
    minor = s.mode in MINOR_LIKE
    pm.key_signature_changes.append(pretty_midi.KeySignature(s.tonic + (12 if minor else 0), 0.0))
    for sec in comp.sections:
        pm.text_events.append(pretty_midi.Text(f"section {sec.name}", comp.beat_to_seconds(sec.start_bar * comp.beats_per_bar)))
    composer = Composer(s, humanize_rng or np.random.default_rng(0))
    loop_start_s = comp.beat_to_seconds(comp.loop_bars[0] * comp.beats_per_bar)
    end_limit = comp.duration
    for t in comp.tracks:
        inst = pretty_midi.Instrument(program=t.instrument.program, is_drum=t.instrument.is_drum, name=t.name)
        vol = int(np.clip(round(127 * 10 ** (t.gain_db / 40.0)), 0, 127))
        pan = int(np.clip(round(64 + 63 * t.pan), 0, 127))
        inst.control_changes += [pretty_midi.ControlChange(7, vol, 0.0), pretty_midi.ControlChange(10, pan, 0.0),
                                 pretty_midi.ControlChange(91, int(round(127 * min(1.0, t.reverb_send * 2))), 0.0)]
        if comp.loopable or comp.loop_bars[0] > 0:
            inst.control_changes.append(pretty_midi.ControlChange(111, 0, loop_start_s))
        for n in t.notes:
            b0 = composer.swing(n.start)
            start = comp.beat_to_seconds(b0)
            end = comp.beat_to_seconds(n.start + n.dur)
            if start >= end_limit - 0.02:
                continue
            end = max(start + 0.03, min(end, end_limit - 0.01 if not comp.loopable else end))
            inst.notes.append(pretty_midi.Note(velocity=int(n.velocity), pitch=int(n.pitch), start=start, end=end))
        inst.notes.sort(key=lambda n: (n.start, n.pitch))
        pm.instruments.append(inst)
    return pm
