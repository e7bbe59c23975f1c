"""desim against BookSim2 on the reference configuration ("R0", desim's ``booksim`` preset).

8x8 mesh, XY routing, uniform traffic, single-flit packets, the ``booksim`` router preset
(4 VCs x 8 flits), Bernoulli injection, BookSim's measurement method. The script runs desim at the
reference curve's loads, bisects the saturation throughput, and writes

* ``booksim_comparison.csv``: one row per (load, metric): BookSim's value, desim's, the relative
  error and the tolerance it is held to;
* ``booksim_comparison.png``: both latency-load curves and both saturation throughputs;

then prints the verdict table. Tolerances: zero-load latency 3 %, average packet latency at loads up
to 0.35 within 10 %, saturation throughput 5 %.

The BookSim numbers come from ``--reference``: BookSim's own curve
(BookSim2's 8x8 mesh runs, one row per offered load, with its ``bisect`` rows) or a comparison
CSV written earlier by this script (its ``booksim`` column; the default, so the comparison reruns
from the repository alone).

Run (several minutes on one core)::

    OMP_NUM_THREADS=1 python docs/booksim_comparison.py \\
        --reference /path/to/booksim_mesh8x8_uniform.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from desim.noc import NocConfig, NocResult, simulate
from desim.noc.sweep import Sweep, sweep_injection

HERE = Path(__file__).resolve().parent
CONFIG = NocConfig(
    topology="mesh",
    topology_args={"rows": 8, "cols": 8},
    routing="xy",
    traffic="uniform",
    packet_size=1,
    router="booksim",
    router_args={"vcs": 4, "vc_buffer_flits": 8},
    seed=1,
)
ZERO_LOAD_RATE = 0.001
ZERO_LOAD_PERIOD_CYCLES = 50_000  # ~3,200 packets per period at 0.001: a tight zero-load mean
TOLERANCE = {"zero_load": 0.03, "latency": 0.10, "saturation": 0.05}
LATENCY_CHECKED_UP_TO = 0.35
FIELDS = (
    "point_type",
    "offered_rate",
    "metric",
    "booksim",
    "desim",
    "rel_error",
    "tolerance",
    "within",
)
POINT_TYPES = ("zero_load", "grid", "bisect")
METRICS = {
    "saturated": "saturated",
    "packet_latency": "avg_packet_latency",
    "network_latency": "avg_network_latency",
    "accepted_rate": "accepted_rate",
    "accepted_rate_min": "accepted_rate_min",
    "hops": "avg_hops",
}
BOOKSIM_COLUMNS = {
    "packet_latency": "packet_latency_avg",
    "network_latency": "network_latency_avg",
    "accepted_rate": "accepted_flit_rate_avg",
    "accepted_rate_min": "accepted_flit_rate_min",
    "hops": "hops_avg",
}


@dataclass
class Reference:
    """BookSim's curve: ``points[(point_type, load)][metric]`` (None where it reported none).

    Loads are rounded to 4 decimals (BookSim's CSV rounds its bisection loads to 5 digits).
    Metric ``saturated`` is 1.0 for a run BookSim did not find stable (unstable or not converged).
    """

    points: dict[tuple[str, float], dict[str, float | None]]
    saturation_rate: float


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _key(point_type: str, rate: float) -> tuple[str, float]:
    return point_type, round(rate, 4)


def _booksim_point(row: dict[str, str]) -> dict[str, float | None]:
    """One row of BookSim's own CSV (past saturation, the throughput-mode accepted rates)."""
    saturated = row["status"] != "stable"
    point = {
        m: None if saturated and m.endswith("latency") else _number(row[c])
        for m, c in BOOKSIM_COLUMNS.items()
    }
    for metric in ("accepted_rate", "accepted_rate_min"):
        if point[metric] is None:
            point[metric] = _number(row["tput_mode_" + BOOKSIM_COLUMNS[metric]])
    point["saturated"] = float(saturated)
    return point


def load_reference(path: Path) -> Reference:
    """BookSim's numbers from its raw curve CSV or from an earlier comparison CSV."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    points: dict[tuple[str, float], dict[str, float | None]] = {}
    if "metric" in rows[0]:  # a comparison written by this script
        saturation = [float(r["booksim"]) for r in rows if r["metric"] == "saturation_rate"]
        for row in rows:
            if row["metric"] != "saturation_rate" and row["point_type"] in POINT_TYPES:
                key = _key(row["point_type"], float(row["offered_rate"]))
                points.setdefault(key, {})[row["metric"]] = _number(row["booksim"])
        ran = {
            key: point
            for key, point in points.items()
            if any(v is not None for v in point.values())
        }
        return Reference(ran, saturation[0])
    for row in rows:
        if row["point_type"] in POINT_TYPES:
            key = _key(row["point_type"], float(row["offered_flits_per_node_cycle"]))
            points[key] = _booksim_point(row)
    stable = [float(r["offered_flits_per_node_cycle"]) for r in rows if r["status"] == "stable"]
    return Reference(points, max(stable))


def run_desim(rates: Sequence[float], tolerance: float, progress: bool) -> tuple[NocResult, Sweep]:
    """desim's zero-load point and its latency-load curve (saturation bisected)."""
    zero = simulate(
        replace(CONFIG, injection_rate=ZERO_LOAD_RATE, sample_period_cycles=ZERO_LOAD_PERIOD_CYCLES)
    )
    return zero, sweep_injection(CONFIG, rates, tolerance=tolerance, progress=progress)


def _tolerance(point_type: str, rate: float, metric: str) -> float | None:
    if metric != "packet_latency":
        return None
    if point_type == "zero_load":
        return TOLERANCE["zero_load"]
    return TOLERANCE["latency"] if rate <= LATENCY_CHECKED_UP_TO + 1e-9 else None


def _row(
    point_type: str,
    rate: float | None,
    metric: str,
    booksim: float | None,
    desim: float | None,
    tolerance: float | None,
) -> dict[str, object]:
    known = booksim is not None and desim is not None and math.isfinite(desim)
    error = (desim - booksim) / booksim if known and booksim else None
    within = None if tolerance is None or error is None else abs(error) <= tolerance
    return dict(
        point_type=point_type,
        offered_rate=rate,
        metric=metric,
        booksim=booksim,
        desim=desim,
        rel_error=error,
        tolerance=tolerance,
        within=within,
    )


def _value(result: NocResult | None, metric: str) -> float | None:
    """desim's value of ``metric``; None for a saturated run's latency (as BookSim's blank)."""
    if result is None or (result.saturated and metric.endswith("latency")):
        return None
    return float(getattr(result, METRICS[metric]))


def compare(reference: Reference, zero: NocResult, curve: Sweep) -> list[dict[str, object]]:
    """Side-by-side rows for every load either simulator ran, then the saturation throughput."""
    ours = {_key("zero_load", zero.offered_rate): zero}
    ours.update({_key("grid", p.offered_rate): p for p in curve.points})
    ours.update({_key("bisect", p.offered_rate): p for p in curve.refinement})
    rows = []
    for key in sorted(set(reference.points) | set(ours), key=lambda k: (k[1], k[0])):
        theirs = reference.points.get(key, {})
        for metric in METRICS:
            rows.append(
                _row(
                    *key,
                    metric,
                    theirs.get(metric),
                    _value(ours.get(key), metric),
                    _tolerance(*key, metric),
                )
            )
    rows.append(
        _row(
            "saturation",
            None,
            "saturation_rate",
            reference.saturation_rate,
            curve.saturation_rate,
            TOLERANCE["saturation"],
        )
    )
    return rows


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    """The comparison as CSV (floats to 6 significant digits; blank where a value is missing)."""

    def cell(value: object) -> object:
        return "" if value is None else (f"{value:.6g}" if isinstance(value, float) else value)

    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: cell(v) for k, v in row.items()} for row in rows)


