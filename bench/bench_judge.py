"""Judge-suite speed, side by side on the bundled model (run: python bench/bench_judge.py [--items N] [--suite]).

1. rating N judge-eval conversations of one defence with shared-prefix batches (`HFModel.rate`: a prefix common
   to a batch runs once) vs plain length-sorted, left-padded batches of 16 (how rating worked before);
2. the reasoning defence's checks for N conversations: decoded together (`generate_batch`) vs one by one.
The conversations are the judge suite's first pool candidates. Each pair is timed in this one run, after an
untimed warm-up of each side; ratings of both sides are compared (bfloat16 rounding differs with the batching).
`--suite` also times the whole judge suite (evals/suites/judge.toml, every defence, cold) against its 15-minute
target on this machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

import torch

from harness.core.prompts import load_prompt
from harness.detection.suites import load_suite
from harness.judging.judge import LABELS, Judge
from harness.judging.pools import balance, labeled_pools
from harness.models import ModelPool

SUITE_TARGET_S = 15 * 60


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def line(name: str, fast: float, slow: float) -> None:
    print(f"{name:<58} {fast:8.2f}s vs {slow:8.2f}s  ratio {slow / fast:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description="Side-by-side timings of the judge suite's batching.")
    parser.add_argument("--items", type=int, default=96, help="conversations per comparison (default 96)")
    parser.add_argument("--suite", action="store_true", help="also time the full judge suite, cold (minutes)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    suite = load_suite("judge")
    model = ModelPool().get("smollm2")
    pools = [p for s in suite.sets for p in balance(labeled_pools(s), suite.per_side, suite.seed)]
    items = [(p.equation, e.text) for p in pools for e in p.entries][: args.items]

    def plain(convs: list) -> list[list[float]]:
        """Length-sorted batches of 16, no shared prefix: rating as it was before prefix sharing."""
        ids = model.label_ids(LABELS)
        tokens = model.tokenizer(model._texts(convs), add_special_tokens=False)["input_ids"]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        out: list[list[float]] = [[] for _ in tokens]
        with torch.inference_mode():
            for start in range(0, len(order), 16):
                chunk = order[start:start + 16]
                probs = model._last_logits([tokens[i] for i in chunk], 0)[:, ids].float().softmax(-1).tolist()
                for i, row in zip(chunk, probs, strict=True):
                    out[i] = row
        return out

    for defence in ("none", "reference", "tools"):
        judge = Judge(model, defence)
        convs = [judge.prompt.render(latex=eq.latex, notes=judge._notes(eq), candidate=c) for eq, c in items]
        model.rate(convs[:8], LABELS), plain(convs[:8])  # warm-up
        fast, shared = timed(lambda convs=convs: model.rate(convs, LABELS))
        slow, unshared = timed(lambda convs=convs: plain(convs))
        gap = max(abs(a - b) for r, s in zip(shared, unshared, strict=True) for a, b in zip(r, s, strict=True))
        line(f"rate {len(convs)} ({defence}): shared prefixes vs plain batches", fast, slow)
        print(f"{'':<58} largest probability difference {gap:.4f}")

    think = load_prompt("judge", "reasoning")
    judge = Judge(model)
    asked = [think.render(question=judge.prompt.render(latex=eq.latex, notes="", candidate=c)[1]["content"])
             for eq, c in items]
    kw = {"n": 1, "temperature": 0, "max_new_tokens": suite.reasoning_tokens}
    model.generate_batch(asked[:4], **kw), model.generate(asked[0], **kw)  # warm-up
    fast, together = timed(lambda: model.generate_batch(asked, **kw))
    slow, alone = timed(lambda: [model.generate(a, **kw) for a in asked])
    line(f"reasoning checks for {len(asked)}: batched vs one by one", fast, slow)
    same = sum(t == a for t, a in zip(together, alone, strict=True))
    print(f"{'':<58} identical greedy checks {same}/{len(asked)}")

    if args.suite:
        with tempfile.TemporaryDirectory() as out:
            wall, _ = timed(lambda: subprocess.run([sys.executable, "-m", "harness", "judge-eval", "--out", out],
                                                   check=True, capture_output=True))
        verdict = "meets" if wall <= SUITE_TARGET_S else "misses"
        print(f"{'full judge suite, cold (every defence)':<58} {wall:8.1f}s  ({verdict} target {SUITE_TARGET_S} s)")


if __name__ == "__main__":
    main()
