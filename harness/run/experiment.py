"""A run: papers -> summarizer -> describers -> models, every step written to the run's transcript.

Each paper's calls are seeded from the run seed and the paper's place in the spawn tree only, so a paper gives
the same result whether it runs alone, in a shard, concurrently with others, or after a resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from harness.core.declared import ConfigError
from harness.core.papers import Paper, load_papers
from harness.core.real_rows import ARXIV_SAMPLE, arxiv_sample
from harness.core.resources import demo_corpus
from harness.detection.detectors import CrossExamDetector
from harness.gold.instrument import Gold
from harness.gold.model import GoldModel
from harness.judging.judge import Judge
from harness.metrics import rouge
from harness.models import ModelAPI, ModelError, ModelPool
from harness.models.cache import CachedModel, CallCache
from harness.models.threads import using_threads
from harness.run.agents import Team, summarize
from harness.run.config import RunConfig
from harness.run.optimizers import Optimizer, Train, parse_optimizer
from harness.run.transcript import Transcript

REMOTE_BACKENDS = ("openai", "ollama")


def shard_slice(papers: list[Paper], shard: str | None) -> list[Paper]:
    """Shard "I/N" (1-based) keeps papers I-1, I-1+N, I-1+2N...: deterministic, and the N shards cover all."""
    if not shard:
        return papers
    i, n = (int(x) for x in shard.split("/"))
    if not 1 <= i <= n:
        raise ConfigError(f"shard {shard!r}: I must be between 1 and N")
    return papers[i - 1::n]


def select_papers(config: RunConfig) -> list[Paper]:
    """The run's papers: the demo corpus by default; `arxiv-sample` names the shared arXiv sample
    (../shared/data/arxiv/papers.jsonl beside the checkout, or HARNESS_ARXIV_SAMPLE)."""
    data = str(arxiv_sample()) if config.data == ARXIV_SAMPLE else config.data
    papers = load_papers(data or demo_corpus(), config.all_mains)
    return shard_slice(papers[: config.papers] if config.papers else papers, config.shard)


def new_run_id(config: RunConfig) -> str:
    digest = hashlib.sha1(json.dumps(config.model_dump(), sort_keys=True).encode()).hexdigest()[:6]
    return f"{datetime.now():%Y%m%d-%H%M%S}-{digest}-{secrets.token_hex(2)}"


def gold_spec(config: RunConfig) -> str | None:
    """The gold model a run checks with, or None for the rules alone. `auto` takes HARNESS_GOLD_MODEL when it is
    set, else qwen-1.5b when its parts are installed and it judges nothing in the run. A gold model that is a
    judge's model (the parent's judge, or with depth >= 3 the describer's, which judges its sub-describers) is
    refused, since gold must never share a judgment it scores."""
    def model(spec: str) -> str:
        return spec.removeprefix("llamacpp:")

    judges = {model(config.judge_spec)} | ({model(config.describer_spec)} if config.depth >= 3 else set())
    spec = config.gold_model
    if spec == "auto":
        spec = os.environ.get("HARNESS_GOLD_MODEL") or "auto"
    if spec == "none":
        return None
    if spec == "auto":
        from harness.models.catalog import catalog, part_paths

        try:
            part_paths(catalog()["qwen-1.5b"])
        except ModelError:
            return None
        return None if "qwen-1.5b" in judges else "qwen-1.5b"
    if model(spec) in judges:
        raise ConfigError(f"gold model {spec} is a judge's model in this run; gold must be another model "
                          "(--gold-model SPEC, or none for the rules alone)")
    return spec


def load_models(config: RunConfig, optimizer: Optimizer, pool: ModelPool | None = None
                ) -> tuple[tuple[ModelAPI, ModelAPI, Judge], CrossExamDetector | None, Gold]:
    """Summarizer, describer, judge, monitor and gold, each model behind the call cache (none for train():
    weights change). The wrappers are new on each call (a judge remembers what it rated); `pool` may keep the
    loaded weights."""
    pool = pool or ModelPool(allow_pickle=config.allow_pickle, trust_remote_code=config.trust_remote_code,
                             max_connections=config.max_connections)
    store = CallCache() if config.cache and not isinstance(optimizer, Train) else None
    summarizer, describer, judge = (CachedModel(pool.get(spec), store) for spec in
                                    (config.summarizer, config.describer_spec, config.judge_spec))
    monitor = CrossExamDetector(CachedModel(pool.get(config.monitor), store)) if config.monitor else None
    verifier = gold_spec(config)
    gold = Gold(GoldModel(CachedModel(pool.get(verifier), store), config.gold_method) if verifier else None)
    return (summarizer, describer, Judge(judge, config.judge_defence)), monitor, gold


def run_paper(team: Team, paper: Paper) -> None:
    """One paper, start to end; a failure on it is an error event on it, and the run goes on."""
    try:
        summary, delegations = summarize(team, paper)
        proxies = [d.proxy for d in delegations if d.proxy is not None]
        team.transcript.emit(
            paper.id, "paper_done",
            rougeL=rouge(summary, paper.abstract)["rougeL"] if summary is not None else None,
            mean_proxy=sum(proxies) / len(proxies) if proxies else None,
            equations=len(delegations),
        )
    except (ModelError, ValueError, RuntimeError) as exc:
        team.transcript.emit(paper.id, "error", message=f"{type(exc).__name__}: {exc}")


class Experiment:
    """Inputs, the optimizer and every model are checked on construction, before any run directory exists,
    so a bad flag costs nothing; `run` then commits each event as it happens."""

    def __init__(self, config: RunConfig, pool: ModelPool | None = None) -> None:
        self.config = config
        self.papers = select_papers(config)
        self.optimizer = parse_optimizer(config.optimizer)
        self.actors: dict[str, ModelAPI] = {}  # with ray_model_actors: the local models' actors, by spec
        if config.executor == "ray":
            from harness.run.ray_executor import ActorModel, connect, start_model_actors
            connect(config.ray_address)
            if config.ray_model_actors:
                pool = pool or ModelPool(allow_pickle=config.allow_pickle, trust_remote_code=config.trust_remote_code,
                                         max_connections=config.max_connections)
                start_model_actors(config, pool)
                specs = [config.summarizer, config.describer_spec, config.judge_spec, config.monitor,
                         gold_spec(config)]
                self.actors = {s: pool.get(s) for s in specs if s and isinstance(pool.get(s), ActorModel)}
        self.models, self.monitor, self.gold = load_models(config, self.optimizer, pool)

    def roles(self) -> dict[str, ModelAPI]:
        summarizer, describer, judge = self.models
        roles = {"summarizer": summarizer, "describer": describer, "judge": judge.model}
        roles |= {"monitor": self.monitor.monitor} if self.monitor else {}
        return roles | ({"gold": self.gold.model.model} if self.gold.model else {})

    @property
    def spans_papers(self) -> bool:
        """A trust record or a trained adapter carries state from one paper to the next."""
        return self.config.trust or isinstance(self.optimizer, Train)

    @property
    def workers(self) -> int:
        """Papers run concurrently only against remote models, and only when no state crosses papers."""
        remote = any(m.details.get("backend") in REMOTE_BACKENDS for m in self.roles().values())
        return self.config.max_connections if remote and not self.spans_papers else 1

    def open_run(self) -> Transcript:
        """A new run directory and transcript, with the models event first."""
        run_id = new_run_id(self.config)
        transcript = Transcript.create(Path(self.config.runs) / run_id, run_id, self.config.model_dump())
        self.emit_models(transcript)
        return transcript

    def emit_models(self, transcript: Transcript) -> None:
        transcript.emit(None, "models", **{role: {"spec": m.spec, **m.details} for role, m in self.roles().items()})

    def chunks(self, papers: list[Paper]) -> list[list[Paper]]:
        """The Ray tasks of a run: one per paper, or one for all when state spans papers."""
        return [papers] if self.spans_papers and papers else [[p] for p in papers]

    def run(self, on_paper: Callable[[Paper], None] | None = None) -> Path:
        return self._run(self.open_run(), self.papers, on_paper)

    def resume(self, run_dir: Path, on_paper: Callable[[Paper], None] | None = None) -> Path:
        """Continue a killed or interrupted run: finished papers are kept, partial ones are redone."""
        if self.spans_papers:
            raise ConfigError("--resume does not support runs with trust or train(): their state spans papers")
        transcript = Transcript.open(run_dir)
        done = transcript.finished_papers()
        todo = [p for p in self.papers if p.id not in done]
        removed = transcript.discard_papers({p.id for p in todo})
        transcript.reopen()
        transcript.emit(None, "resume", finished=len(done), remaining=len(todo), discarded_events=removed)
        self.emit_models(transcript)
        return self._run(transcript, todo, on_paper)

    def _run(self, transcript: Transcript, papers: list[Paper], on_paper: Callable[[Paper], None] | None) -> Path:
        team = Team(self.config, *self.models, optimizer=self.optimizer, transcript=transcript, monitor=self.monitor,
                    gold=self.gold)

        def one(paper: Paper) -> None:
            run_paper(team, paper)
            if on_paper:
                on_paper(paper)

        ray = self.config.executor == "ray"
        try:
            with using_threads(None if ray else self.config.threads):  # on Ray each task sets its own
                if ray:
                    from harness.run.ray_executor import RayJob, run_on_ray
                    run_on_ray([RayJob(self.config, transcript, self.chunks(papers), on_paper, self.actors)])
                elif self.workers == 1:
                    for paper in papers:
                        one(paper)
                else:
                    with ThreadPoolExecutor(max_workers=self.workers) as pool:
                        list(pool.map(one, papers))
            transcript.finish("finished")
        except BaseException:
            transcript.finish("interrupted")
            raise
        finally:
            transcript.close()
        return transcript.run_dir


def run_on_ray_together(configs: list[RunConfig]) -> list[Path]:
    """Several runs (a sweep's points) as one pool of Ray tasks, so that points run at once as well as papers;
    the driver writes every run's transcript. Points with the same loading flags share the driver's weights."""
    from harness.run.ray_executor import RayJob, run_on_ray

    pools: dict[tuple, ModelPool] = {}
    experiments = []
    for c in configs:
        key = (c.allow_pickle, c.trust_remote_code, c.max_connections, c.threads)  # an actor computes at one count
        pool = pools.setdefault(key, ModelPool(allow_pickle=key[0], trust_remote_code=key[1], max_connections=key[2]))
        experiments.append(Experiment(c, pool))
    transcripts = [e.open_run() for e in experiments]
    try:
        run_on_ray([RayJob(e.config, t, e.chunks(e.papers), actors=e.actors)
                    for e, t in zip(experiments, transcripts, strict=True)])
        for t in transcripts:
            t.finish("finished")
    except BaseException:
        for t in transcripts:
            t.finish("interrupted")
        raise
    finally:
        for t in transcripts:
            t.close()
    return [t.run_dir for t in transcripts]


def run_experiment(config: RunConfig, on_paper: Callable[[Paper], None] | None = None) -> Path:
    return Experiment(config).run(on_paper)
