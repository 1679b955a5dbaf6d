"""Models on a server: `openai:MODEL@BASE_URL` (vLLM, llama.cpp's server, TGI, LM Studio, OpenAI) and
`ollama:MODEL[@URL]`, through LangChain's chat models (the optional extra `remote`).

API keys come only from the environment (OPENAI_API_KEY) and are never put in details, events or errors.
Rating reads the first token's top logprobs where the server returns them; where it does not, the rating is
sampled k times and parsed, and `details["rating"]` says which method this model uses. Every request runs under
a per-server connection limit, with a timeout and retries with backoff on connection errors, 429 and 5xx.
"""

from __future__ import annotations

import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from harness.models import Messages, ModelError

T = TypeVar("T")

TOP_LOGPROBS = 20  # the most OpenAI's API returns
RATING_SAMPLES = 8
TRIES = 4
BACKOFF_S = 0.5
TIMEOUT_S = 120.0
RETRY_STATUS = {408, 409, 429}
PROBE = [{"role": "user", "content": "Reply with one digit from 1 to 9."}]

_limits: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_limits_lock = threading.Lock()


def connection_limit(server: str, max_connections: int) -> threading.BoundedSemaphore:
    """One semaphore per server (and limit), shared by every model spec that talks to it."""
    with _limits_lock:
        return _limits.setdefault((server, max_connections), threading.BoundedSemaphore(max_connections))


def _status(exc: BaseException) -> int | None:
    for holder in (exc, getattr(exc, "response", None)):
        status = getattr(holder, "status_code", None)
        if isinstance(status, int):
            return status
    return None


def retryable(exc: BaseException) -> bool:
    status = _status(exc)
    if status is not None:
        return status in RETRY_STATUS or status >= 500
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    # openai's and httpx's connection and timeout errors, without importing either here
    return any(c.__name__ in ("APIConnectionError", "APITimeoutError", "TransportError") for c in type(exc).__mro__)


def with_retries(call: Callable[[], T], what: str, tries: int = TRIES, backoff: float = BACKOFF_S) -> T:
    """Retry transient failures with exponential backoff and jitter; anything else, or the last failure, is a
    one-line ModelError (the experiment records it on the paper and goes on)."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - classified right below
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if not retryable(exc):
                raise ModelError(f"{what}: {reason}") from exc
            if attempt == tries:
                raise ModelError(f"{what}: failed after {tries} tries: {reason}") from exc
            time.sleep(backoff * 2 ** (attempt - 1) * (1 + random.random() / 2))
            attempt += 1


def label_probs(top: Sequence[tuple[str, float]], labels: Sequence[str]) -> list[float] | None:
    """Renormalised probabilities of the labels among a position's top tokens; None if no label is among them."""
    mass = dict.fromkeys(labels, 0.0)
    for token, logprob in top:
        if token.strip() in mass:
            mass[token.strip()] += math.exp(logprob)
    total = sum(mass.values())
    return [mass[label] / total for label in labels] if total > 0 else None


