"""Sweep specs: grid expansion, canonical hashes, and malformed specs failing before any run."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from desim.cli import main
from desim.kernel.errors import ConfigError
from desim.sweep import config_hash, load_spec, spec_from_mapping
from desim.sweep.noc_kinds import resolve_noc


def _spec(**tables: Any) -> dict[str, Any]:
    return {"sweep": {"kind": "noc"}, "noc": {"sample_period_cycles": 100}, **tables}


def test_grid_is_cartesian_and_zip_is_zipped(tiny_spec: Path) -> None:
    spec = load_spec(tiny_spec)
    assert spec.keys == [
        "noc.routing",
        "noc.injection_rate",
        "noc.topology_args.rows",
        "noc.topology_args.cols",
    ]
    combos = {tuple(p.values.values()) for p in spec.points}
    assert len(spec.points) == 2 * 2 * 2 * 2 and len(combos) == 8
    assert all(v[2] == v[3] for v in combos)  # rows and cols zipped
    assert {p.seed for p in spec.points} == {1, 2}


def test_kind_and_seeds_default_to_noc_and_seed_1() -> None:
    # docs/sweeps.md's spec comments: kind noc, seeds [1] when [sweep] leaves them out
    spec = spec_from_mapping({"sweep": {}, "noc": {"sample_period_cycles": 100}})
    assert (spec.kind, spec.seeds, len(spec.points)) == ("noc", (1,), 1)


@pytest.mark.parametrize(
    "other",
    [
        {"router_args": {"vcs": 4}},  # the preset's own value
        {"router": "booksim", "topology_args": {"rows": 8, "cols": 8, "terminals": 1}},
        {"traffic_args": {}, "injection": "bernoulli"},
    ],
)
def test_equivalent_configs_hash_the_same(other: dict[str, Any]) -> None:
    assert config_hash("noc", resolve_noc({"noc": {}})) == config_hash(
        "noc", resolve_noc({"noc": other})
    )


def test_different_runs_hash_differently() -> None:
    base = config_hash("noc", resolve_noc({"noc": {}}))
    assert base != config_hash("noc", resolve_noc({"noc": {"router_args": {"vcs": 2}}}))
    assert base != config_hash("latency_load", resolve_noc({"noc": {}}))


MALFORMED = [
    ({"grid": {"noc": {"routng": ["xy"]}}}, "noc.routng"),
    ({"grid": {"noc": {"topology_args": {"rowz": [2]}}}}, "noc.topology_args.rowz"),
    ({"grid": {"noc": {"router_args": {"vc": [2]}}}}, "noc.router_args.vc"),
    ({"grid": {"noc": {"injection_rate": ["high"]}}}, "noc.injection_rate"),
    ({"grid": {"noc": {"injection_rate": 0.1}}}, "grid.noc.injection_rate"),
    ({"grid": {"noc": {"routing": []}}}, "grid.noc.routing"),
    ({"grid": {}}, "'grid'"),
    ({"grid": {"accel": {"pes": [4]}}}, "accel.pes"),
    ({"grid": {"noc": {"routing": {"x": ["xy"]}}}}, "noc.routing"),
    ({"grid": {"noc": {"routing": ["xyz"]}}}, "noc.routing"),
    ({"grid": {"noc": {"seed": [1, 2]}}}, "noc.seed"),
    ({"zip": {"noc": {"topology_args": {"rows": [2, 4], "cols": [2]}}}}, "noc.topology_args"),
    ({"sweep": {"kind": "noc", "seeds": [1.5]}}, "sweep.seeds"),
    ({"sweep": {"kind": "noc", "seeds": [3, 1, 3]}}, "'sweep.seeds' lists seed 3 more than once"),
    ({"sweep": {"kind": "noc", "seeds": []}}, "'sweep.seeds' must be a non-empty list"),
    ({"sweep": {"kind": "noc", "seeds": [True]}}, "'sweep.seeds[0]' must be an integer"),
    ({"sweep": {"kind": "noc", "seeds": "1"}}, "'sweep.seeds' must be a list"),
    ({"sweep": {"kind": "nope"}}, "sweep.kind"),
    ({"sweep": {"kind": "noc", "sedes": [1]}}, "sweep.sedes"),
    ({"noc": {"topolgy": "mesh"}}, "noc.topolgy"),
    ({"latency_load": {"rates": "0.1:0.2:0.1"}}, "latency_load"),
]


@pytest.mark.parametrize(("tables", "key"), MALFORMED)
def test_malformed_spec_names_the_key(tables: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        spec_from_mapping(_spec(**tables))
    assert key in str(error.value)


LATENCY_LOAD_MALFORMED = [
    ({"noc": {"injection_rate": 0.3}}, "'noc.injection_rate' is not used"),
    ({"latency_load": {"tolerance": 1e-12}}, r"tolerance must be in \[1e-06, 1\]"),
    (
        {"latency_load": {"tolerance": 5}},
        r"tolerance must be in \[1e-06, 1\] flits/node/cycle, got 5",
    ),
    ({"noc": {"sample_period_cycles": 100000}}, "too long"),
]


@pytest.mark.parametrize(("tables", "message"), LATENCY_LOAD_MALFORMED)
def test_latency_load_spec_is_checked_whole(tables: dict[str, Any], message: str) -> None:
    # a value the sweep would not honour, and a sweep beyond the run-length limit, are refused
    # when the spec is read, before any point runs
    with pytest.raises(ConfigError, match=message):
        spec_from_mapping({"sweep": {"kind": "latency_load"}, **tables})


def test_same_run_twice_in_a_grid_is_refused() -> None:
    tables = {"grid": {"noc": {"router_args": [{}, {"vcs": 4}]}}}
    with pytest.raises(ConfigError, match="describe the same run"):
        spec_from_mapping(_spec(**tables))


def test_cli_malformed_spec_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[sweep]\nkind = "noc"\n[grid]\nnoc.topology_args.rowz = [2, 4]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "noc.topology_args.rowz" in err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


@pytest.mark.parametrize("text", ["", "# nothing yet\n", '[grid]\n"noc.injection_rate" = [0.1]\n'])
def test_cli_spec_without_a_sweep_table_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "empty.toml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no [sweep] table" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--workers", "1000000"], "beyond the limit of"),
        (["--workers", "2", "--address", "tcp://127.0.0.1:1"], "has its own workers"),
        (["--executor", "local", "--address", "tcp://127.0.0.1:1"], "drop --executor local"),
        (["--address", "nonsense"], "missing port number"),
        (["--connect-timeout", "1"], "applies to a Dask scheduler's address (--address)"),
        (["--address", "tcp://127.0.0.1:1", "--connect-timeout", "0"], "in (0, 3600] seconds"),
        (["--retry-failed"], "failed points of a resumed sweep; add --resume"),
        (["--out", ""], "--out is empty"),
        (["--out", " "], "--out is empty"),
        (["--out", "/proc/desim-results"], "cannot create results directory '/proc/desim-results'"),
        (["--out", "/proc"], "cannot use /proc/results.sqlite as a sweep store"),
    ],
)
def test_cli_executor_options_are_checked_before_anything_is_written(
    tiny_spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], options, message
) -> None:
    out = tmp_path / "out"
    given = [] if "--out" in options else ["--out", str(out)]  # given once
    assert main(["sweep", str(tiny_spec), *given, *options]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


@pytest.mark.parametrize("existing", [False, True])
def test_cli_an_unreachable_scheduler_fails_fast_and_leaves_no_store(
    existing: bool, tiny_spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens on port 1: Dask would retry for 30 s; the sweep gives up after its connect
    timeout and removes the store it had opened (a directory that was there stays, empty)."""
    out = tmp_path / "out"
    if existing:
        out.mkdir()
    start = time.monotonic()
    options = ["--address", "tcp://127.0.0.1:1", "--connect-timeout", "1"]
    assert main(["sweep", str(tiny_spec), "--out", str(out), *options]) == 2
    assert time.monotonic() - start < 15
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'" in err and "1 s" in err
    assert (list(out.iterdir()) == []) if existing else not out.exists()


