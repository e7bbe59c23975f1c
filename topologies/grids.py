"""Grid-like topologies: mesh, torus, ring, concentrated mesh, flattened butterfly.

All share BookSim's numbering: a router's coordinate is ``(x, y)`` (``(i,)`` on a ring) and its id
is ``y * cols + x``; ``x`` grows to the east, ``y`` to the north. The graph attribute ``dims`` is
``(cols, rows)``, i.e. ``(k_x, k_y)``.

References
----------
.. [1] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*,
   Morgan Kaufmann, 2004, ch. 5 (tori and meshes).
.. [2] N. Jiang et al., "A detailed and flexible cycle-accurate network-on-chip simulator",
   ISPASS 2013 (BookSim2: node numbering, folded-torus 2-cycle links).
.. [3] J. Balfour and W. J. Dally, "Design tradeoffs for tiled CMP on-chip networks", ICS 2006
   (concentrated mesh).
.. [4] J. Kim, J. Balfour and W. J. Dally, "Flattened butterfly topology for on-chip networks",
   MICRO 2007.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from topologies.schema import builder, check_int, validate_topology

__all__ = ["mesh", "torus", "ring", "cmesh", "flattened_butterfly"]


def _coord(node: int, dims: tuple[int, ...]) -> tuple[int, ...]:
    """Mixed-radix digits of ``node``, first dimension fastest (BookSim's numbering)."""
    digits = []
    for k in dims:
        node, digit = divmod(node, k)
        digits.append(digit)
    return tuple(digits)


def _node_id(coord: tuple[int, ...], dims: tuple[int, ...]) -> int:
    node, stride = 0, 1
    for c, k in zip(coord, dims, strict=True):
        node += c * stride
        stride *= k
    return node


def _grid_nodes(name: str, dims: tuple[int, ...], terminals: int, **attrs: Any) -> nx.Graph:
    """Routers ``0..prod(dims)-1`` with their coordinates and ``terminals`` each; no edges yet."""
    graph = nx.Graph(topology=name, dims=dims, **attrs)
    for node in range(math.prod(dims)):
        graph.add_node(node, terminals=terminals, coord=_coord(node, dims))
    return graph


def _add_line_edges(graph: nx.Graph, wrap: bool, latency_cycles: int) -> None:
    """Link each router to its +1 neighbour in every dimension; with ``wrap``, close the rings.

    A ring of two routers gets one edge (no multi-edge); a dimension of size one gets none.
    """
    dims = graph.graph["dims"]
    for node, coord in graph.nodes(data="coord"):
        for axis, k in enumerate(dims):
            step = list(coord)
            step[axis] = (coord[axis] + 1) % k
            is_wrap = coord[axis] == k - 1
            if k == 1 or (is_wrap and (not wrap or k == 2)):
                continue
            graph.add_edge(
                node, _node_id(tuple(step), dims), latency_cycles=latency_cycles, wrap=is_wrap
            )


def _grid_params(rows: int, cols: int, terminals: int, name: str = "terminals") -> tuple:
    return (
        check_int("parameter 'cols'", cols, 1),
        check_int("parameter 'rows'", rows, 1),
        check_int(f"parameter '{name}'", terminals, 1),
    )


@builder("mesh", coords=True, reference="Dally & Towles 2004, ch. 5")
def mesh(rows: int, cols: int, terminals: int = 1) -> nx.Graph:
    """A 2D mesh of ``rows x cols`` routers, BookSim-numbered.

    Router ``y * cols + x`` sits at ``coord=(x, y)`` and links to its east, west, north and south
    neighbours; ``2 * (rows * (cols - 1) + cols * (rows - 1))`` channels in all.

    Parameters
    ----------
    rows, cols : int
        Routers along y and along x (>= 1).
    terminals : int
        Terminals per router (>= 1).

    Returns
    -------
    networkx.Graph
        A validated topology with ``dims=(cols, rows)``.

    References
    ----------
    W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004, ch. 5.

    Examples
    --------
    >>> g = mesh(2, 3)
    >>> g.graph["dims"], g.number_of_edges(), g.nodes[4]["coord"]
    ((3, 2), 7, (1, 1))
    """
    cols, rows, terminals = _grid_params(rows, cols, terminals)
    graph = _grid_nodes("mesh", (cols, rows), terminals)
    _add_line_edges(graph, wrap=False, latency_cycles=1)
    return validate_topology(graph)


@builder("torus", coords=True, reference="Dally & Towles 2004, ch. 5; BookSim2 (folded torus)")
def torus(rows: int, cols: int, terminals: int = 1, link_latency_cycles: int = 2) -> nx.Graph:
    """A 2D torus: a mesh whose rows and columns are closed into rings.

    Numbering and coordinates are the mesh's. The wrap-around edges (from ``x = cols - 1`` to
    ``x = 0`` and from ``y = rows - 1`` to ``y = 0``) carry ``wrap=True``. Every edge has
    ``link_latency_cycles`` (2 by default: BookSim models a folded torus, whose links all span two
    tiles). A dimension of two routers has a single edge between them (no multi-edge, no wrap edge);
    a dimension of one router has none.

    Parameters
    ----------
    rows, cols : int
        Routers along y and along x (>= 1).
    terminals : int
        Terminals per router (>= 1).
    link_latency_cycles : int
        Latency of every channel (>= 1).

    References
    ----------
    W. J. Dally and B. Towles, 2004, sec. 5.2 (folded torus); BookSim2, Jiang et al., ISPASS 2013.

    Examples
    --------
    >>> g = torus(4, 4)
    >>> g.number_of_edges(), g.edges[3, 0]["wrap"], g.edges[0, 1]["latency_cycles"]
    (32, True, 2)
    """
    cols, rows, terminals = _grid_params(rows, cols, terminals)
    latency = check_int("parameter 'link_latency_cycles'", link_latency_cycles, 1)
    graph = _grid_nodes("torus", (cols, rows), terminals)
    _add_line_edges(graph, wrap=True, latency_cycles=latency)
    return validate_topology(graph)


@builder("ring", coords=True, reference="Dally & Towles 2004, ch. 5 (a 1D torus)")
def ring(n: int, terminals: int = 1, link_latency_cycles: int = 1) -> nx.Graph:
    """``n`` routers in a ring (a 1D torus), router ``i`` at ``coord=(i,)``.

    The edge from ``n - 1`` back to 0 carries ``wrap=True``; ``n = 2`` gives one edge, ``n = 1``
    none.

    Parameters
    ----------
    n : int
        Routers (>= 1).
    terminals : int
        Terminals per router (>= 1).
    link_latency_cycles : int
        Latency of every channel (>= 1; 1 by default, a ring laid out as a loop of tiles).

    References
    ----------
    W. J. Dally and B. Towles, 2004, ch. 5.

    Examples
    --------
    >>> g = ring(5)
    >>> sorted(g[0]), g.edges[4, 0]["wrap"], g.graph["dims"]
    ([1, 4], True, (5,))
    """
    n = check_int("parameter 'n'", n, 1)
    terminals = check_int("parameter 'terminals'", terminals, 1)
    latency = check_int("parameter 'link_latency_cycles'", link_latency_cycles, 1)
    graph = _grid_nodes("ring", (n,), terminals)
    _add_line_edges(graph, wrap=True, latency_cycles=latency)
    return validate_topology(graph)


@builder("cmesh", coords=True, reference="Balfour & Dally, ICS 2006")
def cmesh(
    rows: int, cols: int, concentration: int = 4, link_latency_cycles: int | None = None
) -> nx.Graph:
    """A concentrated mesh: a ``rows x cols`` mesh with ``concentration`` terminals per router.

    Terminals are numbered in router order (router ``r`` owns terminals
    ``r * concentration .. r * concentration + concentration - 1``), which differs from BookSim's
    cmesh terminal numbering; the router network is the mesh's (without BookSim's express links
    between edge routers).

    A router serves a square block of ``concentration`` tiles, so neighbouring routers sit
    ``sqrt(concentration)`` tile pitches apart; a mesh link, spanning one tile, takes a cycle. The
    default link latency is therefore the span in tiles, ``round(sqrt(concentration))`` cycles
    (at least 1): 2 cycles when 4 terminals share a router, as BookSim2's ``use_noc_latency``
    (its default) gives its cmesh's links.

    Parameters
    ----------
    rows, cols : int
        Routers along y and along x (>= 1).
    concentration : int
        Terminals per router (>= 1).
    link_latency_cycles : int, optional
        Latency of every router-to-router channel (>= 1); default the physical span above.

    References
    ----------
    J. Balfour and W. J. Dally, "Design tradeoffs for tiled CMP on-chip networks", ICS 2006;
    BookSim2 (Jiang et al., ISPASS 2013), ``use_noc_latency``.

    Examples
    --------
    >>> g = cmesh(2, 2)
    >>> g.graph["concentration"], g.nodes[3]["terminals"], g.number_of_edges()
    (4, 4, 4)
    >>> g.edges[0, 1]["latency_cycles"], cmesh(2, 2, 4, link_latency_cycles=1).edges[0, 1]
    (2, {'latency_cycles': 1, 'wrap': False})
    """
    cols, rows, concentration = _grid_params(rows, cols, concentration, "concentration")
    if link_latency_cycles is None:
        link_latency_cycles = max(1, round(math.sqrt(concentration)))
    latency = check_int("parameter 'link_latency_cycles'", link_latency_cycles, 1)
    graph = _grid_nodes("cmesh", (cols, rows), concentration, concentration=concentration)
    _add_line_edges(graph, wrap=False, latency_cycles=latency)
    return validate_topology(graph)


@builder("flattened_butterfly", coords=True, reference="Kim, Balfour & Dally, MICRO 2007")
def flattened_butterfly(rows: int, cols: int, concentration: int = 1) -> nx.Graph:
    """A 2D flattened butterfly: every router links to all others of its row and of its column.

    Numbering and coordinates are the mesh's; each router has ``(cols - 1) + (rows - 1)``
    router links and ``concentration`` terminals.

    Parameters
    ----------
    rows, cols : int
        Routers along y and along x (>= 1).
    concentration : int
        Terminals per router (>= 1).

    References
    ----------
    J. Kim, J. Balfour and W. J. Dally, "Flattened butterfly topology for on-chip networks",
    MICRO 2007.

    Examples
    --------
    >>> g = flattened_butterfly(4, 4)
    >>> g.degree[0], g.number_of_edges(), g.has_edge(0, 3), g.has_edge(0, 5)
    (6, 48, True, False)
    """
    cols, rows, concentration = _grid_params(rows, cols, concentration, "concentration")
    dims = (cols, rows)
    graph = _grid_nodes("flattened_butterfly", dims, concentration, concentration=concentration)
    for node, coord in graph.nodes(data="coord"):
        for axis, k in enumerate(dims):
            for other in range(coord[axis] + 1, k):
                far = coord[:axis] + (other,) + coord[axis + 1 :]
                graph.add_edge(node, _node_id(far, dims), latency_cycles=1)
    return validate_topology(graph)
