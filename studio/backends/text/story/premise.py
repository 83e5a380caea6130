"""Reading a premise: `clean_premise` (whitespace, length) and `analyse_premise`, the hero, their
goal or action and the place of an English premise ("a cat who wants to fly", "Marie, a retired
astronaut, learns to bake bread in Paris")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from studio.backends.text.story.grammar import (
    _gerund,
    _infinitive_from_gerund,
    _infinitive_from_third,
)
from studio.engine.errors import InputError

PREMISE_MAX = 2000  # characters kept from a premise (longer ones are trimmed at a sentence end)
ANALYSIS_MAX = 300  # characters of the first sentence used to find hero, goal and place


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
