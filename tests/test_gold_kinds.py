"""Gold checks by claim kind: symbol meanings, invented terms, operations, exponents and signs, relations, dependencies
and names, each supported and contradicted (and left unverifiable where the equation cannot decide). The equations and
sentences are written for these tests; none is taken from a labeled set (tests/test_gold_vocabulary.py guards the
checker against that; the labeled sets measure it)."""

import pytest

from harness.gold import meanings
from harness.gold.verdict import check


@pytest.fixture(autouse=True)
def no_embeddings(monkeypatch):
    monkeypatch.setattr(meanings, "embedder", lambda: None)
    monkeypatch.setattr(meanings, "VECTORS", {})


def _eq(latex: str, name: str, **glossary: str) -> dict:
    """An equation with its glossary ('__x' names the macro \\x)."""
    return {"latex": latex, "name": name, "glossary": {k.replace("__", "\\"): v for k, v in glossary.items()}}


PRESSURE = _eq(r"p = \frac{F}{A}", "Definition of pressure", p="the pressure on the surface", F="the normal force",
               A="the area of the surface")
SPRING = _eq(r"U = \frac{1}{2} k x^{2}", "Elastic potential energy of a spring", U="the energy stored in the spring",
             k="the stiffness of the spring", x="the extension of the spring")
INTENSITY = _eq(r"I = \frac{P}{4 \pi r^{2}}", "Inverse-square law of intensity", I="the intensity of the radiation",
                P="the power of the source", r="the distance from the source")
DISCHARGE = _eq(r"q = Q_{0} e^{-t / (R C)}", "Capacitor discharge", q="the charge left on the capacitor",
                Q_0="the initial charge", t="the time since the switch closed", R="the resistance",
                C="the capacitance")
KAPPA = _eq(r"\kappa = \frac{p_{o} - p_{e}}{1 - p_{e}}", "Cohen's kappa", __kappa="the agreement beyond chance",
            p_o="the observed share of agreement", p_e="the share of agreement expected by chance")
SERIES = _eq(r"R = R_{1} + R_{2}", "Resistors in series", R="the total resistance",
             R_1="the resistance of the first resistor", R_2="the resistance of the second resistor")
COST = _eq(r"C = F + V", "Total cost", C="the total cost", F="the fixed cost", V="the variable cost")
RELATIVE = _eq(r"\delta = \frac{a - b}{b}", "Relative error", __delta="the relative error", a="the measured value",
               b="the true value")
TRAVEL = _eq(r"\bar{v} = \frac{x_{f} - x_{i}}{t_{f} - t_{i}}", "Average velocity",
             **{"__bar{v}": "the average velocity"}, x_f="the final position", x_i="the initial position",
             t_f="the final time", t_i="the initial time")
WEBER = _eq(r"S = k \ln \frac{I}{I_{0}}", "Weber-Fechner law", S="the perceived sensation",
            k="a constant of the sense organ", I="the stimulus intensity", I_0="the threshold intensity")
OSCILLATOR = _eq(r"\frac{d^{2} x}{d t^{2}} = -\omega^{2} x", "Simple harmonic motion", x="the displacement",
                 t="the time", __omega="the angular frequency")
SMALL_ANGLE = _eq(r"\sin\theta \approx \theta", "Small-angle approximation", __theta="the angle in radians")
CHERNOFF = _eq(r"P(X \ge a) \le e^{-t a} \mathbb{E}[e^{t X}]", "Chernoff bound", X="a random variable",
               a="the threshold", t="a positive parameter")
SINE_BOUND = _eq(r"\sin x < x", "Sine bound", x="a positive real number")
ZIPF = _eq(r"f \propto \frac{1}{r^{s}}", "Zipf's law", f="the frequency of a word", r="the rank of the word",
           s="the exponent of the law")
MELTING = _eq(r"Q = m c \Delta T + m L", "Heat to warm and melt a solid", Q="the heat absorbed",
              m="the mass of the solid", c="the specific heat of the solid", __Delta="the rise in temperature",
              T="the temperature", L="the latent heat of fusion")
