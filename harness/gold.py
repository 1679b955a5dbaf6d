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
    NAME_ALIASES,
    NAME_GENERIC,
    OPERATIONS,
    POSITIONAL,
    ClaimKind,
    claimed_power,
    extract_claims,
    to_latex,
)
from harness.latex import EquationFacts, equation_facts
from harness.layout import flat, groups, layout, mentioned, placement, plain, signs_of, terms, wrapped, written_as
from harness.meanings import KINDS, Glossary, embed, head_noun, lemma, opposed, tokens
from harness.papers import glossary_from_text
from harness.symbols import SYM, SYMBOL_SHAPE, base_of, canon, forms

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


class _Equation:
    """What checking needs about one equation: its facts, symbol bases, relations, layout and glossary."""

    def __init__(self, latex: str, facts: EquationFacts, glossary: dict[str, str], name: str | None) -> None:
        self.latex, self.facts, self.name, self.layout = latex, facts, name, layout(latex)
        self.glossary = Glossary(glossary)
        self.rhs = {base_of(s) for s in facts.rhs_symbols}
        left = f" {flat(facts.lhs)} "  # \\mathrm{Var}(\\hat\\theta): Var is a glossary symbol of the left side too
        self.lhs = {base_of(s) for s in facts.lhs_symbols} | {base_of(k) for k in glossary if f" {flat(k)} " in left}
        self.bases = (
            {base_of(s) for s in facts.symbols + facts.base_symbols + facts.lhs_symbols}
            | self.rhs
            | {forms(k)[3] for k, _, _ in self.glossary.entries}
            | set(self.layout)
            | ({"e"} if re.search(OPERATIONS["exp"][2], latex) else set())  # \\exp(x) is e^x
        )
        self.inner = re.sub(r"[_^]\{[^{}]*\}", "", latex)  # the i=1 of a sum's limits is no relation, t+1 no sum
        self.relations = {_FAMILY.get(facts.relation or "")} | {r for r, p in _REL_TOKENS if re.search(p, self.inner)}

        # a differential equation or a recurrence: "decays exponentially" is about its solution, not its LaTeX
        call = re.fullmatch(
            r"\s*([A-Za-z])\s*(?:\\left)?\(\s*([A-Za-z])\s*(?:\\right)?\)\s*", facts.lhs
        )  # T(n) = 2 T(n/2)
        recurrence = bool(call) and re.search(rf"(?<![A-Za-z\\]){call[1]}\s*(?:\\left)?\(", facts.rhs) is not None
        step = re.search(r"_\{?\s*([a-z])\s*\}?", facts.lhs)  # m_t = beta m_{t-1} + ...: a step-by-step recurrence
        recurrence = recurrence or bool(step) and re.search(rf"_\{{\s*{step[1]}\s*-\s*1\s*\}}", facts.rhs) is not None
        self.implicit = recurrence or bool({"derivative", "partial_derivative"} & set(facts.operators))

    def has(self, key: str) -> bool:
        return forms(key)[3] in self.bases

    def sides(self) -> list[str]:
        """The sides a description of the terms is about: the right one when the left is one term (y = ...)."""
        return [self.facts.rhs] if len(terms(self.facts.lhs)) <= 1 else [self.facts.lhs, self.facts.rhs]


def _same_symbol(a: str, b: str) -> bool:
    """One symbol at two levels of detail (P and P(A), sigma and sigma^2), not rivals (T_C and T_H, x_i and hat x_i)."""
    (_, _, bare_a, base_a), (_, _, bare_b, base_b) = forms(a), forms(b)
    decorated = a.split(":")[0] if ":" in a else "", b.split(":")[0] if ":" in b else ""
    return decorated[0] == decorated[1] and base_a == base_b and (bare_a == bare_b or base_a in (bare_a, bare_b))


def _check_symbol(p: dict, eq: _Equation) -> Result:
    if "term" in p:
        return _check_term(p, eq)
    key, g = p["symbol"], eq.glossary
    glossed = any(forms(k)[2] == forms(key)[2] for k, _, _ in g.entries)  # $\Delta H$ is one symbol
    if _is_expression(p.get("written", "")) and not glossed:  # "the mass flux $\rho u$" names a part, not a symbol
        return _check_formula(p["written"].strip("$"), eq)
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
    if p["weak"]:  # "the probability of class k": k may be the object, not the thing meant
        return ("supported" if own_score >= 0.45 else "unverifiable"), f"glossary: {key} is '{meaning}'"
    # an operation's meaning is another symbol's only if that one is the same operation: "X^T is the inverse of the
    # cross-product matrix" names (X^T X)^{-1}; "z is the difference of x and mu" names no x
    same_operation = not p["structural"] or set(tokens(p["structural"])) <= set(tokens(best[2]))
    if best[0] >= 0.45 and best[0] >= own_score + 0.2 and same_operation:
        return "contradicted", f"'{p['meaning']}' is the glossary meaning of {best[1]} ('{best[2]}'), not of {key}"
    swapped = _swapped_word(p["meaning"], meaning, g) or _swapped_owner(p["meaning"], meaning, g)
    if pair := opposed(set(tokens(p["meaning"])), set(tokens(meaning))) or swapped:
        return "contradicted", f"glossary: {key} is '{meaning}': '{pair[0]}' where it says '{pair[1]}'"
    heads = head_noun(p["meaning"]), head_noun(meaning)
    if tok < 0.45 and heads[0] in KINDS and heads[1] in KINDS and heads[0] != heads[1] and not p["structural"]:
        return "contradicted", f"glossary: {key} is '{meaning}', a {heads[1]}, not a {heads[0]}"
    if tok >= 0.45 or (emb or 0.0) >= 0.7:
        return "supported", f"glossary: {key} is '{meaning}'"
    return "unverifiable", f"glossary: {key} is '{meaning}', too loosely related to tell"


