"""The network-on-chip: VC routers, network interfaces, routing policies, synthetic traffic and
BookSim-style measurement."""

from desim.noc.flit import Flit, Packet
from desim.noc.measurement import NocConfig, NocResult, build_network, simulate
from desim.noc.network import Network
from desim.noc.params import RouterParams
from desim.noc.presets import router_params

__all__ = [
    "Flit",
    "Network",
    "NocConfig",
    "NocResult",
    "Packet",
    "RouterParams",
    "build_network",
    "router_params",
    "simulate",
]
