"""Table routing for any graph: shortest legal up*/down* paths (deadlock-free without VCs).

A breadth-first spanning tree is grown from the graph's centre (lowest id among the routers of
least eccentricity). Every link gets an *up* end: the router closer to the root, ties broken by
the lower id, so that "up" is a strict total order and no cycle of up links exists. A legal route
takes zero or more up links, then zero or more down links, never a down link followed by an up
link; every cycle of the channel dependency graph would need such a turn, so there is none [1]_.

A packet's phase (0: has not gone down yet, 1: has) is derived from the link it arrived on, so
the routes are pure functions of ``(router, in_port, destination)``. For each destination a
breadth-first search over the ``(router, phase)`` states gives the shortest legal distance; the
candidates are all next hops on shortest legal paths (adaptive among them).

Up*/down* may lengthen paths (it is minimal on trees), so the policy does not claim minimality;
paths are at most ``level(source) + level(destination)`` hops.

References
----------
.. [1] M. D. Schroeder et al., "Autonet: a high-speed, self-configuring local area network using
   point-to-point links", IEEE J. Selected Areas in Communications 9(8), 1991.
"""

from __future__ import annotations

from collections import deque

import networkx as nx
import numpy as np

from desim.noc.flit import Packet
from desim.noc.routing.base import Candidate, RouteFunction, RoutingContext, routing_policy

__all__ = ["table", "UpDown"]


class UpDown:
    """The up*/down* orientation of a graph and its shortest legal distances.

    Parameters
    ----------
    ctx : RoutingContext
        The network (any connected graph).

    Attributes
    ----------
    root : int
        The spanning tree's root.
    rank : list of tuple of int
        ``(level, id)`` per router; the link ``u -> v`` goes up iff ``rank[v] < rank[u]``.
    """

    def __init__(self, ctx: RoutingContext) -> None:
        self.neighbors = ctx.neighbors
        eccentricity = ctx.hops.max(axis=1)
        self.root = int(np.argmin(eccentricity))
        levels = nx.single_source_shortest_path_length(ctx.graph, self.root)
        self.rank = [(levels[r], r) for r in range(len(ctx.neighbors))]
        self._distances: dict[int, tuple[list[int], list[int]]] = {}

    def goes_up(self, u: int, v: int) -> bool:
        """Whether the link ``u -> v`` is an up link."""
        return self.rank[v] < self.rank[u]

    def distances(self, dest: int) -> tuple[list[int], list[int]]:
        """Shortest legal hop counts to ``dest`` from each router in phase 0 and in phase 1.

        A reverse breadth-first search over ``(router, phase)``: ``(u, 0) -> (v, 0)`` on an up
        link, ``(u, p) -> (v, 1)`` on a down link.
        """
        found = self._distances.get(dest)
        if found is not None:
            return found
        unknown = len(self.neighbors) * 2 + 1
        dist = ([unknown] * len(self.neighbors), [unknown] * len(self.neighbors))
        dist[0][dest] = dist[1][dest] = 0
        queue = deque([(dest, 0), (dest, 1)])
        while queue:
            v, phase = queue.popleft()
            for u in self.neighbors[v]:
                up = self.goes_up(u, v)
                if up != (phase == 0):
                    continue
                for before in (0,) if up else (0, 1):
                    if dist[before][u] == unknown:
                        dist[before][u] = dist[phase][v] + 1
                        queue.append((u, before))
        self._distances[dest] = dist
        return dist

    def next_hops(self, router: int, dest: int, phase: int) -> list[int]:
        """Neighbours on a shortest legal path from ``router`` (in ``phase``) to ``dest``."""
        dist = self.distances(dest)
        here = dist[phase][router]
        hops = []
        for v in self.neighbors[router]:
            up = self.goes_up(router, v)
            if up and phase == 1:
                continue
            if dist[0 if up else 1][v] == here - 1:
                hops.append(v)
        return hops


@routing_policy("table", topologies=None, minimal=False, deadlock_free=True, adaptive=True)
def table(ctx: RoutingContext) -> RouteFunction:
    """Shortest legal up*/down* paths on any graph, adaptive among them (Schroeder et al. 1991).

    Tables are filled per destination on first use. Every VC may be used.
    """
    updown = UpDown(ctx)
    neighbors, port_to = ctx.neighbors, ctx.port_to
    routers = len(neighbors)
    last_vc = ctx.vcs - 1
    cache: dict[int, list[Candidate]] = {}

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        arrived_down = in_port < len(neighbors[router]) and updown.goes_up(
            router, neighbors[router][in_port]
        )
        key = (router * routers + packet.dest_router) * 2 + arrived_down
        hit = cache.get(key)
        if hit is None:
            hops = updown.next_hops(router, packet.dest_router, int(arrived_down))
            hit = cache[key] = [Candidate(port_to[router][v], 0, last_vc) for v in hops]
        return hit

    return route
