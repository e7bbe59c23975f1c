"""DCNN-opt's own energy improvement over DCNN on AlexNet's convolutions, per gating variant.

DCNN-opt (Parashar et al., ISCA 2017) is DCNN with zero-gated multiplies and compressed
activations to and from DRAM; the paper reports it 2.0x more energy-efficient than DCNN (mean of
its three networks). What its gating covers is not published. The variants: ``gating`` (the
default: a zero activation gates the weight read, the multiply and the add; a zero weight the
multiply and the add), and the zero flags of `desim.accel.dcnn.DcnnConfig` (a flag set as a
buffer fills gates a zero operand's own read): ``weight flags``, ``activation flags``, ``both``.
DCNN's PE is its default, DianNao's 4 x 4 NFU (`DcnnConfig.dataflow`). Cycles are DCNN's in
every variant. Also recorded: each variant's energy by component and action,
and SCNN's on conv1 (the layer where SCNN spends more than DCNN), with the energy of reading
conv1's input image from DRAM at 16 bits a value (SCNN reads it; DCNN's model starts with it in
the activation SRAM).

Writes ``benchmarks/results/accel_dcnn_opt.json``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_dcnn_opt.py
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from desim.accel.dcnn import Dcnn, DcnnOptConfig
from desim.accel.scnn import Scnn
from desim.energy import EnergyReport, horowitz45

RESULTS = Path(__file__).parent / "results"
VARIANTS: dict[str, dict[str, bool]] = {
    "dcnn": {"zero_gating": False, "compressed_dram": False},
    "gating": {},
    "weight flags": {"weight_zero_flags": True},
    "activation flags": {"activation_zero_flags": True},
    "both": {"weight_zero_flags": True, "activation_zero_flags": True},
}


def measure() -> dict[str, Any]:
    """Per variant: cycles, and per-layer and total energy (pJ, 45 nm table)."""
    from workloads.workload import WorkloadSpec, build_workload

    layers = [
        x for x in build_workload(WorkloadSpec("alexnet", batch=1)).layers if x.kind == "conv"
    ]
    table = horowitz45()
    runs: dict[str, Any] = {}
    for name, fields in VARIANTS.items():
        result = Dcnn(replace(DcnnOptConfig(), **fields)).run(layers, {"model": "alexnet"})
        reports = [EnergyReport.from_counts(x.counts, table) for x in result.layers]
        energy = [report.total_pj for report in reports]
        runs[name] = {
            "cycles": result.cycles,
            "energy_pj": sum(energy),
            "per_layer_pj": energy,
            "by_component_pj": _by_component(reports),
        }
    dcnn = runs["dcnn"]
    for run in runs.values():
        run["dcnn_energy_ratio"] = dcnn["energy_pj"] / run["energy_pj"]
        run["per_layer_ratio"] = [
            a / b for a, b in zip(dcnn["per_layer_pj"], run["per_layer_pj"], strict=True)
        ]
    conv1 = Scnn().run_layer(layers[0], input_in_dram=True)
    return {
        "network": "alexnet",
        "layers": [x.name for x in layers],
        "variants": runs,
        "scnn_conv1": {
            "by_component_pj": _by_component([EnergyReport.from_counts(conv1.counts, table)]),
            "useful_macs": int(conv1.useful_macs),
        },
        "dense_macs_conv1": layers[0].dense_macs,
    }


def _by_component(reports: list[Any]) -> dict[str, float]:
    """Energy summed over layers per ``component/action``."""
    out: dict[str, float] = {}
    for report in reports:
        for component, action, _, _, pj in report.rows:
            key = f"{component}/{action}"
            out[key] = out.get(key, 0.0) + pj
    return out


if __name__ == "__main__":
    RESULTS.mkdir(exist_ok=True)
    document = measure()
    (RESULTS / "accel_dcnn_opt.json").write_text(json.dumps(document, indent=1) + "\n")
    for name, run in document["variants"].items():
        ratios = " ".join(f"{r:.2f}x" for r in run["per_layer_ratio"])
        print(
            f"{name:17s} {run['cycles']:,} cycles  {ratios}  total {run['dcnn_energy_ratio']:.2f}x"
        )
