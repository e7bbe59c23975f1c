"""``desim accel --set KEY=VALUE`` and ``desim compare --set``: a value a design's config refuses
is refused in one line that names the key as the user typed it (never a name of an internal
part, such as SCNN's PE array's ``banks`` for ``accumulator_banks``), before any workload is
built or any part of the design is made."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest

import desim.accel.cli as accel_cli
from desim.accel.dcnn import DcnnConfig
from desim.accel.scnn import ScnnConfig
from desim.accel.sparsenn_config import SparseNNConfig
from desim.cli import main

SYNTH = ["--network", "lenet5", "--weight-density", "0.5", "--activation-density", "0.5"]
#: a design of each config, with a network it runs
DESIGNS = {
    "scnn": (ScnnConfig, SYNTH),
    "dcnn": (DcnnConfig, SYNTH),
    "sparsenn": (SparseNNConfig, ["--network", "mlp"]),
}


def numeric_keys(cls: type, prefix: str = "") -> list[str]:
    """Every key of config ``cls`` (its fabric's included) that takes a number, spelt as
    ``--set`` spells it (``fabric.flit_width_bits``)."""
    hints = typing.get_type_hints(cls)
    keys = []
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if dataclasses.is_dataclass(kind):
            keys += numeric_keys(kind, f"{prefix}{field.name}.")
        elif kind in (int, float, int | None):
            keys.append(f"{prefix}{field.name}")
    return keys


CASES = [(arch, key) for arch, (cls, _) in DESIGNS.items() for key in numeric_keys(cls)]


@pytest.fixture
def nothing_built(monkeypatch):
    """Building a workload fails the test: a refusal must come before it."""

    def built(*_: object) -> None:
        raise AssertionError("the workload was built before the config was refused")

    monkeypatch.setattr(accel_cli, "design_layers", built)
    monkeypatch.setattr(accel_cli, "build_layers", built)


def refusal(capsys, *argv: str) -> str:
    """The one line ``desim`` printed on stderr, refusing ``argv`` with exit status 2."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (2, "") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("arch", "key"), CASES, ids=[f"{a}-{k}" for a, k in CASES])
def test_a_negative_number_is_refused_naming_the_key_as_typed(capsys, nothing_built, arch, key):
    err = refusal(capsys, "accel", "--arch", arch, *DESIGNS[arch][1], "--set", f"{key}=-1")
    assert err.startswith(f"desim: error: '{key}'"), err


@pytest.mark.parametrize(
    ("arch", "assignment", "message"),
    [
        # the trial's: SCNN's PE array calls these f, i, banks and queue_depth
        ("scnn", "accumulator_banks=0", "'accumulator_banks' must be an integer >= 1, got 0"),
        ("scnn", "multipliers_f=0", "'multipliers_f' must be an integer >= 1, got 0"),
        ("scnn", "multipliers_i=0", "'multipliers_i' must be an integer >= 1, got 0"),
        ("scnn", "bank_queue_depth=-1", "'bank_queue_depth' must be an integer >= 0, got -1"),
        ("scnn", "accumulator_banks=16", "'bank_hash': 'xor' is defined for 32 accumulator"),
        ("scnn", "ppu_adds_per_cycle=-1", "'ppu_adds_per_cycle' must be an integer >= 0"),
        ("scnn", "bank_hash=crc", "'bank_hash' must be one of xor, linear, got 'crc'"),
        ("dcnn", "clock_ghz=0", "'clock_ghz' must be a finite number > 0, got 0.0"),
        ("dcnn", "dataflow=systolic", "'dataflow' must be one of nfu, dot, got 'systolic'"),
        ("dcnn", "multipliers=8", "'multipliers' must be a square (4, 9, 16, ...)"),
        ("dcnn", "weight_zero_flags=true", "'weight_zero_flags' must be false for dcnn"),
        # SparseNN's family: no "sparsenn." in front of a key of dense's
        ("dense", "predictor=true", "'predictor': needs skip_zero_inputs=true"),
        ("input-sparse", "samples=0", "'samples' must be an integer >= 1, got 0"),
        # the network: the key under fabric, and a router's parameter under router_args
        ("dcnn", "fabric.multicast=flood", "'fabric.multicast' must be one of umesh, direct,"),
        ("dcnn", "fabric.header_bits=512", "'fabric.header_bits' must be in 0..511"),
        ("dcnn", "fabric.router_args.vcs=0", "'fabric.router_args.vcs' must be an integer >= 1"),
        ("dcnn", "fabric.router_args.vcs=1.5", "'fabric.router_args.vcs' must be an integer,"),
        ("dcnn", "fabric.router_args.flit_width_bits=8", "'fabric.router_args.flit_width_bits'"),
        ("dcnn", "fabric.router_args=3", "'fabric.router_args' must be a table, got 3"),
        ("dcnn", "fabric.topology_args=3", "'fabric.topology_args' must be a table, got 3"),
        ("dcnn", "fabric.max_packet_flits=9", "'fabric.max_packet_flits' must be at most the"),
    ],
)
def test_a_refused_value_names_the_key_and_what_is_allowed(
    capsys, nothing_built, arch, assignment, message
):
    network = DESIGNS.get(arch, DESIGNS["sparsenn"])[1]
    err = refusal(capsys, "accel", "--arch", arch, *network, "--set", assignment)
    assert message in err


def test_a_key_in_a_config_file_is_named_with_its_table(capsys, nothing_built, tmp_path):
    path = tmp_path / "scnn.toml"
    for text, message in (
        ("[accel]\naccumulator_banks = 0\n", "'accel.accumulator_banks' must be an integer >="),
        ("[accel.fabric]\nflit_width_bits = 0\n", "'accel.fabric.flit_width_bits' must be an"),
    ):
        path.write_text(text)
        assert message in refusal(capsys, "accel", "--arch", "scnn", *SYNTH, "--config", str(path))
    path.write_text("[accel.fabric]\nrouter_args = {vcs = 0}\n")
    err = refusal(capsys, "accel", "--arch", "scnn", *SYNTH, "--config", str(path))
    assert "'accel.fabric.router_args.vcs' must be an integer >= 1, got 0" in err


@pytest.mark.parametrize(
    ("command", "arch", "assignment", "message"),
    [
        # refused once the DRAM was built, after the workload (about 6 s on AlexNet)
        (
            "accel",
            "scnn",
            "dram_bandwidth_bytes_per_cycle=0",
            "'dram_bandwidth_bytes_per_cycle' must be a finite number > 0, got 0.0",
        ),
        (
            "compare",
            "scnn",
            "dram_bandwidth_bytes_per_cycle=0",
            "'dram_bandwidth_bytes_per_cycle' must be a finite number > 0, got 0.0",
        ),
        ("accel", "dcnn", "dram_latency_cycles=-1", "'dram_latency_cycles' must be an integer >="),
        # refused once the network was built
        (
            "accel",
            "dcnn",
            "fabric.memory_router=64",
            "'fabric.memory_router': 64 is not a router of the 64-router mesh; allowed: 0..63",
        ),
        # refused once the network was built: a routing policy or a multicast the topology
        # does not support
        (
            "accel",
            "dcnn",
            "fabric.topology=torus",
            "'fabric.multicast': multicast 'tree' is not defined for routing 'xy' on topology "
            "'torus'",
        ),
        (
            "compare",
            "scnn",
            ("fabric.topology=star", 'fabric.topology_args={"n": 4}'),
            "'fabric.routing': routing 'xy' does not support topology 'star'; it supports: mesh",
        ),
        # refused once a layer's weight rounds were planned
        (
            "accel",
            "dcnn",
            "weight_buffer_bytes=16",
            "'weight_buffer_bytes' must hold, in each half, one cycle's 16 16-bit weights "
            "(64 bytes or more), got 16",
        ),
    ],
)
def test_a_value_refused_only_by_a_built_part_is_refused_by_the_config(
    capsys, nothing_built, command, arch, assignment, message
):
    assignments = (assignment,) if isinstance(assignment, str) else assignment
    sets = [item for pair in assignments for item in ("--set", pair)]
    err = refusal(capsys, command, "--arch", arch, *SYNTH, *sets)
    assert message in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["a"]', "'predicted_layers' must be a list of integers or left out, got ['a']"),
        ("3", "'predicted_layers' must be a list of integers or left out, got 3"),
        ("[]", "'predicted_layers' must be a non-empty list of distinct integers >= 0"),
        ("[0, 0]", "'predicted_layers' must be a non-empty list of distinct integers >= 0"),
    ],
)
def test_a_list_key_says_the_type_of_its_elements(capsys, nothing_built, value, message):
    err = refusal(
        capsys,
        "accel",
        "--arch",
        "sparsenn",
        "--network",
        "mlp",
        "--set",
        f"predicted_layers={value}",
    )
    assert message in err


