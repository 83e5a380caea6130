"""Lettering: caption boxes and speech bubbles placed off faces, in reading order, never clipped.

`plan_panel` decides, for one panel, where every caption box and bubble goes and at which font
size (pure geometry, returned as data so tests and the manifest can check it); `render_panel`
draws a plan onto the panel image. Bubbles are:

- `oval` (speech), `rect` (speech, rounded rectangle), `cloud` (thought), `jagged` (shouting:
  ALL CAPS, "!!" or a short exclamation), and `box` (narration captions, square corners).

Placement: the text is wrapped to a pleasing block and measured with the real font; the bubble is
sized so the text block fits inside its inner shape; candidate positions are scored by how much
image importance (saliency) they cover, their distance to the speaker and their height; positions
that leave the panel, touch a face, overlap an earlier bubble or break the reading order (left to
right then down; right to left for manga) are not allowed. If nothing fits, the font shrinks
step by step; only past the smallest size are the rules relaxed, and then the plan says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from studio.backends.video.speakers import clear_talker
from studio.comic.fonts import load_font

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
SHAPES = ("oval", "rect", "cloud", "jagged", "box")
KINDS = ("caption", "speech", "thought", "shout")


# -- text analysis ------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>|\{\\[^}]*\}")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)")


def clean_text(text: str) -> str:
    """Strip subtitle markup (<i>, {\\an8}) and collapse whitespace."""
    return re.sub(r"\s+", " ", _TAGS.sub("", str(text))).strip()


def classify(text: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, text): an explicit kind wins; "(...)" or "*...*" is a thought; ALL CAPS, "!!", or a
    short exclamation ("Watch out!", two words at most) is a shout; "[...]" or a music note is a
    caption (a sound cue). A longer sentence ending in "!" stays ordinary speech."""
    t = clean_text(text)
    if kind in KINDS:
        return kind, t
    if (t.startswith("(") and t.endswith(")")) or (t.startswith("*") and t.endswith("*") and len(t) > 2):
        return "thought", t[1:-1].strip()
    if t.startswith("[") and t.endswith("]"):
        return "caption", t[1:-1].strip()
    if t.startswith("♪"):
        return "caption", t
    letters = [c for c in t if c.isalpha()]
    bang = t.rstrip("\"'”’")
    if (len(letters) >= 4 and all(c.isupper() for c in letters)) or bang.endswith("!!") or (bang.endswith("!") and len(t.split()) <= 2):
        return "shout", t
    return "speech", t


def split_sentences(text: str, max_parts: int = 3) -> list[str]:
    """One bubble per sentence (short fragments stay with their neighbour), at most max_parts."""
    parts = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    merged: list[str] = []
    for p in parts:
        if merged and (len(p) < 12 or len(merged[-1]) < 12):
            merged[-1] = merged[-1] + " " + p
        else:
            merged.append(p)
    while len(merged) > max_parts:
        merged[-2] = merged[-2] + " " + merged.pop()
    return merged or [text]


@dataclass
class Line:
    """One thing to letter: a caption, or one bubble of a speaker's line."""

    kind: str
    text: str
    speaker: str | None = None
    shape: str = "oval"


def panel_lines(entry: dict[str, Any], *, speech_shape: str = "oval") -> list[Line]:
    """The caption (first: narration reads first) and the speech of one script panel."""
    out: list[Line] = []
    cap = entry.get("caption")
    if cap and clean_text(cap):
        out.append(Line("caption", clean_text(cap), None, "box"))
    for item in entry.get("speech") or []:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not clean_text(item.get("text", "")):
            continue
        kind, text = classify(item["text"], item.get("kind"))
        speaker = item.get("speaker") or None
        for part in split_sentences(text) if kind != "caption" else [text]:
            shape = {"caption": "box", "thought": "cloud", "shout": "jagged"}.get(kind, speech_shape)
            out.append(Line(kind, part, speaker, shape))
    return out


# -- geometry -----------------------------------------------------------------------------------

@dataclass
class Bubble:
    """A placed caption box or bubble, in panel pixels."""

    kind: str
    shape: str
    text: str
    speaker: str | None
    lines: list[str]
    font_px: int
    rect: Rect  # outer bounds of the shape (tail excluded)
    text_rect: Rect  # ink bounds of the text
    tail: list[tuple[float, float]] | None = None  # polygon (base1, tip, base2) or thought dots centres
    target: tuple[float, float] | None = None
    link: list[tuple[float, float]] | None = None  # band to the next bubble of the same speaker

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "shape": self.shape, "text": self.text, "speaker": self.speaker,
            "lines": self.lines, "font_px": self.font_px,
            "rect": [round(v, 1) for v in self.rect], "text_rect": [round(v, 1) for v in self.text_rect],
            "tail": [[round(a, 1), round(b, 1)] for a, b in self.tail] if self.tail else None,
            "link": [[round(a, 1), round(b, 1)] for a, b in self.link] if self.link else None,
        }


