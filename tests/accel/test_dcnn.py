"""DCNN and DCNN-opt: outputs equal torch's, cycles against the analytic bound, energy gating."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn

from desim.accel import FabricConfig, FunctionalMismatch
from desim.accel.dcnn import OPT_FIELDS, Dcnn, DcnnConfig, DcnnOpt, DcnnOptConfig
from desim.accel.dense_plan import ConvGeometry, partition
from desim.accel.layer import LayerRecord
from desim.cli import main
from desim.energy import EnergyReport, horowitz45
from desim.kernel.errors import ConfigError
from workloads.extract import extract
from workloads.workload import WorkloadSpec, build_workload


def mesh(rows: int, cols: int, **kw) -> DcnnConfig:
    return DcnnConfig(fabric=FabricConfig(topology_args={"rows": rows, "cols": cols}), **kw)


def tiny_cnn_layers() -> list[LayerRecord]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 12, 5, stride=2, padding=2, groups=2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(12 * 6 * 6, 10),
    )
    return extract(model, torch.relu(torch.randn(1, 3, 12, 12)))


@pytest.mark.parametrize(
    "config",
    [
        mesh(8, 8),  # more PEs than some layers have outputs: idle PEs
        mesh(2, 3),
        mesh(2, 2, activation_sram_bytes=512),  # most lines spill to DRAM
    ],
    ids=["8x8", "2x3", "2x2-spilling"],
)
def test_outputs_equal_torch_on_a_tiny_cnn(config):
    layers = tiny_cnn_layers()
    result = Dcnn(config).run(layers, {"model": "tiny"})
    assert [r.name for r in result.layers] == [layer.name for layer in layers]
    assert max(r.check_error for r in result.layers) < 1e-5
    for r, layer in zip(result.layers, layers, strict=True):
        assert r.dense_macs == layer.dense_macs
        assert r.useful_macs <= r.dense_macs


def test_outputs_equal_torch_on_every_lenet5_layer():
    workload = build_workload(WorkloadSpec("lenet5", provenance="synthetic", batch=1))
    result = Dcnn(mesh(4, 4)).run(workload.layers, {"model": "lenet5"})
    assert len(result.layers) == 5
    assert result.record()["check_passed"]


def test_a_wrong_output_is_an_error_not_a_warning():
    [layer] = tiny_cnn_layers()[:1]
    wrong = LayerRecord(
        layer.name,
        layer.kind,
        layer.weight,
        layer.bias,
        layer.input,
        layer.output + 0.01 * np.abs(layer.output).max(),
        layer.stride,
        layer.padding,
    )
    with pytest.raises(FunctionalMismatch, match="differ from torch"):
        Dcnn(mesh(2, 2)).run_layer(wrong)


def conv(c, k, h, r, weight_density: float = 1.0) -> LayerRecord:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(c, k, r, padding=r // 2))
    with torch.no_grad():  # pruned: a random share of the weights set to zero
        model[0].weight.mul_(torch.rand(model[0].weight.shape) < weight_density)
    [layer] = extract(model, torch.relu(torch.randn(1, c, h, h)))
    return layer


@pytest.mark.parametrize(("c", "k", "h", "r", "side"), [(64, 64, 16, 3, 2), (16, 32, 32, 3, 4)])
def test_cycles_are_the_busiest_pe_plus_the_delivery_it_cannot_hide(c, k, h, r, side):
    """Oracle: the busiest PE's positions x ceil(channels / 4) x ceil(filter / 4) cycles of
    compute on its 4 x 4 NFU, after its input window and first weights reach it through its
    ejection port (one flit per cycle)."""
    layer = conv(c, k, h, r)
    config = mesh(side, side)
    g = ConvGeometry.of(layer)
    part = partition(g, side * side, lanes=4)
    positions = max(b - a for a, b in part.position_runs)
    channels = max(b - a for a, b in part.channel_ranges)
    compute = positions * -(-channels // 4) * -(-g.filter_size // 4)
    width = config.fabric.flit_width_bits
    s, e = part.positions(0)
    rows = g.input_rows(s // g.Q, (e - 1) // g.Q)
    window = g.C * (min(g.H, rows[1] - g.padding[0]) - max(0, rows[0] - g.padding[0])) * g.W
    k0, k1 = part.channels(0)
    first_weights = (k1 - k0) * g.filter_size
    delivery = -(-(window + first_weights) * 16 // width)
    cycles = Dcnn(config).run_layer(layer).cycles
    assert compute + delivery <= cycles <= 1.05 * (compute + delivery)


def gating_only(rows: int, cols: int) -> DcnnOptConfig:
    """DCNN-opt with Eyeriss's gating alone: no zero flags."""
    fabric = FabricConfig(topology_args={"rows": rows, "cols": cols})
    return DcnnOptConfig(fabric=fabric, weight_zero_flags=False)


