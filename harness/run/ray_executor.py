"""`--executor ray`: papers (and sweep points) as Ray tasks, with the driver as every transcript's one writer;
and judge-eval's pool tasks (RayExecutor), with the driver as the one writer of its files.

A task runs its papers against a Recorder, not the SQLite store, and returns what they wrote; the driver writes
each run's tasks in the run's paper order, so the transcript equals `--executor local`'s for a seed (timing
aside). A task writes nothing until it returns, so when its worker dies it is simply submitted again, with a
`retry` event: no finished paper is lost, and none is counted twice. Ray itself is imported only here.

Local models are loaded once per worker process (and kept for its next tasks), or, with `ray_model_actors`, once
per spec by a Ray actor that the driver starts with the config's CPUs and GPUs; paper tasks call it in turn.
Remote models (openai:, ollama:) are called from the tasks, at most `max_connections` at once per process.

Both kinds of task go through `ray_map`: submit, resubmit a task whose worker died (up to MAX_ATTEMPTS), and
hand results back in order; each task first sets its worker's model threads to the config's `threads`, or else
to the CPUs it reserved (harness.models.threads says why the count matters).
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.declared import ConfigError
from harness.core.papers import Paper
from harness.models import ModelAPI, ModelError, ModelPool, generate_batch, load_model, process_pool
from harness.models.threads import set_threads
from harness.run.agents import Team
from harness.run.config import RunConfig
from harness.run.optimizers import Train, parse_optimizer
from harness.run.transcript import Record, Recorder, Transcript

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Ray colours its error messages
REMOTE_KINDS = ("openai", "ollama")  # model servers: called from the tasks, never held by an actor
MAX_ATTEMPTS = 3  # a task whose worker died this many times is given up: error events on its papers, or
# (judge-eval) the command stops
ACTOR_RESTART_WAIT_S = 120  # how long a task waits for a model actor to restart before giving up its papers
log = logging.getLogger("harness")


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
    already initialised (the tests start it with num_cpus=2). A local runtime's workers inherit this process's
    environment (HARNESS_CALL_CACHE, HARNESS_DEVICE...); a cluster's workers have their node's."""
    ray = _ray()
    if ray.is_initialized():
        return
    if address and address != "auto":
        _reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except ConnectionError as exc:
        # Seen here: a cluster from `ray start` (Ray 2.60) refuses a driver that sends no token.
        hint = " (a cluster with token authentication needs RAY_AUTH_MODE=token here)" if address else ""
        raise ConfigError(f"Ray cluster at {address}: {str(exc).splitlines()[0]}{hint}") from None


class ModelServer:
    """The body of a model actor: one local model, loaded once; Ray runs its calls one at a time."""

    def __init__(self, spec: str, flags: dict[str, Any], threads: float = 1) -> None:
        set_threads(threads)
        try:
            self.model, self.error = load_model(spec, **flags), None
        except ModelError as exc:
            self.model, self.error = None, str(exc)

    def info(self) -> tuple[str, int, dict[str, str]] | str:
        """The model's spec, context window and details, or the one-line reason it did not load."""
        if self.model is None:
            return self.error or "did not load"
        return self.model.spec, self.model.context_window, self.model.details

    def generate(self, *args: Any) -> list[str]:
        return self.model.generate(*args)

    def generate_batch(self, *args: Any) -> list[list[str]]:
        return generate_batch(self.model, *args)

    def rate(self, conversations: list, labels: list[str]) -> list[list[float]]:
        return self.model.rate(conversations, labels)

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)


class ActorModel:
    """A ModelAPI whose calls go to a ModelServer actor; picklable, so tasks get it as an argument."""

    def __init__(self, actor: Any) -> None:
        info = _ray().get(actor.info.remote())
        if isinstance(info, str):
            raise ModelError(info)
        self.actor = actor
        self.spec, self.context_window, self.details = info

    def _call(self, method: str, *args: Any) -> Any:
        """A call to the actor. When the actor is down, wait until it is back (restarted, its model reloaded)
        before failing, so that the driver's resubmission of this task finds it running."""
        ray = _ray()
        try:
            return ray.get(getattr(self.actor, method).remote(*args))
        except ray.exceptions.RayActorError:
            deadline = time.monotonic() + ACTOR_RESTART_WAIT_S
            while time.monotonic() < deadline:
                try:
                    ray.get(self.actor.info.remote(), timeout=10)
                    break
                except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                    time.sleep(0.5)
            raise

    def generate(self, messages: list, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128,
                 seed: int = 0) -> list[str]:
        return self._call("generate", messages, n, temperature, max_new_tokens, seed)

    def generate_batch(self, conversations: list, n: int = 1, temperature: float = 0.7, max_new_tokens: int = 128,
                       seed: int = 0) -> list[list[str]]:
        return self._call("generate_batch", list(conversations), n, temperature, max_new_tokens, seed)

    def rate(self, conversations: list, labels: list[str]) -> list[list[float]]:
        return self._call("rate", list(conversations), list(labels))

    def count_tokens(self, text: str) -> int:
        return self._call("count_tokens", text)


