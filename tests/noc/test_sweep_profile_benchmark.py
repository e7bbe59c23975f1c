"""benchmarks/noc_sweep_profile.py: its per-run CPU and verdicts are the sweep's own runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import desim.noc.measurement as measurement
import desim.noc.sweep as noc_sweep
from desim.sweep import load_spec
from desim.sweep.noc_kinds import run_latency_load
from tests.noc.conftest import import_benchmark

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "benchmarks" / "noc_sweep_profile.py"


@pytest.fixture(scope="module")
def bench() -> Any:
    return import_benchmark("noc_sweep_profile")


def test_the_profile_covers_the_sweeps_runs_and_explains_each_saturated_one(
    bench: Any, tmp_path: Path
) -> None:
    spec_file = tmp_path / "ll.toml"
    spec_file.write_text(
        '[sweep]\nkind = "latency_load"\n[noc]\nrouter = "booksim"\nsample_period_cycles = 100\n'
        "warmup_periods = 1\nmax_samples = 4\n[latency_load]\nrates = [0.2, 0.7, 0.9]\n"
        'tolerance = 0.1\n[grid]\nnoc.topology = ["mesh"]\n'
        "[zip]\nnoc.topology_args.rows = [3]\nnoc.topology_args.cols = [3]\n"
    )
    out = tmp_path / "profile.json"
    before = (measurement.simulate, measurement._sample, noc_sweep.simulate)
    assert bench.main(["--spec", str(spec_file), "--output", str(out)]) == 0
    assert (measurement.simulate, measurement._sample, noc_sweep.simulate) == before  # removed
    runs = json.loads(out.read_text())["runs"]
    point = load_spec(spec_file).points[0]
    expected = json.loads(run_latency_load(point.config, point.seed)["runs_json"])
    assert [(r["offered"], r["cycles"], r["saturated"]) for r in runs] == [
        (offered, cycles, saturated) for offered, _, _, cycles, _, saturated in expected
    ]
    assert any(r["saturated"] for r in runs) and not all(r["saturated"] for r in runs)
    for r in runs:
        assert sum(r["phases"].values()) == pytest.approx(r["cpu_seconds"], abs=1e-3)
        unsustained = r["backlog_growth"] > r["backlog_allowed"]
        if r["saturated"]:
            assert r["over_latency_threshold"] or not r["converged"] or unsustained
        else:
            assert not r["over_latency_threshold"] and not unsustained
    assert "| mesh 3x3 | 0.9 | True |" in out.with_suffix(".md").read_text()


def test_docs_quote_the_recorded_profile() -> None:
    runs = json.loads((ROOT / "benchmarks" / "results" / "noc_sweep_profile.json").read_text())[
        "runs"
    ]
    text = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    saturated = [r for r in runs if r["saturated"]]
    phases = {name: sum(r["phases"][name] for r in runs) for name in runs[0]["phases"]}
    over = [r for r in saturated if r["over_latency_threshold"]]
    rest = [r["latency_with_ages"] for r in saturated if not r["over_latency_threshold"]]
    most = max(r["sample_periods"] for r in runs)
    assert all(
        not r["converged"] and r["sample_periods"] == most
        for r in saturated
        if not r["over_latency_threshold"]
    )
    assert (
        f"{sum(r['cpu_seconds'] for r in runs):.0f} CPU seconds in the simulations of its "
        f"{len(runs)} runs, {sum(r['cpu_seconds'] for r in saturated):.0f} of them in the "
        f"{len(saturated)} saturated runs; by phase, the sample periods {phases['sample']:.0f}, "
        f"warm-up {phases['warm_up']:.0f}, drains "
        f"{phases['drain_measured'] + phases['drain_all']:.0f}, building the networks "
        f"{phases['build_network']:.1f}"
    ) in text
    assert (
        f"{len(over)} of the saturated runs passed the latency threshold" in text
        and f"the other {len(rest)} ran every sample period without converging" in text
        and f"(their latency with in-flight ages {min(rest):.0f}-{max(rest):.0f} cycles)" in text
    )


def test_the_runs_saturated_on_desims_side_only_are_the_unconverged_ones() -> None:
    """docs/noc.md: nine of the runs that ran every sample period without converging are the runs
    BookSim2 called stable in the README-sweep record (the same runs, read back from the store)."""
    record = json.loads(
        (ROOT / "benchmarks" / "results" / "noc_vs_booksim_readme.json").read_text()
    )
    profile = json.loads((ROOT / "benchmarks" / "results" / "noc_sweep_profile.json").read_text())
    runs = {(r["topology"], r["offered"]): r for r in profile["runs"]}
    one_sided = [p for p in record["points"] if p["saturated"] and p["booksim"]["stable"]]
    assert len(one_sided) == record["saturation_disagreements"] == 9
    for point in one_sided:
        run = runs[(point["point"], point["offered"])]
        assert run["saturated"] and not run["converged"] and not run["over_latency_threshold"]
    text = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    assert "Nine of those eleven are the runs BookSim2 calls stable" in text
