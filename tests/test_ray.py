"""`--executor ray` on a local Ray runtime (2 CPUs) with the scripted backend: the same transcript as the local
executor, a killed worker's paper redone with a `retry` event, sweep points on Ray, judge-eval's pools on Ray
giving the local output (a killed worker's pool redone), torch threads per task, and one-line errors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from harness.cli import main
from harness.core.declared import ConfigError
from harness.run import ray_executor
from harness.run.config import RunConfig
from harness.run.experiment import Experiment
from harness.run.transcript import Transcript
from harness.sweeps.sweep import Sweep, run_sweep
from harness.view.data import detail
from tests.conftest import SCRIPT
from tests.test_judge_eval import suite_file

try:
    import psutil  # the ray extra brings it: it finds the worker to kill
    import ray
except ImportError:
    if os.environ.get("HARNESS_REQUIRE_RAY") == "1":
        pytest.fail("ray is required here (HARNESS_REQUIRE_RAY=1): pip install -e '.[ray]'", pytrace=False)
    pytest.skip("ray is not installed (the ray extra)", allow_module_level=True)


@pytest.fixture(scope="module", autouse=True)
def ray_runtime():
    """One local runtime for the module; the executor finds it initialised and uses it."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _cfg(tmp_path: Path, runs: str, delay: float = 0, **kw) -> RunConfig:
    """4 demo papers, 1 equation each, best-of-2; both executors name the same script file (the model spec)."""
    file = tmp_path / f"script-{delay}.json"
    file.write_text(json.dumps({**SCRIPT, "delay": delay}))
    return RunConfig(summarizer=f"scripted:{file}", papers=4, max_equations=1, optimizer="best_of_n(2)",
                     cache=False, runs=str(tmp_path / runs), **kw)


def _content(run_dir: Path) -> tuple[list, list]:
    """Agents, and events without timing (timestamps, seconds per call) and without retry events."""
    t = Transcript.open(run_dir)
    try:
        events = []
        for e in t.events():
            if e.kind == "retry":
                continue
            payload = e.payload
            if e.kind == "calls":
                payload = {"calls": [{k: v for k, v in c.items() if k != "seconds"} for c in payload["calls"]]}
            events.append((e.agent_id, e.kind, payload))
        return [a.model_dump() for a in t.agents()], events
    finally:
        t.close()


# Models in each worker process, or one Ray actor per model spec (that the paper tasks call).
PLACEMENTS = {"in-tasks": {}, "actors": {"ray_model_actors": True, "ray_actor_num_cpus": 0}}


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_ray_transcript_equals_local_event_by_event(tmp_path, placement):
    local = Experiment(_cfg(tmp_path, "local")).run()
    remote = Experiment(_cfg(tmp_path, "ray", executor="ray", **PLACEMENTS[placement])).run()
    agents, events = _content(local)
    assert len(events) > 40 and sum(e[1] == "paper_done" for e in events) == 4
    assert _content(remote) == (agents, events)
    assert Transcript.open(remote).info().status == "finished"


@pytest.mark.slow
def test_bundled_model_on_ray_equals_local_at_the_same_thread_count(tmp_path):
    """A real model (the bundled SmolLM2 in torch): its numbers depend on the thread count, so the local run is
    given the one thread that each Ray task reserves by default; then the transcripts are equal. The local run
    gives the process its own count back when it ends."""
    import torch

    before = torch.get_num_threads()
    cfg = RunConfig(summarizer="smollm2", papers=1, max_equations=1, optimizer="best_of_n(2)", gold_model="none",
                    cache=False, summary_tokens=24, describer_tokens=24, runs=str(tmp_path / "local"))
    local = Experiment(cfg.model_copy(update={"threads": 1})).run()
    assert torch.get_num_threads() == before
    remote = Experiment(cfg.model_copy(update={"executor": "ray", "runs": str(tmp_path / "ray")})).run()
    agents, events = _content(local)
    kinds = [e[1] for e in events]
    assert kinds.count("rating") == 2 and kinds[-1] == "paper_done"
    assert _content(remote) == (agents, events)
    assert Transcript.open(remote).info().status == "finished"


T = TypeVar("T")


def _run_and_kill(run: Callable[[], T], victim: str) -> T:
    """Call run() in a thread; SIGKILL the first Ray process whose title starts with ray::VICTIM, once it has run
    half a second; return what run() returned."""
    out: list[T] = []
    driver = threading.Thread(target=lambda: out.append(run()))
    driver.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline:
        for proc in psutil.process_iter(["cmdline"]):
            if (proc.info["cmdline"] or [""])[0].startswith(f"ray::{victim}"):
                time.sleep(0.5)  # let it get into its work
                os.kill(proc.pid, signal.SIGKILL)
                killed = proc.pid
                break
        time.sleep(0.1)
    driver.join(timeout=180)
    assert killed is not None and out, "no worker was found running the task, or the run did not end"
    return out[0]


