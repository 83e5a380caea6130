"""Throughput of a batch of procedural runs: sequential vs the local process pool vs Ray.

    python benchmarks/batch.py                      # 32 items, 2 workers, every executor
    python benchmarks/batch.py --recipe soundtrack --items 32 --workers 2 --json out.json

Recipe: `soundtrack` (procedural music) or `game-assets` when they are installed and run here,
else `images`, a CPU-bound procedural recipe made of builtin image steps (each item upsamples,
downsamples and lays out its own set of generated images). Every executor gets a fresh cache and
batch folder, so no executor profits from another's work, and every item is a distinct run.

Timings: each measurement runs in a fresh Python process (so every executor pays its imports, as a
user of `studio batch` does): the wall clock of `run_batch`, which for the local pool includes
starting its worker processes and for Ray its actors. Ray itself is started before the timing (as
on a cluster, where it is already up); the cost of starting a local Ray is reported separately.
Because a shared machine may not give a batch all its cores, every round also measures the
*parallel ceiling*: N processes running a pure CPU loop vs one process running it N times (on an
idle 2-core machine about 2x). Judge an executor's speed-up against that ceiling.
`--rounds N` repeats the comparison, rotating the order, and reports median speed-ups: the
machine may be shared, so compare speed-ups within a round, not absolute seconds. The load
average is printed with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMAGES_RECIPE = """\
name: bench-images
description: CPU-bound procedural image work (upsample, downsample, contact sheet)
inputs:
  folder: {type: path}
steps:
  - id: load
    use: image.load
    with: {path: $inputs.folder}
  - id: up
    use: image.resize
    with: {images: $load.images, width: 800, resample: lanczos}
  - id: down
    use: image.resize
    with: {images: $up.images, width: 200, resample: lanczos}
  - id: sheet
    use: image.contact_sheet
    with: {images: $down.images, columns: 3}
outputs:
  sheet: $sheet.image
