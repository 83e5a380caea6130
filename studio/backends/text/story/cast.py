"""The cast of a template script: the hero (from the premise) and a helper, each with a `look`,
a stable visual description repeated in every panel prompt."""

from __future__ import annotations

import numpy as np

from studio.backends.text.story.grammar import _article, _cap
from studio.backends.text.story.premise import Premise, _category

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
