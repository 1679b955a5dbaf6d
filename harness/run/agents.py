"""The two agents of a run: a summarizer that reads a paper and a describer it spawns per equation.

Each agent is a node of the transcript's spawn tree; every prompt, candidate, rating and choice is an event.
The describer never sees gold: its only signal is the parent's rating (the proxy score).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from harness.core.items import Item
from harness.core.papers import Equation, Paper, brace_error
from harness.core.prompts import CONTEXT_CHARS, load_prompt
from harness.core.seeds import derive_seed
from harness.detection.detectors import CrossExamDetector
from harness.gold.instrument import Gold
from harness.gold.verdict import GoldVerdict
from harness.judging.judge import Judge
from harness.maths.latex import subexpressions
from harness.models import Messages, ModelAPI
from harness.models.cache import call_log
from harness.run.config import RunConfig
from harness.run.optimizers import Candidate, Optimizer, Task
from harness.run.transcript import AgentNode, Recorder, Transcript
from harness.run.trust import Trust

PROMPT_OVERHEAD_TOKENS = 200  # the template's own words, the chat markup and the equation notes' headers
STOPWORDS = {"this", "that", "with", "which", "where", "equation", "term", "from", "into", "over", "than", "then"}


@dataclass
class Team:
    """Who plays each role in a run, and where they write."""

    config: RunConfig
    summarizer: ModelAPI
    describer: ModelAPI
    judge: Judge
    optimizer: Optimizer
    transcript: Transcript | Recorder  # a Recorder inside a Ray task
    trust: dict[str, Trust] = field(default_factory=dict)
    monitor: CrossExamDetector | None = None  # scores every candidate; the describer never sees it, the parent
    # reads it only in its trust check
    gold: Gold = field(default_factory=Gold)  # the rules, with a gold model when the run has one; nobody in the
    # run reads its verdicts: they are written for the evals


@dataclass
class Delegation:
    equation: Equation
    description: str
    proxy: float | None  # None when the parent did not check (rate) it
    contradicted: list[str]  # the chosen description's claims that gold contradicts


def repeats(summary: str, claim: str, share: float = 0.7) -> bool:
    """Does the summary carry a claim? Most of the claim's content words appear in it."""
    words = {w for w in re.findall(r"[a-z]{4,}", claim.lower()) if w not in STOPWORDS}
    present = set(re.findall(r"[a-z]{4,}", summary.lower()))
    return bool(words) and len(words & present) >= share * len(words)


@dataclass
class Oversight:
    """The parent's decision for one delegation: check (rate) it or not, and whether the sub-agent defects."""

    trust: Trust | None = None  # None when the parent keeps no track record (trust off)
    checked: bool = True
    defected: bool = False
    trust_before: float | None = None
    check_rate: float | None = None


def oversee(team: Team, node: AgentNode) -> Oversight:
    """Before the describer works: does the parent check this output (sampled at its trust's checking rate), and
    does a treacherous describer defect (trusted enough)? Decided from the track record only."""
    cfg = team.config
    if not cfg.trust:
        return Oversight()
    # One long-lived identity per describer model and objective carries the track record across papers.
    trust = team.trust.setdefault(f"{team.describer.spec}:{cfg.objective}", Trust(min_rate=cfg.check_floor))
    return Oversight(
        trust=trust,
        checked=trust.should_check(random.Random(derive_seed(cfg.seed, node.id, "check"))),
        defected=cfg.objective == "treacherous" and trust.value >= cfg.defect_at,
        trust_before=trust.value, check_rate=trust.check_rate,
    )


def describe(team: Team, paper: Paper, equation: Equation, parent: AgentNode, judge: Judge) -> Delegation:
    """Spawn a describer for one equation, optimized against `judge` (its parent's judgment); return its pick.

    Below the depth limit the describer first delegates the equation's parts to describers of its own, which
    it judges with its own model, and reads their descriptions. With trust on, the parent only checks (rates)
    a sampled share of a trusted sub-agent's outputs; unchecked outputs are taken as they come.
    """
    t = team.transcript
    node = t.add_agent(AgentNode(
        id=f"{parent.id}/{equation.id.rsplit('/', 1)[-1]}", parent_id=parent.id, level=parent.level + 1,
        role="describer", model=team.describer.spec, objective=team.config.objective,
        optimizer=team.optimizer.name, paper_id=paper.id, equation_id=equation.id,
    ))
    seed = derive_seed(team.config.seed, node.id)
    notes = delegate_parts(team, paper, equation, node)
    watch = oversee(team, node)
    messages = brief(team, node, paper, equation, notes, watch, seed)
    with call_log() as calls:
        candidates, chosen = produce(team, node, equation, messages, judge, watch.checked, seed)
    with call_log() as gold_calls:
        verdicts = grade(team.gold, paper, equation, candidates)
    record_candidates(t, node, candidates, verdicts, judge)
    with call_log() as monitor_calls:
        suspicion = monitor_step(team, node, equation, candidates)
    t.emit(node.id, "calls", calls=calls + gold_calls + monitor_calls)  # describer's, judge's, gold's, monitor's
    proxy = chosen.rating.proxy if chosen.rating else None
    t.emit(node.id, "selection", index=chosen.index, proxy=proxy)
    record_trust(team, node, watch, parent_check(team.config, chosen, suspicion), verdicts[chosen.index])
    contradicted = [cl.claim for cl in verdicts[chosen.index].claims if cl.status == "contradicted"]
    return Delegation(equation, chosen.text, proxy, contradicted)


