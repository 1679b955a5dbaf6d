"""Transcripts as JSON-ready dicts for the viewer: the runs under a folder with headline metrics, one run's tree with
everything a node shows (prompts as sent, ranked candidates, judge calls, gold claims located in the text, detector
scores, model calls with cache hits, readers' labels), the run's resumes and merge, and a cheap state that live
pages poll. Everything here only reads; a running run is read as it grows. (Labels are written by `server`, through
`Transcript.add_human_label`.)"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from harness.core.items import Item
from harness.core.prompts import Prompt, load_prompt
from harness.detection.detectors import StyleDetector
from harness.reports.records import candidate_records, gold_reliability, group_metrics, paper_results
from harness.run.transcript import DB_NAME, AgentNode, RunInfo, Transcript

DEFAULT_THRESHOLD = 0.5  # persuasive: proxy >= t (the report's first threshold)
MAX_DEPTH = 4  # sweeps keep runs at runs/sweeps/<sweep>/<point>/<run>


def discover(root: Path) -> dict[str, Path]:
    """Run directories under root (or root itself when it is one), keyed by their path relative to root."""
    root = Path(root)
    if (root / DB_NAME).is_file():
        return {root.resolve().name: root}
    found: dict[str, Path] = {}
    for depth in range(1, MAX_DEPTH + 1):
        for db in sorted(root.glob("/".join(["*"] * depth) + "/" + DB_NAME)):
            found[db.parent.relative_to(root).as_posix()] = db.parent
    return found


def clean(value: Any) -> Any:
    """NaN and infinities (means over nothing) as null: JSON has no NaN and the browser's parser rejects it."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def state(run_dir: Path) -> dict[str, Any]:
    """What changes while a run goes: its status and its last event."""
    t = Transcript.open(run_dir)
    try:
        status = t.db.execute("SELECT status FROM run").fetchone()[0]
        last = t.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    finally:
        t.close()
    return {"status": status, "last_seq": last}


def role_models(config: dict[str, Any]) -> dict[str, str]:
    """The model spec per role, with the defaults a run applies (describer and judge fall back to the summarizer),
    and the monitor's when the run has one."""
    models = {
        "summarizer": config["summarizer"],
        "describer": config.get("describer") or config["summarizer"],
        "judge": config.get("judge") or config["summarizer"],
    }
    return models | ({"monitor": config["monitor"]} if config.get("monitor") else {})