"""


def _probe(recipe: str, inputs: dict[str, Any], overrides: dict[str, Any] | None, tmp: Path) -> str | None:
    """Run one item of a candidate recipe; None if it works here, else why not."""
    import studio

    try:
        studio.run(recipe, inputs, overrides=overrides, out=tmp / f"probe-{recipe}", cache=tmp / "probe-cache")
    except Exception as exc:  # noqa: BLE001 - any failure means: use another recipe, and say why
        return f"{type(exc).__name__}: {exc}"
    return None


def choose_recipe(name: str, items: int, tmp: Path, duration: float = 15.0) -> tuple[Any, Any, dict[str, Any], str]:
    """(recipe, rows, batch kwargs, description)."""
    import studio

    available = studio.list_recipes()
    candidates = {
        "soundtrack": {"inputs": {"prompt": "calm forest exploration, acoustic guitar and flute", "duration": duration},
                       "overrides": {"music.backend": "procedural"}, "product": {"seed": list(range(1, items + 1))}},
        "game-assets": {"inputs": {"prompts": "red health potion; goblin enemy; stone wall texture; coin pickup sound"},
                        "product": {"seed": list(range(1, items + 1))}},
    }
    order = [name] if name != "auto" else ["soundtrack", "game-assets", "images"]
    for cand in order:
        if cand == "images":
            break
        if cand not in available:
            print(f"recipe {cand!r} is not available here", file=sys.stderr)
            continue
        spec = candidates[cand]
        why = _probe(cand, dict(spec.get("inputs", {})), spec.get("overrides"), tmp)
        if why is None:
            shown = {**spec.get("inputs", {}), **spec.get("overrides", {})}
            return cand, None, spec, f"{cand} {json.dumps(shown)} x {items} seeds"
        print(f"recipe {cand!r} does not run here ({why})", file=sys.stderr)
        if name != "auto":
            raise SystemExit(2)
    import numpy as np
    from PIL import Image

    path = tmp / "bench-images.yaml"
    path.write_text(IMAGES_RECIPE)
    root = tmp / "inputs"
    for i in range(items):
        folder = root / f"set{i:03d}"
        folder.mkdir(parents=True)
        rng = np.random.default_rng(i)
        for j in range(4):
            Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(folder / f"{j}.png")
    return str(path), str(root), {}, f"bench-images (4 images up to 800 px and down, lanczos) x {items} folders"


def measure(executor: str, workers: int, setup: dict[str, Any], out: Path) -> dict[str, Any]:
    """One timed batch, in this (fresh) process: imports are paid inside the timing, as a user of
    `studio batch` pays them."""
    t_start = time.perf_counter()
    from studio.batch import run_batch

    extra: dict[str, Any] = {}
    ray_start = None
    if executor == "local-sessions":  # the pool with each worker in its own session (autogroup)
        os.environ["STUDIO_BATCH_NEW_SESSION"] = "1"
        executor = "local"
    if executor == "ray":
        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False, logging_level="WARNING")
        ray_start = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        res = run_batch(setup["recipe"], setup["rows"], executor=executor, workers=workers if executor != "sequential" else None,
                        out=out / "batch", cache=out / "cache", **setup["spec"], **extra)
        wall = time.perf_counter() - t0
    finally:
        if executor == "ray":
            import ray

            ray.shutdown()
    if not res.ok:
        raise SystemExit(f"{executor}: batch {res.status}: {[it['error'] for it in res.failed][:3]}")
    cpu = os.times()
    return {
        "seconds": round(wall, 2),
        "process_seconds": round(time.perf_counter() - t_start, 2),
        "ray_start_seconds": round(ray_start, 2) if ray_start is not None else None,
        "item_seconds_sum": round(sum(it["seconds"] or 0 for it in res.items), 2),
        "cpu_seconds": round(cpu.user + cpu.system + cpu.children_user + cpu.children_system, 2),
        "load_avg": round(os.getloadavg()[0], 2),
    }


def _spin() -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(10_000_000):
        x += i * i
    return time.perf_counter() - t0


def parallel_ceiling(workers: int) -> float:
    """How much faster N CPU-bound processes finish N units of work than one process does them
    in turn, right now: the most any parallel executor can reach on this machine at this load."""
    import subprocess

    cmd = [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import batch; print(batch._spin())", str(Path(__file__).parent)]
    one = float(subprocess.check_output(cmd, text=True))
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    for proc in procs:
        proc.communicate()
    return round(workers * one / (time.perf_counter() - t0), 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", default="auto", choices=["auto", "soundtrack", "game-assets", "images"])
    ap.add_argument("--items", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=15.0, help="seconds of music per soundtrack item")
    ap.add_argument("--executors", default="sequential,local,ray")
    ap.add_argument("--rounds", type=int, default=1, help="repeat, rotating the order of executors (the machine may be shared)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures here")
    ap.add_argument("--measure", nargs=3, metavar=("EXECUTOR", "SETUP", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.measure:
        ex, setup_file, out = args.measure
        print(json.dumps(measure(ex, args.workers, json.loads(Path(setup_file).read_text()), Path(out))))
        return 0

    import statistics
    import subprocess

    executors = args.executors.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="studio-bench-batch-"))
    results: dict[str, Any] = {"items": args.items, "workers": args.workers, "cpus": os.cpu_count(), "rounds": []}
    try:
        recipe, rows, spec, what = choose_recipe(args.recipe, args.items, tmp, args.duration)
        setup_file = tmp / "setup.json"
        setup_file.write_text(json.dumps({"recipe": recipe, "rows": rows, "spec": spec}))
        results["recipe"] = what
        print(f"recipe: {what}; {args.workers} workers; {os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
        for r in range(args.rounds):
            order = executors[r % len(executors):] + executors[: r % len(executors)]
            figures: dict[str, Any] = {"ceiling_before": parallel_ceiling(args.workers)}
            for ex in order:
                out = tmp / f"r{r}-{ex}"
                proc = subprocess.run([sys.executable, __file__, "--workers", str(args.workers), "--measure", ex, str(setup_file), str(out)],
                                      capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    print(proc.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"{ex}: the measurement failed")
                figures[ex] = json.loads(proc.stdout.strip().splitlines()[-1])
                shutil.rmtree(out, ignore_errors=True)
                f = figures[ex]
                extra = f", Ray start {f['ray_start_seconds']:.1f}s" if f.get("ray_start_seconds") is not None else ""
                print(f"round {r + 1}: {ex:10s} {f['seconds']:7.2f}s ({args.items / f['seconds']:.2f} items/s; load avg {f['load_avg']}{extra})", file=sys.stderr)
            figures["ceiling_after"] = parallel_ceiling(args.workers)
            print(f"round {r + 1}: parallel ceiling now (pure CPU loop, {args.workers} processes vs 1): "
                  f"{figures['ceiling_before']:.2f}x before, {figures['ceiling_after']:.2f}x after", file=sys.stderr)
            if "sequential" in figures:
                for ex in executors:
                    if ex != "sequential":
                        figures[ex]["speedup"] = round(figures["sequential"]["seconds"] / figures[ex]["seconds"], 2)
                        if figures[ex].get("ray_start_seconds") is not None:
                            figures[ex]["speedup_including_ray_start"] = round(
                                figures["sequential"]["seconds"] / (figures[ex]["seconds"] + figures[ex]["ray_start_seconds"]), 2)
            results["rounds"].append(figures)
        summary: dict[str, Any] = {}
        for ex in executors:
            secs = [rd[ex]["seconds"] for rd in results["rounds"]]
            summary[ex] = {"median_seconds": round(statistics.median(secs), 2), "items_per_s": round(args.items / statistics.median(secs), 3)}
            ups = [rd[ex]["speedup"] for rd in results["rounds"] if "speedup" in rd[ex]]
            if ups:
                summary[ex]["median_speedup"] = round(statistics.median(ups), 2)
                summary[ex]["speedups"] = ups
                print(f"{ex}: median {statistics.median(ups):.2f}x sequential (rounds: {ups})", file=sys.stderr)
        ceilings = [rd[k] for rd in results["rounds"] for k in ("ceiling_before", "ceiling_after")]
        summary["parallel_ceiling"] = {"median": round(statistics.median(ceilings), 2), "all": ceilings}
        print(f"parallel ceiling of this machine during the runs: median {statistics.median(ceilings):.2f}x ({ceilings})", file=sys.stderr)
        results["summary"] = summary
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
