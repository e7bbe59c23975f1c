"""Machine instructions per flit-hop, counted by valgrind's callgrind: a noise-free cost measure.

Wall-clock speed on a shared 2-core machine varies by +-25 % from run to run; instruction counts do
not. Each case runs ``noc_speed.run_case`` twice under callgrind with two run lengths; the
difference of the instruction totals over the difference of the flit-hops is the cost of one
flit-hop in steady state (start-up, imports and warm-up cancel out). A work-proportional simulator
keeps it flat as the mesh grows.

Run (slow: valgrind runs Python about 50x slower; needs ``apt-get install valgrind``)::

    python benchmarks/noc_instructions.py            # 4x4, 8x8, 16x16 at 0.1
    DESIM_PURE_PYTHON=1 python benchmarks/noc_instructions.py --k 8   # the pure-Python build
    python benchmarks/noc_instructions.py --k 32     # one size

Results go to ``benchmarks/results/noc_instructions.md``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
CASE = (
    "import sys; sys.path.insert(0, {here!r}); from noc_speed import run_case; "
    "print('HOPS', run_case({k}, {rate}, cycles={cycles}, warmup_cycles={warmup})['flit_hops'])"
)


def count(k: int, rate: float, cycles: int, warmup: int) -> tuple[int, int]:
    """(flit-hops timed, instructions of the whole process) of one callgrind run."""
    code = CASE.format(here=str(HERE), k=k, rate=rate, cycles=cycles, warmup=warmup)
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out.name}",
                sys.executable,
                "-c",
                code,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    instructions = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
    flit_hops = int(re.search(r"HOPS (\d+)", done.stdout).group(1))
    return flit_hops, instructions


def per_flit_hop(k: int, rate: float = 0.1, hops: int = 40_000) -> dict:
    """Instructions per flit-hop of a k x k mesh at ``rate``, by difference of two runs of
    about ``hops`` and ``3 * hops`` flit-hops."""
    warmup = 300 if k <= 16 else 100
    cycles = max(10, int(hops / (rate * k * k * (2 * k / 3 + 1))))
    (h1, i1), (h2, i2) = count(k, rate, cycles, warmup), count(k, rate, 3 * cycles, warmup)
    return {
        "mesh": f"{k}x{k}",
        "rate": rate,
        "instructions_per_flit_hop": round((i2 - i1) / (h2 - h1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, action="append", help="mesh radix (repeatable)")
    args = parser.parse_args()
    import desim  # the build the subprocesses will import (same interpreter and environment)

    build = "compiled" if desim.COMPILED else "pure Python"
    header = ["| build | mesh | rate | instructions per flit-hop |", "|---|---|---|---|"]
    lines = []
    for k in args.k or (4, 8, 16):
        row = per_flit_hop(k)
        lines.append(
            f"| {build} | {row['mesh']} | {row['rate']} | {row['instructions_per_flit_hop']:,} |"
        )
        print(lines[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "noc_instructions.md"
    previous = target.read_text() if target.exists() else "Counted by valgrind --tool=callgrind\n\n"
    target.write_text(previous + "\n".join(lines if "| build |" in previous else header + lines))
    target.write_text(target.read_text() + "\n")


if __name__ == "__main__":
    main()
