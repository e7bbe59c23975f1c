"""Sweep scaling: a 16-point NoC sweep on 1 and 2 local worker processes, and the per-point
overhead of the local and Dask executors.

Scaling runs 16 ``noc`` points (an 8x8 mesh at 0.2 flits/node/cycle, 16 seeds, a few seconds
each) with ``--workers 1`` and ``--workers 2``; the speed-up should be close to 2 on 2 idle cores.
Overhead runs trivial points (a 2x2 mesh for a few dozen cycles) in two sweeps of ``n`` and ``4n``
points on the same executor; the difference in wall time over the ``3n`` extra points is the
per-point cost of the executor and the store (executor start-up cancels out). Every sweep writes
a fresh directory. Results go to ``benchmarks/results/sweep_scaling.json`` and ``.md`` with the
machine's load average (other work on a shared machine slows the parallel runs down).

Run::

    OMP_NUM_THREADS=1 python benchmarks/sweep_scaling.py
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import desim
from desim.sweep import run_sweep, spec_from_mapping

RESULTS = Path(__file__).parent / "results"


def _spec(points: int, size: int, sample_cycles: int, periods: int) -> Any:
    return spec_from_mapping(
        {
            "sweep": {"kind": "noc", "seeds": list(range(1, points + 1))},
            "noc": {
                "topology_args": {"rows": size, "cols": size},
                "injection_rate": 0.2,
                "sample_period_cycles": sample_cycles,
                "warmup_periods": 1,
                "max_samples": periods,
            },
        }
    )


def _timed(spec: Any, **executor: Any) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = run_sweep(spec, out, progress=False, **executor)
        wall = time.perf_counter() - start
    assert report.ran == len(spec.points) and not report.lost, report.lost
    return wall


def scaling() -> dict[str, float]:
    """Wall seconds of the 16-point sweep on 1 and 2 local workers."""
    spec = _spec(16, 8, 1000, 6)
    one, two = _timed(spec, workers=1), _timed(spec, workers=2)
    return {"points": 16, "workers_1_s": one, "workers_2_s": two, "speedup": one / two}


def overhead(n: int = 16) -> dict[str, float]:
    """Per-point overhead (ms) of the local and Dask executors, 2 workers each."""
    small, large = _spec(n, 2, 20, 3), _spec(4 * n, 2, 20, 3)
    out: dict[str, float] = {}
    for name, executor in (("local", {"workers": 2}), ("dask", {"executor": "dask", "workers": 2})):
        few, many = _timed(small, **executor), _timed(large, **executor)
        out[f"{name}_sweep_{n}_s"] = few
        out[f"{name}_per_point_ms"] = 1000 * (many - few) / (3 * n)
    return out


def main() -> None:
    load_before = os.getloadavg()
    result = {
        "desim": desim.__version__,
        "compiled": desim.COMPILED,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_average_before": [round(x, 2) for x in load_before],
        **scaling(),
        **overhead(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sweep_scaling.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "\n".join(
        f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |"
        for k, v in result.items()
    )
    (RESULTS / "sweep_scaling.md").write_text(
        f"# Sweep scaling\n\n| quantity | value |\n|---|---|\n{rows}\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
