"""Max pooling geometry (`desim.accel.pooling`) against torch's ``max_pool2d``, and the
extractor's reading of which layers a pool follows."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from desim.accel.pooling import InputPool, MaxPool
from desim.kernel.errors import ConfigError
from workloads.extract import extract
from workloads.zoo.imagenet import VGG16, AlexNet
from workloads.zoo.inception import GoogLeNet
from workloads.zoo.lenet import LeNet5

GEOMETRIES = [
    # kernel, stride, padding, dilation, ceil_mode, input side
    (2, 2, 0, 1, False, 224),  # VGG-16
    (3, 2, 0, 1, False, 55),  # AlexNet
    (3, 2, 1, 1, False, 112),  # our GoogLeNet's stem
    (3, 2, 0, 1, True, 112),  # torchvision's GoogLeNet (ceil mode)
    (3, 2, 1, 1, True, 14),
    (3, 1, 1, 1, False, 7),  # an inception module's pool branch
    (2, 3, 0, 1, False, 11),  # stride above the kernel: rows no window reads
    (3, 2, 1, 2, True, 13),  # dilated
    (1, 1, 0, 1, False, 5),
]


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil", "side"), GEOMETRIES)
def test_apply_equals_torch(k: int, s: int, p: int, d: int, ceil: bool, side: int) -> None:
    rng = np.random.default_rng(k * 100 + side)
    plane = np.maximum(rng.standard_normal((3, side, side + 1)), 0).astype(np.float32)
    pool = MaxPool((k, k), (s, s), (p, p), (d, d), ceil)
    expected = F.max_pool2d(torch.from_numpy(plane), k, s, p, d, ceil).numpy()
    got = pool.apply(plane)
    assert got.shape == expected.shape
    assert pool.output_size(side, side + 1) == expected.shape[1:]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil", "side"), GEOMETRIES)
def test_reads_are_the_rows_that_change_the_output(
    k: int, s: int, p: int, d: int, ceil: bool, side: int
) -> None:
    """A row the mask says pooled rows [lo, hi) read changes them when it becomes the largest;
    a row it leaves out never does (torch is the oracle)."""
    pool = MaxPool((k, k), (s, s), (p, p), (d, d), ceil)
    rows, _ = pool.output_size(side, side)
    lo, hi = rows // 3, max(rows // 3 + 1, 2 * rows // 3)
    mask = pool.reads(0, lo, hi, side)
    for row in range(side):
        plane = np.zeros((1, side, side), dtype=np.float32)
        plane[0, row, :] = 1.0
        pooled = F.max_pool2d(torch.from_numpy(plane), k, s, p, d, ceil).numpy()
        assert bool(pooled[0, lo:hi].any()) == bool(mask[row]), row


def test_window_taps_counts_every_window_element() -> None:
    pool = MaxPool((3, 3), (2, 2), (1, 1))
    ones = torch.ones(1, 1, 14, 14)
    # a window's real taps: average-pool with the padding excluded, times the window area
    taps = F.avg_pool2d(ones, 3, 2, 1, count_include_pad=False).reciprocal()
    padded = F.avg_pool2d(ones, 3, 2, 1, count_include_pad=True)
    assert pool.window_taps(14, 14) == round(float((taps * padded * 9).sum()))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel": (0, 2), "stride": (2, 2)},
        {"kernel": (2, 2), "stride": (2,)},
        {"kernel": (2, 2), "stride": (2, 2), "padding": (2, 0)},
        {"kernel": (2, 2), "stride": (2, 2), "dilation": (1, True)},
    ],
)
def test_bad_geometry_is_refused(kwargs: dict) -> None:
    with pytest.raises(ConfigError, match="max pool"):
        MaxPool(**kwargs)


def _pools(model: torch.nn.Module, side: int, channels: int = 3) -> dict[str, tuple | None]:
    model.eval()
    records = extract(model, torch.randn(1, channels, side, side))
    return {r.name: (None if r.pool is None else r.pool.kernel) for r in records}


def test_extractor_finds_the_pools_after_relu_and_lrn() -> None:
    pools = _pools(AlexNet(width_divisor=16, classifier=False), 227)
    assert {n for n, p in pools.items() if p} == {
        "features.conv1",
        "features.conv2",
        "features.conv5",
    }
    vgg = _pools(VGG16(image_size=64, width_divisor=16), 64)
    assert [n.split(".")[1] for n, p in vgg.items() if p] == [
        "conv1_2",
        "conv2_2",
        "conv3_3",
        "conv4_3",
        "conv5_3",
    ]
    assert {n for n, p in _pools(LeNet5(), 32, 1).items() if p} == {"conv1", "conv2"}


def test_extractor_pools_inception_branches_only_when_every_use_is_pooled() -> None:
    """Inception 3b's and 4e's outputs go only to the pool before the next stage; 3a's also feed
    3b's 1 x 1 branches (unpooled), so 3a's branches write their output whole."""
    pools = _pools(GoogLeNet(width_divisor=16, classifier=False), 64)
    pooled = {n for n, p in pools.items() if p}
    stages = {n.split(".")[1] for n in pooled if n.startswith("inceptions")}
    assert stages == {"inception3b", "inception4e"}
    assert {"stem.conv1", "stem.conv2"} <= pooled
    assert "stem.conv2_reduce" not in pooled
    assert pools["inceptions.inception3b.b4"] == (3, 3)
    assert not any(p for n, p in pools.items() if "reduce" in n)


def test_functional_pool_with_keywords() -> None:
    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.max_pool2d(torch.relu(self.conv(x)), kernel_size=3, stride=2, padding=1)

    (record,) = extract(Net(), torch.randn(1, 1, 9, 9))
    assert record.pool == MaxPool((3, 3), (2, 2), (1, 1))
    assert record.written(record.output[0]).shape == (2, 4, 4)


@pytest.mark.parametrize("plane", [(0, 0), (3,), (2.0, 2), "28x28"])
def test_an_input_pools_plane_must_be_two_positive_integers(plane):
    with pytest.raises(ConfigError, match="input pool's plane must be two integers >= 1"):
        InputPool(MaxPool((3, 3), (1, 1), (1, 1)), plane)
