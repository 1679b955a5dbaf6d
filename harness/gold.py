"""Gold verification: the claims a free-text description makes about an equation (harness.claims), each checked
against the equation's real structure (harness.latex) and its glossary (harness.meanings), and the verdict. Gold
never sees a model's rating (DESIGN.md section 2).

Checking says "contradicted" only
where the equation decides (a symbol, operator or exponent the LaTeX does not have, a bound claimed for an
equality, a meaning that belongs to another symbol) and "unverifiable" where it cannot tell.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel

from harness.claims import (
    GREEK,
    KINDS,
    NAME_ALIASES,
    NAME_GENERIC,
    OPERATIONS,
    POSITIONAL,
    SYM,
    SYMBOL_SHAPE,
    ClaimKind,
    base_of,
    canon,
    extract_claims,
    forms,
    head_noun,
    tokens,
)
from harness.latex import EquationFacts, equation_facts
from harness.meanings import Glossary, embed
from harness.papers import glossary_from_text

Status = Literal["supported", "contradicted", "unverifiable"]
Result = tuple[Status, str]


class Claim(BaseModel):
    claim: str
    kind: ClaimKind
    status: Status
    evidence: str


class GoldVerdict(BaseModel):
    verdict: Literal["ok", "wrong", "unverifiable"]
    gold_score: float  # in [0, 1], see score()
    claims: list[Claim]


# --- checking ------------------------------------------------------------------------------------------------
_facts = functools.lru_cache(maxsize=1024)(equation_facts)
_REL_TOKENS = [
    ("<=", r"\\leq?(?![a-z])|\\leqslant|<"),
    (">=", r"\\geq?(?![a-z])|\\geqslant|>"),
    ("approx", r"\\approx|\\simeq|\\sim(?![a-z])"),
    ("propto", r"\\propto"),
    ("neq", r"\\neq?(?![a-z])"),
    ("=", r"(?<![<>!:\\])=|\\equiv|:="),
]
_FAMILY = {
    "=": "=",
    ":=": "=",
    "equiv": "=",
    "<=": "<=",
    "<": "<=",
    ">=": ">=",
    ">": ">=",
    "approx": "approx",
    "sim": "approx",
    "propto": "propto",
    "neq": "neq",
}
_SYMBOL_TOKEN = re.compile(r"[A-Za-z]|\\(?:var)?(?:" + "|".join(GREEK) + r"|hbar|ell)", flags=re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def layout(latex: str) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Base symbol -> (exponents on it, signs of the terms it is in), read off the raw LaTeX: (y - \\hat{y})^2
    squares both y's, c_0 \\exp(-k t) gives k a minus sign. Also says which symbols the LaTeX has at all."""
    toks = re.findall(r"\\[A-Za-z]+|[A-Za-z]|\d+|\S", latex)
    found: dict[str, tuple[set[str], set[str]]] = {}
    stack: list[tuple[list[str], list[str]]] = [([], [""])]  # per open bracket: its symbols, its current sign
    last: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("_", "^") or t in ("\\mathrm", "\\text", "\\operatorname"):
            j, depth = i + 1, 0
            while j < len(toks) and (j == i + 1 or depth > 0):
                depth += {"{": 1, "}": -1}.get(toks[j], 0)
                j += 1
            for s in last if t == "^" else []:
                found[s][0].add("".join(toks[i + 1 : j]).strip("{}"))
            i = i + 1 if t == "^" else j  # walk into an exponent: e^{-x} gives x a minus sign
            continue
        if t in ("{", "(", "["):
            stack.append(([], [""]))
        elif t in ("}", ")", "]") and len(stack) > 1:
            last = stack.pop()[0]
            stack[-1][0].extend(last)
        elif t in ("+", "-", "\\pm", "\\mp", "=", "<", ">") or re.fullmatch(r"\\(?:leq?|geq?|approx|propto)", t):
            stack[-1][1][0] = {"+": "+", "-": "-", "\\pm": "+-", "\\mp": "+-"}.get(t, "")  # a relation resets it
        elif _SYMBOL_TOKEN.fullmatch(t):
            sign = next((s for _, (s,) in reversed(stack) if s), "")
            last = [base_of(t)]
            found.setdefault(last[0], (set(), set()))[1].update(sign or [""])  # "+-" adds both
            stack[-1][0].extend(last)
        elif t not in ("\\left", "\\right", "\\hat", "\\bar", "\\mathbf", "\\tilde", "\\vec", "\\boldsymbol"):
            last = []
        i += 1
    return {k: (frozenset(e), frozenset(s)) for k, (e, s) in found.items()}


