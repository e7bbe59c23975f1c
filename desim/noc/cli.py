"""``desim noc``: one network run or a latency-load sweep (filled in by the NoC work)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Attach ``desim noc`` to the top-level parser."""
