"""Gold checks of operation claims: operators, signs, powers, where a factor sits (above or below the line), sums
and products of named symbols, and maths written in the text, against the equation's facts and layout."""

from __future__ import annotations

import re

from harness.gold.claims import to_latex
from harness.gold.equation import (
    Equation,
    Result,
    Status,
    hint,
    named_symbols,
    power_fits,
    target_symbol,
)
from harness.gold.layout import (
    BIG,
    groups,
    mentioned,
    placement,
    plain,
    relations_in,
    signs_of,
    terms,
    wrapped,
    written_as,
)
from harness.gold.operation_claims import OPERATIONS
from harness.gold.symbols import base_of, canon, forms
from harness.maths.relations import RELATION_SIGN


def check_operation(p: dict, eq: Equation) -> Result:
    """Operators count as absent only when neither the parsed facts nor the raw LaTeX show them."""
    op, facts, latex = p["op"], eq.facts, eq.latex
    if op == "power":
        return _check_power(p, eq)
    if op == "placement":
        return _check_placement(p, eq)
    if op == "formula":
        return check_formula(p["math"], eq, p.get("stated", True))
    if op == "combination":
        return _check_combination(p, eq)
    if op == "over_all":  # "the product of the weights $w_j$" where the equation sums them
        named = named_symbols(p["mention"], eq) - BIG
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
            return hint("the equation has no exponential")
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
        return "supported", f"the glossary or the name mentions {op.replace('_', ' ')}"  # "logarithmic spiral"
    if op in ("log2", "log10") and re.search(r"\\log(?!\s*_)", latex):
        return "unverifiable", "the logarithm's base is not written"
    # "where the probability of rain is high" talks about, not of, the equation
    if op == "probability" or not p.get("attached", True):
        return "unverifiable", f"{op.replace('_', ' ')} is mentioned in passing; the equation has none"
    return hint(f"the equation has no {op.replace('_', ' ')}")


def _check_sign(p: dict, eq: Equation) -> Result:
    """A sign claim about the term that holds everything the claim names ('minus twice x y sin phi'), or about
    one symbol's terms ('eta is subtracted')."""
    op, named = p["op"], named_symbols(p["mention"], eq)
    if len(named) >= 2 or any(b.startswith("\\") for b in named):  # a term, or the sum as a whole
        if not (found := signs_of(eq.sides(), named)):
            return "unverifiable", f"no term has {', '.join(sorted(named))}"
        ok = any(("-" if op == "minus" else "+") in sign for sign in found)
        evidence = f"the term with {', '.join(sorted(named))} has sign {'/'.join(sorted(found))}"
        return ("supported" if ok else "contradicted"), evidence
    if not named and p.get("phrase") and (key := target_symbol(p["phrase"], eq)) and eq.has(key):
        named = frozenset({forms(key)[3]})  # "plus the heat the gas absorbs": Q via the glossary
    if not named and p.get("named") and not eq.has(p["symbol"]):  # "minus the rebate R": a term it does not have
        return hint(f"the equation has no {p['named']} {p['symbol']}")
    if not (base := next(iter(named), None) or (forms(p["symbol"])[3] if p["symbol"] and eq.has(p["symbol"]) else "")):
        return check_operation({"op": op}, eq)
    signs = eq.layout.get(base, (frozenset(), frozenset()))[1]
    ok = "-" in signs if op == "minus" else "+" in signs or (not signs or "" in signs) and "+" in eq.latex
    return ("supported" if ok else "contradicted"), f"{base} has sign(s) {' '.join(sorted(signs)) or '+'}"


def _check_placement(p: dict, eq: Equation) -> Result:
    """'Multiplied by X' is false when X is only ever in a denominator, 'divided by X' when it never is; 'over Y times
    X' leaves open whether X is below the line."""
    wanted = "den" if p["below"] else "num"
    for math in re.findall(r"\$([^$]+)\$", p["target"]):  # 'times $\sin\phi$' for \sin^{2}\phi, a sign flipped
        if not p.get("power") and written_as(math, eq.latex) in ("sign", "power"):
            return check_formula(math, eq)
    if not (key := target_symbol(p["target"], eq)) or not eq.has(key):
        return _place_maths(p, wanted, eq)
    where = placement(eq.latex).get(forms(key)[3], frozenset())
    if inside := _unsaid_wrapper(p["said"], {forms(key)[3]}, eq):
        return "contradicted", f"{key} appears only inside {inside}"
    if (power := _stated_power(p, key, eq)) and power[0] == "contradicted":
        return power  # "divided by width" for w^2
    if not where or wanted in where:
        return "supported", f"{key} is {'in a denominator' if p['below'] else 'a factor'}"
    if p.get("loose"):  # "a over b times ln c" may multiply the whole fraction
        return "unverifiable", f"'{p['target']}' may multiply the fraction before it"
    return "contradicted", f"{key} is {'never in a denominator' if p['below'] else 'only in a denominator'}"


_WRAPPER_WORDS = {  # how a text says that a factor sits inside a function, a root or an exponent
    "log": r"\blog|\bln\b|logarithm",
    "exp": r"\bexp|e\s*\^|\be to\b|exponent|power",
    "trig": r"\bsin|\bcos|\btan",
    "root": r"\broot|\bsqrt",
    "power": r"\bpower|exponent|\^|raised",
}