PORTFOLIO = _eq(r"V = B + S", "Portfolio value", V="the value of the portfolio", B="the value of the bond holding",
                S="the value of the stock holding")
TOTAL_MASS = _eq(r"M = \sum_{i} m_{i}", "Total mass", M="the total mass", m_i="the mass of the i-th part")
MAGNETIC_GAUSS = _eq(r"\nabla \cdot \mathbf{B} = 0", "Gauss's law for magnetism", B="the magnetic field")
SURPRISAL = _eq(r"I = -\log_{2} p", "Self-information", I="the information content in bits",
                p="the probability of the outcome")
LINEAR_APPROX = _eq(r"g(x) = g(a) + g'(a) (x - a) + O((x - a)^{2})", "Linear approximation with remainder",
                    g="a smooth function", a="the expansion point", x="the point of evaluation")
STANDARD_NORMAL = _eq(r"\varphi(z) = \frac{1}{\sqrt{2 \pi}} e^{-z^{2} / 2}", "Standard normal density",
                      __varphi="the density at z", z="the standard score")


def case(eq: dict, text: str, kind: str, expected: set[str], verdict: str, fails: str = ""):
    """One row: the statuses of the claims of one kind and the verdict; `fails` says why the checker cannot yet."""
    marks = [pytest.mark.xfail(reason=fails, strict=True)] if fails else []
    return pytest.param(eq, text, kind, expected, verdict, marks=marks, id=f"{kind}: {text[:60]}")


SYMBOL_MEANINGS = [
    case(PRESSURE, "Here F is the normal force and A is the area of the surface.", "symbol", {"supported"}, "ok"),
    case(PRESSURE, "Here A is the normal force.", "symbol", {"doubtful"}, "unverifiable"),  # another symbol's meaning
    case(PRESSURE, "The symbol A denotes the area of the surface.", "symbol", {"supported"}, "ok"),
    case(PRESSURE, "The symbol F stands for the area of the surface.", "symbol", {"doubtful"}, "unverifiable"),
    case(SPRING, "The stiffness of the spring, k, multiplies half the extension squared.", "symbol", {"supported"},
         "ok"),
    case(SPRING, "Here x measures the energy stored in the spring.", "symbol", {"doubtful"}, "unverifiable"),
    case(SERIES, "It adds R_1 and R_2, which are the resistances of the two resistors.", "symbol", {"supported"},
         "ok"),
    case(SERIES, "It adds R_1 and R_2, which are the currents through the two resistors.", "symbol",
         {"doubtful"}, "unverifiable"),  # a current is never a resistance: kinds of quantity
    case(TRAVEL, "Here $x_f$ is the ending position.", "symbol", {"supported"}, "ok"),  # a synonym of 'final'
    case(TRAVEL, "Here $x_f$ is the starting position.", "symbol", {"doubtful"}, "unverifiable"),  # its antonym
    case(TRAVEL, "Here $t_i$ is the initial position.", "symbol", {"doubtful"}, "unverifiable"),  # a same-letter rival
    case(PRESSURE, "Here q is the charge on the surface.", "symbol", {"contradicted"}, "wrong"),  # no such symbol
    case(_eq("y = a x", "Line through the origin"), "Here a is the slope.", "symbol", {"unverifiable"},
         "unverifiable"),  # no glossary to compare with
    case(PORTFOLIO, "Here B is the value of the bond holding.", "symbol", {"supported"}, "ok"),
    case(PORTFOLIO, "Here B is the value of the stock.", "symbol", {"doubtful"}, "unverifiable"),  # one word swapped
]

