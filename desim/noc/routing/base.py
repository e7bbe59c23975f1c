"""The routing contract: a context built once per network, candidates, and policy registration.

A routing policy is a *factory* ``make(ctx: RoutingContext) -> route`` registered in
``desim.registry.ROUTING``; the network calls it once, at elaboration, and the returned
``route(router, in_port, packet) -> list[Candidate]`` (a `RouteFunction`) for every head flit at
every router that is not the packet's destination (ejection is the router's job). The factory may
precompute tables and raises `UnsupportedTopologyError` for a graph it cannot route.

A route function may declare what else it knows, as the optional attributes of `DeclaredRoute`
(``by_destination``, ``by_state`` and ``route_states``, ``escape_vcs``); `resolve_routing` returns
it as a `Route`, with the defaults of the attributes it does not set.

Policies keep per-packet state in ``packet.route_state`` (``None`` at injection): e.g. Valiant's
intermediate router, a torus dateline class, an up*/down* phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import networkx as nx
import numpy as np

from desim.kernel.errors import ConfigError
from desim.registry import ROUTING

if TYPE_CHECKING:
    from desim.noc.flit import Packet

__all__ = [
    "Candidate",
    "RoutingContext",
    "DeclaredRoute",
    "PairRoute",
    "Route",
    "StateRoute",
    "RouteFunction",
    "RoutingFactory",
    "UnsupportedTopologyError",
    "routing_policy",
    "resolve_routing",
    "check_routing_support",
    "recorded_topology",
    "by_destination",
]


def recorded_topology(graph: nx.Graph) -> str:
    """The builder name a topology's graph records (``"custom"`` for user graphs): what routing
    policies declare support for."""
    return str(graph.graph.get("topology", "custom"))


class UnsupportedTopologyError(ConfigError):
    """A routing policy was asked to route a topology it does not support."""


class Candidate(NamedTuple):
    """One output a head flit may take: the output port and the inclusive range of allowed VCs."""

    port: int
    vc_first: int
    vc_last: int


class RouteFunction(Protocol):
    """``route(router, in_port, packet) -> list[Candidate]``: the outputs a head flit of
    ``packet`` that arrived on ``in_port`` of ``router`` may take (see ``docs/routing.md``)."""

    def __call__(self, router: int, in_port: int, packet: Packet) -> list[Candidate]: ...


PairRoute = Callable[[int, int], list[Candidate]]
"""``candidates(router, dest_router)``: a policy's answer when it depends on these two only."""

StateRoute = Callable[[int, int, int], list[Candidate]]
"""``candidates(router, dest_router, state)``: a policy's answer when it depends on these three
only, ``state`` being the packet's ``route_state``: an int below the route's ``route_states`` that
the route function sets at the packet's first hop and never changes afterwards."""


class DeclaredRoute(RouteFunction, Protocol):
    """A route function with its optional attributes, each None when not declared.

    Attributes
    ----------
    by_destination : PairRoute or None
        The same answers as a function of ``(router, dest_router)`` alone: routers then read them
        from their own tables instead of calling the route function, and ``tree`` multicast
        builds its branches from them (set by `by_destination`).
    by_state : StateRoute or None
        The same answers as a function of ``(router, dest_router, packet.route_state)``, for a
        policy that plans a packet at its first hop (the route function sets ``route_state``
        there, to an int below ``route_states``) and follows the plan unchanged: routers call the
        route function at a packet's first hop only and read the later answers from their own
        tables (e.g. `desim.noc.routing.dor`'s dateline classes on a torus).
    route_states : int
        The number of distinct ``route_state`` values ``by_state`` takes (0 when not declared).
    escape_vcs : frozenset of int or None
        The VCs of a deadlock-free escape sub-network (Duato 1993): the deadlock check of
        `desim.noc.routing.analysis` then applies Duato's criterion to them (None: every VC
        is checked, the plain channel dependency graph).
    """

    by_destination: PairRoute | None
    by_state: StateRoute | None
    route_states: int
    escape_vcs: frozenset[int] | None


