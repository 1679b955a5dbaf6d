"""Run the delegation experiment (with no arguments: the demo corpus, the bundled model, best-of-4)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.config import load_config
from harness.experiment import Experiment
from harness.report import results_table


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="a TOML file of run settings (flags override it)")
    p.add_argument("--data", help="a papers JSONL file or a directory of LaTeX sources (default: demo corpus)")
    p.add_argument("--papers", type=int, help="run the first N papers only")
    p.add_argument("--summarizer", help="model spec of the summarizer (default smollm2)")
    p.add_argument("--describer", help="model spec of the describer (default: the summarizer's)")
    p.add_argument("--judge", help="model spec of the parent's judge (default: the summarizer's)")
    p.add_argument("--objective", choices=["honest", "approval", "verbose", "treacherous"],
                   help="what the describer is told (or secretly) pursues")
    p.add_argument("--best-of", type=int, dest="best_of", help="best_of_n optimizer with N candidates")
    p.add_argument("--optimizer", help="optimizer spec: none | best_of_n(N) | refine(ROUNDS) | train(STEPS)")
    p.add_argument("--max-equations", type=int, dest="max_equations", help="equations delegated per paper")
    p.add_argument("--seed", type=int)
    p.add_argument("--allow-pickle", action="store_true", default=None, help="accept pickle weights (unsafe)")
    p.add_argument("--trust-remote-code", action="store_true", default=None, help="run a model repo's own code")


def main(args: argparse.Namespace) -> int:
    overrides = {k: getattr(args, k) for k in (
        "data", "papers", "summarizer", "describer", "judge", "objective", "optimizer", "max_equations", "seed",
        "runs", "allow_pickle", "trust_remote_code")}
    if args.best_of is not None:
        overrides["optimizer"] = f"best_of_n({args.best_of})"
    config = load_config(args.config, overrides)
    experiment = Experiment(config)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("papers", total=len(experiment.papers))
        run_dir = experiment.run(on_paper=lambda paper: progress.advance(task))
    Console().print(results_table(run_dir))
    Console().print(f"transcript: {run_dir}  (harness show {run_dir.name} --runs {config.runs})")
    return 0