def _unsaid_wrapper(said: str, bases: set[str], eq: Equation) -> str | None:
    """The function (log, exp, root, ...) that all of the named symbols only appear inside, when the text names
    them as plain factors ('k_B times the number of microstates' for k_B ln Omega); None otherwise."""
    inside = [wrapped(eq.latex).get(b) for b in bases]
    if not bases or not all(inside):
        return None
    common = frozenset.intersection(*inside)
    if common and not any(re.search(_WRAPPER_WORDS[w], said, flags=re.IGNORECASE) for w in common):
        return "/".join(sorted(common))
    return None


def _stated_power(p: dict, key: str, eq: Equation) -> Result | None:
    """The power a placement claims ('over the cube of d'; plain 'over d' is the first power) against
    the equation, where the symbol never appears plain."""
    if p.get("power") or forms(key)[3] not in plain(eq.latex):
        return power_fits(key, p.get("power") or "1", eq)
    return None


def _place_maths(p: dict, wanted: str, eq: Equation) -> Result:
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
    return "unverifiable", f"'{p['target']}' is not a symbol of the equation"


def _check_combination(p: dict, eq: Equation) -> Result:
    """'The sum of a and b' needs a and b in different terms of one part of the equation, 'the product of a and b'
    one term with both, 'the ratio of a to b' a above the line and b below it."""
    keys = [target_symbol(re.sub(r"\s+(?:squared|cubed)$", "", p[side]), eq) for side in ("a", "b")]
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


def is_expression(written: str) -> bool:
    """Whether maths written in a text ($...$) is more than one symbol: several symbols, a function, an operator."""
    math = re.sub(r"_\{[^{}]*\}|_\w", "", written.strip("$")) if written.startswith("$") else ""
    functions = r"\\(?:sqrt|d?frac|cos|sin|tan|exp|log|ln|sum|prod|int|max|min|nabla|partial|cdot|times)(?![a-z])"
    return len(mentioned(math)) > 1 or re.search(rf"[-+/=<>]|{functions}", math) is not None


_WRITTEN_WRONG = {  # how written maths can be a part of the equation gone wrong (gold.layout.written_as)
    "sign": "is a part of the equation with a sign flipped",
    "power": "leaves out the power the equation puts on a function in it",
    "inverted": "is a fraction of the equation upside down",
    "operator": "is a part of the equation with another operator",
}


def check_formula(math: str, eq: Equation, stated: bool = True) -> Result:
    """Maths written in the text: a symbol the equation lacks, among symbols it has, is invented ('e^{-(z + b)}' for
    e^{-z}); a term whose sign differs from the same term in a part of the equation with the same symbols is a sign
    error ('g(t + tau)' for g(t - tau)). A formula mostly of other symbols ('3 m/s') is about something else."""
    named = set(mentioned(math)) - BIG
    sides = [mentioned(side) for side in re.split(RELATION_SIGN, math)]
    if len(sides) > 1 and any(side and not side & eq.bases for side in sides):  # "$\tau = R C$"
        return "unverifiable", f"${math}$ defines a quantity the equation does not have"
    shown = (("e", OPERATIONS["exp"][2]), ("d", r"\\i+nt|\\frac\{d"))  # e^x for exp(x), the dx of an integral
    implied = {b for b, pattern in shown if re.search(pattern, eq.latex)}
    absent = sorted(b for b in named if b not in eq.bases | implied)
    if re.match(rf"\s*(?:{RELATION_SIGN})|.*(?:{RELATION_SIGN})\s*$", math):  # "y \propto ..." cut at its start
        return "unverifiable", f"${math}$ is a piece of a formula"
    if absent and stated and len(named) - len(absent) > max(1, len(absent)):
        return hint(f"the equation has no {', '.join(absent)} (in ${math}$)")
    if absent or not named:
        return "unverifiable", f"${math}$ is not about the equation's symbols"
    if relations_in(math) - eq.relations:
        return "unverifiable", f"${math}$ states another relation than the equation's"  # a bound it implies
    how = None if re.search(RELATION_SIGN, math) else written_as(math, eq.latex)
    if how in _WRITTEN_WRONG:
        return "contradicted", f"${math}$ {_WRITTEN_WRONG[how]}"
    return ("supported", f"${math}$ is a part of the equation") if how == "part" else _check_signs(math, eq)


def _check_signs(math: str, eq: Equation) -> Result:
    """The terms of each side of a written formula against the parts of the equation that hold them all."""
    parts = [g for side in (eq.facts.lhs, eq.facts.rhs) for g in groups(side)]
    compared = False
    for piece in (g for side in re.split(RELATION_SIGN, math) for g in groups(side)):
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


def _check_power(p: dict, eq: Equation) -> Result:
    want = p["exponent"]
    key = p["symbol"] or target_symbol(p["phrase"], eq)
    if key and eq.has(key) and forms(key)[3] in eq.layout:  # a glossary key such as the norm of w has no layout
        got = {canon(e) for e in eq.layout.get(forms(key)[3], (frozenset(), frozenset()))[0]}
        want = canon(want.replace(" minus ", "-"))
        partial = not want[-1:].isdigit() and any(base_of(want) in mentioned(e) for e in got)  # "b to the power k"
        if want in got or f"-{want}" in got or partial:
            return "supported", f"{key} has exponent {want}"
        return "contradicted", f"{key} has exponent(s) {', '.join(sorted(got)) or 'none'}, not {want}"
    every = set(eq.facts.exponents).union(*(e for e, _ in eq.layout.values()))
    if want in every or f"-{want}" in every or (not want[-1:].isdigit() and every):
        return "supported", f"the equation has exponent {want}"
    return hint(f"the equation has no exponent {want}")
