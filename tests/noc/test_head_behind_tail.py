"""A head behind a tail in the same input VC: its route computation starts only in the cycle after
the tail has left the buffer (BookSim's router: the VC becomes idle with the tail's departure and
the next head enters routing from the next cycle), so it pays one bubble cycle plus its whole
routing delay more than the same head in a VC of its own, whose routing and VC allocation overlap
the flits ahead of it."""

from __future__ import annotations

import pytest

import topologies
from desim.kernel.simulator import Simulator
from desim.noc import Network, router_params


def _gap(vcs: int, routing_delay: int) -> int:
    """Cycles between the arrival of a 2-flit packet and a 1-flit packet sent right after it, from
    terminal 0 to terminal 2 of a 1 x 3 mesh."""
    sim = Simulator(seed=0)
    params = router_params("booksim", vcs=vcs, routing_delay_cycles=routing_delay)
    net = Network(sim, topologies.mesh(rows=1, cols=3), "xy", params)
    received = {}
    net.delivered_hooks.append(lambda packet: received.setdefault(packet.payload, packet.received))
    net.interfaces[0].send(2, 2 * params.flit_width_bits, "first")
    net.interfaces[0].send(2, params.flit_width_bits, "second")
    sim.run()
    return received["second"] - received["first"]


@pytest.mark.parametrize("routing_delay", [0, 1, 2])
def test_a_head_behind_a_tail_pays_a_bubble_and_its_routing_delay(routing_delay):
    own_vc = _gap(2, routing_delay)  # the second packet takes the other VC: no wait
    assert own_vc == 1  # its single flit follows the first packet's tail by one cycle
    assert _gap(1, routing_delay) - own_vc == routing_delay + 1
