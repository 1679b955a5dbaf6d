"""Guards against fitting the gold checker to its labeled sets: no example or pattern in harness/gold may repeat four
words in a row of a labeled row's text, and its word lists live, general and unduplicated, in vocabulary.toml."""

import io
import json
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest

from harness.gold import vocabulary

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "harness" / "gold"
RUN = 4  # words in a row that make a phrase a copy, when two of them carry content
# words that carry no content: "the product of the" is no copy of anything
FUNCTION_WORDS = set(
    "the and for with its their than that this these those which who whose are was were from into over under per "
    "not all any each every one two three then there here when where while how what has have had can will would may "
    "also very just".split()
)
# phrases of mathematical English that a word list needs and that any text may use
GENERAL = {"less than or equal", "greater than or equal"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


@cache
def labeled_runs() -> frozenset[str]:
    """Every run of RUN words in the texts of the labeled sets (evals/labeled/*.jsonl and every labeled folder)."""
    labeled = ROOT / "evals" / "labeled"
    files = sorted(labeled.glob("*.jsonl")) + sorted(labeled.glob("*/rows*.jsonl"))
    runs: set[str] = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                w = words(json.loads(line).get("text") or "")
                runs.update(" ".join(w[k : k + RUN]) for k in range(len(w) - RUN + 1))
    return frozenset(runs)


def _literal_pieces(regex: str) -> list[str]:
    """The literal stretches of a pattern: 'at\\s+most|no (?:more|less)' -> ['at most', 'no ', 'more', 'less']."""
    regex = re.sub(r"\\[sb][+*]?", " ", regex)
    return re.split(r"\\.|[|()\[\]?*+{}^$]", regex)


def _quoted(text: str) -> list[str]:
    """The examples quoted in a comment or docstring: 'like this' or "like this"."""
    return [a or b for a, b in re.findall(r"'([^']{6,})'|\"([^\"]{6,})\"", text.replace("’", "'"))]


def pieces() -> list[tuple[str, str]]:
    """(where, text) for every example and pattern of harness/gold: quoted examples in comments and docstrings,
    raw-string literals (the patterns), and the quoted entries and examples of its data files."""
    out = []
    for path in sorted(GOLD.glob("*.py")):
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            where = f"{path.name}:{tok.start[0]}"
            if tok.type == tokenize.COMMENT:
                out += [(where, q) for q in _quoted(tok.string)]
            elif tok.type == tokenize.STRING and tok.string.lstrip("rRfFbB").startswith(('"""', "'''")):
                out += [(where, q) for q in _quoted(tok.string.strip("rRfFbB\"'"))]
            elif tok.type == tokenize.STRING and tok.string[:2].lower() in ('r"', "r'", 'rf', 'fr'):
                out += [(where, p) for p in _literal_pieces(tok.string)]
            elif getattr(tokenize, "FSTRING_MIDDLE", None) == tok.type:
                out += [(where, p) for p in _literal_pieces(tok.string)]
    for path in sorted(GOLD.glob("*.toml")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            out += [(f"{path.name}:{n}", q) for q in re.findall(r"\"([^\"]+)\"", line)]
    return out


def content(run: str) -> int:
    """How many words of a run carry content: three letters or more and no function word ('r 0 beta gamma': 2)."""
    return sum(len(w) >= 3 and w not in FUNCTION_WORDS for w in run.split())


def copied(text: str) -> list[str]:
    """Runs of RUN words of a text that a labeled row has too, with two words of content or more (so neither 'the
    product of the' nor 'a 2 b 2' counts), other than a general phrase."""
    w = words(text)
    runs = (" ".join(w[k : k + RUN]) for k in range(len(w) - RUN + 1))
    return [r for r in runs if r in labeled_runs() and r not in GENERAL and content(r) >= 2]


def test_no_phrase_of_a_labeled_row_in_the_checker():
    found = [(where, run) for where, text in pieces() for run in copied(text)]
    assert not found, found


def test_the_guard_finds_a_copied_phrase():
    """The guard itself: a run of a labeled row is found, a general phrase and symbols are not."""
    row = next(r for r in sorted(labeled_runs()) if content(r) == RUN)
    assert copied(f"an example: {row}.") == [row]
    assert copied("less than or equal") == [] and copied("x 2 y 2") == [] and copied("the product of the") == []


def test_vocabulary_groups_are_lowercase_unique_and_used():
    """Each word list is lower case without duplicates, and the code reads every group of the data file."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in GOLD.glob("*.py"))
    for kind, groups in vocabulary.VOCABULARY.items():
        for group, entries in groups.items():
            listed = list(entries)
            assert all(e == e.lower() for e in listed), (kind, group)
            assert len(listed) == len(set(listed)), (kind, group)
            assert re.search(rf"[\"']{group}[\"']", code), f"[{kind}] {group} is not read by the code"


@pytest.mark.parametrize(
    ("entries", "text", "hit"),
    [
        (["goes up"], "the price goes\n up", "goes\n up"),
        (["minimi*"], "it minimizes the cost", "minimizes"),
        (["at most", "at"], "at most", "at most"),  # the longer entry first
    ],
)
def test_vocabulary_alternation(entries, text, hit):
    assert re.search(rf"\b(?:{vocabulary.choices(entries)})\b", text)[0] == hit
