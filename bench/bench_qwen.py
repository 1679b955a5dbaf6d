"""Side-by-side timings of the named Qwen models (run: python bench/bench_qwen.py [--models qwen-0.5b,qwen-1.5b]).

For each model, in one run:
1. first load (assembly from the installed parts + conversion to safetensors) vs a cached load (target <= 3 s);
2. rating 32 candidates through the label distribution vs generating a rating and parsing it (target for
   qwen-1.5b: 32 ratings <= 30 s);
3. best-of-4 sampling of 100-token descriptions, one batched call vs 4 sequential calls, in tokens per second
   (target >= 2.5x); and a best-of-16 pool of 64-token descriptions (a Goodhart sweep's pool) with the
   prompt's prefill run once vs once per sample;
4. one forward pass over a ~250-token rating prompt in float32 vs bfloat16 (the conversion loaded both ways);
5. transformers vs llama.cpp on the same small job (best-of-4 descriptions of one equation, then rating 32
   candidates), when llama-cpp-python is installed.
Each line prints both timings and their ratio, measured here in this one run; every timed call has an untimed
call of the same kind before it. The first load uses a fresh cache directory, so it assembles and converts.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time

import torch

from harness.core.papers import load_papers
from harness.core.prompts import load_prompt
from harness.core.quiet import quiet_third_parties
from harness.core.resources import demo_corpus
from harness.judging.judge import LABELS, Judge
from harness.models import load_model

GEN_TOKENS = 100
PARSE_TOKENS = 8


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def line(name: str, fast: float, slow: float, note: str = "") -> None:
    print(f"  {name:<58} {fast:8.2f}s vs {slow:8.2f}s  ratio {slow / fast:6.1f}x  {note}")


def tokens_of(model, texts: list[str]) -> int:
    return sum(model.count_tokens(t) for t in texts)


def bench(spec: str) -> None:
    print(f"\n{spec}")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["HARNESS_CACHE_DIR"] = cache
        first, _ = timed(lambda: load_model(spec))
        cached, model = timed(lambda: load_model(spec), repeat=2)
        verdict = "meets" if cached <= 3 else "misses"
        line("load: cached vs first (assembly + conversion)", cached, first, f"({verdict} target <= 3 s cached)")
        print(f"  details: {model.details}")

        equations = [e for p in load_papers(demo_corpus()) for e in p.equations]
        describe = load_prompt("describer", "honest")
        messages = describe.render(title="A paper", latex=equations[0].latex, context=equations[0].context)
        sample = lambda s: model.generate(messages, n=4, temperature=0.8, max_new_tokens=GEN_TOKENS, seed=s)  # noqa: E731
        sample(0)  # warm-up
        t_batch, texts = timed(lambda: sample(1))
        t_seq, seq = timed(lambda: [model.generate(messages, n=1, temperature=0.8, max_new_tokens=GEN_TOKENS,
                                                   seed=10 + k)[0] for k in range(4)])
        rate_b, rate_s = tokens_of(model, texts) / t_batch, tokens_of(model, seq) / t_seq
        line("best-of-4, 100 tokens: batched vs sequential", t_batch, t_seq,
             f"({rate_b:.1f} vs {rate_s:.1f} tokens/s; target >= 2.5x)")

        pool = lambda: model.generate(messages, n=16, temperature=0.8, max_new_tokens=64, seed=2)  # noqa: E731
        t_once, once = timed(pool)
        model.share_prompt = False
        t_each, each = timed(pool)
        model.share_prompt = True
        line("best-of-16, 64 tokens: prompt prefill once vs per sample", t_once, t_each,
             f"({sum(a == b for a, b in zip(once, each, strict=True))}/16 texts the same)")

        judge = Judge(model)
        pairs = [(equations[i % len(equations)], (texts + seq)[i % 8]) for i in range(32)]
        convs = [judge.prompt.render(latex=e.latex, candidate=c, notes="") for e, c in pairs]
        model.rate(convs[:2], LABELS)  # warm-up
        t_dist, _ = timed(lambda: model.rate(convs, LABELS))

        def generate_and_parse() -> int:
            replies = [model.generate(c, n=1, temperature=0, max_new_tokens=PARSE_TOKENS)[0] for c in convs]
            return sum(bool(re.search(r"[1-9]", r)) for r in replies)

        t_gen, parsed = timed(generate_and_parse)
        note = f"(digit in {parsed}/32 replies" + (f"; {'meets' if t_dist <= 30 else 'misses'} target <= 30 s)"
                                                   if spec == "qwen-1.5b" else ")")
        line("rate 32: label distribution vs generate+parse", t_dist, t_gen, note)

        long = max(convs, key=lambda c: model.count_tokens(c[-1]["content"]))
        n_tokens = model.count_tokens(long[-1]["content"])
        forward = {}
        for dtype in ("float32", "bfloat16"):
            os.environ["HARNESS_DTYPE"] = dtype
            m = load_model(spec)
            m.rate([long], LABELS)
            forward[dtype], _ = timed(lambda m=m: m.rate([long], LABELS), repeat=3)
            del m
        os.environ.pop("HARNESS_DTYPE")
        line(f"one forward pass, {n_tokens}-token prompt: float32 vs bfloat16", forward["float32"],
             forward["bfloat16"], "(ratio > 1: float32 is faster)")

        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            print("  transformers vs llama.cpp: skipped (llama-cpp-python is not installed)")
            return
        fast = load_model(f"llamacpp:{spec}")

        def job(m) -> None:
            m.generate(messages, n=4, temperature=0.8, max_new_tokens=GEN_TOKENS, seed=3)
            m.rate(convs, LABELS)

        fast.rate(convs[:1], LABELS)
        t_llama, _ = timed(lambda: job(fast))
        t_hf, _ = timed(lambda: job(model))
        winner = "llama.cpp" if t_llama < t_hf else "transformers"
        line("best-of-4 + rate 32: llama.cpp vs transformers", t_llama, t_hf, f"({winner} is faster)")


def main() -> None:
    quiet_third_parties()  # the bench prints its own lines, not transformers' progress bars
    parser = argparse.ArgumentParser(description="Side-by-side timings of the named Qwen models.")
    parser.add_argument("--models", default="qwen-0.5b,qwen-1.5b", help="comma-separated named model specs")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus")
    for spec in args.models.split(","):
        bench(spec)


if __name__ == "__main__":
    main()
