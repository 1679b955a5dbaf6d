"""The checkable claims of a free-text description of an equation: symbol meanings, operations, the relation, the
equation's name, dependencies and invented terms, found by regular expressions over sentences (harness.gold checks
them), and maths written inline without $...$ ('b^2 + 4ac').

Extraction misses claims it has no pattern for; what it finds is kept with its parts for checking. Asides are set
apart: derivations ('taking the square root gives ...'), properties ('integrates to one'), other named results.
"""

from __future__ import annotations

import re
from typing import Literal

from harness.meanings import lemma, tokens
from harness.symbols import GREEK, SYM, SYMBOL_SHAPE, canon

ClaimKind = Literal["symbol", "operation", "relation", "name", "dependency"]

# --- extraction ----------------------------------------------------------------------------------------------
_GENERIC = {  # meanings that say nothing about a symbol: "x is the variable", "the term on the left"
    "equation",
    "formula",
    "expression",
    "relation",
    "term",
    "symbol",
    "variable",
    "quantity",
    "parameter",
    "value",
    "constant",
    "function",
    "left",
    "right",
    "side",
    "hand",
    "result",
    "law",
    "rule",
    "power",
    "exponent",
}
_ART = r"(?:the|an?)\s+"
_AT_WHICH = "".join(rf"(?<!\b{p})" for p in ("at", "in", "on", "to", "by", "for", "from", "of", "with"))
_MEANING = (  # a noun phrase up to its clause's end; "the angle at which the light arrives" is one
    rf"(?P<meaning>[^,;:.()\n]{{2,90}}?)(?=\s*(?:[,;:.()]|$)|\s+(?:and|while|whereas|so|because|but)\b"
    rf"|{_AT_WHICH}\s+which\b)"
)
_POSS = r"(?:the|an?|its|their)\s+"
_WORD = r"(?!(?:the|an?|that|this|is|are|was|where|which|and|or|with|here|it|in|its|[A-Za-z])\b)[\w'’-]+"
_LAST = (
    r"(?!(?:of|over|by|to|on|at|for|from|between|minus|plus|times|and|than|as|like|across|through|into|under|along"
    r"|with|in|against|toward|towards|onto|around|within)\b)" + _WORD
)
_AFTER = (
    r"(?=\s*(?:[,;:.)]|$|\b(?:and|is|are|times|divided|plus|minus|over|by|multiplied|to|in|of|with|raised"
    r"|squared|cubed|at|on|from|for|equals|appears|enters|decays|grows|depends)\b))"
)
SYMBOL_PATTERNS = [
    re.compile(p)
    for p in (
        # "c is the speed of light", "x_i being the input", "k, known as", "FN counts the false negatives"
        rf"(?P<sym>{SYM})(?:\s+|\s*,\s*(?=known|called))(?:(?:is|being|are)\s+{_ART}|(?:denot\w+|represent\w*"
        rf"|stand\w* for|refers to|is used for|measures|means|counts|corresponds to"
        rf"|(?:is\s+)?(?:also\s+)?(?:known as|called|termed))\s+(?:{_ART})?){_MEANING}",
        rf"(?:[,;]|\band|\bwith)\s+(?P<sym>{SYM})\s+{_POSS}{_MEANING}",  # "..., m the mass", "and S its entropy"
        rf"\b(?:[Tt]he|[Aa]n?|[Ii]ts)\s+(?P<meaning>(?:{_WORD}\s+(?:the\s+|an?\s+)?){{0,7}}{_LAST}),\s+(?P<sym>{SYM}),",
        rf"\b(?:[Tt]he|[Aa]n?|[Ii]ts|[Aa]ny|[Ee]ach|[Ee]very)\s+(?P<meaning>(?:{_WORD}\s+){{0,4}}?{_LAST})\s+\(?(?P<sym>{SYM})\)?"
        rf"{_AFTER}",  # "the mass m", "any prime $p$"
        rf"(?P<sym>{SYM})\s*(?:\(\s*|,\s+){_POSS}(?P<meaning>(?:{_WORD}\s+(?:the\s+|an?\s+)?){{0,5}}{_LAST})\s*(?:[),;.]|$)",
    )
]
SYMBOL_LIST = re.compile(
    rf"(?P<syms>{SYM}(?:\s*,\s*{SYM})*,?\s+(?:and|times)\s+{SYM})(?:,?\s+(?:which|that))?\s+(?:are|denote|represent)\s+"
    rf"(?:{_ART})?{_MEANING}"
)
_ARITHMETIC = re.compile(r"\b(?:over|times|divided|multiplied|plus|minus)\b")
_OPERATION_MEANING = re.compile(
    r"^(?:\w+\s+)?(?P<op>function|sum|product|ratio|difference|quotient|square|cube|root"
    r"|inverse|derivative|logarithm|log|exponential|integral|fraction|multiple|power"
    r"|transpose|combination|maximum|minimum|supremum|infimum)\s+(?:of|over|between)\b"
)

