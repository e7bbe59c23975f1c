"""A sweep killed with SIGKILL mid-run, then resumed: every point exactly once, none recomputed,
and the results readable by another process throughout."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desim.sweep import load, load_spec

SPEC = """
[sweep]
kind = "noc"
seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]

[noc]
topology_args = { rows = 4, cols = 4 }
sample_period_cycles = 300
warmup_periods = 1
max_samples = 4
injection_rate = 0.2
"""


def _sweep(spec: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "desim.cli",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "1",
        *extra,
    ]
    return subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL)


def _rows(out: Path) -> int:
    try:
        return len(load(out))
    except Exception:  # the database does not exist yet
        return 0


def test_sigkill_then_resume(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    process = _sweep(spec, out)
    deadline = time.monotonic() + 120
    seen = 0
    while seen < 2 and process.poll() is None and time.monotonic() < deadline:
        seen = _rows(out)  # another process reading while the sweep writes
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker processes
    process.wait()
    before = load(out)
    assert 2 <= len(before) < 16, "kill the sweep mid-run: make the points longer"
    resumed = _sweep(spec, out, "--resume")
    assert resumed.wait(timeout=120) == 0
    after = load(out)
    points = load_spec(spec).points
    assert sorted(after["seed"]) == [p.seed for p in points]  # each point exactly once
    first = after[after["seed"].isin(before["seed"])]
    assert (first["run"] == 1).all()  # the points finished before the kill were not recomputed
    assert (after[~after["seed"].isin(before["seed"])]["run"] == 2).all()
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


LONG_POINTS = """
[sweep]
kind = "noc"
seeds = [1, 2, 3]

[noc]
sample_period_cycles = 5000
injection_rate = 0.3
"""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("signum", "group", "status", "said"),
    [
        (signal.SIGINT, True, 130, "desim: interrupted\n"),  # Ctrl-C: the terminal's group
        (signal.SIGTERM, False, 143, "desim: terminated\n"),  # kill PID, a batch time limit
        (signal.SIGKILL, False, -9, None),  # kill -9 PID: the workers see their parent gone
    ],
)
def test_a_stopped_sweep_stops_its_workers_at_once_and_stores_no_interrupted_point(
    tmp_path: Path, signum: int, group: bool, status: int, said: str | None
) -> None:
    # without stopping its workers, a sweep's Ctrl-C waited for each worker to run the points
    # queued to it, none of them stored; SIGTERM and SIGKILL left them running, then waiting
    # for work forever
    spec = tmp_path / "spec.toml"
    spec.write_text(LONG_POINTS)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "desim.cli", "sweep", str(spec), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "1"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out / "results.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # the spec is checked and the store open: the workers are starting
    time.sleep(3)  # a worker is inside its first point
    assert process.poll() is None
    (os.killpg if group else os.kill)(process.pid, signum)
    started = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 5
    assert process.returncode == status and err == (said or err)  # (SIGKILL: nothing said)
    deadline = time.monotonic() + 5
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(process.pid)  # no worker left running
    if _rows(out):  # a point finished before Ctrl-C; none is stored as failed by it
        assert (load(out)["status"] == "ok").all()
