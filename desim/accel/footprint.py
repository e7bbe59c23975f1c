"""The memory an accelerator run needs, estimated before anything is built, and its limit.

A design's run holds its network (routers and interfaces), one agent per PE with its memories and
processes, and the workload's tensors (every layer's weights, inputs and outputs:
`workloads.footprint`). `PE_BYTES` is, per design, the slope of the peak resident memory a run adds
(network included) measured on meshes of 4 x 4 to 24 x 24 (``benchmarks/accel_memory.py``, record
``benchmarks/results/accel_memory.md``), rounded up.

`check_design_memory` refuses a design whose estimate is beyond `MAX_ACCEL_BYTES`, with the
estimate and the override (``DESIM_NO_SIZE_LIMIT=1``); ``desim accel``, ``desim compare`` and
accelerator sweeps call it before torch is imported (network and PEs), then with the workload's
tensors before the workload is built. `FabricConfig` checks, on construction, what any design
would need: its routers at the lightest design's bytes per PE.

Examples
--------
>>> from desim.accel.dcnn import DcnnConfig
>>> from desim.accel.fabric import FabricConfig
>>> config = DcnnConfig(fabric=FabricConfig(topology_args={"rows": 8, "cols": 8}))
>>> design_bytes("dcnn", config) == 64 * PE_BYTES["desim.accel.dcnn"]
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
]

MAX_ACCEL_BYTES = 2e9
"""Bytes an accelerator run may need, network, PEs and the workload's tensors together (VGG-16's
tensors are 0.64 GB), unless ``DESIM_NO_SIZE_LIMIT=1``: a 2 GB run leaves room for other jobs on a
shared machine, and a larger fabric (over 28,000 DCNN PEs) would take days to simulate anyway."""

PE_BYTES = {
    "desim.accel.dcnn": 70_000,
    "desim.accel.scnn": 50_000,
    "desim.accel.sparsenn": 80_000,
}
"""Per PE, network included, by the module of the design: DCNN and DCNN-opt (measured 66.8 kB),
SCNN and its SparseA/SparseW variants (40.8 kB), SparseNN, input-sparse and dense (71.6 kB); the
slopes of ``benchmarks/results/accel_memory.md`` rounded up. A design from elsewhere is costed at
the largest."""


def _pes(config: Any) -> float:
    from desim.noc.validation import routers_of

    fabric = config.fabric
    return routers_of(fabric.topology, fabric.topology_args)


def design_bytes(arch: str, config: Any, workload_bytes: float = 0.0) -> float:
    """Bytes design ``arch`` with ``config`` needs: one PE per router, plus the workload's
    tensors (``workload_bytes``) when known."""
    per_pe = PE_BYTES.get(ACCELERATOR.get(arch).__module__, max(PE_BYTES.values()))
    return _pes(config) * per_pe + workload_bytes


def check_design_memory(arch: str, config: Any, workload_bytes: float = 0.0) -> None:
    """Refuse design ``arch`` with ``config`` when `design_bytes` exceeds `MAX_ACCEL_BYTES`."""
    fabric = config.fabric
    tensors = f" and {workload_bytes / 1e6:.3g} MB of workload tensors" if workload_bytes else ""
    per_pe = design_bytes(arch, config) / _pes(config)
    check_limit(
        f"{arch} on fabric.topology {fabric.topology!r} {dict(fabric.topology_args)} needs too "
        f"much memory: {_pes(config):.0f} PEs at {per_pe / 1e3:.0f} kB each{tensors}, in bytes",
        design_bytes(arch, config, workload_bytes),
        MAX_ACCEL_BYTES,
    )
