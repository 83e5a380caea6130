"""The comic script: the words of every panel, kept as data so they can be edited and re-lettered.

Shape (what `comic.script` writes as `script.json`, and what an edited script must look like):

    {"panels": [
        {"panel": 1, "caption": "Narration, or null",
         "speech": ["ANNA: Look out!", "(Why me?)", "Plain line, speaker unknown"]},
        ...]}

Each speech line becomes bubbles (one per sentence): "NAME: text" names the speaker (the tail
points at their face), "(text)" is a thought (cloud), ALL CAPS or a final "!" is a shout
(jagged), "[text]" is a sound cue in a caption box. Speech may also be given as
`{"speaker": ..., "text": ..., "kind": speech|thought|shout|caption}` mappings; a bare list of
panels is accepted too. Panels are matched to images by position.
"""

from __future__ import annotations

import re
from typing import Any

from studio.comic.lettering import KINDS, clean_text
from studio.engine.errors import InputError

_SPEAKER = re.compile(r"^([A-Z][\w .'-]{0,39}):\s+(.+)$")
MAX_TEXT = 2000


def _speech_from_lines(lines: list[str]) -> list[dict[str, Any]]:
    """Subtitle/transcript lines to speech items: "NAME: text" names the speaker, a line of
    "- a - b" dialogue dashes is two speakers, "[sound]" becomes a caption-style cue."""
    out: list[dict[str, Any]] = []
    for raw in lines:
        for line in str(raw).split("\n"):
            t = clean_text(line)
            if not t:
                continue
            parts = [p.strip() for p in re.split(r"(?:^|\s)-\s+", t) if p.strip()] if t.startswith("-") else [t]
            for k, p in enumerate(parts):
                m = _SPEAKER.match(p)
                if m and not m.group(1).isdigit():
                    out.append({"speaker": m.group(1).strip(), "text": m.group(2).strip()})
                elif len(parts) > 1:
                    out.append({"speaker": f"speaker {k + 1}", "text": p})
                else:
                    out.append({"speaker": None, "text": p})
    return out


def speech_string(item: dict[str, Any]) -> str:
    """{"speaker": "anna", "text": "hi", "kind": ...} -> "Anna: hi" (kind kept as markup)."""
    text = clean_text(item.get("text", ""))
    kind = item.get("kind")
    if kind == "thought" and not (text.startswith("(") and text.endswith(")")):
        text = f"({text})"
    elif kind == "caption" and not (text.startswith("[") and text.endswith("]")):
        text = f"[{text}]"
    elif kind == "shout" and not text.rstrip().endswith("!") and not text.isupper():
        text = text.upper()
    speaker = clean_text(item.get("speaker") or "")
    if speaker:
        speaker = speaker[:40]
        speaker = speaker[0].upper() + speaker[1:]
        return f"{speaker}: {text}"
    return text


def parse_speech(line: str) -> dict[str, Any]:
    """"Anna: hi" -> {"speaker": "Anna", "text": "hi"}; no name -> speaker None."""
    t = clean_text(line)
    m = _SPEAKER.match(t)
    if m:
        return {"speaker": m.group(1).strip(), "text": m.group(2).strip()}
    return {"speaker": None, "text": t}


