"""``desim accel`` / ``desim compare`` with SparseNN's designs: bad input fails in one line, and
(slow) the comparison document has the issue's keys with consistent values."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from desim.cli import main

SMALL = ["--set", 'fabric.topology_args={"rows": 2, "cols": 2}', "--set", "samples=1"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["accel", "--arch", "sparsenn", "--network", "lenet5"], "allowed: mlp"),
        (["compare", "--arch", "sparsenn", "--network", "lenet5"], "allowed: mlp"),
        (
            ["compare", "--arch", "sparsenn", "--network", "mlp", "--baseline", "scnn"],
            "--baseline scnn is not a baseline of sparsenn; allowed: input-sparse, dense",
        ),
        (
            ["accel", "--arch", "sparsenn", "--network", "mlp", "--set", "row_mapping=diag"],
            "'row_mapping' must be one of interleaved, block, frequency, got 'diag'",
        ),
        (
            ["compare", "--arch", "sparsenn", "--network", "mlp", "--layers", "1"],
            "--layers is not supported",
        ),
        (
            ["compare", "--arch", "sparsenn", "--network", "mlp", "--set", "predictor_budget=all"],
            "'predictor_budget' must be one of cost, layer, network, got 'all'",
        ),
        (
            ["accel", "--arch", "sparsenn", "--network", "mlp", "--set", "predicted_layers=[0,0]"],
            "'predicted_layers' must be a non-empty list of distinct integers >= 0",
        ),
        (
            [
                "accel",
                "--arch",
                "sparsenn",
                "--network",
                "mlp",
                "--dataset",
                "digits",
                "--set",
                "predicted_layers=[2]",
            ],
            "predicted_layers [2] are not hidden layers of mlp; valid: 0, 1",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    "argv",
    [
        ["accel", "--arch", "dense", "--network", "alexnet"],
        ["accel", "--arch", "input-sparse", "--network", "lenet5"],
        ["compare", "--arch", "sparsenn", "--network", "vgg16"],
    ],
)
def test_another_network_is_refused_naming_the_designs_that_run_it(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """A new user's ``--arch dense --network alexnet`` (DCNN meant): the refusal says what the
    design runs and which --arch values run other networks, not that a predictor is missing."""
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"--arch {argv[2]} runs SparseNN's trained fully connected network only" in err
    assert "allowed: mlp (--arch values for other networks: dcnn, dcnn-opt, scnn, " in err
    assert "predictor" not in err


@pytest.mark.slow
def test_compare_document_on_digits(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    table = tmp_path / "layers.csv"
    code, out, _ = run(
        capsys,
        "compare",
        "--arch",
        "sparsenn",
        "--network",
        "mlp",
        "--dataset",
        "digits",
        *SMALL,
        "--json",
        "--csv",
        str(table),
    )
    assert code == 0
    doc = json.loads(out)
    with open(table) as handle:  # the rows name the design and the network
        rows = list(csv.DictReader(handle))
    assert {(r["arch"], r["network"]) for r in rows} == {("sparsenn", "mlp")}
    for key in (
        "throughput_gain",
        "power_ratio",
        "energy_ratio",
        "predictor_overhead",
        "accuracy",
        "accuracy_with_predictor",
        "speedup",
    ):
        assert isinstance(doc[key], float), key
    assert doc["power_ratio"] == pytest.approx(doc["throughput_gain"] / doc["energy_ratio"])
    assert doc["ratios"]["energy_ratio"] == "baseline energy / SparseNN energy"
    assert [row["layer"] for row in doc["per_layer"]] == [f"mlp.layers.{i}" for i in range(3)]
    code, out, _ = run(
        capsys,
        "accel",
        "--arch",
        "sparsenn",
        "--network",
        "mlp",
        "--dataset",
        "digits",
        *SMALL,
        "--json",
    )
    assert code == 0 and json.loads(out)["workload.predictor_source"] == "trained"


def test_accel_with_layer_0_computed_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    """``desim accel --set 'predicted_layers=[1]'`` end to end: layer 0 multiplies all of its
    1,000 rows by the image's non-zero pixels (counted here on the image), layer 1 keeps exactly
    the rows torch's rank-24 predictor keeps, the classifier has no predictor."""
    import torch

    from workloads.predictor.train import PredictorSpec, train_predictor

    code, out, err = run(
        capsys,
        "accel",
        "--arch",
        "sparsenn",
        "--network",
        "mlp",
        "--dataset",
        "digits",
        *SMALL,
        "--set",
        "predicted_layers=[1]",
        "--set",
        "predictor_budget=layer",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["check_passed"] and doc["workload.predictor_source"] == "trained"
    first, second, last = doc["per_layer"]
    trained = train_predictor(PredictorSpec("mlp", "digits", budget="layer", predicted_layers=(1,)))
    image = trained.base.data.images[trained.base.test_indices[:1]]
    assert first["predictor_rank"] == 0 and first["predicted_output_density"] == 1.0
    assert first["feed_forward_macs_per_inference"] == 1000 * int(np.count_nonzero(image))
    with torch.no_grad():
        x = trained.network.hidden_step(0, torch.from_numpy(image).flatten(1))[2]
        _, p, _ = trained.network.hidden_step(1, x)
    kept = int((p > 0).sum())
    assert second["predictor_rank"] == 24 and second["predicted_output_density"] == kept / 1000
    assert kept < 1000
    assert second["feed_forward_macs_per_inference"] == kept * np.count_nonzero(x.numpy())
    assert last["predictor_rank"] == 0


def test_a_design_that_is_not_a_sparsenn_baseline_is_named_as_such(capsys):
    code = main(["compare", "--arch", "sparsenn", "--network", "mlp", "--baseline", "dcnn"])
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "--baseline dcnn is not a baseline of sparsenn; allowed: input-sparse, dense" in err


def test_more_samples_than_the_held_out_set_are_refused_not_capped(capsys, monkeypatch):
    monkeypatch.setattr("desim.accel.sparsenn.SparseNN.run", lambda *a, **k: pytest.fail("ran"))
    argv = ["accel", "--arch", "sparsenn", "--network", "mlp", "--set", "samples=5000"]
    code = main([*argv, "--set", 'fabric.topology_args={"rows": 2, "cols": 2}'])
    out, err = capsys.readouterr()
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "samples = 5000 is more than the 360 held-out samples of digits" in err
    assert "allowed: 1..360" in err
