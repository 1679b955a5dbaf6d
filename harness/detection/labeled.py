"""A generated labeled set: descriptions of the demo corpus's equations, correct or wrong by construction.

Every wrong description is one of the correct ones with a single controlled error (DESIGN.md section 5), so a
detector is scored on pairs that differ in one claim only. Each description comes in a plain and a persuasive
rendering of the same content, so style says nothing about the label.

    python -m harness.detection.labeled [OUT]     # default: evals/labeled/generated.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

from harness.core.papers import Equation, Paper, load_papers
from harness.core.resources import demo_corpus, share_dir
from harness.maths.latex import lexemes
from harness.maths.relations import relation_of

ERROR_KINDS = (
    "swapped_symbol", "wrong_operator", "wrong_exponent_or_sign", "wrong_relation", "wrong_name", "invented_term"
)
STYLES = ("plain", "persuasive")
N_CORRECT = 3  # correct rows per equation and style: with up to six wrong ones, wrong outnumber correct < 2:1

# Where the LaTeX shows an operation, and how a description names it ({} is the summation index).
OPERATORS = (
    (r"\\frac|/", "a ratio"),
    (r"\\sum", "a sum over {}"),
    (r"\\prod", "a product over {}"),
    (r"\\sqrt", "a square root"),
    (r"\\log", "a logarithm"),
    (r"\\exp|(?<![A-Za-z\\])e\^", "an exponential"),
    (r"\\sin", "a sine"),
    (r"\\nabla", "a gradient"),
    (r"\\frac\{d|\\partial", "a derivative"),
    (r"\^T|\^\{T\}|\^\\top", "a transpose"),
    (r"\\int", "an integral"),
)
RELATION_WORDS = {  # a relation of the one relation table (maths.relations) in words
    "=": "equals", "<=": "is at most", ">=": "is at least", "approx": "approximately equals",
    "propto": "is proportional to",
}
# False in general, not merely weaker: "F is proportional to m a" or "F is at least m a" would still be true.
WRONG_RELATIONS = {
    "equals": ("is strictly greater than", "is strictly less than", "is inversely proportional to"),
    "is at most": ("is at least", "equals"),
    "is at least": ("is at most", "equals"),
    "approximately equals": ("equals exactly", "is strictly greater than"),
    "is proportional to": ("equals", "is inversely proportional to"),
}
INVENTED = (
    ("plus a small regularization term", r"\lambda \|w\|^2"),
    ("multiplied by a correction factor", r"\gamma"),
    ("minus a damping term", r"b \dot{x}"),
    ("plus a bias term", "b_0"),
    ("divided by a normalising constant", "Z"),
)

_NOT_A_VARIABLE = re.compile(  # functions and notation: "$\exp$ is the exponential function" says nothing
    r"\\(?:exp|log|sin|cos|mid|neg|\|)(?:_\w)?|d|.*\\frac.*")
_ATOM = r"\\frac\{[^{}]*\}\{[^{}]*\}|\\hat\{[^{}]*\}(?:_\w)?|\\[A-Za-z]+(?:_\{[^{}]*\}|_\w)?(?:\^\{[^{}]*\})?" \
        r"|[A-Za-z0-9](?:_\{[^{}]*\}|_\w)?"
_SQUARED = re.compile(r"(\\hat\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z](?:_\{[^{}]*\}|_\w)?|\([^()]*\))\^\{?2\}?(?!\d)")
_INVERSE = re.compile(r"(\([^()]*\)|[A-Za-z])\^\{-1\}")
_MINUS = re.compile(rf"({_ATOM})\s*-\s*({_ATOM})")
_NEGATED = re.compile(rf"(?:^|=|\()\s*-\s*({_ATOM})")

PLAIN_NAME = ("This is the equation known as {}.", "The equation is called {}.", "Its usual name is {}.")
PERSUASIVE_NAME = (
    "This is {}, an elegant and fundamental result.", "This is the celebrated result known as {}.",
    "We are looking at {}, a cornerstone of the field.",
)
RELATION = ("It states that {} {} {}.", "The equation says that {} {} {}.", "In words, {} {} {}.")
SYMBOLS = ("Here {}.", "In it, {}.", "The symbols are these: {}.")
VERBS = ("is", "denotes", "stands for")
OPS = ("It involves {}.", "The formula uses {}.", "Computing it takes {}.")
FACT = ("Note that {}.", "Also, {}.", "Observe that {}.")
OPENERS = (
    "As is well established in the literature, ", "As every standard textbook makes clear, ",
    "As leading authorities have long established, ",
)
CLOSERS = (
    "Any expert will immediately recognise this elegant and fundamental result.",
    "This is textbook material, and the derivation leaves no room for doubt.",
    "Leading researchers rely on exactly this formulation, which has stood the test of time.",
    "The rigour and elegance of this formulation are beyond question, as decades of work confirm.",
)


def split_relation(latex: str) -> tuple[str, str, str]:
    """(left side, relation phrase, right side) at the first relation outside any brackets, so that the
    \\ge inside Chebyshev's P(|X - \\mu| \\ge k \\sigma) is not taken for the equation's own \\le."""
    depth = 0
    for pos, t in lexemes(latex):
        depth += {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}.get(t, 0)
        if depth == 0 and (relation := relation_of(t)) in RELATION_WORDS:
            return latex[:pos].strip(), RELATION_WORDS[relation], latex[pos + len(t):].strip()
    raise ValueError(f"no relation in {latex!r}")


def operator_phrases(latex: str) -> tuple[list[str], list[str]]:
    """(operations the LaTeX shows, operations it does not), as description phrases."""
    index = re.search(r"\\(?:sum|prod)_\{?([A-Za-z])", latex)
    at = f"${index[1]}$" if index else "all its terms"
    present: list[str] = []
    absent: list[str] = []
    for pattern, phrase in OPERATORS:
        (present if re.search(pattern, latex) else absent).append(phrase.format(at))
    return present, absent


def exponent_sign_facts(latex: str) -> dict[str, tuple[str, ...]]:
    """True statements about a square, an inverse or a minus sign in the LaTeX -> false variants of each."""
    facts: dict[str, tuple[str, ...]] = {}
    if base := next((m[1] for m in _SQUARED.finditer(latex) if m[1] != "d"), None):  # d^2: a derivative
        facts[f"${base}$ appears squared"] = (f"${base}$ appears cubed", f"${base}$ is raised to the power of 3")
    if m := _INVERSE.search(latex):
        facts[f"${m[1]}$ is inverted"] = (f"${m[1]}$ appears squared",)
    if m := _MINUS.search(latex):
        facts[f"${m[2]}$ is subtracted from ${m[1]}$"] = (f"${m[2]}$ is added to ${m[1]}$",)
    elif m := _NEGATED.search(latex):
        facts[f"${m[1]}$ enters with a minus sign"] = (f"${m[1]}$ enters with a plus sign",)
    return facts


@dataclass(frozen=True)
class Parts:
    """The content of one description; a wrong one is a correct one with one field changed."""

    name: str | None
    lhs: str  # "the net force on the block, $F$," or just "$P V$"
    relation: str
    rhs: str
    symbols: tuple[tuple[str, str], ...]
    ops: tuple[str, ...]
    fact: str | None
    invented: str = ""

    def blob(self) -> str:
        """All the words the description will carry, to check what occurs in it (and how often)."""
        return " | ".join([self.name or "", self.lhs, self.rhs, *(m for _, m in self.symbols), *self.ops,
                           self.fact or ""])


def _join(items: list[str] | tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def render(parts: Parts, style: str, rng: random.Random) -> str:
    """The text. rng draws the same choices whatever the parts, so a wrong row and its correct twin share
    every phrase but the erroneous one."""
    name_t = rng.choice(PERSUASIVE_NAME if style == "persuasive" else PLAIN_NAME)
    relation_t, symbols_t, verb = rng.choice(RELATION), rng.choice(SYMBOLS), rng.choice(VERBS)
    ops_t, fact_t, symbols_first = rng.choice(OPS), rng.choice(FACT), rng.random() < 0.5
    opener, closers = rng.choice(OPENERS), rng.sample(CLOSERS, 2)

    rhs = f"${parts.rhs}$" + (f" {parts.invented}" if parts.invented else "")
    sentences = [
        relation_t.format(parts.lhs, parts.relation, rhs),
        symbols_t.format(_join([f"${s}$ {verb} {m}" for s, m in parts.symbols])),
    ]
    if symbols_first:
        sentences.reverse()
    if parts.name:
        sentences.insert(0, name_t.format(parts.name))
    if parts.ops:
        sentences.append(ops_t.format(_join(parts.ops)))
    if parts.fact:
        sentences.append(fact_t.format(parts.fact))
    if style == "persuasive":
        first = sentences[0]
        sentences[0] = opener + (first if first.startswith("$") else first[0].lower() + first[1:])
        sentences += closers
    return " ".join(sentences)


def _correct_parts(eq: Equation, rng: random.Random, with_fact: bool) -> Parts:
    """A true description: 2-4 glossary symbols, the relation, 1-2 operations and maybe an exponent/sign fact.
    Meanings that contain the equation's name are left out, so that the name sentence alone names it."""
    lhs, relation, rhs = split_relation(eq.latex)
    named = (eq.name or "").lower()
    usable = {s: m for s, m in eq.glossary.items() if not named or named not in m.lower()}
    lhs_meaning = usable.get(lhs)  # not P's meaning for P(A | B): "the probability measure" would be false
    symbols = [(s, m) for s, m in usable.items() if s != lhs and not _NOT_A_VARIABLE.fullmatch(s)]
    k = rng.randint(min(2, len(symbols)), min(4, len(symbols)))
    present, _ = operator_phrases(eq.latex)
    ops = rng.sample(present, min(len(present), rng.randint(1, 2)))
    facts = list(exponent_sign_facts(eq.latex))
    return Parts(
        name=eq.name,
        lhs=f"{lhs_meaning}, ${lhs}$," if lhs_meaning else f"${lhs}$",
        relation=relation,
        rhs=rhs,
        symbols=tuple(sorted(rng.sample(symbols, k), key=symbols.index)),
        ops=tuple(sorted(ops, key=present.index)),
        fact=rng.choice(facts) if facts and (with_fact or rng.random() < 0.5) else None,
    )


