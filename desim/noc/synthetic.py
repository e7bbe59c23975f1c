"""Synthetic traffic sources: one per terminal, event-driven (asleep until its next packet).

A source draws the gap to its next packet from its injection process (geometric gaps for
Bernoulli injection: the same distribution as a per-cycle coin flip, without the per-cycle cost),
the destination from the traffic pattern and the size from the packet-size distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from desim.noc.network import Network

__all__ = ["SyntheticSource", "attach_sources"]


class SyntheticSource:
    """Packets for terminal ``tid`` of ``network``."""

    __slots__ = ("net", "ni", "tid", "destination", "injector", "size", "running", "flit_width")

    def __init__(
        self,
        network: Network,
        tid: int,
        destination: Callable[[int, np.random.Generator], int],
        injector: Any,
        size: Callable[[np.random.Generator], int],
    ) -> None:
        self.net = network
        self.ni = network.interfaces[tid]
        self.tid = tid
        self.destination = destination
        self.injector = injector
        self.size = size
        self.running = False
        self.flit_width = network.params.flit_width_bits

    def start(self) -> None:
        """Schedule the first packet: a gap counted from the cycle before the next one, so that
        Bernoulli sources may generate in the very next cycle (the engine's last cycle, or the
        one before the present if the engine has been idle since)."""
        self.running = True
        engine = self.net.engine
        self._schedule_next(max(engine.now, int(engine.env.now) - 1))

    def stop(self) -> None:
        """Generate no more packets."""
        self.running = False

    def _schedule_next(self, after: int) -> None:
        gap = self.injector.next_gap(self.net.rng)
        if gap is not None:
            self.net.engine.schedule(after + int(gap), self.generate, None, None)

    def generate(self, _a: Any = None, _b: Any = None) -> None:
        """Create one packet now and queue it at the interface."""
        if not self.running:
            return
        net = self.net
        rng = net.rng
        now = net.engine.now
        dest = self.destination(self.tid, rng)
        flits = self.size(rng)
        packet = net.new_packet(self.tid, dest, flits * self.flit_width, flits, now)
        self.ni.queue.append(packet)
        net.engine.wake_interface(self.ni)
        self._schedule_next(now)


def attach_sources(
    network: Network,
    destination: Callable[[int, np.random.Generator], int],
    make_injector: Callable[[], Any],
    size: Callable[[np.random.Generator], int],
) -> list[SyntheticSource]:
    """One started source per terminal (each with its own injector state)."""
    sources = [
        SyntheticSource(network, tid, destination, make_injector(), size)
        for tid in range(network.terminals)
    ]
    for source in sources:
        source.start()
    return sources
