"""Packets and flits.

A packet carries a size in bits, which with the flit width sets its flit count, and a payload
object (the real data an accelerator sends). It is split into head, body and tail flits; a
single-flit packet's only flit is both head and tail.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Packet", "Flit", "flit_count"]


def flit_count(size_bits: int, flit_width_bits: int) -> int:
    """Flits needed for ``size_bits`` of packet (header included by the caller): ceil division."""
    if size_bits < 1:
        raise ValueError(f"packet size must be >= 1 bit, got {size_bits}")
    return -(-size_bits // flit_width_bits)


class Packet:
    """One network packet and its timestamps (cycles; -1 until they happen).

    Attributes
    ----------
    created, injected, received : int
        When the source made it, when its head flit entered the network, when its tail flit
        left it. Packet latency is ``received - created`` (source queueing included, as BookSim);
        network latency is ``received - injected``.
    route_state : Any
        Free slot for the routing policy (Valiant intermediate, dateline class, ...).
    dests : frozenset of int or None
        An in-router (``tree``) multicast's destination terminals; None for a unicast. A multicast
        packet's ``dest`` is -1, and each destination receives its own copy of the packet
        (`Packet.delivery`).
    pending : set of int or None
        The multicast destinations that have not yet received the whole packet.
    """

    __slots__ = (
        "pid",
        "source",
        "dest",
        "source_router",
        "dest_router",
        "size_bits",
        "flits",
        "payload",
        "created",
        "injected",
        "received",
        "hops",
        "route_state",
        "group",
        "relay",
        "dests",
        "pending",
    )

    def __init__(
        self,
        pid: int,
        source: int,
        dest: int,
        source_router: int,
        dest_router: int,
        size_bits: int,
        flits: int,
        created: int,
        payload: Any = None,
    ) -> None:
        self.pid = pid
        self.source = source
        self.dest = dest
        self.source_router = source_router
        self.dest_router = dest_router
        self.size_bits = size_bits
        self.flits = flits
        self.payload = payload
        self.created = created
        self.injected = -1
        self.received = -1
        self.hops = 0
        self.route_state: Any = None
        self.group: Any = None  # the multicast send it belongs to
        self.relay: tuple[int, ...] | None = None  # U-mesh: the chain its receiver relays to
        self.dests: frozenset[int] | None = None
        self.pending: set[int] | None = None

    def delivery(self, dest: int, dest_router: int, hops: int, now: int) -> Packet:
        """The copy of this multicast packet that terminal ``dest`` receives at cycle ``now``
        (same pid, payload and timestamps; ``dest`` set, ``hops`` its router traversals)."""
        copy = Packet(
            self.pid,
            self.source,
            dest,
            self.source_router,
            dest_router,
            self.size_bits,
            self.flits,
            self.created,
            self.payload,
        )
        copy.injected = self.injected
        copy.received = now
        copy.hops = hops
        copy.group = self.group
        return copy

    def __repr__(self) -> str:
        return f"Packet({self.pid}: {self.source}->{self.dest}, {self.flits} flits)"


class Flit:
    """One flit: its packet, its index in the packet, the VC it currently occupies, and the first
    cycle it may take its next step in the router holding it (``ready``: its arrival; for a head,
    then the end of routing, then the end of VC allocation). A multicast head also carries the
    destination terminals its branch of the tree covers (``targets``; None otherwise)."""

    __slots__ = ("packet", "index", "head", "tail", "vc", "ready", "targets")

    def __init__(self, packet: Packet, index: int) -> None:
        self.packet = packet
        self.index = index
        self.head = index == 0
        self.tail = index == packet.flits - 1
        self.vc = -1
        self.ready = 0
        self.targets: frozenset[int] | None = None

    def __repr__(self) -> str:
        kind = "H" if self.head else ("T" if self.tail else "B")
        return f"Flit({self.packet.pid}.{self.index}{kind} vc{self.vc})"
