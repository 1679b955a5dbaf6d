"""Model backends behind one small protocol, chosen by a model spec string.

Specs: `smollm2` (the bundled default), `qwen-0.5b` and `qwen-1.5b` (chunk packages, see catalog.toml),
`hf:PATH_OR_ID`, `gguf:FILE.gguf`, `llamacpp:FILE.gguf|NAME`, `openai:MODEL@BASE_URL`, `ollama:MODEL[@URL]`,
`scripted:FILE.json`. Each backend is one module, imported only
when a spec names it, so that the scripted backend works without torch and the remote ones without a GPU stack.
May import: nothing else of harness.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from platformdirs import user_cache_dir

Message = dict[str, str]
Messages = list[Message]

# spec kind -> (module, loader function, does the kind take an argument after the colon)
BACKENDS = {
    "smollm2": ("harness.models.smollm2", "load", False),
    "hf": ("harness.models.hf", "load", True),
    "gguf": ("harness.models.hf", "load_gguf", True),
    "llamacpp": ("harness.models.llamacpp", "load", True),
    "openai": ("harness.models.remote", "load_openai", True),
    "ollama": ("harness.models.remote", "load_ollama", True),
    "scripted": ("harness.models.scripted", "load", True),
}
SPEC_FORMS = ("smollm2 | qwen-0.5b | qwen-1.5b | hf:PATH_OR_ID | gguf:FILE.gguf | llamacpp:FILE.gguf|NAME"
              " | openai:MODEL@BASE_URL | ollama:MODEL[@URL] | scripted:FILE.json")


class ModelError(Exception):
    """A user-facing, one-line problem with a model spec, a model file or a model server."""


def cache_dir() -> Path:
    """Where converted weights and the call cache live; HARNESS_CACHE_DIR overrides it."""
    return Path(os.environ.get("HARNESS_CACHE_DIR") or user_cache_dir("harness"))


@runtime_checkable
class ModelAPI(Protocol):
    spec: str
    context_window: int
    details: dict[str, str]  # backend, dtype, device, rating method...: recorded in the transcript

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        """n sampled completions of one conversation (candidate k is reproducible from seed and k)."""
        ...

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        """For each conversation, the model's next-token probabilities over `labels`, renormalised.

        Local backends read one forward pass; remote ones read token logprobs, or sample where a server has none.
        """
        ...

    def count_tokens(self, text: str) -> int: ...


def generate_batch(
    model: ModelAPI,
    conversations: Sequence[Messages],
    n: int = 1,
    temperature: float = 0.7,
    max_new_tokens: int = 128,
    seed: int = 0,
) -> list[list[str]]:
    """n completions of each conversation: one batched call where the backend decodes several conversations
    together (its optional `generate_batch`, as the transformers backend has), else one `generate` each."""
    batched = getattr(model, "generate_batch", None)
    if batched is not None:
        return batched(conversations, n, temperature, max_new_tokens, seed)
    return [model.generate(c, n, temperature, max_new_tokens, seed) for c in conversations]


def load_model(
    spec: str, *, allow_pickle: bool = False, trust_remote_code: bool = False, max_connections: int = 4
) -> ModelAPI:
    """Build the backend a spec names; raises ModelError listing the valid forms for an unknown spec."""
    kind, colon, arg = spec.partition(":")
    backend = BACKENDS.get(kind)
    if backend is None and not colon:
        from harness.models.catalog import catalog

        if kind in catalog():  # a named model assembled from chunk packages
            backend = ("harness.models.catalog", "load", False)
    if backend is None or backend[2] != bool(arg) or (colon and not arg):
        raise ModelError(f"unknown model spec {spec!r}; valid forms: {SPEC_FORMS}")
    module, loader, _ = backend
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ModelError(f"{spec}: this backend needs an optional package ({exc.name}); see `harness models`") from exc
    options = {"allow_pickle": allow_pickle, "trust_remote_code": trust_remote_code,
               "max_connections": max_connections}
    return getattr(mod, loader)(arg, spec=spec, **options)


class ModelPool:
    """Loads each distinct spec once, so roles that share a model share its weights (or its connections)."""

    def __init__(self, allow_pickle: bool = False, trust_remote_code: bool = False, max_connections: int = 4) -> None:
        self._models: dict[str, ModelAPI] = {}
        self._flags = {"allow_pickle": allow_pickle, "trust_remote_code": trust_remote_code,
                       "max_connections": max_connections}

    def add(self, spec: str, model: ModelAPI) -> None:
        """Answer `spec` with this model (a stand-in for one held elsewhere, e.g. by a Ray actor)."""
        self._models[spec] = model

    def __contains__(self, spec: str) -> bool:
        return spec in self._models

    def get(self, spec: str) -> ModelAPI:
        if spec not in self._models:
            self._models[spec] = load_model(spec, **self._flags)
        return self._models[spec]


_process_pools: dict[tuple[bool, bool, int], ModelPool] = {}


def process_pool(allow_pickle: bool = False, trust_remote_code: bool = False, max_connections: int = 4) -> ModelPool:
    """This process's pool for these loading flags: a Ray worker keeps the weights it loaded for its next tasks,
    and a driver that runs the same task bodies itself shares the weights it loaded to check the specs."""
    flags = (allow_pickle, trust_remote_code, max_connections)
    if flags not in _process_pools:
        _process_pools[flags] = ModelPool(*flags)
    return _process_pools[flags]
