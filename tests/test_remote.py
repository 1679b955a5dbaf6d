"""Remote backends: a real OpenAI-compatible server (llama-cpp-python's, serving the bundled GGUF) and, for the
failures a real server will not produce on demand, a stand-in server (tests/servers.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.cli import main
from harness.judging.judge import LABELS
from harness.models import ModelError, load_model
from harness.models import remote as remote_mod
from harness.run.config import RunConfig
from harness.run.experiment import Experiment
from harness.run.transcript import Transcript
from tests.conftest import PAPERS, write_jsonl
from tests.servers import StandIn, require, start_llama_server

MSGS = [{"role": "user", "content": "Rate the description E is energy. Reply with one digit from 1 to 9."}]


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(remote_mod, "BACKOFF_S", 0.01)


@pytest.fixture
def standin(request):
    servers = []

    def make(reply=lambda prompt: (200, "7"), **kw) -> StandIn:
        servers.append(StandIn(reply, **kw))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


def test_retries_transient_errors_then_succeeds(standin, quick_retries):
    for status in (503, 429):
        server = standin(fail_models=2, fail_status=status)
        assert remote_mod.served_models("openai", f"{server.url}/v1") == ["standin"]
        assert server.seen.count("/v1/models") == 3


def test_gives_up_with_one_line_and_does_not_retry_client_errors(standin, quick_retries):
    server = standin(fail_models=99)
    with pytest.raises(ModelError, match=r"unreachable: failed after 4 tries") as err:
        load_model(f"openai:standin@{server.url}/v1")
    assert "\n" not in str(err.value) and server.seen.count("/v1/models") == 4
    with pytest.raises(ModelError, match="unreachable"):
        load_model(f"openai:standin@{server.url}/nope")  # 404: a wrong URL is not retried
    assert server.seen.count("/nope/models") == 1
    with pytest.raises(ModelError, match="does not serve 'other' .it serves: standin."):
        load_model(f"openai:other@{standin().url}/v1")


def test_rating_method_logprobs_or_sampled(standin):
    with_lp = load_model(f"openai:standin@{standin(logprobs=True).url}/v1")
    assert with_lp.details["rating"] == "logprobs (top 20)"
    probs = with_lp.rate([MSGS], LABELS)[0]
    p7 = math.exp(-0.1) / (math.exp(-0.1) + math.exp(-2.5))
    assert probs[6] == pytest.approx(p7) and probs[2] == pytest.approx(1 - p7) and sum(probs) == pytest.approx(1)

    replies = iter(["7", "I would say 3", "no idea"] * 10)
    sampled = load_model(f"openai:standin@{standin(reply=lambda p: (200, next(replies))).url}/v1")
    assert sampled.details["rating"] == "sampled (k=8, parsed)"
    probs = sampled.rate([MSGS], LABELS)[0]
    assert sum(probs) == pytest.approx(1) and probs[6] > 0 and probs[2] > 0 and max(probs) < 1


def test_ollama_backend_against_a_stand_in(standin):
    server = standin(reply=lambda p: (200, "It says E is energy."))
    model = load_model(f"ollama:standin@{server.url}")
    assert model.details["backend"] == "ollama" and model.details["rating"].startswith("sampled")
    assert model.generate(MSGS, n=2, seed=1) == ["It says E is energy."] * 2
    assert "/api/chat" in server.seen and "/api/tags" in server.seen


def test_a_failing_paper_is_recorded_and_the_run_goes_on(tmp_path, standin, quick_retries, monkeypatch):
    """Paper 3's requests always get a 503: it ends with an error event; the others finish, concurrently.
    The API key, taken from the environment, is written nowhere in the run directory."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-logged-1234")
    server = standin(reply=lambda prompt: (503, "") if "Paper 3" in prompt else (200, "7"), logprobs=True)
    rows = [{**PAPERS[0], "id": f"p{i}", "title": f"Paper {i}",
             "equations": [{**PAPERS[0]["equations"][0], "id": f"p{i}/eq1"}]} for i in range(5)]
    data = write_jsonl(tmp_path / "papers.jsonl", rows)
    cfg = RunConfig(data=str(data), summarizer=f"openai:standin@{server.url}/v1", runs=str(tmp_path / "runs"),
                    optimizer="best_of_n(2)", max_connections=3, cache=False)
    experiment = Experiment(cfg)
    assert experiment.workers == 3
    t = Transcript.open(experiment.run())
    done = {e.agent_id for e in t.events(kind="paper_done")}
    errors = t.events(kind="error")
    assert done == {"p0", "p1", "p2", "p4"} and [e.agent_id for e in errors] == ["p3"]
    assert "failed after 4 tries" in errors[0].payload["message"] and t.info().status == "finished"
    t.close()
    for file in Path(cfg.runs).rglob("*"):
        if file.is_file():
            assert b"sk-test-never-logged" not in file.read_bytes()


