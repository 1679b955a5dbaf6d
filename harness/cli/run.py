"""Run the delegation experiment (with no arguments: the demo corpus, the bundled model, best-of-4).

`--resume RUN` continues a killed run with its own config; `--shard I/N` runs one slice of the papers (combine
the shards' runs with `harness merge`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.reports.findings import findings_table
from harness.reports.records import results_table
from harness.run.config import RunConfig, load_config
from harness.run.experiment import Experiment
from harness.run.transcript import Transcript, resolve_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="a TOML file of run settings (flags override it)")
    p.add_argument("--data", help="a papers JSONL file or a directory of LaTeX sources (default: demo corpus)")
    p.add_argument("--all-mains", action="store_true", default=None, dest="all_mains",
                   help="--data DIR: load every main file of a folder as its own paper (default: one per folder)")
    p.add_argument("--papers", type=int, help="run the first N papers only")
    p.add_argument("--summarizer", help="model spec of the summarizer (default smollm2)")
    p.add_argument("--describer", help="model spec of the describer (default: the summarizer's)")
    p.add_argument("--judge", help="model spec of the parent's judge (default: the summarizer's)")
    p.add_argument("--monitor", help="model spec of a monitor that cross-examines every candidate (default: none)")
    p.add_argument("--gold-model", dest="gold_model",
                   help="gold's model layer: a model spec, none (rules only) or auto (default: qwen-1.5b when "
                        "installed and not the judge)")
    p.add_argument("--gold-method", dest="gold_method",
                   choices=["whole", "statements", "facts", "reference", "reasoned"],
                   help="how the gold model checks a text (default statements)")
    p.add_argument("--objective", choices=["honest", "approval", "verbose", "treacherous"],
                   help="what the describer is told (or secretly) pursues")
    p.add_argument("--best-of", type=int, dest="best_of", help="best_of_n optimizer with N candidates")
    p.add_argument("--optimizer", help="optimizer spec: none | best_of_n(N) | refine(ROUNDS) | train(STEPS)")
    p.add_argument("--max-equations", type=int, dest="max_equations", help="equations delegated per paper")
    p.add_argument("--first-equation", type=int, dest="first_equation",
                   help="delegate from each paper's N-th delegable display on (default 1), e.g. to reach equations "
                        "that an earlier run or a labeled set did not take")
    p.add_argument("--seed", type=int)
    p.add_argument("--shard", help="I/N: run the I-th of N deterministic slices of the papers (1-based)")
    p.add_argument("--resume", metavar="RUN", help="continue a killed run (id or directory); finished papers are kept")
    p.add_argument("--no-cache", dest="cache", action="store_false", default=None,
                   help="call the models even for requests answered before")
    p.add_argument("--max-connections", type=int, dest="max_connections",
                   help="concurrent requests per model server (default 4); remote runs do this many papers at once")
    executor_arguments(p, "each paper a Ray task; the transcript is the same for a seed")
    p.add_argument("--allow-pickle", action="store_true", default=None, help="accept pickle weights (unsafe)")
    p.add_argument("--trust-remote-code", action="store_true", default=None, help="run a model repo's own code")


def executor_arguments(p: argparse.ArgumentParser, what_ray_does: str) -> None:
    """--executor and --ray-address, as `run`, `sweep` and `judge-eval` take them."""
    p.add_argument("--executor", choices=["local", "ray"], help=f"local (default) or ray: {what_ray_does}")
    p.add_argument("--ray-address", dest="ray_address", metavar="ADDR",
                   help="an existing Ray cluster (HOST:6379); without it, --executor ray starts a local runtime")
    p.add_argument("--threads", type=int, metavar="N",
                   help="CPU threads per local model (default: the process's own, all cores unless OMP_NUM_THREADS "
                   "says otherwise; on Ray, the CPUs a task reserves); results depend on it")


SETTINGS = ("data", "all_mains", "papers", "summarizer", "describer", "judge", "monitor", "objective", "optimizer",
            "max_equations", "seed", "shard", "allow_pickle", "trust_remote_code", "threads")
# How to run, not what: a resumed run may change these.
RESUMABLE = ("runs", "cache", "max_connections", "executor", "ray_address")


def resumed_config(args: argparse.Namespace) -> tuple[RunConfig, Path, int]:
    """The killed run's own config; flags that would change its results are refused."""
    if args.config or args.best_of is not None or any(getattr(args, k) is not None for k in SETTINGS):
        raise ValueError("--resume continues a run with its own config; only --runs, --no-cache, "
                         "--max-connections, --executor and --ray-address may be given with it")
    run_dir = resolve_run(Path(args.runs or "runs"), args.resume)
    transcript = Transcript.open(run_dir)
    stored, done = transcript.info().config, len(transcript.finished_papers())
    transcript.close()
    overrides = {k: getattr(args, k) for k in RESUMABLE if getattr(args, k) is not None}
    return RunConfig(**{**stored, **overrides, "runs": str(run_dir.parent)}), run_dir, done


def main(args: argparse.Namespace) -> int:
    if args.resume:
        config, resume_dir, done = resumed_config(args)
    else:
        overrides = {k: getattr(args, k) for k in SETTINGS + RESUMABLE}
        if args.best_of is not None:
            overrides["optimizer"] = f"best_of_n({args.best_of})"
        config, resume_dir, done = load_config(args.config, overrides), None, 0
    experiment = Experiment(config)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("papers", total=len(experiment.papers), completed=done)
        advance = lambda paper: progress.advance(task)  # noqa: E731
        run_dir = experiment.resume(resume_dir, advance) if resume_dir else experiment.run(advance)
    Console().print(results_table(run_dir))
    table, headline = findings_table(run_dir)
    Console().print(table)
    Console().print(headline)
    Console().print(f"transcript: {run_dir}  (harness show {run_dir.name} --runs {config.runs})")
    return 0
