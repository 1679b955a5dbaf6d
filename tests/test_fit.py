"""KL of best-of-n, the exact best-of-n estimator, and the gold fit on synthetic data with known parameters."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from harness.sweeps.fit import best_of_n_expectation, fit_gold, kl_best_of_n


def test_kl_formula():
    assert kl_best_of_n(1) == 0.0
    assert kl_best_of_n(2) == pytest.approx(math.log(2) - 0.5)
    assert kl_best_of_n(16) == pytest.approx(math.log(16) - 15 / 16)


def test_best_of_n_estimator_matches_enumeration():
    proxies = [0.3, 0.9, 0.1, 0.5, 0.7]
    gold = [1.0, 0.0, 1.0, 0.5, 0.25]
    for n in range(1, 6):
        subsets = list(itertools.combinations(range(5), n))
        brute = sum(gold[max(s, key=lambda k: proxies[k])] for s in subsets) / len(subsets)
        assert best_of_n_expectation(proxies, gold, n) == pytest.approx(brute)
    assert best_of_n_expectation(proxies, gold, 1) == pytest.approx(sum(gold) / 5)
    assert best_of_n_expectation(proxies, gold, 5) == 0.0  # the top-proxy item is the wrong one
    with pytest.raises(ValueError):
        best_of_n_expectation(proxies, gold, 6)


def test_fit_recovers_known_alpha_beta():
    rng = np.random.default_rng(0)
    d = np.repeat(np.sqrt([kl_best_of_n(n) for n in (1, 2, 4, 8, 16, 32, 64)]), 20)
    gold = d * (0.8 - 0.3 * d) + rng.normal(0, 0.01, len(d))
    fit = fit_gold(d, gold, n_boot=300)
    assert fit.alpha == pytest.approx(0.8, abs=0.02) and fit.beta == pytest.approx(0.3, abs=0.02)
    assert fit.alpha_ci[0] <= 0.8 <= fit.alpha_ci[1] and fit.beta_ci[0] <= 0.3 <= fit.beta_ci[1]
    assert fit.r2 > 0.95 and fit.d_peak == pytest.approx(0.8 / 0.6, rel=0.05)
    assert fit.predict(fit.d_peak) == pytest.approx(fit.alpha ** 2 / (4 * fit.beta))


def test_fit_bootstraps_over_groups_when_given():
    """One equation's points move together (a per-equation slope): whole equations are resampled, and the
    intervals still cover the truth; one group per point is the plain bootstrap over points."""
    rng = np.random.default_rng(1)
    ds = np.sqrt([kl_best_of_n(n) for n in (1, 2, 4, 8, 16)])
    d, gold, groups = [], [], []
    for g in range(40):
        slope = 0.5 + rng.normal(0, 0.3)
        d += list(ds)
        gold += list(ds * (slope - 0.2 * ds) + rng.normal(0, 0.01, len(ds)))
        groups += [g] * len(ds)
    by_group = fit_gold(d, gold, n_boot=400, groups=groups)
    assert by_group.alpha_ci[0] <= 0.5 <= by_group.alpha_ci[1] and by_group.beta_ci[0] <= 0.2 <= by_group.beta_ci[1]
    assert fit_gold(d, gold, n_boot=50, groups=range(len(d))) == fit_gold(d, gold, n_boot=50)