def plot(rows: list[dict[str, object]], path: Path) -> None:
    """Both latency-load curves and saturation throughputs, to a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latency = [
        r for r in rows if r["metric"] == "packet_latency" and r["point_type"] != "zero_load"
    ]
    saturation = next(r for r in rows if r["metric"] == "saturation_rate")
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for who, style in (("booksim", "o-"), ("desim", "x--")):
        points = sorted((r["offered_rate"], r[who]) for r in latency if r[who] is not None)
        label = f"{who} (saturation {saturation[who]:.3f})"
        ax.plot(*zip(*points, strict=True), style, label=label)
        ax.axvline(saturation[who], color=ax.lines[-1].get_color(), linestyle=":", linewidth=1)
    ax.set(
        xlabel="offered load (flits/node/cycle)",
        ylabel="average packet latency (cycles)",
        title="8x8 mesh, XY, uniform, 1-flit packets, 4 VCs x 8 flits",
        ylim=(0, 100),
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def verdict(rows: list[dict[str, object]]) -> tuple[str, bool]:
    """The checked rows as a text table, and whether all are within tolerance."""
    checked = [r for r in rows if r["tolerance"] is not None]
    lines = [
        f"{'point':>10} {'load':>7} {'metric':>16} {'BookSim':>9} {'desim':>9} {'error':>8} "
        f"{'tol':>5}  ok"
    ]
    for r in checked:
        load = "" if r["offered_rate"] is None else f"{r['offered_rate']:.4g}"
        error = "-" if r["rel_error"] is None else f"{r['rel_error']:+.2%}"
        desim = "-" if r["desim"] is None else f"{r['desim']:.4g}"
        ok = "yes" if r["within"] else "NO"
        lines.append(
            f"{r['point_type']:>10} {load:>7} {r['metric']:>16} {r['booksim']:>9.4g} "
            f"{desim:>9} {error:>8} {r['tolerance']:>5.0%}  {ok}"
        )
    return "\n".join(lines), all(r["within"] for r in checked)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference",
        type=Path,
        default=HERE / "booksim_comparison.csv",
        help="BookSim's curve CSV, or an earlier comparison CSV",
    )
    parser.add_argument("--out-dir", type=Path, default=HERE)
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.005,
        help="saturation bisection tolerance (flits/node/cycle)",
    )
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    reference = load_reference(args.reference)
    rates = sorted(rate for kind, rate in reference.points if kind == "grid")
    zero, curve = run_desim(rates, args.tolerance, args.progress)
    rows = compare(reference, zero, curve)
    write_csv(rows, args.out_dir / "booksim_comparison.csv")
    plot(rows, args.out_dir / "booksim_comparison.png")
    table, ok = verdict(rows)
    print(table)
    print("verdict:", "desim reproduces BookSim within tolerance" if ok else "OUT OF TOLERANCE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
