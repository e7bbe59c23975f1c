"""Every builder against closed-form counts, degrees and coordinates."""

from __future__ import annotations

import doctest
import importlib
import itertools
import math
import re

import networkx as nx
import pytest

import topologies
from desim.registry import TOPOLOGY
from topologies import (
    TopologyError,
    cmesh,
    fat_tree,
    flattened_butterfly,
    htree,
    mesh,
    ring,
    star,
    torus,
    tree,
)

GRIDS = [(1, 1), (1, 5), (2, 2), (3, 4), (4, 3), (5, 5)]


def ring_edges(k: int) -> int:
    """Edges of a k-router ring without multi-edges."""
    return {1: 0, 2: 1}.get(k, k)


def terminals(graph: nx.Graph) -> int:
    return sum(t for _, t in graph.nodes(data="terminals"))


@pytest.mark.parametrize("rows, cols", GRIDS)
def test_mesh_counts_degrees_and_booksim_numbering(rows: int, cols: int) -> None:
    g = mesh(rows, cols)
    assert g.number_of_nodes() == rows * cols
    assert 2 * g.number_of_edges() == 2 * (rows * (cols - 1) + cols * (rows - 1))
    assert g.graph == {"topology": "mesh", "dims": (cols, rows)}
    for y, x in itertools.product(range(rows), range(cols)):
        node = y * cols + x
        assert g.nodes[node]["coord"] == (x, y)
        expected = {(x + dx, y + dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))}
        expected = {(a, b) for a, b in expected if 0 <= a < cols and 0 <= b < rows}
        assert {g.nodes[n]["coord"] for n in g[node]} == expected
    assert all(d == {"latency_cycles": 1, "wrap": False} for *_, d in g.edges(data=True))


def test_mesh_east_is_plus_one_north_is_plus_cols() -> None:
    g = mesh(4, 5)
    centre = 2 * 5 + 2
    assert g.nodes[centre + 1]["coord"] == (3, 2)  # east: x + 1
    assert g.nodes[centre + 5]["coord"] == (2, 3)  # north: y + 1


@pytest.mark.parametrize("rows, cols", GRIDS + [(2, 3), (3, 2)])
def test_torus_counts_wraps_and_latency(rows: int, cols: int) -> None:
    g = torus(rows, cols, link_latency_cycles=3)
    assert g.number_of_edges() == rows * ring_edges(cols) + cols * ring_edges(rows)
    for u, v, data in g.edges(data=True):
        (xu, yu), (xv, yv) = g.nodes[u]["coord"], g.nodes[v]["coord"]
        span = abs(xu - xv) + abs(yu - yv)
        assert data["wrap"] == (span > 1)
        assert span in (1, cols - 1, rows - 1)
        assert data["latency_cycles"] == 3
    if rows >= 3 and cols >= 3:
        assert all(d == 4 for _, d in g.degree)


def test_torus_defaults_to_booksim_two_cycle_links() -> None:
    assert {d for *_, d in torus(4, 4).edges(data="latency_cycles")} == {2}


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_ring(n: int) -> None:
    g = ring(n, terminals=2)
    assert g.number_of_edges() == ring_edges(n)
    assert [g.nodes[i]["coord"] for i in range(n)] == [(i,) for i in range(n)]
    assert g.graph["dims"] == (n,)
    assert terminals(g) == 2 * n
    assert sum(w for *_, w in g.edges(data="wrap")) == (1 if n >= 3 else 0)


def test_cmesh_is_a_mesh_with_concentration() -> None:
    g = cmesh(3, 4, concentration=4)
    assert nx.utils.edges_equal(g.edges, mesh(3, 4).edges)
    assert terminals(g) == 48 and g.graph["concentration"] == 4


@pytest.mark.parametrize(("concentration", "span"), [(1, 1), (2, 1), (4, 2), (9, 3), (16, 4)])
def test_cmesh_links_take_their_physical_span(concentration: int, span: int) -> None:
    """A router serving a square block of c tiles is sqrt(c) tiles from the next (1 cycle per
    tile, as a mesh link); for c = 4 that is BookSim2's 2-cycle cmesh link (use_noc_latency)."""
    g = cmesh(3, 4, concentration=concentration)
    assert {lat for *_, lat in g.edges(data="latency_cycles")} == {span}
    fixed = cmesh(3, 4, concentration=concentration, link_latency_cycles=5)
    assert {lat for *_, lat in fixed.edges(data="latency_cycles")} == {5}


@pytest.mark.parametrize("rows, cols", GRIDS)
def test_flattened_butterfly_rows_and_columns_all_to_all(rows: int, cols: int) -> None:
    g = flattened_butterfly(rows, cols, concentration=2)
    assert g.number_of_edges() == rows * math.comb(cols, 2) + cols * math.comb(rows, 2)
    for u, v in itertools.combinations(g, 2):
        (xu, yu), (xv, yv) = g.nodes[u]["coord"], g.nodes[v]["coord"]
        assert g.has_edge(u, v) == (xu == xv or yu == yv)
    assert all(d == (rows - 1) + (cols - 1) for _, d in g.degree)
    assert terminals(g) == 2 * rows * cols


@pytest.mark.parametrize("k, n", [(2, 1), (2, 2), (2, 3), (3, 3), (4, 2), (2, 4)])
def test_fat_tree_counts(k: int, n: int) -> None:
    g = fat_tree(k, n)
    width = k ** (n - 1)
    assert g.number_of_nodes() == n * width
    assert g.number_of_edges() == (n - 1) * k**n
    assert terminals(g) == k**n
    for node, level in g.nodes(data="level"):
        assert level == node // width
        assert g.nodes[node]["terminals"] == (k if level == 0 else 0)
        up = sum(g.nodes[m]["level"] == level + 1 for m in g[node])
        down = sum(g.nodes[m]["level"] == level - 1 for m in g[node])
        assert (up, down) == (k if level < n - 1 else 0, k if level > 0 else 0)


