"""Find the shipped prompts/, data/ and evals/ folders, in a checkout or in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the harness package (this file is harness/core/resources.py)


def share_dir(name: str) -> Path:
    """A wheel carries the folders as harness/_share/NAME; a checkout has them next to the package."""
    for candidate in (_PACKAGE / "_share" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the harness installation has no {name}/ folder (looked in {_PACKAGE})")


def demo_corpus() -> Path:
    return share_dir("data") / "demo" / "papers.jsonl"
