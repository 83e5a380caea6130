"""Does the procedural painter draw what the request names? (#18)

    python benchmarks/drawn.py                      # measures, a table and JSON on stdout
    python benchmarks/drawn.py --sheets docs/       # also writes contact sheets of what it drew
    python benchmarks/drawn.py --old /tmp/old       # speed against another checkout (git worktree)

On `benchmarks/data/drawn_premises.txt` (premises, each with the setting and the things a reader
expects to see, written by hand) and `benchmarks/data/asset_prompts.txt` (asset prompts and their
things), from each image's `drawn` report:

- recall: share of the named things drawn as something (not a placeholder card, not "not drawn");
  goals >= 0.85 (premises) and >= 0.9 (assets)
- placeholders: share of named things that came out as placeholder cards (goal <= 0.02)
- settings: share of premises naming a place whose drawn setting is that place (goal >= 0.85)
- the same on `benchmarks/data/drawn_heldout.txt`, 12 premises written after the tuning (first
  measured recall 0.76, settings 0.91; the general fixes it showed were then made, so it is no
  longer held out: write a new one to check again)
- story pictures (`--story`): on the annotated premises of `benchmarks/data/premises.txt` (see
  benchmarks/stories.py), each panel of the template writer's 4-panel script (seed 0, every look
  repeated as panel.j2 does) read by the painter: the weather drawn in every panel, a pronoun's
  gender drawn on the person in the first panel, and the deed asked (sing, dance, fly, swim, cook,
  paint, jump) drawn on its doer in the last panel
- speed: seconds per 768x512 scene (the comic panel size), this checkout against `--old`
  (another checkout, e.g. `git worktree add /tmp/old 759d3be`), runs alternated in fresh
  processes; goal: new / old <= 1.5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "data"


def read_rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([part.strip() for part in line.split("|")])
    return rows


def _stem(word: str) -> str:
    w = word.lower()
    for end in ("ies", "es", "s"):
        if w.endswith(end) and len(w) > len(end) + 2:
            return w[: -len(end)] + ("y" if end == "ies" else "")
    return w


def recalled(name: str, things: list[dict]) -> tuple[bool, bool]:
    """(drawn, as a placeholder) for a named thing, from a `drawn` report's things."""
    key = _stem(name)
    for t in things:
        words = {_stem(x) for x in str(t["word"]).replace("-", " ").split()} | {_stem(t["word"])}
        if key in words:
            if t.get("placeholder"):
                return False, True
            return not str(t["drawn_as"]).startswith("not drawn"), False
    return False, False


def measure(rows: list[list[str]], *, premises: bool) -> dict:
    from studio.backends.image.procedural import drawn_for

    named = drawn = cards = 0
    set_named = set_ok = 0
    misses: list[str] = []
    wrong_places: list[str] = []
    for row in rows:
        prompt = row[0]
        want = row[1] if premises else "-"
        things = [t.strip() for t in (row[2] if premises else row[1]).split(",") if t.strip()]
        report = drawn_for(prompt, subject_only=not premises)
        for name in things:
            ok, card = recalled(name, report["things"])
            named += 1
            drawn += ok
            cards += card
            if not ok:
                misses.append(f"{name} ({prompt})")
        if premises and want != "-":
            set_named += 1
            if report["setting"] == want:
                set_ok += 1
            else:
                wrong_places.append(f"{prompt}: {report['setting']} (want {want})")
    out = {"prompts": len(rows), "named": named, "recall": round(drawn / max(1, named), 3),
           "placeholders": round(cards / max(1, named), 3), "misses": misses}
    if premises:
        out.update(settings_named=set_named, settings=round(set_ok / max(1, set_named), 3), wrong_settings=wrong_places)
    return out


