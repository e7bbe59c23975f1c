"""The README's NoC command against BookSim2 (``benchmarks/noc_vs_booksim.py --readme-sweep``):
the points it hands BookSim2 are the ones desim's sweep ran, in BookSim2's terms, and the README
and docs/noc.md quote its recorded run."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from desim.sweep import load_spec, run_sweep
from tests.noc.conftest import import_benchmark

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "benchmarks" / "noc_vs_booksim.py"
RECORD = ROOT / "benchmarks" / "results" / "noc_vs_booksim_readme.json"


@pytest.fixture(scope="module")
def bench() -> Any:
    return import_benchmark("noc_vs_booksim")


def test_the_readme_spec_maps_to_booksims_r0_keys(bench: Any) -> None:
    """Each point of examples/noc.toml becomes BookSim2's mesh (``dor``) or torus
    (``dim_order``) of the same radix, with the spec's sample period and warm-up, and as many
    periods in all: BookSim's ``max_samples`` counts the warm-up periods (``_SingleSim``), desim's
    the sample periods after them."""
    spec = load_spec(bench.README_SPEC)
    resolved = bench.resolved_points(bench.README_SPEC)
    assert set(resolved) == {p.config_hash for p in spec.points}
    for point in spec.points:
        keys = bench.sweep_booksim_keys(resolved[point.config_hash])
        topology, rows = point.values["noc.topology"], point.values["noc.topology_args.rows"]
        assert keys == {
            "topology": topology,
            "k": rows,
            "n": 2,
            "routing_function": {"mesh": "dor", "torus": "dim_order"}[topology],
            "sample_period": spec.base["noc"]["sample_period_cycles"],
            "warmup_periods": spec.base["noc"]["warmup_periods"],
            "max_samples": spec.base["noc"]["warmup_periods"] + spec.base["noc"]["max_samples"],
        }
    other = {**resolved[spec.points[0].config_hash], "routing": "west_first"}
    with pytest.raises(SystemExit, match="noc.routing = 'west_first'"):
        bench.sweep_booksim_keys(other)


def test_the_runs_handed_to_booksim_are_the_runs_the_sweep_stored(
    bench: Any, tmp_path: Path
) -> None:
    spec_file = tmp_path / "ll.toml"
    spec_file.write_text(
        '[sweep]\nkind = "latency_load"\n[noc]\nrouter = "booksim"\nsample_period_cycles = 100\n'
        "warmup_periods = 1\nmax_samples = 4\n[latency_load]\nrates = [0.2, 0.8]\n"
        'tolerance = 0.1\n[grid]\nnoc.topology = ["mesh", "torus"]\n'
        "[zip]\nnoc.topology_args.rows = [3]\nnoc.topology_args.cols = [3]\n"
    )
    report = run_sweep(load_spec(spec_file), tmp_path / "out", workers=1)
    points = bench.stored_runs(tmp_path / "out")
    assert [p["point"] for p in points] == ["mesh 3x3", "torus 3x3"]
    for point, record in zip(points, report.records, strict=True):
        assert point["config_hash"] == record["config_hash"] and point["seed"] == 1
        assert len(point["runs"]) == record["runs"]
        assert [run["offered"] for run in point["runs"]][:2] == [0.2, 0.8]
        assert sum(run["flit_hops"] for run in point["runs"]) == record["flit_hops"]


def test_the_recorded_run_compared_the_same_runs() -> None:
    record = json.loads(RECORD.read_text())
    desim, booksim = record["desim"], record["booksim"]
    assert record["repeats"] >= 2 and desim["runs"] == booksim["runs"] == len(record["points"])
    # the same measurement on both sides, as many periods at most: stable runs last about as
    # many cycles (within a fifth: BookSim2 converges later next to saturation, docs/noc.md)
    assert 0.8 < record["stable_cycles_ratio"] < 1.2
    assert record["cpu_ratio"] == pytest.approx(booksim["cpu_seconds"] / desim["cpu_seconds"], 1e-3)


@pytest.mark.parametrize("document", ["README.md", "docs/noc.md"])
def test_documents_quote_the_recorded_readme_sweep(document: str) -> None:
    record = json.loads(RECORD.read_text())
    text = " ".join((ROOT / document).read_text().split())
    assert (
        f"{record['cpu_ratio']:.2f}x BookSim2's speed (BookSim2's "
        f"{record['booksim']['cpu_seconds']:.0f} "
        f"CPU seconds against desim's {record['desim']['cpu_seconds']:.0f})"
    ) in text
    if document == "docs/noc.md":
        assert f"{record['desim']['runs']} runs, grid and bisection" in text
        assert f"(desim's / BookSim2's: {record['stable_cycles_ratio']:.2f})" in text


@pytest.mark.parametrize("document", ["README.md", "docs/noc.md"])
def test_documents_quote_the_recorded_start_up(document: str) -> None:
    start = json.loads(RECORD.read_text())["start_up"]
    text = " ".join((ROOT / document).read_text().split())
    names = ["desim --help", "desim list", "desim noc --help", "python -c pass"]
    for name in names + (["desim --version"] if document == "README.md" else []):
        assert f"`{name}` {1000 * start[name]['median_cpu_seconds']:.0f} ms" in text, name
    # the goal: under 100 ms for --version
    assert start["desim --version"]["median_cpu_seconds"] < 0.1


@pytest.mark.parametrize("other", ["--quick", "--startup-only"])
def test_the_readme_sweep_refuses_the_other_modes(bench: Any, other: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--readme-sweep", other])
    assert exit_info.value.code == 2
    assert "takes neither --quick nor --startup-only" in capsys.readouterr().err


def test_a_sweep_with_no_run_stable_on_both_sides_is_summarised(bench: Any) -> None:
    """Every run saturated on one side at least: there is no cycle ratio to take (it divided by
    zero), and the report says so."""
    keys = {"h": {"k": 4}}
    runs = [
        {"offered": rate, "accepted": 0.4, "hops": 3.0, "cycles": 5000, "flit_hops": 100,
         "saturated": saturated}
        for rate, saturated in ((0.5, True), (0.9, False))
    ]  # fmt: skip
    points = [{"point": "mesh 4x4", "config_hash": "h", "seed": 1, "runs": runs}]
    theirs = [
        {"point": "mesh 4x4", "offered": 0.5, "stable": True, "packet_latency": 30.0,
         "cycles": 4000, "flit_hops": 90, "cpu_seconds": 1.0, "wall_seconds": 1.0,
         "maxrss_kb": 20_000},
        {"point": "mesh 4x4", "offered": 0.9, "stable": False, "packet_latency": None,
         "cycles": None, "flit_hops": None, "cpu_seconds": 2.0, "wall_seconds": 2.0,
         "maxrss_kb": 20_000},
    ]  # fmt: skip
    mine = [bench.booksim.ProcessRun("", 10.0, 8.0, 60_000, 0)]
    summary = bench.summarise_readme_sweep(points, keys, mine, [(theirs, 3.0)])
    assert summary["stable_cycles_ratio"] is None
    assert summary["saturation_disagreements"] == 2
    record = {
        **summary, "repeats": 1, "booksim_commit": "x", "workers": 2, "machine": {},
        "command": "desim sweep", "start_up": {},
    }  # fmt: skip
    assert "No run was stable on both sides; runs saturated on one side only: 2." in " ".join(
        bench.readme_markdown(record).split()
    )


def test_the_sweeps_worker_count_is_read_on_any_system(bench: Any, monkeypatch) -> None:
    """The benchmark runs BookSim2 on as many processes as the sweep starts by default
    (`default_workers`), read without `os.sched_getaffinity` here (Linux only)."""
    from desim.sweep.executors import default_workers

    expected = default_workers()
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    assert bench.sweep_workers() == expected


def test_a_record_is_replaced_whole_or_not_at_all(bench: Any, tmp_path: Path, capsys) -> None:
    """The benchmarks' records are written through a temporary file: a record that cannot be
    written (here, not JSON-serialisable) leaves the previous one and its report as they were."""
    write_record = sys.modules["machine"].write_record
    output = tmp_path / "record.json"
    write_record(output, {"ratio": 0.58}, "# report\n")
    assert json.loads(output.read_text()) == {"ratio": 0.58}
    assert output.with_suffix(".md").read_text() == "# report\n"
    assert capsys.readouterr().out.strip() == "# report"
    with pytest.raises(TypeError):
        write_record(output, {"ratio": object()}, "# another\n", show=False)
    assert json.loads(output.read_text()) == {"ratio": 0.58}
    assert output.with_suffix(".md").read_text() == "# report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json", "record.md"]
