"""from_file: GraphML and edge-list round trips, relabelling, and malformed files."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from topologies import (
    TopologyError,
    fat_tree,
    from_file,
    htree,
    mesh,
    star,
    torus,
    write_graphml,
)
from topologies.testing import random_topologies


def same(a: nx.Graph, b: nx.Graph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(data=True)) == sorted(b.edges(data=True))
    assert {k: v for k, v in a.graph.items() if k != "source"} == {
        k: v for k, v in b.graph.items() if k != "source"
    }


@pytest.mark.parametrize("graph", [mesh(3, 4), torus(3, 3), htree(4), fat_tree(2, 3), star(5)])
def test_graphml_round_trip(graph: nx.Graph, tmp_path: Path) -> None:
    path = tmp_path / "t.graphml"
    write_graphml(graph, path)
    loaded = from_file(path)
    same(loaded, graph)
    assert loaded.graph["source"] == str(path)


@pytest.mark.parametrize("graph", [fat_tree(3, 2), star(4)])
def test_graphml_written_by_networkx(graph: nx.Graph, tmp_path: Path) -> None:
    path = tmp_path / "nx.graphml"
    nx.write_graphml(graph, path)
    same(from_file(path), graph)


def test_edge_list_written_by_networkx(tmp_path: Path) -> None:
    graph = torus(3, 4, link_latency_cycles=3)
    path = tmp_path / "t.edges"
    nx.write_edgelist(graph, path, data=["latency_cycles"])
    loaded = from_file(path)
    assert sorted(loaded.edges(data="latency_cycles")) == sorted(graph.edges(data="latency_cycles"))
    assert all(t == 1 for _, t in loaded.nodes(data="terminals"))
    assert loaded.graph["topology"] == "from_file"


def test_edge_list_labels_comments_and_lone_routers(tmp_path: Path) -> None:
    path = tmp_path / "named.txt"
    path.write_text("# core\nhub  east 2   # a slow link\n\nhub west\nwest\n")
    g = from_file(path)
    assert [g.nodes[n]["label"] for n in g] == ["hub", "east", "west"]
    assert g.edges[0, 1]["latency_cycles"] == 2 and g.edges[0, 2]["latency_cycles"] == 1


def test_integer_ids_are_sorted_numerically(tmp_path: Path) -> None:
    path = tmp_path / "ints.txt"
    path.write_text("10 2\n2 1\n")
    g = from_file(path)
    assert sorted(g.edges) == [(0, 1), (1, 2)]
    assert [g.nodes[n]["label"] for n in g] == ["1", "2", "10"]


def test_graphml_string_attributes_are_coerced(tmp_path: Path) -> None:
    g = nx.Graph(topology="mine", dims="2,1")
    g.add_node("a", terminals="3", coord="(0, 0)")
    g.add_node("b", coord="1,0")
    g.add_edge("a", "b", latency_cycles=2.0, wrap="false")
    path = tmp_path / "s.graphml"
    nx.write_graphml(g, path)
    loaded = from_file(path)
    assert loaded.nodes[0] == {"terminals": 3, "coord": (0, 0), "label": "a"}
    assert loaded.nodes[1]["terminals"] == 1
    assert loaded.edges[0, 1] == {"latency_cycles": 2, "wrap": False}
    assert loaded.graph["dims"] == (2, 1) and loaded.graph["topology"] == "mine"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(random_topologies())
def test_random_graphml_round_trip(tmp_path: Path, graph: nx.Graph) -> None:
    path = tmp_path / "r.graphml"
    write_graphml(graph, path)
    same(from_file(path), graph)


BAD_EDGE_LISTS = [
    ("", "no routers"),
    ("# only a comment\n", "no routers"),
    ("0 1\n0 1 2 3\n", "line 2: expected 'u v [latency_cycles]', got '0 1 2 3'"),
    ("0 1 fast\n", "line 1: latency must be an int >= 1, got 'fast'"),
    ("0 1 0\n", "line 1: latency must be an int >= 1, got '0'"),
    ("0 1\n1 0\n", "line 2: link 1 0 is listed twice"),
    ("0 0\n", "line 1: link 0 0 is a self-loop"),
    ("0 1\n2 3\n", "graph is not connected: components {0, 1} and {2, 3}"),
]


@pytest.mark.parametrize("text, message", BAD_EDGE_LISTS)
def test_malformed_edge_list(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(TopologyError, match=re.escape(str(path))) as info:
        from_file(path)
    assert message in str(info.value)
    chained = info.value.__cause__ or (
        not info.value.__suppress_context__ and info.value.__context__
    )
    assert not chained


def test_malformed_graphml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph><node id='a'>")
    with pytest.raises(TopologyError, match=f"{re.escape(str(broken))}: not valid GraphML"):
        from_file(broken)


def test_directed_graphml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.graphml"
    nx.write_graphml(nx.DiGraph([(0, 1)]), path)
    with pytest.raises(TopologyError, match="the graph is directed"):
        from_file(path)


def test_graphml_schema_violation_names_file_and_node(tmp_path: Path) -> None:
    g = nx.path_graph(2)
    g.nodes[1]["terminals"] = -2
    path = tmp_path / "neg.graphml"
    nx.write_graphml(g, path)
    with pytest.raises(TopologyError, match=re.escape(f"{path}: node 1: attribute 'terminals'")):
        from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="cannot read topology file .*nope.txt"):
        from_file(tmp_path / "nope.txt")


def test_graphml_key_defaults_apply(tmp_path: Path) -> None:
    path = tmp_path / "defaults.graphml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="t" for="node" attr.name="terminals" attr.type="int"><default>2</default></key>'
        '<key id="l" for="edge" attr.name="latency_cycles" attr.type="int">'
        "<default>3</default></key>"
        '<graph edgedefault="undirected"><node id="a"/><node id="b"><data key="t">0</data></node>'
        '<edge source="a" target="b"/></graph></graphml>'
    )
    g = from_file(path)
    assert [g.nodes[n]["terminals"] for n in g] == [2, 0]
    assert g.edges[0, 1]["latency_cycles"] == 3


def test_graphml_with_a_byte_order_mark_is_read_as_graphml(tmp_path) -> None:
    path = tmp_path / "net.graphml"
    write_graphml(mesh(2, 3), path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    graph = from_file(path)
    assert graph.graph["topology"] == "mesh" and graph.number_of_nodes() == 6
