"""Where each symbol sits in an equation's LaTeX: the exponents on it, the signs of the terms it is in, the top-level
terms of a side, and whether it is in a denominator. The gold checker (gold.verdict) reads claims such as "r squared",
"minus twice x y" or "multiplied by the stiffness" against these. They walk the lexemes of the one LaTeX reader
(maths.latex), whose tolerant parse also serves LaTeX with errors in it, and any piece of a side.
"""

from __future__ import annotations

import functools
import re

from harness.gold.symbols import base_of
from harness.maths.latex import lexemes
from harness.maths.relations import FAMILY, relation_of
from harness.maths.tables import FRACS, GREEK_LOWER, NAMED_BIG, OPS

SYMBOL_TOKEN = re.compile(r"[A-Za-z]|\\(?:var)?(?:" + "|".join(GREEK_LOWER) + r"|hbar|ell)", flags=re.IGNORECASE)
_WORDS = ("\\mathrm", "\\text", "\\operatorname")  # their argument is a word, not symbols
_FRACS = {"\\" + f for f in FRACS}
_PREFIX = ("\\sqrt", "\\left", "\\hat", "\\bar", "\\tilde", "\\vec", "\\mathbf", "\\boldsymbol", "\\bm", "\\dot")
_OPEN = ("{", "(", "[", "\\lVert", "\\lvert", "\\langle")  # ||w||_2^2 squares w
_CLOSE = ("}", ")", "]", "\\rVert", "\\rvert", "\\rangle")
BIG = frozenset(NAMED_BIG.values())  # a term with one of these is found by it: "the sum is subtracted"


def _words(latex: str) -> list[str]:
    return [t for _, t in lexemes(latex)]


def _skip_group(toks: list[str], i: int) -> int:
    """Index after the script or argument that starts at toks[i] (a braced group or one token)."""
    j, depth = i, 0
    while j < len(toks) and (j == i or depth > 0):
        depth += {"{": 1, "}": -1}.get(toks[j], 0)
        j += 1
    return j


@functools.lru_cache(maxsize=1024)
def layout(latex: str) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Base symbol -> (exponents on it, signs of the terms it is in), read off the raw LaTeX: (u - \\bar{u})^2
    squares both u's, A \\exp(-b s) gives b a minus sign. Also says which symbols the LaTeX has at all."""
    toks = _words(latex)
    found: dict[str, tuple[set[str], set[str]]] = {}
    stack: list[tuple[list[str], list[str], str]] = [([], [""], "")]  # per bracket: symbols, current sign, root
    last: list[str] = []
    root = ""  # \sqrt{x} raises x to 1/2, \sqrt[3]{x} to 1/3
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "\\sqrt":
            j = toks.index("]", i) + 1 if toks[i + 1 : i + 2] == ["["] and "]" in toks[i:] else i + 1
            root = f"1/{''.join(toks[i + 2 : j - 1]) or 2}" if j < len(toks) and toks[j] in _OPEN else ""
            i = j
            continue
        if t in ("_", "^") or t in _WORDS:
            j = _skip_group(toks, i + 1)
            for s in last if t == "^" else []:
                found[s][0].add("".join(toks[i + 1 : j]).strip("{}"))
            i = i + 1 if t == "^" else j  # walk into an exponent: e^{-x} gives x a minus sign
            continue
        if t in _OPEN:
            stack.append(([], [""], root))
            root = ""
        elif t in _CLOSE and len(stack) > 1:
            last, _, rooted = stack.pop()
            for s in last if rooted else []:
                found[s][0].add(rooted)
            stack[-1][0].extend(last)
        elif t in ("+", "-", "\\pm", "\\mp") or relation_of(t) in FAMILY:
            stack[-1][1][0] = {"+": "+", "-": "-", "\\pm": "+-", "\\mp": "+-"}.get(t, "")  # a relation resets it
        elif SYMBOL_TOKEN.fullmatch(t):
            sign = next((s for _, (s,), _ in reversed(stack) if s), "")
            last = [base_of(t)]
            found.setdefault(last[0], (set(), set()))[1].update(sign or [""])  # "+-" adds both
            stack[-1][0].extend(last)
        elif t not in ("\\left", "\\right", "\\hat", "\\bar", "\\mathbf", "\\tilde", "\\vec", "\\boldsymbol"):
            last = []
        i += 1
    return {k: (frozenset(e), frozenset(s)) for k, (e, s) in found.items()}


