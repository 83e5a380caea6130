"""Reading a prompt: subjects (with colours and counts), setting, time of day, weather, mood.

Deliberately simple and predictable: a lexicon, singularisation, and a left-to-right pass where
colour words attach to the next noun (or to the previous subject when they qualify something we
cannot draw: "a detective in a red coat"), and nouns after a place preposition become the
backdrop ("a knight in front of a castle").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from studio.backends.image.procedural.colors import COLOURS, MOODS
from studio.backends.image.procedural.concepts import nearest, verb_lemma, word_classes
from studio.backends.image.procedural.library import ARCHETYPES, WORDS, ensure_loaded
from studio.backends.image.procedural.settings import SETTING_BIGRAMS, SETTING_WORDS

#: word -> setting key (see settings.py: 39 places, each painted on a base scene)
SETTINGS: dict[str, str] = dict(SETTING_WORDS)

TIMES: dict[str, str] = {}
for _key, _words in {
    "dawn": "dawn sunrise morning daybreak",
    "day": "day noon midday afternoon daytime daylight",
    "sunset": "sunset evening golden-hour",
    "dusk": "dusk twilight",
    "night": "night midnight nighttime moonlight moonlit starry nocturnal",
}.items():
    for _w in _words.split():
        TIMES[_w] = _key

WEATHER: dict[str, str] = {}
for _key, _words in {
    "rain": "rain rainy raining downpour drizzle wet",
    "storm": "storm stormy thunder thunderstorm lightning",
    "snow": "snowing snowfall snowflakes blizzard",
    "fog": "fog foggy mist misty haze hazy smoke smoky",
    "clouds": "cloudy overcast",
    "wind": "wind windy breeze breezy gale gusty blustery windswept",
    "clear": "sunny clear sunshine",
}.items():
    for _w in _words.split():
        WEATHER[_w] = _key

PLACE_PREPS = {"in", "at", "on", "inside", "near", "under", "over", "above", "behind", "beside", "by", "across",
               "through", "outside", "into", "among", "amid", "within", "beneath", "below", "before", "against", "along",
               "around", "front", "from", "onto", "past", "toward", "towards", "aboard"}
LINK_WORDS = {"and", "with", "holding", "carrying", "wielding", "riding", "beside", "versus", "vs", "fighting", "meets", "meeting", "next", "plus"}
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "pair": 2, "couple": 2, "several": 3, "many": 5, "group": 4, "crowd": 6, "few": 3, "some": 3,
          "bunch": 3, "flock": 4, "herd": 4}
#: how many of a plural noun without a number ("birds") are drawn
PLURAL_COUNT = 2
#: adjectives that are also person words: before a noun they describe it ("an old wizard", "a
#: cosy old house") instead of adding someone to the picture
AGE_WORDS: dict[str, dict[str, Any]] = {"old": {"old": True}, "elderly": {"old": True}, "aged": {"old": True}}
STOP = {"a", "an", "the", "of", "to", "is", "are", "it", "its", "this", "that", "very", "big", "small", "tiny", "huge", "giant",
        "large", "little", "tall", "short", "old", "young", "new", "style", "art", "artwork", "illustration", "picture", "image",
        "photo", "drawing", "painting", "render", "icon", "sprite", "asset", "game", "cartoon", "comic", "panel", "scene",
        "background", "view", "shot", "closeup", "close-up", "portrait", "landscape", "highly", "detailed", "pixel", "flat",
        "vector", "isometric", "anime", "manga", "noir", "watercolor", "watercolour", "pop", "like", "as", "for", "his", "her",
        "their", "who", "which", "standing", "sitting", "walking", "running", "looking", "flying", "waiting", "made", "full",
        "beautiful", "cool", "nice", "simple", "one", "single", "lone", "alone", "together", "up", "down", "out", "off", "while",
        "where", "there", "he", "she", "they", "we", "you", "i", "my", "your", "our", "be", "being", "has", "have", "no", "not",
        "sky", "ground", "grass", "water", "light", "lit", "color", "colour", "colored", "coloured", "tone", "toned", "hd", "4k", "8k",
        "quality", "masterpiece", "best", "trending", "artstation", "shiny", "glowing", "magic", "magical", "ancient", "enchanted",
        "wooden", "golden", "silver", "steel", "iron", "stone", "glass", "cute", "angry", "happy", "sad", "scary", "heroic", "brave",
        "evil", "dark", "bright", "mysterious", "epic", "fantasy", "medieval", "futuristic", "retro", "vintage", "poster", "texture",
        "comic-book", "graphic-novel", "ink", "inks", "wide", "medium", "establishing", "angle", "low", "high",
        "overhead", "frame", "framing", "cinematic", "dutch", "pov", "extreme", "finally", "beaming", "pride", "outline", "outlines", "linework", "lineart", "shading", "screentone", "halftone",
        "back", "suddenly", "meanwhile", "later", "then", "again", "still", "once", "soon", "now", "today", "tonight",
        "everyone", "everybody", "someone", "something", "nothing", "anything", "everything", "anyone", "whatever",
        "whichever", "whoever", "whenever", "wherever", "ready", "quiet", "calm", "peaceful", "sleepy", "busy", "lonely",
        # what a game asset is for, not what it shows
        "enemy", "enemies", "foe", "ally", "pickup", "collectible", "powerup", "power-up", "mob", "minion", "tileset",
        "tile", "tiles", "spritesheet", "sheet", "animation", "idle", "cycle", "vfx", "effect", "particle", "seamless",
        "tileable", "inventory", "item", "prop", "props", "assets", "placeholder", "top-down", "side-view"}
#: parts of a body: they describe the subject they belong to ("a green screen for a face")
BODY_PARTS = {"face", "faces", "arm", "arms", "hand", "hands", "head", "heads", "eye", "eyes", "leg", "legs", "tail", "tails",
              "paw", "paws", "ear", "ears", "nose", "mouth", "hair", "body", "belly", "back", "foot", "feet", "finger",
              "fingers", "claw", "claws", "beak", "fin", "fins", "horn", "horns", "whisker", "whiskers", "teeth", "tooth",
              "neck", "shoulder", "shoulders", "chest-plate", "heart-shaped", "fur", "skin", "scales", "antenna", "antennae"}
#: abstract or fleeting nouns: named, but nothing to draw ("a glint", "a trail of clues", "the search")
ABSTRACT = {"glint", "trail", "clue", "clues", "idea", "plan", "moment", "way", "day", "life", "time", "dream", "wish", "hope",
            "courage", "search", "end", "start", "beginning", "story", "journey", "adventure", "problem", "secret", "lesson",
            "chance", "reason", "answer", "question", "truth", "lie", "fear", "joy", "goal", "race", "contest", "competition",
            "game", "match", "fight", "battle", "quest", "mission", "task", "job", "work", "help", "surprise", "gift-idea",
            "sound", "noise", "voice", "song", "music", "shadow", "glow", "sparkle", "smell", "scent", "taste", "feeling",
            "memory", "name", "word", "words", "thing", "things", "stuff", "bit", "piece", "part", "side", "top", "bottom",
            "middle", "edge", "corner", "distance", "sight", "view", "look", "step", "steps", "moves", "move", "turn", "try",
            "attempt", "mistake", "result", "friendship", "kindness", "peace", "silence", "dark", "darkness", "spotlight",
            "crowd-cheer", "applause", "laughter", "tears", "smile", "grin", "wink", "nod", "hug", "kiss", "promise", "deal",
            "rule", "rules", "record", "prize", "trophy-idea", "bet", "challenge", "rival-team", "lead", "win", "loss",
            "storm-front", "night-sky", "morning-light", "tallest", "biggest", "best", "first", "last", "own", "other"}
PALETTE_TARGETS = {"sky": "sky", "skies": "sky", "ground": "ground", "grass": "ground", "water": "water", "sea": "water",
                   "ocean": "water", "light": "light", "lights": "light", "sand": "ground", "floor": "ground"}
BIGRAMS = {("new", "york"): "manhattan", ("hong", "kong"): "hong-kong", ("treasure", "chest"): "chest", ("health", "potion"): "potion", ("mana", "potion"): "potion",
           ("magic", "wand"): "wand", ("space", "ship"): "spaceship", ("pine", "tree"): "pine", ("palm", "tree"): "palm",
           ("christmas", "tree"): "christmas-tree", ("old", "man"): "grandpa", ("old", "woman"): "grandma",
           ("street", "lamp"): "streetlamp", ("gold", "coin"): "coin", ("gold", "coins"): "coin", ("ice", "cream"): "ice-cream",
           ("lamp", "post"): "lamppost", ("golden", "hour"): "golden-hour", ("dead", "tree"): "dead-tree",
           ("fire", "sword"): "sword", ("light", "house"): "lighthouse", ("snow", "man"): "snowman",
           ("pirate", "ship"): "pirate-ship", ("pirate", "boat"): "pirate-ship", ("cherry", "tree"): "cherry-tree",
           ("top", "hat"): "tophat", ("throne", "room"): "room", ("comic", "book"): "comic-book",
           ("graphic", "novel"): "graphic-novel", ("trench", "coat"): "trenchcoat", ("lab", "coat"): "labcoat",
           ("eye", "patch"): "eyepatch", ("game", "sprite"): "sprite", ("game", "art"): "art",
           ("sea", "lion"): "sea-lion", ("polar", "bear"): "polar-bear", ("guinea", "pig"): "guinea-pig",
           ("race", "car"): "race-car", ("teddy", "bear"): "teddy-bear", ("lightning", "bolt"): "lightning-bolt",
           ("magic", "missile"): "magic-missile", ("health", "bar"): "healthbar", ("ice", "spell"): "ice-spell",
           ("veiled", "hat"): "veil", ("music", "notes"): "music-notes", ("musical", "notes"): "music-notes",
           ("bow", "tie"): "bow-tie",
           **SETTING_BIGRAMS}
#: material and shape words: they describe the next thing (variant flags and, with no colour
#: given, its colour): "a wooden door", "a round shield", "a mossy stone gate"
MATERIALS: dict[str, tuple[dict[str, Any], str | None]] = {
    "wooden": ({"wooden": True}, "brown"), "wood": ({"wooden": True}, "brown"), "oak": ({"wooden": True}, "brown"),
    "stone": ({"stone": True}, "grey"), "stony": ({"stone": True}, "grey"), "rocky": ({"stone": True}, "grey"),
    "mossy": ({"mossy": True}, "olive"), "lava": ({"lava": True}, "orange"), "molten": ({"lava": True}, "orange"),
    "iron": ({"iron": True}, "silver"), "steel": ({"iron": True}, "silver"), "metal": ({"iron": True}, "silver"),
    "golden": ({"gold": True}, "gold"), "icy": ({"element": "ice"}, "ice"), "frozen": ({"element": "ice"}, "ice"),
    "fiery": ({"element": "fire"}, "orange"), "flaming": ({"element": "fire"}, "orange"),
    "crystal": ({"crystal": True}, "cyan"), "cardboard": ({"cardboard": True}, "tan"), "paper": ({"paper": True}, "ivory"), "glass": ({"glass": True}, "cyan"), "rusty": ({"old": True}, "rust"),
    "round": ({"round": True}, None), "circular": ({"round": True}, None), "square": ({"square": True}, None),
    "kite": ({"kite": True}, None), "tower": ({"tower": True}, None), "heater": ({"heater": True}, None),
}
#: archetypes with hands
HOLDERS = {"person", "robot", "skeleton", "monster"}
#: link words after which an item is what the subject holds
HOLD_LINKS = {"with", "holding", "carrying", "wielding", "holds", "carries", "wields", "grips", "gripping", "clutching"}
#: things a character wears or has: they dress the last person instead of becoming subjects
ACCESSORIES: dict[str, dict[str, Any]] = {
    "glasses": {"glasses": True}, "spectacles": {"glasses": True}, "sunglasses": {"glasses": True},
    "beard": {"beard": True}, "moustache": {"beard": True}, "mustache": {"beard": True},
    "cape": {"cape": True}, "cloak": {"cape": True}, "mask": {"mask": True}, "hood": {"hood": True},
    "hoodie": {"hood": True}, "backpack": {"backpack": True}, "dress": {"dress": True, "sex": "f"},
    "gown": {"dress": True, "sex": "f"}, "skirt": {"dress": True, "sex": "f"}, "suit": {"suit": True},
    "tuxedo": {"suit": True}, "trenchcoat": {"coat": (196, 160, 110)}, "coat": {"coat": (120, 90, 70)},
    "fedora": {"hat": "fedora"}, "crown": {"hat": "crown"}, "helmet": {"hat": "helmet"}, "cap": {"hat": "cap"},
    "eyepatch": {"patch": True}, "badge": {"badge": True}, "labcoat": {"labcoat": True}, "apron": {"uniform": (240, 240, 236)},
    "raincoat": {"coat": (236, 196, 60)}, "jacket": {"coat": (70, 90, 140)}, "goggles": {"glasses": True},
    "veil": {"hat": "veil"}, "smock": {"uniform": (240, 238, 228)},
}
#: pronouns: they say whether the person before them is drawn as a woman or a man ("a pilot
#: fixing her plane"), unless the noun itself says so ("a king", "a girl")
PRONOUN_SEX = {"her": "f", "she": "f", "herself": "f", "hers": "f", "his": "m", "he": "m", "him": "m", "himself": "m"}
#: person words whose sex is their own, not a default of the trade (a pronoun does not change it)
SEXED_WORDS = {"man", "woman", "boy", "girl", "lady", "gentleman", "guy", "king", "queen", "prince", "princess", "grandpa",
               "grandma", "cowboy", "cowgirl", "nun", "witch", "wizard", "businessman", "businesswoman", "heroine",
               "fisherman", "policeman", "mother", "father", "sister", "brother", "son", "daughter", "aunt", "uncle",
               "grandmother", "grandfather", "granddaughter", "grandson", "mom", "dad", "mum", "wife", "husband"}
#: words that only describe a picture's cue, never a thing in it ("music notes floating in the air")
CUE_WORDS = {"music-notes", "tiptoe", "air", "splashing", "steaming", "bow-tie"}
EXTRA_WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    "dead-tree": ("tree", {"dead": True}), "christmas-tree": ("pine", {"lights": True}),
    "pirate-ship": ("boat", {"pirate": True}), "cherry-tree": ("tree", {"blossom": True}),
}


@dataclass
class Subject:
    """One thing to draw: an archetype (or a labelled placeholder when `archetype` is None)."""

    archetype: str | None
    word: str
    variant: dict[str, Any] = field(default_factory=dict)
    colour: str | None = None
    count: int = 1
    backdrop: bool = False
    label: str = ""
    airborne: bool = False  # "... floats above the rooftops": drawn in the air, not on the ground
    pose: str | None = None  # "jump", "fall", "run", "dance", "fight", "sit": what the subject does


@dataclass
class PromptInfo:
    text: str
    subjects: list[Subject] = field(default_factory=list)
    backdrops: list[Subject] = field(default_factory=list)
    setting: str | None = None
    setting_word: str | None = None
    time: str | None = None
    weather: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)  # sky/ground/water/light -> colour name
    unknown: list[str] = field(default_factory=list)
    #: every named thing and what it became: {"word", "drawn_as", "placeholder"} (the `drawn` report)
    things: list[dict[str, Any]] = field(default_factory=list)
    framing: str | None = None  # "wide", "medium" or "close" (from "wide shot", "close-up", ...)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["palette"] = {"colours": self.colours, "moods": self.moods, **{f"{k}_colour": v for k, v in self.targets.items()}}
        return d


#: words that follow a verb rather than a noun ("fly a kite", "duck under", "bear the weight")
VERB_FOLLOWERS = {"a", "an", "the", "his", "her", "their", "its", "my", "our", "to", "over", "across", "into", "away", "up",
                  "down", "around", "through", "off", "out", "together", "home"}


def _can_be_verb(word: str) -> bool:
    """"her grandfather fly(s) a kite": a verb that is also an animal's name."""
    return "VERB" in word_classes(word)


