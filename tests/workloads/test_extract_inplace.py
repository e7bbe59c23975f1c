"""In-place ReLUs: read as the out-of-place ReLU they equal, checked against torch's values."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from desim.kernel.errors import ConfigError
from workloads.extract import extract


class Relu(nn.Module):
    """conv1 -> ReLU -> conv2, the ReLU written in one of several ways."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.form = form
        self.conv1, self.conv2 = nn.Conv2d(2, 3, 3), nn.Conv2d(3, 2, 3)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        if self.form == "out of place":
            y = F.relu(y)
        elif self.form == "F.relu statement":
            F.relu(y, inplace=True)
        elif self.form == "relu_ method":
            y.relu_()
        elif self.form == "torch.relu_":
            torch.relu_(y)
        elif self.form == "module statement":
            self.relu(y)
        return self.conv2(y)


def _run(model: nn.Module) -> tuple[list, torch.Tensor]:
    torch.manual_seed(0)
    x = torch.randn(2, 2, 8, 8)
    return extract(model.eval(), x), x


@pytest.mark.parametrize(
    "form",
    ["out of place", "F.relu statement", "relu_ method", "torch.relu_", "module statement"],
)
def test_the_recorded_activation_gives_what_the_next_layer_reads(form: str) -> None:
    torch.manual_seed(1)
    model = Relu(form)
    (conv1, conv2), x = _run(model)
    with torch.no_grad():  # the oracle: torch's own values, computed out of place
        raw = F.conv2d(x, model.conv1.weight, model.conv1.bias)
    np.testing.assert_allclose(conv1.output, raw.numpy(), rtol=1e-6, atol=1e-6)
    assert conv1.activation == "relu"
    np.testing.assert_array_equal(np.maximum(conv1.output, 0), conv2.input)
    np.testing.assert_allclose(conv2.input, F.relu(raw).numpy(), rtol=1e-6, atol=1e-6)


class Mixed(nn.Module):
    """conv1's output read raw by conv2, then rectified in place and read by conv3."""

    def __init__(self, in_place: bool) -> None:
        super().__init__()
        self.in_place = in_place
        self.conv1, self.conv2, self.conv3 = (nn.Conv2d(2, 2, 3) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        a = self.conv2(y)
        if self.in_place:
            F.relu(y, inplace=True)
            return a + self.conv3(y)
        return a + self.conv3(F.relu(y))


def test_a_use_before_the_in_place_relu_reads_it_raw_as_out_of_place() -> None:
    torch.manual_seed(2)
    model = Mixed(in_place=False)
    out_of_place, x = _run(model)
    model.in_place = True
    in_place, _ = _run(model)
    with torch.no_grad():
        raw = F.conv2d(x, model.conv1.weight, model.conv1.bias).numpy()
    assert [r.activation for r in in_place] == [r.activation for r in out_of_place]
    assert in_place[0].activation == "none"  # one reader takes it raw
    np.testing.assert_allclose(in_place[1].input, raw, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(in_place[2].input, np.maximum(raw, 0), rtol=1e-6, atol=1e-6)


class Pooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(2, 3, 3), nn.Conv2d(3, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        F.relu(y, inplace=True)
        return self.conv2(F.max_pool2d(y, 2))


def test_an_in_place_relu_before_a_pool_reads_as_relu_and_pool() -> None:
    (conv1, conv2), _ = _run(Pooled())
    assert conv1.activation == "relu" and conv1.pool is not None
    expected = F.max_pool2d(F.relu(torch.from_numpy(conv1.output)), 2).numpy()
    np.testing.assert_array_equal(expected, conv2.input)


class Aliased(nn.Module):
    """An in-place ReLU of a view also rectifies the conv's output, which conv2 reads."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(2, 2, 3), nn.Conv2d(2, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        y.view(-1).relu_()
        return self.conv2(y)


class Scaled(nn.Module):
    """An in-place operation other than a ReLU on a value read after it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(2, 2, 3), nn.Conv2d(2, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        y.mul_(2)
        return self.conv2(y)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Aliased(), r"^in-place ReLU 'relu_' also changes 'conv1' .*allowed: an out-of-place ReLU"),
        (Scaled(), r"^in-place 'mul_' changes 'conv1', which is read after it; .*allowed: "),
    ],
)
def test_mutations_the_graph_does_not_say_are_refused(model: nn.Module, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        _run(model)
    assert "\n" not in str(refused.value)