_PAINTED_WEATHER = {"wind": "wind", "rain": "rain", "storm": "storm", "snow": "snow", "fog": "fog", "sun": "clear"}
_DEED_POSES = {"sing": "sing", "dance": "dance", "swim": "swim", "cook": "cook", "paint": "paint", "jump": "jump", "fly": "airborne"}


def story_drawn() -> dict:
    """What the painter draws of the annotated premises' scripts (see the module docstring)."""
    from stories import load_annotated

    from studio.backends.image.procedural import parse_prompt
    from studio.backends.text.story import template_script

    hits: dict[str, list[int]] = {"weather": [], "gender": [], "deed": []}
    misses: list[str] = []
    for premise, _ents, ann in load_annotated():
        if not ann:
            continue
        script = template_script(premise, 4, 0)
        looks = [c["look"].strip(" ,") for c in script.characters]
        infos = []
        for p in script.panels:
            text = p["description"].rstrip(".") + "".join(", " + lk for lk in looks if lk.lower() not in p["description"].lower())
            infos.append(parse_prompt(text))
        for w in ann.get("weather", []):
            for info in infos:
                ok = _PAINTED_WEATHER.get(w, w) in info.weather
                hits["weather"].append(ok)
                if not ok:
                    misses.append(f"weather {w}: {premise}")
        for item in ann.get("gender", []):
            noun, _, g = item.partition(":")
            if g not in ("f", "m"):
                continue
            person = next((x for x in infos[0].subjects if x.archetype == "person" and noun.startswith(x.word.rstrip("s"))), None)
            ok = person is not None and person.variant.get("sex") == g
            hits["gender"].append(ok)
            if not ok:
                misses.append(f"gender {item}: {premise}")
        for item in ann.get("comp", []):
            verb, _, doer = item.partition("@")
            if verb not in _DEED_POSES:
                continue
            sub = next((x for x in infos[-1].subjects if doer.startswith(x.word.rstrip("s")) or x.word.startswith(doer)), None)
            ok = sub is not None and (sub.airborne if verb == "fly" else sub.pose == _DEED_POSES[verb])
            hits["deed"].append(ok)
            if not ok:
                misses.append(f"deed {item}: {premise}")
    return {k: {"share": round(sum(v) / max(1, len(v)), 3), "n": len(v)} for k, v in hits.items()} | {"misses": misses}


_TIMER = r"""
import os, sys, time, json
os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, sys.argv[1])
from studio.backends.image.procedural import generate_image
prompts = json.loads(sys.argv[2])
generate_image("warm up", width=96, height=64, seed=0)
t = time.perf_counter()
for i, p in enumerate(prompts):
    generate_image(p, width=768, height=512, seed=i, style="outlined", identity=7)
print((time.perf_counter() - t) / len(prompts))
"""


def speed(old: Path, prompts: list[str], rounds: int) -> dict:
    """Seconds per 768x512 outlined scene, old and new checkouts alternated in fresh processes."""
    times: dict[str, list[float]] = {"old": [], "new": []}
    for _ in range(rounds):
        for name, root in (("old", old), ("new", ROOT)):
            res = subprocess.run([sys.executable, "-c", _TIMER, str(root), json.dumps(prompts)], capture_output=True, text=True,
                                 cwd=str(root), check=True)
            times[name].append(float(res.stdout.strip().splitlines()[-1]))
    o, n = statistics.median(times["old"]), statistics.median(times["new"])
    return {"old_s_per_image": round(o, 3), "new_s_per_image": round(n, 3), "ratio": round(n / o, 3), "rounds": rounds,
            "load": os.getloadavg()[0], "runs": times}


