"""Run a sweep declared in evals/sweeps/ (one run per point; finished points are kept) and write its report."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.cli.run import executor_arguments
from harness.sweeps.report import write_sweep_report
from harness.sweeps.sweep import available_sweeps, load_sweep, run_sweep


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", help=f"a sweep name ({', '.join(available_sweeps())}) or a .toml path")
    p.add_argument("--data", help="papers JSONL or LaTeX directory (default: the demo corpus)")
    p.add_argument("--papers", type=int, help="the first N papers only")
    p.add_argument("--summarizer", help="model spec of the summarizer (and, by default, describer and judge)")
    p.add_argument("--describer", help="model spec of the describer")
    p.add_argument("--judge", help="model spec of the judge")
    p.add_argument("--seed", type=int)
    executor_arguments(p, "every point's papers as Ray tasks, all points at once")


def main(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.sweep)
    runs = Path(args.runs or "runs") / "sweeps"
    overrides = {k: getattr(args, k) for k in ("data", "papers", "summarizer", "describer", "judge", "seed",
                                             "executor", "ray_address", "threads")
                 if getattr(args, k) is not None}
    console = Console(stderr=True)
    points = sweep.configs(runs, overrides)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task(f"sweep {sweep.name}", total=len(points))

        def on_point(label: str, reused: bool) -> None:
            progress.console.print(f"point {label}: {'finished earlier, kept' if reused else 'done'}")
            progress.advance(task)

        results = run_sweep(sweep, runs, overrides, on_point=on_point)
    md, page = write_sweep_report(sweep, results, runs / sweep.name / "report")
    Console().print(f"report: {md}\n        {page}")
    return 0
