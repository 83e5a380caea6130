"""Batch runs: one recipe over many inputs, locally in parallel or on a Ray cluster.

    >>> from studio.batch import run_batch
    >>> result = run_batch("contact-sheet", "shoots/", product={"columns": [3, 4]}, workers=2)
    >>> result.status, result.counts["done"], result.manifest_path

Each item is an ordinary run (own run folder and manifest) sharing the content-addressed cache;
`batch.json` in the batch folder lists every item. See docs/batch.md.
"""

from __future__ import annotations

from studio.batch.plan import BatchItem, Resources, recipe_resources
from studio.batch.runner import BatchResult, plan_batch, run_batch

__all__ = ["run_batch", "plan_batch", "BatchResult", "BatchItem", "Resources", "recipe_resources"]
