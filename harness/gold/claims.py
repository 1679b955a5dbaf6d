"""The checkable claims of a free-text description of an equation: symbol meanings, operations, the relation, the
equation's name, dependencies and invented terms, found by regular expressions over sentences (gold.verdict checks
them), and maths written inline without $...$ ('x^2 - 3x').

Extraction misses claims it has no pattern for; what it finds is kept with its parts for checking. Asides are set
apart: purposes ('so that the total stays fixed'), derivations ('rearranging for r gives ...'), other named results.

Names, symbol meanings, invented terms and inline maths are found here; operation claims by gold.operation_claims,
relation and dependency claims by gold.relation_claims, which return (claim text, parts) that this module labels
with their kind.
"""

from __future__ import annotations

import re
from typing import Literal

from harness.gold.meanings import lemma, tokens
from harness.gold.operation_claims import blank, operation_claims
from harness.gold.relation_claims import LESS, MORE, consequence_claims, dependency_claims, relation_claims
from harness.gold.symbols import SYM, SYMBOL_SHAPE, canon
from harness.gold.vocabulary import choices, pattern, table, words
from harness.maths.tables import GREEK_LOWER

ClaimKind = Literal["symbol", "operation", "relation", "name", "dependency"]


_GENERIC = set(words("symbol", "generic"))  # meanings that say nothing about a symbol: "x is the variable"
_ART = r"(?:the|an?)\s+"
_AT_WHICH = "".join(rf"(?<!\b{p})" for p in ("at", "in", "on", "to", "by", "for", "from", "of", "with"))
_MEANING = (  # a noun phrase up to its clause's end; "the height from which the ball is dropped" is one
    rf"(?P<meaning>[^,;:.()\n]{{2,90}}?)(?=\s*(?:[,;:.()]|$)|\s+(?:and|while|whereas|so|because|but)\b"
    rf"|{_AT_WHICH}\s+which\b)"
)
_POSS = r"(?:the|an?|its|their)\s+"
_WORD = (  # a word of a noun phrase: no article, pronoun, conjunction, lone letter or verb of a relation
    r"(?!(?:the|an?|that|this|is|are|was|where|which|and|or|with|here|it|in|its|equals?|exceeds?|gives|yields"
    r"|becomes|[A-Za-z])\b)[\w'’-]+"
)
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
        # "v is the velocity", "x_i being the input", "k, known as", "N counts the trials"
        rf"(?P<sym>{SYM})(?:\s+|\s*,\s*(?=known|called))(?:(?:is|being|are)\s+{_ART}|(?:{pattern('symbol', 'denoting')}"
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

