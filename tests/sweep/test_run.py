"""Running sweeps on local processes: records, determinism, failures, resume, export, the CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desim.cli import main
from desim.sweep import load, load_spec, run_sweep, spec_from_mapping


def test_records_are_flat_complete_and_deterministic(
    tiny_spec: Path, tmp_path: Path, comparable: Any
) -> None:
    spec = load_spec(tiny_spec)
    first = run_sweep(spec, tmp_path / "a", workers=2)
    second = run_sweep(spec, tmp_path / "b", workers=1)
    assert first.ran == len(spec.points) == 16 and first.skipped == 0 and not first.lost
    record = first.records[0]
    assert list(record)[:8] == [*spec.keys, "seed", "config_hash", "kind", "status"]
    assert record["status"] == "ok" and record["desim_version"]
    assert all(isinstance(v, (str, int, float, bool, type(None))) for v in record.values())
    assert comparable(first.records) == comparable(second.records)
    frame = load(tmp_path / "a")
    assert len(frame) == 16 and set(spec.keys) <= set(frame.columns)
    assert (tmp_path / "a" / "results.csv").is_file()
    # pyarrow comes with the `all` extra: the Parquet export holds the same table
    import pandas as pd

    parquet = pd.read_parquet(tmp_path / "a" / "results.parquet")
    pd.testing.assert_frame_equal(parquet, frame, check_dtype=False)


def test_a_failing_point_is_recorded_and_the_others_go_on(tmp_path: Path) -> None:
    spec = spec_from_mapping(
        {
            "sweep": {"kind": "noc"},
            "noc": {
                "topology_args": {"rows": 2, "cols": 2},
                "sample_period_cycles": 100,
                "warmup_periods": 1,
                "max_samples": 3,
            },
            "grid": {"noc": {"topology": ["mesh", "torus"], "routing": ["odd_even"]}},
        }
    )
    report = run_sweep(spec, tmp_path / "out", workers=1)
    by_topology = {r["noc.topology"]: r for r in report.records}
    assert by_topology["mesh"]["status"] == "ok"
    torus = by_topology["torus"]
    assert torus["status"] == "error" and "UnsupportedTopologyError" in torus["error"]
    assert "torus" in torus["error"]


def test_resume_skips_finished_points_and_fresh_runs_refuse_a_full_dir(
    tiny_spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], comparable: Any
) -> None:
    out = tmp_path / "out"
    assert main(["sweep", str(tiny_spec), "--out", str(out), "--workers", "2", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["ran"] == 16 and len(done["records"]) == 16
    assert main(["sweep", str(tiny_spec), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["sweep", str(tiny_spec), "--out", str(out), "--resume", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["ran"] == 0 and again["skipped"] == 16
    assert comparable(again["records"]) == comparable(done["records"])


def test_resume_extends_a_sweep_and_refuses_an_edited_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # more seeds or values extend the sweep; a changed value would mix two sweeps' records in
    # one table, indistinguishable by their varied keys
    spec, out = tmp_path / "spec.toml", tmp_path / "out"
    text = '[sweep]\nkind = "noc"\nseeds = [SEEDS]\n[noc]\ntopology_args = {rows = 2, cols = 2}\n'
    text += "sample_period_cycles = PERIOD\n"
    spec.write_text(text.replace("SEEDS", "1").replace("PERIOD", "100"))
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--json"]) == 0
    spec.write_text(text.replace("SEEDS", "1, 2").replace("PERIOD", "100"))
    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--json"]) == 0
    capsys.readouterr()
    spec.write_text(text.replace("SEEDS", "1, 2").replace("PERIOD", "200"))
    assert main(["sweep", str(spec), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds 2 results of points this spec does not describe" in err
    assert sorted(load(out)["seed"]) == [1, 2]


def test_summary_table_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "ll.toml"
    spec.write_text(
        '[sweep]\nkind = "latency_load"\n[noc]\nsample_period_cycles = 100\nwarmup_periods = 1\n'
        "max_samples = 4\n[latency_load]\nrates = [0.1, 0.7]\ntolerance = 0.2\n"
        '[grid]\nnoc.topology = ["mesh", "torus"]\n'
        "[zip]\nnoc.topology_args.rows = [2, 3]\nnoc.topology_args.cols = [2, 3]\n"
    )
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--plot"]) == 0
    text = capsys.readouterr().out
    assert "saturation_rate" in text and "4 points: ran 4" in text
    for name in ("latency_load.png", "vs_size.png"):
        assert (tmp_path / "o" / name).stat().st_size > 1000
    assert main(["plot", str(tmp_path / "o")]) == 0


def _store_with_no_points(directory: Path) -> None:
    from desim.sweep.store import Store

    Store(directory).close()


STORES = {  # a sweep directory's results.sqlite -> what desim says
    "not a database": (
        lambda d: (d / "results.sqlite").write_text("x" * 5000),
        "as a sweep store (file is not a database)",
    ),
    "truncated": (
        lambda d: (d / "results.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(100)),
        "as a sweep store",
    ),
    "foreign schema": (
        lambda d: (
            sqlite3.connect(d / "results.sqlite").execute("CREATE TABLE t (x)").connection.commit()
        ),
        "as a sweep store: it holds table(s) t, not desim's (runs, points)",
    ),
    "no point yet": (_store_with_no_points, "nothing to plot in"),
}


@pytest.mark.parametrize("case", sorted(STORES))
def test_plot_and_resume_on_a_store_that_is_empty_or_broken(
    case: str, tmp_path: Path, tiny_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, message = STORES[case]
    make(tmp_path)
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    if case != "no point yet":
        assert main(["sweep", str(tiny_spec), "--out", str(tmp_path), "--resume"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "as a sweep store" in err


@pytest.mark.parametrize("resume", [True, False])
def test_another_programs_database_is_refused_and_left_unchanged(
    resume: bool, tmp_path: Path, tiny_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "o" / "results.sqlite"
    path.parent.mkdir()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE points (x)")  # desim's name, another's columns
        connection.execute("CREATE TABLE notes (text)")
    connection.close()
    before = path.read_bytes()
    argv = ["sweep", str(tiny_spec), "--out", str(path.parent)] + ["--resume"] * resume
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot use {path} as a sweep store: it holds table(s) notes, points," in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.sqlite"]


def test_a_finished_sweep_leaves_no_wal_or_shm_file(
    tmp_path: Path, tiny_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The store is left in rollback-journal mode: the sweep's closing checkpoints its WAL, and
    the read-only reads of the export and of `load` create no -wal/-shm file afterwards."""
    out = tmp_path / "o"
    for resume in ([], ["--resume"]):
        assert main(["sweep", str(tiny_spec), "--out", str(out), "--workers", "1", *resume]) == 0
        load(out)
        assert [p.name for p in out.glob("results.sqlite*")] == ["results.sqlite"]
    with sqlite3.connect(out / "results.sqlite") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()
    assert "16 points: ran 0, already done 16" in capsys.readouterr().out


