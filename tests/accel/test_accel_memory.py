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

from desim.accel.footprint import MAX_ACCEL_BYTES, PE_BYTES, pe_bytes
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
def test_the_estimate_covers_the_measured_peak_memory(design):
    """Against the recorded peak memory a run adds on meshes of 8 x 8 to 48 x 48: the estimate is
    never below it and at most 1.5 times it (the 4 x 4 mesh's few MB are the process's own)."""
    cases = [c for c in json.loads(RECORD.read_text())["cases"] if c["design"] == design]
    assert max(c["pes"] for c in cases) >= 2304
    for case in cases:
        if case["pes"] >= 64:
            estimate = pe_bytes(case["pes"], PE_BYTES[MODULES[design]])
            assert case["added_bytes"] <= estimate <= 1.5 * case["added_bytes"], case


def _refusal(capsys, monkeypatch, argv):
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "DESIM_NO_SIZE_LIMIT=1" in err
    return err


def test_a_fabric_too_big_for_the_design_is_refused_before_torch_is_imported(tmp_path):
    # 8,464 DCNN PEs need 2.16 GB; the lightest design's 1.81 GB passes FabricConfig
    argv = [
        "accel",
        "--arch",
        "dcnn",
        "--network",
        "lenet5",
        *SYNTH,
        "--set",
        'fabric.topology_args={"rows": 92, "cols": 92}',
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
    assert "8464 PEs (2.16 GB), in bytes: an estimated 2.16e+09" in done.stderr


def test_the_workloads_tensors_count_in_the_estimate(capsys, monkeypatch):
    # 6,724 DCNN PEs need 1.45 GB; VGG-16's weights and one sample's activations take it over
    tensors = activation_bytes("vgg16", "photos") + weight_bytes("vgg16", "photos")
    dcnn = pe_bytes(6724, PE_BYTES["desim.accel.dcnn"])
    assert dcnn < MAX_ACCEL_BYTES < dcnn + tensors
    assert pe_bytes(6724, PE_BYTES["desim.accel.scnn"]) + tensors < MAX_ACCEL_BYTES
    err = _refusal(
        capsys,
        monkeypatch,
        ["compare", "--arch", "scnn", "--baseline", "dcnn", "--network", "vgg16", *SYNTH]
        + ["--set", 'fabric.topology_args={"rows": 82, "cols": 82}'],
    )
    assert err.startswith("desim: error: dcnn on fabric.topology 'mesh'")  # SCNN's run fits
    assert f"and {tensors / 1e9:.3g} GB of workload tensors" in err
    assert f"an estimated {dcnn + tensors:.3g}" in err


def test_an_accelerator_sweep_point_is_refused_by_its_memory(capsys, monkeypatch, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nkind = "accel"\nseeds = [0]\n[accel]\narch = "sparsenn"\nnetwork = "mlp"\n'
        '[grid]\n"accel.params.fabric.topology_args" = '
        "[{rows = 2, cols = 2}, {rows = 92, cols = 92}]\n"
    )
    err = _refusal(capsys, monkeypatch, ["sweep", str(spec), "--out", str(tmp_path / "out")])
    assert "sparsenn on fabric.topology 'mesh' {'rows': 92, 'cols': 92} needs too much" in err


@pytest.mark.parametrize(
    ("sets", "message"),
    [  # beyond any layer: refused with the fabric, before torch is imported
        (
            ["multipliers_i=1000000000"],
            "64 PEs (0.00539 GB, their work at least 8.19e+03 GB (multipliers_f x "
            "multipliers_i, accumulator_banks))",
        ),
        (["accumulator_banks=100000000", "bank_hash=linear"], "their work at least 102 GB"),
        # beyond what LeNet-5's conv1 allows: refused once its shape is known, before it runs
        (["multipliers_i=100000"], "scnn on conv1: a 4 x 100000 multiplier array"),
        (
            ["accumulator_banks=1000000", "bank_hash=linear"],
            "scnn on conv1: a 4 x 4 multiplier array (multipliers_f x multipliers_i) and "
            "1000000 accumulator_banks hold too much at once for 64 PEs",
        ),
    ],
)
def test_scnn_work_memory_counts_its_array_and_banks(capsys, monkeypatch, sets, message):
    argv = ["accel", "--arch", "scnn", "--network", "lenet5", "--layers", "1"]
    err = _refusal(capsys, monkeypatch, argv + [a for s in sets for a in ("--set", s)])
    assert message in err


def test_a_forced_kc_that_fits_no_layer_is_refused_before_any_runs(capsys, monkeypatch):
    monkeypatch.setattr("desim.accel.scnn.Scnn.run", lambda *a, **k: pytest.fail("it ran"))
    code = main(["accel", "--arch", "scnn", "--network", "lenet5", "--set", "kc=7"])
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "conv1: kc=7 must be an integer in [1, 6] (accumulator fit)" in err


def test_a_sweep_point_beyond_scnns_work_memory_is_an_error_not_a_run(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nkind = "accel"\nseeds = [0]\n[accel]\narch = "scnn"\nnetwork = "lenet5"\n'
        'layers = 1\n[grid]\n"accel.params.multipliers_i" = [100000]\n'
    )
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "ConfigError: scnn on conv1: a 4 x 100000 multiplier array" in out


def test_scnns_work_bound_takes_the_stride_classes_its_work_is_split_into():
    """AlexNet's conv1 (11 x 11 / 4): the work runs per stride class (16 of them, at most 9 taps
    and a sixteenth of a tile's positions each), so the default design is far inside the limit
    (a bound over all 121 taps and every position refused the README's main job)."""
    import numpy as np

    from desim.accel.footprint import MAX_ACCEL_BYTES
    from desim.accel.layer import LayerRecord
    from desim.accel.scnn import Scnn
    from desim.accel.scnn_footprint import layer_work_bytes

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 227, 227))
    w = rng.standard_normal((96, 3, 11, 11))
    y = np.zeros((1, 96, 55, 55))
    conv1 = LayerRecord("conv1", "conv", w, np.zeros(96), x, y, stride=(4, 4))
    assert layer_work_bytes(conv1, (8, 8), Scnn().config.pe_array(), None) < MAX_ACCEL_BYTES / 50
    Scnn().check_layers([conv1])  # not refused
