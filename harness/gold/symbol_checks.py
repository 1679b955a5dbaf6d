"""Gold checks of symbol claims: what a symbol means, against its glossary entry and the other entries, and the
terms a description says the equation has."""

from __future__ import annotations

import re

from harness.gold.equation import Equation, Result, hint
from harness.gold.layout import BIG, groups, mentioned, terms, written_as
from harness.gold.meanings import KINDS, Glossary, head_noun, lemma, opposed, tokens
from harness.gold.operation_checks import check_formula, is_expression
from harness.gold.symbols import forms
from harness.gold.vocabulary import words
from harness.maths.relations import RELATION_SIGN

_POSITIONAL = {lemma(w) for w in words("invented", "positional")}  # where a term is, not what it is: 'the first term'


def _same_symbol(a: str, b: str) -> bool:
    """One symbol at two levels of detail (P and P(A), sigma and sigma^2), not rivals (T_C and T_H, x_i and hat x_i)."""
    (_, _, bare_a, base_a), (_, _, bare_b, base_b) = forms(a), forms(b)
    decorated = a.split(":")[0] if ":" in a else "", b.split(":")[0] if ":" in b else ""
    return decorated[0] == decorated[1] and base_a == base_b and (bare_a == bare_b or base_a in (bare_a, bare_b))


def check_symbol(p: dict, eq: Equation) -> Result:
    if "term" in p:
        return _check_term(p, eq)
    key, g = p["symbol"], eq.glossary
    glossed = any(forms(k)[2] == forms(key)[2] for k, _, _ in g.entries)  # $\Delta H$ is one symbol
    if is_expression(p.get("written", "")) and not glossed:  # "the momentum $m v$" names a part, not a symbol
        return check_formula(p["written"].strip("$"), eq)
    if not eq.has(key):
        return ("contradicted" if p["clear"] else "unverifiable"), f"the equation has no symbol {key}"
    if not (own := g.lookup(key)):
        return "unverifiable", f"no glossary entry for {key}"
    sims = [(g.similarity(p["meaning"], m), m) for _, m in own]
    (tok, emb), meaning = max(sims, key=lambda x: max(x[0][0], x[0][1] or 0.0))

    own_score = max(tok, emb or 0.0)
    others = [
        (max(sim[0], sim[1] or 0.0), k, m)
        for k, m, _ in g.entries
        if not any(_same_symbol(k, o) for o, _ in own)
        for sim in [g.similarity(p["meaning"], m)]
    ]
    best = max(others, default=(0.0, "", ""))
    if p["weak"]:  # "the weight of edge j": j may be the object, not the thing meant
        return ("supported" if own_score >= 0.45 else "unverifiable"), f"glossary: {key} is '{meaning}'"
    # an operation's meaning is another symbol's only if that one is the same operation: "X^T is the inverse of the
    # cross-product matrix" names (X^T X)^{-1}; "z is the difference of x and mu" names no x
    same_operation = not p["structural"] or set(tokens(p["structural"])) <= set(tokens(best[2]))
    if best[0] >= 0.45 and best[0] >= own_score + 0.2 and same_operation:
        return hint(f"'{p['meaning']}' is the glossary meaning of {best[1]} ('{best[2]}'), not of {key}")
    swapped = _swapped_word(p["meaning"], meaning, g) or _swapped_owner(p["meaning"], meaning, g)
    if pair := opposed(set(tokens(p["meaning"])), set(tokens(meaning))) or swapped:
        return hint(f"glossary: {key} is '{meaning}': '{pair[0]}' where it says '{pair[1]}'")
    heads = head_noun(p["meaning"]), head_noun(meaning)
    if tok < 0.45 and heads[0] in KINDS and heads[1] in KINDS and heads[0] != heads[1] and not p["structural"]:
        return hint(f"glossary: {key} is '{meaning}', a {heads[1]}, not a {heads[0]}")
    if tok >= 0.45 or (emb or 0.0) >= 0.7:
        return "supported", f"glossary: {key} is '{meaning}'"
    return "unverifiable", f"glossary: {key} is '{meaning}', too loosely related to tell"


