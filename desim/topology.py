"""The topology schema and its validator, `validate_topology`.

A topology is an undirected `networkx.Graph` whose nodes are routers ``0..R-1`` and whose edges are
pairs of unidirectional channels. The attributes it must or may carry are listed in the package
docstring of `topologies` and in ``docs/topologies.md``; this module checks them in one place and
returns a normalised copy with the defaults filled in.

Examples
--------
>>> import networkx as nx
>>> g = nx.path_graph(3)
>>> nx.set_node_attributes(g, 1, "terminals")
>>> v = validate_topology(g)
>>> v.edges[0, 1]
{'latency_cycles': 1, 'wrap': False}
>>> v.graph["topology"]
'custom'
>>> del g.nodes[2]["terminals"]
>>> validate_topology(g)
Traceback (most recent call last):
...
desim.topology.TopologyError: node 2: attribute 'terminals' is missing; it must be an int >= 0
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import networkx as nx

from desim.kernel.errors import ConfigError
from desim.registry import TOPOLOGY

__all__ = ["TopologyError", "validate_topology", "check_int", "builder", "DEFAULT_LATENCY_CYCLES"]

B = TypeVar("B", bound=Callable[..., nx.Graph])

DEFAULT_LATENCY_CYCLES = 1
"""Latency of an edge that carries no ``latency_cycles`` attribute."""


class TopologyError(ConfigError):
    """A topology graph, a builder parameter or a topology file breaks the schema.

    The message names the node, edge, attribute, parameter or file, and what is allowed.
    """


def builder(name: str, *, coords: bool | None, reference: str) -> Callable[[B], B]:
    """Register a builder in `desim.registry.TOPOLOGY` as ``name``.

    The metadata records ``coords`` (whether its routers carry ``coord``; None: depends on the
    input), ``params`` (the builder's parameter names, read from its signature) and ``reference``.
    """

    def register(func: B) -> B:
        params = tuple(inspect.signature(func).parameters)
        TOPOLOGY.register(name, func, coords=coords, params=params, reference=reference)
        return func

    return register


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(what: str, value: Any, minimum: int) -> int:
    """``value`` as a plain int if it is an integer ``>= minimum``; else raise `TopologyError`.

    ``what`` names the thing checked (``"parameter 'rows'"``, ``"node 3: attribute 'terminals'"``).
    """
    if not _is_int(value) or value < minimum:
        raise TopologyError(f"{what} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _int_tuple(what: str, value: Any, minimum: int | None) -> tuple[int, ...]:
    """A non-empty tuple of ints (each ``>= minimum`` when given) from a tuple or list."""
    bound = "" if minimum is None else f" >= {minimum}"
    if (
        not isinstance(value, (tuple, list))
        or not value
        or not all(_is_int(v) and (minimum is None or v >= minimum) for v in value)
    ):
        raise TopologyError(f"{what} must be a non-empty tuple of ints{bound}, got {value!r}")
    return tuple(int(v) for v in value)


def _check_structure(graph: Any) -> None:
    if not isinstance(graph, nx.Graph) or graph.is_directed() or graph.is_multigraph():
        raise TopologyError(
            "a topology must be an undirected networkx.Graph (each edge is a pair of channels, "
            f"one each way; no multi-edges), got {type(graph).__name__}"
        )
    if graph.number_of_nodes() == 0:
        raise TopologyError("the graph has no routers; a topology needs at least one node")
    count = graph.number_of_nodes()
    if any(not _is_int(n) for n in graph) or set(graph) != set(range(count)):
        odd = sorted((n for n in graph if not _is_int(n) or not 0 <= n < count), key=repr)[:5]
        raise TopologyError(
            f"node ids must be the ints 0..R-1 (R = {count}, contiguous); offending ids: {odd}"
            " (relabel with networkx.convert_node_labels_to_integers)"
        )
    loops = list(nx.selfloop_edges(graph))
    if loops:
        raise TopologyError(f"edge {loops[0]} is a self-loop; a router cannot link to itself")
    if not nx.is_connected(graph):
        parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0])
        shown = " and ".join("{" + ", ".join(map(str, c)) + "}" for c in parts[:4])
        more = f" (and {len(parts) - 4} more)" if len(parts) > 4 else ""
        raise TopologyError(f"graph is not connected: components {shown}{more}")


def _node_attributes(node: int, data: dict[str, Any]) -> dict[str, Any]:
    where = f"node {node}: attribute"
    if "terminals" not in data:
        raise TopologyError(f"{where} 'terminals' is missing; it must be an int >= 0")
    out = dict(data)
    out["terminals"] = check_int(f"{where} 'terminals'", data["terminals"], 0)
    if "coord" in data:
        out["coord"] = _int_tuple(f"{where} 'coord'", data["coord"], None)
    return out


def _edge_attributes(u: int, v: int, data: dict[str, Any]) -> dict[str, Any]:
    where = f"edge ({u}, {v}): attribute"
    out = dict(data)
    latency = data.get("latency_cycles", DEFAULT_LATENCY_CYCLES)
    out["latency_cycles"] = check_int(f"{where} 'latency_cycles'", latency, 1)
    if "width_bits" in data:
        out["width_bits"] = check_int(f"{where} 'width_bits'", data["width_bits"], 1)
    wrap = data.get("wrap", False)
    if not isinstance(wrap, bool):
        raise TopologyError(f"{where} 'wrap' must be a bool, got {wrap!r}")
    out["wrap"] = wrap
    return out


def _graph_attributes(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out.setdefault("topology", "custom")
    if not isinstance(out["topology"], str):
        raise TopologyError(f"graph attribute 'topology' must be a str, got {out['topology']!r}")
    if "dims" in data:
        out["dims"] = _int_tuple("graph attribute 'dims'", data["dims"], 1)
    if "concentration" in data:
        concentration = data["concentration"]
        out["concentration"] = check_int("graph attribute 'concentration'", concentration, 1)
    return out


def _check_coords(graph: nx.Graph) -> None:
    """Coordinates on every router or on none, one length, distinct, inside ``dims``."""
    coords = {n: c for n, c in graph.nodes(data="coord") if c is not None}
    if not coords:
        if "dims" in graph.graph:
            raise TopologyError("graph attribute 'dims' is given but no node has a 'coord'")
        return
    missing = [n for n in graph if n not in coords]
    if missing:
        raise TopologyError(
            f"attribute 'coord' is missing on nodes {_head(missing)}; give it on every node or none"
        )
    lengths = {len(c) for c in coords.values()}
    if len(lengths) > 1:
        raise TopologyError(f"node coords have mixed lengths {sorted(lengths)}; use one length")
    owner: dict[tuple[int, ...], int] = {}
    for node, coord in coords.items():
        if coord in owner:
            raise TopologyError(f"coord {coord} is used by nodes {owner[coord]} and {node}")
        owner[coord] = node
    dims = graph.graph.get("dims")
    if dims is not None:
        _check_coords_in_dims(coords, dims)


def _check_coords_in_dims(coords: dict[int, tuple[int, ...]], dims: tuple[int, ...]) -> None:
    for node, coord in coords.items():
        if len(coord) != len(dims) or not all(0 <= c < k for c, k in zip(coord, dims, strict=True)):
            raise TopologyError(
                f"node {node}: coord {coord} lies outside dims {dims} "
                f"(each coordinate i must be in 0..dims[i]-1)"
            )


def _head(items: Iterable[Hashable], limit: int = 8) -> str:
    items = list(items)
    shown = ", ".join(map(str, items[:limit]))
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


def validate_topology(graph: nx.Graph) -> nx.Graph:
    """Check ``graph`` against the topology schema; return a normalised copy.

    Parameters
    ----------
    graph : networkx.Graph
        Undirected, connected, no self-loops or multi-edges, nodes ``0..R-1``, each with an int
        ``terminals >= 0`` (at least one terminal in all), optionally ``coord`` (tuple of ints: on
        every node or none, one length, distinct). Edges may carry ``latency_cycles`` (int >= 1),
        ``width_bits`` (int >= 1) and ``wrap`` (bool). Graph attributes ``topology`` (str),
        ``dims`` (tuple of ints >= 1; coords must lie inside) and ``concentration`` (int >= 1) are
        checked when present. Other attributes are kept untouched.

    Returns
    -------
    networkx.Graph
        A copy (the input is never modified) with ``latency_cycles=1``, ``wrap=False`` and
        ``topology="custom"`` filled in where absent, integer-like values as plain ``int`` and
        coordinate lists as tuples.

    Raises
    ------
    TopologyError
        On the first violation, naming the node, edge or attribute and what is allowed. A missing
        ``terminals`` is an error (a user graph must say where its terminals are).
    """
    _check_structure(graph)
    out = nx.Graph()
    out.graph.update(_graph_attributes(graph.graph))
    for node in sorted(graph):
        out.add_node(int(node), **_node_attributes(node, graph.nodes[node]))
    for u, v in sorted(tuple(sorted((int(a), int(b)))) for a, b in graph.edges()):
        out.add_edge(u, v, **_edge_attributes(u, v, graph.edges[u, v]))
    if sum(t for _, t in out.nodes(data="terminals")) < 1:
        raise TopologyError("no router has a terminal; at least one node needs 'terminals' >= 1")
    _check_coords(out)
    return out
