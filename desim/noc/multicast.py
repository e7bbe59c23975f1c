"""Multicast: unicasts sent and relayed by the network interfaces, or trees replicated in routers.

Three schemes, chosen per network (``Network(multicast=...)``):

``direct``
    The source sends one copy per destination, back to back: ``|D|`` packets cross the source's
    injection channel, so the last copy leaves ``(|D| - 1) x flits`` cycles after the first.
``umesh`` (default)
    U-mesh (McKinley, Xu, Esfahanian and Ni, "Unicast-based multicast communication in
    wormhole-routed networks", IEEE TPDS 5(12), 1994): the source and destinations are ordered
    along the dimension-ordered chain of the routing (x first, then y, on grids); the holder of a
    chain sends the half of the chain that does not contain it to that half's nearest end, which
    relays it the same way. Every destination still receives exactly one packet, but the sends
    form a binomial tree: about ``log2 |D|`` steps instead of ``|D|``; with dimension-order routing
    on a mesh the unicasts of one step share no channel.

``tree``
    In-router replication (Jerger, Peh and Lipasti, "Virtual circuit tree multicasting", ISCA
    2008): one packet, injected once, carries its destination set; at each router its head is
    split by the routing into branches (`MulticastTree.branches`), one per output port, each
    covering the destinations whose route leaves by that port. With dimension-order routing on a
    mesh the tree is the union of the XY (or YX) paths from the source, the "XY tree" of Lin,
    McKinley and Ni ("Deadlock-free multicast wormhole routing in 2-D mesh multicomputers", IEEE
    TPDS 5(8), 1994): each router is reached once, and a flit crosses each router of the tree once.

``umesh`` and ``direct`` need no router support, so every routing policy stays deadlock-free: a
relaying interface consumes the packet (ejection is an ideal sink) before it queues the next
sends. ``tree`` is deadlock-free under dimension-order routing on meshes because a multicast
packet never holds a channel while it waits (the router's rules, in `desim.noc.replication`), so
every wait is a dependency of the unicast routing, whose channel dependency graph is acyclic
(`desim.noc.routing.analysis.tree_channel_dependencies` checks it). It is refused elsewhere. In
every scheme the send's event fires, with the payload, when every destination has received it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import simpy

from desim.kernel.errors import ConfigError
from desim.noc.routing.base import Candidate, RoutingContext
from desim.noc.routing.grid import MESHES
from desim.registry import ROUTING

__all__ = [
    "MulticastGroup",
    "umesh_sends",
    "SCHEMES",
    "Branch",
    "MulticastTree",
    "TREE_ROUTING",
    "check_tree_support",
]

SCHEMES = ("umesh", "direct", "tree")
TREE_ROUTING = ("xy", "yx")
"""The routing policies under which ``tree`` multicast is defined (on `MESHES` topologies)."""

Branch = tuple[int, int, int, frozenset[int]]
"""One branch of a multicast tree at a router: (output port, first VC, last VC, the destination
terminals it covers)."""


class MulticastGroup:
    """The deliveries of one send; ``done`` fires (with the payload) when all have happened."""

    __slots__ = ("remaining", "done", "created")

    def __init__(self, deliveries: int, done: simpy.Event, created: int) -> None:
        self.remaining = deliveries
        self.done = done
        self.created = created


def umesh_sends(holder: int, chain: Sequence[int]) -> list[tuple[int, tuple[int, ...]]]:
    """The sends ``holder`` makes for ``chain`` (ordered, containing ``holder``): a list of
    (target, the sub-chain the target becomes responsible for), farthest halves first.

    Examples
    --------
    >>> umesh_sends(0, [0, 1, 2, 3, 4, 5, 6, 7])
    [(4, (4, 5, 6, 7)), (2, (2, 3)), (1, (1,))]
    >>> umesh_sends(5, [0, 1, 2, 3, 4, 5, 6, 7])
    [(3, (0, 1, 2, 3)), (6, (6, 7)), (4, (4,))]
    """
    chain = tuple(chain)
    sends = []
    while len(chain) > 1:
        middle = (len(chain) + 1) // 2
        lower, upper = chain[:middle], chain[middle:]
        if holder in lower:
            sends.append((upper[0], upper))
            chain = lower
        else:
            sends.append((lower[-1], lower))
            chain = upper
    return sends


def check_tree_support(topology: str, routing: Any) -> None:
    """Raise `ConfigError` unless ``tree`` multicast is defined for ``routing`` on ``topology``.

    The tree is the union of the routes from the source; it is a tree, and deadlock-free, for
    dimension-order routing on meshes (`TREE_ROUTING` on `MESHES`). On a torus the dateline VC
    class differs between destinations sharing a port; other policies are adaptive or not
    routed per destination.
    """
    entry = ROUTING.entry(routing)
    allowed = [ROUTING.get(name) for name in TREE_ROUTING]
    if topology not in MESHES or entry.obj not in allowed:
        raise ConfigError(
            f"multicast 'tree' is not defined for routing {entry.name!r} on topology "
            f"{topology!r}; it needs routing {' or '.join(map(repr, TREE_ROUTING))} on a "
            f"{' or '.join(map(repr, MESHES))} topology (multicast 'umesh' or 'direct' work on "
            "any topology and routing)"
        )


class MulticastTree:
    """The branches of ``tree`` multicasts at every router, computed from the unicast routing.

    Parameters
    ----------
    ctx : RoutingContext
        The network's routing context.
    route_pairs : callable
        ``route_pairs(router, dest_router)``: the routing's single candidate toward a router
        (a dimension-order route function's ``by_destination``).
    terminal_router, ejection_port : list of int
        Per terminal, its router and the router port it is attached to.
    """

    def __init__(
        self,
        ctx: RoutingContext,
        route_pairs: Callable[[int, int], list[Candidate]],
        terminal_router: list[int],
        ejection_port: list[int],
    ) -> None:
        self.vcs = ctx.vcs
        self.route_pairs = route_pairs
        self.terminal_router = terminal_router
        self.ejection_port = ejection_port

    def branches(self, router: int, targets: frozenset[int]) -> list[Branch]:
        """Split the destination terminals ``targets`` of a copy at ``router`` by output port:
        the ejection port of each target attached here, the routing's port toward the others;
        in increasing port order.

        Examples
        --------
        >>> import numpy as np, topologies
        >>> from desim.noc.routing import RoutingContext, resolve_routing
        >>> ctx = RoutingContext.from_graph(topologies.mesh(3, 3), 2, np.random.default_rng(0))
        >>> route = resolve_routing("xy", ctx)
        >>> ejection = [len(ports) for ports in ctx.neighbors]  # one terminal per router
        >>> tree = MulticastTree(ctx, route.by_destination, list(range(9)), ejection)
        >>> tree.branches(0, frozenset({0, 2, 6, 8}))  # from the corner: east, north, eject
        [(0, 0, 1, frozenset({8, 2})), (1, 0, 1, frozenset({6})), (2, 0, 1, frozenset({0}))]
        """
        found: dict[int, tuple[int, int, list[int]]] = {}
        for target in sorted(targets):
            dest = self.terminal_router[target]
            if dest == router:
                port, first, last = self.ejection_port[target], 0, self.vcs - 1
            else:
                port, first, last = self.route_pairs(router, dest)[0]
            known = found.setdefault(port, (first, last, []))
            known[2].append(target)
        return [
            (port, first, last, frozenset(covered))
            for port, (first, last, covered) in sorted(found.items())
        ]
