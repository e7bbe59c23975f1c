"""Tree-like topologies: k-ary n-tree (fat tree), complete tree, H-tree, star.

Tree routers carry the builder-specific node attribute ``level``: 0 on the leaf level, growing by
one per level towards the root(s), so "up" means a higher ``level`` (what up*/down* routing needs).

References
----------
.. [1] C. E. Leiserson, "Fat-trees: universal networks for hardware-efficient supercomputing",
   IEEE Trans. Computers C-34(10), 1985.
.. [2] F. Petrini and M. Vanneschi, "k-ary n-trees: high performance networks for massively
   parallel architectures", IPPS 1997.
.. [3] C. E. Leiserson, "Area-efficient graph layouts (for VLSI)", FOCS 1980 (the H-tree layout
   of complete binary trees).
"""

from __future__ import annotations

from typing import Literal

import networkx as nx

from topologies.schema import TopologyError, builder, check_int, validate_topology

__all__ = ["fat_tree", "tree", "htree", "star"]

TERMINALS_AT = ("leaves", "all")


@builder("fat_tree", coords=False, reference="Leiserson 1985; Petrini & Vanneschi 1997")
def fat_tree(k: int, levels: int) -> nx.Graph:
    """A k-ary n-tree (``n = levels``): ``levels`` levels of ``k**(levels-1)`` switches each.

    Switch ``w`` of level ``l`` (``l = 0`` at the leaves) has id ``l * k**(levels-1) + w``.
    Write ``w`` in base ``k`` with ``levels - 1`` digits: switches ``(w, l)`` and ``(w', l + 1)``
    are linked when ``w`` and ``w'`` agree on every digit except digit ``l``. Each leaf switch
    serves ``k`` terminals (``k**levels`` in all); every switch below the top has ``k`` up-links,
    every switch above the leaves ``k`` down-links: ``(levels - 1) * k**levels`` links.

    Parameters
    ----------
    k : int
        Arity: terminals per leaf switch and links up and down per switch (>= 2).
    levels : int
        Switch levels ``n`` (>= 1; 1 is a single switch).

    References
    ----------
    F. Petrini and M. Vanneschi, "k-ary n-trees", IPPS 1997; C. E. Leiserson, "Fat-trees", 1985.

    Examples
    --------
    >>> g = fat_tree(2, 3)
    >>> g.number_of_nodes(), g.number_of_edges(), g.nodes[0]["terminals"], g.nodes[8]["level"]
    (12, 16, 2, 2)
    """
    k = check_int("parameter 'k'", k, 2)
    levels = check_int("parameter 'levels'", levels, 1)
    width = k ** (levels - 1)
    graph = nx.Graph(topology="fat_tree", k=k, levels=levels)
    for level in range(levels):
        for w in range(width):
            graph.add_node(level * width + w, terminals=k if level == 0 else 0, level=level)
    for level in range(levels - 1):
        stride = k**level
        for w in range(width):
            base = w - (w // stride) % k * stride  # w with digit `level` cleared
            for digit in range(k):
                graph.add_edge(level * width + w, (level + 1) * width + base + digit * stride)
    return validate_topology(graph)


def _check_terminals_at(terminals_at: str) -> None:
    if terminals_at not in TERMINALS_AT:
        raise TopologyError(
            f"parameter 'terminals_at' must be one of {', '.join(map(repr, TERMINALS_AT))}, "
            f"got {terminals_at!r}"
        )


def _complete_tree(name: str, branching: int, depth: int, terminals_at: str) -> nx.Graph:
    """Heap-numbered complete tree: root 0, children of ``i`` are ``b*i+1 .. b*i+b``."""
    graph = nx.Graph(topology=name, branching=branching, depth=depth)
    first, size = 0, 1  # first id and router count of the current depth
    for d in range(depth + 1):
        for node in range(first, first + size):
            on = terminals_at == "all" or d == depth
            graph.add_node(node, terminals=int(on), level=depth - d)
            if d:
                graph.add_edge((node - 1) // branching, node)
        first, size = first + size, size * branching
    return graph


@builder("tree", coords=False, reference="Dally & Towles 2004")
def tree(branching: int, depth: int, terminals_at: Literal["leaves", "all"] = "leaves") -> nx.Graph:
    """A complete ``branching``-ary tree of depth ``depth``, numbered breadth-first.

    Router 0 is the root; the children of router ``i`` are ``branching*i + 1 .. branching*i +
    branching``. There are ``sum(branching**d for d in 0..depth)`` routers and one link fewer.

    Parameters
    ----------
    branching : int
        Children per inner router (>= 1).
    depth : int
        Links from the root to a leaf (>= 0; 0 is a single router).
    terminals_at : {'leaves', 'all'}
        One terminal on each leaf, or one on every router.

    References
    ----------
    W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004.

    Examples
    --------
    >>> g = tree(3, 2)
    >>> g.number_of_nodes(), sorted(g[1]), sum(t for _, t in g.nodes(data="terminals"))
    (13, [0, 4, 5, 6], 9)
    """
    branching = check_int("parameter 'branching'", branching, 1)
    depth = check_int("parameter 'depth'", depth, 0)
    _check_terminals_at(terminals_at)
    return validate_topology(_complete_tree("tree", branching, depth, terminals_at))


def _htree_coord(node: int, depth: int) -> tuple[int, int]:
    """H-tree position of heap node ``node`` of a binary tree of ``depth``, in half-leaf pitches.

    Branching alternates x (odd steps) and y (even steps). A node sits at the centre of the box of
    leaf cells below it: ``2 * lo + size`` per axis, so leaves are at odd coordinates.
    """
    d = (node + 1).bit_length() - 1  # depth of the node
    path = node + 1 - (1 << d)  # its left/right choices, first choice most significant
    coord = []
    for axis, axis_depth in ((0, (depth + 1) // 2), (1, depth // 2)):
        bits = [(path >> (d - 1 - step)) & 1 for step in range(d) if step % 2 == axis]
        prefix = int("".join(map(str, bits)) or "0", 2)
        size = 1 << (axis_depth - len(bits))
        coord.append(2 * prefix * size + size)
    return coord[0], coord[1]


@builder("htree", coords=True, reference="Leiserson, FOCS 1980")
def htree(levels: int, terminals_at: Literal["leaves", "all"] = "leaves") -> nx.Graph:
    """A complete binary tree of ``levels`` router levels, laid out as an H-tree.

    Numbered like `tree` (``tree(2, levels - 1)``). Each router's ``coord`` is ``(x, y)`` on the
    H-tree drawing: the ``2**(levels-1)`` leaves form a grid of ``2**ceil((levels-1)/2)`` by
    ``2**floor((levels-1)/2)`` cells, branching alternates along x and y, every router sits at the
    centre of the cells below it. Units are half a leaf pitch (leaves at odd coordinates), which
    keeps every coordinate an integer and distinct.

    Parameters
    ----------
    levels : int
        Router levels (>= 1): ``2**levels - 1`` routers.
    terminals_at : {'leaves', 'all'}
        One terminal on each leaf, or one on every router.

    References
    ----------
    C. E. Leiserson, "Area-efficient graph layouts (for VLSI)", FOCS 1980.

    Examples
    --------
    >>> g = htree(3)
    >>> [g.nodes[n]["coord"] for n in (0, 1, 2, 3, 4)]
    [(2, 2), (1, 2), (3, 2), (1, 1), (1, 3)]
    """
    levels = check_int("parameter 'levels'", levels, 1)
    _check_terminals_at(terminals_at)
    graph = _complete_tree("htree", 2, levels - 1, terminals_at)
    graph.graph["levels"] = levels
    for node in graph:
        graph.nodes[node]["coord"] = _htree_coord(node, levels - 1)
    return validate_topology(graph)


@builder("star", coords=False, reference="Dally & Towles 2004")
def star(n: int) -> nx.Graph:
    """A hub router (id 0, no terminal) linked to ``n`` leaf routers (ids 1..n, one terminal each).

    Parameters
    ----------
    n : int
        Leaf routers (>= 1).

    References
    ----------
    W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004.

    Examples
    --------
    >>> g = star(4)
    >>> g.degree[0], g.nodes[0]["terminals"], g.nodes[4]["terminals"]
    (4, 0, 1)
    """
    n = check_int("parameter 'n'", n, 1)
    graph = nx.star_graph(n)
    graph.graph["topology"] = "star"
    nx.set_node_attributes(graph, {v: int(v > 0) for v in graph}, "terminals")
    return validate_topology(graph)
