"""SCNN: functional check against torch, the cycle model against analytic oracles, sparsity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.scnn import Scnn, ScnnConfig, ScnnSparseA, ScnnSparseW, input_tile_bits
from desim.accel.scnn_pe import Geometry, Operands, PeArray, step_cycles
from desim.accel.scnn_plan import plan_conv
from desim.accel.scnn_work import Streams, conv_work, fc_work, nonzero_macs
from desim.kernel.errors import ConfigError
from desim.registry import ACCELERATOR


def conv_layer(rng, k=6, c=4, hw=(8, 8), rs=(3, 3), stride=1, pad=1, groups=1, wd=0.5, ad=0.5):
    w = rng.standard_normal((k, c // groups, *rs)).astype(np.float32)
    w *= rng.random(w.shape) < wd
    x = np.abs(rng.standard_normal((1, c, *hw))).astype(np.float32)
    x *= rng.random(x.shape) < ad
    out = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(w), stride=stride, padding=pad, groups=groups
    ).numpy()
    return LayerRecord(
        "conv", "conv", w, None, x, out, (stride, stride), (pad, pad), groups, "relu"
    )


def small(rows=2, cols=2, **kw) -> ScnnConfig:
    return ScnnConfig(fabric=FabricConfig(topology_args={"rows": rows, "cols": cols}), **kw)


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"stride": 2},
        {"stride": 2, "rs": (5, 5), "pad": 2, "hw": (11, 11)},
        {"groups": 2, "k": 4},
        {"pad": 0, "rs": (1, 1)},
        {"hw": (3, 3)},  # plane smaller than the 4 x 4 grid below
    ],
)
def test_conv_outputs_equal_torch(shape):
    layer = conv_layer(np.random.default_rng(1), **shape)
    result = Scnn(small(4, 4)).run([layer], {"model": "test"})
    (lr,) = result.layers
    assert lr.check_error < 1e-5
    assert lr.useful_macs == nonzero_macs(layer)
    assert lr.cycles > 0 and lr.noc.packets > 0


def test_fully_connected_on_the_same_pes():
    rng = np.random.default_rng(2)
    w = (rng.standard_normal((40, 64)) * (rng.random((40, 64)) < 0.4)).astype(np.float32)
    x = (np.abs(rng.standard_normal((1, 64))) * (rng.random((1, 64)) < 0.5)).astype(np.float32)
    layer = LayerRecord("fc", "linear", w, None, x, x @ w.T, activation="relu")
    (lr,) = Scnn(small()).run([layer], {}).layers
    assert lr.useful_macs == int(((w != 0) & (x != 0)).sum())
    # one activation per step: at most F of the F x I multipliers are useful (25% of peak)
    assert 0 < lr.multiplier_utilisation <= 0.25


def _geometry(height, width):
    one = lambda v: np.array([v])  # noqa: E731
    return Geometry(one(0), one(0), one(height), one(width), (1, 1), (0, 0))


def _dense_ops(kc, hw):
    k = np.arange(kc)
    x, y = np.divmod(np.arange(hw * hw), hw)
    zeros = np.zeros(kc, dtype=np.int64)
    return Operands(k, zeros, zeros, x, y, np.zeros(len(x), dtype=np.int64))


@pytest.mark.parametrize("kc,hw", [(4, 4), (5, 3), (1, 2), (9, 5)])
@pytest.mark.parametrize("conflicts", ["none", "max", "queue"])
def test_dense_step_count_oracle(kc, hw, conflicts):
    """Dense 1x1 operands: ceil(nnz_w / F) x ceil(nnz_a / I) steps; with the xor hash, a 1x1
    filter's products of one step never share a bank when a vector spans distinct (x0, y0, y1)."""
    pe = PeArray(conflict_model=conflicts)
    t = step_cycles(_dense_ops(kc, hw), _geometry(hw, hw), pe, 1)
    steps = -(-kc // 4) * -(-(hw * hw) // 4)
    assert t.steps[0] == steps
    assert t.accumulated[0] == kc * hw * hw
    if conflicts == "none":
        assert t.cycles[0] == steps


def test_all_products_on_one_bank_cost_the_documented_stall():
    """Linear hash, region area 32: k * 32 = 0 mod 32, so one activation's F products (k = 0..3)
    all hit one bank: each step costs F cycles ("max" model), 1 with ideal banks."""
    ops = Operands(
        np.arange(4),
        np.zeros(4, int),
        np.zeros(4, int),
        np.array([1]),
        np.array([2]),
        np.array([0]),
    )
    geo = _geometry(4, 8)
    stalled = step_cycles(ops, geo, PeArray(bank_hash="linear"), 1)
    ideal = step_cycles(ops, geo, PeArray(bank_hash="linear", conflict_model="none"), 1)
    assert (stalled.cycles[0], ideal.cycles[0], stalled.steps[0]) == (4, 1, 1)


def _thinned(layer, keep, rng):
    w = layer.weight * (rng.random(layer.weight.shape) < keep)
    x = layer.input * (rng.random(layer.input.shape) < keep)
    return LayerRecord("c", "conv", w, None, x, layer.output, layer.stride, layer.padding)


@pytest.mark.parametrize("model", ["none", "max", "queue"])
def test_fewer_non_zeros_never_cost_more_cycles(model):
    rng = np.random.default_rng(3)
    layer = conv_layer(rng, k=8, c=6, hw=(12, 12), wd=0.9, ad=0.9)
    plan = plan_conv(layer, (2, 2), 1024)
    previous = None
    for keep in (1.0, 0.7, 0.5, 0.3):
        layer = _thinned(layer, keep, rng)  # each layer's non-zeros are a subset of the last's
        work = conv_work(layer, plan, PeArray(conflict_model=model), Streams())
        busiest = int(work.cycles.max(axis=1).sum())  # the barrier waits for the busiest PE
        assert previous is None or busiest <= previous
        previous = busiest


def test_variants_exploit_less_sparsity_and_are_registered():
    layer = conv_layer(np.random.default_rng(5), wd=0.3, ad=0.4)
    cycles = {
        cls.arch: cls(small()).run([layer], {}).cycles for cls in (Scnn, ScnnSparseA, ScnnSparseW)
    }
    assert cycles["scnn"] < cycles["scnn-sparsea"] and cycles["scnn"] < cycles["scnn-sparsew"]
    assert ACCELERATOR.get("scnn-sparsea") is ScnnSparseA
    assert ACCELERATOR.metadata("scnn")["baselines"][:2] == ("dcnn", "dcnn-opt")


def test_same_config_and_seed_same_result():
    layer = conv_layer(np.random.default_rng(6))
    a = Scnn(small(), seed=3).run([layer], {}).to_json()
    b = Scnn(small(), seed=3).run([layer], {}).to_json()
    assert a == b


def test_bad_parameters_are_named():
    with pytest.raises(ConfigError, match="'bank_hash' must be one of xor, linear, got 'crc'"):
        ScnnConfig(bank_hash="crc")
    with pytest.raises(ConfigError, match="xor.*32 accumulator banks"):
        ScnnConfig(accumulator_banks=16)
    for kc in (0, -3, True, 2.5):
        with pytest.raises(ConfigError, match=f"'kc' must be an integer >= 1, got {kc}"):
            ScnnConfig(kc=kc)
    layer = conv_layer(np.random.default_rng(7), hw=(40, 40))
    with pytest.raises(ConfigError, match="accumulator region needs"):
        plan_conv(layer, (1, 1), 1024)


@pytest.mark.parametrize("stride,pad", [(1, 1), (2, 0), (1, 0)])
def test_class_histograms_equal_product_by_product(monkeypatch, stride, pad):
    """The fast path (per-class bank histograms) gives exactly the loads of the exact path."""
    import desim.accel.scnn_pe as scnn_pe

    layer = conv_layer(np.random.default_rng(8), k=12, c=3, hw=(13, 13), stride=stride, pad=pad)
    plan = plan_conv(layer, (2, 2), 1024, kc=8)
    fast = conv_work(layer, plan, PeArray(), Streams())
    monkeypatch.setattr(scnn_pe, "HASH_PERIODS", {})
    exact = conv_work(layer, plan, PeArray(), Streams())
    assert (fast.cycles == exact.cycles).all() and fast.accumulated == exact.accumulated


def test_layers_too_big_for_the_activation_rams_are_tiled_through_dram():
    layer = conv_layer(np.random.default_rng(9), k=8, c=8, hw=(16, 16), ad=0.9)
    roomy = Scnn(small()).run_layer(layer, input_in_dram=False)
    tight = Scnn(small(iaram_bytes=256, oaram_bytes=256)).run_layer(layer, input_in_dram=False)
    assert roomy.dram_bytes > 0 and not roomy.extra["output_to_dram"]  # weights only
    assert tight.extra["input_passes"] > 1 and tight.extra["output_to_dram"]
    assert tight.dram_bytes > roomy.dram_bytes + layer.input.size  # inputs in, outputs out


def test_a_layer_reads_back_the_input_its_predecessor_wrote_to_dram():
    # the first layer's outputs overflow 384-byte OARAMs, so they go to DRAM; the second
    # layer's input (the same values: 8 x 16 x 16 at density ~0.9) fits a 2 KB IARAM per PE
    # but is not on chip: it must be read back, the compressed tiles in full, once
    rng = np.random.default_rng(12)
    first = conv_layer(rng, k=8, c=8, hw=(16, 16), ad=0.9)
    w = conv_layer(rng, k=4, c=8, hw=(16, 16)).weight
    x = np.maximum(first.output, 0)
    y = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    second = LayerRecord("conv2", "conv", w, None, x, y, (1, 1), (1, 1))
    config = small(iaram_bytes=2048, oaram_bytes=384)
    one, two = Scnn(config).run([first, second], {"model": "test"}).layers
    assert one.extra["output_to_dram"] and two.extra["input_passes"] == 1
    plan = plan_conv(second, (2, 2), config.pe_array().accumulator_entries)
    tiles = input_tile_bits(second, plan, config.streams())
    assert two.extra["dram_input_bytes"] == -(-int(tiles.sum()) // 8) > 0
    alone = Scnn(config).run_layer(second, input_in_dram=False)
    assert alone.extra["dram_input_bytes"] == 0
    assert two.dram_bytes == alone.dram_bytes + two.extra["dram_input_bytes"]
    assert two.extra["dram_weights_bytes"] + two.extra["dram_output_bytes"] == alone.dram_bytes


def _one_by_one(w, x):
    """A 1 x 1 convolution layer (weights ``(K, C)``, input ``(C, H, W)``), no padding."""
    w4 = w[:, :, None, None].astype(np.float32)
    x4 = x[None].astype(np.float32)
    out = np.einsum("kc,nchw->nkhw", w4[:, :, 0, 0], x4)
    return LayerRecord("c", "conv", w4, None, x4, out, (1, 1), (0, 0))


@pytest.mark.parametrize("operand", ["weights", "activations"])
def test_placeholders_take_vector_slots(operand):
    """Hand count: a stream 0, 17, 18, 19 (16 zeros between the first two) is coded as 5
    entries, a zero-valued placeholder at position 16 (4-bit zero runs, Parashar et al.,
    ISCA 2017), so 4 non-zeros fill two 4-wide vectors, not one: 2 steps against the other
    operand's single vector. Dense streams (the variants) store every position: 20 entries,
    5 vectors."""
    nonzero = np.zeros(20)
    nonzero[[0, 17, 18, 19]] = 1.0
    if operand == "weights":  # 20 output channels of one input channel, at one pixel
        layer = _one_by_one(nonzero[:, None], np.ones((1, 1, 1)))
    else:  # one filter weight, a 1 x 20 input plane
        layer = _one_by_one(np.ones((1, 1)), nonzero[None, None, :])
    plan = plan_conv(layer, (1, 1), 1024)
    pe = PeArray(conflict_model="none")
    work = conv_work(layer, plan, pe, Streams())
    assert (work.steps, work.accumulated) == (2, 5)
    assert nonzero_macs(layer) == 4
    dense = conv_work(layer, plan, pe, Streams(sparse_weights=False, sparse_activations=False))
    assert dense.steps == 5


def test_placeholders_take_weight_slots_in_fully_connected_layers():
    """Hand count: one input neuron whose column of 20 weights is non-zero at 0, 17, 18, 19
    streams 5 entries (a placeholder at 16): 2 steps of F = 4 weights on one PE, not 1."""
    w = np.zeros((20, 1), np.float32)
    w[[0, 17, 18, 19], 0] = 1.0
    x = np.ones((1, 1), np.float32)
    layer = LayerRecord("fc", "linear", w, None, x, x @ w.T)
    work = fc_work(layer, 1, PeArray(conflict_model="none"), Streams())
    assert (work.steps, work.accumulated) == (2, 5)
