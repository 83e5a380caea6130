"""An honest image describer that needs no model weights.

It says only what it measured: how many frontal faces a Haar cascade found, the dominant colours
by name, whether the picture is black-and-white, and how light or dark it is. It never guesses
objects, places or actions; an indoor/outdoor guess was left out because it cannot be made
reliable from colour statistics.

Faces: OpenCV's classic frontal-face Haar cascades (Lienhart's `haarcascade_frontalface_default`,
confirmed by `haarcascade_frontalface_alt`; Intel open-source licence, shipped gzipped in
`studio/data/cascades/` with their licence text inside). OpenCV 5 wheels dropped
`CascadeClassifier` and the cascade files, so the cascade is evaluated here with numpy, following
OpenCV's algorithm (variance-normalised Haar features on an image pyramid, stage rejection, then
neighbour grouping). It finds upright faces of about 24 px and more; profiles and small or
turned faces are missed, so "no faces" is never claimed: a caption just does not mention faces.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_CASCADES = Path(__file__).resolve().parents[1] / "data" / "cascades"
CASCADE_FILE = _CASCADES / "haarcascade_frontalface_default.xml.gz"
CASCADE_VERIFY_FILE = _CASCADES / "haarcascade_frontalface_alt.xml.gz"
_THRESHOLD_EPS = 1e-5  # OpenCV lowers every stage threshold by this much when it loads a cascade


@dataclass
class _Stage:
    threshold: float
    feat: np.ndarray  # (n,) feature index per weak classifier
    node_threshold: np.ndarray  # (n,)
    left: np.ndarray  # (n,) leaf value when feature < threshold
    right: np.ndarray  # (n,)


@dataclass
class Cascade:
    width: int
    height: int
    stages: list[_Stage]
    rects: np.ndarray  # (features, 3, 4) x, y, w, h (zero rows for 2-rect features)
    weights: np.ndarray  # (features, 3)


@lru_cache(maxsize=2)
def load_cascade(path: str | None = None) -> Cascade:
    """Parse an OpenCV (new-format, stump-based HAAR) cascade XML, gzipped or not."""
    p = Path(path) if path else CASCADE_FILE
    raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    root = ET.fromstring(raw)
    casc = root.find("cascade")
    if casc is None or (casc.findtext("featureType") or "").strip() != "HAAR":
        raise ValueError(f"{p}: not a HAAR cascade in OpenCV's format")

    def text(el: ET.Element, tag: str) -> str:
        value = el.findtext(tag)
        if value is None:
            raise ValueError(f"{p}: <{tag}> missing in the cascade")
        return value

    def children(el: ET.Element, tag: str) -> list[ET.Element]:
        node = el.find(tag)
        if node is None:
            raise ValueError(f"{p}: <{tag}> missing in the cascade")
        return list(node)

    width = int(text(casc, "width"))
    height = int(text(casc, "height"))
    rect_list, weight_list = [], []
    for f in children(casc, "features"):
        if (f.findtext("tilted") or "0").strip() not in ("0", ""):
            raise ValueError(f"{p}: tilted Haar features are not supported")
        r = np.zeros((3, 4), np.int32)
        w = np.zeros(3, np.float64)
        for i, rect in enumerate(children(f, "rects")):
            vals = (rect.text or "").split()
            r[i] = [int(float(v)) for v in vals[:4]]
            w[i] = float(vals[4])
        rect_list.append(r)
        weight_list.append(w)
    stages = []
    for st in children(casc, "stages"):
        fi, th, lv, rv = [], [], [], []
        for wc in children(st, "weakClassifiers"):
            nodes = text(wc, "internalNodes").split()
            leaves = text(wc, "leafValues").split()
            if len(nodes) != 4 or len(leaves) != 2:
                raise ValueError(f"{p}: only stump cascades are supported")
            fi.append(int(nodes[2]))
            th.append(float(nodes[3]))
            lv.append(float(leaves[0]))
            rv.append(float(leaves[1]))
        stages.append(_Stage(float(text(st, "stageThreshold")) - _THRESHOLD_EPS, np.array(fi), np.array(th), np.array(lv), np.array(rv)))
    return Cascade(width, height, stages, np.stack(rect_list), np.stack(weight_list))


def _integral(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = gray.astype(np.float64)
    s = np.zeros((g.shape[0] + 1, g.shape[1] + 1), np.float64)
    q = np.zeros_like(s)
    s[1:, 1:] = g.cumsum(0).cumsum(1)
    q[1:, 1:] = (g * g).cumsum(0).cumsum(1)
    return s, q


def _scan(cascade: Cascade, gray: np.ndarray, step: int) -> list[tuple[int, int]]:
    """Window origins in `gray` that pass every stage."""
    cw, ch = cascade.width, cascade.height
    hgt, wid = gray.shape
    if hgt < ch or wid < cw:
        return []
    s, q = _integral(gray)
    stride = s.shape[1]
    sf, qf = s.ravel(), q.ravel()
    ys, xs = np.mgrid[0 : hgt - ch + 1 : step, 0 : wid - cw + 1 : step]
    base = (ys * stride + xs).ravel()

    def corners(x: Any, y: Any, w: Any, h: Any) -> tuple[Any, Any, Any, Any]:
        return y * stride + x, y * stride + x + w, (y + h) * stride + x, (y + h) * stride + x + w

    # variance normalisation over the window less a one-pixel border (as OpenCV does)
    area = float((cw - 2) * (ch - 2))
    a, b, c, d = corners(1, 1, cw - 2, ch - 2)
    vs = sf[base + d] - sf[base + b] - sf[base + c] + sf[base + a]
    vq = qf[base + d] - qf[base + b] - qf[base + c] + qf[base + a]
    nf = area * vq - vs * vs
    inv = 1.0 / np.where(nf > 0, np.sqrt(np.maximum(nf, 0)), 1.0)
    for stage in cascade.stages:
        if base.size == 0:
            return []
        rects = cascade.rects[stage.feat]  # (n, 3, 4)
        weights = cascade.weights[stage.feat]  # (n, 3)
        offs = [corners(rects[:, k, 0], rects[:, k, 1], rects[:, k, 2], rects[:, k, 3]) for k in range(3)]
        used = [k for k in range(3) if np.any(weights[:, k])]
        total = np.empty(base.size)
        chunk = max(1, 1_000_000 // max(1, len(stage.feat)))
        for start in range(0, base.size, chunk):
            bb = base[start : start + chunk, None]
            val = np.zeros((bb.shape[0], len(stage.feat)))
            for k in used:
                o00, o01, o10, o11 = offs[k]
                val += weights[None, :, k] * (sf[bb + o11] - sf[bb + o01] - sf[bb + o10] + sf[bb + o00])
            val *= inv[start : start + chunk, None]
            total[start : start + chunk] = np.where(val < stage.node_threshold, stage.left, stage.right).sum(1)
        keep = total >= stage.threshold
        base, inv = base[keep], inv[keep]
    return [(int(i % stride), int(i // stride)) for i in base]


def _group(rects: list[tuple[int, int, int, int]], min_neighbors: int, eps: float = 0.2) -> list[list[int]]:
    """OpenCV's groupRectangles: cluster similar boxes, keep clusters with > min_neighbors members."""
    n = len(rects)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, b = rects[i], rects[j]
            delta = eps * (min(a[2], b[2]) + min(a[3], b[3])) * 0.5
            if (abs(a[0] - b[0]) <= delta and abs(a[1] - b[1]) <= delta
                    and abs(a[0] + a[2] - b[0] - b[2]) <= delta and abs(a[1] + a[3] - b[1] - b[3]) <= delta):
                parent[find(i)] = find(j)
    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(find(i), []).append(i)
    out = []
    for members in clusters.values():
        if len(members) <= min_neighbors:
            continue
        avg = np.mean([rects[m] for m in members], axis=0)
        out.append([int(round(v)) for v in avg] + [len(members)])
    # drop boxes inside a bigger, better-supported box (as OpenCV does)
    kept = []
    for i, r in enumerate(out):
        inside = False
        for j, o in enumerate(out):
            if i == j or o[4] < max(r[4], 3):
                continue
            dx, dy = int(o[2] * eps), int(o[3] * eps)
            if r[0] >= o[0] - dx and r[1] >= o[1] - dy and r[0] + r[2] <= o[0] + o[2] + dx and r[1] + r[3] <= o[1] + o[3] + dy and o[2] > r[2]:
                inside = True
                break
        if not inside:
            kept.append(r[:4])
    return sorted(kept)


