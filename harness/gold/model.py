"""The gold model layer: a verifier model asked, statement by statement, whether a description's claims are true
of the equation, where the rules (gold.verdict) cannot decide.

A description is cut into its statements (sentences, with inline maths kept whole), in the spirit of FActScore's
atomic facts. Each statement is put to the model with the equation and the paper's context; the model's next-token
probabilities over "True"/"False" give P(False). The description's model score is the largest P(False) of its
statements: one false statement makes a description wrong. The model never sees a judge's rating, a proxy or the
rules' verdict.

Methods (`METHODS`), compared on the development part of the real labeled set (`python -m harness.gold.measure`):
- `whole`: one question for the whole description;
- `statements`: one question per statement;
- `facts`: per statement, with the structural facts the LaTeX parser found in the prompt;
- `reference`: per statement, with the model's own description of the equation, written first (greedy, once per
  equation) without seeing the text under check;
- `reasoned`: per statement, the model first writes a short check (greedy, bounded tokens), then answers.
Every method asks all the statements of all the descriptions of one equation in one batched call, so a backend
that shares a prompt prefix (transformers' rating batches, llama.cpp's KV cache) reads the equation once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.prompts import load_prompt
from harness.gold.claims import statements
from harness.maths.latex import equation_facts
from harness.models import Messages, ModelAPI, generate_batch

METHODS = ("whole", "statements", "facts", "reference", "reasoned")
ANSWERS = ("True", "False")
CONTEXT_CHARS = 700
REFERENCE_TOKENS = 96  # the model's own description of an equation (`reference`)
CHECK_TOKENS = 48  # the short written check before each answer (`reasoned`)


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


@dataclass
class Row:
    """One description to check and what the verifier may read besides it."""

    text: str
    latex: str
    context: str = ""
    title: str = ""


class GoldModel:
    """Asks `model` about every statement of a batch of descriptions: one rating call per equation."""

    def __init__(self, model: ModelAPI, method: str = "statements") -> None:
        if method not in METHODS:
            raise ValueError(f"unknown gold model method {method!r}; valid: {', '.join(METHODS)}")
        self.model, self.method = model, method
        self.prompt = load_prompt("gold", "whole" if method == "whole" else "statement")
        self._references: dict[tuple[str, str], str] = {}

    @property
    def name(self) -> str:
        return f"model:{self.model.spec}:{self.method}"

    def check(self, text: str, latex: str, context: str = "", title: str = "") -> ModelCheck:
        return self.check_many([Row(text, latex, context, title)])[0]

    def check_many(self, rows: Sequence[Row]) -> list[ModelCheck]:
        """Every row's check, in order; rows of one equation share one call to the model."""
        by_equation: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            by_equation[r.latex].append(i)
        out: list[ModelCheck | None] = [None] * len(rows)
        for indices in by_equation.values():
            for i, check in zip(indices, self._check_equation([rows[i] for i in indices]), strict=True):
                out[i] = check
        return out  # type: ignore[return-value]

    def _check_equation(self, rows: list[Row]) -> list[ModelCheck]:
        parts = [[r.text.strip()] if self.method == "whole" else statements(r.text) for r in rows]
        asked = [(r, p) for r, ps in zip(rows, parts, strict=True) for p in ps]
        probs = iter(self._p_false(asked)) if asked else iter(())
        out = []
        for ps in parts:
            found = [Statement(p, next(probs)) for p in ps]
            score = max((s.p_false for s in found), default=math.nan)
            out.append(ModelCheck(score, found, self.method, self.model.spec))
        return out

    def _p_false(self, asked: list[tuple[Row, str]]) -> list[float]:
        conversations = [self._conversation(r, statement) for r, statement in asked]
        if self.method == "reasoned":
            conversations = self._reasoned(conversations)
        return [q[1] for q in self.model.rate(conversations, ANSWERS)]

    def _conversation(self, row: Row, statement: str) -> Messages:
        return self.prompt.render(latex=row.latex, context=(row.context or "")[:CONTEXT_CHARS],
                                  title=row.title or "", notes=self._notes(row), statement=statement)

    def _notes(self, row: Row) -> str:
        """What the verifier reads between the context and the statement: nothing, the parser's facts, or its own
        description of the equation."""
        if self.method == "facts":
            facts = parser_facts(row.latex)
            return f"What the LaTeX shows:\n{facts}\n" if facts else ""
        if self.method == "reference":
            return f"Your own description of the equation, written before reading the statement:\n" \
                   f"{self._reference(row)}\n"
        return ""

    def _reference(self, row: Row) -> str:
        """The model's own description of the equation (greedy), written once per equation and context."""
        key = (row.latex, row.context)
        if key not in self._references:
            messages = load_prompt("gold", "reference").render(
                latex=row.latex, context=(row.context or "")[:CONTEXT_CHARS], title=row.title or "")
            self._references[key] = generate_batch(self.model, [messages], n=1, temperature=0,
                                                   max_new_tokens=REFERENCE_TOKENS)[0][0].strip()
        return self._references[key]

    def _reasoned(self, conversations: list[Messages]) -> list[Messages]:
        """Each question gets a short written check first (greedy, all decoded in one batched call), then the
        True/False answer is read with the check in view."""
        think, answer = load_prompt("gold", "think"), load_prompt("gold", "answer")
        asked = [think.render(question=c[-1]["content"], system=c[0]["content"]) for c in conversations]
        checks = generate_batch(self.model, asked, n=1, temperature=0, max_new_tokens=CHECK_TOKENS)
        follow = {"role": "user", "content": answer.user}
        return [[*a, {"role": "assistant", "content": c[0].strip()}, follow]
                for a, c in zip(asked, checks, strict=True)]
