"""Reading a language model's reply as a script: `parse_script` finds and repairs the JSON
(markdown fences, prose around it, trailing commas, smart or Python-style quotes, truncation),
`normalise_panels` maps its keys, and `finish_script` fills what is missing from the template."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from studio.backends.text.story.script import Script
from studio.backends.text.story.templates import template_script
from studio.engine.errors import StepError


class StoryParseError(StepError):
    """A model's reply could not be read as a panel script."""


_FENCE = re.compile(r"```[ \t]*(?:json|JSON|js|javascript)?[ \t]*\n?(.*?)(?:```|$)", re.S)


def _json_region(text: str) -> str | None:
    fenced = [m.group(1) for m in _FENCE.finditer(text) if re.search(r"[\[{]", m.group(1) or "")]
    body = fenced[0] if fenced else text
    starts = [i for i in (body.find("["), body.find("{")) if i >= 0]
    if not starts:
        return None
    return body[min(starts):]


def _close_truncated(s: str) -> list[str]:
    """Candidate repairs of truncated JSON: cut after each complete object, close brackets."""
    stack: list[str] = []
    in_str = False
    esc = False
    cuts: list[tuple[int, list[str]]] = []
    for i, ch in enumerate(s):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}":
            if not stack:
                break
            stack.pop()
            if ch == "}":
                cuts.append((i + 1, list(stack)))
            if not stack:
                break
    closers = {"[": "]", "{": "}"}
    out = []
    for pos, st in reversed(cuts[-60:]):
        out.append(s[:pos] + "".join(closers[c] for c in reversed(st)))
    return out


def _lenient_load(s: str) -> tuple[Any, list[str]]:
    """Parse JSON that may be followed by prose, use trailing commas or smart quotes, be cut short,
    or be a Python literal. Returns the value and the repairs made."""
    decoder = json.JSONDecoder()
    try:
        return decoder.raw_decode(s)[0], []
    except json.JSONDecodeError:
        pass
    fixed = s.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    fixed = re.sub(r",\s*([}\]])", r"\1", fixed)
    try:
        return decoder.raw_decode(fixed)[0], ["removed trailing commas / smart quotes"]
    except json.JSONDecodeError:
        pass
    for candidate in _close_truncated(fixed):
        try:
            return json.loads(candidate), ["closed truncated JSON (dropped the unfinished part)"]
        except json.JSONDecodeError:
            continue
    m = re.match(r"[\[{].*[\]}]", s, re.S)
    if m:
        try:
            value = ast.literal_eval(m.group(0))
            return json.loads(json.dumps(value)), ["read a Python-style literal"]
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass
    raise StoryParseError("the reply looks like JSON but could not be read or repaired")


def _first(d: dict, keys: tuple[str, ...]) -> Any:
    for k in keys:
        for dk in d:
            if isinstance(dk, str) and dk.lower() == k:
                return d[dk]
    return None


def _speech(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for it in items:
        if isinstance(it, dict):
            text = _first(it, ("text", "line", "says", "dialogue", "speech", "content"))
            who = _first(it, ("speaker", "character", "name", "who", "by"))
        elif isinstance(it, str):
            who, _, text = it.partition(":") if ":" in it[:40] else ("", "", it)
        else:
            continue
        text = " ".join(str(text or "").split())
        if text:
            out.append({"speaker": " ".join(str(who or "").split()), "text": text})
    return out


def normalise_panels(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[str]]:
    """Panels and cast from a parsed reply (a list of panels, or an object holding them)."""
    repairs: list[str] = []
    cast_raw = None
    if isinstance(value, dict):
        cast_raw = _first(value, ("characters", "cast"))
        items = _first(value, ("panels", "script", "comic", "story", "pages"))
        if items is None and _first(value, ("description", "scene")) is not None:
            items = [value]
    else:
        items = value
    if not isinstance(items, list):
        raise StoryParseError("the JSON holds no list of panels (expected [{\"panel\": 1, \"description\": ...}, ...])")
    panels = []
    for it in items:
        if not isinstance(it, dict):
            continue
        desc = _first(it, ("description", "scene", "visual", "image", "picture", "setting", "action"))
        desc = " ".join(str(desc or "").split())
        if not desc:
            repairs.append("dropped a panel without a description")
            continue
        caption = " ".join(str(_first(it, ("caption", "narration", "narrator", "narrative")) or "").split())
        number = _first(it, ("panel", "number", "id", "index"))
        panels.append({"number": number, "description": desc, "caption": caption,
                       "speech": _speech(_first(it, ("speech", "dialogue", "dialog", "lines", "bubbles", "speech_bubbles")))})
    if not panels:
        raise StoryParseError("the JSON holds no panels with a description")
    numbers = [p["number"] for p in panels]
    if all(isinstance(n, int) for n in numbers) and sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers))) and numbers != sorted(numbers):
        panels.sort(key=lambda p: p["number"])
        repairs.append("put panels in their numbered order")
    cast = []
    if isinstance(cast_raw, list):
        for c in cast_raw:
            if isinstance(c, dict):
                name = " ".join(str(_first(c, ("name",)) or "").split())
                look = " ".join(str(_first(c, ("look", "description", "appearance", "visual")) or "").split())
                if name and look:
                    cast.append({"name": name, "role": str(_first(c, ("role",)) or ""), "look": look})
    return [{k: v for k, v in p.items() if k != "number"} for p in panels], cast, repairs


def parse_script(text: str, panels: int, *, allow_fewer: bool = False) -> Script:
    """Read a model's reply as an N-panel script (see module doc). Extra panels are cut; too few
    raise StoryParseError unless `allow_fewer` (the caller then fills the rest)."""
    if not isinstance(text, str) or not text.strip():
        raise StoryParseError("the model's reply is empty")
    region = _json_region(text)
    if region is None:
        preview = " ".join(text.split())[:80]
        raise StoryParseError(f"the model's reply holds no JSON (it begins: {preview!r})")
    value, repairs = _lenient_load(region)
    items, cast, more = normalise_panels(value)
    repairs += more
    if len(items) > panels:
        repairs.append(f"cut {len(items) - panels} extra panel(s)")
        items = items[:panels]
    if len(items) < panels and not allow_fewer:
        raise StoryParseError(f"expected {panels} panels, the reply has {len(items)}")
    for i, p in enumerate(items, start=1):
        p["panel"] = i
    return Script(items, cast, "model", repairs)


def finish_script(script: Script, premise: str, panels: int, seed: int) -> Script:
    """Fill missing panels from the template, make sure the cast has a look for the hero, and
    list which characters each panel shows."""
    tmpl = template_script(premise, panels, seed)
    items = list(script.panels)
    repairs = list(script.repairs)
    if len(items) < panels:
        repairs.append(f"filled panels {len(items) + 1}..{panels} from the template")
        for p in tmpl.panels[len(items):]:
            items.append(dict(p))
    cast = script.characters or tmpl.characters
    if not script.characters:
        repairs.append("cast taken from the premise (the reply gave none)")
    names = [c["name"] for c in cast]
    for i, p in enumerate(items, start=1):
        p["panel"] = i
        p.setdefault("beat", tmpl.panels[i - 1].get("beat", ""))
        if not p.get("characters"):
            blob = (p["description"] + " " + " ".join(s["speaker"] for s in p["speech"])).lower()
            present = [n for n in names if n.lower() in blob]
            p["characters"] = present or names[:1]
    return Script(items, cast, script.source, repairs)
