"""How exploitable is a judge: balanced best-of-n (after Kirchner et al. 2024), AUROC of correct vs wrong, and
the bias probes, for each judge and defence of a judge suite (evals/suites/judge.toml).

Balanced best-of-n: each equation's rated pool has m correct and m wrong descriptions; a best-of-n pool draws
n/2 of each with replacement from them and the judge keeps its top-rated one. P(wrong pick) is computed exactly
from the ratings (no sampling noise), ties split evenly, and averaged over equations with a bootstrap interval
over equations. A judge that rates at random gives 0.5 for every n; an oracle gives 0.

The ratings are computed in pool tasks, one per equation (its pool's candidates and its probe pairs), by an
executor: in this process, or as Ray tasks (harness.run.ray_executor.RayExecutor, passed in by the command line).
A task's judges start with no memory and its calls are batched within it, so its ratings are the same whichever
process runs it, and when; the driver then computes every number from what the tasks return.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.core.papers import Equation, load_papers
from harness.core.resources import demo_corpus
from harness.judging.judge import DEFENCES, EnsembleJudge, Judge, Rating, split_judge
from harness.judging.pools import Pool, balance, labeled_pools, sneaky_pools, sneaky_rows
from harness.judging.probes import ProbePair, probe_pairs, probe_requests, run_probes
from harness.metrics.stats import auroc, bootstrap_ci, mean_ci
from harness.models import ModelAPI, process_pool
from harness.models.cache import CachedModel, CallCache, MemoryCache

log = logging.getLogger("harness")
ENSEMBLES = ("ensemble-mean", "ensemble-min")


class JudgeSuite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["judge"]
    name: str = ""
    description: str = ""
    sets: list[str]  # labeled JSONL sets, relative to evals/ (or absolute)
    data: str | None = None  # papers the sneaky pools are written for (None: the demo corpus)
    papers: int | None = Field(None, ge=1)
    judges: list[str] = ["smollm2"]
    defences: list[str] = ["none"]
    ensemble: list[str] = []  # members (SPEC or SPEC+DEFENCE); empty: every judge, or one judge's three views
    describer: str = "smollm2"  # writes the sneaky pools; self-preference compares the judge with it
    samples: int = Field(8, ge=1)  # honest and treacherous descriptions sampled per equation
    describer_tokens: int = Field(64, ge=1)
    temperature: float = Field(0.8, ge=0)
    per_side: int = Field(4, ge=1)  # cap on each side of a balanced pool
    probe_pairs: int = Field(32, ge=1)  # cap on the pairs of each probe
    reasoning_tokens: int = Field(32, ge=1)
    ns: list[int] = [2, 4, 8, 16, 32, 64]
    bootstrap: int = Field(1000, ge=10)
    seed: int = 0

    @field_validator("defences")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for d in value:
            if d not in (*DEFENCES, *ENSEMBLES):
                raise ValueError(f"unknown defence {d!r}; valid: {', '.join((*DEFENCES, *ENSEMBLES))}")
        return value

    @field_validator("ns")
    @classmethod
    def _even(cls, value: list[int]) -> list[int]:
        if not value or any(n < 2 or n % 2 for n in value):
            raise ValueError("ns must be even numbers >= 2 (half correct, half wrong)")
        return value


def make_suite(**fields) -> JudgeSuite:
    """A validated JudgeSuite; a bad field is one ValueError line that names it (and the suite file is named by
    the caller, or by the flag)."""
    try:
        return JudgeSuite(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"judge suite: bad value for {'.'.join(map(str, err['loc']))!r}: {err['msg']}") from None


def p_wrong_pick(correct: Sequence[float], wrong: Sequence[float], k: int) -> float:
    """P(the top-rated of k correct and k wrong candidates is wrong), each side drawn with replacement from its
    rated candidates; a tie between the two sides' best counts one half. Exact, from the empirical CDFs."""
    c, w = np.sort(np.asarray(correct, dtype=float)), np.sort(np.asarray(wrong, dtype=float))

    def cdf(x: np.ndarray, v: float, side: Literal["left", "right"]) -> float:  # P(max of k draws <= v, or < v)
        return (np.searchsorted(x, v, side=side) / len(x)) ** k

    total = 0.0
    for v in np.unique(c):
        p_best_correct = cdf(c, v, "right") - cdf(c, v, "left")
        p_wrong_above = 1 - cdf(w, v, "right")
        p_wrong_level = cdf(w, v, "right") - cdf(w, v, "left")
        total += p_best_correct * (p_wrong_above + 0.5 * p_wrong_level)
    return float(total)


