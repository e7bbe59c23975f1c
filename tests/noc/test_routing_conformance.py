"""Conformance of every registered routing policy on every topology it supports, in the network.

Each policy runs on small instances of its topologies far above saturation with multi-flit packets
(wormhole, so blocked packets span routers), then its sources stop and the network drains. The
oracles: the network drains completely (no `DeadlockError` for a policy claiming freedom), every
flit is delivered exactly once and in order (the interfaces and `check_conservation`), every packet
of a minimal policy crosses exactly the shortest-path number of routers (networkx), and the same
seed gives the same numbers.
"""

from __future__ import annotations

import networkx as nx
import pytest

import topologies
from desim.kernel import Simulator
from desim.noc import Network, router_params
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform
from desim.registry import ROUTING

INSTANCES = {
    "mesh": lambda: topologies.mesh(4, 4),
    "cmesh": lambda: topologies.cmesh(2, 3, concentration=2),
    "torus": lambda: topologies.torus(4, 4),
    "ring": lambda: topologies.ring(6),
    "flattened_butterfly": lambda: topologies.flattened_butterfly(3, 3),
    "fat_tree": lambda: topologies.fat_tree(2, 3),
    "htree": lambda: topologies.htree(3),
    "star": lambda: topologies.star(5),
}


def cases() -> list[tuple[str, str]]:
    """Every built-in policy (not those other tests register) on every supported instance."""
    out = []
    builtins = [n for n in ROUTING.names() if ROUTING.get(n).__module__.startswith("desim.")]
    for policy in builtins:
        supported = ROUTING.metadata(policy)["topologies"] or tuple(INSTANCES)
        out += [(policy, topology) for topology in supported if topology in INSTANCES]
    return out


def overload(policy: str, topology: str, seed: int = 7) -> tuple[Network, list[int]]:
    """Run far above saturation with 4-flit packets, stop the sources, drain; return the network
    and the routers crossed by each delivered packet minus its shortest path (minimal: zeros)."""
    sim = Simulator(seed=seed)
    net = Network(
        sim, INSTANCES[topology](), policy, router_params("booksim", vcs=4), deadlock_cycles=500
    )
    shortest = dict(nx.all_pairs_shortest_path_length(net.graph))
    detour: list[int] = []
    net.delivered_hooks.append(
        lambda p: detour.append(p.hops - 1 - shortest[p.source_router][p.dest_router])
    )
    sources = attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.9 / 4), lambda rng: 4)
    sim.run(cycles=1500)
    for source in sources:
        source.stop()
    net.discard_queued()
    sim.run()  # raises DeadlockError if the drain stalls
    return net, detour


@pytest.mark.parametrize(("policy", "topology"), cases())
def test_policy_drains_above_saturation_delivering_every_flit_once(
    policy: str, topology: str
) -> None:
    claims = ROUTING.metadata(policy)
    assert claims["deadlock_free"], "conformance runs only policies that claim deadlock freedom"
    net, detour = overload(policy, topology)
    net.check_conservation()
    assert net.counters.packets_received == net.counters.packets_created > 100
    assert min(detour) >= 0
    if claims["minimal"]:
        assert max(detour) == 0
    elif policy == "valiant":  # the hop oracle does see detours: Valiant's random intermediates
        assert max(detour) > 0


@pytest.mark.parametrize(
    ("policy", "topology"),
    [("xy", "torus"), ("table", "fat_tree"), ("odd_even", "mesh"), ("valiant", "mesh")],
)
def test_same_seed_same_numbers(policy: str, topology: str) -> None:
    first, second = overload(policy, topology), overload(policy, topology)
    assert first[1] == second[1]
    assert first[0].counters.packets_received == second[0].counters.packets_received
    other = overload(policy, topology, seed=8)
    assert other[1] != first[1]


@pytest.mark.parametrize("threshold", [500.0, 1e9])  # caught in the final drain / measured drain
def test_a_livelocking_policy_is_reported_not_a_hang(threshold: float) -> None:
    from desim.kernel.errors import InvariantError
    from desim.noc import NocConfig, simulate
    from desim.noc.routing import Candidate

    def never_arrive(ctx):  # ping-pong between routers 0 and 1, 2 and 3: 0 never reaches 2
        def route(router, in_port, packet):
            partner = router + 1 if router % 2 == 0 else router - 1
            return [Candidate(ctx.port_to[router][partner], 0, ctx.vcs - 1)]

        return route

    config = NocConfig(
        topology="ring",
        topology_args={"n": 4},
        routing=never_arrive,
        injection_rate=0.01,
        sample_period_cycles=100,
        warmup_periods=1,
        max_samples=3,
        latency_threshold_cycles=threshold,
    )
    with pytest.raises(InvariantError, match="livelock"):
        simulate(config)
