"""SCNN's PPU pools before it compresses: the pooled tiles, the values that cross PEs for the
windows, their cycles and what reaches the OARAM or DRAM (oracles: torch's max_pool2d, brute
force over the windows, hand counts)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from desim.accel.dcnn import Dcnn, DcnnConfig
from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.pooling import InputPool, MaxPool
from desim.accel.scnn import Scnn, ScnnConfig, output_tile_bits
from desim.accel.scnn_func import conv_outputs
from desim.accel.scnn_plan import plan_conv, split
from desim.kernel.errors import ConfigError

POOL_3S2 = MaxPool((3, 3), (2, 2))


def _layer(k: int, c: int, side: int, pool: MaxPool | None, seed: int = 3) -> LayerRecord:
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((k, c, 3, 3)) * (rng.random((k, c, 3, 3)) < 0.6)).astype(np.float32)
    x = np.maximum(rng.standard_normal((1, c, side, side)), 0).astype(np.float32)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    return LayerRecord("c", "conv", w, None, x, out, padding=(1, 1), activation="relu", pool=pool)


def _owner(length: int, parts: int) -> np.ndarray:
    """Which band of ``split(length, parts)`` each index is in."""
    return np.searchsorted(split(length, parts), np.arange(length), side="right") - 1


def _window_values_sent(side: int, pool: MaxPool, grid: tuple[int, int]) -> np.ndarray:
    """Brute force: for every pooled value of a ``side x side`` plane, the values its window
    reads; each that another PE's tile holds is sent once to the pooled value's owner (values
    needed by two windows of one PE once). ``(pes, pes)`` counts per channel."""
    rows, cols = pool.output_size(side, side)
    out_row, out_col = _owner(side, grid[0]), _owner(side, grid[1])
    pooled_row, pooled_col = _owner(rows, grid[0]), _owner(cols, grid[1])
    needed: set[tuple[int, int, int, int]] = set()  # (sender, receiver, row, col)
    for p in range(rows):
        for q in range(cols):
            receiver = pooled_row[p] * grid[1] + pooled_col[q]
            for i in range(pool.kernel[0]):
                for j in range(pool.kernel[1]):
                    r = p * pool.stride[0] - pool.padding[0] + i * pool.dilation[0]
                    s = q * pool.stride[1] - pool.padding[1] + j * pool.dilation[1]
                    if 0 <= r < side and 0 <= s < side:
                        sender = out_row[r] * grid[1] + out_col[s]
                        if sender != receiver:
                            needed.add((sender, receiver, r, s))
    expected = np.zeros((grid[0] * grid[1],) * 2, dtype=np.int64)
    for sender, receiver, _, _ in needed:
        expected[sender, receiver] += 1
    return expected


@pytest.mark.parametrize(
    ("side", "pool", "grid"),
    [
        (55, POOL_3S2, (8, 8)),
        (14, MaxPool((3, 3), (2, 2), (1, 1)), (8, 8)),
        (14, MaxPool((3, 3), (2, 2), (1, 1), ceil_mode=True), (2, 3)),
        (21, MaxPool((2, 2), (2, 2)), (1, 7)),
        (13, MaxPool((2, 3), (1, 2), (1, 1), (2, 1)), (3, 2)),
        (16, None, (4, 4)),
    ],
)
def test_pool_areas_are_the_window_outputs_another_pe_owns(side, pool, grid):
    """Every output a pooled value's window reads that another PE owns is sent to the pooled
    value's owner once (brute force)."""
    layer = _layer(2, 1, side, pool)
    plan = plan_conv(layer, grid, 1024)
    if pool is None:
        assert plan.pool_areas is None and plan.written_tiles == plan.output_tiles
        return
    expected = _window_values_sent(side, pool, grid)
    np.testing.assert_array_equal(plan.pool_areas, expected)
    assert expected.sum() > 0


BRANCH_POOL = MaxPool((3, 3), (1, 1), (1, 1))


def _input_pooled(side: int, pool: MaxPool, seed: int = 4) -> LayerRecord:
    """A 1 x 1 convolution of the max pool of a ``side x side`` plane (an inception module's
    fourth branch): its input is the pooled plane, its input pool the unpooled plane's."""
    rng = np.random.default_rng(seed)
    plane = np.maximum(rng.standard_normal((1, 3, side, side)), 0).astype(np.float32)
    x = pool.apply(plane[0])[None]
    w = rng.standard_normal((2, 3, 1, 1)).astype(np.float32)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    return LayerRecord(
        "b4", "conv", w, None, x, out, activation="relu", input_pool=InputPool(pool, (side, side))
    )


@pytest.mark.parametrize(
    ("side", "pool", "grid"),
    [
        (28, BRANCH_POOL, (8, 8)),
        (7, BRANCH_POOL, (8, 8)),
        (13, MaxPool((3, 3), (2, 2)), (2, 3)),
        (10, MaxPool((2, 2), (2, 2), ceil_mode=True), (3, 1)),
    ],
)
def test_input_pool_areas_are_the_window_values_another_pe_holds(side, pool, grid):
    """An input pool's exchange is over the unpooled plane as the producers tiled it and the
    pooled plane as this layer tiles its input (brute force, as for an output pool)."""
    layer = _input_pooled(side, pool)
    plan = plan_conv(layer, grid, 1024)
    assert plan.pool_areas is None
    np.testing.assert_array_equal(plan.input_pool_areas, _window_values_sent(side, pool, grid))
    assert plan.input_pool_areas.sum() > 0
    assert plan_conv(replace(layer, input_pool=None), grid, 1024).input_pool_areas is None


