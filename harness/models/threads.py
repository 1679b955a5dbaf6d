"""How many CPU threads the local models (torch and llama.cpp) compute with.

The count changes the numbers, not only the speed: torch's CPU kernels split a reduction over threads, and the
partial sums add up in another order. Measured here with the bundled model: one thread and two gave different
rating distributions (0.70 vs 0.73 for the same label) and so different summaries. Two runs give the same
transcript only when their models use the same count; `threads` in the run config fixes it for both executors.
"""

from __future__ import annotations

import os
import sys


def set_threads(count: float) -> int:
    """Compute with `count` threads (at least one) from now on: torch is told directly when already imported,
    and reads OMP_NUM_THREADS when imported later; llama.cpp models loaded later read HARNESS_LLAMACPP_THREADS.
    Returns the count set."""
    threads = max(1, int(count))
    os.environ["OMP_NUM_THREADS"] = str(threads)
    os.environ["HARNESS_LLAMACPP_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads
