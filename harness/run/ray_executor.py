"""`--executor ray`: papers (and sweep points) as Ray tasks, with the driver as every transcript's one writer.

A task runs its papers against a Recorder, not the SQLite store, and returns what they wrote; the driver writes
each run's tasks in the run's paper order, so the transcript equals `--executor local`'s for a seed (timing
aside). A task writes nothing until it returns, so when its worker dies it is simply submitted again, with a
`retry` event: no finished paper is lost, and none is counted twice. Ray itself is imported only here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.declared import ConfigError
from harness.core.papers import Paper
from harness.models import ModelPool
from harness.run.agents import Team
from harness.run.config import RunConfig
from harness.run.optimizers import Train, parse_optimizer
from harness.run.transcript import Record, Recorder, Transcript, _now

MAX_ATTEMPTS = 3  # a task whose worker died this many times becomes an error event on its papers
# Passed on to workers so that they find the same call cache and device as the driver.
ENV_VARS = ("HARNESS_CALL_CACHE", "HARNESS_CACHE_DIR", "HARNESS_DEVICE", "HF_HUB_OFFLINE", "PYTHONPATH")
# A worker process keeps the weights it loaded (a ModelPool per loading flags) for its next tasks.
_pools: dict[tuple, ModelPool] = {}


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray, which is not installed: pip install 'harness[ray]'") from None
    return ray


def _reachable(address: str) -> None:
    """Fail in seconds, with one line, where ray.init would wait a minute on an address nobody answers."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--ray-address {address!r}: expected HOST:PORT (e.g. 10.0.0.1:6379) or 'auto'")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise ConfigError(f"Ray cluster at {address} is unreachable ({exc.strerror or exc})") from None


def connect(address: str | None) -> None:
    """Join the cluster at `address`, or start a local runtime on this machine's cores; a no-op when Ray is
    already initialised (the tests start it with num_cpus=2)."""
    ray = _ray()
    if ray.is_initialized():
        return
    if address and address != "auto":
        _reachable(address)
    env = {k: os.environ[k] for k in ENV_VARS if k in os.environ}
    try:
        ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=False, configure_logging=False)
    except ConnectionError as exc:
        raise ConfigError(f"Ray cluster at {address}: {str(exc).splitlines()[0]}") from None


def run_papers(config: dict[str, Any], run_dir: str, papers: list[Paper]) -> list[Record]:
    """The body of a Ray task: run papers in order against a Recorder and return its records."""
    from harness.run.experiment import load_models, run_paper  # experiment imports this module

    cfg = RunConfig(**config)
    optimizer = parse_optimizer(cfg.optimizer)
    flags = {"allow_pickle": cfg.allow_pickle, "trust_remote_code": cfg.trust_remote_code,
             "max_connections": cfg.max_connections}
    if isinstance(optimizer, Train):  # train() changes the describer's weights: fresh weights for each task
        pool = ModelPool(**flags)
    else:
        pool = _pools.setdefault(tuple(flags.values()), ModelPool(**flags))
    models, monitor = load_models(cfg, optimizer, pool)
    recorder = Recorder(Path(run_dir))
    team = Team(cfg, *models, optimizer=optimizer, transcript=recorder, monitor=monitor)
    for paper in papers:
        run_paper(team, paper)
    return recorder.records


@dataclass
class RayJob:
    """One run's share of the work: its tasks (lists of papers) and where their records go."""

    config: RunConfig
    transcript: Transcript
    tasks: list[list[Paper]]
    on_paper: Callable[[Paper], None] | None = None


def lost_worker_errors() -> tuple[type[BaseException], ...]:
    """Failures of the machinery, not of the paper: the task is worth submitting again."""
    ex = _ray().exceptions
    return (ex.WorkerCrashedError, ex.NodeDiedError, ex.OutOfMemoryError, ex.ObjectLostError,
            ex.LocalRayletDiedError)


def run_on_ray(jobs: list[RayJob], max_attempts: int = MAX_ATTEMPTS) -> None:
    """Submit every job's tasks at once; write each job's results in its task order as they come in."""
    ray = _ray()
    lost = lost_worker_errors()
    pending: dict[Any, tuple[int, int]] = {}
    attempts: dict[tuple[int, int], int] = {}

    # Ray's own retries are off: the driver resubmits, so that the transcript records each retry.
    task = ray.remote(max_retries=0)(run_papers)

    def submit(j: int, k: int) -> None:
        cfg = jobs[j].config
        ref = task.options(num_cpus=cfg.ray_num_cpus, num_gpus=cfg.ray_num_gpus).remote(
            cfg.model_dump(), str(jobs[j].transcript.run_dir), jobs[j].tasks[k])
        pending[ref] = (j, k)
        attempts[j, k] = attempts.get((j, k), 0) + 1

    for j, job in enumerate(jobs):
        for k in range(len(job.tasks)):
            submit(j, k)
    done: dict[tuple[int, int], list[Record]] = {}
    written = [0] * len(jobs)
    while pending:
        [ref], _ = ray.wait(list(pending), num_returns=1)
        j, k = pending.pop(ref)
        job = jobs[j]
        try:
            done[j, k] = ray.get(ref)
        except lost as exc:
            ids = [p.id for p in job.tasks[k]]
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            job.transcript.emit(None, "retry", papers=ids, attempt=attempts[j, k], reason=reason)
            if attempts[j, k] < max_attempts:
                submit(j, k)
                continue
            done[j, k] = [("event", pid, "error", {"message": f"worker lost {max_attempts} times ({reason})"},
                           _now()) for pid in ids]
        while (j, written[j]) in done:
            job.transcript.write(done.pop((j, written[j])))
            for paper in job.tasks[written[j]]:
                if job.on_paper:
                    job.on_paper(paper)
            written[j] += 1
