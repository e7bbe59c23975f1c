"""SCNN's weight stream: packets gate the channels whose weights they carry."""

from __future__ import annotations

import numpy as np

from desim.accel.scnn_agents import WeightStream
from desim.noc.packets import FlitFormat


def test_channels_wait_for_the_packet_holding_their_last_weight():
    fmt = FlitFormat(flit_width_bits=50, header_bits=0, max_packet_flits=2)  # 100-bit packets
    # channels of 60, 60 and 80 bits end at 60, 120, 200: in packets 0, 1 and 1
    stream = WeightStream.of(np.array([60, 60, 80]), np.array([[10], [20], [30]]), fmt)
    assert stream.message_bits == [100, 100]
    assert stream.tails[:, 0].tolist() == [60, 50]  # everything; what waits for packet 1
    # free at 0, packets in at 5 and 100: channel 0 runs 5..15, channels 1-2 wait until 100
    assert stream.finish(0, [5, 100], 0) == 150
    assert stream.finish(200, [5, 100], 0) == 260  # the weights were all in: compute only


def test_closed_form_equals_channel_by_channel():
    rng = np.random.default_rng(4)
    fmt = FlitFormat(flit_width_bits=64, header_bits=16, max_packet_flits=3)
    for _ in range(50):
        bits = rng.integers(16, 400, size=rng.integers(1, 12))
        cycles = rng.integers(0, 50, size=(len(bits), 3))
        stream = WeightStream.of(bits, cycles, fmt)
        arrivals = np.sort(rng.integers(0, 300, size=len(stream.message_bits))).tolist()
        ends = np.cumsum(stream.message_bits)
        start = int(rng.integers(0, 200))
        for pe in range(3):
            t = start
            for end, c in zip(np.cumsum(bits), cycles[:, pe], strict=True):
                t = max(t, arrivals[int(np.searchsorted(ends, end))]) + int(c)
            assert stream.finish(start, arrivals, pe) == t
