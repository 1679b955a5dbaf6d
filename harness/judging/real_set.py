"""The parent's judge against people: how well the proxy ratings recorded in real runs separate descriptions that
blind readers found correct from those they found wrong (the real labeled set, evals/labeled/real/).

    python -m harness.judging.real_set evals/labeled/real/rows.jsonl [--split dev|heldout|all]
        [--judge qwen-0.5b,qwen-1.5b --cache evals/labeled/real/judge_cache.jsonl]

Without `--judge` it reads the ratings the runs recorded (the parent's own judge). With `--judge` each named judge
rates every row afresh with the runs' rating prompt (judge/default: the equation and the text), so judges can be
compared on the same texts; ratings are cached by row id and judge. AUROC 0.5 is a judge with no signal; below 0.5
it prefers wrong descriptions, so selecting on it pushes the describer away from correct. Rows the parent did not
rate (a trusted sub-agent's unchecked output) and vacuous rows are left out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from harness.core.papers import Equation
from harness.core.real_rows import ARXIV_SAMPLE, read_jsonl, rows_tool, with_sources
from harness.gold.calibration import model_key
from harness.metrics.stats import auroc, bootstrap_ci, fmt


def rerate(rows: list[dict], spec: str, cache: Path | None) -> list[dict]:
    """The rows as rated by judge `spec` (prompt judge/default, as in runs): `proxy` and `provenance.judge`
    replaced. Ratings already in `cache` are reused; new ones are appended to it as they come, one equation's
    candidates per call, so the rating prompt's shared prefix runs once."""
    from harness.judging.judge import Judge
    from harness.models import load_model

    found: dict[str, float] = {}
    if cache and cache.is_file():
        for line in cache.read_text().splitlines():
            d = json.loads(line)
            if d["judge"] == spec:
                found[d["id"]] = d["proxy"]
    todo: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["id"] not in found:
            todo[r["latex"]].append(r)
    if todo:
        judge = Judge(load_model(spec))
        with open(cache, "a") if cache else open("/dev/null", "w") as out:
            for latex, group in todo.items():
                ratings = judge.rate(Equation(id="", latex=latex), [r["text"] for r in group])
                for r, rating in zip(group, ratings, strict=True):
                    found[r["id"]] = rating.proxy
                    out.write(json.dumps({"id": r["id"], "judge": spec, "proxy": rating.proxy}) + "\n")
                out.flush()
    return [{**r, "proxy": found[r["id"]], "provenance": {**r["provenance"], "judge": spec}} for r in rows]


def judge_auroc(rows: list[dict]) -> dict[str, tuple[int, int, float, tuple[float, float]]]:
    """{group: (rated rows, correct rows, AUROC of proxy for correct, its 95% CI)} by judge, by judge and
    describer, by judge, describer and corpus (the demo or the arXiv sample), and by judge, describer and
    objective."""
    groups: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for r in rows:
        p = r["provenance"]
        if r.get("proxy") is None or r.get("label") not in ("correct", "wrong"):
            continue
        judge, describer = model_key(p.get("judge") or "?"), model_key(p["describer"])
        pair = (float(r["proxy"]), int(r["label"] == "correct"))
        corpus = "arxiv" if p.get("data") == ARXIV_SAMPLE else p.get("data", "?")
        for g in (f"judge {judge}", f"judge {judge}, describer {describer}",
                  f"judge {judge}, describer {describer}, {corpus}",
                  f"judge {judge}, describer {describer}, {p['objective']}"):
            groups[g].append(pair)
    out = {}
    for g, pairs in sorted(groups.items()):
        scores, labels = [s for s, _ in pairs], [y for _, y in pairs]
        both = 0 < sum(labels) < len(labels)
        value = auroc(scores, labels) if both else float("nan")
        ci = bootstrap_ci(lambda s, y: auroc(s, y) if 0 < y.sum() < len(y) else float("nan"), scores, labels) \
            if both else (float("nan"), float("nan"))
        out[g] = (len(pairs), sum(labels), value, ci)
    return out


def within_equation(rows: list[dict]) -> dict[str, tuple[int, float]]:
    """{judge and describer: (pairs, P(correct rated above wrong))} over pairs of one equation's texts by one
    describer, one correct and one wrong (ties count half). This is what best-of-n selection acts on: a judge
    can separate easy equations from hard ones (pooled AUROC) and still not rank one equation's candidates."""
    groups: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for r in rows:
        p = r["provenance"]
        if r.get("proxy") is not None and r.get("label") in ("correct", "wrong"):
            groups[(model_key(p.get("judge") or "?"), model_key(p["describer"]), p["equation"])].append(
                (float(r["proxy"]), r["label"] == "correct"))
    wins: dict[str, list[float]] = defaultdict(list)
    for (judge, describer, _), pairs in groups.items():
        for a, ya in pairs:
            for b, yb in pairs:
                if ya and not yb:
                    score = 1.0 if a > b else 0.5 if a == b else 0.0
                    wins[f"judge {judge}"].append(score)
                    wins[f"judge {judge}, describer {describer}"].append(score)
    return {g: (len(w), sum(w) / len(w)) for g, w in sorted(wins.items())}


def main(argv: list[str] | None = None) -> int:
    p = rows_tool(__doc__.splitlines()[0], split="all")
    p.add_argument("--judge", default=None, help="comma-separated judge model specs that rate every row afresh")
    p.add_argument("--cache", default=None, help="JSONL cache of the fresh ratings (by row id and judge)")
    args = p.parse_args(argv)
    rows = [r for r in read_jsonl(Path(args.rows)) if args.split == "all" or r.get("split") == args.split]
    if args.judge:
        rows = [r for r in with_sources(rows) if r.get("label") in ("correct", "wrong")]
        cache = Path(args.cache) if args.cache else None
        rows = [r for spec in args.judge.split(",") for r in rerate(rows, spec, cache)]
    print(f"the parent's judge against human labels, split {args.split}: AUROC of its proxy for correct vs wrong")
    for g, (n, correct, value, ci) in judge_auroc(rows).items():
        print(f"  {g:<52} {n:>4} rated, {correct:>3} correct | AUROC {fmt(value, ci)}")
    print("within one equation and describer: P(a correct text is rated above a wrong one), ties count half")
    for g, (pairs, share) in within_equation(rows).items():
        print(f"  {g:<52} {pairs:>4} pairs | {fmt(share)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
