"""desim against BookSim2, side by side: simulator speed, average latency and peak memory.

Both simulators run the same configuration (BookSim's R0 router on a k x k mesh, dimension-order
routing, uniform traffic, single-flit packets, BookSim's measurement method: see
``benchmarks/booksim.py``) as separate processes on the same machine in the same run, interleaved:
every repetition runs every case once on each side, alternating which side goes first, so load
from other users of the machine falls on both alike. Per run it records

* **loop-only** flit-hops per second: flit-hops over the simulation loop's own time (desim's
  ``wall_seconds``, from traffic start to the last flit drained; BookSim's ``Total run time``,
  around its ``TrafficManager::Run``, the network already built);
* **whole-process** flit-hops per second: the same flit-hops over the whole process (interpreter
  start-up, imports, network construction, output);
* average packet latency, and peak resident memory (``ru_maxrss`` of the child process).

Times are CPU seconds (user + system, ``wait4``'s rusage of the child) as well as wall seconds:
on a machine shared with other jobs a process's wall time mostly measures the others, its CPU
time does not. The loop's CPU time is its wall time scaled by its process's CPU / wall ratio (the
loop is most of the process); the wall-clock ratios are recorded beside the CPU ones.

Flit-hops are counted the same way on both sides, from each run's own averages (accepted flit
rate x nodes x cycles x routers crossed, `booksim.estimate_flit_hops`); desim's exact counter is
recorded beside its estimate to show the estimate's error. Ratios are desim / BookSim of the
medians over the repetitions. Each case sets the same measurement on both sides: BookSim's
method with shorter sampling on the larger meshes (``sample_period``, ``warmup_periods``,
``max_samples``; BookSim's ``max_samples`` counts the warm-up periods too, desim's does not, so
BookSim gets the sum: `booksim.measurement_keys`), to keep the benchmark short (the recorded run
took about 20 minutes a repetition, the shared machine being heavily loaded). ``desim --version``
is timed too (start-up alone), beside the bare interpreter.

Results: ``benchmarks/results/noc_vs_booksim.json`` and ``.md``. Run (a few minutes)::

    OMP_NUM_THREADS=1 python benchmarks/noc_vs_booksim.py --booksim /path/to/booksim2/src/booksim

Without ``--booksim`` or ``BOOKSIM`` the benchmark prints why and exits 0 (nothing to compare).
``--startup-only`` times ``desim --version`` again in the recorded run (after a change to start-up
alone), keeping its cases.

``--readme-sweep`` measures instead the README's NoC command as a whole, ``desim sweep
examples/noc.toml --out DIR --plot`` (latency-load curves with bisected saturation of 4x4 and 8x8
meshes and tori), against BookSim2 running the same points: the configurations and loads that
desim's sweep ran, read back from its results store (``runs_json``: grid and bisection runs),
one BookSim2 process per run with the spec's measurement (sample period, warm-up periods, as many
periods in all: `booksim.measurement_keys`), on as many concurrent processes as the sweep has
workers, as a BookSim2 user would run a curve. desim's CPU time is the whole process tree's (the
command, its worker processes, the export and the figures: ``wait4``'s rusage covers the
descendants the command waited for).
Repetitions alternate which side goes first. Results: ``benchmarks/results/
noc_vs_booksim_readme.json`` and ``.md``::

    OMP_NUM_THREADS=1 python benchmarks/noc_vs_booksim.py --readme-sweep --booksim PATH
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booksim  # noqa: E402  (the sibling module, not an installed package)
from machine import machine, write_record  # noqa: E402  (the sibling module: nothing heavy, see its docstring)

RESULTS = Path(__file__).with_name("results")
README_SPEC = Path(__file__).resolve().parents[1] / "examples" / "noc.toml"


@dataclass(frozen=True)
class Case:
    """One configuration: a k x k mesh at ``rate`` flits per node per cycle, desim's build."""

    k: int
    rate: float
    pure_python: bool = False
    sample_period: int = 1000
    warmup_periods: int = 1
    max_samples: int = 3

    @property
    def name(self) -> str:
        return f"{self.k}x{self.k} @{self.rate}" + (", pure Python" if self.pure_python else "")