def _detect(cascade: Cascade, gray: np.ndarray, *, scale_factor: float, min_neighbors: int, smallest: float) -> list[list[int]]:
    import cv2

    hgt, wid = gray.shape
    boxes: list[tuple[int, int, int, int]] = []
    factor = 1.0
    while True:
        win = round(cascade.width * factor)
        sw, sh = round(wid / factor), round(hgt / factor)
        if sw < cascade.width or sh < cascade.height:
            break
        if win >= smallest:
            scaled = gray if factor == 1.0 else cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_LINEAR)
            step = 1 if factor > 2 else 2
            for x, y in _scan(cascade, scaled, step):
                boxes.append((round(x * factor), round(y * factor), win, round(cascade.height * factor)))
        factor *= scale_factor
    return _group(boxes, min_neighbors)


def _overlap(a: list[int], b: list[int]) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def detect_faces(
    image: Any,
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 3,
    min_size: float = 0.06,
    max_side: int = 640,
    verify: bool = True,
) -> list[list[int]]:
    """Upright frontal faces as [x, y, w, h] boxes in the image's pixels, sorted left to right.

    Candidates from the `default` cascade are kept only when the independent `alt` cascade also
    finds a face at that place (on a crop around it): on the shared test frames this removed
    every false positive (the back of a head, a striped shirt, a woven texture) and kept every
    face the first cascade found. `min_size` is the smallest face side as a fraction of the
    shorter image side (never below 24 px); images are scanned at most `max_side` px wide.
    """
    gray, shrink = _prepare(image, max_side)
    hgt, wid = gray.shape
    first = load_cascade(str(CASCADE_FILE))
    smallest = max(first.width, min_size * min(hgt, wid))
    found = _detect(first, gray, scale_factor=scale_factor, min_neighbors=min_neighbors, smallest=smallest)
    if verify:
        found = _confirm(gray, found, scale_factor)
    inv = 1.0 / shrink
    return [[round(v * inv) for v in b] for b in found]


