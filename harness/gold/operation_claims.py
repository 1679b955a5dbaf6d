"""Operation claims in a description: OPERATIONS (how a text names each operator, and how the equation's facts and
LaTeX show it, which gold.verdict checks against), exponents ('r squared', 'the fifth power of x'), signs ('kappa is
subtracted'), where a factor sits ('divided by the stiffness'), values, derivative orders, growth, sums and products
of named symbols. Extraction blanks what each pattern used (blank), so a phrase makes one claim."""

from __future__ import annotations

import re

from harness.gold.symbols import SYM, canon
from harness.gold.vocabulary import choices, table, words

# canonical operator -> (how a description says it, EquationFacts operators that show it, raw LaTeX that shows it)
OPERATIONS: dict[str, tuple[str, set[str], str]] = {
    "sum": (r"\bsum(?:s|med|ming|mation)?\b|\badd(?:s|ed|ing)?\s+(?:\w+\s+)?up\b", {"sum"}, r"\+|\\sum"),
    "product": (
        r"\bproduct over\b(?!\s+(?:their|its|the (?:sum|difference|square|norm|product)))|\binfinite products?\b",
        {"product"},
        r"\\prod",
    ),
    "multiplication": (
        r"\bproduct of\b|\bmultipl(?:ied|ies|y|ying)\b",
        {"product", "dot_product", "cross_product"},
        r"[A-Za-z}\)]\s*[A-Za-z\\(]|\\cdot|\\times",
    ),
    "plus": (  # not "adds up to": a sum
        r"\bplus\b|\badd(?:s|ed|ing)?\b(?!\s+(?:\w+\s+)?up\b)",
        {"sum"},
        r"\+|\\pm|\\sum",
    ),
    "minus": (r"\bminus\b|\bsubtract\w*|\bdifference\b|\bnegat(?:ed|ive (?:sign|of|sum|log))\b", set(), r"-|\\pm|\\mp"),
    "cube_root": (r"\bcube roots?\b", set(), r"\\sqrt\[3\]"),
    "integral": (r"\bintegra(?:l|te|ted|tes|ting|tion)\b", {"integral"}, r"\\i+nt|\\oint"),
    "sqrt": (r"\bsquare roots?\b|\bsqrt\b", {"sqrt"}, r"\\sqrt|\^\{?(?:1/2|0\.5)"),
    "derivative": (
        r"\bderivatives?\b|\bdifferentiat\w+|\brate of change\b",
        {"derivative", "partial_derivative", "gradient", "laplacian"},
        r"\\partial|\\frac\{d|\\dot|\\nabla",
    ),
    "partial_derivative": (
        r"\bpartial derivatives?\b|\bpartial differential\b",
        {"partial_derivative", "laplacian", "gradient"},
        r"\\partial|\\nabla",
    ),
    "gradient": (r"\bgradients?\b", {"gradient"}, r"\\nabla"),
    "laplacian": (r"\blaplacian\b", {"laplacian"}, r"\\nabla\^\{?2|\\Delta|\\nabla\s*\\cdot\s*\\nabla"),
    "curl": (r"\bcurl\b", set(), r"\\nabla\s*\\times|\{(?:curl|rot)\}"),
    "divergence": (r"\bthe divergence of\b", set(), r"\\nabla\s*\\cdot|\{div\}"),  # not "the KL divergence of"
    "log": (r"\blog(?:arithm\w*|s)?\b|\bln\b", {"log"}, r"\\log|\\ln"),
    "natural_log": (r"\bnatural log(?:arithm)?s?\b", set(), r"\\ln(?![a-z])|\\log(?!\s*_)|\\log_\{?e\b"),
    "log2": (
        r"\blog(?:arithm)? (?:to )?base[- ]?(?:2|two)\b|\bbase[- ](?:2|two) log|\bbinary log",
        set(),
        r"\\log_\{?2\b|\\lg\b",
    ),
    "log10": (
        r"\blog(?:arithm)? (?:to )?base[- ]?(?:10|ten)\b|\bbase[- ](?:10|ten) log|\b(?:common|decimal) log",
        set(),
        r"\\log_\{?10\b",
    ),
    "exp": (r"\bexponentials?\b|\bexponentially\b|\bexponentiat\w*", {"exp"}, r"\\exp|(?<![A-Za-z\\])e\^"),
    "fraction": (
        r"\bdivided by\b|\bdivid(?:es|ing)\b|\bratios?\b|\bquotient\b|\breciprocals?\b",
        {"fraction"},
        r"/|\\frac|\\over|\^\{?-",
    ),
    "inverse": (  # not "a real image is inverted"
        r"\binver(?:se|ting|sion)\b(?![- ]?(?:proportional|square|ratio|order))"
        rf"(?!\s+of\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+)?(?:{choices(words('operation', 'functions'))})\b)"
        r"|\binverted (?:matrix|covariance)",  # not "the inverse of the tangent function", a function's inverse
        {"inverse"},
        r"\^\{?-1|\\frac\s*\{\s*1\s*\}|(?<![\w.}])1\s*/",  # 1/x is the inverse of x
    ),
    "transpose": (r"\btranspos\w+", {"transpose"}, r"\^\{?(?:T|\\top)\b"),
    "expectation": (r"\bexpected value\b|\bexpectation\b", {"expectation"}, r"\\mathbb\{?E|\\langle|\\sum.*P\s*\("),
    "probability": (r"\bprobability of\b", {"probability", "conditional"}, r"(?<![A-Za-z\\])[Pp]\s*\(|\\Pr"),
    "max": (
        r"\b(?:maximum|supremum)\s+(?:of|over|between)\b|\b(?:argmax|arg max)\b"  # not "overshoots the minimum"
        r"|\b(?:the (?:larger|greater|bigger) of|whichever is (?:larger|greater))\b",  # not "the larger the mass"
        {"max", "argmax", "supremum"},
        r"\\max|\\sup|\\arg",
    ),
    "min": (
        r"\b(?:minimum|infimum)\s+(?:of|over|between)\b|\b(?:argmin|arg min)\b"
        r"|\b(?:the (?:smaller|lesser|lower) of|whichever is (?:smaller|lower))\b",
        {"min", "argmin", "infimum"},
        r"\\min|\\inf(?!ty)|\\arg",
    ),
    "limit": (r"(?<!\bin )\bthe limit\b|(?<!\bin the )\blimit as\b", {"limit"}, r"\\lim"),  # not "in the limit of"
    "norm": (r"\bnorm\b", {"norm"}, r"\\\||\\lVert"),
    "abs": (r"\babsolute (?:values?|differences?|deviations?|errors?)\b", {"abs"}, r"\|"),
    "factorial": (r"\bfactorial\b", {"factorial"}, r"!"),
    "sin": (r"\bsine\b|\bsinusoid\w*", {"sin"}, r"\\sin"),
    "cos": (r"\bcosine\b", {"cos"}, r"\\cos"),
    "softmax": (r"\bsoftmax\b", set(), r"softmax"),
    "sigmoid": (r"\b(?:logistic )?sigmoid\b", set(), r"\\sigma|sigmoid|\\frac\{1\}\{1\s*\+\s*e\^"),
    "tanh": (r"\btanh\b|\bhyperbolic tangent\b", set(), r"tanh"),
    "determinant": (r"\bdeterminant\b", {"determinant"}, r"\\det"),
    "trace": (r"\btrace of\b", {"trace"}, r"\\(?:operatorname\{|mathrm\{)?[tT]r\b"),
    "dot_product": (
        r"\b(?:dot|inner|scalar) products?\b",
        {"dot_product", "product"},
        r"\\cdot|\^\{?(?:T|\\top)|\\langle",
    ),
    "cross_product": (r"\bcross products?\b", {"cross_product"}, r"\\times"),
}