def _swapped_word(said: str, meaning: str, g: Glossary) -> tuple[str, str] | None:
    """A word of the meaning replaced by its counterpart from a parallel entry: 'output elasticity of labour' for
    'output elasticity of capital' where K is 'capital input' and L 'labour input'; 'price of a put' for C, 'price of a
    call option', where P is 'price of a put option'. Returns (meaning's word, said word)."""
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
    """Whose the head noun is: 'speed of the receiver toward the source' -> 'receiver'."""
    m = re.search(r"\bof\s+(?:the\s+|an?\s+)?([A-Za-z-]+)", meaning)
    return next(iter(tokens(m[1])), "") if m else ""


def _swapped_owner(said: str, meaning: str, g: Glossary) -> tuple[str, str] | None:
    """The same quantity of another owner that another entry has: 'speed of the source' for v_r, 'speed of the
    receiver toward the source', where v_s is 'speed of the source toward the receiver'."""
    head, mine, theirs = head_noun(meaning), _owner(meaning), _owner(said)
    if head_noun(said) != head or not mine or not theirs or mine == theirs:
        return None
    if any(m != meaning and head_noun(m) == head and _owner(m) == theirs for _, m, _ in g.entries):
        return mine, theirs
    return None


def _check_term(p: dict, eq: _Equation) -> Result:
    """A term the description says the equation has ('plus a regularization term', 'a correction factor gamma')."""
    if "math" in p:
        if re.search(_RELATION_SIGN, p["math"]):  # "the threshold $R_0 = \beta/\gamma$": another formula
            return "unverifiable", f"${p['math']}$ is a formula of its own"
        if not (named := mentioned(p["math"]) - {"\\sum", "\\prod", "\\int"}):
            return "unverifiable", "no symbol in the term"
        if absent := sorted(b for b in named if b not in eq.bases):
            return "contradicted", f"the equation has no {', '.join(absent)} (in {p['term']} ${p['math']}$)"
        # "plus a cross term $2pmc^3$": an added term must be one of the equation's, in some form ($m^2 c^4$)
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
    if op == "placement":
        return _check_placement(p, eq)
    if op == "formula":
        return _check_formula(p["math"], eq, p.get("stated", True))
    if op == "combination":
        return _check_combination(p, eq)
    if op == "over_all":  # "the product of the partial pressures $p_i$" where the equation sums them
        named = _named(p["mention"], eq) - {"\\sum", "\\prod", "\\int"}
        said, other = ("\\sum", "\\prod") if p["how"] == "sum" else ("\\prod", "\\sum")
        indexed = "_" in p["mention"] and said not in eq.latex and other in eq.latex  # p_i: a term of an indexed family
        if named and indexed and named <= mentioned(eq.latex.split(other, 1)[1]):
            return "contradicted", f"the equation has a {'sum' if p['how'] == 'product' else 'product'} over them"
        return "unverifiable", f"a {p['how']} over {p['mention']} is not compared"
    if op == "value":
        named = set(mentioned(p["math"]))
        if named and named <= eq.bases and (inside := _unsaid_wrapper(p["math"], named, eq)):
            return "contradicted", f"{', '.join(sorted(named))} appear only inside {inside} in the equation"
        return "unverifiable", f"${p['math']}$ is not compared"
    if op == "exp" and eq.implicit:
        return "unverifiable", "exponential behaviour of a differential equation's or recurrence's solution"
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
    if "mention" in p:
        return _check_sign(p, eq)
    _, accepted, raw = OPERATIONS[op]
    if set(facts.operators) & accepted or re.search(raw, eq.inner if op in ("plus", "minus") else latex):
        return "supported", f"the equation has {op.replace('_', ' ')}"
    said = [m for _, m, _ in eq.glossary.entries] + [eq.name or ""]
    if any(re.search(OPERATIONS[op][0], m, flags=re.IGNORECASE) for m in said):
        return "supported", f"the glossary or the name mentions {op.replace('_', ' ')}"  # "exponential moving average"
    if op in ("log2", "log10") and re.search(r"\\log(?!\s*_)", latex):
        return "unverifiable", "the logarithm's base is not written"
    # "the probability of finding the particle in the box" talks about, not of, the equation
    if op == "probability" or not p.get("attached", True):
        return "unverifiable", f"{op.replace('_', ' ')} is mentioned in passing; the equation has none"
    return "contradicted", f"the equation has no {op.replace('_', ' ')}"


