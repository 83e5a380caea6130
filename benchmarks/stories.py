"""Story benchmarks (#17): does the template writer tell the premise's story, and do two premises
share lines?

On the premises of benchmarks/data/premises.txt (50, each with the characters, setting and key
things it names, written by hand after ' | '), for every premise and seed, a script of --panels
panels is written with the template writer, and:

- entity recall: the share of the hand-listed entities that appear in the script (descriptions,
  captions or speech; a word counts in its plural too). Goal: >= 0.9.
- distinctness: the share of speech lines (over all scripts of one seed) that occur in more than
  one premise's script. Goal: <= 0.05.
- understood: the share of premises the reader understood (a character and what they do).
- seconds per script (spaCy loaded once, before the clock starts).

    python benchmarks/stories.py [--panels 4] [--seeds 0,1,2] [--show N] [--json]

`--show N` prints the first N scripts in full, for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parent / "data" / "premises.txt"


def load_premises(path: Path = DATA) -> list[tuple[str, list[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        premise, _, ents = line.partition(" | ")
        out.append((premise.strip(), [e.strip() for e in ents.split(",") if e.strip()]))
    return out


def mentions(text: str, entity: str) -> bool:
    """The entity in the text, as a word or phrase, singular or plural ('chef' in 'Chef Rosa',
    'pig' in 'pigs', 'mice' as itself)."""
    pattern = r"\b" + r"\s+".join(re.escape(w) for w in entity.lower().split()) + r"(?:s|es)?\b"
    return re.search(pattern, text.lower()) is not None


def script_text(panels: list[dict]) -> str:
    return " ".join(p["description"] + " " + p["caption"] + " " + " ".join(s["text"] for s in p["speech"]) for p in panels)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--panels", type=int, default=4)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from studio.backends.text.story import template_script
    from studio.backends.text.understand import nlp, understand

    premises = load_premises()
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    nlp()
    load_s = time.perf_counter() - t0

    recalls, missed, distinct, times = [], defaultdict(list), [], []
    understood = sum(understand(p).understood for p, _ in premises) / len(premises)
    shown = 0
    for seed in seeds:
        owners: dict[str, set[int]] = defaultdict(set)
        n_lines = 0
        for i, (premise, ents) in enumerate(premises):
            t = time.perf_counter()
            script = template_script(premise, args.panels, seed)
            times.append(time.perf_counter() - t)
            text = script_text(script.panels)
            hits = [e for e in ents if mentions(text, e)]
            recalls.append(len(hits) / len(ents) if ents else 1.0)
            for e in ents:
                if e not in hits:
                    missed[premise].append(e)
            for p in script.panels:
                for s in p["speech"]:
                    owners[s["text"].strip().lower()].add(i)
                    n_lines += 1
            if shown < args.show and seed == seeds[0]:
                shown += 1
                print(f"\n## {premise}  (understood: {script.understood})")
                for c in script.characters:
                    print(f"   cast: {c['name']}: {c['look']}")
                for p in script.panels:
                    print(f"   {p['panel']} [{p['beat']}] {p['description']}\n      caption: {p['caption']}")
                    for s in p["speech"]:
                        print(f"      {s['speaker']}: {s['text']}")
        shared_lines = sum(1 for t, who in owners.items() if len(who) > 1)
        shared = sum(1 for p_i in range(len(premises)) for t, who in owners.items() if len(who) > 1 and p_i in who)
        distinct.append({"seed": seed, "lines": n_lines, "distinct_texts": len(owners), "shared_texts": shared_lines,
                         "share_shared": shared / max(n_lines, 1),
                         "examples": sorted(t for t, who in owners.items() if len(who) > 1)[:5]})
    result = {
        "premises": len(premises), "panels": args.panels, "seeds": seeds,
        "entity_recall": round(statistics.mean(recalls), 4),
        "entity_recall_min": round(min(recalls), 3),
        "missed": {p: sorted(set(m)) for p, m in missed.items()},
        "share_of_speech_lines_in_more_than_one_premise": round(max(d["share_shared"] for d in distinct), 4),
        "distinctness_by_seed": distinct,
        "understood": round(understood, 3),
        "spacy_load_s": round(load_s, 2),
        "seconds_per_script_median": round(statistics.median(times), 4),
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"\n{len(premises)} premises x {len(seeds)} seeds, {args.panels} panels")
        print(f"entity recall: {result['entity_recall']:.3f} (goal >= 0.9; lowest premise {result['entity_recall_min']})")
        for p, m in result["missed"].items():
            print(f"   missed {m} in: {p}")
        print(f"speech lines in more than one premise's script: {result['share_of_speech_lines_in_more_than_one_premise']:.3f} (goal <= 0.05)")
        for d in distinct:
            print(f"   seed {d['seed']}: {d['lines']} lines, {d['shared_texts']} texts shared, e.g. {d['examples']}")
        print(f"understood: {result['understood']:.2f} of premises; spaCy load {load_s:.2f} s; "
              f"{result['seconds_per_script_median'] * 1000:.1f} ms per script (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
