"""Every builtin recipe loads and validates, so recipes cannot rot."""

from __future__ import annotations

import pytest

import studio
from studio.engine.recipe import builtin_recipes

RECIPES = sorted(builtin_recipes())


@pytest.mark.parametrize("name", RECIPES)
def test_builtin_recipe_validates(name):
    p = studio.load_recipe(name)
    assert p.name == name
    assert p.description, f"recipe {name} needs a description"
    assert p.outputs, f"recipe {name} declares no outputs"


def test_list_recipes_has_descriptions():
    recipes = studio.list_recipes()
    assert "contact-sheet" in recipes
    assert all(recipes.values())
