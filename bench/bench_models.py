"""Side-by-side timings on the bundled model (run: python bench/bench_models.py).

1. rating 32 candidates through the label distribution (one forward pass, batched) vs generating a rating
   and parsing it (batched greedy generation of a short reply);
2. best-of-8 in one batched `generate` call vs 8 sequential calls;
3. loading the model from the safetensors cache vs the first GGUF load (conversion included).
Each line prints both timings and their ratio, measured in this one run.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

import torch

from harness.judge import LABELS, Judge
from harness.models.hf import HFModel
from harness.models.smollm2 import bundled_gguf
from harness.papers import load_papers
from harness.resources import demo_corpus


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
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["HARNESS_CACHE_DIR"] = cache
        first, _ = timed(lambda: HFModel.from_gguf(bundled_gguf(), spec="smollm2"))
        cached, model = timed(lambda: HFModel.from_gguf(bundled_gguf(), spec="smollm2"), repeat=3)
    line("load: cached safetensors vs first GGUF load", cached, first, 1)

    equations = [e for p in load_papers(demo_corpus()) for e in p.equations]
    judge = Judge(model)
    messages = [{"role": "user", "content": f"Describe the equation {equations[0].latex} in two sentences."}]
    candidates = model.generate(messages, n=8, temperature=0.9, max_new_tokens=48, seed=0)
    pairs = [(equations[i % len(equations)], candidates[i % len(candidates)]) for i in range(32)]
    convs = [judge.prompt.render(latex=e.latex, candidate=c) for e, c in pairs]

    t_dist, _ = timed(lambda: model.rate(convs, LABELS), repeat=2)

    def generate_and_parse() -> int:
        tok, parsed = model.tokenizer, 0
        for start in range(0, len(convs), 16):
            enc = model._encode(convs[start:start + 16])
            with torch.inference_mode():
                out = model.model.generate(**enc, do_sample=False, max_new_tokens=16, pad_token_id=tok.pad_token_id)
            for text in tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True):
                parsed += bool(re.search(r"[1-9]", text))
        return parsed

    t_gen, parsed = timed(generate_and_parse, repeat=2)
    line("rate 32: label distribution vs generate+parse", t_dist, t_gen, 10)
    print(f"{'':<46} (generate+parse found a digit in {parsed}/32 replies; max_new_tokens=16)")

    t_batch, _ = timed(lambda: model.generate(messages, n=8, temperature=0.9, max_new_tokens=64, seed=1), repeat=2)
    t_seq, _ = timed(lambda: [model.generate(messages, n=1, temperature=0.9, max_new_tokens=64, seed=s)
                              for s in range(8)], repeat=2)
    line("best-of-8: one batched call vs 8 sequential", t_batch, t_seq, 4)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
