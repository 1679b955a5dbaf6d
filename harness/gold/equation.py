"""The equation as gold checking (gold.verdict) sees it: its facts, symbol bases, relations, layout and glossary, and
the look-ups that checks of every kind share: the symbols a mention names, the symbol a phrase points at, the power
a symbol enters with."""

from __future__ import annotations

import re
from typing import Literal

from harness.gold.layout import flat, layout, mentioned, relations_in, terms
from harness.gold.meanings import Glossary
from harness.gold.operation_claims import OPERATIONS
from harness.gold.symbols import SYM, SYMBOL_SHAPE, base_of, canon, forms
from harness.maths.latex import EquationFacts
from harness.maths.relations import FAMILY
from harness.maths.tables import NAMED_BIG

Status = Literal["supported", "contradicted", "doubtful", "unverifiable"]
Result = tuple[Status, str]


def hint(evidence: str) -> Result:
    """A finding that points at an error without proving one: `doubtful`, with its evidence, so that `wrong` stays
    a proven contradiction; with the rules alone a doubted text is never `ok` (verdict.verdict, verdict.score).
    Hints are: an operation or exponent the text names that the equation lacks, and a symbol that only the maths
    the text writes (or a term it names in a sign claim) brings in (a text may name the operations of its
    context: the integral that normalizes a wave function); a meaning that fits another symbol's glossary entry
    better, or has the opposite word or another kind of quantity than the glossary's; another name for the
    equation. On the Qwen outputs of the development sets (README, "How far gold can be trusted") texts flagged
    by these were wrong about as often as the base rate, those flagged by the structural findings (relation,
    sign, exponent of a symbol present, side, a symbol said to be in the equation that it lacks) far more often."""
    return "doubtful", evidence


class Equation:
    """What checking needs about one equation: its facts, symbol bases, relations, layout and glossary."""

    def __init__(self, latex: str, facts: EquationFacts, glossary: dict[str, str], name: str | None) -> None:
        self.latex, self.facts, self.name, self.layout = latex, facts, name, layout(latex)
        self.glossary = Glossary(glossary)
        self.rhs = {base_of(s) for s in facts.rhs_symbols}
        left = f" {flat(facts.lhs)} "  # \\mathrm{SNR}(f): SNR is a glossary symbol of the left side too
        self.lhs = {base_of(s) for s in facts.lhs_symbols} | {base_of(k) for k in glossary if f" {flat(k)} " in left}
        self.bases = (
            {base_of(s) for s in facts.symbols + facts.base_symbols + facts.lhs_symbols}
            | self.rhs
            | {forms(k)[3] for k, _, _ in self.glossary.entries}
            | set(self.layout)
            | ({"e"} if re.search(OPERATIONS["exp"][2], latex) else set())  # \\exp(x) is e^x
        )
        self.inner = re.sub(r"[_^]\{[^{}]*\}", "", latex)  # the i=1 of a sum's limits is no relation, t+1 no sum
        self.relations = {FAMILY.get(facts.relation or "")} | relations_in(self.inner)

        # a differential equation or a recurrence: "decays exponentially" is about its solution, not its LaTeX
        call = re.fullmatch(
            r"\s*([A-Za-z])\s*(?:\\left)?\(\s*([A-Za-z])\s*(?:\\right)?\)\s*", facts.lhs
        )  # C(n) = C(n - 1) + n
        recurrence = bool(call) and re.search(rf"(?<![A-Za-z\\]){call[1]}\s*(?:\\left)?\(", facts.rhs) is not None
        step = re.search(r"_\{?\s*([a-z])\s*\}?", facts.lhs)  # m_t = beta m_{t-1} + ...: a step-by-step recurrence
        recurrence = recurrence or bool(step) and re.search(rf"_\{{\s*{step[1]}\s*-\s*1\s*\}}", facts.rhs) is not None
        self.implicit = recurrence or bool({"derivative", "partial_derivative"} & set(facts.operators))

    def has(self, key: str) -> bool:
        return forms(key)[3] in self.bases

    def sides(self) -> list[str]:
        """The sides a description of the terms is about: the right one when the left is one term (y = ...)."""
        return [self.facts.rhs] if len(terms(self.facts.lhs)) <= 1 else [self.facts.lhs, self.facts.rhs]


def named_symbols(mention: str, eq: Equation) -> frozenset[str]:
    """The equation's symbols (and big operators) that a mention names: '$T - T_a$' -> {T}, 'a b times $\\gamma$'
    -> {a, b, gamma}, 'f(b)' -> {f, b}."""
    named = {NAMED_BIG[word] for word in ("sum", "integral") if re.match(rf"\s*{word}\b", mention)}
    for m in re.finditer(SYM, mention):
        math = m[0].strip("$")
        named |= mentioned(math) if m[0].startswith("$") or "(" in math or "\\" in math else {base_of(math)}
    return frozenset(b for b in named if b in eq.bases or b.startswith("\\"))


def power_fits(key: str, claimed: str, eq: Equation) -> Result | None:
    """Whether a symbol enters with the claimed power (1/2 under a square root); None when its power is no number."""
    got = {e.lstrip("-") for e in eq.layout.get(forms(key)[3], (frozenset(), frozenset()))[0]}
    if not all(re.fullmatch(r"\d+(?:/\d+)?", e) for e in got):
        return None
    if claimed in (got or {"1"}):
        return "supported", f"{key} enters with power {claimed}"
    return "contradicted", f"{key} enters with power {', '.join(sorted(got or {'1'}))}, not {claimed}"


_FUNCTION_OF = (
    r"^(?:(?:the|an?|its|their)\s+)?(?:(?:square root|square|cube|inverse|reciprocal|sum|product|logarithm|log"
    r"|exponential|sine|cosine|absolute value|norm)\s+of\s+)*(?:(?:the|an?|its|their)\s+)?"
)
_PHRASE_END = r"(?=\s*$|\s+(?:of|in|on|at|from|for|with|to|between|the|that|which|as|when)\b)"


_AFTER_WORD = "".join(rf"(?<!\b{w})" for w in ("of", "in", "on", "at", "to", "by", "for", "from", "with", "over"))
# where a noun phrase ends and a relative clause starts: "the time it took", "the distance the cart rolls"
_RELATIVE = rf"\b(?:it|they|we|you|which|that|who|whose)\b|{_AFTER_WORD}\s+(?:the|an?)\s"


def target_symbol(phrase: str, eq: Equation) -> str | None:
    """The symbol a phrase points at: 'the particle mass m' -> 'm', 'the square of the radius r of the orbit'
    -> 'r', 'the temperature' -> 'T' via the glossary."""
    phrase = re.sub(_FUNCTION_OF, "", re.split(_RELATIVE, phrase.strip())[0].strip())
    phrase = re.sub(r"\s+(?:raised\s+)?to the\s+(?:power|\w+ power)\b.*$", "", phrase)  # "the load to the power k"
    m = re.match(rf"(?:[\w'’-]+\s+){{0,5}}?(?P<sym>{SYM}){_PHRASE_END}", phrase)
    if m and (m["sym"].startswith(("$", "\\")) or m["sym"] not in ("a", "A", "I") or eq.has(m["sym"])):
        key = canon(m["sym"])
    else:
        key = eq.glossary.resolve(phrase)
    return key if key and SYMBOL_SHAPE.fullmatch(key) else None