# an operation named by a noun is about the equation when the noun takes an object ("the cube root of V", "its
# natural logarithm", "uses a softmax"); "a pressure gradient", "a shifted softmax" only mention one in passing
_NOUN_OPERATION = re.compile(f"(?:{choices(words('operation', 'nouns'))})$", flags=re.IGNORECASE)
_OBJECT_AFTER = r"\w*\s*(?:(?:base[- ]?\w+|function|value)\s+)?(?:of|over|as|with respect to|in|on)\b|\w*\s*\("
_OWNER_BEFORE = (  # "uses a product over $j$ and a logarithm"
    r"\b(?:its|their|uses?|using|takes?|taking|applies|applying|involves?|contains?|has|have|with)\s+"
    r"(?:[^,;.]*\band\s+)?(?:(?:a|an|the)\s+)?(?:[\w-]+\s+)?$"
)


def _attached(m: re.Match, text: str) -> bool:
    if not _NOUN_OPERATION.search(m[0]):
        return True
    return bool(re.match(_OBJECT_AFTER, text[m.end() :]) or re.search(_OWNER_BEFORE, text[: m.start()]))


_EXPONENT_WORDS: dict[str, str] = table("operation", "exponents")  # "squared" -> "2"
_EXPONENT = r"[\w{}-]+(?:\s+(?:-|minus)\s+\w+\b)?"  # "to the power 2 - q"
POWER = re.compile(
    rf"(?:(?P<sym>{SYM})\s+(?:appears\s+|is\s+|enters\s+)?)?\b(?:(?P<w>squared|cubed)\b|raised to the"
    rf"(?: power of)?\s+(?P<p>minus one|{_EXPONENT})|to the (?:power(?: of)?\s+(?P<q>minus one|"
    rf"{_EXPONENT})|(?P<q2>\w+) power|(?P<q3>second|third|fourth|fifth|sixth|[a-z]-?th)\b))"  # "T to the fourth"
    rf"|\b[Tt]he (?P<w2>square|cube|(?:second|third|fourth|fifth|[a-z]-?th) power) of\s+(?:the\s+)?(?P<sym2>{SYM})?"
)


