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

Premises may carry a second field after ' | ' (written by hand): `comp=VERB@DOER` (the goal asks
DOER to do VERB: "teaches her goat to sing" is comp=sing@goat), `gender=NOUN:f|m|n` (what the
premise's pronouns or nouns say), `weather=wind|rain|snow|fog|storm|sun`. On those:

- goal recall: the share of comp annotations whose last panel shows the deed (its verb, in any
  form, in the last panel's picture description) and whose doer is in that picture.
- gender: the share of gender annotations whose cast look says it ("with her ...", a gendered
  noun), so the painter can draw it.
- weather: the share of weather annotations the reader finds, and of their panels whose picture
  description names the weather.
- repeated place adjective: the share of panels after the first that repeat a describing word of
  the place the premise gives ("the windy hill" in every panel), of premises whose place has one.

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
    return [(p, ents) for p, ents, _ in load_annotated(path)]


def load_annotated(path: Path = DATA) -> list[tuple[str, list[str], dict[str, list[str]]]]:
    """(premise, entities, annotations {"comp": ["sing@goat"], "gender": ["beekeeper:f"], "weather": ["wind"]})."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        premise, _, rest = line.partition(" | ")
        ents, _, notes = rest.partition(" | ")
        ann: dict[str, list[str]] = {}
        for part in notes.split(";"):
            key, _, val = part.strip().partition("=")
            if key and val:
                ann[key.strip()] = [v.strip() for v in val.split(",") if v.strip()]
        out.append((premise.strip(), [e.strip() for e in ents.split(",") if e.strip()], ann))
    return out


WEATHER_WORDS = {"wind": ("wind", "windy", "gust", "breeze", "breezy", "gale"), "rain": ("rain", "rainy", "drizzle", "downpour"),
                 "snow": ("snow", "snowy", "blizzard", "snowfall"), "fog": ("fog", "foggy", "mist", "misty"),
                 "storm": ("storm", "stormy", "thunderstorm", "thunder", "lightning"), "sun": ("sun", "sunny", "sunshine")}


#: gendered nouns in a look (the benchmark's own list, so it measures older checkouts too)
FEMALE_NOUNS = {"girl", "woman", "lady", "mother", "grandmother", "grandma", "granny", "sister", "daughter", "granddaughter",
                "aunt", "queen", "princess", "nun", "witch", "mermaid", "bride", "widow", "cowgirl"}
MALE_NOUNS = {"boy", "man", "father", "grandfather", "grandpa", "brother", "son", "grandson", "uncle", "king", "prince",
              "monk", "wizard", "groom", "widower", "cowboy", "fisherman", "gentleman"}


def verb_forms(verb: str) -> set[str]:
    from lemminflect import getAllInflections

    forms = {verb}
    for fs in getAllInflections(verb, upos="VERB").values():
        forms.update(fs)
    return forms


def annotation_scores(premise: str, ann: dict[str, list[str]], script, understanding) -> dict[str, list[float]]:
    """Goal recall, gender and weather hits, and repeated place adjectives of one script."""
    out: dict[str, list[float]] = defaultdict(list)
    panels = script.panels
    for item in ann.get("comp", []):
        verb, _, doer = item.partition("@")
        last = panels[-1]["description"].lower()
        toks = re.findall(r"[a-z]+", last)
        done = any(t in verb_forms(verb) and (k == 0 or toks[k - 1] not in ("to", "can", "could", "will")) for k, t in enumerate(toks))
        out["goal"].append(float(done and (not doer or mentions(last, doer))))  # "the goat sings", not "... to sing"
        out["goal_in_script"].append(float(bool(set(re.findall(r"[a-z]+", script_text(panels).lower())) & verb_forms(verb))))
    for item in ann.get("gender", []):
        noun, _, g = item.partition(":")
        entry = next((c for c in script.characters if c["noun"].split()[-1] == noun or noun in c["name"].lower()), None)
        look = (entry or {}).get("look", "").lower()
        said = ("f" if re.search(r"\bher\b", look) or any(w in FEMALE_NOUNS for w in re.findall(r"[a-z]+", look)) else
                "m" if re.search(r"\bhis\b", look) or any(w in MALE_NOUNS for w in re.findall(r"[a-z]+", look)) else
                "n" if re.search(r"\btheir\b", look) else None)
        out["gender"].append(float(said == g))
    for w in ann.get("weather", []):
        out["weather_read"].append(float(understanding.weather == w))
        kinds = WEATHER_WORDS.get(w, (w,))
        out["weather_panels"] += [float(any(re.search(r"\b" + k, p["description"].lower()) for k in kinds)) for p in panels]
    s = understanding.setting
    if s is not None and not s.proper:
        adjs = [x for x in s.phrase.lower().split()[:-1] if x not in ("a", "an", "the", "his", "her", "their", "its", "my", "our")
                and (x in WEATHER_WORDS.get(understanding.weather or "", ()) or x.endswith(("y", "ed")))]
        for adj in adjs:
            phrase = adj + " " + s.phrase.lower().split()[-1]
            out["place_repeats"] += [float(phrase in (p["description"] + " " + p["caption"] + " " + p["speech"][0]["text"]).lower())
                                     for p in panels[1:]]
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

    annotated = load_annotated()
    premises = [(p, e) for p, e, _ in annotated]
    notes = {p: a for p, _, a in annotated}
    scores: dict[str, list[float]] = defaultdict(list)
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
            for k, v in annotation_scores(premise, notes[premise], script, understand(premise)).items():
                scores[k] += v
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
        "annotations": {k: {"share": round(statistics.mean(v), 3), "n": len(v)} for k, v in sorted(scores.items()) if v},
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
        names = {"goal": "goal recall (the last picture shows the deed asked)", "goal_in_script": "the deed named in the script",
                 "gender": "gender said in the cast look", "weather_read": "weather read", "weather_panels": "pictures naming the weather",
                 "place_repeats": "later panels repeating the place's adjective (lower is better)"}
        for k, v in result["annotations"].items():
            print(f"{names.get(k, k)}: {v['share']:.3f} (n={v['n']})")
        print(f"understood: {result['understood']:.2f} of premises; spaCy load {load_s:.2f} s; "
              f"{result['seconds_per_script_median'] * 1000:.1f} ms per script (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
