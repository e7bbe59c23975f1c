"""SCNN (Parashar et al., ISCA 2017) on the NoC, and its SparseA / SparseW variants.

The accelerator assembly: for each layer, a `Simulator` with the `Fabric` (8 x 8 mesh by
default, one PE per router, a memory port), the PE and memory-port agents
(`desim.accel.scnn_agents`) driven by the bulk PE work (`desim.accel.scnn_work`) over the planar
tiling and Kc groups (`desim.accel.scnn_plan`); every layer's outputs, assembled from the PEs'
partial sums with halos resolved (`desim.accel.scnn_func`), are checked against torch's.

Registered as ``scnn`` (both sparsities exploited), ``scnn-sparsea`` (activations only: weights
stream dense) and ``scnn-sparsew`` (weights only: activations stream dense, uncompressed). See
docs/scnn.md for the model, its parameters and the comparison with the paper.

Examples
--------
A 4-channel 6 x 6 layer on a 2 x 2 mesh (the outputs are checked against the layer's own):

>>> import numpy as np
>>> from desim.accel.fabric import FabricConfig
>>> from desim.accel.scnn_func import conv_outputs
>>> from desim.accel.scnn_plan import plan_conv
>>> rng = np.random.default_rng(0)
>>> w = (rng.standard_normal((4, 2, 3, 3)) * (rng.random((4, 2, 3, 3)) < 0.5)).astype(np.float32)
>>> x = np.maximum(rng.standard_normal((1, 2, 6, 6)), 0).astype(np.float32)
>>> probe = LayerRecord("c", "conv", w, None, x, np.zeros((1, 4, 6, 6)), padding=(1, 1))
>>> out = conv_outputs(probe, plan_conv(probe, (1, 1), 1024))[None]
>>> layer = LayerRecord("c", "conv", w, None, x, out, padding=(1, 1), activation="relu")
>>> config = ScnnConfig(fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}))
>>> result = Scnn(config).run([layer], {"model": "doc"})
>>> result.layers[0].useful_macs == nonzero_macs(layer), result.layers[0].extra["kc"]
(True, 4)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from desim.accel.base import Progress
from desim.accel.fabric import Fabric, FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.memory import Dram, SramBank
from desim.accel.result import AccelResult, LayerResult, check_outputs
from desim.accel.scnn_agents import Barrier, MemoryPort, Schedule, ScnnPe, WeightStream
from desim.accel.scnn_func import conv_outputs, fc_outputs
from desim.accel.scnn_pe import PeArray
from desim.accel.scnn_plan import ConvPlan, grid_shape, plan_conv, split
from desim.accel.scnn_ppu import PostProcessing, count_output_logic
from desim.accel.scnn_work import (
    WEIGHT_ORDERS,
    LayerWork,
    Streams,
    conv_work,
    fc_work,
    nonzero_macs,
)
from desim.config import KeyedConfigError
from desim.config_checks import check_key_int, check_key_number, check_key_value_bits, require_key
from desim.energy import ActionCounts
from desim.kernel.simulator import Simulator
from desim.registry import ACCELERATOR

__all__ = ["Scnn", "ScnnConfig", "ScnnSparseA", "ScnnSparseW"]

ACC_BITS = 24  # accumulator width (SCNN: 24-bit accumulate)
#: SCNN's 16 x 32 scatter crossbar occupies 0.026 mm^2 at 16 nm (Parashar et al. 2017, SCNN.md);
#: its side scaled to the energy table's 45 nm by feature size, in micrometres.
CROSSBAR_SIDE_UM_45NM = math.sqrt(0.026) * 45 / 16 * 1000
#: `PeArray`'s fields under the names `ScnnConfig` gives them (the others are the same)
_PE_ARRAY_KEYS = {
    "f": "multipliers_f",
    "i": "multipliers_i",
    "banks": "accumulator_banks",
    "queue_depth": "bank_queue_depth",
}
#: the post-processing unit's kinds of work (`PostProcessing`'s ``*_per_cycle`` fields)
_PPU_WORK = ("reads", "adds", "compares")


@contextmanager
def _renamed(keys: dict[str, str]) -> Iterator[None]:
    """Re-raise a part's `KeyedConfigError` under the config's name of its key (``keys``: the
    part's field -> the config's), so that an error names the key a user set."""
    try:
        yield
    except KeyedConfigError as exc:
        raise KeyedConfigError(keys.get(exc.key, exc.key), exc.message) from None


@dataclass(frozen=True)
class ScnnConfig:
    """SCNN's parameters (defaults: the paper's, SCNN.md).

    Attributes
    ----------
    fabric : FabricConfig
        The NoC (one PE per terminal; the PE grid is the most nearly square factorisation).
    multipliers_f, multipliers_i : int
        The F x I multiplier array per PE (4 x 4).
    accumulator_banks, bank_entries : int
        A banks of partial sums per accumulator buffer (32 x 32, double-buffered).
    bank_hash, conflict_model : str
        See `desim.accel.scnn_pe`. ``"queue"`` (default): a queue of ``bank_queue_depth``
        products at each accumulator bank absorbs conflicts; ``"max"``: DNNsim's charge.
    bank_queue_depth : int
        Products each bank's input queue holds (8, the authors' circle's model; SCNN.md).
    kc : int or None
        Force Kc (None: the largest that fits the accumulators, per layer).
    iaram_bytes, oaram_bytes : int
        Per-PE activation RAMs (10 KB each).
    weight_fifo_entries : int
        Per-PE weight FIFO (50 entries).
    dram_bandwidth_bytes_per_cycle, dram_latency_cycles
        50 GB/s at 1 GHz; the latency is ours (not published).
    exploit_weight_sparsity, exploit_activation_sparsity : bool
        Skip (and compress) zero weights / activations.
    value_bits, index_bits : int
        The compressed code: 16-bit values, 4-bit zero runs.
    weight_order : str
        Order of a ``Kc x R x S`` weight block in the stream (`desim.accel.scnn_work.Streams`):
        ``"rsk"`` (output channel fastest, default) or ``"krs"``.
    crossbar_wire_um : int
        Wire a product drives through the scatter crossbar: one input row and one output column,
        each the side of the paper's crossbar (0.026 mm^2 at 16 nm) scaled to 45 nm: 2 x 454 um.
    ppu_reads_per_cycle, ppu_adds_per_cycle, ppu_compares_per_cycle : int
        The post-processing unit's rates in values per cycle (`desim.accel.scnn_ppu`):
        read-out of the accumulators (halos to send; own outputs through ReLU and compression),
        halo adds at the owner, and a pool's compares of values received from other PEs (a
        pool after the layer, or an input pool as the layer starts).
        1 each: DNNsim's halo rate (one partial sum per cycle), applied to all the PPU's work;
        0 makes that work free.
    """

    fabric: FabricConfig = field(default_factory=FabricConfig)
    multipliers_f: int = 4
    multipliers_i: int = 4
    accumulator_banks: int = 32
    bank_entries: int = 32
    bank_hash: str = "xor"
    conflict_model: str = "queue"
    bank_queue_depth: int = 8
    kc: int | None = None
    iaram_bytes: int = 10 * 1024
    oaram_bytes: int = 10 * 1024
    weight_fifo_entries: int = 50
    dram_bandwidth_bytes_per_cycle: float = 50.0
    dram_latency_cycles: int = 100
    exploit_weight_sparsity: bool = True
    exploit_activation_sparsity: bool = True
    value_bits: int = 16
    index_bits: int = 4
    weight_order: str = "rsk"
    crossbar_wire_um: int = round(2 * CROSSBAR_SIDE_UM_45NM)
    ppu_reads_per_cycle: int = 1
    ppu_adds_per_cycle: int = 1
    ppu_compares_per_cycle: int = 1

    def __post_init__(self) -> None:
        self.pe_array()  # validates the array fields
        self.ppu()
        require_key(
            self.weight_order in WEIGHT_ORDERS,
            "weight_order",
            f"must be one of {', '.join(WEIGHT_ORDERS)}, got {self.weight_order!r}",
        )
        for name in ("iaram_bytes", "oaram_bytes", "weight_fifo_entries", "crossbar_wire_um"):
            check_key_int(name, getattr(self, name), 1)
        check_key_value_bits("value_bits", self.value_bits)
        if self.kc is not None:
            check_key_int("kc", self.kc, 1)
        check_key_int("index_bits", self.index_bits, 1, 8)
        check_key_number("dram_bandwidth_bytes_per_cycle", self.dram_bandwidth_bytes_per_cycle)
        check_key_int("dram_latency_cycles", self.dram_latency_cycles, 0)
        for name in ("exploit_weight_sparsity", "exploit_activation_sparsity"):
            value = getattr(self, name)
            require_key(isinstance(value, bool), name, f"must be true or false, got {value!r}")

    def pe_array(self) -> PeArray:
        """The PE's arithmetic parameters (an error names this config's keys)."""
        with _renamed(_PE_ARRAY_KEYS):
            return PeArray(
                self.multipliers_f,
                self.multipliers_i,
                self.accumulator_banks,
                self.bank_entries,
                self.bank_hash,
                self.conflict_model,
                self.bank_queue_depth,
            )

    WORK_KEYS: ClassVar[str] = "multipliers_f x multipliers_i, accumulator_banks"
    """The keys `least_work_bytes` grows with (an error about it names them)."""

    def least_work_bytes(self) -> float:
        """Bytes a PE's bulk work holds at least on any layer: one activation vector against
        one weight vector, product by product, and its bank loads
        (`desim.accel.scnn_footprint.work_bytes`); the layers' own bound is
        `Scnn.check_layers`."""
        from desim.accel.scnn_footprint import work_bytes

        pe = self.pe_array()
        return work_bytes(1, pe.f, pe)

    def ppu(self) -> PostProcessing:
        """The post-processing unit's rates (an error names this config's keys)."""
        with _renamed({f"{name}_per_cycle": f"ppu_{name}_per_cycle" for name in _PPU_WORK}):
            return PostProcessing(
                self.ppu_reads_per_cycle, self.ppu_adds_per_cycle, self.ppu_compares_per_cycle
            )

    def input_passes(self, input_bits: np.ndarray) -> int:
        """Parts a layer's input is tiled into through DRAM.

        Parameters
        ----------
        input_bits : numpy.ndarray
            Per PE, the bits of its compressed input tile (`input_tile_bits`).

        Returns
        -------
        int
            1 if every tile fits its IARAM, else ``ceil(largest tile / IARAM)``.
        """
        return max(1, -(-int(input_bits.max()) // (8 * self.iaram_bytes)))

    def output_to_dram(self, output_bits: np.ndarray) -> bool:
        """Whether a layer's compressed output goes to DRAM.

        Parameters
        ----------
        output_bits : numpy.ndarray
            ``[group][pe]`` bits of the compressed output tiles (`output_tile_bits`).

        Returns
        -------
        bool
            True if some PE's outputs, all groups together, exceed its OARAM.
        """
        return int(output_bits.sum(axis=0).max()) > 8 * self.oaram_bytes

    def streams(self) -> Streams:
        """Which operands are compressed, and the code's widths."""
        return Streams(
            self.exploit_weight_sparsity,
            self.exploit_activation_sparsity,
            self.value_bits,
            self.index_bits,
            weight_order=self.weight_order,
        )


