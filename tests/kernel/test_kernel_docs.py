"""docs/kernel.md: its example runs and prints exactly the output shown on the page."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "kernel.md"


def test_kernel_page_example_prints_the_documented_output() -> None:
    text = PAGE.read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (expected,) = re.findall(r"```text\n(.*?)```", text, flags=re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "kernel_md"})
    assert out.getvalue() == expected
