"""Trust lowers the checking rate as specified."""

from __future__ import annotations

import random

import pytest

from harness.run.trust import Trust


def test_check_rate_falls_with_a_good_record_and_rises_after_a_failure():
    t = Trust(min_rate=0.1)
    assert t.value == 0.5 and t.check_rate == 1.0
    rates = []
    for _ in range(20):
        t.record(True)
        rates.append(t.check_rate)
    assert rates[2] == pytest.approx(2 * (1 - 4 / 5))  # 3 passes: trust 0.8, checked 40% of the time
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False)) and rates[-1] == 0.1
    t.record(False)
    assert t.check_rate == pytest.approx(2 * (1 - 21 / 23)) and t.check_rate > rates[-1]


def test_sampled_checks_follow_the_rate():
    rng, t = random.Random(0), Trust(passed=8, failed=0, min_rate=0.05)  # trust 0.9 -> rate 0.2
    share = sum(t.should_check(rng) for _ in range(5000)) / 5000
    assert share == pytest.approx(0.2, abs=0.02)
