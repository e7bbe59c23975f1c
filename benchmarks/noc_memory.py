"""Peak memory of ``desim noc`` on a 32x32 mesh at 0.1 beside BookSim2's, and where desim's goes.

The case and the method are `noc_vs_booksim.py`'s (its ``32x32 @0.1`` case: BookSim's R0 router,
XY, uniform, 1-flit packets, 100-cycle sample periods; each run a separate process, its peak
resident memory the ``ru_maxrss`` of the child), run alone: ``repeats`` interleaved repetitions
of desim and, when a BookSim2 binary is given, BookSim2. Beside them, the peak memory of processes
that only import what ``desim noc`` imports, step by step (the bare interpreter; numpy; its random
module; networkx; SimPy; desim's NoC command with its configuration checked), which is the floor
under any desim run before a network is built, and then the 32x32 network built but not run.
And how both grow with the network: the same case on `SIZES` meshes at a load all of them sustain
(`SCALING_RATE`), from which each simulator's memory per router (the least-squares slope against
the router count) and its fixed part (the intercept).

Results: ``benchmarks/results/noc_memory.json`` and ``.md``. Run (about 25 minutes, most of it
the scaling series' 64x64 runs)::

    OMP_NUM_THREADS=1 python benchmarks/noc_memory.py --booksim /path/to/booksim2/src/booksim

This process imports nothing heavy (see ``machine.py``): a child's ``ru_maxrss`` starts at its
parent's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booksim  # noqa: E402  (the sibling modules, not installed packages)
import noc_vs_booksim as side_by_side  # noqa: E402
from machine import machine, write_record  # noqa: E402

RESULTS = Path(__file__).with_name("results")
CASE = next(c for c in side_by_side.CASES if (c.k, c.rate) == (32, 0.1))
SIZES = (16, 32, 48, 64)
"""Mesh radices of the scaling series."""
SCALING_RATE = 0.04
"""Its load (flits per node per cycle): below uniform traffic's bisection bound on a 64x64 mesh
(4 / k = 0.0625). The runs are `CASE`'s (100-cycle sample periods, at most 3): from 32x32 on not
long enough for desim's stability test to find them converged (the record keeps what each run
reported); the series compares the memory of runs made the same way."""

IMPORTS = {
    "python -c pass": "pass",
    "+ numpy": "import numpy",
    "+ numpy.random": "import numpy.random",
    "+ networkx": "import numpy.random, networkx",
    "+ SimPy": "import numpy.random, networkx, simpy",
    "+ desim noc (configuration checked)": (
        "import desim.noc.cli, desim.noc.measurement as m; "
        "m.NocConfig(topology='mesh', topology_args={'rows': 32, 'cols': 32})"
    ),
    "+ the 32x32 network built, not run": (
        "import desim.noc.cli, desim.noc.measurement as m; "
        "from desim.kernel.simulator import Simulator; "
        "c = m.NocConfig(topology='mesh', topology_args={'rows': 32, 'cols': 32}); "
        "net = m.build_network(c, Simulator(seed=1))"
    ),
}
"""Processes that import one more of what ``desim noc`` imports than the row before."""


_HIGH_WATER = """
import os
if os.path.exists("/proc/self/status"):
    print([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0])
