"""Peak memory of an accelerator design (or of its network alone, ``fabric``) by fabric size: the
figures behind `desim.accel.footprint` (bytes per PE of each design).

Each case runs in its own process: it imports desim and torch, builds one small layer (a 3 x 3
convolution of 16 to 16 channels on a 16 x 16 plane, or a 256 x 256 fully connected layer for
SparseNN's designs), records the peak resident memory (``ru_maxrss``), runs the design on a
k x k mesh, and records the peak again; the difference is what the run added (its fabric, agents
and the layer's working data). A straight line through the sizes gives bytes per PE; the
estimate uses the largest slope seen, rounded up, so it errs on the safe side.

Run::

    OMP_NUM_THREADS=1 python benchmarks/accel_memory.py [DESIGN ...] [--sizes 48,64]
    # default: every design and size; otherwise those, merged into the existing record

Results: ``benchmarks/results/accel_memory.json`` and ``accel_memory.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from machine import machine

SIZES = (4, 8, 16, 24, 48)
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


def _case(arch: str, k: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, arch, str(k)], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after = int(out[-2]), int(out[-1])
    return {
        "design": arch,
        "mesh": k,
        "pes": k * k,
        "before_bytes": before,
        "added_bytes": after - before,
    }


def fit(cases: list[dict]) -> tuple[float, float, float]:
    """Least squares ``added = c + a PEs + b PEs^2``: bytes per PE and per pair of PEs."""
    pes = np.array([c["pes"] for c in cases], float)
    added = np.array([c["added_bytes"] for c in cases], float)
    (c, a, b), *_ = np.linalg.lstsq(np.c_[np.ones_like(pes), pes, pes**2], added, rcond=None)
    return float(c), float(a), float(b)


def main() -> None:
    args = sys.argv[1:]
    sizes = SIZES
    if "--sizes" in args:  # measure these sizes only, merged into the existing record
        at = args.index("--sizes")
        sizes = tuple(int(k) for k in args[at + 1].split(","))
        del args[at : at + 2]
    designs = args or DESIGNS
    path = Path(__file__).parent / "results" / "accel_memory.json"
    record = json.loads(path.read_text()) if path.exists() else {"cases": []}
    done = {(c["design"], c["mesh"]): c for c in record["cases"]}
    for arch in designs:
        for k in sizes:
            done[(arch, k)] = _case(arch, k)
            print(done[(arch, k)], flush=True)
    rows = sorted(done.values(), key=lambda c: (DESIGNS.index(c["design"]), c["pes"]))
    path.write_text(json.dumps({"machine": machine(), "cases": rows}, indent=1) + "\n")
    lines = [
        "# Peak memory a design's run adds, by mesh size",
        "",
        f"`OMP_NUM_THREADS=1 python benchmarks/accel_memory.py`, {machine()['date']}. Fit per "
        "design: added = c + a PEs + b PEs^2 (the network's routing tables, and broadcasts "
        "naming every PE, grow with the square).",
        "",
        "| design | mesh | PEs | added MB | fit MB |",
        "|---|---|---|---|---|",
    ]
    for arch in DESIGNS:
        cases = [r for r in rows if r["design"] == arch]
        if len(cases) < 3:
            continue
        c, a, b = fit(cases)
        for r in cases:
            model = c + a * r["pes"] + b * r["pes"] ** 2
            lines.append(
                f"| {arch} | {r['mesh']}x{r['mesh']} | {r['pes']} | "
                f"{r['added_bytes'] / 1e6:.1f} | {model / 1e6:.1f} |"
            )
        lines.append(
            f"| {arch} fit | | | a = {a / 1e3:.1f} kB per PE, b = {b:.1f} B per PE pair | |"
        )
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
