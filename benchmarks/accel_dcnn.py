"""DCNN on AlexNet's (and optionally VGG-16's) convolutions: cycles against the analytic bound,
and the simulator's wall time.

The bound of a layer is the busiest PE's compute cycles (`desim.accel.dense_plan.compute_bound`:
with the default 4 x 4 NFU, its positions x ceil(channels / 4) x ceil(filter length / 4), the
filter cut into slices when 4 do not fit the weight buffer's half): what the PE array would take
if every byte were already in place. The ratio to it is the delivery the dataflow
cannot hide (docs/accel.md). The total is also compared with the ideal dense MACs / 1,024.

Run::

    python benchmarks/accel_dcnn.py [--vgg16] [--dataflow nfu|dot]

Each network's first layer reads its input (the image) from DRAM, as in `Dcnn.run`; it is run
once more with the image already in its SRAM (the model before 2026-11-30 16:00 UTC), outside
the timed run. Results are written to ``benchmarks/results/accel_dcnn.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from desim.accel.dcnn import DATAFLOWS, Dcnn, DcnnConfig  # noqa: E402
from desim.accel.dense_plan import (  # noqa: E402
    ConvGeometry,
    WeightRounds,
    compute_bound,
    partition,
)
from workloads.workload import WorkloadSpec, build_workload  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "accel_dcnn.md"


def bound(layer, config: DcnnConfig) -> int:
    """The busiest PE's compute cycles on 64 PEs organised as ``config`` says."""
    g = ConvGeometry.of(layer)
    lanes, width = config.lanes
    half = config.weight_buffer_bytes * 8 // 2
    rounds = WeightRounds.plan(g.filter_size, config.value_bits, half, lanes, width)
    return compute_bound(partition(g, 64, lanes=lanes), rounds, lanes, width)


def measure(model: str, config: DcnnConfig) -> tuple[list[str], float, float, str]:
    """The table's rows, the simulation's wall time, the total over the ideal, and the first
    layer run again with the network's input already in its SRAM (not timed)."""
    layers = [x for x in build_workload(WorkloadSpec(model, batch=1)).layers if x.kind == "conv"]
    design = Dcnn(config)
    rows, cycles, macs, start = [], 0, 0, time.perf_counter()
    for layer in layers:
        result = design.run_layer(layer, input_in_dram=layer is layers[0])  # as `Dcnn.run`
        cycles += result.cycles
        macs += layer.dense_macs
        limit = bound(layer, config)
        rows.append(
            f"| {layer.name} | {result.extra['partition']} | {result.cycles:,} | {limit:,} "
            f"| {result.cycles / limit:.3f} | {result.noc.flit_hops:,} |"
        )
    wall = time.perf_counter() - start
    rows.append(
        f"| total | | {cycles:,} | {macs / 1024:,.0f} (MACs / 1,024) "
        f"| {cycles / (macs / 1024):.3f} | |"
    )
    first = layers[0]
    in_sram = design.run_layer(first, input_in_dram=False)
    sram = (
        f"{first.name} with the network's input in SRAM (`input_in_dram=False`): "
        f"{in_sram.cycles:,} cycles, {in_sram.cycles / bound(first, config):.3f} of the bound, "
        f"{in_sram.noc.flit_hops:,} flit-hops"
    )
    return rows, wall, cycles / (macs / 1024), sram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vgg16", action="store_true", help="also VGG-16's 13 convolutions")
    parser.add_argument("--dataflow", choices=DATAFLOWS, default="nfu", help="DcnnConfig.dataflow")
    args = parser.parse_args()
    config = DcnnConfig(dataflow=args.dataflow)
    lines = [
        "# DCNN on the NoC: cycles against the compute bound",
        "",
        f"`python benchmarks/accel_dcnn.py{' --vgg16' if args.vgg16 else ''} --dataflow "
        f"{args.dataflow}` on {platform.node()} ({os.cpu_count()} cores), 8 x 8 mesh, "
        "calibrated workloads.",
        "",
    ]
    for model in ["alexnet"] + (["vgg16"] if args.vgg16 else []):
        rows, wall, ratio, sram = measure(model, config)
        lines += [
            f"## {model}: {ratio:.3f}x the ideal dense MACs / 1,024; simulated in {wall:.1f} s",
            "",
            "| layer | partition | cycles | bound | ratio | flit-hops |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            sram,
            "",
        ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