"""
"""Appended to each `IMPORTS` process: its own peak (Linux's ``VmHWM``, in kB). Its ``ru_maxrss``
would not do below this process's own resident memory, where a child's starts."""


def import_floor(repeats: int) -> dict[str, float]:
    """Median peak memory (MB) of each `IMPORTS` process."""
    env = side_by_side.desim_env(False)
    peaks: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(repeats):
        for name, code in IMPORTS.items():
            run = booksim.run_process([sys.executable, "-c", code + _HIGH_WATER], env)
            if run.returncode != 0:
                sys.exit(f"{name!r} failed: {run.stdout.strip()[-300:]}")
            lines = run.stdout.split()
            peaks[name].append((int(lines[-1]) if lines else run.maxrss_kb) / 1024)
    return {name: round(statistics.median(values), 1) for name, values in peaks.items()}


def scaling_cases() -> list[side_by_side.Case]:
    """`CASE`'s method on each of `SIZES` at `SCALING_RATE`."""
    return [
        side_by_side.Case(
            k,
            SCALING_RATE,
            sample_period=CASE.sample_period,
            warmup_periods=CASE.warmup_periods,
            max_samples=CASE.max_samples,
        )
        for k in SIZES
    ]


def per_router(routers: list[int], peaks_mb: list[float]) -> tuple[float, float]:
    """(kB per router, fixed MB): the least-squares line through (routers, peak MB).

    Examples
    --------
    >>> per_router([100, 200, 300], [11.0, 12.0, 13.0])
    (10.0, 10.0)
    """
    line = statistics.linear_regression(routers, peaks_mb)
    return round(line.slope * 1000, 1), round(line.intercept, 1)


def scaling_markdown(scaling: dict | None) -> list[str]:
    """The scaling series' lines of the report (none when it was not run)."""
    if not scaling:
        return []
    lines = [
        "",
        f"How both grow: the same method on k x k meshes at {scaling['rate']}; median peak MB, "
        "and what each run reported (runs this short are not steady state on the larger "
        "meshes); below the table each simulator's least-squares line through the peaks "
        "(memory per router, fixed part):",
        "",
        "| mesh | routers | desim | BookSim2 | desim: cycles, accepted, stable | "
        "BookSim2: cycles, accepted, stable |",
        "|---|---|---|---|---|---|",
    ]
    for row in scaling["rows"]:
        k, theirs = row["k"], row["booksim_mb"]
        lines.append(
            f"| {k}x{k} | {k * k} | {row['desim_mb']:.1f} | "
            + (f"{theirs:.1f}" if theirs is not None else "-")
            + f" | {row['desim_cycles']}, {row['desim_accepted']:.4f}, {row['desim_stable']} | "
            + (
                f"{row['booksim_cycles']}, {row['booksim_accepted']:.4f}, {row['booksim_stable']} |"
                if theirs is not None
                else "- |"
            )
        )
    fits = [("desim", scaling["desim_fit"]), ("BookSim2", scaling["booksim_fit"])]
    return lines + [
        "",
        "; ".join(f"{n}: {f[0]:.1f} kB a router, {f[1]:.1f} MB fixed" for n, f in fits if f),
    ]


def markdown(record: dict) -> str:
    desim, theirs = record["desim_mb"], record["booksim_mb"]
    lines = [
        "# Peak memory of desim noc on 32x32 @0.1, beside BookSim2's",
        "",
        f"`python benchmarks/noc_memory.py` ({record['repeats']} interleaved repetitions; "
        f"BookSim2 at commit {record['booksim_commit']}).",
        "",
        f"Machine: {json.dumps(record['machine'])}",
        "",
        f"The case of `noc_vs_booksim.py`, {record['case']} (sample period "
        f"{record['sample_period']} cycles, {record['warmup_periods']} warm-up period, at most "
        f"{record['max_samples']} samples), run alone; peak resident memory of each process "
        "(`ru_maxrss`), median:",
        "",
        "| | desim | BookSim2 |",
        "|---|---|---|",
        f"| peak memory (MB) | {statistics.median(desim):.1f} | "
        + (f"{statistics.median(theirs):.1f} |" if theirs else "- |"),
        "",
        "The floor under any desim run, before a network is built (processes that only import, "
        "each one more than the row before), and the 32x32 network built but not run; median "
        "peak MB:",
        "",
        "| imports | peak memory (MB) |",
        "|---|---|",
    ]
    lines += [f"| {name} | {mb:.1f} |" for name, mb in record["import_floor_mb"].items()]
    lines += scaling_markdown(record.get("scaling"))
    return "\n".join(lines) + "\n"


def scaling(binary: Path | None, repeats: int, seed: int) -> dict:
    """Median peak MB of desim and BookSim2 (when given) on each of `scaling_cases`, interleaved,
    what each run reported (cycles, accepted flits per node per cycle, stable: the last
    repetition's), and each simulator's `per_router` fit."""
    rows = {case.k: {"k": case.k, "desim": [], "booksim": []} for case in scaling_cases()}
    for repeat in range(repeats):
        for case in scaling_cases():
            row = rows[case.k]
            for name in ("desim", "booksim"):
                if name == "booksim" and binary is None:
                    continue
                run = (
                    side_by_side.run_desim(case, seed)
                    if name == "desim"
                    else side_by_side.run_reference(binary, case, seed)
                )
                row[name].append(run["maxrss_kb"] / 1024)
                row[f"{name}_cycles"] = run["cycles"]
                row[f"{name}_accepted"] = run["accepted_flit_rate"]
                row[f"{name}_stable"] = run["stable"]
            print(f"[{repeat + 1}/{repeats}] {case.name}", flush=True)
    for row in rows.values():
        for name in ("desim", "booksim"):
            peaks = row.pop(name)
            row[f"{name}_mb"] = round(statistics.median(peaks), 1) if peaks else None
    table = list(rows.values())
    routers = [row["k"] ** 2 for row in table]
    return {
        "rate": SCALING_RATE,
        "rows": table,
        "desim_fit": per_router(routers, [row["desim_mb"] for row in table]),
        "booksim_fit": (
            per_router(routers, [row["booksim_mb"] for row in table]) if binary else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--booksim", help="the BookSim2 binary (default: $BOOKSIM; without one, desim alone)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repetitions (3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-scaling",
        action="store_true",
        help="skip the scaling series (16x16 to 64x64: most of the benchmark's 25 minutes)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "noc_memory.json")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    binary = booksim.binary_argument(parser, args.booksim)
    desim: list[float] = []
    reference: list[float] = []
    for repeat in range(args.repeats):
        desim.append(side_by_side.run_desim(CASE, args.seed)["maxrss_kb"] / 1024)
        if binary is not None:
            run = side_by_side.run_reference(binary, CASE, args.seed)
            reference.append(run["maxrss_kb"] / 1024)
        print(f"[{repeat + 1}/{args.repeats}] {CASE.name}", flush=True)
    record = {
        "machine": machine(),
        "scaling": None if args.no_scaling else scaling(binary, args.repeats, args.seed),
        "booksim_commit": side_by_side.booksim_commit(binary) if binary else None,
        "repeats": args.repeats,
        "case": CASE.name,
        "sample_period": CASE.sample_period,
        "warmup_periods": CASE.warmup_periods,
        "max_samples": CASE.max_samples,
        "desim_mb": [round(mb, 1) for mb in desim],
        "booksim_mb": [round(mb, 1) for mb in reference],
        "import_floor_mb": import_floor(args.repeats),
    }
    write_record(args.output, record, markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
