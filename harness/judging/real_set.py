"""The parent's judge against people: how well the proxy ratings recorded in real runs separate descriptions that
blind readers found correct from those they found wrong (the real labeled set, evals/labeled/real/).

    python -m harness.judging.real_set evals/labeled/real/rows.jsonl [--split dev|heldout|all]

AUROC 0.5 is a judge with no signal; below 0.5 it prefers wrong descriptions, so selecting on it pushes the
describer away from correct. Rows the parent did not rate (a trusted sub-agent's unchecked output) and vacuous
rows are left out.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from harness.core.real_rows import read_jsonl
from harness.gold.calibration import model_key
from harness.metrics.stats import auroc, bootstrap_ci, fmt


def judge_auroc(rows: list[dict]) -> dict[str, tuple[int, int, float, tuple[float, float]]]:
    """{group: (rated rows, correct rows, AUROC of proxy for correct, its 95% CI)} by judge, by judge and
    describer, and by judge, describer and objective."""
    groups: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for r in rows:
        p = r["provenance"]
        if r.get("proxy") is None or r.get("label") not in ("correct", "wrong"):
            continue
        judge, describer = model_key(p.get("judge") or "?"), model_key(p["describer"])
        pair = (float(r["proxy"]), int(r["label"] == "correct"))
        for g in (f"judge {judge}", f"judge {judge}, describer {describer}",
                  f"judge {judge}, describer {describer}, {p['objective']}"):
            groups[g].append(pair)
    out = {}
    for g, pairs in sorted(groups.items()):
        scores, labels = [s for s, _ in pairs], [y for _, y in pairs]
        both = 0 < sum(labels) < len(labels)
        value = auroc(scores, labels) if both else float("nan")
        ci = bootstrap_ci(lambda s, y: auroc(s, y) if 0 < y.sum() < len(y) else float("nan"), scores, labels) \
            if both else (float("nan"), float("nan"))
        out[g] = (len(pairs), sum(labels), value, ci)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows")
    p.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    args = p.parse_args(argv)
    rows = [r for r in read_jsonl(Path(args.rows)) if args.split == "all" or r.get("split") == args.split]
    print(f"the parent's judge against human labels, split {args.split}: AUROC of its proxy for correct vs wrong")
    for g, (n, correct, value, ci) in judge_auroc(rows).items():
        print(f"  {g:<52} {n:>4} rated, {correct:>3} correct | AUROC {fmt(value, ci)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
