"""llama.cpp backend (`llamacpp:FILE.gguf`, or `llamacpp:NAME` for a named model: `smollm2`, `qwen-1.5b`).

Needs the optional extra `llama-cpp-python` (it compiles at install). Generation goes through llama.cpp's own chat
completion with the GGUF's chat template; rating evaluates the templated prompt once and reads the next-token
logits, as the transformers backend does, reusing the KV cache for the prefix candidates share.
"""

from __future__ import annotations

import atexit
import math
import os
from collections.abc import Sequence
from pathlib import Path

import llama_cpp
import numpy as np
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from harness.models import Messages, ModelError

MAX_CONTEXT = 8192


def threads() -> int:
    """All cores by default; HARNESS_LLAMACPP_THREADS sets it: the run's `threads` and a Ray task's CPUs do
    (harness.models.threads), and a user may cap it on a shared machine, where more threads than free cores
    makes llama.cpp (and torch beside it) spin-wait and run many times slower."""
    return int(os.environ.get("HARNESS_LLAMACPP_THREADS") or os.cpu_count() or 1)


class LlamaCppModel:
    def __init__(self, path: Path, spec: str) -> None:
        from harness.models.catalog import file_sha256

        try:
            count = threads()
            self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=MAX_CONTEXT, n_threads=count,
                                       n_threads_batch=count, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load GGUF file {path} with llama.cpp: {exc}") from exc
        atexit.register(self.llm.close)  # freed before interpreter teardown, which otherwise prints a TypeError
        self.spec = spec
        meta = self.llm.metadata
        arch = meta.get("general.architecture", "llama")
        self.context_window = min(int(meta.get(f"{arch}.context_length", MAX_CONTEXT)), MAX_CONTEXT)
        # dtype: the weights stay quantized as the file has them (llama.cpp computes in float32 on the CPU)
        self.details = {"model": meta.get("general.name", path.stem), "gguf_sha256": file_sha256(path),
                        "backend": "llama.cpp", "file": path.name, "dtype": "gguf (quantized as the file)",
                        "device": "cpu", "rating": "next-token logits"}
        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{path} has no chat template in its metadata; llamacpp: needs a chat model")
        self._format = Jinja2ChatFormatter(
            template=template, eos_token=self._token_text(self.llm.token_eos()),
            bos_token=self._token_text(self.llm.token_bos()), add_generation_prompt=True)
        self._label_ids: dict[tuple[str, ...], list[int]] = {}

    def _use_threads(self) -> None:
        """Take up the current thread count (it may have changed since loading: a Ray worker keeps its models
        across tasks), for decoding and for prompt batches alike."""
        count = threads()
        if count != self.llm.n_threads or count != self.llm.n_threads_batch:
            llama_cpp.llama_set_n_threads(self.llm.ctx, count, count)
            self.llm.n_threads = self.llm.n_threads_batch = count

    def _token_text(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="replace") if token >= 0 else ""

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        """llama.cpp decodes one sequence at a time: candidate k is its own completion with seed + k."""
        self._use_threads()
        out = []
        for k in range(n):
            reply = self.llm.create_chat_completion(
                messages=list(messages), temperature=temperature, top_p=0.95 if temperature > 0 else 1.0,
                top_k=0, max_tokens=max_new_tokens, seed=seed + k)
            out.append((reply["choices"][0]["message"]["content"] or "").strip())
        return out

    def label_ids(self, labels: Sequence[str]) -> list[int]:
        key = tuple(labels)
        if key not in self._label_ids:
            ids = [self.llm.tokenize(label.encode(), add_bos=False, special=False) for label in labels]
            if any(len(i) != 1 for i in ids):
                raise ModelError(f"rating labels {list(labels)} are not single tokens for {self.spec}")
            self._label_ids[key] = [i[0] for i in ids]
        return self._label_ids[key]

    def _next_logits(self, tokens: list[int]) -> np.ndarray:
        """Evaluate `tokens`, keeping whatever prefix the KV cache already holds, and return the last logits."""
        held = self.llm.input_ids[: self.llm.n_tokens].tolist()
        common = 0
        for a, b in zip(held, tokens[:-1], strict=False):  # the last token is always evaluated, for its logits
            if a != b:
                break
            common += 1
        self.llm.n_tokens = common
        self.llm.eval(tokens[common:])
        ptr = llama_cpp.llama_get_logits_ith(self.llm.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.llm.n_vocab(),)).copy()

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        ids = self.label_ids(labels)
        self._use_threads()
        out = []
        for conv in conversations:
            prompt = self._format(messages=list(conv)).prompt
            tokens = self.llm.tokenize(prompt.encode(), add_bos=False, special=True)
            if len(tokens) >= self.context_window:
                raise ModelError(f"{self.spec}: a rating prompt of {len(tokens)} tokens exceeds the context window")
            logits = self._next_logits(tokens)[ids].astype(np.float64)
            weights = [math.exp(v - logits.max()) for v in logits]
            out.append([w / sum(weights) for w in weights])
        return out

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode(), add_bos=False, special=False))


def load(arg: str, spec: str, **_) -> LlamaCppModel:
    if "/" not in arg and not arg.endswith(".gguf"):  # a name: the bundled model or a catalog entry
        from harness.models.catalog import named_gguf

        return LlamaCppModel(named_gguf(arg), spec)
    path = Path(arg).expanduser()
    if not path.is_file():
        raise ModelError(f"GGUF file not found: {path}")
    return LlamaCppModel(path, spec)