# the power a dependency or proportionality claims: "grows linearly with n", "proportional to the cube root of V"
_CLAIMED_POWER = [
    ("1/3", r"\bcube roots? of\b"),
    ("1/2", r"\b(?:square )?roots?\b(?! mean)|\bsqrt\b"),  # "divided by root n", not "root mean square"
    ("2", r"\bsquares? of\b|\bquadratic"),  # "quadratic in x", "the squares of the sides"
    ("3", r"\bcubes of\b"),
    ("1", r"\blinear"),
]


def claimed_power(said: str) -> str | None:
    """The power of its target that a phrase claims ('the fifth power of x', 'u squared', 'x^3', 'the cube root
    of V', 'linearly'), None where it claims none."""
    roots = next((power for power, pattern in _CLAIMED_POWER[:2] if re.search(pattern, said)), None)
    if roots or (m := POWER.search(said)) and (roots := _exponent_of(m)):
        return roots
    if m := re.search(r"\^\{?(-?\w+)", said):
        return m[1]
    return next((power for power, pattern in _CLAIMED_POWER[2:] if re.search(pattern, said)), None)


_UNTIL_NEXT_TERM = r"(?:(?!\b(?:plus|minus|equals|while|which|but)\b)[^,;.])*"
SIGN = re.compile(  # "kappa is subtracted", "Y appears with a negative sign", "minus twice x y times the sine"
    rf"(?P<sym>{SYM})\s+(?:is\s+|are\s+)?(?P<v>subtracted|added|negated)\b"
    rf"|(?:(?P<sym3>{SYM})\s*,?\s+)?\b(?:enter|appear|come)\w*\s+with\s+an?\s+(?P<w>minus|plus|negative|positive)\s+sign"
    rf"|\b(?P<w2>minus|plus)\s+(?!an?\s)(?:(?:twice|two times|half|\d+)\s+)?(?:the\s+(?=sum\b|integral\b))?"
    rf"(?P<sym2>{SYM}|sum\b|integral\b){_UNTIL_NEXT_TERM}"  # "one plus the integral of ..."
    r"|\b(?P<w4>minus|plus)\s+(?:(?:the|an?|half|twice)\s+)+(?P<named>(?:(?!(?:of|between|from|in|on|with|to|for)\b)"
    r"[a-z][a-z'’-]*\s+){1,4}?)(?P<pmath>\$[^$]{1,40}\$|\b[A-Z]\b(?!['’]))"  # "minus the rebate R", "offset $x - x_0$"
    r"|\b(?P<w3>minus|plus)\s+(?P<phrase>(?:the\s+|an?\s+)?[a-z][a-z'’ -]{2,50}?)"  # "the charge plus the dipole term"
    r"(?=\s*(?:[,;.]|$)|\s+(?:plus|minus|equals?|is|are|gives|which|while|and|over|divided|times)\b)"
)


# "multiplied by the stiffness", "divided by the bin width", "k q Q over d": where the factor sits
PLACEMENT = re.compile(
    r"(?:(?P<mul>\bmultipl(?:y|ies|ying|ied) by|\btimes)|(?P<div>\bdivid(?:e|es|ing|ed) by|\breciprocal of"
    r"|(?:(?<=\$)|(?<=\b[A-Za-z])|(?<=squared)|(?<=cubed)|(?<=\bone))\s+over))\s+(?P<what>(?:(?!\b(?:times|plus|minus|over|divided|multiplied|and|while|which|squared"
    r"|cubed|raised)\b)[^,;.:])+)"
)
# "the integral ... is $\pi$": a value written out, compared with where its symbols sit (under a root, say)
VALUE_IS = re.compile(
    r"\b(?:is|equals|gives|yields|evaluates to|comes to)\s+(?:exactly\s+|simply\s+|just\s+)?\$(?P<math>[^$]{1,30})\$"
)
_OVER_A_DOMAIN = r"\b(?:integra\w*|sum\w*|averag\w*|mean|expectation|max\w*|min\w*|supremum)\b[^,;.]*$"
ORDER = re.compile(r"\b(?P<o>first|second|third)[- ](?:order )?(?:partial )?derivative")
GROWTH = re.compile(r"\bexponential(?:ly)? (?P<a>decay|growth)|\b(?P<b>decay|grow)s? exponentially")