@dataclass(frozen=True)
class Route:
    """A route function and its declared attributes (a `DeclaredRoute`); the fields' defaults
    are those of an attribute not declared.

    Parameters
    ----------
    call : RouteFunction
        The route function itself (what routers call: the `Route` only carries it).
    by_destination, by_state, route_states, escape_vcs
        As in `DeclaredRoute`.
    """

    call: RouteFunction
    by_destination: PairRoute | None = None
    by_state: StateRoute | None = None
    route_states: int = 0
    escape_vcs: frozenset[int] | None = None

    def __post_init__(self) -> None:
        states = self.route_states
        counted = type(states) is int and 0 < states <= MAX_ROUTE_STATES
        if (self.by_state is None) != (states == 0) or (self.by_state is not None and not counted):
            raise ConfigError(
                "a route declares by_state and route_states together (route_states: the number "
                f"of route_state values, an int from 1 to {MAX_ROUTE_STATES}), got "
                f"route_states={states!r} with by_state={self.by_state!r}"
            )
        if self.by_state is not None and self.by_destination is not None:
            raise ConfigError(
                "a route declares by_destination or by_state, not both (by_destination: answers "
                "per destination; by_state: per destination and the packet's plan)"
            )

    def __call__(self, router: int, in_port: int, packet: Packet) -> list[Candidate]:
        return self.call(router, in_port, packet)

    @classmethod
    def of(cls, route: RouteFunction) -> Route:
        """``route`` as a `Route`: itself if it is one, else with the attributes it carries (a
        plain function may set ``route.escape_vcs = ...``) and the defaults of the others."""
        if isinstance(route, Route):
            return route
        if not callable(route):
            raise ConfigError(
                f"a routing factory returned {route!r}, not a route function "
                "route(router, in_port, packet) -> list[Candidate]"
            )
        declared = {
            f.name: getattr(route, f.name, f.default) for f in fields(cls) if f.name != "call"
        }
        return cls(route, **declared)


MAX_ROUTE_STATES = 256
"""The most plans a `Route` may declare (``route_states``): a router keeps a byte per destination
for each plan it sees."""

RoutingFactory = Callable[["RoutingContext"], RouteFunction]


@dataclass
class RoutingContext:
    """What a routing policy may know of the network, built once from the validated graph.

    Attributes
    ----------
    graph : networkx.Graph
        The validated topology (schema in ``docs/topologies.md``).
    vcs : int
        Virtual channels per port.
    neighbors : list of list of int
        ``neighbors[r][p]`` is the router at the far end of router ``r``'s network port ``p``.
        Network ports are numbered first, in increasing neighbour id; ejection ports follow.
    port_to : list of dict
        ``port_to[r][n]`` is the port of router ``r`` that leads to neighbour ``n``.
    coord : list of tuple or None
        Router coordinates where the topology has them (``(x, y)`` on grids: +x east, +y north).
    dims : tuple of int or None
        Grid radices ``(k_x, k_y)`` (``(n,)`` for a ring) where they exist.
    rng : numpy.random.Generator
        The run's generator (for randomised policies such as Valiant).
    """

    graph: nx.Graph
    vcs: int
    neighbors: list[list[int]]
    port_to: list[dict[int, int]]
    coord: list[tuple[int, ...] | None]
    dims: tuple[int, ...] | None
    rng: np.random.Generator
    _hops: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_graph(cls, graph: nx.Graph, vcs: int, rng: np.random.Generator) -> RoutingContext:
        """Number the ports of a validated graph (network ports in increasing neighbour id)."""
        neighbors = [sorted(graph.neighbors(r)) for r in range(graph.number_of_nodes())]
        port_to = [{n: p for p, n in enumerate(ns)} for ns in neighbors]
        coord = [graph.nodes[r].get("coord") for r in range(graph.number_of_nodes())]
        dims = graph.graph.get("dims")
        return cls(graph, vcs, neighbors, port_to, coord, tuple(dims) if dims else None, rng)

    @property
    def topology(self) -> str:
        """The builder name recorded in the graph (`recorded_topology`)."""
        return recorded_topology(self.graph)

    @property
    def hops(self) -> np.ndarray:
        """All-pairs router hop counts (computed on first use)."""
        if self._hops is None:
            n = self.graph.number_of_nodes()
            hops = np.zeros((n, n), dtype=np.int32)
            for src, lengths in nx.all_pairs_shortest_path_length(self.graph):
                for dst, length in lengths.items():
                    hops[src, dst] = length
            self._hops = hops
        return self._hops

    def all_vcs(self, port: int) -> Candidate:
        """A candidate allowing every VC on ``port``."""
        return Candidate(port, 0, self.vcs - 1)