class _Equation:
    """What checking needs about one equation: its facts, symbol bases, relations, layout and glossary."""

    def __init__(self, latex: str, facts: EquationFacts, glossary: dict[str, str], name: str | None) -> None:
        self.latex, self.facts, self.name, self.layout = latex, facts, name, layout(latex)
        self.glossary = Glossary(glossary)
        self.rhs = {base_of(s) for s in facts.rhs_symbols}
        self.bases = (
            {base_of(s) for s in facts.symbols + facts.base_symbols + facts.lhs_symbols}
            | self.rhs
            | {forms(k)[3] for k, _, _ in self.glossary.entries}
            | set(self.layout)
        )
        self.inner = re.sub(r"[_^]\{[^{}]*\}", "", latex)  # the i=1 of a sum's limits is no relation, t+1 no sum
        self.relations = {_FAMILY.get(facts.relation or "")} | {r for r, p in _REL_TOKENS if re.search(p, self.inner)}

    def has(self, key: str) -> bool:
        return forms(key)[3] in self.bases


def _check_symbol(p: dict, eq: _Equation) -> Result:
    if "term" in p:
        return _check_term(p, eq)
    key, g = p["symbol"], eq.glossary
    if not eq.has(key):
        return ("contradicted" if p["clear"] else "unverifiable"), f"the equation has no symbol {key}"
    if not (own := g.lookup(key)):
        return "unverifiable", f"no glossary entry for {key}"
    sims = [(g.similarity(p["meaning"], m), m) for _, m in own]
    (tok, emb), meaning = max(sims, key=lambda x: max(x[0][0], x[0][1] or 0.0))

    def kin(k: str) -> tuple[str, str]:  # P(A) is no rival of P, but x_i is one of \hat{x}_i
        return k.split(":")[0] if ":" in k else "", forms(k)[3]

    own_score, same = max(tok, emb or 0.0), {kin(k) for k, _ in own}
    others = [
        (max(s[0], s[1] or 0.0), k, m)
        for k, m, _ in g.entries
        if kin(k) not in same
        for s in [g.similarity(p["meaning"], m)]
    ]
    best = max(others, default=(0.0, "", ""))
    if p["weak"]:  # "the probability of class k": k may be the object, not the thing meant
        return ("supported" if own_score >= 0.45 else "unverifiable"), f"glossary: {key} is '{meaning}'"
    if best[0] >= 0.45 and best[0] >= own_score + 0.2:
        return "contradicted", f"'{p['meaning']}' is the glossary meaning of {best[1]} ('{best[2]}'), not of {key}"
    heads = head_noun(p["meaning"]), head_noun(meaning)
    if tok < 0.45 and heads[0] in KINDS and heads[1] in KINDS and heads[0] != heads[1] and not p["structural"]:
        return "contradicted", f"glossary: {key} is '{meaning}', a {heads[1]}, not a {heads[0]}"
    if tok >= 0.45 or (emb or 0.0) >= 0.7:
        return "supported", f"glossary: {key} is '{meaning}'"
    return "unverifiable", f"glossary: {key} is '{meaning}', too loosely related to tell"


def _check_term(p: dict, eq: _Equation) -> Result:
    """A term the description says the equation has ('plus a regularization term', 'a correction factor gamma')."""
    if p["symbol"]:
        return (
            ("supported", f"{p['symbol']} is in the equation")
            if eq.has(p["symbol"])
            else ("contradicted", f"the equation has no {p['term']} {p['symbol']}")
        )
    if not (words := set(tokens(p["term"])) - POSITIONAL):
        return "unverifiable", "nothing about the term to check"
    known = set().union(*(t for _, _, t in eq.glossary.entries), *(tokens(o) for o in eq.facts.operators))
    if words & known:
        return "supported", f"the glossary mentions {', '.join(sorted(words & known))}"
    return "contradicted", f"no {p['term']} in the equation or its glossary"


