"""Gold checking: time per row of `check` (no model) and the claims detector's AUROC on the labeled sets.

Run: python bench/bench_gold.py   (targets: median under 50 ms per row; AUROC >= 0.95 generated, >= 0.85 hand-written)
     python bench/bench_gold.py --gold-model qwen-1.5b [--rows 40]   (also rules vs rules+model, side by side: time
     per real description, one equation's candidates batched and one at a time; target rules+model <= 2 s per
     description on 2 cores, batched)
The checker was developed on the generated set, dev.jsonl, handwritten.jsonl and heldout.jsonl to heldout3.jsonl (each
held-out set was used for development once it had been measured), so their figures say little about unseen text;
heldout5.jsonl, the newest set written blind to the checker, is the one the hand-written target is measured on.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness.core.quiet import quiet_third_parties
from harness.core.resources import share_dir
from harness.detection.suites import labeled_items
from harness.gold.model import METHODS, GoldModel
from harness.gold.verdict import check
from harness.metrics.stats import auroc


def with_model(spec: str, method: str, n: int) -> None:
    """Rules alone and rules plus the model layer on the same real descriptions (the real labeled set, the first
    `n` rows in equation order, so one equation's candidates are checked together as a run checks them), one
    after the other in this run; then the model layer one description at a time. The model is loaded and warmed
    on one row before timing, as a run would have it loaded."""
    from collections import defaultdict

    from harness.core.real_rows import read_jsonl, with_sources
    from harness.gold.instrument import Gold
    from harness.models import load_model

    rows = sorted(with_sources(read_jsonl(share_dir("evals") / "labeled/real/rows.jsonl")),
                  key=lambda r: (r["latex"], r["id"]))[:n]
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r["latex"]].append(r)
    gold = Gold(GoldModel(load_model(spec), method))
    gold.check_texts([rows[0]["text"]], rows[0]["latex"], context=rows[0]["context"])

    def run(instrument: Gold, batched: bool) -> float:
        start = time.perf_counter()
        for latex, group in groups.items():
            texts = [r["text"] for r in group]
            head = group[0]
            args = (latex, head["glossary"] or None, head["name"], head["context"], head["title"])
            if batched:
                instrument.check_texts(texts, *args)
            else:
                for text in texts:
                    instrument.check_texts([text], *args)
        return (time.perf_counter() - start) / len(rows)

    rules, batched, single = run(Gold(), True), run(gold, True), run(gold, False)
    print(f"{len(rows)} real descriptions ({len(groups)} equations) per description: rules {rules * 1000:.1f} ms; "
          f"rules+model ({spec}, {method}) batched by equation {batched:.2f} s vs one at a time {single:.2f} s "
          f"(ratio {single / batched:.1f}x); target <= 2 s batched: {'meets' if batched <= 2 else 'misses'}")


def main() -> None:
    quiet_third_parties()  # the bench prints its own lines, not transformers' progress bars
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gold-model", help="also time rules+model with this model spec")
    p.add_argument("--method", choices=METHODS, default="statements")
    p.add_argument("--rows", type=int, default=40)
    args = p.parse_args()
    sets = (
        ("labeled/generated.jsonl", 0.95),
        ("labeled/dev.jsonl", None),
        ("labeled/handwritten.jsonl", None),
        ("labeled/heldout.jsonl", None),
        ("labeled/heldout2.jsonl", None),
        ("labeled/heldout3.jsonl", None),
        ("labeled/heldout4.jsonl", None),
        ("labeled/heldout5.jsonl", 0.85),
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
    if args.gold_model:
        with_model(args.gold_model, args.method, args.rows)


if __name__ == "__main__":
    main()
