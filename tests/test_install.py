"""A non-editable install (a built wheel) must carry prompts/, data/ and evals/ and find them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = """
from harness.core.resources import share_dir, demo_corpus
from harness.core.prompts import load_prompt
from harness.core.papers import load_papers
print(share_dir("prompts"))
print(share_dir("evals"))
print(load_prompt("describer", "approval").name)
print(len(load_papers(demo_corpus())))
"""


def test_wheel_install_finds_prompts_data_and_evals(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, check=True, capture_output=True,
                         text=True, timeout=300).stdout.splitlines()
    prompts, evals, prompt_name, n_papers = out
    assert Path(prompts).is_relative_to(target) and (Path(prompts) / "judge" / "default.toml").is_file()
    assert Path(evals).is_relative_to(target) and (Path(evals) / "labeled" / "handwritten.jsonl").is_file()
    assert prompt_name == "describer/approval"
    assert int(n_papers) >= 12