def _named(mention: str, eq: _Equation) -> frozenset[str]:
    """The equation's symbols (and big operators) that a mention names: '$T - T_a$' -> {T}, 'a b times $\\gamma$'
    -> {a, b, gamma}, 'f(b)' -> {f, b}."""
    named = {big for word, big in (("sum", "\\sum"), ("integral", "\\int")) if re.match(rf"\s*{word}\b", mention)}
    for m in re.finditer(SYM, mention):
        math = m[0].strip("$")
        named |= mentioned(math) if m[0].startswith("$") or "(" in math or "\\" in math else {base_of(math)}
    return frozenset(b for b in named if b in eq.bases or b.startswith("\\"))


def _check_sign(p: dict, eq: _Equation) -> Result:
    """A sign claim about the term that holds everything the claim names ('plus twice a b cos gamma'), or about
    one symbol's terms ('eta is subtracted')."""
    op, named = p["op"], _named(p["mention"], eq)
    if len(named) >= 2 or any(b.startswith("\\") for b in named):  # a term, or the sum as a whole
        if not (found := signs_of(eq.sides(), named)):
            return "unverifiable", f"no term has {', '.join(sorted(named))}"
        ok = any(("-" if op == "minus" else "+") in sign for sign in found)
        evidence = f"the term with {', '.join(sorted(named))} has sign {'/'.join(sorted(found))}"
        return ("supported" if ok else "contradicted"), evidence
    if not named and p.get("phrase") and (key := _target(p["phrase"], eq)) and eq.has(key):
        named = frozenset({forms(key)[3]})  # "plus the work the system does": W via the glossary
    if not named and p.get("named") and not eq.has(p["symbol"]):  # "minus the taxes T": a term it does not have
        return "contradicted", f"the equation has no {p['named']} {p['symbol']}"
    if not (base := next(iter(named), None) or (forms(p["symbol"])[3] if p["symbol"] and eq.has(p["symbol"]) else "")):
        return _check_operation({"op": op}, eq)
    signs = eq.layout.get(base, (frozenset(), frozenset()))[1]
    ok = "-" in signs if op == "minus" else "+" in signs or (not signs or "" in signs) and "+" in eq.latex
    return ("supported" if ok else "contradicted"), f"{base} has sign(s) {' '.join(sorted(signs)) or '+'}"


def _check_placement(p: dict, eq: _Equation) -> Result:
    """'Multiplied by X' is false when X is only ever in a denominator, 'divided by X' when it never is; 'over Y times
    X' leaves open whether X is below the line."""
    wanted = "den" if p["below"] else "num"
    for math in re.findall(r"\$([^$]+)\$", p["target"]):  # 'times $\cos\theta$' for \cos^{2}\theta, a sign flipped
        if not p.get("power") and written_as(math, eq.latex) in ("sign", "power"):
            return _check_formula(math, eq)
    if not (key := _target(p["target"], eq)) or not eq.has(key):
        return _place_maths(p, wanted, eq)
    where = placement(eq.latex).get(forms(key)[3], frozenset())
    if inside := _unsaid_wrapper(p["said"], {forms(key)[3]}, eq):
        return "contradicted", f"{key} appears only inside {inside}"
    if (power := _stated_power(p, key, eq)) and power[0] == "contradicted":
        return power  # "divided by height" for h^2
    if not where or wanted in where:
        return "supported", f"{key} is {'in a denominator' if p['below'] else 'a factor'}"
    if p.get("loose"):  # "RT over zF times ln Q" may multiply the whole fraction
        return "unverifiable", f"'{p['target']}' may multiply the fraction before it"
    return "contradicted", f"{key} is {'never in a denominator' if p['below'] else 'only in a denominator'}"


_WRAPPER_WORDS = {  # how a text says that a factor sits inside a function, a root or an exponent
    "log": r"\blog|\bln\b|logarithm",
    "exp": r"\bexp|e\s*\^|\be to\b|exponent|power",
    "trig": r"\bsin|\bcos|\btan",
    "root": r"\broot|\bsqrt",
    "power": r"\bpower|exponent|\^|raised",
}


def _unsaid_wrapper(said: str, bases: set[str], eq: _Equation) -> str | None:
    """The function (log, exp, root, ...) that all of the named symbols only appear inside, when the text names
    them as plain factors ('k_B times the number of microstates' for k_B ln Omega); None otherwise."""
    inside = [wrapped(eq.latex).get(b) for b in bases]
    if not bases or not all(inside):
        return None
    common = frozenset.intersection(*inside)
    if common and not any(re.search(_WRAPPER_WORDS[w], said, flags=re.IGNORECASE) for w in common):
        return "/".join(sorted(common))
    return None