_TITLES = r"law|rule|theorem|equation|inequality|formula|identity|principle|lemma"
_NAME_WORDS = (
    rf"{_TITLES}|recurrence|distribution|density|estimator|divergence|entropy|approximation|transform"
    r"|function|loss|error|update|normali[sz]ation|attention|descent|bound|equivalence|distance|metric|score"
    r"|coefficient|number|index|statistic|similarity|impurity|criterion|objective|kernel"
)
# words that start a noun phrase or a sentence, never a name: "Double the distance", "Every introductory statistics"
_DETERMINERS = (
    "The|This|That|These|Those|It|Its|Their|In|An?|Here|We|For|By|Each|Every|All|Any|Some|No|Our|When|Where|Using"
)
# what names a whole equation, not a quantity in it ("which is the charge density" gives a meaning, not a name)
_WHOLE = rf"{_TITLES}|distribution|objective|transform|divergence|estimator|approximation|recurrence|series|criterion"
_NAME_END = (
    r"(?=\s*(?:[,;:.()!?]|$)|\s+(?:and|which|that|because|but|from|in|for|is|was|states|gives|relates|says"
    r"|describes|expresses)\b)"
)
NAME_PATTERNS = [
    re.compile(p)
    for p in (
        rf"\b(?i:known as|called|named|referred to as|termed|name is)\s+(?:the\s+)?(?P<name>[^,;:.()]{{2,60}}?)"
        rf"{_NAME_END}",
        rf"\b(?i:this is|it is|which is|equation is|looking at)\s+(?P<name>(?:the\s+)?[A-Z][^,;:.()]{{2,60}}?|the\s+"
        rf"(?:[\w'’-]+\s+){{0,4}}?(?:{_WHOLE})s?\b(?: of (?:[a-z-]+\s?){{1,3}})?){_NAME_END}",
        rf"(?P<name>\b(?!(?i:{_DETERMINERS})\b)(?:[A-Z][\w'’-]*\s+)+"
        rf"(?:(?!(?i:{_DETERMINERS}|into|to|from|for|with|of|on|at|by|as)\b)[a-z-]+\s+){{0,2}}(?:{_NAME_WORDS}))s?\b",
        rf"^\s*[Tt]he\s+(?P<name>(?:[a-z-]+\s+){{1,3}}(?:{_TITLES})|(?:{_TITLES}) of (?:[a-z-]+\s?){{1,3}}"
        rf"|(?:[a-z-]+\s+){{1,3}}(?:{_WHOLE})(?=\s+(?:gives|says|states|describes|models|assigns)\b))\b",
        # a heading: "SARSA update: move Q(s, a) toward ..."
        rf"^\s*(?P<name>(?!(?i:{_DETERMINERS})\b)(?:[\w'’-]+\s+){{0,3}}[\w'’-]*?(?:{_NAME_WORDS}))s?\s*:",
    )
]
NAME_ALIASES = {
    "gaussian": "normal",
    "kl": "kullback leibler",
    "relative entropy": "kullback leibler divergence",
    "bayesian": "bayes",
    "ols": "ordinary least squares",
    "mse": "mean squared error",
    "sgd": "stochastic gradient",
    "rbf": "radial basis function",
}
NAME_GENERIC = {
    lemma(w)
    for w in re.sub(r"\[sz\]", "s", _NAME_WORDS).split("|")
    + "celebrated famous well known "
    "above following same simple given whole entire original full final resulting previous basic key "
    "governing main underlying central standard general classic classical elegant important "
    "fundamental most used useful common popular remarkable beautiful".split()
}
_NOT_THE_NAME = {
    "from",
    "using",
    "via",
    "like",
    "unlike",
    "than",
    "with",
    "of",
    "by",
    "generalises",
    "generalizes",
    "extends",
    "to",
    "and",
    "or",
}  # "follows from Newton's second law" does not name this equation

