"""``desim accel`` and ``desim compare``: values against independent counts, and bad input."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from desim.cli import main
from workloads.workload import WorkloadSpec, build_workload

SYNTH = ["--network", "lenet5", "--weight-density", "0.5", "--activation-density", "0.5"]
SMALL = ["--set", 'fabric.topology_args={"rows": 2, "cols": 2}']


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_accel_json_reports_every_layer_with_the_workloads_macs(capsys):
    code, out, _ = run(capsys, "accel", "--arch", "dcnn", *SYNTH, *SMALL, "--json")
    assert code == 0
    doc = json.loads(out)
    layers = build_workload(WorkloadSpec("lenet5", provenance="synthetic", batch=1, seed=0)).layers
    assert [row["layer"] for row in doc["per_layer"]] == [layer.name for layer in layers]
    assert [row["dense_macs"] for row in doc["per_layer"]] == [x.dense_macs for x in layers]
    assert doc["dense_macs"] == sum(x.dense_macs for x in layers)
    assert doc["cycles"] == sum(row["cycles"] for row in doc["per_layer"])
    assert doc["check_passed"] and doc["workload.provenance"] == "synthetic"
    for row in doc["per_layer"]:
        parts = sum(v for k, v in row.items() if k.startswith("energy_pj."))
        assert parts == pytest.approx(row["energy_pj"])
        assert row["noc_flit_hops"] >= row["noc_flits"] > 0
        assert 0 < row["multiplier_utilisation"] <= 1


@pytest.mark.parametrize(
    ("command", "given", "densities"),
    [
        (["accel", "--arch", "dcnn"], ["--weight-density", "0.3"], (0.3, 0.5)),
        (["compare", "--arch", "dcnn-opt", "--baseline", "dcnn"], SYNTH[2:], (0.5, 0.5)),
        (["accel", "--arch", "scnn"], ["--activation-density", "0"], (0.5, 0.0)),
    ],
)
def test_json_records_the_synthetic_densities_used(capsys, command, given, densities):
    """Beside ``workload.provenance``, the densities the synthetic workload was drawn at, the
    one not given (0.5) included."""
    argv = [*command, "--network", "lenet5", *given, *SMALL, "--layers", "1", "--json"]
    code, out, _ = run(capsys, *argv)
    doc = json.loads(out)
    assert code == 0 and doc["workload.provenance"] == "synthetic"
    assert (doc["workload.weight_density"], doc["workload.activation_density"]) == densities


def test_compare_writes_csv_and_plot_and_ratios_are_consistent(capsys, tmp_path):
    table, plot = tmp_path / "layers.csv", tmp_path / "bars.png"
    code, out, _ = run(
        capsys,
        "compare",
        "--arch",
        "dcnn-opt",
        "--baseline",
        "dcnn",
        *SYNTH,
        *SMALL,
        "--layers",
        "2",
        "--json",
        "--csv",
        str(table),
        "--plot",
        str(plot),
    )
    assert code == 0
    doc = json.loads(out)
    # gating saves energy, not cycles; only the first layer differs, reading its input (the
    # image) from DRAM compressed (density 0.5: fewer bytes than DCNN's dense 16-bit values)
    first, *rest = doc["per_layer"]
    assert [r["speedup"] for r in rest] == [1.0] * len(rest)
    assert first["speedup"] > 1
    assert doc["energy_ratio"] == pytest.approx(doc["dcnn"]["energy_pj"] / doc["energy_pj"])
    assert doc["energy_ratio"] > 1
    # per layer and by component, each design's energy adds up to its total
    layers = doc["per_layer"]
    assert sum(r["energy_pj"] for r in layers) == pytest.approx(doc["energy_pj"])
    assert sum(r["baseline_energy_pj"] for r in layers) == pytest.approx(doc["dcnn"]["energy_pj"])
    for r in layers:
        assert r["energy_ratio"] == pytest.approx(r["baseline_energy_pj"] / r["energy_pj"])
    assert sum(doc["energy_by_component_pj"].values()) == pytest.approx(doc["energy_pj"])
    dcnn = doc["dcnn"]
    assert sum(dcnn["energy_by_component_pj"].values()) == pytest.approx(dcnn["energy_pj"])
    with open(table) as handle:
        rows = list(csv.DictReader(handle))
    assert [r["layer"] for r in rows] == ["conv1", "conv2"]
    assert plot.stat().st_size > 1000


def test_compare_csv_has_every_baselines_rows_each_named(capsys, tmp_path):
    """SCNN's default comparison has four baselines; the table gives each its rows (only the
    first's, unnamed, before)."""
    table = tmp_path / "layers.csv"
    code, out, _ = run(
        capsys, "compare", "--arch", "scnn", *SYNTH, *SMALL, "--layers", "1", "--json",
        "--csv", str(table),
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    with open(table) as handle:
        rows = list(csv.DictReader(handle))
    names = ["dcnn", "dcnn-opt", "scnn-sparsea", "scnn-sparsew"]
    assert [(r["baseline"], r["layer"]) for r in rows] == [(n, "conv1") for n in names]
    assert {(r["arch"], r["network"]) for r in rows} == {("scnn", "lenet5")}
    assert list(rows[0])[:3] == ["baseline", "arch", "network"]
    for row, name in zip(rows, names, strict=True):
        assert float(row["speedup"]) == pytest.approx(doc[name]["per_layer"][0]["speedup"])


def test_accel_csv_gives_a_tables_entries_columns_of_their_own(capsys, tmp_path):
    """SCNN's ``busiest_pe_waits_cycles`` (a table in --json) was written as a Python dict's
    repr, a string pandas cannot use; its entries are now numeric columns, named as the
    energy's are (``energy_pj.dram``), and every cell is a plain value."""
    table = tmp_path / "layers.csv"
    argv = ["accel", "--arch", "scnn", *SYNTH, *SMALL, "--layers", "1", "--json", "--csv"]
    code, out, _ = run(capsys, *argv, str(table))
    assert code == 0
    waits = json.loads(out)["per_layer"][0]["busiest_pe_waits_cycles"]
    with open(table) as handle:
        (row,) = list(csv.DictReader(handle))
    assert {k: int(row[f"busiest_pe_waits_cycles.{k}"]) for k in waits} == waits
    assert "busiest_pe_waits_cycles" not in row
    assert (row["arch"], row["network"]) == ("scnn", "lenet5")  # files concatenated stay apart
    assert not [v for v in row.values() if v.startswith(("{", "["))]


@pytest.mark.parametrize(
    ("argv", "baselines"),
    [
        (["--arch", "scnn"], ["dcnn", "dcnn-opt", "scnn-sparsea", "scnn-sparsew"]),
        (["--arch", "scnn", "--baseline", "dcnn-opt"], ["dcnn-opt"]),
        (["--arch", "dcnn-opt", "--baseline", "dcnn"], ["dcnn"]),
    ],
)
def test_compare_csv_rows_are_the_baselines_run_not_the_documents_keys(
    capsys, tmp_path, monkeypatch, argv, baselines
):
    """A top-level key of the document that looks like a baseline (a design's name holding
    per-layer rows, as a future summary might) is not one: the table follows the baselines run."""
    import desim.accel.cli as accel_cli

    original = accel_cli.compare_designs

    def with_a_future_key(*args, **kwargs):
        document = original(*args, **kwargs)
        document["dense"] = {"per_layer": [{"layer": "conv1", "speedup": 1.0}]}
        document["scnn-sparsew"] = document.get("scnn-sparsew", document["dense"])
        return document

    monkeypatch.setattr(accel_cli, "compare_designs", with_a_future_key)
    table = tmp_path / "layers.csv"
    code, _, _ = run(
        capsys, "compare", *argv, *SYNTH, *SMALL, "--layers", "1", "--json", "--csv", str(table)
    )
    assert code == 0
    with open(table) as handle:
        assert [row["baseline"] for row in csv.DictReader(handle)] == baselines


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["accel", "--arch", "tpu", *SYNTH], "unknown accelerator 'tpu'"),
        (["accel", "--arch", "dcnn", *SYNTH, "--set", "fabric.flit_width=8"], "flit_width"),
        (["accel", "--arch", "dcnn", *SYNTH, "--set", "multipliers"], "KEY=VALUE"),
        (["accel", "--arch", "dcnn", *SYNTH, "--set", "multipliers=0"], "multipliers"),
        (["accel", "--arch", "dcnn", *SYNTH, "--layers", "9"], "--layers"),
        (["accel", "--arch", "dcnn", "--network", "resnet"], "unknown model"),
        (["accel", "--arch", "dcnn", *SYNTH, "--config", "/nonexistent.toml"], "cannot read"),
        (["compare", "--arch", "dcnn", *SYNTH], "no baselines"),
        # checked before anything runs: seeds, output paths, options a design would ignore
        (["accel", "--arch", "dcnn", *SYNTH, "--seed", "-1"], "--seed must be in 0..4294967295"),
        (["accel", "--arch", "dcnn", *SYNTH, "--csv", "/"], "--csv '/' is a directory"),
        (["compare", "--arch", "scnn", *SYNTH, "--plot", "/nonexistent/x.png"], "'/nonexistent'"),
        (["accel", "--arch", "dcnn", *SYNTH, "--vcd", "/nonexistent/x"], "'/nonexistent'"),
        (
            ["accel", "--arch", "scnn", *SYNTH, "--vcd", "waves"],
            "--vcd: scnn does not trace its PEs' states; allowed with: dcnn, dcnn-opt, dense",
        ),
        (["accel", "--arch", "dcnn", *SYNTH, "--set", "multipliers=8"], "must be a square"),
        (["accel", "--arch", "dcnn", *SYNTH, "--set", "dataflow=systolic"], "one of nfu, dot"),
        (
            ["accel", "--arch", "sparsenn", "--network", "mlp", "--weight-density", "0.3"],
            "sparsenn runs its own workload",
        ),
        (
            ["compare", "--arch", "sparsenn", "--network", "mlp", "--activation-density", "0.3"],
            "synthetic densities do not apply",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_a_toml_accel_section_is_read_strictly(capsys, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        "[accel]\nmultipliers = 9\n[accel.fabric]\ntopology_args = {rows = 2, cols = 2}\n"
    )
    code, out, _ = run(
        capsys, "accel", "--arch", "dcnn", *SYNTH, "--layers", "1", "--config", str(good), "--json"
    )
    assert code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[accel]\nmultiplier = 8\n")
    code, _, err = run(capsys, "accel", "--arch", "dcnn", *SYNTH, "--config", str(bad))
    assert code == 2 and "accel.multiplier" in err


def test_vcd_traces_every_pe_state_per_layer(capsys, tmp_path):
    prefix = tmp_path / "waves"
    code, _, _ = run(
        capsys, "accel", "--arch", "dcnn", *SYNTH, *SMALL, "--layers", "2", "--vcd", str(prefix)
    )
    assert code == 0
    for layer in (0, 1):
        text = (tmp_path / f"waves.{layer}.vcd").read_text()
        assert text.count("$var wire 2") == 4  # one state per PE of the 2 x 2 fabric
        assert "b1 " in text and "b11 " in text  # every PE got busy, then done


def test_accel_reports_useful_mac_utilisation_as_docs_define_it(capsys):
    # docs/accel.md: non-zero products (both operands non-zero) per multiplier-cycle; counted here
    # from the workload's own arrays for a fully connected layer (one sample), on 2 x 2 PEs of 16
    argv = ["accel", "--arch", "dcnn", "--network", "mlp_tiny", "--weight-density", "0.5"]
    argv += ["--activation-density", "0.5", *SMALL, "--layers", "1"]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    doc = json.loads(out)
    spec = WorkloadSpec("mlp_tiny", provenance="synthetic", batch=1, seed=0)
    layer = build_workload(spec).layers[0]
    x = layer.input.reshape(-1)
    useful = int(np.count_nonzero(layer.weight, axis=0) @ (x != 0))
    assert doc["useful_macs"] == useful
    assert doc["multiplier_utilisation"] == pytest.approx(useful / (doc["cycles"] * 4 * 16))
    code, text, _ = run(capsys, *argv)
    assert f"useful-MAC utilisation {useful / (doc['cycles'] * 64):.3f}" in text


def test_set_a_topology_and_its_arguments_together(capsys) -> None:
    """`--set fabric.topology=ring --set fabric.topology_args=...`: each alone is invalid (a
    ring has no rows and cols), together they run."""
    args = ["accel", "--arch", "scnn", "--network", "lenet5", "--json"]
    ring = ["--set", "fabric.topology=ring", "--set", 'fabric.topology_args={"n": 8}']
    assert main([*args, *ring, "--set", "fabric.multicast=direct"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["check_passed"] and record["cycles"] > 0


def test_a_topology_without_its_arguments_is_told_the_defaults_are_a_mesh(capsys) -> None:
    code = main(["accel", "--arch", "scnn", "--network", "lenet5", "--set", "fabric.topology=ring"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown parameter of topology 'ring'" in err and "defaults to the 8 x 8 mesh's" in err


def test_compare_gives_each_design_the_set_keys_it_has(capsys):
    """SCNN's PPU rate set in a comparison reaches SCNN and leaves DCNN alone (DCNN has no such
    key); a shared key (the fabric) reaches both; a key neither has is refused in one line."""
    from desim.accel.design_configs import compared_configs

    mesh = 'fabric.topology_args={"rows": 2, "cols": 2}'
    configs = compared_configs(["scnn", "dcnn"], None, ["ppu_compares_per_cycle=2", mesh])
    assert configs["scnn"].ppu_compares_per_cycle == 2
    assert not hasattr(configs["dcnn"], "ppu_compares_per_cycle")
    assert configs["scnn"].fabric.topology_args == configs["dcnn"].fabric.topology_args
    assert configs["dcnn"].fabric.topology_args == {"rows": 2, "cols": 2}
    code, out, _ = run(
        capsys, "compare", "--arch", "scnn", "--baseline", "dcnn", *SYNTH, *SMALL,
        "--layers", "1", "--set", "ppu_compares_per_cycle=2", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["dcnn"]["cycles"] > 0
    code, _, err = run(
        capsys, "compare", "--arch", "scnn", "--baseline", "dcnn", *SYNTH, "--set", "nosuch=1"
    )
    assert code == 2 and "--set 'nosuch': none of scnn, dcnn has it; allowed:" in err
    assert "Traceback" not in err


def test_csv_rows_name_the_network_the_command_ran_whatever_the_document():
    """SparseNN's comparison document names no ``workload.model`` (a KeyError wrote no file):
    the rows take the design from the document and the network from the command."""
    from desim.accel.cli_output import comparison_rows, design_rows

    sparsenn = {"arch": "sparsenn", "baseline": "input-sparse", "per_layer": [{"layer": "l0"}]}
    assert comparison_rows(sparsenn, ["input-sparse"], "mlp") == [
        {"baseline": "input-sparse", "arch": "sparsenn", "network": "mlp", "layer": "l0"}
    ]
    assert design_rows(sparsenn, "mlp") == [{"arch": "sparsenn", "network": "mlp", "layer": "l0"}]
