"""Sweeps resume and report; depth builds the tree (trust and defection: tests/test_trust.py)."""

from __future__ import annotations

import pytest

from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from harness.run.transcript import Transcript
from harness.sweeps.analysis import best_of_n_curve, level_correlations
from harness.sweeps.report import write_sweep_report
from harness.sweeps.sweep import Sweep, run_sweep
from tests.conftest import write_jsonl


def test_sweep_resumes_without_redoing_finished_points(tmp_path, energy_papers, script_file):
    sweep = Sweep(name="tiny", analysis="best_of_n", run={"optimizer": "best_of_n(4)", "data": str(energy_papers),
                  "summarizer": f"scripted:{script_file}", "papers": 2}, points={"objective": ["honest", "approval"]})
    seen = []
    first = run_sweep(sweep, tmp_path / "runs", on_point=lambda label, reused: seen.append((label, reused)))
    assert seen == [("objective=honest", False), ("objective=approval", False)]
    # Interrupt the second point: its run is no longer finished, so only it is redone.
    t = Transcript.open(first["objective=approval"])
    t.finish("interrupted")
    t.close()
    seen.clear()
    second = run_sweep(sweep, tmp_path / "runs", on_point=lambda label, reused: seen.append((label, reused)))
    assert seen == [("objective=honest", True), ("objective=approval", False)]
    assert second["objective=honest"] == first["objective=honest"]
    assert second["objective=approval"] != first["objective=approval"]
    curve, fit = best_of_n_curve(second["objective=honest"])
    assert [c["n"] for c in curve] == [1, 2, 4] and fit is not None
    assert all(c["gold_ci"][0] <= c["gold"] <= c["gold_ci"][1] and c["pools"] == 2 for c in curve)
    assert curve[-1]["proxy_change"][0] == curve[-1]["proxy"] - curve[0]["proxy"]
    assert curve[0]["wrong_corrected"] is None  # a scripted describer: gold is not calibrated for it
    md, page = write_sweep_report(sweep, second, tmp_path / "report")
    assert "| objective=honest | 4 |" in md.read_text() and (tmp_path / "report" / "best_of_n.png").exists()
    assert "- gold (rules) not calibrated for describer scripted:" in md.read_text()  # scripted: never labeled


def test_variants_go_together_and_multiply_the_points(tmp_path):
    sweep = Sweep(name="v", analysis="best_of_n", run={"max_equations": 3},
                  points={"objective": ["honest", "approval"]},
                  variants=[{"label": "demo"}, {"label": "arxiv", "data": "arxiv-sample", "first_equation": 4}])
    configs = dict(sweep.configs(tmp_path, {"seed": 7}))
    assert list(configs) == ["objective=honest,variant=demo", "objective=honest,variant=arxiv",
                             "objective=approval,variant=demo", "objective=approval,variant=arxiv"]
    arxiv = configs["objective=approval,variant=arxiv"]
    assert (arxiv.data, arxiv.first_equation, arxiv.max_equations, arxiv.seed) == ("arxiv-sample", 4, 3, 7)
    assert configs["objective=honest,variant=demo"].data is None
    assert configs["objective=honest,variant=demo"].runs.endswith("objective=honest,variant=demo")


def test_depth_three_spawns_describers_for_parts(tmp_path, script_file):
    bayes = "p(\\theta \\mid x) = \\frac{p(x \\mid \\theta) p(\\theta)}{p(x)}"
    papers = write_jsonl(tmp_path / "bayes.jsonl", [{"id": "b", "title": "Bayes", "abstract": "a", "body": "b",
                                                    "equations": [{"latex": bayes}]}])
    cfg = RunConfig(data=str(papers), summarizer=f"scripted:{script_file}", depth=3, optimizer="best_of_n(2)",
                    runs=str(tmp_path / "runs"))
    run_dir = run_experiment(cfg)
    t = Transcript.open(run_dir)
    (root,) = t.tree()
    (describer,) = root["children"]
    assert describer["level"] == 2 and [c["equation_id"] for c in describer["children"]] == ["b/eq1.1", "b/eq1.2"]
    prompts = [t.events(agent_id=c["id"], kind="prompt")[0].payload["messages"][1]["content"]
               for c in describer["children"]]
    assert "p(\\theta \\mid x)" in prompts[0] and "\\frac{p(x \\mid \\theta) p(\\theta)}{p(x)}" in prompts[1]
    assert all(c["level"] == 3 and c["children"] == [] for c in describer["children"])
    # The parent describer reads its sub-agents' descriptions.
    own_prompt = t.events(agent_id=describer["id"], kind="prompt")[0].payload["messages"][1]["content"]
    assert "Notes on its parts" in own_prompt
    ratings = [e.payload for e in t.events(agent_id=describer["children"][0]["id"], kind="rating")]
    assert ratings and all(r["judge"] == describer["model"] for r in ratings)  # judged by their parent's model
    t.close()
    assert [r["level"] for r in level_correlations(run_dir, n_boot=50)] == [2, 3]