CASES = (
    Case(8, 0.1),
    Case(8, 0.1, pure_python=True),
    Case(8, 0.3),
    Case(16, 0.1, sample_period=500),
    Case(16, 0.2, sample_period=500),
    Case(32, 0.05, sample_period=100),
    Case(32, 0.1, sample_period=100),
)
QUICK = (Case(8, 0.1), Case(8, 0.3))


def desim_command() -> list[str]:
    """The ``desim`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("desim")
    if script.exists():
        return [str(script)]
    found = shutil.which("desim")
    if found is None:
        sys.exit("the 'desim' command is not installed beside this Python (pip install -e .)")
    return [found]


def booksim_commit(binary: Path) -> str:
    """The git commit of the checkout the binary was built in ("unknown" outside one)."""
    found = booksim.run_process(["git", "-C", str(binary.resolve().parent), "rev-parse", "HEAD"])
    return found.stdout.strip() if found.returncode == 0 else "unknown"


def desim_env(pure_python: bool) -> dict[str, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("DESIM_PURE_PYTHON", None)
    if pure_python:
        env["DESIM_PURE_PYTHON"] = "1"
    return env


def run_desim(case: Case, seed: int) -> dict:
    """One ``desim noc`` process on ``case``: its JSON result, timed from outside."""
    command = desim_command() + [
        "noc", "--topology", "mesh", "--rows", str(case.k), "--cols", str(case.k),
        "--routing", "xy", "--traffic", "uniform", "--injection-rate", str(case.rate),
        "--packet-size", "1", "--router", "booksim", "--seed", str(seed), "--json",
        "--sample-period", str(case.sample_period), "--warmup-periods", str(case.warmup_periods),
        "--max-samples", str(case.max_samples),
    ]  # fmt: skip
    process = booksim.run_process(command, desim_env(case.pure_python))
    if process.returncode != 0:
        raise RuntimeError(f"desim failed on {case.name}: {process.stdout.strip()[-300:]}")
    result = json.loads(process.stdout)
    nodes = case.k * case.k
    estimate = booksim.estimate_flit_hops(
        result["accepted_rate"], nodes, result["cycles"], result["avg_hops"]
    )
    return {
        "stable": not result["saturated"],
        "packet_latency": result["avg_packet_latency"],
        "accepted_flit_rate": result["accepted_rate"],
        "hops": result["avg_hops"],
        "cycles": result["cycles"],
        "flit_hops": estimate,
        "flit_hops_exact": result["flit_hops"],
        **_times(result["wall_seconds"], process),
    }


def _times(loop_wall: float, process: booksim.ProcessRun) -> dict:
    """Wall and CPU seconds of the loop and of the whole process, and peak memory."""
    share = process.cpu_seconds / process.wall_seconds
    return {
        "loop_seconds": loop_wall,
        "loop_cpu_seconds": loop_wall * share,
        "process_seconds": process.wall_seconds,
        "process_cpu_seconds": process.cpu_seconds,
        "maxrss_kb": process.maxrss_kb,
    }


def run_reference(binary: Path, case: Case, seed: int) -> dict:
    """One BookSim process on ``case``."""
    measurement = booksim.measurement_keys(
        case.sample_period, case.warmup_periods, case.max_samples
    )
    config = booksim.config_text("mesh", case.k, 2, case.rate, **measurement)
    run = booksim.run_booksim(binary, config, seed)
    return {
        "stable": run.stable,
        "packet_latency": run.packet_latency,
        "accepted_flit_rate": run.accepted_flit_rate,
        "hops": run.hops,
        "cycles": run.cycles,
        "flit_hops": run.flit_hops(case.k * case.k),
        **_times(run.loop_seconds, run.process),
    }


def time_version(repeats: int) -> dict:
    """Seconds of ``desim --version`` (start-up alone) and, interleaved with it, of the bare
    interpreter (``python -c pass``, the floor no Python program starts below), wall and CPU:
    medians of ``repeats``."""
    runs: dict[str, list[booksim.ProcessRun]] = {"desim": [], "python": []}
    for _ in range(repeats):
        runs["desim"].append(booksim.run_process(desim_command() + ["--version"]))
        runs["python"].append(booksim.run_process([sys.executable, "-c", "pass"]))
    return {
        "median_wall_seconds": round(statistics.median(r.wall_seconds for r in runs["desim"]), 4),
        "median_cpu_seconds": round(statistics.median(r.cpu_seconds for r in runs["desim"]), 4),
        "python_median_cpu_seconds": round(
            statistics.median(r.cpu_seconds for r in runs["python"]), 4
        ),
        "runs": repeats,
    }


def summarise(case: Case, desim_runs: list[dict], booksim_runs: list[dict]) -> dict:
    """Medians per side and the desim / BookSim ratios of the medians."""

    def median(runs: list[dict], key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return statistics.median(values) if values else None

    def speed(runs: list[dict], seconds: str) -> float | None:
        values = [r["flit_hops"] / r[seconds] for r in runs if r["flit_hops"] is not None]
        return statistics.median(values) if values else None

    sides = {}
    for side, runs in (("desim", desim_runs), ("booksim", booksim_runs)):
        sides[side] = {
            "loop_flit_hops_per_second": speed(runs, "loop_cpu_seconds"),
            "process_flit_hops_per_second": speed(runs, "process_cpu_seconds"),
            "loop_flit_hops_per_wall_second": speed(runs, "loop_seconds"),
            "process_flit_hops_per_wall_second": speed(runs, "process_seconds"),
            "packet_latency": median(runs, "packet_latency"),
            "maxrss_mb": median(runs, "maxrss_kb") / 1024,
            "stable_runs": sum(r["stable"] for r in runs),
        }
    d, b = sides["desim"], sides["booksim"]

    def ratio(key: str) -> float | None:
        return round(d[key] / b[key], 3) if d[key] and b[key] else None

    exact = [r["flit_hops_exact"] / r["flit_hops"] - 1 for r in desim_runs if r["flit_hops"]]
    return {
        "case": case.name,
        "k": case.k,
        "rate": case.rate,
        "pure_python": case.pure_python,
        "loop_ratio": ratio("loop_flit_hops_per_second"),
        "process_ratio": ratio("process_flit_hops_per_second"),
        "loop_wall_ratio": ratio("loop_flit_hops_per_wall_second"),
        "process_wall_ratio": ratio("process_flit_hops_per_wall_second"),
        "latency_difference": (
            round(d["packet_latency"] / b["packet_latency"] - 1, 4)
            if d["packet_latency"] and b["packet_latency"]
            else None
        ),
        "desim": d,
        "booksim": b,
        "desim_estimate_error": round(max(exact, key=abs), 4) if exact else None,
        "runs": {"desim": desim_runs, "booksim": booksim_runs},
    }


def markdown(record: dict) -> str:
    """The recorded run as a short Markdown report."""

    def fmt(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    lines = [
        "# desim against BookSim2, side by side",
        "",
        f"`python benchmarks/noc_vs_booksim.py` ({record['repeats']} interleaved repetitions; "
        f"BookSim2 at commit {record['booksim_commit']}, built with its default `make`).",
        "",
        f"Machine: {json.dumps(record['machine'])}",
        "",
        "Ratios are desim / BookSim2 of the median flit-hops per second, per CPU second and per "
        "wall second; flit-hops counted the same way on both sides (one flit through one router, "
        "ejection included).",
        "",
        "| configuration | loop-only, CPU | whole process, CPU | loop-only, wall | whole process, "
        "wall | desim / BookSim2 loop flit-hops per CPU-s | latency desim / BookSim2 (cycles) | "
        "peak memory desim / BookSim2 (MB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in record["cases"]:
        d, b = c["desim"], c["booksim"]
        lines.append(
            f"| {c['case']} | {fmt(c['loop_ratio'], '.2f')}x | {fmt(c['process_ratio'], '.2f')}x "
            f"| {fmt(c['loop_wall_ratio'], '.2f')}x | {fmt(c['process_wall_ratio'], '.2f')}x "
            f"| {fmt(d['loop_flit_hops_per_second'], ',.0f')} / "
            f"{fmt(b['loop_flit_hops_per_second'], ',.0f')} "
            f"| {fmt(d['packet_latency'], '.2f')} / {fmt(b['packet_latency'], '.2f')} "
            f"| {d['maxrss_mb']:.1f} / {b['maxrss_mb']:.1f} |"
        )
    version = record["desim_version_start"]
    retimed = f" (timed again {version['date']}, `--startup-only`)" if "date" in version else ""
    lines += [
        "",
        f"`desim --version`{retimed}: "
        f"median {1000 * version['median_cpu_seconds']:.0f} ms of CPU, "
        f"{1000 * version['median_wall_seconds']:.0f} ms wall ({version['runs']} runs); the bare "
        f"interpreter (`python -c pass`) beside it, interleaved: "
        f"{1000 * version['python_median_cpu_seconds']:.0f} ms of CPU.",
        "",
        "Flit-hops estimate (accepted rate x nodes x cycles x routers crossed) against desim's "
        "exact counter: largest difference "
        + ", ".join(
            f"{c['case']} {100 * c['desim_estimate_error']:+.2f}%"
            for c in record["cases"]
            if c["desim_estimate_error"] is not None
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def retime_startup(output: Path) -> int:
    """Time start-up again (after a change to it alone) in the recorded run, its cases kept."""
    if not output.exists():
        sys.exit(f"{output} does not exist: run the whole benchmark first")
    record = json.loads(output.read_text())
    record["desim_version_start"] = {**time_version(9), "date": machine()["date"]}
    write_record(output, record, markdown(record))
    return 0


# --- the README's NoC command, whole, against BookSim2 on the same points ---------------------

_RESOLVE = """
import dataclasses, json, sys
from desim.noc.presets import router_params
from desim.sweep import load_spec
preset = dataclasses.asdict(router_params("booksim"))
spec = load_spec(sys.argv[1])
noc = {p.config_hash: p.config["noc"] for p in spec.points}
print(json.dumps({h: {**c, "r0": c["router_params"] == preset} for h, c in noc.items()}))
"""
"""Run in a child process (this one imports nothing heavy): the spec's points, resolved."""