def test_written_tiles_are_the_next_layers_input_tiles():
    """The pooled plane is tiled as the next layer tiles its input: no reshuffle between them."""
    first = _layer(4, 2, 55, POOL_3S2)
    pooled = F.max_pool2d(F.relu(torch.from_numpy(first.output)), 3, 2).numpy()
    second = replace(first, input=pooled, weight=first.weight[:, :2].repeat(2, axis=1), pool=None)
    written = plan_conv(first, (8, 8), 1024).written_tiles
    assert written == plan_conv(second, (8, 8), 1024).input_tiles


@pytest.mark.parametrize("side", [13, 55])
def test_output_bits_are_the_pooled_tiles_compressed(side):
    """What the PPU writes is torch's pooled plane, each PE its tile of it, in the code's
    per-channel blocks."""
    layer = _layer(8, 3, side, POOL_3S2)
    config = ScnnConfig()
    streams = config.streams()
    plan = plan_conv(layer, (8, 8), config.pe_array().accumulator_entries)
    out = conv_outputs(layer, plan)
    pooled = F.max_pool2d(F.relu(torch.from_numpy(out[None])), 3, 2)[0].numpy()
    np.testing.assert_array_equal(layer.written(out), pooled)
    bits = output_tile_bits(layer, plan, out, streams)
    rows, cols = split(pooled.shape[1], 8), split(pooled.shape[2], 8)
    for pe in range(64):
        i, j = divmod(pe, 8)
        tile = pooled[:, rows[i] : rows[i + 1], cols[j] : cols[j + 1]].reshape(8, -1) != 0
        expected = streams.block_bits(tile, True).sum() if tile.size else 0
        assert bits[:, pe].sum() == expected, pe
    empty = [pe for pe, (r0, r1, c0, c1) in enumerate(plan.written_tiles) if r0 == r1 or c0 == c1]
    assert (len(empty) > 0) == (side == 13)


def test_a_large_plane_writes_less_pooled():
    """On AlexNet conv1's 55 x 55 plane, 7 x 7 tiles pooled to 3 x 3 or 4 x 4: fewer bits,
    although pooling raises the density (a window's max is zero only if all of it is)."""
    layer = _layer(8, 3, 55, POOL_3S2)
    config = ScnnConfig()
    entries = config.pe_array().accumulator_entries
    plan = plan_conv(layer, (8, 8), entries)
    out = conv_outputs(layer, plan)
    whole = replace(layer, pool=None)
    pooled = output_tile_bits(layer, plan, out, config.streams()).sum()
    unpooled = output_tile_bits(whole, plan_conv(whole, (8, 8), entries), out, config.streams())
    assert (layer.written(out) != 0).mean() > (whole.written(out) != 0).mean()
    assert pooled < unpooled.sum() / 2


def _two_pe_layer(k: int, pool: MaxPool | None) -> LayerRecord:
    """A 1 x 2 plane on 1 x 2 PEs (one pixel each), pooled 1 x 2 into one value that PE 1 owns:
    PE 0 sends it its K outputs."""
    rng = np.random.default_rng(5)
    w = rng.standard_normal((k, 2, 1, 3)).astype(np.float32)
    x = np.abs(rng.standard_normal((1, 2, 1, 2))).astype(np.float32) + 0.1
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=(0, 1)).numpy()
    return LayerRecord("c", "conv", w, None, x, out, (1, 1), (0, 1), 1, "relu", pool)


def _two_pes(**kw) -> Scnn:
    return Scnn(ScnnConfig(fabric=FabricConfig(topology_args={"rows": 1, "cols": 2}), **kw))