_FIELDS = ("concentration", "temperature", "pressure", "density", "potential", "velocity")  # "... gradient": d/dx
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
    "plus": (  # not "adds up to", "adds 10 dB", "adding a second component"
        r"\bplus\b|\badd(?:s|ed|ing)?\b"
        r"(?!\s+(?:\w+\s+)?up\b|\s+(?:about\s+|roughly\s+)?(?:\d|another\b|a second\b|more\b|nothing\b))",
        {"sum"},
        r"\+|\\pm|\\sum",
    ),
    "minus": (r"\bminus\b|\bsubtract\w*|\bdifference\b|\bnegat(?:ed|ive (?:sign|of|sum|log))\b", set(), r"-|\\pm|\\mp"),
    "cube_root": (r"\bcube roots?\b", set(), r"\\sqrt\[3\]"),
    "integral": (r"\bintegra(?:l|te|ted|tes|ting|tion)\b", {"integral"}, r"\\i+nt|\\oint"),
    "sqrt": (r"\bsquare roots?\b|\bsqrt\b", {"sqrt"}, r"\\sqrt|\^\{?(?:1/2|0\.5)"),
    "derivative": (
        rf"\bderivatives?\b|\bdifferentiat\w+|\brate of change\b|\b(?:{'|'.join(_FIELDS)})\s+gradients?\b",
        {"derivative", "partial_derivative", "gradient", "laplacian"},
        r"\\partial|\\frac\{d|\\dot|\\nabla",
    ),
    "partial_derivative": (
        r"\bpartial derivatives?\b|\bpartial differential\b",
        {"partial_derivative", "laplacian", "gradient"},
        r"\\partial|\\nabla",
    ),
    "gradient": ("".join(rf"(?<!{w} )" for w in _FIELDS) + r"\bgradients?\b", {"gradient"}, r"\\nabla"),
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
        r"(?!\s+of\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+)?(?:sigmoid|logistic|exponential|function|transform|map|sine|cosine|cdf)\b)"
        r"|\binverted (?:matrix|covariance)",  # not "the inverse of the logistic sigmoid", a function's inverse
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
_EXPONENT_WORDS = {
    "square": "2",
    "squared": "2",
    "cube": "3",
    "cubed": "3",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "two": "2",
    "three": "3",
    "four": "4",
    "minus one": "-1",
}
_EXPONENT = r"[\w{}-]+(?:\s+(?:-|minus)\s+\w+\b)?"  # "to the power 1 - alpha"
POWER = re.compile(
    rf"(?:(?P<sym>{SYM})\s+(?:appears\s+|is\s+|enters\s+)?)?\b(?:(?P<w>squared|cubed)\b|raised to the"
    rf"(?: power of)?\s+(?P<p>minus one|{_EXPONENT})|to the (?:power(?: of)?\s+(?P<q>minus one|"
    rf"{_EXPONENT})|(?P<q2>\w+) power|(?P<q3>second|third|fourth|fifth|sixth|[a-z]-?th)\b))"  # "T to the fourth"
    rf"|\b[Tt]he (?P<w2>square|cube|(?:second|third|fourth|fifth|[a-z]-?th) power) of\s+(?:the\s+)?(?P<sym2>{SYM})?"
)
_UNTIL_NEXT_TERM = r"(?:(?!\b(?:plus|minus|equals|while|which|but)\b)[^,;.])*"
SIGN = re.compile(  # "eta is subtracted", "X enters with a minus sign", "plus twice a b times the cosine"
    rf"(?P<sym>{SYM})\s+(?:is\s+|are\s+)?(?P<v>subtracted|added|negated)\b"
    rf"|(?:(?P<sym3>{SYM})\s*,?\s+)?\b(?:enter|appear|come)\w*\s+with\s+an?\s+(?P<w>minus|plus|negative|positive)\s+sign"
    rf"|\b(?P<w2>minus|plus)\s+(?!an?\s)(?:(?:twice|two times|half|\d+)\s+)?(?:the\s+(?=sum\b|integral\b))?"
    rf"(?P<sym2>{SYM}|sum\b|integral\b){_UNTIL_NEXT_TERM}"  # "one minus the sum of ..."
    r"|\b(?P<w4>minus|plus)\s+(?:(?:the|an?|half|twice)\s+)+(?P<named>(?:(?!(?:of|between|from|in|on|with|to|for)\b)"
    r"[a-z][a-z'’-]*\s+){1,4}?)(?P<pmath>\$[^$]{1,40}\$|\b[A-Z]\b(?!['’]))"  # "minus the taxes T", "... gap $y - y^*$"
    r"|\b(?P<w3>minus|plus)\s+(?P<phrase>(?:the\s+|an?\s+)?[a-z][a-z'’ -]{2,50}?)"  # "heat in plus the work done"
    r"(?=\s*(?:[,;.]|$)|\s+(?:plus|minus|equals?|is|are|gives|which|while|and|over|divided|times)\b)"
)
# "no smaller than minus one" names a number, not a subtraction
_VALUE = re.compile(
    r"\b(?:than|below|above|to|from|least|most|exceeds?|equals?|is|be)\s+(?:minus|negative|plus|positive)\s+"
    r"(?:one|two|three|four|five|ten|half|infinity|\d+(?:\.\d+)?)\b"
)
# "multiplied by the viscosity", "divided by the expected count", "G M m over r": where the factor sits
PLACEMENT = re.compile(
    r"(?:(?P<mul>\bmultipl(?:y|ies|ying|ied) by|\btimes)|(?P<div>\bdivid(?:e|es|ing|ed) by|\breciprocal of"
    r"|(?:(?<=\$)|(?<=\b[A-Za-z])|(?<=squared)|(?<=cubed)|(?<=\bone))\s+over))\s+(?P<what>(?:(?!\b(?:times|plus|minus|over|divided|multiplied|and|while|which|squared"
    r"|cubed|raised)\b)[^,;.:])+)"
)
DIVIDES = re.compile(
    r"\b[Dd]ivid(?:e|es|ing)\s+(?!by\b)[^,;.]{2,60}?\s+by\s+(?P<what>[^,;.]{1,60}?)(?=\s*(?:[,;.]|$)|\s+(?:and|then|so|which)\b)"
)
# "the integral ... is $\pi$": a value written out, compared with where its symbols sit (under a root, say)
VALUE_IS = re.compile(
    r"\b(?:is|equals|gives|yields|evaluates to|comes to)\s+(?:exactly\s+|simply\s+|just\s+)?\$(?P<math>[^$]{1,30})\$"
)
_OVER_A_DOMAIN = r"\b(?:integra\w*|sum\w*|averag\w*|mean|expectation|max\w*|min\w*|supremum)\b[^,;.]*$"
ORDER = re.compile(r"\b(?P<o>first|second|third)[- ](?:order )?(?:partial )?derivative")
GROWTH = re.compile(r"\bexponential(?:ly)? (?P<a>decay|growth)|\b(?P<b>decay|grow)s? exponentially")
_NOT_OF = r"(?!\s+(?:one|two|some|\d+)\s+of\b)"  # "at least one of the events" counts events
RELATIONS = [
    ("propto", r"\b(?:inversely )?proportional to\b|\bproportionality\b"),
    (
        "approx",
        r"\bapproximately equal|\bapproximat(?:es|ed by)\b|\broughly equal"
        r"|\b(?:is|are) (?:only |just |merely )?an approximation\b",  # "it is only an approximation"
    ),
    (
        "<=",
        rf"\bat most\b{_NOT_OF}|\bno (?:greater|more|larger) than\b|\bbounded above\b|\bupper bound|\bless than "
        r"or equal|\b(?:does not|cannot|never) exceed\w*|\bnever (?:larger|greater|bigger|more) than"
        r"|\b(?:never|not) positive\b|\bnon-?positive\b",  # a bound against zero
    ),
    (
        ">=",
        rf"\bat least\b{_NOT_OF}|\bno (?:less|smaller|fewer) than\b|\bbounded below\b|\blower bound|\bgreater "
        r"than or equal|\bnever (?:falls )?below|\bnever (?:smaller|less|lower) than"
        r"|\b(?:never|not) negative\b|\bnon-?negative\b",
    ),
    ("<", r"\bis (?:strictly )?(?:less|smaller) than\b(?!\s+-?\d)|\b(?:stays?|remains?|lies) (?:below|under)\b"),
    (
        ">",
        r"\bis (?:strictly )?(?:greater|larger) than\b(?!\s+-?\d)|\bexceeds\b(?!\s+-?\d)"
        r"|\b(?:stays?|remains?|lies) above\b",
    ),
    ("ineq", r"\binequalit(?:y|ies)\b|\bbounds\b"),
    (  # not "is exactly why", "is exactly one"
        "=!",
        r"\bequals exactly\b|\bexactly equal|\b(?:is|are|gives) exactly\b"
        r"(?!\s+(?:zero|one|two|half|the same|why|how|what|where|when|because|as|like|\d))"
        r"|\b(?:with )?no approximation\b|\bwithout (?:any )?approximation\b"
        r"|\bequals\s+(?:\$[^$]*\$|[^,;.$]{1,30}?)\s+exactly\b",  # "equals $x/\ln x$ exactly once x is large"
    ),
    ("=", r"\bequals\b|(?<!or )\bequal to\b|\bis defined as\b|\bidentity\b(?! matrix)"),
]
DEPENDENCY = re.compile(
    r"(?P<neg>\b(?:does not|doesn't|do not|don't|never)\s+depends?\s+on|\bindependent of"
    r"|\bregardless of|\bunaffected by)|\b(?:depends?|depending|relies|dependent)\s+(?:(?P<only>only|solely)\s+|"
    r"directly\s+)?on|\bis a function of|\b(?:vary|varies|changes?|(?P<up>grows?|increases?|rises?)"
    r"|(?P<down>decreases?|falls?|shrinks?)(?:\s+off)?)(?:\s+(?P<how>linearly|quadratically))?\s+with\b"
    r"|\b(?:hinges|rests) on|\bis sensitive to"
    r"|\bis (?:(?P<only2>only|solely|entirely)\s+)?(?:affected|determined|set|governed|controlled) by"
    r"|\b(?:is )?(?P<how2>linear|quadratic) in\b"
)
# the power a dependency or proportionality claims: "grows linearly with v", "proportional to the square root of L"
_CLAIMED_POWER = [
    ("1/3", r"\bcube roots? of\b"),
    ("1/2", r"\b(?:square )?roots?\b(?! mean)|\bsqrt\b"),  # "divided by root n", not "root mean square"
    ("2", r"\bsquares? of\b|\bquadratic"),  # "the inverse square of the distance"
    ("3", r"\bcubes of\b"),
    ("1", r"\blinear"),
]


