"""Equations found before issue 19 keep their ids and LaTeX: committed data (evals/labeled/real) names them by id."""

import hashlib
import json
from pathlib import Path

import pytest

from harness.core.papers import load_papers
from harness.core.resources import demo_corpus

HERE = Path(__file__).resolve().parent
BEFORE = json.loads((HERE / "data" / "equations_before_issue19.json").read_text())
ARXIV = HERE.parents[1] / "shared" / "data" / "arxiv" / "papers.jsonl"


def found(path: Path) -> list[list[str]]:
    papers = load_papers(path)
    return [[p.id, e.id, hashlib.sha256(e.latex.encode()).hexdigest()[:16]] for p in papers for e in p.equations]


def test_demo_equations_keep_ids_and_latex():
    assert found(demo_corpus()) == BEFORE["demo"]


@pytest.mark.skipif(not ARXIV.is_file(), reason=f"real arXiv sample not found at {ARXIV}")
def test_arxiv_sample_equations_keep_ids_and_latex():
    # New equations may only come after the old ones of their paper; here nothing is added.
    assert found(ARXIV) == BEFORE["arxiv-sample"]