def _is_person_word(word: str) -> bool:
    hit = _lookup(word)
    return hit is not None and hit[0] == "person"


def singular(word: str) -> str:
    """The lexicon form of a word (plural -> singular when that is a known word)."""
    known = WORDS.keys() | SETTINGS.keys() | TIMES.keys() | WEATHER.keys() | COLOURS.keys() | MOODS.keys() | EXTRA_WORDS.keys()
    if word in known:
        return word
    for suffix, repl in (("ies", "y"), ("ves", "f"), ("ves", "fe"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            cand = word[: -len(suffix)] + repl
            if cand in known:
                return cand
    if word.endswith("men") and word[:-3] + "man" in known:
        return word[:-3] + "man"
    return word


#: size words that are also nouns when nothing follows ("a sleeping giant")
NOUN_ADJECTIVES = {"giant"}


def _lookup(word: str, adjective_ok: bool = False) -> tuple[str, dict[str, Any]] | None:
    """The archetype a word names, else the nearest one by meaning (`concepts.nearest`: the
    variant then carries `via`, the category it was drawn as)."""
    if word in EXTRA_WORDS:
        return EXTRA_WORDS[word]
    if word in WORDS:
        return WORDS[word]
    if word in SETTINGS or (word in STOP and not adjective_ok) or word in TIMES or word in WEATHER or word in COLOURS or word in MOODS:
        return None
    near = nearest(word)
    if near is None:
        return None
    return near[0], {**near[1], "via": near[2]}


def _noun_like(word: str, before: str | None) -> bool:
    """Whether an unknown word is probably a noun the request names (then it must be drawn or
    reported): right after an article, possessive or number, and a noun (or unknown) in
    lemminflect's dictionary. Style words ("dynamic composition") have no article."""
    if len(word) < 3 or word in STOP or word in ABSTRACT or word in BODY_PARTS:
        return False
    if before not in ("a", "an", "the", "his", "her", "their", "my", "your", "our", "its", "every") and before not in COUNTS:
        return False
    classes = word_classes(word)
    return not classes or "NOUN" in classes


ROLE_VERBS = {"be", "become", "becomes", "became", "becoming", "being"}


def _is_role(words: list[str], idx: int) -> bool:
    """True when words[idx] follows "be a", "become the", "becoming" ...: a role, not a subject."""
    back = [w for w in words[max(0, idx - 3):idx] if w != ",,"]
    while back and back[-1] in ("a", "an", "the", "real", "great", "famous", "good", "true"):
        back.pop()
    return bool(back) and back[-1] in ROLE_VERBS


def _is_creature(word: str) -> bool:
    """True when `word` names an animal, monster or robot (not a person)."""
    from studio.backends.image.procedural.library import ARCHETYPES

    hit = _lookup(word)
    return hit is not None and hit[0] != "person" and ARCHETYPES[hit[0]].kind in ("creature", "character")


#: verbs that lift the subject before them off the ground
AIRBORNE = {"float", "floats", "floated", "floating", "flies", "flew", "flying", "soar", "soars", "soared", "soaring",
            "hover", "hovers", "hovering", "glide", "glides", "gliding", "drifts", "drifting", "levitates", "levitating"}
RELATIVES = {"who", "that", "which"}
#: verbs (lemmas) -> the pose of the subject before them
POSES = {**{v: "jump" for v in ["jump", "leap", "hop", "bounce", "spring", "vault"]},
         **{v: "fall" for v in ["fall", "trip", "tumble", "slip", "collapse", "faint", "topple", "stumble", "crash"]},
         **{v: "run" for v in ["run", "race", "chase", "flee", "rush", "dash", "sprint", "hurry", "gallop", "charge"]},
         **{v: "dance" for v in ["dance", "spin", "twirl", "twist", "waltz"]},
         **{v: "fight" for v in ["fight", "attack", "battle", "duel", "punch", "kick", "strike", "swing", "wrestle"]},
         **{v: "sit" for v in ["sit", "kneel", "crouch", "rest"]},
         # a deed with a drawn cue (render.py): notes and an open mouth, waves, a steaming pot, a brush
         "sing": "sing", "hum": "sing", "chirp": "sing", "swim": "swim", "paddle": "swim", "cook": "cook",
         "stir": "cook", "paint": "paint"}
#: framing words -> framing
FRAMINGS = {"wide": "wide", "establishing": "wide", "long-shot": "wide", "medium": "medium", "close-up": "close",
            "closeup": "close", "close": "close"}


def _after_relative(words: list[str], idx: int, subject: Subject | None) -> bool:
    """True when words[idx] comes right after "<subject> who/that/which" (an adverb or two
    may sit between: "a robot who secretly loves ..."): the verb of a relative clause."""
    if subject is None:
        return False
    k = idx - 1
    while k >= 0 and words[k].endswith("ly") and len(words[k]) > 4:
        k -= 1
    return k >= 1 and words[k] in RELATIVES and words[k - 1] == subject.word


def tokens(text: str) -> list[str]:
    """Lower-case words; commas, semicolons and full stops become ",," (a clause boundary), round
    brackets "((" and "))"."""
    marks = {",": ",,", ";": ",,", ".": ",,", ":": ",,", "!": ",,", "?": ",,", "(": "((", ")": "))"}
    return [marks.get(t, t) for t in re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[,;.:!?()]", text.lower())]


def parse_prompt(text: str) -> PromptInfo:
    """Parse a prompt into a `PromptInfo` (deterministic; no randomness here)."""
    ensure_loaded()
    info = PromptInfo(text=text)
    toks = tokens(text)
    # merge bigrams
    merged: list[str] = []
    origin: dict[str, str] = {}  # a merged token -> the words it came from ("grandpa" <- "old man")
    i = 0
    while i < len(toks):
        if i + 1 < len(toks) and (toks[i], toks[i + 1]) in BIGRAMS:
            merged.append(BIGRAMS[(toks[i], toks[i + 1])])
            origin.setdefault(merged[-1], f"{toks[i]} {toks[i + 1]}")
            i += 2
        else:
            merged.append(toks[i])
            i += 1
    # "lighthouse keeper", "castle guard", "ship captain": one person, and the place they belong to
    compound_places: list[str] = []
    kept: list[str] = []
    for k, t in enumerate(merged):
        after = singular(merged[k + 1]) if k + 1 < len(merged) else None
        head = _lookup(after) if after else None
        if head is not None and t not in COLOURS and t not in STOP and t not in MATERIALS:
            own = _lookup(t)
            own_kind = ARCHETYPES[own[0]].kind if own else None
            if head[0] == "person" and ((t in SETTINGS and own_kind not in ("character", "creature")) or own_kind in ("structure", "vehicle")):
                compound_places.append(t)
                continue
            if t in SETTINGS and own_kind not in ("character", "creature") and ARCHETYPES[head[0]].kind in ("structure", "prop"):
                compound_places.append(t)  # "the castle gate", "the kitchen table": the place, and the thing
                continue
        kept.append(t)
    merged = kept
    pending_colours: list[str] = []
    pending_count = 1
    pending_age: dict[str, Any] = {}  # "old" before a noun: an old person, or just an old house
    place = False  # after a place preposition
    prep = ""  # which one
    phrase: list[str] = []  # unknown content words of the current noun phrase
    first_phrase_done = False
    scene_clause = False  # the clause is about the weather or the time ("a sudden storm sweeps ...", "a quiet morning"): no subject card
    last_subject: Subject | None = None
    phrase_prev: list[str | None] = []  # the token before each word of `phrase`
    hold_link = False  # after "with", "holding", ...: an item goes into the last subject's hand
    pending_material: dict[str, Any] = {}
    pending_material_colour: str | None = None

    def note(word: str, drawn_as: str, placeholder: bool = False, via: str | None = None) -> None:
        entry: dict[str, Any] = {"word": origin.get(word, word), "drawn_as": drawn_as, "placeholder": placeholder}
        if via:
            entry["via"] = via
        info.things.append(entry)

    def flush_unknown() -> None:
        nonlocal phrase, first_phrase_done, phrase_prev
        if phrase:
            info.unknown.append(" ".join(phrase[-3:]))
            label = " ".join(phrase[-3:])
            first = not first_phrase_done and not place and not info.subjects and not scene_clause
            named = _noun_like(phrase[-1], phrase_prev[-1] if phrase_prev else None)
            placeholders = sum(1 for s in info.subjects if s.archetype is None)
            if first or (named and not place and placeholders < 3):
                sub = Subject(None, phrase[-1], colour=pending_colours[-1] if pending_colours else None, count=1, label=label)
                info.subjects.append(sub)
                note(phrase[-1], "placeholder", True)
            elif named:
                note(phrase[-1], "not drawn", False)  # a place we cannot paint ("under an awning"): said, not carded
        phrase = []
        phrase_prev = []

    setting_said = False  # the setting came from a place phrase ("on a windy hill")
    paren_owner: Subject | None = None  # the subject a bracket describes: "two knights (each a knight with ...)"
    for idx, raw in enumerate(merged):
        if raw in ("((", "))"):
            flush_unknown()
            if raw == "))" and paren_owner is not None and pending_colours and paren_owner.colour is None:
                paren_owner.colour = pending_colours[-1]  # "a cat (grey)"
            paren_owner = last_subject if raw == "((" else None
            pending_colours, pending_count = [], 1
            continue
        if raw == ",,":  # a new clause: colours do not reach across it ("a cat, bold black ink")
            flush_unknown()
            hold_link = False
            pending_material, pending_material_colour = {}, None
            scene_clause = False
            first_phrase_done = first_phrase_done or bool(info.subjects)
            pending_colours = []
            pending_age = {}
            pending_count = 1
            place = False
            continue
        if raw in PRONOUN_SEX:
            # "a pilot fixing her plane": the person before it is a woman (a trade's default gives way)
            person = next((x for x in reversed(info.subjects) if x.archetype == "person" and not x.backdrop), None)
            if person is not None and singular(person.word) not in SEXED_WORDS and not person.variant.get("sex_said"):
                person.variant["sex"] = PRONOUN_SEX[raw]
                person.variant["sex_said"] = True
                if PRONOUN_SEX[raw] == "f":
                    person.variant.pop("beard", None)
            continue
        if raw in CUE_WORDS:
            continue
        if raw in AIRBORNE and last_subject is not None and not last_subject.backdrop:
            last_subject.airborne = True  # "a cat with white paws floats high above the rooftops"
            continue
        if raw in FRAMINGS and (raw != "close" or (idx + 1 < len(merged) and merged[idx + 1] in ("up", "shot"))) and info.framing is None:
            info.framing = FRAMINGS[raw]
        lemma = verb_lemma(raw) if raw.isalpha() and raw not in WORDS else None
        if (lemma in POSES and last_subject is not None and not last_subject.backdrop and last_subject.pose is None
                and last_subject.archetype in ARCHETYPES and ARCHETYPES[last_subject.archetype].kind in ("character", "creature")
                and idx > 0 and merged[idx - 1] not in PLACE_PREPS and merged[idx - 1] not in STOP - {"who", "that", "then", "suddenly"}):
            last_subject.pose = POSES[lemma]  # "a cat jumps from crates", "the knight falls" (not "in spring", "a swing")
            continue
        w = singular(raw)
        nxt = singular(merged[idx + 1]) if idx + 1 < len(merged) and merged[idx + 1] != ",," else None
        if w.isdigit():
            pending_count = max(1, min(12, int(w)))
            continue
        if w in AGE_WORDS:
            if nxt is not None:
                pending_age = dict(AGE_WORDS[w])  # an adjective: it dresses the next person, if a person follows
            elif last_subject is not None and last_subject.archetype == "person":
                last_subject.variant.update(AGE_WORDS[w])  # "the man is old"
            continue
        if w in COUNTS and (nxt is None or nxt != "of" or w in ("pair", "couple", "group", "crowd", "bunch", "flock", "herd")):
            pending_count = COUNTS[w]
            continue
        if w in COLOURS and not (_lookup(w) and (nxt is None or nxt in PLACE_PREPS or nxt in LINK_WORDS)):
            if w not in info.colours:
                info.colours.append(w)
            pending_colours.append(w)
            continue
        if w in MOODS and not _lookup(w) and w not in SETTINGS:
            if MOODS[w] not in info.moods:
                info.moods.append(MOODS[w])
            if w not in ("stormy",):
                continue
        if w in WEATHER:
            if WEATHER[w] not in info.weather:
                info.weather.append(WEATHER[w])
            if not info.subjects:
                phrase = []  # "a sudden storm": the words before it describe the weather
                scene_clause = True
            if w not in SETTINGS:
                continue
        if w in TIMES:
            info.time = TIMES[w]
            pending_colours = []
            if not info.subjects:
                phrase = []  # "a quiet morning", "one cold night": the words before it describe the time
                scene_clause = True
            continue
        if w in PALETTE_TARGETS and (w not in SETTINGS or pending_colours):
            if pending_colours:
                info.targets[PALETTE_TARGETS[w]] = pending_colours[-1]
                pending_colours = []
            if w not in SETTINGS:
                continue
        if w in MATERIALS and nxt is not None and nxt not in PLACE_PREPS and nxt not in LINK_WORDS and (
                w not in ("kite", "tower", "heater", "square") or nxt == "shield") and not _is_person_word(nxt):
            pending_material.update(MATERIALS[w][0])  # "a wooden door", "a round shield", "mossy stone"
            if MATERIALS[w][1] and not pending_colours:
                pending_material_colour = MATERIALS[w][1]
            continue
        if w in PLACE_PREPS:
            flush_unknown()
            first_phrase_done = first_phrase_done or bool(info.subjects)
            place, prep = True, w
            hold_link = False
            continue
        if w in HOLD_LINKS:
            flush_unknown()
            place = False
            hold_link = True
            continue
        if w in LINK_WORDS:
            flush_unknown()
            place = False
            hold_link = False
            continue
        hit = _lookup(w) if raw not in BODY_PARTS and w not in ABSTRACT else None
        if hit is not None and last_subject is not None and idx + 3 < len(merged) + 1 and merged[idx + 1:idx + 2] == ["for"] and any(
                t in BODY_PARTS for t in merged[idx + 2:idx + 4]):
            note(w, f"{last_subject.archetype} ({w} for a {next(t for t in merged[idx + 2:idx + 4] if t in BODY_PARTS)})")
            phrase, phrase_prev, pending_colours = [], [], []
            continue  # "a green screen for a face": how the robot looks, not another thing
        if hit is not None and paren_owner is not None and hit[0] == paren_owner.archetype:
            # the bracket restates the subject ("(a golden dog wearing a red collar)"): not another one
            if pending_colours and paren_owner.colour is None:
                paren_owner.colour = pending_colours[-1]
            for k, val in hit[1].items():
                paren_owner.variant.setdefault(k, val)
            pending_colours, phrase = [], []
            continue
        if w in ACCESSORIES and last_subject is not None and last_subject.archetype == "person":
            acc = dict(ACCESSORIES[w])
            if pending_colours and "coat" in acc:  # "in a red coat": the coat and the subject colour
                from studio.backends.image.procedural.colors import COLOURS as _C

                last_subject.variant["coat"] = _C[pending_colours[-1]]
                if last_subject.colour is None:
                    last_subject.colour = pending_colours[-1]
            elif pending_colours and last_subject.colour is None and w in ("dress", "gown", "skirt", "suit", "hoodie", "cape", "cloak"):
                last_subject.colour = pending_colours[-1]
            for k, val in acc.items():
                if k == "hat" and last_subject.variant.get("hat"):
                    continue
                last_subject.variant.setdefault(k, val)
            pending_colours = []
            phrase = []
            continue
        if w in SETTINGS and (hit is None or place or info.subjects) and not (
                hit is not None and ARCHETYPES[hit[0]].kind in ("structure", "vehicle", "celestial")
                and prep not in ("in", "inside", "at", "within", "into", "aboard")):
            # "in a castle": the place; "in front of a castle", "a girl and a lighthouse": a backdrop
            flush_unknown()
            new = SETTINGS[w]
            if new == "snow" and info.setting not in (None, "snow"):
                new = info.setting  # "a snowy village": the village, covered in snow
            if new != "snow" and info.setting == "snow":
                info.targets.setdefault("ground", "white")
            if new == "snow" or info.setting == "snow":
                if "snow" not in info.weather:
                    info.weather.append("snow")
                info.targets.setdefault("ground", "white")
            if (info.setting is None or new != "sky") and (place or not setting_said):
                # a place word outside a place phrase ("garden gloves") does not move a story
                # that a place phrase ("on the hill") has set
                info.setting = new
                info.setting_word = w
                setting_said = setting_said or place
            if pending_colours:
                info.targets.setdefault("ground" if SETTINGS[w] not in ("sky", "space", "underwater") else "sky", pending_colours[-1])
            pending_colours = []
            pending_count = 1
            continue
        after_subject = last_subject is not None and idx > 0 and merged[idx - 1] in (last_subject.word, "))")
        if (hit is not None and hit[0] == "person" and after_subject and last_subject is not None
                and last_subject.archetype not in (None, "person") and not last_subject.backdrop
                and ARCHETYPES[last_subject.archetype].kind in ("character", "creature") and not (raw != w and raw.endswith("s"))):
            # "a robot gardener", "a skeleton archer": one robot, one skeleton, dressed for the trade
            for k, val in hit[1].items():
                if k not in ("sex", "child", "via", "old"):
                    last_subject.variant.setdefault(k, val)
            last_subject.label = f"{last_subject.word} {raw}"
            note(w, f"{last_subject.archetype} ({last_subject.word} {w})")
            if hit[1].get("holds"):
                note(hit[1]["holds"], f"{hit[1]['holds']} (held)")
            phrase, phrase_prev = [], []
            continue
        if hit is not None and last_subject is not None and after_subject and (
                (raw != w and raw.endswith("s")) or (hit[0] == "person" and last_subject.archetype == "person")):
            # "a chef cooks soup", "knights guard the gate": a verb; "a police officer", "two rival
            # chefs": one person (dressed for the trade)
            if hit[0] == "person" and last_subject.archetype == "person":
                for k, val in hit[1].items():
                    if k != "via":
                        last_subject.variant.setdefault(k, val)
                if raw == w or last_subject.count > 1:
                    note(w, f"person ({last_subject.word} {w})")
            continue
        if hit is not None and raw != w and raw.endswith("s") and _after_relative(merged, idx, last_subject):
            continue  # "a robot who loves painting": a verb, not two hearts
        if hit is not None and last_subject is not None and after_subject and (
                raw.endswith("ing") or hit[0] == last_subject.archetype):
            # "a girl painting at an easel": what she does; "a canvas painting": one thing named twice
            if hit[0] == last_subject.archetype and not raw.endswith("ing"):
                note(w, hit[0])
            continue
        if hit is not None and hit[0] == "person" and nxt is not None and _is_creature(nxt) and not (
                _can_be_verb(nxt) and idx + 2 < len(merged) and merged[idx + 2] in VERB_FOLLOWERS):
            # "a detective cat", "a ninja turtle": the trade describes the animal
            continue
        if hit is not None and hit[0] == "person" and _is_role(merged, idx):
            # "wants to be a chef": a role, not someone else in the picture; a person dresses for it
            if last_subject is not None and last_subject.archetype == "person":
                for k, val in hit[1].items():
                    last_subject.variant.setdefault(k, val)
                note(w, f"person ({w})")
            pending_colours = []
            phrase = []
            continue
        if hit is not None and place and hit[0] == "moon":
            # "walks on the moon": the ground is the moon's; "under the moon": the night sky's moon
            if prep in ("on", "across", "from"):
                info.setting = info.setting or "moon"
                info.setting_word = info.setting_word or w
            else:
                info.time = info.time or "night"
            phrase, pending_colours = [], []
            continue
        if hit is not None and place and prep in ("on", "aboard", "onto") and hit[0] == "boat" and not info.setting:
            info.setting, info.setting_word = "ship", w  # "on a ship": the deck
            note(w, "setting: ship")
            phrase, pending_colours = [], []
            continue
        if hit is not None:
            phrase = []  # unknown words right before a known noun qualify it ("leather boots")
            phrase_prev = []
            name, variant = hit
            _A = ARCHETYPES

            if last_subject is not None and last_subject.archetype == name and idx > 0 and (
                    merged[idx - 1] == "of" or (place and _A[name].kind not in ("character", "creature"))):
                continue  # "a loaf of bread", "a canvas on an easel" (one thing named twice)
            if (hold_link and last_subject is not None and not last_subject.backdrop and last_subject.archetype in HOLDERS
                    and _A[name].kind == "item" and pending_count == 1 and not (raw != w and raw.endswith("s"))
                    and "holds" not in last_subject.variant):
                last_subject.variant["holds"] = name  # "a knight with a sword", "a girl holding a lantern"
                if pending_colours or pending_material_colour:
                    last_subject.variant["holds_colour"] = pending_colours[-1] if pending_colours else pending_material_colour
                note(w, f"{name} (held)", via=variant.get("via"))
                hold_link = False
                pending_colours, pending_material, pending_material_colour = [], {}, None
                continue

            scenery = _A[name].kind in ("structure", "plant", "prop", "celestial", "vehicle")
            # after a place preposition, scenery is the backdrop; people and creatures stay in the picture
            count = pending_count
            if count == 1 and raw != w and raw.endswith("s") and not (idx > 0 and merged[idx - 1] in ("a", "an")):
                count = PLURAL_COUNT  # "birds", "the balloons": more than one, with no number given
            colour = pending_colours[-1] if pending_colours else pending_material_colour
            sub = Subject(name, raw, {**pending_age, **variant, **pending_material}, colour, count,
                          backdrop=place and bool(info.subjects) and scenery)
            if variant.get("via"):
                sub.label = raw
            note(w, name, via=variant.get("via"))
            pending_age, pending_material, pending_material_colour = {}, {}, None
            hold_link = False
            (info.backdrops if sub.backdrop else info.subjects).append(sub)
            last_subject = sub
            pending_colours = []
            pending_count = 1
            continue
        if w in STOP and w in NOUN_ADJECTIVES and (nxt is None or nxt in PLACE_PREPS or nxt in LINK_WORDS or nxt in HOLD_LINKS):
            hit = _lookup(w, adjective_ok=True)  # "a sleeping giant": the noun, not the size
            if hit is not None:
                sub = Subject(hit[0], raw, dict(hit[1]), pending_colours[-1] if pending_colours else None, pending_count,
                              backdrop=False, label=raw)
                info.subjects.append(sub)
                last_subject = sub
                note(w, hit[0], via=hit[1].get("via"))
                pending_colours, pending_count, phrase, phrase_prev = [], 1, [], []
                continue
        if raw in BODY_PARTS or w in ABSTRACT:
            phrase, phrase_prev = [], []  # "a scarred fin", "a quiet moment": the words before it describe it
            continue
        if w in STOP or w in MOODS or w == "of" or len(w) < 3:
            continue
        # an unknown content word: colours before it qualify it; if it follows a subject
        # ("a detective in a red coat") the colour goes to that subject
        if pending_colours and last_subject is not None and last_subject.colour is None:
            last_subject.colour = pending_colours[-1]
        phrase.append(w)
        phrase_prev.append(merged[idx - 1] if idx > 0 else None)
        pending_colours = pending_colours if not last_subject else []
    flush_unknown()
    for t in compound_places:
        key = SETTINGS.get(t)
        hit = _lookup(t)
        if hit is not None and hit[0] == "boat":
            key = "ship"
        if key is not None and (info.setting is None or info.setting == key):
            info.setting, info.setting_word = key, t
            note(t, f"setting: {key}")
        elif hit is not None:
            info.backdrops.append(Subject(hit[0], t, dict(hit[1]), backdrop=True))
            note(t, hit[0])
    if pending_colours and info.subjects and info.subjects[-1].colour is None:
        info.subjects[-1].colour = pending_colours[-1]
    return info


def describe_prompt(prompt: str) -> dict[str, Any]:
    """What the procedural generator understood of `prompt` (for manifests and debugging):
    subjects (archetype, colour, count), backdrops, setting, time of day, weather, moods, palette,
    and the words it could not draw."""
    return parse_prompt(prompt).as_dict()