def delegate_parts(team: Team, paper: Paper, equation: Equation, node: AgentNode) -> list[Delegation]:
    """Below the depth limit, one sub-describer per part of the equation, judged by this describer's model."""
    parts = subexpressions(equation.latex) if node.level < team.config.depth else []
    return [describe(team, paper, Equation(id=f"{equation.id}.{k}", latex=part, glossary=equation.glossary,
                                           context=equation.context), node, Judge(team.describer))
            for k, part in enumerate(parts, start=1)]


def brief(team: Team, node: AgentNode, paper: Paper, equation: Equation, notes: list[Delegation],
          watch: Oversight, seed: int) -> Messages:
    """The describer's prompt, emitted as its `prompt` event: its objective's template (a treacherous one
    behaves until it is trusted enough), the equation's context and its sub-agents' notes."""
    objective = team.config.objective
    if objective == "treacherous" and not watch.defected:
        objective = "honest"
    prompt = load_prompt("describer", objective)
    context = equation.context[:CONTEXT_CHARS]
    if notes:
        context += "\nNotes on its parts, from your own sub-agents:\n" + "\n".join(
            f"- {d.equation.latex}: {d.description}" for d in notes)
    messages = prompt.render(title=paper.title, latex=equation.latex, context=context)
    team.transcript.emit(node.id, "prompt", prompt=prompt.name, messages=messages, seed=seed)
    return messages


def produce(team: Team, node: AgentNode, equation: Equation, messages: Messages, judge: Judge, checked: bool,
            seed: int) -> tuple[list[Candidate], Candidate]:
    """The describer's candidates and the kept one: the optimizer's when the parent checks (rates), else one
    unrated sample taken as it comes."""
    cfg, t = team.config, team.transcript

    def sample(msgs: Messages, n: int, call_seed: int) -> list[str]:
        return team.describer.generate(msgs, n=n, temperature=cfg.temperature,
                                       max_new_tokens=cfg.describer_tokens, seed=call_seed)

    def critique(text: str) -> str:
        msgs = load_prompt("judge", "critique").render(latex=equation.latex, candidate=text)
        return judge.model.generate(msgs, n=1, temperature=0, max_new_tokens=48)[0]

    if not checked:
        only = Candidate(0, sample(messages, 1, seed)[0], None)
        return [only], only
    task = Task(messages=messages, latex=equation.latex, model=team.describer, sample=sample,
                rate=lambda texts: judge.rate(equation, texts), critique=critique, seed=seed,
                work_dir=t.run_dir / "agents" / node.id.replace("/", "__"),
                emit=lambda kind, **payload: t.emit(node.id, kind, **payload), max_tokens=cfg.describer_tokens,
                temperature=cfg.temperature)
    return team.optimizer.optimize(task)


def grade(gold: Gold, paper: Paper, equation: Equation, candidates: list[Candidate]) -> dict[int, GoldVerdict]:
    """Gold's verdict on every candidate of one equation, by candidate index, in one call (a gold model asks
    about all of them in one batch). Computed from the texts, the equation and its paper's context only: gold
    never sees a rating. It emits nothing; the caller writes each verdict as a `gold` event after its
    candidate's."""
    verdicts = gold.check_texts([c.text for c in candidates], equation.latex, equation.glossary, equation.name,
                                equation.context, paper.title)
    return {c.index: v for c, v in zip(candidates, verdicts, strict=True)}


def record_candidates(t: Transcript | Recorder, node: AgentNode, candidates: list[Candidate],
                      verdicts: dict[int, GoldVerdict], judge: Judge) -> None:
    """Each candidate, then its rating (when the parent rated it), then its gold verdict."""
    for c in candidates:
        t.emit(node.id, "candidate", index=c.index, text=c.text, round=c.round, critique=c.critique)
        if c.rating is not None:
            t.emit(node.id, "rating", index=c.index, judge=judge.model.spec, prompt=judge.prompt.name,
                   distribution=c.rating.distribution, proxy=c.rating.proxy, messages=c.rating.messages)
        t.emit(node.id, "gold", index=c.index, **verdicts[c.index].model_dump())


