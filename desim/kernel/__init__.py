"""SystemC-style kernel on SimPy: simulator, modules, ports, channels, signals, clocks, tracing."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'desim.kernel' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"desim.kernel.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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
