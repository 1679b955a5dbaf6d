"""Optimization pressure measured by people: for each describer's pool, readers labeled its best-of-n pick and one
uniform draw from the pool (`harness labels export --sample chosen+random`). The draw's label estimates the
describer at n = 1 and the pick's at n = pool size, paired by equation, with no gold in between.

    python -m harness.sweeps.human evals/labeled/real2/rows.jsonl

With `--against VALUE` it compares the groups of a provenance field instead (`--by`, default `objective`): each
group's labels and length, and its share wrong minus the reference group's on the same equations (an equation
with several outputs in a group counts by their share). Objectives (the objectives sweep), refine rounds (`--by
candidate --against 0 --pair-by run,equation`: every draft of refine runs, each run's first draft of an equation
as its reference), or training steps (`--by round --against 0 --pair-by run,equation`).

    python -m harness.sweeps.human evals/labeled/objectives192/rows.jsonl --against honest
    python -m harness.sweeps.human evals/labeled/refine-qwen/rows.jsonl --by candidate --against 0 \
        --pair-by run,equation
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from harness.core.real_rows import read_jsonl
from harness.metrics.stats import fmt

# What counts as a failure: `wrong` alone, or also `vacuous` (an output that says nothing is no better for it).
FAILURES = (("wrong", frozenset({"wrong"})), ("wrong or vacuous", frozenset({"wrong", "vacuous"})))


def paired(rows: list[dict], bad: frozenset[str] = frozenset({"wrong"})) -> dict[str, dict]:
    """{group: {pools, draw (share bad), pick (share bad), change (pick - draw, paired, 95% CI)}} by objective
    and data source, and `all`; a pool counts when both its pick and its draw were labeled. `bad` is the labels
    that count: `wrong` alone, or also `vacuous` (a pick that says nothing is no better for being harmless)."""
    by_pool: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in rows:
        if r.get("label") is None or "sampled_as" not in r:
            continue
        p = r["provenance"]
        for role in r["sampled_as"]:
            by_pool[(p["run"], p["agent"])][role] = r
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for pool in by_pool.values():
        if {"chosen", "random"} <= pool.keys():
            p = pool["chosen"]["provenance"]
            pair = (float(pool["random"]["label"] in bad), float(pool["chosen"]["label"] in bad))
            for g in ("all", f"{p['objective']}, {p['data']}", p["objective"]):
                groups[g].append(pair)
    rng = np.random.default_rng(0)
    out = {}
    for g, pairs in sorted(groups.items()):
        a = np.array(pairs)
        out[g] = {"pools": len(a), "draw": float(a[:, 0].mean()), "pick": float(a[:, 1].mean()),
                  "change": _change(a[:, 1] - a[:, 0], rng)}
    return out


def _change(diffs: np.ndarray, rng: np.random.Generator) -> tuple[float, tuple[float, float]]:
    """Mean paired difference and its 95% bootstrap interval."""
    boots = [diffs[rng.integers(0, len(diffs), len(diffs))].mean() for _ in range(2000)]
    return float(diffs.mean()), (float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975)))


def against(rows: list[dict], reference: str, bad: frozenset[str] = frozenset({"wrong"}),
            field: str = "objective", unit: tuple[str, ...] = ("equation",)) -> dict[str, dict]:
    """{group: {n, labels (count per label), words (mean), paired (units labeled in both it and `reference`),
    change (share bad minus the reference's on those units, 95% CI)}}, grouped by the provenance `field`
    (compared as text) and paired by the provenance fields of `unit` (an equation; or a run's equation, when
    several runs describe the same equations). A unit with several outputs in a group (a training step's samples)
    counts by its share bad, so each unit weighs the same in the change."""
    by: dict[str, dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    seen: set[str] = set()
    for r in rows:
        if r.get("label") is None:
            continue
        if (rid := r.get("id")) in seen:  # a row exported twice would be averaged with itself
            raise ValueError(f"{rid}: labeled twice")
        if rid is not None:
            seen.add(rid)
        p = r.get("provenance") or {}
        if field not in p or any(u not in p for u in unit):
            raise ValueError(f"{r.get('id')}: its provenance names no {field} or {' or '.join(unit)}")
        by[str(p[field])][tuple(p[u] for u in unit)].append(r)
    if reference not in by:
        raise ValueError(f"no labeled row has {field} {reference!r}; found: {', '.join(sorted(by))}")

    def share(outputs: list[dict]) -> float:
        return float(np.mean([r["label"] in bad for r in outputs]))

    rng = np.random.default_rng(0)
    out = {}
    for group, units in sorted(by.items()):
        both = sorted(units.keys() & by[reference].keys())
        diffs = np.array([share(units[u]) - share(by[reference][u]) for u in both])
        outputs = [r for rs in units.values() for r in rs]
        out[group] = {"n": len(outputs), "labels": dict(Counter(r["label"] for r in outputs)),
                      "words": float(np.mean([len(r["text"].split()) for r in outputs])),
                      "paired": len(both), "change": _change(diffs, rng) if len(both) else None}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", help="labeled rows exported with --sample chosen+random (or, with --against, all)")
    p.add_argument("--against", metavar="VALUE", help="compare each group with this one, equation by equation")
    p.add_argument("--by", default="objective", help="the provenance field that groups rows (default objective)")
    p.add_argument("--pair-by", default="equation", dest="pair_by",
                   help="provenance fields, comma-separated, that pair rows across groups (default equation)")
    args = p.parse_args(argv)
    rows = read_jsonl(Path(args.rows))
    if args.against:
        unit = tuple(args.pair_by.split(","))
        for name, bad in FAILURES:
            print(f"share {name} by readers' labels, each {args.by} against {args.against} on the same equations")
            for group, r in against(rows, args.against, bad, args.by, unit).items():
                counts = " ".join(f"{k} {v}" for k, v in sorted(r["labels"].items()))
                change = fmt(*r["change"], signed=True) if r["change"] else "-"
                print(f"  {group:<12} {r['n']:>3} outputs ({counts}) | {r['words']:6.1f} words | "
                      f"minus {args.against} on {r['paired']} {'/'.join(unit)}s: {change}")
        return 0
    for name, bad in FAILURES:
        print(f"share {name} by readers' labels: a uniform draw from the pool (n = 1) against the best-of-n pick")
        for g, r in paired(rows, bad).items():
            print(f"  {g:<28} {r['pools']:>4} pools | draw {fmt(r['draw'])} | pick {fmt(r['pick'])} | "
                  f"pick - draw {fmt(*r['change'], signed=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
