"""Which max pool (if any) a layer's record carries, on models the zoo does not have: the oracle
is the next layer's recorded input, which must equal what the record says the layer writes
(`LayerRecord.written`) whenever the pooled plane feeds that layer directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from desim.accel.pooling import MaxPool
from desim.kernel.errors import ConfigError
from workloads.extract import extract

POOL2 = MaxPool((2, 2), (2, 2))


class Net(nn.Module):
    """``forward`` given as a function of the module and the input."""

    def __init__(self, forward, **modules) -> None:
        super().__init__()
        for name, module in modules.items():
            setattr(self, name, module)
        self._forward = forward

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._forward(self, x)


def conv(c: int = 3, k: int = 4, **kw) -> nn.Conv2d:
    return nn.Conv2d(c, k, 3, padding=1, **kw)


def records(net: nn.Module, side: int = 12):
    torch.manual_seed(0)
    for p in net.parameters():
        nn.init.normal_(p)
    return extract(net.eval(), torch.relu(torch.randn(1, 3, side, side)))


def feeds(first, second) -> None:
    """``first`` writes exactly ``second``'s input."""
    np.testing.assert_allclose(first.written(first.output[0]), second.input[0], rtol=1e-6)


def test_a_module_called_twice_gets_each_calls_pool():
    """The first call's output feeds the second call unpooled; only the second is pooled (the
    graph node of the call, not the module's last node, decides)."""
    net = Net(
        lambda s, x: s.p(F.relu(s.c(F.relu(s.c(F.relu(s.c0(x))))))),
        c0=conv(), c=conv(4), p=nn.MaxPool2d(2),
    )  # fmt: skip
    c0, first, second = records(net)
    assert (c0.pool, first.pool, second.pool) == (None, None, POOL2)
    feeds(c0, first)
    feeds(first, second)


@pytest.mark.parametrize("dim", [2, 3, -1, -2])
def test_a_pool_after_a_concatenation_along_height_or_width_is_not_the_layers(dim):
    """Windows straddle the two convolutions' planes: neither can pool alone."""
    net = Net(
        lambda s, x: s.p(torch.cat([F.relu(s.a(x)), F.relu(s.b(x))], dim)),
        a=conv(), b=conv(), p=nn.MaxPool2d(3, 2),
    )  # fmt: skip
    a, b = records(net, side=13)
    assert (a.pool, b.pool, a.activation, b.activation) == (None, None, "relu", "relu")


@pytest.mark.parametrize(
    "join",
    [
        lambda a, b: torch.cat([a, b], 1),
        lambda a, b: torch.cat([a, b], dim=-3),
        lambda a, b: torch.concat((a, b), dim=1),
    ],
)
def test_a_pool_after_a_channel_concatenation_is_each_inputs(join):
    net = Net(
        lambda s, x: s.c(s.p(join(F.relu(s.a(x)), F.relu(s.b(x))))),
        a=conv(), b=conv(), p=nn.MaxPool2d(3, 2), c=conv(8),
    )  # fmt: skip
    a, b, c = records(net, side=13)
    assert a.pool == b.pool == MaxPool((3, 3), (2, 2))
    both = np.concatenate([a.written(a.output[0]), b.written(b.output[0])])
    np.testing.assert_allclose(both, c.input[0], rtol=1e-6)


@pytest.mark.parametrize(
    "forward",
    [
        lambda s, x: s.c2(F.relu(F.max_pool2d(s.c1(x), 2))),  # PyTorch's MNIST example
        lambda s, x: s.c2(torch.relu(s.p(s.c1(x)))),
        lambda s, x: s.c2(s.p(s.c1(x)).relu()),
    ],
)
def test_a_relu_after_the_pool_is_the_layers_relu(forward):
    """``relu(max_pool(conv))`` equals ``max_pool(relu(conv))``: the layer writes ReLU'd pooled
    values (a negative pooled value is not a non-zero to compress and write)."""
    c1, c2 = records(Net(forward, c1=conv(), p=nn.MaxPool2d(2), c2=conv(4)))
    assert (c1.activation, c1.pool) == ("relu", POOL2)
    feeds(c1, c2)


def test_a_pool_without_any_relu_keeps_negative_values():
    c1, c2 = records(Net(lambda s, x: s.c2(s.p(s.c1(x))), c1=conv(), p=nn.MaxPool2d(2), c2=conv(4)))
    assert (c1.activation, c1.pool) == ("none", POOL2)
    assert (c2.input < 0).any()
    feeds(c1, c2)


