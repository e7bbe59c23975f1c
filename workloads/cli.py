"""``desim workload`` and ``desim predictor`` (filled in by the workloads work)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach the workload subcommands to the top-level parser."""