def claimed_power(said: str) -> str | None:
    """The power of its target that a phrase claims ('the fourth power of T', 'v squared', 'x^3', 'the square root
    of L', 'linearly'), None where it claims none."""
    roots = next((power for power, pattern in _CLAIMED_POWER[:2] if re.search(pattern, said)), None)
    if roots or (m := POWER.search(said)) and (roots := _exponent_of(m)):
        return roots
    if m := re.search(r"\^\{?(-?\w+)", said):
        return m[1]
    return next((power for power, pattern in _CLAIMED_POWER[2:] if re.search(pattern, said)), None)


_LIST_END = (  # where the list of things something depends on ends: "grows with M and falls with r", "... and it"
    r"[.;:()]|\bbut\b|\bwhile\b|\bwhich\b|,\s*(?:so|as|because|since|making|meaning|whereas|with|not)\b"
    r"|\bas well\b|\btoo\b|\balso\b|\b(?:it|they|this|that)\b|\b(?:does|do|is|are|falls?|grows?|rises?|decreases?"
    r"|increases?|shrinks?|varies|vary|changes?|depends?)\b"
)
INVENTED = re.compile(  # "plus a correction term", "less an account fee $f$", "scaled by a parameter $\beta$"
    rf"\b(?:plus|adds?|added|adding|includes?|including|an? additional|an? extra|minus|less|subtracts?|carries"
    rf"|multiplied by|divided by|scaled by|weighted by|with)\s+(?:also\s+)?(?:an?\s+|the\s+)?"
    rf"(?P<desc>(?:[\w'’-]+\s+){{0,3}}?)"
    rf"(?:(?P<noun>term|factor|penalty|offset|correction|regulari[sz]er|constant)\b(?:\s+(?:of\s+)?(?P<sym>{SYM}))?"
    rf"|(?P<math>\$[^$]{{1,40}}\$))"
)
POSITIONAL = {
    lemma(w)
    for w in "first second third last final leading other each whole entire same small large "
    "additional extra new single constant term factor".split()
}


# Clauses about what the equation is for or leads to, not what it contains: "minimises the sum of squares",
# "to keep gradients stable", "solves to n log n", "taking the square root gives c = sqrt(a^2 + b^2)", "its derivative
# is 1 for positive x", "integrates to one" (properties of the function, not operators in it), "Exponentiating both
# sides gives the odds" (a derivation from it).
_ASIDE = re.compile(
    r"\b(?:(?:minimi|maximi|optimi)[sz]\w*|to (?:keep|make|avoid|prevent|ensure|stabili[sz]e)|so that"
    r"|in order to|solves to|grows like|scales (?:like|as)|asymptotically|taking the|rearrang\w+|solving for"
    r"|solved for|(?:[Ii]ts|[Tt]heir) (?:derivative|gradient|integral|antiderivative|rate of change)s?"
    r"|(?:integrat|sum|add)\w* (?:up )?to (?:one|1|unity|zero|0))\b[^,;.]*"
    r"|^\s*[A-Z][a-z]+ing\b(?:\s+[^\s,;.]+){0,5}\s+(?:gives|yields|leads to|produces|turns|shows|proves)\b[^;.]*"
    r"|\bthan\s+(?:the\s+|an?\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:does|do|is|are|would)\b"  # "than squared error does"
)


# a clause that says what some named quantity is; harness.gold sets aside its claims when no glossary meaning, no
# part of the equation and not the equation's name is that quantity
_SUBJECT = re.compile(
    r"(?:^\s*|[,;:]\s+|\b(?:and|so|while|whereas|hence|thus)\s+)(?:[Tt]he|[Ii]ts|[Tt]heir)\s+"
    r"(?P<subject>(?:[a-z'’-]+\s+){0,3}?[a-z'’-]{3,})\s+(?:\$(?P<math>[^$]*)\$\s+)?(?P<body>(?:is|are|equals|becomes)\s+"
    r"(?!(?:that|why|how|what|because)\b)[^,;:.]+)"  # not "the key property is that x is ..."
)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


# a symbol right before "known as" / "called", after a word rather than maths ("E = m c^2, known as ..." names)
_OF_SYMBOL = re.compile(rf"(?:^|\b[A-Za-z]{{2,}}[,:]?\s+|[(,]\s*)(?:{SYM})\s*,?\s*(?:(?:is|are)\s+)?(?:also\s+)?$")


