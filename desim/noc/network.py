"""The network: routers and interfaces built and wired over a topology graph.

`Network` elaborates the network (one router per graph node, one interface per terminal, of the
classes given: `Router` and `NetworkInterface` by default, or user subclasses), wires every port to
the far end of its link, and accounts packets: their creation, injection and delivery (completing
multicasts), in `NetworkCounters`. Its `Engine` (`desim.noc.engine`) runs the event calendar and
the cycle loop. Agents outside the network (PEs, memories) send through `NetworkInterface.send` and
receive with `NetworkInterface.receive`, in SimPy time.

Invariants are checked as the run goes: every flit is delivered exactly once and in order (the
interfaces check), credits never go negative, and a network holding flits of which none has moved
for ``deadlock_cycles``, while none is on a link or in a pipeline stage and no credit is on its way,
raises `DeadlockError` naming the input VCs that wait on each other (`desim.noc.invariants`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

from desim.kernel.errors import ConfigError
from desim.kernel.module import Module
from desim.kernel.simulator import Simulator
from desim.noc import invariants
from desim.noc.arbiters import Arbiter
from desim.noc.engine import Engine
from desim.noc.flit import Flit, Packet
from desim.noc.interface import NetworkInterface
from desim.noc.multicast import SCHEMES, MulticastTree, check_tree_support
from desim.noc.params import RouterParams
from desim.noc.router import Router
from desim.noc.routing import Route, RoutingContext, resolve_routing
from desim.registry import ALLOCATOR, ARBITER, SELECTION
from desim.topology import validate_topology

__all__ = ["Network", "NetworkCounters"]


class NetworkCounters:
    """Running totals of a network (all in flits, packets or cycles).

    ``flits_replicated`` counts the copies routers made of ``tree`` multicast flits, so that
    ``flits_injected + flits_replicated == flits_ejected`` once the network is empty;
    ``packets_received`` counts a multicast packet once, when its last destination has it.
    """

    __slots__ = (
        "flits_injected",
        "flits_replicated",
        "flits_ejected",
        "packets_created",
        "packets_received",
        "flits_in_network",
        "last_move",
    )

    def __init__(self) -> None:
        self.flits_injected = self.flits_replicated = self.flits_ejected = 0
        self.packets_created = self.packets_received = 0
        self.flits_in_network = 0
        self.last_move = 0


class Network(Module):
    """A network-on-chip on a validated topology graph.

    Parameters
    ----------
    parent : Simulator or Module
    graph : networkx.Graph
        A topology following the schema of ``docs/topologies.md`` (validated here).
    routing : str or callable
        A routing policy name (registry ``routing``), factory or ``"module:function"``.
    params : RouterParams
        Router parameters (see `desim.noc.presets`).
    deadlock_cycles : int
        Cycles without any flit moving, while flits are in buffers and none is on a link, in a
        pipeline stage or waiting for a credit on its way, after which the run stops with
        `DeadlockError`.
    multicast : {"umesh", "direct", "tree"}
        How multicasts travel (see `desim.noc.multicast`): relayed by interfaces (``umesh``), one
        copy per destination (``direct``), or replicated in routers (``tree``, dimension-order
        routing on meshes only).
    router_cls, interface_cls : type
        The classes of the routers and the interfaces: `Router` and `NetworkInterface`, or
        subclasses of them (constructed with the same arguments), e.g. to count or trace events.

    Attributes
    ----------
    engine : Engine
        The event calendar and cycle loop (`Engine.now` is the last cycle run).
    created_hooks, delivered_hooks : list of callable
        Called with each packet when it is created (`new_packet`), and with each packet (each
        destination's copy of a ``tree`` multicast) when its tail reaches its destination: the
        measurement layer's window onto the traffic.
    """

    def __init__(
        self,
        parent: Simulator | Module,
        graph: nx.Graph,
        routing: Any = "xy",
        params: RouterParams | None = None,
        name: str = "noc",
        deadlock_cycles: int = 2000,
        multicast: str = "umesh",
        router_cls: type[Router] = Router,
        interface_cls: type[NetworkInterface] = NetworkInterface,
    ) -> None:
        super().__init__(name, parent)
        if multicast not in SCHEMES:
            raise ConfigError(
                f"unknown multicast scheme {multicast!r}; valid: {', '.join(SCHEMES)}"
            )
        self.multicast = multicast

        self.graph = validate_topology(graph)
        self.params = params = params or RouterParams()
        self.injection_latency = params.injection_latency_cycles
        self.rng: np.random.Generator = self.sim.rng
        self.ctx = RoutingContext.from_graph(self.graph, params.vcs, self.rng)
        self.routing_name = getattr(routing, "__name__", str(routing))
        self.counters = NetworkCounters()
        self.engine = Engine(self.env, self.counters, deadlock_cycles, self._stalled)
        self.routers: list[Router] = []
        self.interfaces: list[NetworkInterface] = []
        self.terminal_router: list[int] = []
        self.ejection_port: list[int] = []
        route = resolve_routing(routing, self.ctx)
        self.tree: MulticastTree | None = None
        self._build(route, router_cls, interface_cls)
        self._wire()
        if multicast == "tree":
            check_tree_support(self.ctx.topology, routing)
            pairs = route.by_destination  # dimension order answers per destination
            assert pairs is not None
            self.tree = MulticastTree(self.ctx, pairs, self.terminal_router, self.ejection_port)
        # U-mesh's dimension-ordered chain: terminals by their router's coordinates, x first
        self.chain_key = [
            (*(self.ctx.coord[r] or (r,)), ni.port)
            for r, ni in zip(self.terminal_router, self.interfaces, strict=True)
        ]
        self.created_hooks: list[Callable[[Packet], None]] = []
        self.delivered_hooks: list[Callable[[Packet], None]] = []
        self._next_pid = 0
        self.engine.start()

    # ------------------------------------------------------------------ elaboration
    def _build(
        self,
        route: Route,
        router_cls: type[Router],
        interface_cls: type[NetworkInterface],
    ) -> None:
        """One router per graph node with its injected parts, one interface per terminal."""
        for name, cls, base in (
            ("router_cls", router_cls, Router),
            ("interface_cls", interface_cls, NetworkInterface),
        ):
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise ConfigError(
                    f"{name} must be desim.noc.{base.__name__} or a subclass of it, got {cls!r}"
                )
        p = self.params
        arbiter = ARBITER.get(p.arbiter)
        kind = type(arbiter(2))
        if not issubclass(kind, Arbiter):
            raise ConfigError(
                f"arbiter {p.arbiter!r} builds {kind.__name__} objects; arbiters "
                "subclass desim.noc.arbiters.Arbiter"
            )
        missing = [m for m in ("grant", "update") if getattr(kind, m) is getattr(Arbiter, m)]
        if missing:
            raise ConfigError(
                f"arbiter {p.arbiter!r} ({kind.__name__}) does not define {' and '.join(missing)}; "
                "an Arbiter subclass defines grant(requesters, ages) and update(winner)"
            )
        parts = (
            route,
            arbiter,
            SELECTION.get(p.selection),
            ALLOCATOR.get(p.vc_allocator),
            ALLOCATOR.get(p.sw_allocator),
        )
        for rid in range(self.graph.number_of_nodes()):
            net_ports = len(self.ctx.neighbors[rid])
            terminals = int(self.graph.nodes[rid]["terminals"])
            self.routers.append(router_cls(rid, self, net_ports, terminals, p, *parts))
            for local in range(terminals):
                tid = len(self.interfaces)
                self.interfaces.append(interface_cls(tid, self, rid, net_ports + local))
                self.terminal_router.append(rid)
                self.ejection_port.append(net_ports + local)

    def _wire(self) -> None:
        """Record, for every router port, the far end of its link (the router or interface there,
        which the engine calls natively) and the link's latency."""
        p = self.params
        to_link = p.sw_alloc_delay_cycles + p.st_delay_cycles
        for router in self.routers:
            rid = router.rid
            for port, other in enumerate(self.ctx.neighbors[rid]):
                latency = int(self.graph.edges[rid, other]["latency_cycles"])
                far_port = self.ctx.port_to[other][rid]
                far = self.routers[other]
                router.downstream[port] = (far, far_port, to_link + latency)
                router.upstream[port] = (
                    far,
                    far_port * p.vcs,
                    p.credit_delay_cycles + latency,
                )
        for ni in self.interfaces:
            router = self.routers[ni.router]
            router.downstream[ni.port] = (ni, ni.port, to_link + p.ejection_latency_cycles)
            router.upstream[ni.port] = (ni, 0, p.credit_delay_cycles + 1)

    @property
    def flit_hops(self) -> int:
        """Router traversals so far (a flit crossing one router's switch is one flit-hop; a
        multicast flit crossing it to several outputs in one cycle is one traversal)."""
        return sum(sum(router.sent) - router.replicas for router in self.routers)

    @property
    def link_traversals(self) -> int:
        """Flits sent over inter-router links so far (every copy of a multicast flit counts)."""
        return sum(sum(r.sent[: r.net_ports]) for r in self.routers)

    @property
    def ejections(self) -> int:
        """Flits sent from routers to terminals so far (one per destination of a multicast)."""
        return sum(sum(r.sent[r.net_ports :]) for r in self.routers)

    def traversals(self) -> dict[str, int]:
        """The NoC actions an energy model costs, as totals so far: router traversals, link
        traversals, injected and ejected flits, and the flit width (to cost them per bit)."""
        return {
            "router_traversals": self.flit_hops,
            "link_traversals": self.link_traversals,
            "flits_injected": self.counters.flits_injected,
            "flits_ejected": self.ejections,
            "flit_width_bits": self.params.flit_width_bits,
        }

    @property
    def terminals(self) -> int:
        """Number of terminals (network interfaces)."""
        return len(self.interfaces)

    # ------------------------------------------------------------------ flit movement
    def new_packet(
        self, source: int, dest: int, size_bits: int, flits: int, created: int, payload: Any = None
    ) -> Packet:
        """A packet from terminal ``source`` to terminal ``dest``; packet ids (``pid``) number
        the packets in creation order."""
        if not 0 <= dest < len(self.interfaces):
            raise ValueError(
                f"destination terminal {dest} out of range 0..{len(self.interfaces) - 1}"
            )
        packet = Packet(
            self._next_pid,
            source,
            dest,
            self.terminal_router[source],
            self.terminal_router[dest],
            size_bits,
            flits,
            created,
            payload,
        )
        self._next_pid += 1
        self.counters.packets_created += 1
        for hook in self.created_hooks:
            hook(packet)
        return packet

    def inject(self, ni: NetworkInterface, flit: Flit, now: int) -> None:
        """``ni`` puts ``flit`` on its injection channel."""
        counters = self.counters
        counters.flits_injected += 1
        counters.flits_in_network += 1
        counters.last_move = now  # entering the network is progress (the watchdog's clock)
        router = self.routers[ni.router]
        self.engine.post(now + self.injection_latency, router, ni.port, flit)

    def deliver(self, ni: NetworkInterface, packet: Packet) -> None:
        """The tail of ``packet`` has reached its destination interface ``ni``."""
        packet.received = self.engine.now
        self.counters.packets_received += 1
        self._hand_over(ni, packet)

    def deliver_copy(self, ni: NetworkInterface, packet: Packet) -> None:
        """The tail of ``tree`` multicast ``packet`` has reached destination ``ni``, which gets
        its own copy; the packet is received once its last destination has it."""
        pending = packet.pending
        assert pending is not None
        pending.discard(ni.tid)
        hops = int(self.ctx.hops[packet.source_router, ni.router]) + 1
        now = self.engine.now
        self._hand_over(ni, packet.delivery(ni.tid, ni.router, hops, now))
        if not pending:
            packet.received = now
            self.counters.packets_received += 1

    def _hand_over(self, ni: NetworkInterface, packet: Packet) -> None:
        """Account the flits of ``packet`` ejected at ``ni`` and give the packet to the hooks, its
        multicast group, its relay and the terminal's inbox."""
        counters = self.counters
        now = self.engine.now
        counters.flits_ejected += packet.flits
        counters.flits_in_network -= packet.flits
        counters.last_move = now
        for hook in self.delivered_hooks:
            hook(packet)
        group = packet.group
        if group is not None:
            group.remaining -= 1
            if group.remaining == 0:
                group.done.succeed(packet.payload)
        if packet.relay is not None:
            ni.relay(packet.relay, packet.size_bits, packet.flits, now, packet.payload, group)
        if ni.inbox is not None:
            ni.inbox.put(packet)

    def discard_queued(self) -> int:
        """Drop the packets still waiting in source queues (never injected); return how many."""
        dropped = 0
        for ni in self.interfaces:
            dropped += len(ni.queue)
            ni.queue.clear()
        self.counters.packets_created -= dropped
        return dropped

    # ------------------------------------------------------------------ checks
    def wait_for_graph(self) -> nx.DiGraph:
        """Input VCs holding flits and the downstream input VCs each waits on (see
        `desim.noc.invariants.wait_for_graph`)."""
        return invariants.wait_for_graph(self)

    def _stalled(self, cycle: int) -> None:
        """The engine's watchdog fired: no flit has moved for ``deadlock_cycles``. Unless a flit
        or credit is still on its way (`desim.noc.invariants.on_its_way`), raise `DeadlockError`."""
        if invariants.on_its_way(self, cycle):
            self.counters.last_move = cycle  # on a link or in a pipeline stage: not stalled
        else:
            raise invariants.deadlock_error(self, cycle)

    def check_conservation(self) -> None:
        """Raise `InvariantError` unless every injected flit was ejected and credits balance."""
        invariants.check_conservation(self)

    def sent_per_port(self) -> list[list[int]]:
        """Flits sent so far through every port of every router (a snapshot)."""
        return [list(router.sent) for router in self.routers]

    def link_utilisation(
        self,
        cycles: int,
        since: list[list[int]] | None = None,
        until: list[list[int]] | None = None,
    ) -> dict[tuple[int, int], float]:
        """Flits per cycle carried by each directed inter-router link ``(from, to)`` over
        ``cycles`` cycles, between two `sent_per_port` snapshots (default: the whole run)."""
        until = until or self.sent_per_port()
        out = {}
        for router in self.routers:
            base = since[router.rid] if since else [0] * router.ports
            for port, other in enumerate(self.ctx.neighbors[router.rid]):
                out[(router.rid, other)] = (until[router.rid][port] - base[port]) / max(cycles, 1)
        return out

    def trace(self) -> str:
        c = self.counters
        return (
            f"{self.path}: cycle {self.engine.now}, {c.flits_in_network} flits in flight, "
            f"{c.packets_received}/{c.packets_created} packets delivered"
        )