def _lines_of(value: Any) -> list[str]:
    """Text lines from meta values: a string, a list of strings, or a list of {text: ...}."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return _lines_of(value.get("text"))
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            out.extend(_lines_of(v))
        return out
    return []


def spread_shared_lines(per_panel: list[list[str]]) -> list[list[str]]:
    """Keyframes from one long shot all carry that shot's lines; in a comic each line should be
    said once. Runs of panels with the same lines share them out in order (earlier lines to
    earlier panels), and a line already lettered in the panel before is not repeated."""
    out = [list(x) for x in per_panel]
    i, n = 0, len(out)
    while i < n:
        j = i
        while j + 1 < n and out[i] and out[j + 1] == out[i]:
            j += 1
        if j > i:
            lines, k = out[i], j - i + 1
            for m in range(k):
                out[i + m] = lines[-(-m * len(lines) // k): -(-(m + 1) * len(lines) // k)]  # ceil: earlier panels first
        i = j + 1
    for i in range(1, n):
        if out[i] != per_panel[i - 1] or not out[i]:
            prev = set(out[i - 1])
            out[i] = [x for x in out[i] if x not in prev]
    return out


def panel_from_meta(meta: dict[str, Any], *, captions: str = "auto", max_lines: int = 3) -> tuple[dict[str, Any], int]:
    """A script panel from an image's meta (subtitles from keyframes, `speech` from a transcript,
    `caption` from a captioner); returns (panel, number of lines left out)."""
    speech_src = meta.get("speech")
    if isinstance(speech_src, list) and speech_src and isinstance(speech_src[0], dict) and "speaker" in speech_src[0]:
        items = [{"speaker": s.get("speaker"), "text": s.get("text", ""), "kind": s.get("kind")} for s in speech_src if isinstance(s, dict)]
    else:
        items = _speech_from_lines(_lines_of(meta.get("subtitles")) or _lines_of(speech_src))
    speech = [speech_string(i) for i in items if clean_text(i.get("text", ""))]
    dropped = max(0, len(speech) - max_lines)
    speech = speech[:max_lines]
    caption = None
    cap = meta.get("caption")
    # auto: a model's description narrates a silent panel; a caption that repeats the subtitles,
    # or a measured description ("mostly grey, one face"), does not read as narration
    narrative = meta.get("caption_source") not in ("subtitles", "describe")
    if isinstance(cap, str) and cap.strip() and (captions == "all" or (captions == "auto" and narrative and not speech)):
        caption = clean_text(cap)
    return {"caption": caption, "speech": speech}, dropped


# -- speech from a transcript: timed lines to bubbles ------------------------------------------

#: at most this many words of transcribed speech per panel when the panel's size is not known
MAX_WORDS = 30
#: a panel holds about one lettered word per this many squares of the font size (bubble margins,
#: line spacing and room for the picture included)
WORD_AREA = 40
#: the type size the budget is counted at: comic.letter starts at 9 pt and may shrink to 5.5 pt,
#: so counting at 7.5 pt keeps a normal rate of speech (about 3 words a second) in its panel
BUDGET_PT = 7.5


def word_budget(size: tuple[int, int] | None, dpi: float = 150.0, font_pt: float = BUDGET_PT) -> int:
    """How many words of speech a panel of `size` pixels holds (8 to 40): one word per WORD_AREA
    squares of the type at `font_pt` (an 800x550 panel at 150 dpi: 40; 550x400: 22)."""
    if not size:
        return MAX_WORDS
    font_px = max(6.0, font_pt * float(dpi) / 72.0)
    return int(max(8, min(40, round(size[0] * size[1] / (WORD_AREA * font_px * font_px)))))
_SENT = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014-]$")


def _is_timed(value: Any) -> bool:
    """A transcript attached by `audio.transcribe`: a list of {text, start, end} mappings."""
    return isinstance(value, list) and any(isinstance(x, dict) and "text" in x and "start" in x for x in value)


def shorten_speech(texts: list[str], max_words: int = MAX_WORDS) -> tuple[list[str], int]:
    """Keep a panel's speech within `max_words`, never cutting a word: whole sentences are kept in
    order while they fit; when not even the first fits, it stays whole up to half as long again
    as the budget (smaller type beats a broken sentence), else it is cut after the last clause (a
    comma, a colon, a dash) that fits, else after the last word that fits, and ends with "…".
    Returns (the lines kept, how many words were left out)."""
    total = sum(len(t.split()) for t in texts)
    if max_words <= 0 or total <= max_words:
        return list(texts), 0
    out: list[str] = []
    used = 0
    for text in texts:
        kept: list[str] = []
        for sentence in (x for x in _SENT.split(text) if x.strip()):
            n = len(sentence.split())
            if used + n > max_words:
                break
            kept.append(sentence)
            used += n
        else:
            out.append(" ".join(kept))
            continue
        if kept:
            out.append(" ".join(kept))
        break
    first = next((x for x in _SENT.split(texts[0]) if x.strip()), "") if texts else ""
    if not out and len(first.split()) <= 1.5 * max_words:  # nearly fits: whole, in smaller type
        out, used = [first], len(first.split())
    if not out:  # one sentence much longer than the whole budget: cut it between words
        words = first.split()[:max_words]
        clause = max((i for i, w in enumerate(words) if _CLAUSE_END.search(w)), default=-1)
        if clause + 1 >= max(3, max_words // 2):
            words = words[: clause + 1]
        words[-1] = words[-1].rstrip(",;:-\u2013\u2014.!?")
        out = [" ".join(words) + "…"]
        used = len(words)
    return out, total - used


def speech_items(timed: list[dict[str, Any]], *, faces: Any = None, max_words: int = MAX_WORDS,
                 max_lines: int = 3) -> tuple[list[dict[str, Any]], int]:
    """A panel's transcribed lines ({speaker, text, start, end}) as script speech items.

    Shortened to `max_words` (see `shorten_speech`); more than `max_lines` lines of one speaker
    run on in the last line rather than being dropped; when the panel is known to show no face
    (`faces` is an empty list) the words are a voice from off screen: a caption box with the
    words in quotes instead of a bubble with no one to point at. Returns (items, words left out)."""
    said = [(x.get("speaker") or None, clean_text(x.get("text", ""))) for x in timed if isinstance(x, dict)]
    said = [(who, t) for who, t in said if t]
    texts, cut = shorten_speech([t for _, t in said], max_words)
    speakers = [who for who, _ in said][: len(texts)]
    items: list[dict[str, Any]] = [{"speaker": who, "text": t} for who, t in zip(speakers, texts)]
    while len(items) > max(1, max_lines) and items[-1]["speaker"] == items[-2]["speaker"]:
        last = items.pop()
        items[-1]["text"] += " " + last["text"]
    if isinstance(faces, list) and not faces:
        items = [{"speaker": None, "kind": "caption", "text": f"\u201c{i['text']}\u201d"} for i in items]
    return items, cut


def panels_from_meta(metas: list[dict[str, Any]], *, captions: str = "auto", max_lines: int = 3,
                     max_words: int | list[int] = MAX_WORDS) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Script panels from the images' meta (keyframes with subtitles, a transcript, captions).

    Subtitles win: when any panel carries subtitles, they give the words of every panel and a
    transcript is not lettered (subtitles are what the author wrote; mixing both would letter a
    line twice). A timed transcript (`audio.transcribe`) is already one line per moment: each
    panel letters its own lines, shortened to `max_words` (one number, or one per panel). Returns (panels, facts): facts are
    `words_from` ("subtitles" | "speech" | None), `transcribed` (a transcript was attached, even
    an empty one), `dropped` (lines over max_lines), `shortened` (words left out)."""
    metas = [dict(m) for m in metas]
    subtitled = any(_lines_of(m.get("subtitles")) for m in metas)
    transcribed = any(isinstance(m.get("speech"), list) for m in metas)
    facts: dict[str, Any] = {"words_from": None, "transcribed": transcribed, "dropped": 0, "shortened": 0}
    if subtitled:
        facts["words_from"] = "subtitles"
        for m in metas:
            m.pop("speech", None)
    timed = not subtitled and any(_is_timed(m.get("speech")) for m in metas)
    if not timed:
        for key in ("subtitles", "speech"):
            if any(isinstance(m.get(key), list) and m[key] and all(isinstance(x, str) for x in m[key]) for m in metas):
                spread = spread_shared_lines([[str(x) for x in m.get(key) or []] if isinstance(m.get(key), list) else [] for m in metas])
                for m, lines in zip(metas, spread):
                    if isinstance(m.get(key), list):
                        m[key] = lines
    panels = []
    budgets = list(max_words) if isinstance(max_words, list) else [max_words] * len(metas)
    for m, budget in zip(metas, budgets):
        if timed:
            items, cut = speech_items(m.get("speech") or [], faces=m.get("faces"), max_words=budget, max_lines=max_lines)
            facts["shortened"] += cut
            p, d = panel_from_meta({**m, "speech": items}, captions=captions, max_lines=max_lines)
        else:
            p, d = panel_from_meta(m, captions=captions, max_lines=max_lines)
        facts["dropped"] += d
        panels.append(p)
    if facts["words_from"] is None and any(p["speech"] for p in panels):
        facts["words_from"] = "speech"
    return panels, facts


