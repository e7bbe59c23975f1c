"""The same sweep on local processes and on Dask gives identical records."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from desim.sweep import load_spec, run_sweep

pytest.importorskip("distributed")


def test_local_and_dask_local_cluster_agree(
    tiny_spec: Path, tmp_path: Path, comparable: Any
) -> None:
    spec = load_spec(tiny_spec)
    local = run_sweep(spec, tmp_path / "local", workers=2)
    dask = run_sweep(spec, tmp_path / "dask", executor="dask", workers=2)
    assert dask.ran == 16 and not dask.lost
    assert comparable(dask.records) == comparable(local.records)


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as handle:
        return subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT)


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear in {seconds} s")
        time.sleep(0.2)


@pytest.mark.slow
def test_separate_scheduler_and_worker_on_loopback(
    tiny_spec: Path, tmp_path: Path, comparable: Any
) -> None:
    dask = str(Path(sys.executable).parent / "dask")
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = _start(
        [
            dask,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        tmp_path / "scheduler.log",
    )
    worker = None
    try:
        _wait_for(scheduler_file, 60)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = _start(
            [dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
            tmp_path / "worker.log",
        )
        spec = load_spec(tiny_spec)
        remote = run_sweep(spec, tmp_path / "remote", address=address)
        local = run_sweep(spec, tmp_path / "local", workers=2)
        assert remote.ran == 16 and not remote.lost
        assert comparable(remote.records) == comparable(local.records)
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
