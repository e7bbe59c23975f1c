"""Which convolutions SCNN tiles through DRAM, against the paper's count.

Parashar et al. (ISCA 2017) report that 9 of the 72 convolution layers they run (AlexNet's 5,
GoogLeNet's 54 inception convolutions and VGG-16's 13) do not fit on chip, all of them in
VGG-16, and are tiled through DRAM. SCNN here tiles a layer when a PE's compressed input tile
exceeds its IARAM (`ScnnConfig.input_passes`) or its compressed outputs exceed its OARAM
(`ScnnConfig.output_to_dram`). This counts both for every convolution of the three calibrated
workloads, from the layer's planar tiling and its activations (its outputs as the simulation
computes them, pooled when a pool follows, as the PPU writes them; no event simulation).

``--energy`` also simulates SCNN on VGG-16's tiled layers and prices what the tiling adds to
each: the paper reports a per-layer energy penalty of 5-62 %, 18 % on average. A tiled layer's
DRAM traffic (counted by the memory port: ``dram_{weights,input,output}_bytes``) is its
compressed weights once per input pass, its input (when it does not fit the IARAMs, or the
layer before wrote it to DRAM) and its output (when it does not fit the OARAMs); the penalty is
all of it but the weights' first read (and the network's input, read from DRAM in any case),
priced at the energy table's DRAM energy, over the layer's energy without it.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_tiling.py            # about a minute of CPU
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_tiling.py --energy   # about 6 min of CPU

Writes ``benchmarks/results/accel_scnn_tiling.json`` and ``.md``, each replaced whole (a layer
followed by a pool also records its largest output per PE unpooled: what the PPU would write
without pooling first).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from machine import machine, write_record

from desim.accel.fabric import Fabric
from desim.accel.scnn import Scnn, ScnnConfig, input_tile_bits, output_tile_bits
from desim.accel.scnn_func import conv_outputs
from desim.accel.scnn_plan import grid_shape, plan_conv
from desim.energy.report import EnergyReport
from desim.energy.table import horowitz45
from desim.kernel.simulator import Simulator

RECORD = Path(__file__).parent / "results" / "accel_scnn_tiling.json"
DRAM_USES = ("weights", "input", "output")  # what Scnn's memory port moves, counted apart
NETWORKS = ("alexnet", "googlenet", "vgg16")
#: Parashar et al. 2017: layers tiled through DRAM, of the layers evaluated (all in VGG-16),
#: and the energy the tiling adds to each (per layer, and the mean)
PAPER = {
    "tiled": 9,
    "layers": 72,
    "network": "vgg16",
    "energy_penalty_range": [0.05, 0.62],
    "energy_penalty_mean": 0.18,
}


def layer_rows(network: str, config: ScnnConfig) -> list[dict[str, Any]]:
    """Per convolution of ``network``'s calibrated workload: `conv_rows`."""
    from workloads.workload import WorkloadSpec, build_workload

    return conv_rows(build_workload(WorkloadSpec(model=network, batch=1)).layers, config)


def conv_rows(layers: list[Any], config: ScnnConfig) -> list[dict[str, Any]]:
    """Per convolution of ``layers``: its largest compressed input tile and output per PE (and,
    for a layer followed by a pool, its largest output per PE were it written unpooled)."""
    streams = config.streams()
    pe = config.pe_array()
    grid = grid_shape(Fabric(Simulator(), config.fabric).pes)
    rows = []
    for layer in layers:
        if layer.kind != "conv":
            continue
        plan = plan_conv(layer, grid, pe.accumulator_entries, config.kc)
        inputs = input_tile_bits(layer, plan, streams)
        plane = conv_outputs(layer, plan)
        outputs = output_tile_bits(layer, plan, plane, streams)
        row = {
            "layer": layer.name,
            "input_tile_bytes": int(inputs.max()) // 8,
            "output_bytes": int(outputs.sum(axis=0).max()) // 8,
            "input_passes": config.input_passes(inputs),
            "output_to_dram": config.output_to_dram(outputs),
        }
        if layer.pool is not None:  # what the largest PE would write without the pool
            whole = replace(layer, pool=None)
            unpooled = output_tile_bits(
                whole, plan_conv(whole, grid, pe.accumulator_entries, config.kc), plane, streams
            )
            row["unpooled_output_bytes"] = int(unpooled.sum(axis=0).max()) // 8
        rows.append(row)
    return rows


