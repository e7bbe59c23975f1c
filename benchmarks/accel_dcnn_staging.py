"""DCNN, DCNN-opt and SCNN energy by component, and what DianNao's input staging (NBin, NBout)
changes, on AlexNet's convolutions and selected VGG-16 and GoogLeNet layers; with an estimate of
the change for the whole networks.

Every selected layer runs on DCNN and DCNN-opt without NBin (``input_buffer_bytes=0``: the NFU
reads the tile's 32 KB bank, the previous model) and with it (the default, DianNao's 2 KB NBin and
NBout; `desim.accel.dcnn_staging`), and on SCNN (whose energy the staging does not touch).
GoogLeNet's selection includes the three stem convolutions, which the paper's 54 inception
layers leave out.

The whole-network estimate needs no simulation: the staging changes DCNN's activation path only
(the NFU's reads move from the bank to NBin; the footprints are read from the bank into NBin; the
partial sums of chunked footprints go through NBout), counted exactly from each layer's
partition, weight rounds and blocks by the PE tiles' own `stage` (no run), and it is the same for
DCNN-opt (gating leaves activation reads alone). It is added to the DCNN and DCNN-opt totals of
the recorded comparisons (``benchmarks/results/accel_scnn_compare_{network}.json``) made before
the NBin, or taken off those made with it (their components name ``nbin``), so both ratios are
given for each network whatever its record; SCNN's are unchanged. On AlexNet the estimate is
checked against the simulated layers and the measured comparison.

Writes ``benchmarks/results/accel_dcnn_staging.json``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_dcnn_staging.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from desim.accel.dcnn import Dcnn, DcnnConfig, DcnnOptConfig
from desim.accel.dcnn_agents import DcnnLayer
from desim.accel.layer import LayerRecord
from desim.accel.scnn import Scnn
from desim.energy import EnergyReport, horowitz45
from desim.kernel.simulator import Simulator

RESULTS = Path(__file__).parent / "results"
SELECTED = {
    "alexnet": None,  # every convolution
    "vgg16": ["features.conv3_1", "features.conv4_2", "features.conv5_3"],
    "googlenet": [
        "stem.conv1",
        "stem.conv2_reduce",
        "stem.conv2",
        *(
            f"inceptions.inception3a.{b}"
            for b in ("b1", "b2_reduce", "b2", "b3_reduce", "b3", "b4")
        ),
    ],
}
DESIGNS = {
    "dcnn, no NBin": (Dcnn, DcnnConfig(input_buffer_bytes=0)),
    "dcnn": (Dcnn, DcnnConfig()),
    "dcnn-opt, no NBin": (Dcnn, DcnnOptConfig(input_buffer_bytes=0)),
    "dcnn-opt": (Dcnn, DcnnOptConfig()),
}


def staging_change_pj(layer: LayerRecord, config: DcnnConfig, input_in_dram: bool) -> float:
    """DCNN's energy with ``config``'s NBin minus without it (no simulation; ``input_in_dram``:
    the layer is a network's first, as `Dcnn.run_layer`'s)."""
    table = horowitz45()
    plan = DcnnLayer(Simulator(), layer, config, input_in_dram)
    staging, g = plan.staging, plan.g
    assert staging is not None
    kg = g.K // g.groups
    fetched = 0
    for tile in plan.tiles:
        if plan.idle(tile.pe):
            continue
        s, e = plan.part.positions(tile.pe)
        k0, k1 = plan.part.channels(tile.pe)
        for r in range(plan.rounds_of(tile.pe)):
            a, b, l0, l1 = plan.round_weights(r, k0, k1)
            groups, filters = np.unique(np.arange(a, b) // kg, return_counts=True)
            for p0 in range(s, e, config.output_block):
                p1 = min(e, p0 + config.output_block)
                for group, n in zip(groups.tolist(), filters.tolist(), strict=True):
                    reads = -(-n // plan.lanes) if config.dataflow == "nfu" else 1
                    fetched += (p1 - p0) * (l1 - l0) * reads
                    tile.stage(staging, p0, p1, l0, l1, group, n)
    bank = plan.tiles[0].bank.capacity_bytes
    moved = (
        fetched
        * config.value_bits
        * (table.sram_pj_per_bit(config.input_buffer_bytes) - table.sram_pj_per_bit(bank))
    )
    return EnergyReport.from_counts(plan.counts, table).total_pj + moved


def _sum(runs: dict[str, Any], names: list[str], design: str) -> float:
    """Energy of ``design`` summed over the layers ``names``."""
    return sum(runs[name][design]["energy_pj"] for name in names)


def _by_component(report: EnergyReport) -> dict[str, float]:
    out: dict[str, float] = {}
    for component, action, _, _, pj in report.rows:
        key = f"{component}/{action}"
        out[key] = out.get(key, 0.0) + pj
    return out


def measure() -> dict[str, Any]:
    """The selected layers on every design, and the whole-network estimates."""
    from workloads.workload import WorkloadSpec, build_workload

    table = horowitz45()
    document: dict[str, Any] = {}
    for network, names in SELECTED.items():
        layers = [
            x for x in build_workload(WorkloadSpec(network, batch=1)).layers if x.kind == "conv"
        ]
        chosen = [x for x in layers if names is None or x.name in names]
        runs: dict[str, Any] = {}
        for x in chosen:
            first = x is layers[0]
            row: dict[str, Any] = {}
            for design, (cls, config) in DESIGNS.items():
                t = time.process_time()
                result = cls(config).run_layer(x, input_in_dram=first)
                report = EnergyReport.from_counts(result.counts, table)
                row[design] = {
                    "cycles": result.cycles,
                    "energy_pj": report.total_pj,
                    "by_component_pj": _by_component(report),
                    "cpu_s": round(time.process_time() - t, 2),
                }
            t = time.process_time()
            result = Scnn().run_layer(x, input_in_dram=first)
            report = EnergyReport.from_counts(result.counts, table)
            row["scnn"] = {
                "cycles": result.cycles,
                "energy_pj": report.total_pj,
                "by_component_pj": _by_component(report),
                "cpu_s": round(time.process_time() - t, 2),
            }
            row["estimated_change_pj"] = staging_change_pj(x, DcnnConfig(), first)
            runs[x.name] = row
            print(
                network,
                x.name,
                {d: f"{v['energy_pj'] / 1e6:.1f}" for d, v in row.items() if isinstance(v, dict)},
                flush=True,
            )
        record = json.loads((RESULTS / f"accel_scnn_compare_{network}.json").read_text())
        change = {x.name: staging_change_pj(x, DcnnConfig(), x is layers[0]) for x in layers}
        delta = sum(change.values())
        # DCNN and DCNN-opt without NBin: the record's, less the change if it has the NBin
        recorded_with_nbin = "nbin" in record["dcnn"].get("energy_by_component_pj", {})
        shift = delta if recorded_with_nbin else 0.0
        scnn = record["energy_pj"]
        dcnn = record["dcnn"]["energy_pj"] - shift
        opt = record["dcnn-opt"]["energy_pj"] - shift
        document[network] = {
            "layers": runs,
            "recorded": {
                "scnn_pj": scnn,
                "dcnn_pj": record["dcnn"]["energy_pj"],
                "dcnn_opt_pj": record["dcnn-opt"]["energy_pj"],
                "with_nbin": recorded_with_nbin,
            },
            "change_pj": change,
            "estimate": {
                "dcnn_scnn": (dcnn + delta) / scnn,
                "dcnn_dcnn_opt": (dcnn + delta) / (opt + delta),
                "dcnn_scnn_no_nbin": dcnn / scnn,
                "dcnn_dcnn_opt_no_nbin": dcnn / opt,
            },
        }
        stem = [name for name in runs if name.startswith("stem.")]
        if stem:  # the paper's scope: the 54 convolutions in inception modules
            s54 = scnn - _sum(runs, stem, "scnn")
            d54 = dcnn - _sum(runs, stem, "dcnn, no NBin")
            o54 = opt - _sum(runs, stem, "dcnn-opt, no NBin")
            d54_change = delta - sum(change[name] for name in stem)
            document[network]["inception_only"] = {
                "layers": len(layers) - len(stem),
                "dcnn_scnn_no_nbin": d54 / s54,
                "dcnn_dcnn_opt_no_nbin": d54 / o54,
                "dcnn_scnn": (d54 + d54_change) / s54,
                "dcnn_dcnn_opt": (d54 + d54_change) / (o54 + d54_change),
            }
        print(
            network,
            document[network].get("inception_only"),
            document[network]["estimate"],
            flush=True,
        )
    return document


if __name__ == "__main__":
    RESULTS.mkdir(exist_ok=True)
    out = measure()
    (RESULTS / "accel_dcnn_staging.json").write_text(json.dumps(out, indent=1) + "\n")
