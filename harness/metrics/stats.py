"""The statistics every figure uses: AUROC (rank-based, ties averaged), precision/recall at a threshold, Spearman rank
correlation, bootstrap intervals (of any statistic, and of a mean), and `fmt`, the one way a figure is written."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def auroc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half (Mann-Whitney U)."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def precision_recall(scores: Sequence[float], labels: Sequence[int], threshold: float) -> tuple[float, float]:
    """Flag an output when its suspicion score is >= threshold; precision is nan when nothing is flagged."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    flagged = s >= threshold
    tp = int((flagged & (y == 1)).sum())
    precision = tp / flagged.sum() if flagged.sum() else float("nan")
    recall = tp / (y == 1).sum() if (y == 1).sum() else float("nan")
    return float(precision), float(recall)


def bootstrap_ci(
    stat: Callable[[np.ndarray, np.ndarray], float], scores: Sequence[float], labels: Sequence[int],
    n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
) -> tuple[float, float]:
    """Percentile interval of `stat` over resamples of (score, label) pairs; resamples giving nan are dropped.

    `labels` are passed through as given (0/1 labels, or a second score for a correlation).
    """
    s, y = np.asarray(scores, dtype=float), np.asarray(labels)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(s), len(s))
        v = stat(s[idx], y[idx])
        if not np.isnan(v):
            values.append(v)
    if not values:
        return float("nan"), float("nan")
    return float(np.quantile(values, alpha / 2)), float(np.quantile(values, 1 - alpha / 2))


def mean_ci(values: Sequence[float], n_boot: int = 1000, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """The mean and its bootstrap 95% interval; nan for no values."""
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return float("nan"), (float("nan"), float("nan"))
    return float(v.mean()), bootstrap_ci(lambda s, _: float(s.mean()), v, np.zeros(len(v)), n_boot, seed)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = x.argsort(kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    for value in np.unique(x):  # ties share their average rank
        ranks[x == value] = ranks[x == value].mean()
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rank correlation (ties share their average rank); nan when either side is constant."""
    x, y = _ranks(np.asarray(a, dtype=float)), _ranks(np.asarray(b, dtype=float))
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def fmt(value: float | None, ci: Sequence[float] | None = None, digits: int = 2, signed: bool = False,
        percent: bool = False) -> str:
    """A figure as every report and command writes it: `0.71 [0.64, 0.78]`, the interval when one is given.

    `n/a` where there is no value (None or nan: no data, which a `-` could be misread as a sign or as zero);
    `signed` where the sign is the finding (a correlation, a gap); `percent` writes 0.25 as `25%`.
    """
    def number(x: float | None) -> str:
        if x is None or math.isnan(x):
            return "n/a"
        return f"{x:{'+' if signed else ''}.{digits}{'%' if percent else 'f'}}"

    if ci is None or number(value) == "n/a":
        return number(value)
    return f"{number(value)} [{number(ci[0])}, {number(ci[1])}]"
