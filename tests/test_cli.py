"""The command line a new user meets first: the command list, every command's --help, and quiet model loading."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness.cli import COMMANDS, main
from harness.models.smollm2 import bundled_gguf


@pytest.mark.parametrize("argv", [[], ["-h"], ["--help"]])
def test_the_bare_command_and_help_list_every_command_with_its_summary(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr().out
    assert code == 0
    for name, module in COMMANDS.items():
        assert name in out
        assert module.__doc__.split()[0] in out  # the first word of the command's one-line summary


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: harness {command}") and "--verbose" in out


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_converting_the_bundled_model_prints_one_harness_line_and_no_third_party_bars(tmp_path, verbose):
    bundled_gguf()  # the bundled model is part of the test install: its absence is a failure, not a skip
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    for key in ("TQDM_DISABLE", "TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS"):
        env.pop(key, None)
    argv = ["run", "--papers", "1", "--max-equations", "1", "--best-of", "1", "--runs", str(tmp_path / "runs")]
    argv += ["--verbose"] if verbose else []
    done = subprocess.run([sys.executable, "-m", "harness", *argv], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "harness: converting smollm2 once" in done.stderr
    third_party = "de-quantizing" in done.stderr.lower() or "it/s]" in done.stderr
    assert third_party == verbose, done.stderr[-2000:]
