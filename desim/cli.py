"""The ``desim`` command.

Subcommands live beside what they drive and are attached here by module name (desim's own) or by
entry point (group ``desim.commands``: ``name = package.module:add_parser``, how the
``workloads`` package adds ``workload`` and ``predictor``); none imports torch at module level
(``desim --version`` stays fast). Every `DesimError` becomes one line on stderr and exit code 2;
output cut short by its reader (``desim ... | head -1``) ends quietly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from desim import __version__
from desim.kernel.errors import DesimError
from desim.registry import kinds, plugin_entry_points, registry

__all__ = ["main", "build_parser", "CommandLineError"]

# subcommand -> module whose ``add_parser(subparsers)`` adds it (and sets ``func``)
SUBCOMMANDS: dict[str, str] = {
    "noc": "desim.noc.cli",
    "accel": "desim.accel.cli",
    "compare": "desim.accel.cli",
    "sweep": "desim.sweep.cli",
    "plot": "desim.sweep.cli",
}
COMMAND_GROUP = "desim.commands"


EXIT_BROKEN_PIPE = 141
"""Exit status when stdout's reader closed the pipe early: 128 + SIGPIPE, as a shell reports it."""


class CommandLineError(DesimError):
    """Bad command-line input."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _list(args: argparse.Namespace) -> int:
    chosen = [args.kind] if args.kind else kinds()
    for kind in chosen:
        reg = registry(kind)
        try:
            names = reg.names()
        except ImportError as exc:  # an optional provider that is not installed
            names = [f"(unavailable: {exc})"]
        print(f"{kind}: {', '.join(names) or '(none)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full parser (subcommand modules are light: none imports torch at module level)."""
    parser = _Parser(prog="desim", description="Sparse DNN accelerators and NoCs on SimPy.")
    parser.add_argument("--version", action="version", version=f"desim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    listing = sub.add_parser("list", help="registered plug-ins by kind")
    listing.add_argument("kind", nargs="?", help=f"one of: {', '.join(kinds())}")
    listing.set_defaults(func=_list)
    for module_name in dict.fromkeys(SUBCOMMANDS.values()):
        importlib.import_module(module_name).add_parser(sub)
    for point in plugin_entry_points(COMMAND_GROUP):
        point.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``desim`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe fails here, inside the handler below
        return status
    except BrokenPipeError:  # the reader stopped early (``| head -1``): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit-time flush
        return EXIT_BROKEN_PIPE
    except DesimError as exc:
        print(f"desim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("desim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
