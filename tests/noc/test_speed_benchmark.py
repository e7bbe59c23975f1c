"""The speed benchmark counts what it claims: flit-hops (router traversals) of the cycles timed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "noc_speed.py"


def test_flit_hops_match_uniform_traffic_on_a_mesh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARK.parent))  # its sibling modules, as when run
    spec = importlib.util.spec_from_file_location("noc_speed", BENCHMARK)
    noc_speed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noc_speed)
    k, rate, cycles = 4, 0.1, 3000
    record = noc_speed.run_case(k, rate, cycles=cycles, repeats=2)
    # uniform destinations (self included) on a k x k mesh: mean router distance 2(k - 1/k)/3, and
    # a packet crosses one router more than it has hops (its own, for ejection)
    routers_crossed = 2 * (k - 1 / k) / 3 + 1
    expected = rate * k * k * cycles * routers_crossed
    assert record["flit_hops"] == pytest.approx(expected, rel=0.04)
    assert record["cycles"] == cycles and record["flit_hops_per_second"] > 0


def test_the_side_by_side_benchmark_imports_nothing_heavy() -> None:
    """noc_vs_booksim.py only starts processes: a parent holding numpy or desim would raise the peak
    memory it records for every child (on Linux a child's ru_maxrss starts at its parent's)."""
    code = (
        f"import sys; sys.path.insert(0, {str(BENCHMARK.parent)!r}); import noc_vs_booksim; "
        "print(sorted(m for m in ('numpy', 'networkx', 'simpy', 'desim') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