def output_tile_bits(
    layer: LayerRecord, plan: ConvPlan, out: np.ndarray, streams: Streams
) -> np.ndarray:
    """``[group][pe]`` bits of the compressed tiles the PPU writes of ``out``, the layer's
    output plane ``(K, P, Q)`` of one sample: after the ReLU, and pooled when the layer has a
    pool (`LayerRecord.written`; each PE its tile of that plane, `ConvPlan.written_tiles`)."""
    kept = layer.written(out)
    bits = np.zeros((len(plan.groups), plan.pes), dtype=np.int64)
    for pe, (r0, r1, c0, c1) in enumerate(plan.written_tiles):
        tile = (kept[:, r0:r1, c0:c1] != 0).reshape(kept.shape[0], -1)
        per_channel = streams.block_bits(tile, streams.sparse_activations)
        for gi, (_, k0, k1) in enumerate(plan.groups):
            bits[gi, pe] = per_channel[k0:k1].sum() if tile.shape[1] else 0
    return bits


def input_tile_bits(layer: LayerRecord, plan: ConvPlan, streams: Streams) -> np.ndarray:
    """Per PE, the bits of its compressed input tile (every channel; sample 0), in the
    compressed-sparse code of ``streams`` (a PE's empty tile: 0)."""
    x = layer.input[0]
    return np.array(
        [
            streams.block_bits(
                (x[:, r0:r1, c0:c1] != 0).reshape(x.shape[0], -1), streams.sparse_activations
            ).sum()
            if (r1 - r0) * (c1 - c0)
            else 0
            for r0, r1, c0, c1 in plan.input_tiles
        ],
        dtype=np.int64,
    )


