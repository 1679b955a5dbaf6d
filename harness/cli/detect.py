"""Score descriptions with detectors of persuasive-but-wrong outputs (suspicion in [0, 1] per detector)."""

from __future__ import annotations

import argparse

from harness.core.items import read_rows, write_rows
from harness.detection.detectors import DETECTORS, build_detectors
from harness.judging.judge import Judge
from harness.models import ModelPool


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="JSONL file of {id, latex, text} rows (glossary, name, context optional)")
    p.add_argument("--detectors", default="claims,style", help=f"comma-separated, from: {','.join(DETECTORS)}")
    p.add_argument("--monitor", help="model spec of the cross-examining monitor (crossexam)")
    p.add_argument("--judge", help="model spec of the judge (grounding)")
    p.add_argument("-o", "--output", help="output JSONL (default: stdout)")


def main(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.detectors.split(",") if n.strip()]
    pool = ModelPool()
    detectors = build_detectors(
        names,
        monitor=pool.get(args.monitor) if args.monitor else None,
        judge=Judge(pool.get(args.judge)) if args.judge else None,
    )
    rows = read_rows(args.input)
    items = [item for _, item, _ in rows if item is not None]
    scores = {d.name: d.score(items) for d in detectors}
    out, k = [], 0
    for raw, item, error in rows:
        if item is None:
            out.append({**raw, "scores": None, "error": error})
            continue
        out.append({**raw, "scores": {name: round(s[k], 6) for name, s in scores.items()}})
        k += 1
    write_rows(out, args.output)
    return 0