INVENTED_TERMS = [
    case(PRESSURE, "The pressure is the normal force over the area, plus a friction term.", "symbol",
         {"contradicted"}, "wrong"),
    case(SPRING, "The energy is half k x squared, scaled by a damping factor $\\beta$.", "symbol", {"contradicted"},
         "wrong"),
    case(SPRING, "The energy is half the extension squared, scaled by a constant k.", "symbol", {"supported"}, "ok"),
    case(MELTING, "It is the warming heat plus the term $m L$.", "symbol", {"supported"}, "ok"),
    case(MELTING, "It is the warming heat plus a cross term $c L$.", "symbol", {"unverifiable", "contradicted"},
         "wrong"),  # no term of the equation has just c and L
    case(INTENSITY, "The power P is scaled by a factor $\\frac{1}{4\\pi}$.", "symbol", {"supported"}, "ok"),
    case(INTENSITY, "The power P is multiplied by a factor of $1/c^2$.", "symbol", {"contradicted"}, "wrong"),
]

OPERATIONS = [
    case(WEBER, "It takes the natural logarithm of I over I_0.", "operation", {"supported"}, "ok"),
    # no root (a hint), and I_0 sits inside the logarithm, which the text does not name (a contradiction)
    case(WEBER, "It takes the square root of I over I_0.", "operation", {"contradicted", "doubtful"}, "wrong"),
    case(WEBER, "It takes the base-10 logarithm of I over I_0.", "operation", {"supported", "doubtful"},
         "unverifiable"),
    case(DISCHARGE, "The charge decays exponentially from Q_0.", "operation", {"supported"}, "ok"),
    case(DISCHARGE, "The charge grows exponentially from Q_0.", "operation", {"contradicted"}, "wrong"),
    case(PRESSURE, "It is the normal force divided by the area A.", "operation", {"supported"}, "ok"),
    case(PRESSURE, "It is the normal force multiplied by the area A.", "operation", {"supported", "contradicted"},
         "wrong"),  # A is only below the fraction line
    case(COST, "The total cost is the sum of F and V.", "operation", {"supported"}, "ok"),
    case(COST, "The total cost is the product of F and V.", "operation", {"contradicted", "doubtful"}, "wrong"),
    case(SERIES, "The total is the sum of R_1 and R_2.", "operation", {"supported"}, "ok",
         fails="the layout compares symbols by their base letter, and R_1 and R_2 share one"),
    case(INTENSITY, "It is the ratio of P to the area of a sphere of radius r.", "operation", {"supported"}, "ok"),
    case(RELATIVE, "It computes (a - b)/b.", "operation", {"supported"}, "ok"),
    case(RELATIVE, "It computes (a + b)/b.", "operation", {"contradicted"}, "wrong"),  # a sign flipped
    case(RELATIVE, "It computes b/(a - b).", "operation", {"contradicted"}, "wrong"),  # upside down
    case(KAPPA, "It computes (p_o + p_e)/(1 - p_e).", "operation", {"contradicted"}, "wrong",
         fails="written maths is compared by base letter, and p_o and p_e share one"),
    case(OSCILLATOR, "The second derivative of x is proportional to x.", "operation", {"supported"}, "ok"),
    case(OSCILLATOR, "The third derivative of x is proportional to x.", "operation", {"supported", "contradicted"},
         "wrong"),
    case(PRESSURE, "It involves a logarithm of the force.", "operation", {"doubtful"}, "unverifiable"),
    case(TOTAL_MASS, "It adds up the masses $m_i$ of the parts.", "operation", {"supported"}, "ok"),
    case(TOTAL_MASS, "It is the product of all masses $m_i$ of the parts.", "operation", {"supported", "contradicted"},
         "wrong"),  # a product over the family where the equation sums it
    case(MAGNETIC_GAUSS, "It says the divergence of B vanishes.", "operation", {"supported"}, "ok"),
    case(MAGNETIC_GAUSS, "It says the curl of B vanishes.", "operation", {"doubtful"}, "unverifiable"),
    case(SURPRISAL, "It is minus the base-2 logarithm of p.", "operation", {"supported"}, "ok"),
    case(SURPRISAL, "It is minus the natural logarithm of p.", "operation", {"supported", "doubtful"}, "unverifiable"),
    case(PRESSURE, "The pressure is F divided by A; rearranging for A gives a square root of F over p.", "operation",
         {"supported"}, "ok"),  # a derivation from the equation says nothing against it
    case(PRESSURE, "It is F divided by A.", "operation", {"supported"}, "ok"),  # a letter starts no name
]

