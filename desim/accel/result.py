"""What an accelerator run yields: per-layer results with their action counts, and the totals.

Every layer carries its own `ActionCounts`, so energy is priced after the run
(`AccelResult.energy`) and can be re-priced under another table. Records are flat dicts of JSON
scalars (for the CLI, sweeps and pandas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desim.accel.fabric import NocSnapshot
from desim.accel.layer import LayerRecord
from desim.energy import ActionCounts, EnergyReport, EnergyTable, horowitz45
from desim.kernel.errors import DesimError

__all__ = ["FunctionalMismatch", "LayerResult", "AccelResult", "check_outputs", "check_plane"]


class FunctionalMismatch(DesimError):
    """An accelerator computed outputs that differ from torch's for the same layer."""


def check_outputs(layer: LayerRecord, computed: np.ndarray, rtol: float = 1e-4) -> float:
    """Compare ``computed`` (one sample, before the nonlinearity) with torch's output of
    ``layer`` for sample 0; return the largest error relative to the output's largest magnitude.

    Raises
    ------
    FunctionalMismatch
        If the shapes differ or the relative error exceeds ``rtol`` (float32 accumulation
        order differs between torch and numpy: 1e-4 of the range is far above that noise and
        far below any wrong or missing product).
    """
    return check_plane(layer.name, "outputs", computed, layer.output[0], rtol)


def check_plane(
    name: str, what: str, computed: np.ndarray, reference: np.ndarray, rtol: float = 1e-4
) -> float:
    """The largest error of ``computed`` against torch's ``reference``, relative to the
    reference's largest magnitude (`check_outputs`; ``what`` names the values in the message).

    Raises
    ------
    FunctionalMismatch
        If the shapes differ or the relative error exceeds ``rtol``.
    """
    if computed.shape != reference.shape:
        raise FunctionalMismatch(
            f"{name}: computed {what} of shape {computed.shape}, torch's are {reference.shape}"
        )
    scale = float(np.max(np.abs(reference))) or 1.0
    error = float(np.max(np.abs(computed - reference))) / scale
    if not error <= rtol:
        raise FunctionalMismatch(
            f"{name}: {what} differ from torch's by {error:.3g} of their range (tolerance {rtol:g})"
        )
    return error


@dataclass
class LayerResult:
    """One simulated layer.

    Attributes
    ----------
    cycles : int
        From the layer's start to its last output written (accelerator clock cycles).
    dense_macs : int
        Multiply-accumulates of the dense layer (one sample).
    useful_macs : int
        Products of two non-zero operands.
    multiplier_cycles : int
        Multipliers x cycles available (``multipliers x cycles``).
    counts : ActionCounts
        Everything the layer's components did, for the energy model.
    noc : NocSnapshot
        The layer's network traffic.
    dram_bytes : int
        Bytes moved to and from DRAM.
    check_error : float
        Largest output error relative to the output range (`check_outputs`).
    """

    name: str
    kind: str
    cycles: int
    dense_macs: int
    useful_macs: int
    multiplier_cycles: int
    counts: ActionCounts
    noc: NocSnapshot
    dram_bytes: int
    check_error: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def multiplier_utilisation(self) -> float:
        """Useful products per multiplier per cycle."""
        return self.useful_macs / self.multiplier_cycles if self.multiplier_cycles else 0.0

    def record(self, table: EnergyTable) -> dict[str, Any]:
        """A flat record: cycles, MACs, utilisation, energy breakdown, NoC and DRAM traffic."""
        return {
            "layer": self.name,
            "kind": self.kind,
            "cycles": self.cycles,
            "dense_macs": self.dense_macs,
            "useful_macs": self.useful_macs,
            "multiplier_utilisation": self.multiplier_utilisation,
            **EnergyReport.from_counts(self.counts, table).record(),
            **self.noc.record(),
            "dram_bytes": self.dram_bytes,
            "check_passed": True,
            "check_error": self.check_error,
            **self.extra,
        }


@dataclass
class AccelResult:
    """All layers of one run, and what they add up to."""

    arch: str
    workload: dict[str, Any]
    layers: list[LayerResult]
    clock_ghz: float = 1.0

    def counts(self) -> ActionCounts:
        """Every layer's action counts together."""
        total = ActionCounts()
        for layer in self.layers:
            total.merge(layer.counts)
        return total

    def energy(self, table: EnergyTable | None = None) -> EnergyReport:
        """The run's energy under ``table`` (default: `desim.energy.horowitz45`)."""
        return EnergyReport.from_counts(self.counts(), table or horowitz45())

    @property
    def cycles(self) -> int:
        """Layers run one after the other: the sum of their cycles."""
        return sum(layer.cycles for layer in self.layers)

    def record(self, table: EnergyTable | None = None) -> dict[str, Any]:
        """Totals as one flat record (sweeps, ``--json``'s top level)."""
        table = table or horowitz45()
        useful = sum(layer.useful_macs for layer in self.layers)
        capacity = sum(layer.multiplier_cycles for layer in self.layers)
        noc = sum((layer.noc for layer in self.layers), NocSnapshot(0, 0, 0, 0, 0))
        return {
            "arch": self.arch,
            **{f"workload.{k}": v for k, v in self.workload.items()},
            "layers": len(self.layers),
            "cycles": self.cycles,
            "time_us": self.cycles / (self.clock_ghz * 1e3),
            "dense_macs": sum(layer.dense_macs for layer in self.layers),
            "useful_macs": useful,
            "multiplier_utilisation": useful / capacity if capacity else 0.0,
            **self.energy(table).record(),
            **noc.record(),
            "dram_bytes": sum(layer.dram_bytes for layer in self.layers),
            "check_passed": True,
            "check_max_error": max((layer.check_error for layer in self.layers), default=0.0),
        }

    def to_json(self, table: EnergyTable | None = None) -> dict[str, Any]:
        """Totals plus one record per layer."""
        table = table or horowitz45()
        return {**self.record(table), "per_layer": [x.record(table) for x in self.layers]}
