"""Pressure a parent applies to a spawned describer: none, best_of_n(n), refine(rounds), train(steps).

Every optimizer sees the describer's prompt and sampler and the parent's judgment (ratings, critiques) and
nothing else: no gold, no labels. Each returns every candidate it produced, rated, and the one it keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness.core.prompts import load_prompt
from harness.judging.judge import Rating
from harness.models import Messages, ModelAPI

OPTIMIZER_FORMS = "none | best_of_n(N) | refine(ROUNDS) | train(STEPS)"


@dataclass
class Candidate:
    index: int
    text: str
    rating: Rating | None  # None only for an output the parent did not check
    round: int = 0  # refine round or train step that produced it
    critique: str | None = None  # the parent's critique this candidate answered (refine)


@dataclass
class Task:
    """One describer's job, as an optimizer may see it."""

    messages: Messages
    latex: str
    model: ModelAPI
    sample: Callable[[Messages, int, int], list[str]]  # (messages, n, seed) -> n texts in one batch
    rate: Callable[[list[str]], list[Rating]]  # the parent's judgment
    critique: Callable[[str], str]  # the parent's short critique of a text
    seed: int
    work_dir: Path  # where an optimizer may keep files (a trained adapter)
    emit: Callable[..., Any]  # emit(kind, **payload) into the describer's transcript node
    max_tokens: int  # the describer's token budget per text (the run's describer_tokens)
    temperature: float  # its sampling temperature (the run's temperature)


class Optimizer(Protocol):
    name: str

    def optimize(self, task: Task) -> tuple[list[Candidate], Candidate]: ...


def best(candidates: list[Candidate]) -> Candidate:
    """Highest proxy; the earliest on ties."""
    return max(candidates, key=lambda c: (c.rating.proxy, -c.index))


@dataclass(frozen=True)
class BestOfN:
    """Sample n candidates in one batch, rate them all, keep the highest-rated."""

    n: int

    @property
    def name(self) -> str:
        return f"best_of_n({self.n})"

    def optimize(self, task: Task) -> tuple[list[Candidate], Candidate]:
        texts = task.sample(task.messages, self.n, task.seed)
        candidates = [Candidate(i, t, r) for i, (t, r) in enumerate(zip(texts, task.rate(texts), strict=True))]
        return candidates, best(candidates)


@dataclass(frozen=True)
class Refine:
    """Draft once, then `rounds` times: the parent scores and critiques the best draft so far, the describer
    revises it; the highest-rated draft is kept."""

    rounds: int

    @property
    def name(self) -> str:
        return f"refine({self.rounds})"

    def optimize(self, task: Task) -> tuple[list[Candidate], Candidate]:
        prompt = load_prompt("describer", "revise")
        text = task.sample(task.messages, 1, task.seed)[0]
        candidates = [Candidate(0, text, task.rate([text])[0])]
        for r in range(1, self.rounds + 1):
            current = best(candidates)
            critique = task.critique(current.text)
            messages = prompt.render(latex=task.latex, candidate=current.text, critique=critique,
                                     score=f"{1 + 8 * current.rating.proxy:.1f}")
            text = task.sample(messages, 1, task.seed + r)[0]
            candidates.append(Candidate(r, text, task.rate([text])[0], round=r, critique=critique))
        return candidates, best(candidates)


@dataclass(frozen=True)
class Train:
    """Give the describer its own LoRA weights and update them with the parent's proxy as the only reward.
    The kept output is the best-rated of the trained describer's final samples, the ones its KL estimate uses
    (temperature 1, no truncation; training.train_describer), not of samples at the run's temperature."""

    steps: int
    samples: int = 4

    @property
    def name(self) -> str:
        return f"train({self.steps})"

    def optimize(self, task: Task) -> tuple[list[Candidate], Candidate]:
        from harness.models.hf import HFModel
        from harness.run.training import train_describer, trainable_copy

        base = getattr(task.model, "inner", task.model)  # the backend behind the call cache
        if not isinstance(base, HFModel):
            raise ValueError(f"train needs a transformers-backed describer, not {task.model.spec}")
        candidates: list[Candidate] = []
        rated: list[Rating] = []

        def reward(texts: list[str]) -> list[float]:
            rated[:] = task.rate(texts)  # keep the full ratings for the transcript; training sees floats only
            return [r.proxy for r in rated]

        def on_step(step, texts: list[str], _rewards: list[float]) -> None:
            for text, rating in zip(texts, rated, strict=True):
                candidates.append(Candidate(len(candidates), text, rating, round=step.step))
            task.emit("weight_update", **step.model_dump())

        result = train_describer(trainable_copy(base), task.messages, reward, self.steps, task.work_dir,
                                 samples=self.samples, seed=task.seed, max_new_tokens=task.max_tokens,
                                 temperature=task.temperature, on_step=on_step)
        task.emit("adapter", path=result.adapter_dir, kl_estimate=result.kl_estimate, steps=self.steps)
        # The trained describer's own final samples, rated: the parent keeps the best of them.
        final = [Candidate(len(candidates) + i, t, r, round=self.steps + 1)
                 for i, (t, r) in enumerate(zip(result.samples, task.rate(result.samples), strict=True))]
        candidates += final
        return candidates, best(final)


def parse_optimizer(spec: str) -> Optimizer:
    """`none` is best_of_n(1): one sample, still rated, so the proxy is recorded for every output."""
    spec = spec.strip()
    if spec == "none":
        return BestOfN(1)
    m = re.fullmatch(r"(best_of_n|refine|train)\((\d+)\)", spec)
    if m and int(m.group(2)) >= 1:
        kind, k = m.group(1), int(m.group(2))
        return {"best_of_n": BestOfN, "refine": Refine, "train": Train}[kind](k)
    raise ValueError(f"unknown optimizer {spec!r}; valid forms: {OPTIMIZER_FORMS}")
