"""The run manifest: everything needed to understand and reproduce a run."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio._version import __version__
from studio.engine.artifacts import Artifact, _json_default

if TYPE_CHECKING:
    from studio.engine.pipeline import Pipeline

#: the version of manifest.json's layout; its JSON Schema ships as studio/data/manifest.schema.json
MANIFEST_SCHEMA_VERSION = 1

TRACKED_PACKAGES = ("torch", "diffusers", "transformers", "accelerate", "gradio", "ray", "av", "cv2", "scenedetect", "numpy", "PIL")


def loaded_package_versions() -> dict[str, str]:
    """Versions of the heavy packages that this process actually imported."""
    versions = {}
    for name in TRACKED_PACKAGES:
        mod = sys.modules.get(name)
        if mod is not None:
            versions[name] = str(getattr(mod, "__version__", "unknown"))
    return versions


def _jsonable_input(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable_input(v) for v in value]
    if isinstance(value, Artifact):
        return {"kind": value.kind, "describe": value.describe()}
    if isinstance(value, Path):
        return str(value)
    return value


def build_manifest(
    p: Pipeline,
    inputs: dict[str, Any],
    seed: int,
    steps: list[dict[str, Any]],
    outputs: dict[str, Any],
    *,
    run_id: str,
    started: float,
    seconds: float,
) -> dict[str, Any]:
    hits = sum(1 for s in steps if s["cached"])
    warnings = [f"{s['id']}: {w}" for s in steps for w in s.get("warnings", [])]
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "recipe": p.name,
        "recipe_path": str(p.path) if p.path else None,
        "recipe_text": p.text,
        "run_id": run_id,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(seconds, 4),
        "inputs": {k: _jsonable_input(v) for k, v in inputs.items()},
        "seed": seed,
        "steps": steps,
        "cache": {"hits": hits, "misses": len(steps) - hits},
        "warnings": warnings,
        "outputs": outputs,
        "studio_version": __version__,
        "platform": {
            "python": platform.python_version(),
            "system": platform.system(),
            "machine": platform.machine(),
            "platform": platform.platform(),
        },
        "packages": loaded_package_versions(),
    }


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8")
    os.replace(tmp, path)
