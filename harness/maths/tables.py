"""The LaTeX vocabulary gold checking reads, one table per concept: Greek letters (and letter-like symbols) and
operators (macro -> operator) here, relations (macro -> relation -> family) in harness/maths/relations.py, which the
LaTeX loader reads too. The reader (latex.py), the layout questions (layout.py), the symbol spellings of texts
(symbols.py) and the checks all take their words from these."""

from __future__ import annotations


def table(**groups: str) -> dict[str, str]:
    """{value: "name name ..."} -> {name: value}: keeps the macro tables short."""
    return {name: value for value, names in groups.items() for name in names.split()}


# Greek letters by macro name; a text writes the lower-case names as words too ('sigma', 'beta-hat').
GREEK_LOWER = tuple(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu xi omicron pi "
    "varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega".split()
)
GREEK_UPPER = tuple("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())
LETTERLIKE = tuple("ell hbar imath jmath aleph wp Re Im".split())  # macros that read as one symbol, like a letter
GREEK = frozenset(GREEK_LOWER + GREEK_UPPER + LETTERLIKE)

# Operators that equation facts report, and the macros that write them.
OPERATORS = ("sum", "product", "integral", "derivative", "partial_derivative", "gradient", "laplacian", "log", "exp",
             "sqrt", "fraction", "power", "sin", "cos", "tan", "norm", "abs", "expectation", "variance", "probability",
             "conditional", "min", "max", "argmin", "argmax", "limit", "inverse", "transpose", "dot_product",
             "cross_product", "factorial", "binomial", "determinant", "trace", "infimum", "supremum")
OPS = table(sum="sum", product="prod", integral="int iint iiint oint oiint", log="log ln lg", exp="exp", sin="sin",
             cos="cos", tan="tan", min="min", max="max", argmin="argmin", argmax="argmax", limit="lim limsup liminf",
             determinant="det", infimum="inf", supremum="sup", probability="Pr", trace="tr Tr trace",
             variance="Var var", expectation="E", derivative="dv", partial_derivative="pdv", abs="abs", norm="norm",
             binomial="binom dbinom tbinom choose", sqrt="sqrt", fraction="over")
FRACS = frozenset({"frac", "dfrac", "tfrac", "cfrac"})
BIG = frozenset("sum prod coprod int iint iiint oint oiint lim limsup liminf min max sup inf argmin argmax bigcup "
                "bigcap bigoplus bigotimes bigodot biguplus bigvee bigwedge bigsqcup".split())  # take limits
# the big operators a text names in words ('the sum is subtracted'), as the layout questions report them
NAMED_BIG = {"sum": "\\sum", "product": "\\prod", "integral": "\\int"}
