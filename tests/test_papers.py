"""Paper loaders on the real arXiv sample (JSONL and raw LaTeX) and on small hand-made inputs."""

import json
import re
from pathlib import Path

import pytest

from harness.core.papers import (
    Paper,
    PaperError,
    brace_error,
    glossary_from_text,
    load_jsonl,
    load_latex_dir,
    load_latex_file,
    load_papers,
    plain_text,
)

# The repo is cloned next to ../shared (here /work/main and /work/shared).
ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv"
needs_arxiv = pytest.mark.skipif(
    not (ARXIV / "papers.jsonl").is_file() or not (ARXIV / "latex").is_dir(),
    reason=f"real arXiv sample not found at {ARXIV} (clone the project next to ../shared)",
)


def norm(latex: str) -> str:
    """Compare LaTeX without \\label{...} and whitespace differences."""
    return " ".join(re.sub(r"\\label\{[^{}]*\}", "", latex).split())


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in (ARXIV / "papers.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def latex_papers() -> dict[str, Paper]:
    # latex/ holds 11 papers' main files side by side: one folder, so --all-mains to load each.
    papers = load_latex_dir(ARXIV / "latex", all_mains=True)
    # The only missing \input in the sample: `\input xy` in 1707.08043 loads the xy-pic package, not a
    # file of the paper. The loader keeps a warning (file and line) and goes on.
    expected = f"{ARXIV / 'latex' / '1707.08043.tex'}:331: \\input file not found: xy"
    assert [w for p in papers for w in p.warnings] == [expected]
    return {p.id: p for p in papers}


# ----------------------------------------------------------------------------- real data: JSONL


@needs_arxiv
def test_arxiv_jsonl_loads_every_paper_with_its_equations(rows):
    papers = load_papers(ARXIV / "papers.jsonl")
    assert len(papers) == len(rows) == 22
    for paper, row in zip(papers, rows, strict=True):
        assert paper.id == row["id"]
        assert paper.title == row["title"]
        assert paper.abstract.strip() and paper.abstract == row["abstract"]
        assert paper.body == row["body"]
        assert paper.category == row["field"]
        assert len(paper.equations) == len(row["equations"]) >= 2
        for i, (eq, raw) in enumerate(zip(paper.equations, row["equations"], strict=True), 1):
            assert eq.id == f"{row['id']}/eq{i}"
            assert norm(eq.latex) == norm(raw["latex"])
            assert "\\label" not in eq.latex
            assert (eq.env, eq.is_diagram) == (raw["env"], raw["is_diagram"])
            # plain text around the display: the sample's LaTeX markup is gone outside maths, inline maths stays
            assert eq.context.count("[DISPLAYED EQUATION]") == 1 and eq.context.count("$") % 2 == 0
            prose = re.sub(r"\$[^$]*\$", "", eq.context)
            assert not re.search(r"\\(?:label|cite|ref|begin|end|textit|emph|noindent)(?![A-Za-z])", prose), eq.id
            words = raw["context_before"].split()[:3]  # where the sample's text starts with words, so does ours
            if all(re.fullmatch(r"[A-Za-z]+,?", w) for w in words):
                assert eq.context.startswith(" ".join(words)), eq.id


@needs_arxiv
def test_arxiv_jsonl_glossary_comes_from_the_text_after_each_equation():
    papers = {p.id: p for p in load_jsonl(ARXIV / "papers.jsonl")}
    gp = papers["gh:dfm/araa-gps:src/tex/ms.tex"].equations[0]  # p(y) = N(m, K)
    assert gp.glossary == {"\\mathbf{m}": "the mean vector", "\\mathbf{K}": "the covariance matrix"}
    peters = papers["2111.08717"].equations[7]  # beta(m_1, m_2) = 64/5 G^3/c^5 ...
    assert peters.glossary == {
        "c": "the speed of light",
        "m_1": "the primary mass",
        "m_2": "the secondary mass",
    }
    assert sum(bool(eq.glossary) for p in papers.values() for eq in p.equations) > 50


# ----------------------------------------------------------------------------- real data: raw LaTeX


@needs_arxiv
def test_every_raw_latex_file_has_its_jsonl_row(rows, latex_papers):
    by_file = {Path(r["flat_file"]).name: r for r in rows if r.get("flat_file")}
    files = sorted(p.name for p in (ARXIV / "latex").glob("*.tex"))
    assert len(files) == 11 and sorted(by_file) == files
    assert sorted(latex_papers) == sorted(Path(f).stem for f in files)


@needs_arxiv
def test_raw_latex_abstract_title_and_equations_match_jsonl(rows, latex_papers):
    for row in (r for r in rows if r.get("flat_file")):
        paper = latex_papers[Path(row["flat_file"]).stem]
        # Exact up to whitespace, including the GeometricConvolutions \paragraph{Abstract:} form.
        assert squash(paper.abstract) == squash(row["abstract"]), paper.id
        assert paper.title == row["title"], paper.id
        # n_display_equations_full counts the displays of the whole body, which (in the JSONL and here)
        # ends at the bibliography: displays in appendices printed after the references (42 equation
        # environments in 2305.18244's supplement, for instance) are in neither count.
        assert len(paper.equations) == row["n_display_equations_full"], paper.id
        assert "\\bibliography" not in paper.body and "\\end{document}" not in paper.body
        # The JSONL keeps only the displays in its first ~30k characters of body: a prefix of ours.
        ours = [norm(eq.latex) for eq in paper.equations]
        assert ours[: len(row["equations"])] == [norm(eq["latex"]) for eq in row["equations"]], paper.id
        assert [eq.env for eq in paper.equations[: len(row["equations"])]] == [
            eq["env"] for eq in row["equations"]
        ]
        assert [eq.id for eq in paper.equations] == [f"{paper.id}/eq{i}" for i in range(1, len(ours) + 1)]


@needs_arxiv
def test_raw_latex_equations_carry_context_and_glossary(latex_papers):
    gp = latex_papers["gh_dfm_araa-gps_src_tex_ms.tex"].equations[0]
    assert "is a multi-variate Gaussian: [DISPLAYED EQUATION] where $\\mathbf{m}$" in gp.context
    assert gp.glossary == {"\\mathbf{m}": "the mean vector", "\\mathbf{K}": "the covariance matrix"}


# ----------------------------------------------------------------------------- JSONL errors and schema


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


GOOD = {"id": "p1", "title": "T", "abstract": "A", "body": "B", "equations": [{"latex": "x = 1"}]}


def test_project_schema_loads_with_ids_names_and_glossaries(tmp_path):
    row = {
        "id": "bayes",
        "title": "Bayes",
        "abstract": "About Bayes.",
        "body": "Text.",
        "category": "statistics",
        "equations": [
            {
                "id": "bayes/rule",
                "latex": "p(a|b) = \\frac{p(b|a)p(a)}{p(b)} \\label{eq:bayes}",
                "context": "where ...",
                "glossary": {"a": "a hypothesis"},
                "name": "Bayes' rule",
            },
            {"latex": "p(b) = \\sum_a p(b|a) p(a)"},
        ],
    }
    [paper] = load_papers(write_jsonl(tmp_path / "papers.jsonl", [row, ""]))  # blank lines are fine
    assert (paper.id, paper.category, paper.body) == ("bayes", "statistics", "Text.")
    rule, total = paper.equations
    assert (rule.id, rule.name, rule.glossary) == ("bayes/rule", "Bayes' rule", {"a": "a hypothesis"})
    assert rule.latex == "p(a|b) = \\frac{p(b|a)p(a)}{p(b)}"
    assert (total.id, total.name, total.context, total.glossary) == ("bayes/eq2", None, "", {})


def test_broken_jsonl_line_names_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [GOOD, '{"id": "p2", "title": '])
    with pytest.raises(PaperError, match=rf"^{re.escape(str(path))}:2: not valid JSON \("):
        load_jsonl(path)