def _check_operation(p: dict, eq: _Equation) -> Result:
    """Operators count as absent only when neither the parsed facts nor the raw LaTeX show them."""
    op, facts, latex = p["op"], eq.facts, eq.latex
    if op == "power":
        return _check_power(p, eq)
    if "growth" in p:
        if "exp" not in facts.operators and not re.search(OPERATIONS["exp"][2], latex):
            return "contradicted", "the equation has no exponential"
        decays = re.search(r"\\exp\s*(?:\\left)?\s*[({]\s*-|e\^\{\s*-", latex) is not None
        status: Status = "supported" if decays != p["growth"] else "contradicted"
        return status, f"the exponent is {'negative' if decays else 'not negative'}"
    if "order" in p:
        if (known := facts.derivative_order) is not None and known < p["order"]:
            return "contradicted", f"the highest derivative has order {known}"
        return ("supported", f"a derivative of order {known}") if known else ("unverifiable", "no derivative order")
    if p.get("symbol") and eq.has(p["symbol"]):
        signs = eq.layout.get(forms(p["symbol"])[3], (frozenset(), frozenset()))[1]
        ok = "-" in signs if op == "minus" else "+" in signs or (not signs or "" in signs) and "+" in latex
        return ("supported" if ok else "contradicted"), f"{p['symbol']} has sign(s) {' '.join(sorted(signs)) or '+'}"
    _, accepted, raw = OPERATIONS[op]
    if set(facts.operators) & accepted or re.search(raw, eq.inner if op in ("plus", "minus") else latex):
        return "supported", f"the equation has {op.replace('_', ' ')}"
    if any(re.search(OPERATIONS[op][0], m, flags=re.IGNORECASE) for _, m, _ in eq.glossary.entries):
        return "supported", f"the glossary mentions {op.replace('_', ' ')}"
    # "the probability of finding the particle in the box" talks about, not of, the equation
    return ("unverifiable" if op == "probability" else "contradicted"), f"the equation has no {op.replace('_', ' ')}"


def _check_power(p: dict, eq: _Equation) -> Result:
    want = p["exponent"]
    key = p["symbol"] or _target(p["phrase"], eq)
    if key and eq.has(key):
        got = eq.layout.get(forms(key)[3], (frozenset(), frozenset()))[0]
        if want in got or f"-{want}" in got:
            return "supported", f"{key} has exponent {want}"
        return "contradicted", f"{key} has exponent(s) {', '.join(sorted(got)) or 'none'}, not {want}"
    every = set(eq.facts.exponents).union(*(e for e, _ in eq.layout.values()))
    if want in every or f"-{want}" in every or (not want[-1:].isdigit() and every):
        return "supported", f"the equation has exponent {want}"
    return "contradicted", f"the equation has no exponent {want}"


def _top_level_sum(side: str) -> bool:
    depth = 0
    for i, ch in enumerate(side.strip()):
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
        if depth == 0 and ch in "+-" and i > 0:
            return True
    return False


def _check_relation(p: dict, eq: _Equation) -> Result:
    """Contradicted only for clear mismatches: a bound or proportionality for an equality, <= for >=, equality
    for an inequality. A relation anywhere in the LaTeX counts: Chebyshev's P(|X - mu| >= k sigma) has >= too."""
    claim, actual = p["relation"], _FAMILY.get(eq.facts.relation or "")
    family = {"<": "<=", ">": ">=", "=!": "="}.get(claim, claim)
    if claim == "=!" and actual == "approx":
        return "contradicted", "the equation is an approximation"
    stated = re.match(r"\s*(\$[^$]+\$)", p["after"])  # "... is at least $\frac{1}{k^2}$": about the top level
    top = bool(stated) and canon(stated[1]) == canon(eq.facts.rhs)
    shown = {actual} if top else eq.relations
    if family in shown or (family == "ineq" and shown & {"<=", ">="}):
        return "supported", f"the equation has {family}"
    if actual is None:
        return "unverifiable", "the equation's relation is unknown"
    if family == "propto" and actual == "=":
        return _check_proportional(p, eq, top)
    if family in ("<=", ">=") and actual == "=" and (re.match(r"\s*(?:by\s+)?\d", p["after"]) or stated and not top):
        return "unverifiable", "a bound on something other than the equation's right-hand side"
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
    if (family, actual) in clear:
        return "contradicted", f"the equation's relation is {eq.facts.relation}"
    return "unverifiable", f"the equation's relation is {eq.facts.relation}"