def _busiest_waits(pes: Sequence[ScnnPe]) -> dict[str, int]:
    """The busiest PE's (most multiplier cycles) waits for weights and for the double buffer."""
    busiest = max(pes, key=lambda p: p.busy_cycles)
    return {"weights": busiest.weight_wait_cycles, "buffer": busiest.buffer_wait_cycles}


class Scnn:
    """SCNN on the fabric (see the module docstring)."""

    Config = ScnnConfig
    arch = "scnn"

    def __init__(self, config: ScnnConfig | None = None, seed: int = 0) -> None:
        self.config = config or self.Config()
        self.seed = seed

    def run(
        self,
        layers: Sequence[LayerRecord],
        workload: dict[str, Any],
        progress: Progress | None = None,
    ) -> AccelResult:
        """Simulate ``layers`` one after the other. A layer's input comes from DRAM when it is the
        first, or when the layer before it sent its output there (its OARAMs too small)."""
        results: list[LayerResult] = []
        for i, layer in enumerate(layers):
            in_dram = i == 0 or bool(results[-1].extra.get("output_to_dram"))
            results.append(self.run_layer(layer, input_in_dram=in_dram))
            if progress is not None:
                progress(i + 1, len(layers), layer.name)
        return AccelResult(self.arch, dict(workload), results)

    def check_layers(self, layers: Sequence[LayerRecord]) -> None:
        """Refuse, before any layer runs, ``layers`` whose bulk PE work would need more memory
        than `desim.accel.footprint.MAX_ACCEL_BYTES` (`desim.accel.scnn_footprint`), or a
        forced ``kc`` that does not fit one of them."""
        from desim.accel.footprint import MAX_ACCEL_BYTES, design_bytes
        from desim.accel.scnn_footprint import layer_work_bytes
        from desim.limits import check_limit
        from desim.noc.validation import routers_of

        cfg, pe = self.config, self.config.pe_array()
        grid = grid_shape(int(routers_of(cfg.fabric.topology, cfg.fabric.topology_args)))
        worst, name = max((layer_work_bytes(x, grid, pe, cfg.kc), x.name) for x in layers)
        check_limit(
            f"{self.arch} on {name}: a {pe.f} x {pe.i} multiplier array "
            f"(multipliers_f x multipliers_i) and {pe.banks} accumulator_banks hold too much "
            f"at once for {grid[0] * grid[1]} PEs, in bytes",
            design_bytes(self.arch, cfg) + worst,
            MAX_ACCEL_BYTES,
        )

    def run_layer(self, layer: LayerRecord, input_in_dram: bool = False) -> LayerResult:
        """One layer in its own simulator: plan, bulk PE work, events, check, counts.

        ``input_in_dram``: the layer's input is read from DRAM before it starts (a network's
        first layer, or one whose input the previous layer wrote to DRAM; `run` says which);
        otherwise it is in the IARAMs (the previous layer's OARAMs), unless it does not fit
        them either. The default is DCNN's (`desim.accel.dcnn.Dcnn.run_layer`).
        """
        cfg = self.config
        sim = Simulator(seed=self.seed, name=layer.name.replace(".", "_"))
        fabric = Fabric(sim, cfg.fabric)
        counts = ActionCounts()
        streams, pe = cfg.streams(), cfg.pe_array()
        if layer.kind == "linear":
            work, out, sched = self._fc(layer, fabric.pes, pe, streams, cfg.fabric.flit_format)
        else:
            work, out, sched, plan = self._conv(
                layer, grid_shape(fabric.pes), pe, streams, input_in_dram, cfg.fabric.flit_format
            )
            self._count_halo_and_drain(plan, counts)
        error = check_outputs(layer, out.reshape(layer.output.shape[1:]))
        written = layer.written(out.reshape(layer.output.shape[1:]))
        before = fabric.snapshot()
        dram = Dram(
            "dram", sim, cfg.dram_bandwidth_bytes_per_cycle, cfg.dram_latency_cycles, counts
        )
        barrier = Barrier(sim.env, fabric.pes, len(sched.weights))
        pes = [
            ScnnPe(
                f"pe{i}",
                sim,
                fabric,
                i,
                sched,
                barrier,
                SramBank(f"oaram{i}", sim, cfg.oaram_bytes, counts=counts, component="oaram"),
                fabric.memory_tid,
            )
            for i in range(fabric.pes)
        ]
        port = MemoryPort("memory", sim, fabric, sched, barrier, dram)
        sim.run()
        traffic = fabric.snapshot() - before
        fabric.count_energy(traffic, counts)
        self._count_work(work, counts)
        channels, *plane = layer.output_shape
        compares = 0 if layer.pool is None else channels * layer.pool.window_taps(*plane)
        compares += layer.input_pool_compares
        count_output_logic(counts, layer.output[0].size, written.size, compares)
        useful = nonzero_macs(layer)
        return LayerResult(
            name=layer.name,
            kind=layer.kind,
            cycles=sim.now,
            dense_macs=layer.dense_macs,
            useful_macs=useful,
            multiplier_cycles=fabric.pes * pe.f * pe.i * sim.now,
            counts=counts,
            noc=traffic,
            dram_bytes=dram.bytes_read + dram.bytes_written,
            check_error=error,
            extra={
                "kc": sched.kc,
                "groups": len(sched.weights),
                "barrier_idle_cycles": barrier.idle_cycles,
                "pe_busy_cycles_max": max(p.busy_cycles for p in pes),
                "pe_busy_cycles_mean": sum(p.busy_cycles for p in pes) / len(pes),
                "busiest_pe_per_group_cycles": int(work.cycles.max(axis=1).sum()),
                "ideal_cycles": -(-useful // (fabric.pes * pe.f * pe.i)),
                "weight_wait_cycles_max": max(p.weight_wait_cycles for p in pes),
                "buffer_wait_cycles_max": max(p.buffer_wait_cycles for p in pes),
                "busiest_pe_waits_cycles": _busiest_waits(pes),
                "drain_cycles_max": max(p.drain_cycles for p in pes),
                "input_pool_cycles_max": max(p.input_pool_cycles for p in pes),
                "last_drain_cycles": sim.now - barrier.release_cycles[-1],
                "products_discarded": work.discarded,
                "written_shape": "x".join(map(str, written.shape)),
                "input_passes": sched.input_passes,
                "output_to_dram": sched.output_to_dram,
                **{f"dram_{use}_bytes": n for use, n in port.dram_bytes.items()},
            },
        )

    def _conv(self, layer, grid, pe, streams, input_in_dram, fmt):  # type: ignore[no-untyped-def]
        cfg = self.config
        plan = plan_conv(layer, grid, pe.accumulator_entries, cfg.kc)
        work = conv_work(layer, plan, pe, streams)
        out = conv_outputs(layer, plan)
        output_bits = output_tile_bits(layer, plan, out, streams)
        input_bits = input_tile_bits(layer, plan, streams)
        passes = cfg.input_passes(input_bits)
        overflow = passes > 1
        sched = Schedule(
            weights=[
                WeightStream.of(bits, cycles, fmt)
                for bits, cycles in zip(work.channel_weight_bits, work.channel_cycles, strict=True)
            ],
            halo_areas=plan.halo_areas,
            pool_areas=plan.pool_areas,
            pool_bits=cfg.value_bits,
            input_pool_areas=plan.input_pool_areas,
            input_channels=layer.input_shape[0],
            group_channels=[k1 - k0 for _, k0, k1 in plan.groups],
            output_bits=output_bits.tolist(),
            owned_sums=[
                [(r1 - r0) * (c1 - c0) * (k1 - k0) for r0, r1, c0, c1 in plan.output_tiles]
                for _, k0, k1 in plan.groups
            ],
            input_bits=input_bits.tolist() if (input_in_dram or overflow) else [],
            input_passes=passes,
            output_to_dram=cfg.output_to_dram(output_bits),
            dram_weight_passes=passes,
            kc=plan.kc,
            halo_bits=ACC_BITS,
            ppu=cfg.ppu(),
        )
        return work, out, sched, plan

    def _fc(self, layer, pes, pe, streams, fmt):  # type: ignore[no-untyped-def]
        work = fc_work(layer, pes, pe, streams)
        out = fc_outputs(layer, pes)
        bounds = split(layer.weight.shape[0], pes)
        kept = (np.maximum(out, 0) if layer.activation == "relu" else out) != 0
        out_bits = [
            int(
                streams.block_bits(
                    kept[None, bounds[p] : bounds[p + 1]], streams.sparse_activations
                )[0]
            )
            for p in range(pes)
        ]
        x = layer.input[0].reshape(1, -1) != 0
        in_bits = int(streams.block_bits(x, streams.sparse_activations)[0])
        w_bits = int(streams.block_bits(layer.weight != 0, streams.sparse_weights).sum())
        sched = Schedule(
            weights=[WeightStream.of(np.array([w_bits + in_bits]), work.channel_cycles[0], fmt)],
            halo_areas=np.zeros((pes, pes), dtype=np.int64),
            group_channels=[layer.weight.shape[0]],
            output_bits=[out_bits],
            owned_sums=[np.diff(bounds).tolist()],
            ppu=self.config.ppu(),
        )
        return work, out, sched

    def _count_work(self, work: LayerWork, counts: ActionCounts) -> None:
        cfg = self.config
        entry_bits = cfg.value_bits + cfg.index_bits
        acc_bytes = cfg.bank_entries * ACC_BITS // 8  # an accumulation accesses one bank
        counts.add("multipliers", "mul16", work.accumulated + work.discarded)
        counts.add("multipliers", "add24", work.accumulated)
        # every accumulated product crosses the crossbar: its value and its entry in the bank
        xbar_bits = ACC_BITS + (cfg.bank_entries - 1).bit_length()
        counts.add("crossbar", "wire", work.accumulated * xbar_bits * cfg.crossbar_wire_um)
        counts.add("accumulator", "sram_read", work.reads["accumulator"], acc_bytes)
        counts.add("accumulator", "sram_write", work.reads["accumulator"], acc_bytes)
        fifo_bytes = cfg.weight_fifo_entries * entry_bits // 8
        counts.add("weight_fifo", "sram_read", work.reads.get("weight_fifo_read", 0), fifo_bytes)
        counts.add("weight_fifo", "sram_write", work.reads.get("weight_fifo_write", 0), fifo_bytes)
        counts.add("iaram", "sram_read", work.reads.get("iaram_read", 0), cfg.iaram_bytes)

    def _count_halo_and_drain(self, plan: ConvPlan, counts: ActionCounts) -> None:
        """Accumulator drains (every region entry read once) and halo adds at the owners."""
        cfg = self.config
        acc_bytes = cfg.bank_entries * ACC_BITS // 8  # an accumulation accesses one bank
        per_k_region = sum(plan.region_area(p) for p in range(plan.pes))
        per_k_halo = int(plan.halo_areas.sum())
        channels = sum(k1 - k0 for _, k0, k1 in plan.groups)
        counts.add("accumulator", "sram_read", per_k_region * channels * ACC_BITS, acc_bytes)
        counts.add("multipliers", "add24", per_k_halo * channels)
        counts.add("accumulator", "sram_read", per_k_halo * channels * ACC_BITS, acc_bytes)
        counts.add("accumulator", "sram_write", per_k_halo * channels * ACC_BITS, acc_bytes)


class ScnnSparseA(Scnn):
    """SCNN exploiting activation sparsity only (weights stream dense, whatever the config says)."""

    Config = ScnnConfig
    arch = "scnn-sparsea"

    def __init__(self, config: ScnnConfig | None = None, seed: int = 0) -> None:
        super().__init__(replace(config or ScnnConfig(), exploit_weight_sparsity=False), seed)


class ScnnSparseW(Scnn):
    """SCNN exploiting weight sparsity only (activations stream dense, whatever the config says)."""

    Config = ScnnConfig
    arch = "scnn-sparsew"

    def __init__(self, config: ScnnConfig | None = None, seed: int = 0) -> None:
        super().__init__(replace(config or ScnnConfig(), exploit_activation_sparsity=False), seed)


ACCELERATOR.register(
    "scnn",
    Scnn,
    kinds=("conv", "linear"),
    baselines=("dcnn", "dcnn-opt", "scnn-sparsea", "scnn-sparsew"),
)
ACCELERATOR.register("scnn-sparsea", ScnnSparseA, kinds=("conv", "linear"))
ACCELERATOR.register("scnn-sparsew", ScnnSparseW, kinds=("conv", "linear"))