def extract_claims(text: str) -> list[tuple[str, ClaimKind, dict]]:
    """(claim text, kind, parsed parts) for each claim found. Names and symbol meanings are taken first and blanked
    out, so 'p_k is the predicted probability of class k' is not read as a claim that the equation has P(.)."""
    claims: list[tuple[str, ClaimKind, dict]] = []
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z$\\(\"'])|\n+", text[:20000])  # longer texts are cut
    for index, sentence in enumerate(sentences):
        rest = sentence
        for pattern in NAME_PATTERNS:
            for m in pattern.finditer(rest):
                before = rest[: m.start("name")].split()
                previous = next((w.lower() for w in reversed(before) if w.lower() not in ("the", "a", "an")), "")
                initial = (
                    not before
                    and pattern is NAME_PATTERNS[2]
                    and not re.search(r"\w['’]", m["name"])
                    and re.search(r"(?:error|loss|function|bound|update|density|estimator)s?$", m["name"])
                    and not rest[m.end() :].startswith(":")  # "SARSA update: ..." is a heading
                )
                if re.search(_OF_SYMBOL, rest[: m.start()]):  # "k, known as the rate constant": a meaning of k
                    continue
                if not initial and previous not in _NOT_THE_NAME:  # "by the Cauchy-Schwarz inequality": cited
                    bare = pattern is NAME_PATTERNS[2]  # not "this is ...", "known as ..."
                    later = index > 0 or re.search(r"[;:]", rest[: m.start("name")]) is not None  # "...; it equals KL"
                    claims.append((m[0].strip(), "name", {"name": m["name"], "bare": bare, "later": later}))
                rest = _blank(rest, m.start("name"), m.end("name"))
        rest = _list_claims(rest, claims)
        for pattern in SYMBOL_PATTERNS:
            for m in pattern.finditer(rest):
                key, meaning = canon(m["sym"]), m["meaning"].strip()
                toks = set(tokens(meaning))
                if not SYMBOL_SHAPE.fullmatch(key) or not toks or toks <= _GENERIC or _ARITHMETIC.search(meaning):
                    continue  # "the standard deviation over root n" is arithmetic, not what n means
                if re.match(rf"(?:{_UP}|{_DOWN}|\w+er)\s+(?:the|its)\b", meaning):
                    continue  # "the larger the distance r, the weaker the force": a consequence, not what r is
                object_of = re.search(
                    r"\b(?:of|for|in|on|at|over|across|through|between|from|into|under|along)\s+(?:(?:the|an?)\s+)?(?:\w+\s+){0,2}$",
                    rest[: m.start()],
                )
                in_product = re.search(rf"(?:{SYM})\s+$", rest[: m.start()]) and pattern is SYMBOL_PATTERNS[4]
                if object_of and pattern in SYMBOL_PATTERNS[:2] or in_product:
                    continue  # "the value of a state s is ...": s is not the subject (but "the product of f, its ...")
                operation = _OPERATION_MEANING.match(meaning)  # "X^T is the transpose of X"
                structural = operation["op"] if operation else ""
                clear = m["sym"].startswith(("$", "\\")) or m["sym"] not in ("a", "A", "I")
                weak = pattern is SYMBOL_PATTERNS[3] and re.search(r"\s(?:of|between|on|in|at|for)\s", meaning)
                claims.append(
                    (
                        m[0].strip(),
                        "symbol",
                        {
                            "symbol": key,
                            "written": m["sym"],
                            "meaning": meaning,
                            "clear": clear,
                            "structural": structural,
                            "weak": bool(weak),
                        },
                    )
                )
                rest = rest if structural else _blank(rest, m.start("meaning"), m.end("meaning"))
        rest = re.sub(_ASIDE, lambda m: " " * len(m[0]), rest)
        for m in _SUBJECT.finditer(rest):  # "the half-life is ln 2 divided by lambda": what the clause is about
            about = {"subject": m["subject"], "subject_math": m["math"] or ""}  # "the half-life $t_{1/2}$ is ..."
            claims += [(c, k, {**p, **about}) for c, k, p in _structure_claims(m["body"])]
            rest = _blank(rest, m.start("body"), m.end("body"))
        claims += _structure_claims(rest)
    unique: dict[str, tuple[str, ClaimKind, dict]] = {}
    for claim in claims:
        unique.setdefault(repr((claim[1], sorted(claim[2].items()))), claim)
    return list(unique.values())


def _list_claims(rest: str, claims: list[tuple[str, ClaimKind, dict]]) -> str:
    """One meaning for each symbol of a list: 'sigma_X times sigma_Y, which are the standard deviations of X and Y'."""
    for m in SYMBOL_LIST.finditer(rest):
        meaning = m["meaning"].strip()
        if not set(tokens(meaning)) - _GENERIC or _ARITHMETIC.search(meaning) or _OPERATION_MEANING.match(meaning):
            continue
        for sym in re.finditer(SYM, m["syms"]):
            if SYMBOL_SHAPE.fullmatch(key := canon(sym[0])):
                parts = {"symbol": key, "meaning": meaning, "clear": True, "structural": "", "weak": False}
                claims.append((m[0].strip(), "symbol", parts))
        rest = _blank(rest, m.start("meaning"), m.end("meaning"))
    return rest


def _structure_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """Invented-term, relation, operation, exponent, sign, placement and dependency claims in what symbol claims
    left. Each pattern blanks what it used, so that 'is at most' is not also read as an operation."""
    rest = _VALUE.sub(lambda m: " " * len(m[0]), rest)
    out = _invented_claims(rest) + _formula_claims(rest)
    for rel, pattern in RELATIONS:
        for m in re.finditer(pattern, rest):
            parts = {"relation": rel, "inverse": m[0].startswith("inversely"), "after": rest[m.end() : m.end() + 100]}
            parts["before"] = re.split(r"[,;:]", rest[: m.start()])[-1][-80:]
            parts["zero"] = re.search(r"negative|positive", m[0]) is not None  # "never negative" bounds by zero
            parts["strict"] = _strictness(m[0])
            out.append((m[0], "relation", parts))
            rest = _blank(rest, m.start(), m.end())
    for m in OVER_ALL.finditer(rest):
        out.append((m[0], "operation", {"op": "over_all", "how": m["how"], "mention": m["sym"]}))
    for m in COMBINATION.finditer(rest):
        out.append((m[0], "operation", {"op": "combination", "how": m["how"], "a": m["a"], "b": m["b"]}))
    for m in GROWTH.finditer(rest):
        out.append((m[0], "operation", {"op": "exp", "growth": (m["a"] or m["b"]).startswith("grow")}))
        rest = _blank(rest, m.start(), m.end())
    for m in VALUE_IS.finditer(rest):
        out.append((m[0], "operation", {"op": "value", "math": m["math"]}))
    for m in ORDER.finditer(rest):
        out.append((m[0], "operation", {"op": "derivative", "order": ["first", "second", "third"].index(m["o"]) + 1}))
    for m in PLACEMENT.finditer(rest):
        if m["div"] and m["div"].strip() == "over" and re.search(_OVER_A_DOMAIN, rest[: m.start()]):
            continue  # "the integral of the divergence over $V$": a domain, not a denominator
        reciprocal = r"\s*(?:the\s+)?(?:reciprocal|inverse) of\b|[^$,;]*\$\s*(?:1\s*/|\\frac\s*\{\s*1\s*\})"
        certain = bool(m["div"] or re.match(reciprocal, m["what"]))  # times 1/x, times the period $1/\gamma$
        after_line = (
            r"\bdivid\w+ by\s+(?:(?!\b(?:plus|minus|and)\b)[^,;.])*$|\bover\s+(?:\w+\s+){0,2}$"  # by 8 mu times L
        )
        below = certain or re.search(after_line, rest[: m.start()]) is not None
        what = re.sub(r"\b(?:the|an?|its|their)\b", "", m["what"])  # a derivative's variables are below the line
        if re.search(r"[A-Za-z$\\]", what) and not re.search(r"derivative|gradient|rate of change|divergence", what):
            lead = re.split(r"[,;:]", rest[max(0, m.start() - 50) : m.start()])[-1]  # "e to the power i times pi"
            parts = {"op": "placement", "below": below, "target": m["what"], "loose": below and not certain}
            parts["said"] = f"{lead} {m[0]}"
            trail = re.match(r"\s*(?:squared|cubed|\^\{?-?\w+\}?)", rest[m.end() :])  # "times v squared"
            parts["power"] = claimed_power(m[0] + (trail[0] if trail else ""))
            out.append((m[0].strip(), "operation", parts))
    for m in DIVIDES.finditer(rest):  # "divides the expected return by the risk-free rate"
        parts = {"op": "placement", "below": True, "target": m["what"], "loose": False, "said": m[0], "power": None}
        out.append((m[0].strip(), "operation", parts))
    rest = _sign_claims(rest, out)
    rest = _power_claims(rest, out)
    words = re.sub(r"\$[^$]*\$", lambda m: " " * len(m[0]), rest)  # "$1/\sqrt{N}$" is maths, read as a formula
    for op, (pattern, _, _) in OPERATIONS.items():
        found = re.finditer(pattern, words, flags=re.IGNORECASE)  # not "the vanishing-gradient problem"
        out += [
            (m[0], "operation", {"op": op, "attached": _attached(m, words)})
            for m in found
            if not re.search(r"[A-Za-z]-$", words[: m.start()])
        ]
    return out + _dependency_claims(rest) + _consequence_claims(rest)


