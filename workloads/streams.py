"""Compressed activation streams: a layer's activations, partitioned and packetised.

Flit format (`FlitFormat`)
    A packet is ``header_bits`` of header (destination set, message id, part number, length)
    followed by its payload bits, packed back to back with no alignment padding, cut into flits of
    ``flit_width_bits``: the head flit carries the header then the first payload bits; the last
    flit is padded. So a packet of ``p`` payload bits is ``ceil((header_bits + p) / width)``
    flits (at least one). A message longer than ``max_packet_flits`` is split into parts that fill
    the payload of a full-length packet, the last part holding the remainder.

Mappings
    SCNN (`scnn_tile_stream`): the H x W plane is cut into a grid of planar tiles, one per PE; each
    PE's tile (all channels) is one message of SCNN-compressed blocks (one per channel), sent from
    a source terminal (the buffer or DRAM interface) to the PE.
    SparseNN (`sparsenn_stream`): vector entries are owned by PEs (``row_owners``); each PE
    multicasts its non-zero entries as (index, value) pairs to every other PE.

Packets are plain `StreamPacket` records matching ``network.send(source, destinations, size_bits,
payload)``; ``size_bits`` is the payload (the network adds the header).

References
----------
.. [1] W. J. Dally, B. Towles, "Principles and Practices of Interconnection Networks", 2004, ch. 13.
.. [2] A. Parashar et al., "SCNN", ISCA 2017 (planar tiling); J. Zhu et al., "SparseNN", DATE 2018.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from desim.config import require
from workloads.formats import ScnnCodec
from workloads.formats.base import bits_for

__all__ = [
    "FlitFormat",
    "StreamPacket",
    "Message",
    "planar_tiles",
    "row_owners",
    "scnn_tile_stream",
    "sparsenn_stream",
    "packetise",
]


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
        require(self.flit_width_bits > 0, f"flit_width_bits must be > 0: {self.flit_width_bits}")
        require(
            0 <= self.header_bits < self.flit_width_bits,
            f"header_bits must be in [0, flit_width_bits), got {self.header_bits}",
        )
        require(
            self.max_packet_flits is None or self.max_packet_flits > 0,
            f"max_packet_flits must be > 0, got {self.max_packet_flits}",
        )

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
class Message:
    """What a stream carries from one source: the layer, the sender's PE index and the data."""

    layer: str
    kind: str
    owner: int
    data: Any


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
    message: Message,
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


def planar_tiles(
    height: int, width: int, grid: tuple[int, int] = (8, 8)
) -> list[tuple[slice, slice]]:
    """Row-major planar tiles of an ``height x width`` plane on a ``rows x cols`` PE grid.

    Sides are split as evenly as possible (``numpy.array_split``); tiles may be empty when the
    plane is smaller than the grid.
    """
    rows = np.array_split(np.arange(height), grid[0])
    cols = np.array_split(np.arange(width), grid[1])

    def span(part: np.ndarray) -> slice:
        return slice(int(part[0]), int(part[-1]) + 1) if part.size else slice(0, 0)

    return [(span(r), span(c)) for r in rows for c in cols]


def scnn_tile_stream(
    layer: str,
    activations: np.ndarray,
    source: int,
    terminals: Sequence[int],
    grid: tuple[int, int] = (8, 8),
    flit_format: FlitFormat = FlitFormat(),
    codec: ScnnCodec | None = None,
) -> list[StreamPacket]:
    """Packets loading one sample's ``(C, H, W)`` activations into SCNN's PEs, tile by tile.

    ``terminals[i]`` is the network terminal of PE ``i`` (row-major on ``grid``); empty tiles
    send nothing.
    """
    require(
        len(terminals) == grid[0] * grid[1],
        f"{grid[0]} x {grid[1]} PEs need as many terminals, got {len(terminals)}",
    )
    codec = codec or ScnnCodec()
    packets: list[StreamPacket] = []
    for pe, (rows, cols) in enumerate(planar_tiles(*activations.shape[1:], grid)):
        tile = activations[:, rows, cols]
        if tile.size:
            encoded = codec.encode(tile)
            message = Message(layer, "scnn_tile", pe, encoded)
            packets += packetise(message, encoded.size_bits, source, (terminals[pe],), flit_format)
    return packets


def row_owners(size: int, n_pes: int, scheme: str = "block") -> np.ndarray:
    """The PE owning each of ``size`` rows: contiguous ``"block"`` ranges or ``"interleaved"``."""
    require(
        scheme in ("block", "interleaved"),
        f"scheme must be 'block' or 'interleaved', got {scheme!r}",
    )
    if scheme == "interleaved":
        return np.arange(size) % n_pes
    return np.repeat(np.arange(n_pes), [len(a) for a in np.array_split(np.arange(size), n_pes)])


def sparsenn_stream(
    layer: str,
    vector: np.ndarray,
    owners: np.ndarray,
    terminals: Sequence[int],
    flit_format: FlitFormat = FlitFormat(),
    value_bits: int = 16,
) -> list[StreamPacket]:
    """Packets multicasting each owner's non-zero entries, as (index, value), to the others.

    An entry is ``bits_for(len(vector) - 1)`` index bits and ``value_bits`` value bits.
    """
    entry_bits = bits_for(len(vector) - 1) + value_bits
    packets: list[StreamPacket] = []
    for owner, terminal in enumerate(terminals):
        indices = np.flatnonzero((owners == owner) & (vector != 0))
        others = tuple(t for t in terminals if t != terminal)
        if indices.size and others:
            message = Message(layer, "sparsenn_entries", owner, (indices, vector[indices]))
            packets += packetise(
                message, int(indices.size) * entry_bits, terminal, others, flit_format
            )
    return packets
