"""Panel-by-panel comic scripts from a premise.

Three parts, usable on their own:

- `analyse_premise` pulls the hero, their goal or action and the place out of an English premise
  ("a cat who wants to fly", "Marie, a retired astronaut, learns to bake bread in Paris").
- `template_script` writes an N-panel script with no model: kishotenketsu for 4 panels,
  setup/confrontation/resolution for 3, longer arcs for 5-12, a single gag panel for 1; filled
  from the premise, with seeded choices of wording, looks and a helper character.
- `parse_script` reads a language model's reply: plain JSON, JSON in markdown fences, JSON
  followed by prose, truncated JSON, trailing commas, Python-style quotes; it renumbers panels,
  cuts extra panels, and rejects what cannot be read with a `StoryParseError` that says why.
- `generate_script` drives a small instruct LLM (transformers causal LM, loaded once through the
  model manager): free JSON generation, one retry, then guided decoding that lets the model fill
  each field of a fixed JSON skeleton, so the result always parses.

A script is a list of panels `{"panel", "beat", "description", "caption", "speech": [{"speaker",
"text"}], "characters": [names]}` plus a cast `[{"name", "role", "look"}]` whose `look` is a stable
visual description to repeat in every image prompt.
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.engine.errors import InputError, StepError

PREMISE_MAX = 2000  # characters kept from a premise (longer ones are trimmed at a sentence end)
ANALYSIS_MAX = 300  # characters of the first sentence used to find hero, goal and place

def _model_manager():
    """The process-wide model manager (looked up at call time, so tests may swap it)."""
    from studio.models.manager import manager

    return manager



class StoryParseError(StepError):
    """A model's reply could not be read as a panel script."""


# -- premise --------------------------------------------------------------------------------

