"""Equation facts (maths.latex): standard equations, author macros, garbage, every equation of the arXiv sample."""

import json
import statistics
import time
from pathlib import Path

import pytest

from harness.maths.latex import EquationFacts, equation_facts, subexpressions
from harness.maths.tables import OPERATORS

ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv"

# (latex, relation, lhs, rhs, symbols that must appear, operators that must appear, exponents that must appear)
TABLE = [
    (r"E = m c^2", "=", "E", "m c^2", ["E", "m", "c"], ["power"], ["2"]),
    (r"\hat{\beta} = (X^T X)^{-1} X^T y", "=", r"\hat{\beta}", r"(X^T X)^{-1} X^T y", [r"\hat{\beta}", "X", "y"],
     ["power", "transpose", "inverse"], ["T", "-1"]),
    (r"p(\theta \mid x) = \frac{p(x \mid \theta) p(\theta)}{p(x)}", "=", r"p(\theta \mid x)",
     r"\frac{p(x \mid \theta) p(\theta)}{p(x)}", ["p", r"\theta", "x"], ["probability", "conditional", "fraction"], []),
    (r"H(X) = -\sum_{i=1}^{n} p(x_i) \log_2 p(x_i)", "=", "H(X)", r"-\sum_{i=1}^{n} p(x_i) \log_2 p(x_i)",
     ["H", "X", "x_i", "x", "i", "n"], ["sum", "log", "probability"], []),
    (r"\frac{\partial u}{\partial t} = \alpha \nabla^2 u", "=", r"\frac{\partial u}{\partial t}", r"\alpha \nabla^2 u",
     ["u", "t", r"\alpha"], ["partial_derivative", "laplacian"], []),
    (r"\frac{d^2 x}{d t^2} = -\omega^2 x", "=", r"\frac{d^2 x}{d t^2}", r"-\omega^2 x", ["x", "t", r"\omega"],
     ["derivative", "power"], ["2"]),
    (r"\mathbb{E}[X] = \int x f(x)\, dx", "=", r"\mathbb{E}[X]", r"\int x f(x)\, dx", ["X", "x", "f"],
     ["expectation", "integral"], []),
    (r"\|x\|_2 \le \sqrt{n} \|x\|_\infty", "<=", r"\|x\|_2", r"\sqrt{n} \|x\|_\infty", ["x", "n"],
     ["norm", "sqrt"], []),
    (r"\theta_{t+1} = \theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t)", "=", r"\theta_{t+1}",
     r"\theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t)", [r"\theta_{t+1}", r"\theta_t", r"\theta", r"\eta",
                                                              r"\mathcal{L}"], ["gradient"], []),
    (r"F \propto \frac{q_1 q_2}{r^2}", "propto", "F", r"\frac{q_1 q_2}{r^2}", ["F", "q_1", "q_2", "q", "r"],
     ["fraction", "power"], ["2"]),
    (r"\lim_{n \to \infty} (1 + 1/n)^n = e", "=", r"\lim_{n \to \infty} (1 + 1/n)^n", "e", ["n", "e"],
     ["limit", "fraction", "power"], ["n"]),
    (r"n! \approx \sqrt{2 \pi n} (n/e)^n", "approx", "n!", r"\sqrt{2 \pi n} (n/e)^n", ["n", r"\pi", "e"],
     ["factorial", "sqrt", "power"], ["n"]),
    (r"\hat{y} = \arg\max_k p_k", "=", r"\hat{y}", r"\arg\max_k p_k", [r"\hat{y}", "p_k", "k"], ["argmax"], []),
    (r"x^* = \operatorname*{arg\,min}_{x \in \mathcal{X}} f(x)", "=", "x^*",
     r"\operatorname*{arg\,min}_{x \in \mathcal{X}} f(x)", ["x^*", "x", r"\mathcal{X}", "f"], ["argmin"], []),
    (r"\mathrm{Var}(X) = \mathbb{E}[X^2] - \mathbb{E}[X]^2", "=", r"\mathrm{Var}(X)",
     r"\mathbb{E}[X^2] - \mathbb{E}[X]^2", ["X"], ["variance", "expectation", "power"], ["2"]),
    (r"\sin^2\theta + \cos^2\theta = 1", "=", r"\sin^2\theta + \cos^2\theta", "1", [r"\theta"], ["sin", "cos", "power"],
     ["2"]),
    (r"\tan\phi = \frac{\sin\phi}{\cos\phi}", "=", r"\tan\phi", r"\frac{\sin\phi}{\cos\phi}", [r"\phi"],
     ["tan", "sin", "cos", "fraction"], []),
    (r"\binom{n}{k} = \frac{n!}{k!\,(n-k)!}", "=", r"\binom{n}{k}", r"\frac{n!}{k!\,(n-k)!}", ["n", "k"],
     ["binomial", "factorial", "fraction"], []),
    (r"\det(A) = \prod_{i=1}^{n} \lambda_i", "=", r"\det(A)", r"\prod_{i=1}^{n} \lambda_i",
     ["A", r"\lambda_i", "i", "n"], ["determinant", "product"], []),
    (r"\operatorname{tr}(\mathbf{A}\mathbf{B}) = \operatorname{tr}(\mathbf{B}\mathbf{A})", "=",
     r"\operatorname{tr}(\mathbf{A}\mathbf{B})", r"\operatorname{tr}(\mathbf{B}\mathbf{A})",
     [r"\mathbf{A}", r"\mathbf{B}"], ["trace"], []),
    (r"\|f\|_\infty = \sup_{x \in X} |f(x)|", "=", r"\|f\|_\infty", r"\sup_{x \in X} |f(x)|", ["f", "x", "X"],
     ["norm", "supremum", "abs"], []),
    (r"d(x, A) = \inf_{a \in A} |x - a|", "=", "d(x, A)", r"\inf_{a \in A} |x - a|", ["d", "x", "A", "a"],
     ["infimum", "abs"], []),
    (r"V = \min_{w} \max_{\lambda \ge 0} L(w, \lambda)", "=", "V", r"\min_{w} \max_{\lambda \ge 0} L(w, \lambda)",
     ["V", "w", r"\lambda", "L"], ["min", "max"], []),
    (r"\mathbf{a} \cdot \mathbf{b} = \|\mathbf{a}\| \|\mathbf{b}\| \cos\theta", "=", r"\mathbf{a} \cdot \mathbf{b}",
     r"\|\mathbf{a}\| \|\mathbf{b}\| \cos\theta", [r"\mathbf{a}", r"\mathbf{b}", r"\theta"],
     ["dot_product", "norm", "cos"], []),
    (r"\vec{\tau} = \vec{r} \times \vec{F}", "=", r"\vec{\tau}", r"\vec{r} \times \vec{F}",
     [r"\vec{\tau}", r"\vec{r}", r"\vec{F}"], ["cross_product"], []),
    (r"\dot{x} = A x + B u", "=", r"\dot{x}", "A x + B u", [r"\dot{x}", "A", "x", "B", "u"], ["derivative"], []),
    (r"e^{i\pi} + 1 = 0", "=", r"e^{i\pi} + 1", "0", ["i", r"\pi"], ["exp", "power"], [r"i\pi"]),
    (r"\sigma(z) \equiv \frac{1}{1 + e^{-z}}", "equiv", r"\sigma(z)", r"\frac{1}{1 + e^{-z}}", [r"\sigma", "z"],
     ["fraction", "exp"], ["-z"]),
    (r"\Pr(A \mid B) = \frac{\Pr(A \cap B)}{\Pr(B)}", "=", r"\Pr(A \mid B)", r"\frac{\Pr(A \cap B)}{\Pr(B)}",
     ["A", "B"], ["probability", "conditional"], []),
    (r"\Delta u = f", "=", r"\Delta u", "f", ["u", "f"], ["laplacian"], []),
    (r"h^{(l)} = \sigma(W^{(l)} h^{(l-1)} + b^{(l)})", "=", "h^{(l)}", r"\sigma(W^{(l)} h^{(l-1)} + b^{(l)})",
     ["h^{(l)}", "h", "W^{(l)}", "W", "b^{(l)}", r"\sigma"], [], []),
    (r"X \sim \mathcal{N}(\mu, \sigma^2)", "sim", "X", r"\mathcal{N}(\mu, \sigma^2)", ["X", r"\mathcal{N}", r"\mu"],
     ["power"], ["2"]),
    (r"f(x) \stackrel{\text{def}}{=} x^2 + 1", ":=", "f(x)", "x^2 + 1", ["f", "x"], ["power"], ["2"]),
    (r"a := b + c", ":=", "a", "b + c", ["a", "b", "c"], [], []),
    (r"y_i (\mathbf{w}^\top \mathbf{x}_i + b) \geq 1 - \xi_i", ">=", r"y_i (\mathbf{w}^\top \mathbf{x}_i + b)",
     r"1 - \xi_i", ["y_i", r"\mathbf{w}", r"\mathbf{x}_i", r"\mathbf{x}", "b", r"\xi_i"], ["transpose"], [r"\top"]),
    (r"x \neq y", "neq", "x", "y", ["x", "y"], [], []),
    (r"\ell_\text{pred}(E) = \ell(E) \cdot \exp(\text{frecency}[C(E)]),", "=", r"\ell_\text{pred}(E)",
     r"\ell(E) \cdot \exp(\text{frecency}[C(E)])", [r"\ell_{\mathrm{pred}}", r"\ell", "E", r"\mathrm{frecency}", "C"],
     ["exp"], []),
]


