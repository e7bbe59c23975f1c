"""``desim accel`` and ``desim compare`` tried as a new user would: every malformed input is one
line on stderr naming what was wrong and exit code 2, before any simulation; the odd inputs that
are valid give the result the plain spelling gives."""

from __future__ import annotations

import json

import pytest

from desim.cli import main

LENET = ["--network", "lenet5"]
SYNTH = [*LENET, "--weight-density", "0.5", "--activation-density", "0.5"]
SMALL = ["--set", 'fabric.topology_args={"rows": 2, "cols": 2}']
ACCEL = ["accel", "--arch", "dcnn", *SYNTH]

# a TOML file's name -> its bytes
FILES = {
    "wrong_section.toml": b"[wrong]\nx = 1\n",
    "unknown_key.toml": b"[accel]\nfoo = 1\n",
    "truncated.toml": b"[accel\n",
    "fabric_not_a_table.toml": b"[accel]\nfabric = 3\n",
    "accel_not_a_table.toml": b"accel = 3\n",
    "accel_an_array.toml": b"[[accel]]\nmultipliers = 4\n",
    "wrong_type.toml": b"[accel.fabric]\nmulticast = 5\n",
    "not_utf8.toml": b"\xff\xfe[accel]\n",
    "bad_topology_arg.toml": b"[accel.fabric]\ntopology = 'ring'\ntopology_args = {n = 4, x = 2}\n",
}


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors (a malformed number)
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "a_directory").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # unknown names
        (["accel", "--arch", "nosuch", *SYNTH], "unknown accelerator 'nosuch'; valid names:"),
        (["accel", "--arch", "dcnn", "--network", "nosuch"], "unknown model 'nosuch'; valid"),
        (["accel", "--arch", "dcnn", *SYNTH, "--dataset", "nosuch"], "unknown dataset 'nosuch'"),
        (["compare", "--baseline", "nosuch", *SYNTH], "unknown accelerator 'nosuch'"),
        (["compare", "--baseline", "scnn", *SYNTH], "--baseline scnn is the design itself"),
        (
            ["compare", "--arch", "dense", "--baseline", "sparsenn", "--network", "mlp"],
            "--baseline sparsenn brings its own comparison (accuracy, power); "
            "run desim compare --arch sparsenn --baseline dense",
        ),
        (
            [*ACCEL, "--set", 'fabric.topology_args={"rows": 92, "cols": 92}'],
            "dcnn on fabric.topology 'mesh' {'rows': 92, 'cols': 92} needs too much memory: "
            "8464 PEs (2.16 GB), in bytes: an estimated 2.16e+09",
        ),
        (["compare", "--arch", "sparsenn", "--network", "lenet5"], "allowed: mlp"),
        # --layers
        ([*ACCEL, "--layers", "0"], "--layers must be in 1..5, got 0"),
        ([*ACCEL, "--layers", "-1"], "--layers must be in 1..5, got -1"),
        ([*ACCEL, "--layers", "99999999999999999999"], "--layers must be in 1..5"),
        ([*ACCEL, "--layers", "1.5"], "argument --layers: invalid int value: '1.5'"),
        # synthetic densities
        (["accel", "--arch", "scnn", *LENET, "--weight-density", "1.5"], "--weight-density must"),
        (["accel", "--arch", "scnn", *LENET, "--weight-density", "nan"], "in [0, 1]"),
        (["accel", "--arch", "scnn", *LENET, "--weight-density=-inf"], "got -inf"),
        (["accel", "--arch", "scnn", *LENET, "--activation-density", "-0.1"], "got -0.1"),
        (["compare", *LENET, "--activation-density", "inf"], "--activation-density must be in"),
        (["accel", "--arch", "scnn", *LENET, "--weight-density", "half"], "invalid float value"),
        # --set: unknown keys, wrong types, nested keys
        ([*ACCEL, "--set", "foo=1"], "unknown key 'foo'; allowed at this level:"),
        ([*ACCEL, "--set", "fabric.foo=1"], "unknown key 'fabric.foo'"),
        ([*ACCEL, "--set", "fabric.vcs=3"], "unknown key 'fabric.vcs'"),
        ([*ACCEL, "--set", "multipliers=abc"], "'multipliers' must be an integer, got 'abc'"),
        ([*ACCEL, "--set", "multipliers=1.5"], "'multipliers' must be an integer, got 1.5"),
        ([*ACCEL, "--set", "multipliers=true"], "'multipliers' must be an integer, got True"),
        ([*ACCEL, "--set", "multipliers=-4"], "multipliers"),
        ([*ACCEL, "--set", "clock_ghz=nan"], "clock_ghz"),
        (
            [*ACCEL, "--set", "fabric=3"],
            "'fabric' must be a table of keys (deadlock_cycles, flit_width_bits, ",
        ),
        ([*ACCEL, "--set", "=3"], "--set takes KEY=VALUE, got '=3'"),
        ([*ACCEL, "--set", "multipliers.x=2"], "'multipliers' is not a table"),
        ([*ACCEL, "--set", "fabric.topology_args.rows.x=2"], "goes too deep"),
        ([*ACCEL, "--set", "fabric.router_args.nosuch=2"], "'fabric.router_args.nosuch'"),
        ([*ACCEL, "--set", 'fabric.router_args={"nosuch": 2}'], "unknown parameter of the router"),
        ([*ACCEL, "--set", "fabric.router_args.vcs=0"], "vcs"),
        ([*ACCEL, "--set", "fabric.multicast=nosuch"], "must be one of umesh, direct, tree"),
        ([*ACCEL, "--set", "fabric.memory_router=1000"], "not a router of the 64-router mesh"),
        # the accelerator's network
        (
            [*ACCEL, "--set", "fabric.topology=nosuch"],
            "'fabric.topology': unknown topology 'nosuch'",
        ),
        ([*ACCEL, "--set", "fabric.routing=nosuch"], "unknown routing 'nosuch'"),
        ([*ACCEL, "--set", "fabric.routing=os:getcwd"], "routing 'os:getcwd' does not take"),
        ([*ACCEL, "--set", "fabric.router=nosuch"], "unknown router 'nosuch'"),
        (
            [*ACCEL, "--set", "fabric.topology=ring"],
            "'fabric.topology_args.cols': unknown parameter of topology 'ring'",
        ),
        ([*ACCEL, "--set", "fabric.topology=fat_tree"], "allowed: k, levels"),
        ([*ACCEL, "--set", "fabric.topology=from_file"], "allowed: path"),
        ([*ACCEL, "--set", "fabric.topology_args.rows=0"], "rows"),
        ([*ACCEL, "--set", "fabric.topology_args.rows=100000"], "too many routers"),
        ([*ACCEL, "--set", "fabric.topology=torus"], "multicast 'tree' is not defined"),
        # --config files
        ([*ACCEL, "--config", "missing.toml"], "cannot read config missing.toml"),
        ([*ACCEL, "--config", "a_directory"], "cannot read config a_directory: Is a directory"),
        ([*ACCEL, "--config", "wrong_section.toml"], "unknown sections ['wrong']; allowed: accel"),
        ([*ACCEL, "--config", "unknown_key.toml"], "unknown key 'accel.foo'"),
        ([*ACCEL, "--config", "truncated.toml"], "is not valid TOML"),
        ([*ACCEL, "--config", "fabric_not_a_table.toml"], "'accel.fabric' must be a table"),
        (
            [*ACCEL, "--config", "accel_not_a_table.toml"],
            "'accel' must be a table of keys (activation_sram_bytes, ",
        ),
        (
            [*ACCEL, "--config", "accel_an_array.toml"],
            "'accel' must be a table of keys (activation_sram_bytes, ",
        ),
        (
            [*ACCEL, "--config", "wrong_type.toml"],
            "'accel.fabric.multicast' must be a string, got 5",
        ),
        ([*ACCEL, "--config", "not_utf8.toml"], "is not UTF-8 text"),
        ([*ACCEL, "--config", "bad_topology_arg.toml"], "'accel.fabric.topology_args.x'"),
        # outputs and seeds
        ([*ACCEL, "--json", "--csv", "/nonexistent/x.csv"], "directory '/nonexistent' does not"),
        ([*ACCEL, "--json", "--csv", "/proc/x.csv"], "--csv: cannot write in directory '/proc'"),
        ([*ACCEL, "--json", "--csv", "a_directory"], "is a directory; give a file path"),
        ([*ACCEL, "--vcd", "a_directory/"], "ends in a directory; give a file-name prefix"),
        # a synthetic workload draws its inputs: --dataset would be ignored on a fixed shape
        (
            [*ACCEL, "--dataset", "photos"],
            "--dataset photos: a synthetic workload (--weight-density, --activation-density) "
            "draws its own inputs, and lenet5's input shape is fixed (1x32x32); drop --dataset",
        ),
        (
            ["compare", "--network", "alexnet", "--weight-density", "0.5", "--dataset", "mnist"],
            "alexnet's input shape is fixed (3x227x227)",
        ),
        # empty paths: named as empty, before the run (an empty --vcd crashed after it)
        ([*ACCEL, "--vcd", ""], "--vcd is empty; give a file-name prefix"),
        ([*ACCEL, "--json", "--csv", ""], "--csv is empty; give a file path"),
        (["compare", *SYNTH, "--plot", ""], "--plot is empty; give a file path"),
        ([*ACCEL, "--config", ""], "--config is empty; give a TOML file with an [accel] section"),
        (["compare", *SYNTH, "--config", ""], "--config is empty; give a TOML file"),
        (["compare", *SYNTH, "--plot", "/proc/x.png"], "--plot: cannot write in directory"),
        (["compare", *SYNTH, "--plot", "bars.txt"], "format is its file's suffix; allowed: ."),
        (["compare", *SYNTH, "--plot", "bars"], "format is its file's suffix; allowed: ."),
        (["compare", *SYNTH, "--plot", "bars.png.tmp"], "--plot 'bars.png.tmp'"),
        (
            ["compare", *SYNTH, "--plot", "out.png", "--csv", "./out.png"],
            "--csv and --plot name the same file 'out.png'",
        ),
        ([*ACCEL, "--seed", "4294967296"], "--seed must be in 0..4294967295, got 4294967296"),
        ([*ACCEL, "--seed", "-1"], "--seed must be in 0..4294967295, got -1"),
        ([*ACCEL, "--seed", "1e3"], "argument --seed: invalid int value: '1e3'"),
        # an empty --baseline is not "no baseline": it names no design
        (["compare", "--arch", "scnn", *SYNTH, "--baseline", ""], "unknown accelerator ''"),
        (
            ["compare", "--arch", "sparsenn", "--network", "mlp", "--baseline", ""],
            "--baseline '' unknown; valid: input-sparse, dense",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, files, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_table_entry_set_alone_equals_the_whole_table(capsys):
    """``--set fabric.topology_args.rows=2`` changes that entry only: the run equals the one
    given the whole table (rows 2, the default 8 columns)."""
    base = ["accel", "--arch", "dcnn", *SYNTH, "--layers", "1", "--json"]
    whole = run(capsys, *base, "--set", 'fabric.topology_args={"rows": 2, "cols": 8}')
    entry = run(capsys, *base, "--set", "fabric.topology_args.rows=2")
    assert whole[0] == entry[0] == 0
    assert json.loads(entry[1]) == json.loads(whole[1])
    assert json.loads(entry[1])["per_layer"][0]["cycles"] > 0


def test_a_byte_order_mark_in_a_toml_file_is_ignored(capsys, tmp_path):
    text = "[accel]\nmultipliers = 9\n[accel.fabric]\ntopology_args = {rows = 2, cols = 2}\n"
    (tmp_path / "plain.toml").write_text(text, encoding="utf-8")
    (tmp_path / "bom.toml").write_text(text, encoding="utf-8-sig")
    base = ["accel", "--arch", "dcnn", *SYNTH, "--layers", "1", "--json", "--config"]
    plain = run(capsys, *base, str(tmp_path / "plain.toml"))
    bom = run(capsys, *base, str(tmp_path / "bom.toml"))
    assert plain[0] == bom[0] == 0 and json.loads(plain[1]) == json.loads(bom[1])


@pytest.mark.parametrize("density", [("--weight-density", "0"), ("--activation-density", "0")])
def test_a_zero_density_runs_and_matches_torch(capsys, density):
    """Density 0 (all zeros) is a valid synthetic workload: every output equals torch's, and no
    multiplier does useful work."""
    argv = ["accel", "--arch", "scnn", *LENET, *SMALL, "--layers", "1", "--json", *density]
    code, out, _ = run(capsys, *argv)
    doc = json.loads(out)
    assert code == 0 and doc["check_passed"]
    assert doc["multiplier_utilisation"] == 0


@pytest.mark.parametrize(("arch", "baseline"), [("dcnn", "scnn"), ("scnn-sparsew", "dcnn-opt")])
def test_any_design_against_any_baseline_reports_that_pair_only(capsys, arch, baseline):
    # DCNN as the design is not a baseline: no "over DCNN" figure for the other design (it
    # printed "scnn vs dcnn: energy ratio" beside "dcnn vs scnn")
    argv = ["compare", "--arch", arch, "--baseline", baseline, *SYNTH, "--layers", "1", *SMALL]
    code, out, _ = run(capsys, *argv, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["baseline"] == baseline and "dcnn_energy_ratio" not in doc[baseline]
    assert doc["speedup"] == pytest.approx(doc[baseline]["cycles"] / doc["cycles"])
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.splitlines()[0].startswith(f"{arch} vs {baseline}: speedup")
    summary = [line for line in out.splitlines() if not line.startswith("  ")]
    assert sum(" vs " in line for line in summary) == 1


@pytest.mark.parametrize("command", ["accel", "compare"])
def test_help_says_what_the_density_not_given_is(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(0.5 when only --activation-density is given)" in text
    assert "(0.5 when only --weight-density is given)" in text


def test_a_synthetic_mlp_takes_its_input_shape_from_the_dataset(capsys):
    argv = ["accel", "--arch", "dcnn", "--network", "mlp", "--weight-density", "0.5"]
    code, out, _ = run(capsys, *argv, "--dataset", "mnist", "--layers", "1", "--json", *SMALL)
    assert code == 0
    document = json.loads(out)
    assert document["workload.dataset"] == "mnist"


def test_a_sweep_of_a_synthetic_workload_refuses_a_dataset_it_would_ignore(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nkind = "accel"\nseeds = [0]\n[accel]\narch = "dcnn"\nnetwork = "lenet5"\n'
        'weight_density = 0.5\ndataset = "photos"\n'
    )
    code, out, err = run(capsys, "sweep", str(spec), "--out", str(tmp_path / "out"))
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "--dataset photos: a synthetic workload" in err