# "the sum of x and y", "the product of the charge and the field", "the ratio of the output to the input"
COMBINATION = re.compile(
    r"\b(?P<how>sum|product|difference|ratio|quotient)\s+(?:of|between)\s+(?P<a>[^,;:.()]{1,40}?)\s+(?:and|to)\s+"
    r"(?P<b>[^,;:.()]{1,40}?)(?=\s*(?:[,;:.)]|$)|\s+(?:is|are|was|divided|times|plus|minus|over|which|while|gives"
    r"|equals|then|raised|squared|all)\b)"
)


# "the product of the weights $w_j$", "the sum of all $x_j^2$": a sum or product over an index
OVER_ALL = re.compile(
    rf"\b(?P<how>product|sum)\s+of\s+(?:all\s+)?(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){{0,3}}?(?P<sym>{SYM})"
)


def blank(text: str, start: int, end: int) -> str:
    """The text with a used span turned to spaces, so that later patterns do not read it again and offsets hold."""
    return text[:start] + " " * (end - start) + text[end:]


def operation_claims(rest: str) -> tuple[list[tuple[str, dict]], str]:
    """Operation claims in what relation claims left (operators, powers, signs, placements, values, combinations),
    as (claim text, parts), and the text with what they used blanked."""
    out: list[tuple[str, dict]] = []
    for m in OVER_ALL.finditer(rest):
        out.append((m[0], {"op": "over_all", "how": m["how"], "mention": m["sym"]}))
    for m in COMBINATION.finditer(rest):
        out.append((m[0], {"op": "combination", "how": m["how"], "a": m["a"], "b": m["b"]}))
    for m in GROWTH.finditer(rest):
        out.append((m[0], {"op": "exp", "growth": (m["a"] or m["b"]).startswith("grow")}))
        rest = blank(rest, m.start(), m.end())
    for m in VALUE_IS.finditer(rest):
        out.append((m[0], {"op": "value", "math": m["math"]}))
    for m in ORDER.finditer(rest):
        out.append((m[0], {"op": "derivative", "order": ["first", "second", "third"].index(m["o"]) + 1}))
    for m in PLACEMENT.finditer(rest):
        if m["div"] and m["div"].strip() == "over" and re.search(_OVER_A_DOMAIN, rest[: m.start()]):
            continue  # "a sum of the charges over the cells": a domain, not a denominator
        reciprocal = r"\s*(?:the\s+)?(?:reciprocal|inverse) of\b|[^$,;]*\$\s*(?:1\s*/|\\frac\s*\{\s*1\s*\})"
        certain = bool(m["div"] or re.match(reciprocal, m["what"]))  # times 1/x, times the period $1/\gamma$
        after_line = (
            r"\bdivid\w+ by\s+(?:(?!\b(?:plus|minus|and)\b)[^,;.])*$|\bover\s+(?:\w+\s+){0,2}$"  # by 8 mu times L
        )
        below = certain or re.search(after_line, rest[: m.start()]) is not None
        what = re.sub(r"\b(?:the|an?|its|their)\b", "", m["what"])  # a derivative's variables are below the line
        if re.search(r"[A-Za-z$\\]", what) and not re.search(r"derivative|gradient|rate of change|divergence", what):
            lead = re.split(r"[,;:]", rest[max(0, m.start() - 50) : m.start()])[-1]  # "b to the power k times c"
            parts = {"op": "placement", "below": below, "target": m["what"], "loose": below and not certain}
            parts["said"] = f"{lead} {m[0]}"
            trail = re.match(r"\s*(?:squared|cubed|\^\{?-?\w+\}?)", rest[m.end() :])  # "times v squared"
            parts["power"] = claimed_power(m[0] + (trail[0] if trail else ""))
            out.append((m[0].strip(), parts))
    rest = _sign_claims(rest, out)
    rest = _power_claims(rest, out)
    words = re.sub(r"\$[^$]*\$", lambda m: " " * len(m[0]), rest)  # "$1/\sqrt{N}$" is maths, read as a formula
    for op, (pattern, _, _) in OPERATIONS.items():
        found = re.finditer(pattern, words, flags=re.IGNORECASE)  # not "a log-scaled axis"
        out += [
            (m[0], {"op": op, "attached": _attached(m, words)})
            for m in found
            if not re.search(r"[A-Za-z]-$", words[: m.start()])
        ]
    return out, rest