def clean_premise(text: str) -> tuple[str, bool]:
    """Collapse whitespace and trim to PREMISE_MAX characters at a sentence (else word) end.
    Returns the premise and whether it was trimmed. Raises InputError when it is empty."""
    if text is None or not str(text).strip():
        raise InputError("text.story: the premise is empty; give one sentence, e.g. premise: 'a cat who wants to fly'")
    s = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if len(s) <= PREMISE_MAX:
        return s, False
    head = s[:PREMISE_MAX]
    ends = [m.end() for m in re.finditer(r"[.!?。！？](?:\s|$)", head)]
    if ends and ends[-1] > PREMISE_MAX // 2:
        return head[: ends[-1]].strip(), True
    cut = head.rfind(" ")
    return (head[:cut] if cut > PREMISE_MAX // 2 else head).strip(), True


_ARTICLES = {"a", "an", "the", "one", "two", "three", "four", "some", "my", "our", "his", "her", "their", "this", "that", "every"}
_DESIRE = {
    "wants": "to", "want": "to", "wishes": "to", "wish": "to", "hopes": "to", "hope": "to", "longs": "to", "long": "to",
    "yearns": "to", "yearn": "to", "tries": "to", "try": "to", "needs": "to", "need": "to", "plans": "to", "plan": "to",
    "decides": "to", "decide": "to", "learns": "to", "learn": "to", "dreams": "of", "dream": "of", "must": "",
    "wanted": "to", "dreamed": "of", "dreamt": "of", "tried": "to", "sets": "out to", "set": "out to",
}
#: "loves painting", "likes to sing": a story about doing it (a wish), not a one-off event
_FONDNESS = {"loves", "love", "likes", "like", "enjoys", "enjoy", "adores", "adore"}
_VERBS = {
    "finds", "find", "meets", "meet", "loses", "lose", "discovers", "discover", "searches", "search", "goes", "go", "travels",
    "travel", "fights", "fight", "builds", "build", "escapes", "escape", "falls", "fall", "gets", "get", "becomes", "become",
    "is", "are", "has", "have", "opens", "open", "wakes", "wake", "runs", "run", "steals", "steal", "saves", "save", "helps",
    "help", "visits", "visit", "starts", "start", "bakes", "bake", "cooks", "cook", "paints", "paint", "sings", "sing",
    "writes", "write", "invents", "invent", "rescues", "rescue", "adopts", "adopt", "befriends", "befriend", "explores",
    "explore", "hunts", "hunt", "chases", "chase", "protects", "protect", "guards", "guard", "accidentally", "secretly",
    "keeps", "keep", "plays", "play", "races", "race", "returns", "return", "moves", "move", "inherits", "inherit",
    "receives", "receive", "hears", "hear", "sees", "see", "follows", "follow", "swaps", "swap", "fixes", "fix", "forgets",
    "forget", "remembers", "remember", "wins", "win", "enters", "enter", "joins", "join", "climbs", "climb", "flies", "fly",
    "swims", "swim", "dances", "dance", "loves", "love", "hates", "hate", "fears", "fear", "can't", "cannot", "can", "will",
    "lives", "live", "works", "work", "teaches", "teach", "learns", "makes", "make", "takes", "take", "gives", "give",
}
_PLACE_WORDS = {
    "city", "town", "village", "forest", "woods", "jungle", "desert", "island", "sea", "ocean", "beach", "mountain",
    "mountains", "space", "moon", "mars", "station", "school", "kitchen", "garden", "park", "library", "castle", "palace",
    "junkyard", "farm", "cafe", "café", "restaurant", "office", "house", "apartment", "flat", "attic", "basement", "cave",
    "river", "lake", "swamp", "lighthouse", "museum", "hospital", "ship", "spaceship", "train", "airport", "market",
    "street", "streets", "alley", "rooftop", "rooftops", "tower", "temple", "shop", "bakery", "circus", "zoo", "stadium",
    "lab", "laboratory", "factory", "planet", "galaxy", "sky", "clouds", "kingdom", "world", "arctic", "north pole",
    "countryside", "valley", "harbour", "harbor", "port", "theatre", "theater", "subway", "metro", "suburbs", "mall",
    "hotel", "prison", "dungeon", "spacestation", "orbit", "underworld", "reef", "tundra", "savanna", "meadow", "field",
    "fields", "hills", "bog", "canyon", "volcano", "glacier", "iceberg", "submarine", "boat", "garage", "barn",
}
_PLACE_PREPS = ("in", "at", "on", "inside", "aboard", "under", "beneath", "near", "across", "through", "over", "around", "from")

_ANIMALS = {
    "cat": "feline", "kitten": "feline", "dog": "canine", "puppy": "canine", "mouse": "small", "rat": "small", "hamster": "small",
    "rabbit": "small", "bunny": "small", "fox": "wild", "wolf": "wild", "bear": "wild", "deer": "wild", "owl": "bird",
    "penguin": "bird", "pigeon": "bird", "crow": "bird", "chicken": "bird", "duck": "bird", "goose": "bird", "parrot": "bird",
    "fish": "sea", "goldfish": "sea", "whale": "sea", "octopus": "sea", "shark": "sea", "turtle": "sea", "crab": "sea",
    "dragon": "fantasy", "unicorn": "fantasy", "frog": "small", "snail": "small", "ant": "small", "bee": "small",
    "elephant": "wild", "lion": "wild", "tiger": "wild", "giraffe": "wild", "monkey": "wild", "cow": "farm", "pig": "farm",
    "sheep": "farm", "horse": "farm", "goat": "farm", "hedgehog": "small", "squirrel": "small", "raccoon": "wild",
}
_PEOPLE = {
    "girl", "boy", "woman", "man", "kid", "child", "astronaut", "detective", "knight", "witch", "wizard", "baker", "teacher",
    "keeper", "scientist", "pirate", "princess", "prince", "king", "queen", "grandmother", "grandfather", "grandma", "grandpa",
    "student", "chef", "doctor", "nurse", "farmer", "sailor", "soldier", "painter", "artist", "musician", "singer", "dancer",
    "thief", "spy", "explorer", "inventor", "librarian", "mechanic", "postman", "mail carrier", "firefighter", "programmer",
    "gardener", "fisherman", "ninja", "samurai", "cowboy", "vampire", "ghost", "zombie", "alien", "clown", "mother", "father",
    "mom", "dad", "sister", "brother", "friend", "stranger", "hero", "heroine", "old", "lady", "gentleman", "robot", "android",
}
_DEFAULT_PLACES = {
    "feline": "a quiet town of tiled rooftops", "canine": "a busy little town", "small": "a cosy old house",
    "wild": "a deep green forest", "bird": "a windy seaside town", "sea": "a bright coral reef", "fantasy": "a misty mountain valley",
    "farm": "a sunny farm", "robot": "a sprawling neon city", "person": "a small seaside town", "thing": "a cluttered workshop",
}


@dataclass
class Premise:
    text: str  # the (trimmed) premise
    parsed: bool  # hero and goal/action were found
    hero_noun: str  # "cat", "lighthouse keeper", "robots"
    hero_name: str | None  # a proper name when the premise gives one
    plural: bool
    kind: str  # desire | action | none
    goal_inf: str  # "fly", "bake bread" (desire) or the action in the infinitive
    goal_ing: str  # "flying"
    action: str  # "finds a message in a bottle" (3rd person, action kind)
    place: str | None  # "a junkyard", "Paris"
    category: str  # feline, canine, person, robot, thing...
    count: str = ""  # "two" for "two robots ..."


def _gerund(verb_phrase: str) -> str:
    words = verb_phrase.split()
    if not words:
        return verb_phrase
    v = words[0].lower()
    irregular = {"be": "being", "see": "seeing", "die": "dying", "lie": "lying", "tie": "tying", "flee": "fleeing", "ski": "skiing"}
    if v in irregular:
        g = irregular[v]
    elif v.endswith("ie"):
        g = v[:-2] + "ying"
    elif v.endswith("e") and not v.endswith(("ee", "ye", "oe")) and len(v) > 2:
        g = v[:-1] + "ing"
    elif (len(v) <= 4 and len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou"):
        g = v + v[-1] + "ing"
    else:
        g = v + "ing"
    return " ".join([g] + words[1:])


def _infinitive_from_third(verb: str) -> str:
    v = verb.lower()
    irregular = {"is": "be", "are": "be", "has": "have", "does": "do", "goes": "go", "can": "can", "will": "will"}
    if v in irregular:
        return irregular[v]
    if v.endswith("ies") and len(v) > 4:
        return v[:-3] + "y"
    if v.endswith(("ches", "shes", "sses", "xes", "zes")):
        return v[:-2]
    if v.endswith("s") and not v.endswith("ss"):
        return v[:-1]
    return v


_IRREGULAR_PAST = {
    "be": "was", "have": "had", "do": "did", "go": "went", "find": "found", "meet": "met", "lose": "lost",
    "fight": "fought", "build": "built", "fall": "fell", "get": "got", "become": "became", "wake": "woke",
    "run": "ran", "steal": "stole", "make": "made", "take": "took", "see": "saw", "come": "came", "eat": "ate",
    "win": "won", "sing": "sang", "swim": "swam", "fly": "flew", "catch": "caught", "teach": "taught",
    "buy": "bought", "bring": "brought", "think": "thought", "keep": "kept", "sleep": "slept", "leave": "left",
    "give": "gave", "write": "wrote", "ride": "rode", "draw": "drew", "grow": "grew", "throw": "threw",
    "know": "knew", "hide": "hid", "break": "broke", "speak": "spoke", "choose": "chose", "forget": "forgot",
    "sell": "sold", "tell": "told", "hold": "held", "stand": "stood", "understand": "understood", "slay": "slew",
    "dig": "dug", "feel": "felt", "hear": "heard", "lead": "led", "read": "read", "send": "sent", "spend": "spent",
}


_DOUBLING = {"stop", "plan", "drop", "grab", "trap", "ship", "skip", "chop", "shop", "step", "trip", "slip", "spot", "snap", "clap", "flip", "knit", "admit", "commit", "prefer", "control", "travel"}


def _past(verb_phrase: str) -> str:
    """Simple past of a verb phrase in the infinitive: 'solve a mystery' -> 'solved a mystery'."""
    words = verb_phrase.split()
    if not words:
        return verb_phrase
    v = words[0].lower()
    if v in _IRREGULAR_PAST:
        past = _IRREGULAR_PAST[v]
    elif v.endswith("e"):
        past = v + "d"
    elif v.endswith("y") and len(v) > 2 and v[-2] not in "aeiou":
        past = v[:-1] + "ied"
    elif (len(v) == 3 or v in _DOUBLING) and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou":
        past = v + v[-1] + "ed"
    else:
        past = v + "ed"
    return " ".join([past] + words[1:])


def _infinitive_from_gerund(g: str) -> str:
    w = g.split()
    v = w[0].lower()
    if not v.endswith("ing") or len(v) < 5:
        return g
    stem = v[:-3]
    if stem.endswith("y") and len(stem) <= 3:  # flying -> fly
        pass
    elif len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsaeiou":  # swimming -> swim
        stem = stem[:-1]
    elif len(stem) >= 3 and stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou" and stem[-3] not in "aeiou" and stem[-1] in "kvcz":
        stem += "e"  # baking -> bake, diving -> dive
    return " ".join([stem] + w[1:])


def _split_place(phrase: str, original: str) -> tuple[str, str | None]:
    """Cut a trailing place phrase ('in a junkyard', 'in Paris') off `phrase`."""
    words = phrase.split()
    preps = [i for i, w in enumerate(words) if w.lower() in _PLACE_PREPS and 0 < i < len(words) - 1]
    for i in reversed(preps):
        tail = words[i + 1 :]
        if len(tail) > 4:
            break
        article = tail[0] if tail[0].lower() in ("the", "a", "an", "his", "her", "their", "its") and len(tail) > 1 else ""
        body = tail[1:] if article else tail
        head = body[-1].lower().strip("'’,")
        proper = body[0][:1].isupper()
        if head in _PLACE_WORDS or " ".join(body[-2:]).lower() in _PLACE_WORDS or proper:
            return " ".join(words[:i]).strip(), " ".join(words[i:])
    return phrase, None


def _category(noun: str) -> str:
    noun = noun.split(" and ")[0]
    last = noun.lower().split()[-1] if noun else ""
    singular = last[:-1] if last.endswith("s") and last[:-1] in (_ANIMALS.keys() | _PEOPLE) else last
    if singular in ("robot", "android"):
        return "robot"
    if singular in _ANIMALS:
        return _ANIMALS[singular]
    if singular in _PEOPLE or any(w in _PEOPLE for w in noun.lower().split()):
        return "person"
    return "thing"


_OBJECT_STARTS = {"a", "an", "the", "his", "her", "their", "its", "to", "with", "into", "through", "every", "all", "out", "up", "away", "home"}


def _third_person_verb(words: list[str]) -> int | None:
    """Index of an unlisted verb in the third person ('solves' in 'a detective cat solves a
    mystery'): a word ending in -s after at least a noun, followed by an object or nothing."""
    for i, w in enumerate(words):
        low = w.lower().strip(",")
        if i < 2 or len(low) < 4 or not low.endswith("s") or low.endswith(("ss", "us", "is")):
            continue
        if words[i - 1].lower() in _ARTICLES:
            continue  # "the boss", "a bus": a noun after its article
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if not nxt or nxt in _OBJECT_STARTS:
            return i
    return None


def analyse_premise(text: str) -> Premise:
    """Hero, goal or action, and place of a premise; `parsed` is False when none could be found
    (then the template writes around the premise as a whole)."""
    premise, _ = clean_premise(text)
    first = re.split(r"(?<=[.!?])\s+", premise, maxsplit=1)[0]
    if len(first) > ANALYSIS_MAX:
        cut = first[:ANALYSIS_MAX]
        first = cut[: cut.rfind(",")] if "," in cut[60:] else cut[: cut.rfind(" ")]
    sentence = first.strip().rstrip(".!?…").strip()
    none = Premise(premise, False, "hero", None, False, "none", "change everything", "changing everything", "", None, "person")
    if not sentence or not re.search(r"[A-Za-z]", sentence):
        return none
    ascii_share = sum(c.isascii() for c in sentence) / len(sentence)
    if ascii_share < 0.8:
        return none
    name = None
    m = re.match(r"^([A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)?),\s+((?:a|an|the)\s[^,]+),\s+(.+)$", sentence)
    if m:
        name, np_, rest = m.group(1), m.group(2), m.group(3)
    else:
        m = re.match(r"^(.+?)\s+(?:who|that|which)\s+(.+)$", sentence, re.I)
        if m and len(m.group(1).split()) <= 6:
            np_, rest = m.group(1), m.group(2)
        else:
            words = sentence.split()
            idx = next((i for i, w in enumerate(words[:8]) if i > 0 and w.lower().strip(",") in (_VERBS | _DESIRE.keys())), None)
            if idx is None:
                idx = _third_person_verb(words[:8])
            if idx is None:
                if len(words) <= 6:
                    np_, rest = sentence, ""
                else:
                    return none
            else:
                np_, rest = " ".join(words[:idx]), " ".join(words[idx:])
        nm = re.match(r"^([A-Z][\w'’-]+)$", np_.strip())
        if nm and np_.strip().lower() not in _ARTICLES:
            name = np_.strip()
    rest = rest.strip(" ,")
    rest_core, place = _split_place(rest, sentence) if rest else ("", None)
    if not rest and place is None:
        np_, place = _split_place(np_, sentence)
    np_words = [w for w in np_.strip(" ,").split()]
    lead = np_words[0].lower() if np_words else ""
    noun_words = np_words[1:] if lead in _ARTICLES else np_words
    hero_noun = " ".join(noun_words).strip(" ,") or "hero"
    if name and np_.strip() == name:
        hero_noun = "person"
    elif name:
        hero_noun = " ".join(w for w in np_.split()[1:]) or "person"
    plural = lead in ("two", "three", "four", "some") or " and " in f" {hero_noun} " or (
        not name and lead not in ("a", "an", "one", "the") and hero_noun.endswith("s") and not hero_noun.endswith("ss"))
    if lead == "the" and hero_noun.endswith("s") and not hero_noun.endswith("ss") and hero_noun.split()[-1][:-1] in (_ANIMALS.keys() | _PEOPLE):
        plural = True
    category = "person" if (name and _category(hero_noun) == "thing") else _category(hero_noun)
    kind, goal_inf, goal_ing, action = "none", "change everything", "changing everything", ""
    rw = rest_core.split()
    if rw:
        verb = rw[0].lower()
        if verb == "is" and len(rw) > 2 and rw[1].lower() in ("trying", "hoping", "determined", "desperate", "dying", "learning"):
            rw = rw[1:]
            verb = rw[0].lower()
        fond = verb in _FONDNESS and len(rw) > 1 and (rw[1].lower() == "to" or (rw[1].lower().endswith("ing") and len(rw[1]) > 4))
        if fond or verb in _DESIRE or verb in ("trying", "hoping", "determined", "desperate", "dying", "learning"):
            tail = rw[1:]
            while tail and tail[0].lower() in ("to", "of", "out", "about"):
                tail = tail[1:]
            phrase = " ".join(tail)
            if phrase:
                kind = "desire"
                if tail[0].lower().endswith("ing") and len(tail[0]) > 4:
                    goal_ing, goal_inf = phrase, _infinitive_from_gerund(phrase)
                else:
                    goal_inf, goal_ing = phrase, _gerund(phrase)
        else:
            kind = "action"
            action = " ".join(rw)
            goal_inf = " ".join([_infinitive_from_third(rw[0])] + rw[1:]) if not plural else action
            goal_ing = _gerund(goal_inf)
    elif hero_noun:
        kind = "none"
    parsed = kind != "none" or (hero_noun not in ("hero", "") and len(hero_noun.split()) <= 4)
    count = lead if lead in ("two", "three", "four") else ""
    return Premise(premise, parsed, hero_noun, name, plural, kind, goal_inf, goal_ing, action, place, category, count)


# -- cast -----------------------------------------------------------------------------------

#: every look names the body colour first, so the procedural generator (and a diffusion model)
#: draws the character in the same colour in every panel, and a colour later in the look (a green
#: neckerchief) is not taken for the body's
_LOOKS = {
    "feline": ["small grey tabby {n} with white paws", "ginger {n} with a crooked tail", "sleek black {n} with bright green eyes", "fluffy white {n} with one brown ear"],
    "canine": ["scruffy brown {n} with floppy ears", "small white {n} with a black eye patch", "golden {n} wearing a red collar"],
    "small": ["tiny grey {n} with a pink nose", "little brown {n} with a blue scarf", "round brown {n} with a bright yellow scarf"],
    "wild": ["young red {n} with a bushy tail", "big brown {n} with a patched ear", "lanky grey {n} with a green neckerchief"],
    "bird": ["plump grey {n} with a torn wing feather", "small black {n} with a white-tipped beak", "scruffy brown {n} with a ruffled crest"],
    "sea": ["small orange {n} with blue fins", "silver {n} with a notched fin", "bright yellow {n} with big round eyes"],
    "fantasy": ["small green {n} with stubby wings", "pale grey {n} with a silver mane", "young purple {n} with golden horns"],
    "farm": ["spotted white {n} with a bell on its collar", "muddy pink {n} with a curly tail", "woolly white {n} with a blue ribbon"],
    "robot": ["small round {n} with a dented blue shell and one antenna", "tall rusty {n} with glowing yellow eyes", "boxy silver {n} with a red antenna light"],
    "person": ["{n} with curly red hair and a yellow raincoat", "{n} with short silver hair and a blue jacket", "{n} with a long black braid and a green scarf", "{n} with round glasses and an orange jumper"],
    "thing": ["little {n} painted bright red", "old brass {n} with a friendly dented face", "small blue {n} with round button eyes"],
}
_HELPERS = [
    ("Pigeon", "an old grey pigeon with a torn wing feather", "bird"),
    ("Mia", "a curious little girl in a green coat", "person"),
    ("Professor", "a retired inventor with brass goggles and a tool belt", "person"),
    ("Tortoise", "a wise old tortoise with a mossy shell", "small"),
    ("Crow", "a talkative black crow with a shiny button in its beak", "bird"),
    ("Grandpa Joe", "a kind old man with a white beard and a flat cap", "person"),
]


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


#: looks for animals whose category's looks would give them the wrong colour or coat
_NOUN_LOOKS = {
    "pig": ["pink {n} with a curly tail", "muddy pink {n} with floppy ears"],
    "cow": ["spotted white {n} with a brass bell", "brown {n} with a bell on its collar"],
    "sheep": ["woolly white {n} with a black face", "fluffy white {n} with a blue ribbon"],
    "lamb": ["woolly white {n} with a black face", "fluffy white {n} with a blue ribbon"],
    "goat": ["white {n} with a little beard", "brown {n} with curly horns"],
    "fox": ["young orange {n} with a bushy tail", "sleek red {n} with a white-tipped tail"],
    "bear": ["big brown {n} with a patched ear", "shaggy brown {n} with a honey-smeared nose"],
    "panda": ["round black-and-white {n} with a bamboo stick"],
}


def _look_for(noun: str, rng: np.random.Generator, category: str | None = None) -> str:
    words = noun.lower().split()
    looks = _NOUN_LOOKS.get(words[-1] if words else "") or _LOOKS.get(category or _category(noun), _LOOKS["thing"])
    return looks[int(rng.integers(len(looks)))].format(n=noun)


def build_cast(p: Premise, rng: np.random.Generator) -> list[dict[str, str]]:
    """Hero (from the premise) and a helper, each with a stable visual description (`look`)
    written so it can stand as the subject of a sentence and be repeated in every prompt."""
    noun = p.hero_noun if p.parsed else "young traveller"
    category = p.category if p.parsed else "person"
    if " and " in f" {noun} ":
        first, second = noun.split(" and ", 1)
        sw = second.split()
        owner = sw[0] if sw and sw[0].lower() in ("his", "her", "their", "its") else ""
        core = " ".join(sw[1:] if owner else sw) or second
        look = f"{_article(_look_for(first, rng))} and {second} ({_article(_look_for(core, rng))})"
        name = _cap(first.split()[-1])
    elif p.plural:
        words = noun.split()
        singular = " ".join(words[:-1] + [words[-1][:-1] if words[-1].endswith("s") else words[-1]])
        look = f"{p.count or 'a group of'} {noun} (each {_article(_look_for(singular, rng, category))})"
        name = _cap(noun)
    else:
        look = _article(_look_for(noun, rng, category))
        name = _cap(noun)
    if p.hero_name:
        look = f"{p.hero_name}, {look},"
        name = p.hero_name
    helpers = [h for h in _HELPERS if h[0].lower() not in noun.lower() and h[2] != category]
    helper = helpers[int(rng.integers(len(helpers)))]
    return [{"name": name, "role": "hero", "look": look}, {"name": helper[0], "role": "helper", "look": helper[1]}]


# -- motifs: concrete pictures for common goals ---------------------------------------------

_MOTIFS: dict[str, dict[str, list[str]]] = {
    "fly": {
        "dream": ["watching birds wheel across the evening sky", "staring up at a flock of swallows"],
        "attempt": ["leaps off a garden fence with legs spread wide, flapping hard", "jumps from a stack of crates with cardboard wings strapped on"],
        "failure": ["tumbles into a flowerbed in a shower of petals", "lands in a puddle with a splash, cardboard wings crumpled"],
        "means": ["a bunch of bright red balloons", "a big paper kite", "a little hot-air balloon made from a picnic basket"],
        "success": ["floats high above the rooftops holding on to {means}, grinning at the birds alongside"],
    },
    "swim": {
        "dream": ["watching fish flicker under the surface of a pond"],
        "attempt": ["dips one toe into the cold water, then jumps in"],
        "failure": ["splutters back to the bank, soaked and shivering"],
        "means": ["a bright orange rubber ring", "a tiny wooden raft"],
        "success": ["glides across the water on {means}, laughing"],
    },
    "sing": {
        "dream": ["listening to a street singer under a lamp post"],
        "attempt": ["stands on an upturned bucket and sings as loud as possible"],
        "failure": ["winces as the neighbours slam their windows shut"],
        "means": ["an old gramophone", "a battered guitar"],
        "success": ["sings on a little stage while a crowd claps along, {means} beside"],
    },
    "paint": {
        "dream": ["gazing at a poster of a famous painting", "watching a street artist dab paint on a canvas"],
        "attempt": ["dabs paint on a wobbly canvas on an easel, frowning with concentration", "sets up an easel and a fresh canvas, brush in hand"],
        "failure": ["knocks the easel over, paint splattered everywhere", "stares at a muddy brown smudge on the canvas"],
        "means": ["a box of bright new paints", "a set of fine brushes", "an old painter's easel"],
        "success": ["stands beside a finished painting on an easel while a small crowd admires it"],
    },
    "bake": {
        "dream": ["breathing in the smell from a bakery window"],
        "attempt": ["kneads a lumpy ball of dough on a flour-covered table"],
        "failure": ["pulls a smoking, rock-hard loaf out of the oven"],
        "means": ["a stained old family recipe card", "a jar of bubbling sourdough starter"],
        "success": ["lifts a golden, crusty loaf out of the oven, steam curling up"],
    },
}
_GENERIC = {
    "dream": ["lost in thought, gazing at the horizon", "scribbling ideas in a battered notebook"],
    "attempt": ["tries to {goal_inf}, face scrunched with effort", "throws everything into a first try to {goal_inf}"],
    "failure": ["ends up in a heap, the first try in ruins", "watches the plan fall apart in a cloud of dust"],
    "means": ["a battered notebook full of tips", "a box of odd old gadgets", "a hand-drawn plan"],
    "success": ["finally manages to {goal_inf}, beaming with pride"],
}


def _motif(p: Premise) -> dict[str, list[str]]:
    first = p.goal_inf.split()[0].lower() if p.goal_inf else ""
    return _MOTIFS.get(first, _GENERIC) if p.kind == "desire" else _GENERIC


# -- beats ----------------------------------------------------------------------------------

# beat -> (description templates, caption templates, speech lines (speaker role, text))
_BEATS: dict[str, tuple[list[str], list[str], list[tuple[str, str]]]] = {
    "single": (
        ["{In_place}: {hero_look} {success}."],
        ["{premise_short}"],
        [("hero", "Look at me!")],
    ),
    "intro": (
        ["{Hero_look} sits {in_place}, {dream}.", "Morning {in_place}: {hero_look} is {dream}."],
        ["{In_place}, {hero} had one wish: to {goal_inf}.", "Every day, {hero} thought about {goal_ing}."],
        [("hero", "One day, I will {goal_inf}."), ("hero", "Someday... just you wait.")],
    ),
    "desire": (
        ["Close-up of {hero_look}, eyes shining with determination, drawing a plan in chalk on the ground."],
        ["The wish would not go away.", "So {hero} made a plan."],
        [("hero", "Today is the day."), ("hero", "I just need a plan.")],
    ),
    "preparation": (
        ["{Hero_look} gathers odds and ends {in_place}: string, tape and a notebook full of sketches."],
        ["Getting ready took all week.", "Getting ready was half the fun."],
        [("hero", "Rope... tape... courage."), ("hero", "This has to work.")],
    ),
    "attempt": (
        ["{Hero_look} {attempt}.", "Wide shot {in_place}: {hero_look} {attempt}."],
        ["So {hero} tried.", "So {hero} gave it a go."],
        [("hero", "Here goes!"), ("hero", "Three... two... one!")],
    ),
    "confrontation": (
        ["{Hero_look} {attempt}, then {failure}."],
        ["It was harder than it looked.", "The first try did not go well."],
        [("hero", "Ouch... not like that.")],
    ),
    "setback": (
        ["{Hero_look} {failure}."],
        ["It did not go as planned.", "Not quite."],
        [("hero", "Ouch."), ("hero", "That... was not it.")],
    ),
    "second_attempt": (
        ["{Hero_look} tries again from somewhere higher, jaw set, {in_place}."],
        ["Again. And again.", "{Hero} did not give up."],
        [("hero", "One more time!")],
    ),
    "lowpoint": (
        ["{Hero_look} sits alone in the rain {in_place}, shoulders slumped."],
        ["Maybe some wishes are too big.", "That night, {hero} almost gave up."],
        [("hero", "Maybe I'm just not meant to {goal_inf}.")],
    ),
    "twist": (
        ["Suddenly {helper_look} appears beside {hero_look}, holding out {means}.", "{Helper_look} drops {means} right at the feet of {hero_look}."],
        ["Then something unexpected happened.", "Help came from nowhere."],
        [("helper", "Need a hand? Try this."), ("helper", "Who says there's only one way?")],
    ),
    "help": (
        ["{Helper_look} shows {hero_look} {means}, and the two of them huddle over it."],
        ["A new friend had a new idea.", "{Helper} knew another way."],
        [("helper", "Try it with this."), ("hero", "Would that really work?")],
    ),
    "training": (
        ["{Hero_look} and {helper_look} practise together {in_place} until sunset."],
        ["They practised until the stars came out."],
        [("helper", "Again! You're getting it.")],
    ),
    "climax": (
        ["{Hero_look} {success}.", "Big panel: {hero_look} {success}."],
        ["And then, at last...", "This time, it worked."],
        [("hero", "I'm doing it!"), ("hero", "Look! It works!")],
    ),
    "resolution": (
        ["{Hero_look} {success}.", "Big panel: {hero_look} {success}."],
        ["In the end, {hero_pos} wish came true, just not the way anyone expected.", "And so, {hero} found a way."],
        [("hero", "I did it!"), ("helper", "Told you so.")],
    ),
    "celebration": (
        ["Back {in_place}, friends cheer around {hero_look} and {helper_look}."],
        ["Everyone wanted to hear the story."],
        [("helper", "Tell it again!")],
    ),
    "epilogue": (
        ["Evening {in_place}: {hero_look} and {helper_look} sit side by side, watching the sunset."],
        ["Some wishes just need a friend.", "And that was only the beginning."],
        [("hero", "Same time tomorrow?")],
    ),
    # action premises: the premise's event is the turn of the story
    "ordinary": (
        ["{Hero_look} goes about an ordinary day {in_place}.", "A quiet morning {in_place}: {hero_look} starts the day."],
        ["Life {in_place} was quiet.", "It began as an ordinary day."],
        [("hero", "Just another day."), ("hero", "Nothing ever happens here.")],
    ),
    "event": (
        ["{Hero_look} {action}, wide-eyed.", "Close-up: {hero_look} {action}."],
        ["Then, one day, {hero} {action_past}.", "That was when {hero} {action_past}."],
        [("hero", "What on earth...?"), ("hero", "This changes everything.")],
    ),
    "reaction": (
        ["{Hero_look} hurries {through_place}, looking for answers."],
        ["{Hero} had to know more.", "Questions piled up."],
        [("hero", "Someone must know something.")],
    ),
    "journey": (
        ["{Hero_look} sets out {through_place} with a small bag and a lantern."],
        ["There was only one way to find out.", "So the journey began."],
        [("hero", "Here we go.")],
    ),
    "obstacle": (
        ["A sudden storm sweeps {through_place}; {hero_look} shelters under a broken awning."],
        ["Nothing about it was easy.", "Then everything went wrong."],
        [("hero", "Not now...!")],
    ),
    "doubt": (
        ["{Hero_look} sits alone by a window at night, staring at the clue."],
        ["Had it all been a mistake?"],
        [("hero", "What was I thinking?")],
    ),
    "reveal": (
        ["{Helper_look} steps out of the shadows and shows {hero_look} {means}.", "{Helper_look} turns up with {means}, smiling knowingly."],
        ["But nothing was quite what it seemed.", "Then came the surprise."],
        [("helper", "I've been waiting for you.")],
    ),
    "teamup": (
        ["{Hero_look} and {helper_look} pore over a map by lamplight."],
        ["Two heads were better than one."],
        [("helper", "Look, here!")],
    ),
    "showdown": (
        ["{Hero_look} and {helper_look} reach the end of the trail as the sun comes up."],
        ["At last, the answer.", "And there it was."],
        [("hero", "So that's what it meant.")],
    ),
    "aftermath": (
        ["{Hero_look} and {helper_look} stand together {in_place}, smiling at what comes next."],
        ["Nothing would be the same again.", "And so a new story began."],
        [("hero", "So... what now?"), ("helper", "Now the fun starts.")],
    ),
    "homecoming": (
        ["Back home, {hero_look} pins a keepsake to the wall and smiles."],
        ["Some days change everything."],
        [("hero", "What a day.")],
    ),
}

_INTRODUCES_HELPER = {"twist", "help", "reveal"}
_SHOWS_HELPER = _INTRODUCES_HELPER | {"training", "celebration", "epilogue", "teamup", "showdown", "aftermath"}

# desire stories: panel count -> [(beat, label)]
_DESIRE_ARCS: dict[int, list[tuple[str, str]]] = {
    1: [("single", "gag")],
    2: [("intro", "setup"), ("resolution", "payoff")],
    3: [("intro", "setup"), ("confrontation", "confrontation"), ("resolution", "resolution")],
    4: [("intro", "ki"), ("attempt", "sho"), ("twist", "ten"), ("resolution", "ketsu")],
    5: [("intro", "setup"), ("attempt", "attempt"), ("setback", "setback"), ("twist", "twist"), ("resolution", "resolution")],
    6: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("help", "new idea"), ("resolution", "resolution")],
    7: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("resolution", "resolution")],
    8: [("intro", "setup"), ("desire", "inciting incident"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("climax", "climax"), ("epilogue", "epilogue")],
    9: [("intro", "setup"), ("desire", "inciting incident"), ("preparation", "preparation"), ("attempt", "first attempt"), ("setback", "setback"), ("lowpoint", "low point"), ("help", "new idea"), ("climax", "climax"), ("epilogue", "epilogue")],
}
_DESIRE_ARCS[10] = _DESIRE_ARCS[9][:5] + [("second_attempt", "second attempt")] + _DESIRE_ARCS[9][5:]
_DESIRE_ARCS[11] = _DESIRE_ARCS[10][:8] + [("training", "training")] + _DESIRE_ARCS[10][8:]
_DESIRE_ARCS[12] = _DESIRE_ARCS[11][:10] + [("celebration", "celebration")] + _DESIRE_ARCS[11][10:]

# action stories: beats in story order with their priority (lower survives shorter stories)
_ACTION_ORDER = [
    ("ordinary", 1, "setup"), ("event", 0, "inciting incident"), ("reaction", 4, "rising action"),
    ("journey", 6, "journey"), ("obstacle", 5, "obstacle"), ("doubt", 7, "doubt"), ("reveal", 3, "twist"),
    ("teamup", 8, "team-up"), ("showdown", 9, "climax"), ("aftermath", 2, "resolution"),
    ("celebration", 11, "celebration"), ("homecoming", 10, "epilogue"),
]
_SHORT_LABELS = {3: ["setup", "confrontation", "resolution"], 4: ["ki", "sho", "ten", "ketsu"]}


def _arc(p: Premise, n: int) -> list[tuple[str, str]]:
    if p.kind != "action":
        return _DESIRE_ARCS[n]
    keep = {name for name, prio, _ in _ACTION_ORDER if prio < n}
    arc = [(name, label) for name, _, label in _ACTION_ORDER if name in keep]
    if n == 1:
        return [("event", "gag")]
    if n in _SHORT_LABELS:
        arc = [(b, lab) for (b, _), lab in zip(arc, _SHORT_LABELS[n])]
    return arc


@dataclass
class Script:
    panels: list[dict[str, Any]]
    characters: list[dict[str, str]]
    source: str = "template"
    repairs: list[str] = field(default_factory=list)


def _fill(template: str, ctx: dict[str, str], plural: bool = False) -> str:
    out = template.format(**ctx)
    out = re.sub(r"\s+", " ", out).replace(",,", ",").replace(",.", ".").replace(", ,", ",").strip()
    if plural:  # "two robots (...) sits" -> "sit": the verb right after the hero agrees
        for subject in sorted({ctx["hero_look"], ctx["Hero_look"], ctx["hero"], ctx["Hero"]}, key=len, reverse=True):
            out = re.sub(re.escape(subject) + r"( finally| then)? (\w+)\b",
                         lambda m: m.group(0)[: m.start(2) - m.start(0)] + ("are" if m.group(2) == "is" else _infinitive_from_third(m.group(2))), out)
    return _cap(out)


#: words that already set a panel somewhere
_SETTING_WORDS = _PLACE_WORDS | {"home", "room", "bedroom", "stage", "indoors", "outdoors", "pond"}


def _with_place(description: str, in_place: str, hero_noun: str = "") -> str:
    """The description, set in the story's place when it names no place of its own, so every
    picture of the story happens in the same town (a helper's entrance is not drawn on a bare
    backdrop or in some other landscape). The hero's own name is no place ("lighthouse keeper")."""
    words = set(re.findall(r"[a-zé]+", description.lower())) - set(hero_noun.lower().split())
    named = set(re.findall(r"[a-zé]+", in_place.lower())) - {"in", "on", "at", "a", "an", "the", "of"}
    if words & _SETTING_WORDS or (named and named <= words):
        return description
    return description.rstrip(". ") + f", {in_place}."


def template_script(premise: str, panels: int, seed: int = 0) -> Script:
    """An N-panel script (1..12) from structured templates filled from the premise. Seeded."""
    if not 1 <= int(panels) <= 12:
        raise InputError(f"text.story: panels must be 1..12, got {panels}")
    p = analyse_premise(premise)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x5707])
    cast = build_cast(p, rng)
    hero, helper = cast[0], cast[1]
    motif = _motif(p)

    def pick(options: list[str]) -> str:
        return options[int(rng.integers(len(options)))]

    if p.hero_name:
        hero_ref = p.hero_name
    elif not p.parsed:
        hero_ref = "the traveller"
    else:
        hero_ref = "the " + p.hero_noun
    hero_look = hero["look"] if p.hero_name else hero["look"][0].lower() + hero["look"][1:]
    in_place = p.place or ("in " + _DEFAULT_PLACES.get(p.category if p.parsed else "person", "a small town"))
    place_np = in_place.split(" ", 1)[1] if " " in in_place else in_place
    short = p.text if len(p.text) <= 120 else p.text[:117].rsplit(" ", 1)[0] + "..."
    ctx: dict[str, str] = {
        "hero": hero_ref, "Hero": _cap(hero_ref), "hero_look": hero_look, "Hero_look": _cap(hero_look),
        "hero_pos": hero_ref + ("'" if hero_ref.endswith("s") else "'s"),
        "helper": helper["name"], "Helper": helper["name"], "helper_look": helper["look"], "Helper_look": _cap(helper["look"]),
        "in_place": in_place, "In_place": _cap(in_place), "through_place": "through " + place_np,
        "goal_inf": p.goal_inf, "goal_ing": p.goal_ing, "action": p.action or p.goal_inf,
        "action_past": _past(p.goal_inf),
        "premise_short": short,
    }
    ctx["means"] = pick(motif.get("means", _GENERIC["means"]))
    for key in ("dream", "attempt", "failure", "success"):
        ctx[key] = pick(motif.get(key, _GENERIC[key])).format(**ctx)
    out = []
    helper_in = False
    for i, (beat, label) in enumerate(_arc(p, int(panels)), start=1):
        descs, caps, lines = _BEATS[beat]
        helper_in = helper_in or beat in _INTRODUCES_HELPER
        description = _with_place(_fill(pick(descs), ctx, p.plural), in_place, p.hero_noun)
        caption = _fill(pick(caps), ctx, p.plural)
        if i == 1 and not p.parsed and panels > 1:
            caption = short
        allowed = [ln for ln in lines if ln[0] == "hero" or helper_in] or [("hero", "...")]
        who, text = allowed[int(rng.integers(len(allowed)))]
        speaker = hero if who == "hero" else helper
        present = [hero["name"]] + ([helper["name"]] if helper_in and (beat in _SHOWS_HELPER or who == "helper") else [])
        out.append({
            "panel": i, "beat": label, "description": description, "caption": caption,
            "speech": [{"speaker": speaker["name"], "text": _fill(text, ctx)}], "characters": present,
        })
    return Script(out, cast, "template")


