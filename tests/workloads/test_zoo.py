"""The zoo's layer shapes against the papers, and a torch-free import path."""

from __future__ import annotations

import subprocess
import sys

import torch

from desim.registry import MODEL
from workloads.extract import extract


def _convs(name: str, **options: object) -> list:
    torch.manual_seed(0)
    shape = MODEL.metadata(name)["input_shape"]
    model = MODEL.get(name)(shape, classifier=False, **options).eval()
    return [r for r in extract(model, torch.zeros(1, *shape)) if r.kind == "conv"]


def test_registered_models() -> None:
    expected = {
        "mlp",
        "mlp_tiny",
        "lenet5",
        "alexnet",
        "vgg16",
        "googlenet",
        "tiny_alexnet",
        "tiny_vgg16",
        "tiny_googlenet",
    }
    assert expected <= set(MODEL.names())


def test_mlp_widths() -> None:
    model = MODEL.get("mlp")((1, 28, 28))
    assert model.widths == (784, 1000, 1000, 10)
    assert MODEL.get("mlp")((64,), hidden=(300, 100)).widths == (64, 300, 100, 10)


def test_vgg16_thirteen_convolutions_real_shapes() -> None:
    convs = _convs("vgg16")
    assert len(convs) == 13
    assert convs[0].input_shape == (3, 224, 224) and convs[-1].output_shape == (512, 14, 14)
    assert sum(r.dense_macs for r in convs) == 15_346_630_656  # VGG-16's known 15.3 GMACs


def test_googlenet_54_inception_convolutions() -> None:
    convs = _convs("googlenet")
    inception = [r for r in convs if r.name.startswith("inceptions.")]
    assert len(inception) == 54 and len(convs) == 57
    last = {r.name: r for r in convs}["inceptions.inception5b.b3"]
    assert last.weight.shape == (128, 48, 5, 5) and last.output_shape == (128, 7, 7)


def test_alexnet_shapes() -> None:
    convs = {r.name: r for r in _convs("alexnet")}
    assert convs["features.conv1"].output_shape == (96, 55, 55)
    assert convs["features.conv2"].weight.shape == (256, 48, 5, 5)
    assert convs["features.conv5"].output_shape == (256, 13, 13)


def test_cli_and_desim_do_not_import_torch() -> None:
    code = (
        "import sys, desim, desim.cli, workloads.cli, workloads.zoo; "
        "desim.cli.build_parser(); from desim.registry import MODEL; MODEL.names(); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
