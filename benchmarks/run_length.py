"""Calibrate the run-length estimate (`desim.noc.validation.run_work`) against measured CPU time.

The engine visits only cycles that hold work and steps only routers that hold flits
(`desim.noc.engine`), so a run's CPU time follows the flits it moves, not routers x cycles. Each
case runs one `NocConfig` (a k x k mesh, uniform Bernoulli traffic, BookSim's router) through
`simulate` and records the CPU time (``time.process_time``), the run's flit-hops and its awake
router-steps (counted in a second, identical run by a `Router` subclass, so the timed run is the
plain one), and the estimate's flit-hops and CPU seconds. The record shows how far the estimate is
from the measurement at each load; the estimate's coefficients (`FLIT_HOP_SECONDS`,
`ROUTER_STEP_SECONDS` in `desim.noc.validation`) are the least-squares fit printed at the end.

Run::

    OMP_NUM_THREADS=1 python benchmarks/run_length.py            # compiled build (the default)
    OMP_NUM_THREADS=1 python benchmarks/run_length.py --render   # the record again, estimates
                                                                 # from the current constants

Results: ``benchmarks/results/run_length.json`` and ``run_length.md``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from machine import machine

import desim
from desim.noc import NocConfig, simulate
from desim.noc.router import Router
from desim.noc.validation import run_work

CASES = [
    (4, 0.01),
    (4, 0.3),
    (8, 0.001),
    (8, 0.02),
    (8, 0.1),
    (8, 0.3),
    (8, 0.5),
    (16, 0.005),
    (16, 0.05),
    (16, 0.15),
]


class _Steps(Router):
    steps = 0

    def step(self, now: int) -> bool:
        type(self).steps += 1
        return super().step(now)


def _config(k: int, rate: float) -> NocConfig:
    return NocConfig(
        topology="mesh",
        topology_args={"rows": k, "cols": k},
        injection_rate=rate,
        sample_period_cycles=1000,
        warmup_periods=1,
        max_samples=3,
        seed=1,
    )


def measure() -> dict:
    """Run every case; the measured figures only."""
    rows = []
    for k, rate in CASES:
        config = _config(k, rate)
        start = time.process_time()
        result = simulate(config)
        cpu = time.process_time() - start
        _Steps.steps = 0
        simulate(config, router_cls=_Steps)
        rows.append(
            {
                "mesh": k,
                "rate": rate,
                "cycles": result.cycles,
                "saturated": result.saturated,
                "flit_hops": result.flit_hops,
                "router_steps": _Steps.steps,
                "cpu_s": round(cpu, 3),
            }
        )
        print(rows[-1], flush=True)
    build = "compiled" if desim.COMPILED else "pure Python"
    return {"machine": machine(), "build": build, "cases": rows}


def render(out: dict) -> None:
    """Add the fit and the current estimate (`run_work`) to the measured cases; write the record."""
    rows = out["cases"]
    stable = [r for r in rows if not r["saturated"]]
    hops = np.array([r["flit_hops"] for r in stable], float)
    steps = np.array([r["router_steps"] for r in stable], float)
    cpu = np.array([r["cpu_s"] for r in stable])
    # relative least squares over the stable runs: every case weighs the same whatever its length
    coef, *_ = np.linalg.lstsq(np.c_[hops, steps] / cpu[:, None], np.ones(len(stable)), rcond=None)
    out["fit_seconds_per_flit_hop_and_router_step"] = [float(c) for c in coef]
    for r in rows:
        work = run_work(_config(r["mesh"], r["rate"]))
        r.update(
            estimated_flit_hops=round(work.flit_hops),
            estimated_router_steps=round(work.router_steps),
            estimated_cpu_s=round(work.cpu_seconds, 3),
        )
    path = Path(__file__).parent / "results" / "run_length.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    lines = [
        f"# Run-length estimate against measured CPU time ({out['build']} build)",
        "",
        f"`OMP_NUM_THREADS=1 python benchmarks/run_length.py` on {out['machine']['processor']}, "
        f"{out['machine']['date']}, the 2-core machine shared at load 6-10. Each case: a k x k "
        "mesh, uniform single-flit Bernoulli traffic, BookSim's router, 1 warm-up and 3 sample "
        "periods of 1,000 cycles. Fit over the stable runs: "
        f"{coef[0]:.3g} s per flit-hop + {coef[1]:.3g} s per router step "
        f"(`FLIT_HOP_SECONDS`, `ROUTER_STEP_SECONDS` in `desim.noc.validation`).",
        "",
        "| mesh | rate | cycles | flit-hops (est.) | router steps (est.) | CPU s (est.) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = " (saturated)" if r["saturated"] else ""
        lines.append(
            f"| {r['mesh']}x{r['mesh']} | {r['rate']}{mark} | {r['cycles']:,} | {r['flit_hops']:,} "
            f"({r['estimated_flit_hops']:,}) | {r['router_steps']:,} "
            f"({r['estimated_router_steps']:,}) | {r['cpu_s']} ({r['estimated_cpu_s']}) |"
        )
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"fit: {coef}", file=sys.stderr)


def main() -> None:
    path = Path(__file__).parent / "results" / "run_length.json"
    render(json.loads(path.read_text()) if "--render" in sys.argv else measure())


if __name__ == "__main__":
    main()
