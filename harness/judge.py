"""The parent's judgment: a rating distribution over the digits 1..9 from one forward pass of the judge model."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from harness.models import ModelAPI
from harness.papers import Equation
from harness.prompts import load_prompt

LABELS = tuple(str(i) for i in range(1, 10))


class Rating(BaseModel):
    distribution: dict[str, float]
    proxy: float  # expected rating, scaled from [1, 9] to [0, 1]


def proxy_score(probs: Sequence[float], labels: Sequence[str] = LABELS) -> float:
    values = [float(label) for label in labels]
    expected = sum(p * v for p, v in zip(probs, values, strict=True))
    low, high = min(values), max(values)
    return (expected - low) / (high - low)


class Judge:
    """Rates candidate descriptions of one equation; by default the parent's own model does the rating."""

    def __init__(self, model: ModelAPI, objective: str = "default") -> None:
        self.model = model
        self.prompt = load_prompt("judge", objective)

    def rate(self, equation: Equation, candidates: Sequence[str]) -> list[Rating]:
        return self.rate_pairs([(equation.latex, c) for c in candidates])

    def rate_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[Rating]:
        """Ratings of (equation LaTeX, candidate) pairs, in one batched call to the judge model."""
        conversations = [self.prompt.render(latex=latex, candidate=c) for latex, c in pairs]
        rows = self.model.rate(conversations, LABELS)
        return [
            Rating(distribution={lab: round(p, 6) for lab, p in zip(LABELS, row, strict=True)}, proxy=proxy_score(row))
            for row in rows
        ]
