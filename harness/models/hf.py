"""Transformers backend: local model directories (safetensors) and GGUF files, on CPU or GPU."""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, DynamicCache

from harness.models import Messages, ModelError, cache_dir

log = logging.getLogger("harness")

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
# What one forward pass costs beyond its tokens, in tokens: SmolLM2-135M on 2 CPU cores, 33 ms at 0.7 ms a token
CALL_COST = 48


def _device() -> str:
    """cuda when a GPU is visible, else cpu; HARNESS_DEVICE=cpu|cuda overrides the choice."""
    forced = os.environ.get("HARNESS_DEVICE")
    if forced:
        if forced not in ("cpu", "cuda"):
            raise ModelError(f"HARNESS_DEVICE must be cpu or cuda, not {forced!r}")
        if forced == "cuda" and not torch.cuda.is_available():
            raise ModelError("HARNESS_DEVICE=cuda but torch sees no CUDA device")
        return forced
    return "cuda" if torch.cuda.is_available() else "cpu"


def _dtype() -> torch.dtype:
    """bfloat16 on GPUs and on CPUs with native bf16 (1.6x faster decoding for SmolLM2 here); else float32.

    HARNESS_DTYPE=float32|bfloat16 overrides the choice.
    """
    forced = os.environ.get("HARNESS_DTYPE")
    if forced:
        if forced not in ("float32", "bfloat16"):
            raise ModelError(f"HARNESS_DTYPE must be float32 or bfloat16, not {forced!r}")
        return getattr(torch, forced)
    if _device() == "cuda":
        return torch.bfloat16
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return torch.float32
    return torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else torch.float32