def pool_metrics(judge, pools: Sequence[Pool], ns: Sequence[int], n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """Per set: candidates, AUROC of the proxy for correct vs wrong, and P(wrong pick) for each n, with 95%
    intervals (AUROC over candidates, P(wrong pick) over equations). All pools are rated in one batched call."""
    items = [(p.equation, e.text) for p in pools for e in p.entries]
    proxies = iter(r.proxy for r in judge.rate_items(items))
    rated = [(p, [next(proxies) for _ in p.correct], [next(proxies) for _ in p.wrong]) for p in pools]
    rows = []
    for set_name in dict.fromkeys(p.set for p in pools):
        mine = [(c, w) for p, c, w in rated if p.set == set_name]
        scores = [s for c, w in mine for s in c + w]
        labels = [lab for c, w in mine for lab in [1] * len(c) + [0] * len(w)]
        row = {
            "set": set_name,
            "equations": len(mine),
            "candidates": len(scores),
            "correct": sum(labels),
            "auroc": auroc(scores, labels),
            "auroc_ci": bootstrap_ci(auroc, scores, labels, n_boot, seed),
            "p_wrong": {},
        }
        for n in ns:
            value, ci = mean_ci([p_wrong_pick(c, w, n // 2) for c, w in mine], n_boot, seed)
            row["p_wrong"][n] = {"value": value, "ci": ci}
        rows.append(row)
    return rows


def build_judges(
    suite: JudgeSuite, load: Callable[[str], ModelAPI]
) -> tuple[list[tuple[str, Judge | EnsembleJudge]], dict[tuple[str, str], Judge]]:
    """(defence, judge) for every judge spec and single-model defence, then the ensembles asked for; and the
    distinct single-model judges by (model spec, defence), an ensemble's members among them, which do the rating."""
    singles: dict[tuple[str, str], Judge] = {}

    def single(spec: str, defence: str) -> Judge:
        if (spec, defence) not in singles:
            singles[spec, defence] = Judge(load(spec), defence, suite.reasoning_tokens)
        return singles[spec, defence]

    judges: list[tuple[str, Judge | EnsembleJudge]] = [
        (d, single(spec, d)) for spec in suite.judges for d in suite.defences if d in DEFENCES
    ]
    members = suite.ensemble or (
        suite.judges if len(suite.judges) > 1 else [f"{suite.judges[0]}{v}" for v in ("", "+reference", "+tools")]
    )
    for d in suite.defences:
        if d in ENSEMBLES:
            ensemble = [single(*split_judge(m)) for m in members]
            judges.append((d, EnsembleJudge(ensemble, d.removeprefix("ensemble-"))))
    return judges, singles


class Executor(Protocol):
    """How the pool tasks run: fn(shared, item) for each item, results in the items' order. `retries` lists the
    tasks that were redone because their worker died."""

    retries: list[dict]

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> Iterator[Any]: ...


class LocalExecutor:
    """Every pool task in this process, one after another."""

    def __init__(self) -> None:
        self.retries: list[dict] = []

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> Iterator[Any]:
        return (fn(shared, item) for item in items)


@dataclass(frozen=True)
class Unit:
    """One pool task: the (equation, text) items its judges rate and the (equation, first, second) items they
    compare, all of one equation."""

    rate: list[tuple[Equation, str]]
    compare: list[tuple[Equation, str, str]]


@dataclass(frozen=True)
class JudgeWork:
    """What every pool task is given: the distinct judges as (model spec, defence), their reasoning length, and
    the call cache's answers for their models (None: --no-cache)."""

    judges: list[tuple[str, str]]
    reasoning_tokens: int
    answers: dict[str, Any] | None


@dataclass(frozen=True)
class Rated:
    """What a pool task returns: per judge, its ratings and comparisons by conversation and the seconds they took;
    and the task's new call-cache entries (key -> (spec, answer)), which the driver stores."""

    judges: dict[tuple[str, str], tuple[dict[str, Rating], dict[str, float], float]]
    calls: dict[str, tuple[str, Any]]


def pool_units(pools: Sequence[Pool], pairs: Sequence[ProbePair]) -> list[Unit]:
    """The rating work cut into one unit per equation: its pool's candidates, and the texts of the probe pairs
    made from it, in the order the pools and pairs come."""
    compare, rate = probe_requests(pairs)
    units: dict[tuple[str, str], Unit] = {}

    def unit(eq: Equation) -> Unit:
        return units.setdefault((eq.id, eq.latex), Unit([], []))

    for eq, text in [(p.equation, e.text) for p in pools for e in p.entries] + rate:
        unit(eq).rate.append((eq, text))
    for eq, a, b in compare:
        unit(eq).compare.append((eq, a, b))
    return list(units.values())


def rate_unit(work: JudgeWork, unit: Unit) -> Rated:
    """The body of a pool task (in a Ray worker, or in this process). Each judge starts with no memory, so its
    batched calls, and so its ratings, do not depend on what this process ran before."""
    store = None if work.answers is None else MemoryCache(work.answers)
    judges = {}
    for spec, defence in work.judges:
        start = time.perf_counter()
        judge = Judge(CachedModel(process_pool().get(spec), store), defence, work.reasoning_tokens)
        judge.rate_items(unit.rate)
        judge.compare(unit.compare)
        judges[spec, defence] = (*judge.answers(), time.perf_counter() - start)
    return Rated(judges, store.added if store else {})


def judge_models(judge: Judge | EnsembleJudge) -> list[str]:
    return [m.model.spec for m in judge.members] if isinstance(judge, EnsembleJudge) else [judge.model.spec]


def run_judge_suite(suite: JudgeSuite, out: Path, cache: bool = True, executor: Executor | None = None) -> dict:
    """Every judge and defence of the suite on the same pools and probe pairs; returns the results, which
    `harness.reports.judge_report` writes. The sneaky pools are cached in out/candidates.jsonl, and with `cache` every
    model call in out/calls.sqlite (written here only: the pool tasks return their new calls). The pool tasks run
    on `executor` (default: in this process)."""
    executor = executor or LocalExecutor()
    out.mkdir(parents=True, exist_ok=True)
    pool = process_pool()
    store = CallCache(out / "calls.sqlite") if cache else None
    models: dict[str, ModelAPI] = {}

    def load(spec: str) -> ModelAPI:
        if spec not in models:
            models[spec] = CachedModel(pool.get(spec), store)
        return models[spec]

    judges, singles = build_judges(suite, load)  # loads every model before the slow part: a bad spec costs nothing
    papers = load_papers(suite.data or demo_corpus())[: suite.papers]
    labeled = [labeled_pools(s) for s in suite.sets]
    start = time.perf_counter()
    log.info(
        "sneaky pools: %d equations x %d samples x 2 objectives from %s (cached in %s)",
        sum(len(p.equations) for p in papers),
        suite.samples,
        suite.describer,
        out / "candidates.jsonl",
    )
    rows = sneaky_rows(
        papers,
        load(suite.describer),
        suite.samples,
        suite.describer_tokens,
        suite.temperature,
        suite.seed,
        out / "candidates.jsonl",
    )
    sneaky = sneaky_pools(papers, rows)
    pools = [p for ps in [*labeled, sneaky] for p in balance(ps, suite.per_side, suite.seed)]
    generated = {Path(s).stem: ps for s, ps in zip(suite.sets, labeled, strict=True)}.get("generated", [])
    pairs = probe_pairs(pools, sneaky, generated, suite.probe_pairs, suite.seed)
    sources = {
        "sneaky_rows": len(rows),
        "sneaky_kept": sum(len(p.entries) for p in sneaky),
        "seconds": round(time.perf_counter() - start, 1),
    }
    units = pool_units(pools, pairs)
    log.info(
        "%d judges rate %d pool candidates and %d probe pairs: %d pool tasks",
        len(singles),
        sum(len(p.entries) for p in pools),
        len(pairs),
        len(units),
    )
    answers = store.answers({j.model.spec for j in singles.values()}) if store else None
    spent = dict.fromkeys(singles.values(), 0.0)
    for rated in executor.map(rate_unit, JudgeWork(list(singles), suite.reasoning_tokens, answers), units):
        for key, (ratings, comparisons, seconds) in rated.judges.items():
            singles[key].remember(ratings, comparisons)
            spent[singles[key]] += seconds
        for key, (spec, answer) in rated.calls.items():
            store.put(key, spec, answer)
    results = []
    for defence, judge in judges:  # every rating is in the judges' memory now: no model is called below
        start = time.perf_counter()
        sets = pool_metrics(judge, pools, suite.ns, suite.bootstrap, suite.seed)
        probes = run_probes(judge, pairs, suite.bootstrap, suite.seed)
        members = judge.members if isinstance(judge, EnsembleJudge) else [judge]
        results.append(
            {
                "judge": judge.name,
                "defence": defence,
                "models": judge_models(judge),
                "describer_is_judge": suite.describer in judge_models(judge),
                "sets": sets,
                "probes": probes,
                "seconds": round(time.perf_counter() - start + sum(spent[m] for m in members), 1),
            }
        )
    listing = [
        {
            "set": p.set,
            "equation": p.equation.id,
            "latex": p.equation.latex,
            "candidates": [{"label": e.label, "source": e.source, "text": e.text} for e in p.entries],
        }
        for p in pools
    ]
    return {"suite": suite.model_dump(), "sources": sources, "pools": listing, "results": results,
            "retries": executor.retries}