def run_header(key: str, info: RunInfo) -> dict[str, Any]:
    """What both the runs list and a run page show first about a run."""
    return {"key": key, "id": info.id, "created": info.created, "finished": info.finished, "status": info.status,
            "config": info.config, "models": role_models(info.config)}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summary(key: str, run_dir: Path, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """One row of the runs list: config, models per role, seed, date and the headline metrics (DESIGN.md 5)."""
    t = Transcript.open(run_dir)
    try:
        info, agents = t.info(), t.agents()
    finally:
        t.close()
    records = candidate_records(run_dir)
    rated = [r for r in records if r["proxy"] is not None]  # a trusting parent leaves some candidates unrated
    metrics = group_metrics(rated, threshold)
    papers = paper_results(run_dir)
    return clean(
        {
            **run_header(key, info),
            "seed": info.config.get("seed"),
            "objective": info.config.get("objective"),
            "optimizer": info.config.get("optimizer"),
            "papers": len(papers),
            "errors": sum(bool(p["error"]) for p in papers),
            "describers": sum(a.role == "describer" for a in agents),
            "candidates": len(records),
            "threshold": threshold,
            "gold_trust": " ".join(gold_reliability([run_dir])),  # gold's measured agreement with people, or none
            "metrics": {
                "rougeL": _mean([p["rougeL"] for p in papers if p.get("rougeL") is not None]),
                "proxy_chosen": metrics["proxy_chosen"],
                "gold_chosen": metrics["gold_chosen"],
                "chosen_wrong": metrics["chosen_wrong"],
                "wrong": metrics["wrong"],
                "sophistry_rate": metrics["sophistry_rate"],
                "persuasive_wrong": sum(r["verdict"] == "wrong" and r["proxy"] >= threshold for r in rated),
            },
        }
    )


def locate(text: str, phrase: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where a claim sits in its text: the first free match, exact, then ignoring case, then with any run of
    spaces standing for the words that claim extraction blanked out."""
    words = [re.escape(w) for w in phrase.split()]
    if not words:
        return None
    patterns = [re.escape(phrase), "(?i)" + re.escape(phrase), r"(?i)" + r"\b[\s\S]{0,80}?".join(words)]
    for pattern in patterns:
        for m in re.finditer(pattern, text):
            if not any(m.start() < end and start < m.end() for start, end in taken):
                return m.start(), m.end()
    return None


def claim_spans(text: str, claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Character spans of the claims found in the text, contradicted then doubtful ones placed first so they win
    overlaps."""
    rank = {"contradicted": 0, "doubtful": 1}
    order = sorted(range(len(claims)), key=lambda k: rank.get(claims[k]["status"], 2))
    spans: list[dict[str, Any]] = []
    for k in order:
        where = locate(text, claims[k]["claim"], [(s["start"], s["end"]) for s in spans])
        if where:
            spans.append({"start": where[0], "end": where[1], "status": claims[k]["status"], "claim": k})
    return sorted(spans, key=lambda s: s["start"])


def template_fields(prompt: Prompt, messages: list[dict[str, str]]) -> dict[str, str] | None:
    """The fields a prompt was rendered with, read back from the messages; None when the template has changed."""
    fields: dict[str, str] = {}
    for template, message in zip((prompt.system, prompt.user), messages, strict=False):
        parts = re.split(r"\{(\w+)\}", template)
        pattern = "".join(
            re.escape(p.replace("{{", "{").replace("}}", "}"))
            if i % 2 == 0
            else (f"(?P={p})" if p in fields or p in parts[1:i:2] else f"(?P<{p}>[\\s\\S]*?)")
            for i, p in enumerate(parts)
        )
        m = re.fullmatch(pattern, message["content"])
        if m is None:
            return None
        fields.update(m.groupdict())
    return fields


def judge_messages(prompt_name: str, latex: str | None, text: str) -> list[dict[str, str]] | None:
    """The judge's messages for one candidate, rendered again from its template (the transcript keeps the
    template's name, the equation and the candidate, not the rendered text)."""
    role, _, objective = prompt_name.partition("/")
    if latex is None:
        return None
    try:
        return load_prompt(role, objective).render(latex=latex, candidate=text)
    except ValueError:
        return None


def _equation_latex(prompts: list[dict[str, Any]]) -> str | None:
    for p in prompts:
        role, _, objective = p["prompt"].partition("/")
        try:
            fields = template_fields(load_prompt(role, objective), p["messages"])
        except ValueError:
            continue
        if fields and "latex" in fields:
            return fields["latex"]
    return None


def _candidate(
    c: dict[str, Any], rating: dict[str, Any] | None, latex: str | None, style: float, monitors: dict[str, str],
    labels: list[dict[str, Any]],
) -> dict[str, Any]:
    """One candidate as the page shows it; `monitors` names the model behind each stored detector score, `labels`
    are readers' labels of it, oldest first (the last one counts)."""
    gold = c.get("gold") or {}
    judge = None
    if rating is not None:
        judge = {
            "model": rating["judge"],
            "prompt": rating["prompt"],
            "distribution": rating["distribution"],
            "proxy": rating["proxy"],
            # Runs record the judge's exact conversation; older transcripts only name its template.
            "messages": rating.get("messages") or judge_messages(rating["prompt"], latex, c["text"]),
            "messages_stored": bool(rating.get("messages")),
        }
    return {
        "index": c["index"],
        "round": c["round"],
        "text": c["text"],
        "chosen": c["chosen"],
        "proxy": c["proxy"],
        "distribution": c["distribution"],
        "critique": c["critique"],
        "judge": judge,
        "verdict": gold.get("verdict"),
        "gold_score": gold.get("gold_score"),
        "claims": gold.get("claims", []),
        "spans": claim_spans(c["text"], gold.get("claims", [])),
        "instrument": gold.get("instrument", "rules"),
        "statements": gold.get("statements", []),  # the gold model's statements, each with its P(False)
        "detectors": {
            "claims": None if gold.get("gold_score") is None else 1.0 - gold["gold_score"],
            "style": style,
            **c.get("detectors", {}),  # stored by the run: a monitor's scores (crossexam)
        },
        "detector_models": {name: monitors[name] for name in c.get("detectors", {}) if name in monitors},
        "human_label": labels[-1] if labels else None,
        "human_labels": labels,
    }


def detail(key: str, run_dir: Path) -> dict[str, Any]:
    """One run: its summary fields, the models event, and every agent as a flat list in spawn order."""
    t = Transcript.open(run_dir)
    try:
        info, roots, events, labels = t.info(), t.tree(), t.events(), t.human_labels()
    finally:
        t.close()
    by_agent: dict[str | None, dict[str, list]] = {}
    for ev in events:
        by_agent.setdefault(ev.agent_id, {}).setdefault(ev.kind, []).append(ev.payload)
    flat, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        flat.append(node)
        stack.extend(reversed(node["children"]))
    texts = [c["text"] for n in flat for c in n["candidates"]]
    styles = iter(StyleDetector().score([Item(id=str(k), latex="", text=x) for k, x in enumerate(texts)]))
    nodes = []
    for node in flat:
        own = by_agent.get(node["id"], {})
        prompts = [
            {"prompt": p["prompt"], "messages": p["messages"], "seed": p.get("seed")} for p in own.get("prompt", [])
        ]
        latex = _equation_latex(prompts) if node["candidates"] else None
        ratings = {r["index"]: r for r in own.get("rating", [])}
        monitors: dict[int, dict[str, str]] = {}
        for d in own.get("detector", []):
            monitors.setdefault(d["index"], {})[d["detector"]] = d.get("monitor")
        candidates = [
            _candidate(c, ratings.get(c["index"]), latex, next(styles), monitors.get(c["index"], {}),
                       labels.get((node["id"], c["index"]), []))
            for c in node["candidates"]
        ]
        candidates.sort(key=lambda c: (c["proxy"] is None, -(c["proxy"] or 0.0), c["index"]))
        summary_text = (node.get("summary") or {}).get("text")
        carried = (node.get("propagation") or {}).get("in_summary", [])
        nodes.append(
            {
                **{k: node[k] for k in AgentNode.model_fields},
                "children": [c["id"] for c in node["children"]],
                "latex": latex,
                "prompts": prompts,
                "candidates": candidates,
                "summary": summary_text,
                "summary_spans": claim_spans(summary_text, [{"claim": c, "status": "contradicted"} for c in carried])
                if summary_text
                else [],
                "propagation": node.get("propagation"),
                "truncation": node.get("truncation"),
                "trust": node.get("trust"),
                "adapter": node.get("adapter"),
                "weight_updates": own.get("weight_update", []),
                "calls": [call for ev in own.get("calls", []) for call in ev["calls"]],
                "paper_done": (own.get("paper_done") or [None])[0],
                "warnings": node.get("warnings", []),
                "errors": node.get("errors", []),
            }
        )
    run_events = by_agent.get(None, {})
    return clean(
        {
            **run_header(key, info),
            "model_details": (run_events.get("models") or [{}])[0],
            "resumes": run_events.get("resume", []),
            "retries": run_events.get("retry", []),
            "merged": (run_events.get("merged") or [None])[-1],
            "roots": [r["id"] for r in roots],
            "nodes": nodes,
            "last_seq": events[-1].seq if events else 0,
        }
    )
