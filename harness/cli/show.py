"""Show a run's delegation tree: agents, every candidate with its proxy score, the chosen one, the summary."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from harness.reports.findings import picked_wrong
from harness.reports.records import candidate_records
from harness.run.transcript import Transcript, resolve_run


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", nargs="?", help="a run id or directory (default: the latest run)")
    p.add_argument("--json", action="store_true", help="print the tree as JSON")
    p.add_argument("--picked-wrong", action="store_true",
                   help="only the picks gold calls wrong where another candidate of the equation was gold ok")


def _label(node: dict) -> str:
    parts = [f"[bold]{node['role']}[/] L{node['level']} {escape(node['id'])}", f"model={escape(node['model'])}"]
    if node["role"] == "describer":
        parts += [f"objective={node['objective']}", f"optimizer={node['optimizer']}"]
    return "  ".join(parts)


def _add(branch: Tree, node: dict) -> None:
    sub = branch.add(_label(node))
    if trunc := node.get("truncation"):
        sub.add(f"[dim]read {trunc['kept_tokens']}/{trunc['body_tokens']} body tokens"
                f"{' (truncated)' if trunc['truncated'] else ''}[/]")
    for message in node.get("warnings", []) + node.get("errors", []):
        sub.add(f"[yellow]! {escape(message)}[/]")
    for cand in sorted(node["candidates"], key=lambda c: -(c["proxy"] or 0)):
        mark = "[green]★ chosen[/]" if cand["chosen"] else "       "
        proxy = "  n/a" if cand["proxy"] is None else f"{cand['proxy']:.3f}"
        gold = cand.get("gold", {}).get("verdict", "n/a")
        color = {"wrong": "red", "ok": "green"}.get(gold, "dim")
        sub.add(f"{mark} proxy={proxy} gold=[{color}]{gold}[/]  {escape(cand['text'])}")
    for child in node["children"]:
        _add(sub, child)
    if summary := node.get("summary"):
        sub.add(f"[cyan]summary:[/] {escape(summary['text'])}")


def _picked_wrong(run_dir: Path) -> int:
    found = picked_wrong(candidate_records(run_dir))
    console = Console()
    for p in found:
        c = p["chosen"]
        console.print(f"[bold]{escape(p['equation'])}[/]  chosen proxy={c['proxy'] or 0:.3f} [red]gold wrong[/]: "
                      f"{escape(c['text'])}")
        for claim in c["contradicted"]:
            console.print(f"    [red]contradicted:[/] {escape(claim)}")
        for o in p["passed_over"]:
            console.print(f"  passed over, proxy={o['proxy'] or 0:.3f} [green]gold ok[/]: {escape(o['text'])}")
    console.print(f"{len(found)} picks passed over a gold-ok candidate")
    return 0


def main(args: argparse.Namespace) -> int:
    run_dir = resolve_run(Path(args.runs or "runs"), args.run)
    if args.picked_wrong:
        return _picked_wrong(run_dir)
    t = Transcript.open(run_dir)
    try:
        info, roots = t.info(), t.tree()
    finally:
        t.close()
    if args.json:
        print(json.dumps({"run": info.model_dump(mode="json"), "agents": roots}, indent=2, ensure_ascii=False))
        return 0
    tree = Tree(f"run [bold]{info.id}[/] ({info.status})  {escape(info.config['optimizer'])}")
    for root in roots:
        _add(tree, root)
    Console().print(tree)
    return 0
