"""The same experiment on the bundled model, side by side in one run (python bench/bench_backends.py):

1. the transformers backend (`smollm2`) vs the llama.cpp backend (`llamacpp:smollm2`): wall time of the run and
   generated tokens per second (tokens counted with one tokenizer for both);
2. the call cache cold (an empty cache file) vs warm (the same run again, answered from the cache).
Model loading is outside the timed part. Needs the `llamacpp` extra for part 1.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from harness.models import load_model
from harness.run.config import RunConfig
from harness.run.experiment import Experiment
from harness.run.transcript import Transcript

SETTINGS = {"papers": 3, "max_equations": 2, "optimizer": "best_of_n(4)"}


def timed_run(config: RunConfig) -> tuple[float, Path]:
    experiment = Experiment(config)  # loads the models: not timed
    start = time.perf_counter()
    run_dir = experiment.run()
    return time.perf_counter() - start, run_dir


def generated_tokens(run_dir: Path, count) -> int:
    t = Transcript.open(run_dir)
    try:
        texts = [e.payload["text"] for e in t.events() if e.kind in ("candidate", "summary")]
    finally:
        t.close()
    return sum(count(text) for text in texts)


def main() -> None:
    count = load_model("smollm2").count_tokens
    print(f"{os.cpu_count()} cpus; experiment: demo corpus, {SETTINGS}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HARNESS_CALL_CACHE"] = str(Path(tmp) / "calls.sqlite")
        base = RunConfig(runs=str(Path(tmp) / "runs"), **SETTINGS)

        rows = {}
        for spec in ("smollm2", "llamacpp:smollm2"):
            seconds, run_dir = timed_run(base.model_copy(update={"summarizer": spec, "cache": False}))
            rows[spec] = (seconds, generated_tokens(run_dir, count))
            print(f"{spec:<18} run {seconds:7.2f}s  {rows[spec][1]:5d} tokens  {rows[spec][1] / seconds:6.1f} tokens/s")
        (hf_s, _), (ll_s, _) = rows["smollm2"], rows["llamacpp:smollm2"]
        print(f"llama.cpp vs transformers: wall-time ratio {hf_s / ll_s:.2f}x (above 1: llama.cpp is faster)")

        cold, _ = timed_run(base)
        warm, _ = timed_run(base)
        print(f"call cache: cold {cold:.2f}s vs warm {warm:.3f}s  ratio {cold / warm:.0f}x")


if __name__ == "__main__":
    main()
