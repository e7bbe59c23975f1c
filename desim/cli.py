"""The ``desim`` command.

Subcommands live beside what they drive and are attached here by module name (desim's own) or by
entry point (group ``desim.commands``: ``name = package.module:add_parser``, how the
``workloads`` package adds ``workload`` and ``predictor``). `main` imports only the module of the
subcommand it runs: ``desim --version``, ``desim --help`` and ``desim list`` import none of them
(and so neither numpy nor networkx nor torch: ``list`` reads desim's own plug-in names from
`desim.plugin_index`, and imports only other packages' plug-in modules). Every
`DesimError` becomes one line on stderr and exit code 2, as does an exception raised inside a
plug-in loaded from a ``package.module:name`` string (``package.module:name raised ValueError:
...``; ``DESIM_DEBUG=1`` re-raises it for the traceback); output cut short by its reader
(``desim ... | head -1``) ends quietly.
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
from desim.registry import kinds, plugin_entry_points, plugin_that_raised, registry

__all__ = ["main", "build_parser", "check_output_path", "CommandLineError"]

# subcommand -> (module whose ``add_parser(subparsers)`` adds it and sets ``func``, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "noc": ("desim.noc.cli", "synthetic-traffic NoC runs and latency-load sweeps"),
    "accel": ("desim.accel.cli", "simulate an accelerator on a network's layers"),
    "compare": ("desim.accel.cli", "a design against its baselines, same workload"),
    "sweep": ("desim.sweep.cli", "run a sweep spec (TOML) on local processes or Dask, resumably"),
    "plot": ("desim.sweep.cli", "the standard figures of a sweep directory, as PNG"),
}
COMMAND_GROUP = "desim.commands"
DEBUG = "DESIM_DEBUG"
"""The environment variable that, set to anything but 0 or empty, shows the traceback of a
plug-in that raised instead of one line naming it."""
EPILOG = (
    "A plug-in given as package.module:name (a routing policy, topology, ...) that raises is "
    f"reported in one line naming it, exit code 2; {DEBUG}=1 shows its traceback."
)


EXIT_BROKEN_PIPE = 141
"""Exit status when stdout's reader closed the pipe early: 128 + SIGPIPE, as a shell reports it."""


class CommandLineError(DesimError):
    """Bad command-line input."""


_GIVEN = "_desim_given_once"
"""The namespace attribute where `_StoreOnce` notes the options given while a parse lasts."""


class _StoreOnce(argparse._StoreAction):
    """A single-value option (argparse's default ``store``) given twice is an error naming it,
    not a silent last-one-wins (``--set`` and the other repeatable options ``append``)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        given = namespace.__dict__.setdefault(_GIVEN, set())
        if option_string is not None and self.dest in given:
            parser.error(f"{'/'.join(self.option_strings)} given twice; give it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2, whose single-value options
    are given at most once (`_StoreOnce`), and which takes no abbreviated option (``--net`` is
    not ``--network``: a later option could make it mean another)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, rest = super().parse_known_args(args, namespace)
        parsed.__dict__.pop(_GIVEN, None)
        return parsed, rest

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def check_output_path(option: str, path: str | None, prefix: bool = False) -> None:
    """Raise `CommandLineError` unless ``path``, given to ``option``, can take an output file
    (or, with ``prefix``, name files ``PATH.<suffix>``): not empty, not a directory (a prefix
    not ending in a separator), in a directory that exists and takes new files. Checked before
    a run, not after it."""
    import tempfile
    from pathlib import Path

    if path is None:
        return
    if not path:
        what = "a file-name prefix" if prefix else "a file path"
        raise CommandLineError(f"{option} is empty; give {what}")
    target = Path(path)
    if prefix and path.endswith((os.sep, "/")):
        raise CommandLineError(
            f"{option} {path!r} ends in a directory; give a file-name prefix, e.g. {path}trace"
        )
    if target.is_dir() and not prefix:
        raise CommandLineError(f"{option} {path!r} is a directory; give a file path")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise CommandLineError(f"{option}: directory {str(target.parent)!r} does not exist")
    try:  # a file created and removed at once: the only test that holds on every file system
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".desim-probe-"):
            pass
    except OSError as exc:
        raise CommandLineError(
            f"{option}: cannot write in directory {str(target.parent)!r} ({exc.strerror})"
        ) from None


def _list(args: argparse.Namespace) -> int:
    chosen = [args.kind] if args.kind is not None else kinds()
    for kind in chosen:
        reg = registry(kind)
        try:
            names = reg.listed_names()
        except ImportError as exc:  # an optional provider that is not installed
            names = [f"(unavailable: {exc})"]
        print(f"{kind}: {', '.join(names) or '(none)'}")
    return 0


def build_parser(command: str | None = None, plugins: bool = True) -> argparse.ArgumentParser:
    """The ``desim`` parser.

    Parameters
    ----------
    command : str, optional
        The subcommand about to run (``""`` for none: ``--version``, ``--help``). Only its module
        is imported; desim's other subcommands get a placeholder with their one-line help, and
        plug-in commands are loaded unless ``command`` is one of desim's own. None (the default)
        builds every subcommand in full.
    plugins : bool
        False: no plug-in commands at all (``--version`` needs none, and reading the installed
        entry points costs more than the rest of the start-up).
    """
    parser = _Parser(
        prog="desim", description="Sparse DNN accelerators and NoCs on SimPy.", epilog=EPILOG
    )
    parser.add_argument("--version", action="version", version=f"desim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    listing = sub.add_parser("list", help="registered plug-ins by kind")
    listing.add_argument("kind", nargs="?", help=f"one of: {', '.join(kinds())}")
    listing.set_defaults(func=_list)
    chosen = SUBCOMMANDS if command is None else {command} & SUBCOMMANDS.keys()
    for module_name in dict.fromkeys(SUBCOMMANDS[name][0] for name in chosen):
        importlib.import_module(module_name).add_parser(sub)
    for name, (_, summary) in SUBCOMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=summary)  # not run this time: never parsed further
    if plugins and (command is None or command not in {*SUBCOMMANDS, "list"}):
        for point in plugin_entry_points(COMMAND_GROUP):
            point.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``desim`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = argv[0] if argv and not argv[0].startswith("-") else ""
        parser = build_parser(command, plugins=command or "--version" not in argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):  # no command: a usage error, as argparse reports one
            parser.print_usage(sys.stderr)
            print("desim: error: a COMMAND is required (desim --help lists them)", file=sys.stderr)
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
    except Exception as exc:  # a user's plug-in failing in its own code: named, in one line
        plugin = plugin_that_raised(exc)
        if plugin is None or os.environ.get(DEBUG, "0") not in ("", "0"):
            raise
        reason = " ".join(str(exc).split())
        print(f"desim: error: {plugin} raised {type(exc).__name__}: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
