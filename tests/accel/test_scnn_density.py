"""docs/scnn.md's density sweep, each sparsity's share and PE size: the page quotes the recorded
run of `benchmarks/accel_scnn_density.py`, and the record shows the trends the page claims (the
slow test re-runs the sweep)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "benchmarks" / "results" / "accel_scnn_density.json"
PAGE = ROOT / "docs" / "scnn.md"


def _benchmark() -> ModuleType:
    path = ROOT / "benchmarks" / "accel_scnn_density.py"
    spec = importlib.util.spec_from_file_location("accel_scnn_density", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record() -> dict:
    return json.loads(RECORD.read_text())


def test_the_page_quotes_the_recorded_sweep():
    doc, bench = _record(), _benchmark()
    assert [p["density"] for p in doc["sweep"]] == list(bench.DENSITIES)
    summary = bench.summary(doc["sweep"])
    assert summary.keys() == doc["summary"].keys()
    for key, value in summary.items():
        assert value == pytest.approx(doc["summary"][key])
    page = PAGE.read_text()
    for line in bench.tables(doc["sweep"]).splitlines():
        assert line in page, line


def _ratio(point: dict, base: str, what: str) -> float:
    return point[base][what] / point["scnn"][what]


def test_density_trends():
    """The page's first bullet: SCNN's speedup and energy improvement over DCNN grow as both
    densities fall; at full density SCNN spends a third more energy than DCNN (paper: 33 %) and
    is as fast (paper: 79 %); it overtakes DCNN's energy at 0.84 (paper: 0.83) and DCNN-opt's
    lower down (paper: 0.6); the speedup at 0.1 stays below the paper's 24x. DCNN's cycles do
    not depend on the density; DCNN-opt's are DCNN's."""
    doc = _record()
    sweep, summary = doc["sweep"], doc["summary"]
    speedups = [_ratio(p, "dcnn", "cycles") for p in sweep]
    energies = [_ratio(p, "dcnn", "energy_pj") for p in sweep]
    assert speedups == sorted(speedups) and energies == sorted(energies)
    assert len({p["dcnn"]["cycles"] for p in sweep}) == 1
    assert all(p["dcnn-opt"]["cycles"] == p["dcnn"]["cycles"] for p in sweep)
    assert 1 / summary["energy_vs_dcnn_at_full_density"] == pytest.approx(1.33, abs=0.02)
    assert summary["speedup_at_full_density"] == pytest.approx(1.0, abs=0.02)
    assert summary["performance_crossover_density"] is None  # never slower than DCNN
    assert summary["energy_crossover_vs_dcnn"] == pytest.approx(0.84, abs=0.005)
    assert summary["energy_crossover_vs_dcnn_opt"] == pytest.approx(0.72, abs=0.005)
    assert summary["speedup_at_0.1"] < 24
    assert f"{summary['speedup_at_0.1']:.1f}x at 0.1 / 0.1" in " ".join(PAGE.read_text().split())
    fraction = 100 * summary["energy_fraction_of_dcnn_at_0.1"]
    assert f"SCNN's energy {fraction:.1f} % of DCNN's" in " ".join(PAGE.read_text().split())
    page = " ".join(PAGE.read_text().split())
    assert "overtakes it at density 0.84 (the paper: 0.83)" in page
    assert "DCNN-opt is overtaken lower down, at 0.72 (the paper: 0.6)" in page


def test_each_sparsity_and_pe_size():
    """The page's second and third bullets: at 0.4 / 0.4 SCNN's energy over SCNN-SparseW and
    SCNN-SparseA within 5 % of the paper's 1.6x and 2.1x; SparseW within 10 % of SCNN's cycles
    down to 0.4 and slower below, SparseA slower by about the inverse weight density (within
    10 %) down to 0.4; at 0.4 / 0.4, 4 PEs of 16 x 16 faster than 64 PEs of 4 x 4 and spending
    less energy."""
    doc = _record()
    sweep, summary = doc["sweep"], doc["summary"]
    assert summary["energy_over_sparsew_at_0.4"] == pytest.approx(1.6, rel=0.05)
    assert summary["energy_over_sparsea_at_0.4"] == pytest.approx(2.1, rel=0.05)
    variants = [p for p in sweep if "scnn-sparsew" in p]
    assert [p["density"] for p in variants] == list(_benchmark().VARIANT_DENSITIES)
    for p in variants:
        sparsew, sparsea = (_ratio(p, v, "cycles") for v in ("scnn-sparsew", "scnn-sparsea"))
        if p["density"] >= 0.4:
            assert 1 <= sparsew <= 1.1
            assert sparsea * p["density"] == pytest.approx(1, abs=0.1)
        else:
            assert sparsew > 1.1
    [mid] = [p for p in sweep if "scnn-4pe" in p]
    assert _ratio(mid, "scnn-4pe", "cycles") < 1 and _ratio(mid, "scnn-4pe", "energy_pj") < 1
    page = " ".join(PAGE.read_text().split())
    for key, quoted in (
        ("speedup_over_sparsea_at_0.4", "ours {:.2f}x) and 1.7x"),
        ("speedup_over_sparsew_at_0.4", "(ours {:.2f}x) at 0.4"),
        ("energy_over_sparsew_at_0.4", "SCNN spends {:.2f}x less than"),
        ("energy_over_sparsea_at_0.4", "and {:.2f}x less than SCNN-SparseA"),
    ):
        assert quoted.format(summary[key]) in page, key
    assert f"{_ratio(sweep[-2], 'scnn-sparsew', 'cycles'):.2f}x at 0.2" in page


@pytest.mark.slow
def test_sweep_reproduces_the_record():
    bench = _benchmark()
    for recorded in _record()["sweep"]:
        measured = bench.point(recorded["density"])
        assert measured.keys() == recorded.keys()
        for name in measured.keys() - {"density"}:
            assert measured[name]["cycles"] == recorded[name]["cycles"]
            assert measured[name]["energy_pj"] == pytest.approx(recorded[name]["energy_pj"])
