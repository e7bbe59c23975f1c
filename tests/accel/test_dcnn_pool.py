"""DCNN pools on its write-back path (`desim.accel.dcnn_pool`): the holders' pooled values equal
torch's ``max_pool2d(relu(conv))``, every conv value reaches every holder whose windows read it,
the writes are of pooled values (hand counts), a pooled layer spills less, and a layer without a
pool is run as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from desim.accel import FabricConfig, FunctionalMismatch
from desim.accel.dcnn import Dcnn, DcnnConfig, DcnnOpt, DcnnOptConfig
from desim.accel.dcnn_agents import DcnnLayer
from desim.accel.dcnn_pool import check_written
from desim.accel.layer import LayerRecord
from desim.accel.pooling import MaxPool
from desim.kernel.simulator import Simulator

POOLS = {"2x2/2": MaxPool((2, 2), (2, 2)), "3x3/2": MaxPool((3, 3), (2, 2))}


def mesh(cls=DcnnConfig, **kw) -> DcnnConfig:
    return cls(fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}), **kw)


def layer(pool: MaxPool | None, c=6, k=10, side=15, activation="relu", seed=0) -> LayerRecord:
    """A 3 x 3 convolution (padding 1) on a ``side`` x ``side`` ReLU'd input, then ``pool``."""
    torch.manual_seed(seed)
    x = torch.relu(torch.randn(1, c, side, side))
    w, b = torch.randn(k, c, 3, 3), torch.randn(k)
    y = F.conv2d(x, w, b, padding=1)
    return LayerRecord(
        "conv", "conv", w.numpy(), b.numpy(), x.numpy(), y.numpy(), (1, 1), (1, 1), 1,
        activation, pool,
    )  # fmt: skip


def simulate(record: LayerRecord, config: DcnnConfig) -> DcnnLayer:
    """Run the layer as `Dcnn.run_layer` does, noting what reaches each pooling unit."""
    sim = Simulator(seed=0)
    plan = DcnnLayer(sim, record, config)
    plan.received = []
    pool_at = plan.pool_at

    def noting(holder, out):
        plan.received.append((holder, out.index.copy()))
        return pool_at(holder, out)

    plan.pool_at = noting
    sim.elaborate()
    sim.run()
    plan.fabric.network.check_conservation()
    return plan


def torch_pooled(record: LayerRecord, pool: MaxPool) -> np.ndarray:
    out = torch.relu(torch.from_numpy(record.output[0]))
    return F.max_pool2d(out, pool.kernel, pool.stride).numpy()


@pytest.mark.parametrize("sram", [1 << 20, 2000], ids=["on-chip", "spilling"])
@pytest.mark.parametrize("name", POOLS)
def test_holders_write_torchs_pooled_plane_and_get_every_conv_value_they_need(name, sram):
    pool = POOLS[name]
    record = layer(pool)
    plan = simulate(record, mesh(activation_sram_bytes=sram))
    expected = torch_pooled(record, pool)
    np.testing.assert_allclose(plan.pooling.written, expected, rtol=0, atol=1e-5)
    if sram == 2000:
        assert plan.outputs.on_chip < plan.outputs.lines  # some pooled lines in DRAM
    # each holder received exactly the conv values its pooled lines' windows read (by hand: the
    # holder of pooled line (p, k) needs conv rows sr * p + [0, kr) and columns sc * q + [0, kc)
    # of channel k, q < Q'; the 2 x 2 pool reads no row or column 14)
    (kr, kc), (sr, sc) = pool.kernel, pool.stride
    received: dict[int, list[int]] = {}
    for holder, index in plan.received:
        received.setdefault(holder, []).extend(index.tolist())
    K, P, Q = 10, 15, 15
    Pp, Qp = expected.shape[1:]
    columns = {w for q in range(Qp) for w in range(sc * q, sc * q + kc)}
    needed: dict[int, set[int]] = {}
    for p in range(Pp):
        for k in range(K):
            holder = int(plan.outputs.owner(np.array([p * K + k]))[0])
            rows = range(sr * p, sr * p + kr)
            needed.setdefault(holder, set()).update(
                k * P * Q + h * Q + w for h in rows for w in columns
            )
    assert {h: sorted(v) for h, v in received.items()} == {h: sorted(v) for h, v in needed.items()}
    # ... once each (a conv value reaches a holder once, whichever PE computed it)
    assert all(len(v) == len(set(v)) for v in received.values())
    if name == "3x3/2":  # overlapping windows: some rows go to two holders
        assert sum(len(v) for v in received.values()) > K * P * Q
    assert plan.counts.total("add24", "pool_unit") == K * pool.window_taps(P, Q)
    assert np.all(plan.pooling.remaining == 0)


