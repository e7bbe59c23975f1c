"""SystemC-style kernel on SimPy: simulator, modules, ports, channels, signals, clocks, tracing."""

from desim.kernel.errors import ConfigError, DeadlockError, DesimError, ElaborationError, InvariantError
from desim.kernel.module import Module
from desim.kernel.simulator import Simulator

__all__ = [
    "ConfigError",
    "DeadlockError",
    "DesimError",
    "ElaborationError",
    "InvariantError",
    "Module",
    "Simulator",
]
