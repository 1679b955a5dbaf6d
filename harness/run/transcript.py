"""The transcript: one SQLite file per run directory, written as the run goes.

Tables: `run` (one row: id, config, status), `agents` (the spawn tree) and `events` (ordered, append-only).
Each event is committed on its own, in WAL mode, so a killed run keeps everything finished before the kill.
Writes take a lock, so papers running in threads can share one transcript.

`human_label` events are the one kind written after a run, by a reader in the viewer (`add_human_label`); later
labels of a candidate supersede earlier ones, and every label stays in the transcript.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

DB_NAME = "transcript.sqlite"

EventKind = Literal[
    "models", "prompt", "truncation", "candidate", "rating", "gold", "detector", "selection", "summary", "propagation",
    "weight_update", "adapter", "trust", "calls", "paper_done", "resume", "merged", "retry", "warning", "error",
    "human_label",
]
HUMAN_LABELS = ("correct", "wrong", "vacuous")
# What a Recorder keeps: ("agent", node fields) or ("event", agent id, kind, payload, ts).
Record = tuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
    id TEXT PRIMARY KEY, created TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL, finished TEXT
);
CREATE TABLE IF NOT EXISTS agents (
    id TEXT PRIMARY KEY, parent_id TEXT, level INTEGER NOT NULL, role TEXT NOT NULL, model TEXT NOT NULL,
    objective TEXT, optimizer TEXT, paper_id TEXT, equation_id TEXT, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT, kind TEXT NOT NULL, payload TEXT NOT NULL,
    ts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_agent ON events(agent_id);
"""


class AgentNode(BaseModel):
    id: str
    parent_id: str | None
    level: int
    role: str
    model: str
    objective: str | None = None
    optimizer: str | None = None
    paper_id: str | None = None
    equation_id: str | None = None


class Event(BaseModel):
    seq: int
    agent_id: str | None
    kind: str
    payload: dict[str, Any]
    ts: str