class HFModel:
    """One causal LM and its tokenizer; `rate` reads the next-token distribution in one forward pass."""

    def __init__(self, model, tokenizer, spec: str) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.spec = spec
        self.context_window = int(getattr(model.config, "max_position_embeddings", 2048))
        self.details = {"backend": "transformers", "dtype": str(model.dtype).removeprefix("torch."),
                        "device": str(model.device)}
        self._label_ids: dict[tuple[str, ...], list[int]] = {}
        self.share_prompt = True  # n samples of one prompt run its prefill once (see _prompt_once)
        # transformers 5 renamed forward's `past_key_values` to `cache` (the old name goes in 5.40); a LoRA wrapper's
        # forward takes **kwargs, so ask the model inside it
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        self._cache_arg = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"

    # -- loading -------------------------------------------------------------------------------------
    @classmethod
    def from_path(
        cls, path: str, spec: str, allow_pickle: bool = False, trust_remote_code: bool = False
    ) -> HFModel:
        local = Path(path).expanduser()
        if local.exists():
            if not local.is_dir():
                raise ModelError(f"hf: expects a model directory, got a file: {local}")
            has_safetensors = any(local.glob("*.safetensors"))
            if not has_safetensors and not allow_pickle:
                if any(p.suffix in PICKLE_SUFFIXES for p in local.iterdir()):
                    raise ModelError(
                        f"{local} holds only pickle weights; refusing to load them (pass --allow-pickle to accept)"
                    )
                raise ModelError(f"no model weights (*.safetensors) in {local}")
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(local) if local.exists() else path,
                                                      trust_remote_code=trust_remote_code)
            model = AutoModelForCausalLM.from_pretrained(
                str(local) if local.exists() else path,
                dtype=_dtype(),
                use_safetensors=not allow_pickle,
                trust_remote_code=trust_remote_code,
            ).to(_device())
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load model {path!r}: {str(exc).splitlines()[0]}") from exc
        return cls(model, tokenizer, spec)

    @classmethod
    def from_gguf(
        cls, file: str | Path, spec: str, name: str | None = None, model_name: str | None = None,
        sha256: str | None = None,
    ) -> HFModel:
        """Dequantize a GGUF file once and keep the result as safetensors, so later loads take seconds.

        Named models (`smollm2`, `qwen-1.5b`) keep their conversion under their name and hash; the transcript's
        `models` event gets the model's name and the GGUF's SHA-256 either way."""
        from harness.models.catalog import file_sha256

        gguf = Path(file).expanduser().resolve()
        if not gguf.is_file():
            raise ModelError(f"GGUF file not found: {gguf}")
        sha256 = sha256 or file_sha256(gguf)
        target = converted_dir(gguf, name, sha256)
        if not (target / "config.json").exists():
            convert_gguf(gguf, target, name or gguf.name)
        else:
            log.debug("loading cached conversion of %s from %s", gguf.name, target)
        model = cls.from_path(str(target), spec=spec)
        model.details = {"model": model_name or gguf.stem, "gguf_sha256": sha256, **model.details}
        return model

    # -- the protocol --------------------------------------------------------------------------------
    def _texts(self, conversations: Sequence[Messages]) -> list[str]:
        return [
            self.tokenizer.apply_chat_template(list(c), add_generation_prompt=True, tokenize=False)
            for c in conversations
        ]

    def _encode(self, texts: list[str]) -> dict[str, torch.Tensor]:
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return {k: v.to(self.model.device) for k, v in enc.items()}

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        return self.generate_batch([messages], n, temperature, max_new_tokens, seed)[0]

    @torch.inference_mode()
    def generate_batch(
        self,
        conversations: Sequence[Messages],
        n: int = 1,
        temperature: float = 0.7,
        max_new_tokens: int = 128,
        seed: int = 0,
        max_rows: int = 48,
    ) -> list[list[str]]:
        """n completions of each conversation, decoded together in left-padded batches of at most `max_rows`
        sequences, conversations of similar length side by side (4x faster than one by one on 2 CPU cores for
        16 greedy replies). Greedy replies can differ slightly from unbatched ones where padding changes the
        bf16 arithmetic."""
        texts = self._texts(conversations)
        lengths = [len(t) for t in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        per_chunk = max(1, max_rows // n)
        sample = temperature > 0
        torch.manual_seed(seed)
        result: list[list[str]] = [[] for _ in texts]
        for start in range(0, len(order), per_chunk):
            chunk = order[start:start + per_chunk]
            enc = self._encode([texts[i] for i in chunk])
            inputs, per_input = self.sampling_inputs(enc, n)
            out = self.model.generate(
                **inputs,
                do_sample=sample,
                temperature=temperature if sample else None,
                top_p=0.95 if sample else None,
                top_k=None,
                num_return_sequences=per_input,
                max_new_tokens=max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
            )
            decoded = self.tokenizer.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
            for j, i in enumerate(chunk):
                result[i] = [t.strip() for t in decoded[j * n:(j + 1) * n]]
        return result

    def sampling_inputs(self, enc: dict[str, torch.Tensor], n: int) -> tuple[dict, int]:
        """generate's inputs for n samples of each of these prompts, and its num_return_sequences: one prompt's
        prefill runs once (_prompt_once) where the model generates with a dynamic cache, the kind it fills."""
        dynamic = getattr(self.model.generation_config, "cache_implementation", None) is None
        if len(enc["input_ids"]) == 1 and n > 1 and self.share_prompt and dynamic:
            return self._prompt_once(enc["input_ids"], n), 1
        return enc, n

    def _prompt_once(self, input_ids: torch.Tensor, n: int) -> dict:
        """generate's inputs for n samples of one prompt whose key/value cache is computed once and repeated,
        instead of n times (a best-of-16 pool's prompt is most of its prefill). The last prompt token stays out
        of the cache: generate's first step needs its logits. In float32 a seed gives the texts of n separate
        prefills; in bfloat16 they can differ, as batched arithmetic does."""
        cache = DynamicCache()
        self.model(input_ids=input_ids[:, :-1], use_cache=True, logits_to_keep=1, **{self._cache_arg: cache})
        cache.batch_repeat_interleave(n)
        ids = input_ids.repeat(n, 1)
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), self._cache_arg: cache}

    def label_ids(self, labels: Sequence[str]) -> list[int]:
        key = tuple(labels)
        if key not in self._label_ids:
            ids = []
            for label in labels:
                toks = self.tokenizer.encode(label, add_special_tokens=False)
                if len(toks) != 1:
                    raise ModelError(f"rating label {label!r} is not a single token for {self.spec}")
                ids.append(toks[0])
            self._label_ids[key] = ids
        return self._label_ids[key]

    @torch.inference_mode()
    def rate(
        self, conversations: Sequence[Messages], labels: Sequence[str], batch_size: int = 16
    ) -> list[list[float]]:
        ids = torch.tensor(self.label_ids(labels), device=self.model.device)
        tokens = self.tokenizer(self._texts(conversations), add_special_tokens=False)["input_ids"]
        result: list[list[float]] = [[] for _ in tokens]
        for chunk, shared in plan_batches(tokens, batch_size):
            logits = self._last_logits([tokens[i] for i in chunk], shared)
            for i, row in zip(chunk, torch.softmax(logits[:, ids].float(), dim=-1).cpu().tolist(), strict=True):
                result[i] = row
        return result

    def _last_logits(self, rows: list[list[int]], shared: int) -> torch.Tensor:
        """Next-token logits after each row: the first `shared` tokens (the same in every row) run once and their
        key/value cache is repeated for the batch; the rest runs left-padded, with positions that count real
        tokens only, as they did when the text was unpadded (see the left-padding test)."""
        device = self.model.device
        cache = DynamicCache()  # filled in place by the prefix's forward pass
        if shared:
            prefix = torch.tensor([rows[0][:shared]], device=device)
            self.model(input_ids=prefix, use_cache=True, **{self._cache_arg: cache})
            cache.batch_repeat_interleave(len(rows))
        suffixes = [r[shared:] for r in rows]
        width = max(map(len, suffixes))
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(s)) + s for s in suffixes], device=device)
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in suffixes], device=device)
        positions = shared + (mask.cumsum(-1) - 1).clamp(min=0)
        full_mask = torch.cat([torch.ones(len(rows), shared, dtype=mask.dtype, device=device), mask], dim=-1)
        out = self.model(input_ids=input_ids, attention_mask=full_mask, position_ids=positions, logits_to_keep=1,
                         **{self._cache_arg: cache})
        return out.logits[:, -1, :]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))


def plan_batches(tokens: Sequence[Sequence[int]], batch_size: int) -> list[tuple[list[int], int]]:
    """Rating batches: (row indices, number of leading tokens all its rows share, which run once; 0 for none).

    Rows sorted as token sequences put those sharing a prefix side by side (one equation's candidates under one
    prompt), and a dynamic programme cuts that order into runs of at most `batch_size` rows. It minimises the
    work in token equivalents: each forward pass costs CALL_COST, then the shared prefix runs once and every
    row's rest is padded to the run's longest. Every row keeps at least its last token out of the prefix, since
    its logits are the answer. Identical rows cost one token each.
    """
    order = sorted(range(len(tokens)), key=lambda i: list(tokens[i]))
    lengths = [len(tokens[i]) for i in order]
    shared_next = [len(os.path.commonprefix([tokens[a], tokens[b]])) for a, b in zip(order, order[1:], strict=False)]
    cost = [0.0] + [float("inf")] * len(order)
    cut, prefix_of = [0] * (len(order) + 1), [0] * (len(order) + 1)
    for j in range(1, len(order) + 1):  # cost[j]: the cheapest plan for the first j rows
        shared, longest = lengths[j - 1] - 1, 0
        for i in range(j - 1, max(j - batch_size, 0) - 1, -1):  # last batch = rows i..j-1
            longest = max(longest, lengths[i])
            if i < j - 1:
                shared = min(shared, shared_next[i], lengths[i] - 1)
            rows = j - i
            for prefix, c in ((0, CALL_COST + rows * longest),
                              (shared, 2 * CALL_COST + shared + rows * (longest - shared))):
                if cost[i] + c < cost[j]:
                    cost[j], cut[j], prefix_of[j] = cost[i] + c, i, prefix
    batches, j = [], len(order)
    while j > 0:
        batches.append((order[cut[j]:j], prefix_of[j]))
        j = cut[j]
    return batches[::-1]


def converted_dir(gguf: Path, name: str | None = None, sha256: str | None = None) -> Path:
    """Where a GGUF's conversion is cached: under a named model's name and hash, else under the file's identity."""
    if name and sha256:
        return cache_dir() / "models" / f"{name}-{sha256[:12]}"
    stat = gguf.stat()
    key = hashlib.sha1(f"{gguf}|{stat.st_size}|{int(stat.st_mtime)}".encode()).hexdigest()[:16]
    return cache_dir() / "models" / f"{gguf.stem}-{key}"


def convert_gguf(gguf: Path, target: Path, label: str) -> None:
    """transformers refuses save_pretrained on a GGUF-loaded model, so rebuild a plain one and save that.

    The plain model is built on the meta device and takes the loaded tensors as they are (no second copy), which
    keeps the peak memory at one float32 model."""
    seconds = max(5, round(gguf.stat().st_size / 12e6, -1))  # about 12 MB of GGUF a second on 2 CPU cores
    log.info("converting %s once (about %d s); cache: %s", label, seconds, target)
    try:
        loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except (ValueError, OSError, RuntimeError) as exc:
        raise ModelError(f"cannot read GGUF file {gguf}: {str(exc).splitlines()[0]}") from exc
    config = loaded.config.to_dict()
    config.pop("quantization_config", None)
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(AutoConfig.for_model(**config), dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), assign=True)
    plain.tie_weights()
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        plain.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        tmp.rename(target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"cannot write the conversion of {label} to {target.parent}: {exc}") from exc


def load(arg: str, spec: str, allow_pickle: bool = False, trust_remote_code: bool = False, **_) -> HFModel:
    return HFModel.from_path(arg, spec=spec, allow_pickle=allow_pickle, trust_remote_code=trust_remote_code)


def load_gguf(arg: str, spec: str, **_) -> HFModel:
    return HFModel.from_gguf(arg, spec=spec)
