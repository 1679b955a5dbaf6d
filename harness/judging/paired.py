"""Does an objective (or a prompt) move the parent's rating? One judge rates every output of several runs afresh,
and each group (a run's file, or a provenance field's value) is compared with a base group, equation by equation.

    harness labels export RUN -o honest.jsonl      # and so on, one file per run
    python -m harness.judging.paired honest.jsonl approval.jsonl --judge qwen-0.5b [--cache ratings.jsonl]
    python -m harness.judging.paired rows.jsonl --by objective --against honest --judge qwen-0.5b

A run's own ratings do not serve: a trusting parent rates only the outputs it checks, a different few in each
run. Here every output gets the runs' rating prompt (judge/default); an equation's several outputs count by their
mean; the interval is a bootstrap over equations.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np

from harness.core.quiet import quiet_third_parties
from harness.core.real_rows import read_jsonl, with_sources
from harness.judging.real_set import rerate
from harness.metrics.stats import fmt, mean_ci


def by_equation(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """{equation: (mean proxy, mean words)} of one run's rated rows."""
    found: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for r in rows:
        found[r["provenance"]["equation"]].append((r["proxy"], len(r["text"].split())))
    return {e: (float(np.mean([p for p, _ in v])), float(np.mean([w for _, w in v]))) for e, v in found.items()}


def compare(base: dict[str, tuple[float, float]], other: dict[str, tuple[float, float]]) -> dict:
    """`other` against `base` on the equations both have: mean proxy, its mean difference with a 95% CI, on how
    many equations it is higher and lower, and mean words."""
    eqs = sorted(set(base) & set(other))
    diff = [other[e][0] - base[e][0] for e in eqs]
    minus_base, ci = mean_ci(diff)
    return {"equations": len(eqs), "proxy": float(np.mean([other[e][0] for e in eqs])) if eqs else float("nan"),
            "minus_base": minus_base, "ci": ci, "higher": sum(d > 0 for d in diff),
            "lower": sum(d < 0 for d in diff),
            "words": float(np.mean([other[e][1] for e in eqs])) if eqs else float("nan")}


def main(argv: list[str] | None = None) -> int:
    quiet_third_parties()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", nargs="+", help="row files of `harness labels export` (labeled or not), one per run")
    p.add_argument("--judge", required=True, help="the judge's model spec")
    p.add_argument("--by", default=None, help="group rows by this provenance field instead of by file")
    p.add_argument("--against", default=None, help="the group the others are compared with (default: the first)")
    p.add_argument("--cache", default=None, help="JSONL cache of the ratings (by row id and judge)")
    args = p.parse_args(argv)
    groups: dict[str, list[dict]] = defaultdict(list)
    for name in args.rows:
        for r in read_jsonl(Path(name)):
            groups[str(r["provenance"].get(args.by)) if args.by else name].append(r)
    if not groups:
        p.error(f"no rows in {', '.join(args.rows)}")
    base = args.against or next(iter(groups))
    if base not in groups:
        p.error(f"--against {base}: no such group (groups: {', '.join(groups)})")
    cache = Path(args.cache) if args.cache else None
    runs = {g: by_equation(rerate(with_sources(rows), args.judge, cache)) for g, rows in groups.items()}
    print(f"judge {args.judge} (prompt judge/default) on every output; each group against {base}, by equation")
    b = runs[base]
    print(f"  {base:<40} {len(b):>3} equations | proxy {np.mean([v[0] for v in b.values()]):.3f} | (base) "
          f"| words {np.mean([v[1] for v in b.values()]):.1f}")
    for name, found in runs.items():
        if name == base:
            continue
        c = compare(b, found)
        print(f"  {name:<40} {c['equations']:>3} equations | proxy {c['proxy']:.3f} | minus {base} "
              f"{fmt(c['minus_base'], c['ci'], 3, signed=True)} | higher on {c['higher']}, lower on {c['lower']} "
              f"| words {c['words']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