BOOKSIM_ROUTING = {"mesh": "dor", "torus": "dim_order"}
"""BookSim2's dimension-order routing function per topology (``dim_order`` has the torus's
dateline VC classes)."""


def sweep_booksim_keys(noc: dict) -> dict:
    """BookSim2's configuration keys (beside R0's) for a resolved ``noc`` section of the sweep;
    exits naming the first setting BookSim2's R0 configuration cannot repeat."""
    args = noc["topology_args"]
    wanted = {
        "routing": "xy",
        "traffic": "uniform",
        "traffic_args": {},
        "injection": "bernoulli",
        "injection_args": {},
        "packet_size": 1,
        "latency_threshold_cycles": 500.0,
        "convergence_threshold": 0.05,
        "r0": True,
    }
    for key, value in wanted.items():
        if noc[key] != value:
            sys.exit(f"noc.{key} = {noc[key]!r}: the BookSim2 comparison needs {value!r}")
    if noc["topology"] not in BOOKSIM_ROUTING or args["rows"] != args["cols"]:
        sys.exit("the BookSim2 comparison needs square meshes or tori")
    if args.get("terminals", 1) != 1 or args.get("link_latency_cycles", 2) != 2:
        sys.exit("the BookSim2 comparison needs one terminal per router and BookSim's link latency")
    return {
        "topology": noc["topology"],
        "k": args["rows"],
        "n": 2,
        "routing_function": BOOKSIM_ROUTING[noc["topology"]],
        **booksim.measurement_keys(
            noc["sample_period_cycles"], noc["warmup_periods"], noc["max_samples"]
        ),
    }


