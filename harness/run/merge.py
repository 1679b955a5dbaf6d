"""Combine the runs of `--shard 1/N` ... `--shard N/N` into one run, as if it had run on one machine."""

from __future__ import annotations

from pathlib import Path

from harness.run.config import RunConfig
from harness.run.experiment import new_run_id
from harness.run.transcript import Transcript

# Settings that say where and how a shard ran, not what it computed: shards may differ in them.
HOW = ("shard", "runs", "executor", *(k for k in RunConfig.model_fields if k.startswith("ray_")))


def merge_runs(run_dirs: list[Path], runs_root: Path) -> Path:
    """Shards must share every setting but `shard` and hold disjoint papers; the merged run's status is
    `finished` only when every shard finished."""
    shards = [Transcript.open(d) for d in run_dirs]
    try:
        infos = [t.info() for t in shards]
        base = {k: v for k, v in infos[0].config.items() if k not in HOW}
        for info in infos[1:]:
            other = {k: v for k, v in info.config.items() if k not in HOW}
            if differ := sorted(k for k in base.keys() | other.keys() if base.get(k) != other.get(k)):
                raise ValueError(f"cannot merge {info.id} with {infos[0].id}: they differ in {', '.join(differ)}")
        seen: dict[str, int] = {}
        for k, t in enumerate(shards):
            for node in t.agents():
                if node.parent_id is None and seen.setdefault(node.id, k) != k:
                    raise ValueError(f"paper {node.id} is in both {infos[seen[node.id]].id} and {infos[k].id}:"
                                     " not disjoint shards")
        config = RunConfig(**{**base, "runs": str(runs_root)})
        run_id = new_run_id(config)
        merged = Transcript.create(Path(runs_root) / run_id, run_id, config.model_dump())
        for t in shards:
            merged.absorb(t)
        merged.emit(None, "merged", shards=[{"id": i.id, "shard": i.config.get("shard"), "status": i.status}
                                            for i in infos])
        merged.finish("finished" if all(i.status == "finished" for i in infos) else "partial")
        merged.close()
        return merged.run_dir
    finally:
        for t in shards:
            t.close()
