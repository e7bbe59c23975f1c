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
        (
            ["predictor", "--model", "mlp_tiny", "--dataset", "digits", "--predicted-layers", "a"],
            "--predicted-layers takes comma-separated hidden layer indices",
        ),
        (
            ["predictor", "--model", "mlp_tiny", "--dataset", "digits", "--predicted-layers", "1"],
            "predicted_layers [1] are not hidden layers of mlp_tiny; valid: 0",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
