"""A real deadlock's report lists exactly the input VCs that hold flits and wait, each with what it
waits for, checked against the routers' buffers (not against `Router.waits`, which builds it)."""

from __future__ import annotations

import re

import pytest

import topologies
from desim.kernel.errors import DeadlockError
from desim.kernel.simulator import Simulator
from desim.noc import Network, router_params
from desim.noc.invariants import wait_for_graph
from desim.noc.routing import Candidate, RoutingContext, routing_policy


@routing_policy("test_report_clockwise", topologies=("ring",), minimal=False, deadlock_free=False)
def clockwise(ctx: RoutingContext):
    """Always the next router clockwise, every VC allowed: no dateline, so a ring deadlocks."""
    n = len(ctx.neighbors)

    def route(router: int, in_port: int, packet) -> list[Candidate]:
        return [ctx.all_vcs(ctx.port_to[router][(router + 1) % n])]

    return route


@pytest.mark.parametrize("vcs", [1, 2])
def test_a_deadlocks_report_names_every_blocked_input_vc_and_its_wait(vcs):
    sim = Simulator(seed=1)
    params = router_params("booksim", vcs=vcs, vc_buffer_flits=2)
    net = Network(sim, topologies.ring(4), "test_report_clockwise", params, deadlock_cycles=200)
    for source in range(4):
        for _ in range(3 * vcs):  # long packets to the farthest router clockwise fill every VC
            net.interfaces[source].send((source + 3) % 4, 8 * params.flit_width_bits)
    with pytest.raises(DeadlockError):
        sim.run(cycles=20_000)
    # by hand: an input VC holding flits is blocked; its front flit is a head without an output
    # VC ("vc") or a flit of a packet holding one, whose downstream buffer is full ("credit")
    expected = {}
    for router in net.routers:
        for iv, queue in enumerate(router.buf):
            if not queue:
                continue
            port, vc = divmod(iv, vcs)
            front = queue[0]
            if front.head and iv in router.va_wait:
                reason = "vc"
            else:
                assert router.credits[router.in_ov[iv]] == 0  # a deadlock: no credit anywhere
                reason = "credit"
            expected[(router.rid, port, vc)] = reason
    graph = wait_for_graph(net)
    assert {node: graph.nodes[node]["reason"] for node in graph.nodes} == expected
    assert any(reason == "vc" for reason in expected.values())  # both kinds of wait occur
    assert any(reason == "credit" for reason in expected.values())
    # the cycle of the report: the four ring inputs (from the anticlockwise neighbour), as listed
    ring_inputs = {(r, net.ctx.port_to[r][(r - 1) % 4]) for r in range(4)}
    cyclic = [(r, p) for r, p, _ in graph.nodes if (r, p) in ring_inputs]
    assert {(r, p) for r, p in cyclic} == ring_inputs


def test_the_report_text_lists_the_cycle_with_valid_ports_and_vcs():
    sim = Simulator(seed=1)
    vcs = 2
    params = router_params("booksim", vcs=vcs, vc_buffer_flits=2)
    net = Network(sim, topologies.ring(4), "test_report_clockwise", params, deadlock_cycles=200)
    for source in range(4):
        for _ in range(6):
            net.interfaces[source].send((source + 3) % 4, 8 * params.flit_width_bits)
    with pytest.raises(DeadlockError) as caught:
        sim.run(cycles=20_000)
    pattern = r"r(\d) in port (\d+) vc (\d+) waits for a (vc|credit|switch)"
    listed = re.findall(pattern, str(caught.value))
    assert listed and "cyclic wait" in str(caught.value)
    for r, p, v, _ in listed:
        router = net.routers[int(r)]
        assert int(v) < vcs and int(p) < router.ports
        assert router.buf[int(p) * vcs + int(v)]  # a listed input VC holds flits