def sweep_workers() -> int:
    """The worker processes a sweep starts by default (`desim.sweep.executors.default_workers`:
    the cores this process may use, on any system), asked of a child process (this one imports
    nothing of desim's)."""
    code = "from desim.sweep.executors import default_workers; print(default_workers())"
    process = booksim.run_process([sys.executable, "-c", code], desim_env(False))
    if process.returncode != 0:
        sys.exit(f"cannot read the sweep's worker count: {process.stdout.strip()[-300:]}")
    return int(process.stdout.strip().splitlines()[-1])


def resolved_points(spec: Path) -> dict[str, dict]:
    """``config_hash -> resolved noc section`` of the spec's points (in a child process)."""
    process = booksim.run_process([sys.executable, "-c", _RESOLVE, str(spec)], desim_env(False))
    if process.returncode != 0:
        sys.exit(f"cannot resolve {spec}: {process.stdout.strip()[-300:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])  # after any warning lines


def stored_runs(directory: Path) -> list[dict]:
    """The sweep's points as stored: their name, config hash and runs (``runs_json``)."""
    connection = sqlite3.connect(f"file:{directory / 'results.sqlite'}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT record FROM points ORDER BY position, seed").fetchall()
    finally:
        connection.close()
    points = []
    for (text,) in rows:
        record = json.loads(text)
        if record["status"] != "ok":
            sys.exit(f"desim's sweep point failed: {record['error']}")
        name = "{} {}x{}".format(
            record["noc.topology"],
            record["noc.topology_args.rows"],
            record["noc.topology_args.cols"],
        )
        runs = [dict(zip(RUN_FIELDS, run, strict=True)) for run in json.loads(record["runs_json"])]
        points.append(
            {
                "point": name,
                "config_hash": record["config_hash"],
                "seed": record["seed"],
                "runs": runs,
            }
        )
    return points


RUN_FIELDS = ("offered", "accepted", "hops", "cycles", "flit_hops", "saturated")
"""The columns of a latency-load record's ``runs_json``."""


def run_desim_sweep(spec: Path, directory: Path) -> booksim.ProcessRun:
    """The README's NoC command, timed from outside (its workers included)."""
    command = desim_command() + ["sweep", str(spec), "--out", str(directory), "--plot"]
    process = booksim.run_process(command, {**desim_env(False), "MPLBACKEND": "Agg"})
    if process.returncode != 0:
        raise RuntimeError(f"desim sweep failed: {process.stdout.strip()[-300:]}")
    return process


def run_booksim_sweep(
    binary: Path, points: list[dict], keys: dict, workers: int
) -> tuple[list[dict], float]:
    """BookSim2 on every run of ``points``, one process per run, ``workers`` at a time; its runs
    (in the points' order) and the wall seconds of the whole."""
    jobs = [(p, run) for p in points for run in p["runs"]]

    def one(job: tuple[dict, dict]) -> dict:
        point, run = job
        k = dict(keys[point["config_hash"]])
        config = booksim.config_text(k.pop("topology"), k.pop("k"), k.pop("n"), run["offered"], **k)
        result = booksim.run_booksim(binary, config, point["seed"])
        nodes = keys[point["config_hash"]]["k"] ** 2
        return {
            "point": point["point"],
            "offered": run["offered"],
            "stable": result.stable,
            "packet_latency": result.packet_latency,
            "cycles": result.cycles,
            "flit_hops": result.flit_hops(nodes),
            "cpu_seconds": result.process.cpu_seconds,
            "wall_seconds": result.process.wall_seconds,
            "maxrss_kb": result.process.maxrss_kb,
        }

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(one, jobs))
    return runs, time.perf_counter() - start


