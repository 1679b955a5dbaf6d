"""Rows of the real labeled set as committed and as read: the papers' own text (equation, context, glossary) is
named by data source and equation id rather than copied, and read back from the papers when the rows are loaded.
Also each row's split (development or held-out), fixed by its equation."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from harness.core.papers import Equation, load_papers
from harness.core.quiet import quiet_third_parties
from harness.core.resources import demo_corpus

SOURCE_FIELDS = ("latex", "context", "glossary", "name", "title")  # read back from the papers, never committed
# The real arXiv sample lives beside the project (../shared/data/arxiv), not in it; HARNESS_ARXIV_SAMPLE moves it.
ARXIV_SAMPLE = "arxiv-sample"


def equations_of(data: str | None) -> tuple[dict[str, Equation], dict[str, str]]:
    """Equations by id and titles by paper id of a run's data (None: the demo; `arxiv-sample`: the shared sample)."""
    papers = load_papers(str(arxiv_sample()) if data == ARXIV_SAMPLE else data or demo_corpus())
    return ({e.id: e for p in papers for e in p.equations}, {p.id: p.title for p in papers})


def split_of(equation_id: str, heldout_share: float = 0.4) -> str:
    """`dev` or `heldout`, by a hash of the equation: every candidate of one equation falls on the same side, so
    a held-out equation was never looked at while developing."""
    h = int(hashlib.sha256(equation_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "heldout" if h < heldout_share else "dev"


def arxiv_sample() -> Path:
    here = Path(__file__).resolve().parents[3] / "shared" / "data" / "arxiv" / "papers.jsonl"
    return Path(os.environ.get("HARNESS_ARXIV_SAMPLE") or here)


def strip_sources(rows: Iterable[dict]) -> list[dict]:
    """Rows as committed: the paper's own text (equation, context, glossary) is left out, and named by the
    provenance's data source and equation id, so no copy of a fetched paper enters the project."""
    out = []
    for r in rows:
        p = dict(r["provenance"])
        if p["data"] != "demo":
            sample = arxiv_sample()
            same = sample.is_file() and Path(p["data"]).is_file() and Path(p["data"]).samefile(sample)
            p["data"] = ARXIV_SAMPLE if same else p["data"]
        out.append({**{k: v for k, v in r.items() if k not in SOURCE_FIELDS}, "provenance": p})
    return out


def with_sources(rows: Iterable[dict]) -> list[dict]:
    """Committed rows with their equation, context, glossary, name and title read back from the papers."""
    cache: dict[str, tuple[dict[str, Equation], dict[str, str]]] = {}
    out = []
    for r in rows:
        data = r["provenance"]["data"]
        if data not in cache:
            source = None if data == "demo" else arxiv_sample() if data == ARXIV_SAMPLE else data
            if source is not None and not Path(source).is_file():
                raise FileNotFoundError(f"the papers of labeled rows are not at {source} (set HARNESS_ARXIV_SAMPLE)")
            cache[data] = equations_of(str(source) if source else None)
        equations, titles = cache[data]
        eq = equations.get(r["provenance"]["equation"])
        if eq is None:
            raise ValueError(f"row {r['id']}: equation {r['provenance']['equation']!r} is not in {data}")
        out.append({**r, "latex": eq.latex, "context": eq.context, "glossary": eq.glossary, "name": eq.name,
                    "title": titles.get(r["provenance"]["paper"], "")})
    return out


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
    return rows


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def rows_tool(description: str, split: str) -> argparse.ArgumentParser:
    """The start of every `python -m` tool over labeled rows: third parties quiet, then the rows file and which
    split of it to read (`split` is the default)."""
    quiet_third_parties()
    p = argparse.ArgumentParser(description=description)
    p.add_argument("rows")
    p.add_argument("--split", choices=["dev", "heldout", "all"], default=split)
    return p