@pytest.mark.parametrize(("latex", "relation", "lhs", "rhs", "symbols", "operators", "exponents"), TABLE,
                         ids=[row[0][:40] for row in TABLE])
def test_standard_equations(latex, relation, lhs, rhs, symbols, operators, exponents):
    facts = equation_facts(latex)
    assert facts.parsed, facts.problems
    assert facts.problems == []
    assert facts.relation == relation
    assert (facts.lhs, facts.rhs) == (lhs, rhs)
    assert set(symbols) <= set(facts.symbols), facts.symbols
    assert set(operators) <= set(facts.operators), facts.operators
    assert set(exponents) <= set(facts.exponents), facts.exponents
    assert set(facts.operators) <= set(OPERATORS)
    assert len(facts.operators) == len(set(facts.operators)) and len(facts.symbols) == len(set(facts.symbols))
    assert set(facts.lhs_symbols) | set(facts.rhs_symbols) <= set(facts.symbols)


def test_table_covers_every_operator():
    seen = {op for row in TABLE for op in equation_facts(row[0]).operators}
    assert seen == set(OPERATORS)


def test_einstein_exactly():
    facts = equation_facts("E = m c^2")
    assert facts == EquationFacts(
        latex="E = m c^2", symbols=["E", "m", "c"], base_symbols=["E", "m", "c"], decorations={}, operators=["power"],
        exponents=["2"], relation="=", lhs="E", rhs="m c^2", lhs_symbols=["E"], rhs_symbols=["m", "c"],
        derivative_order=None, parsed=True, problems=[])


