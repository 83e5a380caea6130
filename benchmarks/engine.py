"""Engine overhead per step and cold/warm time of a recipe.

    python benchmarks/engine.py

Prints (1) the engine's overhead per step in ms for a trivial step, without and with the cache,
and (2) cold vs warm wall time of the builtin `contact-sheet` recipe on 16 generated images.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.engine import Pipeline, Port, Step, StepParams, TextArtifact, register_step  # noqa: E402
from studio.engine.cache import Cache  # noqa: E402


class _Params(StepParams):
    i: int = 0


@register_step
class Nop(Step):
    name = "bench.nop"
    description = "does nothing"
    inputs = {"texts": Port("texts", required=False)}
    outputs = {"texts": Port("texts")}
    Params = _Params

    def run(self, ctx, inputs, params):
        return {"texts": [TextArtifact(str(params.i))]}


def chain(n: int) -> Pipeline:
    p = Pipeline("bench-chain")
    prev = None
    for i in range(n):
        h = p.step("bench.nop", id=f"s{i}", i=i, **({"texts": prev.texts} if prev else {}))
        prev = h
    assert prev is not None
    p.output("last", prev.texts)
    return p


def overhead_per_step(n: int = 200, repeats: int = 5) -> tuple[float, float, float]:
    p = chain(n)
    direct = []
    for _ in range(repeats):
        t = time.perf_counter()
        for i in range(n):
            Nop().run(None, {}, _Params(i=i))
        direct.append(time.perf_counter() - t)
    no_cache, cold = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            t = time.perf_counter()
            p.run(out=Path(tmp) / f"nc{r}", use_cache=False)
            no_cache.append(time.perf_counter() - t)
            cache = Cache(Path(tmp) / f"cache{r}")
            t = time.perf_counter()
            p.run(out=Path(tmp) / f"c{r}", cache=cache)
            cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        p.run(out=Path(tmp) / "warm", cache=cache)
        warm = time.perf_counter() - t
    d = statistics.median(direct)
    return ((statistics.median(no_cache) - d) / n * 1000, (statistics.median(cold) - d) / n * 1000, (warm - d) / n * 1000)


def cold_warm_recipe(images: int = 16) -> tuple[float, float]:
    import numpy as np
    from PIL import Image

    import studio

    with tempfile.TemporaryDirectory() as tmp:
        pics = Path(tmp) / "pics"
        pics.mkdir()
        rng = np.random.default_rng(0)
        for i in range(images):
            arr = (rng.random((768, 1024, 3)) * 255).astype("uint8")
            Image.fromarray(arr).save(pics / f"{i:02d}.png")
        cache = Cache(Path(tmp) / "cache")
        t = time.perf_counter()
        studio.run("contact-sheet", folder=str(pics), cache=cache, out=Path(tmp) / "cold")
        cold = time.perf_counter() - t
        t = time.perf_counter()
        res = studio.run("contact-sheet", folder=str(pics), cache=cache, out=Path(tmp) / "warm")
        warm = time.perf_counter() - t
        assert all(s["cached"] for s in res.manifest["steps"])
    return cold, warm


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    nc, cold, warm = overhead_per_step()
    print("engine overhead per trivial step (200-step chain, median of 5):")
    print(f"  no cache:           {nc:7.3f} ms/step")
    print(f"  cache miss + store: {cold:7.3f} ms/step")
    print(f"  cache hit:          {warm:7.3f} ms/step")
    c, w = cold_warm_recipe()
    print("recipe contact-sheet on 16 images of 1024x768:")
    print(f"  cold {c:.3f} s, warm {w:.3f} s, warm/cold ratio {w / c:.3f} (cold is {c / w:.1f}x slower)")


if __name__ == "__main__":
    main()
