"""Accelerator points in sweeps: the ``accel`` and ``compare`` kinds, and malformed specs."""

from __future__ import annotations

import pytest

from desim.cli import main
from desim.sweep import load

SPEC = """
[sweep]
kind = "{kind}"
seeds = [0]

[accel]
arch = "{arch}"
network = "lenet5"
weight_density = 0.5
activation_density = 0.5
layers = 1
{extra}

[grid]
"accel.params.fabric.topology_args" = [{{rows = 2, cols = 2}}, {{rows = 2, cols = 3}}]
"""


def sweep(tmp_path, capsys, **fields):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.format(**{"kind": "accel", "arch": "dcnn", "extra": "", **fields}))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    return code, capsys.readouterr().err


def test_accel_points_record_each_mesh(tmp_path, capsys):
    code, _ = sweep(tmp_path, capsys)
    assert code == 0
    frame = load(tmp_path / "out").sort_values("cycles")
    assert list(frame["status"]) == ["ok", "ok"]
    assert (frame["check_passed"] == True).all()  # noqa: E712 - a column of booleans
    assert frame["dense_macs"].nunique() == 1  # same layer, two fabrics
    assert frame["cycles"].iloc[0] < frame["cycles"].iloc[1]  # 6 PEs beat 4 on this layer


@pytest.mark.slow
def test_compare_points_record_speedup_and_energy_ratio(tmp_path, capsys):
    code, _ = sweep(tmp_path, capsys, kind="compare", arch="dcnn-opt", extra='baseline = "dcnn"')
    assert code == 0
    frame = load(tmp_path / "out")
    # gating saves energy, not cycles: DCNN-opt differs only by reading the first layer's input
    # from DRAM compressed (a synthetic density of 0.5: fewer bytes than DCNN's 16-bit values)
    assert all(1.0 < s < 1.02 for s in frame["speedup"])
    assert (frame["energy_ratio"] > 1).all()
    # per-baseline columns
    assert (frame["dcnn.cycles"] / frame["cycles"]).tolist() == pytest.approx(frame["speedup"])
    from desim.sweep.plots import plot_sweep

    assert [p.name for p in plot_sweep(tmp_path / "out")] == ["comparison.png"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"arch": "tpu"}, "unknown accelerator 'tpu'"),
        ({"extra": 'params = {"multiplier" = 3}'}, "multiplier"),
        ({"extra": "flits = 3"}, "accel.flits"),
    ],
)
def test_malformed_accel_specs_fail_before_any_point(tmp_path, capsys, fields, message):
    code, err = sweep(tmp_path, capsys, **fields)
    assert code == 2
    assert message in err
    assert not (tmp_path / "out" / "results.csv").exists()


def test_a_nested_grid_key_sets_one_field_not_the_whole_table():
    """``accel.params.fabric.topology_args`` (a grid key nests it in ``params``) changes the
    mesh only: SparseNN's 128-bit flits stay (replacing ``fabric`` with its defaults would give
    `FabricConfig`'s 512)."""
    from desim.accel.design_configs import design_config
    from desim.accel.sparsenn_config import FLIT_WIDTH_BITS
    from desim.accel.sweep_kinds import AccelPoint, _namespace

    params = {"samples": 1, "fabric": {"topology_args": {"rows": 2, "cols": 2}}}
    assignments = _namespace(AccelPoint(arch="sparsenn", network="mlp", params=params), 0).set
    assert assignments == ['fabric.topology_args={"rows": 2, "cols": 2}', "samples=1"]
    config = design_config("sparsenn", None, assignments)
    assert config.fabric.topology_args == {"rows": 2, "cols": 2}
    assert config.fabric.flit_width_bits == FLIT_WIDTH_BITS == 128
