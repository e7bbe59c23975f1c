"""An accelerator run's memory, estimated per design before anything is built
(`desim.accel.footprint`): the per-PE figures against the measured record, and the refusals of
``desim accel`` and ``desim compare`` (the fabric's before torch is imported, the workload's
tensors before the workload is built)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desim.accel.footprint import MAX_ACCEL_BYTES, PE_BYTES
from desim.cli import main
from workloads.footprint import activation_bytes, weight_bytes

RECORD = Path(__file__).parents[2] / "benchmarks" / "results" / "accel_memory.json"
MODULES = {
    "dcnn": "desim.accel.dcnn",
    "scnn": "desim.accel.scnn",
    "sparsenn": "desim.accel.sparsenn",
}
SYNTH = ["--weight-density", "0.5", "--activation-density", "0.5"]


@pytest.mark.parametrize("design", sorted(MODULES))
def test_the_per_pe_figure_covers_the_measured_slope(design):
    """The measured peak memory a run adds grows linearly with the PEs (each step's slope within
    25 % of the whole range's); the estimate's figure is that slope rounded up by at most 25 %."""
    cases = [c for c in json.loads(RECORD.read_text())["cases"] if c["design"] == design]
    first, last = cases[0], cases[-1]
    slope = (last["added_bytes"] - first["added_bytes"]) / (last["pes"] - first["pes"])
    for a, b in zip(cases[1:], cases[2:], strict=False):
        step = (b["added_bytes"] - a["added_bytes"]) / (b["pes"] - a["pes"])
        assert abs(step - slope) <= 0.25 * slope
    assert slope <= PE_BYTES[MODULES[design]] <= 1.25 * slope


def _refusal(capsys, monkeypatch, argv):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "DESIM_NO_SIZE_LIMIT=1" in err
    return err


def test_a_fabric_too_big_for_the_design_is_refused_before_torch_is_imported(tmp_path):
    # 32,400 DCNN PEs need 2.27 GB (70 kB each); the lightest design's 1.62 GB passes FabricConfig
    argv = [
        "accel",
        "--arch",
        "dcnn",
        "--network",
        "lenet5",
        *SYNTH,
        "--set",
        'fabric.topology_args={"rows": 180, "cols": 180}',
    ]
    code = (
        "import sys\nfrom desim.cli import main\n"
        f"code = main({argv!r})\nprint(code, 'torch' in sys.modules)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "DESIM_NO_SIZE_LIMIT"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.stdout.split() == ["2", "False"]
    assert "32400 PEs at 70 kB each, in bytes: an estimated 2.27e+09" in done.stderr


def test_the_workloads_tensors_count_in_the_estimate(capsys, monkeypatch):
    # 22,500 DCNN PEs need 1.575 GB; VGG-16's weights and one sample's activations take it over
    tensors = activation_bytes("vgg16", "photos") + weight_bytes("vgg16", "photos")
    assert 22_500 * PE_BYTES["desim.accel.dcnn"] < MAX_ACCEL_BYTES
    assert 22_500 * PE_BYTES["desim.accel.dcnn"] + tensors > MAX_ACCEL_BYTES
    err = _refusal(
        capsys,
        monkeypatch,
        [
            "compare",
            "--arch",
            "scnn",
            "--baseline",
            "dcnn",
            "--network",
            "vgg16",
            *SYNTH,
            "--set",
            'fabric.topology_args={"rows": 150, "cols": 150}',
        ],
    )
    assert err.startswith("desim: error: dcnn on fabric.topology 'mesh'")  # scnn's 1.1 GB fits
    assert f"and {tensors / 1e6:.3g} MB of workload tensors" in err
    assert f"an estimated {22_500 * PE_BYTES['desim.accel.dcnn'] + tensors:.3g}" in err


def test_an_accelerator_sweep_point_is_refused_by_its_memory(capsys, monkeypatch, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nkind = "accel"\nseeds = [0]\n[accel]\narch = "sparsenn"\nnetwork = "mlp_tiny"\n'
        '[grid]\n"accel.params.fabric.topology_args" = '
        "[{rows = 2, cols = 2}, {rows = 160, cols = 160}]\n"
    )
    err = _refusal(capsys, monkeypatch, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert "sparsenn on fabric.topology 'mesh' {'rows': 160, 'cols': 160} needs too much" in err