@dataclass
class PanelPlan:
    width: int
    height: int
    bubbles: list[Bubble] = field(default_factory=list)
    font_px: int = 0
    relaxed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "font_px": self.font_px, "relaxed": self.relaxed,
                "bubbles": [b.to_dict() for b in self.bubbles]}


def _overlap(a: Rect, b: Rect) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def reads_after(a: Rect, b: Rect, direction: str = "ltr") -> bool:
    """Does bubble b read after bubble a? Below it, or level with it and further along the row."""
    if b[1] >= a[3] - 1e-6:
        return True
    if b[1] < a[1] - 1e-6:
        return False
    if direction == "rtl":
        return (b[0] + b[2]) / 2 < (a[0] + a[2]) / 2
    return (b[0] + b[2]) / 2 > (a[0] + a[2]) / 2


@lru_cache(maxsize=4)
def _hyphenator(lang: str = "en_US") -> Any:
    import pyphen

    return pyphen.Pyphen(lang=lang)


def syllable_breaks(word: str) -> list[int]:
    """Where `word` may be hyphenated (character offsets), at syllable boundaries only (pyphen's
    en_US patterns, which keep at least two letters on each side); punctuation around the word
    stays with its letters ("INVINCIBLE!" breaks as IN-VIN-CI-BLE!, never before the "!")."""
    m = re.match(r"^([^A-Za-z0-9]*)([A-Za-z][A-Za-z'’]*[A-Za-z])([^A-Za-z0-9]*)$", word)
    if not m:
        # words joined by hyphens or slashes break after them
        return [i + 1 for i, ch in enumerate(word[:-1]) if ch in "-/" and i > 0]
    lead, core = m.group(1), m.group(2)
    return [len(lead) + p for p in _hyphenator().positions(core.lower())]


def _break_word(word: str, font, width: float) -> list[str]:
    """A word wider than the line, in pieces that fit: cut at syllable boundaries with a hyphen
    (or after a hyphen already there). A syllable still wider than the line (a very narrow
    bubble) is left whole: the caller then tries a wider bubble or a smaller font."""
    cuts = syllable_breaks(word)
    pieces: list[str] = []
    start = 0
    while True:
        rest = word[start:]
        if font.getlength(rest) <= width or not cuts:
            pieces.append(rest)
            return pieces
        fit = None
        for c in cuts:
            if c <= start:
                continue
            head = word[start:c]
            mark = "" if head.endswith(("-", "/")) else "-"
            if font.getlength(head + mark) <= width:
                fit = c
            else:
                break
        if fit is None:
            nxt = next((c for c in cuts if c > start), None)
            if nxt is None:
                pieces.append(rest)
                return pieces
            fit = nxt
        head = word[start:fit]
        pieces.append(head if head.endswith(("-", "/")) else head + "-")
        start = fit


def _wrap_words(words: list[str], widths: list[float], space: float, font, width: float) -> list[str]:
    """Greedy wrap from cached word widths; only a word wider than the whole line is hyphenated
    (at syllable boundaries, see `_break_word`)."""
    lines: list[str] = []
    cur: list[str] = []
    cur_w = 0.0
    for w, ww in zip(words, widths):
        if ww > width and len(w) > 1:
            if cur:
                lines.append(" ".join(cur))
                cur, cur_w = [], 0.0
            *done, piece = _break_word(w, font, width)
            lines.extend(done)
            cur, cur_w = [piece], font.getlength(piece)
            continue
        add = ww if not cur else cur_w + space + ww
        if cur and add > width:
            lines.append(" ".join(cur))
            cur, cur_w = [w], ww
        else:
            cur.append(w)
            cur_w = add
    if cur:
        lines.append(" ".join(cur))
    return lines


def wrap_text(text: str, font, max_width: float, target_aspect: float = 2.4) -> list[str]:
    """Wrap to the block whose width/height is closest to target_aspect within max_width."""
    words = text.split()
    if not words:
        return []
    line_h = _line_height(font)
    widths = [font.getlength(w) for w in words]
    space = font.getlength(" ")
    total = sum(widths) + space * (len(words) - 1)
    best: tuple[float, list[str]] | None = None
    k_max = max(1, min(12, len(words)))
    seen: set[tuple[str, ...]] = set()
    longest = max(widths)
    for k in range(1, k_max + 1):
        # never narrower than the longest word when it fits the bubble: words break only when
        # they cannot fit at all
        width = min(max_width, total / k * 1.12 + font.size)
        lines = _wrap_words(words, widths, space, font, max(width * 0.98, min(longest, max_width)))
        if tuple(lines) in seen:
            continue
        seen.add(tuple(lines))
        bw = max(font.getlength(s) for s in lines)
        if bw > max_width + 0.5:
            continue
        aspect = bw / (len(lines) * line_h)
        score = abs(math.log(max(1e-3, aspect) / target_aspect)) + 0.02 * len(lines)
        if best is None or score < best[0]:
            best = (score, lines)
    if best is None:
        return _wrap_words(words, widths, space, font, max(max_width * 0.98, min(longest, max_width)))
    return best[1]


