"""SystemC-style kernel on SimPy: simulator, modules, ports, channels, signals, clocks, tracing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desim.lazy import lazy_exports

# name -> submodule: imported on first use (PEP 562), so that `desim.kernel.errors`, which the
# command line and the registries need, does not pull in simpy and numpy
_EXPORTS = {
    "Channel": "channel",
    "Clock": "clock",
    "ConfigError": "errors",
    "DeadlockError": "errors",
    "DesimError": "errors",
    "ElaborationError": "errors",
    "InvariantError": "errors",
    "Module": "module",
    "GetInterface": "port",
    "InPort": "port",
    "OutPort": "port",
    "Port": "port",
    "PutInterface": "port",
    "Signal": "signal",
    "PrimitiveChannel": "simulator",
    "Simulator": "simulator",
    "TimestepObserver": "simulator",
    "VcdWriter": "vcd",
    "Watchable": "vcd",
}

if TYPE_CHECKING:
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


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

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