@pytest.mark.parametrize("victim", ["run_papers", "ModelServer."])  # a paper task; the model actor mid-call
def test_killed_worker_has_its_paper_redone_with_a_retry_event(tmp_path, victim):
    """A paper task's worker, or the model actor's, is killed (SIGKILL) while papers run; the papers it took
    down are redone (the actor restarts), nothing is lost or doubled."""
    local = Experiment(_cfg(tmp_path, "local", delay=0.3)).run()
    experiment = Experiment(_cfg(tmp_path, "ray", delay=0.3, executor="ray", **PLACEMENTS[
        "actors" if victim.startswith("ModelServer") else "in-tasks"]))
    run_dir = _run_and_kill(experiment.run, victim)
    t = Transcript.open(run_dir)
    retries = [e.payload for e in t.events(kind="retry")]
    if victim == "run_papers":  # one task was running on that worker
        assert len(retries) == 1 and retries[0]["attempt"] == 1 and len(retries[0]["papers"]) == 1
        assert "WorkerCrashedError" in retries[0]["reason"]
    else:  # the tasks that called the actor while it was down wait for its restart, then are redone once
        assert retries and all(r["attempt"] == 1 and "Actor" in r["reason"] for r in retries)
    assert sorted(e.agent_id for e in t.events(kind="paper_done")) == sorted(
        e.agent_id for e in Transcript.open(local).events(kind="paper_done"))
    assert _content(run_dir) == _content(local)  # one copy of each paper, identical to the local run
    assert detail("r", run_dir)["retries"] == retries  # the viewer shows them


def test_a_task_lost_too_often_is_an_error_on_its_paper_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(ray_executor, "MAX_ATTEMPTS", 1)
    local = Experiment(_cfg(tmp_path, "local", delay=0.3)).run()
    run_dir = _run_and_kill(Experiment(_cfg(tmp_path, "ray", delay=0.3, executor="ray")).run, "run_papers")
    t = Transcript.open(run_dir)
    [retry] = [e.payload for e in t.events(kind="retry")]
    [error] = t.events(kind="error")
    assert [error.agent_id] == retry["papers"] and error.payload["message"].startswith("worker lost 1 times")
    assert t.info().status == "finished"
    lost = error.agent_id
    agents, events = _content(local)
    mine = lambda e: e[0] is not None and (e[0] == lost or e[0].startswith(lost + "/"))  # noqa: E731
    got_agents, got = _content(run_dir)
    assert got_agents == [a for a in agents if a["paper_id"] != lost]  # nothing of the lost paper's work
    assert [e for e in got if mine(e)] == [(lost, "error", error.payload)]
    assert [e for e in got if not mine(e)] == [e for e in events if not mine(e)]  # the other papers, as locally


def test_sweep_points_run_on_ray_as_they_would_locally(tmp_path):
    sweep = Sweep(name="s", analysis="best_of_n", run={"papers": 2, "max_equations": 1, "cache": False},
                  points={"optimizer": ["best_of_n(1)", "best_of_n(2)"]})
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    base = {"summarizer": f"scripted:{script}"}
    local = run_sweep(sweep, tmp_path / "local", base)
    remote = run_sweep(sweep, tmp_path / "ray", {**base, "executor": "ray"})
    assert list(remote) == list(local) == ["optimizer=best_of_n(1)", "optimizer=best_of_n(2)"]
    for label in local:
        assert _content(remote[label]) == _content(local[label])


def test_resume_on_ray_redoes_only_the_unfinished_papers(tmp_path):
    """A Ray run that lost its last two papers (as a killed driver would) is resumed on Ray: the papers equal
    the local run's, and the kept ones are not redone."""
    local = Experiment(_cfg(tmp_path, "local")).run()
    config = _cfg(tmp_path, "ray", executor="ray")
    run_dir = Experiment(config).run()
    t = Transcript.open(run_dir)
    papers = [a.id for a in t.agents() if a.parent_id is None]
    t.discard_papers(set(papers[2:]))
    kept = t.events()
    t.finish("interrupted")
    t.close()
    Experiment(config).resume(run_dir)
    t = Transcript.open(run_dir)
    assert t.events()[: len(kept)] == kept and t.info().status == "finished"
    assert [e.payload for e in t.events(kind="resume")] == [{"finished": 2, "remaining": 2, "discarded_events": 0}]

    def papers_only(content: tuple[list, list]) -> tuple[list, list]:
        return content[0], [e for e in content[1] if e[0] is not None]

    assert papers_only(_content(run_dir)) == papers_only(_content(local))


def test_ray_not_installed_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ConfigError, match=r"--executor ray needs Ray, which is not installed: pip install"):
        Experiment(_cfg(tmp_path, "runs", executor="ray"))