# an operation named by a noun is about the equation when the noun takes an object ("the square root of L", "its
# natural logarithm", "uses a sigmoid"); "a temperature gradient", "a rescaled sigmoid" only mention one in passing
_NOUN_OPERATION = re.compile(
    r"(?:square roots?|sqrt|cube roots?|derivatives?|gradients?|laplacian|curl|log(?:arithm)?s?|ln|exponentials?"
    r"|inverse|limit|norm|sigmoid|softmax|tanh|relu|sine|cosine|integrals?|expectation|expected value"
    r"|differentiation|integration|summation)$",
    flags=re.IGNORECASE,
)
_OBJECT_AFTER = r"\w*\s*(?:(?:base[- ]?\w+|function|value)\s+)?(?:of|over|as|with respect to|in|on)\b|\w*\s*\("
_OWNER_BEFORE = (  # "takes a sum over $k$ and an exponential"
    r"\b(?:its|their|uses?|using|takes?|taking|applies|applying|involves?|contains?|has|have|with)\s+"
    r"(?:[^,;.]*\band\s+)?(?:(?:a|an|the)\s+)?(?:[\w-]+\s+)?$"
)


def _attached(m: re.Match, text: str) -> bool:
    if not _NOUN_OPERATION.search(m[0]):
        return True
    return bool(re.match(_OBJECT_AFTER, text[m.end() :]) or re.search(_OWNER_BEFORE, text[: m.start()]))


_UP, _DOWN = (
    "more|higher|larger|greater|bigger|longer|faster|stronger",
    "less|lower|smaller|fewer|shorter|slower|weaker",
)
# consequences: "more resistance means less current", "the larger the mass, the stronger the pull"
TREND = re.compile(
    rf"\b(?:[Tt]he\s+)?(?P<a>{_UP}|{_DOWN})\s+(?:the\s+)?(?P<x>[^,;.]{{1,30}}?)(?:,\s*the|\s+(?:means|gives|leads to))"
    rf"\s+(?:a\s+|the\s+)?(?P<b>{_UP}|{_DOWN})\b"
)
# "doubling the speed quadruples the energy", "double the distance and the force drops to a quarter"
DOUBLING = re.compile(
    r"\b[Dd]oubl(?:e|es|ing)\s+(?:the\s+|its\s+|their\s+)?(?P<x>[^,;.]{1,30}?)(?:,|\s+and)?\s+"
    r"(?:(?:the|its|their)\s+[^,;.]{1,30}?\s+)?(?P<f>doubles|quadruples|halves|is halved|(?:drops|falls|shrinks|is cut)"
    r" to (?:a|one) quarter|(?:rises|grows|increases|goes up) (?:eight|sixteen)fold)\b"
)
_RAISES, _LOWERS = "raises|increases|boosts|lifts", "lowers|reduces|decreases|cuts|shrinks"
_RISES, _FALLS = "increases|grows|rises|goes up|gets larger", "decreases|falls|shrinks|drops|goes down|gets smaller"
# "it gets smaller as the mass increases", "grows larger when T rises"
TREND_AS = re.compile(
    rf"\b(?:gets|becomes|grows|goes|is)\s+(?P<a>{_UP}|{_DOWN})\s+(?:as|when|whenever|if)\s+(?:the\s+|its\s+)?"
    rf"(?P<x>[^,;.]{{1,30}}?)\s+(?P<b>{_RISES}|{_FALLS})\b"
)
# "a bigger capacitor pushes the cutoff higher", "a larger sigma makes the kernel wider"
TREND_BY = re.compile(
    rf"\b(?:[Aa]n?|[Tt]he)\s+(?P<a>{_UP}|{_DOWN})\s+(?P<x>[^,;.]{{1,30}}?)\s+(?:pushes|makes|drives|sends|pulls|moves)"
    rf"\s+(?:the\s+|its\s+)?[^,;.]{{1,30}}?\s+(?P<b>{_UP}|{_DOWN}|up|down)\b"
    rf"|\b(?:[Aa]n?|[Tt]he)\s+(?P<a2>{_UP}|{_DOWN})\s+(?P<x2>[^,;.]{{1,30}}?)\s+(?P<v>{_RAISES}|{_LOWERS})\s+(?:the|its)\b"
)  # "a higher discount rate raises the present value"
_FACTOR_POWER = {"doubles": ("up", "1"), "quadruples": ("up", "2"), "halves": ("down", "1"), "is halved": ("down", "1")}


