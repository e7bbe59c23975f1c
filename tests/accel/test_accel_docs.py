"""docs/accel.md: its example prints the documented output; its energy table is the code's."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from desim.energy import horowitz45

PAGE = Path(__file__).resolve().parents[2] / "docs" / "accel.md"


def test_example_prints_the_documented_output() -> None:
    text = PAGE.read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (expected,) = re.findall(r"```text\n(.*?)```", text, flags=re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "accel_md"})
    assert out.getvalue() == expected


def test_energy_table_on_the_page_is_the_default_table() -> None:
    text = PAGE.read_text()
    for row in horowitz45().rows():
        line = next(x for x in text.splitlines() if x.startswith(f"| {row['action']} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1] == row["unit"] and cells[3] == row["source"]
        assert float(cells[2]) == pytest.approx(row["energy_pj"], rel=1e-3)
