"""Simulator speed: flit-hops and simulated cycles per wall-second on meshes under uniform traffic.

A flit-hop is one flit crossing one router (BookSim's router traversals). Each case builds the
``booksim`` router on a k x k mesh with XY routing and Bernoulli single-flit uniform traffic, warms
up, then times the simulation loop alone over ``--repeats`` consecutive windows of the same run,
keeping the fastest: on a shared machine interference only ever slows a window down, so the best
window is the most reproducible figure. These are desim's own absolute speeds, for tracking desim
against itself; against BookSim2 speeds are only compared side by side, in one run
(``benchmarks/noc_vs_booksim.py``). Results go to ``benchmarks/results/noc_speed.json`` and a
Markdown table beside it, per build (compiled by mypyc, or pure Python with
``DESIM_PURE_PYTHON=1``), with the machine they ran on.

Run::

    OMP_NUM_THREADS=1 python benchmarks/noc_speed.py            # all cases (a few minutes)
    OMP_NUM_THREADS=1 python benchmarks/noc_speed.py --quick    # 4x4 and 8x8 only
    OMP_NUM_THREADS=1 DESIM_PURE_PYTHON=1 python benchmarks/noc_speed.py   # the pure-Python build
    OMP_NUM_THREADS=1 DESIM_PURE_PYTHON=1 python benchmarks/noc_speed.py --profile  # cProfile

cProfile sees only Python functions, so ``--profile`` needs the pure-Python build; for the
compiled build use ``perf record -g --call-graph dwarf python benchmarks/noc_speed.py --quick``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

from machine import machine

import desim
from desim.kernel import Simulator
from desim.noc import Network, router_params
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform
from topologies import mesh

RESULTS = Path(__file__).with_name("results")
BUILD = "compiled" if desim.COMPILED else "pure Python"


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
    repeats: int = 1,
) -> dict:
    """Time ``repeats`` windows of ``cycles`` cycles (or of about ``flit_hops_target``
    flit-hops) of one run; return a flat record of the fastest window."""
    sim = Simulator(seed=seed)
    net = Network(sim, mesh(k, k), "xy", router_params("booksim"))
    attach_sources(net, uniform(net.terminals), lambda: bernoulli(rate), lambda rng: 1)
    sim.run(cycles=warmup_cycles)  # untimed
    hops_per_cycle = max(rate * k * k * (2 * k / 3 + 1), 1.0)
    cycles = cycles or max(200, int(flit_hops_target / hops_per_cycle))
    windows = []
    for _ in range(repeats):
        hops0, wall0, cpu0 = net.flit_hops, time.perf_counter(), time.process_time()
        sim.run(cycles=cycles)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        windows.append((net.flit_hops - hops0, wall, cpu))
    hops, wall, cpu = max(windows, key=lambda w: w[0] / w[1])
    return {
        "build": BUILD,
        "mesh": f"{k}x{k}",
        "rate": rate,
        "cycles": cycles,
        "flit_hops": hops,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "flit_hops_per_second": round(hops / wall),
        "cycles_per_second": round(cycles / wall, 1),
        "us_per_flit_hop": round(1e6 * cpu / max(hops, 1), 2),
    }


def write(records: list[dict]) -> None:
    """Record this build's cases beside the other build's (kept from the previous run)."""
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "noc_speed.json"
    builds = json.loads(target.read_text()).get("builds", {}) if target.exists() else {}
    builds[BUILD] = {"machine": machine(), "cases": records}
    target.write_text(json.dumps({"builds": builds}, indent=1) + "\n")
    sections = []
    for build, run in sorted(builds.items()):
        lines = [
            f"## {build}\n\nMachine: {json.dumps(run['machine'])}\n",
            "| mesh | rate | flit-hops/s | cycles/s | us/flit-hop (CPU) |",
            "|---|---|---|---|---|",
        ]
        for r in run["cases"]:
            lines.append(
                f"| {r['mesh']} | {r['rate']} | {r['flit_hops_per_second']:,} | "
                f"{r['cycles_per_second']:,} | {r['us_per_flit_hop']} |"
            )
        sections.append("\n".join(lines))
    (RESULTS / "noc_speed.md").write_text(
        "Best of the timed windows (`python benchmarks/noc_speed.py`), booksim router, XY, "
        "uniform, 1-flit packets.\n\n" + "\n\n".join(sections) + "\n"
    )
    print(sections[-1] if len(sections) == 1 else "\n\n".join(sections))


def profile() -> None:
    if desim.COMPILED:
        sys.exit("--profile needs the pure-Python build: DESIM_PURE_PYTHON=1 (see the docstring)")
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
    parser.add_argument("--repeats", type=int, default=5, help="timed windows per case (best kept)")
    parser.add_argument("--profile", action="store_true", help="profile 8x8 at 0.1 and exit")
    args = parser.parse_args()
    if args.profile:
        profile()
        return
    sizes = (4, 8) if args.quick else (4, 8, 16, 32)
    records = []
    for k in sizes:
        for rate in (0.1, 0.3, near_saturation(k)):
            target = 300_000 if k < 32 else 150_000
            records.append(run_case(k, rate, flit_hops_target=target, repeats=args.repeats))
            print(records[-1], flush=True)
    write(records)


if __name__ == "__main__":
    main()