def test_cli_results_directory_that_is_a_file(
    tiny_spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("")
    assert main(["sweep", str(tiny_spec), "--out", str(tmp_path / "taken")]) == 2
    assert "a file is in the way" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("tables", "runs"),
    [
        ({"grid": {"noc": {"injection_rate": [0.1] * 1000, "seed_unused": [1] * 1000}}}, "1e+06"),
        (
            {"sweep": {"seeds": list(range(101))}, "grid": {"noc": {"packet_size": [1] * 100}}},
            "10100",
        ),
        ({"zip": {"noc": {"injection_rate": [0.1] * 20_000}}}, "20000"),
    ],
)
def test_a_spec_of_too_many_runs_is_refused_before_any_point_is_resolved(tables, runs, monkeypatch):
    # duplicate values on purpose: the count comes before any point is resolved (a 10^6-point grid
    # took minutes to resolve, point by point, before anything ran)
    monkeypatch.delenv("DESIM_NO_SIZE_LIMIT", raising=False)
    data = {"sweep": {"kind": "noc", **tables.pop("sweep", {})}, **tables}
    with pytest.raises(ConfigError, match=rf"too many runs .*an estimated {re.escape(runs)},"):
        spec_from_mapping(data)


SPEC_FILES = [  # a malformed spec file -> the whole one-line message: the key path, what is allowed
    (
        "sweep = 3\n[grid]\nnoc.injection_rate = [0.1]\n",
        "'sweep' must be a table of keys (description, kind, name, seeds), got 3",
    ),
    (
        '[[sweep]]\nkind = "noc"\n[grid]\nnoc.injection_rate = [0.1]\n',
        "'sweep' must be a table of keys (description, kind, name, seeds), got [{'kind': 'noc'}]",
    ),
    (
        "[sweep]\nworkers = 3\n[grid]\nnoc.injection_rate = [0.1]\n",
        "unknown key 'sweep.workers'; allowed: description, kind, name, seeds",
    ),
    (
        "[sweep]\nname = 3\n[grid]\nnoc.injection_rate = [0.1]\n",
        "'sweep.name' must be a string, got 3",
    ),
    (
        "[sweep.kind]\nx = 1\n[grid]\nnoc.injection_rate = [0.1]\n",
        "'sweep.kind' must be a string, got {'x': 1}",
    ),
    (
        "[sweep]\n[[grid]]\nnoc = 3\n",
        "'grid' must be a table of dotted keys, each with a list of values, got [{'noc': 3}]",
    ),
    (
        "grid = 3\n[sweep]\n",
        "'grid' must be a table of dotted keys, each with a list of values, got 3",
    ),
    (
        "[sweep]\n[[zip]]\nnoc = 3\n",
        "'zip' must be a table of dotted keys, each with a list of values, got [{'noc': 3}]",
    ),
    (
        '[sweep]\nkind = "latency_load"\n[grid]\nnoc.routing = ["xy"]\n[[latency_load]]\n',
        "'latency_load' must be a table of keys (",
    ),
    (
        "[sweep]\n[grid]\nnoc.router_args.wait_for_tail_credit = [1]\n",
        "must be true or false, got 1",
    ),
]


@pytest.mark.parametrize(("text", "message"), SPEC_FILES)
def test_a_malformed_spec_file_names_the_key_path_and_what_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    # no Python class name (CamelCase, or a bare builtin type) is shown to the user
    assert not re.search(r"\b_?[A-Z][a-z]+[A-Z]\w*|\bmust be (str|int|bool|float)\b", err), err
