"""Frontal face detection with OpenCV's Haar cascade (haarcascade_frontalface_default.xml).

OpenCV 5 no longer ships `cv2.CascadeClassifier` nor the cascade files, so this module carries
the cascade (Intel License Agreement, BSD-style; the licence text is inside the XML) taken
unmodified from the opencv-python-headless 4.12 wheel, and evaluates it with numpy the way
OpenCV's `detectMultiScale` does: an image pyramid (bilinear), a 24x24 window every 2 pixels
(every pixel past scale 2), variance-normalised Haar features, boosted stumps in 25 stages,
then `groupRectangles` with `min_neighbors`. Tests compare it with OpenCV 4's own result.
"""

from __future__ import annotations

import functools
import gzip
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CASCADE_FILE = Path(__file__).with_name("data") / "haarcascade_frontalface_default.xml.gz"
#: evaluate stages on the whole window grid while more than this fraction of windows is alive
DENSE_UNTIL = 0.25
LICENCE = "Intel License Agreement (BSD-style), OpenCV haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class Stage:
    threshold: float
    rx: np.ndarray  # (n_weak, 3) rectangle x in the 24x24 window
    ry: np.ndarray
    rw: np.ndarray
    rh: np.ndarray
    weight: np.ndarray  # (n_weak, 3), 0 for an unused third rectangle
    node_threshold: np.ndarray  # (n_weak,)
    left: np.ndarray
    right: np.ndarray


@dataclass(frozen=True)
class Cascade:
    width: int
    height: int
    stages: tuple[Stage, ...]


@functools.lru_cache(maxsize=2)
def load_cascade(path: str | None = None) -> Cascade:
    """Parse an OpenCV (new-format, stump-based HAAR) cascade XML, plain or gzipped."""
    p = Path(path) if path else CASCADE_FILE
    data = p.read_bytes()
    if p.suffix == ".gz":
        data = gzip.decompress(data)
    root = ET.fromstring(data)
    casc = root.find("cascade")
    if casc is None or (casc.findtext("featureType") or "").strip() != "HAAR":
        raise ValueError(f"{p}: not a HAAR cascade")

    def text(el: ET.Element, tag: str) -> str:
        value = el.findtext(tag)
        if value is None:
            raise ValueError(f"{p}: <{tag}> missing")
        return value

    def child(el: ET.Element, tag: str) -> ET.Element:
        found = el.find(tag)
        if found is None:
            raise ValueError(f"{p}: <{tag}> missing")
        return found

    width = int(text(casc, "width"))
    height = int(text(casc, "height"))
    features = []
    for feat in child(casc, "features"):
        if (feat.findtext("tilted") or "0").strip() not in ("0", ""):
            raise ValueError(f"{p}: tilted Haar features are not supported")
        rects = []
        for r in child(feat, "rects"):
            vals = (r.text or "").split()
            x, y, w, h = (int(float(v)) for v in vals[:4])
            rects.append((x, y, w, h, float(vals[4])))
        while len(rects) < 3:
            rects.append((0, 0, 0, 0, 0.0))
        features.append(rects[:3])
    stages = []
    for st in child(casc, "stages"):
        thr = float(text(st, "stageThreshold"))
        weak = list(child(st, "weakClassifiers"))
        rect = np.zeros((len(weak), 3, 5), np.float64)
        nthr = np.zeros(len(weak))
        left = np.zeros(len(weak))
        right = np.zeros(len(weak))
        for k, wc in enumerate(weak):
            nodes = text(wc, "internalNodes").split()
            leaves = text(wc, "leafValues").split()
            if len(nodes) != 4:
                raise ValueError(f"{p}: only stump cascades are supported")
            rect[k] = features[int(nodes[2])]
            nthr[k] = float(nodes[3])
            left[k], right[k] = float(leaves[0]), float(leaves[1])
        stages.append(Stage(
            thr, rect[:, :, 0].astype(np.int64), rect[:, :, 1].astype(np.int64),
            rect[:, :, 2].astype(np.int64), rect[:, :, 3].astype(np.int64), rect[:, :, 4].copy(),
            nthr, left, right,
        ))
    return Cascade(width, height, tuple(stages))


