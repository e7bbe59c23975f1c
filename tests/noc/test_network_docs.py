"""docs/noc.md: every ``python`` block runs, in order, in a fresh namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "noc.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index: int, capsys) -> None:
    exec(compile(BLOCKS[index], f"docs/noc.md[{index}]", "exec"), {"__name__": "docs_noc"})