def inputs_in_dram(rows: list[dict[str, Any]]) -> list[bool]:
    """Per convolution of `layer_rows`, whether its input is read from DRAM before it starts:
    the network's first, and every one after a layer that wrote its output there (`Scnn.run`)."""
    return [index == 0 or rows[index - 1]["output_to_dram"] for index in range(len(rows))]


def energy_penalty(
    network: str, config: ScnnConfig, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """SCNN simulated on the layers of ``network`` that ``rows`` (`layer_rows`) finds tiled:
    the energy of their DRAM traffic beyond the weights' first read (and the network's input),
    over the layer's energy without it."""
    from workloads.workload import WorkloadSpec, build_workload

    design = Scnn(config)
    table = horowitz45()
    convs = [
        layer
        for layer in build_workload(WorkloadSpec(model=network, batch=1)).layers
        if layer.kind == "conv"
    ]
    out = []
    for index, (layer, row, in_dram) in enumerate(
        zip(convs, rows, inputs_in_dram(rows), strict=True)
    ):
        if row["input_passes"] == 1 and not row["output_to_dram"]:
            continue
        cpu = time.process_time()
        result = design.run_layer(layer, input_in_dram=in_dram)
        moved = result.extra
        weights_once = moved["dram_weights_bytes"] / moved["input_passes"]
        network_input = moved["dram_input_bytes"] if index == 0 else 0
        tiling_bytes = result.dram_bytes - weights_once - network_input
        penalty_pj = 8 * tiling_bytes * table.energy_pj("dram")
        energy_pj = EnergyReport.from_counts(result.counts, table).total_pj
        out.append(
            {
                "layer": layer.name,
                "cycles": result.cycles,
                "energy_pj": energy_pj,
                "input_passes": moved["input_passes"],
                **{f"dram_{use}_bytes": moved[f"dram_{use}_bytes"] for use in DRAM_USES},
                "tiling_bytes": round(tiling_bytes),
                "penalty": penalty_pj / (energy_pj - penalty_pj),
                "cpu_s": round(time.process_time() - cpu, 1),
            }
        )
        print(json.dumps(out[-1]), flush=True)
    return out


def report(record: dict[str, Any]) -> str:
    """The tiled layers as Markdown."""
    lines = [
        f"SCNN layers tiled through DRAM ({record['machine']['date']}; IARAM and OARAM "
        f"{record['iaram_bytes']:,} bytes each)",
        "",
        "| network | layer | largest input tile (bytes) | input passes | largest output (bytes) "
        "| output to DRAM |",
        "|---|---|---|---|---|---|",
    ]
    for network, rows in record["networks"].items():
        for row in rows:
            if row["input_passes"] > 1 or row["output_to_dram"]:
                unpooled = row.get("unpooled_output_bytes")
                written = f"{row['output_bytes']:,}" + (
                    "" if unpooled is None else f" ({unpooled:,} unpooled)"
                )
                lines.append(
                    f"| {network} | {row['layer']} | {row['input_tile_bytes']:,} "
                    f"| {row['input_passes']} | {written} "
                    f"| {'yes' if row['output_to_dram'] else 'no'} |"
                )
    if "energy" in record:
        lines += [
            "",
            "| VGG-16 layer | cycles | input passes | tiling's DRAM bytes | energy penalty |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['layer']} | {r['cycles']:,} | {r['input_passes']} | {r['tiling_bytes']:,} "
            f"| {r['penalty']:.1%} |"
            for r in record["energy"]
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--energy", action="store_true", help="simulate VGG-16's tiled layers, price the tiling"
    )
    args = parser.parse_args(argv)
    previous = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    config = ScnnConfig()
    stamp = machine()
    record = {
        "machine": stamp,
        "measured": {"count": stamp["date"], "energy": previous.get("measured", {}).get("energy")},
        "workload": "calibrated",
        "iaram_bytes": config.iaram_bytes,
        "oaram_bytes": config.oaram_bytes,
        "paper": PAPER,
        "networks": {network: layer_rows(network, config) for network in NETWORKS},
    }
    if args.energy:
        record["energy"] = energy_penalty("vgg16", config, record["networks"]["vgg16"])
        record["measured"]["energy"] = stamp["date"]
    elif "energy" in previous:
        record["energy"] = previous["energy"]
    write_record(RECORD, record, report(record))


if __name__ == "__main__":
    main()