def summarise_readme_sweep(
    points: list[dict],
    keys: dict,
    desim_runs: list[booksim.ProcessRun],
    booksim_runs: list[tuple[list[dict], float]],
) -> dict:
    """Medians over the repetitions, ratios, and the two sides' agreement run by run."""
    flat = [(p, run) for p in points for run in p["runs"]]
    stable_hops = sum(
        booksim.estimate_flit_hops(
            run["accepted"], keys[p["config_hash"]]["k"] ** 2, run["cycles"], run["hops"]
        )
        for p, run in flat
        if not run["saturated"]
    )
    desim = {
        "cpu_seconds": statistics.median(r.cpu_seconds for r in desim_runs),
        "wall_seconds": statistics.median(r.wall_seconds for r in desim_runs),
        "maxrss_mb": statistics.median(r.maxrss_kb for r in desim_runs) / 1024,
        "runs": len(flat),
        "saturated_runs": sum(run["saturated"] for _, run in flat),
        "cycles": sum(run["cycles"] for _, run in flat),
        "flit_hops_exact": sum(run["flit_hops"] for _, run in flat),
        "stable_flit_hops": stable_hops,
    }
    totals = [
        {
            "cpu": sum(r["cpu_seconds"] for r in runs),
            "cpu_saturated": sum(r["cpu_seconds"] for r in runs if not r["stable"]),
            "wall": wall,
        }
        for runs, wall in booksim_runs
    ]
    last = booksim_runs[-1][0]
    reference = {
        "cpu_seconds": statistics.median(t["cpu"] for t in totals),
        "cpu_seconds_saturated_runs": statistics.median(t["cpu_saturated"] for t in totals),
        "wall_seconds": statistics.median(t["wall"] for t in totals),
        "maxrss_mb": max(r["maxrss_kb"] for r in last) / 1024,
        "runs": len(last),
        "saturated_runs": sum(not r["stable"] for r in last),
        "cycles_stable_runs": sum(r["cycles"] for r in last if r["stable"]),
        "stable_flit_hops": sum(r["flit_hops"] for r in last if r["stable"]),
    }
    both = [(run, r) for (_, run), r in zip(flat, last, strict=True)]
    agree = [(run, r) for run, r in both if r["stable"] and not run["saturated"]]
    for side in (desim, reference):
        side["stable_flit_hops_per_cpu_second"] = side["stable_flit_hops"] / side["cpu_seconds"]
    return {
        "cpu_ratio": round(reference["cpu_seconds"] / desim["cpu_seconds"], 3),
        "wall_ratio": round(reference["wall_seconds"] / desim["wall_seconds"], 3),
        "desim": desim,
        "booksim": reference,
        "saturation_disagreements": sum(run["saturated"] == r["stable"] for run, r in both),
        "stable_cycles_ratio": (  # None: no run stable on both sides
            round(sum(run["cycles"] for run, _ in agree) / sum(r["cycles"] for _, r in agree), 4)
            if agree
            else None
        ),
        "points": [
            {**run, "point": p["point"], "booksim": r}
            for (p, run), r in zip(flat, last, strict=True)
        ],
    }


