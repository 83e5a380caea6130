"""The cast of a template script: every character the request names (and only those), each with a
speaker name and a `look`, a stable visual description that fits what it is (a robot gets metal
and an antenna, a chef a white jacket, a whale fins) and is repeated in every panel prompt.

A plural character ("two rival chefs", "twin sisters") is split into its members, each with a
name ("Chef Rosa", "Chef Marco"), so speech has real speakers."""

from __future__ import annotations

import numpy as np

from studio.backends.text.understand import Character, Understanding, a

#: every look names the body colour first, so the procedural generator (and a diffusion model)
#: draws the character in the same colour in every panel
ANIMAL_LOOKS = {
    "feline": ["small grey tabby {n} with white paws", "ginger {n} with a crooked tail", "sleek black {n} with bright green eyes", "fluffy white {n} with one brown ear"],
    "canine": ["scruffy brown {n} with floppy ears", "small white {n} with a black eye patch", "golden {n} wearing a red collar"],
    "small": ["tiny grey {n} with a pink nose", "little brown {n} with a blue scarf", "round brown {n} with a bright yellow scarf"],
    "insect": ["little yellow-and-black {n} with shiny wings", "tiny red {n} with thin curly antennae"],
    "wild": ["young brown {n} with a bushy tail", "big brown {n} with a patched ear", "lanky grey {n} with a green neckerchief"],
    "bird": ["plump grey {n} with a torn wing feather", "small black {n} with a white-tipped beak", "scruffy brown {n} with a ruffled crest"],
    "sea": ["small orange {n} with blue fins", "silver {n} with a notched fin", "bright yellow {n} with big round eyes"],
    "farm": ["spotted white {n} with a bell on its collar", "brown {n} with a blue ribbon"],
}
NOUN_LOOKS = {
    "pig": ["pink {n} with a curly tail", "muddy pink {n} with floppy ears"],
    "cow": ["spotted white {n} with a brass bell", "brown {n} with a bell on its collar"],
    "sheep": ["woolly white {n} with a black face", "fluffy white {n} with a blue ribbon"],
    "lamb": ["woolly white {n} with a black face", "fluffy white {n} with a blue ribbon"],
    "goat": ["white {n} with a little beard", "brown {n} with curly horns"],
    "fox": ["young orange {n} with a bushy tail", "sleek red {n} with a white-tipped tail"],
    "bear": ["big brown {n} with a patched ear", "shaggy brown {n} with a honey-smeared nose"],
    "panda": ["round black-and-white {n} with a bamboo stick"],
    "whale": ["huge blue-grey {n} with a scarred fin", "great dark-blue {n} with white patches on its belly"],
    "dolphin": ["sleek grey {n} with a bright curious eye", "silver-grey {n} with a nicked fin"],
    "penguin": ["small black-and-white {n} with a yellow bow tie", "round black-and-white {n} with a woolly scarf"],
    "octopus": ["purple {n} with curly tentacles", "orange {n} with big worried eyes"],
    "shark": ["grey {n} with a toothy grin", "blue-grey {n} with a bent fin"],
    "turtle": ["green {n} with a mossy shell", "old green {n} with a patterned shell"],
    "tortoise": ["old brown {n} with a mossy shell"],
    "owl": ["brown {n} with huge amber eyes", "snowy white {n} with round spectacles"],
    "frog": ["bright green {n} with golden eyes", "plump green {n} with a spotted back"],
    "snail": ["little brown {n} with a spiral shell", "tiny yellow {n} with a striped shell"],
    "mouse": ["tiny grey {n} with a pink nose", "little brown {n} with big round ears"],
    "elephant": ["grey {n} with a long wrinkled trunk", "young grey {n} with floppy ears"],
    "crab": ["red {n} with one big claw"],
    "bee": ["fuzzy yellow-and-black {n} with shiny wings"],
    "ant": ["tiny red {n} with thin antennae"],
}
CREATURE_LOOKS = {
    "dragon": ["green {n} with stubby wings", "purple {n} with golden horns", "red {n} with smoky nostrils"],
    "unicorn": ["white {n} with a silver mane", "pale pink {n} with a golden horn"],
    "ghost": ["pale see-through {n} with a wobbly smile", "misty white {n} with round dark eyes"],
    "alien": ["green {n} with three eyes and a silver suit", "blue {n} with wobbly antennae"],
    "monster": ["shaggy purple {n} with one horn", "green {n} with big floppy ears"],
    "troll": ["mossy grey {n} with a crooked nose"],
    "goblin": ["green {n} with pointed ears and a patched vest"],
    "mermaid": ["{n} with a teal tail and long coral-red hair"],
    "yeti": ["shaggy white {n} with blue feet"],
    "skeleton": ["rattly white {n} with a crooked top hat"],
    "vampire": ["pale {n} in a high-collared black cape"],
    "zombie": ["grey-green {n} in a torn suit"],
    "fairy": ["tiny {n} with glittering dragonfly wings"],
    "witch": ["{n} in a pointed purple hat and a patched cloak"],
    "wizard": ["{n} in a starry blue robe with a long white beard"],
}
#: a person's look: hair, then clothes that fit their role
HAIR = ["curly red hair", "short silver hair", "a long black braid", "messy brown hair", "spiky blond hair",
        "a neat grey bun", "short black curls", "a copper ponytail"]
