"""Streams: flit counts by hand, and packets that carry exactly the compressed data."""

from __future__ import annotations

import numpy as np
import pytest

from desim.kernel.errors import ConfigError
from workloads.formats import ScnnCodec
from workloads.streams import (
    FlitFormat,
    StreamPacket,
    planar_tiles,
    row_owners,
    scnn_tile_stream,
    sparsenn_stream,
)


def test_flit_counts_by_hand() -> None:
    fmt = FlitFormat(flit_width_bits=64, header_bits=16)
    assert [fmt.flits(b) for b in (0, 48, 49, 112, 113)] == [1, 1, 2, 2, 3]
    limited = FlitFormat(flit_width_bits=64, header_bits=16, max_packet_flits=3)
    assert limited.max_payload_bits == 176
    assert limited.split(400) == [176, 176, 48]
    assert [limited.flits(s) for s in limited.split(400)] == [3, 3, 1]


def test_flit_format_validates() -> None:
    with pytest.raises(ConfigError, match="header_bits"):
        FlitFormat(flit_width_bits=32, header_bits=32)


def test_planar_tiles_cover_the_plane_once() -> None:
    cover = np.zeros((13, 10), int)
    for rows, cols in planar_tiles(13, 10, (4, 3)):
        cover[rows, cols] += 1
    assert (cover == 1).all()


def test_scnn_stream_carries_each_tile_compressed() -> None:
    rng = np.random.default_rng(1)
    acts = (rng.random((5, 16, 16)) * (rng.random((5, 16, 16)) < 0.4)).astype(np.float32)
    terminals = list(range(10, 26))
    packets = scnn_tile_stream(
        "conv", acts, 99, terminals, grid=(4, 4), flit_format=FlitFormat(max_packet_flits=2)
    )
    assert all(isinstance(p, StreamPacket) and p.source == 99 for p in packets)
    rebuilt = np.zeros_like(acts)
    for pe, (rows, cols) in enumerate(planar_tiles(16, 16, (4, 4))):
        mine = [p for p in packets if p.destinations == (terminals[pe],)]
        encoded = mine[0].payload.data
        assert sum(p.size_bits for p in mine) == encoded.size_bits
        assert encoded.size_bits == ScnnCodec().encode(acts[:, rows, cols]).size_bits
        rebuilt[:, rows, cols] = ScnnCodec().decode(encoded)
    assert np.array_equal(rebuilt, acts)


def test_row_owners() -> None:
    assert row_owners(10, 4).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]
    assert row_owners(6, 4, "interleaved").tolist() == [0, 1, 2, 3, 0, 1]


def test_sparsenn_stream_multicasts_nonzeros_to_the_others() -> None:
    vector = np.array([0, 1.5, 0, 0, 2.0, 0, 3.0, 0], np.float32)
    packets = sparsenn_stream("fc1", vector, row_owners(8, 2), [7, 8])
    assert [(p.source, p.destinations) for p in packets] == [(7, (8,)), (8, (7,))]
    # 8 entries -> 3 index bits + 16 value bits per non-zero
    assert [p.size_bits for p in packets] == [1 * 19, 2 * 19]
    indices, values = packets[1].payload.data
    assert indices.tolist() == [4, 6] and values.tolist() == [2.0, 3.0]