def _prepare(image: Any, max_side: int) -> tuple[np.ndarray, float]:
    """Equalised grayscale copy at most `max_side` px, and its scale."""
    import cv2

    rgb = np.asarray(image.convert("L"), dtype=np.uint8)
    h0, w0 = rgb.shape
    shrink = min(1.0, max_side / max(h0, w0))
    gray = cv2.resize(rgb, (max(1, round(w0 * shrink)), max(1, round(h0 * shrink))), interpolation=cv2.INTER_AREA) if shrink < 1 else rgb
    return cv2.equalizeHist(gray), shrink


def _confirm(gray: np.ndarray, boxes: list[list[int]], scale_factor: float = 1.1) -> list[list[int]]:
    """Keep the boxes where the `alt` cascade also finds a face (on a crop around each)."""
    if not boxes:
        return []
    second = load_cascade(str(CASCADE_VERIFY_FILE))
    hgt, wid = gray.shape
    kept = []
    for box in boxes:
        x, y, w, h = box
        m = w // 2
        x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(wid, x + w + m), min(hgt, y + h + m)
        hits = _detect(second, gray[y0:y1, x0:x1], scale_factor=scale_factor, min_neighbors=1, smallest=max(second.width, 0.6 * w))
        if any(_overlap(box, [hx + x0, hy + y0, hw, hh]) > 0.3 for hx, hy, hw, hh in hits):
            kept.append(box)
    return kept


def confirm_faces(image: Any, boxes: list[list[int]], *, max_side: int = 640) -> list[list[int]]:
    """The face boxes (found by another detector, in image pixels) that the independent `alt`
    cascade confirms; used on keyframes' meta `faces` so a caption never repeats a false hit."""
    clean = [list(map(int, b[:4])) for b in boxes if isinstance(b, (list, tuple)) and len(b) >= 4]
    if not clean:
        return []
    gray, shrink = _prepare(image, max_side)
    scaled = [[round(v * shrink) for v in b] for b in clean]
    kept = _confirm(gray, scaled)
    return [clean[scaled.index(k)] for k in kept]


