"""Tiny sweep specs for the sweep tests (2x2 and 3x3 meshes, short sample periods)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TINY_NOC = """
[sweep]
kind = "noc"
seeds = [1, 2]

[noc]
traffic = "uniform"
sample_period_cycles = 100
warmup_periods = 1
max_samples = 4

[grid]
noc.routing = ["xy", "yx"]
noc.injection_rate = [0.05, 0.2]

[zip]
noc.topology_args.rows = [2, 3]
noc.topology_args.cols = [2, 3]
"""


def _comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if not k.endswith(("_seconds", "_per_second")) and k != "run"}
        for r in records
    ]


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_NOC)
    return path


@pytest.fixture
def comparable() -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Records without their timing columns (and the store's run number)."""
    return _comparable
