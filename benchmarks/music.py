"""Soundtrack benchmarks.

1. Procedural: time to compose and render a 60 s track with stems (44.1 kHz stereo), through the
   backend and through the engine (`music.generate`, cache off). Goal: under 3 s on a 2-core box.
2. MusicGen: real-time factor of a tiny random MusicGen (built in code, the real architecture)
   through the engine (`music.generate`, model loaded once by the model manager) against calling
   transformers directly with the same processor, model and arguments. Goal: overhead ratio <= 1.05.

    python benchmarks/music.py [--repeat 3] [--seconds 60] [--musicgen-seconds 10] [--threads 1]

Timings are wall clock, best and median of --repeat runs after one warm-up run (imports, font and
model loading happen in the warm-up and are reported separately).
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _times(fn, repeat: int) -> dict:
    """Wall and CPU seconds (CPU time is steadier on a shared, overloaded machine)."""
    t0 = time.perf_counter()
    fn()
    warm = time.perf_counter() - t0
    runs, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"first": round(warm, 3), "best": round(min(runs), 3), "median": round(statistics.median(runs), 3),
            "cpu_best": round(min(cpu), 3), "cpu_median": round(statistics.median(cpu), 3)}


def bench_procedural(seconds: float, repeat: int, prompt: str) -> dict:
    import numpy as np

    import studio
    from studio.backends.audio.music import synth
    from studio.backends.audio.music.composer import compose, to_pretty_midi
    from studio.backends.audio.music.style import infer_style

    info: dict = {}

    def backend():
        rng = np.random.default_rng(0)
        st = infer_style(prompt, rng=rng)
        comp = compose(st, seconds, rng=rng, loopable=True, bpm_fixed=False)
        pm = to_pretty_midi(comp, humanize_rng=np.random.default_rng(1))
        r = synth.render(comp, pm, sample_rate=44100)
        info["stems"] = len(r.stems)
        info["samples"] = int(r.mix.shape[0])

    out = {"backend": _times(backend, repeat), **info}
    tmp = Path(tempfile.mkdtemp(prefix="bench-music-"))
    p = studio.Pipeline("bench-procedural")
    m = p.step("music.generate", id="music", prompt=prompt, duration=seconds, backend="procedural", loopable=True)
    p.output("audio", m.audio)
    p.output("stems", m.stems)
    p.output("midi", m.midi)
    count = iter(range(10**6))

    def engine():
        studio.run(p, out=tmp / f"run{next(count)}", use_cache=False, seed=0)

    out["engine (saves WAV mix, stems, MIDI)"] = _times(engine, repeat)
    return out


def bench_musicgen(seconds: float, repeat: int) -> dict:
    import numpy as np
    import torch

    import studio
    from studio.models.loaders.audio import load_musicgen
    from studio.testing.tiny_musicgen import build_tiny_musicgen

    tmp = Path(tempfile.mkdtemp(prefix="bench-musicgen-"))
    path = build_tiny_musicgen(tmp / "tiny")
    model, processor, family = load_musicgen(path)  # the manager's copy, shared with the engine
    kwargs = {"do_sample": True, "guidance_scale": 3.0, "temperature": 1.0, "top_k": 250}
    frames = int(np.ceil(seconds * 50))

    def direct():
        inputs = processor(text=["tense chase through a neon city"], padding=True, return_tensors="pt")
        with torch.no_grad():
            torch.manual_seed(0)
            out = model.generate(**inputs, max_new_tokens=frames + 3, **kwargs)
        audio = out[0, 0].float().cpu().numpy()[: int(round(seconds * 32000))]
        assert audio.shape[0] == int(round(seconds * 32000))

    p = studio.Pipeline("bench-musicgen")
    m = p.step("music.generate", id="music", prompt="tense chase through a neon city", duration=seconds,
               backend="musicgen", model=str(path), top_k=250, guidance=3.0)
    p.output("audio", m.audio)
    count = iter(range(10**6))

    def engine():
        studio.run(p, out=tmp / f"run{next(count)}", use_cache=False, seed=0)

    # interleave so that machine load drifts affect both alike
    d_runs, e_runs, d_cpu, e_cpu = [], [], [], []
    direct()
    engine()
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        direct()
        d_runs.append(time.perf_counter() - t0)
        d_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        engine()
        e_runs.append(time.perf_counter() - t0)
        e_cpu.append(time.process_time() - c0)
    d, e = statistics.median(d_runs), statistics.median(e_runs)
    return {
        "audio_seconds": seconds,
        "direct_transformers_s": round(d, 3),
        "engine_s": round(e, 3),
        "direct_rtf": round(d / seconds, 4),
        "engine_rtf": round(e / seconds, 4),
        "overhead_ratio": round(e / d, 4),
        "best_ratio": round(min(e_runs) / min(d_runs), 4),
        "cpu_direct_s": round(statistics.median(d_cpu), 3),
        "cpu_engine_s": round(statistics.median(e_cpu), 3),
        "cpu_overhead_ratio": round(statistics.median(e_cpu) / statistics.median(d_cpu), 4),
        "runs_direct": [round(x, 3) for x in d_runs],
        "runs_engine": [round(x, 3) for x in e_runs],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--musicgen-seconds", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 avoids OpenMP thrashing on a shared 2-core box)")
    ap.add_argument("--prompt", default="tense chase through a neon city")
    ap.add_argument("--skip-musicgen", action="store_true")
    ap.add_argument("--skip-procedural", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("STUDIO_CACHE_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
    result = {} if args.skip_procedural else {"procedural": bench_procedural(args.seconds, args.repeat, args.prompt)}
    if not args.skip_musicgen:
        import torch

        torch.set_num_threads(args.threads)
        result["musicgen_tiny"] = bench_musicgen(args.musicgen_seconds, args.repeat)
        result["musicgen_tiny"]["torch_threads"] = args.threads
    result["cpus"] = os.cpu_count()
    try:
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
