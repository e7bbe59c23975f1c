"""Helpers routing code and analyses want: terminal placement and hop distances.

Examples
--------
>>> from topologies import mesh
>>> g = mesh(8, 8)
>>> terminal_router(g)[:3]
[0, 1, 2]
>>> int(hop_distance(g)[0, 63])
14
>>> round(average_hops(g), 4)  # BookSim's D for 8x8 uniform traffic (self included)
5.25
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

from topologies.schema import TopologyError

__all__ = ["terminal_router", "hop_distance", "average_hops"]


def terminal_router(graph: nx.Graph) -> list[int]:
    """The router of each terminal: terminals are numbered in router order.

    Parameters
    ----------
    graph : networkx.Graph
        A validated topology.

    Returns
    -------
    list of int
        Entry ``t`` is the router terminal ``t`` attaches to.

    Examples
    --------
    >>> from topologies import star
    >>> terminal_router(star(3))
    [1, 2, 3]
    """
    return [r for r in range(graph.number_of_nodes()) for _ in range(graph.nodes[r]["terminals"])]


def hop_distance(graph: nx.Graph) -> np.ndarray:
    """All-pairs router-to-router hop counts (breadth-first search from every router).

    Returns
    -------
    numpy.ndarray
        ``R x R`` integer array; entry ``[a, b]`` is the fewest links from router ``a`` to ``b``.

    References
    ----------
    E. F. Moore, "The shortest path through a maze", 1959 (breadth-first search).

    Examples
    --------
    >>> from topologies import ring
    >>> hop_distance(ring(5))[0].tolist()
    [0, 1, 2, 2, 1]
    """
    count = graph.number_of_nodes()
    hops = np.zeros((count, count), dtype=np.int64)
    for source, lengths in nx.all_pairs_shortest_path_length(graph):
        hops[source, list(lengths)] = list(lengths.values())
    return hops


def average_hops(
    graph: nx.Graph, pattern: np.ndarray | Callable[[int], int] | None = None
) -> float:
    """Mean router-to-router hops per packet for a traffic pattern over the terminals.

    Terminals on the same router count 0 hops (injection and ejection links are not hops), as in
    BookSim's zero-load latency ``6 + 4 D``.

    Parameters
    ----------
    graph : networkx.Graph
        A validated topology with ``T`` terminals.
    pattern : None, array or callable
        None: uniform traffic over all ``T x T`` terminal pairs, self pairs included (BookSim's
        ``uniform``). A ``T x T`` array: relative packet counts from terminal ``s`` (row) to ``d``
        (column). A callable ``s -> d``: a permutation-like pattern, one packet per source (wrap a
        `desim.noc.traffic` pattern as ``lambda s: pattern(s, rng)``).

    Returns
    -------
    float
        The packet-weighted mean hop count.

    Examples
    --------
    >>> from topologies import mesh
    >>> average_hops(mesh(4, 4), lambda s: 15 - s)  # bit complement: |dx| + |dy| averaged
    4.0
    """
    routers = np.array(terminal_router(graph))
    hops = hop_distance(graph)[np.ix_(routers, routers)]
    count = len(routers)
    if pattern is None:
        return float(hops.mean())
    if callable(pattern):
        return float(np.mean([hops[s, pattern(s)] for s in range(count)]))
    weights = np.asarray(pattern, dtype=float)
    if weights.shape != (count, count) or (weights < 0).any() or weights.sum() <= 0:
        raise TopologyError(
            f"pattern must be a {count} x {count} array of weights >= 0 with a positive sum "
            f"(one row and column per terminal), got shape {weights.shape}"
        )
    return float((weights * hops).sum() / weights.sum())
