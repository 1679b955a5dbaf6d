"""The two agents of a run: a summarizer that reads a paper and a describer it spawns per equation.

Each agent is a node of the transcript's spawn tree; every prompt, candidate, rating and choice is an event.
The describer never sees gold: its only signal is the parent's rating (the proxy score).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from harness.config import RunConfig
from harness.judge import Judge
from harness.models import ModelAPI
from harness.optimizers import BestOfN
from harness.papers import Equation, Paper, brace_error
from harness.prompts import load_prompt
from harness.transcript import AgentNode, Transcript

PROMPT_OVERHEAD_TOKENS = 200  # the template's own words, the chat markup and the equation notes' headers
CONTEXT_CHARS = 600


def derive_seed(seed: int, *parts: str) -> int:
    """A per-call seed that depends only on the run seed and the call's place in the tree."""
    return zlib.crc32("/".join([str(seed), *parts]).encode()) & 0x7FFFFFFF


@dataclass
class Team:
    """Who plays each role in a run, and where they write."""

    config: RunConfig
    summarizer: ModelAPI
    describer: ModelAPI
    judge: Judge
    optimizer: BestOfN
    transcript: Transcript


@dataclass
class Delegation:
    equation: Equation
    description: str
    proxy: float


def describe(team: Team, paper: Paper, equation: Equation, parent: AgentNode) -> Delegation:
    """Spawn a describer for one equation, apply the optimizer against the parent's judge, return the pick."""
    cfg, t = team.config, team.transcript
    node = t.add_agent(AgentNode(
        id=f"{parent.id}/{equation.id.rsplit('/', 1)[-1]}", parent_id=parent.id, level=parent.level + 1,
        role="describer", model=team.describer.spec, objective=cfg.objective, optimizer=team.optimizer.name,
        paper_id=paper.id, equation_id=equation.id,
    ))
    prompt = load_prompt("describer", cfg.objective)
    messages = prompt.render(title=paper.title, latex=equation.latex, context=equation.context[:CONTEXT_CHARS])
    seed = derive_seed(cfg.seed, node.id)
    t.emit(node.id, "prompt", prompt=prompt.name, messages=messages, seed=seed)

    def sample(n: int) -> list[str]:
        return team.describer.generate(messages, n=n, temperature=cfg.temperature,
                                       max_new_tokens=cfg.describer_tokens, seed=seed)

    candidates, chosen = team.optimizer.optimize(sample, lambda texts: team.judge.rate(equation, texts))
    for c in candidates:
        t.emit(node.id, "candidate", index=c.index, text=c.text)
        t.emit(node.id, "rating", index=c.index, judge=team.judge.model.spec, prompt=team.judge.prompt.name,
               distribution=c.rating.distribution, proxy=c.rating.proxy)
    t.emit(node.id, "selection", index=chosen.index, proxy=chosen.rating.proxy)
    return Delegation(equation, chosen.text, chosen.rating.proxy)


def fit_body(model: ModelAPI, body: str, budget: int) -> tuple[str, int, int]:
    """Cut the body to `budget` tokens of the model's tokenizer; returns (text, tokens before, tokens after)."""
    total = model.count_tokens(body)
    text, kept = body, total
    while kept > budget and text:
        text = text[: int(len(text) * budget / kept * 0.98)]
        kept = model.count_tokens(text)
    return text, total, kept


def summarize(team: Team, paper: Paper) -> tuple[str, list[Delegation]]:
    """Read the paper (truncated to the context window), delegate its equations, write the abstract."""
    cfg, t = team.config, team.transcript
    node = t.add_agent(AgentNode(
        id=paper.id, parent_id=None, level=1, role="summarizer", model=team.summarizer.spec,
        objective="default", paper_id=paper.id,
    ))
    window = min(team.summarizer.context_window, cfg.context_tokens)
    budget = window - cfg.summary_tokens - PROMPT_OVERHEAD_TOKENS - cfg.max_equations * cfg.describer_tokens
    body, before, after = fit_body(team.summarizer, paper.body, max(budget, 0))
    t.emit(node.id, "truncation", window=window, body_tokens=before, kept_tokens=after, truncated=after < before)

    delegations: list[Delegation] = []
    if not paper.equations:
        t.emit(node.id, "warning", message="paper has no displayed equations: summarized without delegation")
    for equation in [e for e in paper.equations if not e.is_diagram][: cfg.max_equations]:
        if problem := brace_error(equation.latex):
            t.emit(node.id, "warning", message=f"equation {equation.id} skipped: {problem}")
            continue
        delegations.append(describe(team, paper, equation, node))

    notes = "\n".join(f"- {d.equation.latex.strip()}: {d.description}" for d in delegations) or "(none)"
    prompt = load_prompt("summarizer")
    messages = prompt.render(title=paper.title, body=body, descriptions=notes)
    seed = derive_seed(cfg.seed, node.id)
    t.emit(node.id, "prompt", prompt=prompt.name, messages=messages, seed=seed)
    summary = team.summarizer.generate(messages, n=1, temperature=cfg.temperature,
                                       max_new_tokens=cfg.summary_tokens, seed=seed)[0]
    t.emit(node.id, "summary", text=summary)
    return summary, delegations
