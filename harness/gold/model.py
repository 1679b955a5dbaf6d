"""The gold model layer: a verifier model asked, statement by statement, whether a description's claims are true
of the equation, where the rules (gold.verdict) cannot decide.

A description is cut into its statements (sentences, with inline maths kept whole), in the spirit of FActScore's
atomic facts. Each statement is put to the model with the equation, the paper's context and, by choice, the
structural facts the LaTeX parser found; the model's next-token probabilities over "True"/"False" give
P(False). The description's model score is the largest P(False) of its statements: one false statement makes a
description wrong. The model never sees a judge's rating, a proxy or the rules' verdict.

Methods (`METHODS`), compared on the development part of the real labeled set (bench/bench_gold_model.py):
`whole` asks once whether the whole description is correct; `statements` asks per statement; `facts` asks per
statement with the parser's facts in the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.prompts import load_prompt
from harness.gold.claims import statements
from harness.maths.latex import equation_facts
from harness.models import ModelAPI

METHODS = ("whole", "statements", "facts")
ANSWERS = ("True", "False")
CONTEXT_CHARS = 700


def parser_facts(latex: str) -> str:
    """What the LaTeX parser can state for certain about the equation, in words, for the `facts` method."""
    f = equation_facts(latex)
    if not f.parsed:
        return ""
    lines = []
    if f.relation:
        lines.append(f"relation: {f.relation} (left side ${f.lhs}$, right side ${f.rhs}$)")
    if f.symbols:
        lines.append("symbols: " + ", ".join(f.symbols))
    if f.operators:
        lines.append("operations: " + ", ".join(f.operators))
    if f.exponents:
        lines.append("exponents: " + ", ".join(f.exponents))
    return "\n".join(lines)


@dataclass
class Statement:
    text: str
    p_false: float


@dataclass
class ModelCheck:
    score: float  # P(False) of the description: the largest over its statements (nan when it states nothing)
    statements: list[Statement]
    method: str
    model: str


class GoldModel:
    """Asks `model` about each statement; one `rate` call per description, so a backend that keeps the KV cache
    (llama.cpp) evaluates the shared prefix (equation, context, facts) once."""

    def __init__(self, model: ModelAPI, method: str = "statements") -> None:
        if method not in METHODS:
            raise ValueError(f"unknown gold model method {method!r}; valid: {', '.join(METHODS)}")
        self.model, self.method = model, method
        self.prompt = load_prompt("gold", "whole" if method == "whole" else "statement")

    def _conversation(self, latex: str, context: str, title: str, statement: str) -> list[dict]:
        facts = parser_facts(latex) if self.method == "facts" else ""
        return self.prompt.render(latex=latex, context=(context or "")[:CONTEXT_CHARS], title=title or "",
                                  facts=f"What the LaTeX shows:\n{facts}\n" if facts else "", statement=statement)

    def check(self, text: str, latex: str, context: str = "", title: str = "") -> ModelCheck:
        parts = [text.strip()] if self.method == "whole" else statements(text)
        if not parts:
            return ModelCheck(float("nan"), [], self.method, self.model.spec)
        probs = self.model.rate([self._conversation(latex, context, title, p) for p in parts], ANSWERS)
        found = [Statement(p, q[1]) for p, q in zip(parts, probs, strict=True)]
        return ModelCheck(max(s.p_false for s in found), found, self.method, self.model.spec)

    def check_many(self, rows: Sequence[dict]) -> list[ModelCheck]:
        return [self.check(r.get("text") or "", r["latex"], r.get("context") or "", r.get("title") or "")
                for r in rows]