EXPONENTS_AND_SIGNS = [
    case(SPRING, "The energy grows with the extension x squared.", "operation", {"supported"}, "ok"),
    case(SPRING, "The energy is half k times x cubed.", "operation", {"contradicted"}, "wrong"),
    case(SPRING, "The energy is half k times the square of x.", "operation", {"supported"}, "ok"),
    case(INTENSITY, "The power is divided by the square of r.", "operation", {"supported"}, "ok"),
    case(INTENSITY, "The power is divided by r.", "operation", {"supported", "contradicted"}, "wrong"),
    case(OSCILLATOR, "On the right, x enters with a minus sign.", "operation", {"supported"}, "ok"),
    case(OSCILLATOR, "On the right, x enters with a plus sign.", "operation", {"contradicted"}, "wrong"),
    case(KAPPA, "In the numerator $p_e$ is subtracted.", "operation", {"supported"}, "ok"),
    case(SERIES, "The second resistance $R_2$ is subtracted.", "operation", {"contradicted"}, "wrong"),
]

RELATIONS = [
    case(SMALL_ANGLE, "The sine of theta is approximately equal to theta.", "relation", {"supported"}, "ok"),
    case(SMALL_ANGLE, "For small angles sin theta is exactly equal to theta.", "relation",
         {"contradicted", "unverifiable"}, "wrong"),
    case(SMALL_ANGLE, "The sine of theta equals exactly theta.", "relation", {"contradicted"}, "wrong"),
    case(CHERNOFF, "The tail probability is at most $e^{-t a} \\mathbb{E}[e^{t X}]$.", "relation", {"supported"},
         "ok"),
    case(CHERNOFF, "The tail probability is at least $e^{-t a} \\mathbb{E}[e^{t X}]$.", "relation",
         {"contradicted"}, "wrong"),
    case(CHERNOFF, "The tail probability is at least e^{-ta} times the moment generating function.", "relation",
         {"contradicted"}, "wrong", fails="a relation anywhere in the LaTeX counts: P(X >= a) has >="),
    case(SINE_BOUND, "The sine of x is strictly less than x.", "relation", {"supported"}, "ok"),
    case(SINE_BOUND, "The sine of x is at most x.", "relation", {"contradicted"}, "wrong"),  # equality never holds
    case(PRESSURE, "The pressure p is at most F over A.", "relation", {"contradicted"}, "wrong"),  # an equality
    case(PRESSURE, "The pressure p is only an approximation of F over A.", "relation", {"contradicted"}, "wrong"),
    case(PRESSURE, "The pressure is proportional to the normal force F.", "relation", {"supported"}, "ok"),
    case(PRESSURE, "The pressure is inversely proportional to the normal force F.", "relation", {"contradicted"},
         "wrong"),
    case(PRESSURE, "The pressure is inversely proportional to the area A.", "relation", {"supported"}, "ok"),
    case(INTENSITY, "The intensity is inversely proportional to the square of r.", "relation",
         {"supported"}, "ok"),
    case(INTENSITY, "The intensity is inversely proportional to r.", "relation", {"contradicted"},
         "wrong"),
    case(ZIPF, "The frequency f is proportional to one over r to the power s.", "relation", {"supported"}, "ok"),
    case(ZIPF, "The frequency f equals one over r to the power s.", "relation", {"contradicted"}, "wrong"),
    case(LINEAR_APPROX, "The value g(x) is exactly g(a) plus the slope times the step.", "relation", {"contradicted"},
         "wrong"),  # an O(.) remainder makes it no exact equality
    case(MELTING, "The melting part is proportional to the latent heat L.", "relation", {"unverifiable"}, "ok"),
    # one term of the sum is; the meaning of L carries the sentence
    case(MELTING, "The heat Q is proportional to the latent heat L.", "relation", {"contradicted"}, "wrong"),
]