class RunInfo(BaseModel):
    id: str
    created: str
    config: dict[str, Any]
    status: str
    finished: str | None
    path: Path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Transcript:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.db = sqlite3.connect(self.run_dir / DB_NAME, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @classmethod
    def create(cls, run_dir: Path, run_id: str, config: dict[str, Any]) -> Transcript:
        run_dir.mkdir(parents=True, exist_ok=False)
        t = cls(run_dir)
        t.db.execute("INSERT INTO run VALUES (?, ?, ?, 'running', NULL)", (run_id, _now(), json.dumps(config)))
        return t

    @classmethod
    def open(cls, run_dir: Path) -> Transcript:
        if not (Path(run_dir) / DB_NAME).is_file():
            raise FileNotFoundError(f"no transcript in {run_dir}")
        return cls(run_dir)

    def close(self) -> None:
        self.db.close()

    # -- writing -------------------------------------------------------------------------------------
    def add_agent(self, node: AgentNode) -> AgentNode:
        with self._lock:
            seq = self.db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM agents").fetchone()[0]
            self.db.execute(
                "INSERT INTO agents VALUES (:id, :parent_id, :level, :role, :model, :objective, :optimizer,"
                " :paper_id, :equation_id, :seq)",
                {**node.model_dump(), "seq": seq},
            )
        return node

    def emit(self, agent_id: str | None, kind: EventKind, **payload: Any) -> int:
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO events (agent_id, kind, payload, ts) VALUES (?, ?, ?, ?)",
                (agent_id, kind, json.dumps(payload, ensure_ascii=False), _now()),
            )
        return int(cur.lastrowid)

    def add_human_label(self, agent_id: str, index: int, label: str, note: str, who: str) -> Event:
        """A reader's label of one candidate, as a `human_label` event. Checked first, in the same write
        transaction as the insert, so bad input writes nothing: ValueError for a label not in HUMAN_LABELS,
        LookupError for an agent or candidate index this run does not have."""
        if label not in HUMAN_LABELS:
            raise ValueError(f"label {label!r} is not one of {', '.join(HUMAN_LABELS)}")
        if not isinstance(index, int) or isinstance(index, bool):
            raise ValueError(f"candidate index must be an integer, not {index!r}")
        payload = {"index": index, "label": label, "note": note, "who": who, "at": _now()}
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")  # one writer, also against a run still writing to this file
            try:
                if self.db.execute("SELECT 1 FROM agents WHERE id = ?", (agent_id,)).fetchone() is None:
                    raise LookupError(f"no agent {agent_id!r} in this run")
                indices = {e.payload["index"] for e in self.events(agent_id, "candidate")}
                if index not in indices:
                    raise LookupError(f"agent {agent_id!r} has no candidate {index!r} "
                                      f"(it has {', '.join(map(str, sorted(indices))) or 'none'})")
                cur = self.db.execute(
                    "INSERT INTO events (agent_id, kind, payload, ts) VALUES (?, 'human_label', ?, ?)",
                    (agent_id, json.dumps(payload, ensure_ascii=False), payload["at"]),
                )
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        return Event(seq=int(cur.lastrowid), agent_id=agent_id, kind="human_label", payload=payload, ts=payload["at"])

    def human_labels(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """Every reader's label per (agent, candidate index), oldest first: the last one is the one that counts."""
        found: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for ev in self.events(kind="human_label"):
            found.setdefault((ev.agent_id or "", ev.payload["index"]), []).append(ev.payload)
        return found

    def write(self, records: list[Record]) -> None:
        """Write what a Recorder kept (a paper run elsewhere), keeping its timestamps."""
        for record in records:
            if record[0] == "agent":
                self.add_agent(AgentNode(**record[1]))
                continue
            _, agent_id, kind, payload, ts = record
            with self._lock:
                self.db.execute("INSERT INTO events (agent_id, kind, payload, ts) VALUES (?, ?, ?, ?)",
                                (agent_id, kind, json.dumps(payload, ensure_ascii=False), ts))

    def finish(self, status: str = "finished") -> None:
        with self._lock:
            self.db.execute("UPDATE run SET status = ?, finished = ?", (status, _now()))

    def reopen(self) -> None:
        with self._lock:
            self.db.execute("UPDATE run SET status = 'running', finished = NULL")

    def finished_papers(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT agent_id FROM events WHERE kind = 'paper_done'")}

    def discard_papers(self, paper_ids: set[str]) -> int:
        """Delete what a killed run left of unfinished papers (their agents and events), in one transaction,
        so that resuming redoes them from scratch; returns the number of events removed."""
        if not paper_ids:
            return 0
        marks = ",".join("?" * len(paper_ids))
        ids = sorted(paper_ids)
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            agents = f"SELECT id FROM agents WHERE paper_id IN ({marks})"
            cur = self.db.execute(f"DELETE FROM events WHERE agent_id IN ({agents}) OR agent_id IN ({marks})",
                                  ids + ids)
            self.db.execute(f"DELETE FROM agents WHERE paper_id IN ({marks})", ids)
            self.db.execute("COMMIT")
        return cur.rowcount

    def absorb(self, other: Transcript) -> None:
        """Append another run's agents and events (a shard being merged into this run), in their order."""
        for node in other.agents():
            self.add_agent(node)
        for ev in other.events():
            with self._lock:
                self.db.execute("INSERT INTO events (agent_id, kind, payload, ts) VALUES (?, ?, ?, ?)",
                                (ev.agent_id, ev.kind, json.dumps(ev.payload, ensure_ascii=False), ev.ts))

    # -- reading -------------------------------------------------------------------------------------
    def info(self) -> RunInfo:
        row = self.db.execute("SELECT id, created, config, status, finished FROM run").fetchone()
        return RunInfo(id=row[0], created=row[1], config=json.loads(row[2]), status=row[3], finished=row[4],
                       path=self.run_dir)

    def agents(self) -> list[AgentNode]:
        cols = "id, parent_id, level, role, model, objective, optimizer, paper_id, equation_id"
        rows = self.db.execute(f"SELECT {cols} FROM agents ORDER BY seq").fetchall()
        return [AgentNode(**dict(zip(cols.split(", "), r, strict=True))) for r in rows]

    def events(self, agent_id: str | None = None, kind: str | None = None) -> list[Event]:
        sql, args = "SELECT seq, agent_id, kind, payload, ts FROM events WHERE 1=1", []
        if agent_id is not None:
            sql, args = sql + " AND agent_id = ?", [*args, agent_id]
        if kind is not None:
            sql, args = sql + " AND kind = ?", [*args, kind]
        rows = self.db.execute(sql + " ORDER BY seq", args).fetchall()
        return [Event(seq=r[0], agent_id=r[1], kind=r[2], payload=json.loads(r[3]), ts=r[4]) for r in rows]

    def tree(self) -> list[dict[str, Any]]:
        """The spawn tree as nested dicts: each agent with its candidates, summary and children."""
        nodes = {a.id: {**a.model_dump(), "candidates": [], "children": []} for a in self.agents()}
        ratings: dict[tuple[str, int], dict[str, dict]] = {}
        for ev in self.events():
            node = nodes.get(ev.agent_id or "")
            if node is None:
                continue
            p = ev.payload
            if ev.kind == "candidate":
                node["candidates"].append({"index": p["index"], "text": p["text"], "round": p.get("round", 0),
                                           "critique": p.get("critique"), "proxy": None, "distribution": None,
                                           "chosen": False})
            elif ev.kind in ("rating", "gold"):
                ratings.setdefault((ev.agent_id, p["index"]), {})[ev.kind] = p
            elif ev.kind == "detector":
                found = ratings.setdefault((ev.agent_id, p["index"]), {})
                found.setdefault("detectors", {})[p["detector"]] = p["score"]
            elif ev.kind == "selection":
                node["selected"] = p["index"]
            elif ev.kind in ("summary", "truncation", "propagation", "trust", "adapter"):
                node[ev.kind] = p
            elif ev.kind in ("warning", "error"):
                node.setdefault(ev.kind + "s", []).append(p["message"])
        roots = []
        for node in nodes.values():
            for cand in node["candidates"]:
                found = ratings.get((node["id"], cand["index"]), {})
                if rating := found.get("rating"):
                    cand["proxy"], cand["distribution"] = rating["proxy"], rating["distribution"]
                if gold := found.get("gold"):
                    # all of gold's verdict: the instrument names whose calibration the reports look up
                    cand["gold"] = {k: v for k, v in gold.items() if k != "index"}
                if detectors := found.get("detectors"):
                    cand["detectors"] = detectors
                cand["chosen"] = cand["index"] == node.get("selected")
            parent = nodes.get(node["parent_id"] or "")
            (parent["children"] if parent else roots).append(node)
        return roots


class Recorder:
    """Stands in for a Transcript inside a Ray task: keeps agents and events in memory, in order, for the
    driver to write, so that one process writes each SQLite store. `run_dir` is the run's directory, where an
    optimizer may keep files (train()'s adapters; on a cluster, on the worker's disk unless it is shared)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.records: list[Record] = []

    def add_agent(self, node: AgentNode) -> AgentNode:
        self.records.append(("agent", node.model_dump()))
        return node

    def emit(self, agent_id: str | None, kind: EventKind, **payload: Any) -> int:
        self.records.append(("event", agent_id, kind, payload, _now()))
        return len(self.records)


def list_runs(runs_dir: Path) -> list[RunInfo]:
    """Runs under a runs directory, oldest first."""
    infos = []
    for db in sorted(Path(runs_dir).glob(f"*/{DB_NAME}")):
        t = Transcript(db.parent)
        try:
            infos.append(t.info())
        finally:
            t.close()
    return sorted(infos, key=lambda i: (i.created, i.id))


def resolve_run(runs_dir: Path, ref: str | None) -> Path:
    """A run given as a path or an id under runs_dir; the latest run when ref is None."""
    if ref is None:
        runs = list_runs(runs_dir)
        if not runs:
            raise FileNotFoundError(f"no runs in {runs_dir}")
        return runs[-1].path
    for candidate in (Path(ref), Path(runs_dir) / ref):
        if (candidate / DB_NAME).is_file():
            return candidate
    raise FileNotFoundError(f"no run {ref!r} (not a run directory, nor a run id in {runs_dir})")
