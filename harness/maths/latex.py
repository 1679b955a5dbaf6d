"""Equation facts from LaTeX: the symbols, operators, exponents and top-level relation of one displayed equation.

The gold checker (`gold.verdict`) verifies claims about an equation against these facts, so they come from a real
LaTeX parser (pylatexenc) and the function never raises: whatever was not understood is named in `problems`. The
paper loader (`core.papers`) keeps an equation's glossary to its symbols, read here too (`symbols`, `symbol`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import pydantic
from pylatexenc import latexwalker, macrospec

from harness.maths.relations import RELATIONS, WEAK_RELATIONS, relation_of
from harness.maths.tables import BIG, FRACS, GREEK, OPS, table

MAX_CHARS = 4000  # longer inputs are cut: no displayed equation is this long, a pasted document might be
SYMPY_MAX_CHARS = 200  # sympy's LaTeX parser is slow and fragile beyond short inputs


class EquationFacts(pydantic.BaseModel):
    latex: str
    symbols: list[str]
    base_symbols: list[str]
    decorations: dict[str, list[str]]
    operators: list[str]
    exponents: list[str]
    relation: str | None
    lhs: str
    rhs: str
    lhs_symbols: list[str]
    rhs_symbols: list[str]
    derivative_order: int | None = None
    parsed: bool
    problems: list[str]


DECOR = table(hat="hat widehat", bar="bar overline", tilde="tilde widetilde", vec="vec overrightarrow",
               dot="dot ddot", bold="mathbf boldsymbol bm pmb textbf", calligraphic="mathcal mathscr",
               blackboard="mathbb", fraktur="mathfrak", check="check", breve="breve", underline="underline")
UPRIGHT = set("mathrm text textrm textup textnormal operatorname mbox hbox mathit textit mathsf textsf mathtt texttt "
              "emph mathnormal".split())
SWITCH = {"rm": "mathrm", "it": "mathrm", "sf": "mathrm", "tt": "mathrm", "bf": "mathbf", "cal": "mathcal"}
WORD_OPS = {**{k: v for k, v in OPS.items() if len(k) > 1}, "E": "expectation", "P": "probability"}
OPEN = {"(", "[", "{", "lbrace", "langle", "lceil", "lfloor", "lbrack", "llbracket"}
CLOSE = {")", "]", "}", "rbrace", "rangle", "rceil", "rfloor", "rbrack", "rrbracket"}
DELIMITER_SIZES = set("left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle".split())
ALIGN_ENVS = set("align align* aligned alignat alignat* alignedat eqnarray eqnarray* split gather gather* gathered "
                 "multline multline* flalign flalign* equation equation* displaymath math subequations".split())
NESTED_ENVS = set("cases cases* dcases rcases matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix psmallmatrix "
                  "bsmallmatrix array subarray".split())
SPACING = set(", ; : ! > quad qquad enspace thinspace medspace thickspace negthinspace negmedspace hspace hfill mspace "
              "kern mkern hskip nulldelimiterspace".split() + [" "])
KNOWN = SPACING | DELIMITER_SIZES | OPEN | CLOSE | FRACS | set(
    "limits nolimits displaystyle textstyle scriptstyle scriptscriptstyle tiny scriptsize small normalsize large "
    "Large label tag nonumber notag hline cline newline infty cdots ldots dots dotsc dotsb dotsm vdots ddots pm mp "
    "div ast star circ bullet otimes oplus odot ominus oslash wedge vee land lor neg lnot cap cup sqcup sqcap "
    "setminus backslash emptyset varnothing forall exists nexists notin ni supset supseteq subsetneq perp parallel "
    "angle triangle square Box prime dagger dag top bot Leftarrow longleftarrow uparrow "
    "downarrow nearrow searrow nwarrow swarrow leftrightarrow hookrightarrow colon cdotp qty phantom hphantom "
    "vphantom smash atop mid arg sinh cosh tanh coth arcsin arccos arctan cot sec csc deg dim gcd hom ker lcm mod "
    "bmod pmod not cdot times partial nabla | Vert lVert rVert vert lvert rvert stackrel overset underset mathop "
    "mathbin mathrel mathord mathopen mathclose underbrace overbrace substack multicolumn eqref ref # $ % & _".split()
) | {"\\"} | RELATIONS.keys() | OPS.keys() | BIG
ONE_ARG = "label phantom hphantom vphantom smash substack mathop mathbin mathrel mathord underbrace overbrace eqref ref"
SPECS = {"{{": "stackrel overset underset binom dbinom tbinom " + " ".join(FRACS), "[{": "sqrt", "{{{": "multicolumn",
         "*{": "operatorname hspace tag", "{": " ".join([*DECOR, *UPRIGHT - {"operatorname"}, ONE_ARG])}
TRANSPOSE = {"T", "\\top", "\\intercal", "\\mathsfT", "\\mathrmT", "\\rmT", "\\mathbfT"}
LABEL_SUPERSCRIPTS = {"*", "\\ast", "\\star", "\\dagger", "\\dag", "\\circ", "+", "\\bullet"}
PRIMES = {"'": 1, "''": 2, "\\prime": 1, "\\prime\\prime": 2}
WORD = re.compile(r"[A-Za-z]\w{0,11}")  # a \text{...} or \mathrm{...} word short enough to name a symbol
TEXT_WORDS = set("if for and or where with otherwise else when st s.t. subject to such that of in on is as all each "
                 "any some the then let".split())
UNREAD = {"label", "tag", "ref", "eqref", "hspace", "phantom", "hphantom", "vphantom"}  # arguments are not math
FILLER = SPACING | {"\\", "nonumber", "notag", "newline"}  # macros at the edge of a side


def _context_db() -> macrospec.LatexContextDb:
    """A context that knows the argument shapes of the math macros we read, so their arguments arrive parsed."""
    macros = [macrospec.MacroSpec(name, spec) for spec, names in SPECS.items() for name in names.split()]
    macros.append(macrospec.MacroSpec("\\", ""))  # no [2pt] argument: a trailing \\ must not read as a parse error
    envs = [macrospec.EnvironmentSpec(n, "[{") for n in ("array", "tabular")]
    envs += [macrospec.EnvironmentSpec(n, "{") for n in ("alignat", "alignat*", "alignedat", "subarray")]
    db = macrospec.LatexContextDb()
    db.add_context_category("harness", macros=macros, environments=envs, specials=[macrospec.SpecialsSpec("&")])
    return db


_DB = _context_db()


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> tuple[list, str | None]:
    """pylatexenc's nodes of a piece of LaTeX and the parse error, if any: a strict parse, else a tolerant one that
    skips what it cannot place (a stray '}' or \\end). Facts and lexemes are both read off these nodes."""
    try:
        return latexwalker.LatexWalker(text, latex_context=_DB, tolerant_parsing=False).get_latex_nodes(pos=0)[0], None
    except latexwalker.LatexWalkerError as e:
        nodes = latexwalker.LatexWalker(text, latex_context=_DB, tolerant_parsing=True).get_latex_nodes(pos=0)[0]
        return nodes, str(e).splitlines()[0]


_RUN = re.compile(r"\\[A-Za-z]+|[A-Za-z]|\d+|\S")  # how the characters of one node split into lexemes
_BEGIN = re.compile(r"\\begin\s*\{[^{}]*\}")
_END = re.compile(r"\\end\s*\{[^{}]*\}\s*$")
Lexemes = tuple[tuple[int, str], ...]


@functools.lru_cache(maxsize=4096)
def lexemes(text: str) -> Lexemes:
    """The LaTeX as (position, lexeme) in source order, read off the parse: a macro name (\\alpha), a letter, a
    number, or one other character; braces, script marks and brackets are lexemes of their own. A macro that is not
    a word (\\{, \\,, \\\\) gives a backslash and its character, so \\{ opens a bracket as { does. What the parser
    skipped is read as characters. The layout questions (layout.py) walk these."""
    out: list[tuple[int, str]] = []
    _lex_seq(text, parse(text)[0], 0, len(text), out)
    merged: list[tuple[int, str]] = []
    for pos, t in out:  # a number that the parse split over nodes (\\frac12) is one lexeme
        if merged and t.isdigit() and merged[-1][1].isdigit() and merged[-1][0] + len(merged[-1][1]) == pos:
            merged[-1] = (merged[-1][0], merged[-1][1] + t)
        else:
            merged.append((pos, t))
    return tuple(merged)


def _lex_raw(text: str, start: int, end: int, out: list[tuple[int, str]]) -> None:
    out += [(m.start(), m[0]) for m in _RUN.finditer(text, start, end)]


def _lex_seq(text: str, nodes: list, start: int, end: int, out: list[tuple[int, str]]) -> None:
    """Lexemes of the nodes that lie in text[start:end], and of what lies between them unparsed."""
    cursor = start
    for n in sorted((n for n in nodes if n is not None), key=lambda n: n.pos):
        _lex_raw(text, cursor, n.pos, out)
        _lex_node(text, n, out)
        cursor = max(cursor, n.pos + n.len)
    _lex_raw(text, cursor, end, out)


def _lex_node(text: str, n: latexwalker.LatexNode, out: list[tuple[int, str]]) -> None:
    end = n.pos + n.len
    args = n.nodeargd.argnlist if getattr(n, "nodeargd", None) else []
    if isinstance(n, latexwalker.LatexMacroNode | latexwalker.LatexSpecialsNode):
        name = "\\" + n.macroname if isinstance(n, latexwalker.LatexMacroNode) else n.specials_chars
        head = n.pos + len(name)
        _lex_raw(text, n.pos, head, out)
        _lex_seq(text, args, head, end, out)
    elif isinstance(n, latexwalker.LatexGroupNode | latexwalker.LatexMathNode):
        opening, closing = n.delimiters
        inner = end - len(closing) if text.endswith(closing, n.pos, end) and n.len >= len(opening + closing) else end
        _lex_raw(text, n.pos, n.pos + len(opening), out)
        _lex_seq(text, n.nodelist, n.pos + len(opening), inner, out)
        _lex_raw(text, inner, end, out)
    elif isinstance(n, latexwalker.LatexEnvironmentNode):
        head = m.end() if (m := _BEGIN.match(text, n.pos)) else n.pos
        tail = t.start() if (t := _END.search(text, head, end)) else end
        _lex_raw(text, n.pos, head, out)
        _lex_seq(text, [*args, *n.nodelist], head, tail, out)
        _lex_raw(text, tail, end, out)
    else:  # characters, or a comment: its characters
        _lex_raw(text, n.pos, end, out)


@dataclass
class _Tok:
    kind: str  # "c" one character, "m" macro, "g" brace group, "e" environment
    text: str  # the character, the macro name or the environment name
    pos: int
    end: int
    args: list[list[_Tok]] = field(default_factory=list)  # macro arguments; a group's or environment's body is args[0]


@dataclass
class _Sym:
    name: str  # normalised LaTeX of the whole symbol, subscripts included
    core: str  # the symbol without its subscripts
    base: str  # plain name of the base letter or word
    decos: list[str]


def _tokens(nodes: list | None) -> list[_Tok]:
    out: list[_Tok] = []
    for n in nodes or []:
        end = n.pos + n.len
        if isinstance(n, latexwalker.LatexCharsNode):
            out += [_Tok("c", ch, n.pos + k, n.pos + k + 1) for k, ch in enumerate(n.chars) if ch not in " \t\n\r~"]
        elif isinstance(n, latexwalker.LatexMacroNode):
            parsed = zip(n.nodeargd.argspec, n.nodeargd.argnlist, strict=False) if n.nodeargd else []
            args = [_tokens(a.nodelist if isinstance(a, latexwalker.LatexGroupNode) else [a])
                    for spec, a in parsed if a is not None and spec != "*"]
            out.append(_Tok("m", n.macroname, n.pos, end, args))
        elif isinstance(n, latexwalker.LatexEnvironmentNode):
            out.append(_Tok("e", n.environmentname, n.pos, end, [_tokens(n.nodelist)]))
        elif isinstance(n, latexwalker.LatexGroupNode | latexwalker.LatexMathNode):
            out.append(_Tok("g", "{", n.pos, end, [_tokens(n.nodelist)]))
        elif isinstance(n, latexwalker.LatexSpecialsNode):
            out.append(_Tok("c", n.specials_chars, n.pos, end))
    return out


def _render(toks: list[_Tok]) -> str:
    """Normalised LaTeX of tokens: no spaces except after a macro name, upright-word macros spelled \\mathrm."""
    out = ""
    for t in toks:
        if t.kind == "c":
            piece = t.text
        elif t.kind == "m":
            piece = "\\" + ("mathrm" if t.text in UPRIGHT else t.text) + "".join("{" + _render(a) + "}" for a in t.args)
        else:
            piece = "{" + _render(t.args[0]) + "}" if t.kind == "g" else f"\\begin{{{t.text}}}...\\end{{{t.text}}}"
        out += " " + piece if re.search(r"\\[A-Za-z]+$", out) and piece[:1].isalpha() else piece
    return out


def _braced(text: str) -> str:
    return text if len(text) == 1 or re.fullmatch(r"\\[A-Za-z]+", text) else "{" + text + "}"


def _is(t: _Tok | None, kind: str, *texts: str) -> bool:
    return t is not None and t.kind == kind and (not texts or t.text in texts)


def _at(toks: list[_Tok], i: int) -> _Tok | None:
    return toks[i] if 0 <= i < len(toks) else None


def _body(t: _Tok) -> list[_Tok]:
    """What a script or an argument holds: a group's contents (nested {{...}} unwrapped), or the token itself."""
    if t.kind == "g" and len(t.args[0]) == 1 and t.args[0][0].kind == "g":
        return _body(t.args[0][0])
    return t.args[0] if t.kind == "g" else [t]


def _atomic(t: _Tok | None) -> bool:
    """A letter, Greek letter, decorated or font macro, or an author macro: where a symbol starts."""
    return t is not None and (t.kind == "c" and t.text.isalpha() or t.kind == "m" and t.text not in KNOWN)


def _filler(t: _Tok) -> bool:
    return t.kind == "c" and t.text in "&,.;" or t.kind == "m" and t.text in FILLER or t.kind == "g" and not t.args[0]


class _Scan:
    """One walk over the token tree collecting facts. `depth` counts braces: relations count only at depth 0."""

    def __init__(self, source: str, flat: list[_Tok]):
        self.src, self.flat = source, flat
        self.symbols: dict[str, int] = {}  # symbol -> rank of first sight; a symbol ranks before its subscripts
        self.bases: dict[str, int] = {}
        self.decos: dict[str, list[str]] = {}
        self.ops: dict[str, None] = {}
        self.exps: dict[str, None] = {}
        self.problems: dict[str, None] = {}
        self.order: int | None = None
        self.occurrences: list[tuple[int, int, str]] = []  # (rank, top-level index, symbol) for the lhs/rhs split
        self.relations: list[tuple[int, int, str]] = []  # (first token, last token, canonical) at the top level
        self.brackets: list[bool] = []  # open brackets; True where P(...) or E[...] opened it
        self.pending = False  # the next opening bracket belongs to a probability or expectation
        self.prev_vec = False  # the last symbol was bold or an arrow vector: \cdot is then a dot product
        self.applied = False  # a derivative operator \frac{d}{dt} applied to something: sympy may know the order
        self.rank = self.top = 0
        self.has_integral = bool(re.search(r"\\i+nt|\\oint", source))
        # e^x is exp(x) unless e is also a variable of the display, as in a(e) = e^{12/19} (an eccentricity)
        self.e_variable = bool(re.search(r"(?<![\\A-Za-z])e(?![A-Za-z]|\s*\^)", source))

    def op(self, name: str, order: int = 0) -> None:
        self.ops[name] = None
        if order:
            self.order = max(self.order or 0, order)

    def add(self, sym: _Sym, rank: int) -> None:
        for name in dict.fromkeys([sym.name, sym.core]):
            self.symbols.setdefault(name, rank)
            self.occurrences.append((rank, self.top, name))
            if sym.decos:
                self.decos[name] = sym.decos
        self.bases.setdefault(sym.base, rank)
        self.prev_vec = bool({"bold", "vec"} & set(sym.decos))

    def relate(self, rel: str, i: int, j: int, depth: int) -> None:
        if depth == 0 and not self.brackets:
            self.relations.append((i, j, rel))

    def run(self) -> None:
        i = 0
        while i < len(self.flat):
            self.top = i
            i = max(self.step(self.flat, i, 0, False), i + 1)

    def seq(self, toks: list[_Tok], depth: int, sub: bool) -> None:
        """Scan a nested token list (an argument, a script); brackets opened inside it do not leak out."""
        saved, pending = len(self.brackets), self.pending
        i = 0
        while i < len(toks):
            i = max(self.step(toks, i, depth, sub), i + 1)
        del self.brackets[saved:]
        self.pending = pending

    def step(self, toks: list[_Tok], i: int, depth: int, sub: bool) -> int:
        """Read the token at i with what it takes (arguments, scripts); return the index after it."""
        t, nxt = toks[i], _at(toks, i + 1)
        pending, self.pending = self.pending, False
        if t.kind in "ge":
            if t.kind == "e" and t.text not in NESTED_ENVS | ALIGN_ENVS:
                self.problems[f"unknown environment {t.text}"] = None
            if t.text == "vmatrix":
                self.op("determinant")
            self.seq(t.args[0], depth + 1, sub)
            return i + 1
        if t.kind == "c" and not t.text.isalpha():
            return self.char(toks, i, depth, pending)
        if _is(t, "m", "Delta") and (_is(nxt, "c", "u", "f") or _is(nxt, "m", "phi", "varphi", "psi")):
            self.op("laplacian")  # \Delta u; but \Delta t is a symbol
            return i + 1
        if not _atomic(t):
            return self.macro(toks, i, depth, sub, pending)
        self.rank += 1
        rank = self.rank
        sym, j = self.atom(toks, i, sub)
        sym, j = self.scripts(toks, j, sym, depth)
        if sym is None:
            return j
        after = _at(toks, j + 1) if _is(_at(toks, j), "m", "left") else _at(toks, j)
        if re.fullmatch(r"[pP](_.*)?", sym.name) and _is(after, "c", "("):
            self.op("probability")
            self.pending = True
        self.add(sym, rank)
        return j

    def char(self, toks: list[_Tok], i: int, depth: int, pending: bool) -> int:
        c, prev, nxt = toks[i].text, _at(toks, i - 1), _at(toks, i + 1)
        if c in "([":
            self.brackets.append(pending)
        elif c in ")]" and self.brackets:
            self.brackets.pop()
        elif c == "|":  # p(x | y) is conditional; \left| x \right| and |x| elsewhere are absolute values
            sized = _is(prev, "m", *DELIMITER_SIZES - {"middle"})
            self.op("conditional" if self.brackets and self.brackets[-1] and not sized else "abs")
        elif c == ":" and _is(nxt, "c", "="):
            self.relate(":=", i, i + 1, depth)
            return i + 2
        elif c in "=<>":
            self.relate(c, i, i, depth)
        elif c == "!" and prev is not None and (prev.kind == "g" or prev.text.isalnum() or prev.text == ")"):
            self.op("factorial")
        elif c == "/":
            self.op("fraction")
        elif c in "^_'":
            return self.scripts(toks, i, None, depth)[1]
        return i + 1

    def macro(self, toks: list[_Tok], i: int, depth: int, sub: bool, pending: bool) -> int:
        """A macro this module knows that is not a symbol: operator, relation, bracket, spacing or layout."""
        t, nxt = toks[i], _at(toks, i + 1)
        name = t.text
        if name in UNREAD:
            return i + 1
        if name in DELIMITER_SIZES:
            self.pending = pending  # \left( after P still opens the probability's bracket
            return i + 2 if _is(nxt, "c", ".") else i + 1
        if name in OPEN:
            self.brackets.append(pending)
        elif name in CLOSE and self.brackets:
            self.brackets.pop()
        elif name in ("|", "Vert", "lVert", "rVert"):
            self.op("norm")
        elif name in ("vert", "lvert", "rvert", "mid"):
            if self.brackets and self.brackets[-1]:
                self.op("conditional")
            elif name != "mid":  # a bare \mid is set-builder notation
                self.op("abs")
        elif name in ("cdot", "times"):
            if self.prev_vec or _is(nxt, "m", "mathbf", "boldsymbol", "bm", "vec", "overrightarrow", "pmb"):
                self.op("dot_product" if name == "cdot" else "cross_product")
        elif name == "not" and _is(nxt, "c", "="):
            self.relate("neq", i, i + 1, depth)
            return i + 2
        elif name in RELATIONS:
            self.relate(RELATIONS[name], i, i, depth)
        elif name == "arg" and _is(nxt, "m", "min", "max"):
            self.op("arg" + nxt.text)
            return self.limits(toks, i + 2, depth, False)
        elif name in ("partial", "nabla"):
            up = _render(_body(toks[i + 2])) if _is(nxt, "c", "^") and i + 2 < len(toks) else ""
            order = int(up) if up.isdigit() else 1
            if name == "partial":
                self.op("partial_derivative", order)
            else:
                self.op("laplacian" if order == 2 else "gradient")
            return self.limits(toks, i + 3 if up else i + 1, depth, False)
        elif name in FRACS:
            return self.fraction(toks, i, depth, sub)
        elif name in OPS or name in BIG:
            if name in OPS and not (sub and name in ("min", "max", "sup", "inf")):  # \lambda_{\max} is a label
                self.op(OPS[name])
            for arg in t.args:
                self.seq(arg, depth + 1, sub)
            self.pending = OPS.get(name) in ("probability", "expectation")
            return self.limits(toks, i + 1, depth, name not in BIG)
        elif name in ("stackrel", "overset", "underset") and len(t.args) == 2:
            top, body = (_render(a) for a in t.args)
            rel = relation_of(body)
            if rel:
                defining = re.sub(r"\\(mathrm|text|rm)|[{}\s]", "", top) in ("def", "\\triangle", "\\Delta", ":")
                self.relate(":=" if defining and rel == "=" else rel, i, i, depth)
                return i + 1
        elif name in ("\\", "newline") and depth == 0:
            self.brackets.clear()  # a new line of an alignment starts with nothing open
        for arg in t.args:  # underbrace, mathop, substack and friends: read what they wrap
            self.seq(arg, depth + 1, sub or name in ("stackrel", "overset", "underset"))
        return i + 1

    def fraction(self, toks: list[_Tok], i: int, depth: int, sub: bool) -> int:
        """\\frac: a derivative when both parts start with d, \\partial or \\delta; otherwise a fraction."""
        num, den = (toks[i].args + [[], []])[:2]

        def dlike(ts: list[_Tok], k: int) -> str | None:
            t = _at(ts, k)
            if t is None or _is(_at(ts, k + 1), "c", "_"):
                return None
            if _is(t, "c", "d") or _is(t, "m", "delta") or t.text in UPRIGHT and _render(t.args[0][:1]) == "d":
                return "derivative"
            return "partial_derivative" if _is(t, "m", "partial") else None

        kind = dlike(num, 0)
        if not kind or dlike(den, 0) != kind:
            self.op("fraction")
            self.seq(num, depth + 1, sub)
            self.seq(den, depth + 1, sub)
            return i + 1
        power = _render(_body(num[2])) if _is(_at(num, 1), "c", "^") and len(num) > 2 else None
        if power is not None:
            order, rest = (int(power) if power.isdigit() else 1), num[3:]
        else:
            order, rest = max(1, sum(dlike(den, k) == kind for k in range(len(den)))), num[1:]
        self.op(kind, order)
        self.applied |= not rest
        self.seq(rest, depth + 1, sub)
        kept, k = [], 0
        while k < len(den):  # drop the d's and the orders: in d t^2, t is the variable, not a square
            skip = 1 if dlike(den, k) == kind else 2 if _is(den[k], "c", "^") else 0
            kept += [] if skip else [den[k]]
            k += skip or 1
        self.seq(kept, depth + 1, sub)
        return i + 1

    def limits(self, toks: list[_Tok], i: int, depth: int, powers: bool) -> int:
        """Scripts after an operator: limits and indices (read for symbols), or a power as in sin^2 x."""
        while i < len(toks):
            if _is(toks[i], "m", "limits", "nolimits"):
                i += 1
            elif _is(toks[i], "c", "_", "^") and i + 1 < len(toks):
                if powers and toks[i].text == "^":
                    return self.scripts(toks, i, None, depth)[1]
                self.seq(_body(toks[i + 1]), depth + 1, True)
                i += 2
            else:
                break
        return i

    def scripts(self, toks: list[_Tok], i: int, sym: _Sym | None, depth: int) -> tuple[_Sym | None, int]:
        """Subscripts, primes and label superscripts (x^*, W^{(l)}) extend the symbol's name; others are powers."""
        while i < len(toks) and _is(toks[i], "c", "_", "^", "'"):
            t = toks[i]
            if t.text != "'" and i + 1 == len(toks):
                self.problems[f"'{t.text}' without an argument"] = None
                return sym, i + 1
            arg = _body(toks[i + 1]) if t.text != "'" else []
            text = _render(arg) if t.text != "'" else "'"
            if not text:  # an empty script such as x_{} says nothing
                i += 1 if t.text == "'" else 2
                continue
            if t.text == "_":
                if sym:
                    sym.name += "_" + _braced(text)
                self.seq(arg, depth + 1, True)
            elif text in PRIMES:  # u'' is a second derivative: count the primes on the name
                if sym:
                    sym.name += "'" * PRIMES[text]
                self.op("derivative", len(sym.name) - len(sym.name.rstrip("'")) if sym else PRIMES[text])
            elif text in LABEL_SUPERSCRIPTS or re.fullmatch(r"\(.*\)|\\mathrm\{\w\w+\}|\\rm \w\w+", text):
                if sym:
                    sym.name += "^" + _braced("*" if text == "\\ast" else text)
                self.seq(arg, depth + 1, True)
            else:
                self.op("power")
                self.exps[text] = None
                if re.sub(r"[{}\s]", "", text) in TRANSPOSE:
                    self.op("transpose")
                elif text == "-1":
                    self.op("inverse")
                else:
                    self.seq(arg, depth + 1, False)
            i += 1 if t.text == "'" else 2
        return sym, i

    def atom(self, toks: list[_Tok], i: int, sub: bool) -> tuple[_Sym | None, int]:
        """Read one symbol at toks[i], scripts not included; None where it is an operator or a differential."""
        t, nxt = toks[i], _at(toks, i + 1)
        if t.kind == "c":
            if t.text == "d" and self.has_integral and _atomic(nxt) and nxt.text not in UPRIGHT | SWITCH.keys():
                return None, i + 1  # the d of dx
            if t.text == "e" and _is(nxt, "c", "^") and not self.e_variable:
                self.op("exp")
                return None, i + 1
            if t.text == "E" and _is(_at(toks, i + 2) if _is(nxt, "m", *DELIMITER_SIZES) else nxt, "c", "["):
                self.op("expectation")
                self.pending = True
                return None, i + 1
            return _Sym(t.text, t.text, t.text, []), i + 1
        if t.text in GREEK:
            return _Sym("\\" + t.text, "\\" + t.text, t.text, []), i + 1
        if t.text in DECOR:
            return self.decorated(t, sub), i + 1
        if t.text in UPRIGHT or t.text in SWITCH:
            return self.upright(toks, i, sub)
        self.problems[f"unknown macro \\{t.text} (kept as a symbol)"] = None
        j = i + 1
        while _is(_at(toks, j), "g"):  # an author macro's arguments are part of it: \vect{x} is one symbol
            inner = toks[j].args[0]
            sym, k = self.atom(inner, 0, sub) if _atomic(_at(inner, 0)) else (None, 0)
            if sym and k == len(inner):
                self.rank += 1
                self.add(sym, self.rank)
            j += 1
        name = "\\" + t.text + _render(toks[i + 1:j])
        return _Sym(name, name, t.text if t.text.isalpha() else name, []), j

    def decorated(self, t: _Tok, sub: bool) -> _Sym | None:
        """\\hat{x}, \\mathbf{K}, \\bar{\\mathbf{\\theta}}; \\mathbb{E} and \\mathbb{P} are operators."""
        arg = t.args[0] if t.args else []
        letter = _render(arg)
        if t.text == "mathbb" and letter in ("E", "P", "V"):
            self.op({"E": "expectation", "P": "probability", "V": "variance"}[letter])
            self.pending = True
            return None
        if t.text in ("dot", "ddot"):
            self.op("derivative", 1 if t.text == "dot" else 2)
        inner, k = self.atom(arg, 0, sub) if _atomic(_at(arg, 0)) else (None, 0)
        if inner is not None:
            inner, k = self.scripts(arg, k, inner, 1)
        if inner is None or k < len(arg):  # \overline{a + b} decorates an expression: read its symbols
            self.seq(arg, 1, sub)
            return None
        if inner.name.startswith(f"\\{t.text}{{"):  # \mathbf{\mathbf{x}} is \mathbf{x}
            return inner
        name = f"\\{t.text}{{{inner.name}}}"
        return _Sym(name, name, inner.base, list(dict.fromkeys([DECOR[t.text], *inner.decos])))

    def upright(self, toks: list[_Tok], i: int, sub: bool) -> tuple[_Sym | None, int]:
        """\\mathrm{pred} and {\\rm orb}: one word symbol, an operator name (\\operatorname{Var}), or prose."""
        t, j = toks[i], i + 1
        font = SWITCH.get(t.text, "mathrm")
        if t.text not in SWITCH:
            arg = t.args[0] if t.args else []
        elif _is(_at(toks, j), "g"):  # {\cal{M}}
            arg, j = toks[j].args[0], j + 1
        else:  # {\rm orb}: a switch takes the letters that follow it
            while _is(_at(toks, j), "c") and toks[j].text.isalpha():
                j += 1
            arg = toks[i + 1:j]
        word = self.src[arg[0].pos:arg[-1].end] if arg else ""
        words = re.sub(r"\\[,;:! ]|\\q?quad", " ", word).split()  # \operatorname{arg\,min} is one word
        plain = "".join(words)
        if sub and len(plain) > 1:
            return None, j  # a label: f_{\rm orb}, S_{\mathrm{cos}}
        bracket = _at(toks, j + 1) if _is(_at(toks, j), "m", *DELIMITER_SIZES) else _at(toks, j)
        if plain in WORD_OPS and (plain not in ("E", "P") or t.text == "operatorname" or _is(bracket, "c", "[", "(")):
            self.op(WORD_OPS[plain])
            self.pending = plain in ("E", "P", "Pr")
            return None, self.limits(toks, j, 1, False) if plain in BIG else j
        if plain == "e" and _is(_at(toks, j), "c", "^"):
            self.op("exp")
            return None, j
        if any(a.kind != "c" and a.text not in SPACING for a in arg):  # \mathrm{\Delta t}: math inside, read it
            self.seq(arg, 1, sub)
            return None, j
        if sub or len(words) != 1 or plain == "d" or plain.lower() in TEXT_WORDS or not WORD.fullmatch(plain):
            return None, j  # a differential, a connective word or prose
        if font == "mathrm" and len(plain) == 1:
            return _Sym(plain, plain, plain, []), j
        name = f"\\{font}{{{plain}}}"
        return _Sym(name, name, plain, [DECOR[font]] if font in DECOR else []), j


def _flatten(toks: list[_Tok]) -> list[_Tok]:
    """Splice alignment environments and a display-wide {...} into the top level, where the relation is sought."""
    out: list[_Tok] = []
    for t in toks:
        out += _flatten(t.args[0]) if t.kind == "e" and t.text in ALIGN_ENVS else [t]
    core = [t for t in out if not _filler(t)]
    return _flatten(core[0].args[0]) if len(core) == 1 and core[0].kind == "g" else out


def _side(scan: _Scan, start: int, end: int) -> tuple[str, list[str]]:
    """LaTeX of flat[start:end] without alignment marks, labels and edge punctuation, and the symbols in it."""
    toks = [t for t in scan.flat[start:end] if t.text not in UNREAD]
    while toks and _filler(toks[0]):
        toks.pop(0)
    while toks and _filler(toks[-1]):
        toks.pop()
    text = scan.src[toks[0].pos:toks[-1].end] if toks else ""
    text = re.sub(r"\\label\{[^}]*\}|\\nonumber|\\notag|(?<!\\)&", " ", text)
    symbols = dict.fromkeys(name for _, k, name in sorted(scan.occurrences, key=lambda o: o[0]) if start <= k < end)
    return re.sub(r"\s+", " ", text).strip(), list(symbols)


def _sympy_order(latex: str) -> int | None:
    """Highest derivative order by sympy's LaTeX parser: optional, so any failure just means unknown."""
    if len(latex) > SYMPY_MAX_CHARS:
        return None
    try:
        from sympy import Derivative
        from sympy.parsing.latex import parse_latex

        expr = parse_latex(latex)
        return max((sum(int(n) for _, n in d.variable_count) for d in expr.atoms(Derivative)), default=None)
    except Exception:  # sympy's parser fails in many ways on real LaTeX; none of them matters here
        return None


def _facts(latex: str) -> EquationFacts:
    problems: dict[str, None] = {}
    text = latex[:MAX_CHARS]
    if not latex.strip():
        problems["empty equation"] = None
    if len(latex) > MAX_CHARS:
        problems[f"equation too long ({len(latex)} characters); only the first {MAX_CHARS} were read"] = None
    nodes, message = parse(text)
    if message:
        problems[f"unbalanced braces: {message}" if "brace" in message or "'}'" in message else
                 f"LaTeX parse error: {message}"] = None
    scan = _Scan(text, _flatten(_tokens(nodes)))
    scan.run()
    problems.update(scan.problems)
    relation, lhs, rhs, lhs_symbols, rhs_symbols = None, "", "", [], []
    if scan.relations:
        first, last, relation = ([r for r in scan.relations if r[2] not in WEAK_RELATIONS] or scan.relations)[0]
        breaks = [k for k, t in enumerate(scan.flat) if _is(t, "m", "\\", "newline")]
        start = max([k + 1 for k in breaks if k < first], default=0)
        end = min([k for k in breaks if k > last], default=len(scan.flat))
        if not _side(scan, last + 1, end)[0]:  # "a = \\ b": the right side starts on the next line
            end = len(scan.flat)
        lhs, lhs_symbols = _side(scan, start, first)
        rhs, rhs_symbols = _side(scan, last + 1, end)
    elif latex.strip():
        problems["no top-level relation"] = None
    order = scan.order
    if scan.applied:  # \frac{d}{dt}\frac{dx}{dt}: only sympy composes the orders
        order = max(order or 0, _sympy_order(f"{lhs} = {rhs}" if relation == "=" else text) or 0) or None
    return EquationFacts(
        latex=latex, symbols=sorted(scan.symbols, key=scan.symbols.get),
        base_symbols=sorted(scan.bases, key=scan.bases.get), decorations=scan.decos, operators=list(scan.ops),
        exponents=list(scan.exps), relation=relation, lhs=lhs, rhs=rhs, lhs_symbols=lhs_symbols,
        rhs_symbols=rhs_symbols, derivative_order=order, parsed=not problems, problems=list(problems))


def equation_facts(latex: str) -> EquationFacts:
    """Facts about one displayed equation. Never raises: what could not be read is listed in `problems`."""
    try:
        return _facts(str(latex))
    except Exception as e:  # a checker must get facts, and the reason they are empty, for any input at all
        problem = "nested too deeply to read" if isinstance(e, RecursionError) else f"internal error: {e!r}"
        return EquationFacts(latex=str(latex), symbols=[], base_symbols=[], decorations={}, operators=[],
                             exponents=[], relation=None, lhs="", rhs="", lhs_symbols=[], rhs_symbols=[],
                             parsed=False, problems=[problem])


class Symbol(NamedTuple):
    name: str  # as equation_facts names symbols: 'x_i', '\hat{\beta}', '\mathbf{x}' for {\bf x}, '\sigma' for \sigma^2
    core: str  # the symbol without its subscripts: 'x' for x_i
    spelling: str  # the name with the power written on it ('\sigma^2'): a glossary's key


def symbols(latex: str) -> set[str]:
    """The names equation_facts gives an equation's symbols, with and without their subscripts, and no other fact:
    cheap (no sympy) for a paper loader that keeps each equation's glossary to its symbols. Never raises."""
    text = str(latex)[:MAX_CHARS]
    try:
        scan = _Scan(text, _flatten(_tokens(parse(text)[0])))
        scan.run()
        return set(scan.symbols)
    except Exception:  # as equation_facts: any input at all; an unreadable equation has no symbols to name
        return set()


def symbol(latex: str) -> Symbol | None:
    """The symbol a piece of LaTeX is, read as equation_facts reads one: a letter, Greek letter or macro (with its
    decoration or an author macro's arguments) and its scripts ('x_i', '\\hat{\\beta}', '\\sigma^2', "u'"). A
    function's symbol with its argument list after it ('f(x)', 'g_j(x)') is that symbol. None for anything else:
    an expression ('x + y', 'ab', '[A]_{ij}', '\\nabla f'), a statement ('f(x) = 1'). Never raises."""
    text = str(latex)[:MAX_CHARS]
    try:
        toks = [t for t in _flatten(_tokens(parse(text)[0])) if not _filler(t)]
        if not _atomic(_at(toks, 0)):
            return None
        scan = _Scan(text, toks)
        sym, i = scan.atom(toks, 0, False)
        sym, i = scan.scripts(toks, i, sym, 0)
    except Exception:  # a piece of prose's maths can be anything; what cannot be read is no symbol
        return None
    if sym is None or i < len(toks) and not _argument_list(toks[i:]):
        return None
    power = next(iter(scan.exps), None)
    return Symbol(sym.name, sym.core, sym.name + ("^" + _braced(power) if power else ""))


def _argument_list(toks: list[_Tok]) -> bool:
    """Whether the tokens are one bracketed list: '(x)' or '(x, y)', not '(x) + g(x)'."""
    depth = 0
    for k, t in enumerate(toks):
        depth += _is(t, "c", "(") - _is(t, "c", ")")
        if depth == 0:
            return k == len(toks) - 1 and k > 0
    return False


def _terms(expr: str) -> list[str]:
    """Split an expression at its top-level + and - (not inside braces or brackets)."""
    terms, start, depth = [], 0, 0
    for t in _flatten(_tokens(parse(expr)[0])):
        depth += (t.text in OPEN) - (t.text in CLOSE) if t.kind in "cm" else 0
        if depth == 0 and _is(t, "c", "+", "-") and expr[start:t.pos].strip():
            terms.append(expr[start:t.pos])
            start = t.pos
    return [s for s in (re.sub(r"\s+", " ", term).strip(" +&") for term in [*terms, expr[start:]]) if s]


def subexpressions(latex: str, limit: int = 3) -> list[str]:
    """Parts a describer can hand to its own sub-describers (DESIGN.md 4.3): the sides of the relation, else the
    top-level terms; never the input itself nor a lone symbol or number, so the delegation tree always ends."""
    try:
        facts = equation_facts(latex)
        parts = [facts.lhs, facts.rhs] if facts.relation else _terms(latex[:MAX_CHARS])
        lone = re.compile(r"[-+]?(\d+(\.\d*)?|[A-Za-z]|\\[A-Za-z]+)")
        keep = [p for p in dict.fromkeys(parts) if p and not lone.fullmatch(p) and p != latex.strip()]
        return keep[:limit]
    except Exception:  # delegation is optional: an unreadable equation is described whole
        return []
