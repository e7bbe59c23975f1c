"""Two builds of desim side by side: `noc_speed.run_case` interleaved, same machine, same run.

Each build is a source tree with its compiled modules built in place (``pip install -e .`` there,
or ``python setup.py build_ext --inplace``). Every round runs each case once per build, each in a
fresh process with that tree first on ``PYTHONPATH``, alternating which build goes first, so that
load from other users of the machine falls on both alike. The figure compared is CPU time per
flit-hop (of the fastest timed window of each run): on a shared machine wall-clock time mostly
measures how the CPUs were shared, CPU time much less so. Per case it reports the median over the
rounds of each build's CPU microseconds per flit-hop, the median of the per-round speed ratios
(before's time / after's: above 1, after is faster), and their spread (lowest and highest ratio):
the noise to read the ratio against; and the median wall-clock flit-hops per second. Results go
to ``benchmarks/results/noc_speed_compare.json`` and ``.md``.

Run::

    OMP_NUM_THREADS=1 python benchmarks/noc_speed_compare.py BEFORE_TREE AFTER_TREE --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results")
CASES = ((4, 0.3), (8, 0.1), (8, 0.3), (16, 0.1))
RUN = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); import desim, noc_speed; "
    "assert desim.COMPILED, 'build the tree in place first'; "
    "r = noc_speed.run_case(int(sys.argv[2]), float(sys.argv[3]), repeats=int(sys.argv[4])); "
    "print(json.dumps([r['us_per_flit_hop'], r['flit_hops_per_second']]))"
)


def run(tree: Path, k: int, rate: float, repeats: int) -> tuple[float, float]:
    """CPU microseconds per flit-hop and wall-clock flit-hops per second of one case with
    ``tree``'s build (a fresh process)."""
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    env.pop("DESIM_PURE_PYTHON", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tree / "benchmarks"), str(k), str(rate), str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    cpu, wall = json.loads(done.stdout.strip().splitlines()[-1])
    return float(cpu), float(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path, help="source tree of the reference build")
    parser.add_argument("after", type=Path, help="source tree of the build compared with it")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="timed windows per run (best kept)")
    parser.add_argument("--label", default="", help="what is compared (recorded with the result)")
    parser.add_argument("--quick", action="store_true", help="leave out the 16x16 case")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    speeds: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for round_ in range(args.rounds):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for k, rate in CASES[:-1] if args.quick else CASES:
            case = f"{k}x{k} @ {rate}"
            for build in order:
                speed = run(trees[build], k, rate, args.repeats)
                speeds.setdefault(case, {}).setdefault(build, []).append(speed)
            print(round_, case, {b: speeds[case][b][-1] for b in order}, flush=True)
    rows = []
    for case, by_build in speeds.items():
        before, after = by_build["before"], by_build["after"]
        ratios = [b[0] / a[0] for a, b in zip(after, before, strict=True)]
        rows.append(
            {
                "case": case,
                "before_us_per_flit_hop": round(statistics.median(b[0] for b in before), 3),
                "after_us_per_flit_hop": round(statistics.median(a[0] for a in after), 3),
                "before_flit_hops_per_second": round(statistics.median(b[1] for b in before)),
                "after_flit_hops_per_second": round(statistics.median(a[1] for a in after)),
                "median_ratio": round(statistics.median(ratios), 3),
                "min_ratio": round(min(ratios), 3),
                "max_ratio": round(max(ratios), 3),
                "rounds": len(ratios),
            }
        )
    record = {
        "label": args.label,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "rounds": args.rounds,
        "repeats": args.repeats,
        "cases": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "noc_speed_compare.json").write_text(json.dumps(record, indent=1) + "\n")
    lines = [
        f"{args.label}\n",
        f"{record['date']}, {record['cpus']} CPUs, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in record['load_average_at_end'])}; "
        f"{args.rounds} interleaved rounds, best of {args.repeats} windows per run "
        f"(`python benchmarks/noc_speed_compare.py BEFORE AFTER --rounds {args.rounds}"
        f"{' --quick' if args.quick else ''}`).\n",
        "| case | before: CPU us/flit-hop (median) | after | speed after / before (median) | "
        "lowest, highest ratio | wall flit-hops/s before, after (medians) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['before_us_per_flit_hop']} | {r['after_us_per_flit_hop']} | "
            f"{r['median_ratio']} | {r['min_ratio']}, {r['max_ratio']} | "
            f"{r['before_flit_hops_per_second']:,}, {r['after_flit_hops_per_second']:,} |"
        )
    (RESULTS / "noc_speed_compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
