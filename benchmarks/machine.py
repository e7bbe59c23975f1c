"""The machine a benchmark result was measured on (standard library only).

Kept apart from the benchmarks that simulate so that `noc_vs_booksim.py`, which only starts
processes, imports nothing heavy: on Linux a child's peak resident memory (``ru_maxrss``) starts at
its parent's at the ``exec``, so a parent holding numpy and networkx would set a floor of about
50 MB under every process it measures.
"""

from __future__ import annotations

import os
import platform
import time


def machine() -> dict:
    """Python version, processor, CPU count, system and the date (UTC)."""
    return {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
