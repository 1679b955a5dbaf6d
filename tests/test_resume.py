"""`harness run --resume`: a real run process with the bundled model is killed with SIGKILL mid-way and resumed;
the result equals an uninterrupted run's. No call cache on either side, so the model itself must repeat."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.transcript import DB_NAME, Transcript
from tests.test_cache_shards import _results

ARGS = ["--papers", "3", "--max-equations", "1", "--best-of", "2", "--no-cache"]


def done_papers(run_dir: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{run_dir / DB_NAME}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM events WHERE kind = 'paper_done'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:  # the run has not created its tables yet
        return 0


def harness(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "harness", "run", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])


@pytest.mark.slow
def test_resume_after_kill_9_equals_an_uninterrupted_run(tmp_path):
    whole_runs, killed_runs = tmp_path / "whole", tmp_path / "killed"
    proc = harness(*ARGS, "--runs", str(whole_runs))
    assert proc.wait(timeout=900) == 0, proc.stderr.read().decode()[-2000:]
    (whole,) = whole_runs.iterdir()

    proc = harness(*ARGS, "--runs", str(killed_runs))
    deadline = time.time() + 900
    while time.time() < deadline and proc.poll() is None:
        dirs = list(killed_runs.glob("*"))
        if dirs and done_papers(dirs[0]) >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    (killed,) = killed_runs.iterdir()
    t = Transcript.open(killed)
    assert t.info().status == "running" and len(t.finished_papers()) < 3  # it really was cut short
    t.close()

    assert main(["run", "--resume", killed.name, "--runs", str(killed_runs), "--no-cache"]) == 0
    t = Transcript.open(killed)
    assert t.info().status == "finished" and len(t.finished_papers()) == 3
    (resume,) = t.events(kind="resume")
    assert resume.payload["finished"] >= 1 and resume.payload["remaining"] == 3 - resume.payload["finished"]
    t.close()
    assert _results(killed) == _results(whole)


def test_resume_refuses_settings_that_change_results(tmp_path, papers_file, script_file, capsys):
    runs = str(tmp_path / "runs")
    assert main(["run", "--data", str(papers_file), "--summarizer", f"scripted:{script_file}", "--runs", runs]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    for flag in (["--seed", "3"], ["--threads", "1"]):  # a model's numbers depend on its thread count
        assert main(["run", "--resume", run_dir.name, *flag, "--runs", runs]) == 2
        assert "--resume continues a run with its own config" in capsys.readouterr().err
    assert main(["run", "--resume", "no-such-run", "--runs", runs]) == 2
    assert "no run 'no-such-run'" in capsys.readouterr().err
    # Resuming a finished run redoes nothing.
    assert main(["run", "--resume", run_dir.name, "--runs", runs]) == 0
    t = Transcript.open(run_dir)
    assert t.events(kind="resume")[0].payload == {"finished": 2, "remaining": 0, "discarded_events": 0}
    assert len(t.events(kind="paper_done")) == 2
    t.close()