def test_decorations_and_bases():
    facts = equation_facts(r"\hat{\beta} = (X^T X)^{-1} X^T y")
    assert facts.decorations == {r"\hat{\beta}": ["hat"]}
    assert facts.base_symbols == ["beta", "X", "y"]
    assert facts.operators == ["power", "transpose", "inverse"]
    assert facts.exponents == ["T", "-1"]
    assert "T" not in facts.symbols  # ^T is a transpose, not a symbol T
    facts = equation_facts(r"\bar{\mathbf {\mathbf {\theta }}}_i = \mathcal{L} + \mathbb{R} + \tilde{x} + \mathfrak{g}")
    assert facts.decorations[r"\bar{\mathbf{\theta}}_i"] == ["bar", "bold"]
    assert facts.decorations[r"\bar{\mathbf{\theta}}"] == ["bar", "bold"]
    assert facts.decorations[r"\mathcal{L}"] == ["calligraphic"]
    assert facts.decorations[r"\mathbb{R}"] == ["blackboard"]
    assert facts.decorations[r"\tilde{x}"] == ["tilde"]
    assert facts.base_symbols[:3] == ["theta", "i", "L"]


def test_subscripts_appear_whole_and_as_base_and_sides_are_split():
    facts = equation_facts(r"\theta_{t+1} = \theta_t - \eta g_t")
    assert facts.symbols[:3] == [r"\theta_{t+1}", r"\theta", "t"]
    assert facts.lhs_symbols == [r"\theta_{t+1}", r"\theta", "t"]
    assert facts.rhs_symbols == [r"\theta_t", r"\theta", "t", r"\eta", "g_t", "g"]
    assert facts.base_symbols == ["theta", "t", "eta", "g"]


