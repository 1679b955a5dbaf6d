"""The LaTeX-source loader over a corpus: folders written for these tests (one per failure seen on real
sources) and the real arXiv sample, with displays counted by hand. Prints the figures the README quotes."""

import gzip
import io
import json
import re
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from harness.cli import main
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


# ----------------------------------------------------------------------------- archives, as arXiv serves sources


def tar(folder: Path, out: Path, mode: str = "w:gz") -> Path:
    """folder's files as a tar with bare member names (main.tex, sec/one.tex), as arXiv's e-prints have them."""
    with tarfile.open(out, mode) as archive:
        for part in sorted(folder.iterdir()):
            archive.add(part, arcname=part.name)
    return out


def gz(file: Path, out: Path) -> Path:
    out.write_bytes(gzip.compress(file.read_bytes()))
    return out


def same(paper: Paper, want: Paper, source: Path, archive: Path, paper_id: str) -> None:
    """paper (from archive) is want (from source, unpacked) but for its id and the file its warnings name."""
    assert paper.id == paper_id
    assert paper.model_dump(exclude={"id", "equations", "warnings"}) == want.model_dump(
        exclude={"id", "equations", "warnings"})
    assert [e.model_dump(exclude={"id"}) for e in paper.equations] == [
        e.model_dump(exclude={"id"}) for e in want.equations]
    assert [e.id for e in paper.equations] == [f"{paper_id}/eq{i}" for i in range(1, len(paper.equations) + 1)]
    assert paper.warnings == [w.replace(str(source), str(archive)) for w in want.warnings]


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The temporary folder archives are unpacked in: empty again after every load."""
    (folder := tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize(("name", "mode"), [("2212.11826.tar.gz", "w:gz"), ("2212.11826.tgz", "w:gz"),
                                            ("2212.11826.tar", "w"), ("2212.11826", "w:gz")])
@pytest.mark.parametrize("fixture", ["sections", "two_mains"])
def test_a_tar_loads_as_its_unpacked_folder(tmp_path, scratch, fixture, name, mode):
    """A tar, gzipped or not, known by its bytes (arXiv's e-print download has no extension), is read as a folder:
    the same main file chosen, \\input files found in its subfolders, warnings naming archive/member:line."""
    source = CORPUS / fixture
    archive = tar(source, tmp_path / name, mode)
    [want] = load_latex_dir(source)
    [paper] = load_papers(archive)
    same(paper, want, source, archive, "2212.11826")
    if fixture == "sections":
        assert paper.warnings == [f"{archive}/sec/two.tex:3: equation display never closed; skipped"]
    assert [p.id for p in load_papers(archive)] == ["2212.11826"]  # the same id on every run
    every = load_papers(archive, all_mains=True)
    assert [p.id for p in every] == (["2212.11826/old_draft", "2212.11826/paper"] if fixture == "two_mains"
                                     else ["2212.11826"])
    assert not list(scratch.iterdir())


@pytest.mark.parametrize("name", ["2301.00001.gz", "2301.00001", "main.tex.gz"])
@pytest.mark.parametrize("fixture", ["unclosed/main.tex", "oldstyle/ms"])
def test_a_gzipped_file_loads_as_the_file(tmp_path, scratch, fixture, name):
    """One gzipped LaTeX file (by name .gz, or any name: gzip is known by its bytes) is read as that file."""
    source = CORPUS / fixture
    archive = gz(source, tmp_path / name)
    [want] = load_papers(source)
    [paper] = load_papers(archive)
    same(paper, want, source, archive, "main" if name == "main.tex.gz" else "2301.00001")
    if fixture.startswith("unclosed"):
        assert paper.warnings == [f"{archive}:7: equation display never closed; skipped"]
    assert not list(scratch.iterdir())


def test_a_folder_of_archives_is_one_paper_per_archive(tmp_path, scratch):
    folder = tmp_path / "downloads"
    (folder / "more").mkdir(parents=True)
    tar(CORPUS / "sections", folder / "2212.11826.tar.gz")
    gz(CORPUS / "macros" / "main.tex", folder / "2301.00001")
    tar(CORPUS / "header_class", folder / "more" / "2302.00002.tar", "w")
    (folder / "README.txt").write_text("what I downloaded\n")  # neither LaTeX nor an archive: ignored
    papers = load_papers(folder)
    assert [p.id for p in papers] == ["2212.11826", "2301.00001", "more/2302.00002"]
    for paper, fixture in zip(papers, ["sections", "macros", "header_class"], strict=True):
        assert [e.latex for e in paper.equations] == [e.latex for e in load_latex_dir(CORPUS / fixture)[0].equations]
    # As with a subfolder, an archive beside a main file is a part of that paper (figures), not a paper.
    (folder / "main.tex").write_text((CORPUS / "header_class" / "main.tex").read_text())
    (folder / "header.tex").write_text((CORPUS / "header_class" / "header.tex").read_text())
    assert [p.id for p in load_papers(folder)] == ["main"]
    assert not list(scratch.iterdir())


def _member(tmp_path: Path, name: str, **info) -> Path:
    """A tar with a good main file and one member made by hand (a path or a link out of the archive)."""
    out = tmp_path / "2212.11826.tar.gz"
    with tarfile.open(out, "w:gz") as archive:
        archive.add(CORPUS / "macros" / "main.tex", arcname="main.tex")
        member = tarfile.TarInfo(name)
        for key, value in info.items():
            setattr(member, key, value)
        archive.addfile(member, io.BytesIO(b"x" * member.size))
    return out


def _truncated(tmp_path: Path) -> Path:
    whole = tar(CORPUS / "sections", tmp_path / "whole.tar.gz").read_bytes()
    (out := tmp_path / "2212.11826.tar.gz").write_bytes(whole[: len(whole) // 2])
    return out


def _corrupt(tmp_path: Path) -> Path:
    data = gzip.compress((CORPUS / "macros" / "main.tex").read_bytes())
    (out := tmp_path / "2301.00001.gz").write_bytes(data[:20] + bytes(b ^ 0x55 for b in data[20:]))
    return out


def _no_main(tmp_path: Path) -> Path:
    (notes := tmp_path / "notes").mkdir()
    (notes / "notes.tex").write_text("Just notes, $z$.\n")
    return tar(notes, tmp_path / "2212.11826.tar.gz")


def _text_not_latex(tmp_path: Path) -> Path:
    (notes := tmp_path / "notes.txt").write_text("plain words, no LaTeX\n")
    return gz(notes, tmp_path / "2301.00001")


def _binary(tmp_path: Path) -> Path:
    (tmp_path / "2301.00001.gz").write_bytes(gzip.compress(b"\x00\x01\xff binary" * 100))
    return tmp_path / "2301.00001.gz"


BAD_ARCHIVES = {
    "truncated tar.gz": (_truncated, r"cannot unpack \(Compressed file ended before the end-of-stream marker"),
    "corrupt gzip": (_corrupt, r"cannot unpack \(Error -3 while decompressing data"),
    "tar without a main file": (_no_main, r"no LaTeX main file \(with \\documentclass or \\begin\{document\}\)"),
    "gzip of text that is not LaTeX": (_text_not_latex, r"holds no LaTeX main file"),
    "gzip of binary data": (_binary, r"not a text file \(binary data\), so not LaTeX"),
    "member with ..": (lambda t: _member(t, "../../escaped.tex", size=1),
                       r"unsafe member '\.\./\.\./escaped\.tex' refused \(OutsideDestinationError\); nothing loaded"),
    "link out": (lambda t: _member(t, "figs", type=tarfile.SYMTYPE, linkname="../../escaped.tex"),
                 r"unsafe member 'figs' refused \(LinkOutsideDestinationError\); nothing loaded"),
    "link to an absolute path": (lambda t: _member(t, "figs", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
                                 r"unsafe member 'figs' refused \(AbsoluteLinkError\); nothing loaded"),
}


@pytest.mark.parametrize("case", BAD_ARCHIVES)
def test_a_bad_archive_gives_one_line_naming_it_and_no_run(tmp_path, scratch, script_file, capsys, case):
    make, reason = BAD_ARCHIVES[case]
    archive = make(tmp_path)
    with pytest.raises(PaperError) as error:
        load_papers(archive)
    message = str(error.value)
    assert "\n" not in message and str(archive) in message and re.search(reason, message), message
    assert str(scratch) not in message  # names the archive, not the temporary folder it was unpacked into
    runs = tmp_path / "runs"
    assert main(["run", "--runs", str(runs), "--data", str(archive), "--summarizer", f"scripted:{script_file}"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"harness: error: {message}"]
    assert not runs.exists()
    assert not list(scratch.iterdir())  # nothing left unpacked, nothing escaped beside the folder
