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
        "measured",
        "group",
        "relay",
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
        self.measured = False
        self.group: Any = None  # the multicast send it belongs to
        self.relay: tuple[int, ...] | None = None  # U-mesh: the chain its receiver relays to

    def __repr__(self) -> str:
        return f"Packet({self.pid}: {self.source}->{self.dest}, {self.flits} flits)"


class Flit:
    """One flit: its packet, its index in the packet, the VC it currently occupies, and the first
    cycle it may take its next step in the router holding it (``ready``: its arrival; for a head,
    then the end of routing, then the end of VC allocation)."""

    __slots__ = ("packet", "index", "head", "tail", "vc", "ready")

    def __init__(self, packet: Packet, index: int) -> None:
        self.packet = packet
        self.index = index
        self.head = index == 0
        self.tail = index == packet.flits - 1
        self.vc = -1
        self.ready = 0

    def __repr__(self) -> str:
        kind = "H" if self.head else ("T" if self.tail else "B")
        return f"Flit({self.packet.pid}.{self.index}{kind} vc{self.vc})"
