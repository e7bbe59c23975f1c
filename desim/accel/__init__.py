"""Accelerators on the NoC: the agent seam (terminals), memories, results, and the designs."""

from desim.accel.fabric import Fabric, FabricConfig, NocSnapshot, Terminal
from desim.accel.layer import LayerRecord
from desim.accel.memory import CapacityError, Dram, SramBank
from desim.accel.result import AccelResult, FunctionalMismatch, LayerResult, check_outputs

__all__ = [
    "AccelResult",
    "CapacityError",
    "Dram",
    "Fabric",
    "FabricConfig",
    "FunctionalMismatch",
    "LayerRecord",
    "LayerResult",
    "NocSnapshot",
    "SramBank",
    "Terminal",
    "check_outputs",
]
