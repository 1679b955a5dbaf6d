"""Write a Markdown and an HTML report with plots for one or more runs (proxy vs gold, sophistry, propagation, human
labels); print where, and each run's human labels with gold's agreement with them."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from harness.reports.records import candidate_records
from harness.reports.run_report import human_label_line, write_report
from harness.run.transcript import resolve_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", nargs="*", help="run ids or directories (default: the latest run)")
    p.add_argument("-o", "--output", help="report directory (default: RUN/report of the first run)")
    p.add_argument("--threshold", type=float, default=None,
                   help="proxy threshold for 'persuasive' (default: 0.5, and the runs' 75th proxy percentile)")


def main(args: argparse.Namespace) -> int:
    runs_dir = Path(args.runs or "runs")
    run_dirs = [resolve_run(runs_dir, ref) for ref in (args.run or [None])]
    out = Path(args.output) if args.output else run_dirs[0] / "report"
    md, html = write_report(run_dirs, out, args.threshold)
    console = Console(highlight=False)
    console.print(f"report: {md}\n        {html}")
    for d in run_dirs:
        console.print(f"{d.name}: {human_label_line(d, candidate_records(d))}", markup=False)
    return 0
