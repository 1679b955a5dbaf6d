"""Authors' macros and conditionals in LaTeX sources, read with pylatexenc's tokenizer.

Papers hide displays behind macros (`\\newcommand{\\beq}{\\begin{equation}}`, `\\def\\ba{\\begin{eqnarray}}`,
`\\newenvironment`) and switch text with `\\iffalse` or `\\newif` flags. pylatexenc tokenizes (escapes, `\\%`,
braces, control words); this module only reads definitions off its tokens and substitutes arguments. Every edit
keeps the text's line count, so a position still names its source line afterwards.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pylatexenc.latexwalker import LatexToken, LatexWalker, LatexWalkerEndOfStream

VOCAB = tomllib.loads(Path(__file__).with_name("latex.toml").read_text(encoding="utf-8"))
_DEFINERS = VOCAB["newcommand_like"] + VOCAB["def_like"] + VOCAB["newenvironment_like"]
_DEFINER = re.compile(r"\\(" + "|".join(_DEFINERS) + r")(?![A-Za-z@])")
# What makes a macro "structural": its expansion opens or closes a display or an environment.
_STRUCTURAL = re.compile(r"\\(?:begin|end)(?![A-Za-z])|\\\[|\\\]|\$\$")
MAX_ROUNDS = 10  # macros that use macros; a macro that expands to itself stops here


@dataclass
class Macro:
    name: str
    nargs: int = 0
    default: str | None = None  # the optional first argument's default (\newcommand{\x}[2][d]{...})
    body: str = ""
    end: str | None = None  # for an environment: the code of \end{name}
    line: int = 0


@dataclass
class Definitions:
    macros: dict[str, Macro] = field(default_factory=dict)
    environments: dict[str, Macro] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)  # where definitions sit in the text


def _blank(text: str) -> str:
    """What replaces removed text: its newlines only, so line numbers stay."""
    return "\n" * text.count("\n")


class _Tokens:
    """pylatexenc tokens from a position, with \\begin and \\end as ordinary macros."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.walker = LatexWalker(text, tolerant_parsing=True)

    def at(self, pos: int) -> LatexToken | None:
        try:
            return self.walker.get_token(pos, environments=False)
        except LatexWalkerEndOfStream:
            return None

    def group(self, pos: int) -> tuple[str, int] | None:
        """The inside of the {...} group starting at the token at pos, and where it ends; None if none/unclosed."""
        tok = self.at(pos)
        if tok is None or tok.tok != "brace_open":
            return None
        depth, start, p = 0, tok.pos + 1, tok.pos
        while (tok := self.at(p)) is not None:
            depth += {"brace_open": 1, "brace_close": -1}.get(tok.tok, 0)
            p = tok.pos + tok.len
            if depth == 0:
                return self.text[start : tok.pos], p
        return None

    def bracket(self, pos: int) -> tuple[str, int] | None:
        """The inside of an optional [...] argument at pos (spaces before it allowed), or None."""
        m = re.compile(r"\s*\[([^\]]*)\]").match(self.text, pos)
        return (m[1], m.end()) if m else None

    def argument(self, pos: int) -> tuple[str, int] | None:
        """One undelimited argument: a {group}'s inside or a single token."""
        tok = self.at(pos)
        if tok is None or tok.tok in ("brace_close", "end_environment"):
            return None
        if tok.tok == "brace_open":
            return self.group(pos)
        return self.text[tok.pos : tok.pos + tok.len], tok.pos + tok.len


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def find_definitions(text: str) -> Definitions:
    """Every \\newcommand-, \\def- and \\newenvironment-like definition in text (later ones win, as in TeX)."""
    defs = Definitions()
    toks = _Tokens(text)
    for m in _DEFINER.finditer(text):
        if any(a <= m.start() < b for a, b in defs.spans):
            continue
        got = _definition(toks, m[1], m.end())
        if got is None:
            continue
        macro, end = got
        macro.line = _line(text, m.start())
        (defs.environments if macro.end is not None else defs.macros)[macro.name] = macro
        defs.spans.append((m.start(), end))
    return defs


def _definition(toks: _Tokens, kind: str, pos: int) -> tuple[Macro, int] | None:
    text = toks.text
    star = re.compile(r"\s*\*").match(text, pos)
    pos = star.end() if star else pos
    if kind in VOCAB["def_like"]:
        tok = toks.at(pos)
        if tok is None or tok.tok != "macro":
            return None
        params = re.compile(r"(?:#\d)*").match(text, tok.pos + tok.len)
        got = toks.group(params.end())
        if got is None:
            return None
        return Macro(tok.arg, nargs=params[0].count("#"), body=got[0]), got[1]
    if kind in VOCAB["newenvironment_like"]:
        name = toks.group(pos)
    else:  # \newcommand{\name} or \newcommand\name
        tok = toks.at(pos)
        if tok is not None and tok.tok == "macro":
            name = ("\\" + tok.arg, tok.pos + tok.len)
        else:
            name = toks.group(pos)
    if name is None:
        return None
    pos = name[1]
    nargs, default = 0, None
    if (n := toks.bracket(pos)) and n[0].strip().isdigit():
        nargs, pos = int(n[0]), n[1]
        if d := toks.bracket(pos):
            default, pos = d
    body = toks.group(pos)
    if body is None:
        return None
    if kind in VOCAB["newenvironment_like"]:
        end = toks.group(body[1])
        if end is None:
            return None
        return Macro(name[0].strip(), nargs, default, body[0], end=end[0]), end[1]
    return Macro(name[0].strip().lstrip("\\"), nargs, default, body[0]), body[1]


