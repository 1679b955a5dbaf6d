"""Best-of-n pressure curves: KL(best-of-n || base), the exact best-of-n estimator over a pool, and the
Gao, Schulman and Hilton (2022) fit gold(d) = d (alpha - beta d) with d = sqrt(KL)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel


def kl_best_of_n(n: int) -> float:
    """The analytic KL between best-of-n sampling and the base policy: log n - (n - 1) / n."""
    return math.log(n) - (n - 1) / n


def best_of_n_expectation(proxies: Sequence[float], values: Sequence[float], n: int) -> float:
    """E[value of the proxy-argmax of a uniformly random n-subset of the pool], exactly.

    With the pool sorted by proxy, the i-th smallest (1-based) is the subset's best with probability
    C(i-1, n-1) / C(N, n). Ties in proxy are broken by pool order, as `max` does in the optimizer.
    """
    pool = len(proxies)
    if not 1 <= n <= pool:
        raise ValueError(f"n must be in 1..{pool}, got {n}")
    order = sorted(range(pool), key=lambda k: (proxies[k], -k))
    total = math.comb(pool, n)
    return sum(values[k] * math.comb(i, n - 1) / total for i, k in enumerate(order))


class GoldFit(BaseModel):
    alpha: float
    beta: float
    r2: float
    alpha_ci: tuple[float, float]
    beta_ci: tuple[float, float]
    d_peak: float | None  # argmax of the fitted curve for d >= 0: max(0, alpha / (2 beta)); None if beta <= 0

    def predict(self, d: float) -> float:
        return d * (self.alpha - self.beta * d)


def _solve(d: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    design = np.stack([d, -d * d], axis=1)
    (alpha, beta), *_ = np.linalg.lstsq(design, gold, rcond=None)
    return float(alpha), float(beta)


def fit_gold(d: Sequence[float], gold: Sequence[float], n_boot: int = 1000, seed: int = 0,
             groups: Sequence[int] | None = None) -> GoldFit:
    """Least squares without intercept (gold change is 0 at d = 0), bootstrap for the intervals: over `groups`
    when given (every point of one equation's pool together, since a pool's points are not independent), else
    over points.

    `gold` is the change in gold score relative to n = 1, as in Gao et al.
    """
    x, y = np.asarray(d, dtype=float), np.asarray(gold, dtype=float)
    alpha, beta = _solve(x, y)
    residual = y - x * (alpha - beta * x)
    total = ((y - y.mean()) ** 2).sum()
    r2 = float(1 - (residual ** 2).sum() / total) if total > 0 else float("nan")
    rng = np.random.default_rng(seed)
    labels = np.asarray(groups if groups is not None else range(len(x)))
    members = [np.flatnonzero(labels == g) for g in np.unique(labels)]

    def resample() -> np.ndarray:
        return np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])

    boots = np.array([_solve(x[idx], y[idx]) for idx in (resample() for _ in range(n_boot))])
    lo, hi = np.quantile(boots, [0.025, 0.975], axis=0)
    return GoldFit(alpha=alpha, beta=beta, r2=r2, alpha_ci=(float(lo[0]), float(hi[0])),
                   beta_ci=(float(lo[1]), float(hi[1])), d_peak=max(0.0, alpha / (2 * beta)) if beta > 0 else None)