def _stated_power(p: dict, key: str, eq: _Equation) -> Result | None:
    """The power a placement claims ('divided by the square of r'; plain 'divided by h' is the first power) against
    the equation, where the symbol never appears plain."""
    if p.get("power") or forms(key)[3] not in plain(eq.latex):
        return _power_fits(key, p.get("power") or "1", eq)
    return None


def _place_maths(p: dict, wanted: str, eq: _Equation) -> Result:
    """'Multiplied by (1 + r)^t': written maths whose symbols are all only on the other side of the fraction line."""
    latex = [to_latex(t) for t in p["target"].split()]
    named = set(mentioned(" ".join(filter(None, latex)))) if re.search(r"[-+^/(]", p["target"]) else set()
    where = placement(eq.latex)
    if named and (inside := _unsaid_wrapper(p["said"], named, eq)):
        return "contradicted", f"{', '.join(sorted(named))} appear only inside {inside}"
    if named and all(where.get(b) for b in named):
        listed = ", ".join(sorted(named))
        if all(wanted in where[b] for b in named):
            return "supported", f"{listed} {'in a denominator' if wanted == 'den' else 'a factor'}"
        if all(wanted not in where[b] for b in named) and not p["loose"]:
            return "contradicted", f"{listed} {'never' if wanted == 'den' else 'only'} in a denominator"
    if not named and (head := _absent_kind(p["target"], eq)):  # "divided by the variance of the return"
        qualifiers = set(tokens(p["target"])) - {head}
        for key, meaning, words in eq.glossary.entries:  # ... where the standard deviation of the return is
            if head_noun(meaning) in KINDS and len(qualifiers & words) >= 2:
                return "contradicted", f"{key} is '{meaning}', not a {head}"
    return "unverifiable", f"'{p['target']}' is not a symbol of the equation"


def _check_combination(p: dict, eq: _Equation) -> Result:
    """'The sum of a and b' needs a and b in different terms of one part of the equation, 'the product of a and b'
    one term with both, 'the ratio of a to b' a above the line and b below it."""
    keys = [_target(re.sub(r"\s+(?:squared|cubed)$", "", p[side]), eq) for side in ("a", "b")]
    bases = [forms(k)[3] for k in keys if k and eq.has(k)]
    if len(bases) != 2 or bases[0] == bases[1] or not all(b in eq.layout for b in bases):
        return "unverifiable", f"'{p['a']}' and '{p['b']}' are not two symbols of the equation"
    a, b = bases
    holding = [g for side in (eq.facts.lhs, eq.facts.rhs) for g in groups(side) if {a, b} <= mentioned(g)]
    innermost = terms(min(holding, key=lambda g: len(mentioned(g)))) if holding else ()  # (x - mu) in x - mu / sigma
    where = placement(eq.latex)
    if p["how"] == "product":  # not one above and one below the line of a fraction
        split = {frozenset(where.get(a, ())), frozenset(where.get(b, ()))} == {frozenset({"num"}), frozenset({"den"})}
        ok = not split and any({a, b} <= has for _, has in innermost)
    elif p["how"] in ("sum", "difference"):
        ok = any(a in x and b in y and b not in x and a not in y for _, x in innermost for _, y in innermost)
    else:  # a ratio of a to b is wrong only when a is only below the line and b only above it
        ok = "num" in where.get(a, ()) and "den" in where.get(b, ())
        if not ok and not (where.get(a) == {"den"} and where.get(b) == {"num"}):
            return "unverifiable", f"{a} and {b} are not simply one over the other"
    return ("supported" if ok else "contradicted"), f"{a} and {b} {'are' if ok else 'are not'} in a {p['how']}"


_RELATION_SIGN = r"=|<|>|\\(?:le|ge|leq|geq|approx|neq|sim|propto|equiv)(?![a-z])"


def _is_expression(written: str) -> bool:
    """Whether maths written in a text ($...$) is more than one symbol: several symbols, a function, an operator."""
    math = re.sub(r"_\{[^{}]*\}|_\w", "", written.strip("$")) if written.startswith("$") else ""
    functions = r"\\(?:sqrt|d?frac|cos|sin|tan|exp|log|ln|sum|prod|int|max|min|nabla|partial|cdot|times)(?![a-z])"
    return len(mentioned(math)) > 1 or re.search(rf"[-+/=<>]|{functions}", math) is not None


