"""Reading a prompt into musical decisions: genre, mood, tempo, key, mode, meter, instruments.

The prompt is matched word by word against small tables of genre and mood words. Genre decides
the band (which General MIDI instruments play which role), the drum groove and the tempo range;
mood decides the mode and the energy (which moves the tempo inside the genre's range and thins or
thickens the arrangement). Explicit words win: "140 bpm", "in D minor", "waltz", "slow", "fast".
Anything the prompt does not decide is drawn from the seed, so two seeds give two different tunes
in the same style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from studio.backends.audio.music.instruments import INSTRUMENTS, Instrument, known_names, lookup
from studio.engine.errors import UserError

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PITCH = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}
MINOR_LIKE = {"minor", "dorian", "phrygian", "harmonic_minor"}


@dataclass(frozen=True)
class Genre:
    name: str
    words: tuple[str, ...]
    bpm: tuple[int, int]
    band: dict[str, str]  # role -> instrument name
    drums: str  # drum style
    bass: str  # bass pattern
    comp: str  # chords pattern
    arp: str = "up8"
    swing: float = 0.0
    sevenths: bool = False
    reverb: float = 1.4  # seconds RT60
    default_mode: str | None = None


GENRES: dict[str, Genre] = {g.name: g for g in [
    Genre("synthwave", ("neon", "synthwave", "retro", "80s", "cyberpunk", "outrun", "synth", "electronic",
                        "techno", "edm", "cyber", "futuristic", "scifi", "sci-fi", "robot", "robots",
                        "hacker", "laser", "arcade", "nightclub", "club", "dance", "rave"),
          (100, 132), {"melody": "saw lead", "pad": "synth pad", "arp": "square lead", "bass": "synth bass",
                       "drums": "electronic drums"}, "four", "octave8", "none", "up16", reverb=1.2),
    Genre("chiptune", ("chiptune", "8-bit", "8bit", "pixel", "nes", "gameboy", "platformer", "retro-game"),
          (120, 160), {"melody": "square lead", "arp": "square lead", "bass": "synth bass", "drums": "808 drums"},
          "backbeat", "pulse8", "none", "up16", reverb=0.6),
    Genre("orchestral", ("orchestral", "orchestra", "epic", "cinematic", "heroic", "battle", "war", "fantasy",
                         "kingdom", "castle", "dragon", "trailer", "boss", "quest", "knight", "knights",
                         "army", "empire", "legend", "legendary", "symphonic", "triumphant"),
          (84, 132), {"melody": "french horn", "pad": "strings", "chords": "brass", "arp": "pizzicato strings",
                      "bass": "contrabass", "perc": "timpani", "drums": "orchestral percussion"},
          "epic", "epic", "block", "up8", reverb=2.2),
    Genre("rock", ("rock", "metal", "guitar", "punk", "grunge", "race", "racing", "motorbike", "highway",
                   "skate", "riot", "garage"),
          (118, 160), {"melody": "distortion guitar", "chords": "overdriven guitar", "bass": "picked bass",
                       "drums": "power drums"}, "rock", "pulse8", "power", reverb=1.0),
    Genre("jazz", ("jazz", "noir", "lounge", "swing", "detective", "smoky", "bebop", "speakeasy", "cocktail",
                   "elevator", "casino"),
          (96, 150), {"melody": "tenor sax", "chords": "piano", "bass": "acoustic bass", "drums": "brush drums"},
          "swing", "walking", "comp", swing=0.6, sevenths=True, reverb=1.3),
    Genre("lofi", ("lofi", "lo-fi", "hiphop", "hip-hop", "chill", "chillhop", "study", "studying", "beats",
                   "coffee", "cafe", "homework"),
          (70, 90), {"melody": "vibraphone", "chords": "electric piano", "bass": "fretless bass",
                     "drums": "room drums"}, "boombap", "syncopated", "block", swing=0.35, sevenths=True,
          reverb=1.2),
    Genre("folk", ("folk", "tavern", "medieval", "village", "acoustic", "celtic", "pastoral", "farm",
                   "countryside", "inn", "bard", "shire", "harvest", "pirate", "pirates", "sea", "jig"),
          (92, 132), {"melody": "fiddle", "chords": "acoustic guitar", "arp": "harp", "bass": "acoustic bass",
                      "drums": "drums"}, "folk", "rootfifth", "strum", reverb=1.3),
    Genre("ambient", ("ambient", "space", "drone", "atmospheric", "meditation", "ethereal", "dream", "dreamy",
                      "underwater", "ocean", "cave", "stars", "starry", "cosmic", "floating", "aurora",
                      "snow", "winter", "galaxy", "nebula"),
          (60, 84), {"melody": "new age pad", "pad": "warm pad", "arp": "celesta", "bass": "synth bass"},
          "none", "whole", "none", "updown8", reverb=3.0),
    Genre("ballad", ("ballad", "piano", "emotional", "love", "romantic", "tender", "memory", "memories",
                     "heartfelt", "wedding"),
          (64, 84), {"melody": "piano", "chords": "piano", "pad": "slow strings", "bass": "acoustic bass"},
          "none", "whole", "broken", reverb=1.8),
    Genre("horror", ("horror", "creepy", "haunted", "ghost", "ghosts", "zombie", "zombies", "spooky",
                     "nightmare", "asylum", "graveyard", "cemetery", "crypt", "monster"),
          (60, 88), {"melody": "music box", "pad": "bowed pad", "chords": "tremolo strings", "bass": "contrabass",
                     "perc": "timpani", "drums": "drums"}, "heartbeat", "whole", "block", reverb=2.6,
          default_mode="harmonic_minor"),
    Genre("tropical", ("beach", "island", "tropical", "summer", "caribbean", "surf", "reggae", "calypso",
                       "paradise", "holiday", "vacation"),
          (96, 120), {"melody": "steel drums", "chords": "nylon guitar", "arp": "marimba", "bass": "electric bass",
                      "drums": "drums"}, "tropical", "syncopated", "stabs", "updown8", reverb=1.0),
    Genre("pop", (), (96, 124), {"melody": "flute", "chords": "piano", "pad": "strings", "bass": "electric bass",
                                  "drums": "drums"}, "backbeat", "syncopated", "block", reverb=1.5),
]}


@dataclass(frozen=True)
class Mood:
    name: str
    words: tuple[str, ...]
    modes: tuple[str, ...]
    energy: float


MOODS: dict[str, Mood] = {m.name: m for m in [
    Mood("tense", ("tense", "chase", "chased", "danger", "dangerous", "suspense", "urgent", "run", "running",
                   "escape", "stealth", "threat", "pursuit", "hunt", "hunted", "frantic", "alarm", "countdown",
                   "heist", "panic", "infiltration", "sneaking", "tension"), ("minor", "phrygian", "harmonic_minor"), 0.85),
    Mood("dark", ("dark", "ominous", "evil", "sinister", "doom", "villain", "shadow", "shadows", "gloomy", "grim",
                  "menacing", "underworld", "dungeon", "lair", "night"), ("phrygian", "harmonic_minor", "minor"), 0.55),
    Mood("aggressive", ("aggressive", "angry", "fight", "fighting", "combat", "intense", "fury", "rage", "action",
                        "assault", "brutal", "attack", "battle", "war", "boss"), ("minor", "phrygian"), 0.95),
    Mood("sad", ("sad", "melancholy", "melancholic", "lonely", "grief", "sorrow", "tragic", "loss", "rain", "rainy",
                 "nostalgic", "nostalgia", "farewell", "tears", "funeral", "regret", "longing", "heartbreak"),
         ("minor", "dorian"), 0.25),
    Mood("happy", ("happy", "cheerful", "joyful", "joy", "bright", "sunny", "playful", "fun", "upbeat", "silly",
                   "cute", "bouncy", "party", "celebration", "festive", "carnival", "whimsical", "goofy"),
         ("major", "mixolydian"), 0.7),
    Mood("calm", ("calm", "peaceful", "relaxing", "relaxed", "gentle", "serene", "soft", "quiet", "sleepy",
                  "lullaby", "cozy", "tranquil", "morning", "meadow", "garden", "soothing", "breeze", "hopeful"),
         ("major", "lydian"), 0.2),
    Mood("mysterious", ("mysterious", "mystery", "eerie", "magic", "magical", "enchanted", "strange", "puzzle",
                        "secret", "ancient", "ruins", "temple", "forest", "wizard", "witch", "arcane", "unknown",
                        "exploration", "explore", "desert"), ("dorian", "minor", "lydian"), 0.4),
    Mood("heroic", ("heroic", "victory", "victorious", "glorious", "brave", "hero", "adventure", "march",
                    "triumph", "courage", "rise", "flying", "sky", "journey", "overworld"), ("major", "mixolydian"), 0.75),
]}

SLOW_WORDS = {"slow", "slowly", "languid", "lazy", "sluggish", "adagio", "largo", "ballad"}
FAST_WORDS = {"fast", "quick", "rapid", "frantic", "speedy", "hyper", "breakneck", "fast-paced", "allegro", "presto"}
TRIPLE_WORDS = {"waltz", "3/4", "minuet", "lullaby", "6/8", "jig"}


@dataclass
class Style:
    """Everything the composer needs that the prompt (and overrides) decided."""

    prompt: str
    genre: Genre
    mood: Mood | None
    energy: float
    bpm: float
    bpm_source: str
    tonic: int  # pitch class 0..11
    mode: str
    beats_per_bar: int
    band: dict[str, list[Instrument]]  # role -> instruments
    drum_style: str
    swing: float
    matched: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key_name(self) -> str:
        return f"{NOTE_NAMES[self.tonic]} {self.mode.replace('_', ' ')}"

    @property
    def scale(self) -> tuple[int, ...]:
        return MODES[self.mode]


def _words(prompt: str) -> list[str]:
    text = prompt.lower().replace("lo fi", "lo-fi").replace("hip hop", "hiphop").replace("8 bit", "8-bit")
    text = text.replace("sci fi", "sci-fi").replace("fast paced", "fast-paced").replace("rainy day", "rainy-day")
    return re.findall(r"[a-z0-9][a-z0-9/\-#]*", text)


def parse_key(text: str) -> tuple[int, str | None]:
    """'D', 'F#', 'Bb', 'C# minor', 'eb major' -> (pitch class, mode or None)."""
    m = re.fullmatch(r"\s*([a-gA-G])\s*(#|b|sharp|flat)?\s*(major|minor|maj|min|m|dorian|phrygian|lydian|mixolydian|harmonic[ _]minor)?\s*", text)
    if not m:
        raise UserError(f"key {text!r} is not a key name; use a note like C, F#, Bb, optionally with major/minor (e.g. 'D minor')")
    pc = _PITCH[m.group(1).lower()]
    acc = (m.group(2) or "").lower()
    if acc in ("#", "sharp"):
        pc += 1
    elif acc in ("b", "flat"):
        pc -= 1
    mode = m.group(3)
    if mode:
        mode = mode.lower().replace(" ", "_")
        mode = {"maj": "major", "min": "minor", "m": "minor"}.get(mode, mode)
    return pc % 12, mode


_MODE_WORDS = r"(major|minor|dorian|phrygian|lydian|mixolydian)"


def _key_in_prompt(prompt: str) -> tuple[int, str] | None:
    """Only explicit key phrases set a key: "key of D", "in A minor", "F# major", "in e dorian".
    An article is no key: "in a volcano", "a minor setback" and "in a major city" set nothing
    (a lower-case "a" counts only after "key of")."""
    m = re.search(r"\bkey of\s+([a-g](?:#|b|\s?sharp|\s?flat)?)(?:\s+" + _MODE_WORDS + r")?\b", prompt, re.IGNORECASE)
    if not m:
        m = re.search(r"(?<![\w'])([A-G](?:#|b)?|[b-g](?:#|b)?)\s+(?i:" + _MODE_WORDS + r")\b", prompt)
        if m and m.group(1)[0] == "b" and m.group(1) != "b" and len(m.group(1)) == 2:
            m = None
    if not m:
        return None
    pc, mode = parse_key(m.group(1).replace(" ", "") + (" " + m.group(2).lower() if m.group(2) else ""))
    return pc, mode or ""


#: the request's own mood word (studio.backends.text.understand) -> the music mood it asks for
_UNDERSTOOD_MOODS = {"calm": "calm", "happy": "happy", "playful": "happy", "sad": "sad", "lonely": "sad", "tense": "tense",
                     "dark": "dark", "mysterious": "mysterious", "epic": "heroic", "romantic": "calm"}
#: when no genre word is in the prompt, the place decides the band
_NATURE = {"forest", "wood", "woods", "jungle", "meadow", "garden", "field", "fields", "valley", "mountain", "mountains",
           "lake", "river", "waterfall", "hill", "hills", "orchard", "pond", "glade", "countryside", "rainforest", "swamp", "marsh"}
_PLACE_GENRES = {
    **{w: "ambient" for w in ("space", "moon", "mars", "planet", "station", "space station", "orbit", "galaxy", "nebula", "desert",
                              "glacier", "iceberg", "arctic", "tundra", "deep sea", "reef", "lagoon", "observatory")},
    **{w: "orchestral" for w in ("castle", "kingdom", "palace", "volcano", "fortress", "arena", "colosseum", "temple", "cathedral")},
    **{w: "folk" for w in ("village", "farm", "tavern", "inn", "harbour", "harbor", "port", "market", "barn", "ship",
                           "lighthouse", "coast", "shore")},
    **{w: "lofi" for w in ("cafe", "café", "kitchen", "bakery", "library", "bedroom", "attic", "diner", "bookshop", "classroom")},
    **{w: "horror" for w in ("graveyard", "cemetery", "crypt", "dungeon", "asylum", "mansion")},
}
_QUIET_MOODS = {"calm", "sad", "mysterious", "dark"}


def _understood(prompt: str):
    """The shared understanding of the prompt (mood word, place, time), or None for a prompt
    with no letters."""
    from studio.backends.text.understand import understand

    return understand(prompt) if re.search(r"[A-Za-z]", prompt) else None


def resolve_instruments(names: list[str]) -> list[Instrument]:
    out = []
    for name in names:
        inst = lookup(name)
        if inst is None:
            raise UserError(f"unknown instrument {name!r}; known instruments: {', '.join(known_names())}")
        out.append(inst)
    return out


def _band_from_instruments(instruments: list[Instrument]) -> dict[str, list[Instrument]]:
    band: dict[str, list[Instrument]] = {}
    for inst in instruments:
        band.setdefault(inst.role, []).append(inst)
    # a tune needs a melody: promote the first pitched non-bass instrument
    if "melody" not in band:
        for role in ("chords", "arp", "pad", "perc", "bass"):
            if band.get(role):
                inst = band[role].pop(0)
                if not band[role]:
                    del band[role]
                band["melody"] = [inst]
                # a lone piano (guitar, harp...) plays its harmony too, as a second track
                if role in ("chords", "arp", "pad") and not any(band.get(r) for r in ("chords", "arp", "pad")):
                    band[role] = [inst]
                break
    return band


def infer_style(
    prompt: str,
    *,
    rng: np.random.Generator,
    bpm: float | None = None,
    key: str | None = None,
    mode: str | None = None,
    instruments: list[str] | None = None,
) -> Style:
    words = _words(prompt)
    wordset = set(words)
    matched: dict[str, list[str]] = {}

    # genre: the one with most matching words; ties -> first in the prompt
    best, best_score, best_pos = GENRES["pop"], 0, len(words)
    for g in GENRES.values():
        hits = [w for w in words if w in g.words]
        if hits:
            pos = words.index(hits[0])
            if len(hits) > best_score or (len(hits) == best_score and pos < best_pos):
                best, best_score, best_pos = g, len(hits), pos
                matched["genre"] = hits
    genre, genre_score = best, best_score
    u = _understood(prompt)
    place = u.setting.head if (u is not None and u.setting is not None) else None

    mood = None
    best_score, best_pos = 0, len(words)
    for md in MOODS.values():
        hits = [w for w in words if w in md.words]
        if hits:
            pos = words.index(hits[0])
            if len(hits) > best_score or (len(hits) == best_score and pos < best_pos):
                mood, best_score, best_pos = md, len(hits), pos
                matched["mood"] = hits

    # the request's own mood adjective ("calm forest exploration") wins over scene words
    # ("forest", "exploration" read as mysterious)
    said = _UNDERSTOOD_MOODS.get(u.mood or "") if u is not None else None
    if said and (mood is None or mood.name != said) and any(w in MOODS[said].words for w in u.mood_words):
        mood = MOODS[said]
        matched["mood"] = [w for w in u.mood_words if w in MOODS[said].words]
    if mood is None and u is not None and u.time in ("dawn", "dusk", "night", "evening"):
        mood = MOODS["calm"] if u.time in ("dawn", "evening") else MOODS["mysterious"]
        matched["mood"] = [u.time]
    # no genre word: the place and the mood choose the band (a calm forest is no pop band)
    if genre_score == 0 and u is not None:
        quiet = mood is None or mood.name in _QUIET_MOODS
        chosen = None
        if place in _NATURE or (u.setting is None and any(w in _NATURE for w in u.words)):
            chosen = "ambient" if quiet else "folk"
        elif place in _PLACE_GENRES:
            chosen = _PLACE_GENRES[place]
        elif place in ("city", "street", "streets", "alley", "rooftop", "rooftops", "subway", "metro"):
            chosen = "lofi" if quiet else "synthwave"
        elif mood is not None and mood.name in ("calm",) and place is None:
            chosen = "ambient" if not wordset & TRIPLE_WORDS else None
        if chosen is not None:
            genre = GENRES[chosen]
            matched["genre"] = [place or chosen]

    energy = mood.energy if mood else 0.55
    if wordset & SLOW_WORDS:
        energy = min(energy, 0.25)
        matched["tempo"] = sorted(wordset & SLOW_WORDS)
    if wordset & FAST_WORDS:
        energy = max(energy, 0.9)
        matched["tempo"] = sorted(wordset & FAST_WORDS)

    # tempo: explicit override, then "NNN bpm" in the prompt, then the genre's range by energy
    m = re.search(r"\b(\d{2,3})\s*bpm\b", prompt.lower())
    if bpm is not None:
        tempo, source = float(bpm), "bpm parameter"
    elif m:
        tempo, source = float(m.group(1)), "prompt"
    else:
        lo, hi = genre.bpm
        tempo = lo + (hi - lo) * energy
        if energy <= 0.25 and lo >= 90:
            # calm or sad music in a genre that is usually brisk: below its usual range
            tempo = max(lo * 0.85, tempo * 0.8)
        if wordset & SLOW_WORDS:
            tempo = min(tempo, lo * 0.95 + 0.0)
        if wordset & FAST_WORDS:
            tempo = max(tempo, hi * 1.05)
        tempo = float(round(tempo + rng.integers(-3, 4)))
        source = f"{genre.name} tempo range at energy {energy:.2f}"
    if not 30 <= tempo <= 260:
        raise UserError(f"tempo {tempo:g} bpm is out of range; use 30..260")

    # mode and key
    in_prompt = _key_in_prompt(prompt)
    tonic: int | None = None
    chosen_mode: str | None = None
    if in_prompt:
        tonic, pm = in_prompt
        chosen_mode = pm or None
        matched["key"] = [NOTE_NAMES[tonic] + (" " + pm if pm else "")]
    if key:
        tonic, km = parse_key(key)
        chosen_mode = km or chosen_mode
    if mode:
        chosen_mode = mode
    if chosen_mode is None:
        if mood is not None:
            chosen_mode = mood.modes[0] if genre.default_mode is None else genre.default_mode
            if len(mood.modes) > 1 and rng.random() < 0.3:
                chosen_mode = mood.modes[int(rng.integers(1, len(mood.modes)))]
        else:
            chosen_mode = genre.default_mode or ("minor" if genre.name in ("horror",) else "major")
    if chosen_mode not in MODES:
        raise UserError(f"unknown mode {chosen_mode!r}; use one of {', '.join(MODES)}")
    if tonic is None:
        # the seed and the prompt's words both move the key, so one seed does not put every
        # prompt in the same key
        import zlib

        choices = (9, 2, 4, 0, 7, 11, 5) if chosen_mode in MINOR_LIKE else (0, 7, 2, 5, 10, 9, 3)
        pick = int(rng.integers(0, len(choices))) + zlib.crc32(" ".join(words).encode())
        tonic = int(choices[pick % len(choices)])

    beats_per_bar = 3 if wordset & TRIPLE_WORDS else 4
    if beats_per_bar == 3:
        matched["meter"] = sorted(wordset & TRIPLE_WORDS)

    # the band: explicit instruments, else the genre's band plus instruments named in the prompt
    if instruments:
        band = _band_from_instruments(resolve_instruments(instruments))
    else:
        band = {role: [INSTRUMENTS[name]] for role, name in genre.band.items()}
        named = []
        for w in words:
            inst = lookup(w)
            if inst is not None and w not in genre.words and w not in ("bass", "synth", "lead", "pad", "kit", "orchestra", "percussion", "drums"):
                named.append(inst)
        for inst in named:
            role = inst.role
            if inst.is_drum:
                band["drums"] = [inst]
            elif role in band and band[role][0].name != inst.name or role not in band:
                band[role] = [inst]
        if named:
            matched["instruments"] = [i.name for i in named]
        if {"no", "without"} & wordset and "drums" in wordset:
            band.pop("drums", None)
        elif "drums" in wordset and "drums" not in band:
            band["drums"] = [INSTRUMENTS["drums"]]
        # calm or sad moods thin out heavy grooves; very energetic ones add drums
        if mood is not None and mood.energy <= 0.25 and genre.drums in ("rock", "four", "backbeat") and "drums" not in wordset:
            band.pop("drums", None)
    drum_style = genre.drums
    if drum_style == "none" and "drums" in band:
        drum_style = "backbeat"
    if beats_per_bar == 3 and drum_style != "none":
        drum_style = "waltz"
    if mood is not None and mood.name in ("tense", "aggressive") and drum_style in ("backbeat", "folk", "four"):
        drum_style = "chase" if tempo >= 110 else drum_style
    return Style(
        prompt=prompt, genre=genre, mood=mood, energy=float(energy), bpm=float(tempo), bpm_source=source,
        tonic=int(tonic), mode=chosen_mode, beats_per_bar=beats_per_bar, band=band, drum_style=drum_style,
        swing=genre.swing, matched=matched,
    )
