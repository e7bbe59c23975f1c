"""Dimension-order routing: XY (X first) and YX (Y first) on meshes, tori and rings.

On a mesh every VC may be used. On a torus or ring the VCs split into two dateline classes
(`Grid.dor_hop`): class 0 while the packet still has to cross the current dimension's wrap-around
edge, class 1 once it need not; this breaks the cyclic dependency of each ring [1]_ [2]_.

References
----------
.. [1] W. J. Dally and C. L. Seitz, "Deadlock-free message routing in multiprocessor
   interconnection networks", IEEE Trans. Computers C-36(5), 1987.
.. [2] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004,
   sec. 14.2 (dimension-order routing) and 14.5 (datelines).
"""

from __future__ import annotations

from desim.noc.routing.base import (
    Candidate,
    RouteFunction,
    RoutingContext,
    by_destination,
    routing_policy,
)
from desim.noc.routing.grid import GRIDS, Grid, require_vcs, split_vcs

__all__ = ["xy", "yx"]


def _dimension_order(ctx: RoutingContext, order: tuple[int, int], name: str) -> RouteFunction:
    grid = Grid(ctx)
    if grid.wrap:
        require_vcs(ctx, 2, name, "two dateline classes")
    classes = split_vcs(ctx.vcs, 2) if grid.wrap else [(0, ctx.vcs - 1)] * 2

    def candidates(router: int, dest: int) -> list[Candidate]:
        port, cls = grid.dor_hop(router, dest, order)
        return [Candidate(port, *classes[cls])]

    return by_destination(ctx, candidates)


@routing_policy("xy", topologies=GRIDS, minimal=True, deadlock_free=True)
def xy(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, X first then Y (dateline VC classes on a torus or ring).

    Examples
    --------
    >>> import networkx as nx, numpy as np
    >>> g = nx.grid_2d_graph(3, 2)  # nodes (x, y)
    >>> g = nx.relabel_nodes(g, {(x, y): y * 3 + x for x, y in g})
    >>> nx.set_node_attributes(g, {y * 3 + x: (x, y) for x in range(3) for y in range(2)}, "coord")
    >>> g.graph.update(topology="mesh", dims=(3, 2))
    >>> ctx = RoutingContext.from_graph(g, vcs=2, rng=np.random.default_rng(0))
    >>> route = xy(ctx)
    >>> from desim.noc.flit import Packet
    >>> route(0, 2, Packet(0, 0, 5, 0, 5, 64, 1, 0))  # (0,0) -> (2,1): east first
    [Candidate(port=0, vc_first=0, vc_last=1)]
    """
    return _dimension_order(ctx, (0, 1), "xy")


@routing_policy("yx", topologies=GRIDS, minimal=True, deadlock_free=True)
def yx(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, Y first then X (dateline VC classes on a torus or ring)."""
    return _dimension_order(ctx, (1, 0), "yx")
