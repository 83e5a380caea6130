"""`studio batch`: run one recipe over many inputs (a table, a folder, value axes), locally in
parallel or on a Ray cluster. Exit status: 0 all items done, 1 some failed, 2 a user error,
130 cancelled."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from studio.engine.errors import Cancelled, UserError

EPILOG = """\
examples:
  studio batch contact-sheet --inputs shoots/                      one run per sub-folder
  studio batch soundtrack --inputs cues.csv --product seed=1..4    every row with seeds 1..4
  studio batch my.yaml --product prompt=@prompts.txt --product style=manga,noir
  studio batch my.yaml --product prompt=a,b,c --product seed=1,2,3 --zip prompt,seed
  studio batch my.yaml --inputs rows.jsonl --executor ray --address ray://head:10001

names in tables and axes: recipe inputs, seed (the run seed), or STEP.PARAM (an override).
Re-running the same command resumes the batch: finished items are skipped.
docs: docs/batch.md"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help="run a recipe over many inputs (table, folder, seeds x prompts), locally or on Ray",
        description="Run one recipe over many inputs. Every item is an ordinary run with its own run folder; "
        "all share the step cache; batch.json lists every item.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recipe", metavar="RECIPE", help="a builtin recipe name or a .yaml path")
    p.add_argument("--inputs", metavar="TABLE|FOLDER", help="a .csv/.tsv/.jsonl/.json table (one item per row) or a folder (one item per entry)")
    p.add_argument("--feed", metavar="NAME", help="the recipe input that gets a folder's entries (default: its one path input)")
    p.add_argument("--product", action="append", default=[], metavar="NAME=VALUES", help="cross every item with these values: 1..8, a,b,c or @file.txt (repeatable)")
    p.add_argument("--zip", action="append", default=[], metavar="A,B|NAME=VALUES", help="advance the named --product axes together instead of crossing them, or declare zipped axes NAME=VALUES")
    p.add_argument("-i", "--input", action="append", default=[], metavar="NAME=VALUE", help="an input shared by every item")
    p.add_argument("--set", action="append", default=[], metavar="STEP.PARAM=VALUE", help="a step param override for every item")
    p.add_argument("--seed", type=int, help="seed of items that do not set one (default: the recipe's, else 0)")
    p.add_argument("--executor", choices=["local", "ray", "sequential"], default="local", help="local: a process pool (default); ray: one Ray actor per worker, on a cluster (--address) or a local Ray; sequential: one at a time in this process")
    p.add_argument("--address", metavar="ADDR", help="Ray cluster address (ray://HOST:10001, HOST:6379 or auto); default: start a local Ray")
    p.add_argument("--workers", type=int, metavar="N", help="parallel workers (default: CPU count; with --executor ray, what the cluster fits)")
    p.add_argument("--cpus-per-item", type=float, metavar="N", help="Ray: CPUs each worker reserves (default: from the recipe, 1)")
    p.add_argument("--gpus-per-item", type=float, metavar="N", help="Ray: GPUs each worker reserves (default: 1 when a step runs a neural model, else 0; 0.5 packs two workers per GPU)")
    p.add_argument("--out", metavar="DIR", help="the batch folder (default: outputs/<recipe>/batch-<id>/, the same for the same batch)")
    p.add_argument("--cache-dir", metavar="DIR", default=os.environ.get("STUDIO_CACHE_DIR"), help="step cache shared by all items (env STUDIO_CACHE_DIR); on a cluster, a shared folder")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the step cache")
    p.add_argument("--stop-timeout", type=float, default=10.0, metavar="S", help="after Ctrl-C, seconds running items get to stop before they are killed")
    p.add_argument("--dry-run", action="store_true", help="list the items and resources; run nothing")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_batch)


def _arguments(args: argparse.Namespace) -> dict[str, Any]:
    from studio.batch.expand import parse_axis, parse_zip
    from studio.engine.coerce import parse_cli_value, parse_pairs

    product: dict[str, Any] = {}
    for spec in args.product:
        ax = parse_axis(spec, "--product")
        if ax.name in product:
            raise UserError(f"--product {ax.name} is given twice; put all its values in one list")
        product[ax.name] = ax.values
    zip_axes, groups = parse_zip(args.zip)
    zipped = {ax.name: ax.values for ax in zip_axes}
    if len(zipped) == 1:  # one declared zip axis is an ordinary axis
        product.update(zipped)
        zipped = {}
    return {
        "rows": args.inputs,
        "inputs": dict(parse_pairs(args.input, "-i")),
        "overrides": {k: parse_cli_value(v) for k, v in parse_pairs(args.set, "--set")},
        "product": product,
        "zip": zipped,
        "zip_groups": groups,
        "seed": args.seed,
        "feed": args.feed,
    }


def cmd_batch(args: argparse.Namespace) -> int:

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    if args.address and args.executor != "ray":
        raise UserError("--address needs --executor ray")
    if args.executor == "ray":
        from studio.batch._ray import import_ray

        import_ray()  # exit 2 with the install hint before doing anything
    spec = _arguments(args)
    if args.dry_run:
        return _dry_run(args, spec)
    from studio.engine.storage import check_writable

    # unusable folders fail in one line now, not in every item later
    if args.out:
        check_writable(args.out, "--out")
    if args.cache_dir and not args.no_cache:
        check_writable(args.cache_dir, "--cache-dir")

    from studio.batch import run_batch

    result = run_batch(
        args.recipe,
        spec.pop("rows"),
        **spec,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        out=args.out,
        cache=args.cache_dir,
        use_cache=not args.no_cache,
        num_cpus=args.cpus_per_item,
        num_gpus=args.gpus_per_item,
        stop_timeout=args.stop_timeout,
        progress=not args.quiet,
    )
    c = result.counts
    secs = result.manifest.get("seconds", 0.0)
    resumed = f", {c['resumed']} from an earlier run" if c.get("resumed") else ""
    print(f"batch {result.status}: {c['done']}/{c['total']} done{resumed}, {c['failed']} failed, {c['cancelled']} cancelled in {secs:.1f}s "
          f"({result.manifest['executor']['name']}, {result.manifest['executor'].get('workers')} workers)", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for it in result.failed:
        print(f"failed: {it['index']:04d} {it['label']}: {it['error']}", file=sys.stderr)
    if result.failed:
        print("re-run the same command to retry the failed items (finished ones are skipped)", file=sys.stderr)
    print(result.manifest_path)
    if result.status == "cancelled":
        raise Cancelled(f"batch cancelled; {c['done']} item(s) finished and saved; re-run the same command to resume")
    return 0 if result.status == "done" else 1


def _dry_run(args: argparse.Namespace, spec: dict[str, Any]) -> int:
    import json

    from studio.batch import plan_batch, recipe_resources
    from studio.batch.plan import batch_id

    rows = spec.pop("rows")
    p, items = plan_batch(args.recipe, rows, **spec)
    from studio.engine.executor import apply_overrides

    res = recipe_resources(apply_overrides(p, items[0].overrides), items[0].inputs)
    print(f"recipe {p.name}: {len(items)} item(s); batch id {batch_id(p, items)}")
    print(f"per item: {json.dumps(res.to_dict())}")
    for it in items[:200]:
        seed = f" seed={it.seed}" if it.seed is not None and "seed" not in it.varying else ""
        print(f"  {it.index:04d} {it.label}{seed}  inputs={json.dumps(it.inputs, default=str)}" + (f" set={json.dumps(it.overrides, default=str)}" if it.overrides else ""))
    if len(items) > 200:
        print(f"  ... and {len(items) - 200} more")
    return 0