def structural(defs: Definitions) -> Definitions:
    """Only the definitions whose expansion opens or closes an environment or a display (\\beq, \\ba, ...):
    those change where displays are, while macros inside maths are kept as the author wrote them."""
    macros = {k: m for k, m in defs.macros.items() if _STRUCTURAL.search(m.body)}
    envs = {k: e for k, e in defs.environments.items() if _STRUCTURAL.search(e.body + (e.end or ""))}
    return Definitions(macros, envs, defs.spans)


def _substitute(macro: Macro, body: str, args: list[str]) -> str:
    out = body
    for i, a in enumerate(args, 1):
        out = out.replace(f"#{i}", a)
    return out.replace("\n", " ")  # an expansion never adds lines


def _read_args(toks: _Tokens, macro: Macro, pos: int) -> tuple[list[str], int] | None:
    args: list[str] = []
    n = macro.nargs
    if macro.default is not None and n:
        opt = toks.bracket(pos)
        args.append(opt[0] if opt else macro.default)
        pos = opt[1] if opt else pos
        n -= 1
    for _ in range(n):
        got = toks.argument(pos)
        if got is None:
            return None
        args.append(got[0])
        pos = got[1]
    return args, pos


def expand(text: str, defs: Definitions) -> str:
    """text with the given macros and environments expanded (arguments substituted), line count kept."""
    if not defs.macros and not defs.environments:
        return text
    parts = [re.escape(k) for k in defs.macros]
    envs = "|".join(re.escape(k) for k in defs.environments)
    pattern = "|".join(
        ([r"\\(" + "|".join(parts) + r")(?![A-Za-z@])"] if parts else [])
        + ([r"\\(begin|end)\s*\{(" + envs + r")\}"] if envs else [])
    )
    finder = re.compile(pattern)
    for _ in range(MAX_ROUNDS):
        toks, out, pos, changed = _Tokens(text), [], 0, False
        for m in finder.finditer(text):
            if m.start() < pos:
                continue
            if parts and m.group(1) and m.group(1) in defs.macros:
                macro, body = defs.macros[m.group(1)], defs.macros[m.group(1)].body
            else:
                which, name = m.groups()[-2:]
                macro = defs.environments[name]
                if which == "end":
                    out += [text[pos : m.start()], _substitute(macro, macro.end or "", [])]
                    pos, changed = m.end(), True
                    continue
                body = macro.body
            got = _read_args(toks, macro, m.end())
            if got is None:
                continue
            args, stop = got
            out += [text[pos : m.start()], _substitute(macro, body, args), _blank(text[m.end() : stop])]
            pos, changed = stop, True
        text = "".join(out) + text[pos:]
        if not changed:
            break
    return text


def remove_definitions(text: str, defs: Definitions) -> str:
    """Definitions blanked out (keeping their newlines), so a definition's body is never read as text."""
    out, pos = [], 0
    for a, b in sorted(defs.spans):
        out += [text[pos:a], _blank(text[a:b])]
        pos = b
    return "".join(out) + text[pos:]


# ----------------------------------------------------------------------------- conditionals

_IF = re.compile(r"\\(if[A-Za-z@]*|else|fi)(?![A-Za-z@])")
_CONDITIONALS = set(VOCAB["conditionals"])


def _innermost_decided(text: str, flags: set[str]) -> tuple[int, int, int | None, int, int, str, bool] | None:
    """The first decided conditional to close (so none decided inside it): positions of \\if.., its end,
    \\else (or None), \\fi, its end; its name and value. \\iftrue, \\iffalse and flags are decided."""
    stack: list[list] = []
    for m in _IF.finditer(text):
        name = m[1]
        if name == "else":
            if stack and stack[-1][2] is None:
                stack[-1][2] = m.start()
        elif name == "fi":
            if stack:
                start, end, else_pos, value, cname = stack.pop()
                if value is not None:
                    return start, end, else_pos, m.start(), m.end(), cname, value
        elif name[2:] in flags:
            if re.search(r"\\newif\s*$", text[max(0, m.start() - 12) : m.start()]):
                continue  # the declaration \newif\ifFLAG itself
            sets = re.findall(r"\\" + re.escape(name[2:]) + r"(true|false)(?![A-Za-z@])", text[: m.start()])
            stack.append([m.start(), m.end(), None, bool(sets) and sets[-1] == "true", name])
        elif name in _CONDITIONALS:
            value = {"iftrue": True, "iffalse": False}.get(name)
            stack.append([m.start(), m.end(), None, value, name])
    return None


def resolve_conditionals(text: str) -> tuple[str, list[tuple[int, str]]]:
    """\\iffalse, \\iftrue and \\newif flags (set by \\FLAGtrue/\\FLAGfalse before use; false if never set)
    keep one branch; other conditionals stay as written. Returns the text and (line, note) per decision."""
    flags = set(re.findall(r"\\newif\s*\\if([A-Za-z@]+)", text))
    notes: list[tuple[int, str]] = []
    while found := _innermost_decided(text, flags):
        start, end, else_pos, fi_start, fi_end, name, value = found
        split = else_pos if else_pos is not None else fi_start
        after_else = split + len("\\else") if else_pos is not None else fi_start
        kept = text[end:split] if value else text[after_else:fi_start]
        text = (text[:start] + _blank(text[start:end]) + (kept if value else _blank(text[end:after_else]))
                + (_blank(text[split:fi_end]) if value else kept + _blank(text[fi_start:fi_end]))
                + text[fi_end:])
        notes.append((_line(text, start), f"\\{name} taken as {str(value).lower()}"))
    return text, notes
