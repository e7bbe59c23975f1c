"""The network-on-chip: VC routers, network interfaces, routing policies, synthetic traffic and
BookSim-style measurement.

The names below are imported on first use (`desim.lazy`), so that ``desim noc --help``, which
imports `desim.noc.cli`, does not import the simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desim.lazy import lazy_exports

_EXPORTS = {
    "Engine": "engine",
    "Flit": "flit",
    "Packet": "flit",
    "NetworkInterface": "interface",
    "NocConfig": "measurement",
    "NocResult": "measurement",
    "build_network": "measurement",
    "simulate": "measurement",
    "Network": "network",
    "RouterParams": "params",
    "router_params": "presets",
    "Router": "router",
}

if TYPE_CHECKING:
    from desim.noc.engine import Engine
    from desim.noc.flit import Flit, Packet
    from desim.noc.interface import NetworkInterface
    from desim.noc.measurement import NocConfig, NocResult, build_network, simulate
    from desim.noc.network import Network
    from desim.noc.params import RouterParams
    from desim.noc.presets import router_params
    from desim.noc.router import Router

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)

__all__ = [
    "Engine",
    "Flit",
    "Network",
    "NetworkInterface",
    "NocConfig",
    "NocResult",
    "Packet",
    "Router",
    "RouterParams",
    "build_network",
    "router_params",
    "simulate",
]
