"""The memory an accelerator run needs, estimated before anything is built, and its limit.

A design's run holds its network (routers and interfaces), one agent per PE with its memories and
processes, and the workload's tensors (every layer's weights, inputs and outputs:
`workloads.footprint`). `PE_BYTES` holds, per design, the bytes per PE and per pair of PEs of the
peak resident memory a run adds (network included), fitted on meshes of 4 x 4 to 48 x 48
(``benchmarks/accel_memory.py``, record ``benchmarks/results/accel_memory.md``), rounded up.

`check_design_memory` refuses a design whose estimate is beyond `MAX_ACCEL_BYTES`, with the
estimate and the override (``DESIM_NO_SIZE_LIMIT=1``); ``desim accel``, ``desim compare`` and
accelerator sweeps call it before torch is imported (network and PEs), then with the workload's
tensors before the workload is built. `FabricConfig` checks, on construction, what any design
would need: its routers at the lightest design's figures.

Examples
--------
>>> from desim.accel.dcnn import DcnnConfig
>>> from desim.accel.fabric import FabricConfig
>>> config = DcnnConfig(fabric=FabricConfig(topology_args={"rows": 8, "cols": 8}))
>>> c, a, b = PE_BYTES["desim.accel.dcnn"]
>>> design_bytes("dcnn", config) == c + 64 * a + 64 * 64 * b
True
"""

from __future__ import annotations

from typing import Any

from desim.limits import check_limit
from desim.registry import ACCELERATOR

__all__ = [
    "MAX_ACCEL_BYTES",
    "PE_BYTES",
    "check_design_memory",
    "design_bytes",
    "pe_bytes",
]

MAX_ACCEL_BYTES = 2e9
"""Bytes an accelerator run may need, network, PEs and the workload's tensors together (VGG-16's
tensors are 0.64 GB), unless ``DESIM_NO_SIZE_LIMIT=1``: a 2 GB run leaves room for other jobs on a
shared machine."""

PE_BYTES = {
    "desim.accel.dcnn": (3e6, 60_000, 23),
    "desim.accel.scnn": (3e6, 36_000, 21),
    "desim.accel.sparsenn": (3e6, 60_000, 24),
}
"""Fixed bytes, bytes per PE and bytes per pair of PEs, network included, by the module of the
design: DCNN and DCNN-opt; SCNN and its SparseA/SparseW variants; SparseNN, input-sparse and dense.
A run holds ``c + a PEs + b PEs^2`` bytes: the pair term is every router's routing table (a slot
per router) and the broadcasts naming every PE. The fits of ``benchmarks/results/accel_memory.md``
(4 x 4 to 48 x 48 meshes), rounded up so that no measured run from 8 x 8 on needs more. A design
from elsewhere is costed at the largest."""


def _pes(config: Any) -> float:
    from desim.noc.validation import routers_of

    fabric = config.fabric
    return routers_of(fabric.topology, fabric.topology_args)


def pe_bytes(pes: float, figures: tuple[float, float, float]) -> float:
    """Bytes a run on ``pes`` PEs holds at ``figures`` (fixed, per PE, per pair of PEs)."""
    fixed, per_pe, per_pair = figures
    return fixed + per_pe * pes + per_pair * pes * pes


def _figures(arch: str) -> tuple[float, float, float]:
    module = ACCELERATOR.get(arch).__module__
    return PE_BYTES.get(module, max(PE_BYTES.values(), key=lambda f: pe_bytes(1e4, f)))


def design_bytes(arch: str, config: Any, workload_bytes: float = 0.0) -> float:
    """Bytes design ``arch`` with ``config`` needs: one PE per router, each with the least
    work memory its config implies (``config.least_work_bytes()`` where it has one: SCNN's
    multiplier array and banks, `desim.accel.scnn_footprint`), plus the workload's tensors
    (``workload_bytes``) when known."""
    least = getattr(config, "least_work_bytes", None)
    pes = _pes(config)
    work = pes * least() if least is not None else 0.0
    return pe_bytes(pes, _figures(arch)) + work + workload_bytes


def check_design_memory(arch: str, config: Any, workload_bytes: float = 0.0) -> None:
    """Refuse design ``arch`` with ``config`` when `design_bytes` exceeds `MAX_ACCEL_BYTES`."""
    fabric = config.fabric
    pes = _pes(config)
    tensors = f" and {workload_bytes / 1e9:.3g} GB of workload tensors" if workload_bytes else ""
    least = getattr(config, "least_work_bytes", None)
    work = (
        f", their work at least {pes * least() / 1e9:.3g} GB ({config.WORK_KEYS})"
        if least is not None
        else ""
    )
    check_limit(
        f"{arch} on fabric.topology {fabric.topology!r} {dict(fabric.topology_args)} needs too "
        f"much memory: {pes:.0f} PEs ({pe_bytes(pes, _figures(arch)) / 1e9:.3g} GB{work})"
        f"{tensors}, in bytes",
        design_bytes(arch, config, workload_bytes),
        MAX_ACCEL_BYTES,
    )