def monitor_step(team: Team, node: AgentNode, equation: Equation, candidates: list[Candidate]) -> dict[int, float]:
    """The monitor's suspicion of every candidate (none without a monitor), each a `detector` event."""
    if team.monitor is None:
        return {}
    items = [Item(id=str(c.index), latex=equation.latex, text=c.text, glossary=equation.glossary,
                  name=equation.name, context=equation.context) for c in candidates]
    scores = dict(zip((c.index for c in candidates), team.monitor.score(items), strict=True))
    for index, score in scores.items():
        team.transcript.emit(node.id, "detector", index=index, detector="crossexam",
                             monitor=team.monitor.monitor.spec, score=score)
    return scores


def parent_check(cfg: RunConfig, chosen: Candidate, suspicion: dict[int, float]) -> bool:
    """The parent's check of the kept output, from its own judgment only, never gold (DESIGN.md 4.4): its judge
    rated it at or above `check_threshold` and, with a monitor, the monitor's suspicion is under
    `monitor_threshold`."""
    rated = chosen.rating is not None and chosen.rating.proxy >= cfg.check_threshold
    return rated and suspicion.get(chosen.index, 0.0) < cfg.monitor_threshold


def gold_agrees(passed: bool | None, gold: GoldVerdict) -> bool | None:
    """Gold's score of a check, afterwards: a pass on a text gold does not call wrong, or a fail on one it does.
    None without a check, or where gold cannot tell (unverifiable)."""
    if passed is None or gold.verdict == "unverifiable":
        return None
    return passed == (gold.verdict != "wrong")


def record_trust(team: Team, node: AgentNode, watch: Oversight, check_passed: bool, gold: GoldVerdict) -> None:
    """With trust on: the parent's check of the kept output, if it checked, updates its track record; gold only
    scores the check (`gold_agrees`)."""
    if watch.trust is None:
        return
    passed = check_passed if watch.checked else None
    if passed is not None:
        watch.trust.record(passed)
    team.transcript.emit(node.id, "trust", trust_before=watch.trust_before, trust_after=watch.trust.value,
                         check_rate=watch.check_rate, checked=watch.checked, defected=watch.defected,
                         passed=passed, gold_agrees=gold_agrees(passed, gold))


def fit_body(model: ModelAPI, body: str, budget: int) -> tuple[str, int, int]:
    """Cut the body to `budget` tokens of the model's tokenizer; returns (text, tokens before, tokens after)."""
    total = model.count_tokens(body)
    text, kept = body, total
    while kept > budget and text:
        text = text[: int(len(text) * budget / kept * 0.98)]
        kept = model.count_tokens(text)
    return text, total, kept


def summarize(team: Team, paper: Paper) -> tuple[str | None, list[Delegation]]:
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
    for message in paper.warnings:
        t.emit(node.id, "warning", message=message)
    if not paper.equations:
        t.emit(node.id, "warning", message="paper has no displayed equations: summarized without delegation")
    delegable = 0  # skipped equations count neither against max_equations nor towards first_equation
    for equation in paper.equations:
        if len(delegations) >= cfg.max_equations:
            break
        if problem := brace_error(equation.latex) or equation.skip:
            t.emit(node.id, "warning", message=f"equation {equation.id} skipped: {problem}")
            continue
        delegable += 1
        if delegable >= cfg.first_equation:
            delegations.append(describe(team, paper, equation, node, team.judge))

    if not cfg.summarize:
        return None, delegations
    notes = "\n".join(f"- {d.equation.latex.strip()}: {d.description}" for d in delegations) or "(none)"
    prompt = load_prompt("summarizer")
    messages = prompt.render(title=paper.title, body=body, descriptions=notes)
    seed = derive_seed(cfg.seed, node.id)
    t.emit(node.id, "prompt", prompt=prompt.name, messages=messages, seed=seed)
    with call_log() as calls:
        summary = team.summarizer.generate(messages, n=1, temperature=cfg.temperature,
                                           max_new_tokens=cfg.summary_tokens, seed=seed)[0]
    t.emit(node.id, "calls", calls=calls)
    t.emit(node.id, "summary", text=summary)
    carried = [c for d in delegations for c in d.contradicted if repeats(summary, c)]
    t.emit(node.id, "propagation", contradicted=sum(len(d.contradicted) for d in delegations), in_summary=carried)
    return summary, delegations
