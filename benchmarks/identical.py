"""Do refactors change what studio makes? Run every builtin recipe with fixed seeds and digest
every file it writes, then compare with a digest recorded before the change.

    python benchmarks/identical.py --record before.json     # on the old code
    python benchmarks/identical.py --check before.json      # on the new code: exit 1 on any change
    python benchmarks/identical.py --quick ...              # the four `make demo` jobs only

Each job runs in this process through the Python API with `use_cache=False`, seed 7, into a
fresh temporary folder. Binary files (PNG, WAV, OGG, PDF, CBZ, MP4, MIDI, ...) are compared by
their SHA-256. JSON files are compared after dropping what legitimately changes between runs:
absolute paths (the temporary folders) everywhere, and in `manifest.json` wall times, run ids,
dates, library versions and cache keys (the cache key holds a digest of studio's code, which
changes with any edit by design).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SEED = 7
# keys whose values are times, dates, machine facts or code digests: dropped before comparing
# (manifests only: other JSON files must match after paths are normalised)
VOLATILE = re.compile(r"^(seconds|.*_seconds|run_id|cache_key|.*time.*|elapsed|started|finished|created|date|host|python|platform|"
                      r"version|versions|code_digest|fingerprint|pid|peak_rss.*|threads)$", re.I)


def _sample_images(folder: Path) -> Path:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, colour) in enumerate([("dawn", "#f4a261"), ("sea", "#2a9d8f"), ("night", "#264653"), ("ember", "#e76f51")]):
        img = Image.new("RGB", (320, 240), colour)
        d = ImageDraw.Draw(img)
        d.ellipse([110 + 10 * i, 60, 210 + 10 * i, 160], fill="#fefae0")
        d.rectangle([20 + 30 * i, 180, 90 + 30 * i, 230], fill="#1d3557")
        img.save(folder / f"{i}-{name}.png")
    return folder


def jobs(work: Path, quick: bool) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(label, recipe, inputs, overrides): the demo jobs, then one run of every other builtin."""
    from studio.comic.demo_clip import make_demo_clip

    clip = str(make_demo_clip(work / "demo-clip.mp4"))
    out: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        ("demo-comic-from-video", "comic-from-video", {"video": clip}, {}),
        ("demo-comic-from-prompt", "comic-from-prompt", {"prompt": "a cat who wants to fly"}, {}),
        ("demo-game-assets", "game-assets", {"prompts": "red health potion; goblin enemy; stone wall texture; coin pickup sound"}, {}),
        ("demo-soundtrack", "soundtrack", {"prompt": "calm exploration in a misty forest"}, {}),
    ]
    if quick:
        return out
    pics = str(_sample_images(work / "pics"))
    out += [
        ("captions", "captions", {"video": clip}, {}),
        ("comic-from-prompt-manga", "comic-from-prompt",
         {"prompt": "two rival chefs compete to bake the tallest cake", "style": "manga", "panels": 6}, {}),
        ("contact-sheet", "contact-sheet", {"folder": pics}, {}),
        ("game-assets-spec", "game-assets", {"spec": str(REPO / "examples" / "assets.yaml")}, {}),
        ("image", "image", {"prompt": "a knight in front of a castle at sunset", "count": 2}, {}),
        ("keyframes", "keyframes", {"video": clip}, {}),
        ("motion-comic", "motion-comic", {"video": clip, "panels": 4, "seconds_per_panel": 1.0}, {}),
        ("restyle", "restyle", {"folder": pics, "style": "manga"}, {}),
        ("soundtrack-intro", "soundtrack", {"prompt": "tense chase through a neon city", "duration": 12, "loopable": False}, {}),
        ("story", "story", {"premise": "a robot gardener discovers a flower growing on Mars"}, {}),
    ]
    return out


def _normalise(value: Any, roots: tuple[str, ...], volatile: bool = True) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v, roots, volatile) for k, v in sorted(value.items())
                if not (volatile and VOLATILE.search(str(k)))}
    if isinstance(value, list):
        return [_normalise(v, roots, volatile) for v in value]
    if isinstance(value, str):
        for r in roots:
            value = value.replace(r, "<ROOT>")
        return value
    if isinstance(value, float):
        return round(value, 6)
    return value


def digest_file(path: Path, roots: tuple[str, ...]) -> str:
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            obj = json.loads(data)
        except ValueError:
            pass
        else:
            data = json.dumps(_normalise(obj, roots, path.name == "manifest.json"), sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()[:20]


def run_all(quick: bool, only: list[str] | None) -> dict[str, dict[str, str]]:
    import studio

    result: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="studio-identical-") as tmp:
        work = Path(tmp)
        for label, recipe, inputs, overrides in jobs(work, quick):
            if only and label not in only:
                continue
            out = work / "runs" / label
            print(f"== {label}", file=sys.stderr, flush=True)
            studio.run(recipe, inputs, seed=SEED, overrides=overrides, out=out, use_cache=False)
            roots = (str(out), str(work), str(REPO), tmp)
            files = sorted(p for p in out.rglob("*") if p.is_file())
            result[label] = {str(p.relative_to(out)): digest_file(p, roots) for p in files}
    return result


def compare(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    diffs = []
    for label in sorted(set(before) | set(after)):
        b, a = before.get(label), after.get(label)
        if b is None or a is None:
            diffs.append(f"{label}: only {'after' if b is None else 'before'}")
            continue
        for name in sorted(set(b) | set(a)):
            if b.get(name) != a.get(name):
                what = "missing after" if name not in a else "new" if name not in b else "differs"
                diffs.append(f"{label}/{name}: {what}")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--record", metavar="FILE", help="write the digests of this code's outputs")
    g.add_argument("--check", metavar="FILE", help="compare this code's outputs with recorded digests")
    ap.add_argument("--quick", action="store_true", help="the four demo jobs only")
    ap.add_argument("--only", nargs="*", help="these job labels only")
    args = ap.parse_args()
    digests = run_all(args.quick, args.only)
    if args.record:
        Path(args.record).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        n = sum(len(v) for v in digests.values())
        print(f"recorded {n} files from {len(digests)} jobs in {args.record}")
        return 0
    before = json.loads(Path(args.check).read_text())
    if args.quick or args.only:
        before = {k: v for k, v in before.items() if k in digests}
    diffs = compare(before, digests)
    for d in diffs:
        print(d)
    n = sum(len(v) for v in digests.values())
    print(f"{n} files from {len(digests)} jobs: {'identical' if not diffs else f'{len(diffs)} differences'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
