"""The nearest drawable thing for a word the archetype library does not name.

`nearest(word)` maps a noun to an archetype by meaning, from a hand-made category table
(whale -> a large sea animal, motorcycle -> a vehicle, grandmother -> an old woman) and, for
agent nouns that name a person by what they do ("keeper", "baker", "dancer"), a rule checked
with the word classes of lemminflect's lemma table (`word_classes`). It returns (archetype, variant, via) where `via` names the
category ("sea animal", "vehicle", "person") for the `drawn` report, or None when nothing is
near (the caller then draws a labelled placeholder and says so).

Hand-made on purpose: WordNet is not installed here and the small spaCy pipeline has no word
vectors; the table covers what premises and game jams name (measured by benchmarks/drawn.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

#: category -> (archetype, variant, words). The category is what the report says a word was
#: drawn as ("whale" -> "whale (sea animal)").
_CATEGORIES: list[tuple[str, str, dict[str, Any], str]] = [
    # people by family role, age and trade
    ("person", "person", {"old": True, "sex": "f"}, "grandmother granny grandma nana gran"),
    ("person", "person", {"old": True, "sex": "m", "beard": True}, "grandfather grandad granddad grandpa gramps"),
    ("person", "person", {"child": True, "sex": "m"}, "grandson son nephew schoolboy"),
    ("person", "person", {"child": True, "sex": "f"}, "granddaughter daughter niece schoolgirl"),
    ("person", "person", {"child": True}, "toddler infant orphan grandchild grandkid pupil youngster kiddo twin sibling "
                                          "teenager teen cousin"),
    ("person", "person", {"sex": "f"}, "mother mom mum mommy mummy sister aunt wife bride widow actress dancer ballerina "
                                       "singer diva"),
    ("person", "person", {"sex": "m"}, "father dad daddy brother uncle husband groom widower actor"),
    ("person", "person", {}, "parent partner rival neighbour neighbor classmate roommate colleague mayor clerk "
                             "volunteer champion contestant competitor opponent owner visitor guest host "
                             "lover fan celebrity star-athlete detective-partner poet novelist author writer artist "
                             "painter sculptor photographer designer architect engineer programmer coder hacker "
                             "journalist librarian historian archaeologist astronomer biologist chemist physicist "
                             "professor tutor principal coach referee umpire dentist surgeon vet veterinarian "
                             "pharmacist cashier shopkeeper merchant trader vendor peddler salesman saleswoman "
                             "tailor seamstress florist jeweller jeweler potter weaver carpenter blacksmith smith "
                             "plumber electrician janitor cleaner courier postman mailman postwoman delivery "
                             "butler maid servant nanny babysitter lifeguard diver swimmer surfer skater skateboarder "
                             "runner climber skier cyclist biker boxer wrestler dancer juggler clown acrobat "
                             "magician-assistant ringmaster mime comedian drummer guitarist pianist violinist "
                             "composer conductor dj rapper baker butcher grocer barista keeper caretaker watchman "
                             "shepherd herder beekeeper zookeeper ranger-girl lumberjack miner prospector "
                             "hermit monkey-keeper nomad refugee immigrant sailor-girl deckhand stowaway navigator "
                             "pilot-girl aviator astronaut-girl cadet recruit general admiral commander sergeant "
                             "lieutenant emperor empress duke duchess lord noble knight-errant squire jester bard "
                             "minstrel herald monarch sultan pharaoh chieftain chief warlord tribesman villager-girl "
                             "cop-partner inspector investigator sleuth lawyer judge politician president senator "
                             "banker accountant manager employee intern boss-lady teammate squad team gang crew "
                             "villagers townsfolk audience kids children adults teachers students"),
    # animals by kind
    ("large sea animal", "whale", {}, "whale orca narwhal walrus manatee dugong"),
    ("sea animal", "fish", {}, "dolphin porpoise shark eel seahorse tuna cod trout swordfish stingray ray piranha "
                               "minnow anchovy sardine clownfish"),
    ("sea creature", "octopus", {}, "octopus squid kraken jellyfish jelly-fish cuttlefish"),
    ("shellfish", "crab", {}, "crab lobster shrimp prawn crayfish scorpion"),
    ("large sea animal", "whale", {"seal": True}, "seal sea-lion"),
    ("horse", "horse", {}, "horse pony stallion mare foal donkey mule zebra unicorn pegasus camel llama alpaca "
                           "deer reindeer elk moose stag antelope gazelle giraffe kangaroo"),
    ("big cat", "cat", {"big": True}, "lion lioness tiger leopard cheetah panther jaguar cougar lynx"),
    ("large animal", "bear", {}, "elephant mammoth rhino rhinoceros hippo hippopotamus gorilla ape buffalo bison "
                                 "yak polar-bear"),
    ("small animal", "mouse", {}, "squirrel chipmunk hedgehog mole badger raccoon possum opossum skunk weasel ferret "
                                  "beaver otter guinea-pig bat sloth koala lemur meerkat armadillo"),
    ("monkey", "monkey", {}, "monkey chimp chimpanzee baboon orangutan"),
    ("bird", "bird", {}, "penguin hen rooster chick goose swan flamingo peacock pelican stork heron crane hawk falcon "
                         "vulture condor albatross puffin toucan hummingbird magpie finch canary dove phoenix "
                         "turkey ostrich emu woodpecker kingfisher cockatoo macaw"),
    ("insect", "bug", {}, "bee bumblebee wasp butterfly moth ant beetle ladybug ladybird spider firefly "
                          "dragonfly grasshopper cricket caterpillar worm snail slug mosquito cockroach"),
    ("reptile", "lizard", {}, "lizard snake serpent crocodile alligator gecko iguana chameleon salamander newt "
                              "python cobra viper komodo"),
    ("dog", "dog", {}, "wolf coyote jackal hyena poodle terrier beagle labrador retriever bulldog dalmatian husky corgi"),
    ("cat", "cat", {}, "tomcat kitty-cat"),
    ("monster", "monster", {}, "ogre giant titan cyclops minotaur golem gargoyle werewolf kraken-monster beast-man "
                               "banshee wraith specter-knight creature-thing hydra chimera basilisk griffin gryphon "
                               "fairy pixie sprite-fairy gnome dwarf imp-lord mermaid merman centaur sphinx"),
    ("robot", "robot", {}, "machine-man automaton-man"),
    # vehicles
    ("vehicle", "motorcycle", {}, "motorcycle motorbike scooter moped chopper dirtbike"),
    ("vehicle", "motorcycle", {"bicycle": True}, "bicycle bike tricycle unicycle"),
    ("vehicle", "car", {}, "tractor ambulance limo limousine minivan pickup lorry tram trolley bulldozer "
                           "excavator forklift tank racecar race-car go-kart kart wagon carriage cart "
                           "sleigh sled train locomotive subway"),
    ("aircraft", "rocket", {}, "airplane aeroplane plane jet helicopter airship zeppelin glider spacecraft-ship "
                               "satellite drone"),
    ("boat", "boat", {}, "submarine ferry steamboat kayak rowboat dinghy gondola tugboat barge ark lifeboat"),
    # structures, furniture, machines
    ("building", "house", {}, "bakery school church temple shrine chapel cathedral museum hospital station factory "
                              "warehouse mill windmill farmhouse mansion villa skyscraper hotel motel restaurant "
                              "cafe diner store supermarket market-hall garage workshop lab observatory stable "
                              "kennel shed greenhouse igloo pagoda"),
    ("tower", "tower", {}, "lighthouse belltower clocktower watchtower chimney pillar column obelisk statue monument "
                           "totem"),
    ("door", "door", {}, "door doorway portal entrance trapdoor hatch"),
    ("gate", "gate", {}, "gate portcullis fence railing"),
    ("bridge", "bridge", {}, "bridge footbridge drawbridge"),
    ("table", "table", {}, "table desk workbench counter bench stool chair throne sofa couch bed altar"),
    ("machine", "machine", {}, "machine computer laptop tablet phone smartphone radio television tv screen monitor "
                               "oven stove fridge refrigerator microwave toaster engine generator printer "
                               "robot-arm device gadget contraption invention console arcade jukebox clock "
                               "camera telescope microscope"),
    ("instrument", "guitar", {}, "guitar violin cello ukulele banjo lute harp bass fiddle"),
    ("instrument", "drum", {}, "drum drums piano keyboard trumpet saxophone flute horn-instrument"),
    # things
    ("spell", "fireball", {}, "fireball flame fire inferno-spell spell magic-missile meteor comet"),
    ("spell", "fireball", {"element": "ice"}, "frostbolt iceball snowball ice-spell"),
    ("spell", "fireball", {"element": "lightning"}, "lightning-bolt thunderbolt bolt-spell zap spark"),
    ("spell", "fireball", {"element": "heal"}, "heal healing cure blessing aura"),
    ("frame", "frame", {}, "frame ui hud button panel-frame window-frame menu dialog dialogue banner sign signpost "
                           "board noticeboard blackboard whiteboard poster-board healthbar"),
    ("weapon", "sword", {}, "spear lance trident pike halberd sickle scythe"),
    ("weapon", "bow", {}, "slingshot"),
    ("weapon", "hammer", {}, "wrench spanner screwdriver tool tools toolbox pliers saw shovel spade rake hoe pickaxe "
                             "pick"),
    ("plant", "flower", {}, "plant seedling sprout weed herb vine orchid lotus tulip-bed flowerbed garden-flower "
                            "dandelion poppy clover"),
    ("plant", "tree", {}, "hedge forest-tree bamboo"),
    ("food", "bread", {}, "cake cupcake cookie biscuit muffin croissant pastry donut doughnut pancake waffle pizza "
                          "sandwich burger hamburger pie tart dessert candy chocolate soup stew noodle noodles rice "
                          "cheese egg eggs"),
    ("food", "apple", {}, "acorn nut chestnut banana grape grapes lemon lime peach plum melon watermelon pumpkin carrot potato onion "
                          "vegetable vegetables corn strawberry"),
    ("container", "crate", {}, "suitcase luggage basket bucket pot cauldron jar box-of cardboard"),
    ("light", "torch", {}, "lamp flashlight lightbulb bulb candlelight lamplight"),
    ("jewel", "gem", {}, "treasure-gem pearl shell seashell"),
    ("young animal", "bear", {"cub": True}, "cub"),
    ("young animal", "dog", {}, "pup"),
    ("paper", "scroll", {}, "letter-paper newspaper ticket card postcard recipe invitation photograph photo picture "
                            "drawing-paper page"),
    ("wings", "kite", {"wings": True}, "wings wing umbrella parachute"),
    ("rock", "rock", {}, "meteorite asteroid fossil bone bones"),
    ("cup", "cup", {}, "bowl plate glass kettle honey jam milk juice soda lemonade"),
    ("ball", "balloon", {"ball": True}, "ball football soccer-ball basketball"),
    ("toy", "bear", {"toy": True}, "toy doll puppet teddy-bear plush"),
]

NEAREST: dict[str, tuple[str, dict[str, Any], str]] = {}
for _cat, _arch, _variant, _words in _CATEGORIES:
    for _w in _words.split():
        NEAREST.setdefault(_w, (_arch, dict(_variant), _cat))

#: looks for agent nouns (the trade dresses the person)
AGENT_LOOKS: dict[str, dict[str, Any]] = {
    "keeper": {"hat": "cap", "coat": (40, 60, 110)},
    "baker": {"hat": "toque", "uniform": (244, 244, 240)}, "butcher": {"uniform": (240, 240, 236)},
    "librarian": {"glasses": True, "suit": True}, "professor": {"glasses": True, "suit": True},
    "painter": {"hat": "beret"}, "artist": {"hat": "beret"}, "dancer": {"dress": True},
    "ballerina": {"dress": True, "sex": "f"}, "lumberjack": {"beard": True, "sex": "m"},
    "diver": {"uniform": (40, 50, 70)}, "lifeguard": {"uniform": (220, 50, 40)},
    "mayor": {"suit": True, "hat": "tophat"}, "shepherd": {"hat": "straw"}, "beekeeper": {"hat": "straw"},
    "zookeeper": {"hat": "safari"}, "engineer": {"hat": "helmet"}, "miner": {"hat": "helmet"},
    "plumber": {"uniform": (60, 90, 140), "hat": "cap"}, "electrician": {"hat": "helmet"},
    "surgeon": {"labcoat": True}, "dentist": {"labcoat": True}, "vet": {"labcoat": True}, "veterinarian": {"labcoat": True},
    "chemist": {"labcoat": True, "glasses": True}, "biologist": {"labcoat": True}, "astronomer": {"glasses": True},
    "archaeologist": {"hat": "safari"}, "emperor": {"hat": "crown", "cape": True}, "empress": {"hat": "crown", "cape": True, "sex": "f"},
    "duke": {"cape": True}, "duchess": {"dress": True, "sex": "f"}, "jester": {"hat": "jester"}, "general": {"hat": "cap", "uniform": (96, 110, 70)},
    "admiral": {"hat": "cap", "uniform": (30, 40, 80)}, "archer": {"holds": "bow", "hood": True},
    "swordsman": {"holds": "sword"}, "blacksmith": {"holds": "hammer", "uniform": (90, 70, 60)},
    "smith": {"holds": "hammer"}, "carpenter": {"holds": "hammer"}, "mechanic": {"holds": "hammer", "uniform": (60, 90, 140)},
    "judge": {"uniform": (30, 30, 36)}, "waiter": {"suit": True}, "barista": {"uniform": (120, 84, 50)},
    "clown": {"hat": "tophat", "uniform": (230, 60, 60)}, "skier": {"hat": "beanie"}, "grocer": {"uniform": (240, 240, 236)},
}
#: agent-noun endings; a word with one of these names a person when its stem is a verb or noun
#: in lemminflect's dictionary and the word is not a thing ("computer", "water", "tower")
_AGENT_ENDS = ("er", "or", "ist", "ian", "ess", "man", "woman", "eer")
_NOT_AGENTS = {
    "computer", "water", "tower", "flower", "letter", "paper", "river", "winter", "summer", "number", "corner",
    "monster", "ladder", "hammer", "dinner", "silver", "october", "november", "december", "september", "mirror",
    "printer", "heater", "blender", "toaster", "cooler", "container", "trailer", "speaker", "tractor", "elevator",
    "refrigerator", "freezer", "sticker", "poster", "timer", "charger", "sweater", "slipper", "locker", "folder",
    "filter", "sugar", "butter", "pepper", "burger", "cucumber", "lobster", "oyster", "otter", "beaver", "spider",
    "tiger", "panther", "rooster", "hamster", "vulture", "alligator", "crater", "thunder", "weather", "anger",
    "danger", "power", "order", "border", "chamber", "cellar", "pillar", "altar", "door", "floor", "error", "mister",
    "other", "either", "another", "together", "whether", "rather", "never", "ever", "over", "under", "after",
    "matter", "master", "monitor", "motor", "actor", "generator", "calculator", "radiator", "ventilator", "reactor",
    "corridor", "meteor", "mayor", "tremor", "harbour", "harbor", "colour", "color", "flavor", "humor", "honor",
    "mess", "dress", "address", "fortress", "mattress", "business", "wilderness", "darkness", "happiness", "lioness",
    "chess", "press", "jumper", "trainer", "trainers", "sneaker", "loafer", "blazer", "sweeper",
    "boxer-shorts", "suspender", "diaper", "pacifier", "shutter", "gutter", "ledger", "ember", "lumber", "woman", "human", "german", "ocean", "organ", "caravan", "van", "snowman", "shaman",
    "iceman", "pecan", "guardian", "lantern", "engineer-thing", "career", "volunteer-work", "deer", "beer", "steer",
    "pioneer-town", "cheer", "peer", "veneer", "rocker", "marker", "scooter", "helicopter", "diver-thing",
    "boulder", "shoulder", "feather", "leather", "finger", "ginger", "burner", "banner", "manner", "partner-thing",
    "laser", "racer-car", "wonder", "thunderstorm", "disaster", "character", "cylinder", "calendar", "cracker",
    "hunger", "anchor", "mentor-thing", "vapor", "vapour", "armor", "armour", "sailor-suit", "platter", "bitter",
    "litter", "glitter", "shelter", "theater", "theatre", "centre", "center", "meter", "metre", "liter", "litre",
}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    """word -> its word classes ("NOUN", "VERB", "ADJ", ...), from the lemma table that ships in
    the lemminflect wheel (read directly: importing lemminflect imports spaCy, seconds of start-up).
    Empty when lemminflect is not installed (then only the hand-made tables answer)."""
    import csv
    import gzip
    import importlib.util

    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "lemma_lu.csv.gz"
    if not path.is_file():
        return {}
    table: dict[str, set[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) >= 3:
                table.setdefault(row[0], set()).add(row[1].upper())
                if row[1] == "verb":
                    _VERB_LEMMAS.setdefault(row[0], row[2].split("/")[0])
    return {w: frozenset(c) for w, c in table.items()}


_VERB_LEMMAS: dict[str, str] = {}


def verb_lemma(word: str) -> str | None:
    """The verb a form belongs to ("jumps", "jumped", "jumping" -> "jump"), or None."""
    _lexicon()
    return _VERB_LEMMAS.get(word.lower())


def word_classes(word: str) -> frozenset[str]:
    """The word classes a word can have ("NOUN", "VERB", "ADJ", ...); empty when unknown."""
    return _lexicon().get(word.lower(), frozenset())


def _agent(word: str) -> bool:
    if word in _NOT_AGENTS or len(word) < 5 or not word.endswith(_AGENT_ENDS):
        return False
    classes = word_classes(word)
    if not classes or classes - {"NOUN"}:
        return False  # unknown, or also a verb or adjective ("water", "other")
    for end in _AGENT_ENDS:
        if word.endswith(end):
            stem = word[: -len(end)]
            for cand in (stem, stem + "e", stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else stem, stem + "y"):
                if cand and len(cand) >= 3 and word_classes(cand):
                    return True
    return False


@lru_cache(maxsize=4096)
def nearest(word: str) -> tuple[str, dict[str, Any], str] | None:
    """(archetype, variant, category) for a word the library does not name, or None."""
    w = word.lower().strip()
    if w in NEAREST:
        arch, variant, cat = NEAREST[w]
        look = AGENT_LOOKS.get(w)
        return arch, {**variant, **(look or {})}, cat
    if _agent(w):
        return "person", dict(AGENT_LOOKS.get(w, {})), "person"
    if "-" in w:  # "sea-lion", "race-car": the last part
        return nearest(w.rsplit("-", 1)[1])
    for end, repl in (("ies", "y"), ("ves", "f"), ("es", ""), ("s", "")):  # "squirrels", "cupcakes", "wolves"
        if w.endswith(end) and len(w) > len(end) + 2 and not w.endswith("ss"):
            hit = nearest(w[: -len(end)] + repl)
            if hit is not None:
                return hit
    return None


def role_look(word: str) -> dict[str, Any] | None:
    """The look a role word gives whoever it describes ("archer" -> holds a bow), or None when
    the word is not a role (a person word)."""
    hit = nearest(word)
    if hit is None or hit[0] != "person":
        return None
    return dict(hit[1])
