"""Pressure a parent applies to a spawned describer. `none` and `best_of_n(n)` so far."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from harness.judge import Rating

OPTIMIZER_FORMS = "none | best_of_n(N)"


@dataclass
class Candidate:
    index: int
    text: str
    rating: Rating


@dataclass(frozen=True)
class BestOfN:
    """Sample n candidates in one batch, rate them all, keep the highest-rated (the first on ties)."""

    n: int

    @property
    def name(self) -> str:
        return f"best_of_n({self.n})"

    def optimize(
        self, sample: Callable[[int], list[str]], rate: Callable[[list[str]], list[Rating]]
    ) -> tuple[list[Candidate], Candidate]:
        texts = sample(self.n)
        candidates = [Candidate(i, t, r) for i, (t, r) in enumerate(zip(texts, rate(texts), strict=True))]
        return candidates, max(candidates, key=lambda c: (c.rating.proxy, -c.index))


def parse_optimizer(spec: str) -> BestOfN:
    """`none` is best_of_n(1): one sample, still rated, so the proxy is recorded for every output."""
    spec = spec.strip()
    if spec == "none":
        return BestOfN(1)
    m = re.fullmatch(r"best_of_n\((\d+)\)", spec)
    if m and int(m.group(1)) >= 1:
        return BestOfN(int(m.group(1)))
    raise ValueError(f"unknown optimizer {spec!r}; valid forms: {OPTIMIZER_FORMS}")
