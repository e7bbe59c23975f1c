"""Dimension-order routing: XY (X first) and YX (Y first) on meshes, tori and rings.

On a mesh every VC may be used. On a torus or ring the VCs split into two dateline classes, lower
half (class 0) and upper half (class 1), which break the cyclic channel dependency of each ring
[1]_ [2]_. Two ways to pick the class:

* ``xy``, ``yx``: BookSim2's. A packet picks its class as it enters a dimension and keeps it to
  the end of that dimension: class 1 when its destination's coordinate there is below the
  coordinate it enters at, class 0 otherwise (`Grid.entry_class`). A tie (destination exactly
  ``k / 2`` away, both ways round minimal) goes either way with probability 1/2, drawn once per
  dimension. Both draws and classes are made at the packet's first hop (they depend only on the
  source and the destination) and carried in ``packet.route_state``.
* ``xy_static``, ``yx_static``: class 0 while the packet still has to cross the current
  dimension's wrap-around edge, class 1 once it need not (`Grid.dor_hop`); a tie goes the way
  without the wrap-around edge. The class is a function of (router, destination), so the answer
  is cached per router, and it is valid from any router a packet starts at (which is why
  ``min_adaptive`` and ``valiant`` use it); but it loads class 1 and the channels beside the
  wrap-around edges more: it saturates an 8x8 torus 10.7 % below BookSim2 (uniform traffic),
  where ``xy`` comes within 1 %.

References
----------
.. [1] W. J. Dally and C. L. Seitz, "Deadlock-free message routing in multiprocessor
   interconnection networks", IEEE Trans. Computers C-36(5), 1987.
.. [2] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004,
   sec. 14.2 (dimension-order routing) and 14.5 (datelines).
.. [3] N. Jiang et al., "A detailed and flexible cycle-accurate network-on-chip simulator",
   ISPASS 2013 (BookSim2: ``dim_order_torus``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desim.noc.routing.base import (
    Candidate,
    Route,
    RouteFunction,
    RoutingContext,
    by_destination,
    routing_policy,
)
from desim.noc.routing.grid import GRIDS, Grid, require_vcs, split_vcs

if TYPE_CHECKING:
    from desim.noc.flit import Packet

__all__ = ["xy", "yx", "xy_static", "yx_static"]


def _static_dateline(ctx: RoutingContext, order: tuple[int, int], name: str) -> RouteFunction:
    grid = Grid(ctx)
    if grid.wrap:
        require_vcs(ctx, 2, name, "two dateline classes")
    classes = split_vcs(ctx.vcs, 2) if grid.wrap else [(0, ctx.vcs - 1)] * 2

    def candidates(router: int, dest: int) -> list[Candidate]:
        port, cls = grid.dor_hop(router, dest, order)
        return [Candidate(port, *classes[cls])]

    return by_destination(ctx, candidates)


ROUTE_STATES = 16
"""The plans of `_entry_dateline`: two bits (class, tie) for each of two dimensions."""

# a coordinate pair's code in `_entry_dateline`'s per-dimension tables
_ENTRY_CLASS = 1  # BookSim2's class for a packet entering the dimension at the first coordinate
_TIE = 2  # both ways round are minimal
_NEGATIVE = 4  # the minimal way decreases the coordinate
_ALIGNED = 8  # the coordinates are equal: nothing to do in this dimension


def _entry_dateline(ctx: RoutingContext, order: tuple[int, int], name: str) -> RouteFunction:
    """BookSim2's dateline classes (module docstring); on a mesh the static policy (all VCs).

    The route plans a packet at its first hop (its classes and tie draws, ``ROUTE_STATES``
    values) and declares its answers per (router, destination, plan) as ``by_state``: routers
    call it at a packet's first hop only."""
    grid = Grid(ctx)
    if not grid.wrap:
        return _static_dateline(ctx, order, name)
    require_vcs(ctx, 2, name, "two dateline classes")
    classes = split_vcs(ctx.vcs, 2)
    rng = ctx.rng
    coords, radix = (grid.x, grid.y), grid.radix

    # per dimension, per (coordinate, destination coordinate) pair there, its code (the bits
    # above): everything the plan and the answers depend on is a pair of coordinates in one
    # dimension, so a k x k byte table per dimension holds it
    def code(at: int, to: int, dim: int) -> int:
        delta = grid.coordinate_offset(at, to, dim)
        if delta == 0:
            return _ALIGNED
        tie = grid.coordinate_tie(at, to, dim)
        return _ENTRY_CLASS * grid.entry_class(at, to) | _TIE * tie | _NEGATIVE * (delta < 0)

    codes = [
        bytearray(code(at, to, dim) for at in range(k) for to in range(k))
        for dim, k in enumerate(radix)
    ]
    # per router, direction (4) and class (2): its answer, made when first asked (at most 8 a
    # router, where a table per (router, destination, plan) would grow with routers squared)
    hops: list[list[Candidate] | None] = [None] * (len(ctx.neighbors) * 8)

    first, second = order
    first_at, second_at = coords[first], coords[second]
    first_codes, second_codes = codes[first], codes[second]
    first_k, second_k = radix[first], radix[second]

    def plan(source: int, dest: int) -> int:
        """The route state: per dimension ``d``, bit ``2 d`` its class, bit ``2 d + 1`` set when
        a tie goes the negative way (drawn per tie, in dimension order)."""
        one = first_codes[first_at[source] * first_k + first_at[dest]]
        two = second_codes[second_at[source] * second_k + second_at[dest]]
        state = (one & _ENTRY_CLASS) << (2 * first) | (two & _ENTRY_CLASS) << (2 * second)
        if one & _TIE and rng.random() < 0.5:
            state |= 2 << (2 * first)
        if two & _TIE and rng.random() < 0.5:
            state |= 2 << (2 * second)
        return state

    def answer(router: int, dest: int, state: int) -> list[Candidate]:
        # the first dimension in which router and dest differ (they differ in one)
        if first_at[router] != first_at[dest]:
            dim, pair = first, first_codes[first_at[router] * first_k + first_at[dest]]
        else:
            dim, pair = second, second_codes[second_at[router] * second_k + second_at[dest]]
            if pair & _ALIGNED:
                raise ValueError(
                    f"router {router} is the destination; the router ejects, not routes"
                )
        shift = 2 * dim
        negative = (state >> (shift + 1)) & 1 if pair & _TIE else int(pair & _NEGATIVE != 0)
        cls = (state >> shift) & 1
        slot = (router * 4 + shift + negative) * 2 + cls
        hit = hops[slot]
        if hit is None:
            hit = hops[slot] = [Candidate(grid.ports[router][shift + negative], *classes[cls])]
        return hit

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        dest = packet.dest_router
        state = packet.route_state
        if state is None:
            state = packet.route_state = plan(router, dest)
        return answer(router, dest, state)

    return Route(route, by_state=answer, route_states=ROUTE_STATES)


@routing_policy("xy", topologies=GRIDS, minimal=True, deadlock_free=True)
def xy(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, X first then Y (BookSim2's dateline classes on a torus or ring).

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
    return _entry_dateline(ctx, (0, 1), "xy")


@routing_policy("yx", topologies=GRIDS, minimal=True, deadlock_free=True)
def yx(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, Y first then X (BookSim2's dateline classes on a torus or ring)."""
    return _entry_dateline(ctx, (1, 0), "yx")


@routing_policy("xy_static", topologies=GRIDS, minimal=True, deadlock_free=True)
def xy_static(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, X first, dateline class a function of (router, destination)."""
    return _static_dateline(ctx, (0, 1), "xy_static")


@routing_policy("yx_static", topologies=GRIDS, minimal=True, deadlock_free=True)
def yx_static(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, Y first, dateline class a function of (router, destination)."""
    return _static_dateline(ctx, (1, 0), "yx_static")
