"""Where SCNN's cycles go, per layer, with and without the post-processing unit's cycles.

For each chosen convolution of a calibrated workload, SCNN runs twice, side by side: with the
PPU's rates of `desim.accel.scnn.ScnnConfig` (default: one partial sum per cycle) and with
them at 0 (the drain costs only the network and the OARAM write: the model before the PPU).
Per layer: the non-zero work's ideal (non-zero MACs / 1,024), the mean PE's multiplier-array
cycles (above the ideal: fragmentation and bank conflicts), the busiest PE's per Kc group summed
(above the mean: imbalance the barriers expose), the busiest PE's waits for weights and
for the double buffer (a drain of group g - 2 still running), the longest drain, the last
group's drain (after the last barrier: nothing overlaps it), the largest compressed input tile
of a PE (bytes: over the IARAM, more than one input pass), the longest input pool of a PE (its
exchange and compares before the first group; 0 without one), and the cycles. DCNN's cycles come
from the recorded comparison (``benchmarks/results/accel_scnn_compare_<network>.json``), so the
speedup per layer is shown without running DCNN.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_breakdown.py googlenet inception5b inception4e
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_breakdown.py alexnet conv
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_breakdown.py googlenet inception4c --density 1

Each pattern selects the convolutions whose name contains it. ``--density D``: the synthetic
workload of the same shapes with weight and activation density ``D`` (seed 0, as
``benchmarks/accel_scnn_density.py`` runs it; no DCNN record). Writes
``benchmarks/results/accel_scnn_breakdown_<network>[_d<D>].json`` (merged with earlier runs, by
layer).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from accel_scnn_tiling import conv_rows, inputs_in_dram

from desim.accel.scnn import Scnn, ScnnConfig

RESULTS = Path(__file__).parent / "results"
NO_PPU = ScnnConfig(ppu_reads_per_cycle=0, ppu_adds_per_cycle=0, ppu_compares_per_cycle=0)


def recorded_dcnn(network: str) -> dict[str, int]:
    """DCNN's cycles per layer from the recorded comparison (empty if none)."""
    path = RESULTS / f"accel_scnn_compare_{network}.json"
    if not path.exists():
        return {}
    return {
        row["layer"]: row["baseline_cycles"] for row in json.loads(path.read_text())["per_layer"]
    }


def breakdown(
    network: str, patterns: list[str], density: float | None = None
) -> list[dict[str, Any]]:
    """Run the chosen layers with and without the PPU's cycles; one record per layer."""
    from workloads.workload import WorkloadSpec, build_workload

    if density is None:
        spec = WorkloadSpec(model=network, batch=1)
    else:
        spec = WorkloadSpec(
            network, None, "synthetic", batch=1, weight_density=density,
            activation_density=density, seed=0,
        )  # fmt: skip
    workload = build_workload(spec)
    convs = [layer for layer in workload.layers if layer.kind == "conv"]
    dcnn = recorded_dcnn(network) if density is None else {}
    tiling = conv_rows(convs, ScnnConfig())
    in_dram = inputs_in_dram(tiling)
    rows = []
    for index, layer in enumerate(convs):
        if not any(p in layer.name for p in patterns):
            continue
        runs = {}
        for name, config in (("no_ppu", NO_PPU), ("ppu", ScnnConfig())):
            cpu = time.process_time()
            result = Scnn(config).run_layer(layer, input_in_dram=in_dram[index])
            runs[name] = (result, time.process_time() - cpu)
        (off, _), (on, cpu) = runs["no_ppu"], runs["ppu"]
        extra = on.extra
        row = {
            "layer": layer.name,
            "plane": list(layer.output.shape[2:]),
            "filter": list(layer.weight.shape[2:]),
            "kc": extra["kc"],
            "groups": extra["groups"],
            "dense_bound": -(-layer.dense_macs // 1024),
            "ideal": extra["ideal_cycles"],
            "pe_mean": round(extra["pe_busy_cycles_mean"]),
            "busiest_per_group": extra["busiest_pe_per_group_cycles"],
            "busiest_weight_wait": extra["busiest_pe_waits_cycles"]["weights"],
            "busiest_buffer_wait": extra["busiest_pe_waits_cycles"]["buffer"],
            "drain_max": extra["drain_cycles_max"],
            "last_drain": extra["last_drain_cycles"],
            "input_passes": extra["input_passes"],
            "input_tile_bytes": tiling[index]["input_tile_bytes"],
            "input_pool_cycles": extra["input_pool_cycles_max"],
            "cycles_no_ppu": off.cycles,
            "cycles": on.cycles,
            "dcnn_cycles": dcnn.get(layer.name),
            "cpu_seconds": round(cpu, 2),
            "check_error": on.check_error,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The records as a Markdown table."""
    lines = [
        "| layer | plane | RxS | Kc x groups | ideal | PE mean | busiest/group | busiest's "
        "weight wait | its buffer wait | last drain | cycles, no PPU | cycles, PPU | +% | DCNN "
        "| speedup no PPU -> PPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d = r["dcnn_cycles"]
        speed = f"{d / r['cycles_no_ppu']:.2f}x -> {d / r['cycles']:.2f}x" if d else ""
        lines.append(
            f"| {r['layer']} | {r['plane'][0]}x{r['plane'][1]} | {r['filter'][0]}x{r['filter'][1]} "
            f"| {r['kc']} x {r['groups']} | {r['ideal']:,} | {r['pe_mean']:,} | "
            f"{r['busiest_per_group']:,} | {r['busiest_weight_wait']:,} | "
            f"{r['busiest_buffer_wait']:,} | "
            f"{r['last_drain']:,} | {r['cycles_no_ppu']:,} | {r['cycles']:,} | "
            f"{100 * (r['cycles'] / r['cycles_no_ppu'] - 1):.1f} | {d or ''} | {speed} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network")
    parser.add_argument("patterns", nargs="+", help="layer-name substrings")
    parser.add_argument("--density", type=float, help="synthetic weight = activation density")
    args = parser.parse_args()
    if args.density is not None and not 0 < args.density <= 1:
        parser.error(f"--density must be in (0, 1], got {args.density}")
    rows = breakdown(args.network, args.patterns, args.density)
    suffix = "" if args.density is None else f"_d{args.density:g}"
    path = RESULTS / f"accel_scnn_breakdown_{args.network}{suffix}.json"
    old = json.loads(path.read_text()) if path.exists() else []
    merged = {r["layer"]: r for r in old} | {r["layer"]: r for r in rows}
    path.write_text(json.dumps(list(merged.values()), indent=1) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