OLD_HAIR = ["short silver hair", "a neat grey bun", "wispy white hair", "white hair in a bun"]
YOUNG_HAIR = ["curly red hair", "a long black braid", "messy brown hair", "spiky blond hair", "short black curls", "a copper ponytail"]
OUTFITS = {
    ("chef", "cook", "baker"): ["a white chef's jacket", "a flour-dusted apron over a striped shirt", "a red apron and rolled-up sleeves"],
    ("keeper", "sailor", "fisherman", "fisher", "captain"): ["a yellow oilskin coat", "a thick cable-knit sweater and a woollen cap", "a navy pea coat"],
    ("astronaut", "pilot", "cadet"): ["a white flight suit with mission patches", "an orange flight suit"],
    ("gardener", "farmer", "botanist", "shepherd"): ["green overalls and a straw hat", "a muddy apron and work gloves"],
    ("beekeeper", "apiarist"): ["a white smock and a veiled hat", "white overalls and a veiled hat"],
    ("detective", "spy"): ["a long tan trench coat", "a grey checked coat and a flat cap"],
    ("knight", "soldier", "squire", "guard"): ["dented silver armour and a red cloak", "a chainmail shirt and a blue tabard"],
    ("scientist", "inventor", "engineer", "professor"): ["a lab coat and brass goggles", "a tweed waistcoat and a tool belt"],
    ("mechanic", "plumber", "carpenter", "blacksmith"): ["oil-stained blue overalls", "a leather apron and rolled sleeves"],
    ("pirate",): ["a tricorn hat and a striped shirt", "a patched red coat and a bandana"],
    ("king", "queen", "prince", "princess", "emperor", "empress"): ["a small gold crown and a velvet cloak", "a silver circlet and a long blue gown"],
    ("doctor", "nurse", "surgeon", "vet", "veterinarian", "paramedic"): ["a white coat with a stethoscope", "teal scrubs"],
    ("teacher", "librarian", "writer", "author", "poet"): ["a tweed jacket and a knitted scarf", "a mustard cardigan and reading glasses"],
    ("musician", "singer", "pianist", "violinist", "guitarist", "drummer", "composer", "dancer"): ["a sequinned jacket", "a black turtleneck and a silver scarf"],
    ("painter", "artist", "sculptor", "potter"): ["a paint-spattered smock", "a beret and a paint-stained shirt"],
    ("explorer", "archaeologist", "ranger", "hunter", "climber"): ["a khaki jacket and a wide-brimmed hat", "a green parka and hiking boots"],
    ("grandmother", "grandma", "granny", "aunt", "widow"): ["a lilac cardigan and a string of beads", "a flowery dress and a woolly shawl"],
    ("grandfather", "grandpa", "uncle", "widower", "retiree"): ["a brown cardigan and a flat cap", "a tweed waistcoat and braces"],
    ("boy", "girl", "kid", "child", "grandson", "granddaughter", "son", "daughter", "student", "teen", "teenager",
     "twin", "brother", "sister", "orphan", "scout"): ["a red hoodie and sneakers", "a striped t-shirt and dungarees", "a yellow raincoat and green boots", "a blue school blazer"],
    ("ninja",): ["a black hooded suit"], ("samurai",): ["lacquered red armour"], ("cowboy", "cowgirl", "sheriff"): ["a wide hat and a leather vest"],
    ("clown", "jester"): ["a polka-dot suit and a red nose"], ("firefighter",): ["a yellow fire helmet and a heavy coat"],
    ("mayor",): ["a dark suit and a gold chain of office"], ("thief",): ["a dark cap and a striped jumper"],
}
GENERIC_OUTFITS = ["a green jacket", "a blue coat", "an orange jumper", "a red scarf and a grey coat", "a purple raincoat"]
OLD_WORDS = {"old", "elderly", "retired", "grandmother", "grandfather", "grandma", "grandpa", "granny", "widow", "widower", "retiree", "aged"}
YOUNG_WORDS = {"boy", "girl", "kid", "child", "young", "little", "grandson", "granddaughter", "student", "teen", "teenager", "baby", "toddler", "orphan", "scout"}
ROBOT_LOOKS = ["small round {n} with a dented blue shell and one antenna", "tall rusty {n} with glowing yellow eyes",
               "boxy silver {n} with a red antenna light", "slim white {n} with a green screen for a face"]
