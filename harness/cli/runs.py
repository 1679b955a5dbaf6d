"""List the runs in the runs directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.run.transcript import list_runs


def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options beyond --runs, which every command has."""


def main(args: argparse.Namespace) -> int:
    runs_dir = Path(args.runs or "runs")
    table = Table()
    table.add_column("run", no_wrap=True)  # ids must stay whole to be copied; the rest may wrap
    for name in ("created", "status", "summarizer", "describer", "judge", "objective", "optimizer", "seed"):
        table.add_column(name, overflow="fold")
    for info in list_runs(runs_dir):
        c = info.config
        table.add_row(info.id, info.created, info.status, c["summarizer"], c["describer"] or c["summarizer"],
                      c["judge"] or c["summarizer"], c["objective"], c["optimizer"], str(c["seed"]))
    Console().print(table if table.row_count else f"no runs in {runs_dir}")
    return 0
