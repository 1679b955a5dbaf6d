"""Labels from real runs (export, attach, agreement), gold's three-way meaning, its calibration against people,
the gold model layer on a scripted verifier, and the closing findings of a run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.real_rows import read_jsonl, split_of, with_sources
from harness.gold.calibration import agreement, calibration_line, corrected_prevalence, rogan_gladen
from harness.gold.claims import statements
from harness.gold.instrument import combine
from harness.gold.model import GoldModel
from harness.gold.verdict import check
from harness.models.scripted import ScriptedModel
from harness.reports.findings import findings, picked_wrong
from harness.reports.labels import attach, blind, cohen_kappa
from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from tests.conftest import write_jsonl


def test_cohen_kappa_matches_a_hand_computed_case():
    a = ["wrong"] * 6 + ["correct"] * 4
    b = ["wrong"] * 5 + ["correct"] * 5
    # p_o = 0.9; p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.8
    assert cohen_kappa(a, b) == pytest.approx(0.8)
    assert math.isnan(cohen_kappa(["wrong"] * 3, ["wrong"] * 3))
    with pytest.raises(ValueError):
        cohen_kappa(["wrong"], [])


def test_rogan_gladen_undoes_a_known_error_rate():
    # true prevalence 0.4, Se 0.5, Sp 0.9: observed = 0.4*0.5 + 0.6*0.1 = 0.26
    assert rogan_gladen(0.26, 0.5, 0.9) == pytest.approx(0.4)
    assert math.isnan(rogan_gladen(0.3, 0.5, 0.5))  # a test at chance tells nothing
    assert rogan_gladen(0.0, 0.5, 0.9) == 0.0  # clipped
    labels = ["wrong"] * 50 + ["correct"] * 50
    flags = [True] * 25 + [False] * 25 + [True] * 5 + [False] * 45  # Se 0.5, Sp 0.9
    value, (lo, hi) = corrected_prevalence([True] * 26 + [False] * 74, labels, flags, n_boot=300)
    assert value == pytest.approx(0.4) and lo < 0.4 < hi


def test_agreement_counts_flags_against_labels_and_leaves_out_vacuous():
    labels = ["wrong", "wrong", "wrong", "correct", "correct", "vacuous"]
    verdicts = ["wrong", "unverifiable", "ok", "ok", "wrong", "wrong"]
    a = agreement(labels, verdicts, [0.9, 0.6, 0.2, 0.1, 0.8, 1.0], n_boot=100)
    assert (a.rows, a.wrong) == (5, 3)
    assert a.sensitivity == pytest.approx(1 / 3) and a.specificity == pytest.approx(0.5)
    assert a.precision == pytest.approx(0.5) and a.coverage == pytest.approx(4 / 5)
    assert a.auroc == pytest.approx(4 / 6)


def test_calibration_line_says_when_gold_is_not_calibrated():
    line = calibration_line("hf:/my/model", {"describers": {}})
    assert line == "gold (rules) not calibrated for describer hf:/my/model"
    cal = {"describers": {"qwen-1.5b": {"split": "heldout", "agreement": {
        "rows": 10, "sensitivity": 0.5, "sensitivity_ci": [0.2, 0.8], "specificity": 0.9,
        "specificity_ci": [0.7, 1.0], "auroc": 0.8, "auroc_ci": [0.6, 0.95], "coverage": 0.6}}}}
    line = calibration_line("llamacpp:qwen-1.5b", cal)  # the same weights through another backend
    assert "sensitivity 0.50" in line and "AUROC 0.80" in line


SOFTMAX = r"p_k = \frac{\exp(z_k / T)}{\sum_{j=1}^{K} \exp(z_j / T)}"
GLOSSARY = {"p_k": "probability of class k", "z_k": "logit of class k", "T": "temperature"}


def test_ok_needs_every_statement_checked():
    checked = "Here $T$ denotes the temperature."
    assert check(checked, SOFTMAX, GLOSSARY).verdict == "ok"
    aside = checked + " It was first used in statistical mechanics by many famous people."
    result = check(aside, SOFTMAX, GLOSSARY)
    assert result.verdict == "unverifiable" and all(c.status == "supported" for c in result.claims)
    assert check("It is a beautiful and profound equation.", SOFTMAX, GLOSSARY).verdict == "unverifiable"
    squared = "Here $T$ denotes the temperature; p_k grows with the square of z_k."
    assert check(squared, SOFTMAX, GLOSSARY).verdict == "wrong"
    assert check("Here $T$ denotes the logit of class k.", SOFTMAX, GLOSSARY).verdict == "unverifiable"  # a hint


def test_statements_keep_inline_maths_whole():
    text = "The ratio $a. B$ is fixed. It grows, e.g. with time. Ok.\n- a listed point here"
    assert statements(text) == ["The ratio $a. B$ is fixed.", "It grows, e.g. with time.", "a listed point here"]


def test_gold_model_asks_per_statement_and_takes_the_largest_p_false():
    script = {"ratings": [{"when": "Statement about the equation:\nT is the number of classes",
                           "probs": {"True": 0.1, "False": 0.9}},
                          {"when": "Statement about the equation:", "probs": {"True": 0.8, "False": 0.2}}]}
    model = ScriptedModel(script, "scripted:verifier")
    result = GoldModel(model, "statements").check("It is the softmax over K classes. T is the number of classes.",
                                                  SOFTMAX, "context", "title")
    assert [round(s.p_false, 3) for s in result.statements] == [0.2, 0.9]
    assert result.score == pytest.approx(0.9) and result.model == "scripted:verifier"
    assert math.isnan(GoldModel(model).check("ok", SOFTMAX).score)  # no statement: nothing to score
    with pytest.raises(ValueError, match="unknown gold model method"):
        GoldModel(model, "vibes")


def test_combined_verdict_keeps_proven_contradictions_first():
    assert combine("wrong", 0.1) == "wrong"
    assert combine("ok", 0.9) == "wrong"
    assert combine("unverifiable", 0.1) == "ok"
    assert combine("ok", 0.45) == "unverifiable"
    assert combine("ok", float("nan")) == "ok"


@pytest.fixture
def finished_run(tmp_path, papers_file, script_file) -> Path:
    cfg = RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", runs=str(tmp_path / "runs"),
                    optimizer="best_of_n(3)")
    return run_experiment(cfg)


def test_labels_export_blind_attach_and_agreement(tmp_path, finished_run, capsys):
    rows_file, sheet = tmp_path / "rows.jsonl", tmp_path / "sheet.jsonl"
    assert main(["labels", "export", str(finished_run), "-o", str(rows_file), "--blind", str(sheet)]) == 0
    rows, blind_rows = read_jsonl(rows_file), read_jsonl(sheet)
    assert len(rows) == len(blind_rows) > 0
    assert all(set(r) == {"id", "title", "latex", "context", "text"} for r in blind_rows)  # no verdict, no proxy
    assert {r["provenance"]["candidate"] for r in rows} == {0, 1, 2}
    assert rows[0]["provenance"]["run"] == finished_run.name
    first = [{"id": r["id"], "label": "wrong" if k % 2 else "correct", "first_false_claim": None}
             for k, r in enumerate(rows)]
    second = [dict(x, label="wrong") for x in first]
    write_jsonl(tmp_path / "a.jsonl", first)
    write_jsonl(tmp_path / "b.jsonl", second)
    out = tmp_path / "labeled.jsonl"
    assert main(["labels", "attach", str(rows_file), str(tmp_path / "a.jsonl"), "-o", str(out)]) == 0
    labeled = read_jsonl(out)
    assert "latex" not in labeled[0] and "context" not in labeled[0]  # the papers' text is not copied
    assert with_sources(labeled)[0]["latex"] == rows[0]["latex"]
    assert all(r["labeler"] == "a" and r["split"] == split_of(r["provenance"]["equation"]) for r in labeled)
    capsys.readouterr()
    assert main(["labels", "agreement", str(out), str(tmp_path / "b.jsonl")]) == 0
    assert "Cohen's kappa 0.000" in capsys.readouterr().out
    write_jsonl(tmp_path / "bad.jsonl", [{"id": rows[0]["id"], "label": "maybe"}])
    assert main(["labels", "attach", str(rows_file), str(tmp_path / "bad.jsonl"), "-o", str(out)]) == 2
    assert "has label 'maybe'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="labeled again"):
        attach(rows, [tmp_path / "a.jsonl", tmp_path / "a.jsonl"])
    assert blind(rows)[0]["text"] == rows[0]["text"]


def test_export_chosen_and_one_draw_per_describer(tmp_path, finished_run):
    rows_file = tmp_path / "rows.jsonl"
    assert main(["labels", "export", str(finished_run), "-o", str(rows_file), "--sample", "chosen+random"]) == 0
    rows = read_jsonl(rows_file)
    agents = {r["provenance"]["agent"] for r in rows}
    roles = [role for r in rows for role in r["sampled_as"]]
    assert roles.count("chosen") == roles.count("random") == len(agents)  # one of each per describer
    assert all(("chosen" in r["sampled_as"]) == r["provenance"]["chosen"] for r in rows)
    assert all(1 <= sum(r["provenance"]["agent"] == a for r in rows) <= 2 for a in agents)
    again = tmp_path / "again.jsonl"
    main(["labels", "export", str(finished_run), "-o", str(again), "--sample", "chosen+random"])
    assert read_jsonl(again) == rows  # the draw is seeded
    other = tmp_path / "other.jsonl"
    draws = set()
    for seed in range(6):
        main(["labels", "export", str(finished_run), "-o", str(other), "--sample", "chosen+random",
              "--seed", str(seed)])
        draws |= {r["id"] for r in read_jsonl(other) if "random" in r["sampled_as"]}
    assert len(draws) > len(agents)  # other seeds draw other candidates


def test_findings_of_a_run_and_picked_wrong(finished_run):
    f = findings(finished_run, calibration={})
    assert f["chosen"] == sum(f["verdicts"].values()) > 0
    assert f["calibration"] is None
    records = [
        {"level": 2, "agent": "p/eq1", "equation": "p/eq1", "chosen": True, "verdict": "wrong"},
        {"level": 2, "agent": "p/eq1", "equation": "p/eq1", "chosen": False, "verdict": "ok"},
        {"level": 2, "agent": "p/eq2", "equation": "p/eq2", "chosen": True, "verdict": "ok"},
    ]
    (found,) = picked_wrong(records)
    assert found["equation"] == "p/eq1" and len(found["passed_over"]) == 1


def test_run_closing_table_says_whether_gold_is_calibrated(tmp_path, papers_file, script_file, capsys):
    assert main(["run", "--data", str(papers_file), "--summarizer", f"scripted:{script_file}",
                 "--runs", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "chosen descriptions gold calls wrong" in out
    assert "gold (rules) not calibrated for" in out  # a scripted describer was never measured against people
    assert "the parent preferred a wrong description in" in out
    json.dumps(out)


def test_export_keeps_rounds_and_selects_them(tmp_path, papers_file, script_file, capsys):
    run_dir = run_experiment(RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", papers=1,
                                       optimizer="refine(2)", runs=str(tmp_path / "runs")))
    every, some = tmp_path / "every.jsonl", tmp_path / "some.jsonl"
    assert main(["labels", "export", str(run_dir), "-o", str(every)]) == 0
    rounds = [r["provenance"]["round"] for r in read_jsonl(every)]
    assert sorted(set(rounds)) == [0, 1, 2] and rounds.count(0) == rounds.count(2) > 0
    assert main(["labels", "export", str(run_dir), "-o", str(some), "--round", "0", "--round", "2"]) == 0
    kept = read_jsonl(some)
    assert [r["provenance"]["round"] for r in kept] == [x for x in rounds if x != 1]
    assert {r["id"] for r in kept} < {r["id"] for r in read_jsonl(every)}  # same ids as the full export
    capsys.readouterr()
    assert main(["labels", "export", str(run_dir), "-o", str(some), "--round", "0", "--sample", "chosen+random"]) == 2
    assert "cannot be combined with --sample" in capsys.readouterr().err
    assert main(["labels", "export", str(run_dir), "-o", str(some), "--round", "5"]) == 2
    assert "no candidate of round 5" in capsys.readouterr().err


def test_the_closing_table_counts_doubted_picks(tmp_path, energy_papers, capsys):
    """A swapped meaning is a hint, not a proof: the pick is `unverifiable`, and the table counts it as doubted."""
    doubted = "Here E is the rest energy and m is the speed of light in vacuum."
    script = tmp_path / "doubt.json"
    script.write_text(json.dumps({"replies": [{"when": "what this equation states", "texts": [doubted]}],
                                  "default_label": "5"}))
    assert main(["run", "--data", str(energy_papers), "--papers", "2", "--summarizer", f"scripted:{script}",
                 "--optimizer", "none", "--gold-model", "none", "--runs", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    run_dir = next((tmp_path / "runs").iterdir())
    f = findings(run_dir, calibration={})
    assert f["chosen"] == 2 and f["doubted"] == 2 and f["verdicts"] == {"wrong": 0, "ok": 0, "unverifiable": 2}
    assert "2/2 (100%)" in out.split("the rules doubt")[1].splitlines()[0]


def test_calibration_measured_on_other_rules_does_not_apply(tmp_path, papers_file, script_file):
    """Figures measured with one version of the rules never describe verdicts of another: a run made before
    versions (its gold events name none), or one whose verdicts mix versions, gets no calibration and no
    corrected share, though its describer was calibrated."""
    import sqlite3

    from harness.gold.calibration import load_calibration
    from harness.gold.verdict import CHECKER
    from harness.reports.records import gold_reliability

    stored = {"describers": {"qwen-1.5b": {"split": "all", "agreement": {
        "rows": 10, "wrong": 5, "sensitivity": 0.6, "sensitivity_ci": [0.2, 0.9], "specificity": 0.8,
        "specificity_ci": [0.5, 1.0], "auroc": 0.8, "auroc_ci": [0.6, 0.9], "coverage": 0.7}}}, "checker": CHECKER}
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"instruments": {"rules": stored}}))
    assert load_calibration("rules", path) == stored
    assert load_calibration("rules", path, checker=None) == {"measured_with": CHECKER}
    assert load_calibration("rules", path, checker="2026-01-01") == {"measured_with": CHECKER}
    path.write_text(json.dumps({"instruments": {"rules": {"describers": stored["describers"]}}}))
    assert load_calibration("rules", path) == {"measured_with": None}  # a file from before versions
    assert load_calibration("rules", path, checker=None) == {"measured_with": None}  # no version never matches

    run_dir = run_experiment(RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", papers=1,
                                       runs=str(tmp_path / "runs")))
    db = sqlite3.connect(run_dir / "transcript.sqlite")
    versions = {json.loads(p).get("checker") for (p,) in db.execute("SELECT payload FROM events WHERE kind='gold'")}
    assert versions == {CHECKER}  # every verdict names the rules that gave it
    with db:  # the same run with a describer the shipped calibration has figures for
        db.execute("UPDATE run SET config = json_set(config, '$.describer', 'qwen-1.5b')")
        db.execute("UPDATE events SET payload = json_set(payload, '$.describer.spec', 'qwen-1.5b') "
                   "WHERE kind = 'models'")
    assert gold_reliability([run_dir])[0].startswith("gold (rules) calibrated for qwen-1.5b")
    found = findings(run_dir)
    assert found["calibration"] and found["corrected_wrong"] is not None

    def uncalibrated() -> None:
        line = gold_reliability([run_dir])[0]
        assert line.startswith("gold (rules) not calibrated for these verdicts"), line
        found = findings(run_dir)
        assert found["calibration_line"] == line and not found["calibration"] and found["corrected_wrong"] is None

    with db:  # one verdict from other rules: the run mixes versions
        db.execute("UPDATE events SET payload = json_set(payload, '$.checker', '2026-01-01') WHERE seq = "
                   "(SELECT min(seq) FROM events WHERE kind = 'gold')")
    uncalibrated()
    with db:  # as a run made before versions
        db.execute("UPDATE events SET payload = json_remove(payload, '$.checker') WHERE kind = 'gold'")
    db.close()
    uncalibrated()
    assert "rules without a version (before 2026-12-07)" in gold_reliability([run_dir])[0]


def test_the_shipped_calibration_was_measured_with_todays_rules():
    """Bumping CHECKER means re-measuring (python -m harness.gold.measure ... --write-calibration)."""
    from harness.core.resources import share_dir
    from harness.gold.calibration import CALIBRATION_FILE
    from harness.gold.verdict import CHECKER

    stored = json.loads((share_dir("evals") / CALIBRATION_FILE).read_text())["instruments"]
    assert stored and {v.get("checker") for v in stored.values()} == {CHECKER}
