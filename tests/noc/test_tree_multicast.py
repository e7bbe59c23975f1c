"""In-router (``tree``) multicast: delivery, conservation, cost and deadlock freedom."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

import topologies
from desim.kernel import ConfigError, Simulator
from desim.noc import Network, router_params
from desim.noc.flit import Flit
from desim.noc.routing import RoutingContext
from desim.noc.routing.analysis import channel_dependency_graph, tree_channel_dependencies
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform

K = 8
FLITS = 8  # 1024 bits of 128-bit flits


def tree_network(k: int = K, seed: int = 1, **params: object) -> tuple[Simulator, Network]:
    sim = Simulator(seed=seed)
    net = Network(
        sim, topologies.mesh(k, k), "xy", router_params("booksim", **params), multicast="tree"
    )
    return sim, net


def record_arrivals(net: Network) -> dict[int, list[tuple[int, int]]]:
    """Every flit reaching each terminal, as (pid, flit index), recorded on the ejection link
    itself (independently of the interfaces' own checks)."""
    arrivals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ni in net.interfaces:
        router = net.routers[ni.router]
        receiver, port, delay = router.downstream[ni.port]  # the interface (see Engine.post)

        def record(p: int, flit: Flit, tid: int = ni.tid, receiver=receiver) -> None:  # type: ignore[no-untyped-def]
            arrivals[tid].append((flit.packet.pid, flit.index))
            receiver.receive_flit(p, flit)

        router.downstream[ni.port] = (record, port, delay)
    return arrivals


def xy_routers(k: int, source: int, dest: int) -> list[int]:
    """The routers of the XY path from ``source`` to ``dest`` on a k x k mesh."""
    (x, y), (dx, dy) = divmod(source, k)[::-1], divmod(dest, k)[::-1]
    path = [source]
    while (x, y) != (dx, dy):
        if x != dx:
            x += 1 if dx > x else -1
        else:
            y += 1 if dy > y else -1
        path.append(y * k + x)
    return path


def zero_load_latency(k: int, source: int, dest: int, flits: int) -> int:
    """BookSim's zero-load latency (6 + 4 hops) plus the serialisation of the body flits."""
    return 6 + 4 * (len(xy_routers(k, source, dest)) - 1) + flits - 1


@pytest.mark.parametrize("source", [0, 27, 63])
def test_broadcast_delivers_every_flit_once_to_every_destination(source: int) -> None:
    sim, net = tree_network()
    arrivals = record_arrivals(net)
    done = net.interfaces[source].send(range(64), 1024, payload="weights")
    sim.run()
    assert done.triggered and done.value == "weights"
    (pid,) = {pid for got in arrivals.values() for pid, _ in got}
    assert {t: got for t, got in arrivals.items()} == {
        t: [(pid, i) for i in range(FLITS)] for t in range(64)
    }
    net.check_conservation()
    c = net.counters
    assert c.flits_injected == FLITS and c.flits_ejected == 64 * FLITS
    assert c.packets_created == c.packets_received == 1


def test_every_destination_receives_the_packet_with_its_payload() -> None:
    sim, net = tree_network(k=4)
    payload = {"weights": np.arange(8)}
    got: dict[int, object] = {}

    def sink(t: int):  # type: ignore[no-untyped-def]
        packet = yield net.interfaces[t].receive()
        got[t] = (packet.dest, packet.source, packet.payload, packet.received)

    dests = [3, 5, 6, 12, 15]
    for t in dests:
        sim.env.process(sink(t))
    done = net.interfaces[9].send(dests, 700, payload=payload)
    sim.run()
    assert done.triggered and done.value is payload
    assert sorted(got) == dests
    for t in dests:
        dest, source, received_payload, received = got[t]
        assert (dest, source) == (t, 9) and received_payload is payload
        assert received == zero_load_latency(4, 9, t, 6)


def test_a_subset_with_the_source_among_the_destinations() -> None:
    sim, net = tree_network()
    arrivals = record_arrivals(net)
    dests = [9, 3, 40, 41, 63, 3]
    done = net.interfaces[9].send(dests, 256, payload="x")
    sim.run()
    assert done.triggered
    assert sorted(arrivals) == [3, 9, 40, 41, 63]
    assert all(got == [(0, 0), (0, 1)] for got in arrivals.values())
    net.check_conservation()


CASES = [
    (0, range(64)),
    (27, range(64)),
    (9, [9, 3, 40, 41, 63]),
    (63, [0, 7, 56]),
    (12, [13, 14, 15]),
    (35, [3, 35, 59, 32, 39]),
]


@pytest.mark.parametrize(("source", "dests"), CASES)
def test_flit_hops_and_links_equal_the_xy_tree(source: int, dests: range | list[int]) -> None:
    sim, net = tree_network()
    net.interfaces[source].send(dests, 1024)
    sim.run()
    routers = {r for d in dests for r in xy_routers(K, source, d)}
    assert net.flit_hops == len(routers) * FLITS
    assert net.link_traversals == (len(routers) - 1) * FLITS
    assert net.ejections == len(set(dests)) * FLITS
    assert net.traversals()["router_traversals"] == net.flit_hops


@pytest.mark.parametrize(("source", "dests"), CASES)
def test_zero_load_completion_is_the_farthest_destinations_latency(
    source: int, dests: range | list[int]
) -> None:
    sim, net = tree_network()
    received: dict[int, int] = {}
    net.delivered_hooks.append(lambda p: received.setdefault(p.dest, p.received))
    done = net.interfaces[source].send(dests, 1024)
    sim.run()
    assert done.triggered
    assert received == {d: zero_load_latency(K, source, d, FLITS) for d in dests}
    assert sim.now == max(received.values())


def test_concurrent_multicasts_under_unicast_load_deliver_without_deadlock() -> None:
    sim, net = tree_network(seed=3)
    arrivals = record_arrivals(net)
    attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.05), lambda rng: 4)
    rng = np.random.default_rng(5)
    sends = []

    def multicaster(source: int):  # type: ignore[no-untyped-def]
        for _ in range(6):
            yield sim.env.timeout(int(rng.integers(1, 40)))
            dests = rng.choice(64, size=int(rng.integers(2, 64)), replace=False)
            flits = int(rng.integers(1, FLITS + 1))
            sends.append((net.interfaces[source].send(dests, 128 * flits), set(dests.tolist())))

    for source in range(0, 64, 5):
        sim.env.process(multicaster(source))
    sim.run(cycles=1500)
    assert len(sends) == 13 * 6
    assert all(done.triggered for done, _ in sends)
    for got in arrivals.values():  # every packet's flits once, in order, per destination
        per_packet: dict[int, list[int]] = defaultdict(list)
        for pid, index in got:
            per_packet[pid].append(index)
        assert all(indices == list(range(len(indices))) for indices in per_packet.values())
    assert net.counters.flits_replicated > 0