def _stage_offsets(st: Stage, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat integral-image offsets (n_weak, 12) of the rectangles' corners and their signed weights."""
    cached = _OFFSETS.get((id(st), stride))
    if cached is not None:
        return cached
    x0, y0, x1, y1 = st.rx, st.ry, st.rx + st.rw, st.ry + st.rh
    offs = np.stack([y1 * stride + x1, y0 * stride + x1, y1 * stride + x0, y0 * stride + x0], axis=2)  # (n, 3, 4)
    signs = np.array([1.0, -1.0, -1.0, 1.0])
    coef = st.weight[:, :, None] * signs[None, None, :]
    used = np.abs(st.weight) > 0
    # unused third rectangles cost nothing: point them at offset 0 with weight 0
    offs = np.where(used[:, :, None], offs, 0)
    out = (offs.reshape(len(offs), 12).astype(np.int64), coef.reshape(len(coef), 12))
    _OFFSETS[(id(st), stride)] = out
    return out


_OFFSETS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _scale_hits(gray: np.ndarray, factor: float, casc: Cascade) -> list[tuple[int, int, int, int]]:
    import cv2

    H, W = gray.shape
    ww, wh = casc.width, casc.height
    sw, sh = int(round(W / factor)), int(round(H / factor))
    if sw - ww <= 0 or sh - wh <= 0:
        return []
    img = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_LINEAR_EXACT) if (sw, sh) != (W, H) else gray
    isum, isq = cv2.integral2(img, sdepth=cv2.CV_32S, sqdepth=cv2.CV_64F)
    stride = sw + 1
    flat = isum.ravel()
    step = 1 if factor > 2.0 else 2
    ys, xs = np.mgrid[0: sh - wh + 1: step, 0: sw - ww + 1: step]
    base = (ys * stride + xs).ravel().astype(np.int64)

    # variance normalisation over the window shrunk by one pixel (OpenCV's normrect)
    nw, nh = ww - 2, wh - 2
    area = float(nw * nh)
    ny, nx = ys.shape
    isum64 = isum.astype(np.float64)

    def grid_box(table: np.ndarray, x0: int, y0: int, w: int, h: int) -> np.ndarray:
        a = table[y0 + h: y0 + h + step * ny: step, x0 + w: x0 + w + step * nx: step]
        b = table[y0: y0 + step * ny: step, x0 + w: x0 + w + step * nx: step]
        c = table[y0 + h: y0 + h + step * ny: step, x0: x0 + step * nx: step]
        d = table[y0: y0 + step * ny: step, x0: x0 + step * nx: step]
        return (a - b) - (c - d)

    s = grid_box(isum64, 1, 1, nw, nh).ravel()
    sq = grid_box(isq, 1, 1, nw, nh).ravel()
    nf = area * sq - s * s
    ok = nf > 0
    vnf = 1.0 / np.sqrt(np.where(ok, nf, 1.0))
    ok &= area * vnf < 0.1  # OpenCV skips windows with a standard deviation of 10 or less
    X = xs.ravel()
    alive = ok.reshape(ys.shape)
    vgrid = np.where(alive, vnf.reshape(ys.shape), 0.0)

    def dense(st: Stage) -> np.ndarray:
        """A stage's score for every window of the grid, by strided slices of the integral image."""
        total = np.zeros((ny, nx))
        for k in range(len(st.left)):
            val = np.zeros((ny, nx))
            for r in range(3):
                wt = st.weight[k, r]
                if wt == 0:
                    continue
                x0, y0 = int(st.rx[k, r]), int(st.ry[k, r])
                x1, y1 = x0 + int(st.rw[k, r]), y0 + int(st.rh[k, r])
                val += wt * grid_box(isum64, x0, y0, x1 - x0, y1 - y0)
            total += np.where(val * vgrid < st.node_threshold[k], st.left[k], st.right[k])
        return total

    # OpenCV skips the next window along a row after one that fails the first stage: replay that
    first = casc.stages[0]
    fail0 = (dense(first) < first.threshold) | ~alive
    evaluated = np.ones((ny, nx), bool)
    for col in range(1, nx):
        evaluated[:, col] = ~(evaluated[:, col - 1] & fail0[:, col - 1])
    passed = evaluated & ~fail0
    dense_stages = 1
    # slices of the whole grid beat gathers while many windows are alive
    while dense_stages < len(casc.stages) and passed.mean() > DENSE_UNTIL:
        st = casc.stages[dense_stages]
        passed &= dense(st) >= st.threshold
        dense_stages += 1
    keep = passed.ravel()
    base, X, Y = base[keep], xs.ravel()[keep], ys.ravel()[keep]
    vnf = vgrid.ravel()[keep]
    for st in casc.stages[dense_stages:]:
        if base.size == 0:
            return []
        offs, coef = _stage_offsets(st, stride)
        g = flat[base[:, None, None] + offs[None]]  # (n, weak, 12)
        vals = np.einsum("nwk,wk->nw", g, coef, optimize=False) * vnf[:, None]
        score = np.where(vals < st.node_threshold[None], st.left[None], st.right[None]).sum(axis=1)
        keep = score >= st.threshold
        base, X, Y, vnf = base[keep], X[keep], Y[keep], vnf[keep]
    win_w, win_h = int(round(ww * factor)), int(round(wh * factor))
    return [(int(round(x * factor)), int(round(y * factor)), win_w, win_h) for x, y in zip(X.tolist(), Y.tolist())]


