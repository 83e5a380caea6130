"""General MIDI instruments the composer knows, by the names users type.

Each name maps to a GM program (0-based) and the role it plays by default in an arrangement:
melody, chords (comping), pad (sustained), arp (broken chords), bass, drums or perc (pitched
percussion such as timpani). Drum kits are GM bank 128 presets.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("melody", "chords", "pad", "arp", "bass", "drums", "perc")


@dataclass(frozen=True)
class Instrument:
    name: str
    program: int
    role: str
    is_drum: bool = False
    #: lowest and highest MIDI note the part is written in
    low: int = 48
    high: int = 84


def _i(name: str, program: int, role: str, low: int = 48, high: int = 84) -> Instrument:
    return Instrument(name, program, role, False, low, high)


def _kit(name: str, preset: int) -> Instrument:
    return Instrument(name, preset, "drums", True, 35, 81)


INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in [
        # keys
        _i("piano", 0, "chords"), _i("bright piano", 1, "chords"), _i("electric piano", 4, "chords"),
        _i("harpsichord", 6, "arp"), _i("clavinet", 7, "chords"), _i("celesta", 8, "arp", 60, 96),
        _i("glockenspiel", 9, "arp", 72, 100), _i("music box", 10, "arp", 60, 96),
        _i("vibraphone", 11, "chords", 53, 89), _i("marimba", 12, "arp", 48, 84),
        _i("xylophone", 13, "arp", 65, 96), _i("tubular bells", 14, "melody", 60, 77),
        _i("organ", 16, "pad"), _i("rock organ", 18, "chords"), _i("church organ", 19, "pad"),
        _i("accordion", 21, "chords"), _i("harmonica", 22, "melody", 60, 84),
        # guitars
        _i("nylon guitar", 24, "chords", 40, 76), _i("acoustic guitar", 25, "chords", 40, 76),
        _i("jazz guitar", 26, "chords", 40, 76), _i("electric guitar", 27, "chords", 40, 79),
        _i("muted guitar", 28, "arp", 40, 72), _i("overdriven guitar", 29, "chords", 40, 76),
        _i("distortion guitar", 30, "chords", 40, 76),
        # basses
        _i("acoustic bass", 32, "bass", 28, 52), _i("electric bass", 33, "bass", 28, 52),
        _i("picked bass", 34, "bass", 28, 52), _i("fretless bass", 35, "bass", 28, 52),
        _i("slap bass", 36, "bass", 28, 52), _i("synth bass", 38, "bass", 28, 52),
        # strings
        _i("violin", 40, "melody", 55, 91), _i("viola", 41, "melody", 48, 79),
        _i("cello", 42, "bass", 36, 64), _i("contrabass", 43, "bass", 28, 52),
        _i("tremolo strings", 44, "pad"), _i("pizzicato strings", 45, "arp", 43, 79),
        _i("harp", 46, "arp", 36, 88), _i("timpani", 47, "perc", 38, 55),
        _i("strings", 48, "pad"), _i("slow strings", 49, "pad"), _i("synth strings", 50, "pad"),
        _i("choir", 52, "pad", 50, 76), _i("voice", 53, "melody", 55, 76),
        _i("orchestra hit", 55, "perc", 48, 72),
        # brass
        _i("trumpet", 56, "melody", 55, 82), _i("trombone", 57, "melody", 40, 70),
        _i("tuba", 58, "bass", 28, 52), _i("french horn", 60, "melody", 41, 77),
        _i("brass", 61, "chords", 48, 77), _i("synth brass", 62, "chords", 48, 77),
        # reeds and pipes
        _i("soprano sax", 64, "melody", 56, 87), _i("alto sax", 65, "melody", 49, 80),
        _i("tenor sax", 66, "melody", 44, 75), _i("oboe", 68, "melody", 58, 89),
        _i("bassoon", 70, "bass", 34, 65), _i("clarinet", 71, "melody", 50, 89),
        _i("piccolo", 72, "melody", 74, 100), _i("flute", 73, "melody", 60, 93),
        _i("recorder", 74, "melody", 60, 91), _i("pan flute", 75, "melody", 60, 91),
        _i("whistle", 78, "melody", 60, 91), _i("ocarina", 79, "melody", 60, 86),
        # synths
        _i("square lead", 80, "melody", 55, 88), _i("saw lead", 81, "melody", 55, 88),
        _i("synth lead", 81, "melody", 55, 88), _i("chiptune", 80, "melody", 55, 88),
        _i("warm pad", 89, "pad"), _i("synth pad", 90, "pad"), _i("choir pad", 91, "pad"),
        _i("bowed pad", 92, "pad"), _i("halo pad", 94, "pad"), _i("sweep pad", 95, "pad"),
        _i("new age pad", 88, "pad"),
        # world
        _i("sitar", 104, "melody", 52, 84), _i("banjo", 105, "chords", 48, 79),
        _i("shamisen", 106, "melody", 52, 84), _i("koto", 107, "arp", 48, 84),
        _i("kalimba", 108, "arp", 60, 88), _i("bagpipe", 109, "melody", 58, 81),
        _i("fiddle", 110, "melody", 55, 88), _i("steel drums", 114, "arp", 55, 84),
        # drum kits (bank 128)
        _kit("drums", 0), _kit("room drums", 8), _kit("power drums", 16),
        _kit("electronic drums", 24), _kit("808 drums", 25), _kit("jazz drums", 32),
        _kit("brush drums", 40), _kit("orchestral percussion", 48),
    ]
}

#: other words users type for the same instruments
ALIASES = {
    "keys": "electric piano", "rhodes": "electric piano", "epiano": "electric piano",
    "guitar": "acoustic guitar", "bass": "electric bass", "bass guitar": "electric bass",
    "upright bass": "acoustic bass", "double bass": "contrabass", "sax": "alto sax",
    "saxophone": "alto sax", "horn": "french horn", "horns": "french horn", "pad": "warm pad",
    "synth": "saw lead", "lead": "saw lead", "kit": "drums", "drum kit": "drums",
    "percussion": "drums", "808": "808 drums", "bells": "tubular bells", "string": "strings",
    "violins": "violin", "cellos": "cello", "flutes": "flute", "trumpets": "trumpet",
    "vibes": "vibraphone", "8-bit": "chiptune", "8bit": "chiptune", "square": "square lead",
    "saw": "saw lead", "choirs": "choir", "brushes": "brush drums", "orchestra": "strings",
}


def known_names() -> list[str]:
    return sorted(INSTRUMENTS)


def lookup(name: str) -> Instrument | None:
    key = " ".join(str(name).strip().lower().replace("_", " ").replace("-", " ").split())
    key = ALIASES.get(key, key)
    if key in INSTRUMENTS:
        return INSTRUMENTS[key]
    # "8 bit" style spellings after the dash replacement
    return INSTRUMENTS.get(ALIASES.get(key.replace(" ", "-"), ""))


# General MIDI percussion keys (channel 10)
KICK, SIDE_STICK, SNARE, CLAP, SNARE2 = 36, 37, 38, 39, 40
HAT_CLOSED, HAT_PEDAL, HAT_OPEN = 42, 44, 46
TOM_LOW, TOM_MID, TOM_HIGH = 45, 47, 50
CRASH, RIDE, RIDE_BELL, TAMBOURINE, SHAKER, COWBELL = 49, 51, 53, 54, 70, 56
