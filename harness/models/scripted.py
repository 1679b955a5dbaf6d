"""Deterministic canned replies and ratings, for tests and for replaying an experiment without a model.

File format (JSON):
    {"replies": [{"when": REGEX, "texts": [TEXT, ...]}, ...],
     "ratings": [{"when": REGEX, "label": "7"} | {"when": REGEX, "probs": {"7": 0.5, "9": 0.5}}, ...],
     "default_reply": TEXT, "default_label": "5", "context_window": 4096, "delay": SECONDS}
`delay` makes each call take that long, for tests that need a paper still running (a worker killed mid-paper).
A rule applies when its regex matches the conversation's text (all messages joined); the first match wins.
Candidate k of a `generate` call is texts[k % len(texts)].
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from harness.models import Messages, ModelError


def _joined(messages: Messages) -> str:
    return "\n".join(m["content"] for m in messages)


class ScriptedModel:
    def __init__(self, script: dict, spec: str = "scripted") -> None:
        self.spec = spec
        self.context_window = int(script.get("context_window", 4096))
        self.details = {"backend": "scripted"}
        try:
            self.replies = [(re.compile(r["when"], re.S), list(r["texts"])) for r in script.get("replies", [])]
            self.ratings = [(re.compile(r["when"], re.S), r) for r in script.get("ratings", [])]
        except (KeyError, TypeError, re.error) as exc:
            raise ModelError(f"{spec}: bad rule in script ({exc})") from exc
        self.default_reply = script.get("default_reply", "")
        self.default_label = str(script.get("default_label", "5"))
        self.delay = float(script.get("delay", 0))

    @classmethod
    def from_file(cls, path: str, spec: str) -> ScriptedModel:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ModelError(f"scripted model file not found: {file}")
        try:
            script = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise ModelError(f"scripted model file {file} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        return cls(script, spec=spec)

    def generate(
        self, messages: Messages, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128, seed: int = 0
    ) -> list[str]:
        time.sleep(self.delay)
        text = _joined(messages)
        texts = next((t for rx, t in self.replies if rx.search(text)), [self.default_reply])
        return [texts[k % len(texts)] for k in range(n)]

    def rate(self, conversations: Sequence[Messages], labels: Sequence[str]) -> list[list[float]]:
        time.sleep(self.delay)
        out = []
        for conv in conversations:
            text = _joined(conv)
            rule = next((r for rx, r in self.ratings if rx.search(text)), {"label": self.default_label})
            probs = rule.get("probs") or {str(rule["label"]): 1.0}
            weights = [float(probs.get(label, 0.0)) for label in labels]
            total = sum(weights)
            if total <= 0:
                raise ModelError(f"{self.spec}: rating rule gives no weight to labels {list(labels)}")
            out.append([w / total for w in weights])
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def load(arg: str, spec: str, **_) -> ScriptedModel:
    return ScriptedModel.from_file(arg, spec=spec)
