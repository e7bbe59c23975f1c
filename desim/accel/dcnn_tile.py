"""DCNN's PE tile: a PE and its activation-SRAM bank on one terminal, and the messages the
tiles and the memory port exchange (input lines, weight rounds, outputs).

See `desim.accel.dcnn` for the dataflow, `desim.accel.dcnn_agents` for the layer they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from desim.accel.base import PeState
from desim.accel.dcnn_staging import Staging, footprint
from desim.accel.memory import SramBank
from desim.kernel.module import Module
from desim.kernel.signal import Signal

if TYPE_CHECKING:
    from desim.accel.dcnn_agents import DcnnLayer

__all__ = ["DcnnTile", "Lines", "Outputs", "Weights"]


@dataclass(frozen=True, eq=False)
class Lines:
    """Activation lines on the move: their indices and values ``(lines, width)``."""

    lines: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Weights:
    """A round's weights: filters ``[k0, k1)``, weights ``[l0, l1)`` of each (flattened
    ``(c, r, s)``), ``values`` of shape ``(k1 - k0, l1 - l0)``."""

    round: int
    k0: int
    k1: int
    l0: int
    l1: int
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Outputs:
    """Outputs on their way to the banks that hold them: flat indices into the ``(K, P * Q)``
    output, and their values."""

    index: np.ndarray
    values: np.ndarray


class DcnnTile(Module):
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

    def take(self, lines: Lines) -> None:
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
            if isinstance(payload, Lines):
                self.take(payload)
            elif isinstance(payload, Weights):
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

    def _store(self, out: Outputs):  # type: ignore[no-untyped-def]
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

    def _multiply(self, patches: np.ndarray, weights: Weights, a: int, b: int) -> np.ndarray:
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

    def _emit(self, out: np.ndarray, weights: Weights, s: int, e: int) -> None:
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
            self._deliver(int(owner), Outputs(flat[sel], values[sel]))

    def _emit_pooled(self, flat: np.ndarray, values: np.ndarray) -> None:
        """Send conv outputs (``flat`` into ``(K, P * Q)``) to each holder of a pooled line
        whose window reads their row (`desim.accel.dcnn_pool`); keep them for the conv check."""
        L = self.L
        L.result.reshape(-1)[flat] = values
        assert L.pooling is not None
        for holder, sel in L.pooling.routes(flat):
            self._deliver(holder, Outputs(flat[sel], values[sel]))

    def _deliver(self, holder: int, message: Outputs) -> None:
        """Store ``message`` in this tile's bank, or send it to ``holder``'s (or DRAM's)."""
        if holder == self.pe:
            self.process(self._store(message))
        else:
            self.L.send(self.terminal, [holder], self.L.bits(message.values), message)
