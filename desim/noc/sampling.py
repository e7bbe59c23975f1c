"""The measurement state of a synthetic-traffic run: which packets are measured and what they took.

BookSim's method (Jiang et al., ISPASS 2013; `desim.noc.measurement`) measures the packets created
while the sample window is open, and the throughput and latency of what is delivered meanwhile.
A `Sampler` keeps that state and watches a network through its ``created_hooks`` and
``delivered_hooks``: the network itself knows nothing of warm-up, sample windows or measured
packets. It measures unicast traffic (what synthetic sources send).
"""

from __future__ import annotations

from array import array

import numpy as np

from desim.noc.flit import Packet
from desim.noc.network import Network

__all__ = ["Sampler"]


class Sampler:
    """Latencies of the measured packets, accepted flits per terminal, and the age of what is in
    flight, for one network (attached to it on construction).

    Packets are *measured* when created while the window is open (`open` to `close`); the
    network numbers packets in creation order, so the measured ones are the ``measured_created``
    packets from id ``first_measured`` on.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        # per measured packet, 8 bytes a value (a list holds a pointer and a boxed int above 256)
        self.packet_latency = array("q")
        self.network_latency = array("q")
        self.flit_latency_sum = 0
        self.flits = 0
        self.hops = array("q")
        self.accepted_flits = [0] * net.terminals  # a list: a numpy element costs more per add
        self.window_latency_sum = 0
        self.window_packets = 0
        self.counting = False
        self.first_measured = -1  # id of the first packet created in the window
        self.measured_created = 0
        self.created_sum = 0  # sums of creation cycles: the age of what is in flight, cheaply
        self.received_created_sum = 0
        net.created_hooks.append(self.created)
        net.delivered_hooks.append(self.delivered)

    @property
    def accepted(self) -> np.ndarray:
        """Flits delivered to each terminal while the window was open."""
        return np.asarray(self.accepted_flits, dtype=np.int64)

    def open(self) -> None:
        """Start measuring: packets created from now on are measured, deliveries counted."""
        self.counting = True

    def close(self) -> None:
        """Stop measuring (the measured packets still in flight are recorded on delivery)."""
        self.counting = False

    def is_measured(self, packet: Packet) -> bool:
        """Whether ``packet`` was created while the window was open."""
        return 0 <= packet.pid - self.first_measured < self.measured_created

    def all_measured_received(self) -> bool:
        """Whether every measured packet has been delivered."""
        return len(self.packet_latency) >= self.measured_created

    def outstanding(self, now: int) -> tuple[int, int]:
        """Packets created but not received, and the sum of their ages at ``now`` (while the
        sources run: packets that `Network.discard_queued` drops are not subtracted)."""
        c = self.net.counters
        count = c.packets_created - c.packets_received
        return count, count * now - (self.created_sum - self.received_created_sum)

    def created(self, packet: Packet) -> None:
        """The network's creation hook."""
        self.created_sum += packet.created
        if self.counting:
            if not self.measured_created:
                self.first_measured = packet.pid
            self.measured_created += 1

    def delivered(self, packet: Packet) -> None:
        """The network's delivery hook."""
        latency = packet.received - packet.created
        self.received_created_sum += packet.created
        if self.counting:
            self.accepted_flits[packet.dest] += packet.flits
            self.window_latency_sum += latency
            self.window_packets += 1
        if self.is_measured(packet):
            self.packet_latency.append(latency)
            self.network_latency.append(packet.received - packet.injected)
            # flit i of a packet leaves i cycles after the head: BookSim's flit latency
            self.flit_latency_sum += packet.flits * latency - packet.flits * (packet.flits - 1) // 2
            self.flits += packet.flits
            self.hops.append(packet.hops)
