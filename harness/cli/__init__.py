"""`harness` command line: one module per command, each with `add_parser` and `main`."""

from __future__ import annotations

import argparse
import logging
import sys

from harness.cli import check, detect, eval, judge_eval, merge, models, report, run, runs, show, sweep, view
from harness.core.declared import ConfigError
from harness.core.papers import PaperError
from harness.models import ModelError

COMMANDS = {"run": run, "runs": runs, "show": show, "check": check, "detect": detect, "eval": eval,
            "report": report, "sweep": sweep, "view": view,
            "merge": merge, "models": models, "judge-eval": judge_eval}
USER_ERRORS = (ConfigError, ModelError, PaperError, FileNotFoundError, ValueError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        p.add_argument("--runs", default=None, help="runs directory (default ./runs)")
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("harness: %(message)s"))
    logging.getLogger("harness").addHandler(handler)
    logging.getLogger("harness").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].main(args)
    except USER_ERRORS as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"harness: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted; everything finished so far is in the transcript", file=sys.stderr)
        return 130
