"""Per-run results read back from a transcript (evals only read; they never write to a run)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from harness.gold.calibration import calibration_line
from harness.gold.verdict import CHECKER
from harness.run.transcript import Event, Transcript


def paper_results(run_dir: Path) -> list[dict]:
    t = Transcript.open(run_dir)
    try:
        done = {e.agent_id: e.payload for e in t.events(kind="paper_done")}
        errors = {e.agent_id: e.payload["message"] for e in t.events(kind="error")}
        papers = [a.paper_id for a in t.agents() if a.role == "summarizer"]
    finally:
        t.close()
    return [{"paper": p, **done.get(p, {}), "error": errors.get(p)} for p in papers]


def results_table(run_dir: Path) -> Table:
    table = Table("paper", "equations", "ROUGE-L", "mean proxy (chosen)", title=f"run {run_dir.name}")
    rows = paper_results(run_dir)
    for r in rows:
        if r["error"]:
            table.add_row(r["paper"], "-", "-", f"[red]error: {escape(r['error'])}[/]")
            continue
        proxy = "-" if r.get("mean_proxy") is None else f"{r['mean_proxy']:.3f}"
        rouge_l = "-" if r.get("rougeL") is None else f"{r['rougeL']:.3f}"
        table.add_row(r["paper"], str(r.get("equations", "-")), rouge_l, proxy)
    scored = [r for r in rows if not r["error"] and r.get("rougeL") is not None]
    if scored:
        proxies = [r["mean_proxy"] for r in scored if r.get("mean_proxy") is not None]
        table.add_section()
        table.add_row("mean", "", f"{sum(r['rougeL'] for r in scored) / len(scored):.3f}",
                      f"{sum(proxies) / len(proxies):.3f}" if proxies else "-")
    return table


def candidate_records(run_dir: Path) -> list[dict]:
    """One record per rated candidate: where it came from, its proxy score and its gold verdict."""
    t = Transcript.open(run_dir)
    try:
        roots, run_id = t.tree(), t.info().id
    finally:
        t.close()
    records, stack = [], list(roots)
    while stack:
        node = stack.pop()
        stack.extend(node["children"])
        for c in node["candidates"]:
            gold = c.get("gold") or {}
            records.append({
                "run": run_id, "agent": node["id"], "paper": node["paper_id"], "equation": node["equation_id"],
                "level": node["level"], "round": c.get("round", 0),
                "objective": node["objective"], "optimizer": node["optimizer"], "n": len(node["candidates"]),
                "index": c["index"], "chosen": c["chosen"], "proxy": c["proxy"], "verdict": gold.get("verdict"),
                "gold_score": gold.get("gold_score"), "text": c["text"],
                "instrument": gold.get("instrument", "rules"), "checker": gold.get("checker"),
                "contradicted": [cl["claim"] for cl in gold.get("claims", []) if cl["status"] == "contradicted"],
                "doubtful": [cl["claim"] for cl in gold.get("claims", []) if cl["status"] == "doubtful"],
            })
    return sorted(records, key=lambda r: (r["paper"], r["equation"] or "", r["index"]))


def propagation(run_dir: Path) -> tuple[int, int]:
    """(summaries that repeat a contradicted claim of a chosen description, summaries written)."""
    t = Transcript.open(run_dir)
    try:
        events = t.events(kind="propagation")
    finally:
        t.close()
    return sum(bool(e.payload["in_summary"]) for e in events), len(events)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def group_metrics(records: list[dict], threshold: float) -> dict:
    """Headline numbers for one group of candidates (DESIGN.md section 5). Proxy figures count rated candidates
    only: a trusting parent leaves some unrated."""
    wrong = [r for r in records if r["verdict"] == "wrong"]
    chosen = [r for r in records if r["chosen"]]
    return {
        "candidates": len(records),
        "wrong": len(wrong),
        "sophistry_rate": _mean([float(r["proxy"] >= threshold) for r in wrong if r["proxy"] is not None]),
        "chosen": len(chosen),
        "chosen_ok": _mean([float(r["verdict"] == "ok") for r in chosen]),
        "chosen_wrong": _mean([float(r["verdict"] == "wrong") for r in chosen]),
        "proxy_chosen": _mean([r["proxy"] for r in chosen if r["proxy"] is not None]),
        "gold_chosen": _mean([r["gold_score"] for r in chosen if r["gold_score"] is not None]),
    }


def role_spec(models: Event | None, config: dict, role: str) -> str | None:
    """The model spec a run used in one role: its `models` event when it has one, else its config (a role left
    unset there is the summarizer's)."""
    found = ((models.payload.get(role) or {}).get("spec") if models else None) or config.get(role)
    return found or config.get("summarizer")


def rules_version(versions: Iterable[str | None]) -> str | None:
    """The one version of the rules behind a run's gold verdicts: None if they name none, "several: A, B" if they
    name several (a run resumed or merged across a change); neither matches a calibration. A run without
    verdicts has nothing to mismatch: today's version."""
    found = set(versions)
    if len(found) > 1:
        return "several: " + ", ".join(sorted(v or "none" for v in found))
    return next(iter(found)) if found else CHECKER


def describers(run_dirs: list[Path]) -> list[tuple[str, str, str | None]]:
    """The (describer model spec, gold instrument, rules version) triples of these runs, in first-seen order, as
    their gold events name them (`rules` for runs made before gold had a model layer; see rules_version)."""
    found: list[tuple[str, str, str | None]] = []
    for run_dir in run_dirs:
        t = Transcript.open(run_dir)
        try:
            spec = role_spec(next(iter(t.events(kind="models")), None), t.info().config, "describer") or "unknown"
            golds = [e.payload for e in t.events(kind="gold")]
        finally:
            t.close()
        instrument = golds[0].get("instrument", "rules") if golds else "rules"
        found_here = (spec, instrument, rules_version(g.get("checker") for g in golds))
        if found_here not in found:
            found.append(found_here)
    return found


def gold_reliability(run_dirs: list[Path]) -> list[str]:
    """One line per describer and gold instrument: gold's measured agreement with people for it, or that it is
    not calibrated."""
    return [calibration_line(spec, instrument=instrument, checker=checker)
            for spec, instrument, checker in describers(run_dirs)]
