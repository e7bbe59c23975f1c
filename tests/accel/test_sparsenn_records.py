"""SparseNN's recorded results (benchmarks/results) hold the claims docs/sparsenn.md and the
README make of them; (slow) the MNIST 8 x 8 comparison re-measured lands in the paper's range."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = (ROOT / "docs" / "sparsenn.md").read_text()
README = " ".join((ROOT / "README.md").read_text().split())


def _key(row: dict) -> tuple:
    layers = row.get("predicted_layers")
    return (row["dataset"], row["side"], *([tuple(layers)] if layers else []))


def _gain() -> dict[tuple, dict]:
    """The records by (dataset, side), every layer predicted, or (dataset, side, layers)."""
    record = json.loads((RESULTS / "accel_sparsenn_gain.json").read_text())
    return {_key(r): r for r in record["comparisons"]}


def test_gain_records_meet_what_the_docs_claim() -> None:
    records = _gain()
    for key, row in records.items():
        assert row["samples"] == 8 == len(row["throughput_gain_per_sample"]), key
        assert row["throughput_gain"] == pytest.approx(
            row["baseline_cycles"] / row["sparsenn_cycles"]
        )
        assert row["power_ratio"] == pytest.approx(row["throughput_gain"] / row["energy_ratio"])
        assert row["predictor_vs_dense_macs"] < 0.05
        shown = f"**{row['throughput_gain']:.2f}** ({row['gain_per_sample_min']:.2f}-"
        assert shown + f"{row['gain_per_sample_max']:.2f})" in DOCS, key
    for dataset in ("mnist", "digits"):  # 8 x 8, every layer: the gain range, power 0.5 +- 0.15
        row = records[(dataset, 8)]
        assert 1.10 <= row["throughput_gain"] <= 1.70
        assert abs(row["power_ratio"] - 0.5) <= 0.15
    assert records[("mnist", 4)]["throughput_gain"] > 1.70  # compute-bound: above the range
    mnist = records[("mnist", 8)]
    assert sum(g < 1.10 for g in mnist["throughput_gain_per_sample"]) == 2  # "two of the eight"


def test_first_layer_in_full_trades_gain_for_accuracy() -> None:
    """docs/sparsenn.md: digits with layer 0 computed in full loses no accuracy against the same
    training but its 8 x 8 gain falls below the paper's range and its power ratio above it; on
    MNIST it wins no accuracy and loses the gain."""
    records = _gain()
    both, second = records[("digits", 8)], records[("digits", 8, (1,))]
    assert second["throughput_gain"] < 1.10 < both["throughput_gain"]
    assert all(1.0 < g < 1.10 for g in second["throughput_gain_per_sample"])
    assert second["power_ratio"] - 0.5 > 0.15 > abs(both["power_ratio"] - 0.5)
    assert second["accuracy_with_predictor"] == pytest.approx(0.969, abs=0.001)
    assert second["per_layer_cycles"][0][0] == second["per_layer_cycles"][0][1]  # layer 0 alike
    shown = f"{second['throughput_gain']:.2f}x at {second['power_ratio']:.2f}x the power"
    assert shown in README
    mnist, mnist_second = records[("mnist", 8)], records[("mnist", 8, (1,))]
    assert mnist_second["throughput_gain"] < 1.10 <= mnist["throughput_gain"]  # keep predicting 0
    assert mnist_second["accuracy_with_predictor"] == mnist["accuracy_with_predictor"]


def test_accuracy_records_and_their_uncertainty() -> None:
    records = _gain()
    mnist, digits = records[("mnist", 8)], records[("digits", 8)]
    assert mnist["test_samples"] == 1000 and digits["test_samples"] == 360
    assert abs(mnist["accuracy_with_predictor"] - mnist["accuracy"]) <= 0.005
    change = digits["accuracy_with_predictor"] - digits["accuracy"]
    assert change == pytest.approx(-0.0083, abs=1e-4)  # -0.8 points ...
    assert abs(change) < digits["accuracy_change_stderr"]  # ... within one standard error


def test_mesh_sweep_record_shows_where_the_noc_takes_over() -> None:
    with open(RESULTS / "accel_sparsenn_scaling_digits.csv") as handle:
        rows = {int(r["pes"]): {k: float(v) for k, v in r.items()} for r in csv.DictReader(handle)}
    assert sorted(rows) == [4, 16, 64, 256]
    gains = [rows[p]["throughput_gain"] for p in (4, 16, 64, 256)]
    assert gains == sorted(gains, reverse=True)
    assert rows[16]["sparsenn_busy_share"] > 0.9 > rows[64]["sparsenn_busy_share"]
    assert rows[256]["sparsenn_cycles"] > rows[64]["sparsenn_cycles"]  # the multicast dominates
    assert rows[256]["sparsenn_noc_energy_share"] > 0.5 > rows[64]["sparsenn_noc_energy_share"]
    for p, row in rows.items():
        line = f"| {p:,} | {row['sparsenn_cycles']:,.0f} | {row['baseline_cycles']:,.0f} | "
        assert line + f"{row['throughput_gain']:.2f} |" in DOCS, p


def test_one_inference_under_ten_seconds() -> None:
    record = json.loads((RESULTS / "accel_sparsenn_speed.json").read_text())
    times = record["seconds_per_inference"]
    assert sorted(times) == ["dense", "input-sparse", "sparsenn"]
    assert all(t["wall_s"] < 10 for t in times.values())


@pytest.mark.slow
def test_mnist_gain_on_8x8_remeasured() -> None:
    from desim.accel.sparsenn_compare import compare_sparsenn
    from desim.accel.sparsenn_config import SparseNNConfig

    r = compare_sparsenn("mlp", "mnist", config=SparseNNConfig(samples=8))
    recorded = _gain()[("mnist", 8)]
    assert r["throughput_gain_per_sample"] == pytest.approx(recorded["throughput_gain_per_sample"])
    assert 1.10 <= r["throughput_gain"] <= 1.70
    assert abs(r["power_ratio"] - 0.5) <= 0.15