def _line_height(font) -> int:
    ascent, descent = font.getmetrics()
    return int(math.ceil((ascent + descent) * 1.08))


def _shape_size(shape: str, tw: float, th: float, font_px: int) -> tuple[float, float, float, float]:
    """(outer width, outer height, text-area inset x, inset y) for a text block tw x th."""
    pad = 0.45 * font_px
    if shape == "box":
        p = 0.5 * font_px
        return tw + 2 * p, th + 2 * p * 0.8, p, p * 0.8
    if shape == "rect":
        p = 0.75 * font_px
        return tw + 2 * p, th + 2 * p * 0.8, p, p * 0.8
    a = tw / 2 * math.sqrt(2) + pad
    b = th / 2 * math.sqrt(2) + pad
    b = max(b, 0.42 * a) if shape != "oval" else max(b, 0.3 * a)
    if shape == "cloud":
        r = 0.16 * min(a, b) / 0.84
        return 2 * (a + r), 2 * (b + r), a + r - tw / 2, b + r - th / 2
    if shape == "jagged":
        k = 1.28
        return 2 * a * k, 2 * b * k, a * k - tw / 2, b * k - th / 2
    return 2 * a, 2 * b, a - tw / 2, b - th / 2


@dataclass
class _Sized:
    line: Line
    lines: list[str]
    font_px: int
    w: float
    h: float
    tw: float
    th: float
    font_path: str | None = None


def _size_line(line: Line, font_px: int, font_path: str | None, max_w: float, max_h: float, upper: bool) -> _Sized | None:
    font = load_font(font_px, font_path)
    text = line.text.upper() if upper else line.text
    # far more text than the space can hold: do not bother wrapping
    if len(text) * 0.5 * font_px * _line_height(font) > 0.8 * max_w * max_h:
        return None
    inner_max = max_w * (0.95 if line.shape in ("box", "rect") else 0.62)
    aspect = 3.5 if line.shape == "box" else 2.2
    lines = wrap_text(text, font, inner_max, aspect)
    if not lines:
        return None
    tw = max(font.getlength(s) for s in lines)
    th = len(lines) * _line_height(font)
    w, h, _, _ = _shape_size(line.shape, tw, th, font_px)
    if w > max_w or h > max_h:
        return None
    return _Sized(line, lines, font_px, w, h, tw, th, font_path)


