"""Writing a script with a small instruct LLM: free JSON generation, one retry, then guided
decoding that lets the model fill each field of a fixed JSON skeleton. The model is loaded once
through studio.models (`load_llm`)."""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import re
import time
from typing import Any

from studio.backends.text.story.repair import StoryParseError, finish_script, parse_script
from studio.backends.text.story.script import Script
from studio.backends.text.story.templates import template_script
from studio.models.loaders.llm import LLM, load_causal_lm

log = logging.getLogger("studio")

SYSTEM_PROMPT = "You are a comic-strip writer. You reply with JSON only, no other text."


def build_prompt(premise: str, panels: int, cast: list[dict[str, str]], beats: list[str], outline: list[str] | None = None) -> str:
    """The user message: the premise, the cast with their looks, the story shape and, when given,
    a one-line outline per panel (the template writer's plan), then the reply's JSON shape."""
    who = "; ".join(f"{c['name']} ({c['look']})" for c in cast)
    example = {"characters": [{"name": "...", "look": "..."}],
               "panels": [{"panel": 1, "description": "...", "caption": "...", "speech": [{"speaker": "...", "text": "..."}]}]}
    plan = ""
    if outline:
        plan = "Outline:\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(outline, start=1)) + "\n"
    return (
        f"Write a {panels}-panel comic strip for this premise: \"{premise}\"\n"
        f"Characters (keep their looks the same in every panel): {who}.\n"
        f"{plan or 'Story shape, one beat per panel: ' + ', '.join(beats) + '.' + chr(10)}"
        f"Reply with one JSON object shaped like {json.dumps(example)} with exactly {panels} panels numbered 1 to {panels}. "
        "description: what the picture shows, visual and concrete, naming the characters; "
        "caption: one short narration line; speech: one short line a character says, in their own words."
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


def _generate(llm: LLM, text: str, *, max_new_tokens: int, temperature: float, seed: int, stop_at_quote: bool = False, min_new_tokens: int = 0,
              max_time: float | None = None) -> str:
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
    if max_time is not None:
        kwargs["max_time"] = max(0.01, max_time)
    if stop_at_quote:
        kwargs["stopping_criteria"] = StoppingCriteriaList([_Quote()])
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    torch.manual_seed(int(seed) & 0xFFFFFFFF)
    with torch.inference_mode():
        out = llm.model.generate(**enc, pad_token_id=pad, **kwargs)
    return tok.decode(out[0, n_in:], skip_special_tokens=True)


#: tokens per field at most (a field usually ends sooner, at its first sentence end)
_FIELD_LIMITS = {"description": 48, "caption": 28, "text": 24}
#: tokens a field has at least (no stop or sentence end before)
_MIN_TOKENS = {"description": 5, "caption": 4, "text": 2}
#: fields that end at their first sentence end
_SENTENCE_FIELDS = ("description", "caption", "text")
#: words a cut-off field must not end on
_DANGLING = {"a", "an", "the", "and", "or", "but", "to", "of", "with", "in", "on", "at", "for", "from", "by", "as",
             "his", "her", "their", "its", "my", "your", "our", "is", "are", "was", "were", "that", "who", "which"}
#: a guided script in 'auto' decoding: models below this many parameters go straight to guided
#: decoding (their free JSON is rarely usable and costs a full reply to find out)
FREE_JSON_MIN_PARAMS = 1_000_000_000
#: seconds a model may take for a script before the template writer takes over
DEFAULT_TIME_BUDGET = 120.0


#: torch threads while a small model writes on the CPU (STUDIO_LLM_THREADS overrides; 0: torch's own)
LLM_THREADS_ENV = "STUDIO_LLM_THREADS"


@contextlib.contextmanager
def _cpu_threads(llm: LLM):
    """One torch thread while a model under FREE_JSON_MIN_PARAMS decodes on the CPU: a token of
    SmolLM2-135M took 90 ms with one thread and 360-400 ms with two on a 2-core machine that other
    processes shared (the two threads wait on each other every layer); idle, two threads gain less
    than 2x. STUDIO_LLM_THREADS=N sets the count (0: leave torch's). Restored afterwards."""
    import torch

    env = os.environ.get(LLM_THREADS_ENV, "").strip()
    want = int(env) if env.isdigit() else (1 if str(llm.device) == "cpu" and _n_params(llm) < FREE_JSON_MIN_PARAMS else 0)
    before = torch.get_num_threads()
    if want > 0 and want != before:
        torch.set_num_threads(want)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


class StoryTimeout(Exception):
    """The model ran past the script's time budget."""


class _Vocab:
    """What each token of a tokenizer looks like as text, for stop and ban decisions."""

    def __init__(self, tok: Any):
        import torch

        n = len(tok)
        self.pieces: list[str] = tok.batch_decode([[i] for i in range(n)], skip_special_tokens=False)
        special = set(getattr(tok, "all_special_ids", []) or [])
        self.stop = torch.zeros(n, dtype=torch.bool)  # ends a field: a quote, a line break, a special token
        self.ban = torch.zeros(n, dtype=torch.bool)  # never inside a value: escapes, braces, markup
        for i, piece in enumerate(self.pieces):
            if i in special or '"' in piece or "\n" in piece:
                self.stop[i] = True
            if "\\" in piece or any(c in piece for c in "{}[]<>|`*#_~"):
                self.ban[i] = True
            if not piece.strip() and piece not in (" ",):
                self.ban[i] = True  # whitespace runs
        self.ban &= ~self.stop


def _vocab(tok: Any) -> _Vocab:
    """The tokenizer's _Vocab, built once and kept on the tokenizer."""
    vocab = getattr(tok, "_studio_vocab", None)
    if vocab is None or len(vocab.pieces) != len(tok):
        vocab = _Vocab(tok)
        tok._studio_vocab = vocab
    return vocab


class GuidedDecoder:
    """Fill the values of a JSON skeleton with one model, keeping the KV cache across fields:
    the prompt is encoded once, each piece of skeleton text is fed once, and each value is
    sampled token by token (repetition penalty, no-repeat n-grams within a field and across the
    script, a stop at the closing quote or the first sentence end, a time budget)."""

    def __init__(self, llm: LLM, prompt: str, *, temperature: float = 0.7, top_p: float = 0.95, seed: int = 0,
                 repetition_penalty: float = 1.15, ngram: int = 4, field_ngram: int = 3, deadline: float | None = None):
        import torch

        self.torch = torch
        self.llm, self.tok = llm, llm.tokenizer
        self.vocab = _vocab(self.tok)
        self.temperature, self.top_p = temperature, top_p
        self.penalty, self.ngram, self.field_ngram = repetition_penalty, ngram, field_ngram
        self.deadline = deadline
        self.gen = torch.Generator().manual_seed(int(seed) & 0xFFFFFFFF)
        from transformers import DynamicCache

        self.cache = DynamicCache()
        # transformers 5.x renamed forward's past_key_values to cache
        self._cache_arg = "cache" if "cache" in inspect.signature(llm.model.forward).parameters else "past_key_values"
        self.logits: Any = None
        self.seen: set[int] = set()  # value tokens generated so far (repetition penalty)
        self.grams: dict[tuple[int, ...], set[int]] = {}  # (n-1)-token prefix -> next tokens seen, over all values
        self.sampled = 0  # tokens the model chose (for benchmarks)
        self.forwards = 0
        self._ids: list[int] = []  # sampled, not yet through the model
        self._text = ""  # skeleton text, not yet through the model
        self.feed_text(prompt)

    # -- the model -----------------------------------------------------------------------------
    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise StoryTimeout()

    def feed_text(self, text: str) -> None:
        """Queue text (skeleton or a value's tail); it is encoded with the next forward pass."""
        self._text += text

    def _flush(self) -> None:
        """One forward pass over everything queued: the last sampled token and the skeleton
        text after it go through the model together."""
        ids = self._ids + (self.tok.encode(self._text, add_special_tokens=False) if self._text else [])
        self._ids, self._text = [], ""
        self._feed(ids)

    def _feed(self, ids: list[int]) -> None:
        if not ids:
            return
        self._check_time()
        torch = self.torch
        with torch.inference_mode():
            out = self.llm.model(input_ids=torch.tensor([ids], device=self.llm.device), use_cache=True, logits_to_keep=1,
                                 **{self._cache_arg: self.cache})
        self.logits = out.logits[0, -1].float().cpu()  # the cache object was updated in place
        self.forwards += 1

    # -- sampling ------------------------------------------------------------------------------
    def _pick(self, cur: list[int], min_tokens: int) -> int:
        torch = self.torch
        logits = self.logits.masked_fill(self.vocab.ban, float("-inf"))
        if self.seen:
            idx = torch.tensor(sorted(self.seen))
            vals = logits[idx]
            logits[idx] = torch.where(vals > 0, vals / self.penalty, vals * self.penalty)
        if len(cur) < min_tokens:
            logits.masked_fill_(self.vocab.stop, float("-inf"))
        for n, grams in ((self.ngram, self.grams), (self.field_ngram, None)):
            if n < 2 or len(cur) < n - 1:
                continue
            prefix = tuple(cur[-(n - 1):])
            nxt = grams.get(prefix) if grams is not None else {cur[i + n - 1] for i in range(len(cur) - n + 1) if tuple(cur[i:i + n - 1]) == prefix}
            if nxt:
                logits[list(nxt)] = float("-inf")
        if self.temperature <= 0:
            return int(torch.argmax(logits))
        top, ids = torch.topk(logits, 64)  # nucleus sampling among the 64 likeliest tokens
        probs = torch.softmax(top / self.temperature, dim=-1)
        if self.top_p < 1.0:
            probs = torch.where(torch.cumsum(probs, 0) - probs < self.top_p, probs, torch.zeros_like(probs))
        return int(ids[torch.multinomial(probs, 1, generator=self.gen)])

    def _remember(self, cur: list[int]) -> None:
        n = self.ngram
        for i in range(len(cur) - n + 1):
            self.grams.setdefault(tuple(cur[i:i + n - 1]), set()).add(cur[i + n - 1])
        self.seen.update(cur)

    def value(self, kind: str, max_tokens: int, *, min_tokens: int = 2) -> str:
        """Sample one string value (the skeleton up to its opening quote is already fed); the
        tokens of the value are fed as they come, the closing quote is not."""
        cur: list[int] = []
        tail = ""
        for _ in range(max_tokens):
            self._flush()
            t = self._pick(cur, min_tokens)
            self.sampled += 1
            piece = self.vocab.pieces[t]
            if self.vocab.stop[t]:
                cut = re.split(r'["\n]', piece, maxsplit=1)[0] if t not in self.tok.all_special_ids else ""
                tail = cut  # the text before the quote is the value's end; the caller feeds it
                break
            cur.append(t)
            self._ids.append(t)
            text = piece.rstrip()
            if kind in _SENTENCE_FIELDS and len(cur) >= min_tokens and text.endswith((".", "!", "?")):
                break
        self._remember(cur)
        raw = self.tok.decode(cur, skip_special_tokens=True) + tail
        if tail:
            self.feed_text(tail)
        return raw

    def choose(self, options: list[str], handicap: dict[str, float] | None = None) -> str:
        """The option whose first token the model likes best, less its `handicap` in logits (the
        chosen text is then fed)."""
        self._flush()
        scores = []
        for opt in options:
            ids = self.tok.encode(opt, add_special_tokens=False)
            scores.append(float(self.logits[ids[0]]) - (handicap or {}).get(opt, 0.0) if ids else float("-inf"))
        best = options[max(range(len(options)), key=lambda i: scores[i])]
        self.feed_text(best)
        return best


def _tidy(raw: str, kind: str) -> str:
    """A clean value: no control characters or doubled spaces; a sentence field that was cut off
    loses its dangling words and gets a full stop."""
    raw = raw.replace('\\"', '"').replace("\\n", " ")
    text = " ".join("".join(ch for ch in raw if ch.isprintable()).split()).strip(" ,;:-")
    if not text:
        return text
    if not text.endswith((".", "!", "?")):
        words = text.split()
        while words and words[-1].lower().strip(",;:") in _DANGLING:
            words.pop()
        text = " ".join(words).rstrip(",;:-") + "." if words else ""
    return text[:1].upper() + text[1:]


def _looping(text: str) -> bool:
    """A value that repeats itself (the same 3 words twice)."""
    words = re.findall(r"[a-z']+", text.lower())
    grams = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    return len(grams) != len(set(grams))


def guided_script(llm: LLM, prompt: str, premise: str, panels: int, cast: list[dict[str, str]], seed: int, temperature: float,
                  budget: int | None = None, *, deadline: float | None = None, stats: dict[str, Any] | None = None) -> Script:
    """Let the model fill the values of a fixed JSON skeleton (it never writes structure), so the
    result always parses: per panel a description, a caption and one line of speech. The cast and
    their looks are given (written into the skeleton, so the model reads them), the speaker of
    each line is chosen among the cast's names by the model; empty or looping values are filled
    from the template. `budget` (tokens for the whole script) scales the per-field limits down
    (never up); `deadline` (time.monotonic()) raises StoryTimeout."""
    full = sum(_FIELD_LIMITS[k] for k in ("description", "caption", "text")) * panels
    scale = min(1.0, budget / full) if budget else 1.0
    limits = {k: max(4, int(v * scale)) for k, v in _FIELD_LIMITS.items()}
    tmpl = template_script(premise, panels, seed)
    names = [c["name"] for c in cast]
    dec = GuidedDecoder(llm, _chat_text(llm, prompt), temperature=temperature, seed=seed, deadline=deadline)
    repairs: list[str] = []

    instructions = " ".join(prompt[prompt.find("Reply with"):].lower().split())  # a value must not parrot these

    def fill(kind: str, fallback: str) -> str:
        value = _tidy(dec.value(kind, limits[kind], min_tokens=_MIN_TOKENS[kind]), kind)
        bare = " ".join(value.lower().strip(".!? ").split())
        why = "empty" if not value else "looping" if _looping(value) else "copied from the instructions" if bare in instructions else ""
        if why:
            repairs.append(f"{kind} of a panel {why}: filled from the template")
            return fallback
        return value

    people = ", ".join('{"name": ' + json.dumps(c["name"]) + ', "look": ' + json.dumps(c["look"]) + "}" for c in cast)
    dec.feed_text('{"characters": [' + people + '], "panels": [')
    out_panels: list[dict[str, Any]] = []
    spoke: list[str] = []
    for i in range(1, panels + 1):
        t = tmpl.panels[i - 1]
        dec.feed_text(("" if i == 1 else ", ") + '{"panel": ' + str(i) + ', "description": "')
        desc = fill("description", t["description"])
        dec.feed_text('", "caption": "')
        cap = fill("caption", t["caption"])
        if cap.lower() == desc.lower():  # the model's description took the outline's words: the template's picture instead
            repairs.append(f"description of panel {i} repeated its caption: filled from the template")
            desc = t["description"]
        dec.feed_text('", "speech": [{"speaker": "')
        if len(names) > 1:  # the model's choice, with a handicap for who spoke already (so the cast takes turns)
            spk = dec.choose(names, {n: 2.0 * spoke.count(n) for n in names})
            spoke.append(spk)
        else:
            spk = names[0]
            dec.feed_text(spk)
        dec.feed_text('", "text": "')
        line = fill("text", t["speech"][0]["text"] if t["speech"] else "")
        dec.feed_text('"}]}')
        out_panels.append({"panel": i, "beat": t["beat"], "description": desc, "caption": cap,
                           "speech": [{"speaker": spk, "text": line}] if line else []})
    if stats is not None:
        stats.update(sampled=dec.sampled, forwards=dec.forwards)
    return Script(out_panels, [dict(c) for c in cast], "model-guided", repairs)


def _n_params(llm: LLM) -> int:
    try:
        return sum(p.numel() for p in llm.model.parameters())
    except (AttributeError, TypeError):
        return 0


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
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    stats: dict[str, Any] | None = None,
) -> Script:
    """A script from the model: free JSON (then one retry), repaired; guided decoding when
    that fails (decoding='auto'), at once (decoding='guided', or 'auto' with a model under
    FREE_JSON_MIN_PARAMS parameters). Raises StoryParseError when decoding='free' and no reply
    could be read. When the model runs past `time_budget` seconds (None: no limit), the script
    comes from the template writer (source 'template-fallback'), announced through `warn`."""
    started = time.monotonic()
    deadline = started + time_budget if time_budget else None
    tmpl = template_script(premise, panels, seed)
    beats = [p["beat"] for p in tmpl.panels]
    prompt = build_prompt(premise, panels, tmpl.characters, beats, outline=[p["caption"] for p in tmpl.panels])
    budget = max_new_tokens or min(4096, 160 * panels + 200)
    errors: list[str] = []
    if decoding == "auto" and _n_params(llm) < FREE_JSON_MIN_PARAMS:
        decoding = "guided"
    with _cpu_threads(llm):
        return _write(llm, premise, panels, tmpl, prompt, budget, errors, seed=seed, decoding=decoding, temperature=temperature,
                      max_new_tokens=max_new_tokens, warn=warn, time_budget=time_budget, deadline=deadline, stats=stats)


