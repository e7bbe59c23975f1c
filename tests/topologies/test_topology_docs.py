"""Every ``pycon`` example of docs/topologies.md runs and prints what the page says."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "topologies.md"


def test_docs_examples_run() -> None:
    blocks = re.findall(r"```pycon\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 6
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    test = parser.get_doctest("\n".join(blocks), {}, DOC.name, str(DOC), 0)
    result = runner.run(test)
    assert result.attempted > 0 and result.failed == 0
