"""The template writer: `template_script` writes an N-panel script with no model, from the beats
of an arc filled from the premise, with seeded choices of wording, looks and a helper."""

from __future__ import annotations

import re

import numpy as np

from studio.backends.text.story.beats import _BEATS, _INTRODUCES_HELPER, _SHOWS_HELPER, _arc
from studio.backends.text.story.cast import build_cast
from studio.backends.text.story.grammar import _cap, _infinitive_from_third, _past
from studio.backends.text.story.motifs import _GENERIC, _motif
from studio.backends.text.story.premise import _PLACE_WORDS, analyse_premise
from studio.backends.text.story.script import Script
from studio.engine.errors import InputError

_DEFAULT_PLACES = {
    "feline": "a quiet town of tiled rooftops", "canine": "a busy little town", "small": "a cosy old house",
    "wild": "a deep green forest", "bird": "a windy seaside town", "sea": "a bright coral reef", "fantasy": "a misty mountain valley",
    "farm": "a sunny farm", "robot": "a sprawling neon city", "person": "a small seaside town", "thing": "a cluttered workshop",
}


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
