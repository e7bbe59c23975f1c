"""Latency-load curves of desim and BookSim2 side by side: torus, ring and concentrated mesh.

Each configuration runs BookSim's R0 router (``benchmarks/booksim.py``) under uniform single-flit
traffic on both simulators with BookSim's measurement method, at the same grid of loads; each side
then bisects its own saturation throughput (the highest load that still converges) to within
``--tolerance`` (0.005 flits/node/cycle), the way ``desim.noc.sweep.sweep_injection`` does.

* ``torus8``: desim ``torus(8, 8)`` (2-cycle links), ``xy``; BookSim2 ``topology = torus; k = 8;
  n = 2; routing_function = dim_order`` (2-cycle links: ``use_noc_latency``, its default).
* ``ring16``: desim ``ring(16, link_latency_cycles=2)``, ``xy``; BookSim2 ``topology = torus;
  k = 16; n = 1; routing_function = dim_order``.
* ``cmesh4``: desim ``cmesh(4, 4, concentration=4)`` (2-cycle links by default), ``xy``; BookSim2
  ``topology = cmesh; k = 4; n = 2; c = 4; x = y = 4; xr = yr = 2;
  routing_function = dor_no_express``.

The torus and the ring also run desim's ``xy_static`` (the older dateline scheme) beside ``xy``
(BookSim's), to show what the scheme changes. BookSim's cmesh adds express links between edge
routers; ``dor_no_express`` routing never uses them, so the network routed is desim's cmesh.

Results: ``benchmarks/results/noc_booksim_curves.json`` and ``.md``; the test
``tests/noc/test_booksim_curves.py`` holds desim to the recorded BookSim numbers (saturation
throughput within 5 %, latency at loads below 90 % of saturation within 10 %). Run (BookSim is
slow near saturation; ten minutes or so)::

    OMP_NUM_THREADS=1 python benchmarks/noc_booksim_curves.py --booksim /path/to/booksim

``--desim-only`` reruns desim against the BookSim numbers already recorded; ``--booksim-only``
records BookSim's curves alone (desim's are then rerun with ``--desim-only``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booksim  # noqa: E402  (the sibling module)

RESULTS = Path(__file__).with_name("results") / "noc_booksim_curves.json"
TOLERANCE = {"saturation": 0.05, "latency": 0.10}
LATENCY_CHECKED_BELOW = 0.9
"""Latency is compared at loads below this fraction of BookSim's saturation throughput."""
KEEP_UP = 0.98
"""A BookSim run counts as stable only if it converged *and* accepted at least this fraction of
its offered load. BookSim alone reports some runs past saturation as converged (the running
averages settle while the source queues grow: 0.625 on the 8x8 torus, latency 406 cycles,
accepted 0.598); desim's backlog test rejects those, and this is its counterpart."""


@dataclass(frozen=True)
class Configuration:
    """One network both simulators run: desim's topology and BookSim's keys for it."""

    name: str
    topology: str
    topology_args: dict
    booksim_keys: dict
    rates: tuple[float, ...]
    policies: tuple[str, ...] = ("xy",)
    notes: str = ""

    def desim_config(self, rate: float, routing: str, seed: int = 1):  # -> desim.noc.NocConfig
        from desim.noc import NocConfig  # here: --booksim-only runs without desim

        return NocConfig(
            topology=self.topology,
            topology_args=dict(self.topology_args),
            routing=routing,
            traffic="uniform",
            injection_rate=rate,
            packet_size=1,
            router="booksim",
            seed=seed,
        )

    def booksim_config(self, rate: float) -> str:
        keys = dict(self.booksim_keys)
        return booksim.config_text(keys.pop("topology"), keys.pop("k"), keys.pop("n"), rate, **keys)