# -- colours -------------------------------------------------------------------------------------

def _hsv(image: Any, side: int = 96) -> np.ndarray:
    small = image.convert("RGB").copy()
    small.thumbnail((side, side))
    return np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0


def colour_names(image: Any, side: int = 96) -> np.ndarray:
    """A colour name per pixel of a small copy of the image."""
    hsv = _hsv(image, side)
    h, s, v = hsv[..., 0] * 360.0, hsv[..., 1], hsv[..., 2]
    names = np.full(h.shape, "grey", dtype=object)
    chroma = s * v
    hue_bins = [(15, "red"), (40, "orange"), (68, "yellow"), (165, "green"), (195, "teal"), (255, "blue"), (290, "purple"), (340, "pink"), (361, "red")]
    hue_name = np.full(h.shape, "red", dtype=object)
    lo = 0.0
    for hi, name in hue_bins:
        hue_name[(h >= lo) & (h < hi)] = name
        lo = hi
    coloured = chroma >= 0.12
    names[coloured] = hue_name[coloured]
    warm = np.isin(hue_name, ["red", "orange", "yellow"])
    names[coloured & warm & (v < 0.55)] = "brown"
    names[~coloured & (v >= 0.82)] = "white"
    names[~coloured & (v < 0.82) & (v >= 0.18)] = "grey"
    names[v < 0.18] = "black"
    return names


@dataclass
class Description:
    text: str
    faces: list[list[int]] = field(default_factory=list)
    colours: list[str] = field(default_factory=list)
    monochrome: bool = False
    brightness: float = 0.0
    tone: str = ""
    uniform: bool = False

    def as_meta(self) -> dict[str, Any]:
        return {"faces": self.faces, "colours": self.colours, "monochrome": self.monochrome,
                "brightness": round(self.brightness, 3), "tone": self.tone, "uniform": self.uniform}


_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int, noun: str) -> str:
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe_image(image: Any, *, faces: list[list[int]] | None = None, detect: bool = True, confirm: bool = True) -> Description:
    """A short, true description of a PIL image. `faces` (boxes found earlier, e.g. by the
    keyframe step) are used instead of detecting, each kept only when the second cascade
    confirms it (`confirm`); otherwise the cascades run when `detect` is true."""
    gray = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    brightness = float(gray.mean())
    spread = float(gray.std())
    names = colour_names(image)
    total = names.size
    vals, counts = np.unique(names, return_counts=True)
    order = sorted(zip(counts.tolist(), vals.tolist()), key=lambda t: (-t[0], t[1]))
    shares = {name: c / total for c, name in order}
    colourful = sum(c for c, n in order if n not in ("black", "white", "grey")) / total
    monochrome = colourful < 0.03
    if monochrome:
        colours = [n for c, n in order if c / total >= 0.15 and n in ("black", "white", "grey")]
    else:
        colours = [n for c, n in order if c / total >= 0.12][:3]
    if not colours:
        colours = [order[0][1]]
    if brightness < 0.15:
        tone = "very dark"
    elif brightness < 0.33:
        tone = "dark"
    elif brightness > 0.7:
        tone = "very bright"
    elif brightness > 0.55:
        tone = "bright"
    else:
        tone = ""
    uniform = spread < 0.03
    if faces is None:
        faces = detect_faces(image) if (detect and not uniform) else []
    elif confirm and faces:
        faces = confirm_faces(image, faces)
    if uniform:
        main = max(shares, key=lambda k: shares[k])
        text = f"A plain, almost uniform {main} frame."
    else:
        kind = "black-and-white" if monochrome else "colour"
        lead = f"{tone} {kind} picture".strip()
        article = "An" if lead[0] in "aeiou" else "A"
        text = f"{article} {lead}"
        if monochrome:
            text += f", mostly {_join(colours)}" if colours else ""
        else:
            text += f" in {_join(colours)} tones" if len(colours) > 1 else f", mostly {colours[0]}"
        if faces:
            text += f", showing {_count(len(faces), 'face')}"
        text += "."
    return Description(text, [list(map(int, f)) for f in faces], colours, monochrome, brightness, tone, uniform)
