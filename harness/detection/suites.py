"""Eval suites: declared as TOML files in evals/suites/, scored here, printed as tables with 95% intervals."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from harness.core.declared import declared, load_declared
from harness.core.items import labeled_items
from harness.detection.detectors import build_detectors
from harness.judging.evaluation import make_suite
from harness.judging.judge import Judge
from harness.metrics import load_metric
from harness.metrics.stats import auroc, bootstrap_ci, precision_recall
from harness.models import ModelPool


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    sets: list[str]  # JSONL files of labeled rows, relative to evals/ (or absolute)
    detectors: list[str]
    monitor: str | None = None
    judge: str | None = None
    threshold: float = 0.5
    bootstrap: int = 1000
    seed: int = 0


def available_suites() -> list[str]:
    return declared("suites")


def _suite(**fields) -> BaseModel:
    """A suite file with `kind = "judge"` declares a judge suite (harness.judging.evaluation); any other, detectors."""
    if fields.get("kind") == "judge":
        return make_suite(**fields)
    return Suite(**fields)


def load_suite(ref: str) -> BaseModel:
    """A detector `Suite` or a `JudgeSuite`, by name or .toml path."""
    return load_declared("suites", ref, _suite)  # type: ignore[arg-type]


def run_suite(suite: Suite) -> list[dict]:
    """One row per (set, detector): n, AUROC, precision, recall, each with a bootstrap 95% interval."""
    pool = ModelPool()
    detectors = build_detectors(
        suite.detectors,
        monitor=pool.get(suite.monitor) if suite.monitor else None,
        judge=Judge(pool.get(suite.judge)) if suite.judge else None,
    )
    metric = load_metric("detection")
    stats = {
        "auroc": auroc,
        "precision": lambda s, y: precision_recall(s, y, suite.threshold)[0],
        "recall": lambda s, y: precision_recall(s, y, suite.threshold)[1],
    }
    results = []
    for set_ref in suite.sets:
        items = labeled_items(set_ref)
        labels = [int(i.label == "wrong") for i in items]
        for detector in detectors:
            scores = detector.score(items)
            point = metric.compute(predictions=scores, references=labels, threshold=suite.threshold)
            cis = {k: bootstrap_ci(fn, scores, labels, suite.bootstrap, suite.seed) for k, fn in stats.items()}
            results.append({"set": set_ref, "detector": detector.name, "n": len(items),
                            "wrong": sum(labels), **point, **{f"{k}_ci": v for k, v in cis.items()}})
    return results
