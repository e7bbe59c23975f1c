"""validate_topology: every failure kind names what is wrong; valid graphs come back normalised."""

from __future__ import annotations

import re
from collections.abc import Callable

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from desim.kernel.errors import ConfigError
from topologies import TopologyError, hop_distance, terminal_router, validate_topology
from topologies.testing import random_topologies


def path(n: int = 3, **node_attrs: object) -> nx.Graph:
    g = nx.path_graph(n)
    nx.set_node_attributes(g, 1, "terminals")
    for key, value in node_attrs.items():
        nx.set_node_attributes(g, value, key)
    return g


def edit(change: Callable[[nx.Graph], object]) -> nx.Graph:
    g = path()
    change(g)
    return g


def with_coords(*coords: object) -> nx.Graph:
    g = path(len(coords))
    for node, coord in enumerate(coords):
        if coord is not None:
            g.nodes[node]["coord"] = coord
    return g


CASES = [
    (nx.DiGraph(path()), "must be an undirected networkx.Graph"),
    (nx.MultiGraph(path()), "must be an undirected networkx.Graph"),
    ("not a graph", "must be an undirected networkx.Graph"),
    (nx.Graph(), "the graph has no routers"),
    (
        nx.relabel_nodes(path(), {0: "a"}),
        "node ids must be the ints 0..R-1 (R = 3, contiguous); offending ids: ['a']",
    ),
    (
        nx.relabel_nodes(path(), {0: 3}),
        "node ids must be the ints 0..R-1 (R = 3, contiguous); offending ids: [3]",
    ),
    (edit(lambda g: g.add_edge(1, 1)), "edge (1, 1) is a self-loop"),
    (edit(lambda g: g.remove_edge(1, 2)), "graph is not connected: components {0, 1} and {2}"),
    (edit(lambda g: g.nodes[2].pop("terminals")), "node 2: attribute 'terminals' is missing"),
    (path(terminals=-1), "node 0: attribute 'terminals' must be an int >= 0, got -1"),
    (path(terminals=True), "node 0: attribute 'terminals' must be an int >= 0, got True"),
    (path(terminals=1.5), "node 0: attribute 'terminals' must be an int >= 0, got 1.5"),
    (path(terminals=0), "no router has a terminal"),
    (
        edit(lambda g: g.edges[0, 1].update(latency_cycles=0)),
        "edge (0, 1): attribute 'latency_cycles' must be an int >= 1, got 0",
    ),
    (
        edit(lambda g: g.edges[1, 2].update(width_bits="64")),
        "edge (1, 2): attribute 'width_bits' must be an int >= 1, got '64'",
    ),
    (
        edit(lambda g: g.edges[0, 1].update(wrap=1)),
        "edge (0, 1): attribute 'wrap' must be a bool, got 1",
    ),
    (edit(lambda g: g.graph.update(topology=3)), "graph attribute 'topology' must be a str, got 3"),
    (
        edit(lambda g: g.graph.update(concentration=0)),
        "graph attribute 'concentration' must be an int >= 1",
    ),
    (
        with_coords((0,), "1", (2,)),
        "node 1: attribute 'coord' must be a non-empty tuple of ints, got '1'",
    ),
    (
        with_coords((0, 0), None, (2, 0)),
        "attribute 'coord' is missing on nodes [1]; give it on every node or none",
    ),
    (with_coords((0, 0), (1,), (2, 0)), "node coords have mixed lengths [1, 2]"),
    (with_coords((0, 0), (1, 0), (0, 0)), "coord (0, 0) is used by nodes 0 and 2"),
    (
        edit(lambda g: g.graph.update(dims=(3,))),
        "graph attribute 'dims' is given but no node has a 'coord'",
    ),
]


@pytest.mark.parametrize("graph, message", CASES)
def test_each_violation_is_named(graph: object, message: str) -> None:
    with pytest.raises(TopologyError, match=re.escape(message)):
        validate_topology(graph)  # type: ignore[arg-type]


def test_coords_outside_dims() -> None:
    g = with_coords((0,), (1,), (3,))
    g.graph["dims"] = (3,)
    with pytest.raises(TopologyError, match=re.escape("node 2: coord (3,) lies outside dims (3,)")):
        validate_topology(g)


def test_many_components_are_summarised() -> None:
    g = nx.empty_graph(6)
    nx.set_node_attributes(g, 1, "terminals")
    with pytest.raises(TopologyError, match=re.escape("{3} (and 2 more)")):
        validate_topology(g)


def test_topology_error_is_a_config_error() -> None:
    assert issubclass(TopologyError, ConfigError) and issubclass(TopologyError, ValueError)


def test_normalised_copy_fills_defaults_and_leaves_the_input_alone() -> None:
    g = nx.Graph()
    g.add_edge(np.int64(1), np.int64(0), width_bits=np.int32(32), note="x")
    g.add_node(0, terminals=np.int64(2), coord=[0, 0])
    g.add_node(1, terminals=0, coord=[1, 0])
    v = validate_topology(g)
    assert v is not g and "latency_cycles" not in g.edges[0, 1]
    assert v.graph == {"topology": "custom"}
    assert v.edges[0, 1] == {"latency_cycles": 1, "wrap": False, "width_bits": 32, "note": "x"}
    assert type(v.edges[0, 1]["width_bits"]) is int
    assert v.nodes[0] == {"terminals": 2, "coord": (0, 0)} and type(v.nodes[0]["terminals"]) is int
    assert list(v) == [0, 1] and all(type(n) is int for n in v)


def test_single_router_is_valid() -> None:
    g = nx.Graph()
    g.add_node(0, terminals=4)
    assert terminal_router(validate_topology(g)) == [0, 0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(random_topologies())
def test_random_topologies_are_valid_and_idempotent(g: nx.Graph) -> None:
    assert 2 <= g.number_of_nodes() <= 16 and nx.is_connected(g)
    assert {lat for *_, lat in g.edges(data="latency_cycles")} <= {1, 2, 3}
    routers = terminal_router(g)
    assert len(routers) >= 1 and routers == sorted(routers)
    again = validate_topology(g)
    assert dict(again.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(again.edges(data=True)) == sorted(g.edges(data=True))
    oracle = dict(nx.all_pairs_shortest_path_length(g))
    hops = hop_distance(g)
    assert all(hops[a, b] == oracle[a][b] for a in g for b in g)
