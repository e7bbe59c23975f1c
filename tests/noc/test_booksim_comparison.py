"""desim against BookSim2 (``docs/booksim_comparison.py``).

BookSim's numbers are read from ``docs/booksim_comparison.csv`` (its ``booksim`` column is BookSim's
8x8 mesh curve). The slow test reruns desim: zero-load latency
within 3 %, latency at every load up to 0.35 within 10 %, saturation throughput within 5 %.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from desim.noc import NocResult
from desim.noc.sweep import Sweep

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _load_script():
    path = DOCS / "booksim_comparison.py"
    spec = importlib.util.spec_from_file_location("booksim_comparison", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


comparison = _load_script()


@pytest.fixture(scope="module")
def reference():
    return comparison.load_reference(DOCS / "booksim_comparison.csv")


def test_reference_holds_booksims_curve(reference) -> None:
    assert reference.saturation_rate == pytest.approx(0.42344)
    assert reference.points[("zero_load", 0.001)]["packet_latency"] == pytest.approx(27.017)
    assert reference.points[("grid", 0.4)]["packet_latency"] == pytest.approx(39.654)
    assert reference.points[("grid", 0.45)]["packet_latency"] is None  # unstable in BookSim


def _fake(rate: float, latency: float, saturated: bool = False) -> NocResult:
    values = {f: 6.25 for f in NocResult.__dataclass_fields__}
    values.update(
        topology="mesh",
        routing="xy",
        traffic="uniform",
        offered_rate=rate,
        avg_packet_latency=latency,
        saturated=saturated,
    )
    return NocResult(**values)


def test_compare_write_and_reload_round_trip(reference, tmp_path) -> None:
    curve = Sweep(
        [_fake(0.1, 27.2), _fake(0.3, 40.0), _fake(0.45, 300.0, True)], 0.44, [_fake(0.425, 60.0)]
    )
    rows = comparison.compare(reference, _fake(0.001, 27.5), curve)
    comparison.write_csv(rows, tmp_path / "c.csv")
    comparison.plot(rows, tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000
    again = comparison.load_reference(tmp_path / "c.csv")
    assert again.points == reference.points and again.saturation_rate == reference.saturation_rate
    checked = {(r["point_type"], r["offered_rate"]): r["within"] for r in rows if r["tolerance"]}
    assert checked[("zero_load", 0.001)] and checked[("grid", 0.1)]
    assert checked[("saturation", None)]
    assert checked[("grid", 0.3)] is False  # 40 against BookSim's 29.4
    assert checked[("grid", 0.05)] is None  # desim did not run it
    saturated = next(
        r for r in rows if r["offered_rate"] == 0.45 and r["metric"] == "packet_latency"
    )
    assert saturated["desim"] is None and saturated["booksim"] is None
    table, ok = comparison.verdict(rows)
    assert not ok and "NO" in table


@pytest.mark.slow
def test_desim_reproduces_booksim(reference) -> None:
    rates = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5]
    zero, curve = comparison.run_desim(rates, tolerance=0.005, progress=False)
    rows = comparison.compare(reference, zero, curve)
    checked = [r for r in rows if r["tolerance"] is not None and r["desim"] is not None]
    assert {r["point_type"] for r in checked} == {"zero_load", "grid", "saturation"}
    failures = [r for r in checked if not r["within"]]
    assert not failures, comparison.verdict(rows)[0]


GRID_TOLERANCE = {0.05: 0.03, 0.1: 0.03, 0.2: 0.03, 0.3: 0.03, 0.35: 0.03, 0.4: 0.05}
"""The README's claim, per load: 0.6 % from 0.05 to 0.35 and 1.5 % at 0.4 (the recorded
comparison), checked at 3 % and 5 % (a rerun's sampling noise)."""


@pytest.mark.parametrize("rate", sorted(GRID_TOLERANCE))
def test_latency_matches_booksim_at_each_load(reference, rate: float) -> None:
    # the default run's guard of the headline claim: desim's latency at each grid load of
    # BookSim's 8x8 curve (seed 1, BookSim's measurement) within the tolerance of that load
    from dataclasses import replace

    from desim.noc import simulate

    result = simulate(replace(comparison.CONFIG, injection_rate=rate))
    booksim = reference.points[("grid", rate)]["packet_latency"]
    assert not result.saturated
    assert result.avg_packet_latency == pytest.approx(booksim, rel=GRID_TOLERANCE[rate])
