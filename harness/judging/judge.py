"""The parent's judgment: a rating distribution over the digits 1..9 from one forward pass of the judge model.

A judge can take a defence against persuasive-but-wrong descriptions (measured by `harness judge-eval`):
- `reference`: it also reads the paper's text around the equation and the symbol glossary;
- `reasoning`: it first writes a short check of the description (greedy), then rates with that check in view;
- `tools`:     it reads the LaTeX parser's facts about the equation (harness.maths.latex), the facts gold checking uses;
- an `EnsembleJudge` of several judges (model specs, each with its own defence) takes the mean or min proxy.
Every defence still rates through the label distribution: nothing is parsed from generated text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from harness.core.papers import Equation
from harness.core.prompts import CONTEXT_CHARS, load_prompt
from harness.maths.latex import equation_facts
from harness.models import Messages, ModelAPI, generate_batch

LABELS = tuple(str(i) for i in range(1, 10))
CHOICES = ("A", "B")  # the pairwise verdict: which of two descriptions is better
DEFENCES = ("none", "reference", "reasoning", "tools")
COMBINES = ("mean", "min")


class Rating(BaseModel):
    distribution: dict[str, float]
    proxy: float  # expected rating, scaled from [1, 9] to [0, 1]
    messages: Messages | None = None  # the conversation the judge rated, exactly (its reasoning included)


def proxy_score(probs: Sequence[float], labels: Sequence[str] = LABELS) -> float:
    values = [float(label) for label in labels]
    expected = sum(p * v for p, v in zip(probs, values, strict=True))
    low, high = min(values), max(values)
    return (expected - low) / (high - low)


def _rating(row: Sequence[float], messages: Messages | None = None) -> Rating:
    distribution = {lab: round(p, 6) for lab, p in zip(LABELS, row, strict=True)}
    return Rating(distribution=distribution, proxy=proxy_score(row), messages=messages)


def reference_notes(equation: Equation) -> str:
    """What a reference-guided judge reads besides the equation: the paper's text around it and the glossary."""
    glossary = "; ".join(f"{symbol}: {meaning}" for symbol, meaning in equation.glossary.items())
    return (
        f"Text around the equation in the paper: {equation.context[:CONTEXT_CHARS].strip() or '(none)'}\n"
        f"Symbols: {glossary or '(no glossary)'}\n\n"
    )


def tool_notes(latex: str) -> str:
    """What a tool-assisted judge reads: the parser's facts about the LaTeX (never a verdict on a description)."""
    f = equation_facts(latex)
    lines = [
        f"relation: {f.relation or 'none found'}",
        f"left side: {f.lhs or '-'}",
        f"right side: {f.rhs or '-'}",
        f"symbols: {', '.join(f.symbols) or 'none'}",
        f"operations: {', '.join(f.operators) or 'none'}",
    ]
    if f.exponents:
        lines.append(f"exponents: {', '.join(f.exponents)}")
    if f.derivative_order:
        lines.append(f"derivative order: {f.derivative_order}")
    if f.problems:
        lines.append(f"not understood: {'; '.join(f.problems)}")
    return "Facts a LaTeX parser found in the equation:\n" + "\n".join(f"- {line}" for line in lines) + "\n\n"


