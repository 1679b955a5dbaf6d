"""A run: papers -> summarizer -> describers -> models, every step written to the run's transcript."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from harness.agents import Team, summarize
from harness.config import RunConfig
from harness.judge import Judge
from harness.metrics import rouge
from harness.models import ModelError, ModelPool
from harness.optimizers import parse_optimizer
from harness.papers import Paper, load_papers
from harness.resources import demo_corpus
from harness.transcript import Transcript


def select_papers(config: RunConfig) -> list[Paper]:
    papers = load_papers(config.data or demo_corpus())
    return papers[: config.papers] if config.papers else papers


def new_run_id(config: RunConfig) -> str:
    digest = hashlib.sha1(json.dumps(config.model_dump(), sort_keys=True).encode()).hexdigest()[:6]
    return f"{datetime.now():%Y%m%d-%H%M%S}-{digest}-{secrets.token_hex(2)}"


class Experiment:
    """Inputs, the optimizer and every model are checked on construction, before any run directory exists,
    so a bad flag costs nothing; `run` then commits each event as it happens."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.papers = select_papers(config)
        self.optimizer = parse_optimizer(config.optimizer)
        pool = ModelPool(allow_pickle=config.allow_pickle, trust_remote_code=config.trust_remote_code)
        self.models = (pool.get(config.summarizer), pool.get(config.describer_spec), Judge(pool.get(config.judge_spec)))

    def run(self, on_paper: Callable[[Paper], None] | None = None) -> Path:
        """Run every paper; a failure on one paper is an error event on it, and the run goes on."""
        run_id = new_run_id(self.config)
        run_dir = Path(self.config.runs) / run_id
        transcript = Transcript.create(run_dir, run_id, self.config.model_dump())
        team = Team(self.config, *self.models, optimizer=self.optimizer, transcript=transcript)
        roles = {"summarizer": team.summarizer, "describer": team.describer, "judge": team.judge.model}
        transcript.emit(None, "models", **{role: {"spec": m.spec, **m.details} for role, m in roles.items()})
        try:
            for paper in self.papers:
                try:
                    summary, delegations = summarize(team, paper)
                    proxies = [d.proxy for d in delegations if d.proxy is not None]
                    transcript.emit(
                        paper.id, "paper_done",
                        rougeL=rouge(summary, paper.abstract)["rougeL"] if summary is not None else None,
                        mean_proxy=sum(proxies) / len(proxies) if proxies else None,
                        equations=len(delegations),
                    )
                except (ModelError, ValueError, RuntimeError) as exc:
                    transcript.emit(paper.id, "error", message=f"{type(exc).__name__}: {exc}")
                if on_paper:
                    on_paper(paper)
            transcript.finish("finished")
        except BaseException:
            transcript.finish("interrupted")
            raise
        finally:
            transcript.close()
        return run_dir


def run_experiment(config: RunConfig, on_paper: Callable[[Paper], None] | None = None) -> Path:
    return Experiment(config).run(on_paper)
