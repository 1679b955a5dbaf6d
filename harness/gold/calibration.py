"""How far gold can be trusted: its agreement with human labels of real model output, and prevalence figures
corrected for its measured error rates.

Gold is three-way. `wrong` is a proven contradiction, `ok` a text whose checkable claims were all supported (none
doubtful), `unverifiable` everything else. Against a human label (`correct` | `wrong`), gold *flags* a text when it
says `wrong`: sensitivity is the share of wrong texts flagged, specificity the share of correct texts not flagged.
Coverage is the share of texts given a decided verdict (`ok` or `wrong`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from harness.core.resources import share_dir
from harness.gold.verdict import CHECKER
from harness.metrics.stats import auroc, bootstrap_ci, fmt

CALIBRATION_FILE = "labeled/real/calibration.json"  # under evals/: written by python -m harness.gold.measure


@dataclass
class Agreement:
    rows: int  # labeled correct or wrong
    wrong: int  # of which humans call wrong
    sensitivity: float
    sensitivity_ci: tuple[float, float]
    specificity: float
    specificity_ci: tuple[float, float]
    precision: float  # of gold's `wrong`
    coverage: float  # share given ok or wrong
    auroc: float  # of the suspicion score 1 - gold_score (or the model's P(False)) for wrong vs correct
    auroc_ci: tuple[float, float]


def _share(hits: np.ndarray, n_boot: int, seed: int) -> tuple[float, tuple[float, float]]:
    if len(hits) == 0:
        return float("nan"), (float("nan"), float("nan"))
    ci = bootstrap_ci(lambda s, _: float(s.mean()), hits, np.zeros(len(hits)), n_boot, seed)
    return float(hits.mean()), ci


def agreement(labels: Sequence[str], verdicts: Sequence[str], suspicion: Sequence[float],
              n_boot: int = 1000, seed: int = 0) -> Agreement:
    """Gold against human labels; rows labeled anything but correct/wrong (vacuous) are left out."""
    keep = [i for i, lab in enumerate(labels) if lab in ("correct", "wrong")]
    y = np.array([labels[i] == "wrong" for i in keep], dtype=int)
    flagged = np.array([verdicts[i] == "wrong" for i in keep], dtype=float)
    decided = np.array([verdicts[i] in ("ok", "wrong") for i in keep], dtype=float)
    s = np.array([suspicion[i] for i in keep], dtype=float)
    sens, sens_ci = _share(flagged[y == 1], n_boot, seed)
    spec, spec_ci = _share(1 - flagged[y == 0], n_boot, seed)
    precision = float(y[flagged == 1].mean()) if flagged.sum() else float("nan")
    return Agreement(
        rows=len(keep), wrong=int(y.sum()), sensitivity=sens, sensitivity_ci=sens_ci, specificity=spec,
        specificity_ci=spec_ci, precision=precision, coverage=float(decided.mean()) if len(keep) else float("nan"),
        auroc=auroc(s, y), auroc_ci=bootstrap_ci(auroc, s, y, n_boot, seed),
    )


def rogan_gladen(observed: float, sensitivity: float, specificity: float) -> float:
    """True prevalence from the share a test flags, given its sensitivity and specificity, clipped to [0, 1];
    nan when the test is no better than chance (Se + Sp <= 1)."""
    youden = sensitivity + specificity - 1
    if not youden > 0:
        return float("nan")
    return float(min(1.0, max(0.0, (observed + specificity - 1) / youden)))


def corrected_prevalence(flags: Sequence[bool], cal_labels: Sequence[str], cal_flags: Sequence[bool],
                         n_boot: int = 1000, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """Rogan–Gladen prevalence of wrong texts among `flags` (gold's `wrong` calls on the texts at hand), with a
    bootstrap interval that resamples both those texts and the calibration rows (labels with gold's calls)."""
    f = np.asarray(flags, dtype=float)
    lab = np.array([x == "wrong" for x in cal_labels if x in ("correct", "wrong")], dtype=bool)
    cf = np.array([c for x, c in zip(cal_labels, cal_flags, strict=True) if x in ("correct", "wrong")], dtype=float)

    def estimate(f_: np.ndarray, lab_: np.ndarray, cf_: np.ndarray) -> float:
        if not lab_.any() or lab_.all() or len(f_) == 0:
            return float("nan")
        return rogan_gladen(float(f_.mean()), float(cf_[lab_].mean()), float(1 - cf_[~lab_].mean()))

    value = estimate(f, lab, cf)
    rng, values = np.random.default_rng(seed), []
    for _ in range(n_boot):
        i, j = rng.integers(0, len(f), len(f)), rng.integers(0, len(lab), len(lab))
        v = estimate(f[i], lab[j], cf[j])
        if not np.isnan(v):
            values.append(v)
    ci = (float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))) if values else (np.nan, np.nan)
    return value, ci


