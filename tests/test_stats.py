"""Detection statistics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from harness.metrics import load_metric
from harness.metrics.stats import auroc, bootstrap_ci, fmt, precision_recall


def test_auroc_by_hand():
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4
    assert auroc([0.9, 0.4, 0.5, 0.1], [1, 1, 0, 0]) == pytest.approx(0.75)
    assert auroc([0.5, 0.5], [1, 0]) == pytest.approx(0.5)  # a tie counts one half
    assert auroc([0.1, 0.9], [1, 0]) == 0.0
    assert math.isnan(auroc([0.3, 0.4], [1, 1]))


def test_precision_recall_by_hand():
    # flagged at 0.5: 0.9 (wrong), 0.5 (correct) -> precision 1/2; wrong: 0.9, 0.4 -> recall 1/2
    assert precision_recall([0.9, 0.4, 0.5, 0.1], [1, 1, 0, 0], 0.5) == (0.5, 0.5)
    p, r = precision_recall([0.1, 0.2], [1, 0], 0.5)
    assert math.isnan(p) and r == 0.0


def test_evaluate_module_matches_the_functions():
    scores, labels = [0.9, 0.4, 0.5, 0.1, 0.7], [1, 1, 0, 0, 1]
    out = load_metric("detection").compute(predictions=scores, references=labels, threshold=0.5)
    assert out["auroc"] == pytest.approx(auroc(scores, labels))
    assert (out["precision"], out["recall"]) == pytest.approx(precision_recall(scores, labels, 0.5))


def test_bootstrap_interval_brackets_the_estimate_and_is_seeded():
    scores = [0.9, 0.8, 0.35, 0.6, 0.2, 0.3, 0.1, 0.4] * 5
    labels = [1, 1, 1, 1, 0, 0, 0, 0] * 5
    lo, hi = bootstrap_ci(auroc, scores, labels, n_boot=300, seed=1)
    assert lo <= auroc(scores, labels) <= hi and hi - lo > 0
    assert bootstrap_ci(auroc, scores, labels, n_boot=300, seed=1) == (lo, hi)
    assert load_metric("rouge").compute(predictions=["a b c"], references=["a b c"])["rougeL"] == 1.0


def test_bootstrap_keeps_float_partners_for_correlations():
    from harness.sweeps.analysis import spearman

    x = [0.1, 0.4, 0.2, 0.8, 0.5, 0.9, 0.3, 0.7]
    y = [0.15, 0.35, 0.3, 0.75, 0.4, 0.95, 0.2, 0.8]  # same order as x except one swap
    lo, hi = bootstrap_ci(spearman, x, y, n_boot=200)
    assert not math.isnan(lo) and lo <= spearman(x, y) <= hi and spearman(x, y) > 0.9


def test_one_number_format():
    assert fmt(0.5) == "0.50" and fmt(0.71, (0.64, 0.78)) == "0.71 [0.64, 0.78]"
    assert fmt(0.71234, [0.6, 0.8], 3) == "0.712 [0.600, 0.800]"
    assert fmt(-0.14, (-0.37, 0.12), signed=True) == "-0.14 [-0.37, +0.12]"
    assert fmt(0.25, (0.1, 0.4), digits=0, percent=True) == "25% [10%, 40%]"
    # No value is "n/a", never "nan" and never a "-" that could read as a sign.
    assert fmt(None) == fmt(float("nan")) == fmt(float("nan"), (0.1, 0.2)) == "n/a"
    assert fmt(0.5, (float("nan"), float("nan"))) == "0.50 [n/a, n/a]"
