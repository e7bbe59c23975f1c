"""Dimension-order routing on meshes: XY (X first) and YX (Y first)."""

from __future__ import annotations

from desim.noc.flit import Packet
from desim.noc.routing.base import Candidate, RouteFunction, RoutingContext, routing_policy

__all__ = ["xy", "yx"]


def _dimension_order(ctx: RoutingContext, order: tuple[int, int]) -> RouteFunction:
    coord = ctx.coord
    port_to = ctx.port_to
    cols = ctx.dims[0] if ctx.dims else 0
    last_vc = ctx.vcs - 1
    table: dict[tuple[int, int], list[Candidate]] = {}

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        key = (router, packet.dest_router)
        hit = table.get(key)
        if hit is not None:
            return hit
        here, there = coord[router], coord[packet.dest_router]
        for dim in order:
            delta = there[dim] - here[dim]
            if delta:
                step = (1 if delta > 0 else -1) * (1 if dim == 0 else cols)
                hit = [Candidate(port_to[router][router + step], 0, last_vc)]
                break
        table[key] = hit
        return hit

    return route


@routing_policy("xy", topologies=("mesh", "cmesh"), minimal=True, deadlock_free=True)
def xy(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, X first then Y (deadlock-free on a mesh: no Y-to-X turn)."""
    return _dimension_order(ctx, (0, 1))


@routing_policy("yx", topologies=("mesh", "cmesh"), minimal=True, deadlock_free=True)
def yx(ctx: RoutingContext) -> RouteFunction:
    """Dimension-order routing, Y first then X."""
    return _dimension_order(ctx, (1, 0))
