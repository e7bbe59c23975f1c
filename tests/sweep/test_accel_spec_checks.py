"""Accelerator sweep specs are checked as ``desim accel`` checks its arguments, before any point
runs: one line on stderr, exit code 2, and no point stored."""

from __future__ import annotations

import pytest

from desim.cli import main
from desim.kernel.errors import ConfigError

HEAD = (
    '[sweep]\nkind = "{kind}"\nseeds = {seeds}\n[accel]\narch = "{arch}"\nnetwork = "{network}"\n'
)


@pytest.mark.parametrize(
    ("fields", "extra", "message"),
    [
        ({}, 'dataset = "nosuch"\n', "accel: unknown dataset 'nosuch'; valid names:"),
        ({}, "layers = 0\n", "accel: layers must be >= 1"),
        ({}, "layers = -3\n", "accel: layers must be >= 1"),
        ({}, "layers = 1.5\n", "'accel.layers' must be an integer or left out, got 1.5"),
        ({"arch": "scnn"}, "weight_density = -0.5\n", "must be in [0, 1]"),
        ({"arch": "scnn"}, "weight_density = nan\n", "got nan"),
        ({"arch": "scnn"}, "activation_density = inf\n", "got inf"),
        ({"seeds": "[99999999999]"}, "", "'sweep.seeds' must be a non-empty list of integers in"),
        ({"seeds": "[-1]"}, "", "'sweep.seeds'"),
        (
            {"kind": "compare", "arch": "sparsenn", "network": "mlp"},
            "weight_density = 0.5\n",
            "sparsenn runs its own workload",
        ),
        ({"kind": "compare"}, 'baseline = "nosuch"\n', "unknown accelerator 'nosuch'"),
        ({}, 'baseline = "dcnn-opt"\n', "'accel.baseline' is read by kind 'compare'"),
        ({"kind": "compare"}, "", "accel: dcnn names no baselines; pick one with accel.baseline"),
        ({"kind": "compare", "arch": "scnn"}, 'baseline = "scnn"\n', "is the design itself"),
        (
            {"kind": "compare", "arch": "scnn"},
            'baseline = "sparsenn"\n',
            "accel.baseline sparsenn brings its own comparison",
        ),
        # SparseNN's own checks, registered with the design (each ran and failed as a point)
        ({"arch": "sparsenn", "network": "alexnet"}, "", "SparseNN's trained fully connected"),
        ({"arch": "dense", "network": "alexnet"}, "", "SparseNN's trained fully connected"),
        (
            {"kind": "compare", "arch": "sparsenn", "network": "mlp"},
            "layers = 1\n",
            "accel: --layers is not supported by the SparseNN comparison",
        ),
        (
            {"kind": "compare", "arch": "sparsenn", "network": "mlp"},
            'baseline = "dcnn"\n',
            "accel: --baseline dcnn is not a baseline of sparsenn; allowed: input-sparse, dense",
        ),
        ({}, 'params = { "fabric.topology" = "ring" }\n', "unknown parameter of topology 'ring'"),
        ({}, 'params = { "fabric.topology_args.rows" = 0 }\n', "rows"),
        # a value the design's config refuses, named as the spec spells its key
        (
            {"arch": "scnn"},
            "params = { accumulator_banks = 0 }\n",
            "'accel.params.accumulator_banks' must be an integer >= 1, got 0",
        ),
        (
            {"kind": "compare", "arch": "scnn"},
            'params = { "fabric.router_args.vcs" = 0 }\n',
            "'accel.params.fabric.router_args.vcs' must be an integer >= 1, got 0",
        ),
    ],
)
def test_a_bad_accelerator_point_is_refused_before_any_run(
    capsys, tmp_path, fields, extra, message
):
    values = {"kind": "accel", "seeds": "[0]", "arch": "dcnn", "network": "lenet5", **fields}
    spec = tmp_path / "spec.toml"
    spec.write_text(HEAD.format(**values) + extra)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("arch", "network", "layers", "count"),
    [("dcnn", "lenet5", 6, 5), ("scnn", "lenet5", 99, 5), ("sparsenn", "mlp", 4, 3)],
)
def test_layers_beyond_the_network_are_refused_naming_the_point(
    capsys, tmp_path, arch, network, layers, count
):
    values = {"kind": "accel", "seeds": "[0]", "arch": arch, "network": network}
    spec = tmp_path / "spec.toml"
    spec.write_text(HEAD.format(**values) + f"[grid]\naccel.layers = [1, {layers}]\n")
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert f"grid point {{'accel.layers': {layers}}}: accel: layers = {layers} is more than" in err
    assert f"allowed: 1..{count}" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_compare_point_gives_each_design_the_params_it_has():
    """As ``desim compare --set`` does: SCNN's ``ppu_compares_per_cycle`` changes SCNN and
    leaves its DCNN baselines alone (it was refused by DCNN's config); a key none of the
    compared designs has is still refused."""
    from desim.accel.sweep_kinds import resolve_compare

    point = {"arch": "scnn", "network": "lenet5", "weight_density": 0.5, "layers": 1}
    resolved = resolve_compare({"accel": {**point, "params": {"ppu_compares_per_cycle": 2}}})
    assert resolved["accel"]["params"] == {"ppu_compares_per_cycle": 2}
    with pytest.raises(ConfigError, match="none of scnn, dcnn, dcnn-opt, .* has it"):
        resolve_compare({"accel": {**point, "params": {"nosuch": 2}}})
