"""The Ray executor on a local Ray started by the test (2 CPUs, loopback only, no dashboard, no
usage stats): same outputs as sequential runs, failure isolation, and Ray started and stopped by
the executor itself."""

from __future__ import annotations

import os

import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'studio[ray]')")

from test_batch import RECIPE, _batch_hashes, _images  # noqa: E402

from studio.batch import run_batch  # noqa: E402


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "tiny-batch.yaml"
    path.write_text(RECIPE)
    return path


@pytest.fixture
def shoots(tmp_path):
    root = tmp_path / "shoots"
    for s in range(3):
        _images(root / f"s{s}", 3, seed=s)
    return root


@pytest.fixture(scope="module")
def local_ray():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False, logging_level="WARNING")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_executor_starts_and_stops_a_local_ray(recipe, shoots, tmp_path):
    assert not ray.is_initialized()
    result = run_batch(recipe, shoots, executor="ray", workers=2, out=tmp_path / "b", progress=True)
    assert result.ok and result.counts["done"] == 3
    assert result.manifest["executor"]["cluster"]["CPU"] == 2.0
    assert not ray.is_initialized()  # it started Ray, so it shut it down


def test_ray_matches_sequential_and_isolates_failures(local_ray, recipe, shoots, tmp_path):
    kwargs = {"product": {"seed": [1, 2], "columns": [1, 3]}}
    seq = run_batch(recipe, shoots, executor="sequential", out=tmp_path / "seq", cache=tmp_path / "cache-seq", **kwargs)
    on_ray = run_batch(recipe, shoots, executor="ray", workers=2, out=tmp_path / "ray", cache=tmp_path / "cache-ray", **kwargs)
    assert seq.ok and on_ray.ok and on_ray.counts["done"] == 12
    assert _batch_hashes(seq) == _batch_hashes(on_ray)
    ex = on_ray.manifest["executor"]
    assert ex["name"] == "ray" and ex["workers"] == 2 and ex["actor_resources"] == {"num_cpus": 1.0, "num_gpus": 0.0}
    pids = {it["worker"].split(":")[1] for it in on_ray.items}
    assert len(pids) == 2 and str(os.getpid()) not in pids  # two long-lived actors did all the items
    assert ray.is_initialized()  # a Ray the caller started stays up

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.png").write_bytes(b"not an image")
    rows = [{"folder": str(shoots / "s0")}, {"folder": str(broken)}, {"folder": str(shoots / "s2")}]
    mixed = run_batch(recipe, rows, executor="ray", workers=2, out=tmp_path / "mixed")
    assert mixed.status == "failed"
    assert [it["status"] for it in mixed.items] == ["done", "failed", "done"]
    assert "x.png" in mixed.items[1]["error"]
    again = run_batch(recipe, rows, executor="ray", workers=2, out=tmp_path / "mixed")
    assert [it["resumed"] for it in again.items] == [True, False, True]