def sheets(folder: Path, premise_rows: list[list[str]], asset_rows: list[list[str]]) -> list[str]:
    """Small contact sheets of what the painter draws (docs/)."""
    from PIL import Image, ImageDraw

    from studio.backends.image.procedural import generate_image
    from studio.comic.fonts import load_font

    folder.mkdir(parents=True, exist_ok=True)
    font = load_font(11)
    written = []
    picks = premise_rows[:: max(1, len(premise_rows) // 12)][:12]
    tw, th = 288, 192
    sheet = Image.new("RGB", (tw * 4, (th + 28) * 3), (24, 24, 30))
    d = ImageDraw.Draw(sheet)
    for i, row in enumerate(picks):
        img = generate_image(row[0], width=tw * 2, height=th * 2, seed=i, style="outlined", identity=1).resize((tw, th))
        x, y = (i % 4) * tw, (i // 4) * (th + 28)
        sheet.paste(img, (x, y))
        d.text((x + 4, y + th + 4), row[0][:52], fill=(230, 230, 230), font=font)
    p = folder / "drawn_premises.png"
    sheet.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(p, optimize=True)  # dithered: no banding
    written.append(str(p))
    picks = asset_rows[:24]
    s = 112
    sheet = Image.new("RGB", (s * 8, (s + 22) * 3), (236, 236, 232))
    d = ImageDraw.Draw(sheet)
    for i, row in enumerate(picks):
        img = generate_image(row[0], width=s * 2, height=s * 2, seed=i, style="outlined", subject_only=True).resize((s, s))
        x, y = (i % 8) * s, (i // 8) * (s + 22)
        sheet.paste(img, (x, y), img)
        d.text((x + 3, y + s + 3), row[0][:20], fill=(30, 30, 30), font=font)
    p = folder / "drawn_assets.png"
    sheet.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(p, optimize=True)
    written.append(str(p))
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, help="another checkout to time against (e.g. a git worktree of 759d3be)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--speed-prompts", type=int, default=8)
    ap.add_argument("--sheets", type=Path, help="write contact sheets into this folder")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--story", action="store_true", help="only the story pictures measure")
    args = ap.parse_args()
    if args.story:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        res = story_drawn()
        for k in ("weather", "gender", "deed"):
            print(f"story pictures, {k}: {res[k]['share']:.3f} (n={res[k]['n']})")
        for m in res["misses"]:
            print("  missed:", m)
        return 0
    premise_rows = read_rows(DATA / "drawn_premises.txt")
    asset_rows = read_rows(DATA / "asset_prompts.txt")
    result = {"premises": measure(premise_rows, premises=True), "assets": measure(asset_rows, premises=False),
              "heldout": measure(read_rows(DATA / "drawn_heldout.txt"), premises=True)}
    if args.old:
        result["speed"] = speed(args.old, [r[0] for r in premise_rows[: args.speed_prompts]], args.rounds)
    if args.sheets:
        result["sheets"] = sheets(args.sheets, premise_rows, asset_rows)
    pr, ar = result["premises"], result["assets"]
    print(f"premises: {pr['prompts']}, named things {pr['named']}: recall {pr['recall']:.3f} (goal >= 0.85), "
          f"placeholders {pr['placeholders']:.3f} (goal <= 0.02), settings {pr['settings']:.3f} of {pr['settings_named']} (goal >= 0.85)")
    print(f"assets:   {ar['prompts']}, named things {ar['named']}: recall {ar['recall']:.3f} (goal >= 0.9), "
          f"placeholders {ar['placeholders']:.3f} (goal <= 0.02)")
    ho = result["heldout"]
    print(f"held-out premises (see the file's note): {ho['prompts']}, named things {ho['named']}: recall {ho['recall']:.3f}, "
          f"placeholders {ho['placeholders']:.3f}, settings {ho['settings']:.3f}")
    if "speed" in result:
        sp = result["speed"]
        print(f"speed: {sp['new_s_per_image']:.3f} s/image vs {sp['old_s_per_image']:.3f} old: ratio {sp['ratio']:.2f} (goal <= 1.5), load {sp['load']:.1f}")
    for m in pr["misses"] + ar["misses"]:
        print("  missed:", m)
    for m in pr["wrong_settings"]:
        print("  setting:", m)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
