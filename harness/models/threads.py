"""How many CPU threads the local models (torch and llama.cpp) compute with.

The count changes the numbers, not only the speed: torch's CPU kernels split a reduction over threads, and the
partial sums add up in another order. Measured here with the bundled model: one thread and two gave different
rating distributions (0.729 vs 0.701 for the same label) and so different summaries. Two runs give the same
transcript only when their models use the same count; the run config's `threads` fixes it for both executors.
A repeated call answered from the call cache keeps the answer of whatever count first computed it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

ENV = ("OMP_NUM_THREADS", "HARNESS_LLAMACPP_THREADS")  # torch's count at import; llama.cpp's at every call


def set_threads(count: float) -> int:
    """Compute with `count` threads (at least one) from now on: torch is told directly when already imported,
    and reads OMP_NUM_THREADS when imported later; llama.cpp models read HARNESS_LLAMACPP_THREADS before each
    call. Returns the count set."""
    threads = max(1, int(count))
    for name in ENV:
        os.environ[name] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads


@contextmanager
def using_threads(count: int | None) -> Iterator[None]:
    """`count` threads inside the block, and the process's own count again after it (None: leave it alone), so
    that one run's setting does not carry over into the next run in the same process."""
    if count is None:
        yield
        return
    saved = {name: os.environ.get(name) for name in ENV}
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch else None
    set_threads(count)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        torch = sys.modules.get("torch")
        if torch is not None:  # imported inside the block: its count came from the environment just restored
            omp = saved["OMP_NUM_THREADS"]
            torch.set_num_threads(before or (int(omp) if omp else os.cpu_count() or 1))