ROBOT_TOOLS = {"gardener": "a watering-can arm", "chef": "a whisk for a hand", "cook": "a whisk for a hand",
               "baker": "a whisk for a hand", "painter": "a brush for a finger", "detective": "a magnifying-glass eye",
               "doctor": "a blinking red cross on its chest", "teacher": "a chalk-holding arm", "musician": "a speaker in its chest",
               "farmer": "a straw hat on its antenna", "keeper": "a lamp on its head", "guard": "a siren on its head"}
MACHINE_LOOKS = ["battered red {n} with round headlights", "little yellow {n} with a dented bumper", "old green {n} with patched paint"]
THING_LOOKS = ["little {n} painted bright blue, with a chipped edge and a friendly face", "old brass {n} with a friendly dented face",
               "small red {n} with round button eyes"]
#: names for the members of a plural character, by kind (and by the role's gender, when it has one)
PERSON_NAMES = ["Rosa", "Marco", "Ada", "Tomas", "Imani", "Kenji", "Lena", "Omar", "Priya", "Felix", "Nadia", "Hugo",
                "Yara", "Sven", "Mei", "Diego", "Zofia", "Kwame", "Ines", "Arlo"]
FEMALE_NAMES = ["Rosa", "Ada", "Imani", "Lena", "Priya", "Nadia", "Yara", "Mei", "Zofia", "Ines"]
MALE_NAMES = ["Marco", "Tomas", "Kenji", "Omar", "Felix", "Hugo", "Sven", "Diego", "Kwame", "Arlo"]
FEMALE_ROLES = {"sister", "girl", "woman", "grandmother", "grandma", "granny", "mother", "mom", "mum", "aunt", "daughter",
                "granddaughter", "queen", "princess", "empress", "witch", "nun", "bride", "waitress", "lady", "heroine",
                "widow", "cowgirl", "actress"}
MALE_ROLES = {"brother", "boy", "man", "grandfather", "grandpa", "father", "dad", "uncle", "son", "grandson", "king",
              "prince", "emperor", "wizard", "monk", "groom", "waiter", "gentleman", "widower", "cowboy", "fisherman"}
COLOURS = {"red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey", "gray",
           "golden", "silver", "ginger", "tabby", "spotted", "black-and-white", "blue-grey", "dark-blue", "yellow-and-black",
           "silver-grey", "grey-green", "pale", "bright"}
CREATURE_NAMES = ["Pip", "Bolt", "Moss", "Ember", "Juniper", "Dot", "Rivet", "Pebble", "Clover", "Sprocket", "Fizz", "Maple"]
#: person roles that make a title before a name ("Chef Rosa", "Captain Hugo")
TITLES = {"chef", "captain", "doctor", "professor", "detective", "knight", "king", "queen", "prince", "princess",
          "mayor", "sheriff", "officer", "nurse", "pilot", "astronaut", "inventor", "baker", "keeper", "gardener",
          "farmer", "teacher", "robot", "android", "wizard", "witch", "pirate", "agent", "scientist", "sailor"}


def _pick(options: list[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


def _body(c: Character, rng: np.random.Generator, noun: str) -> str:
    """The look without its article: 'small grey tabby cat with white paws'."""
    head = c.head
    if c.kind == "animal":
        animal = next((w for w in reversed(noun.split()) if w in NOUN_LOOKS), head)
        return _pick(NOUN_LOOKS.get(animal) or ANIMAL_LOOKS.get(c.family, ANIMAL_LOOKS["wild"]), rng).format(n=noun)
    if c.kind == "creature":
        looks = CREATURE_LOOKS.get(head) or next((v for k, v in CREATURE_LOOKS.items() if k in noun.split()), None)
        return _pick(looks or ["{n} with bright curious eyes"], rng).format(n=noun)
    if c.kind == "robot":
        look = _pick(ROBOT_LOOKS, rng).format(n=noun)
        tool = ROBOT_TOOLS.get(c.role.split()[-1]) if c.role else None
        return f"{look.replace(' and ', ', ', 1)} and {tool}" if tool else look
    if c.kind == "machine":
        return _pick(MACHINE_LOOKS, rng).format(n=noun)
    if c.kind == "thing":
        return _pick(THING_LOOKS, rng).format(n=noun)
    words = set(noun.split()) | set(c.attributes)
    outfits = next((v for w in noun.split() for k, v in OUTFITS.items() if w in k), None) or GENERIC_OUTFITS
    hair = OLD_HAIR if words & OLD_WORDS else YOUNG_HAIR if words & YOUNG_WORDS else HAIR
    gender = getattr(c, "gender", None)
    if gender in ("f", "m", "n"):
        # the premise says who they are ("her goat"): the look says it too, in words a painter reads
        own = {"f": "her", "m": "his", "n": "their"}[gender]
        if gender == "m":
            hair = [x for x in hair if not any(k in x for k in ("braid", "bun", "ponytail"))] or hair
        return f"{noun} in {_pick(outfits, rng)}, with {own} {_bare(_pick(hair, rng))},"
    return f"{noun} in {_pick(outfits, rng)}, with {_pick(hair, rng)},"


def _bare(phrase: str) -> str:
    """'a neat grey bun' -> 'neat grey bun' (for 'with her neat grey bun')."""
    return phrase.split(" ", 1)[1] if phrase.split(" ", 1)[0] in ("a", "an") else phrase


def look_for(c: Character, rng: np.random.Generator, *, singular: bool = False) -> str:
    """A look with its article, the request's attributes first: 'a lonely huge blue-grey whale
    with a scarred fin', 'a robot gardener with ... and a watering-can arm'."""
    noun = c.noun
    attrs = [w for w in c.attributes if w not in noun.split() and w not in ("rival", "other")]
    body = _body(c, rng, noun)
    if any(w in COLOURS for w in attrs):  # "a golden fish" stays golden: the look's own colours go
        head, sep, tail = body.partition(noun)
        body = " ".join(w for w in head.split() if w not in COLOURS) + (" " if head.strip() else "") + sep + tail
    body = " ".join(w for w in attrs if w not in body.split()) + (" " if attrs else "") + body
    return a(" ".join(body.split()))


def _member_label(c: Character, name: str) -> str:
    head = c.head if c.kind != "robot" else "robot"
    if c.kind in ("person", "robot") and head in TITLES:
        return f"{head.capitalize()} {name}"
    return name


def build_cast(u: Understanding, rng: np.random.Generator) -> list[dict]:
    """One entry per speaking character: `{name, role, look, kind, noun, group}`; the members of a
    plural character share its `group` (its index among the request's characters)."""
    cast: list[dict] = []
    used: set[str] = set()
    for gi, c in enumerate(u.characters):
        role = "hero" if gi == 0 else ("rival" if "rival" in c.attributes else "friend")
        if c.plural and 2 <= c.count <= 3:
            pool = CREATURE_NAMES if c.kind != "person" else FEMALE_NAMES if c.head in FEMALE_ROLES else \
                MALE_NAMES if c.head in MALE_ROLES else PERSON_NAMES
            free = [n for n in pool if n not in used]
            for _k in range(c.count):
                name = free.pop(int(rng.integers(len(free))))
                used.add(name)
                label = _member_label(c, name)
                body = look_for(c, rng)
                for _ in range(6):  # members of a group do not look alike
                    if not any(body.split(" with ")[-1] in e["look"] for e in cast if e["group"] == gi):
                        break
                    body = look_for(c, rng)
                if c.kind == "person" and label.split()[0].lower() == c.head:
                    body = body.split(" in ", 1)[-1]
                    body = "in " + body
                look = f"{label}, {body.rstrip(',')},"
                cast.append({"name": label, "role": "rival" if "rival" in c.attributes else role, "look": look,
                             "kind": c.kind, "noun": c.noun, "group": gi})
            continue
        if c.plural:
            each = look_for(c, rng)
            look = f"{c.count if c.count > 3 else 'a group of'} {c.text.split(' ', 1)[-1] if c.text.split()[0].isdigit() else c.text} (each {each})"
            cast.append({"name": c.label + "s" if not c.label.endswith("s") else c.label, "role": role, "look": look,
                         "kind": c.kind, "noun": c.noun, "group": gi})
            continue
        look = look_for(c, rng)
        if c.name:
            look = f"{c.name}, {look.rstrip(',')},"
        label = c.label
        if label in used:
            label = f"{label} {len(cast) + 1}"
        used.add(label)
        cast.append({"name": label, "role": role, "look": look, "kind": c.kind, "noun": c.noun, "group": gi})
    return cast
