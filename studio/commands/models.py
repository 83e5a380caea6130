"""`studio models`: the model registry per task with local availability; `studio models pull ID`.

    studio models                     # every task, what is in the local Hugging Face cache
    studio models --task text-to-image --json
    studio models pull sdxl-turbo     # download into the standard HF cache (needs internet)
    studio models pull sdxl-base --variant fp16

Listing never touches the network. Keep imports light: no torch/diffusers here.
"""

from __future__ import annotations

import argparse
import json
import sys

from studio.engine.errors import UnknownNameError
from studio.models import hf_cache_dir, manager, registry


def _rows(task: str | None) -> list[dict]:

    rows = []
    for spec in registry.all_models(task):
        resolved = manager.resolve(spec.name, task=spec.task, allow_download=False)
        rows.append({
            "task": spec.task, "name": spec.name, "hub_id": spec.hub_id, "licence": spec.licence,
            "size_gb": spec.size_gb, "default": spec.default, "gated": spec.gated,
            "available": resolved.available, "source": resolved.source,
            "path": str(resolved.path) if resolved.path else None, "description": spec.description,
        })
    return rows


def cmd_list(args: argparse.Namespace) -> int:

    if args.task and args.task not in registry.tasks():
        raise UnknownNameError(f"unknown task {args.task!r}; tasks: {', '.join(registry.tasks())}")
    rows = _rows(args.task)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no models registered" + (f" for {args.task}" if args.task else ""))
        return 0
    print(f"Hugging Face cache: {hf_cache_dir()}")
    current = None
    wn = max(len(r["name"]) for r in rows)
    wh = max(len(r["hub_id"]) for r in rows)
    for r in rows:
        if r["task"] != current:
            current = r["task"]
            print(f"\n{current}")
        mark = "local" if r["available"] else "-    "
        size = f"{r['size_gb']:.1f} GB" if r["size_gb"] else ""
        flags = " (default)" if r["default"] else ""
        flags += " [gated]" if r["gated"] else ""
        print(f"  {mark}  {r['name'].ljust(wn)}  {r['hub_id'].ljust(wh)}  {size:>8}  {r['licence']}{flags}")
    missing = sum(1 for r in rows if not r["available"])
    if missing:
        print("\nget one with `studio models pull NAME` (needs internet), or give a local folder / .safetensors file as `model:`")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:

    spec = registry.find_any(args.id)
    hub_id = spec.hub_id if spec else args.id
    if "/" not in hub_id:

        names = sorted({m.name for m in registry.all_models()})
        raise UnknownNameError(f"unknown model {args.id!r}; give a registry name ({', '.join(names)}) or a hub id org/name")
    size = f" (about {spec.size_gb:.1f} GB)" if spec and spec.size_gb else ""
    print(f"downloading {hub_id}{size} into the Hugging Face cache...", file=sys.stderr)
    try:
        path = manager.pull(args.id, revision=args.revision, variant=args.variant)
    except Exception as exc:
        if spec is not None and spec.gated:
            print(f"note: {hub_id} is gated: accept its licence at https://huggingface.co/{hub_id} and log in (`hf auth login`)", file=sys.stderr)
        raise exc
    print(path)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("models", help="list known models per task with local availability; `models pull ID` downloads one")
    p.add_argument("--task", help="only this task (e.g. text-to-image)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    sub = p.add_subparsers(dest="models_command", metavar="ACTION")
    q = sub.add_parser("pull", help="download a model (registry name or hub id) into the standard Hugging Face cache")
    q.add_argument("id", metavar="ID")
    q.add_argument("--revision", help="a branch, tag or commit")
    q.add_argument("--variant", choices=["fp16", "bf16"], help="diffusers: fetch only the half-precision weights")
    q.set_defaults(func=cmd_pull)
