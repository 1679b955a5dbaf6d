"""Check descriptions against their equations (gold verdict): JSONL rows {id, latex, text, glossary?, name?}."""

from __future__ import annotations

import argparse

from harness.core.items import read_rows, write_rows
from harness.gold.verdict import check


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="JSONL file of {id, latex, text} rows (glossary, name, context optional)")
    p.add_argument("-o", "--output", help="output JSONL (default: stdout)")


def main(args: argparse.Namespace) -> int:
    out = []
    for raw, item, error in read_rows(args.input):
        if item is None:
            out.append({**raw, "verdict": "error", "error": error})
            continue
        verdict = check(item.text, item.latex, item.glossary, item.name, item.context)
        out.append({**raw, **verdict.model_dump()})
    write_rows(out, args.output)
    return 0