def test_jsonl_missing_field_and_bad_types(tmp_path):
    no_abstract = {k: v for k, v in GOOD.items() if k != "abstract"}
    path = write_jsonl(tmp_path / "a.jsonl", [no_abstract])
    with pytest.raises(PaperError, match=rf"^{re.escape(str(path))}:1: missing field 'abstract'$"):
        load_jsonl(path)
    path = write_jsonl(tmp_path / "b.jsonl", [GOOD, {**GOOD, "id": "p2", "equations": "x = 1"}])
    with pytest.raises(PaperError, match=r":2: 'equations' must be a list$"):
        load_jsonl(path)
    path = write_jsonl(tmp_path / "b2.jsonl", [{**GOOD, "equations": [{"latex": "x"}, {"context": "y"}]}])
    with pytest.raises(PaperError, match=r":1: equation 2 has no 'latex' string$"):
        load_jsonl(path)
    path = write_jsonl(tmp_path / "c.jsonl", [{**GOOD, "title": 3}])
    with pytest.raises(PaperError, match=r":1: field 'title': "):
        load_jsonl(path)
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, GOOD])
    with pytest.raises(PaperError, match=r":2: duplicate paper id 'p1'$"):
        load_jsonl(path)
    path = write_jsonl(tmp_path / "e.jsonl", ["[1, 2]"])
    with pytest.raises(PaperError, match=r":1: not a JSON object$"):
        load_jsonl(path)


