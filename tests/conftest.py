"""Hermetic tests: offline, with cache and output folders in temporary directories."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.pop("STUDIO_ALLOW_DOWNLOAD", None)

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"


@pytest.fixture(autouse=True)
def _hermetic(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("studio-env")
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("STUDIO_OUTPUTS", str(base / "outputs"))
    monkeypatch.setenv("HF_HOME", str(base / "hf"))
    yield


@pytest.fixture(autouse=True)
def _fail_on_error_logs(caplog):
    """A test that logged an ERROR fails (PySceneDetect's habit)."""
    caplog.set_level(logging.WARNING, logger="studio")
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR and r.name.startswith("studio")]
    assert not errors, f"studio logged errors: {[r.getMessage() for r in errors]}"


@pytest.fixture(scope="session")
def testdata() -> Path:
    """../shared/testdata with its real media; tests skip when it is absent."""
    if not (TESTDATA / "ground_truth.json").is_file():
        pytest.skip(f"shared test media not found at {TESTDATA} (it sits beside the checkout in CI)")
    return TESTDATA


@pytest.fixture(scope="session")
def ground_truth(testdata) -> dict:
    import json

    return json.loads((testdata / "ground_truth.json").read_text())
