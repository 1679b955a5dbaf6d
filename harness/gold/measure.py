"""Measure gold against people on the real labeled sets: the rules alone, the model layer alone, and the two
combined, per describer and pooled, on one split. Hand-written rows (evals/labeled/*.jsonl, no provenance) are
measured the same way, as one group.

    python -m harness.gold.measure evals/labeled/real/rows.jsonl --split dev \\
        [--gold-model llamacpp:qwen-1.5b --method statements] [--cache FILE] [--write-calibration]

The model's P(False) per statement is cached in a JSONL file (by row id, method and model), so a second
measurement of the same rows costs nothing. `--write-calibration` stores the figures of one instrument (`--instrument`:
`rules`, `model` or `rules+model`, the last two named with the gold model and method) per describer in
evals/labeled/real/calibration.json, beside the other instruments', where runs and reports read the one they
used.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path

from harness.core.real_rows import read_jsonl, rows_tool, with_sources
from harness.core.resources import share_dir
from harness.gold.calibration import CALIBRATION_FILE, Agreement, agreement, as_dict, instrument_key, model_key
from harness.gold.instrument import combine, with_model
from harness.gold.model import METHODS, GoldModel, ModelCheck, Row, Statement
from harness.gold.verdict import CHECKER, check
from harness.metrics.stats import fmt


def _load_cache(path: Path | None) -> dict[tuple[str, str, str], ModelCheck]:
    found: dict[tuple[str, str, str], ModelCheck] = {}
    if path and path.is_file():
        for line in path.read_text().splitlines():
            d = json.loads(line)
            found[(d["id"], d["method"], d["model"])] = ModelCheck(
                d["score"], [Statement(**s) for s in d["statements"]], d["method"], d["model"])
    return found


def model_checks(rows: list[dict], spec: str, method: str, cache: Path | None) -> list[ModelCheck]:
    """The model layer on every row, from the cache where it has been run before. The rows of one equation are
    asked in one batched call, so the model reads each equation's prompt prefix once."""
    from harness.models import load_model

    found = _load_cache(cache)
    todo: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if (r["id"], method, spec) not in found:
            todo[r["latex"]].append(r)
    if todo:
        gold = GoldModel(load_model(spec), method)
        start, done, total = time.perf_counter(), 0, sum(map(len, todo.values()))
        with open(cache, "a") if cache else open("/dev/null", "w") as out:
            for group in todo.values():
                checks = gold.check_many([Row(r["text"], r["latex"], r.get("context") or "", r.get("title") or "")
                                          for r in group])
                for r, c in zip(group, checks, strict=True):
                    found[(r["id"], method, spec)] = c
                    out.write(json.dumps({"id": r["id"], "method": method, "model": spec, "score": c.score,
                                          "statements": [vars(s) for s in c.statements]}) + "\n")
                out.flush()
                done += len(group)
                print(f"  model layer: {done}/{total} rows, {(time.perf_counter() - start) / done:.2f} s per row",
                      flush=True)
    return [found[(r["id"], method, spec)] for r in rows]


def _line(a: Agreement) -> str:
    return (f"{a.rows:>4} rows, {a.wrong:>3} wrong | sens {fmt(a.sensitivity, a.sensitivity_ci)} | "
            f"spec {fmt(a.specificity, a.specificity_ci)} | prec {fmt(a.precision)} | cover {fmt(a.coverage)} | "
            f"AUROC {fmt(a.auroc, a.auroc_ci)}")


def measure(rows: list[dict], spec: str | None, method: str, cache: Path | None) -> dict[str, dict[str, Agreement]]:
    """{instrument: {group: Agreement}} for the rules, and with a model, the model and both; groups are
    `pooled`, each describer (or `hand-written`) and each corpus (`on DATA`)."""
    rules = [check(r["text"], r["latex"], r.get("glossary") or None, r.get("name"), r.get("context")) for r in rows]
    verdicts = {"rules": [(v.verdict, 1 - v.gold_score) for v in rules]}
    if spec:
        checks = model_checks(rows, spec, method, cache)
        verdicts["model"] = [(combine("unverifiable", c.score), 0.5 if math.isnan(c.score) else c.score)
                             for c in checks]
        both = [with_model(v, c) for v, c in zip(rules, checks, strict=True)]
        verdicts["rules+model"] = [(v.verdict, 1 - v.gold_score) for v in both]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[model_key(r["provenance"]["describer"]) if "provenance" in r else "hand-written"].append(i)
        if "provenance" in r:  # by corpus too: the demo's textbook equations are easier than the arXiv sample's
            groups[f"on {r['provenance'].get('data', 'demo')}"].append(i)
        groups["pooled"].append(i)
    out: dict[str, dict[str, Agreement]] = {}
    for name, vs in verdicts.items():
        out[name] = {g: agreement([rows[i]["label"] for i in idx], [vs[i][0] for i in idx], [vs[i][1] for i in idx])
                     for g, idx in sorted(groups.items())}
    return out


def main(argv: list[str] | None = None) -> int:
    p = rows_tool(__doc__.splitlines()[0], split="dev")
    p.add_argument("--gold-model", default=None, help="model spec of the gold model layer (default: rules only)")
    p.add_argument("--method", choices=METHODS, default="statements")
    p.add_argument("--cache", default=None, help="JSONL cache of the model layer's answers")
    p.add_argument("--write-calibration", action="store_true")
    p.add_argument("--calibration-file", default=None, help=f"where to write it (default: evals/{CALIBRATION_FILE})")
    p.add_argument("--instrument", choices=["rules", "model", "rules+model"], default="rules",
                   help="whose figures --write-calibration stores (default rules: what `harness run` checks with)")
    args = p.parse_args(argv)
    rows = read_jsonl(Path(args.rows))
    # rows of real runs name their papers' text (read back here); hand-written rows carry it and have no split
    rows = with_sources(r for r in rows if "provenance" in r) + [r for r in rows if "provenance" not in r]
    rows = [r for r in rows if r.get("label") and (args.split == "all" or r.get("split") == args.split)]
    results = measure(rows, args.gold_model, args.method, Path(args.cache) if args.cache else None)
    model = f"{args.gold_model} ({args.method})" if args.gold_model else "none"
    print(f"gold against human labels, split {args.split}, {len(rows)} labeled rows, gold model {model}")
    for name, groups in results.items():
        print(name)
        for g, a in groups.items():
            print(f"  {g:<16} {_line(a)}")
    if args.write_calibration:
        name = args.instrument
        if name not in results:
            p.error(f"--instrument {name} needs --gold-model")
        key = name if name == "rules" else f"{name}:{args.gold_model}:{args.method}"
        path = Path(args.calibration_file) if args.calibration_file else share_dir("evals") / CALIBRATION_FILE
        stored = json.loads(path.read_text()) if path.is_file() else {}
        source = f"{Path(args.rows).parent.name}/{Path(args.rows).name}, split {args.split}"
        found = stored.setdefault("instruments", {}).setdefault(instrument_key(key), {"describers": {}})
        if found.get("checker") != CHECKER:  # figures of another version of the rules no longer apply
            if dropped := sorted(set(found["describers"]) - set(results[name])):
                print(f"dropped figures of {instrument_key(key)} measured with other rules "
                      f"({found.get('checker') or 'no version'}): {', '.join(dropped)}")
            found.update(describers={}, checker=CHECKER)
        found["describers"] |= {g: {"split": source, "agreement": as_dict(a)} for g, a in results[name].items()
                                if not g.startswith("on ")}
        path.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"calibration of {instrument_key(key)} written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
