"""DCNN-opt's own energy improvement over DCNN on AlexNet's convolutions, per gating variant.

DCNN-opt (Parashar et al., ISCA 2017) is DCNN with zero-gated multiplies and compressed
activations to and from DRAM; the paper reports it 2.0x more energy-efficient than DCNN (mean of
its three networks). What its gating covers is not published. The variants: ``gating``
(Eyeriss's gating alone: a zero activation gates the weight read, the multiply and the add; a
zero weight, known once read, the multiply and the add), and the zero flags of
`desim.accel.dcnn.DcnnConfig` (a flag set as a buffer fills gates a zero operand's own read):
``weight flags`` (DCNN-opt's default), ``activation flags``, ``both``.
DCNN's PE is its default, DianNao's 4 x 4 NFU (`DcnnConfig.dataflow`). Every variant takes the
same cycles: DCNN's, but for conv1, whose input image every design reads from DRAM and DCNN-opt
reads compressed. Also recorded: each variant's energy by component and action, and SCNN's on
conv1 (the layer where SCNN spends more than DCNN).

With ``--networks``: DCNN and DCNN-opt's ``gating``, ``weight flags`` (the default) and ``both``
on the three networks' convolutions, the comparisons' workloads, and the means the paper's 2.0x
is one of (about 5 minutes).

Writes ``benchmarks/results/accel_dcnn_opt.json`` (``--networks``:
``benchmarks/results/accel_dcnn_opt_networks.json``).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_dcnn_opt.py [--networks]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from desim.accel.dcnn import Dcnn, DcnnConfig, DcnnOptConfig
from desim.accel.scnn import Scnn
from desim.energy import EnergyReport, horowitz45

RESULTS = Path(__file__).parent / "results"
VARIANTS: dict[str, DcnnConfig] = {
    "dcnn": DcnnConfig(),
    "gating": DcnnOptConfig(weight_zero_flags=False),
    "weight flags": DcnnOptConfig(),
    "activation flags": DcnnOptConfig(weight_zero_flags=False, activation_zero_flags=True),
    "both": DcnnOptConfig(activation_zero_flags=True),
}


NETWORKS = ("alexnet", "googlenet", "vgg16")
READINGS = ("dcnn", "gating", "weight flags", "both")


def conv_layers(network: str) -> list[Any]:
    """The network's convolutions in its calibrated workload (as `desim compare` runs them)."""
    from workloads.workload import WorkloadSpec, build_workload

    return [x for x in build_workload(WorkloadSpec(network, batch=1)).layers if x.kind == "conv"]


def measure_networks() -> dict[str, Any]:
    """Per network: cycles and energy (pJ) of DCNN and of DCNN-opt's variants `READINGS`; DCNN /
    DCNN-opt's mean over the networks."""
    table = horowitz45()
    out: dict[str, Any] = {}
    for network in NETWORKS:
        layers = conv_layers(network)
        runs = {}
        for name in READINGS:
            result = Dcnn(VARIANTS[name]).run(layers, {"model": network})
            energy = sum(EnergyReport.from_counts(x.counts, table).total_pj for x in result.layers)
            runs[name] = {"cycles": result.cycles, "energy_pj": energy}
        out[network] = runs
        print(network, {k: f"{v['energy_pj'] / 1e6:,.0f} uJ" for k, v in runs.items()}, flush=True)
    out["mean_dcnn_energy_ratio"] = {
        name: sum(out[n]["dcnn"]["energy_pj"] / out[n][name]["energy_pj"] for n in NETWORKS)
        / len(NETWORKS)
        for name in READINGS[1:]
    }
    return out


def measure() -> dict[str, Any]:
    """Per variant: cycles, and per-layer and total energy (pJ, 45 nm table)."""
    layers = conv_layers("alexnet")
    table = horowitz45()
    runs: dict[str, Any] = {}
    for name, config in VARIANTS.items():
        result = Dcnn(config).run(layers, {"model": "alexnet"})
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
    if "--networks" in sys.argv[1:]:
        document = measure_networks()
        path = RESULTS / "accel_dcnn_opt_networks.json"
        path.write_text(json.dumps(document, indent=1) + "\n")
        print(document["mean_dcnn_energy_ratio"])
        sys.exit(0)
    document = measure()
    (RESULTS / "accel_dcnn_opt.json").write_text(json.dumps(document, indent=1) + "\n")
    for name, run in document["variants"].items():
        ratios = " ".join(f"{r:.2f}x" for r in run["per_layer_ratio"])
        print(
            f"{name:17s} {run['cycles']:,} cycles  {ratios}  total {run['dcnn_energy_ratio']:.2f}x"
        )