def test_derivative_orders():
    assert equation_facts(r"\frac{d^2 x}{d t^2} = -\omega^2 x").derivative_order == 2
    assert equation_facts(r"\frac{\partial^2 u}{\partial x^2} = 0").derivative_order == 2
    assert equation_facts(r"\frac{\partial^2 f}{\partial x \partial y} = 0").derivative_order == 2
    assert equation_facts(r"\ddot{x} = -x").derivative_order == 2
    assert equation_facts(r"u'' + u = 0").derivative_order == 2
    assert equation_facts(r"y = m x + b").derivative_order is None
    facts = equation_facts(r"\frac{d^2 x}{d t^2} = -k x")
    assert "fraction" not in facts.operators and facts.exponents == []  # d t^2 is the order, not a square


def test_derivative_order_of_an_applied_operator_via_sympy():
    pytest.importorskip("antlr4", reason="sympy's LaTeX parser needs antlr4-python3-runtime")
    assert equation_facts(r"\frac{d}{dt}\left(\frac{dx}{dt}\right) = -x").derivative_order == 2


def test_layout_labels_comments_and_punctuation():
    facts = equation_facts("\\begin{aligned}\n f(x) &= (x+1)^2 \\label{eq:sq} \\\\\n &= x^2 + 2x + 1 \\nonumber\n"
                           "\\end{aligned}.")
    assert (facts.relation, facts.lhs, facts.rhs) == ("=", "f(x)", "(x+1)^2")
    assert facts.parsed and "e" not in facts.symbols  # nothing of the label leaks in
    facts = equation_facts(r"|x| = \begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}")
    assert (facts.relation, facts.lhs) == ("=", "|x|") and "abs" in facts.operators
    facts = equation_facts("\\mathbf{K} = \\begin{pmatrix} k_{11} & k_{12} \\\\ k_{21} & k_{22} \\end{pmatrix}, % K\n")
    assert {r"\mathbf{K}", "k_{11}", "k_{22}", "k"} <= set(facts.symbols) and facts.relation == "="
    facts = equation_facts(r"f(x) = \left( \frac{a}{b} \right)^{2}\, ,")
    assert facts.rhs == r"\left( \frac{a}{b} \right)^{2}" and facts.exponents == ["2"]
    facts = equation_facts(r"S = \sum_i x_i \quad \text{for each } i \in I")
    assert "for" not in " ".join(facts.symbols) and facts.relation == "="


