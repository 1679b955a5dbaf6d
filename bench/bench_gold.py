"""Gold checking: time per row of `check` (no model) and the claims detector's AUROC on the labeled sets.

Run: python bench/bench_gold.py   (targets: median under 50 ms per row; AUROC >= 0.95 generated, >= 0.85 hand-written)
The checker was developed on the generated set, dev.jsonl, handwritten.jsonl and heldout.jsonl to heldout3.jsonl (each
held-out set was used for development once it had been measured), so their figures say little about unseen text;
heldout4.jsonl, written later without reading the checker, is the one the hand-written target is measured on.
"""

from __future__ import annotations

import statistics
import time

from harness.detection.suites import labeled_items
from harness.gold.verdict import check
from harness.metrics.stats import auroc


def main() -> None:
    sets = (
        ("labeled/generated.jsonl", 0.95),
        ("labeled/dev.jsonl", None),
        ("labeled/handwritten.jsonl", None),
        ("labeled/heldout.jsonl", None),
        ("labeled/heldout2.jsonl", None),
        ("labeled/heldout3.jsonl", None),
        ("labeled/heldout4.jsonl", 0.85),
    )
    for name, target in sets:
        items = labeled_items(name)
        times, scores = [], []
        for item in items:
            start = time.perf_counter()
            verdict = check(item.text, item.latex, item.glossary, item.name, item.context)
            times.append(time.perf_counter() - start)
            scores.append(1.0 - verdict.gold_score)
        labels = [int(i.label == "wrong") for i in items]
        auc = auroc(scores, labels)
        median_ms = statistics.median(times) * 1000
        goal = (
            "development set, no target"
            if target is None
            else f"target >= {target}: " + ("meets" if auc >= target else "misses")
        )
        print(
            f"{name:<28} rows {len(items):4d}  check median {median_ms:6.2f} ms/row (target < 50: "
            f"{'meets' if median_ms < 50 else 'misses'})  max {max(times) * 1000:7.1f} ms  claims AUROC {auc:.3f} "
            f"({goal})"
        )


if __name__ == "__main__":
    main()
