"""DCNN's agents: the PE tiles (PE + activation bank on one terminal) and the memory port.

See `desim.accel.dcnn` for the dataflow they implement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from desim.accel.base import PeState
from desim.accel.dcnn_pool import PoolingUnits
from desim.accel.dcnn_staging import Staging, footprint
from desim.accel.dense_plan import (
    ConvGeometry,
    LineStore,
    WeightRounds,
    on_chip_lines,
    partition,
)
from desim.accel.fabric import Fabric
from desim.accel.layer import LayerRecord
from desim.accel.memory import Dram, SramBank
from desim.config import require
from desim.energy import ActionCounts
from desim.kernel.module import Module
from desim.kernel.signal import Signal
from desim.kernel.simulator import Simulator
from desim.noc.packets import StreamPacket

if TYPE_CHECKING:
    from desim.accel.dcnn import DcnnConfig

__all__ = ["DcnnLayer"]


@dataclass(frozen=True, eq=False)
class _Lines:
    """Activation lines on the move: their indices and values ``(lines, width)``."""

    lines: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class _Weights:
    """A round's weights: filters ``[k0, k1)``, weights ``[l0, l1)`` of each (flattened
    ``(c, r, s)``), ``values`` of shape ``(k1 - k0, l1 - l0)``."""

    round: int
    k0: int
    k1: int
    l0: int
    l1: int
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class _Outputs:
    index: np.ndarray  # flat indices into the (K, P * Q) output
    values: np.ndarray


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
        require(
            plan.filters > 0,
            f"{layer.name}: one cycle's {self.lanes * self.width} weights do not fit half the "
            f"{config.weight_buffer_bytes}-byte weight buffer; raise dcnn.weight_buffer_bytes",
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
        self.tiles = [_Tile(self, pe) for pe in range(fabric.pes)]
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

    def deliveries(self, holder: int) -> list[tuple[list[int], _Lines]]:
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
                out.append((pes, _Lines(lines, self.x[c, h])))
        return out

    def write(self, out: _Outputs) -> None:
        """Outputs (pooled values, with a pool) have been written to their bank or DRAM."""
        target = self.result if self.pooling is None else self.pooling.written
        target.reshape(-1)[out.index] = out.values
        self.last_write = int(self.env.now)

    def to_store(self, holder: int, out: _Outputs) -> _Outputs | None:
        """What ``holder`` writes of the outputs ``out`` it received: ``out`` itself without a
        pool; with one, the pooled values they complete (None if none), via `pool_at`."""
        return out if self.pooling is None else self.pool_at(holder, out)

    def pool_at(self, holder: int, out: _Outputs) -> _Outputs | None:
        """Conv outputs ``out`` enter ``holder``'s pooling unit: the pooled values they complete
        (indices into the pooled plane), None if none; counts the compares."""
        assert self.pooling is not None
        done, values, compares = self.pooling.enter(holder, out.index, out.values)
        self.counts.add("pool_unit", "add24", compares)
        return _Outputs(done, values) if done.size else None

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


class _Tile(Module):
    """One PE tile: the PE, its activation-SRAM bank, and the terminal they share."""

    def __init__(self, layer: DcnnLayer, pe: int) -> None:
        super().__init__(f"tile{pe}", layer)
        self.L, self.pe = layer, pe
        cfg, g = layer.config, layer.g
        self.terminal = layer.fabric.pe_terminal(pe)
        self.bank = SramBank(
            "bank",
            self,
            max(1, cfg.activation_sram_bytes // layer.fabric.pes),
            width_bits=64,
            counts=layer.counts,
            component="act_sram",
        )
        #: zero flags (one bit per value) of the bank, when DCNN-opt keeps them
        self.flag_bytes = max(1, self.bank.capacity_bytes // cfg.value_bits)
        self.r0, r1 = layer.window(pe)
        self.window = np.zeros((g.C, r1 - self.r0, g.W + 2 * g.padding[1]))
        #: which window entries are real activations (the rest is padding, never stored)
        self.real = np.zeros(self.window.shape, dtype=bool)
        rows = np.arange(self.r0, r1) - g.padding[0]
        inside = (rows >= 0) & (rows < g.H)
        self.real[:, inside, g.padding[1] : g.padding[1] + g.W] = True
        #: footprints already counted, by (block start, block end, slice, filter group)
        self.footprints: dict[tuple[int, int, int, int, int], int] = {}
        self.missing = layer.window_lines(pe).size
        self.inputs_in = self.env.event()
        self.weights = simpy.Store(self.env)  # the rounds in the double-buffered weight buffer
        self.state = Signal("state", self, int(PeState.WAITING))
        for process in (self._receive(), self._compute(), self._serve_inputs()):
            self.process(process)

    def _serve_inputs(self):  # type: ignore[no-untyped-def]
        for pes, lines in self.L.deliveries(self.pe):
            yield self.bank.read(self.L.bits(lines.values))
            if self.pe in pes:
                self.take(lines)  # the tile's own PE reads its bank directly
            remote = [pe for pe in pes if pe != self.pe]
            if remote:
                self.L.send(self.terminal, remote, self.L.bits(lines.values), lines)

    def take(self, lines: _Lines) -> None:
        """Place input lines into the PE's window."""
        g = self.L.g
        h, c = np.divmod(lines.lines, g.C)
        pw = g.padding[1]
        self.window[c, h + g.padding[0] - self.r0, pw : pw + g.W] = lines.values
        self.missing -= lines.lines.size
        if self.L.config.activation_zero_flags:  # the fill path's zero detector sets the flags
            self.L.counts.add(
                "act_sram", "sram_write", lines.values.size, size_bytes=self.flag_bytes
            )
        if self.missing == 0:
            self.inputs_in.succeed()

    def _receive(self):  # type: ignore[no-untyped-def]
        L = self.L
        while True:
            payload = (yield self.terminal.get()).payload
            if isinstance(payload, _Lines):
                self.take(payload)
            elif isinstance(payload, _Weights):
                L.counts.add(
                    "weight_buf", "sram_write", L.bits(payload.values), size_bytes=L.weight_bank
                )
                if L.config.weight_zero_flags:  # the fill path's zero detector sets the flags
                    L.counts.add(
                        "weight_buf",
                        "sram_write",
                        payload.values.size,
                        size_bytes=L.weight_flag_bytes,
                    )
                self.weights.put(payload)
            else:
                self.process(self._store(payload))

    def _store(self, out: _Outputs):  # type: ignore[no-untyped-def]
        stored = self.L.to_store(self.pe, out)
        if stored is None:
            return
        out = stored
        yield self.bank.write(self.L.bits(out.values))
        self.L.write(out)

    def _compute(self):  # type: ignore[no-untyped-def]
        L, g = self.L, self.L.g
        s, e = L.part.positions(self.pe)
        if L.idle(self.pe):
            for done in L.round_done:
                done[self.pe].succeed()
            self.state.write(int(PeState.DONE))
            return
        if self.missing:
            yield self.inputs_in
        patches = self._patches(s, e)
        mine = L.rounds_of(self.pe)
        block = L.config.output_block
        partial = np.zeros((L.kg, e - s))  # partial sums between slices of a round's filters
        psum_bytes = max(1, partial.size * L.psum_bits // 8)
        for r in range(L.rounds):
            if r < mine:
                self.state.write(int(PeState.WAITING))
                weights = yield self.weights.get()
                self.state.write(int(PeState.BUSY))
                n = weights.k1 - weights.k0
                per_position = -(-n // L.lanes) * -(-(weights.l1 - weights.l0) // L.width)
                for a in range(s, e, block):  # outputs leave block by block, as computed
                    b = min(e, a + block)
                    yield self.env.timeout((b - a) * per_position)
                    out = self._multiply(patches[a - s : b - s], weights, a, b)
                    if weights.l0 > 0:  # read back the earlier slices' partial sums
                        out += partial[:n, a - s : b - s]
                        L.counts.add("psum_buf", "sram_read", out.size * L.psum_bits, psum_bytes)
                    if weights.l1 < g.filter_size:  # keep them for the next slice
                        partial[:n, a - s : b - s] = out
                        L.counts.add("psum_buf", "sram_write", out.size * L.psum_bits, psum_bytes)
                        continue
                    if L.layer.bias is not None:
                        out += L.layer.bias[weights.k0 : weights.k1, None]
                    self._emit(out, weights, a, b)
            L.round_done[r][self.pe].succeed()
        self.state.write(int(PeState.DONE))

    def _patches(self, s: int, e: int) -> np.ndarray:
        """The PE's im2col matrix ``(positions, C, R, S)``, cut from its window."""
        g = self.L.g
        p, q = np.divmod(np.arange(s, e), g.Q)
        view = np.lib.stride_tricks.sliding_window_view(self.window, (g.R, g.S), axis=(1, 2))
        return np.moveaxis(view[:, p * g.stride[0] - self.r0, q * g.stride[1]], 0, 1)

    def _footprint(self, a: int, b: int, l0: int, l1: int, group: int) -> int:
        """Distinct real activations positions ``[a, b)`` read in the dot-product slice
        ``[l0, l1)`` for the filters of ``group``."""
        key = (a, b, l0, l1, group)
        if key not in self.footprints:
            g = self.L.g
            p, q = np.divmod(np.arange(a, b), g.Q)
            cg = g.C // g.groups
            self.footprints[key] = footprint(
                self.real,
                p * g.stride[0] - self.r0,
                q * g.stride[1],
                group * cg,
                (cg, g.R, g.S),
                l0,
                l1,
            )
        return self.footprints[key]

    def stage(
        self, staging: Staging, a: int, b: int, l0: int, l1: int, group: int, filters: int
    ) -> None:
        """Count the staging into NBin of the footprint of positions ``[a, b)`` in the slice
        ``[l0, l1)`` for ``filters`` filters of ``group`` (read from the bank, written to NBin;
        the partial sums NBout keeps between chunks; `desim.accel.dcnn_staging`)."""
        L, cfg = self.L, self.L.config
        values = self._footprint(a, b, l0, l1, group)
        groups = -(-filters // L.lanes)
        chunks, passes = staging.plan(values, groups, b - a)
        staged = values * passes * cfg.value_bits
        L.counts.add("act_sram", "sram_read", staged, size_bytes=self.bank.capacity_bytes)
        L.counts.add("nbin", "sram_write", staged, size_bytes=cfg.input_buffer_bytes)
        if cfg.activation_zero_flags:  # the flags travel with their values
            L.counts.add("nbin", "sram_write", values * passes, size_bytes=L.nbin_flag_bytes)
        if chunks > 1:
            sums = (chunks - 1) * filters * (b - a) * L.psum_bits
            L.counts.add("nbout", "sram_write", sums, size_bytes=cfg.output_buffer_bytes)
            L.counts.add("nbout", "sram_read", sums, size_bytes=cfg.output_buffer_bytes)

    def _multiply(self, patches: np.ndarray, weights: _Weights, a: int, b: int) -> np.ndarray:
        """A round's dot-product slice for its outputs ``(channels, positions)`` of positions
        ``[a, b)`` in bulk (no bias); counts the PE's actions."""
        L, g, cfg = self.L, self.L.g, self.L.config
        k = np.arange(weights.k0, weights.k1)
        cg, kg = g.C // g.groups, g.K // g.groups
        out = np.empty((k.size, patches.shape[0]))
        useful = live = fetched = fetched_live = 0
        for group in np.unique(k // kg):
            sel = k // kg == group
            x = patches[:, group * cg : (group + 1) * cg].reshape(patches.shape[0], -1)
            x = x[:, weights.l0 : weights.l1]
            w = weights.values[sel]
            out[sel] = w @ x.T
            # products of two non-zeros: per weight column, non-zero weights x non-zero inputs
            useful += int(np.count_nonzero(w, axis=0) @ np.count_nonzero(x, axis=0))
            live += int(sel.sum()) * int(np.count_nonzero(x))  # products of non-zero inputs
            # each activation of the patches: read once per group of output lanes it is
            # broadcast to (nfu), or once for the round's filters (dot: held in a register)
            reads = -(-int(sel.sum()) // L.lanes) if cfg.dataflow == "nfu" else 1
            fetched += x.size * reads
            fetched_live += int(np.count_nonzero(x)) * reads
            if L.staging is not None:
                self.stage(L.staging, a, b, weights.l0, weights.l1, int(group), int(sel.sum()))
        L.useful_macs += useful
        dense = out.size * (weights.l1 - weights.l0)
        if not cfg.zero_gating:
            self._count(dense, read=dense, multiplied=dense, fetched=fetched)
            return out
        self._count(
            dense,
            read=useful if cfg.weight_zero_flags else live,
            multiplied=useful,
            fetched=fetched_live if cfg.activation_zero_flags else fetched,
        )
        if cfg.weight_zero_flags:  # a flag per lane whose activation is live
            L.counts.add("weight_buf", "sram_read", live, size_bytes=L.weight_flag_bytes)
        if cfg.activation_zero_flags:  # a flag per activation of the patches
            if L.staging is None:
                L.counts.add("act_sram", "sram_read", fetched, size_bytes=self.flag_bytes)
            else:
                L.counts.add("nbin", "sram_read", fetched, size_bytes=L.nbin_flag_bytes)
        return out

    def _count(self, dense: int, read: int, multiplied: int, fetched: int) -> None:
        """Count a block's actions. An activation is read from NBin (without NBin, from the
        tile's bank) once per group of output lanes it is broadcast to (``nfu``) or once per
        round, kept in a register while the round's filters pass it (``dot``) (``fetched``);
        a MAC reads its
        weight from the weight buffer's current half (``read``), multiplies and accumulates
        (``multiplied``). Without gating every MAC does all three. With DCNN-opt's zero-gating
        (Eyeriss's data gating, Chen et al., JSSC 2017) a zero activation, already in its
        register, gates the weight read, the multiply and the accumulation; a zero weight, known
        once read, gates the multiply and the accumulation (a zero operand either way). With
        zero flags (`DcnnConfig.weight_zero_flags`, ``activation_zero_flags``) a zero operand's
        flag, read instead of it, gates its own 16-bit read too (the flag reads are counted by
        the caller)."""
        L, cfg = self.L, self.L.config
        L.counts.add("pe", "mul16", multiplied)
        L.counts.add("pe", "mul16_gated", dense - multiplied)
        L.counts.add("pe", "add24", multiplied)
        bits = cfg.value_bits
        if L.staging is None:
            L.counts.add(
                "act_sram", "sram_read", fetched * bits, size_bytes=self.bank.capacity_bytes
            )
        else:  # the NFU reads NBin (the staging into it is counted by `stage`)
            L.counts.add("nbin", "sram_read", fetched * bits, size_bytes=cfg.input_buffer_bytes)
        L.counts.add("weight_buf", "sram_read", read * bits, size_bytes=L.weight_bank)

    def _emit(self, out: np.ndarray, weights: _Weights, s: int, e: int) -> None:
        """Send a round's outputs to the banks (or DRAM) that hold them; with a pool, to the
        holders of the pooled lines whose windows read them."""
        L, g = self.L, self.L.g
        k = np.arange(weights.k0, weights.k1)[:, None]
        positions = np.arange(s, e)[None, :]
        flat = (k * g.P * g.Q + positions).ravel()
        values = out.ravel()
        if L.pooling is not None:
            self._emit_pooled(flat, values)
            return
        owners = L.outputs.owner((positions // g.Q * g.K + k).ravel())
        for owner in np.unique(owners):
            sel = owners == owner
            self._deliver(int(owner), _Outputs(flat[sel], values[sel]))

    def _emit_pooled(self, flat: np.ndarray, values: np.ndarray) -> None:
        """Send conv outputs (``flat`` into ``(K, P * Q)``) to each holder of a pooled line
        whose window reads their row (`desim.accel.dcnn_pool`); keep them for the conv check."""
        L = self.L
        L.result.reshape(-1)[flat] = values
        assert L.pooling is not None
        for holder, sel in L.pooling.routes(flat):
            self._deliver(holder, _Outputs(flat[sel], values[sel]))

    def _deliver(self, holder: int, message: _Outputs) -> None:
        """Store ``message`` in this tile's bank, or send it to ``holder``'s (or DRAM's)."""
        if holder == self.pe:
            self.process(self._store(message))
        else:
            self.L.send(self.terminal, [holder], self.L.bits(message.values), message)


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
                weights = _Weights(r, a, b, l0, l1, L.flat_w[a:b, l0:l1])
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

    def _spill(self, out: _Outputs):  # type: ignore[no-untyped-def]
        stored = self.L.to_store(self.L.fabric.pes, out)
        if stored is None:
            return
        out = stored
        yield self.dram.write(self.L.dram_bits(self.L.activated(out.values)) // 8)
        self.L.write(out)