def _wrong_parts(kind: str, parts: Parts, eq: Equation, names: list[str], rng: random.Random) -> Parts | None:
    """parts with one error of the given kind, or None where this description has nothing to get wrong."""
    if kind == "swapped_symbol":
        blob = parts.blob()
        pairs = [(a, b) for a, b in combinations(parts.symbols, 2)  # not f and f(n): their meanings near agree
                 if a[1] != b[1] and blob.count(a[1]) == blob.count(b[1]) == 1
                 and not b[0].startswith(a[0] + "(") and not a[0].startswith(b[0] + "(")]
        if not pairs:
            return None
        (a, meaning_a), (b, meaning_b) = rng.choice(pairs)
        swapped = {a: meaning_b, b: meaning_a}
        return replace(parts, symbols=tuple((s, swapped.get(s, m)) for s, m in parts.symbols))
    if kind == "wrong_operator":  # an absent operation in place of a present one, or added
        false = rng.choice(operator_phrases(eq.latex)[1])
        if not parts.ops:
            return replace(parts, ops=(false,))
        i = rng.randrange(len(parts.ops))
        return replace(parts, ops=(*parts.ops[:i], false, *parts.ops[i + 1:]))
    if kind == "wrong_exponent_or_sign":
        return replace(parts, fact=rng.choice(exponent_sign_facts(eq.latex)[parts.fact])) if parts.fact else None
    if kind == "wrong_relation":
        return replace(parts, relation=rng.choice(WRONG_RELATIONS[parts.relation]))
    if kind == "wrong_name":
        if not parts.name:
            return None
        blob, own = parts.blob().lower(), parts.name.lower()
        others = [n for n in names if n.lower() not in blob and own not in n.lower()]
        return replace(parts, name=rng.choice(others))
    if kind == "invented_term":
        words, term = rng.choice([(w, t) for w, t in INVENTED if t not in eq.latex])
        return replace(parts, invented=f"{words} ${term}$")
    raise ValueError(f"unknown error kind {kind!r}")


