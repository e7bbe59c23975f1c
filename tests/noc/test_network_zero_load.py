"""Zero-load latency against its analytic value, on every topology builder and on random graphs.

A packet alone in the network takes, from creation to the arrival of its tail,

    injection + ejection + R * (routing + VC alloc + switch alloc + switch traversal)
    + (sum of the latencies of the links it crosses) + (flits - 1)

cycles, R being the routers it crosses (inter-router hops + 1). With the ``booksim`` preset on
unit-latency links that is BookSim's ``6 + 4 D`` (docs/noc.md, "Presets"). The expected value is
computed here from the parameters and the graph, not from the simulator; the path is the one the
routing policy chose (recorded), checked to be a walk of the graph and, for minimal routing, a
shortest path by networkx.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import topologies
from desim.noc import RouterParams, router_params
from topologies.testing import random_topologies

BUILDERS = {
    "mesh": (lambda: topologies.mesh(rows=3, cols=4), "xy"),
    "cmesh": (lambda: topologies.cmesh(rows=2, cols=3, concentration=2), "xy"),
    "torus": (lambda: topologies.torus(rows=3, cols=4), "table"),
    "ring": (lambda: topologies.ring(5, link_latency_cycles=2), "table"),
    "flattened_butterfly": (
        lambda: topologies.flattened_butterfly(rows=2, cols=3, concentration=2),
        "table",
    ),
    "fat_tree": (lambda: topologies.fat_tree(2, 3), "table"),
    "tree": (lambda: topologies.tree(2, 2, terminals_at="all"), "table"),
    "htree": (lambda: topologies.htree(2), "table"),
    "star": (lambda: topologies.star(4), "table"),
}
UNUSUAL = RouterParams(
    routing_delay_cycles=1,
    vc_alloc_delay_cycles=2,
    sw_alloc_delay_cycles=1,
    st_delay_cycles=2,
    injection_latency_cycles=3,
    ejection_latency_cycles=2,
    credit_delay_cycles=1,
)


def link_cycles(graph: nx.Graph, path: list[int]) -> int:
    """Sum of the latencies of the links between consecutive routers of ``path``."""
    return sum(
        graph.edges[u, v].get("latency_cycles", 1) for u, v in zip(path, path[1:], strict=False)
    )


def expected_latency(graph: nx.Graph, params: RouterParams, path: list[int], flits: int) -> int:
    """The analytic zero-load latency of a packet crossing the routers ``path``."""
    per_router = (
        params.routing_delay_cycles
        + params.vc_alloc_delay_cycles
        + params.sw_alloc_delay_cycles
        + params.st_delay_cycles
    )
    return (
        params.injection_latency_cycles
        + params.ejection_latency_cycles
        + len(path) * per_router
        + link_cycles(graph, path)
        + flits
        - 1
    )


def all_pairs(graph: nx.Graph, limit: int, seed: int = 0) -> list[tuple[int, int]]:
    """Every (source, dest) terminal pair, or ``limit`` of them drawn at random."""
    terminals = sum(t for _, t in graph.nodes(data="terminals"))
    pairs = [(s, d) for s in range(terminals) for d in range(terminals)]
    if len(pairs) <= limit:
        return pairs
    chosen = np.random.default_rng(seed).choice(len(pairs), size=limit, replace=False)
    return [pairs[i] for i in sorted(chosen)]


def check_zero_load(
    probe, graph: nx.Graph, policy: str, params: RouterParams, minimal: bool, limit: int = 150
) -> None:
    sends = [(s, d, 1 + (s + d) % 3) for s, d in all_pairs(graph, limit)]
    harness = probe(graph, policy, params)
    received = harness.one_at_a_time(sends)
    assert [(p.source, p.dest, p.flits) for p in received] == sends
    for packet in received:
        path = harness.path(packet)
        assert path[0] == packet.source_router
        assert all(graph.has_edge(u, v) for u, v in zip(path, path[1:], strict=False)), path
        assert packet.hops == len(path)
        if minimal:
            assert len(path) - 1 == nx.shortest_path_length(graph, path[0], path[-1])
            assert link_cycles(graph, path) == nx.shortest_path_length(
                graph, path[0], path[-1], weight="latency_cycles"
            )
        expected = expected_latency(graph, params, path, packet.flits)
        assert packet.received - packet.created == expected, (packet, path)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_zero_load_latency_on_every_builder(probe, name: str) -> None:
    build, policy = BUILDERS[name]
    graph = build()
    minimal = policy == "xy" or nx.is_tree(graph)  # up*/down* is minimal on trees
    check_zero_load(probe, graph, policy, router_params("booksim"), minimal)


def test_every_registered_builder_is_covered() -> None:
    from desim.registry import TOPOLOGY

    assert set(TOPOLOGY.names()) - {"from_file"} <= set(BUILDERS)


@pytest.mark.parametrize("name", ["mesh", "fat_tree"])
def test_zero_load_latency_with_other_pipeline_delays(probe, name: str) -> None:
    build, policy = BUILDERS[name]
    check_zero_load(probe, build(), policy, UNUSUAL, minimal=True, limit=60)


def test_booksim_preset_gives_6_plus_4d(probe) -> None:
    graph = topologies.mesh(rows=4, cols=4)
    harness = probe(graph, "xy")
    sends = [(s, d, 1) for s, d in all_pairs(graph, 256)]
    received = harness.one_at_a_time(sends)
    distance = topologies.hop_distance(graph)
    hops = [distance[p.source_router, p.dest_router] for p in received]
    assert [p.received - p.created for p in received] == [6 + 4 * d for d in hops]
    # the average over uniform traffic on 8x8 is BookSim's 27.0 (D = 5.25): 4x4 has D = 2.5
    assert np.mean([p.received - p.created for p in received]) == pytest.approx(6 + 4 * 2.5)


def test_latency_counts_from_the_send_after_an_idle_network(probe) -> None:
    """A packet sent after the network has been idle is created at the sender's time."""
    harness = probe(topologies.mesh(rows=2, cols=2), "xy")
    received = harness.one_at_a_time([(0, 3, 1)] * 3, gap_cycles=40)
    assert [p.received - p.created for p in received] == [6 + 4 * 2] * 3
    assert [p.created for p in received] == [40, 40 * 2 + 14, 40 * 3 + 14 * 2]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(graph=random_topologies(max_routers=10))
def test_zero_load_latency_on_random_graphs(probe, graph: nx.Graph) -> None:
    check_zero_load(
        probe, graph, "table", router_params("booksim"), minimal=nx.is_tree(graph), limit=40
    )
