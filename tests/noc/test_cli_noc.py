"""``desim noc``: the acceptance command, JSON shapes, tables, topology files, and every bad input
as one line on stderr with exit status 2 (never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import topologies
from desim.cli import main

ACCEPTANCE = (
    "noc --topology mesh --rows 8 --cols 8 --routing xy --traffic uniform "
    "--injection-rate 0.1 --packet-size 1 --vcs 4 --vc-buffer 8 --router booksim "
    "--seed 1 --json"
).split()
QUICK = ["--sample-period", "200", "--warmup-periods", "1", "--max-samples", "5"]
SMALL = ["noc", "--rows", "4", "--cols", "4", *QUICK]
REQUIRED = {
    "topology",
    "routing",
    "traffic",
    "offered_rate",
    "accepted_rate",
    "avg_packet_latency",
    "avg_network_latency",
    "p99_packet_latency",
    "avg_hops",
    "saturated",
    "cycles",
    "flits_delivered",
    "wall_seconds",
    "flit_hops_per_second",
}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """``desim`` in process: (exit status, stdout, stderr); argparse's own exits included."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_acceptance_command_as_a_subprocess() -> None:
    desim = Path(sys.executable).with_name("desim")
    command = [str(desim)] if desim.exists() else [sys.executable, "-m", "desim.cli"]
    done = subprocess.run(
        command + ACCEPTANCE,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert REQUIRED <= set(record)
    assert (record["topology"], record["routing"], record["traffic"]) == ("mesh", "xy", "uniform")
    assert record["offered_rate"] == 0.1 and not record["saturated"]
    assert record["avg_packet_latency"] == pytest.approx(27.208, rel=0.05)  # BookSim's value
    assert record["avg_hops"] == pytest.approx(6.25, rel=0.03)


def _hops_oracle(graph) -> tuple[float, float]:
    """Mean and standard deviation of routers crossed (shortest path + 1) over uniform traffic
    between the terminals of ``graph`` (the source itself included)."""
    import networkx as nx
    import numpy as np

    terminals = dict(graph.nodes(data="terminals", default=0))
    hops, weights = [], []
    for source, row in nx.all_pairs_shortest_path_length(graph):
        for dest, distance in row.items():
            hops.append(distance + 1)
            weights.append(terminals[source] * terminals[dest])
    mean = float(np.average(hops, weights=weights))
    return mean, float(np.average((np.array(hops) - mean) ** 2, weights=weights) ** 0.5)


def _check_uniform_record(record: dict, graph, rate: float, nodes: int) -> None:
    """A stable run's hops and accepted rate within 4 standard errors of their expectations."""
    mean, std = _hops_oracle(graph)
    error = std / record["packets_measured"] ** 0.5
    assert record["avg_hops"] == pytest.approx(mean, abs=4 * error)
    measured_cycles = record["sample_periods"] * 200
    noise = (rate / (nodes * measured_cycles)) ** 0.5
    assert record["accepted_rate"] == pytest.approx(rate, abs=4 * noise)
    assert not record["saturated"]


def test_single_run_json_on_a_small_mesh(capsys) -> None:
    status, out, err = run([*SMALL, "--injection-rate", "0.2", "--json"], capsys)
    assert status == 0, err
    record = json.loads(out)
    assert REQUIRED <= set(record) and record["offered_rate"] == 0.2
    # XY on a 4x4 mesh: (k^2 - 1) / 3k = 1.25 hops per dimension, plus the first router
    assert _hops_oracle(topologies.mesh(4, 4))[0] == pytest.approx(3.5)
    _check_uniform_record(record, topologies.mesh(4, 4), 0.2, 16)


def test_single_run_table(capsys) -> None:
    status, out, err = run([*SMALL, "--injection-rate", "0.1"], capsys)
    assert status == 0, err
    lines = out.splitlines()
    assert "mesh" in lines[0] and "offered" in lines[1] and "stable" in lines[2]
    assert "flits delivered" in lines[3]


def test_saturating_sweep_table(capsys) -> None:
    argv = [
        "noc",
        *QUICK,
        "--rows",
        "2",
        "--cols",
        "2",
        "--sweep-rates",
        "0.3,1.0",
        "--topology-arg",
        "terminals=2",
        "--tolerance",
        "0.2",
    ]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    assert "saturated" in out and "saturation throughput" in out.splitlines()[-1]
    offered = [float(line.split()[0]) for line in out.splitlines()[2:-1]]
    assert len(offered) > 2 and offered == sorted(offered)  # bisection runs in the curve's order


@pytest.mark.parametrize("kind", ["edge_list", "graphml"])
def test_topology_file_with_default_table_routing(tmp_path, capsys, kind: str) -> None:
    # trees, so that table routing's paths are the unique (shortest) ones the oracle counts
    if kind == "edge_list":
        path = tmp_path / "net.txt"
        path.write_text("# a chain with a branch\na b\nb c 2\nc d\nb e\n")
        graph = topologies.from_file(path)
    else:
        path = tmp_path / "net.graphml"
        graph = topologies.star(3)
        topologies.write_graphml(graph, path)
    status, out, err = run(
        ["noc", "--topology-file", str(path), *QUICK, "--json", "--injection-rate", "0.2"], capsys
    )
    assert status == 0, err
    record = json.loads(out)
    assert record["routing"] == "table"
    terminals = sum(t for _, t in graph.nodes(data="terminals", default=0))
    _check_uniform_record(record, graph, 0.2, terminals)


def test_arguments_reach_the_config(capsys) -> None:
    argv = [
        *SMALL,
        "--routing",
        "odd_even",
        "--traffic",
        "hotspot",
        "--traffic-arg",
        "spots=[0, 5]",
        "--injection",
        "bursty",
        "--injection-arg",
        "alpha=0.4",
        "--router-arg",
        "credit_delay_cycles=1",
        "--vc-buffer",
        "4",
        "--packet-size",
        "[[1, 3], [4, 1]]",
        "--injection-rate",
        "0.1",
        "--seed",
        "7",
        "--json",
    ]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    record = json.loads(out)
    # the oracle: the same experiment written by hand through the API, result for result
    from desim.noc import NocConfig, simulate

    expected = simulate(
        NocConfig(
            topology_args={"rows": 4, "cols": 4},
            routing="odd_even",
            traffic="hotspot",
            traffic_args={"spots": [0, 5]},
            injection="bursty",
            injection_args={"alpha": 0.4},
            router_args={"credit_delay_cycles": 1, "vc_buffer_flits": 4},
            packet_size=[[1, 3], [4, 1]],
            injection_rate=0.1,
            seed=7,
            sample_period_cycles=200,
            warmup_periods=1,
            max_samples=5,
        )
    ).to_record()
    volatile = {"wall_seconds", "flit_hops_per_second", "cycles_per_second"}
    assert {k: v for k, v in record.items() if k not in volatile} == {
        k: (None if isinstance(v, float) and v != v else v)
        for k, v in expected.items()
        if k not in volatile
    }


BAD_INPUTS = {
    "unknown topology": ["--topology", "hypercube"],
    "unknown routing": ["--routing", "zigzag"],
    "unknown traffic": ["--traffic", "everywhere"],
    "unknown injection": ["--injection", "poisson"],
    "unknown router preset": ["--router", "gem5"],
    "policy on an unsupported topology": [
        "--topology",
        "ring",
        "--topology-arg",
        "n=4",
        "--routing",
        "west_first",
    ],
    "dimension order on a tree": ["--topology", "star", "--topology-arg", "n=3", "--routing", "xy"],
    "too few VCs for the policy": ["--routing", "min_adaptive", "--vcs", "1"],
    "rate above 1": ["--injection-rate", "1.5"],
    "negative rate": ["--injection-rate", "-0.1"],
    "rate not a number": ["--injection-rate", "fast"],
    "sweep rates with two fields": ["--sweep-rates", "0.1:0.5"],
    "sweep rates not numbers": ["--sweep-rates", "a:b:c"],
    "sweep rates zero step": ["--sweep-rates", "0.1:0.5:0"],
    "sweep rates empty range": ["--sweep-rates", "0.5:0.1:0.1"],
    "sweep rates above 1": ["--sweep-rates", "0.5:1.5:0.5"],
    "sweep and single rate": ["--sweep-rates", "0.1,0.2", "--injection-rate", "0.1"],
    "sweep tolerance zero": ["--sweep-rates", "0.1,0.2", "--tolerance", "0"],
    "assignment without =": ["--topology-arg", "rows"],
    "assignment without a name": ["--router-arg", "=3"],
    "unknown router parameter": ["--router-arg", "pipeline_depth=3"],
    "bad router parameter value": ["--router-arg", "credit_delay_cycles=-1"],
    "zero VCs": ["--vcs", "0"],
    "unknown topology parameter": ["--topology-arg", "layers=2"],
    "grid shorthand on a ring": ["--topology", "ring", "--topology-arg", "n=4", "--rows", "4"],
    "bad grid size": ["--rows", "0"],
    "unknown traffic parameter": ["--traffic-arg", "spread=2"],
    "unreachable bursty rate": [
        "--injection",
        "bursty",
        "--injection-arg",
        "alpha=0.1",
        "--injection-rate",
        "0.9",
    ],
    "bad packet size": ["--packet-size", "0"],
    "packet size not a number": ["--packet-size", "big"],
    "negative seed": ["--seed", "-1"],
    "zero sample period": ["--sample-period", "0"],
    "topology file and topology": ["--topology-file", "x.txt", "--topology", "mesh"],
    "traffic arg naming the node count": ["--traffic-arg", "nodes=5"],
    "traffic arg naming the grid": ["--traffic-arg", "dims=[2,8]"],
    "injection arg naming the rate": ["--injection-arg", "rate=0.9"],
    "tail credit not a bool (word)": ["--router-arg", "wait_for_tail_credit=maybe"],
    "tail credit not a bool (2)": ["--router-arg", "wait_for_tail_credit=2"],
    "tail credit not a bool (1)": ["--router-arg", "wait_for_tail_credit=1"],
    "routing that is not a policy": ["--routing", "os:getcwd"],
    "arbiter that is not a policy": ["--router-arg", "arbiter=os:getcwd"],
    "one sample period": ["--max-samples", "1"],
    "packet longer than a sample period": ["--packet-size", "1000000"],
    "detail without json": ["--detail"],
    "progress without a sweep": ["--progress"],
    "vcs given twice": ["--vcs", "2", "--router-arg", "vcs=8"],
    "mesh beyond the size limit": ["--rows", "100000", "--cols", "100000"],
    "vcs beyond the size limit": ["--vcs", "100000"],
    "fat tree beyond the size limit": [
        "--topology",
        "fat_tree",
        "--topology-arg",
        "k=64",
        "--topology-arg",
        "levels=6",
    ],
    "sweep grid beyond the size limit": ["--sweep-rates", "0:1:1e-9"],
    "float rate in an integer field": ["--router-arg", "vcs=2.5"],
    "tolerance without a sweep": ["--tolerance", "0.01"],
    "no-refine without a sweep": ["--no-refine"],
    "tolerance with no-refine": ["--sweep-rates", "0.1", "--no-refine", "--tolerance", "0.1"],
    "tolerance finer than a rate can be measured": ["--sweep-rates", "0.1", "--tolerance", "1e-30"],
    "run beyond the length limit": ["--sample-period", "10000000"],
    "sweep beyond the length limit": ["--sample-period", "100000", "--sweep-rates", "0:0.5:0.01"],
    "grid size given twice": ["--topology-arg", "rows=3"],
    "word as a grid size": [
        "--topology",
        "mesh",
        "--topology-arg",
        "rows=abc",
        "--topology-arg",
        "cols=4",
    ],
    "word as terminals": ["--topology-arg", "terminals=abc"],
    "word as a ring size": ["--topology", "ring", "--topology-arg", "n=abc"],
    "word as a concentration": [
        "--topology",
        "cmesh",
        "--topology-arg",
        "rows=2",
        "--topology-arg",
        "cols=2",
        "--topology-arg",
        "concentration=abc",
    ],
    "builder returning no graph": ["--topology", "os:getcwd"],
    "import path without a module": ["--routing", ":xy"],
    "import path without a name": ["--routing", "desim:"],
    "relative import path": ["--routing", ".routing:xy"],
    "infinite packet size weight": ["--packet-size", "[[1, 1e400]]"],
    "tolerance wider than any rate": ["--sweep-rates", "0.1", "--tolerance", "5"],
}


def _base(extra: list[str]) -> list[str]:
    """``noc``, `QUICK` and a 4 x 4 mesh, but for the options ``extra`` gives itself (a
    single-value option is given once)."""
    grid = [] if {"--topology", "--topology-file"} & set(extra) else ["--rows", "4", "--cols", "4"]
    base = [*QUICK, *grid]
    pairs = [base[i : i + 2] for i in range(0, len(base), 2)]
    return ["noc", *(item for pair in pairs if pair[0] not in extra for item in pair)]


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(capsys, case: str) -> None:
    extra = BAD_INPUTS[case]
    status, out, err = run([*_base(extra), *extra], capsys)
    assert status == 2, (case, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("desim"), err


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ("mesh beyond the size limit", "DESIM_NO_SIZE_LIMIT=1"),
        ("sweep grid beyond the size limit", "1e+09"),
        # 0.1 flits/cycle x 16 terminals x 6e7 cycles x 3.5 routers crossed (4 x 4 mesh, uniform)
        ("run beyond the length limit", "3.36e+08 flit-hops"),
        ("sweep beyond the length limit", "51 rates and up to 7 bisection runs"),
        ("tolerance without a sweep", "add --sweep-rates"),
        ("traffic arg naming the node count", "allowed: (none)"),
        ("vcs given twice", "--vcs and --router-arg vcs"),
        ("routing that is not a policy", "'os:getcwd'"),
        (
            "tail credit not a bool (1)",
            "'router_args.wait_for_tail_credit' must be true or false, got 1",
        ),
        ("grid size given twice", "--rows and --topology-arg rows"),
        ("word as a grid size", "'rows' must be an int >= 1, got 'abc'"),
        ("word as terminals", "'terminals' must be an int >= 1, got 'abc'"),
        ("word as a ring size", "'n' must be an int >= 1, got 'abc'"),
        ("builder returning no graph", "returned a str, not a networkx graph"),
        ("import path without a module", "'package.module:function'"),
    ],
)
def test_bad_input_message_names_the_value_and_the_remedy(capsys, case: str, named: str) -> None:
    status, _, err = run([*_base(BAD_INPUTS[case]), *BAD_INPUTS[case]], capsys)
    assert status == 2 and named in err, err


