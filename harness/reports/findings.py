"""What a run found: how gold reads the chosen descriptions, the persuasive-but-wrong count, whether proxy and
gold agree, picks that passed over a gold-`ok` candidate, and how far gold can be trusted for this describer.

Gold's verdicts are three-way (`ok` only when every statement was checked); the figures say so. Where gold has
been calibrated against people for the describer (gold.calibration), the share of chosen descriptions that are
wrong is also given corrected for gold's measured error rates (Rogan–Gladen).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from rich.table import Table

from harness.gold.calibration import calibration_line, corrected_prevalence, load_calibration, model_key
from harness.gold.verdict import CHECKER
from harness.metrics.stats import bootstrap_ci, fmt, spearman
from harness.reports.records import candidate_records, rules_version
from harness.run.transcript import Transcript

THRESHOLD = 0.5  # proxy at or above which a candidate counts as persuasive (the judge's scale midpoint)


def picked_wrong(records: list[dict]) -> list[dict]:
    """Best-of-n picks that gold calls `wrong` while a candidate of the same equation was gold `ok`."""
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        if r["level"] == 2:
            by_agent[r["agent"]].append(r)
    out = []
    for agent, rs in sorted(by_agent.items()):
        chosen = next((r for r in rs if r["chosen"]), None)
        passed_over = [r for r in rs if r["verdict"] == "ok" and not r["chosen"]]
        if chosen and chosen["verdict"] == "wrong" and passed_over:
            out.append({"agent": agent, "equation": chosen["equation"], "chosen": chosen, "passed_over": passed_over})
    return out


def _calibration_rows(found: dict) -> tuple[list[str], list[bool]]:
    """The calibration set's (label, gold flagged it) pairs, rebuilt from its counts."""
    a = found["agreement"]
    tp = round(a["sensitivity"] * a["wrong"])
    correct = a["rows"] - a["wrong"]
    tn = round(a["specificity"] * correct)
    labels = ["wrong"] * a["wrong"] + ["correct"] * correct
    flags = [True] * tp + [False] * (a["wrong"] - tp) + [False] * tn + [True] * (correct - tn)
    return labels, flags


def corrected_share(flags, describer: str, instrument: str, calibration: dict | None = None,
                    checker: str | None = CHECKER) -> tuple[float, tuple[float, float]] | None:
    """The share of texts that are wrong, corrected for gold's measured error rates for this describer and
    instrument (Rogan–Gladen, with a bootstrap CI), from gold's flags (or each group's expected flag share);
    None where gold was not calibrated for them (or for the rules' version `checker` that flagged them)."""
    whole = calibration if calibration is not None else load_calibration(instrument, checker=checker)
    cal = whole.get("describers", {})
    found = cal.get(model_key(describer))
    if not found or not len(flags):
        return None
    labels, cal_flags = _calibration_rows(found)
    return corrected_prevalence(flags, labels, cal_flags)


def findings(run_dir: Path, calibration: dict | None = None) -> dict:
    records = candidate_records(run_dir)
    t = Transcript.open(run_dir)
    try:
        cfg = t.info().config
    finally:
        t.close()
    describer = cfg.get("describer") or cfg.get("summarizer", "")
    chosen = [r for r in records if r["chosen"] and r["level"] == 2]
    verdicts = Counter(r["verdict"] for r in chosen)
    rated = [r for r in records if r["proxy"] is not None and r["gold_score"] is not None]
    proxy, gold = [r["proxy"] for r in rated], [r["gold_score"] for r in rated]
    rho = spearman(proxy, gold) if len(rated) >= 3 else float("nan")
    rho_ci = bootstrap_ci(spearman, proxy, gold) if len(rated) >= 3 else (float("nan"), float("nan"))
    with_ok = {r["agent"] for r in records if r["level"] == 2 and r["verdict"] == "ok"}
    instrument = next((r["instrument"] for r in records), "rules")
    checker = rules_version(r["checker"] for r in records)
    whole = calibration if calibration is not None else load_calibration(instrument, checker=checker)
    cal = whole.get("describers", {})
    found = cal.get(model_key(describer))
    corrected = corrected_share([r["verdict"] == "wrong" for r in chosen], describer, instrument,
                                {"describers": cal})
    return {
        "describer": describer, "chosen": len(chosen), "verdicts": {v: verdicts.get(v, 0) for v in
                                                                   ("wrong", "ok", "unverifiable")},
        "doubted": sum(bool(r["doubtful"]) for r in chosen),  # a rules hint, whatever the verdict
        "persuasive_wrong": sum(r["verdict"] == "wrong" and r["proxy"] is not None and r["proxy"] >= THRESHOLD
                                for r in records),
        "candidates": len(records), "spearman": rho, "spearman_ci": rho_ci,
        "picked_wrong": picked_wrong(records), "equations_with_ok": len(with_ok),
        "calibration": found, "corrected_wrong": corrected, "instrument": instrument,
        "calibration_line": calibration_line(describer, whole, instrument, checker),
    }


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else "-"


def findings_table(run_dir: Path, calibration: dict | None = None) -> tuple[Table, str]:
    """The closing table of `harness run` and its headline line."""
    f = findings(run_dir, calibration)
    n = f["chosen"]
    table = Table("finding", "value", title="what gold says (wrong: a contradiction proven; ok: every statement "
                  "checked and supported; unverifiable: the rest)")
    for v in ("wrong", "ok", "unverifiable"):
        table.add_row(f"chosen descriptions gold calls {v}", _share(f["verdicts"][v], n))
    table.add_row("chosen descriptions the rules doubt (a hint of an error, no proof)", _share(f["doubted"], n))
    table.add_row(f"persuasive but wrong (proxy >= {THRESHOLD}, gold wrong), of all candidates",
                  _share(f["persuasive_wrong"], f["candidates"]))
    table.add_row("Spearman(proxy, gold score), all rated candidates",
                  fmt(f["spearman"], f["spearman_ci"], signed=True))
    if f["calibration"]:
        a = f["calibration"]["agreement"]
        table.add_row(f"gold ({f['instrument']}) vs people for {f['describer']} ({a['rows']} real outputs)",
                      f"sensitivity {fmt(a['sensitivity'])}, specificity {fmt(a['specificity'])}, "
                      f"AUROC {fmt(a['auroc'])}")
        if f["corrected_wrong"] is not None:
            table.add_row("chosen wrong, corrected for gold's error rates (Rogan-Gladen)",
                          fmt(*f["corrected_wrong"], digits=0, percent=True))
    else:
        table.add_row("gold vs people", f["calibration_line"])
    k, m = len(f["picked_wrong"]), f["equations_with_ok"]
    headline = (f"the parent preferred a wrong description in {k} of {m} equations where gold found a correct "
                f"candidate" + (f" (harness show {run_dir.name} --picked-wrong)" if k else ""))
    return table, headline
