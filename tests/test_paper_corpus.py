"""The LaTeX-source loader over a corpus: folders written for these tests (one per failure seen on real
sources) and the real arXiv sample, with displays counted by hand. Prints the figures the README quotes."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from harness.core.papers import EQ_MARK, Paper, PaperError, load_latex_dir, load_papers
from harness.maths.latex import symbol, symbols

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "latex_corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
HAND = {k: v for k, v in json.loads((HERE / "data" / "arxiv_display_counts.json").read_text()).items() if k[0] != "_"}
ARXIV = HERE.parents[1] / "shared" / "data" / "arxiv" / "latex"
needs_arxiv = pytest.mark.skipif(not ARXIV.is_dir(), reason=f"real arXiv sample not found at {ARXIV}")


def figures(papers: list[Paper]) -> str:
    eqs = [e for p in papers for e in p.equations]
    skips = Counter(e.skip for e in eqs if e.skip)
    return (f"papers {len(papers)}, displays {len(eqs)}, skipped {dict(sorted(skips.items()))}, "
            f"delegable {len(eqs) - sum(skips.values())}, with glossary {sum(bool(e.glossary) for e in eqs)} "
            f"({sum(map(len, (e.glossary for e in eqs)))} entries), warnings {sum(len(p.warnings) for p in papers)}")


def test_corpus_mains_displays_skips_and_warnings(caplog):
    caplog.set_level("INFO", logger="harness")
    papers = load_latex_dir(CORPUS)
    assert {p.id for p in papers} == set(EXPECTED["papers"])
    for paper in papers:
        want = EXPECTED["papers"][paper.id]
        assert [[e.env, e.skip] for e in paper.equations] == want["displays"], paper.id
        assert paper.warnings == [f"{CORPUS / w}" for w in want["warnings"]], paper.id
        assert paper.title == want.get("title", paper.title), paper.id
        assert [e.id for e in paper.equations] == [f"{paper.id}/eq{i}" for i in range(1, len(paper.equations) + 1)]
    # The choice among several main files is logged, with its reasons.
    assert any("two_mains: 2 main files (old_draft.tex, paper.tex); chose paper.tex (paper.bbl/.bib beside it"
               in r.getMessage() for r in caplog.records)
    assert any(r.getMessage().endswith("macros/main.tex:10: \\iflong taken as false") for r in caplog.records)
    print(f"\ncorpus tests/data/latex_corpus: {figures(papers)}")
    every = load_latex_dir(CORPUS, all_mains=True)
    assert sorted(p.id for p in every) == sorted([*EXPECTED["papers"], *EXPECTED["all_mains_extra"]])


def test_macro_definitions_conditionals_and_inline_maths_are_not_equations():
    paper = next(p for p in load_latex_dir(CORPUS) if p.id == "macros/main")
    latex = [e.latex for e in paper.equations]
    assert latex == ["\\vect{x} = \\vect{y} + 1", "p &=& q", "s = t", "E = m c^2", "f(x) &= x^2"]
    assert "hidden" not in paper.body and "\\newcommand" not in paper.body and "\\def" not in paper.body
    assert "$a$$b$" in paper.body  # left as inline maths


def test_unclosed_display_swallows_nothing():
    paper = next(p for p in load_latex_dir(CORPUS) if p.id == "unclosed/main")
    assert [e.latex for e in paper.equations] == ["y = 2", "z = 3"]
    assert all("swallowed" not in e.latex for e in paper.equations)


def test_bad_inputs_give_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PaperError, match=r"^no LaTeX main file .* under .*empty$"):
        load_papers(tmp_path / "empty")
    garbage = tmp_path / "garbage.tex"
    garbage.write_bytes(b"\x00\x01\xff binary" * 100)
    with pytest.raises(PaperError, match=r"^.*garbage\.tex: not a text file \(binary data\), so not LaTeX$"):
        load_papers(garbage)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "x.tex").write_bytes(b"\x00" * 10)
    with pytest.raises(PaperError, match=r"^no LaTeX main file .* under .*bin$"):
        load_papers(tmp_path / "bin")
    (tmp_path / "notes").write_text("plain words, no LaTeX\n")
    with pytest.raises(PaperError, match=r"notes: expected a \.jsonl file, a LaTeX main file"):
        load_papers(tmp_path / "notes")


@needs_arxiv
def test_arxiv_sample_displays_found_against_hand_counts():
    papers = {p.id: p for p in load_latex_dir(ARXIV, all_mains=True)}
    found = total = 0
    for pid, lines in HAND.items():
        ours = len(papers[pid].equations)
        found += min(ours, len(lines))
        total += len(lines)
        assert ours == len(lines), pid
    assert found / total >= 0.95
    print(f"\narXiv sample (latex/, --all-mains): {figures(list(papers.values()))}; "
          f"hand-counted displays found {found}/{total} on {len(HAND)} papers")
    # One folder of 11 papers is one paper by default: the choice is made, not 11 papers silently.
    assert len(load_latex_dir(ARXIV)) == 1


@needs_arxiv
def test_arxiv_sample_glossaries_and_contexts():
    """Every glossary key is one symbol of its equation, no meaning runs over an environment's edge, and contexts
    carry no LaTeX markup outside maths."""
    jsonl = load_papers(ARXIV.parent / "papers.jsonl")
    print(f"\narXiv sample (papers.jsonl): {figures(jsonl)}")
    eqs = [e for p in [*load_latex_dir(ARXIV, all_mains=True), *jsonl] for e in p.equations]
    for e in eqs:
        for key, meaning in e.glossary.items():
            assert (sym := symbol(key)) and sym.core in symbols(e.latex), (e.id, key)
            assert not re.search(r"\\(?:begin|end|item)(?![A-Za-z])", re.sub(r"\$[^$]*\$", "", meaning)), e.id
        prose = re.sub(r"\$[^$]*\$", "", e.context)
        assert e.context.count(EQ_MARK) == 1
        assert not re.search(r"\\(?:label|cite\w*|ref|eqref|begin|end|quad|item|textbf|emph)(?![A-Za-z])", prose), e.id
