"""Per-call seeds: a run's results depend only on its seed and each call's place in the spawn tree, never on the
order in which papers finish, so shards, resumes and concurrent papers give the same transcript."""

from __future__ import annotations

import zlib


def derive_seed(seed: int, *parts: str) -> int:
    """A per-call seed that depends only on the run seed and the call's place in the tree."""
    return zlib.crc32("/".join([str(seed), *parts]).encode()) & 0x7FFFFFFF