def parsed_probs(replies: Sequence[str], labels: Sequence[str]) -> list[float]:
    """The share of replies whose first label-looking token is each label; uniform when none parses."""
    pattern = re.compile("|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True)))
    counts = dict.fromkeys(labels, 0)
    for reply in replies:
        if m := pattern.search(reply):
            counts[m.group(0)] += 1
    total = sum(counts.values())
    return [counts[label] / total if total else 1 / len(labels) for label in labels]


class RemoteModel:
    """One chat model on a server. `chat` is a LangChain chat model; `top_tokens` reads a reply's first-token
    top logprobs from its metadata (a list of (token, logprob)), or None when the server sent none."""

    def __init__(self, spec: str, chat: Any, server: str, backend: str, max_connections: int,
                 top_tokens: Callable[[Any], list[tuple[str, float]] | None], logprob_options: dict) -> None:
        self.spec = spec
        self.chat = chat
        self.server = server
        self.context_window = 8192  # not reported by the OpenAI API; the run's context_tokens caps what is used
        self.limit = connection_limit(server, max_connections)
        self.max_connections = max_connections
        self._top_tokens = top_tokens
        self._logprob_options = logprob_options
        self.details = {"backend": backend, "server": server, "tokens": "estimated, 4 characters per token"}
        self.details["rating"] = (f"logprobs (top {TOP_LOGPROBS})" if self._top(PROBE) is not None
                                  else f"sampled (k={RATING_SAMPLES}, parsed)")

    def _invoke(self, messages: Messages, **options: Any) -> Any:
        with self.limit:
            return with_retries(lambda: self.chat.invoke(list(messages), **options), f"{self.spec} at {self.server}")

    def _parallel(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        if len(calls) == 1:
            return [calls[0]()]
        with ThreadPoolExecutor(max_workers=min(len(calls), self.max_connections)) as pool:
            return list(pool.map(lambda call: call(), calls))

    def _options(self, temperature: float, seed: int, max_tokens: int) -> dict:
        if self.details["backend"] == "ollama":
            return {"options": {"temperature": temperature, "seed": seed, "num_predict": max_tokens}}
        # llama.cpp's server ignores max_completion_tokens, which LangChain sends for max_tokens: send the older
        # field in the body instead (vLLM, TGI and OpenAI accept it too).
        return {"temperature": temperature, "seed": seed, "extra_body": {"max_tokens": max_tokens}}

    def _sample(self, messages: Messages, temperature: float, max_tokens: int, seed: int) -> str:
        return str(self._invoke(messages, **self._options(temperature, seed, max_tokens)).content).strip()

    def _top(self, messages: Messages) -> list[tuple[str, float]] | None:
        reply = self._invoke(messages, **self._options(0.0, 0, 1), **self._logprob_options)
        return self._top_tokens(reply)

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        """n requests (servers differ in whether they honour n), candidate k with seed + k."""
        return self._parallel([lambda k=k: self._sample(messages, temperature, max_new_tokens, seed + k)
                               for k in range(n)])

    def _rate_one(self, messages: Messages, labels: Sequence[str]) -> list[float]:
        if self.details["rating"].startswith("logprobs"):
            top = self._top(messages)
            probs = label_probs(top or [], labels)
            if probs is not None:
                return probs
        replies = [self._sample(messages, 1.0, 4, seed) for seed in range(RATING_SAMPLES)]
        return parsed_probs(replies, labels)

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        return self._parallel([lambda c=c: self._rate_one(c, labels) for c in conversations])

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)


def _split(arg: str, default_url: str | None, spec: str) -> tuple[str, str]:
    model, _, url = arg.partition("@")
    url = url or default_url
    if not model or not url:
        raise ModelError(f"model spec {spec!r} needs MODEL@BASE_URL, e.g. openai:smollm2@http://127.0.0.1:8080/v1")
    return model, url.rstrip("/")


def _openai_top(reply: Any) -> list[tuple[str, float]] | None:
    content = (reply.response_metadata.get("logprobs") or {}).get("content") or []
    if not content or not content[0].get("top_logprobs"):
        return None
    return [(t["token"], t["logprob"]) for t in content[0]["top_logprobs"]]


def served_models(kind: str, url: str) -> list[str]:
    """The model names a server lists; a one-line ModelError when it cannot be reached."""
    if kind == "openai":
        import openai

        client = openai.OpenAI(base_url=url, api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
                               timeout=TIMEOUT_S, max_retries=0)
        return with_retries(lambda: [m.id for m in client.models.list()], f"server {url} unreachable")
    import ollama

    client = ollama.Client(host=url, timeout=TIMEOUT_S)
    return with_retries(lambda: [m.model for m in client.list().models], f"server {url} unreachable")


def _check_served(kind: str, model: str, url: str, spec: str) -> None:
    served = served_models(kind, url)
    if model not in served and f"{model}:latest" not in served:
        raise ModelError(f"{spec}: {url} does not serve {model!r} (it serves: {', '.join(served) or 'nothing'})")


def load_openai(arg: str, spec: str, max_connections: int = 4, **_) -> RemoteModel:
    from langchain_openai import ChatOpenAI

    model, url = _split(arg, None, spec)
    _check_served("openai", model, url, spec)
    chat = ChatOpenAI(model=model, base_url=url, api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
                      timeout=TIMEOUT_S, max_retries=0)
    return RemoteModel(spec, chat, url, "openai", max_connections, _openai_top,
                       {"logprobs": True, "top_logprobs": TOP_LOGPROBS})


def _ollama_top(reply: Any) -> list[tuple[str, float]] | None:
    logprobs = reply.response_metadata.get("logprobs") or []
    first = logprobs[0] if logprobs else None
    if not first or not first.get("top_logprobs"):
        return None
    return [(t["token"], t["logprob"]) for t in first["top_logprobs"]]


def load_ollama(arg: str, spec: str, max_connections: int = 4, **_) -> RemoteModel:
    from langchain_ollama import ChatOllama

    model, url = _split(arg, os.environ.get("OLLAMA_HOST") or "http://127.0.0.1:11434", spec)
    _check_served("ollama", model, url, spec)
    chat = ChatOllama(model=model, base_url=url, client_kwargs={"timeout": TIMEOUT_S})
    return RemoteModel(spec, chat, url, "ollama", max_connections, _ollama_top,
                       {"logprobs": True, "top_logprobs": TOP_LOGPROBS})