def readme_markdown(record: dict) -> str:
    """The README sweep's recorded run as a short Markdown report."""
    d, b = record["desim"], record["booksim"]
    ratio = record["stable_cycles_ratio"]
    cycles = (
        "No run was stable on both sides"
        if ratio is None
        else f"Runs stable on both sides: desim's cycles / BookSim2's {ratio:.3f}"
    )
    lines = [
        "# The README's NoC command against BookSim2 on the same points",
        "",
        f"`python benchmarks/noc_vs_booksim.py --readme-sweep` ({record['repeats']} interleaved "
        f"repetitions; BookSim2 at commit {record['booksim_commit']}, built with its default "
        f"`make`; {record['workers']} processes at a time on both sides).",
        "",
        f"Machine: {json.dumps(record['machine'])}",
        "",
        f"desim: `{record['command']}`, CPU time of the whole process tree (workers included). "
        f"BookSim2: the same {b['runs']} runs (configurations and offered loads read back from "
        "desim's results store: grid and bisection), one process per run, the spec's sample "
        "period, warm-up periods and maximum samples.",
        "",
        "| | desim | BookSim2 | BookSim2 / desim |",
        "|---|---|---|---|",
        f"| CPU seconds (median) | {d['cpu_seconds']:.1f} | {b['cpu_seconds']:.1f} "
        f"| {record['cpu_ratio']:.2f}x |",
        f"| wall seconds (median) | {d['wall_seconds']:.1f} | {b['wall_seconds']:.1f} "
        f"| {record['wall_ratio']:.2f}x |",
        f"| runs (saturated) | {d['runs']} ({d['saturated_runs']}) | {b['runs']} "
        f"({b['saturated_runs']}) | |",
        f"| flit-hops of the stable runs per CPU second | "
        f"{d['stable_flit_hops_per_cpu_second']:,.0f} "
        f"| {b['stable_flit_hops_per_cpu_second']:,.0f} | |",
        f"| peak memory of one process (MB) | {d['maxrss_mb']:.1f} | {b['maxrss_mb']:.1f} | |",
        "",
        f"BookSim2 spent {b['cpu_seconds_saturated_runs']:.1f} CPU seconds of its "
        f"{b['cpu_seconds']:.1f} on its saturated runs. {cycles}; runs "
        "saturated on one side only: "
        f"{record['saturation_disagreements']}. Flit-hops counted the same way on both sides "
        "(accepted rate x nodes x cycles x routers crossed, stable runs only: BookSim2 prints no "
        f"statistics for a saturated run); desim's exact counter over all its runs: "
        f"{d['flit_hops_exact']:,}.",
        "",
        "Start-up, timed interleaved in the same run (medians):",
        "",
        "| command | CPU (ms) | wall (ms) |",
        "|---|---|---|",
    ]
    for name, timing in record["start_up"].items():
        lines.append(
            f"| `{name}` | {1000 * timing['median_cpu_seconds']:.0f} "
            f"| {1000 * timing['median_wall_seconds']:.0f} |"
        )
    return "\n".join(lines) + "\n"


