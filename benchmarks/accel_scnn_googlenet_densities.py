"""GoogLeNet's calibrated per-layer densities, weighted by each convolution's MACs: the record
docs/scnn.md's work reduction for GoogLeNet is computed from.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_googlenet_densities.py   # seconds

Writes ``benchmarks/results/accel_scnn_googlenet_densities.csv`` (one row per convolution:
``layer, dense_macs, weight_density, input_density``, densities to 6 decimals).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from workloads.workload import WorkloadSpec, build_workload

RECORD = Path(__file__).parent / "results" / "accel_scnn_googlenet_densities.csv"


def main() -> None:
    layers = build_workload(WorkloadSpec("googlenet", batch=1)).layers
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(["layer", "dense_macs", "weight_density", "input_density"])
    for layer in layers:
        if layer.kind == "conv":
            w, x = layer.weight_density, layer.input_density
            out.writerow([layer.name, layer.dense_macs, f"{w:.6f}", f"{x:.6f}"])
    partial = RECORD.with_name(RECORD.name + ".partial")
    partial.write_text(text.getvalue())
    os.replace(partial, RECORD)


if __name__ == "__main__":
    main()
