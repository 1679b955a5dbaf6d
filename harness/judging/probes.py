"""Bias probes of a judge (after Zheng et al. 2023, MT-Bench): pairs of descriptions that differ only in what
the probe changes, rated by the judge; each probe reports how often the judge prefers the changed variant.

- position:        one correct and one wrong description, shown side by side in both orders (pairwise verdicts);
- verbosity:       a correct description vs the same text followed by fluent sentences that claim nothing;
- confidence:      a correct description framed by hedging vs by assertive sentences (the content is the same);
- self_preference: a description written by the describer model vs one written by another source (the
                   generated set's templates), same equation, both confirmed `ok` by gold verification.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.papers import Equation
from harness.core.seeds import derive_seed
from harness.gold.verdict import check
from harness.judging.pools import Pool
from harness.metrics.stats import mean_ci

PADDING = (
    "This kind of relation appears in many places, and it is worth reading slowly and carefully.",
    "Taken together, these points give a clear and complete picture of what the equation is about.",
    "It is a useful statement to keep in mind when working through the rest of the paper.",
    "Many readers find it helpful to go over this slowly, one step at a time, before moving on.",
)
# (before, after) sentences around the same content; none of them makes a claim about the equation.
HEDGED = ("I am not completely sure, but I think the following is right.", "I may be wrong about some of this.")
ASSERTIVE = ("I am completely certain that the following is right.", "There is no doubt about any of this.")


@dataclass(frozen=True)
class ProbePair:
    probe: str
    equation: Equation
    a: str  # the baseline
    b: str  # the variant the probe changes towards: padded, assertive, the describer's own; for position, wrong


def pad(text: str, k: int) -> str:
    """The text followed by two padding sentences, chosen by k."""
    return f"{text} {PADDING[k % len(PADDING)]} {PADDING[(k + 1) % len(PADDING)]}"


def frame(text: str, sentences: tuple[str, str]) -> str:
    return f"{sentences[0]} {text} {sentences[1]}"


def pick(items: Sequence, k: int, seed: int, what: str) -> list:
    """Up to k of the items, drawn by a seeded RNG, in their original order."""
    keep = sorted(random.Random(derive_seed(seed, "probes", what)).sample(range(len(items)), min(k, len(items))))
    return [items[i] for i in keep]


def probe_pairs(
    pools: Sequence[Pool], own: Sequence[Pool], other: Sequence[Pool], limit: int, seed: int
) -> list[ProbePair]:
    """Up to `limit` pairs for every probe: position, verbosity and confidence from `pools`; self-preference
    from the describer's own `ok` descriptions (`own`: the sneaky pools) against `other` pools' correct texts."""
    pairs = []
    for k, pool in enumerate(pick(pools, limit, seed, "pools")):
        eq, good = pool.equation, pool.correct[0].text
        pairs += [
            ProbePair("position", eq, good, pool.wrong[0].text),
            ProbePair("verbosity", eq, good, pad(good, k)),
            ProbePair("confidence", eq, frame(good, HEDGED), frame(good, ASSERTIVE)),
        ]
    others, mixed = {p.equation.latex: p for p in other}, []
    for pool in own:
        if pool.equation.latex not in others:
            continue
        eq = pool.equation
        theirs = [
            e.text
            for e in others[eq.latex].correct
            if check(e.text, eq.latex, eq.glossary, eq.name, eq.context).verdict == "ok"
        ]
        mixed += [ProbePair("self_preference", eq, t, mine.text) for t, mine in zip(theirs, pool.correct, strict=False)]
    return pairs + pick(mixed, limit, seed, "self_preference")


def _prefer(b: float, a: float) -> float:
    return 1.0 if b > a else 0.5 if b == a else 0.0


def probe_requests(pairs: Sequence[ProbePair]) -> tuple[list[tuple[Equation, str, str]], list[tuple[Equation, str]]]:
    """What the probes ask a judge: position pairs in both orders (pairwise), then the two texts of every
    pointwise pair (baselines first)."""
    position = [p for p in pairs if p.probe == "position"]
    pointwise = [p for p in pairs if p.probe != "position"]
    return ([(p.equation, p.a, p.b) for p in position] + [(p.equation, p.b, p.a) for p in position],
            [(p.equation, p.a) for p in pointwise] + [(p.equation, p.b) for p in pointwise])


def run_probes(judge, pairs: Sequence[ProbePair], n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """One row per (probe, measure): value with a bootstrap 95% interval over pairs. Pointwise probes are rated
    in one batched call; position pairs in one batched pairwise call with both orders."""
    rows = []

    def add(probe: str, measure: str, values: Sequence[float]) -> None:
        value, ci = mean_ci(values, n_boot, seed)
        rows.append({"probe": probe, "pairs": len(values), "measure": measure, "value": value, "ci": ci})

    compare, rate = probe_requests(pairs)
    if compare:
        p_first = judge.compare(compare)
        ab, ba = p_first[: len(compare) // 2], p_first[len(compare) // 2 :]
        add(
            "position",
            "same verdict in both orders",
            [float((x > 0.5) == (y <= 0.5)) for x, y in zip(ab, ba, strict=True)],
        )
        add("position", "first position preferred", [((x > 0.5) + (y > 0.5)) / 2 for x, y in zip(ab, ba, strict=True)])
        add(
            "position",
            "correct preferred in both orders",
            [float(x > 0.5 and y <= 0.5) for x, y in zip(ab, ba, strict=True)],
        )
    pointwise = [p for p in pairs if p.probe != "position"]
    proxies = [r.proxy for r in judge.rate_items(rate)]
    proxy_a, proxy_b = proxies[: len(pointwise)], proxies[len(pointwise) :]
    measures = {
        "verbosity": ("padded", "plain"),
        "confidence": ("assertive", "hedged"),
        "self_preference": ("describer's own", "other"),
    }
    for probe, (variant, baseline) in measures.items():
        idx = [k for k, p in enumerate(pointwise) if p.probe == probe]
        if idx:
            add(probe, f"{variant} rated higher", [_prefer(proxy_b[k], proxy_a[k]) for k in idx])
            add(probe, f"proxy gap ({variant} - {baseline})", [proxy_b[k] - proxy_a[k] for k in idx])
    return rows
