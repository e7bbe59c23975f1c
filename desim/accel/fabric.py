"""The accelerator's network: a topology, its routers, and the terminals agents bind their ports to.

`FabricConfig` says which network (topology, routing, router preset, multicast scheme, flit
format); `Fabric` builds it in a `Simulator`, places the processing elements on the terminals
(one per router, in router order) and one memory port (DRAM controller and global buffer) on an
extra terminal of a chosen router, and reads back the NoC's counts for the energy model.

An agent reaches the network through a `Terminal`: the put/get interface kernel ports bind to,
over the network interface's ``send`` and its inbox. The terminal sets the interface's inbox when it
is built (one that reassembles messages as their packets arrive), so a receiver that starts late
loses nothing.

Examples
--------
>>> from desim.kernel import Module, Simulator
>>> from desim.kernel.port import InPort, OutPort
>>> from desim.noc.packets import StreamPacket
>>> sim = Simulator(seed=0)
>>> fabric = Fabric(sim, FabricConfig(topology_args={"rows": 2, "cols": 2}))
>>> class Echo(Module):
...     def __init__(self, name, parent, terminal):
...         super().__init__(name, parent)
...         self.tid = terminal.tid
...         self.tx, self.rx = OutPort("tx", self), InPort("rx", self)
...         self.tx.bind(terminal); self.rx.bind(terminal)
>>> a = Echo("a", sim, fabric.pe_terminal(0)); b = Echo("b", sim, fabric.pe_terminal(3))
>>> def talk():
...     yield a.tx.put(StreamPacket(a.tid, (b.tid,), 256, "hello"))
>>> def late_listener():
...     yield sim.env.timeout(100)          # starts long after the delivery
...     packet = yield b.rx.get()
...     print(packet.payload, sim.now)
>>> _ = sim.process(talk()); _ = sim.process(late_listener()); _ = sim.run()
hello 100
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from desim.accel.footprint import MAX_ACCEL_BYTES, PE_BYTES, pe_bytes
from desim.config import API_ONLY, KeyedConfigError
from desim.config_checks import check_key_int, require_key
from desim.energy import ActionCounts
from desim.kernel.errors import ConfigError
from desim.kernel.simulator import Simulator
from desim.limits import check_limit
from desim.noc.interface import NetworkInterface
from desim.noc.multicast import SCHEMES, check_tree_support
from desim.noc.network import Network
from desim.noc.packets import FlitFormat, StreamPacket
from desim.noc.params import RouterParams
from desim.noc.presets import router_params
from desim.noc.router import Router
from desim.noc.routing.base import check_routing_support, recorded_topology
from desim.noc.validation import (
    built_topology,
    check_network_size,
    check_router,
    check_routing,
    check_topology,
    routers_of,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FabricConfig", "Fabric", "Terminal", "NocSnapshot"]


#: the default network: the paper's 8 x 8 PEs on a mesh
DEFAULT_TOPOLOGY_ARGS = {"rows": 8, "cols": 8}


@dataclass(frozen=True)
class FabricConfig:
    """The accelerator's on-chip network.

    Attributes
    ----------
    topology, topology_args
        A registered topology and its builder's arguments (default an 8 x 8 mesh).
    routing : str
        Routing policy (registry ``routing``).
    router, router_args
        Router preset and overrides (``vcs``, ``vc_buffer_flits``, delays...).
    multicast : str
        How broadcasts travel: ``umesh``, ``direct`` or ``tree`` (in-router replication; its
        packets must fit in one VC buffer, so ``max_packet_flits <= vc_buffer_flits``)
        (`desim.noc.multicast`).
    flit_width_bits, header_bits, max_packet_flits
        The flit format (`desim.noc.packets.FlitFormat`); the routers take the width from it.
    memory_router : int
        The router whose extra terminal is the memory port (DRAM controller, global buffer).
    deadlock_cycles : int
        The network's deadlock watchdog.
    router_cls, interface_cls : type
        The classes the network builds its routers and interfaces from: `Router` and
        `NetworkInterface` or subclasses taking the same arguments (`desim.noc.network.Network`).
        Set from Python only: a file or ``--set`` cannot name a class, and sweeps and records
        leave these fields out.
    """

    topology: str = "mesh"
    topology_args: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_TOPOLOGY_ARGS))
    routing: str = "xy"
    router: str = "booksim"
    router_args: Mapping[str, Any] = field(default_factory=dict)
    multicast: str = "tree"
    flit_width_bits: int = 512
    header_bits: int = 32
    max_packet_flits: int = 8
    memory_router: int = 0
    deadlock_cycles: int = 20000
    router_cls: type[Router] = field(default=Router, metadata=API_ONLY)
    interface_cls: type[NetworkInterface] = field(default=NetworkInterface, metadata=API_ONLY)

    def __post_init__(self) -> None:
        require_key(
            self.multicast in SCHEMES,
            "multicast",
            f"must be one of {', '.join(SCHEMES)}, got {self.multicast!r}",
        )
        for name in ("flit_width_bits", "max_packet_flits", "deadlock_cycles"):
            check_key_int(name, getattr(self, name), 1)
        check_key_int("memory_router", self.memory_router, 0)
        for name, base in (("router_cls", Router), ("interface_cls", NetworkInterface)):
            cls = getattr(self, name)
            require_key(
                isinstance(cls, type) and issubclass(cls, base),
                name,
                f"must be desim.noc.{base.__name__} or a subclass of it, got {cls!r}",
            )
        self._check_size()
        check_routing(self.routing)
        check_router(self.router, self.router_args)
        require_key(
            "flit_width_bits" not in self.router_args,
            "router_args.flit_width_bits",
            "the flit width is a key of its own: set flit_width_bits, not an entry of router_args",
        )
        FlitFormat(self.flit_width_bits, self.header_bits, self.max_packet_flits)  # validates
        self._check_network(self.graph(), self.router_params())

    def _check_size(self) -> None:
        """The topology and its arguments, and a network small enough for some design, before
        its graph is built."""
        try:
            check_topology(self.topology, self.topology_args)
        except KeyedConfigError as exc:
            if self.topology == "mesh" or dict(self.topology_args) != DEFAULT_TOPOLOGY_ARGS:
                raise
            raise KeyedConfigError(
                exc.key,
                f"{exc.message} (topology_args defaults to the 8 x 8 mesh's {DEFAULT_TOPOLOGY_ARGS}"
                f"; give {self.topology!r} its own, e.g. --set 'fabric.topology_args={{...}}')",
            ) from None
        pes = routers_of(self.topology, self.topology_args)  # one PE per router
        check_limit(
            f"fabric.topology {self.topology!r} {dict(self.topology_args)} needs too much memory "
            f"for any accelerator: {pes:.0f} PEs at the lightest design's figures, in bytes",
            min(pe_bytes(pes, figures) for figures in PE_BYTES.values()),
            MAX_ACCEL_BYTES,
        )

    def _check_network(self, graph: nx.Graph, params: RouterParams) -> None:
        """What building the network would refuse: a routing policy or a tree multicast the
        topology does not support, a tree packet longer than a VC buffer, too large a router
        state."""
        topology = recorded_topology(graph)
        try:
            check_routing_support(self.routing, topology, params.vcs)
        except ConfigError as exc:
            raise KeyedConfigError("routing", str(exc)) from None
        if self.multicast == "tree":
            require_key(
                self.max_packet_flits <= params.vc_buffer_flits,
                "max_packet_flits",
                f"must be at most the router's vc_buffer_flits {params.vc_buffer_flits} with "
                f"multicast 'tree' (its packets must fit in one VC buffer), got "
                f"{self.max_packet_flits}; or use multicast 'umesh' or 'direct'",
            )
            try:
                check_tree_support(topology, self.routing)
            except ConfigError as exc:
                raise KeyedConfigError("multicast", str(exc)) from None
        check_network_size(graph, params)

    def graph(self) -> nx.Graph:
        """The network's graph: the topology's routers and links, and the memory port's terminal
        on `memory_router` (refused by name if the topology has no such router)."""
        graph = built_topology(self.topology, self.topology_args)
        routers = graph.number_of_nodes()
        require_key(
            self.memory_router < routers,
            "memory_router",
            f"{self.memory_router} is not a router of the {routers}-router {self.topology}; "
            f"allowed: 0..{routers - 1}",
        )
        graph.nodes[self.memory_router]["terminals"] += 1
        return graph

    def router_params(self) -> RouterParams:
        """The routers' parameters: the preset, its overrides and the flit width."""
        return router_params(self.router, flit_width_bits=self.flit_width_bits, **self.router_args)

    @property
    def flit_format(self) -> FlitFormat:
        """The flit format every terminal packetises with."""
        return FlitFormat(self.flit_width_bits, self.header_bits, self.max_packet_flits)


