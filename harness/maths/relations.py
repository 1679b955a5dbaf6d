"""The one table of relations: each relation's family and the LaTeX macros that write it.

It sits with the equation reader (maths) because the LaTeX loader (core/papers.py: does a display state a
relation? is "$x = 3$" a symbol?) reads it as well as gold (latex.py, layout.py and the relation checks). A claimed
relation is checked against its family ('at most' holds for < and <=); a family of None marks a weak relation (an
arrow, set membership, an order other than <=), which is a display's relation only when it has no other.
"""

from __future__ import annotations

import re

# relation -> (its family, the macros that write it)
RELATION_TABLE: dict[str, tuple[str | None, str]] = {
    "=": ("=", "doteq"),
    ":=": ("=", "coloneqq coloneq triangleq defeq"),
    "=:": ("=", "eqqcolon"),
    "equiv": ("=", "equiv cong"),
    "<=": ("<=", "le leq leqslant leqq lesssim"),
    "<": ("<=", "ll"),
    ">=": (">=", "ge geq geqslant geqq gtrsim"),
    ">": (">=", "gg"),
    "approx": ("approx", "approx simeq thickapprox"),
    "sim": ("approx", "sim"),
    "propto": ("propto", "propto varpropto"),
    "neq": ("neq", "ne neq"),
    "to": (None, "to rightarrow longrightarrow mapsto longmapsto"),
    "gets": (None, "gets leftarrow"),
    "implies": (None, "Rightarrow implies Longrightarrow"),
    "iff": (None, "iff Leftrightarrow Longleftrightarrow"),
    "subset": (None, "subset subseteq"),
    "supset": (None, "supset supseteq"),
    "in": (None, "in"),
    "notin": (None, "notin"),
    "prec": (None, "prec preceq succ succeq"),
    "models": (None, "models vdash"),
}
RELATION_CHARS = ("=", "<", ">")  # relations written as a character, each its own name
RELATIONS = {m: rel for rel, (_, macros) in RELATION_TABLE.items() for m in macros.split()}  # macro -> relation
FAMILY = {rel: family for rel, (family, _) in RELATION_TABLE.items() if family}  # relation -> family
WEAK_RELATIONS = {rel for rel, (family, _) in RELATION_TABLE.items() if family is None}


def relation_of(token: str) -> str | None:
    """The relation a LaTeX token writes ('\\leq' -> '<=', '<' -> '<'), or None."""
    if token.startswith("\\"):
        return RELATIONS.get(token[1:])
    return token if token in RELATION_CHARS else None


def _signs(strong_only: bool) -> str:
    macros = sorted(m for m, rel in RELATIONS.items() if rel in FAMILY or not strong_only)
    return "|".join(RELATION_CHARS) + r"|\\(?:" + "|".join(macros) + ")(?![A-Za-z])"


# The signs of the strong relations, as a pattern: a text's "$R_0 = \\beta/\\gamma$" is a formula, not a symbol.
RELATION_SIGN = _signs(strong_only=True)
ANY_RELATION = re.compile(_signs(strong_only=False))  # a display with none of these states no relation
