"""docs/noc.md: every ``python`` block runs, in order, in a fresh namespace, and prints exactly
the output shown after it on the page."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "noc.md"
# each python block, and the "Output:" text block right after it when it prints
BLOCKS = re.findall(
    r"```python\n(.*?)```\n(?:\nOutput:\n\n```text\n(.*?)```)?", PAGE.read_text(), flags=re.S
)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 4
    assert sum(1 for _, shown in BLOCKS if shown) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_prints_the_documented_output(index: int) -> None:
    code, shown = BLOCKS[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/noc.md[{index}]", "exec"), {"__name__": "docs_noc"})
    assert out.getvalue() == shown