CEIL = MaxPool((3, 2), (2, 1), (1, 1), ceil_mode=True)


@pytest.mark.parametrize(
    ("pool", "indices", "expected"),
    [
        (lambda y: F.max_pool2d(y, (2,)), False, POOL2),
        (lambda y: torch.max_pool2d(y, 2), False, POOL2),
        (lambda y: torch.max_pool2d(y, [3, 2], [2, 1], 1, 1, True), False, CEIL),
        (nn.MaxPool2d((2,)), False, POOL2),
        (nn.MaxPool2d(2, return_indices=True), True, None),  # indices: an output not produced
        (lambda y: F.max_pool2d(y, 2, return_indices=True), True, None),
    ],
)
def test_pool_spellings(pool, indices, expected):
    def forward(s, x):
        y = (s.p if isinstance(pool, nn.Module) else pool)(F.relu(s.c1(x)))
        return s.c2(y[0] if indices else y)

    modules = {"p": pool} if isinstance(pool, nn.Module) else {}
    c1, c2 = records(Net(forward, c1=conv(), c2=conv(4), **modules), side=13)
    assert (c1.pool, c1.activation) == (expected, "relu")
    if expected is not None:
        feeds(c1, c2)


@pytest.mark.parametrize(("padding", "expected"), [("same", (1, 1)), ("valid", (0, 0))])
def test_conv_padding_by_name(padding, expected):
    (c1,) = records(Net(lambda s, x: s.c1(x), c1=nn.Conv2d(3, 4, 3, padding=padding)))
    assert c1.padding == expected
    x, w, b = (torch.from_numpy(a) for a in (c1.input, c1.weight, c1.bias))
    y = F.conv2d(x, w, b, padding=expected)
    np.testing.assert_allclose(y.numpy(), c1.output, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (nn.Conv2d(3, 4, 3, dilation=2), r"conv 'c1': dilation \(2, 2\) is not modelled; allowed"),
        (nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), "padding_mode 'reflect' is not"),
        (nn.Conv2d(3, 4, 2, padding="same"), r"padding 'same' with kernel \(2, 2\) pads one side"),
    ],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_conv_geometry_a_record_cannot_hold_is_refused_naming_the_layer(layer, message):
    with pytest.raises(ConfigError, match=message) as refused:
        records(Net(lambda s, x: s.c1(x), c1=layer))
    assert "\n" not in str(refused.value)  # one line: no torch.fx traceback appended


@pytest.mark.parametrize("spelling", [{"dim": 2}, {"axis": 2}, {"dim": -2}])
def test_a_pool_after_joining_two_planes_along_the_height_is_not_theirs(spelling):
    """Joined along the height, a window can straddle both planes: neither conv is pooled, however
    the axis is spelt."""
    net = Net(
        lambda s, x: s.p(torch.cat([F.relu(s.a(x)), F.relu(s.b(x))], **spelling)),
        a=conv(), b=conv(), p=nn.MaxPool2d(3, 2),
    )  # fmt: skip
    a, b = records(net)
    assert (a.pool, b.pool) == (None, None)


def test_a_global_pool_sized_from_the_tensor_is_not_recorded():
    """``F.max_pool2d(y, y.shape[2:])``: the size is computed in the graph, unknown when the
    graph is read, so the layer writes its output whole (no crash)."""
    net = Net(lambda s, x: F.max_pool2d(F.relu(s.c(x)), x.shape[2:]), c=conv())
    (layer,) = records(net)
    assert layer.pool is None


def test_empty_stride_and_one_element_dilation_take_torchs_defaults():
    """``MaxPool2d(2, stride=())`` strides by its kernel, as torch does; a convolution's
    ``dilation=(1,)`` is no dilation."""
    net = Net(
        lambda s, x: s.p(F.relu(s.c(x))),
        c=nn.Conv2d(3, 4, 3, padding=1, dilation=(1,)), p=nn.MaxPool2d(2, stride=()),
    )  # fmt: skip
    (layer,) = records(net)
    assert layer.pool == POOL2


BRANCH_POOL = MaxPool((3, 3), (1, 1), (1, 1))


def _inception(s, x):
    """A module input read by a 1 x 1 branch unpooled and by a pooled branch (GoogLeNet's
    fourth), then pooled whole after the concatenation."""
    y = F.relu(s.c0(x))
    return s.p(torch.cat([F.relu(s.b1(y)), F.relu(s.b4(s.bp(y)))], 1))


