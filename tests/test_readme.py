"""The README's config example must load as written."""

from __future__ import annotations

import re
from pathlib import Path

from harness.run.config import load_config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_example_loads(tmp_path):
    (block,) = re.findall(r"```toml\n(.*?)```", README.read_text(), re.S)
    path = tmp_path / "my-run.toml"
    path.write_text(block)
    config = load_config(str(path), {"seed": None})
    assert config.objective == "approval" and config.optimizer == "best_of_n(8)" and config.papers == 4