_TITLES = choices(words("name", "titles"))
_NAME_WORDS = f"{_TITLES}|{choices(words('name', 'heads'))}"
# words that start a noun phrase or a sentence, never a name: "Each Monday Morning Report", "Our Fourier Transform"
_DETERMINERS = (
    "The|This|That|These|Those|It|Its|Their|In|An?|Here|We|For|By|Each|Every|All|Any|Some|No|Our|When|Where|Using"
)
# what names a whole equation, not a quantity in it ("which is the heat flow rate" gives a meaning, not a name)
_WHOLE = f"{_TITLES}|{choices(words('name', 'whole'))}"
_NAME_END = (
    r"(?=\s*(?:[,;:.()!?]|$)|\s+(?:and|which|that|because|but|from|in|for|is|was|states|gives|relates|says"
    r"|describes|expresses)\b)"
)
NAME_PATTERNS = [
    re.compile(p)
    for p in (
        rf"\b(?i:known as|called|named|referred to as|termed|name is)\s+(?:the\s+)?(?P<name>[^,;:.()]{{2,60}}?)"
        rf"{_NAME_END}",
        rf"\b(?i:this is|it is|which is|equation is)\s+(?P<name>(?:the\s+)?[A-Z](?![\s_^])[^,;:.()]{{2,60}}?|the\s+"
        rf"(?:[\w'’-]+\s+){{0,4}}?(?:{_WHOLE})s?\b(?: of (?:[a-z-]+\s?){{1,3}})?){_NAME_END}",
        rf"(?P<name>\b(?!(?i:{_DETERMINERS})\b)(?:[A-Z][\w'’-]*\s+)+"
        rf"(?:(?!(?i:{_DETERMINERS}|into|to|from|for|with|of|on|at|by|as)\b)[a-z-]+\s+){{0,2}}(?:{_NAME_WORDS}))s?\b",
        rf"^\s*[Tt]he\s+(?P<name>(?:[a-z-]+\s+){{1,3}}(?:{_TITLES})|(?:{_TITLES}) of (?:[a-z-]+\s?){{1,3}}"
        rf"|(?:[a-z-]+\s+){{1,3}}(?:{_WHOLE})(?=\s+(?:gives|says|states|describes|models|assigns)\b))\b",
        # a heading: "Momentum update: blend the old step with ..."
        rf"^\s*(?P<name>(?!(?i:{_DETERMINERS})\b)(?:[\w'’-]+\s+){{0,3}}[\w'’-]*?(?:{_NAME_WORDS}))s?\s*:",
    )
]
NAME_ALIASES: dict[str, str] = table("name", "aliases")
NAME_GENERIC = {lemma(w) for w in words("name", "titles") + words("name", "heads") + words("name", "generic")}
_NOT_THE_NAME = set(words("name", "citing"))  # "follows from Hooke's law" does not name this equation


INVENTED = re.compile(  # "plus a damping term", "less a handling fee $h$", "scaled by a parameter $\kappa$"
    rf"\b{pattern('invented', 'attaching')}\s+(?:also\s+)?(?:an?\s+|the\s+)?"
    rf"(?P<desc>(?:[\w'’-]+\s+){{0,3}}?)"
    rf"(?:(?P<noun>{choices(words('invented', 'nouns'))})\b(?:\s+(?:of\s+)?(?P<sym>{SYM}))?"
    rf"|(?P<math>\$[^$]{{1,40}}\$))"
)


# Clauses about what the equation is for or leads to, not what it contains: purposes ("chosen to minimise the travel
# time", "so that the total stays fixed") and derivations from it ("rearranging for the radius gives ...").
_ASIDE = re.compile(
    rf"\b(?:{pattern('aside', 'purpose')}|{pattern('aside', 'derivation')})\b[^,;.]*"
    r"|\bthan\s+(?:the\s+|an?\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:does|do|is|are|would)\b"  # "than a plain average does"
)


# a symbol right before "known as" / "called", after a word rather than maths ("E = m c^2, known as ..." names)
_OF_SYMBOL = re.compile(rf"(?:^|\b[A-Za-z]{{2,}}[,:]?\s+|[(,]\s*)(?:{SYM})\s*,?\s*(?:(?:is|are)\s+)?(?:also\s+)?$")


