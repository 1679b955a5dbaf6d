"""Prompt templates, one TOML file per role x objective under prompts/, rendered with str.format."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from harness.core.resources import share_dir
from harness.models import Messages

CONTEXT_CHARS = 600  # paper text around an equation that a describer or a reference-guided judge reads


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: str

    def render(self, **fields: str) -> Messages:
        try:
            return [
                {"role": "system", "content": self.system.format(**fields)},
                {"role": "user", "content": self.user.format(**fields)},
            ]
        except KeyError as exc:
            raise ValueError(f"prompt {self.name} needs the field {exc.args[0]!r}") from exc


def available(role: str) -> list[str]:
    return sorted(p.stem for p in (share_dir("prompts") / role).glob("*.toml"))


@cache
def load_prompt(role: str, objective: str = "default") -> Prompt:
    path = share_dir("prompts") / role / f"{objective}.toml"
    if not path.is_file():
        raise ValueError(f"no prompt for role {role!r} and objective {objective!r} (have: {available(role)})")
    data = tomllib.loads(path.read_text())
    return Prompt(name=f"{role}/{objective}", system=data["system"], user=data["user"])
