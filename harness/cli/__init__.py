"""`harness` command line: one module per command, each with `add_arguments` and `main`.

May import every harness package; nothing imports it.
"""

from __future__ import annotations

import argparse
import logging
import sys

from harness.cli import check, detect, eval, judge_eval, labels, merge, models, report, run, runs, show, sweep, view
from harness.core.declared import ConfigError
from harness.core.papers import PaperError
from harness.core.quiet import quiet_third_parties
from harness.models import ModelError
from harness.run.ray_executor import WorkerLost

COMMANDS = {"run": run, "runs": runs, "show": show, "check": check, "detect": detect, "eval": eval,
            "report": report, "sweep": sweep, "view": view,
            "merge": merge, "models": models, "judge-eval": judge_eval, "labels": labels}
# Printed as one line; all but the last are the user's to fix (a Ray task lost too often is the cluster's).
USER_ERRORS = (ConfigError, ModelError, PaperError, FileNotFoundError, ValueError, WorkerLost)


VERBOSE_HELP = "show third-party progress bars and warnings (quiet by default)"


def _summary(module) -> str:
    """A command's one-line help: the first line of its module docstring (argparse %-formats help strings)."""
    return module.__doc__.splitlines()[0].replace("%", "%%")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="The delegation harness: a small model summarizes "
                                     "papers and delegates each equation to a sub-agent; every step is recorded.")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=_summary(module), description=module.__doc__.replace("%", "%%"))
        p.add_argument("--runs", default=None, help="runs directory (default ./runs)")
        p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
        module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("harness: %(message)s"))
    logging.getLogger("harness").addHandler(handler)
    logging.getLogger("harness").setLevel(logging.INFO)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if not args.verbose:
        quiet_third_parties()
    try:
        return COMMANDS[args.command].main(args)
    except USER_ERRORS as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"harness: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("harness: interrupted; everything finished so far is in the transcript", file=sys.stderr)
        return 130
