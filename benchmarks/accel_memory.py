"""Peak memory of an accelerator design (or of its network alone, ``fabric``) by fabric size: the
figures behind `desim.accel.footprint` (bytes per PE of each design).

Each case runs in its own process: it imports desim and torch, builds one small layer (a 3 x 3
convolution of 16 to 16 channels on a 16 x 16 plane, or a 256 x 256 fully connected layer for
SparseNN's designs), records the peak resident memory (``ru_maxrss``), runs the design on a
k x k mesh, and records the peak again; the difference is what the run added (its fabric, agents
and the layer's working data). A straight line through the sizes gives bytes per PE; the
estimate uses the largest slope seen, rounded up, so it errs on the safe side.

Run::

    OMP_NUM_THREADS=1 python benchmarks/accel_memory.py [DESIGN ...]   # default: all

Results: ``benchmarks/results/accel_memory.json`` and ``accel_memory.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from machine import machine

SIZES = (4, 8, 16, 24)
DESIGNS = ("fabric", "dcnn", "scnn", "sparsenn")  # "fabric": the network alone, no design

CHILD = r"""
import resource, sys
import numpy as np, torch
from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.registry import ACCELERATOR
arch, k = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
if arch in ("sparsenn", "fabric"):
    w = rng.normal(size=(256, 256)).astype(np.float32)
    x = np.maximum(rng.normal(size=(2, 256)), 0).astype(np.float32)
    layer = LayerRecord("fc", "linear", w, None, x, x @ w.T, activation="none")
    info = {"predictors": "svd"}
else:
    w = rng.standard_normal((16, 16, 3, 3)) * (rng.random((16, 16, 3, 3)) < 0.5)
    w = w.astype(np.float32)
    x = np.abs(rng.standard_normal((1, 16, 16, 16))).astype(np.float32)
    out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    layer = LayerRecord("conv", "conv", w, None, x, out, (1, 1), (1, 1), 1, "none")
    info = {}
fabric = FabricConfig(topology_args={"rows": k, "cols": k})
if arch == "sparsenn":
    fabric = FabricConfig(topology_args={"rows": k, "cols": k}, flit_width_bits=64)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import dataclasses
if arch == "fabric":
    from desim.accel.fabric import Fabric
    from desim.kernel.simulator import Simulator
    Fabric(Simulator(), fabric)
else:
    design = ACCELERATOR.get(arch)
    config = dataclasses.replace(design.Config(), fabric=fabric)
    if arch == "sparsenn":
        config = dataclasses.replace(config, samples=2)
    design(config).run([layer], info)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before * 1024, after * 1024)
"""


def main() -> None:
    rows = []
    designs = sys.argv[1:] or DESIGNS
    for arch in designs:
        for k in SIZES:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, arch, str(k)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            before, after = int(out[-2]), int(out[-1])
            rows.append(
                {
                    "design": arch,
                    "mesh": k,
                    "pes": k * k,
                    "before_bytes": before,
                    "added_bytes": after - before,
                }
            )
            print(rows[-1], flush=True)
    path = Path(__file__).parent / "results" / "accel_memory.json"
    path.write_text(json.dumps({"machine": machine(), "cases": rows}, indent=1) + "\n")
    lines = [
        "# Peak memory a design's run adds, by mesh size",
        "",
        f"`OMP_NUM_THREADS=1 python benchmarks/accel_memory.py`, {machine()['date']}",
        "",
        "| design | mesh | PEs | added MB | per PE over the smallest, kB |",
        "|---|---|---|---|---|",
    ]
    for arch in designs:
        cases = [r for r in rows if r["design"] == arch]
        first = cases[0]
        for r in cases:
            slope = (
                (r["added_bytes"] - first["added_bytes"]) / (r["pes"] - first["pes"])
                if r is not first
                else float("nan")
            )
            lines.append(
                f"| {arch} | {r['mesh']}x{r['mesh']} | {r['pes']} | "
                f"{r['added_bytes'] / 1e6:.1f} | {slope / 1e3:.1f} |"
            )
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
