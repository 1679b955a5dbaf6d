"""Metrics: statistics (bootstrap CI, AUROC, Spearman; stats.py) and `evaluate` modules kept in the repo (ROUGE).
May import: nothing else of harness."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
_compute = threading.Lock()  # an `evaluate` module keeps per-call state: papers running in threads take turns


@cache
def load_metric(name: str):
    import evaluate

    return evaluate.load(str(HERE / f"{name}.py"))


def rouge(prediction: str, reference: str) -> dict[str, float]:
    with _compute:
        return load_metric("rouge").compute(predictions=[prediction], references=[reference])
