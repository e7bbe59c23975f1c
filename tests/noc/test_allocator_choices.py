"""The router's allocation choices, one router stepped by hand: which VC crosses the switch, and
which output VC a head takes. Each test fails under one plausible allocator bug that network-level
averages barely see (BookSim's 8x8 latency at 0.4 moves by under 5 %)."""

from __future__ import annotations

import pytest

import topologies
from desim.kernel.simulator import Simulator
from desim.noc import Network
from desim.noc.flit import Flit, Packet
from desim.noc.presets import router_params

TERMINAL_PORT = 1  # on a 1 x 2 mesh, router 0's port 0 leads to router 1, port 1 to its terminal


def _network(cols: int) -> Network:
    return Network(Simulator(seed=1), topologies.mesh(1, cols), "xy", router_params("booksim"))


def _packet(net: Network, pid: int, dest: int, flits: int) -> list[Flit]:
    packet = Packet(pid, 0, dest, 0, net.terminal_router[dest], flits * 128, flits, 0)
    return [Flit(packet, i) for i in range(flits)]


def _arrive(net: Network, flits: list[Flit], vc: int) -> None:
    for flit in flits:
        flit.vc = vc
        net.routers[0].receive_flit(TERMINAL_PORT, flit)


@pytest.mark.parametrize(("other", "cycles"), [(1, 12), (2, 14)])
def test_switch_bids_alternate_between_two_vcs_of_an_input_port(other: int, cycles: int) -> None:
    # two 4-flit packets in VCs 0 and `other` of one input port, both bound east: once both hold
    # an output VC, the port's switch bid alternates between them (BookSim's VC round robin),
    # never draining VC 0 first. With VC 2, the round robin after VC 0 starts from VC 1 and skips
    # the idle VC to reach VC 2 (a mutant that measured the held bid's distance with the wrong
    # sign kept VC 0, found by the mutation run)
    net = _network(2)
    net.engine.now = 0
    router = net.routers[0]
    pair = (0, other)
    _arrive(net, _packet(net, 0, 1, 4), 0)
    _arrive(net, _packet(net, 1, 1, 4), other)
    departures = []
    for cycle in range(1, cycles):
        before = [len(router.buf[TERMINAL_PORT * router.V + vc]) for vc in pair]
        net.engine.now = cycle
        router.step(cycle)
        after = [len(router.buf[TERMINAL_PORT * router.V + vc]) for vc in pair]
        departures += [vc for vc, b, a in zip(pair, before, after, strict=True) if a < b]
    assert sorted(departures) == [0] * 4 + [other] * 4
    both_bidding = departures[departures.index(other) - 1 :]
    assert both_bidding[:6] == [0, other] * 3, departures


def test_a_head_takes_the_output_vc_its_input_arbiter_picks_not_the_lowest_free() -> None:
    # one-flit packets one after another in the same input VC, each to the local terminal: every
    # ejection VC is free each time, and iSLIP's accept pointer moves past the VC just taken, so
    # successive heads take VCs 0, 1, 2, 3, 0 (a VC allocator bidding only the lowest free VC
    # would give 0 every time)
    net = _network(1)
    net.engine.now = 0
    router = net.routers[0]
    iv = 0 * router.V + 0  # the single router's port 0 is its terminal
    for pid in range(5):
        _arrive_local = _packet(net, pid, 0, 1)
        for flit in _arrive_local:
            flit.vc = 0
            router.receive_flit(0, flit)
    taken = []
    for cycle in range(1, 20):
        net.engine.now = cycle
        router.step(cycle)
        if router.in_ov[iv] >= 0 and (not taken or taken[-1][0] != router.buf[iv][0].packet.pid):
            taken.append((router.buf[iv][0].packet.pid, router.in_ov[iv] % router.V))
    assert [vc for _, vc in taken] == [0, 1, 2, 3, 0], taken


def test_oldest_first_router_grants_the_switch_to_the_oldest_packet() -> None:
    # two one-flit packets bound for router 0's terminal: an old one (created at cycle 0) from
    # the terminal port and a young one (cycle 8) from the east port; with the oldest_first
    # arbiter the old one crosses first, where round robin (and a mutant that took ages as
    # now + created, found by the mutation run) would let port 0 go first
    net = Network(
        Simulator(seed=1),
        topologies.mesh(1, 2),
        "xy",
        router_params("booksim", arbiter="oldest_first"),
    )
    router = net.routers[0]
    net.engine.now = 10
    old = Flit(Packet(0, 0, 0, 0, 0, 128, 1, 0), 0)
    young = Flit(Packet(1, 1, 0, 1, 0, 128, 1, 8), 0)
    for port, flit in ((TERMINAL_PORT, old), (0, young)):
        flit.vc = 0
        router.receive_flit(port, flit)
    order = []
    for cycle in range(11, 20):
        net.engine.now = cycle
        router.step(cycle)
        for port, flit in ((TERMINAL_PORT, old), (0, young)):
            if flit not in order and not router.buf[port * router.V]:
                order.append(flit)
    assert order == [old, young]