def _swapped_word(said: str, meaning: str, g: Glossary) -> tuple[str, str] | None:
    """A word of the meaning replaced by its counterpart from a parallel entry: 'length of rod B' for 'length of
    rod A' where a is 'mass of rod A' and b 'mass of rod B'; 'cost of a bus' for C, 'cost of a train ticket', where
    B is 'cost of a bus ticket'. Returns (meaning's word, said word)."""
    words, own = set(tokens(said)), set(tokens(meaning))
    if len(words - own) != 1 or head_noun(meaning) not in words:  # one word replaced, the head noun kept
        return None
    (new,) = words - own
    ones = [t - {new} for _, m, t in g.entries if new in t and m != meaning]
    for old in own - words:  # the entry that has the new word is like this one, or like another with the old word
        if any(old in t for t in ones):  # both entries have it: not the word that was swapped
            continue
        twos = [t - {old} for _, m, t in g.entries if old in t and new not in t]
        if any(a & b - {head_noun(meaning)} for a in ones for b in twos):
            return old, new
    return None


def _owner(meaning: str) -> str:
    """Whose the head noun is: 'mass of the moon orbiting the planet' -> 'moon'."""
    m = re.search(r"\bof\s+(?:the\s+|an?\s+)?([A-Za-z-]+)", meaning)
    return next(iter(tokens(m[1])), "") if m else ""


def _swapped_owner(said: str, meaning: str, g: Glossary) -> tuple[str, str] | None:
    """The same quantity of another owner that another entry has: 'mass of the planet' for m_s, 'mass of the
    satellite orbiting the planet', where m_p is 'mass of the planet around the star'."""
    head, mine, theirs = head_noun(meaning), _owner(meaning), _owner(said)
    if head_noun(said) != head or not mine or not theirs or mine == theirs:
        return None
    if any(m != meaning and head_noun(m) == head and _owner(m) == theirs for _, m, _ in g.entries):
        return mine, theirs
    return None


def _check_term(p: dict, eq: Equation) -> Result:
    """A term the description says the equation has ('plus a friction term', 'a scaling factor kappa')."""
    if "math" in p:
        if re.search(RELATION_SIGN, p["math"]):  # "the period $T = 2\pi/\omega$": another formula
            return "unverifiable", f"${p['math']}$ is a formula of its own"
        if not (named := mentioned(p["math"]) - BIG):
            return "unverifiable", "no symbol in the term"
        if absent := sorted(b for b in named if b not in eq.bases):
            return "contradicted", f"the equation has no {', '.join(absent)} (in {p['term']} ${p['math']}$)"
        # "plus a mixed term $3 x y^2$": an added term must be one of the equation's, in some form ($x^2 y$)
        held = {has for side in (eq.facts.lhs, eq.facts.rhs) for part in groups(side) for _, has in terms(part)}
        if p.get("added") and written_as(p["math"], eq.latex) != "part" and named not in held:
            return "contradicted", f"no term of the equation has just {', '.join(sorted(named))}"
        return "supported", f"{', '.join(sorted(named))} in the equation"
    if p["symbol"]:
        return (
            ("supported", f"{p['symbol']} is in the equation")
            if eq.has(p["symbol"])
            else ("contradicted", f"the equation has no {p['term']} {p['symbol']}")
        )
    if not (words := set(tokens(p["term"])) - _POSITIONAL):
        return "unverifiable", "nothing about the term to check"
    known = set().union(*(t for _, _, t in eq.glossary.entries), *(tokens(o) for o in eq.facts.operators))
    if words & known:
        return "supported", f"the glossary mentions {', '.join(sorted(words & known))}"
    return "contradicted", f"no {p['term']} in the equation or its glossary"