def start_model_actors(config: RunConfig, pool: ModelPool) -> None:
    """Put one actor per local model spec of `config` into `pool` (specs already there are kept). The driver
    owns the actors, so a killed paper task does not take them down; a dead actor restarts (reloading)."""
    if isinstance(parse_optimizer(config.optimizer), Train):
        raise ConfigError("ray_model_actors does not support train(): the task trains the describer's own weights")
    flags = {"allow_pickle": config.allow_pickle, "trust_remote_code": config.trust_remote_code,
             "max_connections": config.max_connections}
    from harness.run.experiment import gold_spec  # experiment imports this module

    server = _ray().remote(ModelServer)
    specs = [config.summarizer, config.describer_spec, config.judge_spec, config.monitor, gold_spec(config)]
    for spec in dict.fromkeys(specs):
        if not spec or spec in pool or spec.partition(":")[0] in REMOTE_KINDS:
            continue
        threads = config.threads or config.ray_actor_num_cpus
        actor = server.options(num_cpus=config.ray_actor_num_cpus, num_gpus=config.ray_actor_num_gpus,
                               max_restarts=MAX_ATTEMPTS).remote(spec, flags, threads)
        pool.add(spec, ActorModel(actor))


def run_papers(config: dict[str, Any], run_dir: str, papers: list[Paper],
               actors: dict[str, ModelAPI] | None = None) -> list[Record]:
    """The body of a Ray task: run papers in order against a Recorder and return its records."""
    from harness.run.experiment import load_models, run_paper  # experiment imports this module

    cfg = RunConfig(**config)
    optimizer = parse_optimizer(cfg.optimizer)
    flags = {"allow_pickle": cfg.allow_pickle, "trust_remote_code": cfg.trust_remote_code,
             "max_connections": cfg.max_connections}
    # train() changes the describer's weights: fresh weights for each task
    pool = ModelPool(**flags) if isinstance(optimizer, Train) else process_pool(**flags)
    for spec, model in (actors or {}).items():
        pool.add(spec, model)
    models, monitor, gold = load_models(cfg, optimizer, pool)
    recorder = Recorder(Path(run_dir))
    team = Team(cfg, *models, optimizer=optimizer, transcript=recorder, monitor=monitor, gold=gold)
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
    actors: dict[str, ModelAPI] | None = None  # with ray_model_actors: the local models' actors, by spec


def lost_worker_errors() -> tuple[type[BaseException], ...]:
    """Failures of the machinery, not of the paper: the task is worth submitting again."""
    ex = _ray().exceptions
    return (ex.WorkerCrashedError, ex.NodeDiedError, ex.OutOfMemoryError, ex.ObjectLostError,
            ex.LocalRayletDiedError, ex.RayActorError)


@dataclass(frozen=True)
class Call:
    """One task: fn(*args) with these CPUs and GPUs reserved, its models computing with `threads` threads (None:
    as many as CPUs reserved); results of one `group` come back in call order."""

    args: tuple
    num_cpus: float = 1
    num_gpus: float = 0
    group: int = 0
    threads: int | None = None


@dataclass(frozen=True)
class Lost:
    """The result of a task whose worker died MAX_ATTEMPTS times: the last loss, as a line."""

    reason: str


def _in_worker(threads: float, fn: Callable[..., Any], *args: Any) -> Any:
    """The body of every task: the worker's threads first, then fn."""
    set_threads(threads)
    return fn(*args)


