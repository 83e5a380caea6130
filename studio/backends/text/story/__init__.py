"""Panel-by-panel comic scripts from a premise.

Three parts, usable on their own:

- `analyse_premise` sums up the shared understanding of a premise (studio.backends.text.understand):
  the hero, their goal or action and the place ("a cat who wants to fly", "Marie, a retired
  astronaut, learns to bake bread in Paris").
- `template_script` writes an N-panel script with no model about the request's own characters,
  goal, obstacle, setting, time and weather: kishotenketsu for 4 panels,
  setup/confrontation/resolution for 3, longer arcs for 5-12, a single gag panel for 1; beats and
  lines drawn from pools keyed by the kind of story, seeded.
- `parse_script` reads a language model's reply: plain JSON, JSON in markdown fences, JSON
  followed by prose, truncated JSON, trailing commas, Python-style quotes; it renumbers panels,
  cuts extra panels, and rejects what cannot be read with a `StoryParseError` that says why.
- `generate_script` drives a small instruct LLM (transformers causal LM, loaded once through the
  model manager): free JSON generation, one retry, then guided decoding that lets the model fill
  each field of a fixed JSON skeleton, so the result always parses.

A script is a list of panels `{"panel", "beat", "description", "caption", "speech": [{"speaker",
"text"}], "characters": [names]}` plus a cast `[{"name", "role", "look"}]` whose `look` is a stable
visual description to repeat in every image prompt.

Modules, each importing only those listed before it: `premise` (cleaning and summing up a
premise), `cast` (the request's characters, named, with looks that fit their kind), `pools` (beat
words by kind of story), `beats` (arcs), `script` (the `Script` type), `templates` (the
template writer), `repair` (reading and repairing a model's reply), `llm` (writing with a model;
loading lives in studio.models.loaders.llm).
"""

from studio.backends.text.story.cast import build_cast
from studio.backends.text.story.llm import (
    LLM,
    SYSTEM_PROMPT,
    build_prompt,
    generate_script,
    guided_script,
    load_llm,
)
from studio.backends.text.story.premise import (
    ANALYSIS_MAX,
    PREMISE_MAX,
    Premise,
    analyse_premise,
    clean_premise,
)
from studio.backends.text.story.repair import (
    StoryParseError,
    finish_script,
    normalise_panels,
    parse_script,
)
from studio.backends.text.story.script import Script
from studio.backends.text.story.templates import template_script

__all__ = [
    "ANALYSIS_MAX", "PREMISE_MAX", "Premise", "clean_premise", "analyse_premise", "build_cast", "Script",
    "template_script", "StoryParseError", "normalise_panels", "parse_script", "finish_script",
    "SYSTEM_PROMPT", "build_prompt", "LLM", "load_llm", "guided_script", "generate_script",
]
