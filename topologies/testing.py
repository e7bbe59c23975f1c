"""Hypothesis strategies producing random valid topologies, for property tests.

This module imports `hypothesis` (a test dependency); the rest of `topologies` never imports it.

Examples
--------
>>> from hypothesis import given
>>> from topologies import validate_topology
>>> @given(random_topologies())
... def test_valid(graph):
...     assert validate_topology(graph).number_of_nodes() == graph.number_of_nodes()
>>> test_valid()
"""

from __future__ import annotations

import networkx as nx
from hypothesis import strategies as st

from topologies.schema import validate_topology

__all__ = ["random_topologies"]


@st.composite
def random_topologies(
    draw: st.DrawFn,
    min_routers: int = 2,
    max_routers: int = 16,
    max_latency_cycles: int = 3,
    max_terminals: int = 3,
) -> nx.Graph:
    """Validated connected topologies with random links, latencies and terminal counts.

    A random spanning tree (each router joins an earlier one), plus random extra links, under a
    random relabelling; every link gets a latency in ``1..max_latency_cycles``; every router
    ``0..max_terminals`` terminals, with at least one terminal in the graph.

    Parameters
    ----------
    min_routers, max_routers : int
        Bounds on the router count (default 2..16).
    max_latency_cycles : int
        Largest link latency drawn (default 3).
    max_terminals : int
        Most terminals on one router (default 3).
    """
    count = draw(st.integers(min_routers, max_routers))
    order = draw(st.permutations(range(count)))
    edges = {(order[draw(st.integers(0, i - 1))], order[i]) for i in range(1, count)}
    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    if pairs:
        edges |= set(draw(st.lists(st.sampled_from(pairs), max_size=2 * count)))
    graph = nx.Graph(topology="random")
    terminals = draw(st.lists(st.integers(0, max_terminals), min_size=count, max_size=count))
    if sum(terminals) == 0:
        terminals[draw(st.integers(0, count - 1))] = 1
    graph.add_nodes_from((n, {"terminals": t}) for n, t in enumerate(terminals))
    for u, v in edges:
        graph.add_edge(u, v, latency_cycles=draw(st.integers(1, max_latency_cycles)))
    return validate_topology(graph)
