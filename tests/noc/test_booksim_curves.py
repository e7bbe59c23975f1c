"""desim's torus, ring and cmesh against BookSim2's (``benchmarks/noc_booksim_curves.py``).

BookSim2 is not available here: its curves are read from the recorded
``benchmarks/results/noc_booksim_curves.json``. The quick tests rerun desim at one load per network
below saturation against BookSim's recorded latency (10 %), the slow test reruns desim's whole
curves and bisections (saturation throughput within 5 %, latency within 10 % below 90 % of
saturation).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from desim.noc import simulate

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


curves = _load("noc_booksim_curves")
RECORDED = json.loads(curves.RESULTS.read_text())["configurations"]
CONFIGURATIONS = {c.name: c for c in curves.CONFIGURATIONS}


def booksim_curve(name: str):
    return curves.Curve.from_json(RECORDED[name]["booksim"])


def test_recorded_booksim_saturation_points() -> None:
    """What BookSim2 itself printed (its converged runs that kept up with the offered load)."""
    saturation = {name: booksim_curve(name).saturation for name in CONFIGURATIONS}
    assert 0.59 <= saturation["torus8"] <= 0.63
    assert 0.35 <= saturation["ring16"] <= 0.38
    assert 0.19 <= saturation["cmesh4"] <= 0.22
    assert booksim_curve("torus8").points[0.6][1] == pytest.approx(37.6758)


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_recorded_comparison_is_within_tolerance(name: str) -> None:
    verdict = RECORDED[name]["desim"]["xy"]["comparison"]
    assert abs(verdict["saturation_error"]) <= curves.TOLERANCE["saturation"]
    assert abs(verdict["worst_latency_error"]) <= curves.TOLERANCE["latency"]
    assert verdict["latency_errors"], "no load was compared"


def test_the_static_dateline_scheme_saturates_the_torus_early() -> None:
    """Why ``xy`` follows BookSim: the older scheme falls short of BookSim's saturation."""
    verdict = RECORDED["torus8"]["desim"]["xy_static"]["comparison"]
    assert verdict["saturation_error"] < -curves.TOLERANCE["saturation"]


@pytest.mark.parametrize(("name", "rate"), [("torus8", 0.5), ("ring16", 0.3), ("cmesh4", 0.15)])
def test_latency_below_saturation_matches_booksim(name: str, rate: float) -> None:
    """One desim run (shorter sampling than BookSim's: only the noise of the mean changes)."""
    config = dataclasses.replace(
        CONFIGURATIONS[name].desim_config(rate, "xy"), sample_period_cycles=500, warmup_periods=2
    )
    result = simulate(config)
    reference = booksim_curve(name).points[rate][1]
    assert not result.saturated
    assert result.avg_packet_latency == pytest.approx(reference, rel=curves.TOLERANCE["latency"])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_whole_curve_matches_booksim(name: str) -> None:
    config = CONFIGURATIONS[name]
    mine = curves.trace(curves.desim_point(config, "xy", {}, lambda: None), config.rates, 0.005)
    verdict = curves.compare(booksim_curve(name), mine)
    assert verdict["within"], verdict


def test_docs_quote_the_recorded_comparison() -> None:
    """docs/noc.md carries the recorded summary rows verbatim (saturations and errors)."""
    summary = [
        line
        for line in curves.RESULTS.with_suffix(".md").read_text().splitlines()
        if line.startswith(tuple(f"| {name} |" for name in CONFIGURATIONS))
    ]
    docs = (BENCHMARKS.parent / "docs" / "noc.md").read_text()
    assert len(summary) == sum(len(c.policies) for c in CONFIGURATIONS.values())
    for line in summary:
        assert line in docs, line


def test_readme_quotes_the_recorded_saturations() -> None:
    readme = (BENCHMARKS.parent / "README.md").read_text()
    for name, entry in RECORDED.items():
        ours, theirs = entry["desim"]["xy"]["curve"]["saturation"], entry["booksim"]["saturation"]
        assert f"{ours:.3g} vs {theirs:.3g}" in readme, name