def panel_from_story(entry: Any) -> dict[str, Any]:
    """A script panel from a text.story entry {panel, description, caption, speech}."""
    if not isinstance(entry, dict):
        return {"caption": None, "speech": []}
    speech = []
    raw = entry.get("speech") or []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, dict) and clean_text(item.get("text", "")):
            speech.append(speech_string(item))
        elif isinstance(item, str) and clean_text(item):
            speech.append(clean_text(item))
    cap = entry.get("caption")
    return {"caption": clean_text(cap) if isinstance(cap, str) and cap.strip() else None, "speech": speech}


def normalise(script: Any, where: str = "script") -> dict[str, Any]:
    """Validate an (edited) script and return it in canonical form; InputError names the problem."""
    if isinstance(script, list):
        script = {"panels": script}
    if not isinstance(script, dict) or not isinstance(script.get("panels"), list):
        raise InputError(f"{where}: expected {{\"panels\": [{{\"caption\": ..., \"speech\": [\"NAME: line\", ...]}}, ...]}} "
                         f"or a list of panels, got {type(script).__name__}")
    panels = []
    for i, p in enumerate(script["panels"]):
        if p is None:
            p = {}
        if not isinstance(p, dict):
            raise InputError(f"{where}: panel {i + 1} must be a mapping with caption and speech, got {p!r}")
        unknown = set(p) - {"panel", "caption", "speech", "description", "characters", "source", "time"}
        if unknown:
            raise InputError(f"{where}: panel {i + 1} has unknown key(s) {sorted(unknown)}; use caption and speech")
        cap = p.get("caption")
        if cap is not None and not isinstance(cap, str):
            raise InputError(f"{where}: panel {i + 1} caption must be text or null")
        speech_in = p.get("speech") or []
        if isinstance(speech_in, str):
            speech_in = [speech_in]
        if not isinstance(speech_in, list):
            raise InputError(f"{where}: panel {i + 1} speech must be a list of lines (\"NAME: text\")")
        speech = []
        for j, s in enumerate(speech_in):
            if isinstance(s, dict):
                kind = s.get("kind")
                if kind is not None and kind not in KINDS:
                    raise InputError(f"{where}: panel {i + 1} speech {j + 1}: kind {kind!r} is not one of {', '.join(KINDS)}")
                if not isinstance(s.get("text", ""), str):
                    raise InputError(f"{where}: panel {i + 1} speech {j + 1}: text must be a string")
                line = speech_string(s)
            elif isinstance(s, str):
                line = clean_text(s)
            else:
                raise InputError(f"{where}: panel {i + 1} speech {j + 1} must be a line of text, got {s!r}")
            if len(line) > MAX_TEXT:
                raise InputError(f"{where}: panel {i + 1} speech {j + 1} is {len(line)} characters; a bubble holds at most {MAX_TEXT}")
            if line and parse_speech(line)["text"]:
                speech.append(line)
        cap_text = clean_text(cap) if cap else None
        if cap_text and len(cap_text) > MAX_TEXT:
            raise InputError(f"{where}: panel {i + 1} caption is {len(cap_text)} characters; a caption holds at most {MAX_TEXT}")
        panels.append({"panel": i + 1, "caption": cap_text or None, "speech": speech})
    return {"panels": panels}


def to_lettering(panel: dict[str, Any]) -> dict[str, Any]:
    """A canonical script panel to what `lettering.panel_lines` reads."""
    return {"caption": panel.get("caption"), "speech": [parse_speech(s) if isinstance(s, str) else s for s in panel.get("speech") or []]}
