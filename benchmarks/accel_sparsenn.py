"""SparseNN against the input-sparse baseline: the gain over several samples, mesh-size scaling,
and the speed of one inference.

Writes ``benchmarks/results/accel_sparsenn_gain.json`` (the comparison's figures on MNIST 8 x 8
and 4 x 4 and digits 8 x 8, every layer predicted, and digits and MNIST 8 x 8 with layer 0
computed in full, and both with the predictor's 5 % budget read over the whole network,
``--gain-samples`` test images each: mean gain and each sample's; ``--gain-cases`` re-measures
only the cases named, e.g. ``digits:8:1``, ``digits:8::network`` or
``mnist:8::layer:frequency`` (rows dealt by kept frequency), into the record),
``benchmarks/results/accel_sparsenn_scaling_<dataset>.csv`` and ``.png`` (gain, power ratio and
the compute-bound share vs PE count) and ``benchmarks/results/accel_sparsenn_speed.json`` (wall
and CPU seconds of one MNIST inference of each design on 8 x 8).

Usage: ``python benchmarks/accel_sparsenn.py [--dataset mnist] [--sides 2 4 8 16] [--samples 2]
[--gain-samples 8] [--gain-cases DATASET:SIDE[:LAYERS[:BUDGET[:MAPPING]]] ...] [--skip-gain]
[--skip-speed] [--skip-scaling]``
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from desim.accel.sparsenn import DenseFc, InputSparse, SparseNN
from desim.accel.sparsenn_compare import compare_sparsenn, predicted_workload
from desim.accel.sparsenn_config import SparseNNConfig, mesh_fabric

RESULTS = Path(__file__).parent / "results"


def scaling(dataset: str, sides: list[int], samples: int) -> list[dict[str, Any]]:
    """One comparison per mesh side (one PE per router)."""
    rows = []
    for side in sides:
        fabric = mesh_fabric(side)
        start = time.perf_counter()
        r = compare_sparsenn("mlp", dataset, config=SparseNNConfig(fabric=fabric, samples=samples))
        s, b = r["sparsenn"], r["baseline_summary"]
        layers = r["per_layer"]
        rows.append(
            {
                "side": side,
                "pes": side * side,
                "sparsenn_cycles": s["cycles_per_inference"],
                "baseline_cycles": b["cycles_per_inference"],
                "throughput_gain": r["throughput_gain"],
                "power_ratio": r["power_ratio"],
                "energy_ratio": r["energy_ratio"],
                "predictor_overhead": r["predictor_overhead"],
                "sparsenn_busy_share": sum(x["pe_busy_max_per_inference"] for x in layers)
                / s["cycles_per_inference"],
                "baseline_busy_share": sum(x["baseline_pe_busy_max_per_inference"] for x in layers)
                / b["cycles_per_inference"],
                "sparsenn_noc_energy_share": s["energy_pj_by_component"].get("noc", 0.0)
                / s["energy_pj_per_inference"],
                "wall_s": time.perf_counter() - start,
            }
        )
        print(rows[-1], flush=True)
    return rows


#: The comparison's top-level figures kept in the gain record.
GAIN_KEYS = (
    "throughput_gain",
    "throughput_gain_per_sample",
    "power_ratio",
    "energy_ratio",
    "predictor_overhead",
    "predictor_vs_dense_macs",
    "accuracy",
    "accuracy_with_predictor",
    "accuracy_change_stderr",
    "accuracy_same_training",
    "accuracy_same_training_change_stderr",
    "test_samples",
)


#: A gain case: dataset, mesh side, predicted layers (None: every hidden layer), budget reading,
#: row mapping.
Case = tuple[str, int, tuple[int, ...] | None, str, str]

#: The gain record's cases.
GAIN_CASES: tuple[Case, ...] = (
    ("mnist", 8, None, "layer", "interleaved"),
    ("mnist", 4, None, "layer", "interleaved"),
    ("digits", 8, None, "layer", "interleaved"),
    ("digits", 8, (1,), "layer", "interleaved"),
    ("mnist", 8, (1,), "layer", "interleaved"),
    ("digits", 8, None, "network", "interleaved"),
    ("mnist", 8, None, "network", "interleaved"),
    ("mnist", 8, None, "layer", "frequency"),
    ("digits", 8, None, "network", "frequency"),
    ("mnist", 8, None, "cost", "interleaved"),
    ("digits", 8, None, "cost", "interleaved"),
)


def parse_case(text: str) -> Case:
    """``DATASET:SIDE[:LAYERS[:BUDGET[:MAPPING]]]``: ``digits:8:1`` -> ``("digits", 8, (1,),
    "layer", "interleaved")``; ``digits:8::network:frequency`` -> ``("digits", 8, None,
    "network", "frequency")``."""
    dataset, side, *rest = text.split(":")
    layers, budget, mapping = (rest + ["", "", ""])[:3]
    chosen = tuple(int(i) for i in layers.split(",")) if layers else None
    return dataset, int(side), chosen, budget or "layer", mapping or "interleaved"


def gain_row(
    dataset: str,
    side: int,
    predicted: tuple[int, ...] | None,
    budget: str,
    mapping: str,
    samples: int,
) -> dict[str, Any]:
    """One case of the comparison over ``samples`` images."""
    config = SparseNNConfig(
        fabric=mesh_fabric(side),
        samples=samples,
        predicted_layers=predicted,
        predictor_budget=budget,
        row_mapping=mapping,
    )
    r = compare_sparsenn("mlp", dataset, config=config)
    per_sample = r["throughput_gain_per_sample"]
    return {
        "dataset": dataset,
        "side": side,
        "predicted_layers": None if predicted is None else list(predicted),
        "predictor_budget": budget,
        "row_mapping": mapping,
        "predictor_ranks": [x["predictor_rank"] for x in r["per_layer"]],
        "samples": len(per_sample),
        "sparsenn_cycles": r["sparsenn"]["cycles_per_inference"],
        "baseline_cycles": r["baseline_summary"]["cycles_per_inference"],
        **{k: r[k] for k in GAIN_KEYS},
        "gain_per_sample_min": min(per_sample),
        "gain_per_sample_max": max(per_sample),
        "per_layer_cycles": [
            [x["sparsenn_cycles_per_inference"], x["baseline_cycles_per_inference"]]
            for x in r["per_layer"]
        ],
    }


def gain(samples: int, cases: tuple[Case, ...] = GAIN_CASES) -> list[dict[str, Any]]:
    """The comparison of each case over ``samples`` images."""
    rows = []
    for dataset, side, predicted, budget, mapping in cases:
        rows.append(gain_row(dataset, side, predicted, budget, mapping, samples))
        print(rows[-1], flush=True)
    return rows


def _case_key(row: dict[str, Any]) -> Case:
    layers = row.get("predicted_layers")
    chosen = None if layers is None else tuple(layers)
    budget, mapping = row.get("predictor_budget", "layer"), row.get("row_mapping", "interleaved")
    return row["dataset"], row["side"], chosen, budget, mapping


def plot(rows: list[dict[str, Any]], path: Path, dataset: str) -> None:
    """Gain and busy shares against the PE count."""
    import matplotlib.pyplot as plt

    pes = [r["pes"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(pes, [r["throughput_gain"] for r in rows], "o-", label="throughput gain")
    left.plot(pes, [r["power_ratio"] for r in rows], "s-", label="power ratio")
    left.axhspan(1.10, 1.70, alpha=0.15, color="g", label="paper's gain range")
    left.set(
        xscale="log",
        xlabel="PEs (mesh routers)",
        ylabel="SparseNN / input-sparse",
        title=f"MLP on {dataset}",
    )
    left.legend()
    right.plot(pes, [r["sparsenn_busy_share"] for r in rows], "o-", label="SparseNN")
    right.plot(pes, [r["baseline_busy_share"] for r in rows], "s-", label="input-sparse")
    right.set(
        xscale="log",
        xlabel="PEs (mesh routers)",
        ylim=(0, 1.05),
        ylabel="busiest PE's compute / cycles",
        title="compute-bound share",
    )
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def speed(samples: int = 1) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds of one MNIST inference of each design on the default 8 x 8 mesh
    (CPU seconds are what the process itself used: the machine is shared)."""
    work = predicted_workload("mlp", "mnist", samples)
    times = {}
    for cls, layers, extra in (
        (
            SparseNN,
            work["masked"],
            {"predictors": work["predictors"], "predicted_layers": work["predicted_layers"]},
        ),
        (InputSparse, work["plain"], {}),
        (DenseFc, work["plain"], {}),
    ):
        config = dataclasses.replace(cls.Config(), samples=samples)
        wall, cpu = time.perf_counter(), time.process_time()
        cls(config).run(layers, extra)
        times[cls(config).arch] = {
            "wall_s": (time.perf_counter() - wall) / samples,
            "cpu_s": (time.process_time() - cpu) / samples,
        }
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--sides", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--gain-samples", type=int, default=8)
    parser.add_argument("--gain-cases", nargs="+", type=parse_case)
    parser.add_argument("--skip-gain", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    if not args.skip_gain:
        path = RESULTS / "accel_sparsenn_gain.json"
        if args.gain_cases:
            record = json.loads(path.read_text())
            fresh = {_case_key(r): r for r in gain(args.gain_samples, tuple(args.gain_cases))}
            kept = {_case_key(r): r for r in record["comparisons"]}
            order = [*GAIN_CASES, *(c for c in fresh if c not in GAIN_CASES)]
            record["comparisons"] = [
                fresh.get(c) or kept[c] for c in order if c in fresh or c in kept
            ]
        else:
            record = {"comparisons": gain(args.gain_samples), "machine": platform.platform()}
        path.write_text(json.dumps(record, indent=1) + "\n")
    if not args.skip_speed:
        record = {
            "seconds_per_inference": speed(),
            "machine": platform.platform(),
            "load_average": os.getloadavg(),
        }
        (RESULTS / "accel_sparsenn_speed.json").write_text(json.dumps(record, indent=1) + "\n")
        print(record, flush=True)
    if args.skip_scaling:
        return
    rows = scaling(args.dataset, args.sides, args.samples)
    stem = RESULTS / f"accel_sparsenn_scaling_{args.dataset}"
    with open(stem.with_suffix(".csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, stem.with_suffix(".png"), args.dataset)


if __name__ == "__main__":
    main()