def _consequence_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """What a change in one symbol does to the left-hand side, as dependency claims with a direction (and, for
    doubling, a power: quadrupling means a square, 'to a quarter' an inverse square)."""
    out: list[tuple[str, ClaimKind, dict]] = []
    for m in TREND.finditer(rest):
        trend = "up" if bool(re.fullmatch(_UP, m["a"])) == bool(re.fullmatch(_UP, m["b"])) else "down"
        out.append((m[0], "dependency", {"target": m["x"], "negated": False, "trend": trend, "power": None}))
    for m in TREND_BY.finditer(rest):
        rises = bool(re.fullmatch(rf"{_UP}|up|{_RAISES}", m["b"] or m["v"]))
        trend = "up" if bool(re.fullmatch(_UP, m["a"] or m["a2"])) == rises else "down"
        parts = {"target": m["x"] or m["x2"], "negated": False, "trend": trend, "power": None}
        out.append((m[0], "dependency", parts))
    for m in TREND_AS.finditer(rest):
        trend = "up" if bool(re.fullmatch(_UP, m["a"])) == bool(re.fullmatch(_RISES, m["b"])) else "down"
        out.append((m[0], "dependency", {"target": m["x"], "negated": False, "trend": trend, "power": None}))
    for m in DOUBLING.finditer(rest):
        f = m["f"]
        trend, power = _FACTOR_POWER.get(f) or (
            ("down", "2") if "quarter" in f else ("up", "3" if "eight" in f else "4")
        )
        out.append((m[0], "dependency", {"target": m["x"], "negated": False, "trend": trend, "power": power}))
    return out


# "the density of the fluid does not enter", "the mass plays no role"
ABSENT = re.compile(
    r"(?:^|[,;:]|\b(?:and|while|but|so)\b)\s*(?P<x>(?:the|its|their)\s+[^,;:.]{2,40}?)\s+(?:does not|doesn't|do not"
    r"|don't|never)\s+(?:enters?|appears?|features?|matters?|comes? in|plays? (?:a|any) (?:role|part))\b"
    r"|(?:^|[,;:]|\b(?:and|while|but|so)\b)\s*(?P<y>(?:the|its|their)\s+[^,;:.]{2,40}?)\s+plays? no (?:role|part)\b"
)


def _dependency_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """One claim per thing depended on; the first also carries the whole list when it is exhaustive ('depends only
    on a and b', 'set by a and b alone')."""
    out: list[tuple[str, ClaimKind, dict]] = []
    for m in ABSENT.finditer(rest):
        parts = {"target": m["x"] or m["y"], "negated": True, "trend": None, "power": None}
        out.append((m[0].strip(" ,;:"), "dependency", parts))
    for m in DEPENDENCY.finditer(rest):
        target = re.split(_LIST_END, rest[m.end() :], maxsplit=1)[0]
        only = bool(m["only"] or m["only2"] or re.search(r"\b(?:alone|only)\s*$", target))
        listed = (
            re.sub(r"^\s*(?:the|an?)\s+|\s+(?:alone|only)\s*$", "", i.strip())
            for i in re.split(r",|\band\b|\bor\b", target)
        )
        items = [i for i in listed if i]
        for n, item in enumerate(items[:4]):
            trend = "up" if m["up"] else "down" if m["down"] else None
            power = claimed_power(f"{m['how'] or m['how2'] or ''} {item}")
            parts = {"target": item, "negated": bool(m["neg"]), "trend": trend, "power": power}
            parts["before"] = re.split(r"[,;:]", rest[: m.start()])[-1][-80:]  # "the constant $k_H$ depends on ..."
            out.append((f"{m[0]} {item}", "dependency", parts | ({"only": items} if only and n == 0 else {})))
    return out


# --- formulas written inline without $...$: "the discriminant b^2 + 4ac", "g(t + tau)", "1 / (1 + e^{-(z + b)})" ----
_FUNCTIONS = "sqrt|ln|log|exp|sin|cos|tan|max|min|det|lim"
_OPERATOR = re.compile(r"[-+=/*<>^±−×·≤≥]")
_NOT_LETTERS = {"of", "is", "to", "in", "or", "as", "at", "by", "on", "an", "be", "it", "we", "no", "so", "if", "th"}