def test_compare_config_file_gives_each_design_the_keys_it_has(tmp_path):
    """``--config`` follows ``--set``'s rule in ``desim compare``: each design takes the keys
    of the file's ``[accel]`` table it has; a key none has is refused naming them all."""
    path = tmp_path / "c.toml"
    path.write_text("[accel]\nppu_compares_per_cycle = 2\nmultipliers = 4\n")
    names = ["scnn", "dcnn"]
    by_file = accel_cli.compared_configs(names, str(path), [])
    by_set = accel_cli.compared_configs(names, None, ["ppu_compares_per_cycle=2", "multipliers=4"])
    assert by_file == by_set
    assert by_file["scnn"].ppu_compares_per_cycle == 2 and by_file["dcnn"].multipliers == 4


def test_compare_config_file_key_none_has_is_refused_naming_the_designs(
    capsys, nothing_built, tmp_path
):
    path = tmp_path / "c.toml"
    path.write_text("[accel]\nnosuch = 2\n")
    err = refusal(capsys, "compare", "--baseline", "dcnn", *SYNTH, "--config", str(path))
    assert f"{path}: [accel] 'nosuch': none of scnn, dcnn has it; allowed: " in err
    assert "multipliers, multipliers_f" in err  # DCNN's key and SCNN's
    path.write_text("accel = 3\n")
    err = refusal(capsys, "compare", "--baseline", "dcnn", *SYNTH, "--config", str(path))
    assert "'accel' must be a table of the keys of scnn, dcnn, got 3" in err


def test_compare_names_the_design_that_refuses_a_key(capsys, nothing_built):
    err = refusal(capsys, "compare", *SYNTH, "--set", "multipliers=8")
    assert err.startswith("desim: error: 'multipliers' must be a square")
    assert "(dcnn refuses it, of the compared scnn, dcnn, dcnn-opt, scnn-sparsea, " in err


def test_compare_gives_dcnn_opts_fields_to_dcnn_opt_only(capsys):
    """DCNN refuses DCNN-opt's fields: in a comparison they go to DCNN-opt alone."""
    small = ["--layers", "1", "--set", 'fabric.topology_args={"rows": 2, "cols": 2}']
    flags = ["--set", "activation_zero_flags=true", "--json"]
    assert main(["compare", "--arch", "scnn", *SYNTH, *small, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["compare", "--arch", "scnn", *SYNTH, *small, *flags]) == 0
    flagged = json.loads(capsys.readouterr().out)
    assert flagged["dcnn"] == plain["dcnn"]  # DCNN untouched
    assert flagged["dcnn-opt"]["energy_pj"] != plain["dcnn-opt"]["energy_pj"]