def test_max_connections_bounds_concurrent_requests(tmp_path, standin):
    server = standin(delay=0.05, logprobs=True)
    rows = [{**PAPERS[0], "id": f"p{i}", "equations": [{**PAPERS[0]["equations"][0], "id": f"p{i}/eq1"}]}
            for i in range(6)]
    data = write_jsonl(tmp_path / "papers.jsonl", rows)
    for limit in (1, 3):
        server.max_inflight = 0
        cfg = RunConfig(data=str(data), summarizer=f"openai:standin@{server.url}/v1", runs=str(tmp_path / "runs"),
                        optimizer="best_of_n(4)", max_connections=limit, cache=False)
        Experiment(cfg).run()
        assert server.max_inflight == limit  # reached, and never exceeded


# -- the real server ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    require("llama_cpp", "the OpenAI-compatible server for the bundled model")
    require("uvicorn", "llama-cpp-python[server]")
    from harness.models.smollm2 import bundled_gguf

    proc, url = start_llama_server(bundled_gguf(), tmp_path_factory.mktemp("llama-server") / "server.log")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_logprob_rating_on_a_real_server_agrees_with_local_llamacpp(llama_server):
    served = load_model(f"openai:smollm2@{llama_server}")
    assert served.details["rating"] == "logprobs (top 20)"
    local = load_model("llamacpp:smollm2")
    convs = [MSGS, [{"role": "user", "content": "Is 2 + 2 = 4 right? Rate from 1 to 9."}]]
    for remote_row, local_row in zip(served.rate(convs, LABELS), local.rate(convs, LABELS), strict=True):
        assert sum(remote_row) == pytest.approx(1)
        # The server sees only its top 20 tokens; the labels it sees keep the local ranking's top label.
        assert max(range(9), key=remote_row.__getitem__) == max(range(9), key=local_row.__getitem__)
    texts = served.generate(MSGS, n=2, temperature=0.8, max_new_tokens=12, seed=5)
    assert len(texts) == 2 and texts == served.generate(MSGS, n=2, temperature=0.8, max_new_tokens=12, seed=5)


@pytest.mark.slow
def test_small_experiment_through_a_real_server_with_a_remote_judge(tmp_path, llama_server, capsys):
    spec = f"openai:smollm2@{llama_server}"
    argv = ["run", "--summarizer", spec, "--judge", spec, "--papers", "2", "--max-equations", "1", "--best-of", "2",
            "--runs", str(tmp_path / "runs")]
    assert main(argv) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    t = Transcript.open(run_dir)
    models = t.events(kind="models")[0].payload
    assert models["judge"]["spec"] == spec and models["judge"]["rating"] == "logprobs (top 20)"
    assert len(t.events(kind="paper_done")) == 2 and not t.events(kind="error")
    ratings = t.events(kind="rating")
    assert len(ratings) == 4 and all(sum(r.payload["distribution"].values()) == pytest.approx(1, abs=1e-4)
                                     for r in ratings)
    assert json.loads(json.dumps(t.info().config))["judge"] == spec
    t.close()


@pytest.mark.slow
def test_llamacpp_backend_rates_like_transformers():
    require("llama_cpp", "the llamacpp: backend")
    bundled = load_model("smollm2")
    fast = load_model("llamacpp:smollm2")
    convs = [MSGS, [{"role": "user", "content": "Describe x = y + 1 and rate it from 1 to 9."}]]
    for a, b in zip(fast.rate(convs, LABELS), bundled.rate(convs, LABELS), strict=True):
        # Same weights (Q4_1 in llama.cpp, dequantized in transformers): distributions within 0.15 in total variation.
        assert sum(abs(x - y) for x, y in zip(a, b, strict=True)) / 2 < 0.15
    assert fast.generate(MSGS, n=2, seed=3, max_new_tokens=10) == fast.generate(MSGS, n=2, seed=3, max_new_tokens=10)


@pytest.mark.slow
def test_llamacpp_takes_up_the_current_thread_count_at_each_call():
    """A Ray worker keeps its models across tasks that reserve different CPUs: the count in force at a call is
    the one used, for decoding and prompt batches alike (here the ratings do not change with it)."""
    require("llama_cpp", "the llamacpp: backend")
    from harness.models.threads import using_threads

    model = load_model("llamacpp:smollm2")
    with using_threads(1):
        one = model.rate([MSGS], LABELS)
        assert (model.llm.n_threads, model.llm.n_threads_batch) == (1, 1)
    with using_threads(2):
        two = model.rate([MSGS], LABELS)
        assert (model.llm.n_threads, model.llm.n_threads_batch) == (2, 2)
    assert one[0] == pytest.approx(two[0], abs=1e-6)


def test_run_experiment_rejects_an_unreachable_server_before_making_a_run(tmp_path, quick_retries, capsys):
    argv = ["run", "--summarizer", "openai:m@http://127.0.0.1:9/v1", "--runs", str(tmp_path / "runs")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("harness: error: server http://127.0.0.1:9/v1 unreachable") and "\n" not in err
    assert not (tmp_path / "runs").exists()


def test_models_lists_local_specs_and_what_a_server_serves(standin, capsys):
    server = standin()
    assert main(["models", "--openai", f"{server.url}/v1"]) == 0
    out = capsys.readouterr().out
    for spec in ("smollm2", "hf:PATH_OR_ID", "gguf:FILE.gguf", "openai:MODEL@BASE_URL", "ollama:MODEL[@URL]",
                 "scripted:FILE.json", f"openai:standin@{server.url}/v1"):
        assert spec in out