def group_rectangles(rects: list[tuple[int, int, int, int]], threshold: int, eps: float = 0.2) -> list[tuple[int, int, int, int]]:
    """OpenCV's groupRectangles: cluster similar boxes, average them, keep clusters with more
    than `threshold` members, drop small boxes inside bigger well-supported ones."""
    n = len(rects)
    if threshold <= 0 or n == 0:
        return list(rects)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        x1, y1, w1, h1 = rects[i]
        for j in range(i + 1, n):
            x2, y2, w2, h2 = rects[j]
            delta = eps * (min(w1, w2) + min(h1, h2)) * 0.5
            if (abs(x1 - x2) <= delta and abs(y1 - y2) <= delta
                    and abs(x1 + w1 - x2 - w2) <= delta and abs(y1 + h1 - y2 - h2) <= delta):
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    classes = []
    for members in groups.values():
        arr = np.array([rects[m] for m in members], np.float64)
        avg = arr.mean(axis=0)
        box = (int(round(avg[0])), int(round(avg[1])), int(round(avg[2])), int(round(avg[3])))
        classes.append((box, len(members)))
    out = []
    for i, (r1, n1) in enumerate(classes):
        if n1 <= threshold:
            continue
        inside = False
        for j, (r2, n2) in enumerate(classes):
            if j == i or n2 <= threshold:
                continue
            dx, dy = int(round(r2[2] * eps)), int(round(r2[3] * eps))
            if (r1[0] >= r2[0] - dx and r1[1] >= r2[1] - dy and r1[0] + r1[2] <= r2[0] + r2[2] + dx
                    and r1[1] + r1[3] <= r2[1] + r2[3] + dy and (n2 > max(3, n1) or n1 < 3)):
                inside = True
                break
        if not inside:
            out.append(r1)
    return out


def detect_faces_gray(gray: np.ndarray, *, scale_factor: float = 1.1, min_neighbors: int = 3, min_size: int = 24, max_size: int | None = None) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in a grayscale uint8 image, like cv2.CascadeClassifier.detectMultiScale."""

    casc = load_cascade()
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    H, W = gray.shape
    hits: list[tuple[int, int, int, int]] = []
    factor = 1.0
    while True:
        win = int(round(casc.width * factor))
        if int(round(W / factor)) - casc.width <= 0 or int(round(H / factor)) - casc.height <= 0:
            break
        if max_size is not None and win > max_size:
            break
        if win >= min_size:
            hits += _scale_hits(gray, factor, casc)
        factor *= scale_factor
    boxes = group_rectangles(hits, min_neighbors)
    return sorted(boxes, key=lambda b: (-b[2] * b[3], b[0], b[1]))


def detect_faces(image, *, work_size: int = 384, scale_factor: float = 1.2, min_neighbors: int = 3) -> list[list[int]]:
    """Face boxes [x, y, w, h] in the pixels of a PIL image (searched at up to `work_size` px)."""
    import cv2

    gray = np.asarray(image.convert("L"))
    H, W = gray.shape
    scale = min(1.0, work_size / float(max(H, W)))
    small = cv2.resize(gray, (max(1, int(round(W * scale))), max(1, int(round(H * scale)))), interpolation=cv2.INTER_AREA) if scale < 1.0 else gray
    boxes = detect_faces_gray(cv2.equalizeHist(small), scale_factor=scale_factor, min_neighbors=min_neighbors)
    out = []
    for x, y, w, h in boxes:
        bx, by = int(round(x / scale)), int(round(y / scale))
        bw, bh = int(round(w / scale)), int(round(h / scale))
        bx, by = max(0, min(bx, W - 1)), max(0, min(by, H - 1))
        out.append([bx, by, min(bw, W - bx), min(bh, H - by)])
    return out
