"""Multicast as unicasts sent and relayed by the network interfaces.

Two schemes, chosen per network (``Network(multicast=...)``):

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

Both need no router support, so every routing policy stays deadlock-free: a relaying interface
consumes the packet (ejection is an ideal sink) before it queues the next sends. The send's event
fires, with the payload, when every destination has received it.
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

__all__ = ["MulticastGroup", "umesh_sends", "SCHEMES"]

SCHEMES = ("umesh", "direct")


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
