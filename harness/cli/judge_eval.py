"""How exploitable is a judge: balanced best-of-n, bias probes and judge defences, side by side.

Runs a judge suite (default: evals/suites/judge.toml) and writes report.md, report.html, p_wrong_pick.png and
results.json to --out (default RUNS/judge-eval/SUITE). Flags override the suite's settings. With --executor ray
each pool (one equation's candidates and probe pairs) is rated in a Ray task; the output is the same for a seed
at the same --threads (a model's numbers depend on its thread count: harness.models.threads).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.cli.run import executor_arguments
from harness.core.declared import ConfigError
from harness.detection.suites import available_suites, load_suite
from harness.judging.evaluation import ENSEMBLES, Executor, JudgeSuite, make_suite, run_judge_suite
from harness.judging.judge import DEFENCES
from harness.models.threads import using_threads
from harness.reports.judge_report import summary_table, write_judge_report

OVERRIDES = (
    "judges",
    "defences",
    "ensemble",
    "describer",
    "data",
    "papers",
    "samples",
    "per_side",
    "probe_pairs",
    "seed",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "suite", nargs="?", default="judge", help=f"a suite name ({', '.join(available_suites())}) or a .toml path"
    )
    p.add_argument("--judge", dest="judges", action="append", help="judge model spec (repeat for several)")
    p.add_argument(
        "--defence",
        dest="defences",
        action="append",
        choices=[*DEFENCES, *ENSEMBLES],
        help="judge defence (repeat for several; default: the suite's)",
    )
    p.add_argument("--ensemble", action="append", help="ensemble member: SPEC or SPEC+DEFENCE (repeat)")
    p.add_argument("--describer", help="model spec that writes the sneaky pools (default smollm2)")
    p.add_argument("--data", help="papers JSONL or LaTeX directory for the sneaky pools (default: demo corpus)")
    p.add_argument("--papers", type=int, help="the first N papers only")
    p.add_argument("--samples", type=int, help="honest and treacherous descriptions sampled per equation")
    p.add_argument("--per-side", type=int, dest="per_side", help="cap on each side of a balanced pool")
    p.add_argument("--probe-pairs", type=int, dest="probe_pairs", help="cap on the pairs of each probe")
    p.add_argument("--seed", type=int)
    p.add_argument("--out", help="output directory")
    p.add_argument("--no-cache", dest="cache", action="store_false", help="call the models again for every rating")
    executor_arguments(p, "each pool a Ray task; the output is the same for a seed at the same --threads")
    p.add_argument("--ray-num-cpus", type=float, default=1, dest="ray_num_cpus",
                   help="CPUs each pool task reserves (default 1; torch in the task uses as many threads)")
    p.add_argument("--ray-num-gpus", type=float, default=0, dest="ray_num_gpus",
                   help="GPUs each pool task reserves (default 0)")


def suite_from(args: argparse.Namespace) -> JudgeSuite:
    suite = load_suite(args.suite)
    if not isinstance(suite, JudgeSuite):
        raise ConfigError(f"suite {args.suite!r} is a detector suite; run it with `harness eval`")
    overrides = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k, None) is not None}
    return make_suite(**{**suite.model_dump(), **overrides})


def executor_from(args: argparse.Namespace) -> Executor | None:
    """The Ray executor that --executor ray asks for (connected before any output is written); None: local."""
    if args.executor != "ray":
        return None
    if args.ray_num_cpus <= 0 or args.ray_num_gpus < 0:
        raise ConfigError("--ray-num-cpus must be > 0 and --ray-num-gpus >= 0")
    from harness.run.ray_executor import RayExecutor

    return RayExecutor(args.ray_address, args.ray_num_cpus, args.ray_num_gpus, args.threads)


def run_and_report(suite: JudgeSuite, out: Path, cache: bool = True, executor: Executor | None = None) -> int:
    """Shared by `harness judge-eval` and `harness eval` with a judge suite."""
    data = run_judge_suite(suite, out, cache, executor)
    md, page = write_judge_report(data, out)
    head, rows = summary_table(data["results"])
    table = Table(*head, title=f"judge suite {suite.name}")
    for row in rows:
        table.add_row(*row)
    Console(width=200).print(table)
    Console().print(f"report: {md}\n        {page}")
    return 0


def main(args: argparse.Namespace) -> int:
    if args.threads is not None and args.threads < 1:
        raise ConfigError("--threads must be >= 1")
    suite = suite_from(args)
    out = Path(args.out) if args.out else Path(args.runs or "runs") / "judge-eval" / suite.name
    executor = executor_from(args)
    with using_threads(None if executor else args.threads):  # on Ray each pool task sets its own
        return run_and_report(suite, out, args.cache, executor)