def _check_proportional(p: dict, eq: _Equation, top: bool) -> Result:
    """'Proportional to' said of an equality: true of a product, and 'inversely' only of what is in a denominator."""
    if top:
        return ("contradicted" if p["inverse"] else "supported"), "the two sides are equal"
    if _top_level_sum(eq.facts.rhs) or _top_level_sum(eq.facts.lhs):
        return "contradicted", "a sum is not a proportionality"
    items = [
        re.sub(r"^\s*(?:to\s+)?(?:the\s+)?(?:(?:square|cube|product|inverse) of\s+)?", "", item)
        for item in re.split(r",|\band\b", re.split(r"[;.]|\bwhile\b|\bbut\b", p["after"])[0])
    ]
    for key in filter(None, (_target(item, eq) for item in items)):
        spelled = re.escape("\\" * (len(forms(key)[3]) > 1) + forms(key)[3])
        below = re.search(rf"\\frac\{{[^{{}}]*\}}\{{[^{{}}]*{spelled}|/\s*{spelled}|{spelled}\^\{{?-", eq.latex)
        if bool(below) != p["inverse"]:
            return "contradicted", f"{key} is {'not ' if p['inverse'] else ''}in a denominator"
    return "supported", "an equality with a product on one side implies proportionality"


def _name_words(name: str) -> set[str]:
    text = re.sub(r"['’]s?\b", "", name.lower())
    for alias, full in NAME_ALIASES.items():
        text = re.sub(rf"\b{alias}\b", full, text)
    return set(tokens(text)) - NAME_GENERIC


def _check_name(p: dict, eq: _Equation) -> Result:
    """Same name if one's distinctive words contain the other's: 'Bayes' rule' = 'Bayes theorem' ~ 'Bayes's law'."""
    if not eq.name:
        return "unverifiable", "the equation's name is not known"
    claimed, real = _name_words(p["name"]), _name_words(eq.name)
    if not claimed:
        return "unverifiable", "the name is too generic to check"
    person = re.search(r"\w['’]s?\s.*\b(?:equation|formula|relation)s?$", p["name"])  # "Einstein's equation"
    if person and not re.search(r"['’]|\s[A-Z]", eq.name):
        return "unverifiable", f"a person's name for what is known as {eq.name}"
    if claimed <= real or (real and real <= claimed):
        return "supported", f"the equation is {eq.name}"
    return "contradicted", f"the equation is {eq.name}, not {p['name']}"


def _target(phrase: str, eq: _Equation) -> str | None:
    """The symbol a phrase points at: 'the particle mass m' -> 'm', 'the temperature' -> 'T' via the glossary."""
    phrase = re.sub(r"^\s*(?:the|an?)\s+", "", phrase.strip())
    m = re.fullmatch(rf"(?:[\w'’-]+\s+){{0,4}}?(?P<sym>{SYM})", phrase)
    key = canon(m["sym"]) if m else eq.glossary.resolve(phrase)
    return key if key and SYMBOL_SHAPE.fullmatch(key) else None


def _check_dependency(p: dict, eq: _Equation) -> Result:
    if not (key := _target(p["target"], eq)):
        return "unverifiable", f"'{p['target']}' is not a symbol of the equation"
    if p["negated"]:
        if forms(key)[3] in eq.rhs:
            return "contradicted", f"{key} appears on the right-hand side"
        return "supported", f"{key} is not on the right-hand side"
    if eq.has(key):
        return "supported", f"{key} appears in the equation"
    return "contradicted", f"the equation has no {key}"


CHECKS = {
    "symbol": _check_symbol,
    "operation": _check_operation,
    "relation": _check_relation,
    "name": _check_name,
    "dependency": _check_dependency,
}


def score(claims: list[Claim]) -> float:
    """Gold score in [0, 1], ordered like the verdict (wrong < 0.5 = unverifiable < ok) and, within a verdict, by
    the evidence: with s supported and c contradicted claims, 0.5 * s / (s + c) if c else 0.5 + 0.5 * s / (s + 1)."""
    s = sum(c.status == "supported" for c in claims)
    c = sum(c.status == "contradicted" for c in claims)
    return 0.5 * s / (s + c) if c else 0.5 + 0.5 * s / (s + 1)


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
        glossary = glossary_from_text(context)
    eq = _Equation(latex, facts or _facts(latex), glossary or {}, name)
    found = extract_claims(text or "")
    embed([p["meaning"] for _, _, p in found if "meaning" in p] + [m for _, m, _ in eq.glossary.entries])
    claims = [
        Claim(claim=claim, kind=kind, status=status, evidence=evidence)
        for claim, kind, parts in found
        for status, evidence in [CHECKS[kind](parts, eq)]
    ]
    s = score(claims)
    return GoldVerdict(verdict="wrong" if s < 0.5 else "ok" if s > 0.5 else "unverifiable", gold_score=s, claims=claims)
