"""Static checks of a routing policy: exhaustive route walks and channel dependency graphs.

`walk_routes` follows every candidate a policy offers from every source router to every
destination, calling ``route`` exactly as the router does (with the input port the packet arrived
on, and its ``route_state`` carried along), and records every reachable routing state.

`channel_dependency_graph` turns the walks into the channel dependency graph (CDG): one node per
channel ``(from_router, to_router, vc)``, an edge from each channel a packet may hold to each
channel it may request next. A routing function is deadlock-free if its CDG is acyclic [1]_.
For adaptive policies with an escape sub-network (the route function's ``escape_vcs`` attribute,
or the ``escape_vcs`` argument), the graph is Duato's *extended* CDG of the escape channels
(direct dependencies, plus indirect ones through adaptive channels), and every routing state must
offer an escape channel [2]_. `find_deadlock_cycle` returns a cycle of that graph, or None.

`tree_channel_dependencies` gives the dependencies of ``tree`` multicasts (`desim.noc.multicast`):
from the channel a copy holds at a router to the channel of each of its branches there. A
multicast never holds a branch's channel while waiting for another (`desim.noc.replication`), so
these are all its dependencies; their union with the unicast CDG must stay acyclic.

Conventions the walk assumes of a policy (all built-ins follow them): ``route_state`` holds
hashable values and is replaced rather than mutated in place; random choices (e.g. Valiant's
intermediate) are made at injection, and are re-drawn ``samples`` times per pair. A packet
injected at router ``r`` calls ``route`` with ``in_port = len(ctx.neighbors[r])`` (the first
terminal port).

References
----------
.. [1] W. J. Dally and C. L. Seitz, "Deadlock-free message routing in multiprocessor
   interconnection networks", IEEE Trans. Computers C-36(5), 1987.
.. [2] J. Duato, "A new theory of deadlock-free adaptive routing in wormhole networks",
   IEEE Trans. Parallel and Distributed Systems 4(12), 1993.

Examples
--------
>>> import networkx as nx, numpy as np
>>> from desim.noc.routing import RoutingContext
>>> g = nx.cycle_graph(5)
>>> g.graph.update(topology="ring", dims=(5,))
>>> nx.set_node_attributes(g, {r: (r,) for r in g}, "coord")
>>> ctx = RoutingContext.from_graph(g, vcs=2, rng=np.random.default_rng(0))
>>> find_deadlock_cycle(ctx, "xy") is None   # dateline classes break the ring's cycle
True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import networkx as nx

from desim.kernel.errors import ConfigError
from desim.noc.flit import Packet
from desim.noc.routing.base import (
    Candidate,
    RouteFunction,
    RoutingContext,
    RoutingFactory,
    resolve_routing,
)

__all__ = [
    "Channel",
    "WalkState",
    "RouteWalks",
    "RouteCheckError",
    "walk_routes",
    "channel_dependency_graph",
    "find_deadlock_cycle",
    "tree_channel_dependencies",
]

Channel = tuple[int, int, int]
"""A virtual channel: ``(from_router, to_router, vc)``."""


class RouteCheckError(ConfigError):
    """A policy offered an invalid candidate, reached a dead end or may route a packet forever."""


class WalkState(NamedTuple):
    """Where a walked packet is: its pair, its router, its input port and its route state."""

    source: int
    dest: int
    router: int
    in_port: int
    route_state: Hashable


Step = tuple[Candidate, "WalkState | None"]


@dataclass
class RouteWalks:
    """Every routing state reachable by the walked packets.

    Attributes
    ----------
    transitions : dict
        ``state -> [(candidate, next state)]``; the next state is None when the candidate's link
        reaches the destination.
    arrivals : dict
        ``state -> set of VCs`` a packet may hold on the link it arrived on (absent at injection).
    hop_range : dict
        ``(source, dest) -> (fewest, most)`` router-to-router hops over all walks of the pair.
    """

    ctx: RoutingContext
    transitions: dict[WalkState, list[Step]] = field(default_factory=dict)
    arrivals: dict[WalkState, set[int]] = field(default_factory=dict)
    hop_range: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


def walk_routes(
    ctx: RoutingContext,
    policy: str | RoutingFactory,
    *,
    pairs: Iterable[tuple[int, int]] | None = None,
    samples: int = 1,
) -> RouteWalks:
    """Walk every candidate branch of ``policy`` for each ``(source, dest)`` pair.

    Parameters
    ----------
    ctx : RoutingContext
        The network.
    policy : str or routing factory
        A registered name, a ``"module:attr"`` string or a factory (built with
        `resolve_routing`, which checks the topology and VC count).
    pairs : iterable of (int, int), optional
        Pairs to walk; default every ordered pair of distinct routers.
    samples : int
        Times each pair's injection is routed (re-drawing random choices made there).

    Returns
    -------
    RouteWalks

    Raises
    ------
    RouteCheckError
        On an invalid candidate (not a network port, VCs out of range), a dead end (no
        candidate), or a walk that can revisit a state or exceed ``4 * routers`` hops.
    """
    return _walk(ctx, resolve_routing(policy, ctx), pairs, samples)


def _walk(
    ctx: RoutingContext,
    route: RouteFunction,
    pairs: Iterable[tuple[int, int]] | None,
    samples: int,
) -> RouteWalks:
    walks = RouteWalks(ctx)
    routers = len(ctx.neighbors)
    if pairs is None:
        pairs = ((s, d) for s in range(routers) for d in range(routers) if s != d)
    for source, dest in pairs:
        start = WalkState(source, dest, source, len(ctx.neighbors[source]), None)
        draws = (step for _ in range(samples) for step in _expand(ctx, route, start))
        walks.transitions[start] = list(dict.fromkeys(draws))
        _explore(ctx, route, walks, start)
        walks.hop_range[source, dest] = _hop_range(walks.transitions, start, 4 * routers)
    return walks


def _expand(ctx: RoutingContext, route: RouteFunction, state: WalkState) -> list[Step]:
    """Route the packet in ``state`` once; validate and follow its candidates."""
    packet = Packet(0, state.source, state.dest, state.source, state.dest, 1, 1, 0)
    packet.route_state = state.route_state
    candidates = route(state.router, state.in_port, packet)
    if not candidates:
        raise RouteCheckError(f"dead end: no candidate at router {state.router} for {state}")
    steps: list[Step] = []
    ports = ctx.neighbors[state.router]
    for cand in candidates:
        if not (0 <= cand.port < len(ports) and 0 <= cand.vc_first <= cand.vc_last < ctx.vcs):
            raise RouteCheckError(
                f"invalid candidate {cand} at router {state.router} for {state}: allowed ports "
                f"0..{len(ports) - 1} (network ports), VCs 0..{ctx.vcs - 1} with first <= last"
            )
        nxt = ports[cand.port]
        after = (
            None
            if nxt == state.dest
            else WalkState(
                state.source, state.dest, nxt, ctx.port_to[nxt][state.router], packet.route_state
            )
        )
        steps.append((cand, after))
    return steps


def _explore(
    ctx: RoutingContext, route: RouteFunction, walks: RouteWalks, start: WalkState
) -> None:
    queue = deque([start])
    while queue:
        for cand, after in walks.transitions[queue.popleft()]:
            if after is None:
                continue
            walks.arrivals.setdefault(after, set()).update(range(cand.vc_first, cand.vc_last + 1))
            if after not in walks.transitions:
                walks.transitions[after] = _expand(ctx, route, after)
                queue.append(after)


def _hop_range(
    transitions: dict[WalkState, list[Step]], start: WalkState, limit: int
) -> tuple[int, int]:
    """Fewest and most hops from ``start`` to the destination, by a depth-first search that
    rejects a state reachable from itself (a possible livelock)."""
    done: dict[WalkState, tuple[int, int]] = {}
    on_path = {start}
    stack = [(start, iter(transitions[start]))]
    while stack:
        state, pending = stack[-1]
        step = next(pending, None)
        if step is None:
            stack.pop()
            on_path.discard(state)
            rest = [(0, 0) if after is None else done[after] for _, after in transitions[state]]
            done[state] = (1 + min(r[0] for r in rest), 1 + max(r[1] for r in rest))
            continue
        after = step[1]
        if after is None or after in done:
            continue
        if after in on_path or len(stack) > limit:
            raise RouteCheckError(
                f"livelock: packet {start.source}->{start.dest} can revisit routing state "
                f"{after} (or exceed {limit} hops); every walk must reach the destination"
            )
        on_path.add(after)
        stack.append((after, iter(transitions[after])))
    return done[start]


def channel_dependency_graph(
    ctx: RoutingContext,
    policy: str | RoutingFactory,
    *,
    escape_vcs: Collection[int] | None = None,
    samples: int = 1,
    walks: RouteWalks | None = None,
) -> nx.DiGraph:
    """The channel dependency graph of ``policy`` on ``ctx`` (Dally & Seitz 1987).

    Parameters
    ----------
    ctx, policy, samples
        As for `walk_routes` (ignored when ``walks`` is given, except ``ctx``).
    escape_vcs : collection of int, optional
        The VCs of an escape sub-network (Duato 1993). The graph then holds only escape channels,
        with an edge ``a -> b`` if a packet holding ``a`` may request ``b`` next or after any
        number of hops on non-escape channels (Duato's extended CDG). Default: the route
        function's ``escape_vcs`` attribute if it has one, else every VC (the plain CDG).
    walks : RouteWalks, optional
        Reuse walks already made with `walk_routes`.

    Returns
    -------
    networkx.DiGraph
        Nodes are `Channel` tuples ``(from_router, to_router, vc)``.

    Raises
    ------
    RouteCheckError
        With escape VCs, if some routing state offers no escape channel (Duato's condition).
    """
    route = resolve_routing(policy, ctx)
    if walks is None:
        walks = _walk(ctx, route, None, samples)
    if escape_vcs is None:
        escape_vcs = range(ctx.vcs) if route.escape_vcs is None else route.escape_vcs
    escape = frozenset(escape_vcs)
    requests = _EscapeRequests(walks, escape)
    cdg = nx.DiGraph()
    for state in walks.transitions:
        wanted = requests.of(state)
        held = walks.arrivals.get(state, set()) & escape
        prev = ctx.neighbors[state.router][state.in_port] if held else -1
        for vc in held:
            cdg.add_edges_from(((prev, state.router, vc), channel) for channel in wanted)
    return cdg


class _EscapeRequests:
    """Escape channels a packet may request from a state, directly or via non-escape hops."""

    def __init__(self, walks: RouteWalks, escape: frozenset[int]) -> None:
        self.walks = walks
        self.escape = escape
        self.memo: dict[WalkState, frozenset[Channel]] = {}

    def of(self, state: WalkState) -> frozenset[Channel]:
        found = self.memo.get(state)
        if found is not None:
            return found
        wanted: set[Channel] = set()
        neighbors = self.walks.ctx.neighbors[state.router]
        steps = self.walks.transitions[state]
        if not any(self.escape.intersection(range(c.vc_first, c.vc_last + 1)) for c, _ in steps):
            raise RouteCheckError(
                f"no escape channel offered at router {state.router} for {state}; "
                f"every routing state must offer one of the escape VCs {sorted(self.escape)}"
            )
        for cand, after in steps:
            vcs = range(cand.vc_first, cand.vc_last + 1)
            nxt = neighbors[cand.port]
            wanted.update((state.router, nxt, vc) for vc in vcs if vc in self.escape)
            if after is not None and any(vc not in self.escape for vc in vcs):
                wanted.update(self.of(after))
        self.memo[state] = found = frozenset(wanted)
        return found


def find_deadlock_cycle(
    ctx: RoutingContext,
    policy: str | RoutingFactory,
    *,
    escape_vcs: Collection[int] | None = None,
    samples: int = 1,
) -> list[Channel] | None:
    """A cycle of ``policy``'s (extended) channel dependency graph, or None if it has none.

    Parameters are those of `channel_dependency_graph`. A cycle is a list of channels, each
    depending on the next and the last on the first.
    """
    cdg = channel_dependency_graph(ctx, policy, escape_vcs=escape_vcs, samples=samples)
    try:
        return [u for u, _ in nx.find_cycle(cdg)]
    except nx.NetworkXNoCycle:
        return None


def tree_channel_dependencies(
    ctx: RoutingContext,
    policy: str | RoutingFactory,
    sends: Iterable[tuple[int, Collection[int]]],
) -> nx.DiGraph:
    """The channel dependencies of ``tree`` multicasts under ``policy`` (one terminal per router).

    Parameters
    ----------
    ctx, policy
        As for `walk_routes`; the policy must define tree multicast on the topology
        (`desim.noc.multicast.check_tree_support`).
    sends : iterable of (int, collection of int)
        Multicasts as (source router, destination routers).

    Returns
    -------
    networkx.DiGraph
        Nodes are `Channel` tuples; an edge from each channel a copy may hold to each channel of
        each branch it requests at the next router.

    Raises
    ------
    RouteCheckError
        If a multicast reaches a router twice (its routes do not form a tree).
    """
    from desim.noc.multicast import MulticastTree, check_tree_support  # (imports this package)

    check_tree_support(ctx.topology, policy)
    pairs = resolve_routing(policy, ctx).by_destination
    assert pairs is not None  # (check_tree_support: dimension-order routing declares it)
    ejection = [len(ports) for ports in ctx.neighbors]
    tree = MulticastTree(ctx, pairs, list(range(len(ejection))), ejection)
    cdg = nx.DiGraph()
    for source, dests in sends:
        seen = {source}
        stack: list[tuple[int, frozenset[int], list[Channel]]] = [(source, frozenset(dests), [])]
        while stack:
            router, targets, held = stack.pop()
            for port, first, last, covered in tree.branches(router, targets):
                if port >= ejection[router]:
                    continue
                nxt = ctx.neighbors[router][port]
                if nxt in seen:
                    raise RouteCheckError(f"multicast from {source} reaches router {nxt} twice")
                seen.add(nxt)
                wanted = [(router, nxt, vc) for vc in range(first, last + 1)]
                cdg.add_nodes_from(wanted)
                cdg.add_edges_from((h, w) for h in held for w in wanted)
                stack.append((nxt, covered, wanted))
    return cdg