def _write(llm: LLM, premise: str, panels: int, tmpl: Script, prompt: str, budget: int, errors: list[str], *, seed: int,
           decoding: str, temperature: float, max_new_tokens: int | None, warn: Any, time_budget: float | None,
           deadline: float | None, stats: dict[str, Any] | None) -> Script:
    try:
        if decoding in ("auto", "free"):
            text = _chat_text(llm, prompt)
            for attempt in range(2):
                left = deadline - time.monotonic() if deadline else None
                if left is not None and left <= 0:
                    raise StoryTimeout()
                reply = _generate(llm, text, max_new_tokens=budget, temperature=temperature if attempt == 0 else max(temperature, 0.5),
                                  seed=seed + attempt * 7919, max_time=left)
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
        script = guided_script(llm, prompt, premise, panels, tmpl.characters, seed, temperature, budget=max_new_tokens,
                               deadline=deadline, stats=stats)
    except StoryTimeout:
        message = (f"text.story: the language model ran past its time budget of {time_budget:g} s; "
                   "the script comes from the template writer instead")
        if warn is not None:
            warn(message)
        else:
            log.warning(message)
        return Script(tmpl.panels, tmpl.characters, "template-fallback", errors)
    script.repairs = errors + script.repairs
    return finish_script(script, premise, panels, seed)
