"""Which convolutions SCNN tiles through DRAM, against the paper's count.

Parashar et al. (ISCA 2017) report that 9 of the 72 convolution layers they run (AlexNet's 5,
GoogLeNet's 54 inception convolutions and VGG-16's 13) do not fit on chip, all of them in
VGG-16, and are tiled through DRAM. SCNN here tiles a layer when a PE's compressed input tile
exceeds its IARAM (`ScnnConfig.input_passes`) or its compressed outputs exceed its OARAM
(`ScnnConfig.output_to_dram`). This counts both for every convolution of the three calibrated
workloads, from the layer's planar tiling and its activations (the output: torch's, before
pooling, as the simulation sees it; no simulation).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_tiling.py     # about a minute

Writes ``benchmarks/results/accel_scnn_tiling.json`` and ``.md``, each replaced whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from machine import machine, write_record

from desim.accel.fabric import Fabric
from desim.accel.scnn import ScnnConfig, input_tile_bits, output_tile_bits
from desim.accel.scnn_plan import grid_shape, plan_conv
from desim.kernel.simulator import Simulator

RECORD = Path(__file__).parent / "results" / "accel_scnn_tiling.json"
NETWORKS = ("alexnet", "googlenet", "vgg16")
#: Parashar et al. 2017: layers tiled through DRAM, of the layers evaluated (all in VGG-16)
PAPER = {"tiled": 9, "layers": 72, "network": "vgg16"}


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
    return "\n".join(lines) + "\n"


def main() -> None:
    config = ScnnConfig()
    record = {
        "machine": machine(),
        "workload": "calibrated",
        "iaram_bytes": config.iaram_bytes,
        "oaram_bytes": config.oaram_bytes,
        "paper": PAPER,
        "networks": {network: layer_rows(network, config) for network in NETWORKS},
    }
    write_record(RECORD, record, report(record))


if __name__ == "__main__":
    main()
