"""Game-asset generation on the embedded defaults: wall time of a 20-asset spec and the packing
efficiency of the sheets.

    python benchmarks/assets.py                 # examples/assets.yaml (20 assets), 3 warm runs
    python benchmarks/assets.py --spec my.yaml --runs 5 --json out.json

Figures:
- cold: the first `studio.run("game-assets", spec=...)` in a fresh process (imports included,
  the cache off), as a user's first CLI run pays it;
- warm: the median of `--runs` further runs (cache off, so every asset is made again);
- per kind: seconds spent per asset kind (from a direct `build`), to see where time goes;
- packing: used area / sheet area for each animation sheet and the shared atlas, and for
  synthetic frame sets (random sizes, trimmed sprites), with and without power-of-two sizes.
The machine may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def run_once(spec: Path, out: Path) -> tuple[float, dict]:
    import studio

    t = time.perf_counter()
    r = studio.run("game-assets", out=out, spec=str(spec), use_cache=False)
    return time.perf_counter() - t, r.outputs["index"].data


def per_kind(spec_path: Path) -> dict[str, float]:
    """Seconds per asset kind, timed around each asset of a direct build."""
    from studio.assets import build as b
    from studio.assets import sprites, textures
    from studio.assets.spec import AssetsSpec, parse_spec_file
    from studio.backends.audio import sfx as sfxmod

    spec = parse_spec_file(spec_path)

    def subject(d, r, s, st):
        return sprites.procedural_sprite(d, size=r, seed=s, style=st, margin=0.02)

    def texture(d, w, h, s, tile):
        return textures.texture_set(textures.generate_procedural(d, width=w, height=h, seed=s), tile=tile if tile != "none" else "both")

    def sound(d, k, s, dur):
        x, info = sfxmod.generate_sfx(d, kind=k, seed=s, duration=dur)
        return x, sfxmod.SAMPLE_RATE, info

    def export(x, rate, out, stem, sidecar=None):
        from studio.export.audio import export_audio

        return export_audio(x, rate, out, stem, formats=("wav", "ogg"), target_lufs=None, sidecar=sidecar)

    gens = b.Generators(subject, texture, sound, export)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, a in enumerate(spec.assets):
            one = AssetsSpec(name=spec.name, assets=[a], style=spec.style, palette=spec.palette, sheet={**spec.sheet, "atlas": False})
            folder = Path(tmp) / str(i)
            folder.mkdir()
            t = time.perf_counter()
            b.build(one, folder, gens, seed=0)
            times[a.kind] = times.get(a.kind, 0.0) + time.perf_counter() - t
    return {k: round(v, 3) for k, v in sorted(times.items())}


def synthetic_packing() -> dict[str, float]:
    import numpy as np
    from PIL import Image

    from studio.assets.packing import Frame, pack_frames

    rng = np.random.default_rng(0)
    out = {}
    for label, n, lo, hi in (("40 mixed 8-96 px", 40, 8, 96), ("120 small 8-32 px", 120, 8, 32), ("16 equal 64 px", 16, 64, 65)):
        frames = []
        for i in range(n):
            w, h = int(rng.integers(lo, hi)), int(rng.integers(lo, hi))
            a = np.zeros((h, w, 4), dtype=np.uint8)
            a[..., 3] = 255
            frames.append(Frame(str(i), Image.fromarray(a)))
        for pow2 in (False, True):
            sheet = pack_frames(frames, padding=2, extrude=1, power_of_two=pow2)
            out[f"{label}{' pow2' if pow2 else ''}"] = round(sheet.efficiency(), 3)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=str(REPO / "examples" / "assets.yaml"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the figures here")
    args = ap.parse_args()
    spec = Path(args.spec)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STUDIO_CACHE_DIR"] = str(Path(tmp) / "cache")
        cold, index = run_once(spec, Path(tmp) / "cold")
        warm = [run_once(spec, Path(tmp) / f"warm{i}")[0] for i in range(args.runs)]
    sheets = {e["id"]: e["sheet"]["efficiency"] for e in index["assets"] if e.get("sheet")}
    if index.get("atlas"):
        sheets["atlas (all sprites + frames)"] = index["atlas"]["efficiency"]
    figures = {
        "spec": str(spec),
        "assets": len(index["assets"]),
        "kinds": {k: sum(1 for e in index["assets"] if e["kind"] == k) for k in ("sprite", "animation", "texture", "icon", "sfx")},
        "cold_seconds": round(cold, 2),
        "warm_seconds_median": round(statistics.median(warm), 2),
        "warm_seconds": [round(w, 2) for w in warm],
        "seconds_per_kind": per_kind(spec),
        "sheet_efficiency": sheets,
        "synthetic_packing_efficiency": synthetic_packing(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
