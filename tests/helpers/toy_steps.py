"""Tiny steps used by engine tests (registered on import)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pydantic import Field

from studio.engine import DataArtifact, Port, Step, StepParams, TextArtifact, register_step
from studio.engine.step import STEPS


class CountParams(StepParams):
    start: int = Field(0, ge=0, le=1000, description="first number")
    n: int = Field(3, ge=1, le=100, description="how many numbers")


class EchoParams(StepParams):
    suffix: str = Field("", description="text appended to each line")


class SleepParams(StepParams):
    seconds: float = Field(0.0, ge=0, le=60, description="how long to sleep")
    marker: str = Field("", description="file to create when the step starts")


class NoiseParams(StepParams):
    n: int = Field(4, ge=1, le=100)


def _register(cls):
    if cls.name in STEPS:
        return STEPS.get(cls.name)
    return register_step(cls)


@_register
class Count(Step):
    name = "toy.count"
    description = "Numbers as texts."
    outputs = {"texts": Port("texts", "the numbers")}
    Params = CountParams

    def run(self, ctx, inputs, params):
        ctx.report(backend="toy")
        return {"texts": [TextArtifact(str(params.start + i)) for i in range(params.n)]}


@_register
class Echo(Step):
    name = "toy.echo"
    description = "Append a suffix to texts."
    inputs = {"texts": Port("texts", "texts")}
    outputs = {"texts": Port("texts", "texts with suffix"), "joined": Port("text", "all joined")}
    Params = EchoParams

    def run(self, ctx, inputs, params):
        out = [TextArtifact(t.text + params.suffix) for t in inputs["texts"]]
        return {"texts": out, "joined": TextArtifact(",".join(t.text for t in out))}


@_register
class Sleep(Step):
    name = "toy.sleep"
    description = "Sleep, then pass texts through (for interruption tests)."
    inputs = {"texts": Port("texts", "texts")}
    outputs = {"texts": Port("texts", "the same texts")}
    Params = SleepParams

    def run(self, ctx, inputs, params):
        if params.marker:
            Path(params.marker).write_text(str(os.getpid()))
        end = time.monotonic() + params.seconds
        while time.monotonic() < end:
            ctx.progress(1 - (end - time.monotonic()) / max(params.seconds, 1e-6), "sleeping")
            time.sleep(0.01)
        return {"texts": list(inputs["texts"])}


@_register
class Noise(Step):
    name = "toy.noise"
    description = "Seeded random numbers."
    outputs = {"data": Port("data", "numbers")}
    Params = NoiseParams
    uses_seed = True

    def run(self, ctx, inputs, params):
        return {"data": DataArtifact([float(x) for x in ctx.rng().random(params.n)])}
