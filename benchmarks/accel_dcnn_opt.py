"""DCNN-opt's own energy improvement over DCNN on AlexNet's convolutions, per gating variant.

DCNN-opt (Parashar et al., ISCA 2017) is DCNN with zero-gated multiplies and compressed
activations to and from DRAM; the paper reports it 2.0x more energy-efficient than DCNN (mean of
its three networks). What its gating covers is not published. The variants: ``gating`` (the
default: a zero activation gates the weight read, the multiply and the add; a zero weight the
multiply and the add), and the zero flags of `desim.accel.dcnn.DcnnConfig` (a flag set as a
buffer fills gates a zero operand's own read): ``weight flags``, ``activation flags``, ``both``.
Cycles are DCNN's in every variant.

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
        energy = [EnergyReport.from_counts(x.counts, table).total_pj for x in result.layers]
        runs[name] = {"cycles": result.cycles, "energy_pj": sum(energy), "per_layer_pj": energy}
    dcnn = runs["dcnn"]
    for run in runs.values():
        run["dcnn_energy_ratio"] = dcnn["energy_pj"] / run["energy_pj"]
        run["per_layer_ratio"] = [
            a / b for a, b in zip(dcnn["per_layer_pj"], run["per_layer_pj"], strict=True)
        ]
    return {"network": "alexnet", "layers": [x.name for x in layers], "variants": runs}


if __name__ == "__main__":
    RESULTS.mkdir(exist_ok=True)
    document = measure()
    (RESULTS / "accel_dcnn_opt.json").write_text(json.dumps(document, indent=1) + "\n")
    for name, run in document["variants"].items():
        ratios = " ".join(f"{r:.2f}x" for r in run["per_layer_ratio"])
        print(
            f"{name:17s} {run['cycles']:,} cycles  {ratios}  total {run['dcnn_energy_ratio']:.2f}x"
        )