def test_workers_import_no_torch_pandas_or_dask() -> None:
    code = (
        "import sys, desim.sweep, desim.sweep.noc_kinds, desim.sweep.runner; "
        "heavy = {'torch', 'pandas', 'distributed', 'matplotlib'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_latency_load_record_lists_every_run_as_sweep_injection_ran_it(tmp_path: Path) -> None:
    """``runs_json`` holds the grid runs then the bisection runs, as `sweep_injection` run
    directly returns them (what a comparison with another simulator repeats)."""
    from desim.noc import NocConfig
    from desim.noc.sweep import sweep_injection

    noc = {"topology_args": {"rows": 4, "cols": 4}, "sample_period_cycles": 100}
    noc |= {"warmup_periods": 1, "max_samples": 4, "router": "booksim"}
    spec = spec_from_mapping(
        {
            "sweep": {"kind": "latency_load"},
            "noc": noc,
            "latency_load": {"rates": [0.2, 0.8], "tolerance": 0.1},
        }
    )
    record = run_sweep(spec, tmp_path / "out", workers=1).records[0]
    config = NocConfig(seed=1, **{k: v for k, v in noc.items() if k != "router"}, router="booksim")
    curve = sweep_injection(config, [0.2, 0.8], tolerance=0.1)
    expected = [
        [p.offered_rate, p.accepted_rate, p.avg_hops, p.cycles, p.flit_hops, p.saturated]
        for p in (*curve.points, *curve.refinement)
    ]
    runs = json.loads(record["runs_json"])
    assert curve.refinement and len(runs) == record["runs"] == len(expected)
    for got, want in zip(runs, expected, strict=True):
        assert got[0] == want[0] and got[3:] == want[3:]
        assert got[1] == pytest.approx(want[1]) and got[2] in (None, pytest.approx(want[2]))
    assert sum(run[4] for run in runs) == record["flit_hops"]


def test_workers_take_the_costliest_points_first_and_records_keep_spec_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NoC points go to the workers largest network first (the same loads cost more on more
    routers); points of a kind without a cost estimate go in spec order; the records are in spec
    order either way."""
    from desim.sweep.kinds import KINDS
    from desim.sweep.runner import submission_order

    sizes = [2, 4, 3]
    spec = spec_from_mapping(
        {
            "sweep": {"kind": "noc"},
            "noc": {"sample_period_cycles": 100, "warmup_periods": 1, "max_samples": 3},
            "zip": {"noc": {"topology_args": {"rows": sizes, "cols": sizes}}},
        }
    )
    assert submission_order(spec, [0, 1, 2]) == [1, 2, 0]
    assert submission_order(spec, [0, 2]) == [2, 0]
    report = run_sweep(spec, tmp_path / "out", workers=1)
    assert [r["noc.topology_args.rows"] for r in report.records] == sizes
    monkeypatch.setitem(KINDS.metadata("noc"), "cost", None)
    assert submission_order(spec, [2, 0, 1]) == [2, 0, 1]


def test_plot_on_a_kind_with_no_figure_is_refused_before_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "a.toml"
    spec.write_text(
        '[sweep]\nkind = "accel"\n[accel]\narch = "dcnn"\nnetwork = "lenet5"\nlayers = 1\n'
        'weight_density = 0.5\n[grid]\n"accel.params.value_bits" = [8, 16]\n'
    )
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--plot"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "--plot: a sweep of kind 'accel' has no standard figure (kinds with one: " in err
    assert not (tmp_path / "o").exists()


def test_plot_that_draws_nothing_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("desim.sweep.plots.plot_sweep", lambda directory: [])
    spec = tmp_path / "ll.toml"
    spec.write_text(
        '[sweep]\nkind = "latency_load"\n[noc]\nsample_period_cycles = 100\nwarmup_periods = 1\n'
        "max_samples = 4\ntopology_args = {rows = 2, cols = 2}\n[latency_load]\n"
        "rates = [0.1]\ntolerance = 0.2\n"
    )
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--plot"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing to plot in " in err


def test_comparison_bars_are_labelled_with_the_varied_keys() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from desim.sweep.plots import comparison_axes

    frame = pd.DataFrame(
        {
            "accel.params.value_bits": [8, 16, 8],
            "accel.network": ["lenet5"] * 3,
            "seed": [0, 0, 1],
            "arch": ["scnn"] * 3,
            "baseline": ["dcnn"] * 3,
            "speedup": [1.0, 2.0, 1.5],
            "energy_ratio": [1.0, 2.0, 1.5],
        }
    )
    fig, ax = plt.subplots()
    comparison_axes(frame, ax)
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    plt.close(fig)
    assert labels == [
        "scnn vs dcnn\nlenet5\nvalue_bits=8\nseed=0",
        "scnn vs dcnn\nlenet5\nvalue_bits=16\nseed=0",
        "scnn vs dcnn\nlenet5\nvalue_bits=8\nseed=1",
    ]


def test_results_csv_writes_a_table_value_as_json(tmp_path: Path, monkeypatch) -> None:
    """A varied table (``accel.params.fabric.topology_args``) was written as a Python repr a
    CSV reader cannot parse; it is JSON, and no temporary file stays beside the export."""
    import pandas as pd

    from desim.sweep import store

    table = {"rows": 2, "cols": 2}
    frame = pd.DataFrame({"accel.params.fabric.topology_args": [table], "speedup": [1.5]})
    monkeypatch.setattr(store, "load", lambda directory: frame)
    store.export(tmp_path)
    cells = pd.read_csv(tmp_path / "results.csv")
    assert json.loads(cells["accel.params.fabric.topology_args"][0]) == table
    assert cells["speedup"][0] == 1.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.parquet"]
