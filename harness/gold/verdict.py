"""Gold verification: the claims a free-text description makes about an equation (gold.claims), each checked
against the equation's real structure (maths.latex) and its glossary (gold.meanings), and the verdict. Gold
never sees a model's rating (DESIGN.md section 2).

Checking says "contradicted" only where the equation's structure decides (a relation, a sign, the exponent of a
symbol it has, a symbol said to be in it that it lacks, a bound claimed for an equality) and "unverifiable" where
it cannot tell; a finding that points at an error without proving one is "doubtful" (gold.equation.hint).

The checks live by claim kind (gold.symbol_checks, gold_operations, gold_relations, over gold.equation);
this module checks names, applies the rule that needs the whole text (a cited name) and gives the verdict.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel

from harness.core.papers import glossary_from_text
from harness.gold.claims import NAME_ALIASES, NAME_GENERIC, ClaimKind, extract_claims, statements
from harness.gold.equation import Equation, Result, Status, hint
from harness.gold.meanings import embed, tokens
from harness.gold.operation_checks import check_operation
from harness.gold.relation_checks import check_dependency, check_relation
from harness.gold.symbol_checks import check_symbol
from harness.maths.latex import EquationFacts, equation_facts


class Claim(BaseModel):
    claim: str
    kind: ClaimKind
    status: Status
    evidence: str


class ModelStatement(BaseModel):
    statement: str
    p_false: float  # the gold model's P(False) for this statement


# The version of gold's meanings: bump it with any change that alters verdicts or the score scale (the rules, their
# vocabulary, and for rules+model also prompts/gold and gold.instrument's thresholds), then re-measure the
# calibration (gold.measure --write-calibration). Gold events record it, so a report never applies figures
# measured on one version to verdicts of another (events written before versions had none).
CHECKER = "2026-12-06"


class GoldVerdict(BaseModel):
    verdict: Literal["ok", "wrong", "unverifiable"]
    gold_score: float  # in [0, 1], see score() (and gold.instrument for the rules with a model)
    claims: list[Claim]  # the rules' claims, each with its evidence
    instrument: str = "rules"  # or "rules+model:SPEC:METHOD" (gold.instrument)
    model_score: float | None = None  # the gold model's P(False) of the text: the largest over its statements
    statements: list[ModelStatement] = []  # what the gold model was asked, each with its P(False)
    checker: str = CHECKER  # the rules' version that gave this verdict


_facts = functools.lru_cache(maxsize=1024)(equation_facts)


def _name_words(name: str) -> set[str]:
    name = re.sub(r"\b[A-Z][a-z]+\s+(?=[A-Z][\w-]*['’]s?\s)", "", name)  # "George Zipf's law" is Zipf's
    text = re.sub(r"['’]s?\b", "", name.lower())
    for alias, full in NAME_ALIASES.items():
        text = re.sub(rf"\b{alias}\b", full, text)
    return set(tokens(text)) - NAME_GENERIC


def _check_name(p: dict, eq: Equation) -> Result:
    """Same name if one's distinctive words contain the other's: 'Bayes' rule' = 'Bayes theorem' ~ 'Bayes's law'.
    A part in brackets may be another name or a qualifier: 'Union bound (Boole's inequality)', '... (definition)'."""
    if not eq.name:
        return "unverifiable", "the equation's name is not known"
    claimed = _name_words(p["name"])
    if not claimed:
        return "unverifiable", "the name is too generic to check"
    names = {eq.name, re.sub(r"\([^()]*\)", "", eq.name), *re.findall(r"\(([^()]*)\)", eq.name)}
    if any(claimed <= real or (real and real <= claimed) for real in map(_name_words, names)):
        return "supported", f"the equation is {eq.name}"
    return hint(f"the equation is {eq.name}, not {p['name']}")


CHECKS = {
    "symbol": check_symbol,
    "operation": check_operation,
    "relation": check_relation,
    "name": _check_name,
    "dependency": check_dependency,
}