def test_load_papers_rejects_missing_and_unknown_paths(tmp_path):
    with pytest.raises(PaperError, match=r"^no such file or directory: .*nope\.jsonl$"):
        load_papers(tmp_path / "nope.jsonl")
    (tmp_path / "papers.csv").write_text("id,title\n")
    with pytest.raises(PaperError, match=r"papers\.csv: expected a \.jsonl file, a LaTeX main file \(\.tex, or no ext"):
        load_papers(tmp_path / "papers.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PaperError, match=r"no LaTeX main file .* under .*empty$"):
        load_papers(tmp_path / "empty")


# ----------------------------------------------------------------------------- brace_error, glossary


@pytest.mark.parametrize(
    ("latex", "error"),
    [
        ("\\frac{a}{b}", None),
        ("\\{x \\mid x > 0\\}", None),
        ("\\left\\{ x \\right.", None),
        ("a \\\\{b}", None),  # a line break, then a real group
        ("\\frac{a}{b", "unbalanced braces: 1 unclosed '{'"),
        ("{{x}", "unbalanced braces: 1 unclosed '{'"),
        ("a}{b", "unexpected '}' at char 1"),
        ("\\sqrt{x}} + 1", "unexpected '}' at char 8"),
    ],
)
def test_brace_error(latex, error):
    assert brace_error(latex) == error


@pytest.mark.parametrize(
    ("text", "latex", "glossary"),
    [
        ("where $x$ is the input and $y$ the output.", "y = w x", {"x": "the input", "y": "the output"}),
        ("where $a$ is the X, $b$ is the Y and $c$ the Z.", "a = b c", {"a": "the X", "b": "the Y", "c": "the Z"}),
        (
            "Here $\\sigma$ denotes the noise level; $k$ represents the kernel.",
            "y = k + \\sigma",
            {"\\sigma": "the noise level", "k": "the kernel"},
        ),
        ("where $O$ indicates any measurement operator.", "\\langle O \\rangle = 0", {"O": "any measurement operator"}),
        (
            "where $x_i \\in \\mathbb{R}^d$ is the \\emph{i-th input}, and $n$ stands for the count.",
            "m = \\frac{1}{n} \\sum_i x_i",
            {"x_i": "the i-th input", "n": "the count"},
        ),
        (
            "where $M$ is the matrix of $g$ (i.e. $M^\\top M = I$) and $p$ is the parity.",
            "g v = M^p v",
            {"M": "the matrix of $g$ (i.e. $M^\\top M = I$)", "p": "the parity"},
        ),
        ("Note that $f$ is small.", "f = 0", {}),  # 'is' without an article: not a definition
        ("the rate of $x$ is a constant.", "y = x", {}),  # $x$ is not the subject
        ("where $x = 1$ is the start.", "y = x", {}),  # an equation, not a symbol
        ("where $x$ is the input vector of a cut-off cont", "y = x", {}),  # context cut mid-sentence
        ("No symbols here.", "y = x", {}),
    ],
)
def test_glossary_from_text(text, latex, glossary):
    assert glossary_from_text(text, latex) == glossary


def test_glossary_meaning_stops_at_an_environment_boundary():
    after = "where $x$ is the input of the map\n\\end{definition}\n\\begin{lemma} Every map is a function.\\end{lemma}"
    assert glossary_from_text(after, "y = f(x)") == {"x": "the input of the map"}  # raw LaTeX
    assert glossary_from_text(plain_text(after), "y = f(x)") == {"x": "the input of the map"}
    assert glossary_from_text("where $x$ is the input\n\nof the next part.", "y = x") == {"x": "the input"}
    items = "\\begin{itemize}\\item $x$ is the input \\item $y$ is the output\\end{itemize} Then more"
    assert glossary_from_text(plain_text(items), "y = 2 x") == {"x": "the input", "y": "the output"}


def test_glossary_where_clause_with_two_symbols_gives_two_keys():
    text = "where $x$ is the distance travelled and $t$ is the time taken."
    assert glossary_from_text(text, "v = x / t") == {"x": "the distance travelled", "t": "the time taken"}


def test_glossary_keeps_to_the_symbols_of_the_equation():
    text = "where $E$ is the energy, $m$ is the mass and $\\lambda$ is the wavelength."
    assert glossary_from_text(text, "E = m c^2") == {"E": "the energy", "m": "the mass"}  # no lambda in it
    # decorations and subscripts: \hat{y} is not y; x_i names the x of the equation's x_j
    text = "where $y$ is the label, $\\hat{y}$ is the prediction and $x_i$ is the i-th feature."
    assert glossary_from_text(text, "\\hat{y} = \\sum_j w_j x_j") == {
        "\\hat{y}": "the prediction", "x_i": "the i-th feature"}


def test_glossary_keys_are_symbols_not_expressions():
    text = ("where $f(x) = x^2$ is the map, $x + y$ is the sum, $g(x)$ is the gain, $\\sigma^2$ is the variance "
            "and ${\\bf w}$ is the weight vector.")
    glossary = glossary_from_text(text, "y = g(x) f(x) + \\sigma^2 + \\mathbf{w}")
    assert glossary == {"g": "the gain", "\\sigma^2": "the variance", "\\mathbf{w}": "the weight vector"}


def test_glossary_keys_are_spelled_as_gold_reads_the_equation():
    """A key found in a paper is a symbol of the equation as gold reads it, and gold's glossary finds it there."""
    from harness.gold.meanings import Glossary
    from harness.gold.symbols import canon
    from harness.maths.latex import equation_facts

    latex = "p(\\mathbf{y}) = \\mathcal{N}(\\mathbf{m}, \\mathbf{K}_{\\theta})"
    text = "where $\\mathbf{m}$ is the mean vector and $\\mathbf K_\\theta$ is the covariance matrix."
    glossary = glossary_from_text(text, latex)
    assert glossary == {"\\mathbf{m}": "the mean vector", "\\mathbf{K}_\\theta": "the covariance matrix"}
    assert set(glossary) <= set(equation_facts(latex).symbols)
    assert [Glossary(glossary).lookup(canon(s)) for s in ("\\mathbf{m}", "\\mathbf{K}_{\\theta}")] == [
        [("m", "the mean vector")], [("K_theta", "the covariance matrix")]]


def test_plain_text_strips_markup_outside_maths_and_keeps_inline_maths():
    latex = ("x_1 \\quad , \\end{eqnarray} where $a_i$ is the \\textbf{weight}\\label{eq:w} of item $i$~\\cite{ref}"
             " (see Eq.~\\eqref{eq:w}). % a comment\nIt is \\emph{positive}, 10\\% of the total.")
    text = plain_text(latex)
    assert "$a_i$" in text and "$i$" in text
    for markup in ("\\label", "\\end", "\\quad", "\\cite", "\\textbf", "\\emph", "%", "comment", "{", "}"):
        assert markup not in text.replace("10%", ""), markup
    assert "where $a_i$ is the weight of item $i$ (see Eq. REF)." in text and "It is positive, 10% of" in text


# ----------------------------------------------------------------------------- LaTeX projects

MAIN = r"""\documentclass{article}
\newcommand{\papertitle}{A Test \emph{Paper}}
\title[Short]{\large \papertitle\thanks{Funded.}}
\begin{document}
\maketitle
\begin{abstract}
We test the loader. % a comment that must vanish
\end{abstract}
\section{Intro}
Text 50\% done.
\begin{equation}\label{eq:one}
E = m c^2
\end{equation}
where $E$ is the energy, $m$ is the mass and $c$ the speed of light.
\input{sections/methods}
\include{missing}
\[ a^2 + b^2 = c^2 \]
$$ \int_0^1 x\,dx = \tfrac12 $$
\begin{align*}
x &= 1 \\[2pt]
y &= 2
\end{align*}
% \begin{equation} commented out \end{equation}
\begin{gather}
\begin{tikzcd} A \arrow[r] & B \end{tikzcd}
\end{gather}
\bibliography{refs}
\appendix
\begin{equation} z = 0 \end{equation}
\end{document}
"""


def test_latex_project_with_inputs_in_source_order(tmp_path):
    (tmp_path / "sections").mkdir()
    (tmp_path / "main.tex").write_text(MAIN)
    (tmp_path / "sections" / "methods.tex").write_text(
        "Methods with $y = x$ inline.\n"
        "\\begin{multline*}\np = q \\\\ + r\n\\end{multline*}\n"
        "\\input sections/deeper\n"
    )
    (tmp_path / "sections" / "deeper.tex").write_text("\\begin{eqnarray} s &=& t \\end{eqnarray}\n")
    [paper] = load_papers(tmp_path / "main.tex")
    assert paper.warnings == [f"{tmp_path / 'main.tex'}:16: \\input file not found: missing"]
    assert (paper.id, paper.title, paper.abstract) == ("main", "A Test \\emph{Paper}", "We test the loader.")
    envs = [eq.env for eq in paper.equations]
    assert envs == ["equation", "multline*", "eqnarray", "\\[", "$$", "align*", "gather"]
    latex = [eq.latex for eq in paper.equations]
    assert latex[:3] == ["E = m c^2", "p = q \\\\ + r", "s &=& t"]
    assert latex[3:5] == ["a^2 + b^2 = c^2", "\\int_0^1 x\\,dx = \\tfrac12"]
    assert latex[5] == "x &= 1 \\\\[2pt]\ny &= 2"  # \\[2pt] is a line break, not a display
    assert [eq.is_diagram for eq in paper.equations] == [False] * 6 + [True]
    assert [eq.id for eq in paper.equations] == [f"main/eq{i}" for i in range(1, 8)]
    first = paper.equations[0]
    assert first.glossary == {"E": "the energy", "m": "the mass", "c": "the speed of light"}
    assert "Intro Text 50% done. [DISPLAYED EQUATION] where $E$ is the energy" in first.context
    assert "commented out" not in paper.body and "Methods with" in paper.body
    assert "z = 0" not in paper.body  # the appendix after the bibliography is not part of the body


def test_latex_context_is_plain_text_and_glossary_keeps_to_the_equation(tmp_path):
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\\begin{document}\\begin{abstract}A.\\end{abstract}\n"
        "\\begin{definition}\\label{def:w} The \\textbf{weights} $w_i$ are fixed~\\cite{ref}: \\quad\n"
        "\\begin{eqnarray} s &=& \\sum_i w_i a_i \\label{eq:s} \\end{eqnarray}\n"
        "where $a_i$ is the activation of unit $i$ and $b$ is the bias of the layer\n\\end{definition}\n"
        "\\begin{lemma} $s$ is bounded. \\end{lemma}\n\\end{document}\n"
    )
    [eq] = load_latex_file(tmp_path / "main.tex").equations
    assert eq.context == (  # the ~ before \\cite stays a space
        "The weights $w_i$ are fixed : [DISPLAYED EQUATION] where $a_i$ is the activation of unit $i$ "
        "and $b$ is the bias of the layer $s$ is bounded.")
    assert eq.glossary == {"a_i": "the activation of unit $i$"}  # no b in the equation; the meaning stops at \end