# -- parsing model replies ------------------------------------------------------------------

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|js|javascript)?[ \t]*\n?(.*?)(?:```|$)", re.S)


def _json_region(text: str) -> str | None:
    fenced = [m.group(1) for m in _FENCE.finditer(text) if re.search(r"[\[{]", m.group(1) or "")]
    body = fenced[0] if fenced else text
    starts = [i for i in (body.find("["), body.find("{")) if i >= 0]
    if not starts:
        return None
    return body[min(starts):]


def _close_truncated(s: str) -> list[str]:
    """Candidate repairs of truncated JSON: cut after each complete object, close brackets."""
    stack: list[str] = []
    in_str = False
    esc = False
    cuts: list[tuple[int, list[str]]] = []
    for i, ch in enumerate(s):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}":
            if not stack:
                break
            stack.pop()
            if ch == "}":
                cuts.append((i + 1, list(stack)))
            if not stack:
                break
    closers = {"[": "]", "{": "}"}
    out = []
    for pos, st in reversed(cuts[-60:]):
        out.append(s[:pos] + "".join(closers[c] for c in reversed(st)))
    return out


def _lenient_load(s: str) -> tuple[Any, list[str]]:
    """Parse JSON that may be followed by prose, use trailing commas or smart quotes, be cut short,
    or be a Python literal. Returns the value and the repairs made."""
    decoder = json.JSONDecoder()
    try:
        return decoder.raw_decode(s)[0], []
    except json.JSONDecodeError:
        pass
    fixed = s.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    try:
        return decoder.raw_decode(fixed)[0], ["removed trailing commas / smart quotes"]
    except json.JSONDecodeError:
        pass
    for candidate in _close_truncated(fixed):
        try:
            return json.loads(candidate), ["closed truncated JSON (dropped the unfinished part)"]
        except json.JSONDecodeError:
            continue
    m = re.match(r"[\[{].*[\]}]", s, re.S)
    if m:
        try:
            value = ast.literal_eval(m.group(0))
            return json.loads(json.dumps(value)), ["read a Python-style literal"]
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    raise StoryParseError("the reply looks like JSON but could not be read or repaired")


def _first(d: dict, keys: tuple[str, ...]) -> Any:
    for k in keys:
        for dk in d:
            if isinstance(dk, str) and dk.lower() == k:
                return d[dk]
    return None


def _speech(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for it in items:
        if isinstance(it, dict):
            text = _first(it, ("text", "line", "says", "dialogue", "speech", "content"))
            who = _first(it, ("speaker", "character", "name", "who", "by"))
        elif isinstance(it, str):
            who, _, text = it.partition(":") if ":" in it[:40] else ("", "", it)
        else:
            continue
        text = " ".join(str(text or "").split())
        if text:
            out.append({"speaker": " ".join(str(who or "").split()), "text": text})
    return out


def normalise_panels(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[str]]:
    """Panels and cast from a parsed reply (a list of panels, or an object holding them)."""
    repairs: list[str] = []
    cast_raw = None
    if isinstance(value, dict):
        cast_raw = _first(value, ("characters", "cast"))
        items = _first(value, ("panels", "script", "comic", "story", "pages"))
        if items is None and _first(value, ("description", "scene")) is not None:
            items = [value]
    else:
        items = value
    if not isinstance(items, list):
        raise StoryParseError("the JSON holds no list of panels (expected [{\"panel\": 1, \"description\": ...}, ...])")
    panels = []
    for it in items:
        if not isinstance(it, dict):
            continue
        desc = _first(it, ("description", "scene", "visual", "image", "picture", "setting", "action"))
        desc = " ".join(str(desc or "").split())
        if not desc:
            repairs.append("dropped a panel without a description")
            continue
        caption = " ".join(str(_first(it, ("caption", "narration", "narrator", "narrative")) or "").split())
        number = _first(it, ("panel", "number", "id", "index"))
        panels.append({"number": number, "description": desc, "caption": caption,
                       "speech": _speech(_first(it, ("speech", "dialogue", "dialog", "lines", "bubbles", "speech_bubbles")))})
    if not panels:
        raise StoryParseError("the JSON holds no panels with a description")
    numbers = [p["number"] for p in panels]
    if all(isinstance(n, int) for n in numbers) and sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers))) and numbers != sorted(numbers):
        panels.sort(key=lambda p: p["number"])
        repairs.append("put panels in their numbered order")
    cast = []
    if isinstance(cast_raw, list):
        for c in cast_raw:
            if isinstance(c, dict):
                name = " ".join(str(_first(c, ("name",)) or "").split())
                look = " ".join(str(_first(c, ("look", "description", "appearance", "visual")) or "").split())
                if name and look:
                    cast.append({"name": name, "role": str(_first(c, ("role",)) or ""), "look": look})
    return [{k: v for k, v in p.items() if k != "number"} for p in panels], cast, repairs


def parse_script(text: str, panels: int, *, allow_fewer: bool = False) -> Script:
    """Read a model's reply as an N-panel script (see module doc). Extra panels are cut; too few
    raise StoryParseError unless `allow_fewer` (the caller then fills the rest)."""
    if not isinstance(text, str) or not text.strip():
        raise StoryParseError("the model's reply is empty")
    region = _json_region(text)
    if region is None:
        preview = " ".join(text.split())[:80]
        raise StoryParseError(f"the model's reply holds no JSON (it begins: {preview!r})")
    value, repairs = _lenient_load(region)
    items, cast, more = normalise_panels(value)
    repairs += more
    if len(items) > panels:
        repairs.append(f"cut {len(items) - panels} extra panel(s)")
        items = items[:panels]
    if len(items) < panels and not allow_fewer:
        raise StoryParseError(f"expected {panels} panels, the reply has {len(items)}")
    for i, p in enumerate(items, start=1):
        p["panel"] = i
    return Script(items, cast, "model", repairs)


def finish_script(script: Script, premise: str, panels: int, seed: int) -> Script:
    """Fill missing panels from the template, make sure the cast has a look for the hero, and
    list which characters each panel shows."""
    tmpl = template_script(premise, panels, seed)
    items = list(script.panels)
    repairs = list(script.repairs)
    if len(items) < panels:
        repairs.append(f"filled panels {len(items) + 1}..{panels} from the template")
        for p in tmpl.panels[len(items):]:
            items.append(dict(p))
    cast = script.characters or tmpl.characters
    if not script.characters:
        repairs.append("cast taken from the premise (the reply gave none)")
    names = [c["name"] for c in cast]
    for i, p in enumerate(items, start=1):
        p["panel"] = i
        p.setdefault("beat", tmpl.panels[i - 1].get("beat", ""))
        if not p.get("characters"):
            blob = (p["description"] + " " + " ".join(s["speaker"] for s in p["speech"])).lower()
            present = [n for n in names if n.lower() in blob]
            p["characters"] = present or names[:1]
    return Script(items, cast, script.source, repairs)


# -- language model -------------------------------------------------------------------------

SYSTEM_PROMPT = "You are a comic-strip writer. You reply with JSON only, no other text."


def build_prompt(premise: str, panels: int, cast: list[dict[str, str]], beats: list[str]) -> str:
    who = "; ".join(f"{c['name']}: {c['look']}" for c in cast[:1])
    example = {"characters": [{"name": "...", "look": "..."}],
               "panels": [{"panel": 1, "description": "...", "caption": "...", "speech": [{"speaker": "...", "text": "..."}]}]}
    return (
        f"Write a {panels}-panel comic strip for this premise: \"{premise}\"\n"
        f"Main character (keep this look the same in every panel): {who}.\n"
        f"Story shape, one beat per panel: {', '.join(beats)}.\n"
        f"Reply with one JSON object shaped like {json.dumps(example)} with exactly {panels} panels numbered 1 to {panels}. "
        "description: what the picture shows, visual and concrete, naming each character by their look; "
        "caption: one short narration line; speech: zero to two short lines."
    )


@dataclass
class LLM:
    model: Any
    tokenizer: Any
    device: str


def load_llm(resolved: Any, *, device: str = "auto", dtype: str = "auto") -> LLM:
    from studio.models import choose_device, choose_dtype

    path = resolved.transformers_folder("a language model")
    dev = choose_device(device)
    torch_dtype = choose_dtype(dev, dtype)

    def loader() -> LLM:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from studio.engine.errors import UserError

        try:
            model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch_dtype)
        except ValueError as exc:
            raise UserError(f"{resolved.id}: not a causal language model transformers can load natively ({exc})") from None
        tok = AutoTokenizer.from_pretrained(str(path))
        model.to(dev).eval()  # type: ignore[arg-type]
        return LLM(model, tok, dev)

    return _model_manager().load(("text-generation", str(path), dev, str(torch_dtype)), loader)


def _chat_text(llm: LLM, user: str) -> str:
    tok = llm.tokenizer
    if getattr(tok, "chat_template", None):
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return f"{SYSTEM_PROMPT}\n\n{user}\n\n"


def _generate(llm: LLM, text: str, *, max_new_tokens: int, temperature: float, seed: int, stop_at_quote: bool = False, min_new_tokens: int = 0) -> str:
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    tok = llm.tokenizer
    enc = tok(text, return_tensors="pt", add_special_tokens=False).to(llm.device)
    n_in = enc["input_ids"].shape[1]

    class _Quote(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):  # noqa: ANN001
            new = tok.decode(input_ids[0, n_in:], skip_special_tokens=True)
            return bool(re.search(r'(?<!\\)"|\n', new))

    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "min_new_tokens": min_new_tokens}
    if temperature > 0:
        kwargs.update(do_sample=True, temperature=temperature, top_p=0.95)
    else:
        kwargs.update(do_sample=False)
    if stop_at_quote:
        kwargs["stopping_criteria"] = StoppingCriteriaList([_Quote()])
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    torch.manual_seed(int(seed) & 0xFFFFFFFF)
    with torch.inference_mode():
        out = llm.model.generate(**enc, pad_token_id=pad, **kwargs)
    return tok.decode(out[0, n_in:], skip_special_tokens=True)


_FIELD_LIMITS = {"look": 40, "description": 80, "caption": 40, "speaker": 8, "text": 32}


def _value(raw: str) -> str:
    m = re.search(r'(?<!\\)"|\n', raw)
    raw = raw[: m.start()] if m else raw
    raw = raw.replace('\\"', '"').replace("\\n", " ")
    raw = "".join(ch for ch in raw if ch.isprintable())
    return " ".join(raw.split())


def guided_script(llm: LLM, prompt: str, premise: str, panels: int, cast: list[dict[str, str]], seed: int, temperature: float,
                  budget: int | None = None) -> Script:
    """Let the model fill each field of a fixed JSON skeleton (it never writes structure), so
    the result always parses; empty fields are filled from the template. `budget` (tokens for
    the whole script) scales the per-field limits down (never up)."""
    full = sum(_FIELD_LIMITS[k] for k in ("description", "caption", "speaker", "text")) * panels + _FIELD_LIMITS["look"]
    scale = min(1.0, budget / full) if budget else 1.0
    limits = {k: max(4, int(v * scale)) for k, v in _FIELD_LIMITS.items()}
    tmpl = template_script(premise, panels, seed)
    text = _chat_text(llm, prompt)
    hero = cast[0]
    head = '{"characters": [{"name": ' + json.dumps(hero["name"]) + ', "look": "'
    repairs: list[str] = []
    step = [0]

    def fill(prefix: str, kind: str, fallback: str) -> str:
        step[0] += 1
        raw = _generate(llm, text + prefix, max_new_tokens=limits[kind], temperature=temperature,
                        seed=seed * 1009 + step[0], stop_at_quote=True)
        value = _value(raw)
        if not value:
            repairs.append(f"empty {kind} filled from the template")
            return fallback
        return value

    look = fill(head, "look", hero["look"])
    doc = head + json.dumps(look)[1:-1] + '"}], "panels": ['
    out_panels = []
    for i in range(1, panels + 1):
        t = tmpl.panels[i - 1]
        doc += ("" if i == 1 else ", ") + '{"panel": ' + str(i) + ', "description": "'
        desc = fill(doc, "description", t["description"])
        doc += json.dumps(desc)[1:-1] + '", "caption": "'
        cap = fill(doc, "caption", t["caption"])
        doc += json.dumps(cap)[1:-1] + '", "speech": [{"speaker": "'
        spk = fill(doc, "speaker", t["speech"][0]["speaker"])
        doc += json.dumps(spk)[1:-1] + '", "text": "'
        line = fill(doc, "text", t["speech"][0]["text"])
        doc += json.dumps(line)[1:-1] + '"}]}'
        out_panels.append({"panel": i, "beat": t["beat"], "description": desc, "caption": cap, "speech": [{"speaker": spk, "text": line}]})
    doc += "]}"
    json.loads(doc)  # the skeleton is valid JSON by construction
    cast_out = [{"name": hero["name"], "role": "hero", "look": look}] + cast[1:]
    return Script(out_panels, cast_out, "model-guided", repairs)


def generate_script(
    llm: LLM,
    premise: str,
    panels: int,
    *,
    seed: int = 0,
    decoding: str = "auto",
    temperature: float = 0.7,
    max_new_tokens: int | None = None,
    warn: Any = None,
) -> Script:
    """A script from the model: free JSON (then one retry), repaired; guided decoding when
    that fails (decoding='auto') or at once (decoding='guided'). Raises StoryParseError when
    decoding='free' and no reply could be read."""
    tmpl = template_script(premise, panels, seed)
    beats = [p["beat"] for p in tmpl.panels]
    prompt = build_prompt(premise, panels, tmpl.characters, beats)
    budget = max_new_tokens or min(4096, 160 * panels + 200)
    errors: list[str] = []
    if decoding in ("auto", "free"):
        text = _chat_text(llm, prompt)
        for attempt in range(2):
            reply = _generate(llm, text, max_new_tokens=budget, temperature=temperature if attempt == 0 else max(temperature, 0.5), seed=seed + attempt * 7919)
            try:
                script = parse_script(reply, panels, allow_fewer=True)
            except StoryParseError as exc:
                errors.append(f"try {attempt + 1}: {exc}")
                continue
            if len(script.panels) * 2 >= panels or decoding == "free":
                script.repairs = [f"try {attempt + 1}"] + script.repairs if attempt else script.repairs
                return finish_script(script, premise, panels, seed)
            errors.append(f"try {attempt + 1}: only {len(script.panels)} of {panels} panels")
        if decoding == "free":
            raise StoryParseError("the model gave no usable script: " + "; ".join(errors))
        if warn is not None:
            warn("text.story: the model's free-form replies were not usable (" + "; ".join(errors) + "); using guided decoding")
    script = guided_script(llm, prompt, premise, panels, tmpl.characters, seed, temperature, budget=max_new_tokens)
    script.repairs = errors + script.repairs
    return finish_script(script, premise, panels, seed)
