"""Faces that survive the comic stylizer: of the faces OpenCV's detector finds in a frame, the share
still found (at the same place) in the stylized frame, per style.

    python benchmarks/faces.py [--styles manga,noir] [--step 0.4] [--save DIR] [--quick]

Two sets:
  keyframes  the keyframes `video.keyframes` picks (max 6 per clip) from every shared clip in
             ../shared/testdata/video (when present) and the synthetic demo clip
  sampled    a larger set: one frame every `--step` seconds from every shared clip and the demo
             clip (frames with at least one face)
Faces are found with studio.backends.image.faces.detect_faces (OpenCV's frontal Haar cascade,
confirmed by a second cascade) on the frame and on its stylized copy; a face counts as kept when
a face in the stylized copy overlaps it (IoU >= 0.3). Goal: at least 0.8 for every style on
both sets. `--save DIR` writes, per style, a sheet of each face before and after (to look at).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from studio.backends.image.comic_filter import STYLES, stylize  # noqa: E402
from studio.backends.image.faces import detect_faces  # noqa: E402

TESTDATA = REPO.parent / "shared" / "testdata" / "video"
GOAL = 0.8


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def clips(tmp: Path) -> list[Path]:
    from studio.comic.demo_clip import make_demo_clip

    found = sorted(p for p in TESTDATA.glob("*") if p.suffix in (".mp4", ".mkv")) if TESTDATA.is_dir() else []
    return [*found, make_demo_clip(tmp / "demo.mp4")]


def keyframe_set(paths: list[Path]) -> list[tuple[str, object]]:
    from studio.backends.video.extract import KeyframeOptions, extract_keyframes

    out = []
    for p in paths:
        res = extract_keyframes(p, KeyframeOptions(max_frames=6))
        out += [(f"{p.name}@{k.time:.2f}", k.image) for k in res.keyframes]
    return out


def sampled_set(paths: list[Path], step: float) -> list[tuple[str, object]]:
    from studio.backends.video.decode import frame_time, open_video, to_display_image

    out = []
    for p in paths:
        ov = open_video(p)
        try:
            nxt = 0.0
            for fr in ov.frames:
                t = frame_time(fr, ov.info)
                if t is None or t < nxt:
                    continue
                nxt = t + step
                out.append((f"{p.name}@{t:.2f}", to_display_image(fr, ov.info)))
        finally:
            ov.close()
    return out


def measure(frames, styles, save: Path | None, label: str) -> dict[str, tuple[int, int]]:
    from PIL import Image

    with_faces = [(name, img, detect_faces(img)) for name, img in frames]
    with_faces = [x for x in with_faces if x[2]]
    total = sum(len(f) for _, _, f in with_faces)
    print(f"\n[{label}] {len(frames)} frames, {len(with_faces)} with faces, {total} faces")
    result = {}
    for style in styles:
        kept = 0
        crops = []
        t0 = time.perf_counter()
        lost = []
        for name, img, faces in with_faces:
            out = stylize(img, style, seed=0)
            again = detect_faces(out)
            for f in faces:
                ok = any(_iou(f, g) >= 0.3 for g in again)
                kept += ok
                if not ok:
                    lost.append(name)
                if save is not None and len(crops) < 48:
                    x, y, w, h = f
                    m = w // 3
                    box = (max(0, x - m), max(0, y - m), min(img.width, x + w + m), min(img.height, y + h + m))
                    a = img.crop(box).resize((128, 128))
                    b = out.crop(box).resize((128, 128))
                    pair = Image.new("RGB", (256, 132), (255, 255, 255) if ok else (255, 0, 0))
                    pair.paste(a, (0, 2))
                    pair.paste(b, (128, 2))
                    crops.append(pair)
        secs = time.perf_counter() - t0
        share = kept / total if total else float("nan")
        flag = "ok" if share >= GOAL else "BELOW GOAL"
        print(f"  {style:15s} {kept:3d}/{total:3d} kept = {share:.3f}  ({secs / max(1, len(with_faces)):.2f} s/frame)  {flag}"
              + (f"  lost: {', '.join(sorted(set(lost))[:6])}" if lost else ""))
        result[style] = (kept, total)
        if save is not None and crops:
            save.mkdir(parents=True, exist_ok=True)
            cols = 4
            sheet = Image.new("RGB", (256 * cols, 132 * ((len(crops) + cols - 1) // cols)), (255, 255, 255))
            for i, c in enumerate(crops):
                sheet.paste(c, ((i % cols) * 256, (i // cols) * 132))
            sheet.save(save / f"{label}-{style}.png")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--styles", default=",".join(STYLES))
    ap.add_argument("--step", type=float, default=0.4, help="seconds between sampled frames")
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--quick", action="store_true", help="keyframes set only")
    args = ap.parse_args()
    styles = [s.strip() for s in args.styles.split(",") if s.strip()]
    if not TESTDATA.is_dir():
        print(f"note: {TESTDATA} is absent; only the synthetic demo clip is measured")
    with tempfile.TemporaryDirectory() as tmp:
        paths = clips(Path(tmp))
        results = [measure(keyframe_set(paths), styles, args.save, "keyframes")]
        if not args.quick:
            results.append(measure(sampled_set(paths, args.step), styles, args.save, "sampled"))
    worst = min((k / t for r in results for k, t in r.values() if t), default=float("nan"))
    print(f"\nworst share kept: {worst:.3f} (goal >= {GOAL})")
    return 0 if worst >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