def test_a_branch_that_pools_a_shared_plane_records_an_input_pool():
    """The fourth branch's pool reads a plane the first branch reads unpooled: the producer has no
    pool, the pooled branch an input pool over the unpooled plane's size, and the pool of that
    plane is the branch's recorded input (torch's max_pool2d of the producer's output)."""
    net = Net(
        _inception,
        c0=conv(), b1=nn.Conv2d(4, 2, 1), bp=nn.MaxPool2d(3, 1, padding=1), b4=nn.Conv2d(4, 2, 1),
        p=nn.MaxPool2d(2),
    )  # fmt: skip
    c0, b1, b4 = records(net, side=10)
    assert c0.pool is None and c0.input_pool is None and b1.input_pool is None
    assert b4.input_pool is not None
    assert (b4.input_pool.pool, b4.input_pool.plane) == (BRANCH_POOL, (10, 10))
    assert b1.pool == b4.pool == POOL2
    feeds(c0, b1)
    pooled = F.max_pool2d(torch.from_numpy(c0.written(c0.output[0])), 3, 1, 1).numpy()
    np.testing.assert_allclose(pooled, b4.input[0], rtol=1e-6)
    assert b4.summary()["input_pool"]["plane"] == [10, 10]


def test_a_pool_on_the_producers_only_path_is_the_producers_not_an_input_pool():
    """A pool that takes every use of its input is written pooled by the producer (its `pool`);
    the layer after it records no input pool (it would count the pool twice)."""
    net = Net(lambda s, x: s.c1(s.p(F.relu(s.c0(x)))), c0=conv(), c1=conv(4), p=nn.MaxPool2d(2))
    c0, c1 = records(net)
    assert c0.pool == POOL2 and c1.input_pool is None
    feeds(c0, c1)


def test_a_pool_read_through_a_relu_is_still_an_input_pool():
    """``conv(relu(max_pool2d(y)))`` with ``y`` also read unpooled: the ReLU keeps the pooled
    plane's zeros, so the pool is the layer's input pool, not lost."""
    net = Net(
        lambda s, x: torch.cat([s.b1(y := F.relu(s.c0(x))), s.b4(F.relu(s.bp(y)))], 1),
        c0=conv(), b1=nn.Conv2d(4, 2, 1), bp=nn.MaxPool2d(3, 1, padding=1), b4=nn.Conv2d(4, 2, 1),
    )  # fmt: skip
    _, _, b4 = records(net, side=10)
    assert b4.input_pool is not None and b4.input_pool.pool == BRANCH_POOL


def test_only_the_first_reader_of_a_shared_pool_pools_it():
    """Two convolutions read one pool node of a plane a third reads unpooled: the first pools
    it (its input pool), the second finds the plane pooled (the pool counted once)."""
    net = Net(
        lambda s, x: torch.cat(
            [s.b1(y := F.relu(s.c0(x))), s.b4(p := s.bp(y)), s.b5(p)], 1
        ),
        c0=conv(), b1=nn.Conv2d(4, 2, 1), bp=nn.MaxPool2d(3, 1, padding=1),
        b4=nn.Conv2d(4, 2, 1), b5=nn.Conv2d(4, 2, 1),
    )  # fmt: skip
    _, b1, b4, b5 = records(net, side=10)
    assert (b1.input_pool, b5.input_pool) == (None, None)
    assert b4.input_pool is not None and b4.input_pool.plane == (10, 10)
    np.testing.assert_array_equal(b4.input, b5.input)


def test_the_zoo_googlenet_has_nine_input_pools_before_its_fourth_branches():
    """GoogLeNet (Szegedy et al. 2015, fig. 2b): each of its nine inception modules pools its
    input 3 x 3 / 1 for the fourth branch, on the module's plane (28, 14 or 7 rows at 224 x 224);
    AlexNet and VGG-16 pool only whole outputs."""
    from desim.registry import MODEL

    def extracted(name: str):
        torch.manual_seed(0)
        shape = MODEL.metadata(name)["input_shape"]
        return extract(MODEL.get(name)(shape).eval(), torch.rand(1, *shape))

    pooled = [(r.name, r.input_pool) for r in extracted("googlenet") if r.input_pool]
    assert [name.split(".")[-2:] for name, _ in pooled] == [
        [f"inception{m}", "b4"] for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    ]
    assert all(p.pool == BRANCH_POOL for _, p in pooled)
    assert [p.plane[0] for _, p in pooled] == [28] * 2 + [14] * 5 + [7] * 2
    for name in ("alexnet", "vgg16"):
        assert not any(r.input_pool for r in extracted(name)), name
