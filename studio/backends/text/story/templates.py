"""The template writer: `template_script` writes an N-panel script with no model, about the
request's own characters, goal, obstacle, setting, time and weather (read once by
studio.backends.text.understand). Beats and lines come from pools keyed by the kind of story
(the goal's verb), filled from the request's words and chosen by the seed; verbs agree with their
subjects (lemminflect), articles and plurals come from inflect."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from studio.backends.text.story.beats import arc
from studio.backends.text.story.cast import build_cast
from studio.backends.text.story.pools import CLASSES, CUES, GENERIC, OBSTACLE, VERB_CLASSES, WEATHER
from studio.backends.text.story.script import Script
from studio.backends.text.understand import (
    WEATHER as WEATHER_WORDS,
)
from studio.backends.text.understand import (
    Action,
    Character,
    Setting,
    Understanding,
    a,
    understand,
    verb_form,
)
from studio.engine.errors import InputError

#: where a story happens when the request names no place, by the hero's role or kind
DEFAULT_PLACES = {
    "chef": "a busy kitchen", "cook": "a busy kitchen", "baker": "a little bakery", "gardener": "a walled garden",
    "farmer": "a farm", "astronaut": "a space station", "sailor": "a harbour", "fisherman": "a harbour",
    "captain": "a ship", "keeper": "the lighthouse", "detective": "a rainy city", "knight": "a castle",
    "king": "a castle", "queen": "a castle", "princess": "a castle", "prince": "a castle", "scientist": "a laboratory",
    "inventor": "a workshop", "mechanic": "a garage", "teacher": "a school", "student": "a school",
    "pirate": "a ship", "musician": "a little theatre", "singer": "a little theatre", "dancer": "a dance hall",
    "painter": "an attic studio", "librarian": "a library", "wizard": "a tower", "witch": "a forest",
    "feline": "a quiet town of tiled rooftops", "canine": "a busy park", "bird": "a windy clifftop",
    "sea": "the sea", "farm": "a farm", "wild": "a deep green forest", "small": "a garden", "insect": "a garden",
    "creature": "a misty mountain valley", "dragon": "a misty mountain valley", "robot": "a cluttered workshop",
    "machine": "a cluttered workshop", "thing": "a cosy kitchen", "person": "a small town",
}
_TIME_PHRASES = {"dawn": "at dawn", "morning": "in the morning", "day": "at midday", "afternoon": "in the afternoon",
                 "dusk": "at dusk", "evening": "in the evening", "night": "at night", "winter": "in winter",
                 "summer": "in summer", "spring": "in spring", "autumn": "in autumn", "holidays": "in the holidays",
                 "weekend": "at the weekend", "birthday": "on a birthday"}
_WEATHER_NOUNS = {"storm": "the storm", "rain": "the rain", "snow": "the snow", "fog": "the fog", "wind": "the wind",
                  "heat": "the heat", "sun": "the sunshine", "hail": "the hail", "sandstorm": "the sandstorm"}
_SETTING_PREPS = {"in", "on", "at", "inside", "aboard", "under", "beneath", "near", "atop"}
_ADJ_OBSTACLES = ("afraid", "scared", "terrified", "frightened", "too", "unable", "allergic")

_SLOT = re.compile(r"\{(\w+)\}|<(\w+)(?::(d))?>")


@dataclass
class _Ctx:
    values: dict[str, str | None]
    numbers: dict[str, bool]  # slot -> plural (subjects only)
    goal: str
    extra: dict = field(default_factory=dict)


def _definite(phrase: str) -> str:
    words = phrase.split()
    if words and words[0].lower() in ("a", "an", "some"):
        words[0] = "the"
    return " ".join(words)


def _definite_all(phrase: str) -> str:
    return re.sub(r"\b(?:a|an)\b(?=\s)", "the", phrase)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _conj(lemma: str, plural: bool, past: bool) -> str:
    if lemma == "be":
        return ("were" if plural else "was") if past else ("are" if plural else "is")
    if past:
        return verb_form(lemma, "VBD")
    return lemma if plural else verb_form(lemma, "VBZ")


def _conj_phrase(phrase: str, plural: bool, past: bool) -> str:
    words = phrase.split()
    if not words:
        return phrase
    if words[0] in ("can", "must", "will", "cannot"):
        return phrase
    return " ".join([_conj(words[0], plural, past)] + words[1:])


def _base(name: str) -> tuple[str, bool]:
    """A slot name to the ctx key and whether to capitalise ('Obj_cap' -> 'obj', True)."""
    cap = False
    if name.endswith("_cap"):
        name, cap = name[:-4], True
    if name not in ("H", "O") and name[:1].isupper():
        name, cap = name[:1].lower() + name[1:], True
    return name, cap


def _usable(template: str, c: _Ctx) -> bool:
    for m in _SLOT.finditer(template):
        if m.group(1):
            key, cap = _base(m.group(1))
            v = c.values.get(key)
            if v is None or (cap and not v):
                return False
    return True


_SPOKEN_OWNERS = re.compile(r"\b(its|his|her|their)\b")
_SPOKEN = {"goal", "obj", "goal_ing", "comp", "comp_ing"}


def _render(template: str, c: _Ctx, voice: str | None = None) -> str:
    """`template` filled; `voice` ('hero' or 'other') when it is a speech line, so the request's
    'its village' becomes 'my village' in the hero's mouth and 'your village' in another's."""
    out: list[str] = []
    pos = 0
    plural = False
    last_subject_end = -10
    for m in _SLOT.finditer(template):
        literal = template[pos: m.start()]
        out.append(literal)
        pos = m.end()
        if m.group(1):
            key, cap = _base(m.group(1))
            value = c.values[key] or ""
            if voice and key in _SPOKEN:
                value = _SPOKEN_OWNERS.sub("my" if voice == "hero" else "your", value)
            if key in c.numbers:
                plural = c.numbers[key] or (literal == " and " and last_subject_end == m.start() - len(literal))
                last_subject_end = m.end()
            out.append(_cap(value) if cap else value)
        else:
            lemma, past = m.group(2), bool(m.group(3))
            if lemma == "goal":
                g = _SPOKEN_OWNERS.sub("my" if voice == "hero" else "your", c.goal) if voice else c.goal
                out.append(_conj_phrase(g, plural, past))
            elif lemma == "comp":
                out.append(_conj_phrase(c.values.get("comp") or "", plural, past))
            else:
                out.append(_conj(lemma, plural, past))
    out.append(template[pos:])
    s = "".join(out)
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s+([,.;:!?])", r"\1", s)
    s = re.sub(r"(?<!\.)\.\.(?!\.)", ".", s.replace(",,", ",").replace(",.", ".").replace(".,", ".").replace(",;", ";").replace(",:", ":")).strip()
    s = s.replace(",!", "!").replace(",?", "?")
    s = re.sub(r"^,\s*", "", s)
    return _cap(s)


def _story_class(u: Understanding, goal: Action | None) -> str:
    if goal is None:
        return "generic"
    if any("rival" in ch.attributes for ch in u.characters) or goal.via in ("compete", "race") or goal.verb in ("compete", "race"):
        return "compete"
    if goal.phrase.startswith("fall in love") or (goal.verb in ("meet", "love", "befriend") and len(u.characters) > 1):
        return "befriend"
    if goal.complement and goal.comp_agent is not None and 0 < goal.comp_agent < len(u.characters):
        return "coach"  # "teaches her goat to sing": the story is the goat learning to sing
    return VERB_CLASSES.get(goal.verb, "generic")


def _fallback(u: Understanding, premise: str) -> tuple[Understanding, bool]:
    """A request that could not be read: a story from the words it does have (its first being or
    thing becomes the hero, or a traveller looks for it)."""
    if u.understood:
        return u, True
    from lemminflect import getAllLemmas

    def english_noun(w: str) -> bool:
        return w.isascii() and "NOUN" in getAllLemmas(w.lower())

    nouns = [w for w in u.words if w.isalpha() and english_noun(w)]
    chars = [c for c in u.characters if all(english_noun(w) for w in c.noun.split())]
    goal = u.goal if chars else None
    props = [p for p in u.props if all(english_noun(w) or not w.isalpha() for w in p.split())]
    if not chars:
        chars = [Character(text="traveller", noun="traveller", head="traveller", kind="person", family="person",
                           role="traveller", label="Traveller", subject=True)]
    if goal is None:
        own = set(chars[0].noun.split())
        target = (props[0] if props else None) or next((n for n in nouns if n not in own), None)
        if target and target != chars[0].head:
            goal = Action(verb="find", object=target, phrase=f"find {a(target)}", desire=True, agent=0, via="want")
            if target not in props:
                props.append(target)
        else:
            goal = Action(verb="find", object=None, phrase="find the way home", desire=True, agent=0, via="want")
    return Understanding(text=u.text, understood=False, characters=chars, goal=goal, actions=[goal],
                         obstacle=u.obstacle, setting=u.setting, time=u.time, weather=u.weather, props=props,
                         mood=u.mood, mood_words=u.mood_words, words=u.words, weather_word=u.weather_word), False


def _place(u: Understanding, hero: Character) -> tuple[str, str]:
    """(the place as a noun phrase, the place with its preposition)."""
    s: Setting | None = u.setting
    if s is not None:
        if s.implied:
            phrase = "the " + s.phrase
            return phrase, f"at {phrase}" if s.head in ("lighthouse", "castle", "school", "station", "farm", "market") else f"in {phrase}"
        phrase = s.phrase if s.proper else _definite(s.phrase)  # as written: "orbit", "space", "a volcano" -> "the volcano"
        prep = s.prep if s.prep in _SETTING_PREPS else ("on" if s.head in ("mars", "moon", "island", "beach", "roof", "rooftop", "ship") else "in")
        if s.head in ("pole", "north pole", "south pole") or phrase.lower().endswith(" pole"):
            prep = "at"
        return phrase, f"{prep} {phrase}"
    key = hero.role.split()[-1] if hero.role else ""
    where = DEFAULT_PLACES.get(key) or DEFAULT_PLACES.get(hero.head) or DEFAULT_PLACES.get(hero.family) or DEFAULT_PLACES.get(hero.kind) or "a small town"
    phrase = _definite(where)
    prep = "at" if phrase.endswith(("lighthouse", "clifftop")) else "on" if phrase.endswith(("farm", "ship", "sea", "station")) else "in"
    return phrase, f"{prep} {phrase}"


def _short_place(phrase: str) -> str:
    """The place as people say it once it is known: its weather and other describing words left
    out ("the windy hill" -> "the hill", "the deep cave" -> "the cave"; "the space station", "the
    roof of the skyscraper" keep their nouns)."""
    from lemminflect import getAllLemmas

    head, sep, tail = phrase.partition(" of ")
    words = head.split()
    if len(words) < 3 or words[0].lower() not in ("the", "a", "an", "my", "her", "his", "their", "its", "our"):
        return phrase
    keep = [words[0]]
    for w in words[1:-1]:
        lemmas = getAllLemmas(w.lower())
        if w.lower() in WEATHER_WORDS or ("ADJ" in lemmas and "NOUN" not in lemmas) or (not lemmas and w.lower().endswith(("y", "ed"))):
            continue
        keep.append(w)
    return " ".join(keep + words[-1:]) + sep + tail


def _ref(entry: dict, c: Character | None) -> str:
    """A character in words: 'Marie', 'Chef Rosa', 'the lighthouse keeper', 'the robots'."""
    if c is None or c.name or entry["name"] != c.label and " " in entry["name"] and not entry["name"].endswith("s"):
        return entry["name"]
    if c.plural and c.count > 3:
        return "the " + (c.text.split(" ", 1)[1] if c.text.split()[0].isdigit() or c.text.split()[0] in ("two", "three", "four", "five", "many", "some") else c.text)
    if entry["name"] not in (c.label,):
        return entry["name"]
    return "the " + c.noun


def _obstacle(u: Understanding, h: str, hero_plural: bool) -> tuple[str | None, str | None, str | None]:
    """The obstacle as a clause in the present (descriptions), in the past (captions), and as
    the hero would say it."""
    o = u.obstacle
    if not o or o == "each other" or (u.weather and o in (_WEATHER_NOUNS.get(u.weather), f"the {u.weather_word}")):
        return None, None, None
    if o.split()[0].lower() in _ADJ_OBSTACLES:
        return (f"{h} {'are' if hero_plural else 'is'} {o}", f"{h} {'were' if hero_plural else 'was'} {o}",
                f"{'we are' if hero_plural else 'I am'} {o}")
    if o.startswith("cannot "):
        return f"{h} {o}", f"{h} could not {o[7:]}", f"{'we' if hero_plural else 'I'} {o}"
    past = re.sub(r"\b(is|are|has|have|does|do|can)\b", lambda m: {"is": "was", "are": "were", "has": "had", "have": "had",
                                                                  "does": "did", "do": "did", "can": "could"}[m.group(1)], o, count=1)
    return o, past, o


def template_script(premise: str, panels: int, seed: int = 0, understanding: Understanding | None = None) -> Script:
    """An N-panel script (1..12) about the request, from beat pools filled with its words. Seeded."""
    if not 1 <= int(panels) <= 12:
        raise InputError(f"text.story: panels must be 1..12, got {panels}")
    u0 = understanding or understand(premise)
    u, understood = _fallback(u0, premise)
    if u.goal is None and u.obstacle and re.match(r"(?:afraid|scared|terrified|frightened) of ", u.obstacle):
        # "an elephant who is afraid of mice": the story is about facing it
        feared = u.obstacle.split(" of ", 1)[1]
        goal = Action(verb="face", object=feared, phrase="face the " + re.sub(r"^(?:the|a|an)\s+", "", feared), desire=True, agent=0, via="must")
        u = replace(u, goal=goal, actions=[goal] + list(u.actions))
    if u.goal is not None and u.goal.agent and u.goal.agent < len(u.characters):
        # the one who does the deed leads the story ("a farmer's tractor comes to life": the tractor)
        k = u.goal.agent
        chars = [u.characters[k]] + [c for i, c in enumerate(u.characters) if i != k]
        order = [k] + [i for i in range(len(u.characters)) if i != k]
        ca = u.goal.comp_agent
        u = replace(u, characters=chars, goal=replace(u.goal, agent=0, comp_agent=order.index(ca) if ca is not None else None))
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x5707])
    cast = build_cast(u, rng)
    goal = u.goal
    hero_c = u.characters[0]
    hero = cast[0]
    members = [e for e in cast if e["group"] == 0]
    other = members[1] if len(members) > 1 else next((e for e in cast if e["group"] != 0), None)
    cls = _story_class(u, goal)
    if cls == "coach" and goal is not None:  # the one taught or helped is the other lead
        other = next((e for e in cast if e["group"] == goal.comp_agent), other)
    other_c = u.characters[other["group"]] if other is not None else None

    def pick(options: list):
        return options[int(rng.integers(len(options)))]

    hero_group_plural = hero_c.plural and len(members) == 1
    h = _ref(hero, hero_c)
    o = _ref(other, other_c) if other is not None else None
    place, in_place = _place(u, hero_c)
    obj = obj_bare = None
    if goal is not None and goal.object:
        obj_bare = re.sub(r"^(?:a|an|the|his|her|their|its|my|our)\s+", "", goal.object)
        owner = re.search(r"\b(his|her|their|its|my|our)\s+" + re.escape(obj_bare.split()[0]), goal.phrase)
        obj_bare = re.split(r"\s+(?:in|of|with|from|for)\s+", obj_bare, maxsplit=1)[0]  # "the secret map", not "... in a dusty book" again
        obj = ("the " + obj_bare) if not owner else f"{owner.group(1)} {obj_bare}"
        if owner and owner.group(1) == "its" and hero_c.kind == "person":
            obj = "the " + obj_bare
    elif u.props:
        obj_bare = u.props[0]
        obj = "the " + obj_bare
    prop = next((p for p in u.props if p != obj_bare), None)
    time_phrase = _TIME_PHRASES.get(u.time or "", "")
    weather = ("the " + u.weather_word) if u.weather_word else _WEATHER_NOUNS.get(u.weather or "")
    obstacle_clause, obstacle_past, obstacle_line = _obstacle(u, h, hero_group_plural)
    goal_phrase = goal.phrase if goal is not None else "find a way"
    obj_plural = bool(obj_bare) and obj_bare.split()[-1].endswith("s") and not obj_bare.endswith("ss")
    values: dict[str, str | None] = {
        "H": hero["look"], "O": other["look"] if other else None,
        "h": h, "h_ref": h, "h_short": hero["name"], "h_gen": h + ("'" if h.endswith("s") else "'s"),
        "h_poss": "their" if hero_group_plural or (hero_c.kind == "person" and hero_c.gender not in ("f", "m"))
                  else {"f": "her", "m": "his"}.get(hero_c.gender or "", "its"),
        "o": o, "o_ref": o, "o_short": other["name"] if other else None,
        "both": f"{h} and {o}" if o else None,
        "goal": goal_phrase, "goal_plain": goal_phrase, "goal_ing": verb_form(goal_phrase.split()[0], "VBG") + goal_phrase[len(goal_phrase.split()[0]):],
        "obj": obj, "obj_bare": obj_bare, "an_obj": a(obj_bare) if obj_bare else None,
        "place": place, "in_place": in_place,
        "own_place": place if u.setting is not None else None, "in_own_place": in_place if u.setting is not None else None,
        "h_a": a(hero_c.noun if hero_c.noun != "person" else hero_c.role if hero_c.role != "person" else "person"),
        "obj_fixed": re.sub(r"\b(?:broken|damaged|old|rusty|wrecked) ", "", obj) if obj else None,
        "place_voc": re.sub(r"^the\s+", "", place) if (u.setting is not None and u.setting.proper) else None, "time": time_phrase, "weather": weather,
        "obstacle_clause": obstacle_clause, "obstacle_past": obstacle_past, "obstacle_line": obstacle_line, "prop": ("the " + prop) if prop else None,
        "premise": premise if len(premise) <= 120 else premise[:117].rsplit(" ", 1)[0] + "...",
    }
    if other_c is not None:  # how a picture description names the other a second time
        values["o_pron"] = ("they" if other_c.plural and other is not None and other["name"].endswith("s") else
                            {"f": "she", "m": "he", "n": "they"}.get(other_c.gender or "", "it" if other_c.kind != "person" else "they"))
    comp = goal.complement if goal is not None and cls == "coach" else None
    values.update(comp=comp, comp_ing=(verb_form(comp.split()[0], "VBG") + comp[len(comp.split()[0]):]) if comp else None,
                  comp_cue=CUES.get(goal.comp_verb or "", "") if comp and goal is not None else None)
    # the place in full the first time ("the windy hill"), then as people say it ("the hill")
    short_place = _short_place(place) if u.setting is not None and not u.setting.proper else place
    in_short = in_place[: len(in_place) - len(place)] + short_place if in_place.endswith(place) else in_place
    numbers = {"H": hero_group_plural, "h": hero_group_plural, "h_ref": hero_group_plural, "h_short": hero_group_plural,
               "O": bool(other_c and other_c.plural and other_c.count > 3), "o": False, "o_ref": False, "o_short": False,
               "both": True, "obj": obj_plural, "obj_bare": obj_plural, "weather": False, "h_gen": False}
    ctx = _Ctx(values, numbers, goal_phrase)

    beats = arc(int(panels), trouble=bool(obstacle_clause) or u.weather in ("storm", "snow", "sandstorm", "hail"))
    out = []
    for i, (beat, label) in enumerate(beats, start=1):
        later = i > 1
        ctx.goal = _definite_all(goal_phrase) if later else goal_phrase
        values["goal"] = values["goal_plain"] = ctx.goal
        if comp:
            values["comp"] = _definite_all(comp) if later else comp
            values["comp_ing"] = verb_form(comp.split()[0], "VBG") + values["comp"][len(comp.split()[0]):]
        cur_place, cur_in = (short_place, in_short) if later else (place, in_place)
        values["place"], values["in_place"] = cur_place, cur_in
        if u.setting is not None:
            values["own_place"], values["in_own_place"] = cur_place, cur_in
        own = CLASSES.get(cls, {}).get(beat)
        pools = [own] if own and any(_usable(t, ctx) for t in own[0]) else [GENERIC.get(beat)]
        if beat == "trouble" and obstacle_clause:
            pools = [OBSTACLE["trouble"]]
        elif beat == "trouble" and weather and u.weather in ("storm", "snow", "sandstorm", "hail", "wind", "rain", "fog"):
            pools.append(WEATHER["trouble"])
        pools = [p for p in pools if p]
        descs = [t for p in pools for t in p[0] if _usable(t, ctx)]
        caps = [t for p in pools for t in p[1] if _usable(t, ctx)]
        lines = [ln for p in pools for ln in p[2] if _usable(ln[1], ctx) and (ln[0] == "hero" or other is not None)]
        if beat == "trouble" and obstacle_clause:
            descs = descs or [t for t in GENERIC["trouble"][0] if _usable(t, ctx)]
        if not descs:
            descs = [t for t in GENERIC[beat][0] if _usable(t, ctx)] or ["{H} {in_place}."]
        if not caps:
            caps = [t for t in GENERIC[beat][1] if _usable(t, ctx)] or ["{Premise}."]
        if not lines:
            lines = [ln for ln in GENERIC[beat][2] if ln[0] == "hero" and _usable(ln[1], ctx)] or [("hero", "{Goal_ing_cap}, then. Again.")]
        description = _render(pick(descs), ctx)
        caption = _render(pick(caps), ctx)
        who, text = pick(lines)
        speaker = hero if who == "hero" else other
        line = _render(text, ctx, voice=who)
        # every picture happens in the story's place, at its time and in its weather
        low = description.lower()
        extra = []
        if place.split()[-1].lower() not in low:
            extra.append(cur_in)
        if time_phrase and time_phrase.split()[-1] not in low:
            extra.append(time_phrase)
        if weather and weather.split()[-1] not in low:
            extra.append(f"in {weather}")
        if extra:
            description = description.rstrip(".!") + ", " + ", ".join(extra) + "."
        present = [hero["name"]]
        if other is not None and (other["look"].rstrip(",") in description or who == "other" or (o and o in description)):
            present.append(other["name"])
        out.append({"panel": i, "beat": label, "description": description, "caption": caption,
                    "speech": [{"speaker": speaker["name"], "text": line}], "characters": present})
    _mention_everything(out, u, cast, hero, rng)
    if not understood and out and panels > 1:
        out[0]["caption"] = values["premise"] if values["premise"].endswith((".", "!", "?", "...")) else values["premise"] + "."
    return Script(out, [{k: e[k] for k in ("name", "role", "look", "kind", "noun")} for e in cast], "template",
                  understood=understood)


def _mention_everything(out: list[dict], u: Understanding, cast: list[dict], hero: dict, rng: np.random.Generator) -> None:
    """Every character the request names is in the first panel, and every key thing in some
    panel: what is missing is added to a description ('..., with a lost kite close by')."""
    if not out:
        return
    first = out[0]
    for e in cast[1:]:
        if e["look"].rstrip(",") not in first["description"] and e["name"].lower() not in first["description"].lower():
            first["description"] = first["description"].rstrip(".!") + f"; nearby, {e['look'].rstrip(',')}."
            if e["name"] not in first["characters"]:
                first["characters"].append(e["name"])
    text = " ".join(p["description"] + " " + p["caption"] + " " + p["speech"][0]["text"] for p in out).lower()
    for prop in u.props:
        if prop.split()[-1].lower() in text:
            continue
        p = out[min(1, len(out) - 1)]
        p["description"] = p["description"].rstrip(".!") + f", with {a(prop)} close by."
        text += " " + prop