DEPENDENCIES = [
    case(INTENSITY, "The intensity depends on the power P and the distance r.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "The intensity depends on the frequency $\\nu$.", "dependency", {"contradicted"}, "wrong"),
    case(INTENSITY, "The intensity is independent of the distance r.", "dependency", {"contradicted"}, "wrong"),
    case(INTENSITY, "The intensity falls with the distance r.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "The intensity grows with the distance r.", "dependency", {"contradicted"}, "wrong"),
    case(INTENSITY, "The intensity grows with the power P.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "The larger the distance r, the weaker the intensity.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "The larger the distance r, the stronger the intensity.", "dependency", {"contradicted"},
         "wrong"),
    case(INTENSITY, "It becomes smaller as the distance r increases.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "It becomes larger as the distance r increases.", "dependency", {"contradicted"}, "wrong"),
    case(INTENSITY, "Double the distance r and the intensity falls to a quarter.", "dependency", {"supported"}, "ok"),
    case(INTENSITY, "Double the distance r and the intensity halves.", "dependency", {"contradicted"}, "wrong"),
    case(SPRING, "Doubling the extension x quadruples the energy.", "dependency", {"supported"}, "ok"),
    case(SPRING, "Doubling the extension x doubles the energy.", "dependency", {"contradicted"}, "wrong"),
    case(SPRING, "The energy is linear in the stiffness k.", "dependency", {"supported"}, "ok"),
    case(SPRING, "The energy is linear in the extension x.", "dependency", {"contradicted"}, "wrong"),
    case(PRESSURE, "The pressure depends only on the force F and the area A.", "dependency", {"supported"}, "ok"),
    case(PRESSURE, "The pressure depends only on the force F.", "dependency", {"contradicted"}, "wrong"),
    case(PRESSURE, "The force is divided by the area, and the area does not enter.", "dependency",
         {"contradicted"}, "wrong"),
    case(PRESSURE, "A larger area A makes the pressure smaller.", "dependency", {"supported"}, "ok"),
    case(PRESSURE, "A larger area A makes the pressure larger.", "dependency", {"contradicted"}, "wrong"),
]

NAMES = [
    case(ZIPF, "This is Zipf's law.", "name", {"supported"}, "ok"),
    case(ZIPF, "This is Benford's law.", "name", {"doubtful"}, "unverifiable"),
    case(WEBER, "Known as the Weber-Fechner law, it ties sensation to the logarithm of intensity.", "name",
         {"supported"}, "ok"),
    case(WEBER, "Known as Stevens' power law, it ties sensation to a power of intensity.", "name",
         {"doubtful"}, "unverifiable"),
    case(STANDARD_NORMAL, "It is called the standard Gaussian density.", "name", {"supported"}, "ok"),  # an alias
    case(INTENSITY, "The inverse-square law says the intensity falls with r.", "name", {"supported"}, "ok"),
    case(INTENSITY, "The inverse-cube law says the intensity falls with r.", "name", {"doubtful"}, "unverifiable"),
    case(ZIPF, "George Zipf's law says the frequency f falls with the rank r.", "name", {"supported"}, "ok"),
    case(PRESSURE, "This is a famous formula.", "name", set(), "unverifiable"),  # no name in it
    case(PRESSURE, "The pressure p equals F divided by A, unlike Pascal's principle.", "name", set(), "ok"),  # cited
    case(PRESSURE, "This is Pascal's principle: p equals F divided by A.", "name", {"doubtful"}, "unverifiable"),
    case(ZIPF, "Zipf's law says f falls with r. Benford's law is about leading digits.", "name",
         {"supported", "unverifiable"}, "unverifiable",  # a later name cites; its sentence carries no checked claim
         fails="a sentence counts as checked when it holds most words of a supported claim: both have 's law'"),
]


@pytest.mark.parametrize(
    ("eq", "text", "kind", "expected", "verdict"),
    SYMBOL_MEANINGS + INVENTED_TERMS + OPERATIONS + EXPONENTS_AND_SIGNS + RELATIONS + DEPENDENCIES + NAMES,
)
def test_claims_by_kind(eq, text, kind, expected, verdict):
    result = check(text, **eq)
    assert {c.status for c in result.claims if c.kind == kind} == expected, result.claims
    assert result.verdict == verdict, result.claims
