"""The instructions per flit-hop that README.md and docs/noc.md quote are the latest callgrind
counts recorded in benchmarks/results/noc_instructions.md (`benchmarks/noc_instructions.py`), and
they do not grow from 4x4 to 16x16 by more than 2 % (the cost is per flit-hop, not per router and
cycle)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _latest_counts() -> dict[str, int]:
    """Mesh -> the last compiled count recorded for it at 0.1."""
    text = (ROOT / "benchmarks" / "results" / "noc_instructions.md").read_text()
    rows = re.findall(r"\| compiled \| (\d+x\d+) \| 0\.1 \| ([\d,]+) \|", text)
    return {mesh: int(count.replace(",", "")) for mesh, count in rows}


def _hundreds(count: int) -> str:
    return f"{round(count, -2):,}"


def test_readme_and_docs_quote_the_latest_counts() -> None:
    counts = _latest_counts()
    quoted = ", ".join(_hundreds(counts[m]) for m in ("4x4", "8x8")) + " and "
    quoted += _hundreds(counts["16x16"])
    readme = " ".join((ROOT / "README.md").read_text().split())
    docs = " ".join((ROOT / "docs" / "noc.md").read_text().split())
    assert f"({quoted} machine instructions per flit-hop on 4x4, 8x8 and 16x16" in readme
    assert f"took them to {quoted} (flat within 2 % or falling with size" in docs
    # flat or falling: a larger mesh costs at most 2 % more per flit-hop than a smaller one
    assert counts["8x8"] <= 1.02 * counts["4x4"] and counts["16x16"] <= 1.02 * counts["8x8"]