def ray_map(fn: Callable[..., Any], calls: Sequence[Call],
            on_lost: Callable[[int, int, str], None]) -> Iterator[tuple[int, Any]]:
    """Submit fn(*call.args) for every call at once; yield (index, result) as they finish, each group's in call
    order. A task whose worker died calls on_lost(index, attempt, reason) and is submitted again; after
    MAX_ATTEMPTS its result is a Lost. Ray's own retries are off, so that the caller can record each one."""
    ray = _ray()
    lost = lost_worker_errors()
    task = ray.remote(max_retries=0)(_in_worker)
    pending: dict[Any, int] = {}
    attempts = [0] * len(calls)

    def submit(i: int) -> None:
        c = calls[i]
        # The task's name is fn's, as it shows in `ray list tasks` and in the worker's process title.
        ref = task.options(num_cpus=c.num_cpus, num_gpus=c.num_gpus, name=fn.__name__).remote(
            c.threads or c.num_cpus, fn, *c.args)
        pending[ref] = i
        attempts[i] += 1

    for i in range(len(calls)):
        submit(i)
    order: dict[int, list[int]] = {}
    for i, c in enumerate(calls):
        order.setdefault(c.group, []).append(i)
    handed = dict.fromkeys(order, 0)
    done: dict[int, Any] = {}
    while pending:
        [ref], _ = ray.wait(list(pending), num_returns=1)
        i = pending.pop(ref)
        try:
            done[i] = ray.get(ref)
        except lost as exc:
            first = ANSI.sub("", str(exc)).splitlines()[0] if str(exc) else ""
            reason = f"{type(exc).__name__}: {first}"
            on_lost(i, attempts[i], reason)
            if attempts[i] < MAX_ATTEMPTS:
                submit(i)
                continue
            done[i] = Lost(reason)
        g = calls[i].group
        while handed[g] < len(order[g]) and order[g][handed[g]] in done:
            k = order[g][handed[g]]
            handed[g] += 1
            yield k, done.pop(k)


def run_on_ray(jobs: list[RayJob]) -> None:
    """Submit every job's tasks at once; write each job's results in its task order as they come in."""
    where = [(j, k) for j, job in enumerate(jobs) for k in range(len(job.tasks))]
    calls = [Call((jobs[j].config.model_dump(), str(jobs[j].transcript.run_dir), jobs[j].tasks[k], jobs[j].actors),
                  jobs[j].config.ray_num_cpus, jobs[j].config.ray_num_gpus, group=j, threads=jobs[j].config.threads)
             for j, k in where]

    def on_lost(i: int, attempt: int, reason: str) -> None:
        j, k = where[i]
        jobs[j].transcript.emit(None, "retry", papers=[p.id for p in jobs[j].tasks[k]], attempt=attempt, reason=reason)

    for i, records in ray_map(run_papers, calls, on_lost):
        j, k = where[i]
        job = jobs[j]
        if isinstance(records, Lost):
            failed = Recorder(job.transcript.run_dir)
            for paper in job.tasks[k]:
                failed.emit(paper.id, "error", message=f"worker lost {MAX_ATTEMPTS} times ({records.reason})")
            records = failed.records
        job.transcript.write(records)
        for paper in job.tasks[k]:
            if job.on_paper:
                job.on_paper(paper)


class WorkerLost(Exception):
    """A judge-eval pool task whose worker died MAX_ATTEMPTS times: the command stops with one line."""


class RayExecutor:
    """judge-eval's executor on Ray (harness.judging.evaluation.Executor): fn(shared, item) for each item as a
    task reserving num_cpus and num_gpus, results in the items' order; `shared` goes to the object store once. A
    task whose worker died is redone, with a warning line and an entry in `retries`; nothing of it is kept, so
    no item counts twice."""

    def __init__(self, address: str | None = None, num_cpus: float = 1, num_gpus: float = 0,
                 threads: int | None = None) -> None:
        connect(address)
        self.num_cpus, self.num_gpus, self.threads = num_cpus, num_gpus, threads
        self.retries: list[dict] = []

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> Iterator[Any]:
        ref = _ray().put(shared)

        def on_lost(i: int, attempt: int, reason: str) -> None:
            self.retries.append({"task": i, "attempt": attempt, "reason": reason})
            log.warning("%s task %d of %d: worker lost (%s), attempt %d of %d", fn.__name__, i + 1, len(items),
                        reason, attempt, MAX_ATTEMPTS)

        calls = [Call((ref, item), self.num_cpus, self.num_gpus, threads=self.threads) for item in items]
        for i, result in ray_map(fn, calls, on_lost):
            if isinstance(result, Lost):
                raise WorkerLost(f"{fn.__name__} task {i + 1} of {len(items)}: worker lost {MAX_ATTEMPTS} times "
                                 f"({result.reason})")
            yield result
