"""DCNN, the dense baseline of SCNN, and DCNN-opt, on the network-on-chip.

SCNN's paper (Parashar et al., ISCA 2017) compares against DCNN: the same 64 PEs and 1,024
multipliers (16 per PE) running a dense dataflow over uncompressed activations with a 2 MB
activation SRAM; DCNN-opt adds zero-gating of multiplies (energy only, no cycles saved) and
compressed activations to and from DRAM. The DCNN dataflow is not published; ours is a dense
dot-product dataflow on a PE organised as DianNao's neural functional unit (``dataflow="nfu"``,
the default; Chen et al., "DianNao", ASPLOS 2014: Tn input neurons are read once per cycle and
broadcast to Tn output neurons, each multiplying them by its own synapses and summing the Tn
products in its adder tree; Tn x Tn multipliers):

- work is cut as `desim.accel.dense_plan.partition` says; a PE's 16 multipliers are a 4 x 4 NFU:
  each cycle 4 activations of one output position's dot product (length ``C/groups x R x S``)
  are read once and broadcast to 4 output channels, each with its own 4 weights; an output group
  takes ``ceil(length / 4)`` cycles, so a position costs ``ceil(channels / 4) x ceil(length / 4)``
  cycles (partly filled channel groups and the last partly filled vector are fragmentation);
  ``dataflow="dot"`` is the earlier reading: the 16 multipliers compute one output at a time,
  ``channels x ceil(length / 16)`` cycles per position;
- each PE tile holds a bank of the activation SRAM (`dense_plan.LineStore`); at a layer's start
  every bank (and the memory port, for lines in DRAM) multicasts to each group of PEs sharing a
  position run the input lines of its window; the PE's own bank is read through a tile-local
  channel, not the network;
- the memory port reads the weights from DRAM and multicasts them to the PEs of each channel
  range in rounds (`dense_plan.WeightRounds`) filling half of the PE's double-buffered weight
  buffer; with the NFU a round holds a multiple of 4 filters, or 4 filters cut along the dot
  product when 4 do not fit (the partial sums wait in the PE between slices, as in DianNao's
  output buffer); round ``r + 1`` is sent once every PE has finished round ``r - 1`` (a done
  wire);
- a PE computes a round ``output_block`` positions at a time and sends those outputs to the
  banks that hold them (or to the memory port, for lines in DRAM), where they are written, so
  write-back overlaps compute;
- the write-back path pools (`desim.accel.dcnn_pool`): when the layer is followed by a max pool
  (`LayerRecord.pool`), the output lines stored (and the SRAM they share with the input) are the
  pooled plane's, the next layer's input; a PE sends each conv output to the holder of every
  pooled line whose window reads its row (two, when overlapping 3 x 3 / 2 windows straddle
  holders), whose pooling unit keeps running maxima and writes each pooled value once its
  window's last conv value has arrived (the ReLU is the running maximum's start at 0).
- a layer that reads a max pool of a plane other layers read unpooled (`LayerRecord.input_pool`,
  an inception module's fourth branch) has the holders' pooling units pool that plane on its
  read path as the PEs' input windows are staged: its compares are counted, no cycles (the
  staging's reads and messages are those of the pooled plane, the layer's input).

The layer's cycles run from its start to its last output written. Communication is simulated
flit by flit; a PE's arithmetic is done in bulk with numpy per round, taking the cycles above.
The outputs that reach the banks are assembled and checked against torch's (`check_outputs`);
with a pool, the PEs' conv outputs are checked so, and the pooled values the holders wrote
against torch's output ReLU'd and pooled (`dcnn_pool.check_written`).
Energy counts: a multiply, a 24-bit add and 16 bits of weight read from the weight buffer per
MAC (from the half of the double-buffered buffer that holds the round, priced at that half's
size; DianNao's synapse buffer feeds every multiplier its own weight); 16 bits of activation
read from the PE's input buffer (DianNao's NBin, 2 KB) once per 4 output channels with the NFU
(the broadcast), once per weight round with ``dot`` (held in a register while the round's
filters pass it), each activation staged into NBin from the tile's bank once per weight round
and block of positions, the partial sums of footprints larger than NBin kept in NBout between
chunks (`desim.accel.dcnn_staging`; ``input_buffer_bytes=0``: the NFU reads the bank); with sliced
rounds, 24 bits of partial sum written and read back per output between slices; DCNN-opt: a
zero activation gates the weight reads, the multiplies and the adds it feeds, a zero weight the
multiply and the add, and its flag (``weight_zero_flags``, DCNN-opt's default) its own read, a
flag bit read instead. Plus bank writes of received lines and reads of sent ones, DRAM bits, and
the network's router and link traversals. With a pool, one compare per conv value entering a
window, priced as a 24-bit add (``pool_unit``: an upper bound, a comparator being at most an
adder of its width), and bank or DRAM writes of the pooled values only; with an input pool, one
compare per value its windows read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from desim.accel.base import Progress, trace_pe_states
from desim.accel.dcnn_agents import DcnnLayer
from desim.accel.fabric import FabricConfig
from desim.accel.layer import LayerRecord
from desim.accel.result import AccelResult, LayerResult, check_outputs
from desim.config_checks import check_key_int, check_key_number, check_key_value_bits, require_key
from desim.kernel.simulator import Simulator
from desim.registry import ACCELERATOR

__all__ = ["DcnnConfig", "DcnnOptConfig", "Dcnn", "DcnnOpt", "DATAFLOWS"]

#: The PE organisations DCNN can take (`DcnnConfig.dataflow`).
DATAFLOWS = ("nfu", "dot")


#: DCNN-opt's own fields: a DCNN's config refuses them set.
OPT_FIELDS = ("zero_gating", "compressed_dram", "weight_zero_flags", "activation_zero_flags")


@dataclass(frozen=True)
class DcnnConfig:
    """DCNN's parameters (defaults: SCNN.md's DCNN on an 8 x 8 mesh).

    Attributes
    ----------
    fabric : FabricConfig
        The network (one PE per router, the memory port on an extra terminal).
    multipliers : int
        Multipliers per PE.
    dataflow : str
        The PE's organisation. ``"nfu"`` (default): DianNao's neural functional unit (Chen et
        al., ASPLOS 2014), ``sqrt(multipliers)`` activations broadcast to as many output
        channels per cycle (4 x 4 for 16), so an activation read feeds 4 MACs and every MAC
        reads its own weight; ``multipliers`` must be a square. ``"dot"``: the multipliers
        compute one output at a time, an activation read once per weight round and held while
        the round's filters pass it (the earlier model, no published source).
    activation_sram_bytes : int
        The activation SRAM, split evenly into one bank per PE tile.
    weight_buffer_bytes : int
        Each PE's double-buffered weight buffer (a round fills half): 32 KB, DianNao's synapse
        buffer SB (Chen et al., ASPLOS 2014); an access is priced at the 16 KB half.
    input_buffer_bytes : int
        The PE's input buffer, DianNao's NBin (2 KB, Chen et al., ASPLOS 2014): the NFU reads
        its activations there, each staged from the tile's bank once per weight round and block
        of positions (`desim.accel.dcnn_staging`); ``0``: no NBin, the NFU reads the bank (the
        earlier model). Energy only. Priced by the energy table's SRAM curve: 2 KB is below
        Horowitz's smallest published SRAM (8 KB), so it is his power law through 8 and 32 KB
        extrapolated, 10 pJ x (2/8)^0.5 = 5 pJ per 64 bits, above the register-file floor.
    output_buffer_bytes : int
        DianNao's NBout (2 KB): the partial sums of outputs whose footprint is staged into
        NBin in several chunks wait there between chunks (24 bits each).
    dram_bandwidth_bytes_per_cycle, dram_latency_cycles
        50 GB/s at 1 GHz (SCNN.md); the latency is our assumption.
    value_bits : int
        Activation and weight width (16-bit fixed point in SCNN).
    zero_gating, compressed_dram : bool
        DCNN-opt's two optimisations: set in a `DcnnOptConfig` (DCNN's config refuses them,
        so a run named ``dcnn`` is DCNN and one named ``dcnn-opt`` is DCNN-opt).
    weight_zero_flags, activation_zero_flags : bool
        DCNN-opt's (a `DcnnOptConfig`): a zero detector on the fill path of the weight buffer
        (of the PE's input window) keeps a 1-bit zero flag per value, read before the value, so
        a zero operand's own 16-bit read is gated too (Eyeriss's zero buffer, Chen et al., JSSC
        2017, which flags activations, applied to each operand). DCNN-opt keeps the weight
        flags by default (a zero weight is known from its flag, not read): what the paper's
        DCNN-opt gates is not published, and Eyeriss's gating alone saves too little to reach
        the paper's figure; the weight flags are the smallest step beyond it that does
        (docs/scnn.md, "DCNN-opt"); ``weight_zero_flags=false`` is Eyeriss's gating alone.
    clock_ghz : float
        Accelerator clock (for times and throughput).
    output_block : int
        Positions a PE computes (for every channel of a round) before sending those outputs on:
        the granularity at which write-back overlaps compute.
    """

    fabric: FabricConfig = field(default_factory=FabricConfig)
    multipliers: int = 16
    dataflow: str = "nfu"
    activation_sram_bytes: int = 2 * 1024 * 1024
    weight_buffer_bytes: int = 32 * 1024
    input_buffer_bytes: int = 2 * 1024
    output_buffer_bytes: int = 2 * 1024
    dram_bandwidth_bytes_per_cycle: float = 50.0
    dram_latency_cycles: int = 100
    value_bits: int = 16
    zero_gating: bool = False
    compressed_dram: bool = False
    weight_zero_flags: bool = False
    activation_zero_flags: bool = False
    clock_ghz: float = 1.0
    output_block: int = 32
    #: fields another design sets, refused here (`desim compare` gives them to that one only)
    FOREIGN_FIELDS: ClassVar[tuple[str, ...]] = OPT_FIELDS

    def __post_init__(self) -> None:
        for name in (
            "multipliers",
            "activation_sram_bytes",
            "weight_buffer_bytes",
            "output_buffer_bytes",
            "output_block",
        ):
            check_key_int(name, getattr(self, name), 1)
        check_key_value_bits("value_bits", self.value_bits)
        check_key_int("input_buffer_bytes", self.input_buffer_bytes, 0)
        check_key_number("clock_ghz", self.clock_ghz)
        check_key_number("dram_bandwidth_bytes_per_cycle", self.dram_bandwidth_bytes_per_cycle)
        check_key_int("dram_latency_cycles", self.dram_latency_cycles, 0)
        require_key(
            self.dataflow in DATAFLOWS,
            "dataflow",
            f"must be one of {', '.join(DATAFLOWS)}, got {self.dataflow!r}",
        )
        require_key(
            self.dataflow != "nfu" or math.isqrt(self.multipliers) ** 2 == self.multipliers,
            "multipliers",
            "must be a square (4, 9, 16, ...) with dataflow 'nfu', a square Tn x Tn array, "
            f"got {self.multipliers}",
        )
        outputs, width = self.lanes
        require_key(
            self.weight_buffer_bytes * 8 // 2 >= self.multipliers * self.value_bits,
            "weight_buffer_bytes",
            f"must hold, in each half, one cycle's {self.multipliers} {self.value_bits}-bit "
            f"weights ({-(-self.multipliers * self.value_bits // 4)} bytes or more), "
            f"got {self.weight_buffer_bytes}",
        )
        require_key(
            self.input_buffer_bytes == 0 or self.input_buffer_bytes * 8 >= width * self.value_bits,
            "input_buffer_bytes",
            f"must be 0 (no NBin) or hold one NFU read of {width} {self.value_bits}-bit values "
            f"({width * self.value_bits // 8} bytes or more), got {self.input_buffer_bytes}",
        )
        require_key(
            self.output_buffer_bytes * 8 >= outputs * 24,
            "output_buffer_bytes",
            f"must hold the {outputs} 24-bit partial sums of one NFU cycle ({outputs * 3} bytes "
            f"or more), got {self.output_buffer_bytes}",
        )
        for name in self.FOREIGN_FIELDS:
            require_key(
                not getattr(self, name),
                name,
                "must be false for dcnn: it is DCNN-opt's (use --arch dcnn-opt)",
            )

    @property
    def lanes(self) -> tuple[int, int]:
        """``(outputs, width)``: output channels computed together, and the dot-product
        elements each of them takes per cycle (``outputs x width = multipliers``)."""
        if self.dataflow == "nfu":
            side = math.isqrt(self.multipliers)
            return side, side
        return 1, self.multipliers


class Dcnn:
    """The DCNN accelerator (``zero_gating`` and ``compressed_dram``: DCNN-opt).

    Examples
    --------
    >>> import numpy as np
    >>> from desim.accel.layer import LayerRecord
    >>> rng = np.random.default_rng(0)
    >>> w, x = rng.standard_normal((8, 16)), np.maximum(rng.standard_normal((1, 16)), 0)
    >>> fc = LayerRecord("fc", "linear", w, None, x, x @ w.T)
    >>> config = DcnnConfig(fabric=FabricConfig(topology_args={"rows": 2, "cols": 2}))
    >>> result = Dcnn(config).run([fc], {"model": "example"})
    >>> layer = result.layers[0]
    >>> layer.dense_macs, int(layer.useful_macs) == 8 * int(np.count_nonzero(x))
    (128, True)
    """

    Config = DcnnConfig

    def __init__(self, config: DcnnConfig | None = None, seed: int = 0) -> None:
        self.config = config or self.Config()
        self.seed = seed
        self.name = "dcnn-opt" if self.config.zero_gating else "dcnn"

    def run_layer(
        self, layer: LayerRecord, input_in_dram: bool = False, vcd: str | Path | None = None
    ) -> LayerResult:
        """Simulate one layer on a fresh fabric; check its outputs against torch's.
        ``input_in_dram``: the layer's input is read from DRAM (a network's first layer: the
        image; `run` says which), not from the activation SRAM where the previous layer left
        it, as SCNN's `run_layer`; with ``vcd``, trace every PE's state to that file."""
        sim = Simulator(seed=self.seed)
        plan = DcnnLayer(sim, layer, self.config, input_in_dram)
        sim.elaborate()
        with trace_pe_states(sim, [tile.state for tile in plan.tiles], vcd):
            sim.run()
        plan.fabric.network.check_conservation()
        computed = plan.result.reshape((plan.g.K, plan.g.P, plan.g.Q))
        error = check_outputs(layer, computed.reshape(layer.output_shape))
        if plan.pooling is not None:  # and the pooled plane the holders wrote
            error = max(error, plan.pooling.check(layer))
        noc = plan.fabric.snapshot()
        plan.fabric.count_energy(noc, plan.counts)
        if layer.input_pool is not None:  # the holders' pooling units, on the read path
            plan.counts.add("pool_unit", "add24", layer.input_pool_compares)
        cycles = max(plan.last_write, int(sim.now))
        return LayerResult(
            name=layer.name,
            kind=layer.kind,
            cycles=cycles,
            dense_macs=layer.dense_macs,
            useful_macs=plan.useful_macs,
            multiplier_cycles=cycles * plan.fabric.pes * self.config.multipliers,
            counts=plan.counts,
            noc=noc,
            dram_bytes=plan.memory.dram.bytes_read + plan.memory.dram.bytes_written,
            check_error=error,
            extra={
                "partition": f"{plan.part.n_pos}x{plan.part.n_k}",
                "rounds": plan.rounds,
                "pooled": plan.pooling is not None,
                "written_shape": "x".join(map(str, plan.written_shape)),
            },
        )

    def run(
        self,
        layers: Sequence[LayerRecord],
        workload: dict[str, Any],
        progress: Progress | None = None,
        vcd: str | Path | None = None,
    ) -> AccelResult:
        """Simulate ``layers`` one after the other (``vcd``: see `trace_pe_states`); the first
        reads its input from DRAM, as SCNN's does."""
        results = []
        for i, layer in enumerate(layers):
            results.append(self.run_layer(layer, i == 0, vcd and f"{vcd}.{i}.vcd"))
            if progress is not None:
                progress(i + 1, len(layers), layer.name)
        return AccelResult(self.name, dict(workload), results, self.config.clock_ghz)


