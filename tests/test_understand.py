"""The shared understanding of a request (studio.backends.text.understand), built on spaCy."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("spacy", reason="spaCy is a core dependency of the understanding; install it (see docs/words.md)")

from studio.backends.text import understand as un  # noqa: E402
from studio.backends.text.understand import understand  # noqa: E402


def test_lighthouse_keeper_and_whale():
    u = understand("a lighthouse keeper befriends a lonely whale during a storm")
    assert u.understood
    assert [c.noun for c in u.characters] == ["lighthouse keeper", "whale"]
    keeper, whale = u.characters
    assert (keeper.kind, keeper.label) == ("person", "Keeper")
    assert (whale.kind, whale.family, whale.attributes) == ("animal", "sea", ["lonely"])
    assert (u.goal.verb, u.goal.object, u.goal.desire) == ("befriend", "lonely whale", False)
    assert u.weather == "storm"
    assert u.setting is not None and u.setting.head == "lighthouse" and u.setting.implied


def test_plural_role_is_one_character():
    u = understand("two rival chefs compete to bake the tallest cake")
    assert len(u.characters) == 1
    chef = u.characters[0]
    assert (chef.head, chef.plural, chef.count, chef.attributes, chef.kind) == ("chef", True, 2, ["rival"], "person")
    assert (u.goal.verb, u.goal.via, u.goal.desire) == ("bake", "compete", True)
    assert u.goal.phrase == "bake the tallest cake"
    assert "tallest cake" in u.props
    assert u.obstacle == "each other"


def test_machine_with_a_role_and_a_real_place():
    u = understand("a robot gardener discovers a flower growing on Mars")
    (bot,) = u.characters
    assert (bot.noun, bot.kind, bot.role, bot.label) == ("robot gardener", "robot", "gardener", "Gardener")
    assert u.setting.head == "mars" and u.setting.proper and u.setting.prep == "on"
    assert u.props == ["flower"]
    assert u.goal.verb == "discover"


def test_names_obstacles_and_pairs():
    u = understand("Marie, a retired astronaut, learns to bake bread in Paris")
    assert u.characters[0].name == "Marie" and u.characters[0].role == "astronaut" and "retired" in u.characters[0].attributes
    assert u.setting.phrase == "Paris" and u.goal.phrase == "bake bread"
    u = understand("in a volcano, a tiny dragon is afraid of fire but must save its village")
    assert u.characters[0].kind == "creature" and u.obstacle == "afraid of fire" and u.setting.head == "volcano"
    u = understand("a grandmother and her grandson fix an old motorcycle")
    assert [c.head for c in u.characters] == ["grandmother", "grandson"] and u.props == ["old motorcycle"]


def test_verbs_the_tagger_reads_as_nouns():
    u = understand("a teapot dreams of seeing the ocean")
    assert [c.head for c in u.characters] == ["teapot"] and u.goal.verb == "see" and u.goal.via == "dream"
    u = understand("a boy and his dog search for a lost kite at the beach")
    assert [c.head for c in u.characters] == ["boy", "dog"] and u.goal.phrase == "search for a lost kite"
    assert u.setting.head == "beach"


def test_music_prompts_have_no_characters():
    u = understand("calm forest exploration at dawn")
    assert u.characters == [] and not u.understood
    assert (u.time, u.mood, u.setting.head) == ("dawn", "calm", "forest")


def test_unreadable_and_deterministic():
    u = understand("一只想飞的猫")
    assert not u.understood and u.characters == []
    a = understand("two robots fall in love in a junkyard").to_dict()
    b = understand("two  robots fall in love in a junkyard").to_dict()
    assert a == b and json.loads(json.dumps(a)) == a
    assert a["goal"]["phrase"] == "fall in love" and a["setting"]["head"] == "junkyard"


def test_word_forms():
    assert un.verb_form("bake", "VBD") == "baked" and un.verb_form("compete", "VBZ") == "competes"
    assert un.inflect_phrase("bake the tallest cake", "VBG") == "baking the tallest cake"
    assert un.plural("mouse") == "mice" and un.singular("chefs") == "chef"
    assert un.a("orange cat") == "an orange cat" and un.a("unicorn") == "a unicorn"


def test_missing_spacy_is_a_loud_error(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "spacy":
            raise ImportError("no spacy")
        return real(name, *args, **kwargs)

    un.nlp.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(un.UserError, match="pip install"):
        un.nlp()
    monkeypatch.undo()
    un.nlp.cache_clear()


def test_importing_the_reader_loads_no_language_model():
    """spaCy, lemminflect and inflect load on first use, not when studio's modules are imported
    (`studio --help`, `studio steps` stay fast)."""
    import subprocess
    import sys

    code = ("import sys, studio.backends.text.understand, studio.backends.text.story, studio.steps.text, "
            "studio.backends.audio.music.style; "
            "print([m for m in ('spacy', 'lemminflect', 'inflect', 'thinc') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