@pytest.mark.parametrize("name", POOLS)
def test_run_layer_checks_conv_and_pooled_outputs(name):
    pool = POOLS[name]
    r = Dcnn(mesh()).run_layer(layer(pool))
    assert r.check_error < 1e-5
    rows = 7  # (15 - 2) // 2 + 1 for both pools
    assert r.extra["pooled"] is True and r.extra["written_shape"] == f"10x{rows}x{rows}"
    plain = Dcnn(mesh()).run_layer(layer(None))
    assert plain.extra["pooled"] is False and plain.extra["written_shape"] == "10x15x15"


def test_a_wrong_pooled_plane_is_a_mismatch_naming_the_layer():
    record = layer(POOLS["2x2/2"])
    good = torch_pooled(record, POOLS["2x2/2"]).astype(np.float64)
    assert check_written(record, good) < 1e-6
    with pytest.raises(FunctionalMismatch, match="conv: pooled values differ from torch's"):
        check_written(record, good + 0.01 * np.abs(good).max())
    good[3, 2, 1] = np.nan
    with pytest.raises(FunctionalMismatch, match="conv: 1 pooled values were never written"):
        check_written(record, good)


def pooled_lines(record: LayerRecord, pool: MaxPool) -> np.ndarray:
    """torch's pooled plane as lines ``(p, k)`` in storage order (row, then channel)."""
    pooled = torch_pooled(record, pool)
    return pooled.transpose(1, 0, 2).reshape(-1, pooled.shape[2])


@pytest.mark.parametrize("name", POOLS)
def test_dense_dcnn_writes_each_pooled_value_once(name):
    """Bank writes + DRAM writes = the pooled values x 16 bits (7 x 7 x 10 of them)."""
    pool = POOLS[name]
    plan = simulate(layer(pool), mesh(activation_sram_bytes=2000))
    bank = plan.counts.total("sram_write", "act_sram")
    dram = plan.memory.dram.bytes_written * 8
    assert dram > 0 and bank > 0
    assert bank + dram == 10 * 7 * 7 * 16


@pytest.mark.parametrize("name", POOLS)
def test_dcnn_opt_writes_the_compressed_pooled_non_zeros_to_dram(name):
    """12-bit values: a compressed entry (value + 4-bit zero count) is 2 bytes, so DRAM's bytes
    are 2 x the non-zeros of the pooled lines past those the banks hold (counted by the banks'
    writes, 12 bits per pooled value)."""
    pool = POOLS[name]
    record = layer(pool, seed=3)
    lines = pooled_lines(record, pool)
    assert (lines == 0).any()  # the ReLU leaves zeros for compression to drop
    plan = simulate(record, mesh(DcnnOptConfig, activation_sram_bytes=1500, value_bits=12))
    on_chip = plan.counts.total("sram_write", "act_sram") // (12 * 7)
    assert 0 < on_chip < len(lines)
    assert plan.memory.dram.bytes_written == 2 * int(np.count_nonzero(lines[on_chip:]))


def test_dcnn_opt_compresses_unpooled_outputs_after_their_relu():
    """Without a pool, DCNN-opt's spilled output lines are compressed after the ReLU (the
    conv outputs before it are nearly all non-zero): 12-bit values, 2 bytes per non-zero of the
    ReLU'd lines past those on chip."""
    record = layer(None, seed=3)
    plan = simulate(record, mesh(DcnnOptConfig, activation_sram_bytes=1500, value_bits=12))
    out = np.maximum(record.output[0], 0)  # (K, P, Q); lines are (row, channel)
    lines = out.transpose(1, 0, 2).reshape(-1, out.shape[2])
    on_chip = plan.counts.total("sram_write", "act_sram") // (12 * out.shape[2])
    assert 0 < on_chip < len(lines)
    assert plan.memory.dram.bytes_written == 2 * int(np.count_nonzero(lines[on_chip:]))


