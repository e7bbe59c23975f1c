"""The packet contract between agents and the network: one flit format, one packet record.

Flit format (`FlitFormat`)
    A packet is ``header_bits`` of header (destination set, message id, part number, length)
    followed by its payload bits, packed back to back with no alignment padding, cut into flits of
    ``flit_width_bits``: the head flit carries the header then the first payload bits; the last
    flit is padded. So a packet of ``p`` payload bits is ``ceil((header_bits + p) / width)``
    flits (at least one). A message longer than ``max_packet_flits`` is split into parts that fill
    the payload of a full-length packet, the last part holding the remainder.

Packets (`StreamPacket`)
    What an agent hands its terminal (`desim.accel.Terminal.put`): source terminal, destination
    terminals, payload size in bits (the header is added by the sender's terminal with the flit
    format, `FlitFormat.packet_bits`) and the payload object itself. The network's flit width is
    the format's (`desim.accel.Fabric` builds the routers from it), so the two never disagree.

References
----------
.. [1] W. J. Dally, B. Towles, "Principles and Practices of Interconnection Networks", 2004, ch. 13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from desim.config_checks import require_key

__all__ = ["FlitFormat", "StreamPacket", "packetise"]


@dataclass(frozen=True)
class FlitFormat:
    """How packets become flits (see the module docstring).

    Examples
    --------
    >>> fmt = FlitFormat(flit_width_bits=128, header_bits=32, max_packet_flits=4)
    >>> fmt.flits(96), fmt.flits(97), fmt.max_payload_bits, fmt.split(1000)
    (1, 2, 480, [480, 480, 40])
    """

    flit_width_bits: int = 128
    header_bits: int = 32
    max_packet_flits: int | None = None

    def __post_init__(self) -> None:
        require_key(
            self.flit_width_bits > 0,
            "flit_width_bits",
            f"must be > 0, got {self.flit_width_bits}",
        )
        require_key(
            0 <= self.header_bits < self.flit_width_bits,
            "header_bits",
            f"must be in 0..{self.flit_width_bits - 1} (less than flit_width_bits), "
            f"got {self.header_bits}",
        )
        require_key(
            self.max_packet_flits is None or self.max_packet_flits > 0,
            "max_packet_flits",
            f"must be > 0, got {self.max_packet_flits}",
        )

    def packet_bits(self, size_bits: int) -> int:
        """Bits on the wire of a packet carrying ``size_bits`` of payload (header included)."""
        return self.header_bits + size_bits

    def flits(self, size_bits: int) -> int:
        """Flits of a packet carrying ``size_bits`` of payload."""
        return max(1, math.ceil((self.header_bits + size_bits) / self.flit_width_bits))

    @property
    def max_payload_bits(self) -> int | None:
        """Payload of a full-length packet (None: unlimited)."""
        if self.max_packet_flits is None:
            return None
        return self.max_packet_flits * self.flit_width_bits - self.header_bits

    def split(self, size_bits: int) -> list[int]:
        """Payload sizes of the packets a message of ``size_bits`` needs."""
        limit = self.max_payload_bits
        if limit is None or size_bits <= limit:
            return [size_bits]
        full, rest = divmod(size_bits, limit)
        return [limit] * full + ([rest] if rest else [])


@dataclass(frozen=True, eq=False)
class StreamPacket:
    """One packet for ``network.send(source, destinations, size_bits, payload)``."""

    source: int
    destinations: tuple[int, ...]
    size_bits: int
    payload: Any
    part: int = 0
    parts: int = 1


def packetise(
    message: Any,
    size_bits: int,
    source: int,
    destinations: tuple[int, ...],
    flit_format: FlitFormat,
) -> list[StreamPacket]:
    """The packets of one message (split by ``flit_format.max_packet_flits``)."""
    sizes = flit_format.split(size_bits)
    return [
        StreamPacket(source, destinations, size, message, part, len(sizes))
        for part, size in enumerate(sizes)
    ]
