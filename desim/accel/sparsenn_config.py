"""Configuration of SparseNN and of its baselines on the same hardware.

One frozen dataclass; the three registered designs differ only in two flags:

==================  =====================  ===========
design              ``skip_zero_inputs``   ``predictor``
==================  =====================  ===========
``sparsenn``        True                   True
``input-sparse``    True                   False
``dense``           False                  False
==================  =====================  ===========

Every field the paper does not give is an assumption of ours (docs/sparsenn.md lists them
with their reasons): 64 PEs on an 8 x 8 mesh, 16 multipliers per PE, 16-bit values,
24-bit accumulators, a 1 GHz clock, rows interleaved over the PEs, all weights resident in the
PEs' SRAMs (sized to fit unless given).

References
----------
.. [1] J. Zhu, J. Jiang, X. Chen, C.-Y. Tsui, "SparseNN: An Energy-Efficient Neural Network
   Accelerator Exploiting Input and Output Sparsity", DATE 2018.
.. [2] S. Han et al., "EIE: Efficient Inference Engine on Compressed Deep Neural Network",
   ISCA 2016 (the input-sparse baseline: interleaved rows, non-zero inputs broadcast).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desim.accel.fabric import FabricConfig
from desim.config import distinct_indices
from desim.config_checks import check_key_int, check_key_number, check_key_value_bits, require_key

__all__ = [
    "SparseNNConfig",
    "InputSparseConfig",
    "DenseFcConfig",
    "ROW_MAPPINGS",
    "REDUCTIONS",
    "PREDICTOR_BUDGETS",
    "FLIT_WIDTH_BITS",
    "mesh_fabric",
]

#: SparseNN's flit width: four 26-bit ``(index, value)`` entries after a 32-bit header fit one
#: flit (the 512-bit `FabricConfig` default, sized for DCNN's DRAM port, would carry mostly
#: padding, and NoC energy is counted per flit bit).
FLIT_WIDTH_BITS = 128


#: How output rows (and so the next layer's input entries) are spread over the PEs.
ROW_MAPPINGS = ("interleaved", "block", "frequency")

#: Where the predictor's partial sums are reduced and ``z`` comes back: a dedicated tree of
#: point-to-point links along the NoC's spanning tree, or packets on the NoC itself.
REDUCTIONS = ("dedicated", "noc")


#: How the predictor's overhead budget is read when it is trained: all predictors together under
#: the share of the whole network's dense feed-forward, the ranks chosen for the run-time MACs
#: they save (``cost``) or where the low-rank residual is largest (``network``), or each layer's
#: predictor under the share of that layer's dense MACs (``layer``); `workloads.predictor.budget`.
PREDICTOR_BUDGETS = ("cost", "layer", "network")


def mesh_fabric(rows: int, cols: int | None = None, **options: object) -> FabricConfig:
    """A ``rows x cols`` mesh fabric with SparseNN's flit width (other `FabricConfig` options
    as keywords).

    Examples
    --------
    >>> mesh_fabric(4).flit_width_bits, mesh_fabric(4).topology_args
    (128, {'rows': 4, 'cols': 4})
    """
    options.setdefault("flit_width_bits", FLIT_WIDTH_BITS)
    return FabricConfig(topology_args={"rows": rows, "cols": cols or rows}, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SparseNNConfig:
    """SparseNN on a fabric (defaults: docs/sparsenn.md; all but the flags assumed).

    Attributes
    ----------
    fabric : FabricConfig
        The network: 8 x 8 mesh, one PE per router, the memory port on router 0,
        `FLIT_WIDTH_BITS`-wide flits (`mesh_fabric`).
    predictor : bool
        Predict output sparsity (``U (V x) + b > 0``) and compute only predicted rows.
    predicted_layers : tuple of int or None
        With ``predictor``, the indices (from 0, in the run's layer list) of the layers predicted;
        the others compute every row over their non-zero inputs, as the input-sparse baseline's.
        None: the layers the workload's predictor was trained for (its ``predicted_layers``),
        else every ReLU layer. Each predicted layer needs a predictor from the workload.
    predictor_budget : {"cost", "layer", "network"}
        How the trained predictor's 5 % budget is read (`PREDICTOR_BUDGETS`): ``cost``
        (default), shared over the network's dense feed-forward, the ranks (0: the layer computed
        in full) that save the most run-time MACs within half a point of accuracy on a
        validation split; ``layer``, each layer's under 5 % of its own; ``network``, shared,
        ranks allocated where the low-rank residual is largest (`workloads.predictor.budget`).
        A workload setting, used where the predictor is trained for the run (``desim accel``,
        ``desim compare``).
    skip_zero_inputs : bool
        Send and multiply only non-zero inputs (False: the dense baseline).
    multipliers_per_pe : int
        16-bit multipliers per PE; a step of ``k`` MACs takes ``ceil(k / multipliers)`` cycles
        (the (row, input) products of a step are packed onto the multipliers).
    value_bits : int
        Activation, weight and predictor-vector precision (16-bit fixed point).
    accumulator_bits : int
        Partial sums of ``V x`` travel at this width to the reduction PE.
    clock_ghz : float
        Accelerator clock, for throughput and power.
    row_mapping : {"interleaved", "block", "frequency"}
        Row ``i`` on PE ``i mod P`` (EIE), contiguous blocks (`workloads.streams.row_owners`), or
        dealt by each row's kept frequency on the training images (a static mapping that evens
        the PEs' expected kept rows; the workload's ``row_frequency``, `sparsenn_plan.owners`).
    weight_sram_bytes, predictor_sram_bytes, input_buffer_bytes : int or None
        Per-PE memory sizes; None sizes each to the next power of two holding its share of every
        layer (weights resident, no DRAM traffic). Too small a size is a `CapacityError`.
    sram_width_bits : int or None
        Word width of the weight and predictor SRAMs; None: ``value_bits x multipliers_per_pe``
        (one weight per multiplier per cycle).
    sram_latency_cycles : int
        Cycles to an SRAM's first word.
    dram_latency_cycles : int
        Latency of the first layer's input load and the last layer's output store (0: the next
        input is prefetched while an inference runs).
    reduction_network : {"dedicated", "noc"}
        The prediction's reduction tree (partial ``V x`` up, ``z`` down): dedicated links of the
        fabric's flit width between tree neighbours, one cycle per word ("a dedicated on-chip
        network", our reading), or packets on the NoC, behind the input multicast's relays.
    samples : int
        Test inferences simulated one after another (at most the workload's batch); totals are for
        all of them, ``*_per_inference`` figures their mean.
    """

    fabric: FabricConfig = field(default_factory=lambda: mesh_fabric(8))
    predictor: bool = True
    predicted_layers: tuple[int, ...] | None = None
    predictor_budget: str = "cost"
    skip_zero_inputs: bool = True
    multipliers_per_pe: int = 16
    value_bits: int = 16
    accumulator_bits: int = 24
    clock_ghz: float = 1.0
    row_mapping: str = "interleaved"
    weight_sram_bytes: int | None = None
    predictor_sram_bytes: int | None = None
    input_buffer_bytes: int | None = None
    sram_width_bits: int | None = None
    sram_latency_cycles: int = 1
    dram_latency_cycles: int = 0
    reduction_network: str = "dedicated"
    samples: int = 4

    def __post_init__(self) -> None:
        require_key(
            isinstance(self.fabric, FabricConfig),
            "fabric",
            f"must be a FabricConfig, got {type(self.fabric).__name__}",
        )
        for name in ("predictor", "skip_zero_inputs"):
            value = getattr(self, name)
            require_key(isinstance(value, bool), name, f"must be true or false, got {value!r}")
        require_key(
            self.skip_zero_inputs or not self.predictor,
            "predictor",
            "needs skip_zero_inputs=true (SparseNN exploits both sparsities)",
        )
        chosen = self.predicted_layers
        require_key(
            chosen is None or distinct_indices(chosen),
            "predicted_layers",
            "must be a non-empty list of distinct integers >= 0 (layer indices; left out: every "
            f"ReLU layer), got {chosen!r}",
        )
        for name, allowed in (
            ("predictor_budget", PREDICTOR_BUDGETS),
            ("row_mapping", ROW_MAPPINGS),
            ("reduction_network", REDUCTIONS),
        ):
            value = getattr(self, name)
            require_key(
                value in allowed, name, f"must be one of {', '.join(allowed)}, got {value!r}"
            )
        for name in ("multipliers_per_pe", "accumulator_bits", "samples", "sram_latency_cycles"):
            check_key_int(name, getattr(self, name), 1)
        check_key_value_bits("value_bits", self.value_bits)
        check_key_int("dram_latency_cycles", self.dram_latency_cycles, 0)
        for name in (
            "weight_sram_bytes",
            "predictor_sram_bytes",
            "input_buffer_bytes",
            "sram_width_bits",
        ):
            if getattr(self, name) is not None:
                check_key_int(name, getattr(self, name), 1)
        check_key_number("clock_ghz", self.clock_ghz)

    @property
    def width_bits(self) -> int:
        """The weight and predictor SRAMs' word width."""
        return self.sram_width_bits or self.value_bits * self.multipliers_per_pe


@dataclass(frozen=True)
class InputSparseConfig(SparseNNConfig):
    """The input-sparsity-only baseline (EIE-like): every row, over the non-zero inputs."""

    predictor: bool = False


@dataclass(frozen=True)
class DenseFcConfig(SparseNNConfig):
    """The dense baseline on the same hardware: every row over every input."""

    predictor: bool = False
    skip_zero_inputs: bool = False