def test_every_router_broadcasting_at_once_beyond_saturation_drains() -> None:
    sim, net = tree_network(k=4, seed=2)
    sources = attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.1), lambda rng: 8)
    sim.run(cycles=200)
    sends = [ni.send(range(16), 1024) for ni in net.interfaces for _ in range(3)]
    sim.run(cycles=300)
    assert isinstance(net.wait_for_graph(), nx.DiGraph)  # (forks included)
    for source in sources:
        source.stop()
    sim.run()  # a deadlock would raise DeadlockError
    assert all(done.triggered for done in sends)
    net.check_conservation()


def test_wait_for_tail_credit_and_single_flit_multicasts() -> None:
    sim, net = tree_network(k=4, wait_for_tail_credit=True)
    sends = [ni.send(range(16), 100) for ni in net.interfaces]
    sim.run()
    assert all(done.triggered for done in sends)
    net.check_conservation()
    assert (net.link_traversals, net.ejections) == (16 * 15, 16 * 16)
    # a flit whose branches won their output ports in different cycles crossed the switch more
    # than once
    assert 16 * 16 <= net.flit_hops <= net.link_traversals + net.ejections


@pytest.mark.parametrize("policy", ["xy", "yx"])
def test_tree_channel_dependencies_are_acyclic_and_unicast_dependencies(policy: str) -> None:
    ctx = RoutingContext.from_graph(topologies.mesh(4, 4), 2, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    sends = [(s, range(16)) for s in range(16)]
    sends += [(int(s), rng.choice(16, size=5, replace=False).tolist()) for s in range(16)]
    tree = tree_channel_dependencies(ctx, policy, sends)
    unicast = channel_dependency_graph(ctx, policy)
    assert tree.number_of_edges() > 0
    assert set(tree.edges) <= set(unicast.edges)
    assert nx.is_directed_acyclic_graph(nx.compose(unicast, tree))


@pytest.mark.parametrize(
    ("topology", "routing"),
    [("torus", "xy"), ("mesh", "odd_even"), ("mesh", "table"), ("ring", "xy")],
)
def test_tree_is_refused_where_it_is_not_defined(topology: str, routing: str) -> None:
    graph = topologies.ring(6) if topology == "ring" else getattr(topologies, topology)(4, 4)
    expected = f"multicast 'tree' is not defined for routing '{routing}'"
    with pytest.raises(ConfigError, match=expected):
        Network(Simulator(), graph, routing, router_params("booksim"), multicast="tree")


def test_a_multicast_larger_than_a_vc_buffer_is_refused() -> None:
    sim, net = tree_network(k=4)
    with pytest.raises(ConfigError, match="9 flits: send at most 1024 bits per multicast"):
        net.interfaces[0].send([1, 2], 1025)


def test_unicasts_and_umesh_are_unchanged_by_the_tree_scheme() -> None:
    results = []
    for scheme in ("umesh", "tree"):
        sim = Simulator(seed=4)
        net = Network(sim, topologies.mesh(4, 4), "xy", router_params("booksim"), multicast=scheme)
        attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.3), lambda rng: 3)
        sim.run(cycles=800)
        results.append((net.flit_hops, net.counters.packets_received, sim.now))
    assert results[0] == results[1]


def test_cmesh_replicates_to_every_terminal_of_a_router() -> None:
    sim = Simulator(seed=1)
    graph = topologies.cmesh(3, 3, concentration=4)
    net = Network(sim, graph, "yx", router_params("booksim"), multicast="tree")
    arrivals = record_arrivals(net)
    done = net.interfaces[17].send(range(36), 512)
    sim.run()
    assert done.triggered
    assert {t: got for t, got in arrivals.items()} == {
        t: [(0, i) for i in range(4)] for t in range(36)
    }
    assert net.flit_hops == 9 * 4 and net.ejections == 36 * 4
    net.check_conservation()
