"""``desim workload`` and ``desim predictor`` as the acceptance checks call them."""

from __future__ import annotations

import json

import pytest

from desim.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_workload_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "workload", "--model", "lenet5", "--dataset", "digits", "--json")
    assert out["provenance"] == "trained" and 0.9 < out["accuracy"] <= 1
    first = out["layers"][0]
    assert first["input_shape"] == [1, 32, 32] and first["weight_shape"] == [6, 1, 5, 5]
    assert set(first["weight_bits"]) == {"bitmap", "csc", "csr", "dense", "scnn"}
    assert all(layer["provenance"] == "trained" for layer in out["layers"])
    assert {"weight_density", "input_density", "output_density"} <= set(first)


def test_predictor_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(
        capsys,
        "predictor",
        "--model",
        "mlp_tiny",
        "--dataset",
        "digits",
        "--json",
        "--budget",
        "layer",
    )
    assert out["widths"] == [64, 32, 10] and out["test_samples"] == 360
    (layer,) = out["layers"]
    # rank: the largest r with r (32 + 64) < 0.05 x 32 x 64 = 102.4, i.e. 1, costing 96 / 2048
    assert layer["rank"] == 1 and layer["overhead_vs_dense"] == 96 / 2048
    # the oracle: the saved network's own weights, applied by hand to the held-out images
    import torch

    from workloads.predictor.train import PredictorSpec, train_predictor

    trained = train_predictor(PredictorSpec("mlp_tiny", "digits", budget="layer"))
    base = trained.base
    x = torch.from_numpy(base.data.images[base.test_indices]).flatten(1)
    labels = torch.from_numpy(base.data.labels[base.test_indices])
    hidden, output = trained.network.mlp.layers
    low_rank = trained.network.predictors["0"]  # hidden layer 0's predictor
    with torch.no_grad():
        h = x @ hidden.weight.T + hidden.bias
        p = (x @ low_rank.v.T) @ low_rank.u.T + hidden.bias
        live, kept = h > 0, p > 0
        masked = output(torch.relu(h) * kept)
        every = output(torch.relu(h))
    nnz = (x != 0).sum(1).float().mean().item()
    expected = {
        "true_output_density": live.float().mean().item(),
        "predicted_output_density": kept.float().mean().item(),
        "false_negative_rate": (live & ~kept).sum().item() / live.sum().item(),
        "false_positive_rate": (~live & kept).sum().item() / (~live).sum().item(),
        "input_density": nnz / 64,
        "overhead_vs_input_sparse": (nnz + 32) / (32 * nnz),
    }
    for key, value in expected.items():
        assert layer[key] == pytest.approx(value, rel=1e-6), key
    assert out["accuracy_with_predictor"] == pytest.approx(
        (masked.argmax(1) == labels).float().mean().item()
    )
    assert out["accuracy_without_predictor"] == pytest.approx(
        (every.argmax(1) == labels).float().mean().item()
    )
    assert out["accuracy"] == base.accuracy


@pytest.mark.parametrize(
    "argv, message",
    [
        (["workload", "--model", "resnet50"], "unknown model 'resnet50'; valid names"),
        (["workload", "--model", "vgg16", "--dataset", "mnist"], "valid datasets for it: photos"),
        (["workload", "--model", "mlp", "--hidden", "10,x"], "--hidden"),
        (["predictor", "--model", "lenet5", "--dataset", "digits"], "valid: mlp, mlp_tiny"),
        # options the workload would not honour
        (
            ["workload", "--model", "lenet5", "--provenance", "synthetic", "--density", "0.5"],
            "--density applies to trained workloads; this one is synthetic",
        ),
        (
            ["workload", "--model", "lenet5", "--scope", "layer", "--provenance", "synthetic"],
            "--scope applies to trained workloads",
        ),
        (
            ["workload", "--model", "lenet5", "--mask", "clustered"],
            "--mask applies to synthetic workloads; this one is trained",
        ),
        (
            ["workload", "--model", "vgg16", "--weight-density", "0.2"],
            "--weight-density applies to synthetic workloads; this one is calibrated",
        ),
        (["workload", "--model", "lenet5", "--hidden", "10"], "model 'lenet5' has fixed widths"),
        (
            ["predictor", "--model", "mlp_tiny", "--dataset", "digits", "--hidden", "10"],
            "model 'mlp_tiny' has fixed widths",
        ),
        # beyond the size limit, refused before anything is built
        (
            [
                "workload",
                "--model",
                "mlp",
                "--provenance",
                "synthetic",
                "--hidden",
                "100000,100000",
            ],
            "an estimated 1e+10, beyond the limit of 5e+07; set DESIM_NO_SIZE_LIMIT=1",
        ),
        (
            ["predictor", "--model", "mlp_tiny", "--dataset", "digits", "--predicted-layers", "a"],
            "--predicted-layers takes comma-separated hidden layer indices",
        ),
        (
            ["predictor", "--model", "mlp_tiny", "--dataset", "digits", "--predicted-layers", "1"],
            "predicted_layers [1] are not hidden layers of mlp_tiny; valid: 0",
        ),
        # a value field wider than the recorded 32-bit floats, or empty (1000 used to be taken)
        (
            ["workload", "--model", "lenet5", "--provenance", "synthetic", "--value-bits", "1000"],
            "--value-bits must be in 1..32 (bits per stored value; workloads record 32-bit "
            "floats), got 1000",
        ),
        (["workload", "--model", "lenet5", "--value-bits", "0"], "--value-bits must be in 1..32"),
        # --save is checked before training: a file could not be written after it
        (["predictor", "--model", "mlp_tiny", "--save", "/proc/p.pt"], "--save: cannot write in"),
        (["predictor", "--model", "mlp_tiny", "--save", "/"], "--save '/' is a directory"),
        (["predictor", "--save", "/nonexistent/p.pt"], "directory '/nonexistent' does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("model", "dataset", "overhead", "layer"),
    [("mlp", "mnist", "1e-9", "1000 x 784"), ("mlp_tiny", "digits", "0.04", "32 x 64")],
)
def test_predictor_budget_no_rank_meets_is_refused_before_training(
    capsys: pytest.CaptureFixture[str], model: str, dataset: str, overhead: str, layer: str
) -> None:
    # rank 1 costs (m + n) / (m n) of the dense MACs: 1784 / 784000 and 96 / 2048 (4.7 %)
    argv = ["predictor", "--model", model, "--dataset", dataset, "--overhead", overhead]
    assert main([*argv, "--budget", "layer"]) == 2
    err = capsys.readouterr().err
    assert f"no predictor rank for a {layer} layer" in err and err.count("\n") == 1
    # the cost-aware budget shares the network's dense MACs: mlp_tiny's are 2048 + 320, and
    # rank 1 in its one hidden layer costs 96 of them (4.05 %)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no predictor rank in any layer: rank 1 in the cheapest, {layer}" in err
    assert err.count("\n") == 1


def test_hidden_widths_reach_a_synthetic_mlp(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["workload", "--model", "mlp", "--provenance", "synthetic", "--hidden", "30,20"]
    out = _run(capsys, *argv, "--batch", "1", "--json")
    shapes = [layer["weight_shape"] for layer in out["layers"]]
    assert shapes == [[30, 64], [20, 30], [10, 20]]  # on the default dataset, 8x8 digits
