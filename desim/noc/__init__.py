"""The network-on-chip: VC routers, network interfaces, routing policies, synthetic traffic and
BookSim-style measurement."""

from desim.noc.engine import Engine
from desim.noc.flit import Flit, Packet
from desim.noc.interface import NetworkInterface
from desim.noc.measurement import NocConfig, NocResult, build_network, simulate
from desim.noc.network import Network
from desim.noc.params import RouterParams
from desim.noc.presets import router_params
from desim.noc.router import Router

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
