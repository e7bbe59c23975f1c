"""DCNN's PE organisation and SCNN's energy ratio: DianNao's 4 x 4 NFU against the 16-wide dot
product, on selected VGG-16 and GoogLeNet layers, with an estimate for the whole networks; and
SCNN's own energy breakdown on AlexNet against the paper's published shares.

The SCNN / DCNN comparisons of GoogLeNet and VGG-16 take minutes to hours, so this script runs
DCNN alone, with both organisations (``DcnnConfig.dataflow``), on a few layers of each, and
scales the recorded SCNN / DCNN energy ratio of each layer
(``benchmarks/results/accel_scnn_compare_{googlenet,vgg16}.json``, recorded with ``dot``) by
DCNN's energy under ``nfu`` over its energy under ``dot``: SCNN's energy is the same in both.
For the networks' totals it estimates the change without simulation: the two organisations
differ in DCNN's activation reads (a patch value read once per round of filters with ``dot``,
once per group of 4 output channels with ``nfu``) and in the partial sums of sliced rounds,
both counted exactly from the partition and the weight rounds; NoC and DRAM changes (the NFU's
partition may differ) are left out, and the simulated layers show how much that leaves out.

SCNN's breakdown: `desim.accel.scnn.Scnn` on AlexNet's five convolutions, energy by component,
against the paper's (Parashar et al., ISCA 2017, as public summaries quote it): IARAM under
1 % of SCNN's energy, weight FIFO 6.7 %.

Writes ``benchmarks/results/accel_dcnn_dataflow.json``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_dcnn_dataflow.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from desim.accel.dcnn import Dcnn, DcnnConfig
from desim.accel.dense_plan import ConvGeometry, WeightRounds, partition
from desim.accel.layer import LayerRecord
from desim.energy import EnergyReport, horowitz45

RESULTS = Path(__file__).parent / "results"
SELECTED = {
    "vgg16": ["features.conv1_1", "features.conv3_1", "features.conv4_2", "features.conv5_3"],
    "googlenet": [
        "stem.conv2",
        *(
            f"inceptions.inception3a.{b}"
            for b in ("b1", "b2_reduce", "b2", "b3_reduce", "b3", "b4")
        ),
        *(
            f"inceptions.inception5b.{b}"
            for b in ("b1", "b2_reduce", "b2", "b3_reduce", "b3", "b4")
        ),
    ],
}
PES = 64


def estimate_change_pj(layer: LayerRecord, nfu: DcnnConfig, dot: DcnnConfig) -> float:
    """DCNN's energy under ``nfu`` minus under ``dot`` from the activation reads and partial
    sums alone (counted from the partition and the weight rounds; ungrouped layers)."""
    g = ConvGeometry.of(layer)
    if g.groups != 1:
        raise ValueError(f"{layer.name}: the estimate covers ungrouped layers only")
    table = horowitz45()
    bank = nfu.activation_sram_bytes // PES
    half = nfu.weight_buffer_bytes * 8 // 2

    def reads_and_psums(config: DcnnConfig) -> tuple[int, int, int]:
        lanes, width = config.lanes
        part = partition(g, PES, lanes=lanes)
        rounds = WeightRounds.plan(g.filter_size, config.value_bits, half, lanes, width)
        reads = psum = size = 0
        for pe in range(PES):
            (s, e), (k0, k1) = part.positions(pe), part.channels(pe)
            if s == e or k0 == k1:
                continue
            k = k1 - k0
            per_patch = -(-k // lanes) if config.dataflow == "nfu" else -(-k // rounds.filters)
            reads += (e - s) * g.filter_size * per_patch
            psum += (e - s) * k * (len(rounds.slices) - 1) * 24  # written once, read once
            size = max(size, rounds.filters * (e - s) * 3)
        return reads, psum, size

    (r_nfu, p_nfu, size), (r_dot, _, _) = reads_and_psums(nfu), reads_and_psums(dot)
    psum_pj = p_nfu * (table.energy_pj("sram_read", size) + table.energy_pj("sram_write", size))
    return (r_nfu - r_dot) * nfu.value_bits * table.energy_pj("sram_read", bank) + psum_pj


def _dcnn(layer: LayerRecord, config: DcnnConfig) -> dict[str, Any]:
    start = time.process_time()
    result = Dcnn(config).run_layer(layer)
    report = EnergyReport.from_counts(result.counts, horowitz45())
    return {
        "cycles": result.cycles,
        "energy_pj": report.total_pj,
        "partition": result.extra["partition"],
        "cpu_s": time.process_time() - start,
        "by_component_pj": {f"{c}/{a}": pj for c, a, _, _, pj in report.rows},
    }


def network(model: str) -> dict[str, Any]:
    """Selected layers simulated with both organisations; every layer estimated."""
    from workloads.workload import WorkloadSpec, build_workload

    layers = [x for x in build_workload(WorkloadSpec(model, batch=1)).layers if x.kind == "conv"]
    record = json.loads((RESULTS / f"accel_scnn_compare_{model}.json").read_text())
    ratio = {row["layer"]: row["energy_ratio"] for row in record["per_layer"]}
    speedup = {row["layer"]: row["speedup"] for row in record["per_layer"]}
    nfu, dot = DcnnConfig(), DcnnConfig(dataflow="dot")
    estimate = {x.name: estimate_change_pj(x, nfu, dot) for x in layers}
    measured = {}
    for layer in (x for x in layers if x.name in SELECTED[model]):
        a, b = _dcnn(layer, dot), _dcnn(layer, nfu)
        measured[layer.name] = {
            "dot": a,
            "nfu": b,
            "energy_ratio_dot": ratio[layer.name],
            "energy_ratio_nfu": ratio[layer.name] * b["energy_pj"] / a["energy_pj"],
            "speedup_dot": speedup[layer.name],
            "speedup_nfu": speedup[layer.name] * b["cycles"] / a["cycles"],
            "estimated_change_pj": estimate[layer.name],
            "simulated_change_pj": b["energy_pj"] - a["energy_pj"],
        }
        print(
            model,
            layer.name,
            f"{ratio[layer.name]:.2f}x -> {measured[layer.name]['energy_ratio_nfu']:.2f}x",
            flush=True,
        )
    dcnn_dot = record["dcnn"]["energy_pj"]
    dcnn_nfu = dcnn_dot + sum(estimate.values())
    return {
        "layers": measured,
        "dcnn_energy_pj_dot": dcnn_dot,
        "dcnn_energy_pj_nfu_estimate": dcnn_nfu,
        "scnn_energy_pj": record["energy_pj"],
        "energy_ratio_dot": dcnn_dot / record["energy_pj"],
        "energy_ratio_nfu_estimate": dcnn_nfu / record["energy_pj"],
    }


def scnn_breakdown() -> dict[str, Any]:
    """SCNN's energy on AlexNet's convolutions by component (pJ)."""
    from desim.accel.scnn import Scnn
    from workloads.workload import WorkloadSpec, build_workload

    layers = [
        x for x in build_workload(WorkloadSpec("alexnet", batch=1)).layers if x.kind == "conv"
    ]
    result = Scnn().run(layers, {"model": "alexnet"})
    out: dict[str, float] = {}
    for layer in result.layers:
        for component, action, _, _, pj in EnergyReport.from_counts(
            layer.counts, horowitz45()
        ).rows:
            key = f"{component}/{action}"
            out[key] = out.get(key, 0.0) + pj
    return {"cycles": result.cycles, "by_component_pj": out}


if __name__ == "__main__":
    document = {name: network(name) for name in SELECTED}
    document["scnn_alexnet"] = scnn_breakdown()
    (RESULTS / "accel_dcnn_dataflow.json").write_text(json.dumps(document, indent=1) + "\n")
    for name in SELECTED:
        run = document[name]
        print(
            f"{name}: SCNN / DCNN energy {run['energy_ratio_dot']:.2f}x (dot) -> "
            f"{run['energy_ratio_nfu_estimate']:.2f}x (nfu, estimated)"
        )
