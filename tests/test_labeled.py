"""The generated labeled set: committed file up to date, balanced, and each wrong row wrong in exactly its way."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict

import pytest

from harness.core.papers import load_papers
from harness.core.resources import demo_corpus
from harness.detection.labeled import (
    ERROR_KINDS,
    OPERATORS,
    STYLES,
    WRONG_RELATIONS,
    default_path,
    generate,
    split_relation,
)

FALSE_OPS = {phrase.replace("{}", "").strip(): pattern for pattern, phrase in OPERATORS}  # phrase -> LaTeX pattern
EXPONENT_SIGN_ERRORS = (  # what a correct text says -> what a wrong one says instead
    ("appears squared", "appears cubed"),
    ("appears squared", "is raised to the power of 3"),
    ("is inverted", "appears squared"),
    ("is subtracted from", "is added to"),
    ("a minus sign", "a plus sign"),
)


@pytest.fixture(scope="module")
def papers():
    return load_papers(demo_corpus())


@pytest.fixture(scope="module")
def rows(papers) -> list[dict]:
    return generate(papers, seed=0)


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=\.) ", text)


def changed(base: str, wrong: str) -> tuple[list[str], list[str]] | None:
    """(removed, added) when wrong is base with one sentence replaced or inserted, else None."""
    a, b = sentences(base), sentences(wrong)
    edits = [op for op in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(edits) != 1 or edits[0][2] - edits[0][1] > 1 or edits[0][4] - edits[0][3] != 1:
        return None
    _, i1, i2, j1, j2 = edits[0]
    return a[i1:i2], b[j1:j2]


def swap(text: str, x: str, y: str) -> str:
    return re.sub(f"{re.escape(x)}|{re.escape(y)}", lambda m: y if m[0] == x else x, text)


def false_ops(text: str, latex: str) -> list[str]:
    """Operations the text names that the LaTeX does not have."""
    return [op for op, pattern in FALSE_OPS.items() if op in text and not re.search(pattern, latex)]


def is_wrong_in_its_way(row: dict, base: str, names: list[str]) -> bool:
    """Whether row's text is base (a correct text) with exactly the error its kind says."""
    text, latex, kind = row["text"], row["latex"], row["error_kind"]
    diff = changed(base, text)
    if diff is None:
        return False
    removed, added = " ".join(diff[0]), " ".join(diff[1])
    if kind == "swapped_symbol":
        meanings = set(row["glossary"].values())
        return any(swap(base, x, y) == text for x in meanings for y in meanings if x != y)
    if kind == "wrong_operator":
        false = false_ops(added, latex)
        return bool(false) and not any(op in removed for op in false)
    if kind == "wrong_exponent_or_sign":
        return any(t in removed and removed.replace(t, f) == added for t, f in EXPONENT_SIGN_ERRORS)
    if kind == "wrong_relation":
        _, true, rhs = split_relation(latex)
        said = [r for r in WRONG_RELATIONS[true] if f" {r} ${rhs}$" in added]
        return f" {true} ${rhs}$" in removed and len(said) == 1
    if kind == "wrong_name":
        own = row["name"]
        return any(own not in text and base.replace(own, other) == text for other in names if other != own)
    if kind == "invented_term":
        _, _, rhs = split_relation(latex)
        m = re.search(re.escape(f"${rhs}$") + r"( [a-z ]+ \$([^$]+)\$)", text)
        return m is not None and m[2] not in latex and text.replace(m[1], "", 1) == base
    raise AssertionError(kind)


def test_committed_file_is_the_seed_0_output(rows):
    committed = [json.loads(line) for line in default_path().read_text(encoding="utf-8").splitlines()]
    assert len(committed) == len(rows)
    for saved, fresh in zip(committed, rows, strict=True):
        assert saved == fresh


def test_coverage_and_balance(papers, rows):
    assert {r["error_kind"] for r in rows} == {None, *ERROR_KINDS}
    assert len({r["id"] for r in rows}) == len(rows)
    equations = [eq.id for p in papers for eq in p.equations]
    for eq_id in equations:
        for style in STYLES:
            labels = Counter(r["label"] for r in rows if r["equation_id"] == eq_id and r["style"] == style)
            assert labels["correct"] >= 2 and labels["wrong"] >= 1, (eq_id, style)
    counts = Counter((r["label"], r["style"]) for r in rows)
    for label in ("correct", "wrong"):
        assert counts[label, "plain"] == counts[label, "persuasive"]
    n_wrong = counts["wrong", "plain"] * 2
    n_correct = counts["correct", "plain"] * 2
    assert n_correct <= n_wrong <= 3 * n_correct
    assert Counter(r["error_kind"] for r in rows if r["style"] == "plain") == Counter(
        r["error_kind"] for r in rows if r["style"] == "persuasive"
    )


def test_correct_rows_claim_only_what_the_latex_shows(rows):
    for r in rows:
        if r["label"] == "correct":
            assert not false_ops(r["text"], r["latex"]), r["id"]
            if r["name"]:
                assert r["text"].count(r["name"]) == 1


