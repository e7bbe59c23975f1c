"""The accelerator contract: a design is a class registered under ``accelerator``.

A design has a frozen-dataclass ``Config`` (with a ``fabric: FabricConfig`` field; every field
carries its unit) and ``run(layers, workload)`` that simulates the layers one after the other,
each in its own `Simulator` on its own `Fabric`, checks every layer's outputs against torch's
(`check_outputs`), and returns an `AccelResult`.

Register a design with ``ACCELERATOR.register("name", cls, kinds=("conv", "linear"))`` in its
module and add the module to `desim.accel.designs`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from desim.accel.layer import LayerRecord
from desim.accel.result import AccelResult
from desim.kernel.signal import Signal
from desim.kernel.simulator import Simulator

__all__ = ["Accelerator", "Progress", "PeState", "trace_pe_states"]

#: Called after each layer with (layers done, layers in all, layer name).
Progress = Callable[[int, int, str], None]


class PeState(IntEnum):
    """What a PE is doing, as traced to VCD (the value of each PE's ``state`` signal)."""

    WAITING = 0  #: stalled on the network: inputs or weights not yet delivered
    BUSY = 1  #: multiplying
    BARRIER = 2  #: done with its share, waiting for the other PEs
    DONE = 3  #: finished the layer


@contextlib.contextmanager
def trace_pe_states(
    sim: Simulator, states: Sequence[Signal[int]], path: str | Path | None
) -> Iterator[None]:
    """Within the block, trace the PEs' `PeState` signals to the VCD file ``path`` (if given)."""
    if path is None:
        yield
        return
    with sim.trace_vcd(path) as vcd:
        for state in states:
            vcd.add(state, width=2)
        yield


class Accelerator(Protocol):
    """What the CLI, sweeps and notebooks need of a design."""

    Config: ClassVar[type]

    def __init__(self, config: Any = None, seed: int = 0) -> None: ...

    def run(
        self,
        layers: Sequence[LayerRecord],
        workload: dict[str, Any],
        progress: Progress | None = None,
        vcd: str | Path | None = None,
    ) -> AccelResult:
        """Simulate ``layers`` in order; ``workload`` is its description (model, provenance...);
        with ``vcd``, layer ``i``'s PE states go to ``{vcd}.{i}.vcd``."""
        ...
