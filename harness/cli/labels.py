"""Labeled data from real runs: export candidates as rows, join readers' labels onto them, measure agreement.

`harness labels export RUN... -o FILE.jsonl` writes one row per candidate with its equation, context and
provenance, and any `human_label` the viewer recorded; `--blind SHEET.jsonl` also writes what a reader may see
(title, equation, context, text: no verdict, rating or provenance). `harness labels attach ROWS LABELS...
-o OUT` joins labels onto the rows and assigns each its split; it leaves out the papers' own text, which
loading the rows reads back from the papers (core.real_rows). `harness labels agreement A B` prints
Cohen's kappa over the ids both files label.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from harness.core.declared import ConfigError
from harness.core.real_rows import read_jsonl, strip_sources, write_jsonl
from harness.reports import labels as lab
from harness.run.transcript import resolve_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="candidates of runs as labeled-set rows")
    export.add_argument("run", nargs="+", help="run ids or directories")
    export.add_argument("-o", "--out", required=True, help="rows with provenance (JSONL)")
    export.add_argument("--blind", help="also write a blind sheet for readers (JSONL)")
    export.add_argument("--sample", choices=["all", "chosen+random"], default="all",
                        help="every candidate (default), or per describer its chosen one and one uniform draw")
    export.add_argument("--seed", type=int, default=0, help="seed of the uniform draw of --sample chosen+random")
    export.add_argument("--round", type=int, action="append", metavar="K",
                        help="only candidates of refine round / train step K (repeatable; default: all); "
                             "train(S)'s final samples are round S + 1")
    export.add_argument("--prefix", default="real", help="row ids are PREFIX-<hash of run, agent and candidate index>")
    attach = sub.add_parser("attach", help="readers' labels joined onto exported rows, with each row's split")
    attach.add_argument("rows", help="rows from `harness labels export`")
    attach.add_argument("labels", nargs="+", help="label files: {id, label, first_false_claim} per line")
    attach.add_argument("-o", "--out", required=True)
    agree = sub.add_parser("agreement", help="Cohen's kappa between two readers' labels of the same rows")
    agree.add_argument("first")
    agree.add_argument("second")


def main(args: argparse.Namespace) -> int:
    runs_dir = Path(args.runs or "runs")
    if args.action == "export":
        rows = lab.candidate_rows([resolve_run(runs_dir, ref) for ref in args.run])
        if args.round is not None:
            if args.sample != "all":  # the chosen candidate may be in another round: its pool would lose its pick
                raise ConfigError("--round selects rounds of every candidate; it cannot be combined with --sample")
            rows = [r for r in rows if r["provenance"]["round"] in args.round]
            if not rows:
                raise ConfigError(f"no candidate of round {', '.join(map(str, args.round))} in these runs")
        if args.sample == "chosen+random":
            rows = lab.chosen_and_random(rows, args.seed)
        rows = lab.assign_ids(rows, args.prefix)
        write_jsonl(Path(args.out), rows)
        if args.blind:
            write_jsonl(Path(args.blind), lab.blind(rows))
        labeled = sum("label" in r for r in rows)
        print(f"{len(rows)} candidates ({labeled} with a human label) written to {args.out}")
        return 0
    if args.action == "attach":
        rows = lab.attach(read_jsonl(Path(args.rows)), [Path(p) for p in args.labels])
        write_jsonl(Path(args.out), strip_sources(rows))  # the papers' text is read back on load (with_sources)
        counts = Counter(r.get("label", "unlabeled") for r in rows)
        print(f"{len(rows)} rows written to {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return 0
    first = {r["id"]: r["label"] for r in read_jsonl(Path(args.first)) if r.get("label") in lab.LABELS}
    second = {r["id"]: r["label"] for r in read_jsonl(Path(args.second)) if r.get("label") in lab.LABELS}
    both = sorted(first.keys() & second.keys())
    if not both:
        print(f"no row is labeled in both {args.first} and {args.second}")
        return 1
    a, b = [first[i] for i in both], [second[i] for i in both]
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    print(f"{len(both)} rows labeled by both: raw agreement {agree / len(both):.3f}, "
          f"Cohen's kappa {lab.cohen_kappa(a, b):.3f}")
    for (x, y), n in sorted(Counter(zip(a, b, strict=True)).items()):
        print(f"  {x:>8} / {y:<8} {n}")
    return 0
