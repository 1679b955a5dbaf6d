"""Gold checks of relation and dependency claims: the equation's relation (=, a bound, an approximation), what
proportionality it implies, and what its left-hand side depends on, in which direction and with which power."""

from __future__ import annotations

import re

from harness.gold.equation import Equation, Result, named_symbols, power_fits, target_symbol
from harness.gold.layout import flat, placement, relations_written, terms
from harness.gold.operation_claims import claimed_power
from harness.gold.symbols import base_of, canon, forms
from harness.gold.vocabulary import pattern
from harness.maths.relations import FAMILY


def _top_level_sum(side: str) -> bool:
    depth = 0
    for i, ch in enumerate(side.strip()):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and ch in "+-" and i > 0:
            return True
    return False


_NUMBERS = {"zero": "0", "one": "1", "unity": "1", "two": "2", "three": "3", "ten": "10", "half": "1 / 2"}
_NUMBER = rf"\d+|{'|'.join(_NUMBERS)}"
_ASYMPTOTIC = r"(?<![A-Za-z\\])O\s*(?:\\left)?\(|\\mathcal\{O\}|\\approx|\\simeq"  # an error term O(1/n)


def check_relation(p: dict, eq: Equation) -> Result:
    """Contradicted only for clear mismatches: a bound or proportionality for an equality, <= for >=, equality
    for an inequality. A relation anywhere in the LaTeX counts: Chebyshev's P(|X - mu| >= k sigma) has >= too."""
    claim, actual = p["relation"], FAMILY.get(eq.facts.relation or "")
    family = "=" if claim == "=!" else FAMILY.get(claim, claim)
    if claim == "=!" and (actual == "approx" or re.search(_ASYMPTOTIC, eq.latex)):
        return "contradicted", "the equation is an approximation"
    stated = re.match(r"\s*(\$[^$]+\$)", p["after"])  # "... stays below $\frac{2}{m}$": about the top level
    clause = re.split(r"[,;.]|\b(?:while|but|which|where|because|since|is|are|equals?)\b", p["after"], maxsplit=1)[0]
    rhs = {base_of(s) for s in eq.facts.rhs_symbols}  # "F is at most $\mu$ times the normal force N" names all of it
    top = bool(stated) and canon(stated[1]) == canon(eq.facts.rhs) or len(rhs) > 1 and rhs <= named_symbols(clause, eq)
    shown = {actual} if top else eq.relations
    if family in ("<=", ">=") and family in shown and p.get("strict") is not None:
        return _check_strictness(p["strict"], family, eq)
    if family in shown or (family == "ineq" and shown & {"<=", ">="}):
        return "supported", f"the equation has {family}"
    if actual is None:
        return "unverifiable", "the equation's relation is unknown"
    if family == "propto" and actual == "=":
        return _check_proportional(p, eq, top)
    said = re.match(rf"\s*(?:by\s+)?({_NUMBER})\b", p["after"])  # "a share stays below one"
    value = "0" if p.get("zero") else _NUMBERS.get(said[1], said[1]) if said else None
    sides = {flat(eq.facts.lhs), flat(eq.facts.rhs)}
    if family in ("<=", ">=") and (value and value not in sides or stated and not top):
        return "unverifiable", "a bound on something other than the equation's side"
    clear = {
        ("=", "<="),
        ("=", ">="),
        ("=", "propto"),
        ("=", "neq"),
        ("<=", ">="),
        (">=", "<="),
        ("ineq", "="),
        ("<=", "="),
        (">=", "="),
        ("approx", "="),
        ("propto", "<="),
        ("propto", ">="),
    }
    if family in ("<=", ">=") and actual == "=" and re.match(r"[^,;.]*?\bby\b", p["after"]):
        return "unverifiable", "says by how much one thing exceeds another"  # "lambda' exceeds lambda by ..."
    if (family, actual) in clear:
        if (subject := _subject(p, eq)) and not subject & eq.lhs:  # "while the load stays below the limit"
            return "unverifiable", f"a condition on {', '.join(sorted(subject))}, not the equation's relation"
        return "contradicted", f"the equation's relation is {eq.facts.relation}"
    return "unverifiable", f"the equation's relation is {eq.facts.relation}"


def _subject(p: dict, eq: Equation) -> set[str]:
    """The symbols a relation is said of: the words before it in its clause ('a share stays below one')."""
    before = re.split(r"\b(?:while|when|if|provided|as|because|since|and|but|that|so)\b", p.get("before", ""))[-1]
    return set(named_symbols(before, eq)) | {forms(k)[3] for k in [eq.glossary.resolve(before)] if k}


_STRICT = {"<=": "<", ">=": ">"}  # a bound's family -> its strict relation (a bound that cannot be met)


def _check_strictness(strict: bool, family: str, eq: Equation) -> Result:
    """'Strictly less than' is false of a bound that can be met (\\le), 'at most' of a strict one (|r| < 1)."""
    written = relations_written(eq.inner)
    has_strict, has_loose = _STRICT[family] in written, family in written
    if strict and has_loose and not has_strict:
        return "contradicted", "the bound can be met: the equation is not strict"
    if not strict and has_strict and not has_loose:
        return "contradicted", "the bound is strict: the equation does not allow equality"
    return "supported", f"the equation has {family}"


