"""Where the README's NoC sweep spends its CPU, run by run, and why each saturated run saturated.

Runs every point of a latency-load spec (default ``examples/noc.toml``, the README's NoC command)
in this one process, one run after another (no worker processes: their start-up, the results
store, the export and the figures are measured apart, by timing ``desim sweep`` itself), and
records per run the CPU seconds (``time.process_time``) of each phase of
`desim.noc.measurement.simulate`: building the network, warm-up, sample periods, the drain of the
measured packets (stable runs), the drain of everything (sources stopped) and the result; and the
verdict with its evidence: converged or not, sample periods, the average latency with the packets
in flight counted at their age against ``latency_threshold_cycles``, and the backlog's growth
against what `desim.noc.measurement` allows.

Results: ``benchmarks/results/noc_sweep_profile.json`` and ``.md``. Run (a few minutes)::

    OMP_NUM_THREADS=1 python benchmarks/noc_sweep_profile.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import machine, write_record  # noqa: E402  (the sibling module)

import desim.noc.measurement as measurement  # noqa: E402
import desim.noc.sweep as noc_sweep  # noqa: E402
from desim.config import ConfigError  # noqa: E402
from desim.sweep import load_spec  # noqa: E402
from desim.sweep.noc_kinds import run_latency_load  # noqa: E402

RESULTS = Path(__file__).with_name("results")
SPEC = Path(__file__).resolve().parents[1] / "examples" / "noc.toml"
PHASES = ("build_network", "_start_traffic", "_sample", "_drain_measured", "_drain_all", "_result")
"""The functions of `desim.noc.measurement` timed; the ``warm_up`` phase is what `simulate`
spends besides: the warm-up periods, plus the simulator's construction, the link statistics and
the conservation check (small beside them)."""


class Profiler:
    """Times the phases of every `simulate` call while installed (`install`, `remove`)."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self._phase: dict[str, float] = {}
        self._verdict: dict[str, Any] = {}
        self._saved: dict[str, Callable[..., Any]] = {}
        self._simulate_saved: Callable[..., Any] = noc_sweep.simulate

    def install(self) -> None:
        self._saved = {name: getattr(measurement, name) for name in PHASES}
        for name in PHASES:
            inner = self._sample if name == "_sample" else self._saved[name]
            setattr(measurement, name, self._timed(name, inner))
        self._simulate_saved = noc_sweep.simulate
        noc_sweep.simulate = self._simulate

    def remove(self) -> None:
        noc_sweep.simulate = self._simulate_saved
        for name, function in self._saved.items():
            setattr(measurement, name, function)

    def _timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._phase[name] = self._phase.get(name, 0.0) + time.process_time() - start

        return timed

    def _sample(self, config: Any, sim: Any, net: Any, sampler: Any) -> tuple[bool, bool, int]:
        backlog, created = sampler.outstanding(sim.now)[0], net.counters.packets_created
        converged, stable, periods = self._saved["_sample"](config, sim, net, sampler)
        offered = net.counters.packets_created - created
        self._verdict = {
            "latency_with_ages": measurement.latency_with_ages(sampler, sim.now),
            "backlog_growth": sampler.outstanding(0)[0] - backlog,
            "backlog_allowed": measurement.backlog_allowance(config, offered),
        }
        return converged, stable, periods

    def _simulate(self, config: Any, **kwargs: Any) -> Any:
        self._phase, self._verdict = {}, {}
        start = time.process_time()
        result = self._simulate_saved(config, **kwargs)
        total = time.process_time() - start
        phases = {name.strip("_"): round(self._phase.get(name, 0.0), 4) for name in PHASES}
        phases["warm_up"] = round(total - sum(self._phase.values()), 4)
        threshold = config.latency_threshold_cycles
        verdict = self._verdict
        self.runs.append(
            {
                "topology": _label(config),
                "offered": config.injection_rate,
                "saturated": result.saturated,
                "converged": result.converged,
                "sample_periods": result.sample_periods,
                "cycles": result.cycles,
                "cpu_seconds": round(total, 4),
                "phases": phases,
                "latency_with_ages": round(verdict["latency_with_ages"], 1),
                "over_latency_threshold": verdict["latency_with_ages"] > threshold,
                "backlog_growth": verdict["backlog_growth"],
                "backlog_allowed": round(verdict["backlog_allowed"], 1),
            }
        )
        return result


def _label(config: Any) -> str:
    """``mesh 8x8`` for a grid, else the topology and its arguments (``ring n=16``)."""
    args = config.topology_args
    if "rows" in args and "cols" in args:
        return f"{config.topology} {args['rows']}x{args['cols']}"
    return " ".join([str(config.topology), *(f"{k}={v}" for k, v in sorted(args.items()))])


def markdown(record: dict) -> str:
    runs = record["runs"]
    total = sum(r["cpu_seconds"] for r in runs)
    saturated = [r for r in runs if r["saturated"]]
    phases = {name: sum(r["phases"][name] for r in runs) for name in runs[0]["phases"]}
    lines = [
        "# Where the README's NoC sweep spends its CPU",
        "",
        f"`python benchmarks/noc_sweep_profile.py` (`{record['spec']}`, every run in one process, "
        "one after another).",
        "",
        f"Machine: {json.dumps(record['machine'])}",
        "",
        f"{len(runs)} runs, {total:.1f} CPU seconds in `simulate`; {len(saturated)} saturated runs "
        f"took {sum(r['cpu_seconds'] for r in saturated):.1f} of them. By phase: "
        + ", ".join(f"{name.replace('_', ' ')} {seconds:.1f}" for name, seconds in phases.items())
        + ".",
        "",
        "| run | offered | saturated | converged | sample periods | cycles | CPU s | latency "
        "with in-flight ages | backlog growth / allowed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['topology']} | {r['offered']:.4g} | {r['saturated']} | {r['converged']} "
        f"| {r['sample_periods']} | {r['cycles']} | {r['cpu_seconds']:.2f} "
        f"| {r['latency_with_ages']:.1f} | {r['backlog_growth']} / {r['backlog_allowed']:.0f} |"
        for r in runs
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=SPEC, help="a latency_load sweep spec")
    parser.add_argument("--output", type=Path, default=RESULTS / "noc_sweep_profile.json")
    args = parser.parse_args(argv)
    try:
        spec = load_spec(args.spec)
    except ConfigError as exc:
        parser.error(str(exc))
    if spec.kind != "latency_load":
        parser.error(f"{args.spec}: a latency_load spec is needed, not {spec.kind!r}")
    profiler = Profiler()
    profiler.install()
    try:
        for point in spec.points:
            run_latency_load(point.config, point.seed)
    finally:
        profiler.remove()
    try:
        shown = args.spec.resolve().relative_to(SPEC.parents[1])
    except ValueError:
        shown = args.spec
    record = {"machine": machine(), "spec": str(shown), "runs": profiler.runs}
    write_record(args.output, record, markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