def model_key(spec: str) -> str:
    """The model behind a describer spec, so `llamacpp:qwen-1.5b` and `qwen-1.5b` share a calibration."""
    return spec.split(":", 1)[1] if spec.startswith("llamacpp:") else spec


def instrument_key(name: str) -> str:
    """An instrument's name with its model spec reduced to the model (`rules+model:llamacpp:qwen-1.5b:statements`
    and `rules+model:qwen-1.5b:statements` are one instrument); `rules` stays as it is."""
    head, colon, rest = name.partition(":")
    if not colon:
        return name
    spec, _, method = rest.rpartition(":")
    return f"{head}:{model_key(spec)}:{method}"


def load_calibration(instrument: str = "rules", path: Path | None = None, checker: str | None = CHECKER) -> dict:
    """Gold's measured agreement per describer (and `pooled`) for one instrument (`rules`, or the rules with a
    gold model: `rules+model:SPEC:METHOD`), from the real labeled sets: {"describers": {...}, "checker": ...};
    {} if that instrument was not measured. Figures measured with another version of the rules than `checker`
    (the one behind the verdicts at hand; None for verdicts older than versions) do not apply to them: then only
    {"measured_with": VERSION} comes back."""
    path = path or share_dir("evals") / CALIBRATION_FILE
    stored = json.loads(path.read_text()) if path.is_file() else {}
    found = stored.get("instruments", {}).get(instrument_key(instrument), {})
    if found and (checker is None or found.get("checker") != checker):  # no version never matches
        return {"measured_with": found.get("checker")}
    return found


def _version(checker: str | None) -> str:
    return f"the rules of {checker}" if checker else "rules without a version (before 2026-12-07)"


def calibration_line(describer: str, calibration: dict | None = None, instrument: str = "rules",
                     checker: str | None = CHECKER) -> str:
    """One line for a report: gold's measured agreement for this describer, or that there is none."""
    whole = calibration if calibration is not None else load_calibration(instrument, checker=checker)
    if "measured_with" in whole:
        return (f"gold ({instrument}) not calibrated for these verdicts: they come from "
                f"{_version(checker)}, its figures from {_version(whole['measured_with'])} (rerunning the run "
                "gives verdicts they apply to; the call cache keeps the models' answers)")
    found = whole.get("describers", {}).get(model_key(describer))
    if not found:
        return f"gold ({instrument}) not calibrated for describer {describer}"
    a = found["agreement"]
    return (f"gold ({instrument}) calibrated for {describer} on {a['rows']} human-labeled real outputs "
            f"({found['split']}): sensitivity {fmt(a['sensitivity'], a['sensitivity_ci'])}, "
            f"specificity {fmt(a['specificity'], a['specificity_ci'])}, "
            f"AUROC {fmt(a['auroc'], a['auroc_ci'])}, coverage {fmt(a['coverage'])}")


def as_dict(a: Agreement) -> dict:
    return asdict(a)