_CLAUSE_END = (  # ", and decay at rate k" starts a clause of its own
    r"[;.]|\b(?:while|but)\b|,\s*(?:with|where|so|which|as|because|since|meaning)\b|,\s*and\s+(?!(?:the|an?|its)\b)[a-z]+s?\b"
)


_OF_FUNCTION = re.compile(r"^\s*(?:to\s+)?(?:the\s+)?(?:(?:square|cube|product|inverse) of\s+)?")


def _check_proportional(p: dict, eq: Equation, top: bool) -> Result:
    """'Proportional to' said of an equality: true of a product, 'inversely' only of what is in a denominator, and
    'to the speed' only of what is not squared."""
    said = re.split(r",|\band\b", re.split(_CLAUSE_END, p["after"], maxsplit=1)[0])
    targets = [(item, key) for item in said if (key := target_symbol(_OF_FUNCTION.sub("", item), eq))]
    for item, key in targets:
        if (power := power_fits(key, claimed_power(item) or "1", eq)) and power[0] == "contradicted":
            return power
    if top:
        return ("contradicted" if p["inverse"] else "supported"), "the two sides are equal"
    if _top_level_sum(eq.facts.rhs) or _top_level_sum(eq.facts.lhs):
        named = {forms(key)[3] for _, key in targets}.union(*(named_symbols(item, eq) for item in said)) & eq.bases
        holding = [has for side in eq.sides() for _, has in terms(side) if named <= has]
        subject = _subject(p, eq)
        if named and len(holding) == 1 and not (subject and subject <= eq.lhs):  # "a loss term proportional to x"
            return "unverifiable", f"one term of the sum holds {', '.join(sorted(named))}"
        return "contradicted", "a sum is not a proportionality"
    for _, key in targets:
        if (where := placement(eq.latex).get(forms(key)[3])) and ("den" in where) != p["inverse"]:
            return "contradicted", f"{key} is {'not ' if p['inverse'] else ''}in a denominator"
    return "supported", "an equality with a product on one side implies proportionality"


_FIXED = re.compile(rf"\b{pattern('symbol', 'fixed')}\b")


def _only(p: dict, eq: Equation) -> Result | None:
    """'Depends only on alpha and u there': false when the right-hand side has another variable (not a constant or
    an index, by its glossary meaning) that the list leaves out."""
    if "only" not in p:
        return None
    keys = [target_symbol(item, eq) for item in p["only"]]
    if not all(keys):  # a thing it names that is no symbol: the list cannot be compared
        return None
    listed, lhs = {forms(k)[3] for k in keys if k}, eq.lhs
    left_out = sorted(
        {
            forms(k)[3]
            for k, meaning, _ in eq.glossary.entries
            if forms(k)[3] in eq.rhs - lhs - listed and not _FIXED.search(meaning)
        }
    )
    return ("contradicted", f"it also depends on {', '.join(left_out)}") if left_out else None


def _trend(p: dict, key: str, eq: Equation) -> Result | None:
    """'Grows linearly with v', 'falls with g': the power and the direction of a right-hand-side symbol, where the
    left side is one term and the right a product without functions, so that a denominator means decrease."""
    base, lhs = forms(key)[3], eq.lhs
    if base not in eq.rhs or base in lhs or len(terms(eq.facts.lhs)) != 1 or _top_level_sum(eq.facts.rhs):
        return None
    if p.get("power") and (power := power_fits(key, p["power"], eq)) and power[0] == "contradicted":
        return power
    plain = not re.search(r"\\exp|e\^|\\log|\\ln|\\sin|\\cos|\\tan", eq.facts.rhs)
    where, signs = placement(eq.latex).get(base, frozenset()), eq.layout.get(base, (frozenset(), frozenset()))[1]
    if p.get("trend") and plain and "-" not in signs and where in ({"num"}, {"den"}):
        if (p["trend"] == "up") == (where == {"den"}):
            return "contradicted", f"{key} is only {'in a denominator' if where == {'den'} else 'a factor'}"
    return None


def check_dependency(p: dict, eq: Equation) -> Result:
    """What the left side depends on; said of another symbol ('the rate $k$ depends on the pressure'), a
    dependency is that symbol's, which the equation does not show."""
    if (subject := _subject(p, eq)) and not subject & eq.lhs:
        return "unverifiable", f"about {', '.join(sorted(subject))}, not the left-hand side"
    if not (key := target_symbol(p["target"], eq)):
        return "unverifiable", f"'{p['target']}' is not a symbol of the equation"
    if p["negated"]:
        if forms(key)[3] in eq.rhs:
            return "contradicted", f"{key} appears on the right-hand side"
        return "supported", f"{key} is not on the right-hand side"
    if eq.has(key):
        return _trend(p, key, eq) or _only(p, eq) or ("supported", f"{key} appears in the equation")
    return "contradicted", f"the equation has no {key}"
