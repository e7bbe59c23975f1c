"""Compressed activation streams: a layer's activations, partitioned and packetised.

The flit format and the packet record are desim's (`desim.noc.packets`: `FlitFormat`,
`StreamPacket`, `packetise`), re-exported here.

Mappings
    SCNN (`scnn_tile_stream`): the H x W plane is cut into a grid of planar tiles, one per PE; each
    PE's tile (all channels) is one message of SCNN-compressed blocks (one per channel), sent from
    a source terminal (the buffer or DRAM interface) to the PE.
    SparseNN (`sparsenn_stream`): vector entries are owned by PEs (``row_owners``); each PE
    multicasts its non-zero entries as (index, value) pairs to every other PE.

Packets are `StreamPacket` records that go straight into a terminal's ``put``; ``size_bits`` is
the payload (the sending terminal adds the header).

References
----------
.. [1] W. J. Dally, B. Towles, "Principles and Practices of Interconnection Networks", 2004, ch. 13.
.. [2] A. Parashar et al., "SCNN", ISCA 2017 (planar tiling); J. Zhu et al., "SparseNN", DATE 2018.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from desim.config import require
from desim.noc.packets import FlitFormat, StreamPacket, packetise
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


@dataclass(frozen=True, eq=False)
class Message:
    """What a stream carries from one source: the layer, the sender's PE index and the data."""

    layer: str
    kind: str
    owner: int
    data: Any


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
    flit_format: FlitFormat | None = None,
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
    flit_format = flit_format or FlitFormat()
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
    flit_format: FlitFormat | None = None,
    value_bits: int = 16,
) -> list[StreamPacket]:
    """Packets multicasting each owner's non-zero entries, as (index, value), to the others.

    An entry is ``bits_for(len(vector) - 1)`` index bits and ``value_bits`` value bits.
    """
    entry_bits = bits_for(len(vector) - 1) + value_bits
    flit_format = flit_format or FlitFormat()
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
