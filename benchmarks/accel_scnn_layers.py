"""SCNN alone on a network's convolutions, layer by layer: cycles and CPU seconds per layer.

One process, the layers one after the other as `desim accel --arch scnn` runs them (the first
layer's input from DRAM); each layer's CPU time (`time.process_time`, the measure that does not
depend on the other users of a shared machine), cycles and functional-check error. Prints one
JSON line per layer as it finishes and writes
``benchmarks/results/accel_scnn_layers_<network>.json``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accel_scnn_layers.py vgg16
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from desim.accel.scnn import Scnn

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    from workloads.workload import WorkloadSpec, build_workload

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("network")
    args = parser.parse_args()
    workload = build_workload(WorkloadSpec(model=args.network, batch=1))
    convs = [layer for layer in workload.layers if layer.kind == "conv"]
    rows = []
    in_dram = True  # the network's input; then wherever the layer before wrote its output
    for layer in convs:
        cpu = time.process_time()
        result = Scnn().run_layer(layer, input_in_dram=in_dram)
        in_dram = bool(result.extra["output_to_dram"])
        row = {
            "layer": layer.name,
            "cpu_s": round(time.process_time() - cpu, 2),
            "cycles": result.cycles,
            "check_error": result.check_error,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    record = {
        "network": args.network,
        "cycles": sum(r["cycles"] for r in rows),
        "cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
        "per_layer": rows,
    }
    (RESULTS / f"accel_scnn_layers_{args.network}.json").write_text(
        json.dumps(record, indent=1) + "\n"
    )
    print(json.dumps({k: record[k] for k in ("network", "cycles", "cpu_s")}))


if __name__ == "__main__":
    main()