class _Reassembly(simpy.Store):
    """A terminal's inbox that reassembles messages as their packets are delivered.

    The network hands every delivered packet to its interface's inbox (``inbox.put``); this one
    counts the parts of each message there and then, and passes on only whole messages to
    ``messages``. No event is made per packet: a message split into many packets, or a stream of
    packet-sized messages, costs the simulator one store put and one get per whole message.
    """

    def __init__(self, env: simpy.Environment, flit_format: FlitFormat) -> None:
        super().__init__(env)
        self.flit_format = flit_format
        self.messages = simpy.Store(env)
        self._parts: dict[int, int] = {}  # id of a message -> parts still to come

    def put(self, item: Any) -> Any:  # type: ignore[override]
        """Take delivered packet ``item``; the message it completes goes to ``messages``."""
        packet = item.payload
        key = id(packet)
        parts = self._parts.pop(key, None)
        if parts is None:
            parts = len(self.flit_format.split(packet.size_bits))
        if parts > 1:
            self._parts[key] = parts - 1
            return None
        return self.messages.put(packet)


class Terminal:
    """A network terminal as a put/get interface (``sc_fifo``-like) for kernel ports.

    ``put(packet)`` sends a `StreamPacket`: the flit format splits it into parts and adds each
    part's header; the event returned fires once every destination has received every part.
    ``get()`` returns an event yielding the next whole `StreamPacket` delivered here (all its parts
    arrived, reassembled as they are delivered: `_Reassembly`). Deliveries are kept from
    construction on: nothing is lost to a late receiver.
    """

    def __init__(self, interface: NetworkInterface, flit_format: FlitFormat) -> None:
        self.interface = interface
        self.tid = interface.tid
        self.flit_format = flit_format
        inbox = _Reassembly(interface.env, flit_format)
        interface.inbox = inbox
        self._messages = inbox.messages

    def put(self, packet: StreamPacket) -> simpy.Event:
        """Send ``packet`` from this terminal."""
        if packet.source != self.tid:
            raise ValueError(
                f"terminal {self.tid} cannot send a packet whose source is {packet.source}"
            )
        fmt = self.flit_format
        sends = [
            self.interface.send(packet.destinations, fmt.packet_bits(bits), packet)
            for bits in fmt.split(packet.size_bits)
        ]
        return sends[0] if len(sends) == 1 else self.interface.env.all_of(sends)

    def get(self) -> simpy.Event:
        """The next whole message delivered here (its value is the `StreamPacket` sent)."""
        return self._messages.get()