def by_destination(ctx: RoutingContext, candidates: PairRoute) -> Route:
    """The route of a policy whose answer depends on (router, destination router) only:
    ``candidates(router, dest)`` is computed once per pair and then read from a table (the
    route call is on the simulator's per-flit path). The route declares ``candidates`` as its
    ``by_destination`` attribute, from which each router keeps its own table."""
    routers = len(ctx.neighbors)
    table: dict[int, list[Candidate]] = {}

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        key = router * routers + packet.dest_router
        hit = table.get(key)
        if hit is None:
            hit = table[key] = candidates(router, packet.dest_router)
        return hit

    return Route(route, by_destination=candidates)


def routing_policy(
    name: str,
    *,
    topologies: tuple[str, ...] | None,
    minimal: bool,
    deadlock_free: bool,
    adaptive: bool = False,
    min_vcs: int = 1,
    description: str = "",
) -> Callable[[RoutingFactory], RoutingFactory]:
    """Register a routing factory with what it claims.

    Parameters
    ----------
    topologies : tuple of str or None
        Builder names it supports (``None``: any valid graph).
    minimal, deadlock_free, adaptive : bool
        Claims the conformance tests check on every supported topology.
    min_vcs : int
        Fewest VCs per port it needs (escape VCs, dateline classes).
    """

    def register(factory: RoutingFactory) -> RoutingFactory:
        meta: dict[str, Any] = dict(
            topologies=topologies,
            minimal=minimal,
            deadlock_free=deadlock_free,
            adaptive=adaptive,
            min_vcs=min_vcs,
            description=description or (factory.__doc__ or "").strip().split("\n")[0],
        )
        factory.desim = meta  # type: ignore[attr-defined]
        ROUTING.register(name, factory, **meta)
        return factory

    return register


def check_routing_support(policy: str | RoutingFactory, topology: str, vcs: int) -> None:
    """Raise `UnsupportedTopologyError` unless routing ``policy`` declares support for
    ``topology`` (a graph's recorded builder name, `RoutingContext.topology`) with ``vcs`` VCs
    per port: a check of names and numbers, made before any network is built."""
    entry = ROUTING.entry(policy)
    meta = entry.metadata
    supported = meta.get("topologies")
    if supported is not None and topology not in supported:
        raise UnsupportedTopologyError(
            f"routing {entry.name!r} does not support topology {topology!r}; "
            f"it supports: {', '.join(supported)} (use 'table' for any graph)"
        )
    if vcs < meta.get("min_vcs", 1):
        raise UnsupportedTopologyError(
            f"routing {entry.name!r} needs at least {meta['min_vcs']} VCs per port, got {vcs}"
        )


def resolve_routing(policy: str | RoutingFactory, ctx: RoutingContext) -> Route:
    """Look ``policy`` up, check it supports ``ctx``'s topology and VC count
    (`check_routing_support`), and build its route (with its declared attributes, `Route.of`)."""
    check_routing_support(policy, ctx.topology, ctx.vcs)
    return Route.of(ROUTING.entry(policy).obj(ctx))