def relations_written(latex: str) -> set[str]:
    """The relations written in a piece of LaTeX, by their names in maths.relations: 'a \\le b < c' -> {'<=', '<'};
    an = right after <, >, ! or a backslash belongs to it ('a <= b' is <=)."""
    toks, found = lexemes(latex), set()
    for k, (pos, t) in enumerate(toks):
        joined = k + 1 < len(toks) and toks[k + 1] == (pos + len(t), "=")
        if t == "=" and k and toks[k - 1][0] == pos - 1 and toks[k - 1][1] in ("<", ">", "!", "\\"):
            continue
        if rel := relation_of(t):
            found.add(rel + "=" if joined and rel in ("<", ">") else rel)
    return found


def relations_in(latex: str) -> set[str]:
    """The relation families written in a piece of LaTeX: 'a \\le b' -> {'<='}."""
    return {FAMILY[rel] for rel in relations_written(latex) if rel in FAMILY}


def mentioned(latex: str) -> frozenset[str]:
    """The symbol bases of a piece of LaTeX, and \\sum, \\prod or \\int if it has one."""
    return frozenset(layout(latex)) | (BIG & set(_words(latex)))


@functools.lru_cache(maxsize=1024)
def terms(side: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The top-level terms of one side of a relation as (sign, what they mention): a^2 + b^2 - 2ab\\cos\\gamma gives
    ('+', {a}), ('+', {b}), ('-', {a, b, gamma}). The sign is '+', '-' or '+-' (for \\pm)."""
    out, depth, start, sign = [], 0, 0, "+"
    toks = lexemes(side)
    for k, (pos, t) in enumerate(toks):
        depth += (t in ("{", "(", "[")) - (t in ("}", ")", "]"))
        if depth == 0 and t in ("+", "-", "\\pm", "\\mp") and (k == 0 or toks[k - 1][1] not in ("^", "_", "\\left")):
            if piece := side[start:pos].strip():
                out.append((sign, mentioned(piece)))
            sign, start = {"+": "+", "-": "-"}.get(t, "+-"), pos + len(t)
    if piece := side[start:].strip():
        out.append((sign, mentioned(piece)))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def groups(side: str) -> tuple[str, ...]:
    """The side and every bracketed part of it ({...}, (...), [...]), outermost first."""
    out, opened = [side], []
    for pos, t in lexemes(side):
        if t in ("{", "(", "["):
            opened.append(pos)
        elif t in ("}", ")", "]") and opened:
            out.append(side[opened.pop() + 1 : pos])
    return tuple(out)


def signs_of(sides: list[str], named: frozenset[str]) -> set[str]:
    """The signs of the innermost terms that hold everything named: -k (T - T_a) gives T_a '-', exp(-E/(RT)) gives
    E/(RT) '-'. Empty when no term holds it all."""
    found = [(len(has), sign) for side in sides for group in groups(side) for sign, has in terms(group) if named <= has]
    smallest = min((n for n, _ in found), default=0)
    return {sign for n, sign in found if n == smallest}


@functools.lru_cache(maxsize=1024)
def placement(latex: str) -> dict[str, frozenset[str]]:
    """Base symbol -> {'num', 'den'}: whether it appears outside any denominator, inside one, or both. A denominator
    is the second argument of \\frac, what follows '/', or a base raised to a negative power."""
    toks = _words(latex)
    where: dict[str, set[str]] = {}
    _walk(toks, 0, False, where)
    return {k: frozenset(v) for k, v in where.items()}


def _walk(toks: list[str], i: int, below: bool, where: dict[str, set[str]]) -> tuple[int, list[str]]:
    """Walk one group from toks[i] to its closing bracket; returns (index after it, the bases it mentions)."""
    seen: list[str] = []
    last: list[str] = []
    while i < len(toks) and toks[i] not in ("}", ")", "]"):
        i, last = _atom(toks, i, below, where, last)
        seen += last
    return i + 1, seen


def _atom(toks: list[str], i: int, below: bool, where: dict[str, set[str]], last: list[str]) -> tuple[int, list[str]]:
    """Read one atom at toks[i]; returns (index after it, the bases of the atom for a following exponent)."""
    t = toks[i]
    if t in _FRACS:
        i, top = _argument(toks, i + 1, below, where)
        i, bottom = _argument(toks, i, True, where)
        return i, top + bottom
    if t == "/":
        return _argument(toks, i + 1, True, where)
    if t in ("{", "(", "["):
        return _walk(toks, i + 1, below, where)
    if t == "_" or t in _WORDS:
        return _skip_group(toks, i + 1), last
    if t == "^":
        negative = toks[i + 1 : i + 2] == ["-"] or toks[i + 1 : i + 3] == ["{", "-"]
        for base in last if negative else []:
            where[base].add("den")
        j, _ = _argument(toks, i + 1, below, where)
        return j, last
    if SYMBOL_TOKEN.fullmatch(t):
        base = base_of(t)
        where.setdefault(base, set()).add("den" if below else "num")
        return i + 1, [base]
    return i + 1, last if t in _PREFIX or t == "\\right" else []


def _argument(toks: list[str], i: int, below: bool, where: dict[str, set[str]]) -> tuple[int, list[str]]:
    """One argument: a group, or one atom with the macros in front of it (/ \\sqrt{n}, / 2 \\sigma^2 stops at 2)."""
    while i < len(toks) and toks[i] in _PREFIX:
        i += 1
    if i >= len(toks):
        return i, []
    if toks[i] in ("{", "(", "["):
        return _walk(toks, i + 1, below, where)
    return _atom(toks, i, below, where, [])


_WRAPS = {"log": "log", "exp": "exp", "sin": "trig", "cos": "trig", "tan": "trig"}  # operator -> wrapper kind
_WRAPPERS = {"\\" + m: _WRAPS[op] for m, op in OPS.items() if op in _WRAPS}


@functools.lru_cache(maxsize=1024)
def wrapped(latex: str) -> dict[str, frozenset[str]]:
    """Base symbol -> the functions it only ever appears inside ('log', 'exp', 'trig', 'root', 'power' for an
    exponent): S = k_B \\ln \\Omega gives Omega {'log'}, A = P e^{r t} gives r and t {'exp'}. A function covers
    the rest of its term; a root or an exponent its argument. Symbols that appear bare somewhere are left out."""
    toks = _words(latex)
    seen: dict[str, set[str]] = {}
    bare: set[str] = set()
    active: list[tuple[int, str, bool]] = []  # (depth, wrapper, ends with its term rather than its group)
    depth, i, prev = 0, 0, ""
    while i < len(toks):
        t = toks[i]
        if t in _WORDS or t == "_":
            i = _skip_group(toks, i + 1)
            continue
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
            active = [a for a in active if a[0] <= depth and not (a[0] == depth and not a[2] and t in ("}", ")"))]
        elif t in ("+", "-", "=", "\\pm", "\\mp", ","):
            active = [a for a in active if a[0] < depth or not a[2]]
        if t in _WRAPPERS:
            active.append((depth, _WRAPPERS[t], True))
        elif t in ("\\sqrt", "^") and toks[i + 1 : i + 2] == ["{"]:
            active.append((depth, "root" if t == "\\sqrt" else "exp" if prev == "e" else "power", False))
        elif SYMBOL_TOKEN.fullmatch(t):
            base = base_of(t)
            if prev == "^" and not active:  # x^n: n is an exponent
                seen.setdefault(base, set()).add("power")
            elif active:
                seen.setdefault(base, set()).update(w for _, w, _ in active)
            else:
                bare.add(base)
        prev = t
        i += 1
    return {b: frozenset(w) for b, w in seen.items() if b not in bare}


@functools.lru_cache(maxsize=1024)
def plain(latex: str) -> frozenset[str]:
    """The symbol bases that appear at least once with no exponent or root on them or on their brackets: in
    \\frac{m}{h^{2}} m is plain and h is not, in \\sqrt{n} n is not."""
    toks = _words(latex)
    occurrences: list[tuple[str, bool]] = []
    frames: list[tuple[int, bool]] = [(0, False)]  # per open bracket: first occurrence inside it, under a root
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in _WORDS or t == "_":
            i = _skip_group(toks, i + 1)
            continue
        nxt = _skip_group(toks, i + 2) if toks[i + 1 : i + 2] == ["_"] else i + 1  # after x_{i}, is there a ^?
        raised = toks[nxt : nxt + 1] == ["^"]
        if t in _OPEN:
            frames.append((len(occurrences), toks[i - 1 : i] == ["\\sqrt"] or toks[i - 1 : i] == ["]"]))
        elif t in _CLOSE and len(frames) > 1:
            start, rooted = frames.pop()
            if raised or rooted:
                occurrences[start:] = [(b, True) for b, _ in occurrences[start:]]
        elif SYMBOL_TOKEN.fullmatch(t):
            occurrences.append((base_of(t), raised))
        i += 1
    return frozenset(b for b, powered in occurrences if not powered)


_LOOKS = {"\\" + m for m in "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr quad qquad "
          "mathbf mathrm boldsymbol bm mathit operatorname".split()}
_SPACES = (",", ";", ":", "!")  # \\, \\; \\: \\! (a backslash lexeme, then the character)
_LETTER = re.compile(r"[A-Za-z]")
_FRAC_FORMS = {"\\dfrac": "\\frac", "\\tfrac": "\\frac"}


def _unstyled(latex: str) -> list[str]:
    """The lexemes without those that change only the looks: sizes, spacing, fonts; \\dfrac is \\frac, ^+x is ^x."""
    toks, out, k = lexemes(latex), [], 0
    while k < len(toks):
        pos, t = toks[k]
        after = toks[k + 1] if k + 1 < len(toks) else (-1, "")
        if t == "\\" and after[0] == pos + 1 and after[1] in _SPACES and not _LETTER.match(latex, pos + 2):
            k += 2  # a space macro; \\,x is left as it is
            continue
        if t not in _LOOKS and not (t == "+" and out and out[-1] == "^"):
            out.append(_FRAC_FORMS.get(t, t))
        k += 1
    return out


@functools.lru_cache(maxsize=1024)
def flat(latex: str) -> str:
    """The tokens of LaTeX, space-separated, without what changes only its looks (spacing, bracket sizes, fonts,
    braces around one token), so that maths written in a text can be found in an equation:
    '\\left( k \\mathbf{w} \\right)' and '(k w)' both give '( k w )'."""
    flat = " ".join(_unstyled(latex))
    while (unbraced := re.sub(r"\{ (\S+) \}", r"\1", flat)) != flat:  # x^{2} is x^2; \\frac{a}{b c} keeps its groups
        flat = unbraced
    return flat


_PAIRS = (("\\cup", "\\cap"), ("\\max", "\\min"), ("\\sin", "\\cos"), ("\\sup", "\\inf"), ("\\le", "\\ge"))
_RIVAL = {a: b for pair in (*_PAIRS, ("\\times", "\\cdot")) for a, b in (pair, pair[::-1])}


def written_as(math: str, latex: str) -> str | None:
    """How maths written in a text sits in an equation: 'part' when it is a part of it, 'sign' when it is a part
    with one sign flipped or dropped ('e^{+2\\pi i k n/N}' for e^{-2\\pi i k n/N}), 'power' when it is a part but for
    a power the equation puts on a function ('\\cos\\theta' for \\cos^{2}\\theta), 'inverted' when it is a fraction
    of the equation upside down ('M_1/M_2' for \\frac{M_2}{M_1}), 'operator' when it is a part with one operator
    changed for its rival ('A \\cup B' for A \\cap B, '\\nabla \\times F' for \\nabla \\cdot F); None otherwise."""
    said, whole = flat(math).split(), f" {flat(latex)} "
    if len(said) < 2:
        return None
    if f" {' '.join(said)} " in whole:
        return "part"
    depth = [sum((t in "([") - (t in ")]") for t in said[:k]) for k in range(len(said))]
    if len(lines := [k for k, t in enumerate(said) if t == "/" and depth[k] == 0]) == 1:
        parts = said[: lines[0]], said[lines[0] + 1 :]
        top, bottom = (re.sub(r"^\( (.*) \)$", r"\1", " ".join(part)) for part in parts)  # (a + b)/c
        up, down = (x if " " not in x else f"{{ {x} }}" for x in (top, bottom))
        if f" \\frac {up} {down} " in whole:
            return "part"
        if f" \\frac {down} {up} " in whole or f" {bottom} / {top} " in whole:
            return "inverted"
    flips = [[*said[:k], "-" if t == "+" else "+", *said[k + 1 :]] for k, t in enumerate(said) if t in "+-"]
    at = [k + 1 + (said[k + 1 : k + 2] == ["{"]) for k, t in enumerate(said) if t == "^"]  # e^{2x} for e^{-2x}
    dropped = [[*said[:k], "-", *said[k:]] for k in at]
    if any(f" {' '.join(f)} " in whole for f in flips + dropped):
        return "sign"
    others = [[*said[:k], _RIVAL[t], *said[k + 1 :]] for k, t in enumerate(said) if t in _RIVAL]
    if any(f" {' '.join(o)} " in whole for o in others):
        return "operator"
    if f" {' '.join(said)} " in re.sub(r"(\\[A-Za-z]+) \^ (?:\d+|[A-Za-z])(?= )", r"\1", whole):
        return "power"
    return None
