"""Which convolutions SCNN tiles through DRAM, against the paper's count.

Parashar et al. (ISCA 2017) report that 9 of the 72 convolution layers they run (AlexNet's 5,
GoogLeNet's 54 inception convolutions and VGG-16's 13) do not fit on chip, all of them in
VGG-16, and are tiled through DRAM. SCNN here tiles a layer when a PE's compressed input tile
exceeds its IARAM (`ScnnConfig.input_passes`) or its compressed outputs exceed its OARAM
(`ScnnConfig.output_to_dram`). This counts both for every convolution of the three calibrated
workloads, from the layer's planar tiling and its activations (the output: torch's, before
pooling, as the simulation sees it; no simulation).

``--energy`` also simulates SCNN on VGG-16's tiled layers and prices what the tiling adds to
each: the paper reports a per-layer energy penalty of 5-62 %, 18 % on average. A tiled layer's
DRAM traffic is its compressed weights once per input pass, its input (when it does not fit)
and its output (when it does not fit); the penalty is all of it but the weights' first read
(the first layer's input, read from DRAM in any case, not counted), over the layer's energy
without it.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_tiling.py            # about a minute
    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_tiling.py --energy   # about 6 min of CPU

Writes ``benchmarks/results/accel_scnn_tiling.json`` and ``.md``, each replaced whole.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from machine import machine, write_record

from desim.accel.fabric import Fabric
from desim.accel.scnn import ScnnConfig, input_tile_bits, output_tile_bits
from desim.accel.scnn_plan import grid_shape, plan_conv
from desim.kernel.simulator import Simulator

RECORD = Path(__file__).parent / "results" / "accel_scnn_tiling.json"
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
    """Per convolution of ``network``: its largest compressed input tile and output per PE."""
    from workloads.workload import WorkloadSpec, build_workload

    streams = config.streams()
    pe = config.pe_array()
    grid = grid_shape(Fabric(Simulator(), config.fabric).pes)
    rows = []
    for layer in build_workload(WorkloadSpec(model=network, batch=1)).layers:
        if layer.kind != "conv":
            continue
        plan = plan_conv(layer, grid, pe.accumulator_entries, config.kc)
        inputs = input_tile_bits(layer, plan, streams)
        outputs = output_tile_bits(layer, plan, layer.output[0], streams)
        rows.append(
            {
                "layer": layer.name,
                "input_tile_bytes": int(inputs.max()) // 8,
                "output_bytes": int(outputs.sum(axis=0).max()) // 8,
                "input_passes": config.input_passes(inputs),
                "output_to_dram": config.output_to_dram(outputs),
            }
        )
    return rows


def energy_penalty(network: str, config: ScnnConfig, tiled: list[str]) -> list[dict[str, Any]]:
    """SCNN simulated on ``network``'s ``tiled`` layers: what the DRAM traffic of tiling costs."""
    from desim.accel.scnn import Scnn
    from desim.accel.scnn_func import conv_outputs
    from desim.energy.report import EnergyReport
    from desim.energy.table import horowitz45
    from workloads.workload import WorkloadSpec, build_workload

    grid = grid_shape(Fabric(Simulator(), config.fabric).pes)
    pe, streams = config.pe_array(), config.streams()
    design = Scnn(config)
    convs = [
        layer
        for layer in build_workload(WorkloadSpec(model=network, batch=1)).layers
        if layer.kind == "conv"
    ]
    rows = []
    for index, layer in enumerate(convs):
        if layer.name not in tiled:
            continue
        cpu = time.process_time()
        result = design.run_layer(layer, first=index == 0)
        plan = plan_conv(layer, grid, pe.accumulator_entries, config.kc)
        inputs = input_tile_bits(layer, plan, streams)
        # the outputs as the run computes them (their zeros decide the compressed sizes)
        computed = conv_outputs(layer, plan).reshape(layer.output.shape[1:])
        outputs = output_tile_bits(layer, plan, computed, streams)
        passes = config.input_passes(inputs)
        # what Scnn's memory port moves (scnn_agents: a pass's input share rounded up per PE,
        # each output rounded up to bytes): the weights are the rest, read once per pass
        input_bytes = -(-sum(-(-int(b) // passes) for b in inputs) // 8) * passes
        input_read = input_bytes if (index == 0 or passes > 1) else 0
        output_bytes = sum(-(-int(b) // 8) for b in outputs.ravel())
        output_written = output_bytes if config.output_to_dram(outputs) else 0
        weight_bytes = (result.dram_bytes - input_read - output_written) / passes
        tiling_bytes = result.dram_bytes - weight_bytes - (input_read if index == 0 else 0)
        energy = EnergyReport.from_counts(result.counts, horowitz45())
        dram_pj = energy.by_component()["dram"]
        penalty_pj = dram_pj * tiling_bytes / result.dram_bytes
        rows.append(
            {
                "layer": layer.name,
                "cycles": result.cycles,
                "energy_pj": energy.total_pj,
                "dram_pj": dram_pj,
                "input_passes": passes,
                "weight_bytes": round(weight_bytes),
                "tiling_bytes": round(tiling_bytes),
                "penalty": penalty_pj / (energy.total_pj - penalty_pj),
                "cpu_s": round(time.process_time() - cpu, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


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
                lines.append(
                    f"| {network} | {row['layer']} | {row['input_tile_bytes']:,} "
                    f"| {row['input_passes']} | {row['output_bytes']:,} "
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
    record = {
        "machine": machine(),
        "workload": "calibrated",
        "iaram_bytes": config.iaram_bytes,
        "oaram_bytes": config.oaram_bytes,
        "paper": PAPER,
        "networks": {network: layer_rows(network, config) for network in NETWORKS},
    }
    if args.energy:
        tiled = [
            r["layer"]
            for r in record["networks"]["vgg16"]
            if r["input_passes"] > 1 or r["output_to_dram"]
        ]
        record["energy"] = energy_penalty("vgg16", config, tiled)
    elif "energy" in previous:
        record["energy"] = previous["energy"]
    write_record(RECORD, record, report(record))


if __name__ == "__main__":
    main()
