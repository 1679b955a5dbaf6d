"""Relation and dependency claims in a description: the relation it states ('at most', 'proportional to', 'equals
exactly'), what the left-hand side depends on or not ('depends only on a and b', 'the mass plays no role'), and
consequences of a change ('the larger the mass, the stronger the pull', 'doubling the side quadruples the area')."""

from __future__ import annotations

import math
import re

from harness.gold.operation_claims import blank, claimed_power
from harness.gold.vocabulary import choices, pattern, table, words

# (relation, how a text says it): relations by their names in maths.relations, whose families the check compares,
# and two that only words state: "ineq" (some inequality) and "=!" (an equality said to be exact).
RELATION_PHRASES = [
    ("propto", rf"\b{pattern('relation', 'proportional')}\b"),
    (
        "approx",
        rf"\b{pattern('relation', 'approximate')}\b"
        rf"|\b(?:is|are)\s+(?:{pattern('relation', 'hedges')}\s+)?an\s+approximation\b",
    ),
    ("<=", rf"\b{pattern('relation', 'at_most')}\b"),  # "never positive": a bound against zero
    (">=", rf"\b{pattern('relation', 'at_least')}\b"),
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
        r"|\b(?:with )?no approximation\b|\bwithout (?:any )?approximation\b",
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


def _strictness(said: str) -> bool | None:
    """True for 'strictly less than', False for 'at most' or 'no less than', None where the words leave it open
    ('less than' is said of <= too)."""
    if "strictly" in said:
        return True
    return False if re.search(r"\bat (?:most|least)\b|\bno \w+ than\b|\bor equal", said) else None


def relation_claims(rest: str) -> tuple[list[tuple[str, dict]], str]:
    """Relation claims ('is at most', 'proportional to', 'equals exactly') as (claim text, parts), and the text
    with what they used blanked."""
    out: list[tuple[str, dict]] = []
    for rel, said in RELATION_PHRASES:
        for m in re.finditer(said, rest):
            parts = {"relation": rel, "inverse": m[0].startswith("inversely"), "after": rest[m.end() : m.end() + 100]}
            parts["before"] = re.split(r"[,;:]", rest[: m.start()])[-1][-80:]
            parts["zero"] = re.search(r"negative|positive", m[0]) is not None  # "never negative" bounds by zero
            parts["strict"] = _strictness(m[0])
            out.append((m[0], parts))
            rest = blank(rest, m.start(), m.end())
    return out, rest


_LIST_END = (  # where the list of things something depends on ends: "grows with M and falls with r", "... and it"
    r"[.;:()]|\bbut\b|\bwhile\b|\bwhich\b|,\s*(?:so|as|because|since|making|meaning|whereas|with|not)\b"
    r"|\bas well\b|\btoo\b|\balso\b|\b(?:it|they|this|that)\b|\b(?:does|do|is|are|falls?|grows?|rises?|decreases?"
    r"|increases?|shrinks?|varies|vary|changes?|depends?)\b"
)


# "the colour of the box does not enter", "the length plays no role"
ABSENT = re.compile(
    r"(?:^|[,;:]|\b(?:and|while|but|so)\b)\s*(?P<x>(?:the|its|their)\s+[^,;:.]{2,40}?)\s+(?:does not|doesn't|do not"
    rf"|don't|never)\s+{pattern('dependency', 'absent')}\b"
    r"|(?:^|[,;:]|\b(?:and|while|but|so)\b)\s*(?P<y>(?:the|its|their)\s+[^,;:.]{2,40}?)\s+"
    rf"{pattern('dependency', 'absent_no')}\b"
)


def dependency_claims(rest: str) -> list[tuple[str, dict]]:
    """One claim per thing depended on; the first also carries the whole list when it is exhaustive ('depends only
    on a and b', 'set by a and b alone')."""
    out: list[tuple[str, dict]] = []
    for m in ABSENT.finditer(rest):
        parts = {"target": m["x"] or m["y"], "negated": True, "trend": None, "power": None}
        out.append((m[0].strip(" ,;:"), parts))
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
            parts["before"] = re.split(r"[,;:]", rest[: m.start()])[-1][-80:]  # "the rate $k$ depends on ..."
            out.append((f"{m[0]} {item}", parts | ({"only": items} if only and n == 0 else {})))
    return out


MORE, LESS = choices(words("dependency", "more")), choices(words("dependency", "less"))
# consequences: "more resistance means less current", "the larger the mass, the stronger the pull"
TREND = re.compile(
    rf"\b(?:[Tt]he\s+)?(?P<a>{MORE}|{LESS})\s+(?:the\s+)?(?P<x>[^,;.]{{1,30}}?)(?:,\s*the|\s+(?:means|gives|leads to))"
    rf"\s+(?:a\s+|the\s+)?(?P<b>{MORE}|{LESS})\b"
)
_RAISES, _LOWERS = choices(words("dependency", "raises")), choices(words("dependency", "lowers"))
_RISES, _FALLS = choices(words("dependency", "rises")), choices(words("dependency", "falls"))
# what doubling a symbol multiplies the result by, said as a verb, a share it falls to or a multiple it rises by
_VERBS, _SHARES, _MULTIPLES = (table("dependency", g) for g in ("factor_verbs", "factor_shares", "factor_multiples"))
# "doubling the radius quadruples the area", "double the spacing and the signal falls to a quarter"
DOUBLING = re.compile(
    r"\b[Dd]oubl(?:e|es|ing)\s+(?:the\s+|its\s+|their\s+)?(?P<x>[^,;.]{1,30}?)(?:,|\s+and)?\s+"
    rf"(?:(?:the|its|their)\s+[^,;.]{{1,30}}?\s+)?(?:(?P<verb>{choices(list(_VERBS))})"
    rf"|(?:{_FALLS}|is cut)\s+to\s+(?P<share>{choices(list(_SHARES))})"
    rf"|(?:{_RISES})\s+(?P<multiple>{choices(list(_MULTIPLES))}))\b"
)
# "it becomes lower as the load rises", "grows larger when p rises"
TREND_AS = re.compile(
    rf"\b(?:gets|becomes|grows|goes|is)\s+(?P<a>{MORE}|{LESS})\s+(?:as|when|whenever|if)\s+(?:the\s+|its\s+)?"
    rf"(?P<x>[^,;.]{{1,30}}?)\s+(?P<b>{_RISES}|{_FALLS})\b"
)
# "a larger load pushes the deflection up", "a larger spacing makes the pattern wider"
TREND_BY = re.compile(
    rf"\b(?:[Aa]n?|[Tt]he)\s+(?P<a>{MORE}|{LESS})\s+(?P<x>[^,;.]{{1,30}}?)\s+(?:pushes|makes|drives|sends|pulls|moves)"
    rf"\s+(?:the\s+|its\s+)?[^,;.]{{1,30}}?\s+(?P<b>{MORE}|{LESS}|up|down)\b"
    rf"|\b(?:[Aa]n?|[Tt]he)\s+(?P<a2>{MORE}|{LESS})\s+(?P<x2>[^,;.]{{1,30}}?)\s+(?P<v>{_RAISES}|{_LOWERS})\s+(?:the|its)\b"
)  # "a higher tax rate lowers the net income"


def consequence_claims(rest: str) -> list[tuple[str, dict]]:
    """What a change in one symbol does to the left-hand side, as dependency claims with a direction (and, for
    doubling, a power: quadrupling means a square, 'to a quarter' an inverse square)."""
    out: list[tuple[str, dict]] = []
    for m in TREND.finditer(rest):
        trend = "up" if bool(re.fullmatch(MORE, m["a"])) == bool(re.fullmatch(MORE, m["b"])) else "down"
        out.append((m[0], {"target": m["x"], "negated": False, "trend": trend, "power": None}))
    for m in TREND_BY.finditer(rest):
        rises = bool(re.fullmatch(rf"{MORE}|up|{_RAISES}", m["b"] or m["v"]))
        trend = "up" if bool(re.fullmatch(MORE, m["a"] or m["a2"])) == rises else "down"
        parts = {"target": m["x"] or m["x2"], "negated": False, "trend": trend, "power": None}
        out.append((m[0], parts))
    for m in TREND_AS.finditer(rest):
        trend = "up" if bool(re.fullmatch(MORE, m["a"])) == bool(re.fullmatch(_RISES, m["b"])) else "down"
        out.append((m[0], {"target": m["x"], "negated": False, "trend": trend, "power": None}))
    for m in DOUBLING.finditer(rest):
        groups = (("verb", _VERBS), ("share", _SHARES), ("multiple", _MULTIPLES))
        factor = next(factors[" ".join(m[g].split())] for g, factors in groups if m[g])
        trend, power = "up" if factor > 1 else "down", str(round(abs(math.log2(factor))))
        out.append((m[0], {"target": m["x"], "negated": False, "trend": trend, "power": power}))
    return out
