"""Sweeps: named experiments declared in evals/sweeps/*.toml, one run per point, restartable.

A sweep file has a base `[run]` config, `[points]` (each key a list of values; points are their product),
optional `[[variants]]` (tables of settings that go together, e.g. a corpus and the equations taken from it; each
point runs once per variant, labeled by its `label`), and an `analysis`: best_of_n (curves over n from each
describer's rated pool), rounds (refine/train), depth (per-level correlation), trust (the defection timeline),
control (safety and usefulness of trusted monitoring and defer-to-trusted) or objectives (what each hidden
objective did: length, rating, wrong share).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from harness.core.declared import declared, load_declared
from harness.run.config import RunConfig, load_config
from harness.run.experiment import Experiment, run_on_ray_together
from harness.run.transcript import list_runs


class Sweep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    analysis: Literal["best_of_n", "rounds", "depth", "trust", "control", "objectives"]
    run: dict[str, Any] = {}
    points: dict[str, list[Any]] = {}
    variants: list[dict[str, Any]] = []

    def configs(self, runs: Path, overrides: dict[str, Any]) -> list[tuple[str, RunConfig]]:
        keys = list(self.points)
        out = []
        for values in itertools.product(*(self.points[k] for k in keys)) if keys else [()]:
            for variant in self.variants or [{}]:
                settings = {k: v for k, v in variant.items() if k != "label"}
                parts = [f"{k}={v}" for k, v in zip(keys, values, strict=True)]
                label = ",".join(parts + ([f"variant={variant['label']}"] if "label" in variant else [])) or "base"
                settings = {**self.run, **settings, **dict(zip(keys, values, strict=True)), **overrides,
                            "runs": str(runs / self.name / label)}
                out.append((label, load_config(None, settings)))
        return out


def available_sweeps() -> list[str]:
    return declared("sweeps")


def load_sweep(ref: str) -> Sweep:
    return load_declared("sweeps", ref, Sweep)  # type: ignore[return-value]


def finished_run(point_dir: Path) -> Path | None:
    done = [info for info in list_runs(point_dir) if info.status == "finished"] if point_dir.is_dir() else []
    return done[-1].path if done else None


def run_sweep(sweep: Sweep, runs: Path, overrides: dict[str, Any] | None = None,
              on_point: Callable[[str, bool], None] | None = None) -> dict[str, Path]:
    """Run every point that has no finished run yet; returns point label -> finished run directory.
    With `executor = "ray"` the points' papers go to Ray as one pool of tasks, all points at once."""
    points = sweep.configs(runs, overrides or {})
    results: dict[str, Path] = {}
    on_ray: list[tuple[str, RunConfig]] = []
    for label, config in points:
        if existing := finished_run(Path(config.runs)):
            results[label] = existing
        elif config.executor == "ray":
            on_ray.append((label, config))
            continue
        else:
            results[label] = Experiment(config).run()
        if on_point:
            on_point(label, existing is not None)
    if on_ray:
        run_dirs = run_on_ray_together([config for _, config in on_ray])
        for (label, _), run_dir in zip(on_ray, run_dirs, strict=True):
            results[label] = run_dir
            if on_point:
                on_point(label, False)
    return {label: results[label] for label, _ in points}