def _check_formula(math: str, eq: _Equation, stated: bool = True) -> Result:
    """Maths written in the text: a symbol the equation lacks, among symbols it has, is invented ('e^{-(z + b)}' for
    e^{-z}); a term whose sign differs from the same term in a part of the equation with the same symbols is a sign
    error ('g(t + tau)' for g(t - tau)). A formula mostly of other symbols ('3 m/s') is about something else."""
    named = set(mentioned(math)) - {"\\sum", "\\prod", "\\int"}
    sides = [mentioned(side) for side in re.split(_RELATION_SIGN, math)]
    if len(sides) > 1 and any(side and not side & eq.bases for side in sides):  # "$R_0 = \beta/\gamma$"
        return "unverifiable", f"${math}$ defines a quantity the equation does not have"
    shown = (("e", OPERATIONS["exp"][2]), ("d", r"\\i+nt|\\frac\{d"))  # e^x for exp(x), the dx of an integral
    implied = {b for b, pattern in shown if re.search(pattern, eq.latex)}
    absent = sorted(b for b in named if b not in eq.bases | implied)
    if re.match(rf"\s*(?:{_RELATION_SIGN})|.*(?:{_RELATION_SIGN})\s*$", math):  # "y \propto ..." cut at its start
        return "unverifiable", f"${math}$ is a piece of a formula"
    if absent and stated and len(named) - len(absent) > max(1, len(absent)):
        return "contradicted", f"the equation has no {', '.join(absent)} (in ${math}$)"
    if absent or not named:
        return "unverifiable", f"${math}$ is not about the equation's symbols"
    sign = next(iter(re.findall(_RELATION_SIGN, math)), "").strip("\\")
    said = _FAMILY.get({"le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "neq": "neq"}.get(sign, sign))
    if said and said not in eq.relations:
        return "unverifiable", f"${math}$ states another relation than the equation's"  # a bound it implies
    how = None if re.search(_RELATION_SIGN, math) else written_as(math, eq.latex)
    if how == "sign":
        return "contradicted", f"${math}$ is a part of the equation with a sign flipped"
    if how == "power":
        return "contradicted", f"${math}$ leaves out the power the equation puts on a function in it"
    if how == "inverted":
        return "contradicted", f"${math}$ is a fraction of the equation upside down"
    if how == "operator":
        return "contradicted", f"${math}$ is a part of the equation with another operator"
    return ("supported", f"${math}$ is a part of the equation") if how == "part" else _check_signs(math, eq)


def _check_signs(math: str, eq: _Equation) -> Result:
    """The terms of each side of a written formula against the parts of the equation that hold them all."""
    parts = [g for side in (eq.facts.lhs, eq.facts.rhs) for g in groups(side)]
    compared = False
    for piece in (g for side in re.split(r"=|<|>|\\le|\\ge", math) for g in groups(side)):
        said = list(terms(piece))  # constants too: "n + 1" for n - 1
        if len(said) < 2 or not any(has for _, has in said):
            continue
        wanted = frozenset().union(*(has for _, has in said))
        fits = [terms(g) for g in parts if wanted <= mentioned(g)]
        fits = [t for t in fits if all(any(has == h for _, h in t) for _, has in said)]
        if fits and not any(all(_same_sign(sign, has, t) for sign, has in said) for t in fits):
            return "contradicted", f"a term of ${piece.strip()}$ has the other sign in the equation"
        sum_of_symbols = len(wanted) > 1 and all(has for _, has in said)  # "p(x) + p(y)", not "1 + x"
        if not fits and sum_of_symbols and any(len(terms(g)) == 1 and mentioned(g) == wanted for g in parts):
            return "contradicted", f"the equation has one product where ${piece.strip()}$ has a sum"
        compared = compared or bool(fits)
    if compared:
        return "supported", f"the terms of ${math}$ have the equation's signs"
    return "unverifiable", f"no part of the equation has the terms of ${math}$"


def _same_sign(sign: str, has: frozenset[str], part: tuple[tuple[str, frozenset[str]], ...]) -> bool:
    return any(h == has and (s == sign or "+-" in (s, sign)) for s, h in part)


def _check_power(p: dict, eq: _Equation) -> Result:
    want = p["exponent"]
    key = p["symbol"] or _target(p["phrase"], eq)
    if key and eq.has(key) and forms(key)[3] in eq.layout:  # a glossary key such as the norm of w has no layout
        got = {canon(e) for e in eq.layout.get(forms(key)[3], (frozenset(), frozenset()))[0]}
        want = canon(want.replace(" minus ", "-"))
        partial = not want[-1:].isdigit() and any(base_of(want) in mentioned(e) for e in got)  # "e to the power i"
        if want in got or f"-{want}" in got or partial:
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


_NUMBERS = {"zero": "0", "one": "1", "unity": "1", "two": "2", "three": "3", "ten": "10", "half": "1 / 2"}
_NUMBER = rf"\d+|{'|'.join(_NUMBERS)}"
_ASYMPTOTIC = r"(?<![A-Za-z\\])O\s*(?:\\left)?\(|\\mathcal\{O\}|\\approx|\\simeq"  # an error term O(1/n)


def _check_relation(p: dict, eq: _Equation) -> Result:
    """Contradicted only for clear mismatches: a bound or proportionality for an equality, <= for >=, equality
    for an inequality. A relation anywhere in the LaTeX counts: Chebyshev's P(|X - mu| >= k sigma) has >= too."""
    claim, actual = p["relation"], _FAMILY.get(eq.facts.relation or "")
    family = {"<": "<=", ">": ">=", "=!": "="}.get(claim, claim)
    if claim == "=!" and (actual == "approx" or re.search(_ASYMPTOTIC, eq.latex)):
        return "contradicted", "the equation is an approximation"
    stated = re.match(r"\s*(\$[^$]+\$)", p["after"])  # "... is at least $\frac{1}{k^2}$": about the top level
    clause = re.split(r"[,;.]|\b(?:while|but|which|where|because|since|is|are|equals?)\b", p["after"], maxsplit=1)[0]
    rhs = {base_of(s) for s in eq.facts.rhs_symbols}  # "v is at most $H_0$ times its distance d" names all of it
    top = bool(stated) and canon(stated[1]) == canon(eq.facts.rhs) or len(rhs) > 1 and rhs <= _named(clause, eq)
    shown = {actual} if top else eq.relations
    if family in ("<=", ">=") and family in shown and p.get("strict") is not None:
        return _check_strictness(p["strict"], family, eq)
    if family in shown or (family == "ineq" and shown & {"<=", ">="}):
        return "supported", f"the equation has {family}"
    if actual is None:
        return "unverifiable", "the equation's relation is unknown"
    if family == "propto" and actual == "=":
        return _check_proportional(p, eq, top)
    said = re.match(rf"\s*(?:by\s+)?({_NUMBER})\b", p["after"])  # "a mole fraction never exceeds one"
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
        if (subject := _subject(p, eq)) and not subject & eq.lhs:  # "while growth stays below the required return"
            return "unverifiable", f"a condition on {', '.join(sorted(subject))}, not the equation's relation"
        return "contradicted", f"the equation's relation is {eq.facts.relation}"
    return "unverifiable", f"the equation's relation is {eq.facts.relation}"


def _subject(p: dict, eq: _Equation) -> set[str]:
    """The symbols a relation is said of: the words before it in its clause ('a mole fraction never exceeds one')."""
    before = re.split(r"\b(?:while|when|if|provided|as|because|since|and|but|that|so)\b", p.get("before", ""))[-1]
    return set(_named(before, eq)) | {forms(k)[3] for k in [eq.glossary.resolve(before)] if k}


_STRICT = {  # family -> (a strict bound, one that can be met)
    "<=": (r"(?<![\\<])<(?!=)", r"\\leq?(?![a-z])|\\leqslant|≤"),
    ">=": (r"(?<![\\>])>(?!=)", r"\\geq?(?![a-z])|\\geqslant|≥"),
}


def _check_strictness(strict: bool, family: str, eq: _Equation) -> Result:
    """'Strictly less than' is false of a bound that can be met (\\le), 'at most' of a strict one (|r| < 1)."""
    has_strict, has_loose = (re.search(pattern, eq.inner) is not None for pattern in _STRICT[family])
    if strict and has_loose and not has_strict:
        return "contradicted", "the bound can be met: the equation is not strict"
    if not strict and has_strict and not has_loose:
        return "contradicted", "the bound is strict: the equation does not allow equality"
    return "supported", f"the equation has {family}"


_CLAUSE_END = (  # ", and die off at rate gamma" starts a clause of its own
    r"[;.]|\b(?:while|but)\b|,\s*(?:with|where|so|which|as|because|since|meaning)\b|,\s*and\s+(?!(?:the|an?|its)\b)[a-z]+s?\b"
)


_OF_FUNCTION = re.compile(r"^\s*(?:to\s+)?(?:the\s+)?(?:(?:square|cube|product|inverse) of\s+)?")


def _check_proportional(p: dict, eq: _Equation, top: bool) -> Result:
    """'Proportional to' said of an equality: true of a product, 'inversely' only of what is in a denominator, and
    'to the speed' only of what is not squared."""
    said = re.split(r",|\band\b", re.split(_CLAUSE_END, p["after"], maxsplit=1)[0])
    targets = [(item, key) for item in said if (key := _target(_OF_FUNCTION.sub("", item), eq))]
    for item, key in targets:
        if (power := _power_fits(key, claimed_power(item) or "1", eq)) and power[0] == "contradicted":
            return power
    if top:
        return ("contradicted" if p["inverse"] else "supported"), "the two sides are equal"
    if _top_level_sum(eq.facts.rhs) or _top_level_sum(eq.facts.lhs):
        named = {forms(key)[3] for _, key in targets}.union(*(_named(item, eq) for item in said)) & eq.bases
        holding = [has for side in eq.sides() for _, has in terms(side) if named <= has]
        subject = _subject(p, eq)
        if named and len(holding) == 1 and not (subject and subject <= eq.lhs):  # "eaten at a rate proportional to"
            return "unverifiable", f"one term of the sum holds {', '.join(sorted(named))}"
        return "contradicted", "a sum is not a proportionality"
    for _, key in targets:
        if (where := placement(eq.latex).get(forms(key)[3])) and ("den" in where) != p["inverse"]:
            return "contradicted", f"{key} is {'not ' if p['inverse'] else ''}in a denominator"
    return "supported", "an equality with a product on one side implies proportionality"


def _power_fits(key: str, claimed: str, eq: _Equation) -> Result | None:
    """Whether a symbol enters with the claimed power (1/2 under a square root); None when its power is no number."""
    got = {e.lstrip("-") for e in eq.layout.get(forms(key)[3], (frozenset(), frozenset()))[0]}
    if not all(re.fullmatch(r"\d+(?:/\d+)?", e) for e in got):
        return None
    if claimed in (got or {"1"}):
        return "supported", f"{key} enters with power {claimed}"
    return "contradicted", f"{key} enters with power {', '.join(sorted(got or {'1'}))}, not {claimed}"


_FIXED = re.compile(r"\bconstant\b|\bindex\b|\bbase of the natural|\bcircumference\b|\bimaginary unit\b")


def _only(p: dict, eq: _Equation) -> Result | None:
    """'Depends only on alpha and u there': false when the right-hand side has another variable (not a constant or
    an index, by its glossary meaning) that the list leaves out."""
    if "only" not in p:
        return None
    keys = [_target(item, eq) for item in p["only"]]
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


def _trend(p: dict, key: str, eq: _Equation) -> Result | None:
    """'Grows linearly with v', 'falls with g': the power and the direction of a right-hand-side symbol, where the
    left side is one term and the right a product without functions, so that a denominator means decrease."""
    base, lhs = forms(key)[3], eq.lhs
    if base not in eq.rhs or base in lhs or len(terms(eq.facts.lhs)) != 1 or _top_level_sum(eq.facts.rhs):
        return None
    if p.get("power") and (power := _power_fits(key, p["power"], eq)) and power[0] == "contradicted":
        return power
    plain = not re.search(r"\\exp|e\^|\\log|\\ln|\\sin|\\cos|\\tan", eq.facts.rhs)
    where, signs = placement(eq.latex).get(base, frozenset()), eq.layout.get(base, (frozenset(), frozenset()))[1]
    if p.get("trend") and plain and "-" not in signs and where in ({"num"}, {"den"}):
        if (p["trend"] == "up") == (where == {"den"}):
            return "contradicted", f"{key} is only {'in a denominator' if where == {'den'} else 'a factor'}"
    return None


def _name_words(name: str) -> set[str]:
    name = re.sub(r"\b[A-Z][a-z]+\s+(?=[A-Z][\w-]*['’]s?\s)", "", name)  # "Michael Faraday's law" is Faraday's
    text = re.sub(r"['’]s?\b", "", name.lower())
    for alias, full in NAME_ALIASES.items():
        text = re.sub(rf"\b{alias}\b", full, text)
    return set(tokens(text)) - NAME_GENERIC


def _check_name(p: dict, eq: _Equation) -> Result:
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
    person = re.search(r"\w['’]s?\s.*\b(?:equation|formula|relation)s?$", p["name"])  # "Einstein's equation"
    if person and not re.search(r"['’]|\s[A-Z]", eq.name):
        return "unverifiable", f"a person's name for what is known as {eq.name}"
    return "contradicted", f"the equation is {eq.name}, not {p['name']}"


_FUNCTION_OF = (
    r"^(?:(?:the|an?|its|their)\s+)?(?:(?:square root|square|cube|inverse|reciprocal|sum|product|logarithm|log"
    r"|exponential|sine|cosine|absolute value|norm)\s+of\s+)*(?:(?:the|an?|its|their)\s+)?"
)
_PHRASE_END = r"(?=\s*$|\s+(?:of|in|on|at|from|for|with|to|between|the|that|which|as|when)\b)"


_AFTER_WORD = "".join(rf"(?<!\b{w})" for w in ("of", "in", "on", "at", "to", "by", "for", "from", "with", "over"))
# where a noun phrase ends and a relative clause starts: "the time it took", "the path length the light travels"
_RELATIVE = rf"\b(?:it|they|we|you|which|that|who|whose)\b|{_AFTER_WORD}\s+(?:the|an?)\s"


def _target(phrase: str, eq: _Equation) -> str | None:
    """The symbol a phrase points at: 'the particle mass m' -> 'm', 'the square of the distance r from its centre'
    -> 'r', 'the temperature' -> 'T' via the glossary."""
    phrase = re.sub(_FUNCTION_OF, "", re.split(_RELATIVE, phrase.strip())[0].strip())
    phrase = re.sub(r"\s+(?:raised\s+)?to the\s+(?:power|\w+ power)\b.*$", "", phrase)  # "capital to the power alpha"
    m = re.match(rf"(?:[\w'’-]+\s+){{0,5}}?(?P<sym>{SYM}){_PHRASE_END}", phrase)
    if m and (m["sym"].startswith(("$", "\\")) or m["sym"] not in ("a", "A", "I") or eq.has(m["sym"])):
        key = canon(m["sym"])
    else:
        key = eq.glossary.resolve(phrase)
    return key if key and SYMBOL_SHAPE.fullmatch(key) else None


_DERIVED = {lemma(w) for w in "length width height area distance radius diameter volume".split()}  # b - a is a width


def _absent_kind(phrase: str, eq: _Equation) -> str | None:
    """The kind of quantity a phrase names ('the variance of the return'), when no glossary meaning is of that kind."""
    head = head_noun(phrase)
    if head in KINDS - _DERIVED and eq.glossary.entries and not any(head in t for _, _, t in eq.glossary.entries):
        return head
    return None


def _check_dependency(p: dict, eq: _Equation) -> Result:
    """What the left side depends on; said of another symbol ('the constant $k_H$ depends on the temperature'), a
    dependency is that symbol's, which the equation does not show."""
    if (subject := _subject(p, eq)) and not subject & eq.lhs:
        return "unverifiable", f"about {', '.join(sorted(subject))}, not the left-hand side"
    if not (key := _target(p["target"], eq)):
        if head := _absent_kind(p["target"], eq):  # "depends on the intensity of the light": no symbol is one
            return ("supported" if p["negated"] else "contradicted"), f"no symbol of the equation is a {head}"
        return "unverifiable", f"'{p['target']}' is not a symbol of the equation"
    if p["negated"]:
        if forms(key)[3] in eq.rhs:
            return "contradicted", f"{key} appears on the right-hand side"
        return "supported", f"{key} is not on the right-hand side"
    if eq.has(key):
        return _trend(p, key, eq) or _only(p, eq) or ("supported", f"{key} appears in the equation")
    return "contradicted", f"the equation has no {key}"


CHECKS = {
    "symbol": _check_symbol,
    "operation": _check_operation,
    "relation": _check_relation,
    "name": _check_name,
    "dependency": _check_dependency,
}


def _cited(p: dict, result: Result, named: bool) -> Result:
    """Another name cites a related result ("Lenz's law in disguise", "the working principle of cyclotrons") rather
    than naming this one once the text has named the equation rightly; so does a bare name ("Newton's second law is
    about its rate of change") after the first sentence or clause (descriptions name their equation first)."""
    if result[0] == "contradicted" and (named or p.get("bare") and p.get("later")):
        return "unverifiable", f"{p['name']} is cited beside the equation"
    return result


# nouns for parts of an equation: "the denominator is ...", "the exponent is negative" are about this equation
_PARTS = set(
    tokens(
        "numerator denominator exponent argument side term result sum product ratio fraction prefactor factor "
        "coefficient expression formula equation output input answer quantity value total difference bracket "
        "logarithm root power constant sign"
    )
)


def _elsewhere(p: dict, result: Result, eq: _Equation) -> Result:
    """A claim in a clause about a quantity that is none of the equation's ('the half-life is ln 2 over lambda'):
    that quantity is derived from the equation, so its operators are not the equation's."""
    words = set(tokens(p["subject"]))
    known = set().union(*(t for _, _, t in eq.glossary.entries), set(tokens(eq.name or "")), _PARTS)
    shown = p.get("subject_math") and written_as(p["subject_math"], eq.latex) == "part"  # "the wavenumber $1/\lambda$"
    if result[0] == "contradicted" and words and not words & known and not shown:
        return "unverifiable", f"about the {p['subject']}, which is not a quantity of the equation"
    return result


def _in_context(kind: ClaimKind, p: dict, result: Result, named: bool, eq: _Equation) -> Result:
    """A claim's result once the rest of the text is known: a cited name, a clause about another quantity."""
    if kind == "name":
        return _cited(p, result, named)
    return _elsewhere(p, result, eq) if "subject" in p else result


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
    results = [(claim, kind, parts, CHECKS[kind](parts, eq)) for claim, kind, parts in found]
    # written maths that no part of the equation can be compared with ('3 m/s', 'n = 10') is no claim about it
    quiet = ("formula", "value", "over_all")  # maths and phrases that find nothing to compare say nothing
    results = [r for r in results if not (r[2].get("op") in quiet and r[3][0] == "unverifiable")]
    named = any(kind == "name" and status == "supported" for _, kind, _, (status, _) in results)
    claims = [
        Claim(claim=claim, kind=kind, status=status, evidence=evidence)
        for claim, kind, parts, result in results
        for status, evidence in [_in_context(kind, parts, result, named, eq)]
    ]
    s = score(claims)
    return GoldVerdict(verdict="wrong" if s < 0.5 else "ok" if s > 0.5 else "unverifiable", gold_score=s, claims=claims)