def _row(eq: Equation, kind: str, style: str, text: str, error_kind: str | None) -> dict:
    return {
        "id": f"gen-{eq.id}-{kind}-{style}", "equation_id": eq.id, "latex": eq.latex, "glossary": eq.glossary,
        "name": eq.name, "context": eq.context, "text": text, "label": "wrong" if error_kind else "correct",
        "error_kind": error_kind, "style": style,
    }


def generate(papers: list[Paper], seed: int = 0) -> list[dict]:
    """Per equation and style: N_CORRECT correct rows, then one wrong row per error kind that applies."""
    rng = random.Random(seed)
    equations = [eq for paper in papers for eq in paper.equations]
    names = [eq.name for eq in equations if eq.name]
    rows: list[dict] = []
    for eq in equations:
        bases = [_correct_parts(eq, rng, with_fact=i == 0) for i in range(N_CORRECT)]
        wrongs: dict[str, tuple[int, Parts]] = {}
        for kind in ERROR_KINDS:  # the first base, in random order, that this kind of error applies to
            for i in rng.sample(range(N_CORRECT), N_CORRECT):
                if (parts := _wrong_parts(kind, bases[i], eq, names, rng)) is not None:
                    wrongs[kind] = (i, parts)
                    break
        for style in STYLES:
            wording = [rng.getrandbits(32) for _ in bases]
            for i, parts in enumerate(bases):
                rows.append(_row(eq, f"correct{i + 1}", style, render(parts, style, random.Random(wording[i])), None))
            for kind, (i, parts) in wrongs.items():
                rows.append(_row(eq, kind, style, render(parts, style, random.Random(wording[i])), kind))
    return rows


def write_jsonl(rows: list[dict], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def default_path() -> Path:
    return share_dir("evals") / "labeled" / "generated.jsonl"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.detection.labeled", description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="default: evals/labeled/generated.jsonl")
    out = parser.parse_args(argv).out or default_path()
    rows = generate(load_papers(demo_corpus()), seed=0)
    write_jsonl(rows, out)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
