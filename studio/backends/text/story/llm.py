"""Writing a script with a small instruct LLM: free JSON generation, one retry, then guided
decoding that lets the model fill each field of a fixed JSON skeleton. The model is loaded once
through studio.models (`load_llm`)."""

from __future__ import annotations

import json
import re
from typing import Any

from studio.backends.text.story.repair import StoryParseError, finish_script, parse_script
from studio.backends.text.story.script import Script
from studio.backends.text.story.templates import template_script
from studio.models.loaders.llm import LLM, load_causal_lm

SYSTEM_PROMPT = "You are a comic-strip writer. You reply with JSON only, no other text."


def build_prompt(premise: str, panels: int, cast: list[dict[str, str]], beats: list[str]) -> str:
    who = "; ".join(f"{c['name']}: {c['look']}" for c in cast[:1])
    example = {"characters": [{"name": "...", "look": "..."}],
               "panels": [{"panel": 1, "description": "...", "caption": "...", "speech": [{"speaker": "...", "text": "..."}]}]}
    return (
        f"Write a {panels}-panel comic strip for this premise: \"{premise}\"\n"
        f"Main character (keep this look the same in every panel): {who}.\n"
        f"Story shape, one beat per panel: {', '.join(beats)}.\n"
        f"Reply with one JSON object shaped like {json.dumps(example)} with exactly {panels} panels numbered 1 to {panels}. "
        "description: what the picture shows, visual and concrete, naming each character by their look; "
        "caption: one short narration line; speech: zero to two short lines."
    )


def load_llm(resolved: Any, *, device: str = "auto", dtype: str = "auto") -> LLM:
    """The causal LM of `resolved`, loaded once per process (see studio.models.loaders.llm)."""
    return load_causal_lm(resolved, device=device, dtype=dtype)


def _chat_text(llm: LLM, user: str) -> str:
    tok = llm.tokenizer
    if getattr(tok, "chat_template", None):
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return f"{SYSTEM_PROMPT}\n\n{user}\n\n"


def _generate(llm: LLM, text: str, *, max_new_tokens: int, temperature: float, seed: int, stop_at_quote: bool = False, min_new_tokens: int = 0) -> str:
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    tok = llm.tokenizer
    enc = tok(text, return_tensors="pt", add_special_tokens=False).to(llm.device)
    n_in = enc["input_ids"].shape[1]

    class _Quote(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):  # noqa: ANN001
            new = tok.decode(input_ids[0, n_in:], skip_special_tokens=True)
            return bool(re.search(r'(?<!\\)"|\n', new))

    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "min_new_tokens": min_new_tokens}
    if temperature > 0:
        kwargs.update(do_sample=True, temperature=temperature, top_p=0.95)
    else:
        kwargs.update(do_sample=False)
    if stop_at_quote:
        kwargs["stopping_criteria"] = StoppingCriteriaList([_Quote()])
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    torch.manual_seed(int(seed) & 0xFFFFFFFF)
    with torch.inference_mode():
        out = llm.model.generate(**enc, pad_token_id=pad, **kwargs)
    return tok.decode(out[0, n_in:], skip_special_tokens=True)


_FIELD_LIMITS = {"look": 40, "description": 80, "caption": 40, "speaker": 8, "text": 32}


def _value(raw: str) -> str:
    m = re.search(r'(?<!\\)"|\n', raw)
    raw = raw[: m.start()] if m else raw
    raw = raw.replace('\\"', '"').replace("\\n", " ")
    raw = "".join(ch for ch in raw if ch.isprintable())
    return " ".join(raw.split())