def test_latex_dir_finds_main_files_in_subdirectories(tmp_path):
    (tmp_path / "a.tex").write_text(
        "\\documentclass{article}\\begin{document}\\abstract{Short {one}.}\nBody $$x$$\\end{document}"
    )
    (tmp_path / "p2").mkdir()
    (tmp_path / "p2" / "main.tex").write_text(
        "%\\documentclass{old}\n\\documentclass{article}\n\\begin{document}\n"
        "\\paragraph{Abstract:}\nFirst line.\nSecond line.\n"
        "\\section{Intro}\n\\input{part}\n\\end{document}\n"
    )
    (tmp_path / "p2" / "part.tex").write_text("Included \\begin{displaymath} y \\end{displaymath}\n")
    (tmp_path / "notes.tex").write_text("Just notes, $z$.\n")  # not a main file: ignored
    [a] = load_latex_dir(tmp_path)  # a folder with a main file is one paper: p2/ would be one of its parts
    assert (a.id, a.abstract, [e.latex for e in a.equations]) == ("a", "Short {one}.", ["x"])
    (tmp_path / "a.tex").rename(tmp_path / "p1.tex.txt")
    [p2] = load_latex_dir(tmp_path)  # no main file here: paper folders are searched for below
    assert (p2.id, p2.abstract) == ("p2/main", "First line.\nSecond line.")
    assert p2.body.startswith("\\section{Intro}\nIncluded") and p2.equations[0].env == "displaymath"


def test_latex_problems_warn_without_crashing(tmp_path):
    (tmp_path / "a.tex").write_text("\\documentclass{article}\\begin{document}\\input{b}\\end{document}")
    (tmp_path / "b.tex").write_text("B \\input{a} \\begin{equation} x = 1\n")
    [paper] = load_latex_dir(tmp_path)
    assert paper.warnings == [
        f"{tmp_path / 'b.tex'}:1: circular \\input of a skipped",
        f"{tmp_path / 'a.tex'}: no abstract found",
        f"{tmp_path / 'b.tex'}:1: equation display never closed; skipped",
    ]
    assert (paper.abstract, paper.equations, paper.body) == ("", [], "B  \\begin{equation} x = 1")
    with pytest.raises(PaperError, match="no such file"):
        load_latex_file(tmp_path / "missing.tex")
