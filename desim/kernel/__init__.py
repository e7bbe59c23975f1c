"""SystemC-style kernel on SimPy: simulator, modules, ports, channels, signals, clocks, tracing."""

from desim.kernel.channel import Channel
from desim.kernel.clock import Clock
from desim.kernel.errors import (
    ConfigError,
    DeadlockError,
    DesimError,
    ElaborationError,
    InvariantError,
)
from desim.kernel.module import Module
from desim.kernel.port import GetInterface, InPort, OutPort, Port, PutInterface
from desim.kernel.signal import Signal
from desim.kernel.simulator import PrimitiveChannel, Simulator, TimestepObserver
from desim.kernel.vcd import VcdWriter, Watchable

__all__ = [
    "Channel",
    "Clock",
    "ConfigError",
    "DeadlockError",
    "DesimError",
    "ElaborationError",
    "GetInterface",
    "InPort",
    "InvariantError",
    "Module",
    "OutPort",
    "Port",
    "PrimitiveChannel",
    "PutInterface",
    "Signal",
    "Simulator",
    "TimestepObserver",
    "VcdWriter",
    "Watchable",
]