def _sign_claims(rest: str, out: list[tuple[str, dict]]) -> str:
    """Sign claims, with what they are about: one symbol, or all the symbols named ('minus twice x y sin phi')."""
    for m in SIGN.finditer(rest):
        minus = (m["v"] or m["w"] or m["w2"] or m["w3"] or m["w4"]) in ("subtracted", "negated", "minus", "negative")
        if m["pmath"]:  # the term is named in words and written: the written symbols say which
            first = re.search(SYM, m["pmath"])
            parts = {"op": "minus" if minus else "plus", "symbol": canon(first[0]) if first else ""}
            out.append((m[0].strip(), parts | {"mention": m["pmath"], "named": m["named"].strip()}))
            continue
        if m["phrase"]:
            parts = {"op": "minus" if minus else "plus", "symbol": "", "mention": "", "phrase": m["phrase"]}
            out.append((m[0].strip(), parts))
            continue
        if m["w"] and not m["sym3"]:  # "... the gap $x - x_0$, which appears with a negative sign"
            maths = re.findall(r"\$[^$]+\$", rest[: m.start()])
            mention = maths[-1] if maths else ""
        else:
            mention = m[0][m.start("sym2") - m.start() :] if m["w2"] else (m["sym"] or m["sym3"])
        first = re.search(SYM, mention)
        parts = {"op": "minus" if minus else "plus", "symbol": canon(first[0]) if first else "", "mention": mention}
        out.append((m[0].strip(), parts))
        rest = blank(rest, m.start(), m.end("sym2") if m["w2"] else m.end())
    return rest


_VERB = r"\b(?:is|are|was|equals?|gives|of|times|by|over|plus|minus|and)\b"
# "squared residual", "squared Frobenius norm": the word after 'squared' is what is squared, unless it continues the sum
_NOUN_NEXT = (
    r"\s+(?!(?:and|or|plus|minus|times|over|divided|multiplied|is|are|was|equals?|gives|by|in|to|with|than|for|from"
    r"|at|on|which|that|while|where|so|but|as|then|gets|yields|makes)\b)[A-Za-z]"
)


def _exponent(word: str) -> str | None:
    """'squared' -> '2', 'fourth power' -> '4', 'n-th' -> 'n', '{k}' -> 'k'; None for what is no exponent."""
    word = word.strip("{}").removesuffix(" power")
    if word in _EXPONENT_WORDS:
        return _EXPONENT_WORDS[word]
    if m := re.fullmatch(r"([a-z])-?th", word):
        return m[1]
    return None


def _exponent_of(m: re.Match) -> str | None:
    """The exponent a POWER match names: 'squared' -> '2', 'the fifth power of' -> '5', 'to the power k' -> 'k'."""
    raw = m["p"] or m["q"]
    return _exponent(m["w"] or m["w2"] or m["q2"] or m["q3"] or "") if not raw else _exponent(raw) or raw.strip("{}")


def _power_claims(rest: str, out: list[tuple[str, dict]]) -> str:
    for m in POWER.finditer(rest):
        if exponent := _exponent_of(m):
            sym, after = m["sym"] or m["sym2"], re.split(r"[,;:]", rest[m.end() :])[0]
            if m["w"] and not sym and re.match(_NOUN_NEXT, after):  # "the squared distance of P", "squared residuals"
                named = (s[0] for s in re.finditer(SYM, " ".join(after.split()[:5])))
                sym = next((s for s in named if s not in ("a", "A", "I")), None)
                near = []
            elif m["w2"]:  # "the square of its width"
                near = after.split()[:5]
            else:  # "r squared", "the area is the side squared"
                near = re.split(_VERB, re.split(r"[,;:]", rest[: m.start()])[-1])[-1].split()[-4:]
            parts = {
                "op": "power",
                "exponent": exponent,
                "symbol": canon(sym) if sym else None,
                "phrase": " ".join(near),
            }
            out.append((m[0].strip(), parts))
        rest = blank(rest, m.start(), m.end())
    return rest
