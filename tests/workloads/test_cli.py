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
    out = _run(capsys, "predictor", "--model", "mlp_tiny", "--dataset", "digits", "--json")
    assert {"accuracy", "accuracy_with_predictor"} <= set(out)
    layer = out["layers"][0]
    for key in (
        "rank",
        "overhead_vs_dense",
        "overhead_vs_input_sparse",
        "true_output_density",
        "predicted_output_density",
        "false_negative_rate",
        "false_positive_rate",
    ):
        assert key in layer


@pytest.mark.parametrize(
    "argv, message",
    [
        (["workload", "--model", "resnet50"], "unknown model 'resnet50'; valid names"),
        (["workload", "--model", "vgg16", "--dataset", "mnist"], "valid datasets for it: photos"),
        (["workload", "--model", "mlp", "--hidden", "10,x"], "--hidden"),
        (["predictor", "--model", "lenet5", "--dataset", "digits"], "valid: mlp, mlp_tiny"),
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
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no predictor rank for a {layer} layer" in err and err.count("\n") == 1
