"""Mutation testing of the router and the allocators with cosmic-ray, on the pure-Python build.

cosmic-ray (``pip install cosmic-ray``) generates every mutant of ``desim/noc/router.py``,
``allocators.py`` and ``arbiters.py`` (about 1,550); running the tests once per mutant would take
days on this machine, so a seeded random sample of ``--per-module`` mutants per module is kept
and run, each against the NoC unit and network tests below (``-x``: a mutant is killed at its
first failing test; a mutant running past ``--timeout`` seconds counts as killed, as a hang).
The mutants are applied to a copy of the committed tree in ``--work`` (the checkout is never
touched), with ``DESIM_PURE_PYTHON=1`` so that the mutated sources, not the compiled modules, run.
The sample is drawn from the mutants ordered by where and how they mutate (cosmic-ray's job ids are
random), so a seed always picks the same mutants of the same sources; ``--exclude`` leaves out the
mutants an earlier run (its ``--work`` directory) already ran, matched by module, operator,
function, the mutated line's text and column, so that the line numbers may have moved.

Install the tool with the ``mutation`` extra (``pip install -e '.[mutation]'``). Usage::

    python benchmarks/mutation_testing.py --work /tmp/desim-mutants
    python benchmarks/mutation_testing.py --work /tmp/desim-mutants --report  # during or after
    python benchmarks/mutation_testing.py --work /tmp/more --seed 1 --scale 3 \
        --exclude /tmp/desim-mutants

The score and the survivors, each reviewed, are in benchmarks/results/mutation_testing.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

MODULES = {"desim/noc/allocators.py": 12, "desim/noc/arbiters.py": 12, "desim/noc/router.py": 26}
"""Mutants sampled per module (router.py holds 84 % of all mutants; the sample leans toward the
two smaller modules so that each gets a score of its own)."""
TESTS = (
    "tests/noc/test_allocators.py",
    "tests/noc/test_arbiters.py",
    "tests/noc/test_allocator_choices.py",
    "tests/noc/test_network_invariants.py",
    "tests/noc/test_network_zero_load.py",
    "tests/noc/test_router_gaps.py",
)
ROOT = Path(__file__).resolve().parents[1]


def _config(timeout: float) -> str:
    command = (
        f"env DESIM_PURE_PYTHON=1 OMP_NUM_THREADS=1 {sys.executable} -m pytest -x -q "
        f"-p no:cacheprovider {' '.join(TESTS)}"
    )
    modules = ", ".join(f'"{m}"' for m in MODULES)
    return (
        f"[cosmic-ray]\nmodule-path = [{modules}]\ntimeout = {timeout}\nexcluded-modules = []\n"
        f'test-command = "{command}"\n\n[cosmic-ray.distributor]\nname = "local"\n'
    )


_SPEC = (
    "select job_id, module_path, operator_name, occurrence, start_pos_row, start_pos_col, "
    "definition_name from mutation_specs"
)


def _mutants(work: Path, only_run: bool = False) -> dict[str, tuple]:
    """Map each mutant's job id in ``work`` to a key that does not depend on line numbers."""
    connection = sqlite3.connect(work / "session.sqlite")
    query = _SPEC + (" where job_id in (select job_id from work_results)" if only_run else "")
    lines = {m: (work / m).read_text().splitlines() for m in MODULES}
    return {
        job: (
            module,
            operator,
            definition or "",
            lines[module][row - 1].strip(),
            column,
            occurrence,
        )
        for job, module, operator, occurrence, row, column, definition in connection.execute(query)
    }


def _sample(work: Path, seed: int, scale: float, exclude: Path | None) -> int:
    """Keep a seeded sample of the mutants per module, none of them run in ``exclude``; return
    how many are kept."""
    mutants = _mutants(work)
    done = set()
    if exclude is not None:
        # the occurrence counts mutations of the whole module: it moves when the source does
        done = {key[:5] for key in _mutants(exclude, only_run=True).values()}
    rng = random.Random(seed)
    keep = set()
    for module, count in MODULES.items():
        jobs = sorted(
            (key, job) for job, key in mutants.items() if key[0] == module and key[:5] not in done
        )
        keep.update(job for _, job in rng.sample(jobs, max(1, round(count * scale))))
    connection = sqlite3.connect(work / "session.sqlite")
    rows = list(connection.execute("select job_id from mutation_specs"))
    drop = [(job,) for (job,) in rows if job not in keep]
    connection.executemany("delete from mutation_specs where job_id = ?", drop)
    connection.executemany("delete from work_items where job_id = ?", drop)
    connection.commit()
    return len(keep)


def report(database: Path) -> None:
    """Print the score per module and every survivor's diff."""
    connection = sqlite3.connect(database)
    rows = list(
        connection.execute(
            "select s.module_path, r.test_outcome, r.diff from mutation_specs s "
            "join work_results r on r.job_id = s.job_id order by s.module_path"
        )
    )
    for module in MODULES:
        outcomes = [outcome for path, outcome, _ in rows if path == module]
        killed = sum(outcome == "KILLED" for outcome in outcomes)
        print(f"{module}: {killed} of {len(outcomes)} killed")
    killed = sum(outcome == "KILLED" for _, outcome, _ in rows)
    print(f"all: {killed} of {len(rows)} killed")
    for module, outcome, diff in rows:
        if outcome != "KILLED":
            changed = [line for line in diff.splitlines() if line.startswith(("-", "+", "@@"))]
            print(f"\n{outcome} in {module}:\n" + "\n".join(changed[2:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="a new directory for the copy")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument("--scale", type=float, default=1.0, help="sample size factor (default 1)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant")
    parser.add_argument("--exclude", type=Path, help="an earlier run's --work: skip its mutants")
    parser.add_argument("--report", action="store_true", help="report a run, finished or not")
    args = parser.parse_args()
    database = args.work / "session.sqlite"
    if args.report:
        report(database)
        return 0
    args.work.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(args.work)], input=archive.stdout, check=True)
    (args.work / "cosmic-ray.toml").write_text(_config(args.timeout))
    cosmic_ray = [sys.executable, "-m", "cosmic_ray.cli"]
    subprocess.run(
        [*cosmic_ray, "init", "cosmic-ray.toml", "session.sqlite"], cwd=args.work, check=True
    )
    print(f"{_sample(args.work, args.seed, args.scale, args.exclude)} mutants sampled", flush=True)
    subprocess.run(
        [*cosmic_ray, "exec", "cosmic-ray.toml", "session.sqlite"], cwd=args.work, check=True
    )
    report(database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
