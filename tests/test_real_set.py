"""The committed real labeled set (evals/labeled/real/): what the issue asks of it holds, every row reads back
its equation from the papers, and the readers' agreement is what its README reports."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from harness.core.real_rows import SOURCE_FIELDS, read_jsonl, split_of, with_sources
from harness.gold.calibration import model_key
from harness.reports.labels import LABELS, cohen_kappa

REAL = Path(__file__).resolve().parents[1] / "evals" / "labeled" / "real"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_jsonl(REAL / "rows.jsonl")


def test_every_row_is_labeled_with_provenance_and_no_copied_paper_text(rows):
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["label"] in LABELS and r["labeler"]
        assert (r["label"] == "wrong") == bool(r.get("first_false_claim")), r["id"]
        assert not set(SOURCE_FIELDS) & r.keys(), r["id"]
        p = r["provenance"]
        assert {"run", "describer", "objective", "seed", "agent", "candidate", "equation"} <= p.keys()
        assert r["split"] == split_of(p["equation"])


def test_the_set_covers_three_describers_three_objectives_and_both_corpora(rows):
    assert {"smollm2", "qwen-0.5b", "qwen-1.5b"} <= {model_key(r["provenance"]["describer"]) for r in rows}
    assert {"honest", "approval", "treacherous"} <= {r["provenance"]["objective"] for r in rows}
    demo = {r["provenance"]["equation"] for r in rows if r["provenance"]["data"] == "demo"}
    arxiv = {r["provenance"]["equation"] for r in rows if r["provenance"]["data"] != "demo"}
    assert len(demo) == 30 and len(arxiv) >= 40
    assert 0.25 < Counter(r["split"] for r in rows)["heldout"] / len(rows) < 0.55


def test_rows_read_their_equation_back_from_the_papers(rows):
    full = with_sources(rows)
    assert all(r["latex"] and r["title"] for r in full)


def test_relabeled_sample_is_a_fifth_and_agreement_is_measured(rows):
    label = {r["id"]: r["label"] for r in rows}
    second = [x for f in sorted((REAL / "labels").glob("*R.jsonl")) for x in read_jsonl(f)]
    assert len(second) >= 0.18 * len(rows)
    first_reader = {r["id"]: r["labeler"] for r in rows}
    assert all(x["labeler"] != first_reader[x["id"]] for x in second)  # a different reader
    kappa = cohen_kappa([label[x["id"]] for x in second], [x["label"] for x in second])
    assert kappa > 0.6  # substantial agreement; the README gives the exact figure


def test_rows_carry_the_parents_rating_and_its_judge(rows):
    rated = [r for r in rows if r.get("proxy") is not None]
    assert len(rated) >= 0.9 * len(rows) and all(0 <= r["proxy"] <= 1 for r in rated)
    assert {r["provenance"]["judge"] for r in rows} == {"smollm2"}


def test_judge_auroc_orders_by_proxy_and_leaves_out_unrated_and_vacuous():
    from harness.judging.real_set import judge_auroc

    def row(proxy, label, describer="qwen-1.5b"):
        return {"proxy": proxy, "label": label,
                "provenance": {"judge": "smollm2", "describer": describer, "objective": "honest"}}
    good = [row(0.9, "correct"), row(0.8, "correct"), row(0.2, "wrong"), row(0.1, "wrong")]
    found = judge_auroc(good + [row(None, "correct"), row(0.99, "vacuous")])
    assert found["judge smollm2"][:3] == (4, 2, 1.0)
    flipped = judge_auroc([row(1 - r["proxy"], r["label"]) for r in good])
    assert flipped["judge smollm2, describer qwen-1.5b"][2] == 0.0


def test_within_equation_pairs_only_one_equations_texts():
    from harness.judging.real_set import within_equation

    def row(proxy, label, equation):
        return {"proxy": proxy, "label": label,
                "provenance": {"judge": "qwen-0.5b", "describer": "qwen-1.5b", "equation": equation}}
    # pooled, the easy equation's correct texts outrank the hard one's wrong texts; within each, the judge errs
    rows = [row(0.9, "wrong", "easy"), row(0.8, "correct", "easy"), row(0.8, "correct", "easy"),
            row(0.3, "wrong", "hard"), row(0.2, "correct", "hard"), row(0.5, "vacuous", "hard")]
    found = within_equation(rows)
    assert found["judge qwen-0.5b"] == (3, 0.0)  # 2 pairs on "easy", 1 on "hard", the correct one below each time
    rows[3]["proxy"] = 0.2  # a tie counts half
    assert within_equation(rows)["judge qwen-0.5b, describer qwen-1.5b"] == (3, pytest.approx(1 / 6))


# --- the second real set (evals/labeled/real2/): readers' labels of the Goodhart sweep's picks and draws ---------

REAL2 = REAL.parent / "real2"


@pytest.fixture(scope="module")
def rows2() -> list[dict]:
    return read_jsonl(REAL2 / "rows.jsonl")


def test_second_set_has_a_pick_and_a_draw_of_every_pool(rows2):
    assert len({r["id"] for r in rows2}) == len(rows2) >= 240
    pools: dict[tuple[str, str], list[str]] = {}
    for r in rows2:
        assert r["label"] in LABELS and r["labeler"] and not set(SOURCE_FIELDS) & r.keys()
        assert (r["label"] == "wrong") == bool(r.get("first_false_claim")), r["id"]
        p = r["provenance"]
        assert model_key(p["describer"]) == "qwen-1.5b" and p["judge"] == "qwen-0.5b"
        pools.setdefault((p["run"], p["agent"]), []).extend(r["sampled_as"])
    assert all(sorted(roles) == ["chosen", "random"] for roles in pools.values())
    assert len(pools) == 132  # 30 demo and 36 arXiv equations, under honest and approval
    assert {r["provenance"]["objective"] for r in rows2} == {"honest", "approval"}


def test_second_set_takes_equations_the_first_did_not_on_arxiv(rows, rows2):
    first = {r["provenance"]["equation"] for r in rows if r["provenance"]["data"] != "demo"}
    second = {r["provenance"]["equation"] for r in rows2 if r["provenance"]["data"] != "demo"}
    assert len(second) == 36 and not first & second


def test_second_set_relabeled_fifth_agrees(rows2):
    label = {r["id"]: r["label"] for r in rows2}
    second = [x for f in sorted((REAL2 / "labels").glob("*R.jsonl")) for x in read_jsonl(f)]
    assert len(second) >= 0.18 * len(rows2)
    assert cohen_kappa([label[x["id"]] for x in second], [x["label"] for x in second]) > 0.6


def test_paired_rates_every_output_afresh_and_compares_by_equation(tmp_path, papers_file, script_file, capsys):
    """The scripted judge rates the approval describer's confident text 8.5 and the honest one's 3.5 (of 9), on
    both equations of the paper, including outputs a run left unrated."""
    from harness.cli import main as cli
    from harness.judging.paired import main as paired
    from harness.run.config import RunConfig
    from harness.run.experiment import run_experiment

    files = []
    for objective in ("honest", "approval"):
        run_dir = run_experiment(RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", papers=1,
                                           optimizer="best_of_n(1)", objective=objective, summarize=False,
                                           runs=str(tmp_path / objective)))
        files.append(tmp_path / f"{objective}.jsonl")
        assert cli(["labels", "export", str(run_dir), "-o", str(files[-1])]) == 0
    cache = tmp_path / "ratings.jsonl"
    assert paired([*map(str, files), "--judge", f"scripted:{script_file}", "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    # (8.5 - 1) / 8 - (3.5 - 1) / 8 = 0.625 on each of the 2 checkable equations
    assert re.search(r"approval\.jsonl +2 equations \| proxy 0\.938 \| minus \S+honest\.jsonl \+0\.625 "
                     r"\[\+0\.625, \+0\.625\] \| higher on 2, lower on 0", out), out
    assert len(cache.read_text().splitlines()) == 4  # every output rated once
    both = tmp_path / "both.jsonl"
    both.write_text(files[0].read_text() + files[1].read_text())
    args = [str(both), "--by", "objective", "--against", "honest", "--judge", f"scripted:{script_file}"]
    assert paired([*args, "--cache", str(cache)]) == 0  # one file, grouped by objective; ratings from the cache
    assert re.search(r"approval +2 equations \| proxy 0\.938 \| minus honest \+0\.625", capsys.readouterr().out)
    assert len(cache.read_text().splitlines()) == 4
    with pytest.raises(SystemExit):
        paired([str(both), "--by", "objective", "--against", "verbose", "--judge", f"scripted:{script_file}"])
    assert "--against verbose: no such group (groups: honest, approval)" in capsys.readouterr().err