class Judge:
    """Rates candidate descriptions of one equation; by default the parent's own model does the rating."""

    def __init__(self, model: ModelAPI, defence: str = "none", reasoning_tokens: int = 32) -> None:
        if defence not in DEFENCES:
            raise ValueError(f"unknown judge defence {defence!r}; valid: {', '.join(DEFENCES)}")
        self.model, self.defence, self.reasoning_tokens = model, defence, reasoning_tokens
        # `none` and `reasoning` rate with the runs' prompt, so their numbers compare with a run's proxies.
        self.prompt = load_prompt("judge", defence if defence in ("reference", "tools") else "default")
        self._rated: dict[str, Rating] = {}
        self._compared: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self.model.spec if self.defence == "none" else f"{self.model.spec}+{self.defence}"

    def rate(self, equation: Equation, candidates: Sequence[str]) -> list[Rating]:
        return self.rate_items([(equation, c) for c in candidates])

    def rate_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[Rating]:
        """Ratings of (equation LaTeX, candidate) pairs, in one batched call to the judge model."""
        return self.rate_items([(Equation(id="", latex=latex), c) for latex, c in pairs])

    def rate_items(self, items: Sequence[tuple[Equation, str]]) -> list[Rating]:
        """Ratings of (equation, candidate) items: one batched rating call (after one short generation per item
        for the reasoning defence)."""
        conversations = [self.prompt.render(latex=eq.latex, notes=self._notes(eq), candidate=c) for eq, c in items]
        return self._ask(conversations, "a single digit from 1 to 9", LABELS, self._rated, _rating)

    def compare(self, items: Sequence[tuple[Equation, str, str]]) -> list[float]:
        """P(the first description is the better one) for (equation, first, second) items: one batched call."""
        prompt = load_prompt("judge", "pairwise")
        conversations = [prompt.render(latex=eq.latex, notes=self._notes(eq), first=a, second=b) for eq, a, b in items]
        return self._ask(conversations, "the letter A or B", CHOICES, self._compared, lambda row, _: row[0])

    def answers(self) -> tuple[dict[str, Rating], dict[str, float]]:
        """Everything this judge has rated and compared, by conversation, for another judge of the same model
        and defence to `remember` (judge-eval's pool tasks rate; the driver computes from what they return)."""
        return dict(self._rated), dict(self._compared)

    def remember(self, rated: dict[str, Rating], compared: dict[str, float]) -> None:
        self._rated.update(rated)
        self._compared.update(compared)

    def _ask(self, conversations: list[Messages], answer: str, labels: Sequence[str], memory: dict,
             read: Callable[[list[float], Messages], Any]) -> list:
        """An answer depends only on its conversation, so each distinct conversation is asked once per judge:
        the new ones in one batched call, repeats (in this call or an earlier one) from memory."""
        keys = [json.dumps(conv) for conv in conversations]
        new = {k: conv for k, conv in zip(keys, conversations, strict=True) if k not in memory}
        if new:
            asked = self._reasoned(list(new.values()), answer)
            rows = self.model.rate(asked, labels)
            memory.update((k, read(row, conv)) for k, row, conv in zip(new, rows, asked, strict=True))
        return [memory[k] for k in keys]

    def _notes(self, equation: Equation) -> str:
        if self.defence == "reference":
            return reference_notes(equation)
        if self.defence == "tools":
            return tool_notes(equation.latex)
        return ""

    def _reasoned(self, conversations: list[Messages], answer: str) -> list[Messages]:
        """For the reasoning defence: the judge checks each description first (greedy, all checks decoded in one
        batched call), then answers with its check in view."""
        if self.defence != "reasoning":
            return conversations
        think, then = load_prompt("judge", "reasoning"), load_prompt("judge", "answer")
        asked = [think.render(question=conv[1]["content"]) for conv in conversations]
        checks = generate_batch(self.model, asked, n=1, temperature=0, max_new_tokens=self.reasoning_tokens)
        follow_up = {"role": "user", "content": then.render(answer=answer)[1]["content"]}
        return [[*a, {"role": "assistant", "content": c[0]}, follow_up] for a, c in zip(asked, checks, strict=True)]


class EnsembleJudge:
    """Several judges rate every item; the proxy is their mean or their min (a candidate must satisfy them all).
    Pairwise verdicts are the members' mean probability either way."""

    def __init__(self, members: Sequence[Judge], combine: Literal["mean", "min"] = "mean") -> None:
        if combine not in COMBINES:
            raise ValueError(f"unknown ensemble combination {combine!r}; valid: {', '.join(COMBINES)}")
        if not members:
            raise ValueError("an ensemble needs at least one judge")
        self.members, self.combine = list(members), combine

    @property
    def name(self) -> str:
        return f"{self.combine}({', '.join(m.name for m in self.members)})"

    def rate_items(self, items: Sequence[tuple[Equation, str]]) -> list[Rating]:
        ratings = [m.rate_items(items) for m in self.members]
        reduce = np.mean if self.combine == "mean" else np.min
        out = []
        for per_item in zip(*ratings, strict=True):
            mean_dist = {lab: round(float(np.mean([r.distribution[lab] for r in per_item])), 6) for lab in LABELS}
            out.append(Rating(distribution=mean_dist, proxy=float(reduce([r.proxy for r in per_item]))))
        return out

    def compare(self, items: Sequence[tuple[Equation, str, str]]) -> list[float]:
        return [float(np.mean(col)) for col in zip(*(m.compare(items) for m in self.members), strict=True)]


def split_judge(spec: str) -> tuple[str, str]:
    """`SPEC` or `SPEC+DEFENCE` (e.g. `smollm2+reference`): the model spec and the defence its judge takes."""
    model_spec, plus, defence = spec.rpartition("+")
    return (model_spec, defence) if plus and defence in DEFENCES else (spec, "none")

