"""Real model output as labeled data: candidates exported from runs with their provenance, blind sheets for
readers, human labels read back, and agreement between two readers.

A labeled row of the real set (`evals/labeled/real/`) is the equation, its context and one candidate's text,
with `label` (`correct` | `wrong` | `vacuous`), `first_false_claim`, `labeler`, `split` and `provenance` (run,
describer, objective, seed, agent, candidate index, round). A blind sheet keeps only what a reader may see: the
paper's title, the equation, its context and the text; never a verdict, a rating or the checker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from harness.core.real_rows import equations_of, read_jsonl, split_of
from harness.reports.records import role_spec
from harness.run.transcript import HUMAN_LABELS, Transcript

LABELS = HUMAN_LABELS
BLIND_FIELDS = ("id", "title", "latex", "context", "text")


def candidate_rows(run_dirs: Iterable[Path]) -> list[dict]:
    """Every candidate of every describer of a paper's equation (sub-expression describers are left out), in
    run order, with its equation and provenance, and any human label the transcript holds (`human_label`)."""
    rows: list[dict] = []
    for run_dir in run_dirs:
        t = Transcript.open(run_dir)
        try:
            info, roots = t.info(), t.tree()
            labels = {(e.agent_id, e.payload["index"]): e.payload for e in t.events(kind="human_label")}
            models = next(iter(t.events(kind="models")), None)
        finally:
            t.close()
        cfg = info.config
        equations, titles = equations_of(cfg.get("data"))
        describer, judge = (role_spec(models, cfg, role) for role in ("describer", "judge"))
        stack = list(reversed(roots))
        while stack:
            node = stack.pop()
            stack.extend(reversed(node["children"]))
            eq = equations.get(node["equation_id"] or "")
            if node["role"] != "describer" or eq is None:
                continue
            if node["level"] > 2:  # a sub-expression: its LaTeX is in the describer's own prompt, not the paper
                continue
            for c in node["candidates"]:
                row = {
                    "latex": eq.latex, "context": eq.context, "glossary": eq.glossary, "name": eq.name,
                    "title": titles.get(node["paper_id"], ""), "text": c["text"],
                    "provenance": {"run": info.id, "describer": describer,
                                   "objective": node["objective"], "seed": cfg.get("seed"), "agent": node["id"],
                                   "judge": judge,
                                   "paper": node["paper_id"], "equation": eq.id, "candidate": c["index"],
                                   "round": c["round"],  # refine's round, train's step (best-of-n: 0)
                                   "chosen": c["chosen"], "data": cfg.get("data") or "demo"},
                    # The parent's rating, for measuring the judge against the labels; never on a blind sheet.
                    "proxy": c.get("proxy"),
                }
                if human := labels.get((node["id"], c["index"])):
                    row |= {"label": human["label"], "first_false_claim": human.get("note") or None,
                            "labeler": human.get("who", "viewer")}
                rows.append(row)
    return rows


def chosen_and_random(rows: list[dict], seed: int = 0) -> list[dict]:
    """Per describer, its chosen candidate and one candidate drawn uniformly from its pool (seeded; it may be the
    chosen one, and is then one row with both roles in `sampled_as`). Labels of the two give, per equation, the
    share correct of the pick against that of a draw at n = 1: optimization pressure measured by readers."""
    pools: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        pools.setdefault((r["provenance"]["run"], r["provenance"]["agent"]), []).append(r)
    out = []
    for (run, agent), pool in pools.items():
        drawn = pool[int(hashlib.sha256(f"{seed}:{run}:{agent}".encode()).hexdigest(), 16) % len(pool)]
        for r in pool:
            roles = [name for name, hit in (("chosen", r["provenance"]["chosen"]), ("random", r is drawn)) if hit]
            if roles:
                out.append({**r, "sampled_as": roles})
    return out


def assign_ids(rows: list[dict], prefix: str = "real") -> list[dict]:
    """Ids from where a candidate came from (run, agent, index), so exports of overlapping runs agree on them."""
    def key(r: dict) -> str:
        p = r["provenance"]
        return hashlib.sha256(f"{p['run']}:{p['agent']}:{p['candidate']}".encode()).hexdigest()[:10]
    return [{"id": f"{prefix}-{key(r)}", **r} for r in rows]


def attach(rows: list[dict], label_files: Sequence[Path]) -> list[dict]:
    """Rows with readers' labels (`{id, label, first_false_claim}` per line) and each row's split. A row's reader
    is the `labeler` its label line names, else the label file's stem. An id labeled twice is an error."""
    by_id: dict[str, dict] = {}
    for path in label_files:
        for line in read_jsonl(path):
            if line.get("label") not in LABELS:
                raise ValueError(f"{path}: row {line.get('id')!r} has label {line.get('label')!r}; "
                                 f"expected one of {', '.join(LABELS)}")
            if line["id"] in by_id:
                raise ValueError(f"{path}: row {line['id']!r} is labeled again (first in {by_id[line['id']]['_file']})")
            by_id[line["id"]] = {**line, "_file": str(path), "labeler": line.get("labeler") or Path(path).stem}
    known = {r["id"] for r in rows}
    if unknown := sorted(by_id.keys() - known):
        raise ValueError(f"labels for {len(unknown)} ids that no row has, e.g. {unknown[0]!r}")
    out = []
    for r in rows:
        row = {**r, "split": split_of(r["provenance"]["equation"])}
        if found := by_id.get(r["id"]):
            row |= {"label": found["label"], "first_false_claim": found.get("first_false_claim"),
                    "labeler": found["labeler"]}
        out.append(row)
    return out


def blind(rows: Iterable[dict]) -> list[dict]:
    return [{k: r[k] for k in BLIND_FIELDS} for r in rows]


def cohen_kappa(a: Sequence[str], b: Sequence[str], labels: Sequence[str] = LABELS) -> float:
    """Agreement of two readers beyond chance: (p_o - p_e) / (1 - p_e); nan when both always say one label."""
    if len(a) != len(b) or not a:
        raise ValueError("cohen_kappa needs two equally long, non-empty label lists")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)
