"""The words gold reads claims by, kept as data in vocabulary.toml and grouped by claim kind, so that the code holds
only grammar (where a word stands) and every word list can be reviewed, and kept general, in one place."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

VOCABULARY: dict[str, Any] = tomllib.loads(Path(__file__).with_name("vocabulary.toml").read_text(encoding="utf-8"))


def words(kind: str, group: str) -> list[str]:
    """The entries of one group: words('dependency', 'more') -> ['more', 'higher', ...]."""
    return list(VOCABULARY[kind][group])


def table(kind: str, group: str) -> dict[str, Any]:
    """A group that maps words to values: table('operation', 'exponents')['squared'] -> '2'."""
    return dict(VOCABULARY[kind][group])


def choices(entries: list[str]) -> str:
    """A regex alternation of entries, longest first: the words of an entry match across any whitespace, and a word
    ending in '*' matches any ending of it ('minimi*' -> 'minimi\\w*')."""

    def one(entry: str) -> str:
        return r"\s+".join(re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in entry.split())

    return "|".join(one(e) for e in sorted(entries, key=len, reverse=True))


def pattern(kind: str, group: str) -> str:
    """One group's entries as a non-capturing group: pattern('dependency', 'more') -> '(?:higher|larger|...)'."""
    return f"(?:{choices(words(kind, group))})"
