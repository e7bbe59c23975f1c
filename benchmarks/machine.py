"""The machine a benchmark result was measured on (standard library only).

Kept apart from the benchmarks that simulate so that `noc_vs_booksim.py`, which only starts
processes, imports nothing heavy: on Linux a child's peak resident memory (``ru_maxrss``) starts at
its parent's at the ``exec``, so a parent holding numpy and networkx would set a floor of about
50 MB under every process it measures.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path


def machine() -> dict:
    """Python version, processor, CPU count, system and the date (UTC)."""
    return {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def write_record(output: Path, record: dict, report: str, show: bool = True) -> None:
    """Write ``record`` as JSON to ``output`` and ``report`` (Markdown) beside it (``.md``), each
    through a temporary file renamed into place, so an interrupted run leaves the previous record
    whole; print the report if ``show``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    for path, text in (
        (output, json.dumps(record, indent=1) + "\n"),
        (output.with_suffix(".md"), report),
    ):
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text)
        os.replace(partial, path)
    if show:
        print(report)