def test_dcnn_opt_saves_energy_not_cycles_and_gates_on_zero_operands():
    layer = conv(16, 16, 8, 3, weight_density=0.5)
    plain, opt = Dcnn(mesh(2, 2)).run_layer(layer), DcnnOpt(gating_only(2, 2)).run_layer(layer)
    assert plain.cycles == opt.cycles
    x = layer.input[0]
    # per filter tap, the non-zero inputs it reads and the non-zero weights at that tap
    padded = np.pad(x != 0, ((0, 0), (1, 1), (1, 1)))
    reads = [padded[:, i : i + 8, j : j + 8].sum(axis=(1, 2)) for i in range(3) for j in range(3)]
    live = sum(int(r.sum()) for r in reads) * layer.weight.shape[0]  # non-zero activation
    nonzero_w = [(layer.weight[:, :, i, j] != 0).sum(axis=0) for i in range(3) for j in range(3)]
    useful = sum(int(w @ r) for w, r in zip(nonzero_w, reads, strict=True))  # both non-zero
    assert 0 < useful < live < layer.dense_macs
    assert opt.counts.total("mul16") == opt.counts.total("add24") == useful
    assert opt.counts.total("mul16_gated") == layer.dense_macs - useful
    assert plain.counts.total("mul16") == layer.dense_macs
    # a zero activation gates the weight read; a zero weight is known only once read
    assert opt.counts.total("sram_read", "weight_buf") == 16 * live
    assert plain.counts.total("sram_read", "weight_buf") == 16 * layer.dense_macs
    # activations: each PE's NFU reads its patches from NBin once per group of 4 output
    # channels (4 ranges of 4 channels: one group); each bank reads the input lines it holds
    # once to send them, and the PE stages each block's footprint into NBin once (all 64
    # positions per PE, 2 blocks of 32 = 4 output rows, each reading 5 real input rows x 8 x 16
    # channels = 640 values, under NBin's 1,024)
    part = partition(ConvGeometry.of(layer), 4, lanes=4)
    assert part.n_k == 4
    patches = part.n_k * layer.dense_macs // layer.weight.shape[0]
    staged = 4 * 2 * 5 * 8 * 16
    for r in (plain, opt):  # gating leaves the activation reads alone
        assert r.counts.total("sram_read", "nbin") == 16 * patches
        assert r.counts.total("sram_write", "nbin") == 16 * staged
        assert r.counts.total("sram_read", "act_sram") == 16 * (staged + x.size)
        assert r.counts.total("sram_read", "nbout") == 0


def test_zero_flags_gate_a_zero_operands_own_read():
    """With zero flags (set as the buffers fill) a zero weight's and a zero activation's 16-bit
    reads are gated too: each read becomes one flag bit, and only non-zero values are read."""
    layer = conv(16, 16, 8, 3, weight_density=0.5)
    fabric = FabricConfig(topology_args={"rows": 2, "cols": 2})
    flagged = DcnnOptConfig(fabric=fabric, activation_zero_flags=True)
    opt, flags = DcnnOpt(gating_only(2, 2)).run_layer(layer), Dcnn(flagged).run_layer(layer)
    assert flags.cycles == opt.cycles
    useful = opt.counts.total("mul16")
    live = opt.counts.total("sram_read", "weight_buf") // 16  # MACs of non-zero activations
    assert flags.counts.total("sram_read", "weight_buf") == 16 * useful + live
    weights_in = opt.counts.total("sram_write", "weight_buf") // 16
    # DCNN-opt's default keeps the weight flags (a DCNN's config given to it gets them too)
    default = DcnnOpt(mesh(2, 2)).run_layer(layer)
    assert default.counts.total("sram_read", "weight_buf") == 16 * useful + live
    # the flags are an array a sixteenth of the 16 KB half: one bit read per live lane, one
    # written per weight received; the values' reads and writes at the half itself
    record = default.counts.record()
    assert record["weight_buf.sram_read.1KB"] == live
    assert record["weight_buf.sram_read.16KB"] == 16 * useful
    assert record["weight_buf.sram_write.1KB"] == weights_in
    assert record["weight_buf.sram_write.16KB"] == 16 * weights_in
    assert default.counts.total("sram_read", "nbin") == opt.counts.total("sram_read", "nbin")
    x = layer.input[0]
    part = partition(ConvGeometry.of(layer), 4, lanes=4)
    assert part.n_k == 4  # one group of 4 output channels per PE: patches read once
    patches = part.n_k * layer.dense_macs // layer.weight.shape[0]
    padded = np.pad(x != 0, ((0, 0), (1, 1), (1, 1)))
    nonzero = part.n_k * sum(
        int(padded[:, i : i + 8, j : j + 8].sum()) for i in range(3) for j in range(3)
    )
    assert flags.counts.total("sram_read", "nbin") == 16 * nonzero + patches
    staged = 4 * 2 * 5 * 8 * 16  # as in the test above; staging reads every value, with its flag
    assert flags.counts.total("sram_read", "act_sram") == 16 * (staged + x.size)
    assert flags.counts.total("sram_write", "nbin") == 17 * staged
    # one flag written per weight received and per activation placed in a window
    assert flags.counts.total("sram_write", "weight_buf") == 17 * weights_in


