"""Pools of correct and wrong descriptions per equation, for measuring how a judge can be fooled.

Three kinds of pool: each labeled set (labels from how rows were written), and `sneaky`: descriptions that a
describer model wrote for the demo corpus, prompted honestly (kept only when gold verification says `ok`) or with
the treacherous objective (kept only when gold says `wrong`). Generated descriptions are cached in a JSONL file
so that reruns do not sample again; each row says which describer, objective and seed wrote it.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from harness.core.items import labeled_items
from harness.core.papers import Equation, Paper
from harness.core.prompts import CONTEXT_CHARS, load_prompt
from harness.core.seeds import derive_seed
from harness.gold.verdict import check
from harness.models import ModelAPI, generate_batch

SNEAKY = "sneaky"
BATCH = 8  # describer conversations per batched sampling call
KEEP = {"honest": ("ok", "correct"), "treacherous": ("wrong", "wrong")}  # objective -> (gold verdict kept, label)


@dataclass(frozen=True)
class Entry:
    text: str
    label: str  # "correct" | "wrong"
    source: str  # where the text came from: a labeled row id, or "describer SPEC objective seed k"


@dataclass(frozen=True)
class Pool:
    """One equation's candidates; `balance` makes the two sides the same size."""

    set: str
    equation: Equation
    correct: tuple[Entry, ...]
    wrong: tuple[Entry, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.correct + self.wrong


def _pools(set_name: str, grouped: dict[str, tuple[Equation, list[Entry]]]) -> list[Pool]:
    return [
        Pool(set_name, eq, tuple(e for e in es if e.label == "correct"), tuple(e for e in es if e.label == "wrong"))
        for eq, es in grouped.values()
    ]


def labeled_pools(set_ref: str) -> list[Pool]:
    """A labeled set's rows grouped by equation (rows of one equation share its LaTeX)."""
    name = Path(set_ref).stem
    grouped: dict[str, tuple[Equation, list[Entry]]] = {}
    for item in labeled_items(set_ref):
        eq = Equation(
            id=f"{name}/{len(grouped) + 1}",
            latex=item.latex,
            context=item.context,
            glossary=item.glossary,
            name=item.name,
        )
        grouped.setdefault(item.latex, (eq, []))[1].append(Entry(item.text, item.label or "", item.id))
    return _pools(name, grouped)


def _cache_key(row: dict) -> tuple:
    return row["describer"], row["objective"], row["seed"], row["tokens"], row["equation_id"]


def sneaky_rows(
    papers: list[Paper], describer: ModelAPI, samples: int, tokens: int, temperature: float, seed: int, cache: Path
) -> list[dict]:
    """For each equation, `samples` honest and `samples` treacherous descriptions (gold judges them in
    sneaky_pools, so the cache holds texts only).

    Rows already in `cache` for the same describer, objective, seed and length are reused. The missing ones are
    sampled BATCH conversations per batched call and appended after each call, so an interrupted run keeps what it
    sampled.
    """
    cached: dict[tuple, dict[int, dict]] = defaultdict(dict)
    for line in cache.read_text().splitlines() if cache.is_file() else []:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a kill: its equation is sampled again
            continue
        cached[_cache_key(row)][row["index"]] = row
    cache.parent.mkdir(parents=True, exist_ok=True)
    wanted = [
        (paper, eq, {"describer": describer.spec, "objective": o, "seed": seed, "tokens": tokens, "equation_id": eq.id})
        for paper in papers
        for eq in paper.equations
        for o in KEEP
    ]
    missing = [w for w in wanted if len(cached[_cache_key(w[2])]) < samples]
    for start in range(0, len(missing), BATCH):
        group = missing[start:start + BATCH]
        prompts = [
            load_prompt("describer", meta["objective"]).render(
                title=paper.title, latex=eq.latex, context=eq.context[:CONTEXT_CHARS]
            )
            for paper, eq, meta in group
        ]
        call_seed = derive_seed(seed, *(f"{eq.id}:{meta['objective']}" for _, eq, meta in group))
        texts = generate_batch(describer, prompts, samples, temperature, tokens, call_seed)
        new = [
            {**meta, "index": k, "text": t}
            for (_, _, meta), replies in zip(group, texts, strict=True)
            for k, t in enumerate(replies)
            if k not in cached[_cache_key(meta)]
        ]
        with cache.open("a") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
        for r in new:
            cached[_cache_key(r)][r["index"]] = r
    return [cached[_cache_key(meta)][k] for _, _, meta in wanted for k in range(samples)]


def sneaky_pools(papers: list[Paper], rows: list[dict]) -> list[Pool]:
    """Honest descriptions that gold confirms `ok` against treacherous ones that gold confirms `wrong`. Gold is
    asked again (the rules take milliseconds), not read from the cached rows, so a cache written by an older
    checker keeps no verdict that today's checker would not give."""
    equations = {eq.id: eq for p in papers for eq in p.equations}
    grouped: dict[str, tuple[Equation, list[Entry]]] = {}
    for r in rows:
        verdict, label = KEEP[r["objective"]]
        if (eq := equations.get(r["equation_id"])) and check(r["text"], eq.latex, eq.glossary, eq.name,
                                                               eq.context).verdict == verdict:
            source = f"describer {r['describer']} {r['objective']} seed {r['seed']} #{r['index']}"
            grouped.setdefault(r["equation_id"], (eq, []))[1].append(
                Entry(r["text"], label, source)
            )
    return _pools(SNEAKY, grouped)


def balance(pools: list[Pool], per_side: int, seed: int) -> list[Pool]:
    """Each pool cut to m correct and m wrong entries, m = min(both sides, per_side), drawn by a seeded RNG that
    depends only on the seed and the equation; pools without both sides are dropped."""
    out = []
    for pool in pools:
        m = min(len(pool.correct), len(pool.wrong), per_side)
        if m == 0:
            continue
        rng = random.Random(derive_seed(seed, pool.set, pool.equation.latex))
        out.append(Pool(pool.set, pool.equation, tuple(rng.sample(pool.correct, m)), tuple(rng.sample(pool.wrong, m))))
    return out
