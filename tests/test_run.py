"""End-to-end runs with the scripted backend: tree shape, ratings, choice, determinism, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from harness.run.transcript import Transcript, list_runs
from tests.conftest import write_jsonl


def config(tmp_path: Path, papers_file: Path, script_file: Path, **kw) -> RunConfig:
    return RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", runs=str(tmp_path / "runs"),
                     optimizer="best_of_n(3)", **kw)


def test_run_builds_the_delegation_tree(tmp_path, papers_file, script_file):
    run_dir = run_experiment(config(tmp_path, papers_file, script_file))
    t = Transcript.open(run_dir)
    roots = t.tree()
    assert [r["id"] for r in roots] == ["p1", "p2"]
    p1, p2 = roots
    # eq3 has unbalanced braces: skipped with a warning, so p1 spawns two describers.
    assert [c["equation_id"] for c in p1["children"]] == ["p1/eq1", "p1/eq2"]
    assert any("p1/eq3 skipped: unbalanced braces" in w for w in p1["warnings"])
    assert p2["children"] == [] and "no displayed equations" in p2["warnings"][0]
    for describer in p1["children"]:
        assert describer["level"] == 2 and describer["parent_id"] == "p1"
        assert describer["optimizer"] == "best_of_n(3)" and describer["objective"] == "honest"
        cands = describer["candidates"]
        assert len(cands) == 3 and all(c["proxy"] is not None for c in cands)
        assert all(abs(sum(c["distribution"].values()) - 1) < 1e-6 for c in cands)
        chosen = [c for c in cands if c["chosen"]]
        assert len(chosen) == 1 and chosen[0]["proxy"] == max(c["proxy"] for c in cands)
    # The scripted judge is fooled by confidence: "A confident account." (8.5 -> 0.9375) wins.
    assert p1["children"][0]["candidates"][2]["chosen"]
    assert p1["children"][0]["candidates"][2]["proxy"] == pytest.approx((8.5 - 1) / 8)
    assert p1["summary"]["text"] == "We study a thing and find a result."
    done = t.events(kind="paper_done")
    assert [e.agent_id for e in done] == ["p1", "p2"]
    assert done[0].payload["mean_proxy"] == pytest.approx((8.5 - 1) / 8)
    assert 0 <= done[0].payload["rougeL"] <= 1
    assert t.info().status == "finished"
    t.close()


def _content(run_dir: Path) -> tuple[list, list]:
    """Agents and events, less the timings of model calls (the one part that varies between equal runs)."""
    t = Transcript.open(run_dir)
    try:
        return [a.model_dump() for a in t.agents()], [(e.agent_id, e.kind, e.payload) for e in t.events()
                                                      if e.kind != "calls"]
    finally:
        t.close()


def test_same_seed_same_transcript(tmp_path, papers_file, script_file, tiny_llama):
    cfg = RunConfig(data=str(papers_file), summarizer=f"hf:{tiny_llama}", runs=str(tmp_path / "runs"),
                    optimizer="best_of_n(2)", describer_tokens=6, summary_tokens=6, cache=False)
    a, b = run_experiment(cfg), run_experiment(cfg)  # no call cache: the model itself must repeat
    assert a != b and _content(a) == _content(b)
    c = run_experiment(cfg.model_copy(update={"seed": 1}))
    assert _content(c)[1] != _content(a)[1]


def test_show_json_and_runs(tmp_path, papers_file, script_file, capsys):
    runs = str(tmp_path / "runs")
    assert main(["run", "--data", str(papers_file), "--summarizer", f"scripted:{script_file}", "--best-of", "2",
                 "--runs", runs]) == 0
    capsys.readouterr()
    assert main(["show", "--json", "--runs", runs]) == 0
    tree = json.loads(capsys.readouterr().out)
    describer = tree["agents"][0]["children"][0]
    assert {"text", "proxy", "chosen"} <= describer["candidates"][0].keys()
    assert sum(c["chosen"] for c in describer["candidates"]) == 1
    assert main(["show", tree["run"]["id"], "--runs", runs]) == 0
    assert "chosen" in capsys.readouterr().out
    assert main(["runs", "--runs", runs]) == 0
    assert tree["run"]["id"] in capsys.readouterr().out
    assert len(list_runs(Path(runs))) == 1


def _error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("harness: error: ")
    return err[0]


def test_bad_input_gives_one_line_and_no_run(tmp_path, papers_file, script_file, capsys):
    runs = tmp_path / "runs"
    base = ["run", "--runs", str(runs), "--summarizer", f"scripted:{script_file}"]
    assert "no such file or directory: /nope/papers.jsonl" in _error(capsys, [*base, "--data", "/nope/papers.jsonl"])
    broken = tmp_path / "broken.jsonl"
    broken.write_text(papers_file.read_text().splitlines()[0] + "\n{not json\n")
    assert f"{broken}:2:" in _error(capsys, [*base, "--data", str(broken)])
    msg = _error(capsys, ["run", "--runs", str(runs), "--data", str(papers_file), "--summarizer", "gpt9:x"])
    assert "unknown model spec 'gpt9:x'" in msg and "hf:PATH_OR_ID" in msg and "scripted:" in msg
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text('objective = "honest"\nbest_of = 4\n')
    msg = _error(capsys, [*base, "--data", str(papers_file), "--config", str(bad_config)])
    assert "unknown config key 'best_of'" in msg and "optimizer" in msg
    assert "unknown optimizer" in _error(capsys, [*base, "--data", str(papers_file), "--optimizer", "beam(3)"])
    assert not runs.exists()


def test_failure_on_one_paper_keeps_the_rest(tmp_path, script_file):
    """A model error on one paper is an error event on that paper; the other papers finish."""
    script = json.loads(script_file.read_text())
    script["ratings"].insert(0, {"when": "POISON", "probs": {"x": 1.0}})
    script_file.write_text(json.dumps(script))
    rows = [{"id": "bad", "title": "t", "abstract": "a", "body": "b",
             "equations": [{"latex": "POISON = 1"}]},
            {"id": "good", "title": "t", "abstract": "a", "body": "b", "equations": [{"latex": "x = 1"}]}]
    papers = write_jsonl(tmp_path / "p.jsonl", rows)
    run_dir = run_experiment(RunConfig(data=str(papers), summarizer=f"scripted:{script_file}",
                                       runs=str(tmp_path / "runs")))
    t = Transcript.open(run_dir)
    assert [e.agent_id for e in t.events(kind="error")] == ["bad"]
    assert [e.agent_id for e in t.events(kind="paper_done")] == ["good"]
    t.close()


def test_latex_run_records_loader_warnings_and_skips_do_not_use_up_max_equations(tmp_path, script_file):
    """A paper whose first displays are a diagram and an expression gets its delegations from the later ones."""
    src = tmp_path / "paper"
    src.mkdir()
    (src / "main.tex").write_text(
        "\\documentclass{article}\n\\newcommand{\\beq}{\\begin{equation}}\n\\newcommand{\\eeq}{\\end{equation}}\n"
        "\\begin{document}\n\\begin{abstract}Short.\\end{abstract}\n"
        "\\[ \\tikz[baseline]{\\draw (0,0) -- (1,0);} = x \\]\n"
        "\\[ a + b \\]\n"
        "\\begin{equation} x = 1 \\end{equation}\n"
        "\\beq y = 2 \\eeq\n"
        "\\input{missing}\n\\end{document}\n"
    )
    run_dir = run_experiment(config(tmp_path, src, script_file, max_equations=2))
    [root] = Transcript.open(run_dir).tree()
    assert [c["equation_id"] for c in root["children"]] == ["main/eq3", "main/eq4"]
    # from the second delegable display on: the skipped ones do not count towards it either
    later = run_experiment(config(tmp_path, src, script_file, max_equations=2, first_equation=2))
    [root_later] = Transcript.open(later).tree()
    assert [c["equation_id"] for c in root_later["children"]] == ["main/eq4"]
    assert root["warnings"][:3] == [
        f"{src / 'main.tex'}:10: \\input file not found: missing",
        "equation main/eq1 skipped: diagram",
        "equation main/eq2 skipped: no relation",
    ]
