"""Loading causal language models (transformers) through the model manager: one copy per process.

    from studio.models import manager
    from studio.models.loaders.llm import load_causal_lm
    resolved = manager.resolve("smollm2-135m-gguf", task="text-generation").require()
    llm = load_causal_lm(resolved, device="cpu")    # loaded once (cached per path/device/dtype)
    llm.model, llm.tokenizer, llm.device

Three kinds of weights load: a transformers folder (config.json and safetensors), a `.gguf` file,
and a folder (e.g. a hub snapshot) that holds `.gguf` files but no transformers weights. A GGUF file
is dequantised once (transformers' `gguf_file=` reader, about 30 s on 2 cores for SmolLM2-135M)
and saved as a float32 safetensors folder under the model cache (`model_cache_dir()`), keyed by the
file's name, size and modification time and written atomically; later processes load that folder
in one or two seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.engine.errors import InputError, UserError
from studio.models.manager import ResolvedModel, choose_device, choose_dtype, manager

log = logging.getLogger("studio.models")

#: where converted models are kept (default: the user cache, `~/.cache/studio/models` on Linux,
#: which honours XDG_CACHE_HOME)
MODEL_CACHE_ENV = "STUDIO_MODEL_CACHE"
#: bump when the converted folder's layout changes
_CONVERT_FORMAT = 1
_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
#: preferred GGUF files when a folder holds several (most precise first)
_QUANT_ORDER = ("f32", "bf16", "f16", "q8_0", "q6_k", "q5_k_m", "q5_1", "q5_0", "q5_k_s", "q4_k_m", "q4_1", "q4_0", "q4_k_s")


@dataclass
class LLM:
    """A causal language model and its tokenizer, on `device`."""

    model: Any
    tokenizer: Any
    device: str


def model_cache_dir() -> Path:
    """Where converted models live: $STUDIO_MODEL_CACHE, else the user cache's studio/models."""
    env = os.environ.get(MODEL_CACHE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("studio")) / "models"


def _quant_rank(name: str) -> tuple[int, str]:
    low = name.lower()
    for i, q in enumerate(_QUANT_ORDER):
        if re.search(rf"[.\-_]{re.escape(q)}[.\-_]", low + "."):
            return i, name
    return len(_QUANT_ORDER), name


def find_gguf(path: Path) -> Path | None:
    """The GGUF file to load for `path`: the file itself, or, for a folder with no transformers
    weights, its most precise `.gguf` file (None: not a GGUF model)."""
    if path.is_file():
        return path if path.suffix.lower() == ".gguf" else None
    if not path.is_dir() or any((path / w).is_file() for w in _WEIGHTS):
        return None
    files = sorted(p for p in path.glob("*.gguf") if p.is_file())
    if not files:
        return None
    return min(files, key=lambda p: _quant_rank(p.name))


def gguf_key(gguf: Path) -> str:
    """A short key for a GGUF file: its name, size and modification time (hashing 100 MB on every
    start would cost more than the load it saves)."""
    st = gguf.stat()
    raw = f"{gguf.name}:{st.st_size}:{st.st_mtime_ns}:{_CONVERT_FORMAT}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def converted_folder(gguf: Path) -> Path:
    """Where the dequantised copy of `gguf` is (or will be) cached."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", gguf.stem)[:80]
    return model_cache_dir() / "gguf" / f"{stem}-{gguf_key(gguf)}"


def _complete(folder: Path) -> bool:
    return (folder / "studio-gguf.json").is_file() and (folder / "config.json").is_file()


def convert_gguf(gguf: Path) -> Path:
    """Dequantise `gguf` into a transformers folder (float32 safetensors, config, tokenizer) in the
    model cache, once: written to a temporary folder beside it and renamed into place, so a crash
    or a second process never sees half a folder. Returns the folder."""
    target = converted_folder(gguf)
    if _complete(target):
        return target
    try:
        import gguf as _gguf  # noqa: F401 - transformers needs it to read the file
    except ImportError:
        raise UserError(f"{gguf}: loading GGUF files needs the 'gguf' package (pip install gguf)") from None
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.warning("converting %s to a transformers folder, once (this can take a minute); cached in %s", gguf.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        try:
            model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype="float32")
            tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        except (ValueError, KeyError, OSError) as exc:
            raise UserError(f"{gguf}: transformers cannot load this GGUF file ({type(exc).__name__}: {exc})") from None
        # the weights are plain float32 now: drop the GGUF quantizer so the folder saves and loads as usual
        model.hf_quantizer = None  # type: ignore[assignment]
        model.is_quantized = False  # type: ignore[assignment]
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        st = gguf.stat()
        (tmp / "studio-gguf.json").write_text(json.dumps(
            {"source": str(gguf), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "format": _CONVERT_FORMAT}, indent=1))
        os.chmod(tmp, 0o755)  # mkdtemp made it private; the cache is the user's like any other
        try:
            os.replace(tmp, target)
        except OSError:
            if not _complete(target):  # an incomplete folder from an older crash: replace it
                shutil.rmtree(target, ignore_errors=True)
                os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: keep its copy
    return target


def load_causal_lm(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto") -> LLM:
    """The model of a transformers folder, a `.gguf` file or a folder of GGUF files as a causal LM
    in eval mode on `device` ('auto': the best there is) in `dtype` ('auto': the device's usual
    one); loaded once per model, device and dtype. Raises UserError when it holds no causal LM
    transformers loads natively."""
    path = resolved.require().path
    assert path is not None
    gguf = find_gguf(path)
    if gguf is None:
        if path.is_file():
            raise InputError(f"{path}: a language model must be a transformers folder or a .gguf file")
        path = resolved.transformers_folder("a language model")
    dev = choose_device(device)
    torch_dtype = choose_dtype(dev, dtype)

    def loader() -> LLM:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        folder = convert_gguf(gguf) if gguf is not None else path
        try:
            model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch_dtype)
        except ValueError as exc:
            raise UserError(f"{resolved.id}: not a causal language model transformers can load natively ({exc})") from None
        tok = AutoTokenizer.from_pretrained(str(folder))
        model.to(dev).eval()  # type: ignore[arg-type]
        return LLM(model, tok, dev)

    return manager.load(("text-generation", str(gguf or path), dev, str(torch_dtype)), loader)
