"""Without torch installed, every command that needs it says so in one line, naming the extra,
with exit code 2 (simulated in a subprocess: a ``sitecustomize`` on ``PYTHONPATH`` makes
``import torch`` fail as it does when torch is absent)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def without_torch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("no_torch")
    (folder / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_the_hook_hides_torch(without_torch):
    probe = subprocess.run(
        [sys.executable, "-c", "import torch"], env=without_torch, capture_output=True, text=True
    )
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr


@pytest.mark.parametrize(
    ("argv", "who"),
    [
        (["workload", "--model", "lenet5"], "desim workload"),
        (["predictor"], "desim predictor"),
        (["accel", "--arch", "scnn", "--network", "lenet5"], "desim accel"),
        (["accel", "--arch", "sparsenn", "--network", "mlp"], "desim accel"),
        (["compare", "--network", "lenet5"], "desim compare"),
        (["sweep", str(EXAMPLES / "sparsenn_mesh.toml"), "--out", "OUT"], "kind 'compare'"),
    ],
)
def test_a_command_needing_torch_names_the_extra(without_torch, tmp_path, argv, who):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    run = subprocess.run(
        [sys.executable, "-m", "desim.cli", *argv],
        env=without_torch,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1, run.stderr
    assert f"{who} needs torch, which is not installed: pip install 'desim[torch]'" in run.stderr
