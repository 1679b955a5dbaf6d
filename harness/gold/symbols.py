"""Symbols as descriptions write them: one spelling for '$\\sigma$', '\\sigma', 'sigma' and 'σ', for 'x_i' and
'x sub i', for '\\hat{\\beta}' and 'beta-hat' (canon), and SYM, the pattern that finds a symbol in text."""

from __future__ import annotations

import re
import unicodedata

from harness.maths.tables import GREEK_LOWER

UNICODE_GREEK = {"ħ": "hbar", "ϵ": "epsilon", "ϕ": "phi", "ϑ": "theta"} | {
    c: n.split()[-1].lower() if "SMALL" in n else n.split()[-1].capitalize()
    for c in map(chr, range(0x391, 0x3CA))
    if (n := unicodedata.name(c, "").replace("LAMDA", "LAMBDA")).startswith("GREEK")
}
_HATTED = "".join(
    c
    for c in map(chr, range(0xC0, 0x250))
    if unicodedata.normalize("NFD", c)[1:] in ("\u0302", "\u0304") and unicodedata.normalize("NFD", c)[0].isascii()
)  # ŷ, x̄ precomposed
_SUB = r"(?:_\{[^{}]{1,12}\}|_[A-Za-z0-9]{1,4}|\s+sub\s+[A-Za-z0-9]{1,3}\b)"
_SUP = r"(?:\^\{[^{}]{1,8}\}|\^[A-Za-z0-9*])"
_HAT = r"(?:[- ](?:hat|bar)(?![A-Za-z]))"  # 'beta-hat', 'v-hat_t'
SYM = (
    rf"(?:\$[^$]{{1,40}}\$|\\[A-Za-z]+(?:\{{[^{{}}]{{1,20}}\}})?{_SUB}?{_SUP}?(?:\([^()]{{1,24}}\))?"
    rf"|\b(?i:{'|'.join(sorted(GREEK_LOWER, key=len, reverse=True))})(?![A-Za-z]){_HAT}?{_SUB}?{_SUP}?"
    rf"|[{''.join(UNICODE_GREEK)}][\u0302\u0304]?{_HAT}?{_SUB}?{_SUP}?"
    rf"|\b[A-Za-z{_HATTED}][\u0302\u0304]?(?![A-Za-z0-9']){_HAT}?{_SUB}?{_SUP}?(?:\([^()]{{1,24}}\))?(?![\w'’-]))"
)
SYMBOL_SHAPE = re.compile(r"(?:\w+:)?[A-Za-z]+(?:_[A-Za-z0-9,]+)?(?:\^-?\w+)?(?:\([^=<>]*\))?(?:_[A-Za-z0-9]+)?")
_DECORATION = re.compile(
    r"\\(hat|bar|tilde|vec|dot|ddot|widehat|overline)(?![a-z])|[- ](hat|bar)(?=[_^]|$)|(\u0302)|\u0304"
)
_WRAPPER = re.compile(r"\\(?:mathbf|mathrm|boldsymbol|mathcal|mathit|operatorname|bm)(?![a-z])")


def canon(mention: str) -> str:
    """One spelling per symbol: '$\\hat{\\beta}$', 'β̂' and 'beta-hat' all become 'hat:beta', 'x sub i' 'x_i',
    '\\varepsilon' 'epsilon'."""
    s = unicodedata.normalize("NFD", mention.strip().strip("$").strip())
    s = "".join(UNICODE_GREEK.get(ch, ch) for ch in s)
    s = re.sub(r"\s+sub\s+", "_", s).replace("\\mid", "|").replace("\\|", "||")
    s = re.sub(r"(?<![A-Za-z])var(?=epsilon|theta|phi|rho|sigma|pi|kappa)", "", s)  # a text writes epsilon for both
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
    return key, plain, bare, base.lower() if base.lower() in GREEK_LOWER else base


def base_of(mention: str) -> str:
    return forms(canon(mention))[3]
