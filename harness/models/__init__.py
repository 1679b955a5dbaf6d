"""Model backends behind one small protocol, chosen by a model spec string.

Specs: `smollm2` (the bundled default), `hf:PATH_OR_ID`, `gguf:FILE.gguf`, `scripted:FILE.json`.
Backends are imported lazily so that the scripted backend works without loading torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

Message = dict[str, str]
Messages = list[Message]

SPEC_FORMS = "smollm2 | hf:PATH_OR_ID | gguf:FILE.gguf | scripted:FILE.json"


class ModelError(Exception):
    """A user-facing, one-line problem with a model spec or a model file."""


@runtime_checkable
class ModelAPI(Protocol):
    spec: str
    context_window: int
    details: dict[str, str]  # backend, dtype, device...: recorded in the transcript

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        """n sampled completions of one conversation, in one batched call."""
        ...

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        """For each conversation, the model's next-token probabilities over `labels`, renormalised.

        One forward pass per batch; nothing is generated or parsed.
        """
        ...

    def count_tokens(self, text: str) -> int: ...


def load_model(spec: str, *, allow_pickle: bool = False, trust_remote_code: bool = False) -> ModelAPI:
    """Build the backend a spec names; raises ModelError listing the valid forms for an unknown spec."""
    kind, _, arg = spec.partition(":")
    if kind == "smollm2" and not arg:
        from harness.models.smollm2 import load_smollm2

        return load_smollm2()
    if kind == "scripted" and arg:
        from harness.models.scripted import ScriptedModel

        return ScriptedModel.from_file(arg, spec=spec)
    if kind == "hf" and arg:
        from harness.models.hf import HFModel

        return HFModel.from_path(arg, spec=spec, allow_pickle=allow_pickle, trust_remote_code=trust_remote_code)
    if kind == "gguf" and arg:
        from harness.models.hf import HFModel

        return HFModel.from_gguf(arg, spec=spec)
    raise ModelError(f"unknown model spec {spec!r}; valid forms: {SPEC_FORMS}")


class ModelPool:
    """Loads each distinct spec once, so roles that share a model share its weights."""

    def __init__(self, allow_pickle: bool = False, trust_remote_code: bool = False) -> None:
        self._models: dict[str, ModelAPI] = {}
        self._flags = {"allow_pickle": allow_pickle, "trust_remote_code": trust_remote_code}

    def get(self, spec: str) -> ModelAPI:
        if spec not in self._models:
            self._models[spec] = load_model(spec, **self._flags)
        return self._models[spec]
