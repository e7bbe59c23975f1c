"""The accelerator contract: a design is a class registered under ``accelerator``.

A design has a frozen-dataclass ``Config`` (with a ``fabric: FabricConfig`` field; every field
carries its unit) and ``run(layers, workload)`` that simulates the layers one after the other,
each in its own `Simulator` on its own `Fabric`, checks every layer's outputs against torch's
(`check_outputs`), and returns an `AccelResult`.

Register a design with ``ACCELERATOR.register("name", cls, kinds=("conv", "linear"))`` in its
module and add the module to `desim.accel.designs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from desim.accel.layer import LayerRecord
from desim.accel.result import AccelResult

__all__ = ["Accelerator", "Progress"]

#: Called after each layer with (layers done, layers in all, layer name).
Progress = Callable[[int, int, str], None]


class Accelerator(Protocol):
    """What the CLI, sweeps and notebooks need of a design."""

    Config: ClassVar[type]

    def __init__(self, config: Any = None, seed: int = 0) -> None: ...

    def run(
        self,
        layers: Sequence[LayerRecord],
        workload: dict[str, Any],
        progress: Progress | None = None,
    ) -> AccelResult:
        """Simulate ``layers`` in order; ``workload`` is its description (model, provenance...)."""
        ...
