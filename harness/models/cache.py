"""A content-addressed cache of model calls in SQLite, and a log of every call for the transcript.

The key is a hash of the model spec and details (backend, dtype, server...), the call (generate or rate), the
messages and every sampling parameter with the seed; so a cached answer is one the same model gave to the same
request. `CachedModel` sits in front of any backend; with no store it only logs. Agents open a `call_log()`
around their work and write what it collected (model, call, cache hit, seconds) into their transcript node.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.models import Messages, ModelAPI, cache_dir, generate_batch

_calls: contextvars.ContextVar[list[dict] | None] = contextvars.ContextVar("harness_calls", default=None)


@contextmanager
def call_log() -> Iterator[list[dict]]:
    """Collect the model calls made in this block (in this thread) as dicts."""
    calls: list[dict] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


class CallCache:
    """Answers keyed by request hash; safe to share between threads and between processes (WAL).

    It lives in the cache directory, or at HARNESS_CALL_CACHE (the tests point it at a fresh file)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or os.environ.get("HARNESS_CALL_CACHE") or cache_dir() / "calls.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, answer TEXT NOT NULL,"
                        " spec TEXT NOT NULL, created REAL NOT NULL)")

    def get(self, key: str) -> Any | None:
        with self._lock:
            row = self.db.execute("SELECT answer FROM calls WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, spec: str, answer: Any) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)",
                            (key, json.dumps(answer), spec, time.time()))

    def answers(self, specs: Collection[str]) -> dict[str, Any]:
        """Every answer stored for these model specs, by key: what a Ray task reads (in a MemoryCache), since it
        may run where this file is not."""
        marks = ", ".join("?" * len(specs))
        with self._lock:
            rows = self.db.execute(f"SELECT key, answer FROM calls WHERE spec IN ({marks})", list(specs)).fetchall()
        return {key: json.loads(answer) for key, answer in rows}


class MemoryCache:
    """A CallCache's answers in memory, for a Ray task: the file has one writer (the driver), so the task keeps
    its new answers in `added` (key -> (spec, answer)) and returns them for the driver to store."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.added: dict[str, tuple[str, Any]] = {}

    def get(self, key: str) -> Any | None:
        return self.added[key][1] if key in self.added else self.answers.get(key)

    def put(self, key: str, spec: str, answer: Any) -> None:
        self.added[key] = (spec, answer)


def request_key(model: ModelAPI, call: str, **request: Any) -> str:
    blob = json.dumps({"spec": model.spec, "details": model.details, "call": call, **request}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class CachedModel:
    """Any ModelAPI, with its calls answered from `store` when they were made before, and logged."""

    def __init__(self, inner: ModelAPI, store: CallCache | MemoryCache | None) -> None:
        self.inner = inner
        self.store = store
        self.spec = inner.spec
        self.context_window = inner.context_window
        self.details = inner.details

    def _call(self, call: str, run: Any, **request: Any) -> Any:
        start = time.perf_counter()
        key = request_key(self.inner, call, **request) if self.store else None
        answer = self.store.get(key) if key else None
        cached = answer is not None
        if not cached:
            answer = run()
            if key:
                self.store.put(key, self.spec, answer)
        if (log := _calls.get()) is not None:
            count = request.get("n", 1) * len(request.get("conversations", [None]))  # completions or ratings
            log.append({"model": self.spec, "call": call, "n": count, "cached": cached,
                        "seconds": round(time.perf_counter() - start, 4)})
        return answer

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        return self._call("generate", lambda: self.inner.generate(messages, n, temperature, max_new_tokens, seed),
                          messages=messages, n=n, temperature=temperature, max_new_tokens=max_new_tokens, seed=seed)

    def generate_batch(
        self,
        conversations: Sequence[Messages],
        n: int = 1,
        temperature: float = 0.7,
        max_new_tokens: int = 128,
        seed: int = 0,
    ) -> list[list[str]]:
        return self._call(
            "generate_batch",
            lambda: generate_batch(self.inner, conversations, n, temperature, max_new_tokens, seed),
            conversations=list(conversations), n=n, temperature=temperature, max_new_tokens=max_new_tokens, seed=seed,
        )

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        return self._call("rate", lambda: self.inner.rate(conversations, labels),
                          conversations=list(conversations), labels=list(labels))

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
