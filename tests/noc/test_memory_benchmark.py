"""benchmarks/noc_memory.py: docs/noc.md quotes its recorded run."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "benchmarks" / "results" / "noc_memory.json"


def test_docs_quote_the_recorded_peak_memory_and_import_floor() -> None:
    record = json.loads(RECORD.read_text())
    text = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    desim, booksim = statistics.median(record["desim_mb"]), statistics.median(record["booksim_mb"])
    assert f"peaks at {desim:.1f} MB against BookSim2's {booksim:.1f} MB" in text
    assert desim > booksim and "the goal of no more than BookSim2 is not met" in text
    *floor, built = record["import_floor_mb"].values()
    assert f"peak at {floor[-1]:.1f} MB" in text
    assert f"the 32x32 network built but not run peaks at {built:.1f} MB" in text
    assert f"{built - floor[-1]:.1f} MB more than the imports" in text
    assert f"the run {desim - built:.1f} MB" in text
    quoted = ["the interpreter", "numpy", "its random module", "networkx", "SimPy", "NoC command"]
    for words, mb in zip(quoted, floor, strict=True):
        assert f"{words} {mb:.1f}" in text, words
    assert [*floor, built] == sorted([*floor, built])  # each process does more than the last


def test_docs_quote_how_both_grow_and_where_desim_takes_less() -> None:
    """The scaling table, the least-squares lines (recomputed here from the rows) and the
    crossover they imply, as docs/noc.md quotes them."""
    scaling = json.loads(RECORD.read_text())["scaling"]
    text = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    rows = scaling["rows"]
    for row in rows:
        k = row["k"]
        assert f"| {k}x{k} | {k * k:,} | {row['desim_mb']:.1f} | {row['booksim_mb']:.1f} |" in text
    routers = [row["k"] ** 2 for row in rows]
    lines = {}
    for name in ("desim", "booksim"):
        peaks = [row[f"{name}_mb"] for row in rows]
        slope = statistics.linear_regression(routers, peaks).slope * 1000
        fixed = statistics.linear_regression(routers, peaks).intercept
        assert scaling[f"{name}_fit"] == pytest.approx([slope, fixed], abs=0.051)
        lines[name] = scaling[f"{name}_fit"]
    (ds, df), (bs, bf) = lines["desim"], lines["booksim"]
    assert f"desim {ds:.1f} kB a router on a fixed {df:.1f} MB" in text
    assert f"BookSim2 {bs:.1f} kB a router on {bf:.1f} MB" in text
    crossover = (df - bf) * 1000 / (bs - ds)
    assert f"desim takes less from about {round(crossover, -1):,.0f} routers" in text
    side = round(crossover**0.5)
    assert f"({side}x{side})" in text and f"up to about {side}x{side}" in text
    # what the runs reported: their length, and which desim found unconverged, as quoted
    cycles = [row["desim_cycles"] for row in rows]
    theirs = [row["booksim_cycles"] for row in rows]
    assert f"desim's {min(cycles)}-{max(cycles)} cycles long, BookSim2's" in text
    assert f"BookSim2's {min(theirs)}-{max(theirs):,}:" in text
    accepted = [row[f"{n}_accepted"] for row in rows for n in ("desim", "booksim")]
    assert f"both accepted {min(accepted):.3f}-{max(accepted):.3f} flits" in text
    unstable = ", ".join(f"{row['k']}x{row['k']}" for row in rows if not row["desim_stable"])
    assert f"does not find the {unstable} runs converged" in text
    # the crossover is in the measured rows, not only in the fitted lines
    assert all((r["desim_mb"] < r["booksim_mb"]) == (r["k"] ** 2 > crossover) for r in rows)


def test_the_memory_benchmark_imports_nothing_heavy() -> None:
    """A parent holding numpy or desim would raise every child's ``ru_maxrss`` to its own."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import noc_memory; "
        "print(sorted(m for m in ('numpy', 'networkx', 'simpy', 'desim') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