@pytest.mark.parametrize("compares", [1, 2, 6])
def test_the_pool_exchange_costs_a_trip_and_the_compares(compares):
    """After its own read-out PE 1 waits for PE 0's 6 values (one message) and compares them at
    the compare rate: the pooled layer is longer by the trip plus ceil(6 / compares), and the
    trip does not depend on the rate."""
    pool = MaxPool((1, 2), (1, 2))
    config = {"ppu_compares_per_cycle": compares}
    pooled = _two_pes(**config).run_layer(_two_pe_layer(6, pool), False)
    plain = _two_pes(**config).run_layer(_two_pe_layer(6, None), False)
    assert pooled.noc.packets - plain.noc.packets == 1
    trip = pooled.cycles - plain.cycles - -(-6 // compares)
    assert trip > 0
    reference = _two_pes().run_layer(_two_pe_layer(6, pool), False)
    assert reference.cycles - _two_pes().run_layer(_two_pe_layer(6, None), False).cycles == trip + 6
    assert pooled.extra["written_shape"] == "6x1x1" and plain.extra["written_shape"] == "6x1x2"


def test_pooling_energy_hand_counted():
    """PPU logic: a ReLU per output read out (12), a compare per window tap (6 windows of 2) and
    a compression per value written (6): 30 24-bit adds, against 24 without the pool."""
    pooled = _two_pes().run_layer(_two_pe_layer(6, MaxPool((1, 2), (1, 2))), False)
    plain = _two_pes().run_layer(_two_pe_layer(6, None), False)
    assert pooled.counts.total("add24", "ppu") == 12 + 12 + 6
    assert plain.counts.total("add24", "ppu") == 12 + 12


def test_a_layer_whose_outputs_fit_only_pooled_stays_on_chip():
    """The OARAM holds the pooled tile, not the convolution's: with an OARAM between the two, the
    unpooled layer writes to DRAM and the pooled one does not."""
    layer = _layer(32, 4, 16, MaxPool((2, 2), (2, 2)))
    whole = replace(layer, pool=None)
    base = ScnnConfig(fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}))
    entries = base.pe_array().accumulator_entries
    plan = plan_conv(layer, (2, 2), entries)
    out = conv_outputs(layer, plan)
    pooled_bits = output_tile_bits(layer, plan, out, base.streams()).sum(axis=0).max()
    whole_bits = output_tile_bits(whole, plan_conv(whole, (2, 2), entries), out, base.streams())
    oaram = int(-(-pooled_bits // 8))
    assert whole_bits.sum(axis=0).max() > 8 * oaram
    config = replace(base, oaram_bytes=oaram)
    fits = Scnn(config).run_layer(layer, False)
    spills = Scnn(config).run_layer(whole, False)
    assert not fits.extra["output_to_dram"] and fits.extra["dram_output_bytes"] == 0
    assert spills.extra["output_to_dram"]
    assert spills.extra["dram_output_bytes"] == sum(-(-int(b) // 8) for b in whole_bits.ravel())


def _two_pe_branch(channels: int) -> LayerRecord:
    """A 1 x 2 plane on 1 x 2 PEs (one pixel each), pooled 1 x 3 / 1 with padding 1 before a
    1 x 1 convolution: each PE's window reads the other's pixel, ``channels`` values each way."""
    plane = np.abs(np.random.default_rng(6).standard_normal((channels, 1, 2)))
    pool = MaxPool((1, 3), (1, 1), (0, 1))
    x = pool.apply(plane)[None].astype(np.float32)
    w = np.ones((2, plane.shape[0], 1, 1), dtype=np.float32)
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    return LayerRecord(
        "b4", "conv", w, None, x, out, activation="relu", input_pool=InputPool(pool, (1, 2))
    )


@pytest.mark.parametrize("compares", [1, 2, 6])
def test_the_input_pool_costs_a_trip_and_the_compares_before_the_multiplies(compares):
    """Each PE sends the other its 6 values (one message each way) as the layer starts and
    compares in the 6 it receives at the compare rate: the trip plus ceil(6 / compares), the
    trip not depending on the rate; the layer is no shorter than without the pool."""
    layer = _two_pe_branch(6)
    pooled = _two_pes(ppu_compares_per_cycle=compares).run_layer(layer, False)
    plain = _two_pes(ppu_compares_per_cycle=compares).run_layer(
        replace(layer, input_pool=None), False
    )
    assert pooled.noc.packets - plain.noc.packets == 2
    trip = pooled.extra["input_pool_cycles_max"] - -(-6 // compares)
    assert trip > 0 and plain.extra["input_pool_cycles_max"] == 0
    reference = _two_pes().run_layer(layer, False)
    assert reference.extra["input_pool_cycles_max"] == trip + 6
    assert pooled.cycles >= plain.cycles


def test_input_pool_energy_hand_counted():
    """The input pool's compares: each of the 2 windows reads both pixels, for 6 channels: 24
    24-bit adds more than without it (in SCNN's PPU and DCNN's pooling units alike)."""
    layer = _two_pe_branch(6)
    plain = replace(layer, input_pool=None)
    pooled, unpooled = (_two_pes().run_layer(r, False).counts for r in (layer, plain))
    assert pooled.total("add24", "ppu") - unpooled.total("add24", "ppu") == 2 * 2 * 6
    config = DcnnConfig(fabric=FabricConfig(topology_args={"rows": 1, "cols": 2}))
    pooled, unpooled = (Dcnn(config).run_layer(r).counts for r in (layer, plain))
    assert pooled.total("add24", "pool_unit") == 2 * 2 * 6
    assert unpooled.total("add24", "pool_unit") == 0


def test_an_input_pool_that_does_not_make_the_layers_input_is_refused():
    """A 10 x 10 plane pooled 2 x 2 is 5 x 5; a layer whose input is 8 x 8 cannot read it."""
    layer = _input_pooled(8, BRANCH_POOL)
    wrong = replace(layer, input_pool=InputPool(MaxPool((2, 2), (2, 2)), (10, 10)))
    with pytest.raises(ConfigError, match=r"b4: its input pool makes a 10 x 10 plane 5 x 5, but"):
        plan_conv(wrong, (2, 2), 1024)
