"""Coordinate helpers shared by the grid routing policies (mesh, cmesh, torus, ring).

Directions follow BookSim's port order, ``2 * dimension + (0 positive | 1 negative)``:
`EAST` (+x), `WEST` (-x), `NORTH` (+y), `SOUTH` (-y). A ring is a one-dimensional torus (rows = 1).

On wrap-around dimensions (torus, ring) the minimal direction is the shorter way round; a tie
(distance exactly ``k / 2``) goes the way that does not cross the wrap-around edge, so the choice
stays the same at every hop. The *dateline* of a dimension is its wrap-around edge, between
coordinates ``k - 1`` and ``0`` [1]_.

References
----------
.. [1] W. J. Dally and C. L. Seitz, "Deadlock-free message routing in multiprocessor
   interconnection networks", IEEE Trans. Computers C-36(5), 1987 (virtual channels, datelines).
"""

from __future__ import annotations

from desim.noc.routing.base import RoutingContext, UnsupportedTopologyError

__all__ = [
    "EAST",
    "WEST",
    "NORTH",
    "SOUTH",
    "GRIDS",
    "MESHES",
    "Grid",
    "require_vcs",
    "split_vcs",
]

EAST, WEST, NORTH, SOUTH = 0, 1, 2, 3
MESHES = ("mesh", "cmesh")
"""Grid topologies without wrap-around edges."""
GRIDS = ("mesh", "cmesh", "torus", "ring")
"""Every grid topology the coordinate policies route."""
_WRAPPED = ("torus", "ring")


def require_vcs(ctx: RoutingContext, needed: int, policy: str, why: str) -> None:
    """Raise `UnsupportedTopologyError` unless ``ctx`` has ``needed`` VCs per port (``why``)."""
    if ctx.vcs < needed:
        raise UnsupportedTopologyError(
            f"routing {policy!r} on {ctx.topology!r} needs at least {needed} VCs per port "
            f"({why}), got {ctx.vcs}"
        )


def split_vcs(vcs: int, classes: int) -> list[tuple[int, int]]:
    """Split VCs ``0..vcs-1`` into ``classes`` contiguous inclusive ranges (the first ones larger).

    Examples
    --------
    >>> split_vcs(5, 2)
    [(0, 2), (3, 4)]
    """
    base, extra = divmod(vcs, classes)
    ranges, first = [], 0
    for index in range(classes):
        size = base + (index < extra)
        ranges.append((first, first + size - 1))
        first += size
    return ranges


