"""The parent's trust in a sub-agent: a track record that makes it check less as trust grows (DESIGN.md 4.4).

Trust is the posterior mean of a Beta(1, 1) prior updated by checks passed and failed (0.5 for a new agent).
The parent checks an output with probability min(1, max(min_rate, 2 (1 - trust))): a new sub-agent always,
one that passed 3 checks (trust 0.8) 40% of the time, a long-trusted one at the floor `min_rate`.
A check is the parent's own judgment, never gold (harness.run.agents.parent_check): it passes when the parent's
judge rates the kept output at or above `check_threshold` and, with a monitor, the monitor's suspicion of it is
below `monitor_threshold`. Gold only scores each check afterwards (the `trust` event's `gold_agrees`).
"""

from __future__ import annotations

import random

from pydantic import BaseModel


class Trust(BaseModel):
    passed: int = 0
    failed: int = 0
    min_rate: float = 0.1

    @property
    def value(self) -> float:
        return (self.passed + 1) / (self.passed + self.failed + 2)

    @property
    def check_rate(self) -> float:
        return min(1.0, max(self.min_rate, 2.0 * (1.0 - self.value)))

    def should_check(self, rng: random.Random) -> bool:
        return rng.random() < self.check_rate

    def record(self, passed: bool) -> None:
        if passed:
            self.passed += 1
        else:
            self.failed += 1
