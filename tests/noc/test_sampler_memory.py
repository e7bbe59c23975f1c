"""The measurement state's memory: 8 bytes a value per measured packet."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import topologies
from desim.kernel.simulator import Simulator
from desim.noc import Network
from desim.noc.flit import Packet
from desim.noc.sampling import Sampler


def test_the_sampler_keeps_three_eight_byte_values_per_measured_packet() -> None:
    """20,000 measured packets of 1,000-cycle latencies (numbers Python boxes): latency, network
    latency and hops take 3 x 8 bytes a packet (within the arrays' growth margin), not a list's
    pointer plus a 28-byte integer each; their statistics are those of the values delivered."""
    net = Network(Simulator(seed=1), topologies.mesh(2, 2), "xy")
    sampler = Sampler(net)
    sampler.open()
    packets = [Packet(i, 0, i % 4, 0, i % 4, 128, 1, i) for i in range(20_000)]
    for packet in packets:
        packet.injected, packet.hops = packet.created + 3, 3
        packet.received = packet.created + 1000 + packet.pid % 7
    sampler.first_measured, sampler.measured_created = 0, len(packets)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for packet in packets:
            sampler.delivered(packet)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1.15 * 3 * 8 * len(packets)
    expected = [1000 + i % 7 for i in range(20_000)]
    assert np.mean(sampler.packet_latency) == np.mean(expected)
    assert np.mean(sampler.network_latency) == np.mean([e - 3 for e in expected])
    assert sampler.all_measured_received() and sum(sampler.hops) == 60_000
