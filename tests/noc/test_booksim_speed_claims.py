"""README and docs/noc.md quote desim's speed against BookSim2 only as the recorded side-by-side
ratios (``benchmarks/noc_vs_booksim.py`` -> ``benchmarks/results/noc_vs_booksim.json``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDED = json.loads((ROOT / "benchmarks" / "results" / "noc_vs_booksim.json").read_text())
CASES = {case["case"]: case for case in RECORDED["cases"]}
ROW = re.compile(r"^ *\| ([^|]+?) \| (\d+\.\d\d)x \| (\d+\.\d\d)x \|", re.MULTILINE)


def quoted_rows(path: Path) -> dict[str, tuple[str, str]]:
    """``configuration -> (loop ratio, whole-process ratio)`` of every speed row in ``path``."""
    return {m[1]: (m[2], m[3]) for m in ROW.finditer(path.read_text()) if m[1] in CASES}


def test_the_recorded_run_compared_every_configuration_both_ways() -> None:
    assert RECORDED["repeats"] >= 1
    for case in CASES.values():
        assert case["loop_ratio"] and case["process_ratio"], case["case"]
        assert case["booksim"]["stable_runs"] == RECORDED["repeats"]
        if case["k"] <= 16:  # long enough sampling for both to converge
            assert case["desim"]["stable_runs"] == RECORDED["repeats"]
            # the same configuration on both sides: average latencies agree (noise ~1 %)
            assert abs(case["latency_difference"]) < 0.03, case["case"]
            # the flit-hop estimate both sides use against desim's exact count
            assert abs(case["desim_estimate_error"]) < 0.1, case["case"]


@pytest.mark.parametrize("document", ["README.md", "docs/noc.md"])
def test_documents_quote_the_recorded_ratios(document: str) -> None:
    rows = quoted_rows(ROOT / document)
    assert rows, f"{document} quotes no side-by-side ratio"
    if document == "docs/noc.md":
        assert set(rows) == set(CASES)
    for name, (loop, process) in rows.items():
        case = CASES[name]
        assert (loop, process) == (f"{case['loop_ratio']:.2f}", f"{case['process_ratio']:.2f}")


@pytest.mark.parametrize("document", ["README.md", "docs/noc.md"])
def test_no_booksim_speed_from_another_day(document: str) -> None:
    text = (ROOT / document).read_text()
    for figure in ("337,000", "184,000", "490,000", "487,000"):
        assert figure not in text


def test_docs_quote_the_recorded_start_up() -> None:
    """docs/noc.md's start-up figures are the recorded ones: `desim --version` and, timed beside
    it, the bare interpreter."""
    start = RECORDED["desim_version_start"]
    text = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    assert f"a median {1000 * start['median_cpu_seconds']:.0f} ms of CPU" in text
    assert f"{1000 * start['python_median_cpu_seconds']:.0f} ms for the bare interpreter" in text