def to_latex(token: str) -> str | None:
    """A token of plain-text maths as LaTeX ('tau)' -> '\\tau)', 'v-hat_t' -> '\\hat{v}_t', 'Cov(X,' -> '(X,'),
    or None for a word: a run of three or more letters that is no Greek letter or function."""
    s = re.sub(r"\b([A-Za-z])-(hat|bar)(?![A-Za-z])", r"\\\2{\1}", token.strip("$")).replace("−", "-")
    s = re.sub(rf"(?<![\\A-Za-z])({'|'.join(GREEK)}|{_FUNCTIONS})(?![A-Za-z])", r"\\\1", s)
    s = re.sub(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?=[(\[])", "", s)  # a function's name: Cov(X, Y), PR(q)
    runs = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", s)
    return None if any(len(r) > 2 or r.lower() in _NOT_LETTERS for r in runs) else s


def _is_maths(token: str) -> bool:
    """Whether a whitespace-separated token is maths: an operator, or a symbol with maths around or inside it."""
    if _OPERATOR.fullmatch(token) or re.fullmatch(rf"\\?(?:{'|'.join(GREEK)})|[A-Za-z]", token):
        return True
    return bool(re.search(r"[-+=/*^_\\{}()\[\]|0-9−]", token)) and to_latex(token) is not None


def _formula_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """Runs of maths tokens with an operator and a symbol: what they say of the equation's symbols and signs."""
    out: list[tuple[str, ClaimKind, dict]] = []
    run: list[str] = []
    start = 0
    for m in [*re.finditer(r"\S+", rest), None]:
        token = m[0] if m else "."
        core = token.strip(".,;:!?\"'")
        if core and _is_maths(core):
            start = start if run else m.start() if m else len(rest)
            run.append(core)
            opened = sum(t.count("(") + t.count("[") - t.count(")") - t.count("]") for t in run)
            if token[-1:] not in ".,;:!?" or opened > 0 and token[-1:] == ",":  # "Cov(X, Y)" goes on
                continue
        maths = " ".join(run)
        if _OPERATOR.search(maths) and re.search(r"[A-Za-z]", maths):
            latex = " ".join(filter(None, map(to_latex, run)))
            stated = not rest[:start].strip() or re.search(_STATING, rest[:start]) is not None
            out.append((maths, "operation", {"op": "formula", "math": latex, "stated": stated}))
        run = []
    return out


# what comes before maths that a text gives as the equation ('computes 1 / (1 + e^{-z})', 'is bounded by ...'),
# not as another quantity ('alongside recall, TP/(TP + FN)', 'the periods in P(1 + r/n)^{nt}')
_STATING = r"\b(?:is|are|equals?|gives|computes?|yields|becomes|reads|by|as|to|that|namely)\s*$"


# "the sum of a and b", "the product of the mass and the acceleration", "the ratio of the signal power to the noise"
COMBINATION = re.compile(
    r"\b(?P<how>sum|product|difference|ratio|quotient)\s+(?:of|between)\s+(?P<a>[^,;:.()]{1,40}?)\s+(?:and|to)\s+"
    r"(?P<b>[^,;:.()]{1,40}?)(?=\s*(?:[,;:.)]|$)|\s+(?:is|are|was|divided|times|plus|minus|over|which|while|gives"
    r"|equals|then|raised|squared|all)\b)"
)


# "the product of the partial pressures $p_i$", "the sum of the reciprocals $1/R_i$": a sum or product over an index
OVER_ALL = re.compile(
    rf"\b(?P<how>product|sum)\s+of\s+(?:all\s+)?(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){{0,3}}?(?P<sym>{SYM})"
)


def _strictness(said: str) -> bool | None:
    """True for 'strictly less than', False for 'at most' or 'no less than', None where the words leave it open
    ('less than' is said of <= too)."""
    if "strictly" in said:
        return True
    return False if re.search(r"\bat (?:most|least)\b|\bno \w+ than\b|\bor equal", said) else None


def _invented_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    out: list[tuple[str, ClaimKind, dict]] = []
    for m in INVENTED.finditer(rest):
        if m["math"] or (m["sym"] or "").startswith("$"):  # "a factor of $1/(4\pi)$" is written maths too
            math = (m["math"] or m["sym"]).strip("$")
            parts = {"term": (m["desc"] or m["noun"] or "term").strip(), "symbol": None, "math": math}
            more = re.match(r"\s*(?:times|over|divided|multiplied|squared|cubed|to the|raised|[*/^])", rest[m.end() :])
            parts["added"] = not more and re.match(r"plus|add|includ|an? (?:additional|extra)", m[0]) is not None
        else:  # "with sigma as the constant": the term is sigma
            named = next((x[0] for x in re.finditer(SYM, m["desc"]) if x[0] not in ("a", "A", "I")), None)
            sym = m["sym"] or named
            parts = {"term": f"{m['desc']}{m['noun']}".strip(), "symbol": canon(sym) if sym else None}
        out.append((m[0].strip(), "symbol", parts))
    return out


def _sign_claims(rest: str, out: list[tuple[str, ClaimKind, dict]]) -> str:
    """Sign claims, with what they are about: one symbol, or all the symbols named ('plus twice a b cos gamma')."""
    for m in SIGN.finditer(rest):
        minus = (m["v"] or m["w"] or m["w2"] or m["w3"] or m["w4"]) in ("subtracted", "negated", "minus", "negative")
        if m["pmath"]:  # the term is named in words and written: the written symbols say which
            first = re.search(SYM, m["pmath"])
            parts = {"op": "minus" if minus else "plus", "symbol": canon(first[0]) if first else ""}
            out.append((m[0].strip(), "operation", parts | {"mention": m["pmath"], "named": m["named"].strip()}))
            continue
        if m["phrase"]:
            parts = {"op": "minus" if minus else "plus", "symbol": "", "mention": "", "phrase": m["phrase"]}
            out.append((m[0].strip(), "operation", parts))
            continue
        if m["w"] and not m["sym3"]:  # "... the difference $T - T_a$, entering with a positive sign"
            maths = re.findall(r"\$[^$]+\$", rest[: m.start()])
            mention = maths[-1] if maths else ""
        else:
            mention = m[0][m.start("sym2") - m.start() :] if m["w2"] else (m["sym"] or m["sym3"])
        first = re.search(SYM, mention)
        parts = {"op": "minus" if minus else "plus", "symbol": canon(first[0]) if first else "", "mention": mention}
        out.append((m[0].strip(), "operation", parts))
        rest = _blank(rest, m.start(), m.end("sym2") if m["w2"] else m.end())
    return rest


_VERB = r"\b(?:is|are|was|equals?|gives|of|times|by|over|plus|minus|and)\b"
# "squared deviation", "squared L2 norm": the word after 'squared' is what is squared, unless it continues the sum
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
    """The exponent a POWER match names: 'squared' -> '2', 'the fourth power of' -> '4', 'to the power k' -> 'k'."""
    raw = m["p"] or m["q"]
    return _exponent(m["w"] or m["w2"] or m["q2"] or m["q3"] or "") if not raw else _exponent(raw) or raw.strip("{}")


def _power_claims(rest: str, out: list[tuple[str, ClaimKind, dict]]) -> str:
    for m in POWER.finditer(rest):
        if exponent := _exponent_of(m):
            sym, after = m["sym"] or m["sym2"], re.split(r"[,;:]", rest[m.end() :])[0]
            if m["w"] and not sym and re.match(_NOUN_NEXT, after):  # "the squared deviation of X", "squared errors"
                named = (s[0] for s in re.finditer(SYM, " ".join(after.split()[:5])))
                sym = next((s for s in named if s not in ("a", "A", "I")), None)
                near = []
            elif m["w2"]:  # "the square of its speed"
                near = after.split()[:5]
            else:  # "c squared", "the acceleration is the speed squared"
                near = re.split(_VERB, re.split(r"[,;:]", rest[: m.start()])[-1])[-1].split()[-4:]
            parts = {
                "op": "power",
                "exponent": exponent,
                "symbol": canon(sym) if sym else None,
                "phrase": " ".join(near),
            }
            out.append((m[0].strip(), "operation", parts))
        rest = _blank(rest, m.start(), m.end())
    return rest
