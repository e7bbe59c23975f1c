"""Extraction: the recorded outputs equal torch's for the recorded inputs (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from desim.registry import MODEL
from workloads.extract import extract
from workloads.records import LayerRecord


def torch_oracle(record: LayerRecord) -> np.ndarray:
    """Recompute the layer with torch's functional ops from the record's plain fields."""
    x = torch.from_numpy(record.input)
    w = torch.from_numpy(record.weight)
    b = None if record.bias is None else torch.from_numpy(record.bias)
    if record.kind == "conv":
        y = F.conv2d(x, w, b, stride=record.stride, padding=record.padding, groups=record.groups)
    else:
        y = F.linear(x, w, b)
    return y.numpy()


def _model(name: str) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    shape = MODEL.metadata(name)["input_shape"] or (1, 8, 8)
    return MODEL.get(name)(shape).eval(), torch.rand(2, *shape)


@pytest.mark.parametrize(
    "name", ["mlp_tiny", "lenet5", "tiny_alexnet", "tiny_vgg16", "tiny_googlenet"]
)
def test_outputs_equal_torch(name: str) -> None:
    model, x = _model(name)
    records = extract(model, x)
    for record in records:
        np.testing.assert_allclose(record.output, torch_oracle(record), rtol=1e-5, atol=1e-5)
    with torch.no_grad():  # the last layer's output is the network's output
        np.testing.assert_allclose(records[-1].output, model(x).numpy(), rtol=1e-6, atol=1e-6)


def test_chained_inputs_follow_relu_and_pool() -> None:
    model, x = _model("lenet5")
    conv1, conv2 = extract(model, x)[:2]
    expected = F.max_pool2d(F.relu(torch.from_numpy(conv1.output)), 2).numpy()
    np.testing.assert_array_equal(conv2.input, expected)
    assert (conv1.activation, conv1.groups, conv1.stride) == ("relu", 1, (1, 1))


def test_alexnet_groups_and_stride_are_recorded() -> None:
    model, x = _model("tiny_alexnet")
    records = {r.name: r for r in extract(model, x)}
    assert records["features.conv1"].stride == (4, 4)
    assert [records[f"features.conv{i}"].groups for i in (2, 4, 5)] == [2, 2, 2]


class Untraceable(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(6, 5), nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.a(x))
        return self.b(h) if h.sum() > 0 else self.b(-h)


def test_hook_fallback_for_untraceable_models() -> None:
    torch.manual_seed(0)
    model, x = Untraceable(), torch.rand(4, 6)
    records = extract(model, x)
    assert [r.name for r in records] == ["a", "b"]
    assert all(r.activation == "unknown" for r in records)
    for record in records:
        np.testing.assert_allclose(record.output, torch_oracle(record), rtol=1e-6)


def test_fx_and_hooks_agree() -> None:
    model, x = _model("tiny_vgg16")
    by_fx, by_hooks = extract(model, x, method="fx"), extract(model, x, method="hooks")
    assert [r.name for r in by_fx] == [r.name for r in by_hooks]
    for a, b in zip(by_fx, by_hooks, strict=True):
        np.testing.assert_array_equal(a.output, b.output)


def test_records_are_plain_numpy() -> None:
    model, x = _model("mlp_tiny")
    for record in extract(model, x):
        arrays = (record.weight, record.bias, record.input, record.output)
        assert all(isinstance(a, np.ndarray) for a in arrays)