def test_relation_is_top_level_and_arrows_come_last():
    assert equation_facts(r"\sum_{i=1}^n x_i \to 0").relation == "to"
    assert equation_facts(r"f(x = 1) \le 2").relation == "<="
    assert equation_facts(r"x_n \to x \implies f(x_n) = f(x)").relation == "="
    assert equation_facts(r"x \triangleq y").relation == ":="
    facts = equation_facts(r"\sum_{i} x_i")
    assert facts.relation is None and facts.problems == ["no top-level relation"] and not facts.parsed


@pytest.mark.parametrize(("latex", "macros"), [
    (r"\pysr(x) = x^2", [r"\pysr"]),
    (r"M = 10^{10}\,\Msun", [r"\Msun"]),
    (r"\vect{x} = A \vect{y}", [r"\vect"]),
])
def test_author_macros_are_symbols_and_problems(latex, macros):
    facts = equation_facts(latex)
    assert not facts.parsed and facts.relation == "="
    for macro in macros:
        assert any(s.startswith(macro) for s in facts.symbols)
        assert f"unknown macro {macro} (kept as a symbol)" in facts.problems
    if r"\vect" in latex:
        assert {r"\vect{x}", "x", r"\vect{y}", "y"} <= set(facts.symbols)


@pytest.mark.parametrize("latex", ["", "}", "\\frac{a}{", "\\begin{align} x", "x = " + " + ".join(["a_{i}"] * 2000),
                                   "\\", "^", "_{", "\\left(", "$x", "& & \\\\", "\\frac", "x^", "\\hat{}", "''",
                                   "{" * 1500 + "x" + "}" * 1500])
def test_garbage_never_raises(latex):
    facts = equation_facts(latex)
    assert facts.problems and not facts.parsed


def test_garbage_names_the_problem():
    assert "unbalanced braces" in equation_facts("}").problems[0]
    assert "unbalanced braces" in equation_facts("\\frac{a}{").problems[0]
    assert "\\end{align}" in equation_facts("\\begin{align} x").problems[0]
    assert "too long" in equation_facts("x = " + "a + " * 2000).problems[0]
    assert equation_facts("").problems == ["empty equation"]


def test_arxiv_sample_every_equation():
    """Every displayed equation of the real sample: no exception, a relation or a named problem, mostly parsed."""
    if not (ARXIV / "papers.jsonl").is_file():
        pytest.skip(f"real arXiv sample not found at {ARXIV} (clone the project next to ../shared)")
    rows = [json.loads(line) for line in (ARXIV / "papers.jsonl").read_text().splitlines() if line.strip()]
    equations = [eq["latex"] for row in rows for eq in row["equations"]]
    assert len(equations) > 400
    times, facts = [], []
    for latex in equations:
        start = time.perf_counter()
        facts.append(equation_facts(latex))
        times.append(time.perf_counter() - start)
    assert all(f.relation or f.problems for f in facts)
    assert not [f.problems for f in facts if any(p.startswith("internal error") for p in f.problems)]
    assert all(f.parsed == (not f.problems) for f in facts)
    share = sum(f.parsed for f in facts) / len(facts)
    print(f"\narXiv sample: {sum(f.parsed for f in facts)}/{len(facts)} = {share:.1%} fully parsed, "
          f"median {statistics.median(times) * 1000:.2f} ms per equation")
    assert share >= 0.8  # measured 357/424 = 84.2%
    assert sum(f.relation is not None for f in facts) / len(facts) >= 0.9


def test_subexpressions_split_sides_then_terms_and_end():
    assert subexpressions(r"H(X) = -\sum_i p(x_i) \log p(x_i)") == ["H(X)", r"-\sum_i p(x_i) \log p(x_i)"]
    assert subexpressions("E = m c^2") == ["m c^2"]  # a lone symbol is not worth a sub-agent
    assert subexpressions(r"x^2 + \left(a + b\right) - c^2") == ["x^2", r"\left(a + b\right)", "- c^2"]
    assert subexpressions("m c^2") == subexpressions("b + c") == subexpressions("}") == subexpressions("") == []
