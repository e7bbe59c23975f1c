"""Simulator speed: flit-hops and simulated cycles per wall-second on meshes under uniform traffic.

A flit-hop is one flit crossing one router (BookSim's router traversals). Each case builds the
``booksim`` router on a k x k mesh with XY routing and Bernoulli single-flit uniform traffic, warms
up, then times the simulation loop alone for a fixed number of cycles (as the BookSim numbers in
``reference/NOC.md`` time its loop alone). Results go to ``benchmarks/results/noc_speed.json`` and
a Markdown table beside it, with the machine they ran on.

Run::

    OMP_NUM_THREADS=1 python benchmarks/noc_speed.py            # all cases (a few minutes)
    OMP_NUM_THREADS=1 python benchmarks/noc_speed.py --quick    # 4x4 and 8x8 only
    OMP_NUM_THREADS=1 python benchmarks/noc_speed.py --profile  # where the time goes (8x8, 0.1)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import time
from pathlib import Path

from desim.kernel import Simulator
from desim.noc import Network, router_params
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform
from topologies import mesh

RESULTS = Path(__file__).with_name("results")
BOOKSIM = {(8, 0.1): 337_000, (8, 0.3): 490_000, (16, 0.1): 184_000}  # reference/NOC.md


def near_saturation(k: int) -> float:
    """90% of the measured XY saturation (0.42 on 8x8 ~ 0.84 x the bisection bound 4/k)."""
    return round(min(0.9, 0.9 * 0.84 * 4 / k), 3)


def run_case(
    k: int,
    rate: float,
    flit_hops_target: int = 300_000,
    seed: int = 1,
    warmup_cycles: int = 300,
    cycles: int | None = None,
) -> dict:
    """Time the simulation loop of one case (``cycles``, or enough cycles for about
    ``flit_hops_target`` flit-hops); return a flat record."""
    sim = Simulator(seed=seed)
    net = Network(sim, mesh(k, k), "xy", router_params("booksim"))
    attach_sources(net, uniform(net.terminals), lambda: bernoulli(rate), lambda rng: 1)
    sim.run(cycles=warmup_cycles)  # untimed
    hops_per_cycle = max(rate * k * k * (2 * k / 3 + 1), 1.0)
    cycles = cycles or max(200, int(flit_hops_target / hops_per_cycle))
    hops0, wall0, cpu0 = net.flit_hops, time.perf_counter(), time.process_time()
    sim.run(cycles=cycles)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    hops = net.flit_hops - hops0
    return {
        "mesh": f"{k}x{k}",
        "rate": rate,
        "cycles": cycles,
        "flit_hops": hops,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "flit_hops_per_second": round(hops / wall),
        "cycles_per_second": round(cycles / wall, 1),
        "us_per_flit_hop": round(1e6 * cpu / max(hops, 1), 2),
        "booksim_flit_hops_per_second": BOOKSIM.get((k, rate)),
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write(records: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "noc_speed.json").write_text(
        json.dumps({"machine": machine(), "cases": records}, indent=1)
    )
    lines = [
        "| mesh | rate | flit-hops/s | cycles/s | us/flit-hop (CPU) | BookSim flit-hops/s |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        ref = f"{r['booksim_flit_hops_per_second']:,}" if r["booksim_flit_hops_per_second"] else ""
        lines.append(
            f"| {r['mesh']} | {r['rate']} | {r['flit_hops_per_second']:,} | "
            f"{r['cycles_per_second']:,} | {r['us_per_flit_hop']} | {ref} |"
        )
    (RESULTS / "noc_speed.md").write_text(
        f"Machine: {json.dumps(machine())}\n\n" + "\n".join(lines) + "\n"
    )
    print("\n".join(lines))


def profile() -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run_case(8, 0.1, flit_hops_target=150_000)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4x4 and 8x8 only")
    parser.add_argument("--profile", action="store_true", help="profile 8x8 at 0.1 and exit")
    args = parser.parse_args()
    if args.profile:
        profile()
        return
    sizes = (4, 8) if args.quick else (4, 8, 16, 32)
    records = []
    for k in sizes:
        for rate in (0.1, 0.3, near_saturation(k)):
            records.append(run_case(k, rate))
            print(records[-1], flush=True)
    write(records)


if __name__ == "__main__":
    main()
