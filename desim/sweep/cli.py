"""``desim sweep`` (run a sweep spec) and ``desim plot`` (its standard figures).

Examples
--------
The main job, on local processes, then its figures::

    desim sweep examples/main.toml --out results/main --plot

On a Dask cluster whose scheduler listens on ``tcp://10.0.0.5:8786``, resuming what is stored::

    desim sweep spec.toml --out results/run1 --address tcp://10.0.0.5:8786 --resume

A malformed spec fails before any point runs (one line on stderr, exit code 2). Exit code 1 means
some points failed (recorded with their error) or were lost by the executor (rerun with --resume).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from desim.cli import SUBCOMMANDS
from desim.kernel.errors import ConfigError
from desim.sweep.executors import CONNECT_TIMEOUT_SECONDS

__all__ = ["add_parser", "run", "plot"]


def run(args: argparse.Namespace) -> int:
    """``desim sweep``: validate the spec, run it, print the summary (or JSON)."""
    from desim.sweep.report import summary_line, summary_table
    from desim.sweep.runner import run_sweep
    from desim.sweep.spec import load_spec

    if args.executor == "local" and args.address is not None:
        raise ConfigError("--address names a Dask scheduler; drop --executor local")
    if args.retry_failed and not args.resume:
        raise ConfigError(
            "--retry-failed reruns the failed points of a resumed sweep; add --resume"
        )
    if not args.out.strip():
        raise ConfigError("--out is empty; give the results directory")
    spec = load_spec(args.spec)
    _check_plot(args.plot, spec.kind)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        report = run_sweep(
            spec,
            args.out,
            executor=args.executor or "local",
            address=args.address,
            workers=args.workers,
            connect_timeout_seconds=args.connect_timeout,
            resume=args.resume,
            retry_failed=args.retry_failed,
            spec_text=Path(args.spec).read_text(),
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    figures = _plots(args.out) if args.plot else []
    line = summary_line(report.ran, report.skipped, len(report.lost), report.records)
    if args.json:
        print(json.dumps(_json(report, figures), allow_nan=False))
    else:
        title = f"{spec.name or Path(args.spec).stem} ({spec.kind}) -> {report.directory}"
        files = ", ".join(str(f) for f in [*report.files, *figures])
        print(f"{title}\n{summary_table(report.records, spec.keys)}\n{line}\nwrote {files}")
        for text in report.lost:
            print(f"lost: {text}")
    if args.plot and not figures:
        print(f"desim: {_NOTHING_TO_PLOT.format(directory=report.directory)}", file=sys.stderr)
    failed = any(r["status"] != "ok" for r in report.records)
    return 1 if failed or report.lost else 0


_NOTHING_TO_PLOT = (
    "nothing to plot in {directory}: no point finished ok yet, or no standard figure applies to "
    "its kind and varied keys (docs/sweeps.md)"
)


def _check_plot(plot: bool, kind: str) -> None:
    """Refuse ``--plot`` for a sweep whose kind no standard figure is drawn for."""
    from desim.sweep.plots import FIGURE_KINDS

    if plot and kind not in FIGURE_KINDS:
        raise ConfigError(
            f"--plot: a sweep of kind {kind!r} has no standard figure (kinds with one: "
            f"{', '.join(FIGURE_KINDS)}; docs/sweeps.md); drop --plot, or plot results.csv"
        )


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (``kill``, a batch system's time limit) stops the sweep as Ctrl-C does: what
    finished is stored, the workers are stopped (else they outlive the sweep, waiting for work),
    and the exit status is the shell's for a terminated process."""
    print("desim: terminated", file=sys.stderr)
    raise SystemExit(128 + signum)


def _json(report: Any, figures: list[Path]) -> dict[str, Any]:
    return {
        "directory": str(report.directory),
        "run": report.run,
        "ran": report.ran,
        "skipped": report.skipped,
        "lost": report.lost,
        "files": [str(f) for f in [*report.files, *figures]],
        "records": report.records,
    }


def _plots(directory: str | Path) -> list[Path]:
    from desim.sweep.plots import plot_sweep

    return plot_sweep(directory)


def plot(args: argparse.Namespace) -> int:
    """``desim plot``: write the standard figures of a sweep directory as PNG files."""
    written = _plots(args.directory)
    if not written:
        raise ConfigError(_NOTHING_TO_PLOT.format(directory=args.directory))
    for path in written:
        print(path)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach ``desim sweep`` and ``desim plot`` to the top-level parser."""
    sweep = sub.add_parser(
        "sweep",
        help=SUBCOMMANDS["sweep"][1],
        description="Run a sweep spec (a TOML file: docs/sweeps.md) on local processes or Dask, "
        "storing each finished point in DIR/results.sqlite; interrupted, it continues with "
        "--resume. Exit status 2: bad input, before any point runs; 1: some points failed "
        "(recorded with their error) or were lost by the executor (rerun with --resume).",
    )
    sweep.add_argument("spec", metavar="SPEC.toml", help="the sweep spec (docs/sweeps.md)")
    sweep.add_argument("--out", required=True, metavar="DIR", help="results directory")
    sweep.add_argument(
        "--executor",
        choices=("local", "dask"),
        help="local processes (default) or Dask (a LocalCluster without --address; the "
        "scheduler's with it)",
    )
    sweep.add_argument("--address", metavar="tcp://HOST:PORT", help="a Dask scheduler to use")
    sweep.add_argument(
        "--connect-timeout",
        type=float,
        metavar="SECONDS",
        help="with --address, how long to wait for the scheduler "
        f"(default {CONNECT_TIMEOUT_SECONDS:g})",
    )
    sweep.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local processes or LocalCluster workers, at most 4 per core (default: the "
        "cores; not with --address)",
    )
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in DIR: run only the points not stored",
    )
    sweep.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume, run the points that failed again",
    )
    sweep.add_argument("--json", action="store_true", help="print JSON instead of the table")
    sweep.add_argument("--plot", action="store_true", help="also write the figures (desim plot)")
    sweep.set_defaults(func=run)
    plots = sub.add_parser(
        "plot",
        help=SUBCOMMANDS["plot"][1],
        description="Write the standard figures that apply to a sweep's finished points into its "
        "directory: latency_load.png (latency vs offered load), vs_size.png (metrics vs "
        "routers), comparison.png (speedup and energy ratio per design); print their paths.",
    )
    plots.add_argument("directory", metavar="DIR", help="a `desim sweep --out` directory")
    plots.set_defaults(func=plot)