CONFIGURATIONS = (
    Configuration(
        "torus8",
        "torus",
        {"rows": 8, "cols": 8},
        {"topology": "torus", "k": 8, "n": 2, "routing_function": "dim_order"},
        (0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7),
        ("xy", "xy_static"),
    ),
    Configuration(
        "ring16",
        "ring",
        {"n": 16, "link_latency_cycles": 2},
        {"topology": "torus", "k": 16, "n": 1, "routing_function": "dim_order"},
        (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
        ("xy", "xy_static"),
    ),
    Configuration(
        "cmesh4",
        "cmesh",
        {"rows": 4, "cols": 4, "concentration": 4},
        {
            "topology": "cmesh",
            "k": 4,
            "n": 2,
            "c": 4,
            "x": 4,
            "y": 4,
            "xr": 2,
            "yr": 2,
            "routing_function": "dor_no_express",
        },
        (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
    ),
)


@dataclass
class Curve:
    """Points ``rate -> (stable, packet latency or None, accepted rate or None)`` and the
    bisected saturation throughput."""

    points: dict[float, tuple[bool, float | None, float | None]] = field(default_factory=dict)
    saturation: float | None = None

    def to_json(self) -> dict:
        return {
            "saturation": self.saturation,
            "points": [
                {"rate": r, "stable": s, "packet_latency": lat, "accepted": acc}
                for r, (s, lat, acc) in sorted(self.points.items())
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Curve:
        points = {
            p["rate"]: (p["stable"], p["packet_latency"], p["accepted"]) for p in data["points"]
        }
        return cls(points, data["saturation"])


def trace(
    run: Callable[[float], tuple[bool, float | None, float | None]],
    rates: tuple[float, ...],
    tolerance: float,
) -> Curve:
    """Run ``rates`` in increasing order up to the second unstable one, then bisect between the
    highest stable load below the first unstable one and that load down to ``tolerance``."""
    curve = Curve()
    unstable = []
    for rate in sorted(rates):
        curve.points[rate] = run(rate)
        print(f"  {rate}: {curve.points[rate]}", flush=True)
        if not curve.points[rate][0]:
            unstable.append(rate)
            if len(unstable) == 2:
                break
    if not unstable:
        curve.saturation = max(curve.points)
        return curve
    low = max((r for r, p in curve.points.items() if p[0] and r < unstable[0]), default=0.0)
    high = unstable[0]
    while high - low > tolerance:
        middle = round((low + high) / 2, 6)
        curve.points[middle] = run(middle)
        print(f"  {middle}: {curve.points[middle]}", flush=True)
        low, high = (middle, high) if curve.points[middle][0] else (low, middle)
    curve.saturation = low
    return curve


def desim_point(config: Configuration, routing: str, done: dict, save: Callable) -> Callable:
    """desim at one load; ``done`` holds the points already run (``rate -> point``), and
    ``save()`` is called after each new one (an interrupted run resumes where it stopped)."""
    from desim.noc import simulate

    def run(rate: float) -> tuple[bool, float | None, float | None]:
        if rate not in done:
            result = simulate(config.desim_config(rate, routing))
            latency = None if result.saturated else round(result.avg_packet_latency, 3)
            done[rate] = (not result.saturated, latency, round(result.accepted_rate, 5))
            save()
        return done[rate]

    return run


def booksim_point(binary: Path, config: Configuration, runs: dict) -> Callable:
    """BookSim at one load: stable when it converged and kept up (`KEEP_UP`). ``runs`` holds
    BookSim's raw ``rate -> [converged, latency, accepted]``; rates already there are not rerun."""

    def run(rate: float) -> tuple[bool, float | None, float | None]:
        if rate not in runs:
            result = booksim.run_booksim(binary, config.booksim_config(rate))
            runs[rate] = [result.stable, result.packet_latency, result.accepted_flit_rate]
        converged, latency, accepted = runs[rate]
        kept_up = converged and accepted >= KEEP_UP * rate
        return (kept_up, latency if kept_up else None, accepted)

    return run


def compare(reference: Curve, ours: Curve) -> dict:
    """Saturation and below-saturation latency errors of ``ours`` against ``reference``."""
    assert reference.saturation and ours.saturation
    saturation_error = ours.saturation / reference.saturation - 1
    latency_errors = {}
    for rate, (stable, latency, _) in sorted(reference.points.items()):
        mine = ours.points.get(rate)
        if stable and mine and mine[0] and rate < LATENCY_CHECKED_BELOW * reference.saturation:
            latency_errors[rate] = round(mine[1] / latency - 1, 4)
    worst = max(latency_errors.values(), key=abs, default=0.0)
    return {
        "saturation_error": round(saturation_error, 4),
        "latency_errors": latency_errors,
        "worst_latency_error": worst,
        "within": abs(saturation_error) <= TOLERANCE["saturation"]
        and abs(worst) <= TOLERANCE["latency"],
    }


def markdown(record: dict) -> str:
    lines = [
        "# desim against BookSim2: torus, ring, concentrated mesh",
        "",
        "`python benchmarks/noc_booksim_curves.py` (R0 router, uniform, 1-flit packets; "
        f"BookSim2 at commit {record['booksim_commit']}). Tolerances: saturation throughput "
        f"{TOLERANCE['saturation']:.0%}, latency {TOLERANCE['latency']:.0%} at loads below "
        f"{LATENCY_CHECKED_BELOW:.0%} of BookSim's saturation.",
        "",
        "| configuration | desim routing | saturation desim / BookSim2 | error | worst latency "
        "error below saturation | within |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in record["configurations"].items():
        reference = entry["booksim"]
        for policy, side in entry.get("desim", {}).items():
            if "comparison" not in side:
                continue  # still running
            verdict = side["comparison"]
            lines.append(
                f"| {name} | {policy} | {side['curve']['saturation']:.4g} / "
                f"{reference['saturation']:.4g} | {verdict['saturation_error']:+.1%} | "
                f"{verdict['worst_latency_error']:+.1%} | {'yes' if verdict['within'] else 'no'} |"
            )
    lines += [
        "",
        "Average packet latency (cycles) per load, '-' where the run did not converge:",
        "",
    ]
    for name, entry in record["configurations"].items():
        policies = [p for p, side in entry.get("desim", {}).items() if "comparison" in side]
        lines += [
            f"**{name}**",
            "",
            "| load | BookSim2 | " + " | ".join(f"desim {p}" for p in policies) + " |",
            "|---" * (2 + len(policies)) + "|",
        ]
        reference = Curve.from_json(entry["booksim"]).points
        curves = [Curve.from_json(entry["desim"][p]["curve"]).points for p in policies]
        for rate in sorted(set(reference).union(*curves)):
            cells = [reference.get(rate)] + [c.get(rate) for c in curves]
            shown = ["" if c is None else ("-" if c[1] is None else f"{c[1]:.2f}") for c in cells]
            lines.append(f"| {rate:g} | " + " | ".join(shown) + " |")
        lines.append("")
    return "\n".join(lines)


def _store(name: str, path: tuple[str, ...], value: object) -> None:
    """Set ``configurations[name][path...]`` in the results file as it is on disk now: runs of
    different configurations may proceed in parallel processes, each storing only its own."""
    record = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"configurations": {}}
    node = record["configurations"].setdefault(name, {})
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--booksim", help="the BookSim2 binary (default: $BOOKSIM)")
    parser.add_argument("--desim-only", action="store_true", help="keep the recorded BookSim side")
    parser.add_argument("--booksim-only", action="store_true", help="record BookSim's side alone")
    parser.add_argument("--only", action="append", help="configuration name(s) to run")
    parser.add_argument("--policy", action="append", help="desim routing policy(ies) to run")
    parser.add_argument("--tolerance", type=float, default=0.005)
    args = parser.parse_args(argv)
    recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else None
    binary = None
    if not args.desim_only:
        binary = booksim.find_binary(args.booksim)
        if binary is None:
            print("skipped: no BookSim2 binary (give --booksim PATH or set BOOKSIM)")
            return 0
    elif recorded is None:
        parser.error(f"--desim-only needs recorded BookSim curves in {RESULTS}")
    from noc_vs_booksim import booksim_commit

    record = recorded or {"configurations": {}}
    if binary is not None:
        record["booksim_commit"] = booksim_commit(binary)
    record["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")
    for config in CONFIGURATIONS:
        if args.only and config.name not in args.only:
            continue
        entry = record["configurations"].setdefault(config.name, {})
        if binary is not None:
            print(f"{config.name}: BookSim2", flush=True)
            runs = {float(r): v for r, v in entry.get("booksim_runs", {}).items()}
            curve = trace(booksim_point(binary, config, runs), config.rates, args.tolerance)
            _store(config.name, ("booksim",), curve.to_json())
            _store(config.name, ("booksim_runs",), {str(r): v for r, v in sorted(runs.items())})
            entry["booksim"] = curve.to_json()
        if args.booksim_only:
            continue
        reference = Curve.from_json(entry["booksim"])
        for policy in config.policies:
            if args.policy and policy not in args.policy:
                continue
            print(f"{config.name}: desim {policy}", flush=True)
            side = entry.get("desim", {}).get(policy, {})
            done = Curve.from_json(side["curve"]).points if "curve" in side else {}

            def save(name: str = config.name, policy: str = policy, done: dict = done) -> None:
                _store(name, ("desim", policy), {"curve": Curve(dict(done)).to_json()})

            curve = trace(desim_point(config, policy, done, save), config.rates, args.tolerance)
            result = {"curve": curve.to_json(), "comparison": compare(reference, curve)}
            _store(config.name, ("desim", policy), result)
    if args.booksim_only:
        return 0
    report = markdown(json.loads(RESULTS.read_text()))
    RESULTS.with_suffix(".md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