def test_unreachable_ray_address_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with pytest.raises(ConfigError, match="Ray cluster at 127.0.0.1:1 is unreachable"):
        Experiment(_cfg(tmp_path, "runs", executor="ray", ray_address="127.0.0.1:1"))
    script = tmp_path / "script-0.json"
    code = main(["run", "--summarizer", f"scripted:{script}", "--executor", "ray", "--ray-address", "nohost",
                 "--runs", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == ["harness: error: --ray-address 'nohost': expected HOST:PORT (e.g. 10.0.0.1:6379) "
                                 "or 'auto'"]
    assert not (tmp_path / "runs").exists()  # no run directory for a run that could not start


def _judge_eval(suite: Path, out: Path, *flags: str) -> dict:
    """`harness judge-eval` into `out`; its results.json without timing, the sampled candidates and the call
    cache's contents, and the plot's bytes."""
    assert main(["judge-eval", str(suite), "--out", str(out), *flags]) == 0
    data = json.loads((out / "results.json").read_text())
    data["sources"].pop("seconds")
    for r in data["results"]:
        r.pop("seconds")
    with sqlite3.connect(out / "calls.sqlite") as db:
        calls = sorted(db.execute("SELECT key, answer, spec FROM calls"))
    return {"results": data, "candidates": (out / "candidates.jsonl").read_text(), "calls": calls,
            "plot": (out / "p_wrong_pick.png").read_bytes()}


def test_judge_eval_on_ray_gives_the_local_output(tmp_path):
    """Every pool a Ray task: the same numbers, candidates, cached calls and plot as the local executor."""
    suite = suite_file(tmp_path)
    local = _judge_eval(suite, tmp_path / "local")
    remote = _judge_eval(suite, tmp_path / "ray", "--executor", "ray")
    assert len(local["results"]["pools"]) > 40 and len(local["calls"]) > 100
    assert remote == local and remote["results"]["retries"] == []


def _slow_suite(tmp_path: Path) -> Path:
    """The two sneaky pools only, with a judge that takes 0.3 s a call: a pool task runs long enough to be killed."""
    suite = suite_file(tmp_path, sets=[])
    judge = json.loads((tmp_path / "judge.json").read_text())
    (tmp_path / "judge.json").write_text(json.dumps({**judge, "delay": 0.3}))
    return suite


def test_judge_eval_pool_of_a_killed_worker_is_redone_once(tmp_path):
    """A pool task's worker is killed (SIGKILL) mid-pool: the pool is redone and counted once, the output equals
    the local one but for the retry it records."""
    suite = _slow_suite(tmp_path)
    local = _judge_eval(suite, tmp_path / "local")
    remote = _run_and_kill(lambda: _judge_eval(suite, tmp_path / "ray", "--executor", "ray"), "rate_unit")
    [retry] = remote["results"].pop("retries")
    assert retry["attempt"] == 1 and "WorkerCrashedError" in retry["reason"]
    local["results"].pop("retries")
    assert remote == local


def test_judge_eval_stops_with_one_line_when_a_pool_task_is_lost_too_often(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ray_executor, "MAX_ATTEMPTS", 1)
    suite = _slow_suite(tmp_path)
    code = _run_and_kill(lambda: main(["judge-eval", str(suite), "--out", str(tmp_path / "o"), "--executor", "ray"]),
                         "rate_unit")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("harness: error: rate_unit task ") and "worker lost 1 times (" in err[-1]
    assert not (tmp_path / "o" / "results.json").exists()


def test_a_task_computes_with_its_threads_or_as_many_torch_threads_as_cpus_it_reserved():
    def torch_threads() -> tuple[int, str]:
        import torch

        return torch.get_num_threads(), os.environ["HARNESS_LLAMACPP_THREADS"]  # llama.cpp reads it at each call

    calls = [ray_executor.Call((), num_cpus=n) for n in (2, 1, 2, 0.5)] + [ray_executor.Call((), 2, threads=1)]
    found = [r for _, r in ray_executor.ray_map(torch_threads, calls, print)]
    assert found == [(2, "2"), (1, "1"), (2, "2"), (1, "1"), (1, "1")]


def test_judge_eval_without_ray_or_with_a_bad_address_is_one_line(tmp_path, capsys, monkeypatch):
    suite = suite_file(tmp_path)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    assert main(["judge-eval", str(suite), "--executor", "ray", "--ray-address", "127.0.0.1:1",
                 "--out", str(tmp_path / "out")]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("harness: error: Ray cluster at 127.0.0.1:1 is unreachable (")
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["judge-eval", str(suite), "--executor", "ray", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "harness: error: --executor ray needs Ray, which is not installed: pip install 'harness[ray]'"]
    assert not (tmp_path / "out").exists()  # nothing written for a command that could not start