def guided_script(llm: LLM, prompt: str, premise: str, panels: int, cast: list[dict[str, str]], seed: int, temperature: float,
                  budget: int | None = None) -> Script:
    """Let the model fill each field of a fixed JSON skeleton (it never writes structure), so
    the result always parses; empty fields are filled from the template. `budget` (tokens for
    the whole script) scales the per-field limits down (never up)."""
    full = sum(_FIELD_LIMITS[k] for k in ("description", "caption", "speaker", "text")) * panels + _FIELD_LIMITS["look"]
    scale = min(1.0, budget / full) if budget else 1.0
    limits = {k: max(4, int(v * scale)) for k, v in _FIELD_LIMITS.items()}
    tmpl = template_script(premise, panels, seed)
    text = _chat_text(llm, prompt)
    hero = cast[0]
    head = '{"characters": [{"name": ' + json.dumps(hero["name"]) + ', "look": "'
    repairs: list[str] = []
    step = [0]

    def fill(prefix: str, kind: str, fallback: str) -> str:
        step[0] += 1
        raw = _generate(llm, text + prefix, max_new_tokens=limits[kind], temperature=temperature,
                        seed=seed * 1009 + step[0], stop_at_quote=True)
        value = _value(raw)
        if not value:
            repairs.append(f"empty {kind} filled from the template")
            return fallback
        return value

    look = fill(head, "look", hero["look"])
    doc = head + json.dumps(look)[1:-1] + '"}], "panels": ['
    out_panels = []
    for i in range(1, panels + 1):
        t = tmpl.panels[i - 1]
        doc += ("" if i == 1 else ", ") + '{"panel": ' + str(i) + ', "description": "'
        desc = fill(doc, "description", t["description"])
        doc += json.dumps(desc)[1:-1] + '", "caption": "'
        cap = fill(doc, "caption", t["caption"])
        doc += json.dumps(cap)[1:-1] + '", "speech": [{"speaker": "'
        spk = fill(doc, "speaker", t["speech"][0]["speaker"])
        doc += json.dumps(spk)[1:-1] + '", "text": "'
        line = fill(doc, "text", t["speech"][0]["text"])
        doc += json.dumps(line)[1:-1] + '"}]}'
        out_panels.append({"panel": i, "beat": t["beat"], "description": desc, "caption": cap, "speech": [{"speaker": spk, "text": line}]})
    doc += "]}"
    json.loads(doc)  # the skeleton is valid JSON by construction
    cast_out = [{"name": hero["name"], "role": "hero", "look": look}] + cast[1:]
    return Script(out_panels, cast_out, "model-guided", repairs)


def generate_script(
    llm: LLM,
    premise: str,
    panels: int,
    *,
    seed: int = 0,
    decoding: str = "auto",
    temperature: float = 0.7,
    max_new_tokens: int | None = None,
    warn: Any = None,
) -> Script:
    """A script from the model: free JSON (then one retry), repaired; guided decoding when
    that fails (decoding='auto') or at once (decoding='guided'). Raises StoryParseError when
    decoding='free' and no reply could be read."""
    tmpl = template_script(premise, panels, seed)
    beats = [p["beat"] for p in tmpl.panels]
    prompt = build_prompt(premise, panels, tmpl.characters, beats)
    budget = max_new_tokens or min(4096, 160 * panels + 200)
    errors: list[str] = []
    if decoding in ("auto", "free"):
        text = _chat_text(llm, prompt)
        for attempt in range(2):
            reply = _generate(llm, text, max_new_tokens=budget, temperature=temperature if attempt == 0 else max(temperature, 0.5), seed=seed + attempt * 7919)
            try:
                script = parse_script(reply, panels, allow_fewer=True)
            except StoryParseError as exc:
                errors.append(f"try {attempt + 1}: {exc}")
                continue
            if len(script.panels) * 2 >= panels or decoding == "free":
                script.repairs = [f"try {attempt + 1}"] + script.repairs if attempt else script.repairs
                return finish_script(script, premise, panels, seed)
            errors.append(f"try {attempt + 1}: only {len(script.panels)} of {panels} panels")
        if decoding == "free":
            raise StoryParseError("the model gave no usable script: " + "; ".join(errors))
        if warn is not None:
            warn("text.story: the model's free-form replies were not usable (" + "; ".join(errors) + "); using guided decoding")
    script = guided_script(llm, prompt, premise, panels, tmpl.characters, seed, temperature, budget=max_new_tokens)
    script.repairs = errors + script.repairs
    return finish_script(script, premise, panels, seed)
