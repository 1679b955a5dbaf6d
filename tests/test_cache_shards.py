"""The call cache, shards and merge, with the scripted backend (fast and exact)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.models import load_model
from harness.models.cache import CachedModel, CallCache, call_log
from harness.run.config import RunConfig
from harness.run.experiment import Experiment, run_experiment
from harness.run.transcript import Transcript
from tests.conftest import PAPERS, write_jsonl


class Counting:
    """A stand-in backend that counts the calls that reach it."""

    spec, context_window, details = "counting", 4096, {"backend": "stand-in"}

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, messages, n=1, temperature=0.7, max_new_tokens=128, seed=0):
        self.calls += 1
        return [f"{messages[-1]['content']}|{seed + k}|{temperature}" for k in range(n)]

    def rate(self, conversations, labels):
        self.calls += 1
        return [[1 / len(labels)] * len(labels) for _ in conversations]

    def count_tokens(self, text):
        return len(text.split())


def test_cache_answers_the_same_request_and_only_it(tmp_path):
    inner = Counting()
    model = CachedModel(inner, CallCache(tmp_path / "calls.sqlite"))
    msgs = [{"role": "user", "content": "hi"}]
    with call_log() as calls:
        first = model.generate(msgs, n=2, seed=3)
        again = model.generate(msgs, n=2, seed=3)
        model.generate(msgs, n=2, seed=4)  # another seed is another request
        model.generate(msgs, n=2, seed=3, temperature=0.1)  # and so is another temperature
    assert first == again and inner.calls == 3
    assert [c["cached"] for c in calls] == [False, True, False, False]
    assert model.rate([msgs], ["1", "2"]) == model.rate([msgs], ["1", "2"]) and inner.calls == 4
    # A second process (a new CallCache on the same file) sees the answers; no store means no caching.
    assert CachedModel(inner, CallCache(tmp_path / "calls.sqlite")).generate(msgs, n=2, seed=3) == first
    assert inner.calls == 4
    CachedModel(inner, None).generate(msgs, n=2, seed=3)
    assert inner.calls == 5
    # A batch of conversations is one request: cached as a whole, logged with its number of completions.
    other = [{"role": "user", "content": "ho"}]
    with call_log() as calls:
        batch = model.generate_batch([msgs, other], n=2, seed=3)
        assert model.generate_batch([msgs, other], n=2, seed=3) == batch
    assert batch == [first, ["ho|3|0.7", "ho|4|0.7"]] and inner.calls == 7  # the stand-in has no batched call
    assert [(c["call"], c["n"], c["cached"]) for c in calls] == [("generate_batch", 4, hit) for hit in (False, True)]


def _cfg(tmp_path: Path, data: Path, script: Path, **kw) -> RunConfig:
    return RunConfig(data=str(data), summarizer=f"scripted:{script}", runs=str(tmp_path / "runs"),
                     optimizer="best_of_n(2)", **kw)


def _calls(run_dir: Path) -> list[dict]:
    t = Transcript.open(run_dir)
    try:
        return [c for e in t.events(kind="calls") for c in e.payload["calls"]]
    finally:
        t.close()


def test_transcript_marks_cache_hits_and_no_cache_bypasses(tmp_path, papers_file, script_file):
    first = _calls(run_experiment(_cfg(tmp_path, papers_file, script_file)))
    second = _calls(run_experiment(_cfg(tmp_path, papers_file, script_file)))
    bypass = _calls(run_experiment(_cfg(tmp_path, papers_file, script_file, cache=False)))
    assert first and not any(c["cached"] for c in first)
    assert len(second) == len(first) and all(c["cached"] for c in second)
    assert len(bypass) == len(first) and not any(c["cached"] for c in bypass)
    assert {c["call"] for c in first} == {"generate", "rate"}


def _results(run_dir: Path) -> dict[str, tuple]:
    """Per paper: its done event and every candidate with its rating and gold verdict."""
    t = Transcript.open(run_dir)
    try:
        out: dict[str, list] = {}
        papers = {a.id: a.paper_id for a in t.agents()}
        for e in t.events():
            if e.kind in ("paper_done", "candidate", "rating", "gold", "selection", "summary"):
                out.setdefault(papers.get(e.agent_id, e.agent_id), []).append((e.agent_id, e.kind, e.payload))
        return {k: tuple(v) for k, v in out.items()}
    finally:
        t.close()


def many_papers(tmp_path: Path) -> Path:
    rows = [{**PAPERS[0], "id": f"p{i}", "title": f"Paper {i}",
             "equations": [{**eq, "id": f"p{i}/{eq['id'].split('/')[1]}"} for eq in PAPERS[0]["equations"]]}
            for i in range(5)]
    return write_jsonl(tmp_path / "five.jsonl", rows)


def test_shards_cover_the_papers_and_merge_into_the_unsharded_run(tmp_path, script_file, capsys):
    data = many_papers(tmp_path)
    whole = run_experiment(_cfg(tmp_path, data, script_file, cache=False))
    shards = [Experiment(_cfg(tmp_path, data, script_file, cache=False, shard=f"{i}/2")) for i in (1, 2)]
    assert [[p.id for p in s.papers] for s in shards] == [["p0", "p2", "p4"], ["p1", "p3"]]
    dirs = [s.run() for s in shards]
    assert main(["merge", *[str(d) for d in dirs], "--runs", str(tmp_path / "runs")]) == 0
    merged = Path(capsys.readouterr().out.split("merged 2 runs into ")[1].split()[0])
    assert _results(merged) == _results(whole)
    t = Transcript.open(merged)
    assert t.info().status == "finished" and t.info().config["shard"] is None
    assert [s["shard"] for s in t.events(kind="merged")[0].payload["shards"]] == ["1/2", "2/2"]
    t.close()


def test_merge_refuses_mismatched_or_overlapping_runs(tmp_path, script_file, capsys):
    data = many_papers(tmp_path)
    a = Experiment(_cfg(tmp_path, data, script_file, shard="1/2")).run()
    b = Experiment(_cfg(tmp_path, data, script_file, shard="2/2", seed=5)).run()
    assert main(["merge", str(a), str(b)]) == 2
    assert "differ in seed" in capsys.readouterr().err
    assert main(["merge", str(a), str(a)]) == 2
    assert "not disjoint shards" in capsys.readouterr().err


@pytest.mark.parametrize("shard", ["0/2", "3/2", "1-2"])
def test_bad_shard_is_one_line(tmp_path, papers_file, script_file, capsys, shard):
    assert main(["run", "--data", str(papers_file), "--summarizer", f"scripted:{script_file}", "--shard", shard,
                 "--runs", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("harness: error:") and "shard" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_unknown_spec_and_missing_extra_are_one_line():
    with pytest.raises(Exception, match="unknown model spec 'nope:x'; valid forms"):
        load_model("nope:x")
    with pytest.raises(Exception, match="needs MODEL@BASE_URL"):
        load_model("openai:justaname")


def test_a_monitor_scores_every_candidate(tmp_path, papers_file, script_file):
    """A scripted monitor that says "No" (the claim does not hold) with probability 0.3 to every question."""
    monitor = tmp_path / "monitor.json"
    monitor.write_text('{"ratings": [{"when": ".", "probs": {"Yes": 0.7, "No": 0.3}}]}')
    run_dir = run_experiment(_cfg(tmp_path, papers_file, script_file, monitor=f"scripted:{monitor}"))
    t = Transcript.open(run_dir)
    scores = t.events(kind="detector")
    assert len(scores) == len(t.events(kind="candidate")) == 4 and not t.events(kind="error")
    assert {e.payload["detector"] for e in scores} == {"crossexam"}
    assert all(e.payload["score"] == pytest.approx(0.3) for e in scores)
    assert t.events(kind="models")[0].payload["monitor"]["spec"] == f"scripted:{monitor}"
    # Each rating event keeps the judge's conversation exactly: the candidate's text is in what it rated.
    texts = {(e.agent_id, e.payload["index"]): e.payload["text"] for e in t.events(kind="candidate")}
    for e in t.events(kind="rating"):
        assert texts[(e.agent_id, e.payload["index"])] in e.payload["messages"][-1]["content"]
    cands = [c for root in t.tree() for d in root["children"] for c in d["candidates"]]
    assert all(c["detectors"]["crossexam"] == e.payload["score"] for c, e in zip(cands, scores, strict=True))
    t.close()
