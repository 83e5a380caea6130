"""The panels asked for: keyframes for a comic (`video.keyframes` with fill on, as the comic
recipes run it) on every shared clip and the synthetic demo clip.

    python benchmarks/panels.py [--panels 6] [--save DIR]

Per clip it prints the keyframes found against those asked for, the smallest difference-hash
distance between two of them (near-duplicates when it is at or under the dedupe threshold, 6
bits), their times, and, where ground_truth.json lists the picture shots (`content_shots`), the
keyframes that fall outside them (black, mid-fade). A clip holds N panels when it is at least
N x select.MOMENT_GAP seconds long. `--save DIR` writes a contact sheet per clip.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.backends.video.extract import KeyframeOptions, _image_hash, extract_keyframes  # noqa: E402
from studio.backends.video.features import hamming  # noqa: E402
from studio.backends.video.select import MOMENT_GAP  # noqa: E402

TESTDATA = REPO.parent / "shared" / "testdata"
DEDUPE = 6




def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panels", type=int, default=6)
    ap.add_argument("--save", type=Path, default=None)
    args = ap.parse_args()
    truth = json.loads((TESTDATA / "ground_truth.json").read_text()) if (TESTDATA / "ground_truth.json").is_file() else {}
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        from studio.comic.demo_clip import make_demo_clip

        clips = sorted(p for p in (TESTDATA / "video").glob("*") if p.suffix in (".mp4", ".mkv")) if TESTDATA.is_dir() else []
        clips.append(make_demo_clip(Path(tmp) / "demo.mp4"))
        for clip in clips:
            res = extract_keyframes(clip, KeyframeOptions(max_frames=args.panels, fill=True))
            kfs = res.keyframes
            hashes = [_image_hash(k.image) for k in kfs]
            dmin = min((hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:]), default=64)
            holds = res.info.duration >= args.panels * MOMENT_GAP and not res.stats["all_blank"]
            shots = truth.get(f"video/{clip.name}", {}).get("content_shots")
            outside = [round(k.time, 2) for k in kfs if shots and not any(a <= k.time < b for a, b in shots)]
            ok = (len(kfs) >= args.panels or not holds) and dmin > DEDUPE and not outside
            failed += not ok
            print(f"{clip.name:28s} {res.info.duration:5.1f}s shots={len(res.scenes)} keyframes={len(kfs)}/{args.panels}"
                  f"{'' if holds else ' (holds no picture or is too short)'} min_dhash={dmin} times={[round(k.time, 2) for k in kfs]}"
                  f"{f' outside picture shots: {outside}' if outside else ''} {'ok' if ok else 'FAIL'}")
            if args.save:
                from PIL import Image

                args.save.mkdir(parents=True, exist_ok=True)
                thumbs = [k.image.copy() for k in kfs]
                for t in thumbs:
                    t.thumbnail((320, 240))
                sheet = Image.new("RGB", (320 * max(1, len(thumbs)), 240), "white")
                for i, t in enumerate(thumbs):
                    sheet.paste(t, (320 * i, 0))
                sheet.save(args.save / f"{clip.stem}.png")
    print(f"\n{len(clips) - failed}/{len(clips)} clips ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
