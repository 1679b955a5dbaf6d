"""Per-run results read back from a transcript (evals only read; they never write to a run)."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from harness.transcript import Transcript


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
        table.add_row(r["paper"], str(r.get("equations", "-")), f"{r.get('rougeL', 0):.3f}", proxy)
    scored = [r for r in rows if not r["error"] and "rougeL" in r]
    if scored:
        proxies = [r["mean_proxy"] for r in scored if r.get("mean_proxy") is not None]
        table.add_section()
        table.add_row("mean", "", f"{sum(r['rougeL'] for r in scored) / len(scored):.3f}",
                      f"{sum(proxies) / len(proxies):.3f}" if proxies else "-")
    return table
