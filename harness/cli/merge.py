"""Merge the runs of shards (`harness run --shard I/N`) into one run."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from harness.reports.records import results_table
from harness.run.merge import merge_runs
from harness.run.transcript import resolve_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shards", nargs="+", metavar="RUN", help="the shards' runs (ids under --runs, or directories)")


def main(args: argparse.Namespace) -> int:
    runs_dir = Path(args.runs or "runs")
    run_dir = merge_runs([resolve_run(runs_dir, ref) for ref in args.shards], runs_dir)
    Console().print(results_table(run_dir))
    print(f"merged {len(args.shards)} runs into {run_dir}")  # plain print: a path must not be wrapped
    return 0
