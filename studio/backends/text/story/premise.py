"""Reading a premise: `clean_premise` (whitespace, length) and `analyse_premise`, a summary of the
shared understanding (studio.backends.text.understand) in the shape the story step reports: the
hero, their goal or action and the place ("a cat who wants to fly", "Marie, a retired astronaut,
learns to bake bread in Paris")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from studio.backends.text.understand import understand, verb_form
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


@dataclass
class Premise:
    text: str  # the (trimmed) premise
    parsed: bool  # the request was understood (a character and what they want or do)
    hero_noun: str  # "cat", "lighthouse keeper", "robots"
    hero_name: str | None  # a proper name when the premise gives one
    plural: bool
    kind: str  # desire | action | none
    goal_inf: str  # "fly", "bake bread"
    goal_ing: str  # "flying"
    action: str  # "finds a message in a bottle" (3rd person, action kind)
    place: str | None  # "in a junkyard", "in Paris"
    category: str  # the hero's kind: person, animal, robot, creature, machine, thing
    count: str = ""  # "two" for "two robots ..."


def analyse_premise(text: str) -> Premise:
    """The hero, goal or action and place of a premise, read by the shared understanding."""
    premise, _ = clean_premise(text)
    u = understand(premise)
    none = Premise(premise, False, "hero", None, False, "none", "", "", "", None, "person")
    if not u.characters:
        return none
    c = u.characters[0]
    hero_noun = c.noun if not c.plural else " ".join(c.noun.split()[:-1] + [c.text.split()[-1]])
    g = u.goal
    kind = "none" if g is None else "desire" if g.desire else "action"
    goal_inf = g.phrase if g else ""
    goal_ing = (verb_form(goal_inf.split()[0], "VBG") + goal_inf[len(goal_inf.split()[0]):]) if goal_inf else ""
    action = ""
    if g is not None and not g.desire:
        action = (verb_form(g.verb, "VB" if c.plural else "VBZ") + g.phrase[len(g.verb):]) if goal_inf else ""
    place = None
    if u.setting is not None and not u.setting.implied:
        place = f"{u.setting.prep} {u.setting.phrase}"
    count = {2: "two", 3: "three", 4: "four"}.get(c.count, "") if c.plural else ""
    return Premise(premise, u.understood, hero_noun, c.name, c.plural, kind, goal_inf, goal_ing, action, place, c.kind, count)