def test_each_wrong_row_is_a_correct_one_with_its_one_error(rows):
    names = sorted({r["name"] for r in rows if r["name"]})
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        if r["label"] == "correct":
            groups[r["equation_id"], r["style"]].append(r["text"])
    for r in rows:
        if r["label"] == "wrong":
            bases = groups[r["equation_id"], r["style"]]
            assert any(is_wrong_in_its_way(r, base, names) for base in bases), (r["id"], r["text"])


def test_persuasive_is_the_plain_content_dressed_up(rows):
    plain = {r["id"].removesuffix("-plain"): r["text"] for r in rows if r["style"] == "plain"}
    for r in rows:
        if r["style"] == "persuasive":
            base = plain[r["id"].removesuffix("-persuasive")]
            assert len(r["text"]) > len(base)
            assert set(re.findall(r"\$[^$]+\$", base)) == set(re.findall(r"\$[^$]+\$", r["text"]))


def test_deterministic_for_a_seed(papers, rows):
    assert generate(papers, seed=0) == rows
    assert generate(papers, seed=1) != rows


def read_labeled(name: str) -> list[dict]:
    return [json.loads(line) for line in (default_path().parent / name).read_text(encoding="utf-8").splitlines()]


def check_hand_written(rows: list[dict], prefix: str, min_equations: int) -> set[str]:
    """Fields, ids, one correct and one wrong row per equation, style balanced by label and every error kind present
    (at least 5 rows each) in a hand-written set; returns the set's LaTeX strings."""
    fields = {"id", "latex", "glossary", "name", "text", "label", "error_kind", "error_note", "style"}
    assert all(set(r) == fields for r in rows)
    assert [r["id"] for r in rows] == [f"{prefix}-{k:03d}" for k in range(1, len(rows) + 1)]
    by_equation: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_equation[r["latex"]].append(r)
        assert r["text"].strip() and r["glossary"] and r["name"], r["id"]
        kinds = (*ERROR_KINDS, "wrong_dependency")
        assert (r["label"] == "wrong") == (r["error_kind"] in kinds) == bool(r["error_note"]), r["id"]
        assert r["style"] in STYLES
    assert len(by_equation) >= min_equations
    assert all(sorted(r["label"] for r in pair) == ["correct", "wrong"] for pair in by_equation.values())
    counts = Counter((r["label"], r["style"]) for r in rows)
    assert (
        counts["correct", "plain"]
        == counts["wrong", "plain"]
        == counts["correct", "persuasive"]
        == counts["wrong", "persuasive"]
    )
    kinds = Counter(r["error_kind"] for r in rows if r["label"] == "wrong")
    assert set(kinds) == {*ERROR_KINDS, "wrong_dependency"} and min(kinds.values()) >= 5
    return set(by_equation)


def test_dev_set_counts_balance_and_fields(papers):
    """The hand-written development set: one correct and one wrong row per equation, style balanced by label, every
    error kind present, and no equation of the demo corpus or of the held-out set (compared by LaTeX and name only)."""
    rows = read_labeled("dev.jsonl")
    latexes = check_hand_written(rows, "dev", 40)
    held_out = read_labeled("handwritten.jsonl")
    taken = {eq.latex for p in papers for eq in p.equations} | {r["latex"] for r in held_out}
    names = {eq.name for p in papers for eq in p.equations} | {r["name"] for r in held_out}
    assert not latexes & taken
    assert not {r["name"] for r in rows} & names


HELD_OUT = [  # file, id prefix, equations; in the order they were written
    ("heldout.jsonl", "ho", 48),
    ("heldout2.jsonl", "h2", 50),
    ("heldout3.jsonl", "h3", 50),
    ("heldout4.jsonl", "h4", 50),
    ("heldout5.jsonl", "h5", 50),
]


@pytest.mark.parametrize("k", range(len(HELD_OUT)))
def test_heldout_sets_counts_balance_and_fields(papers, k):
    """Each fresh held-out set: one correct and one wrong row for each of its equations (all named differently), as
    many rows per label and style, every error kind on 6 to 8 wrong rows, each wrong row with its note, and no
    equation of the demo corpus, handwritten.jsonl, dev.jsonl or an earlier held-out set (by LaTeX and name only)."""
    name, prefix, equations = HELD_OUT[k]
    rows = read_labeled(name)
    latexes = check_hand_written(rows, prefix, equations)
    assert len(rows) == 2 * equations and len(latexes) == len({r["name"] for r in rows}) == equations
    counts = Counter((r["label"], r["style"]) for r in rows)
    assert all(counts[label, style] == equations // 2 for label in ("correct", "wrong") for style in STYLES)
    kinds = Counter(r["error_kind"] for r in rows if r["label"] == "wrong")
    assert all(6 <= n <= 8 for n in kinds.values())
    assert all(r["error_note"].strip() for r in rows if r["label"] == "wrong")
    earlier = ["handwritten.jsonl", "dev.jsonl"] + [held for held, _, _ in HELD_OUT[:k]]
    others = [r for file in earlier for r in read_labeled(file)]
    taken = {eq.latex for p in papers for eq in p.equations} | {r["latex"] for r in others}
    names = {eq.name for p in papers for eq in p.equations} | {r["name"] for r in others}
    assert not latexes & taken
    assert not {r["name"] for r in rows} & names
