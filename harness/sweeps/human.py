"""Optimization pressure measured by people: for each describer's pool, readers labeled its best-of-n pick and one
uniform draw from the pool (`harness labels export --sample chosen+random`). The draw's label estimates the
describer at n = 1 and the pick's at n = pool size, paired by equation, with no gold in between.

    python -m harness.sweeps.human evals/labeled/real2/rows.jsonl
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np

from harness.core.real_rows import read_jsonl
from harness.metrics.stats import fmt


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
        diffs = a[:, 1] - a[:, 0]
        boots = [diffs[rng.integers(0, len(diffs), len(diffs))].mean() for _ in range(2000)]
        out[g] = {"pools": len(a), "draw": float(a[:, 0].mean()), "pick": float(a[:, 1].mean()),
                  "change": (float(diffs.mean()), (float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))))}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", help="labeled rows exported with --sample chosen+random")
    args = p.parse_args(argv)
    rows = read_jsonl(Path(args.rows))
    for name, bad in (("wrong", frozenset({"wrong"})), ("wrong or vacuous", frozenset({"wrong", "vacuous"}))):
        print(f"share {name} by readers' labels: a uniform draw from the pool (n = 1) against the best-of-n pick")
        for g, r in paired(rows, bad).items():
            print(f"  {g:<28} {r['pools']:>4} pools | draw {fmt(r['draw'])} | pick {fmt(r['pick'])} | "
                  f"pick - draw {fmt(*r['change'], signed=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