def _box_sum(cum: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    return cum[y1, x1] - cum[y0, x1] - cum[y1, x0] + cum[y0, x0]


def _name_key(name: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in ("the", "a", "an", "mr", "mrs", "ms", "dr")]
    return " ".join(words)


def _speaker_targets(lines: list[Line], faces: list[Rect], direction: str, size: tuple[int, int],
                     names: list[str | None] | None = None, talker: int | None = None) -> dict[str, Rect]:
    """Which face each speaker's tail points at. A speaker whose name matches a face's name (a
    generated picture knows who it drew: "Crow" speaks from the crow) gets that face; the other
    speakers get the remaining faces in order of first appearance, faces ordered in reading
    direction, except that the first of them gets the `talker` face (the one whose mouth moves in
    the video) when that one is still free. With more speakers than faces, the extra speakers are
    off panel: their tails point at the bottom corner farthest from the faces."""
    speakers: list[str] = []
    for ln in lines:
        if ln.kind != "caption":
            key = ln.speaker or "?"
            if key not in speakers:
                speakers.append(key)
    out: dict[str, Rect] = {}
    free = list(range(len(faces)))
    if names and len(names) == len(faces):
        for s in speakers:
            key = _name_key(s)
            match = next((i for i in free if names[i] and key and (
                _name_key(str(names[i])) == key or _name_key(str(names[i])) in key.split())), None)
            if match is not None:
                out[s] = faces[match]
                free.remove(match)
    ordered_idx = sorted(free, key=lambda i: (faces[i][0] + faces[i][2]) / 2, reverse=(direction == "rtl"))
    if talker is not None and talker in ordered_idx:
        ordered_idx.remove(talker)
        ordered_idx.insert(0, talker)
    ordered = [faces[i] for i in ordered_idx]
    W, H = size
    rest = [s for s in speakers if s not in out]
    for i, s in enumerate(rest):
        if i < len(ordered):
            out[s] = ordered[i]
        elif faces:
            mean_x = sum((f[0] + f[2]) / 2 for f in faces) / len(faces)
            x = 0.0 if mean_x > W / 2 else float(W)
            out[s] = (x, float(H), x, float(H))  # a point: the off-panel speaker
    return out


def plan_panel(
    size: tuple[int, int],
    lines: list[Line],
    *,
    faces: list[tuple[float, float, float, float]] = (),  # type: ignore[assignment]
    saliency: np.ndarray | None = None,
    font_px: int = 20,
    min_font_px: int = 9,
    font_path: str | None = None,
    direction: str = "ltr",
    upper: bool = True,
    tails: bool = True,
    face_names: list[str | None] | None = None,
    talking: list[dict[str, float]] | None = None,
) -> PanelPlan:
    """Place `lines` on a panel of `size`. Faces are [x, y, w, h] in panel pixels; `face_names`
    (same order, optional) says whose they are, so tails find their speakers by name; `talking`
    (same order, optional: a keyframe's mouth-motion scores) lets an unnamed speaker's tail find
    the face that is talking."""
    W, H = size
    plan = PanelPlan(W, H)
    if not lines:
        return plan
    face_rects: list[Rect] = [(x, y, x + w, y + h) for x, y, w, h in faces]
    if saliency is None:
        saliency = np.zeros((max(1, H // 8), max(1, W // 8)), dtype=np.float32)
    names = list(face_names) if isinstance(face_names, (list, tuple)) and len(face_names) == len(face_rects) else None
    talker = None
    if isinstance(talking, list) and len(talking) == len(face_rects):

        talker = clear_talker(talking)
    targets = _speaker_targets(lines, face_rects, direction, (W, H), names, talker)
    hot = _hotspot(saliency, W, H)
    sizes = []
    f = font_px
    while True:
        sizes.append(f)
        if f <= min_font_px:
            break
        f = max(min_font_px, int(f * 0.9))
    sized_cache: dict[int, list[_Sized] | None] = {}
    for relax in ((), ("order",), ("order", "spacing"), ("order", "spacing", "faces")):
        for fpx in sizes:
            if fpx not in sized_cache:
                sized_cache[fpx] = _size_all(W, H, lines, fpx, font_path, upper)
            sized = sized_cache[fpx]
            if sized is None:
                continue
            placed = _try_place(W, H, sized, face_rects, saliency, fpx, direction, relax, targets, hot, tails)
            if placed is not None:
                plan.bubbles = placed
                plan.font_px = fpx
                plan.relaxed = list(relax)
                return plan
    # even relaxed, the text is longer than the panel can hold at the smallest size
    plan.relaxed = ["overflow"]
    return plan


def _hotspot(sal: np.ndarray, W: int, H: int) -> tuple[float, float]:
    """Where the picture's subject probably is: the centroid of the most salient cells."""
    thr = float(np.percentile(sal, 95)) if sal.size else 0.0
    ys, xs = np.nonzero(sal >= thr)
    if len(xs) == 0:
        return (W / 2, H * 0.6)
    sh, sw = sal.shape
    return (float(xs.mean() + 0.5) * W / sw, float(ys.mean() + 0.5) * H / sh)


def _inset(W: int, H: int) -> float:
    return max(3.0, 0.025 * min(W, H))


def _size_all(W: int, H: int, lines: list[Line], fpx: int, font_path: str | None, upper: bool) -> list[_Sized] | None:
    inset = _inset(W, H)
    max_w, max_h = W - 2 * inset, (H - 2 * inset) * 0.7
    sized = []
    for ln in lines:
        s = _size_line(ln, fpx, font_path, max_w, max_h, upper)
        if s is None:
            return None
        sized.append(s)
    # all the bubbles together cannot take more than most of the panel
    if sum(s.w * s.h for s in sized) > 0.75 * (W - 2 * inset) * (H - 2 * inset):
        return None
    return sized


def _try_place(W, H, sized, faces, sal, fpx, direction, relax, targets, hot, tails) -> list[Bubble] | None:
    inset = _inset(W, H)
    face_pad = max(4.0, 0.03 * min(W, H))
    gap = 0.0 if "spacing" in relax else max(3.0, 0.015 * min(W, H))
    # integral image of saliency at panel resolution / step
    sh, sw = sal.shape
    cum = np.zeros((sh + 1, sw + 1), dtype=np.float64)
    cum[1:, 1:] = np.cumsum(np.cumsum(sal, axis=0), axis=1)
    total = max(1e-6, float(cum[-1, -1]))
    kx, ky = sw / W, sh / H
    diag = math.hypot(W, H)
    placed: list[Bubble] = []
    blocked = [] if "faces" in relax else [(f[0] - face_pad, f[1] - face_pad, f[2] + face_pad, f[3] + face_pad) for f in faces]
    step = max(2.0, min(W, H) / 48)
    for s in sized:
        xs = np.arange(inset, W - inset - s.w + 1e-6, step)
        ys = np.arange(inset, H - inset - s.h + 1e-6, step)
        if len(xs) == 0 or len(ys) == 0:
            return None
        # always try flush positions on the far edges too
        xs = np.unique(np.concatenate([xs, [W - inset - s.w]]))
        ys = np.unique(np.concatenate([ys, [H - inset - s.h]]))
        X, Y = np.meshgrid(xs, ys)
        X0, Y0, X1, Y1 = X, Y, X + s.w, Y + s.h
        ok = np.ones_like(X, dtype=bool)
        for b in blocked:
            ok &= ~((np.minimum(X1, b[2]) > np.maximum(X0, b[0])) & (np.minimum(Y1, b[3]) > np.maximum(Y0, b[1])))
        for p in placed:
            r = p.rect
            ok &= ~((np.minimum(X1 + gap, r[2]) > np.maximum(X0 - gap, r[0])) & (np.minimum(Y1 + gap, r[3]) > np.maximum(Y0 - gap, r[1])))
            if "order" not in relax:
                below = r[3] <= Y0
                level = r[1] <= Y0
                cx, pcx = (X0 + X1) / 2, (r[0] + r[2]) / 2
                further = cx < pcx if direction == "rtl" else cx > pcx
                ok &= below | (level & further)
        if not ok.any():
            return None
        ix0 = np.clip((X0 * kx).astype(int), 0, sw)
        iy0 = np.clip((Y0 * ky).astype(int), 0, sh)
        ix1 = np.clip(np.ceil(X1 * kx).astype(int), 0, sw)
        iy1 = np.clip(np.ceil(Y1 * ky).astype(int), 0, sh)
        cover = _box_sum(cum, ix0, iy0, ix1, iy1) / total
        cost = 4.0 * cover + 0.35 * (Y0 / H)
        target = None
        if s.line.kind == "caption":
            # narration sits in the first corner of the panel
            corner_x = (W - inset - s.w) if direction == "rtl" else inset
            cost = cost + 2.5 * np.abs(X0 - corner_x) / W + 2.5 * (Y0 - inset) / H
        else:
            face = targets.get(s.line.speaker or "?")
            if face is not None:
                target = ((face[0] + face[2]) / 2, face[1] + 0.15 * (face[3] - face[1]))
                if face[2] <= face[0]:  # an off-panel speaker: a point on the edge, a weak pull
                    face = None
            elif tails:
                # nobody in the panel to point at: the voice is off panel, so the tail points out
                # of the panel's bottom edge (never at whatever the picture's subject is)
                target = (W / 2, float(H))
            if target is not None:
                cx, cy = (X0 + X1) / 2, (Y0 + Y1) / 2
                d = np.hypot(cx - target[0], cy - target[1]) / diag
                # leave room for a tail a reader can see (between the bubble and the padded face)
                if face is not None:
                    fx0, fy0, fx1, fy1 = face[0] - face_pad, face[1] - face_pad, face[2] + face_pad, face[3] + face_pad
                else:
                    fx0 = fx1 = target[0]
                    fy0 = fy1 = target[1]
                gx = np.maximum(0, np.maximum(X0 - fx1, fx0 - X1))
                gy = np.maximum(0, np.maximum(Y0 - fy1, fy0 - Y1))
                cost = cost + 0.8 * (np.hypot(gx, gy) < 1.5 * fpx)
                if face is not None:
                    cost = cost + 0.9 * d
                    # a bubble wholly below its speaker reads badly
                    cost = cost + 0.6 * (target[1] < Y0)
                else:
                    # the subject's whereabouts are a guess: stay near, never on top of it
                    cost = cost + 0.3 * d + 1.5 * ((target[0] >= X0) & (target[0] <= X1) & (target[1] >= Y0) & (target[1] <= Y1))
            # rows read in order: lean towards the side where reading starts
            lean = (W - X1) / W if direction == "rtl" else X0 / W
            cost = cost + 0.1 * lean
        cost = np.where(ok, cost, np.inf)
        iy, ix = np.unravel_index(int(np.argmin(cost)), cost.shape)
        x0, y0 = float(X0[iy, ix]), float(Y0[iy, ix])
        rect = (x0, y0, x0 + s.w, y0 + s.h)
        bubble = _finish(s, rect, s.font_path)
        bubble.target = target
        placed.append(bubble)
    _attach_tails(placed, faces if "faces" not in relax else [], face_pad, W, H, inset, tails)
    return placed


def _attach_tails(placed: list[Bubble], faces: list[Rect], pad: float, W: int, H: int, inset: float, tails: bool) -> None:
    """Tails: a run of bubbles by one speaker is linked bubble to bubble, and only the last one
    points at the speaker; bubbles too far apart to link get their own tails."""
    if not tails:
        return
    n = len(placed)
    for i, b in enumerate(placed):
        if b.kind == "caption" or b.target is None:
            continue
        nxt = placed[i + 1] if i + 1 < n else None
        if nxt is not None and nxt.kind != "caption" and nxt.speaker == b.speaker and nxt.target is not None \
                and b.shape != "cloud" and nxt.shape != "cloud":
            link = _link(b, nxt, faces, pad)
            if link is not None:
                b.link = link
                continue
        b.tail = _tail(b, b.target, faces, pad, W, H, inset)


def _link(a: Bubble, b: Bubble, faces: list[Rect], pad: float) -> list[tuple[float, float]] | None:
    """A short band joining two bubbles of the same speaker, or None if they are too far apart
    or the band would cross a face."""
    gap_x = max(0.0, max(a.rect[0], b.rect[0]) - min(a.rect[2], b.rect[2]))
    gap_y = max(0.0, max(a.rect[1], b.rect[1]) - min(a.rect[3], b.rect[3]))
    if max(gap_x, gap_y) > 2.5 * a.font_px:
        return None
    ax, ay = (a.rect[0] + a.rect[2]) / 2, (a.rect[1] + a.rect[3]) / 2
    bx, by = (b.rect[0] + b.rect[2]) / 2, (b.rect[1] + b.rect[3]) / 2
    d = math.hypot(bx - ax, by - ay) or 1.0
    px, py = -(by - ay) / d, (bx - ax) / d
    hw = 0.3 * min(a.font_px, b.font_px)
    poly = [(ax + px * hw, ay + py * hw), (bx + px * hw, by + py * hw), (bx - px * hw, by - py * hw), (ax - px * hw, ay - py * hw)]
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    box = (min(xs), min(ys), max(xs), max(ys))
    if any(_overlap(box, (f[0] - pad, f[1] - pad, f[2] + pad, f[3] + pad)) for f in faces):
        return None
    return poly


def _finish(s: _Sized, rect: Rect, font_path: str | None) -> Bubble:
    """Text ink bounds for a bubble placed at rect, measured with the real font."""
    font = load_font(s.font_px, font_path)
    cx = (rect[0] + rect[2]) / 2
    cy = (rect[1] + rect[3]) / 2
    top = cy - s.th / 2
    lh = _line_height(font)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    x0 = y0 = math.inf
    x1 = y1 = -math.inf
    for i, ln in enumerate(s.lines):
        bb = probe.textbbox((cx, top + i * lh), ln, font=font, anchor="ma")
        x0, y0, x1, y1 = min(x0, bb[0]), min(y0, bb[1]), max(x1, bb[2]), max(y1, bb[3])
    return Bubble(s.line.kind, s.line.shape, s.line.text, s.line.speaker, s.lines, s.font_px, rect, (x0, y0, x1, y1))


def _ellipse_point(rect: Rect, toward: tuple[float, float]) -> tuple[float, float, float]:
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    a, b = (rect[2] - rect[0]) / 2, (rect[3] - rect[1]) / 2
    ang = math.atan2((toward[1] - cy) / max(b, 1e-6), (toward[0] - cx) / max(a, 1e-6))
    return cx + a * math.cos(ang), cy + b * math.sin(ang), ang


def _tail(b: Bubble, target: tuple[float, float], faces: list[Rect], pad: float, W: int, H: int, inset: float) -> list[tuple[float, float]] | None:
    """A tail from the bubble's edge towards target, stopping short of any face and the panel edge."""
    rect = b.rect
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    a, bb = (rect[2] - rect[0]) / 2, (rect[3] - rect[1]) / 2
    if b.shape == "jagged":
        a, bb = a / 1.28 * 1.05, bb / 1.28 * 1.05
    inner = (cx - a, cy - bb, cx + a, cy + bb)
    ex, ey, ang = _ellipse_point(inner, target)
    dx, dy = target[0] - ex, target[1] - ey
    dist = math.hypot(dx, dy)
    if dist < 1e-6:
        return None
    ux, uy = dx / dist, dy / dist
    min_len = 0.7 * b.font_px
    length = min(dist, 0.28 * min(W, H) + min_len)
    # stop before faces (grown by pad) and inside the panel
    lo, hi = 0.0, length
    for _ in range(30):
        mid = (lo + hi) / 2
        px, py = ex + ux * mid, ey + uy * mid
        bad = not (inset <= px <= W - inset and inset <= py <= H - inset) or any(
            f[0] - pad <= px <= f[2] + pad and f[1] - pad <= py <= f[3] + pad for f in faces
        )
        if bad:
            hi = mid
        else:
            lo = mid
    length = lo
    if length < 0.4 * b.font_px:
        if pad > 0:  # a bubble right beside its speaker: the tail may reach to the face itself
            return _tail(b, target, faces, 0.0, W, H, inset)
        return None
    tip = (ex + ux * length, ey + uy * length)
    if b.shape == "cloud":
        dots = []
        for t in (0.3, 0.62, 0.9):
            dots.append((ex + ux * length * t, ey + uy * length * t))
        return dots
    # base: two points on the ellipse either side of the exit point
    half = min(0.35, 0.28 * b.font_px / max(8.0, min(a, bb)) + 0.12)
    p1 = (cx + a * 0.92 * math.cos(ang - half), cy + bb * 0.92 * math.sin(ang - half))
    p2 = (cx + a * 0.92 * math.cos(ang + half), cy + bb * 0.92 * math.sin(ang + half))
    return [p1, tip, p2]


# -- drawing ------------------------------------------------------------------------------------

INK = (20, 20, 24)
PAPER = (255, 255, 255)
CAPTION_FILL = (255, 244, 196)


def render_panel(img: Image.Image, plan: PanelPlan, *, font_path: str | None = None, line_px: float | None = None) -> Image.Image:
    """Draw a plan's bubbles and text onto a copy of the panel image."""
    out = img.convert("RGB").copy()
    if not plan.bubbles:
        return out
    lw = line_px if line_px is not None else max(1.5, min(plan.width, plan.height) / 260)
    ss = 3  # supersampling for smooth outlines, over the region the bubbles cover only
    xs, ys = [], []
    for b in plan.bubbles:
        pad = 0.12 * min(b.rect[2] - b.rect[0], b.rect[3] - b.rect[1]) + 3 * lw + 2
        for x, y in [(b.rect[0], b.rect[1]), (b.rect[2], b.rect[3]), *(b.tail or []), *(b.link or [])]:
            xs += [x - pad, x + pad]
            ys += [y - pad, y + pad]
    ox, oy = max(0, int(min(xs))), max(0, int(min(ys)))
    ex, ey = min(plan.width, int(math.ceil(max(xs)))), min(plan.height, int(math.ceil(max(ys))))
    shifted = [replace(b, rect=(b.rect[0] - ox, b.rect[1] - oy, b.rect[2] - ox, b.rect[3] - oy),
                       tail=[(x - ox, y - oy) for x, y in b.tail] if b.tail else None,
                       link=[(x - ox, y - oy) for x, y in b.link] if b.link else None) for b in plan.bubbles]
    layer = Image.new("RGBA", ((ex - ox) * ss, (ey - oy) * ss), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for b in shifted:
        _draw_ink(d, b, lw * ss, ss)
    for b in shifted:
        _draw_paper(d, b, lw * ss, ss)
    layer = layer.resize((ex - ox, ey - oy), Image.Resampling.BOX)  # area average: no ringing past the shapes
    out.paste(layer, (ox, oy), layer)
    draw = ImageDraw.Draw(out)
    for b in plan.bubbles:
        font = load_font(b.font_px, font_path)
        lh = _line_height(font)
        cx = (b.rect[0] + b.rect[2]) / 2
        th = len(b.lines) * lh
        top = (b.rect[1] + b.rect[3]) / 2 - th / 2
        for i, ln in enumerate(b.lines):
            draw.text((cx, top + i * lh), ln, font=font, fill=INK, anchor="ma")
    return out


def _scale(pts, k):
    return [(x * k, y * k) for x, y in pts]


def _shrink_towards(pts, centre, amount):
    cx, cy = centre
    out = []
    for x, y in pts:
        dx, dy = x - cx, y - cy
        d = math.hypot(dx, dy) or 1.0
        out.append((x - dx / d * amount, y - dy / d * amount))
    return out


def _jagged_points(rect: Rect, inner_k: float = 1.05 / 1.28) -> list[tuple[float, float]]:
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    a, b = (rect[2] - rect[0]) / 2, (rect[3] - rect[1]) / 2
    n = max(12, min(26, int((a + b) / 9)))
    pts = []
    for i in range(2 * n):
        ang = math.pi * i / n
        k = 1.0 if i % 2 == 0 else inner_k
        pts.append((cx + a * k * math.cos(ang), cy + b * k * math.sin(ang)))
    return pts


def _cloud_circles(rect: Rect) -> tuple[Rect, list[tuple[float, float, float]]]:
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    A, B = (rect[2] - rect[0]) / 2, (rect[3] - rect[1]) / 2
    # sizing used r = 0.16 min(a, b) / 0.84, i.e. r = 0.16 min(A, B) of the outer ellipse
    r = 0.16 * min(A, B)
    a, b = A - r, B - r
    perim = math.pi * (3 * (a + b) - math.sqrt((3 * a + b) * (a + 3 * b)))
    n = max(8, int(perim / (1.5 * r)))
    circles = [(cx + a * math.cos(2 * math.pi * i / n), cy + b * math.sin(2 * math.pi * i / n), r) for i in range(n)]
    return (cx - a, cy - b, cx + a, cy + b), circles


def _draw_ink(d: ImageDraw.ImageDraw, b: Bubble, lw: float, ss: int) -> None:
    """Pass 1: the ink silhouette of a bubble, its tail and link (outline = ink minus paper)."""
    rect: Rect = (b.rect[0] * ss, b.rect[1] * ss, b.rect[2] * ss, b.rect[3] * ss)
    ink = INK + (255,)
    if b.shape == "box":
        return
    if b.link:
        d.polygon(_widen(_scale(b.link, ss), lw), fill=ink)
    tail = _scale(b.tail, ss) if b.tail else None
    if b.shape == "cloud":
        core, circles = _cloud_circles(rect)
        d.ellipse(core, fill=ink)
        for x, y, r in circles:
            d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
        for k, (x, y) in enumerate(tail or []):
            r = _dot_radius(rect, k) + lw
            d.ellipse((x - r, y - r, x + r, y + r), fill=ink)
        return
    if tail:
        d.polygon(tail, fill=ink)
    if b.shape == "jagged":
        d.polygon(_jagged_points(rect), fill=ink)
    elif b.shape == "rect":
        d.rounded_rectangle(rect, radius=_radius(rect), fill=ink)
    else:
        d.ellipse(rect, fill=ink)


def _draw_paper(d: ImageDraw.ImageDraw, b: Bubble, lw: float, ss: int) -> None:
    """Pass 2: the paper inside the outline; tails and links are filled so seams vanish."""
    rect: Rect = (b.rect[0] * ss, b.rect[1] * ss, b.rect[2] * ss, b.rect[3] * ss)
    ink, paper = INK + (255,), PAPER + (255,)
    if b.shape == "box":
        d.rectangle(rect, fill=CAPTION_FILL + (255,), outline=ink, width=max(1, int(round(lw))))
        return
    if b.link:
        d.polygon(_scale(b.link, ss), fill=paper)
    tail = _scale(b.tail, ss) if b.tail else None
    centre = ((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2)
    if b.shape == "cloud":
        core, circles = _cloud_circles(rect)
        d.ellipse((core[0] + lw, core[1] + lw, core[2] - lw, core[3] - lw), fill=paper)
        for x, y, r in circles:
            d.ellipse((x - r + lw, y - r + lw, x + r - lw, y + r - lw), fill=paper)
        for k, (x, y) in enumerate(tail or []):
            r = _dot_radius(rect, k)
            d.ellipse((x - r, y - r, x + r, y + r), fill=paper)
        return
    if tail:
        d.polygon(_inset_tail(tail, lw), fill=paper)
    if b.shape == "jagged":
        d.polygon(_shrink_towards(_jagged_points(rect), centre, lw * 1.4), fill=paper)
    elif b.shape == "rect":
        d.rounded_rectangle((rect[0] + lw, rect[1] + lw, rect[2] - lw, rect[3] - lw), radius=max(1.0, _radius(rect) - lw), fill=paper)
    else:
        d.ellipse((rect[0] + lw, rect[1] + lw, rect[2] - lw, rect[3] - lw), fill=paper)


def _radius(rect) -> float:
    return min(rect[2] - rect[0], rect[3] - rect[1]) * 0.3


def _dot_radius(rect, k: int) -> float:
    return (0.11 - 0.03 * k) * min(rect[2] - rect[0], rect[3] - rect[1]) / 2


def _widen(poly, amount):
    """A link band grown sideways by `amount` (its outline)."""
    (a1, a2, b2, b1) = poly
    cx = sum(p[0] for p in poly) / 4
    cy = sum(p[1] for p in poly) / 4
    return _shrink_towards([a1, a2, b2, b1], (cx, cy), -amount)


def _inset_tail(tail: list[tuple[float, float]], lw: float) -> list[tuple[float, float]]:
    """The tail's paper fill: its sides moved in by the line width, the tip pulled back."""
    (x1, y1), (tx, ty), (x2, y2) = tail
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    # move base points towards each other and the tip towards the base
    def toward(p, q, amt):
        dx, dy = q[0] - p[0], q[1] - p[1]
        dd = math.hypot(dx, dy) or 1.0
        return (p[0] + dx / dd * amt, p[1] + dy / dd * amt)

    tip = toward((tx, ty), (mx, my), lw * 2.2)
    a = toward((x1, y1), (x2, y2), lw * 1.2)
    b = toward((x2, y2), (x1, y1), lw * 1.2)
    # extend the base into the bubble so the seam is covered
    a = toward(a, tip, -lw * 2)
    b = toward(b, tip, -lw * 2)
    return [a, tip, b]
