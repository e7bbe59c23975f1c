"""DCNN's layer on the fabric: the plan its PE tiles (`desim.accel.dcnn_tile`) share, and the
memory port.

See `desim.accel.dcnn` for the dataflow they implement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from desim.accel.dcnn_pool import PoolingUnits
from desim.accel.dcnn_staging import Staging
from desim.accel.dcnn_tile import DcnnTile, Lines, Outputs, Weights
from desim.accel.dense_plan import (
    ConvGeometry,
    LineStore,
    WeightRounds,
    on_chip_lines,
    partition,
)
from desim.accel.fabric import Fabric
from desim.accel.layer import LayerRecord
from desim.accel.memory import Dram
from desim.energy import ActionCounts
from desim.kernel.module import Module
from desim.kernel.simulator import Simulator
from desim.noc.packets import StreamPacket

if TYPE_CHECKING:
    from desim.accel.dcnn import DcnnConfig

__all__ = ["DcnnLayer"]


class DcnnLayer(Module):
    """One layer on one fabric: the plan the agents share, and the outputs they write
    (``input_in_dram``: every input line is read from DRAM, `Dcnn.run_layer`)."""

    def __init__(
        self, sim: Simulator, layer: LayerRecord, config: DcnnConfig, input_in_dram: bool = False
    ) -> None:
        super().__init__("dcnn", sim)
        self.layer, self.config = layer, config
        self.fabric = fabric = Fabric(sim, config.fabric)
        self.g = g = ConvGeometry.of(layer)
        self.x = layer.input[0].reshape(g.C, g.H, g.W)
        self.w = layer.weight.reshape(g.K, g.C // g.groups, g.R, g.S)
        self.lanes, self.width = config.lanes
        self.part = partition(g, fabric.pes, lanes=self.lanes)
        capacity = config.activation_sram_bytes * 8 // config.value_bits
        #: the plane the output path writes: pooled when the layer has a pool
        self.written_shape = (
            g.K,
            *(layer.pool.output_size(g.P, g.Q) if layer.pool else (g.P, g.Q)),
        )
        _, wp, wq = self.written_shape
        in_lines = 0 if input_in_dram else g.H * g.C  # lines in DRAM are read from it
        in_fit, out_fit = on_chip_lines(in_lines, g.W, wp * g.K, wq, capacity)
        self.inputs = LineStore(g.C, g.H, g.W, fabric.pes, in_fit)
        self.outputs = LineStore(g.K, wp, wq, fabric.pes, out_fit)
        #: the holders' pooling units (None: no pool, conv outputs are stored as they are)
        self.pooling = (
            PoolingUnits(layer.pool, g.K, g.P, g.Q, layer.activation == "relu", self.outputs)
            if layer.pool
            else None
        )
        half = config.weight_buffer_bytes * 8 // 2
        plan = WeightRounds.plan(
            g.filter_size, config.value_bits, half, lanes=self.lanes, width=self.width
        )
        #: filters per round, and the slices of the dot product a round of them is cut into
        self.kg, self.slices = plan.filters, plan.slices
        self.flat_w = self.w.reshape(g.K, -1)
        #: a round lives in one half of the double-buffered weight buffer: an access reads or
        #: writes that half, priced at its size
        self.weight_bank = config.weight_buffer_bytes // 2
        #: zero flags (one bit per value) of that half, when DCNN-opt keeps them
        self.weight_flag_bytes = max(1, self.weight_bank // config.value_bits)
        widest = max(b - a for a, b in self.part.channel_ranges)
        self.rounds = -(-widest // self.kg) * len(self.slices)
        #: partial sums kept between slices: the 24-bit accumulator width
        self.psum_bits = 24
        #: DianNao's NBin and NBout between the bank and the NFU (None: the NFU reads the bank)
        self.staging = (
            Staging(
                config.input_buffer_bytes * 8 // config.value_bits,
                config.output_buffer_bytes * 8 // self.psum_bits,
                self.lanes,
            )
            if config.input_buffer_bytes
            else None
        )
        #: zero flags (one bit per value) of NBin, when DCNN-opt keeps them
        self.nbin_flag_bytes = max(1, config.input_buffer_bytes // config.value_bits)
        self.counts = ActionCounts()
        self.result = np.zeros((g.K, g.P * g.Q))
        self.useful_macs = 0
        self.last_write = 0
        self.round_done = [
            [self.env.event() for _ in range(fabric.pes)] for _ in range(self.rounds)
        ]
        self.tiles = [DcnnTile(self, pe) for pe in range(fabric.pes)]
        self.memory = _MemoryPort(self)

    def idle(self, pe: int) -> bool:
        """Whether PE ``pe`` has no outputs (more PEs than positions x channels)."""
        s, e = self.part.positions(pe)
        k0, k1 = self.part.channels(pe)
        return s == e or k0 == k1

    def window(self, pe: int) -> tuple[int, int]:
        """Padded input rows ``[r0, r1)`` PE ``pe`` reads (none if idle)."""
        if self.idle(pe):
            return 0, 0
        s, e = self.part.positions(pe)
        return self.g.input_rows(s // self.g.Q, (e - 1) // self.g.Q)

    def window_lines(self, pe: int) -> np.ndarray:
        """Input line indices of the real (unpadded) rows of PE ``pe``'s window."""
        r0, r1 = self.window(pe)
        ph = self.g.padding[0]
        h0, h1 = max(0, r0 - ph), min(self.g.H, r1 - ph)
        return np.arange(h0 * self.g.C, max(h0, h1) * self.g.C)

    def deliveries(self, holder: int) -> list[tuple[list[int], Lines]]:
        """What ``holder`` (a bank, or ``pes`` for DRAM) sends: for each run of positions, the
        lines it holds of their window, to the PEs computing that run."""
        a, b = self.inputs.held(holder)
        out = []
        for run in range(self.part.n_pos):
            run_pes = range(run * self.part.n_k, (run + 1) * self.part.n_k)
            pes = [pe for pe in run_pes if not self.idle(pe)]
            if not pes:
                continue
            lines = self.window_lines(pes[0])
            lines = lines[(lines >= a) & (lines < b)]
            if lines.size:
                h, c = np.divmod(lines, self.g.C)
                out.append((pes, Lines(lines, self.x[c, h])))
        return out

    def write(self, out: Outputs) -> None:
        """Outputs (pooled values, with a pool) have been written to their bank or DRAM."""
        target = self.result if self.pooling is None else self.pooling.written
        target.reshape(-1)[out.index] = out.values
        self.last_write = int(self.env.now)

    def to_store(self, holder: int, out: Outputs) -> Outputs | None:
        """What ``holder`` writes of the outputs ``out`` it received: ``out`` itself without a
        pool; with one, the pooled values they complete (None if none), via `pool_at`."""
        return out if self.pooling is None else self.pool_at(holder, out)

    def pool_at(self, holder: int, out: Outputs) -> Outputs | None:
        """Conv outputs ``out`` enter ``holder``'s pooling unit: the pooled values they complete
        (indices into the pooled plane), None if none; counts the compares."""
        assert self.pooling is not None
        done, values, compares = self.pooling.enter(holder, out.index, out.values)
        self.counts.add("pool_unit", "add24", compares)
        return Outputs(done, values) if done.size else None

    def bits(self, values: np.ndarray) -> int:
        """Bits of ``values`` on chip."""
        return int(values.size) * self.config.value_bits

    def activated(self, values: np.ndarray) -> np.ndarray:
        """Output values as stored: after the layer's ReLU, if it has one (what DCNN-opt
        compresses; a pooled value has had it already)."""
        return np.maximum(values, 0) if self.layer.activation == "relu" else values

    def dram_bits(self, values: np.ndarray) -> int:
        """Bits of ``values`` in DRAM: dense, or with ``compressed_dram`` SCNN-compressed (value +
        4-bit zero count per non-zero; placeholders of zero runs over 15 neglected)."""
        if self.config.compressed_dram:
            return int(np.count_nonzero(values)) * (self.config.value_bits + 4)
        return self.bits(values)

    def send(self, terminal: Any, holders: Sequence[int], bits: int, payload: Any) -> None:
        """Put a message for PEs or banks ``holders`` (``pes``: the memory port) on the network,
        without waiting (flow control is by rounds)."""
        fabric = self.fabric
        tids = tuple(fabric.memory_tid if h == fabric.pes else fabric.pe_tids[h] for h in holders)
        terminal.put(StreamPacket(terminal.tid, tids, bits, payload))

    def rounds_of(self, pe: int) -> int:
        """Weight rounds PE ``pe`` computes."""
        k0, k1 = self.part.channels(pe)
        return -(-(k1 - k0) // self.kg) * len(self.slices)

    def round_weights(self, r: int, k0: int, k1: int) -> tuple[int, int, int, int]:
        """Filters ``[a, b)`` and dot-product slice ``[l0, l1)`` of round ``r`` for the channel
        range ``[k0, k1)`` (``a >= b``: the range has no round ``r``)."""
        group, piece = divmod(r, len(self.slices))
        l0, l1 = self.slices[piece]
        return k0 + group * self.kg, min(k1, k0 + (group + 1) * self.kg), l0, l1


class _MemoryPort(Module):
    """The DRAM controller behind the memory terminal: weights out, spilled lines in and out."""

    def __init__(self, layer: DcnnLayer) -> None:
        super().__init__("memory", layer)
        self.L = layer
        cfg = layer.config
        self.terminal = layer.fabric.memory_terminal
        self.dram = Dram(
            "dram", self, cfg.dram_bandwidth_bytes_per_cycle, cfg.dram_latency_cycles, layer.counts
        )
        for process in (self._stream_weights(), self._serve_inputs(), self._receive()):
            self.process(process)

    def _stream_weights(self):  # type: ignore[no-untyped-def]
        L = self.L
        for r in range(L.rounds):
            if r >= 2:  # the buffer half round r reuses is free once every PE finished r - 2
                yield self.env.all_of(L.round_done[r - 2])
            for j, (k0, k1) in enumerate(L.part.channel_ranges):
                a, b, l0, l1 = L.round_weights(r, k0, k1)
                if a >= b:
                    continue
                pes = [run * L.part.n_k + j for run in range(L.part.n_pos)]
                weights = Weights(r, a, b, l0, l1, L.flat_w[a:b, l0:l1])
                yield self.dram.read(L.bits(weights.values) // 8)
                L.send(self.terminal, pes, L.bits(weights.values), weights)

    def _serve_inputs(self):  # type: ignore[no-untyped-def]
        L = self.L
        for pes, lines in L.deliveries(L.fabric.pes):
            yield self.dram.read(L.dram_bits(lines.values) // 8)
            L.send(self.terminal, pes, L.bits(lines.values), lines)

    def _receive(self):  # type: ignore[no-untyped-def]
        while True:
            out = (yield self.terminal.get()).payload
            self.process(self._spill(out))

    def _spill(self, out: Outputs):  # type: ignore[no-untyped-def]
        stored = self.L.to_store(self.L.fabric.pes, out)
        if stored is None:
            return
        out = stored
        yield self.dram.write(self.L.dram_bits(self.L.activated(out.values)) // 8)
        self.L.write(out)