@pytest.mark.parametrize("k, n", [(2, 3), (3, 3), (2, 4)])
def test_fat_tree_leaf_distance_is_twice_the_common_ancestor_level(k: int, n: int) -> None:
    g = fat_tree(k, n)
    dist = dict(nx.all_pairs_shortest_path_length(g))
    for a, b in itertools.combinations(range(k ** (n - 1)), 2):
        digits_a = [(a // k**i) % k for i in range(n - 1)]
        digits_b = [(b // k**i) % k for i in range(n - 1)]
        highest = max(i for i in range(n - 1) if digits_a[i] != digits_b[i])
        assert dist[a][b] == 2 * (highest + 1)


@pytest.mark.parametrize("b, d", [(1, 0), (1, 3), (2, 3), (3, 2), (4, 1)])
def test_tree_counts_and_heap_numbering(b: int, d: int) -> None:
    g = tree(b, d)
    count = sum(b**i for i in range(d + 1))
    assert g.number_of_nodes() == count and nx.is_tree(g)
    for node in range(1, count):
        assert g.has_edge((node - 1) // b, node)
    leaves = [n for n, level in g.nodes(data="level") if level == 0]
    assert len(leaves) == b**d
    assert terminals(g) == b**d
    assert terminals(tree(b, d, terminals_at="all")) == count


@pytest.mark.parametrize("levels", [1, 2, 3, 4, 5, 6])
def test_htree_layout(levels: int) -> None:
    g = htree(levels)
    depth = levels - 1
    assert g.number_of_nodes() == 2**levels - 1
    assert nx.utils.edges_equal(g.edges, tree(2, depth).edges)
    leaves = sorted(c for n, c in g.nodes(data="coord") if g.nodes[n]["level"] == 0)
    cols, rows = 2 ** ((depth + 1) // 2), 2 ** (depth // 2)
    assert leaves == sorted((2 * x + 1, 2 * y + 1) for x in range(cols) for y in range(rows))
    assert g.nodes[0]["coord"] == (cols, rows)
    for parent in range(2 ** (levels - 1) - 1):
        (lx, ly), (rx, ry) = (g.nodes[2 * parent + c]["coord"] for c in (1, 2))
        assert g.nodes[parent]["coord"] == ((lx + rx) // 2, (ly + ry) // 2)
        child_depth = (parent + 1).bit_length()
        assert (lx != rx, ly != ry) == ((True, False) if child_depth % 2 else (False, True))


@pytest.mark.parametrize("n", [1, 2, 7])
def test_star(n: int) -> None:
    g = star(n)
    assert g.number_of_nodes() == n + 1 and g.degree[0] == n
    assert g.nodes[0]["terminals"] == 0
    assert all(g.nodes[i]["terminals"] == 1 and g.degree[i] == 1 for i in range(1, n + 1))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: mesh(0, 4), "parameter 'rows' must be an int >= 1, got 0"),
        (lambda: mesh(4, 2.5), "parameter 'cols' must be an int >= 1, got 2.5"),
        (lambda: mesh(2, 2, terminals=0), "parameter 'terminals' must be an int >= 1"),
        (lambda: torus(4, 4, link_latency_cycles=0), "'link_latency_cycles' must be an int >= 1"),
        (lambda: ring(0), "parameter 'n' must be an int >= 1"),
        (lambda: cmesh(2, 2, concentration=0), "parameter 'concentration' must be an int >= 1"),
        (lambda: cmesh(2, 2, link_latency_cycles=0), "'link_latency_cycles' must be an int >= 1"),
        (lambda: flattened_butterfly(2, 2, 0), "parameter 'concentration' must be an int >= 1"),
        (lambda: fat_tree(1, 2), "parameter 'k' must be an int >= 2, got 1"),
        (lambda: fat_tree(2, 0), "parameter 'levels' must be an int >= 1, got 0"),
        (lambda: tree(0, 2), "parameter 'branching' must be an int >= 1"),
        (lambda: tree(2, -1), "parameter 'depth' must be an int >= 0"),
        (lambda: tree(2, 2, "root"), "'terminals_at' must be one of 'leaves', 'all', got 'root'"),
        (lambda: htree(0), "parameter 'levels' must be an int >= 1"),
        (lambda: star(True), "parameter 'n' must be an int >= 1, got True"),
    ],
)
def test_bad_builder_parameters(build, message: str) -> None:
    with pytest.raises(TopologyError, match=re.escape(message)):
        build()


def test_every_builder_registered_with_metadata() -> None:
    expected = {
        "mesh",
        "torus",
        "ring",
        "cmesh",
        "flattened_butterfly",
        "fat_tree",
        "tree",
        "htree",
        "star",
        "from_file",
    }
    assert expected <= set(TOPOLOGY.names())
    for name in expected:
        assert TOPOLOGY.get(name) is getattr(topologies, name)
        assert "params" in TOPOLOGY.metadata(name) and "reference" in TOPOLOGY.metadata(name)
    assert TOPOLOGY.metadata("mesh")["params"] == ("rows", "cols", "terminals")
    assert TOPOLOGY.metadata("mesh")["coords"] is True
    assert TOPOLOGY.metadata("fat_tree")["coords"] is False


@pytest.mark.parametrize(
    "module",
    [
        "topologies",
        "desim.topology",
        "topologies.grids",
        "topologies.trees",
        "topologies.files",
        "topologies.metrics",
        "topologies.testing",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
