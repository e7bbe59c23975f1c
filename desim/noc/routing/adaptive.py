"""Minimal adaptive routing with an escape sub-network, and Valiant's randomised routing.

References
----------
.. [1] J. Duato, "A new theory of deadlock-free adaptive routing in wormhole networks",
   IEEE Trans. Parallel and Distributed Systems 4(12), 1993.
.. [2] L. G. Valiant and G. J. Brebner, "Universal schemes for parallel communication",
   STOC 1981.
.. [3] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004,
   sec. 14.4 (Valiant) and 14.3 (escape channels).
"""

from __future__ import annotations

import dataclasses

from desim.noc.flit import Packet
from desim.noc.routing.base import (
    Candidate,
    RouteFunction,
    RoutingContext,
    by_destination,
    routing_policy,
)
from desim.noc.routing.grid import GRIDS, Grid, require_vcs, split_vcs

__all__ = ["min_adaptive", "valiant"]

_XY = (0, 1)


def _escape_candidates(grid: Grid, vcs: int, router: int, dest: int) -> list[Candidate]:
    """Candidates of ``min_adaptive`` at ``router``: the XY port with its escape VC, then
    every minimal port with the adaptive VCs (``escapes`` = 1 on a mesh, 2 dateline classes on a
    torus or ring)."""
    escapes = 2 if grid.wrap else 1
    port, cls = grid.dor_hop(router, dest, _XY)
    escape_vc = cls if grid.wrap else 0
    found = [Candidate(port, escape_vc, escape_vc)]
    for direction in grid.minimal_directions(router, dest):
        out = grid.ports[router][direction]
        if out == port and escape_vc == escapes - 1:
            found[0] = Candidate(port, escape_vc, vcs - 1)  # escape and adaptive VCs adjoin
        else:
            found.append(Candidate(out, escapes, vcs - 1))
    return found


@routing_policy(
    "min_adaptive", topologies=GRIDS, minimal=True, deadlock_free=True, adaptive=True, min_vcs=2
)
def min_adaptive(ctx: RoutingContext) -> RouteFunction:
    """Minimal adaptive routing with an XY escape VC (Duato 1993).

    VC 0 (VCs 0-1, the XY dateline classes, on a torus or ring) may only take the XY port; the
    other VCs any minimal port. The first candidate is always the XY port with its escape VC, so
    a packet can always fall back on the deadlock-free escape network. The route declares
    ``escape_vcs`` for `desim.noc.routing.analysis`. Needs 2 VCs on a mesh, 3 on a torus.
    """
    grid = Grid(ctx)
    escapes = 2 if grid.wrap else 1
    require_vcs(ctx, escapes + 1, "min_adaptive", f"{escapes} escape + 1 adaptive")
    route = by_destination(
        ctx, lambda router, dest: _escape_candidates(grid, ctx.vcs, router, dest)
    )
    return dataclasses.replace(route, escape_vcs=frozenset(range(escapes)))


@routing_policy("valiant", topologies=GRIDS, minimal=False, deadlock_free=True, min_vcs=2)
def valiant(ctx: RoutingContext) -> RouteFunction:
    """Valiant: XY to a random intermediate router, then XY to the destination (Valiant 1981).

    The intermediate is drawn from ``ctx.rng`` at the first hop and kept with the phase in
    ``packet.route_state = (intermediate, phase)``. Phase 0 uses the lower half of the VCs,
    phase 1 the upper half (each half split again into dateline classes on a torus or ring, which
    then needs 4 VCs). Paths are at most twice the diameter. A packet that meets its destination
    on the way to the intermediate is ejected there (the router never routes at the destination).
    """
    grid = Grid(ctx)
    why = "2 phases x 2 dateline classes" if grid.wrap else "2 phases"
    require_vcs(ctx, 4 if grid.wrap else 2, "valiant", why)
    classes = split_vcs(ctx.vcs, 4 if grid.wrap else 2)
    per_phase = len(classes) // 2
    routers = len(ctx.neighbors)
    rng = ctx.rng
    table: dict[int, list[Candidate]] = {}

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        state = packet.route_state
        if state is None:
            state = packet.route_state = (int(rng.integers(routers)), 0)
        middle, phase = state
        if phase == 0 and router == middle:
            phase = 1
            packet.route_state = (middle, 1)
        target = packet.dest_router if phase else middle
        key = (router * routers + target) * 2 + phase
        hit = table.get(key)
        if hit is None:
            port, cls = grid.dor_hop(router, target, _XY)
            vc_class = phase * per_phase + (cls if grid.wrap else 0)
            hit = table[key] = [Candidate(port, *classes[vc_class])]
        return hit

    return route
