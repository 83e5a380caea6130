"""`studio demo`: run the main jobs on the embedded defaults and print where the results are."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import studio
from studio import list_recipes
from studio.progress_view import ProgressView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the builtin demo jobs on embedded defaults (no weights needed)")
    p.add_argument("--out", metavar="DIR", default=None, help="outputs root (default: outputs/)")
    p.set_defaults(func=run_demo)


def _sample_images(folder: Path) -> Path:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, colour) in enumerate([("dawn", "#f4a261"), ("sea", "#2a9d8f"), ("night", "#264653"), ("ember", "#e76f51")]):
        img = Image.new("RGB", (320, 240), colour)
        d = ImageDraw.Draw(img)
        d.ellipse([110 + 10 * i, 60, 210 + 10 * i, 160], fill="#fefae0")
        img.save(folder / f"{i}-{name}.png")
    return folder


def demo_jobs(workdir: Path) -> list[tuple[str, dict]]:
    """(recipe, inputs) pairs for every demo whose recipe is installed, richest first."""

    recipes = list_recipes()
    jobs: list[tuple[str, dict]] = []
    if "comic-from-video" in recipes:
        from studio.comic.demo_clip import make_demo_clip

        jobs.append(("comic-from-video", {"video": str(make_demo_clip(workdir / "demo-clip.mp4"))}))
    if "comic-from-prompt" in recipes:
        jobs.append(("comic-from-prompt", {"prompt": "a cat who wants to fly"}))
    if "game-assets" in recipes:
        jobs.append(("game-assets", {"prompts": "red health potion; goblin enemy; stone wall texture; coin pickup sound"}))
    if "soundtrack" in recipes:
        jobs.append(("soundtrack", {"prompt": "calm exploration in a misty forest"}))
    if not jobs:
        jobs.append(("contact-sheet", {"folder": str(_sample_images(workdir / "pics"))}))
    return jobs


def run_demo(args: argparse.Namespace) -> int:

    with tempfile.TemporaryDirectory(prefix="studio-demo-") as tmp:
        for recipe, inputs in demo_jobs(Path(tmp)):
            print(f"== {recipe}", file=sys.stderr)
            with ProgressView() as view:
                result = studio.run(recipe, inputs, outputs_root=args.out, listeners=[view])
            for w in view.unshown_warnings(result.manifest):
                print(f"warning: {w}", file=sys.stderr)
            for line in result.output_lines():
                print(f"  {line}")
            print(result.run_dir)
    return 0
