"""Turn-model adaptive routing on meshes: west-first, north-last, negative-first, odd-even.

Each policy returns every minimal direction its turn restrictions allow (X direction first), on
all VCs; prohibiting the right turns breaks every cycle of the channel dependency graph without
virtual channels.

References
----------
.. [1] C. J. Glass and L. M. Ni, "The turn model for adaptive routing", ISCA 1992.
.. [2] G.-M. Chiu, "The odd-even turn model for adaptive routing", IEEE Trans. Parallel and
   Distributed Systems 11(7), 2000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from desim.noc.flit import Packet
from desim.noc.routing.base import Candidate, RouteFunction, RoutingContext, routing_policy
from desim.noc.routing.grid import EAST, MESHES, NORTH, SOUTH, WEST, Grid

__all__ = ["west_first", "north_last", "negative_first", "odd_even"]

TurnRule = Callable[[int, int, int, bool], Sequence[int]]
"""``rule(x, dx, dy, at_source_column) -> directions``: the allowed minimal directions at column
``x`` for a destination ``(dx, dy)`` hops away (``dx != 0 or dy != 0``)."""


def _minimal(dx: int, dy: int) -> tuple[int, ...]:
    x_dir = () if dx == 0 else ((EAST,) if dx > 0 else (WEST,))
    y_dir = () if dy == 0 else ((NORTH,) if dy > 0 else (SOUTH,))
    return x_dir + y_dir


def _turn_model(ctx: RoutingContext, rule: TurnRule) -> RouteFunction:
    """A cached route function offering ``rule``'s directions with every VC."""
    grid = Grid(ctx)
    routers = len(ctx.neighbors)
    last_vc = ctx.vcs - 1
    table: dict[int, list[Candidate]] = {}

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        dest = packet.dest_router
        at_source = grid.x[router] == grid.x[packet.source_router]
        key = (router * routers + dest) * 2 + at_source
        hit = table.get(key)
        if hit is None:
            dx, dy = grid.offset(router, dest, 0), grid.offset(router, dest, 1)
            ports = grid.ports[router]
            hit = [Candidate(ports[d], 0, last_vc) for d in rule(grid.x[router], dx, dy, at_source)]
            table[key] = hit
        return hit

    return route


def _west_first_rule(x: int, dx: int, dy: int, at_source: bool) -> Sequence[int]:
    return (WEST,) if dx < 0 else _minimal(dx, dy)


def _north_last_rule(x: int, dx: int, dy: int, at_source: bool) -> Sequence[int]:
    return _minimal(dx, 0) if dy > 0 and dx != 0 else _minimal(dx, dy)


def _negative_first_rule(x: int, dx: int, dy: int, at_source: bool) -> Sequence[int]:
    return _minimal(min(dx, 0), min(dy, 0)) or _minimal(dx, dy)


def _odd_even_rule(x: int, dx: int, dy: int, at_source: bool) -> Sequence[int]:
    y_dir = _minimal(0, dy)
    if dx == 0:
        return y_dir
    if dx < 0:  # west-bound: N/S only in even columns (NW, SW turns are banned in odd ones)
        return (WEST,) + (y_dir if x % 2 == 0 else ())
    # east-bound: EN, ES turns are banned in even columns; do not enter an even destination
    # column with vertical hops left.
    east = (EAST,) if dy == 0 or (x + dx) % 2 == 1 or dx != 1 else ()
    return east + (y_dir if x % 2 == 1 or at_source else ())


@routing_policy("west_first", topologies=MESHES, minimal=True, deadlock_free=True, adaptive=True)
def west_first(ctx: RoutingContext) -> RouteFunction:
    """Turn model: all west hops first, then adaptive among east, north, south (Glass & Ni 1992)."""
    return _turn_model(ctx, _west_first_rule)


@routing_policy("north_last", topologies=MESHES, minimal=True, deadlock_free=True, adaptive=True)
def north_last(ctx: RoutingContext) -> RouteFunction:
    """Turn model: adaptive among west, east, south; north hops last (Glass & Ni 1992)."""
    return _turn_model(ctx, _north_last_rule)


@routing_policy(
    "negative_first", topologies=MESHES, minimal=True, deadlock_free=True, adaptive=True
)
def negative_first(ctx: RoutingContext) -> RouteFunction:
    """Turn model: west/south hops first (adaptively), then east/north (Glass & Ni 1992)."""
    return _turn_model(ctx, _negative_first_rule)


@routing_policy("odd_even", topologies=MESHES, minimal=True, deadlock_free=True, adaptive=True)
def odd_even(ctx: RoutingContext) -> RouteFunction:
    """Odd-even turn model: EN/ES turns banned in even columns, NW/SW in odd ones (Chiu 2000).

    Minimal and adaptive without VCs; uses the packet's source column (a packet may turn north or
    south in its source column whatever its parity, as in Chiu's ROUTE algorithm).
    """
    return _turn_model(ctx, _odd_even_rule)
