"""Browse transcripts in a local web viewer (live while runs go), or export one run as a static site.

Serves the runs under a runs folder (default --runs, else ./runs), or one run directory, on loopback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.run.transcript import DB_NAME
from harness.view.data import discover
from harness.view.export import export_site
from harness.view.server import LOOPBACK, make_server


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "target",
        nargs="?",
        metavar="RUN_DIR_OR_RUNS_DIR",
        help="a runs folder, a run directory, or a run id under --runs (default: the runs folder)",
    )
    p.add_argument("--port", type=int, default=7575, help="port (default 7575; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback: anyone who reaches it can read the transcripts",
    )
    p.add_argument("--export", metavar="DIR", help="write a static site that opens from the file system, and exit")


def served_root(target: str | None, runs: str | None) -> Path:
    """What to serve: the given folder or run directory, a run id under the runs folder, or the runs folder."""
    runs_dir = Path(runs or "runs")
    if target is None:
        root = runs_dir
    elif Path(target).is_dir():
        root = Path(target)
    elif (runs_dir / target / DB_NAME).is_file():
        root = runs_dir / target
    else:
        raise FileNotFoundError(f"no run or runs folder {target!r} (not a directory, nor a run id in {runs_dir})")
    if not root.is_dir():
        raise FileNotFoundError(f"no runs folder {root} (start a run with `harness run`, or pass a folder)")
    return root


def main(args: argparse.Namespace) -> int:
    root = served_root(args.target, args.runs)
    if args.export:
        runs = discover(root)
        if not runs:
            raise FileNotFoundError(f"no runs to export under {root}")
        index = export_site(runs, Path(args.export))
        print(f"exported {len(runs)} run(s) to {index} (open it in a browser; no server needed)")
        return 0
    try:
        server = make_server(root, args.host, args.port, remote=args.allow_remote)
    except OSError as exc:
        raise ValueError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    host, port = server.server_address[:2]
    if args.host not in LOOPBACK:
        print(
            f"harness: warning: serving on {host}:{port} to other machines, with no authentication: anyone who "
            "can reach this port can read these transcripts",
            file=sys.stderr,
        )
    shown = f"[{host}]" if ":" in host else host
    print(f"serving {len(discover(root))} run(s) from {root} at http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