def test_a_layer_that_spilled_unpooled_fits_once_pooled():
    """4 x 16 x 16 input (1,024 values), 8 x 16 x 16 conv output (2,048), pooled 8 x 8 x 8
    (512), in 1,600 values of SRAM (3,200 bytes). Unpooled the two share it: 1,600 / 3,072 of
    the 64 input lines (33) and of the 128 output lines (66) on chip, the rest in DRAM: lines
    (row, channel) 33-63 of the input are read once per run of output rows whose window covers
    them (4 PEs, 4 runs of 4 output rows; windows of input rows 0-4, 3-8, 7-12, 11-15: 0 + 3 + 19
    + 20 lines), output lines 66-127 written once. Pooled, both fit and DRAM carries the weights
    only (8 x 36 x 2 bytes)."""
    pool = POOLS["2x2/2"]
    pooled = layer(pool, c=4, k=8, side=16)
    config = mesh(activation_sram_bytes=3200)
    weights = 8 * 36 * 2
    spilled = Dcnn(config).run_layer(dataclasses.replace(pooled, pool=None))
    assert spilled.extra["partition"] == "4x1"
    assert spilled.dram_bytes == weights + (0 + 3 + 19 + 20) * 16 * 2 + (128 - 66) * 16 * 2
    fits = Dcnn(config).run_layer(pooled)
    assert fits.dram_bytes == weights
    assert fits.counts.total("sram_write", "act_sram") == 8 * 8 * 8 * 16


@pytest.mark.parametrize("activation", ["relu", "none"])
@pytest.mark.parametrize("design", [Dcnn, DcnnOpt])
def test_without_a_pool_the_layer_runs_as_with_an_identity_pool(design, activation):
    """pool=None takes the old path (conv outputs stored as they are); a 1 x 1 / 1 pool takes
    the pooling path and stores the same values at the same places: the same cycles, DRAM bytes,
    NoC and counts, but the one compare per value (DCNN-opt compresses the ReLU'd outputs on
    both paths)."""
    record = layer(None, activation=activation)
    identity = dataclasses.replace(record, pool=MaxPool((1, 1), (1, 1)))
    config = mesh(design.Config, activation_sram_bytes=2000)
    old, new = design(config).run_layer(record), design(config).run_layer(identity)
    compares = new.counts.record().pop("pool_unit.add24")
    assert compares == 10 * 15 * 15
    assert old.noc.record() == new.noc.record()
    assert old.cycles == new.cycles
    assert old.dram_bytes == new.dram_bytes
    recorded = new.counts.record()
    del recorded["pool_unit.add24"]
    assert old.counts.record() == recorded


@pytest.mark.parametrize(
    ("pool", "activation", "grid"),
    [
        (MaxPool((3, 3), (2, 2), (1, 1), ceil_mode=True), "relu", (2, 3)),
        (MaxPool((3, 3), (2, 2), (1, 1)), "none", (3, 2)),
        (MaxPool((2, 3), (2, 1), (1, 1), (1, 2)), "relu", (1, 5)),
    ],
    ids=["googlenet-ceil", "no-relu", "dilated"],
)
def test_padded_ceil_dilated_and_unrectified_pools_on_other_grids(pool, activation, grid):
    """Padding, ceil mode, dilation, a layer without a ReLU (the running maximum starts at
    -inf) and PE grids that are not square: what the holders write is torch's pooled plane, and
    every window's taps arrived (no counter left)."""
    record = layer(pool, activation=activation, seed=4)
    fabric = FabricConfig(topology_args={"rows": grid[0], "cols": grid[1]})
    plan = simulate(record, DcnnConfig(fabric=fabric, activation_sram_bytes=1500))
    out = torch.from_numpy(record.output[0])
    expected = F.max_pool2d(
        torch.relu(out) if activation == "relu" else out,
        pool.kernel, pool.stride, pool.padding, pool.dilation, pool.ceil_mode,
    ).numpy()  # fmt: skip
    np.testing.assert_allclose(plan.pooling.written, expected, rtol=0, atol=1e-5)
    assert np.all(plan.pooling.remaining == 0)
    assert plan.outputs.on_chip < plan.outputs.lines  # some pooled lines spilled to DRAM