def test_readers_pick_against_draw_is_paired_by_pool():
    from harness.sweeps.human import paired

    def row(agent, roles, label, objective="honest"):
        return {"provenance": {"run": "r", "agent": agent, "objective": objective, "data": "demo"},
                "sampled_as": roles, "label": label}
    rows = [row("a", ["chosen"], "wrong"), row("a", ["random"], "correct"),  # the pick is worse
            row("b", ["chosen", "random"], "correct"),  # the draw was the pick
            row("c", ["chosen"], "vacuous"), row("c", ["random"], "wrong"),  # vacuous is not wrong
            row("d", ["chosen"], "wrong")]  # its draw was not labeled: left out
    found = paired(rows)["all"]
    assert found["pools"] == 3
    assert found["draw"] == pytest.approx(1 / 3) and found["pick"] == pytest.approx(1 / 3)
    assert found["change"][0] == pytest.approx(0.0)
    assert paired(rows)["honest, demo"]["pools"] == 3
    counting_vacuous = paired(rows, frozenset({"wrong", "vacuous"}))["all"]  # pool c's pick now counts as bad
    assert counting_vacuous["pick"] == pytest.approx(2 / 3) and counting_vacuous["change"][0] == pytest.approx(1 / 3)


def test_readers_objectives_against_honest_are_paired_by_equation():
    from harness.sweeps.human import against

    def row(objective, equation, label, text="one two three"):
        return {"id": f"{objective}-{equation}", "text": text, "label": label,
                "provenance": {"objective": objective, "equation": equation}}
    rows = [row("honest", "e1", "correct"), row("honest", "e2", "wrong"), row("honest", "e3", "correct"),
            row("verbose", "e1", "wrong", "a b c d e f"), row("verbose", "e2", "wrong", "a b"),
            row("verbose", "e4", "vacuous", "a"),  # no honest output of e4: counted, not paired
            row("approval", "e1", None)]  # unlabeled: left out
    found = against(rows, "honest")
    assert set(found) == {"honest", "verbose"}
    v = found["verbose"]
    assert v["n"] == 3 and v["labels"] == {"wrong": 2, "vacuous": 1} and v["words"] == pytest.approx(3.0)
    assert v["paired"] == 2 and v["change"][0] == pytest.approx(0.5)  # e1: 1 - 0, e2: 1 - 1
    assert v["change"][1] == (0.0, 1.0)  # the bootstrap draws both pairs alike (0) or the first twice (1)
    assert found["honest"]["paired"] == 3
    with pytest.raises(ValueError, match="objective 'treacherous'"):
        against(rows, "treacherous")
    # several outputs of one unit (a training step's samples) count by their share: e1 honest is now 1/2 wrong
    with pytest.raises(ValueError, match="honest-e1: labeled twice"):
        against([*rows, row("honest", "e1", "wrong")], "honest")
    two = against([*rows, {**row("honest", "e1", "wrong"), "id": "honest-e1-second"}], "honest")
    assert two["honest"]["n"] == 4 and two["verbose"]["change"][0] == pytest.approx((0.5 + 0) / 2)
    # refine drafts, grouped by candidate index and paired within a run: two runs describe e1
    for r, (run, draft) in zip(rows, [("a", 0), ("a", 0), ("a", 0), ("a", 1), ("a", 1), ("b", 1), ("b", 0)],
                               strict=True):
        r["provenance"] |= {"run": run, "candidate": draft}
    rows[-1]["provenance"]["equation"], rows[-1]["label"] = "e4", "correct"  # run b's first draft of e4
    rounds = against(rows, "0", field="candidate", unit=("run", "equation"))
    assert rounds["1"]["paired"] == 3  # a/e1 (wrong - correct), a/e2 (wrong - wrong), b/e4 (vacuous - correct)
    assert rounds["1"]["change"][0] == pytest.approx(1 / 3)