def extract_claims(text: str) -> list[tuple[str, ClaimKind, dict]]:
    """(claim text, kind, parsed parts) for each claim found. Names and symbol meanings are taken first and blanked
    out, so 'q_j is the estimated chance of state j' is not read as a claim that the equation has P(.)."""
    claims: list[tuple[str, ClaimKind, dict]] = []
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z$\\(\"'])|\n+", text[:20000])  # longer texts are cut
    for index, sentence in enumerate(sentences):
        rest = sentence
        for rule in NAME_PATTERNS:
            for m in rule.finditer(rest):
                before = rest[: m.start("name")].split()
                previous = next((w.lower() for w in reversed(before) if w.lower() not in ("the", "a", "an")), "")
                if re.search(_OF_SYMBOL, rest[: m.start()]):  # "g, known as the field strength": a meaning of g
                    continue
                if previous not in _NOT_THE_NAME:  # "by Jordan's lemma": cited
                    bare = rule is NAME_PATTERNS[2]  # not "this is ...", "known as ..."
                    later = index > 0 or re.search(r"[;:]", rest[: m.start("name")]) is not None  # "...; it equals KL"
                    claims.append((m[0].strip(), "name", {"name": m["name"], "bare": bare, "later": later}))
                rest = blank(rest, m.start("name"), m.end("name"))
        rest = _list_claims(rest, claims)
        for rule in SYMBOL_PATTERNS:
            for m in rule.finditer(rest):
                key, meaning = canon(m["sym"]), m["meaning"].strip()
                toks = set(tokens(meaning))
                if not SYMBOL_SHAPE.fullmatch(key) or not toks or toks <= _GENERIC or _ARITHMETIC.search(meaning):
                    continue  # "the spread over root m" is arithmetic, not what m means
                if re.match(rf"(?:{MORE}|{LESS}|\w+er)\s+(?:the|its)\b", meaning):
                    continue  # "the larger the distance r, the weaker the force": a consequence, not what r is
                object_of = re.search(
                    r"\b(?:of|for|in|on|at|over|across|through|between|from|into|under|along)\s+(?:(?:the|an?)\s+)?(?:\w+\s+){0,2}$",
                    rest[: m.start()],
                )
                in_product = re.search(rf"(?:{SYM})\s+$", rest[: m.start()]) and rule is SYMBOL_PATTERNS[4]
                if object_of and rule in SYMBOL_PATTERNS[:2] or in_product:
                    continue  # "the height of a column h is": h is not the subject ("the product of g, its ..." is)
                operation = _OPERATION_MEANING.match(meaning)  # "B^T is B transposed"
                structural = operation["op"] if operation else ""
                clear = m["sym"].startswith(("$", "\\")) or m["sym"] not in ("a", "A", "I")
                weak = rule is SYMBOL_PATTERNS[3] and re.search(r"\s(?:of|between|on|in|at|for)\s", meaning)
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
                rest = rest if structural else blank(rest, m.start("meaning"), m.end("meaning"))
        rest = re.sub(_ASIDE, lambda m: " " * len(m[0]), rest)
        claims += _structure_claims(rest)
    unique: dict[str, tuple[str, ClaimKind, dict]] = {}
    for claim in claims:
        unique.setdefault(repr((claim[1], sorted(claim[2].items()))), claim)
    return list(unique.values())


def _list_claims(rest: str, claims: list[tuple[str, ClaimKind, dict]]) -> str:
    """One meaning for each symbol of a list: 'm_1 and m_2, which are the masses of the two bodies'."""
    for m in SYMBOL_LIST.finditer(rest):
        meaning = m["meaning"].strip()
        if not set(tokens(meaning)) - _GENERIC or _ARITHMETIC.search(meaning) or _OPERATION_MEANING.match(meaning):
            continue
        for sym in re.finditer(SYM, m["syms"]):
            if SYMBOL_SHAPE.fullmatch(key := canon(sym[0])):
                parts = {"symbol": key, "meaning": meaning, "clear": True, "structural": "", "weak": False}
                claims.append((m[0].strip(), "symbol", parts))
        rest = blank(rest, m.start("meaning"), m.end("meaning"))
    return rest


def _structure_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    """Invented-term, relation, operation, exponent, sign, placement and dependency claims in what symbol claims
    left. Each pattern blanks what it used, so that 'is at most' is not also read as an operation."""
    out = _invented_claims(rest) + _formula_claims(rest)
    relations, rest = relation_claims(rest)
    operations, rest = operation_claims(rest)
    out += [(claim, "relation", parts) for claim, parts in relations]
    out += [(claim, "operation", parts) for claim, parts in operations]
    dependencies = dependency_claims(rest) + consequence_claims(rest)
    return out + [(claim, "dependency", parts) for claim, parts in dependencies]


# --- formulas written inline without $...$: "the energy m g h + k x^2", "f(x - 2h)", "1 / (1 + e^{-(u - c)})" ----
_FUNCTIONS = "sqrt|ln|log|exp|sin|cos|tan|max|min|det|lim"
_OPERATOR = re.compile(r"[-+=/*<>^±−×·≤≥]")
_NOT_LETTERS = {"of", "is", "to", "in", "or", "as", "at", "by", "on", "an", "be", "it", "we", "no", "so", "if", "th"}


