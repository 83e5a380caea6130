"""Loading causal language models (transformers) through the model manager: one copy per process.

    from studio.models import manager
    from studio.models.loaders.llm import load_causal_lm
    resolved = manager.resolve("HuggingFaceTB/SmolLM2-360M-Instruct", task="text-generation").require()
    llm = load_causal_lm(resolved, device="cpu")    # loaded once (cached per path/device/dtype)
    llm.model, llm.tokenizer, llm.device
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.engine.errors import UserError
from studio.models.manager import ResolvedModel, choose_device, choose_dtype, manager


@dataclass
class LLM:
    """A causal language model and its tokenizer, on `device`."""

    model: Any
    tokenizer: Any
    device: str


def load_causal_lm(resolved: ResolvedModel, *, device: str = "auto", dtype: str = "auto") -> LLM:
    """The model of a transformers folder as a causal LM in eval mode on `device` ('auto': the
    best there is) in `dtype` ('auto': the device's usual one); loaded once per folder, device and
    dtype. Raises UserError when the folder holds no causal LM transformers loads natively."""
    path = resolved.transformers_folder("a language model")
    dev = choose_device(device)
    torch_dtype = choose_dtype(dev, dtype)

    def loader() -> LLM:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch_dtype)
        except ValueError as exc:
            raise UserError(f"{resolved.id}: not a causal language model transformers can load natively ({exc})") from None
        tok = AutoTokenizer.from_pretrained(str(path))
        model.to(dev).eval()  # type: ignore[arg-type]
        return LLM(model, tok, dev)

    return manager.load(("text-generation", str(path), dev, str(torch_dtype)), loader)