@pytest.mark.parametrize("key", OPT_FIELDS)
def test_dcnn_refuses_dcnn_opts_fields(capsys, key):
    """DCNN with gating was reported as DCNN-opt without being it: DCNN-opt's fields are set
    in DCNN-opt's config only."""
    message = f"'{key}' must be false for dcnn: it is DCNN-opt's (use --arch dcnn-opt)"
    with pytest.raises(ConfigError, match=re.escape(message)):
        DcnnConfig(**{key: True})
    argv = ["accel", "--arch", "dcnn", "--network", "lenet5", "--set", f"{key}=true"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("key", ["zero_gating", "compressed_dram"])
def test_dcnn_opt_refuses_its_optimisations_off(capsys, key):
    """DCNN-opt without its optimisations was silently DCNN-opt: now one line naming DCNN."""
    argv = ["accel", "--arch", "dcnn-opt", "--network", "lenet5", "--set", f"{key}=false"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"'{key}' must be true: it makes DCNN-opt (--arch dcnn runs without it)" in err
    assert err.count("\n") == 1


def test_dcnn_opt_gives_a_dcnn_config_its_defaults():
    """A plain DCNN config (DCNN-opt's fields at DCNN's values) gets DCNN-opt's defaults."""
    assert DcnnOpt(mesh(2, 2)).config == DcnnOptConfig(fabric=mesh(2, 2).fabric)


def test_a_weight_buffer_short_of_one_cycles_weights_is_refused_by_its_config():
    """Half the buffer must hold the 16 multipliers' 16-bit weights (32 bytes): refused when
    the config is made, before any layer is built, naming the key."""
    with pytest.raises(ConfigError, match=r"'weight_buffer_bytes' must hold.* \(64 bytes or more"):
        DcnnConfig(weight_buffer_bytes=16)
    assert DcnnConfig(weight_buffer_bytes=64).weight_buffer_bytes == 64


def test_same_seed_same_numbers():
    layers = tiny_cnn_layers()
    a = Dcnn(mesh(2, 2)).run(layers, {}).record()
    b = Dcnn(mesh(2, 2)).run(layers, {}).record()
    assert a == b


def nfu_layer() -> LayerRecord:
    """8 -> 8 channels, 3 x 3 filters on a 4 x 4 plane (16 positions, dot product of 72)."""
    return conv(8, 8, 4, 3)


def test_nfu_broadcasts_each_activation_read_to_four_output_channels():
    """Hand count on one PE (DianNao's 4 x 4 NFU): 16 positions x 8 channels x 72 weights =
    9,216 MACs, each reading its own weight; each position's 72 patch values read once per group
    of 4 channels (2 groups); 16 x 2 x ceil(72 / 4) = 576 cycles of compute. The 16-wide dot
    product ("dot") takes 16 x 8 x ceil(72 / 16) = 640 and reads the patch once per round."""
    layer = nfu_layer()
    nfu = Dcnn(mesh(1, 1)).run_layer(layer)
    dot = Dcnn(mesh(1, 1, dataflow="dot")).run_layer(layer)
    assert nfu.check_error < 1e-5 and dot.check_error < 1e-5
    macs = 16 * 8 * 72
    for r in (nfu, dot):
        assert r.counts.total("mul16") == r.counts.total("add24") == macs
        assert r.counts.total("sram_read", "weight_buf") == 16 * macs
    # the NFU reads its patches from NBin; the bank reads the lines it holds once, to place
    # them, and the window's 128 values once more into NBin (the 16 positions are one block)
    sent = layer.input.size
    assert nfu.counts.total("sram_read", "nbin") == 16 * 16 * 72 * 2
    assert dot.counts.total("sram_read", "nbin") == 16 * 16 * 72
    for r in (nfu, dot):
        assert r.counts.total("sram_read", "act_sram") == 16 * (sent + 128)
    # the same delivery (the weights from DRAM) before the first output: only compute differs
    assert nfu.cycles >= 576 and dot.cycles - nfu.cycles == 640 - 576


def test_nbin_stages_each_footprint_and_nbout_keeps_partial_sums_between_chunks():
    """Hand count on one PE (DianNao's NBin and NBout): the 16 positions (one block) read all
    128 activations of the 8 x 4 x 4 input. In the default 2 KB NBin (1,024 values) they are
    staged once; in a 64-byte NBin (32 values) in 4 chunks, and a 96-byte NBout holds 32 partial
    sums, under one channel group's 4 x 16: the chunks are staged again for each of the 2
    groups (256 values), and each of the 8 x 16 outputs' partial sums is written and read back
    3 times. The NFU's NBin reads and the cycles do not depend on either buffer, and without
    NBin (``input_buffer_bytes=0``) the NFU reads the bank. Energy: a 2 KB NBin is priced by
    Horowitz's power law below 8 KB (10 and 20 pJ per 64 bits at 8 and 32 KB: exponent 1/2),
    10 pJ x sqrt(2 / 8) = 5 pJ per 64 bits."""
    layer = nfu_layer()
    nfu_reads = 16 * 16 * 72 * 2
    default = Dcnn(mesh(1, 1)).run_layer(layer)
    small = Dcnn(mesh(1, 1, input_buffer_bytes=64, output_buffer_bytes=96)).run_layer(layer)
    none = Dcnn(mesh(1, 1, input_buffer_bytes=0)).run_layer(layer)
    assert default.cycles == small.cycles == none.cycles
    assert small.check_error < 1e-5
    sent = 16 * layer.input.size
    assert default.counts.total("sram_write", "nbin") == 16 * 128
    assert small.counts.total("sram_write", "nbin") == 16 * 256
    assert small.counts.total("sram_read", "act_sram") == sent + 16 * 256
    assert small.counts.total("sram_write", "nbout") == 24 * 3 * 8 * 16
    assert small.counts.total("sram_read", "nbout") == 24 * 3 * 8 * 16
    assert small.counts.total("sram_read", "nbin") == nfu_reads
    assert none.counts.total("sram_read", "act_sram") == sent + nfu_reads
    assert none.counts.total("sram_read", "nbin") == 0
    nbin = EnergyReport.from_counts(default.counts, horowitz45()).by_component()["nbin"]
    assert nbin == pytest.approx((nfu_reads + 16 * 128) * 5 / 64)


def test_nfu_slices_filters_that_do_not_fit_four_at_a_time():
    """A 256-byte weight buffer (128-byte half) holds 64 weights: 4 filters of 72 weights are cut
    into slices of 16 weights (72 = 4 x 16 + 8: 5 slices). Outputs still equal torch's; the
    partial sums of the 16 x 8 outputs are written after each of the first 4 slices and read
    back before each of the last 4 (24 bits each); weights, MACs and compute cycles
    (16 x 2 x (4 x 4 + 2) = 576) are those of the unsliced run."""
    layer = nfu_layer()
    whole = Dcnn(mesh(1, 1)).run_layer(layer)
    sliced = Dcnn(mesh(1, 1, weight_buffer_bytes=256)).run_layer(layer)
    assert sliced.check_error < 1e-5
    assert sliced.extra["rounds"] == 2 * 5
    outputs = 16 * 8
    assert sliced.counts.total("sram_write", "psum_buf") == 24 * outputs * 4
    assert sliced.counts.total("sram_read", "psum_buf") == 24 * outputs * 4
    assert whole.counts.total("sram_read", "psum_buf") == 0
    for action in ("mul16", "dram"):
        assert sliced.counts.total(action) == whole.counts.total(action)
    assert sliced.counts.total("sram_read", "weight_buf") == whole.counts.total(
        "sram_read", "weight_buf"
    )
    assert sliced.cycles >= 576


def test_bad_staging_buffers_are_named():
    with pytest.raises(ConfigError, match="'input_buffer_bytes' must be an integer >= 0, got -1"):
        DcnnConfig(input_buffer_bytes=-1)
    with pytest.raises(ConfigError, match="'output_buffer_bytes' must be an integer >= 1, got 0"):
        DcnnConfig(output_buffer_bytes=0)
    with pytest.raises(ConfigError, match="hold one NFU read of 4 16-bit values .8 bytes"):
        DcnnConfig(input_buffer_bytes=1)
    with pytest.raises(ConfigError, match="the 4 24-bit partial sums of one NFU cycle .12 bytes"):
        DcnnConfig(output_buffer_bytes=11)
    DcnnConfig(input_buffer_bytes=8, output_buffer_bytes=12)


def test_nfu_needs_a_square_array():
    with pytest.raises(ConfigError, match="'multipliers' must be a square"):
        DcnnConfig(multipliers=8)
    with pytest.raises(ConfigError, match="'dataflow' must be one of nfu, dot"):
        DcnnConfig(dataflow="systolic")
    DcnnConfig(multipliers=8, dataflow="dot")