START_UP = {"--version": ["--version"], "--help": ["--help"], "list": ["list"]}
START_UP["noc --help"] = ["noc", "--help"]
"""desim's commands that simulate nothing, timed for start-up alone."""


def time_start_up(repeats: int) -> dict:
    """Median CPU and wall seconds of each `START_UP` command and of the bare interpreter
    (``python -c pass``), interleaved, ``repeats`` runs each."""
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    commands |= {f"desim {name}": desim_command() + argv for name, argv in START_UP.items()}
    runs: dict[str, list[booksim.ProcessRun]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            runs[name].append(booksim.run_process(command, desim_env(False)))
    return {
        name: {
            "median_cpu_seconds": round(statistics.median(r.cpu_seconds for r in done), 4),
            "median_wall_seconds": round(statistics.median(r.wall_seconds for r in done), 4),
            "runs": repeats,
        }
        for name, done in runs.items()
    }


def readme_sweep(binary: Path, repeats: int, output: Path, spec: Path = README_SPEC) -> int:
    """Measure the README's NoC command against BookSim2 on the same points, and start-up;
    record them."""
    workers = sweep_workers()
    start_up = time_start_up(9)
    resolved = resolved_points(spec)
    keys = {digest: sweep_booksim_keys(noc) for digest, noc in resolved.items()}
    desim_runs: list[booksim.ProcessRun] = []
    booksim_runs: list[tuple[list[dict], float]] = []
    points: list[dict] = []
    for repeat in range(repeats):
        for side in (0, 1) if repeat % 2 == 0 else (1, 0):
            if side == 0:
                with tempfile.TemporaryDirectory(prefix="desim-readme-sweep-") as folder:
                    desim_runs.append(run_desim_sweep(spec, Path(folder) / "noc"))
                    stored = stored_runs(Path(folder) / "noc")
                if points and stored != points:
                    sys.exit("desim's sweep ran other points in another repetition")
                points = stored
            else:
                if not points:  # BookSim2 goes first: the points come from a sweep run first
                    with tempfile.TemporaryDirectory(prefix="desim-readme-sweep-") as folder:
                        run_desim_sweep(spec, Path(folder) / "noc")
                        points = stored_runs(Path(folder) / "noc")
                booksim_runs.append(run_booksim_sweep(binary, points, keys, workers))
        print(f"[{repeat + 1}/{repeats}] README sweep", flush=True)
    record = {
        "machine": machine(),
        "booksim_commit": booksim_commit(binary),
        "repeats": repeats,
        "workers": workers,
        "command": f"desim sweep {os.path.relpath(spec, README_SPEC.parents[1])} --out DIR --plot",
        "start_up": start_up,
        **summarise_readme_sweep(points, keys, desim_runs, booksim_runs),
    }
    write_record(output, record, readme_markdown(record))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--booksim", help="the BookSim2 binary (default: $BOOKSIM)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repetitions (3)")
    parser.add_argument("--quick", action="store_true", help="8x8 at 0.1 and 0.3 only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="time desim --version beside the bare interpreter again, keeping the recorded cases",
    )
    parser.add_argument(
        "--readme-sweep",
        action="store_true",
        help="the README's NoC command (desim sweep examples/noc.toml) against BookSim2 on the "
        "same points, whole processes",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="JSON result file (default: results/noc_vs_booksim.json, with --readme-sweep "
        "results/noc_vs_booksim_readme.json)",
    )
    args = parser.parse_args(argv)
    if args.readme_sweep and (args.quick or args.startup_only):
        parser.error(
            "--readme-sweep runs the README's sweep: it takes neither --quick nor --startup-only"
        )
    if args.output is None:
        name = "noc_vs_booksim_readme.json" if args.readme_sweep else "noc_vs_booksim.json"
        args.output = RESULTS / name
    if args.startup_only:
        return retime_startup(args.output)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    binary = booksim.binary_argument(parser, args.booksim)
    if binary is None:
        print("skipped: no BookSim2 binary (give --booksim PATH or set BOOKSIM)")
        return 0
    if args.readme_sweep:
        return readme_sweep(binary, args.repeats, args.output)
    cases = QUICK if args.quick else CASES
    runs: dict[Case, tuple[list[dict], list[dict]]] = {case: ([], []) for case in cases}
    version = time_version(7)
    commit = booksim_commit(binary)
    for repeat in range(args.repeats):
        for index, case in enumerate(cases):
            mine, theirs = runs[case]
            order = (0, 1) if (repeat + index) % 2 == 0 else (1, 0)
            for side in order:
                if side == 0:
                    mine.append(run_desim(case, args.seed))
                else:
                    theirs.append(run_reference(binary, case, args.seed))
            print(f"[{repeat + 1}/{args.repeats}] {case.name}", flush=True)
        record = {  # written after every repetition: an interrupted run keeps the ones done
            "machine": machine(),
            "booksim_commit": commit,
            "repeats": repeat + 1,
            "desim_version_start": version,
            "cases": [summarise(case, *runs[case]) for case in cases],
        }
        report = markdown(record)
        write_record(args.output, record, report, show=False)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