def test_no_arguments_is_booksims_8x8_mesh() -> None:
    from desim.cli import build_parser
    from desim.noc.cli import config_from_args

    args = build_parser().parse_args(["noc"])
    config = config_from_args(args, args.injection_rate)
    assert (config.topology, config.topology_args) == ("mesh", {"rows": 8, "cols": 8})
    assert (config.routing, config.router, config.injection_rate) == ("xy", "booksim", 0.1)
    torus = build_parser().parse_args(["noc", "--topology", "torus", "--cols", "4"])
    assert config_from_args(torus).topology_args == {"rows": 8, "cols": 4}


def test_help_shows_every_default(capsys) -> None:
    status, out, _ = run(["noc", "--help"], capsys)
    assert status == 0 and "``" not in out
    out = " ".join(out.split())  # argparse wraps lines
    for default in (
        "default: mesh",
        "default: 8",
        "default: uniform",
        "default: bernoulli",
        "default: 0.1",
        "default: 1)",
        "default: booksim",
        "default: 1000",
        "default: 3",
        "default: 10",
        "default: 0.005",
    ):
        assert default in out, default


FILES = {
    "missing file": None,
    "malformed graphml": "<graphml><graph><node id='a'/></graph",
    "malformed edge list": "a b c d e\n",
    "disconnected graph": "a b\nc d\n",
    "bad latency": "a b -3\n",
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_bad_topology_file_is_one_line_and_exit_2(tmp_path, capsys, case: str) -> None:
    path = tmp_path / "net.txt"
    if FILES[case] is not None:
        path.write_text(FILES[case])
    status, out, err = run(["noc", "--topology-file", str(path), *QUICK], capsys)
    assert status == 2, (case, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert str(path.name) in err


def test_topology_file_rejects_grid_shorthands(tmp_path, capsys) -> None:
    path = tmp_path / "net.txt"
    path.write_text("a b\n")
    status, _, err = run(["noc", "--topology-file", str(path), "--rows", "2"], capsys)
    assert status == 2 and "--topology-file" in err
