"""The same 6-paper run with `--executor local` and `--executor ray`, side by side in one run:

    python bench/bench_executor.py                  # the scripted backend: the executors' own cost, no model
    python bench/bench_executor.py --model smollm2  # the bundled model (minutes on 2 cores)
    python bench/bench_executor.py --model smollm2 --papers 2  # fewer papers, where 6 take too long

Prints the wall time of each run (Ray's cold run starts its workers, which import the harness and load the
models; the warm run reuses them), whether the transcripts are equal, and Ray's overhead per task: the driver's
round trip for one paper task, submitted one at a time to warm workers, minus the time the task's own body took.
Target: <= 50 ms per task. Ray's runtime start (ray.init) is timed on its own. Gold is the rules alone, so that
no gold model is loaded in every worker. Needs the `ray` extra.

A model's numbers depend on its thread count (harness.models.threads): each Ray task computes with the one CPU
it reserves, so the transcripts are compared with a local run at one thread as well as at all cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import ray

from harness.cli import quiet_third_parties
from harness.run.config import RunConfig
from harness.run.experiment import Experiment
from harness.run.ray_executor import run_papers
from harness.run.transcript import Transcript

PAPERS = 6
TARGET_MS = 50.0
# Every reply and rating is canned: the runs measure the executor, not a model.
SCRIPT = {"replies": [{"when": "Write the abstract", "texts": ["We study a thing and find a result."]},
                      {"when": ".", "texts": ["It relates x and y.", "Here E is energy.", "A confident account."]}],
          "ratings": [{"when": "confident", "probs": {"8": 0.5, "9": 0.5}}], "default_label": "5"}


@ray.remote(max_retries=0)
def timed_task(config: dict, run_dir: str, papers: list) -> tuple[int, float]:
    """One paper task's body, timed inside the worker."""
    start = time.perf_counter()
    records = run_papers(config, run_dir, papers)
    return len(records), time.perf_counter() - start


def content(run_dir: Path) -> list:
    """Events without timing fields, to check that both executors wrote the same transcript."""
    t = Transcript.open(run_dir)
    try:
        out = []
        for e in t.events():
            p = e.payload
            if e.kind == "calls":
                p = {"calls": [{k: v for k, v in c.items() if k != "seconds"} for c in p["calls"]]}
            out.append((e.agent_id, e.kind, p))
        return out
    finally:
        t.close()


def timed_run(config: RunConfig) -> tuple[float, Path]:
    experiment = Experiment(config)  # loads the driver's models: not timed
    start = time.perf_counter()
    run_dir = experiment.run()
    return time.perf_counter() - start, run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="scripted", help="scripted (default) or a model spec, e.g. smollm2")
    parser.add_argument("--papers", type=int, default=PAPERS, help=f"demo papers per run (default {PAPERS})")
    args = parser.parse_args()
    papers = args.papers
    quiet_third_parties()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HARNESS_CALL_CACHE"] = str(Path(tmp) / "calls.sqlite")
        spec = args.model
        if spec == "scripted":
            (Path(tmp) / "script.json").write_text(json.dumps(SCRIPT))
            spec = f"scripted:{Path(tmp) / 'script.json'}"
        base = RunConfig(summarizer=spec, papers=papers, max_equations=2, optimizer="best_of_n(4)", cache=False,
                         gold_model="none", runs=str(Path(tmp) / "runs"))
        print(f"{os.cpu_count()} cpus; {papers} demo papers, 2 equations each, best_of_n(4), model {args.model}, "
              "gold rules only, no call cache")

        start = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": {"HARNESS_CALL_CACHE": os.environ["HARNESS_CALL_CACHE"]}})
        print(f"ray runtime start (ray.init, {os.cpu_count()} cpus)      {time.perf_counter() - start:8.2f}s")

        # Each executor twice: a process's first run also pays one-off costs (imports, first parses of each
        # equation, cached after that), in the driver for local and in the workers for Ray.
        ray_cfg = base.model_copy(update={"executor": "ray"})
        runs = [("local executor, first run", base), ("local executor, second run", base),
                ("local executor, 1 thread", base.model_copy(update={"threads": 1})),
                ("ray executor, cold workers", ray_cfg), ("ray executor, warm workers", ray_cfg)]
        rows = [(name, *timed_run(config)) for name, config in runs]
        for name, seconds, _ in rows:
            print(f"{name:<44}{seconds:8.2f}s  ({seconds / papers * 1000:7.1f} ms/paper)")
        (_, local_s, _), (_, ray_s, _) = rows[1], rows[4]
        print(f"second runs, ray vs local: {ray_s - local_s:+.2f}s in all, {(ray_s - local_s) / papers * 1000:+.1f} ms "
              "per paper")
        events = [content(run_dir) for _, _, run_dir in rows]  # local x2, local at 1 thread, ray x2
        same = all(e == events[2] for e in events[2:])
        print(f"transcripts equal, event by event (timing aside), ray vs local at 1 thread: {'yes' if same else 'NO'}")
        same = all(e == events[0] for e in events)
        print(f"transcripts equal, event by event (timing aside), all five runs: {'yes' if same else 'no'}")

        experiment = Experiment(base)
        overheads = []
        for paper in experiment.papers:
            start = time.perf_counter()
            _, body = ray.get(timed_task.remote(base.model_dump(), str(Path(tmp) / "scratch"), [paper]))
            overheads.append((time.perf_counter() - start - body) * 1000)
        median = statistics.median(overheads)
        verdict = "meets" if median <= TARGET_MS else "misses"
        print(f"ray overhead per task (warm, one at a time): median {median:6.1f} ms, max {max(overheads):6.1f} ms "
              f"over {len(overheads)} tasks (target <= {TARGET_MS:.0f} ms: {verdict})")
        ray.shutdown()


if __name__ == "__main__":
    main()
