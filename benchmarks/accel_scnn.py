"""SCNN on the calibrated ImageNet workloads: wall time, cycles, and the speedup over a dense bound.

Runs SCNN over the convolution layers of each network, records the wall time and the CPU time of
the simulation (workload building excluded; on a shared machine the CPU time is the one that does
not depend on the other users' load), per-layer cycles, and the speedup over the analytic dense
baseline (dense MACs / 1,024 multipliers per layer: DCNN's ideal). Writes each network's run,
with the machine it ran on, to ``benchmarks/results/accel_scnn_speed_NETWORK.json`` and ``.md``
(replaced whole when that network finishes). ``accel_scnn.{json,md}`` hold the earlier runs of
this script, annotated by hand; it no longer writes them.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn.py [alexnet vgg16 googlenet] [--arch scnn]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from machine import machine, write_record

from desim.accel.scnn import Scnn, ScnnSparseA, ScnnSparseW
from desim.energy import horowitz45

ARCHS = {cls.arch: cls for cls in (Scnn, ScnnSparseA, ScnnSparseW)}
PAPER = {"alexnet": 2.37, "googlenet": 2.19, "vgg16": 3.52}
RESULTS = Path(__file__).parent / "results"


def measure(network: str, arch: str) -> dict[str, object]:
    """Simulate ``network``'s conv layers on ``arch``; wall time and per-layer records."""
    from workloads.workload import WorkloadSpec, build_workload

    workload = build_workload(WorkloadSpec(model=network, batch=1))
    layers = [layer for layer in workload.layers if layer.kind == "conv"]
    start, cpu = time.perf_counter(), time.process_time()
    result = ARCHS[arch]().run(layers, {"model": network, "provenance": workload.provenance})
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    table = horowitz45()
    per_layer = []
    for lr in result.layers:
        dense = -(-lr.dense_macs // 1024)
        per_layer.append(
            {
                "layer": lr.name,
                "cycles": lr.cycles,
                "dense_bound_cycles": dense,
                "speedup_vs_dense_bound": dense / lr.cycles,
                "kc": lr.extra["kc"],
                "barrier_idle_cycles": lr.extra["barrier_idle_cycles"],
                "energy_pj": lr.record(table)["energy_pj"],
            }
        )
    dense_total = sum(x["dense_bound_cycles"] for x in per_layer)
    return {
        "network": network,
        "arch": arch,
        "provenance": workload.provenance,
        "conv_layers": len(layers),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cycles": result.cycles,
        "dense_bound_cycles": dense_total,
        "speedup_vs_dense_bound": dense_total / result.cycles,
        "paper_speedup_vs_dcnn": PAPER.get(network),
        "energy_pj": result.record(table)["energy_pj"],
        "per_layer": per_layer,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("networks", nargs="*", default=["alexnet", "vgg16"])
    parser.add_argument("--arch", default="scnn", choices=sorted(ARCHS))
    args = parser.parse_args()
    for network in args.networks:  # written after each network: a long run keeps what finished
        run = measure(network, args.arch) | {"machine": machine()}
        write_record(RESULTS / f"accel_scnn_speed_{network}.json", [run], report([run]))


def report(runs: list[dict[str, object]]) -> str:
    """A Markdown table of ``runs``."""
    lines = [
        "| network | conv layers | wall s | CPU s | load | SCNN cycles | dense bound | speedup "
        "| paper vs DCNN |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['network']} | {r['conv_layers']} | {r['wall_seconds']} | {r['cpu_seconds']} | "
            f"{r['load_average_1min']} | {r['cycles']} | "
            f"{r['dense_bound_cycles']} | {r['speedup_vs_dense_bound']:.2f}x | "
            f"{r['paper_speedup_vs_dcnn']}x |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