def _cited(p: dict, result: Result, named: bool) -> Result:
    """Another name cites a related result ("Ohm's law in another guise", "the idea behind every lever") rather
    than naming this one once the text has named the equation rightly; so does a bare name ("Newton's second law is
    about its rate of change") after the first sentence or clause (descriptions name their equation first)."""
    if result[0] == "doubtful" and (named or p.get("bare") and p.get("later")):
        return "unverifiable", f"{p['name']} is cited beside the equation"
    return result


def score(claims: list[Claim]) -> float:
    """Gold score in [0, 1]: below 0.5 exactly when the verdict is `wrong`; a doubted text (a hint of an error, no
    proof) in [0.5, 0.6), below every undoubted one; above that, more supported claims score higher (a text that
    is `ok` scores above 0.6, but so may an `unverifiable` one). With s supported, c contradicted and d doubtful
    claims: 0.5 * s / (s + c) if c, else 0.5 + 0.1 * s / (s + d) if d, else 0.6 + 0.4 * s / (s + 1)."""
    s = sum(c.status == "supported" for c in claims)
    c = sum(c.status == "contradicted" for c in claims)
    d = sum(c.status == "doubtful" for c in claims)
    if c:
        return 0.5 * s / (s + c)
    return 0.5 + 0.1 * s / (s + d) if d else 0.6 + 0.4 * s / (s + 1)


def check(
    text: str,
    latex: str,
    glossary: dict[str, str] | None = None,
    name: str | None = None,
    context: str | None = None,
    facts: EquationFacts | None = None,
) -> GoldVerdict:
    """Gold verdict on a description of one equation. Without a glossary, the 'where x is ...' definitions in the
    equation's context stand in for it."""
    if glossary is None and context:
        glossary = glossary_from_text(context, latex)
    eq = Equation(latex, facts or _facts(latex), glossary or {}, name)
    found = extract_claims(text or "")
    embed([p["meaning"] for _, _, p in found if "meaning" in p] + [m for _, m, _ in eq.glossary.entries])
    results = [(claim, kind, parts, CHECKS[kind](parts, eq)) for claim, kind, parts in found]
    # written maths that no part of the equation can be compared with ('3 m/s', 'n = 10') is no claim about it
    quiet = ("formula", "value", "over_all")  # maths and phrases that find nothing to compare say nothing
    results = [r for r in results if not (r[2].get("op") in quiet and r[3][0] == "unverifiable")]
    named = any(kind == "name" and status == "supported" for _, kind, _, (status, _) in results)
    claims = [
        Claim(claim=claim, kind=kind, status=status, evidence=evidence)
        for claim, kind, parts, result in results
        for status, evidence in [_cited(parts, result, named) if kind == "name" else result]
    ]
    s = score(claims)
    return GoldVerdict(verdict=verdict(text or "", claims), gold_score=s, claims=claims)


def verdict(text: str, claims: list[Claim]) -> Literal["ok", "wrong", "unverifiable"]:
    """`wrong`: a claim is contradicted. `ok`: no claim is contradicted or doubtful, and every statement carries
    at least one supported claim, so no statement went unchecked (claims the checker cannot decide, inside a
    checked statement, do not block it). Anything else is `unverifiable`: "no contradiction found" is not
    evidence of correctness."""
    if any(c.status == "contradicted" for c in claims):
        return "wrong"
    if any(c.status == "doubtful" for c in claims):
        return "unverifiable"
    claims = [c for c in claims if c.status == "supported"]
    if not claims:
        return "unverifiable"
    def words(x: str) -> set[str]:
        return set(re.findall(r"\w+", x.lower()))

    # A statement carries a claim when it holds most of the claim's words (extraction normalises phrases).
    found = [words(c.claim) for c in claims]
    covered = all(any(len(f & words(st)) >= 0.6 * len(f) for f in found) for st in statements(text))
    return "ok" if covered else "unverifiable"
