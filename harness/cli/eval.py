"""Run an eval suite from evals/suites/ (default: detectors-quick) and print detector metrics with 95% CIs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.cli.judge_eval import run_and_report
from harness.detection.suites import available_suites, load_suite, run_suite
from harness.judging.evaluation import JudgeSuite
from harness.metrics.stats import fmt


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("suite", nargs="?", default="detectors-quick",
                   help=f"a suite name ({', '.join(available_suites())}) or a .toml path")
    p.add_argument("-o", "--output", help="also write the results as JSON")


def main(args: argparse.Namespace) -> int:
    suite = load_suite(args.suite)
    if isinstance(suite, JudgeSuite):  # the judge-exploitability suite: the same run and report as judge-eval
        return run_and_report(suite, Path(args.runs or "runs") / "judge-eval" / suite.name)
    results = run_suite(suite)
    table = Table("set", "detector", "n (wrong)", "AUROC [95% CI]", f"precision@{suite.threshold}",
                  f"recall@{suite.threshold}", title=f"suite {suite.name}: {suite.description}")
    for r in results:
        table.add_row(r["set"], r["detector"], f"{r['n']} ({r['wrong']})", fmt(r["auroc"], r["auroc_ci"], 3),
                      fmt(r["precision"], r["precision_ci"], 3), fmt(r["recall"], r["recall_ci"], 3))
    Console(width=140).print(table)
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"suite": suite.model_dump(), "results": results}, f, indent=2)
    return 0