class Grid:
    """Per-router coordinates and direction ports of a grid topology.

    Parameters
    ----------
    ctx : RoutingContext
        A context whose topology is one of `GRIDS` and whose routers carry ``coord``.

    Attributes
    ----------
    wrap : bool
        True on a torus or ring (the dimensions close into rings).
    radix : tuple of int
        ``(cols, rows)``; ``rows`` is 1 on a ring.
    x, y : list of int
        Router coordinates.
    ports : list of list of int
        ``ports[r][direction]``: router ``r``'s output port in that direction, -1 if none.
    """

    def __init__(self, ctx: RoutingContext) -> None:
        if ctx.topology not in GRIDS or not ctx.dims:
            raise UnsupportedTopologyError(
                f"grid routing needs a topology among {', '.join(GRIDS)} with 'dims'; "
                f"got {ctx.topology!r} with dims {ctx.dims!r}"
            )
        self.wrap = ctx.topology in _WRAPPED
        self.radix = (ctx.dims[0], ctx.dims[1] if len(ctx.dims) > 1 else 1)
        routers = range(len(ctx.neighbors))
        coords = [tuple(ctx.coord[r] or (r,)) + (0,) for r in routers]
        self.x = [c[0] for c in coords]
        self.y = [c[1] for c in coords]
        at = {(self.x[r], self.y[r]): r for r in routers}
        self.ports = [[self._port(ctx, at, r, d) for d in range(4)] for r in routers]

    def _port(self, ctx: RoutingContext, at: dict[tuple[int, int], int], r: int, d: int) -> int:
        step = 1 if d % 2 == 0 else -1
        x, y = self.x[r] + step * (d < 2), self.y[r] + step * (d >= 2)
        if self.wrap:
            x, y = x % self.radix[0], y % self.radix[1]
        return ctx.port_to[r].get(at.get((x, y), -1), -1)

    def offset(self, router: int, dest: int, dim: int) -> int:
        """Signed hop count of the minimal way from ``router`` to ``dest`` in dimension ``dim``."""
        coords = self.x if dim == 0 else self.y
        return self.coordinate_offset(coords[router], coords[dest], dim)

    def coordinate_offset(self, at: int, to: int, dim: int) -> int:
        """Signed hop count of the minimal way from coordinate ``at`` to ``to`` in ``dim``."""
        delta = to - at
        k = self.radix[dim]
        if self.wrap and 2 * abs(delta) > k:
            delta -= k if delta > 0 else -k
        return delta

    def is_tie(self, router: int, dest: int, dim: int) -> bool:
        """True where both ways round a wrapped dimension are minimal (distance k / 2, k > 2)."""
        coords = self.x if dim == 0 else self.y
        return self.coordinate_tie(coords[router], coords[dest], dim)

    def coordinate_tie(self, at: int, to: int, dim: int) -> bool:
        """`is_tie` between coordinates ``at`` and ``to`` of dimension ``dim``."""
        k = self.radix[dim]
        return self.wrap and k > 2 and 2 * abs(self.coordinate_offset(at, to, dim)) == k

    def direction(self, router: int, dest: int, dim: int) -> int:
        """The minimal direction in ``dim``, or -1 if ``router`` is aligned with ``dest``."""
        delta = self.offset(router, dest, dim)
        return -1 if delta == 0 else 2 * dim + (delta < 0)

    def minimal_directions(self, router: int, dest: int) -> list[int]:
        """Every direction on some minimal path, X before Y (both ways on a wrap tie)."""
        found = []
        for dim in (0, 1):
            direction = self.direction(router, dest, dim)
            if direction >= 0:
                found.append(direction)
                if self.is_tie(router, dest, dim):
                    found.append(direction ^ 1)
        return found

    def dateline_ahead(self, router: int, dest: int, dim: int) -> bool:
        """Whether the minimal way in ``dim`` still has to cross the wrap-around edge."""
        if not self.wrap:
            return False
        coords = self.x if dim == 0 else self.y
        delta = self.offset(router, dest, dim)
        return (delta > 0 and coords[dest] < coords[router]) or (
            delta < 0 and coords[dest] > coords[router]
        )

    @staticmethod
    def entry_class(at: int, to: int) -> int:
        """BookSim2's dateline class for a packet entering a dimension at coordinate ``at`` bound
        for coordinate ``to`` there: 1 when ``to`` is below ``at``, else 0 (whichever way round
        the packet goes), kept until the packet leaves the dimension.

        Going the positive way, class 1 thus carries exactly the packets that cross the
        wrap-around edge; going the negative way, exactly those that do not. Either way the
        packets of one class in one direction either never cross the wrap-around edge (their
        channels form a line) or all cross it within ``k / 2`` hops, so that none of them uses
        the channel opposite the wrap-around edge: no class closes a ring's cycle.
        """
        return int(to < at)

    def dor_hop(self, router: int, dest: int, order: tuple[int, int]) -> tuple[int, int]:
        """Dimension-order next hop: ``(port, dateline class)``.

        The class is 0 while the packet must still cross the current dimension's dateline and 1
        once it need not (after crossing it, or when its route never does); always 1 without
        wrap-around. It depends on ``(router, dest)`` only, so it can be cached, and it is
        deadlock-free whichever router a packet starts from (needed by escape channels).
        """
        for dim in order:
            direction = self.direction(router, dest, dim)
            if direction >= 0:
                ahead = self.dateline_ahead(router, dest, dim)
                return self.ports[router][direction], int(not ahead)
        raise ValueError(f"router {router} is the destination; the router ejects, not routes")