def to_latex(token: str) -> str | None:
    """A token of plain-text maths as LaTeX ('tau)' -> '\\tau)', 'v-hat_t' -> '\\hat{v}_t', 'Cov(X,' -> '(X,'),
    or None for a word: a run of three or more letters that is no Greek letter or function."""
    s = re.sub(r"\b([A-Za-z])-(hat|bar)(?![A-Za-z])", r"\\\2{\1}", token.strip("$")).replace("−", "-")
    s = re.sub(rf"(?<![\\A-Za-z])({'|'.join(GREEK_LOWER)}|{_FUNCTIONS})(?![A-Za-z])", r"\\\1", s)
    s = re.sub(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?=[(\[])", "", s)  # a function's name: Cov(X, Y), PR(q)
    runs = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", s)
    return None if any(len(r) > 2 or r.lower() in _NOT_LETTERS for r in runs) else s


def _is_maths(token: str) -> bool:
    """Whether a whitespace-separated token is maths: an operator, or a symbol with maths around or inside it."""
    if _OPERATOR.fullmatch(token) or re.fullmatch(rf"\\?(?:{'|'.join(GREEK_LOWER)})|[A-Za-z]", token):
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


# what comes before maths that a text gives as the equation ('computes 1 / (2 + x^2)', 'is bounded by ...'),
# not as another quantity ('next to the mean, s/(n - 1)', 'the steps in x_0 (1 + h)^k')
_STATING = r"\b(?:is|are|equals?|gives|computes?|yields|becomes|reads|by|as|to|that|namely)\s*$"


def _invented_claims(rest: str) -> list[tuple[str, ClaimKind, dict]]:
    out: list[tuple[str, ClaimKind, dict]] = []
    for m in INVENTED.finditer(rest):
        if m["math"] or (m["sym"] or "").startswith("$"):  # "a factor of $1/(2\pi)$" is written maths too
            math = (m["math"] or m["sym"]).strip("$")
            parts = {"term": (m["desc"] or m["noun"] or "term").strip(), "symbol": None, "math": math}
            more = re.match(r"\s*(?:times|over|divided|multiplied|squared|cubed|to the|raised|[*/^])", rest[m.end() :])
            parts["added"] = not more and re.match(r"plus|add|includ|an? (?:additional|extra)", m[0]) is not None
        else:  # "with kappa as the constant": the term is kappa
            named = next((x[0] for x in re.finditer(SYM, m["desc"]) if x[0] not in ("a", "A", "I")), None)
            sym = m["sym"] or named
            parts = {"term": f"{m['desc']}{m['noun']}".strip(), "symbol": canon(sym) if sym else None}
        out.append((m[0].strip(), "symbol", parts))
    return out


# Statements: the units a description asserts, for coverage (gold.verdict) and the gold model layer.
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
# A sentence ends at . ! or ? followed by space and a capital, a digit, maths or a quote; not after one letter
# ("i.e.", "e.g.", initials) where the next word is lower case.
BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(\"'“])|\n\s*\n|\n\s*(?=[-*•]\s|\d+[.)]\s)")
MIN_WORDS = 3  # shorter pieces ("Here:", "1.") are no statement


def statements(text: str) -> list[str]:
    """The description's sentences, with inline maths masked while splitting so `$a. B$` stays whole."""
    spans = [m.span() for m in MATH.finditer(text)]
    masked = list(text)
    for a, b in spans:
        masked[a:b] = ["x"] * (b - a)
    masked_text, out, start = "".join(masked), [], 0
    for m in BOUNDARY.finditer(masked_text):
        out.append(text[start:m.start()])
        start = m.end()
    out.append(text[start:])
    pieces = [re.sub(r"\s+", " ", p).strip(" -*•") for p in out]
    return [p for p in pieces if len(p.split()) >= MIN_WORDS]