@dataclass(frozen=True)
class DcnnOptConfig(DcnnConfig):
    """DCNN-opt's parameters: DCNN's, with its two optimisations on and the weight buffer's zero
    flags (so ``--set`` can change the flags)."""

    zero_gating: bool = True
    compressed_dram: bool = True
    weight_zero_flags: bool = True
    FOREIGN_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in ("zero_gating", "compressed_dram"):
            require_key(
                getattr(self, name),
                name,
                "must be true: it makes DCNN-opt (--arch dcnn runs without it)",
            )
        super().__post_init__()


class DcnnOpt(Dcnn):
    """DCNN-opt: DCNN with zero-gated multiplies and compressed activations in DRAM.

    A `DcnnOptConfig` is taken as it is; a plain `DcnnConfig` (a DCNN's parameters, which
    leaves DCNN-opt's own fields `OPT_FIELDS` at DCNN's values) gets DCNN-opt's defaults for
    them."""

    Config = DcnnOptConfig

    def __init__(self, config: DcnnConfig | None = None, seed: int = 0) -> None:
        if not isinstance(config, DcnnOptConfig):
            base = config or DcnnConfig()
            kept = {f.name: getattr(base, f.name) for f in fields(DcnnConfig)}
            config = DcnnOptConfig(**{k: v for k, v in kept.items() if k not in OPT_FIELDS})
        super().__init__(config, seed)


ACCELERATOR.register("dcnn", Dcnn, kinds=("conv", "linear"), source="SCNN.md DCNN baseline")
ACCELERATOR.register(
    "dcnn-opt", DcnnOpt, kinds=("conv", "linear"), source="SCNN.md DCNN-opt baseline"
)
