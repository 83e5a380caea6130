"""Resolving model ids to local weights, choosing device/dtype, and keeping loaded models.

Resolution order: an explicit local path (folder or single .safetensors file); else the local
Hugging Face cache (never the network); else a download, only when the user allowed it
(`studio models pull ID`, `allow_download=True` or `STUDIO_ALLOW_DOWNLOAD=1`). With no network
and no local copy the answer is immediate.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.engine.errors import InputError, ModelNotAvailableError, UserError
from studio.models import registry
from studio.models.registry import ModelSpec

log = logging.getLogger("studio.models")

DOWNLOAD_ENV = "STUDIO_ALLOW_DOWNLOAD"
BUDGET_ENV = "STUDIO_MODEL_BUDGET_GB"
PICKLE_ENV = "STUDIO_ALLOW_PICKLE"
REMOTE_CODE_ENV = "STUDIO_TRUST_REMOTE_CODE"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def allow_pickle() -> bool:
    """Pickle checkpoints (.ckpt/.bin/.pt) only when the user opted in (STUDIO_ALLOW_PICKLE=1)."""
    return _env_flag(PICKLE_ENV)


def trust_remote_code() -> bool:
    """Repository code only when the user opted in (STUDIO_TRUST_REMOTE_CODE=1)."""
    return _env_flag(REMOTE_CODE_ENV)


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, read from the environment at call time (HF_HUB_CACHE, else
    HF_HOME/hub, else ~/.cache/huggingface/hub), so a changed environment is honoured even after
    huggingface_hub was imported."""
    env = os.environ.get("HF_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def allow_downloads() -> bool:
    """Downloads at run time only when the user allowed them (STUDIO_ALLOW_DOWNLOAD=1)."""
    return _env_flag(DOWNLOAD_ENV)


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's weights are (or why they are not)."""

    id: str
    task: str
    path: Path | None
    source: str  # "local-path" | "local-file" | "package" | "hf-cache" | "download" | "missing"
    revision: str | None = None
    spec: ModelSpec | None = None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.path is not None

    @property
    def licence(self) -> str | None:
        return self.spec.licence if self.spec else None

    @property
    def is_single_file(self) -> bool:
        return self.path is not None and self.path.is_file()

    def describe(self) -> str:
        """`id @ path (source)` for manifests and cache keys."""
        rev = f"@{self.revision}" if self.revision else ""
        return f"{self.id}{rev} ({self.source}: {self.path})" if self.path else f"{self.id}{rev} (missing)"

    def hint(self) -> str:
        return (
            f"model {self.id!r} is not available locally ({self.reason}); run `studio models pull {self.id}` "
            f"on a machine with internet, or pass a local folder or .safetensors file"
        )

    def require(self) -> ResolvedModel:
        if not self.available:
            raise ModelNotAvailableError(self.hint())
        return self

    def transformers_folder(self, what: str) -> Path:
        """The local folder of a transformers model (`what` names it in errors, e.g. "a speech
        model"); raises when the weights are missing or the folder has no config.json."""

        path = self.require().path
        if path is None or not path.is_dir() or not (path / "config.json").is_file():
            raise InputError(f"{path}: {what} must be a transformers model folder with config.json")
        return path


@dataclass
class LoadedModel:
    key: tuple
    value: Any
    size_bytes: int
    loads: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def plan_backend(
    requested: str, *, neural: str, fallback: str, resolve: Callable[[], ResolvedModel], strict: bool = True
) -> tuple[str, ResolvedModel | None]:
    """Which backend a step runs: `fallback` when asked for; else the neural backend when
    `resolve()` finds weights locally; else, for `auto`, the fallback (the step announces it);
    an explicitly requested neural backend without weights is an error naming how to get them
    (with `strict=False` it comes back as `(neural, resolved)` and the step raises it when it runs).
    Resolving is cheap and offline."""
    if requested == fallback:
        return fallback, None
    resolved = resolve()
    if resolved.available:
        return neural, resolved
    if requested == neural:
        if not strict:
            return neural, resolved
        raise ModelNotAvailableError(resolved.hint())
    return fallback, resolved


def resolve_for_task(task: str, model: str | None) -> ResolvedModel:
    """The model to use for `task`: the one named, else the catalogue default, else any other
    catalogued model of that task already present locally. Never touches the network unless the
    user allowed downloads. Shared by the word backends (captions, speech, story)."""
    mgr = manager  # the process-wide manager, looked up at call time (tests may swap it)
    if model:
        return mgr.resolve(model, task=task)
    default = registry.default_for(task)
    if default is None:
        raise UserError(f"no model is catalogued for {task}; pass model: a hub id or a local folder")
    first = mgr.resolve(default.name, task=task)
    if first.available:
        return first
    for spec in registry.all_models(task):
        if spec.name == default.name or spec.settings.get("only_when_named"):
            continue
        other = mgr.resolve(spec.name, task=task, allow_download=False)
        if other.available:
            return other
    return first


def choose_device(device: str = "auto") -> str:
    """auto: cuda, then mps, then cpu."""
    if device != "auto":
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise UserError(f"device {device!r} asked for, but CUDA is not available here; use device=auto or cpu")
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def choose_dtype(device: str, dtype: str = "auto") -> Any:
    """auto: bf16 on CUDA that supports it, else fp16 on GPU; fp32 on CPU."""
    import torch

    table = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if dtype != "auto":
        if dtype not in table:
            raise UserError(f"unknown dtype {dtype!r}; use auto, float32, float16 or bfloat16")
        return table[dtype]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def _estimate_size(value: Any) -> int:
    """Bytes of parameters in a torch module / diffusers pipeline (0 when unknown)."""
    total = 0
    modules = []
    if hasattr(value, "components") and isinstance(getattr(value, "components", None), dict):
        modules = [m for m in value.components.values() if hasattr(m, "parameters")]
    elif hasattr(value, "parameters"):
        modules = [value]
    for m in modules:
        try:
            total += sum(p.numel() * p.element_size() for p in m.parameters())
        except (TypeError, AttributeError, RuntimeError):
            continue
    return total


class ModelManager:
    """Process-wide cache of loaded models (LRU within a memory budget)."""

    def __init__(self, budget_gb: float | None = None):
        env = os.environ.get(BUDGET_ENV)
        self.budget_bytes = int(float(env if env else (budget_gb if budget_gb is not None else 24)) * 2**30)
        self._loaded: OrderedDict[tuple, LoadedModel] = OrderedDict()
        self._lock = threading.RLock()
        #: how many times a loader ran (a cache hit does not count); per key in `load_counts`
        self.load_count = 0
        self.load_counts: dict[tuple, int] = {}

    # -- resolution ---------------------------------------------------------------------------
    def resolve(self, model: str, *, task: str, allow_download: bool | None = None, revision: str | None = None,
                cache_dir: str | Path | None = None) -> ResolvedModel:
        """Find weights for a short name, hub id, local folder or .safetensors file.

        Never touches the network unless downloads are allowed; `cache_dir` overrides the HF
        cache location (default: `hf_cache_dir()`)."""
        if not model or not str(model).strip():
            raise UserError(f"no model given for {task}")
        model = str(model).strip()
        spec = registry.get(task, model)
        hub_id = spec.hub_id if spec else model
        revision = revision or (spec.revision if spec else None)
        p = Path(model).expanduser()
        looks_local = model.startswith((".", "/", "~")) or p.suffix in (".safetensors", ".gguf", ".ckpt", ".bin", ".pt", ".pth")
        if p.exists():
            if p.is_dir():
                return ResolvedModel(model, task, p.resolve(), "local-path", revision, spec)
            if p.suffix in (".safetensors", ".gguf"):
                return ResolvedModel(model, task, p.resolve(), "local-file", revision, spec)
            if p.suffix in (".ckpt", ".bin", ".pt", ".pth"):
                if not allow_pickle():
                    raise UserError(f"{p}: pickle checkpoints can run arbitrary code and are refused; convert it to .safetensors or set STUDIO_ALLOW_PICKLE=1 if you trust it")
                return ResolvedModel(model, task, p.resolve(), "local-file", revision, spec)
            raise UserError(f"{p}: not a model folder, a .safetensors or a .gguf file")
        if looks_local:
            raise UserError(f"model path {model!r} does not exist; give an existing folder, a .safetensors file, or a hub id like org/name")
        if "/" not in hub_id:
            known = ", ".join(m.name for m in registry.all_models(task)) or "none"
            close = registry.suggest(task, model)
            maybe = f"did you mean {' or '.join(close)}? " if close else ""
            raise UserError(f"unknown model {model!r} for {task}; {maybe}known: {known}; or give a hub id (org/name) or a local folder")
        packaged = _package_weights(spec)
        if packaged is not None:
            return ResolvedModel(model, task, packaged, "package", revision, spec)
        cached = self._from_hf_cache(hub_id, revision, cache_dir)
        if cached is not None:
            return ResolvedModel(model, task, cached, "hf-cache", revision or _snapshot_revision(cached), spec)
        if allow_download if allow_download is not None else allow_downloads():
            path = self.pull(hub_id, revision=revision, cache_dir=cache_dir)
            return ResolvedModel(model, task, path, "download", revision, spec)
        return ResolvedModel(model, task, None, "missing", revision, spec, reason=f"{hub_id} is not in the Hugging Face cache and downloads are off")

    @staticmethod
    def _from_hf_cache(hub_id: str, revision: str | None, cache_dir: str | Path | None = None) -> Path | None:
        """A complete snapshot of `hub_id` in the local HF cache, without touching the network."""
        cache = Path(cache_dir) if cache_dir else hf_cache_dir()
        if not (cache / ("models--" + hub_id.replace("/", "--"))).is_dir():
            return None  # fast path: nothing of this repo is cached
        try:
            from huggingface_hub import snapshot_download
            from huggingface_hub.errors import LocalEntryNotFoundError
        except ImportError:
            return None
        try:
            path = snapshot_download(hub_id, revision=revision, local_files_only=True, cache_dir=str(cache))
        except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
            return None
        p = Path(path)
        if not any(p.iterdir()):
            return None
        return p

    def pull(self, model: str, *, revision: str | None = None, cache_dir: str | Path | None = None,
             variant: str | None = None) -> Path:
        """Download a model's safetensors weights and configs into the standard HF cache.

        For diffusers models only the pipeline folders are fetched (not the duplicate single-file
        checkpoint at the repo root); `variant="fp16"` fetches the half-precision weights only."""
        spec = registry.find_any(model)
        hub_id = spec.hub_id if spec else model
        from huggingface_hub import snapshot_download

        allow, ignore = _pull_patterns(spec, variant)
        try:
            path = snapshot_download(
                hub_id,
                revision=revision or (spec.revision if spec else None),
                cache_dir=str(cache_dir) if cache_dir else str(hf_cache_dir()),
                allow_patterns=allow,
                ignore_patterns=ignore,
            )
        except Exception as exc:  # noqa: BLE001 - network/hub errors come in many types
            raise ModelNotAvailableError(f"could not download {hub_id!r}: {type(exc).__name__}: {exc}") from None
        return Path(path)

    # -- loading -------------------------------------------------------------------------------
    def load(self, key: tuple | str, loader: Callable[[], Any], *, size_hint: int | None = None) -> Any:
        """The loaded model for `key`, calling `loader()` only the first time (LRU-evicted within
        the memory budget). `key` should include the resolved path, device and dtype."""
        key = key if isinstance(key, tuple) else (key,)
        with self._lock:
            hit = self._loaded.get(key)
            if hit is not None:
                self._loaded.move_to_end(key)
                return hit.value
            value = loader()
            self.load_count += 1
            self.load_counts[key] = self.load_counts.get(key, 0) + 1
            size = size_hint if size_hint is not None else _estimate_size(value)
            self._loaded[key] = LoadedModel(key, value, size)
            self._evict(keep=key)
            log.info("loaded model %s (%.1f MB)", key, size / 2**20)
            return value

    def get_loaded(self, key: tuple | str) -> Any | None:
        key = key if isinstance(key, tuple) else (key,)
        with self._lock:
            hit = self._loaded.get(key)
            return hit.value if hit else None

    def put(self, key: tuple | str, value: Any) -> None:
        """Register an already-built model (e.g. a pipeline derived with `from_pipe`). It shares
        the weights of its parent, so it takes no budget and does not count as a load."""
        key = key if isinstance(key, tuple) else (key,)
        with self._lock:
            self._loaded[key] = LoadedModel(key, value, 0)

    def derive(self, key: tuple | str, parent_key: tuple | str, builder: Callable[[Any], Any]) -> Any:
        """A model derived from an already loaded one (`builder(parent)`, e.g. diffusers'
        `from_pipe`), kept under `key` without a second load. The parent must be loaded."""
        key = key if isinstance(key, tuple) else (key,)
        parent_key = parent_key if isinstance(parent_key, tuple) else (parent_key,)
        with self._lock:
            hit = self._loaded.get(key)
            if hit is not None:
                self._loaded.move_to_end(key)
                return hit.value
            parent = self.get_loaded(parent_key)
            if parent is None:
                raise KeyError(f"parent model {parent_key} is not loaded")
            value = builder(parent)
            self._loaded[key] = LoadedModel(key, value, 0, extra={"parent": parent_key})
            return value

    def _evict(self, keep: tuple) -> None:
        total = sum(m.size_bytes for m in self._loaded.values())
        while total > self.budget_bytes and len(self._loaded) > 1:
            oldest_key = next(iter(self._loaded))
            if oldest_key == keep:
                self._loaded.move_to_end(keep)
                oldest_key = next(iter(self._loaded))
                if oldest_key == keep:
                    break
            evicted = self._loaded.pop(oldest_key)
            total -= evicted.size_bytes
            # models derived from it (from_pipe) hold the same weights: drop them too
            for k in [k for k, m in self._loaded.items() if m.extra.get("parent") == oldest_key]:
                self._loaded.pop(k)
            log.info("evicted model %s", oldest_key)

    def loaded_keys(self) -> list[tuple]:
        with self._lock:
            return list(self._loaded)

    def stats(self) -> dict[str, Any]:
        """Loads so far and what is held now (for benchmarks and manifests)."""
        with self._lock:
            return {
                "loads": self.load_count,
                "held": len(self._loaded),
                "held_bytes": sum(m.size_bytes for m in self._loaded.values()),
                "budget_bytes": self.budget_bytes,
            }

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()
            self.load_count = 0
            self.load_counts.clear()


def _package_weights(spec: ModelSpec | None) -> Path | None:
    """The weights folder of a model that ships inside an installed Python package (the spec's
    settings name it: `package_module` and `package_folder`, relative to the module's folder);
    None when the spec names none or the package is not installed."""
    module = spec.settings.get("package_module") if spec is not None else None
    if not module:
        return None
    import importlib.util

    found = importlib.util.find_spec(str(module))
    if found is None or not found.origin:
        return None
    folder = Path(found.origin).parent / str(spec.settings.get("package_folder", ""))  # type: ignore[union-attr]
    return folder.resolve() if folder.is_dir() and any(folder.iterdir()) else None


def _snapshot_revision(path: Path) -> str | None:
    """The commit hash of a HF cache snapshot folder (`.../snapshots/<commit>`)."""
    return path.name if path.parent.name == "snapshots" else None


def _pull_patterns(spec: ModelSpec | None, variant: str | None) -> tuple[list[str], list[str]]:
    """What `pull` fetches: configs and safetensors; never pickles; for diffusers pipelines only
    the component folders (the repo-root single-file checkpoint would double the download)."""
    ignore = ["*.ckpt", "*.bin", "*.pt", "*.pth", "*.msgpack", "*.onnx", "*.onnx_data", "*.h5", "*.ot"]
    if spec is not None and spec.family.startswith("diffusers"):
        allow = ["model_index.json", "*/*.json", "*/*.txt", "*/*.model", "*/*.safetensors", "*/*.jinja"]
        if variant:  # only the variant's weights (diffusers loads them with variant=...)
            allow = [a for a in allow if not a.endswith(".safetensors")] + [f"*/*.{variant}.safetensors"]
        else:
            ignore += ["*.fp16.safetensors", "*.bf16.safetensors", "*non_ema*"]
        return allow, ignore
    allow = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "*.tiktoken", "*.md"]
    if spec is not None and spec.family.startswith("ctranslate2"):
        # a CTranslate2 model (faster-whisper) is model.bin, its own flat format, not a pickle
        allow.append("model.bin")
        ignore.remove("*.bin")
    if trust_remote_code():
        allow.append("*.py")
    return allow, ignore


manager = ModelManager()