@dataclass(frozen=True)
class NocSnapshot:
    """Network totals at one moment; differences give a layer's or a phase's traffic."""

    flits_injected: int
    flit_hops: int
    link_flits: int
    packets: int
    latency_sum: int

    def __sub__(self, other: NocSnapshot) -> NocSnapshot:
        return NocSnapshot(
            *(a - b for a, b in zip(vars(self).values(), vars(other).values(), strict=True))
        )

    def __add__(self, other: NocSnapshot) -> NocSnapshot:
        return NocSnapshot(
            *(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True))
        )

    def record(self) -> dict[str, float]:
        """``noc_flits``, ``noc_flit_hops``, ``noc_link_flits``, ``noc_packets`` and the average
        packet latency in cycles."""
        return {
            "noc_flits": self.flits_injected,
            "noc_flit_hops": self.flit_hops,
            "noc_link_flits": self.link_flits,
            "noc_packets": self.packets,
            "noc_avg_latency_cycles": self.latency_sum / self.packets if self.packets else 0.0,
        }


class Fabric:
    """The network of ``config`` in ``sim``, with processing elements on its terminals."""

    def __init__(self, sim: Simulator, config: FabricConfig | None = None) -> None:
        self.config = config = config or FabricConfig()
        self.network = Network(
            sim,
            config.graph(),
            config.routing,
            config.router_params(),
            deadlock_cycles=config.deadlock_cycles,
            multicast=config.multicast,
            router_cls=config.router_cls,
            interface_cls=config.interface_cls,
        )
        self.flit_format = config.flit_format
        self._latency_sum = 0
        self.network.delivered_hooks.append(self._on_delivery)
        net = self.network
        first = {}
        for tid, rid in enumerate(net.terminal_router):
            first.setdefault(rid, tid)
        self.memory_tid = first[config.memory_router] + 1
        self.pe_tids = [t for t in range(net.terminals) if t != self.memory_tid]
        self._terminals: dict[int, Terminal] = {}

    @property
    def pes(self) -> int:
        """Number of PE terminals."""
        return len(self.pe_tids)

    def terminal(self, tid: int) -> Terminal:
        """The `Terminal` of network terminal ``tid`` (one per terminal, built on first use)."""
        if tid not in self._terminals:
            self._terminals[tid] = Terminal(self.network.interfaces[tid], self.flit_format)
        return self._terminals[tid]

    def pe_terminal(self, pe: int) -> Terminal:
        """The terminal of processing element ``pe``."""
        return self.terminal(self.pe_tids[pe])

    @property
    def memory_terminal(self) -> Terminal:
        """The memory port's terminal."""
        return self.terminal(self.memory_tid)

    def _on_delivery(self, packet: Any) -> None:
        self._latency_sum += packet.received - packet.created

    def snapshot(self) -> NocSnapshot:
        """The network's totals now."""
        net = self.network
        links = sum(
            sum(router.sent[: len(net.ctx.neighbors[router.rid])]) for router in net.routers
        )
        c = net.counters
        return NocSnapshot(
            c.flits_injected, net.flit_hops, links, c.packets_received, self._latency_sum
        )

    def count_energy(self, traffic: NocSnapshot, counts: ActionCounts) -> None:
        """Add ``traffic``'s router and link traversals, in bits, to ``counts``."""
        width = self.config.flit_width_bits
        counts.add("noc", "router", traffic.flit_hops * width)
        counts.add("noc", "link", traffic.link_flits * width)
