"""Declared files: the TOML files under evals/ that name a suite or a sweep, loaded by name or path, and the
one-line error a bad config file or flag gives (DESIGN.md section 6)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from harness.core.resources import share_dir


class ConfigError(Exception):
    """A one-line, user-facing problem with a config file or flag."""


def declared(folder: str) -> list[str]:
    """Names of the declarative TOML files under evals/<folder> (suites, sweeps)."""
    return sorted(p.stem for p in (share_dir("evals") / folder).glob("*.toml"))


def load_declared(folder: str, ref: str, model: type[BaseModel]) -> BaseModel:
    """A TOML file under evals/<folder> by name, or any .toml path, validated by `model` (with `name` set)."""
    path = Path(ref) if ref.endswith(".toml") else share_dir("evals") / folder / f"{ref}.toml"
    if not path.is_file():
        raise ConfigError(f"no {folder[:-1]} {ref!r} (available: {', '.join(declared(folder))})")
    try:
        return model(name=path.stem, **tomllib.loads(path.read_text()))
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise ConfigError(f"{path}: bad {folder[:-1]} ({str(exc).splitlines()[0]})") from exc
