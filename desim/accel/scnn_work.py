"""A layer's PE work in bulk: cycles per (Kc group, PE), products, buffer traffic.

For every Kc group, input channel and stride class, `desim.accel.scnn_pe.step_cycles` gives every
PE's multiplier-array cycles at once; the event model (`desim.accel.scnn`) then spends them per
(group, PE) between the weight broadcast, the barrier and the halo exchange.

Stride > 1 (DNNsim's stride-phase classes [1]_): activations of input row ``x`` are in class
``(x + pad) mod stride``, weights of filter row ``r`` in class ``r mod stride``; only matching
classes are multiplied (every other pairing lands between output pixels), each class as its own
vector stream, their cycles added. No product is wasted on the stride; class streams fragment
more (smaller streams fill fewer vectors).

Which operands stream (`Streams`): SCNN streams non-zeros only; SCNN-SparseA streams every weight
(zeros included), SCNN-SparseW every activation, uncompressed.

References
----------
.. [1] DNNsim, core/src/SCNN.cpp (isakedo/DNNsim).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desim.accel.layer import LayerRecord
from desim.accel.scnn_func import coded_mask, rlc_entries
from desim.accel.scnn_pe import Geometry, Operands, PeArray, step_cycles
from desim.accel.scnn_plan import ConvPlan, split

__all__ = ["WEIGHT_ORDERS", "Streams", "LayerWork", "conv_work", "fc_work", "nonzero_macs"]


WEIGHT_ORDERS = ("rsk", "krs")


@dataclass(frozen=True)
class Streams:
    """Which operands are compressed (zeros skipped), the code's field widths, and the order of
    a weight block in the stream: ``"rsk"`` (output channel fastest: a weight vector spans F
    output channels at one filter tap, which the xor hash spreads over banks) or ``"krs"``
    (filter tap fastest: neighbouring weights of one filter row, whose products with
    neighbouring activations meet on the same outputs)."""

    sparse_weights: bool = True
    sparse_activations: bool = True
    value_bits: int = 16
    index_bits: int = 4
    count_bits: int = 16
    weight_order: str = "rsk"

    @property
    def max_run(self) -> int:
        """Longest zero run one index field codes."""
        return 2**self.index_bits - 1

    def entry_bits(self, sparse: bool) -> int:
        """Bits per streamed entry (value plus, when compressed, its zero-run index)."""
        return self.value_bits + (self.index_bits if sparse else 0)

    def block_bits(self, mask: np.ndarray, sparse: bool) -> np.ndarray:
        """Size in bits of each row of ``mask`` (True = non-zero) as the stream stores it."""
        if not sparse:
            return np.full(mask.shape[0], mask.shape[1] * self.value_bits, dtype=np.int64)
        entries = rlc_entries(mask, self.max_run)
        return entries * self.entry_bits(True) + self.count_bits


@dataclass
class LayerWork:
    """Everything the PEs do in one layer, in bulk.

    Attributes
    ----------
    channel_cycles : numpy.ndarray
        ``(groups, input channels, pes)`` multiplier-array cycles, channel by channel in stream
        order (`cycles` sums the channels).
    accumulated, discarded : int
        Products accumulated, and products formed then dropped (off the output plane).
    steps : int
        Multiplier-array steps (all PEs).
    channel_weight_bits : list of numpy.ndarray
        Per group, the compressed weights of each input channel, in stream order.
    reads : dict
        Bits read and written per buffer: ``weight_fifo_read``, ``weight_fifo_write``,
        ``iaram_read``, ``accumulator``.
    """

    channel_cycles: np.ndarray
    accumulated: int = 0
    discarded: int = 0
    steps: int = 0
    channel_weight_bits: list[np.ndarray] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=dict)

    @property
    def cycles(self) -> np.ndarray:
        """``(groups, pes)`` multiplier-array cycles."""
        return self.channel_cycles.sum(axis=1)


def nonzero_macs(layer: LayerRecord) -> int:
    """Products of two non-zero operands that land on an output (sample 0).

    For a convolution: for every filter tap ``(r, s)``, the non-zero weights at that tap of each
    input channel times the non-zero inputs that tap reads over the output plane.
    """
    if layer.kind == "linear":
        a = layer.input[0].reshape(-1) != 0
        return int(((layer.weight != 0) & a[None, :]).sum())
    (sr, ss), (pr, ps) = layer.stride, layer.padding
    _, _, p_out, q_out = layer.output.shape
    taps_r, taps_s = layer.weight.shape[2:]
    padded = np.pad(layer.input[0] != 0, ((0, 0), (pr, pr), (ps, ps)))
    k_per, c_per = layer.weight.shape[0] // layer.groups, layer.weight.shape[1]
    total = 0
    for r in range(taps_r):
        for s in range(taps_s):
            reads = padded[:, r : r + sr * p_out : sr, s : s + ss * q_out : ss].sum(axis=(1, 2))
            for g in range(layer.groups):
                weights = (layer.weight[g * k_per : (g + 1) * k_per, :, r, s] != 0).sum(axis=0)
                total += int(weights @ reads[g * c_per : (g + 1) * c_per])
    return total


def _channel_activations(layer: LayerRecord, plan: ConvPlan, streams: Streams):  # type: ignore[no-untyped-def]
    """Per input channel: (row, column, tile) of its streamed activations, grouped by tile
    (compressed: each tile's non-zeros and placeholders, row-major, `coded_mask`)."""
    x = layer.input[0]
    if not streams.sparse_activations:
        chan, row, col = np.nonzero(np.ones(x.shape, bool))
    else:
        stored = x != 0
        for r0, r1, c0, c1 in plan.input_tiles:
            tile = stored[:, r0:r1, c0:c1]
            flat = coded_mask(tile.reshape(len(tile), -1), streams.max_run)
            stored[:, r0:r1, c0:c1] = flat.reshape(tile.shape)
        chan, row, col = np.nonzero(stored)
    rows, cols = plan.grid
    band_r = np.searchsorted(split(x.shape[1], rows), row, side="right") - 1
    band_c = np.searchsorted(split(x.shape[2], cols), col, side="right") - 1
    tile = band_r * cols + band_c
    order = np.lexsort((col, row, tile, chan))
    chan, row, col, tile = chan[order], row[order], col[order], tile[order]
    cuts = np.searchsorted(chan, np.arange(1, x.shape[0]))
    return list(zip(np.split(row, cuts), np.split(col, cuts), np.split(tile, cuts), strict=True))


def _geometry(layer: LayerRecord, plan: ConvPlan) -> Geometry:
    regions = np.array(plan.regions, dtype=np.int64).reshape(-1, 4)
    return Geometry(
        regions[:, 0],
        regions[:, 2],
        regions[:, 1] - regions[:, 0],
        regions[:, 3] - regions[:, 2],
        layer.stride,
        layer.padding,
    )


def _add(work: LayerWork, key: str, bits: int) -> None:
    work.reads[key] = work.reads.get(key, 0) + int(bits)


def conv_work(layer: LayerRecord, plan: ConvPlan, pe: PeArray, streams: Streams) -> LayerWork:
    """Every PE's cycles per Kc group, and the layer's products and buffer traffic."""
    acts = _channel_activations(layer, plan, streams)
    geo = _geometry(layer, plan)
    (sr, ss), (pr, ps) = layer.stride, layer.padding
    c_per = layer.weight.shape[1]
    work = LayerWork(np.zeros((len(plan.groups), c_per, plan.pes), dtype=np.int64))
    w_entry = streams.entry_bits(streams.sparse_weights)
    a_entry = streams.entry_bits(streams.sparse_activations)
    order = (1, 2, 0) if streams.weight_order == "rsk" else (0, 1, 2)  # (k, r, s) axes in order
    for gi, (cg, k0, k1) in enumerate(plan.groups):
        block = layer.weight[k0:k1].transpose(1, 0, 2, 3)  # (channel, Kc, R, S)
        mask = block != 0 if streams.sparse_weights else np.ones(block.shape, bool)
        mask = mask.transpose(0, *(1 + a for a in order))  # (channel, then the stream order)
        work.channel_weight_bits.append(
            streams.block_bits(mask.reshape(c_per, -1), streams.sparse_weights)
        )
        if streams.sparse_weights:  # placeholders take weight slots like non-zeros
            mask = coded_mask(mask.reshape(c_per, -1), streams.max_run).reshape(mask.shape)
        for cl in range(c_per):
            coords = np.nonzero(mask[cl])
            wk, wr, ws = (coords[order.index(axis)] for axis in (0, 1, 2))
            ax, ay, tile = acts[cg * c_per + cl]
            for ar in range(sr):
                for as_ in range(ss):
                    wsel = (wr % sr == ar) & (ws % ss == as_)
                    asel = ((ax + pr) % sr == ar) & ((ay + ps) % ss == as_)
                    ops = Operands(wk[wsel], wr[wsel], ws[wsel], ax[asel], ay[asel], tile[asel])
                    t = step_cycles(ops, geo, pe, plan.pes)
                    work.channel_cycles[gi, cl] += t.cycles
                    work.accumulated += int(t.accumulated.sum())
                    work.discarded += int(t.discarded.sum())
                    work.steps += int(t.steps.sum())
                    _add(
                        work,
                        "weight_fifo_read",
                        int(t.activation_vectors.sum()) * len(ops.wk) * w_entry,
                    )
            _add(work, "iaram_read", len(ax) * a_entry)
            _add(work, "weight_fifo_write", len(wk) * w_entry * plan.pes)
    _add(work, "accumulator", work.accumulated * 24)
    return work


def fc_work(layer: LayerRecord, pes: int, pe: PeArray, streams: Streams) -> LayerWork:
    """A fully connected layer on the same PEs: each owns a band of output neurons.

    Only one input neuron's products are useful together, so each step pairs one activation
    (``I - 1`` lanes idle) with ``F`` consecutive non-zero weights of its column in the PE's
    band: 25% of peak at best, as the paper reports. A neuron goes to bank ``m mod A``.
    """
    x = layer.input[0].reshape(-1)
    active = np.flatnonzero(x != 0) if streams.sparse_activations else np.arange(x.size)
    bounds = split(layer.weight.shape[0], pes)
    work = LayerWork(np.zeros((1, 1, pes), dtype=np.int64))
    w_entry = streams.entry_bits(streams.sparse_weights)
    for p in range(pes):
        band = layer.weight[bounds[p] : bounds[p + 1], active]
        mask = band != 0 if streams.sparse_weights else np.ones(band.shape, bool)
        if streams.sparse_weights:  # each input's column of the band, placeholders included
            mask = coded_mask(mask.T, streams.max_run).T
        col, row = np.nonzero(mask.T)
        if len(col) == 0:
            continue
        first = np.concatenate(([0], np.cumsum(np.bincount(col, minlength=band.shape[1]))[:-1]))
        rank = np.arange(len(col)) - first[col]
        per_col = -(-np.bincount(col, minlength=band.shape[1]) // pe.f)
        vector = np.concatenate(([0], np.cumsum(per_col)[:-1]))[col] + rank // pe.f
        if pe.conflict_model == "max":
            n_vectors = int(per_col.sum())
            load = np.bincount(vector * pe.banks + row % pe.banks, minlength=n_vectors * pe.banks)
            cost = int(load.reshape(-1, pe.banks).max(axis=1).clip(min=1).sum())
        else:
            cost = int(per_col.sum())
        work.channel_cycles[0, 0, p] = cost
        work.accumulated += len(col)
        work.steps += int(per_col.sum())
        _add(work, "weight_fifo_read", len(col) * w_entry)
        _add(work, "weight_fifo_write", len(col) * w_entry)
    _add(work, "iaram_read", len(active) * streams.entry_bits(streams.sparse_activations) * pes)
    _add(work, "accumulator", work.accumulated * 24)
    return work
