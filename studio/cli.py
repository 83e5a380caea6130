"""The `studio` command line: a thin shell over the Python API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from studio import list_recipes, steps_schema
from studio._version import __version__
from studio.commands import register_all
from studio.engine.errors import Cancelled, RecipeError, StorageError, StudioError, UserError
from studio.progress_view import ProgressView


def cmd_recipes(args: argparse.Namespace) -> int:

    recipes = list_recipes()
    if args.json:
        print(json.dumps(recipes, indent=2))
        return 0
    width = max((len(n) for n in recipes), default=0)
    for name, desc in recipes.items():
        print(f"{name.ljust(width)}  {desc}")
    return 0


def cmd_steps(args: argparse.Namespace) -> int:

    schema = steps_schema()
    if args.name:
        schema = {k: v for k, v in schema.items() if k == args.name or k.startswith(args.name + ".")}
        if not schema:
            from studio.engine.step import STEPS

            STEPS.get(args.name)  # raises a helpful unknown-name error
    if args.json:
        print(json.dumps(schema, indent=2, default=str))
        return 0
    for name, s in schema.items():
        print(f"{name}  (v{s['version']}) — {s['description']}")
        for k, port in s["inputs"].items():
            opt = "" if port["required"] else ", optional"
            print(f"    in   {k}: {port['type']}{opt}  {port['doc']}")
        for k, port in s["outputs"].items():
            print(f"    out  {k}: {port['type']}  {port['doc']}")
        for k, prm in s["params"].items():
            default = f" = {prm['default']!r}" if "default" in prm else (" (required)" if prm["required"] else "")
            rng = ""
            if "minimum" in prm or "maximum" in prm:
                rng = f" [{prm.get('minimum', '')}..{prm.get('maximum', '')}]"
            if "enum" in prm:
                rng = f" {{{', '.join(map(str, prm['enum']))}}}"
            print(f"    par  {k}: {prm['type']}{default}{rng}  {prm['doc']}")
        print()
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from studio.engine.recipe import load_recipe

    failed = 0
    for recipe in args.recipes:
        try:
            p = load_recipe(recipe)
        except RecipeError as exc:
            print(exc.report(), file=sys.stderr)
            failed += 1
            continue
        print(f"{recipe}: ok ({len(p.steps)} steps: {', '.join(s.id for s in p.steps)})")
    return 2 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from studio.engine.coerce import parse_cli_value, parse_pairs
    from studio.engine.executor import execute
    from studio.engine.recipe import load_recipe

    p = load_recipe(args.recipe)
    inputs: dict[str, Any] = dict(parse_pairs(args.input, "-i"))
    overrides = [(k, parse_cli_value(v)) for k, v in parse_pairs(args.set, "--set")]
    if args.dry_run:
        from studio.engine.executor import apply_overrides, resolve_inputs

        q = apply_overrides(p, overrides)
        q.check()
        resolved = resolve_inputs(q, inputs)
        print(f"recipe {q.name}: valid; inputs: {json.dumps(resolved, default=str)}")
        for i, s in enumerate(q.order()):
            print(f"  {i + 1}. {s.id} ({s.use}) with {json.dumps(s.with_, default=str)}")
        return 0

    with ProgressView(enabled=not args.quiet) as view:
        result = execute(
            p,
            inputs,
            seed=args.seed,
            overrides=overrides,
            out=args.out,
            cache=args.cache_dir,
            use_cache=not args.no_cache,
            listeners=[view],
        )
    hits = result.manifest["cache"]["hits"]
    total = len(result.manifest["steps"])
    print(f"done in {result.manifest['seconds']:.2f}s; {hits}/{total} steps from cache", file=sys.stderr)
    for w in view.unshown_warnings(result.manifest):
        print(f"warning: {w}", file=sys.stderr)
    for line in result.output_lines():
        print(line)
    print(result.run_dir)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Composable creative-media pipelines: comics, game assets and soundtracks.",
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("recipes", help="list builtin recipes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recipes)

    p = sub.add_parser("steps", help="list registered steps with inputs, outputs and params")
    p.add_argument("name", nargs="?", help="one step or a prefix such as image")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_steps)

    p = sub.add_parser("validate", help="check recipes without running them (all errors, file:line)")
    p.add_argument("recipes", nargs="+", metavar="RECIPE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run a recipe (a path or a builtin name)")
    p.add_argument("recipe", metavar="RECIPE")
    p.add_argument("-i", "--input", action="append", default=[], metavar="NAME=VALUE", help="a recipe input")
    p.add_argument("--set", action="append", default=[], metavar="STEP.PARAM=VALUE", help="override a step param")
    p.add_argument("--seed", type=int, help="recipe seed (default: the recipe's, else 0)")
    p.add_argument("--out", metavar="DIR", help="write the run folder here instead of outputs/<recipe>/<run-id>/")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the step cache")
    p.add_argument("--cache-dir", metavar="DIR", default=os.environ.get("STUDIO_CACHE_DIR"), help="cache location (env STUDIO_CACHE_DIR)")
    p.add_argument("--dry-run", action="store_true", help="validate and show the plan; run nothing")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_run)


    register_all(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except RecipeError as exc:
        _traceback(args)
        print(exc.report(), file=sys.stderr)
        return exc.exit_code
    except Cancelled as exc:
        print(f"studio: {exc}", file=sys.stderr)
        return exc.exit_code
    except (UserError, StorageError) as exc:
        # user input (exit 2) or an unusable folder (exit 1): one line; -v adds the traceback
        _traceback(args)
        print(f"studio: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except StudioError as exc:
        _traceback(args)
        hint = "" if args.verbose else " (run with --verbose for the traceback)"
        print(f"studio: failed: {exc}{hint}", file=sys.stderr)
        return exc.exit_code
    except RecursionError:
        _traceback(args)
        print("studio: error: input nested too deeply to process", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _traceback(args: argparse.Namespace) -> None:
    """With -v, the traceback goes first; the exit code stays the error's own."""
    if getattr(args, "verbose", False):
        import traceback

        traceback.print_exc(file=sys.stderr)


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
