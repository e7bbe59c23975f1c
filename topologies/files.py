"""Topologies from files: GraphML or a plain edge list.

A file whose first non-blank character is ``<`` is read as GraphML (`networkx.read_graphml`);
anything else as an edge list, one ``u v [latency_cycles]`` line per link (a lone ``u`` declares a
router; ``#`` starts a comment). Every malformed file raises `TopologyError` naming the file.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tri.txt"
>>> _ = path.write_text("# a triangle\\na b\\nb c 3\\nc a\\n")
>>> g = from_file(path)
>>> sorted(g.edges(data="latency_cycles")), g.nodes[0]["label"], g.nodes[0]["terminals"]
([(0, 1, 1), (0, 2, 1), (1, 2, 3)], 'a', 1)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from topologies.schema import TopologyError, builder, validate_topology

__all__ = ["from_file", "write_graphml"]

_INT_NODE_ATTRS = ("terminals",)
_INT_EDGE_ATTRS = ("latency_cycles", "width_bits")
_TUPLE_ATTRS = ("coord", "dims")


def _as_int(value: Any) -> Any:
    """An int from an int, an integral float or a decimal string; anything else unchanged."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _as_tuple(value: Any) -> Any:
    """``"(1, 2)"`` or ``"1,2"`` -> ``(1, 2)``; what does not parse is left to the validator."""
    if not isinstance(value, str):
        return value
    parts = [p.strip() for p in value.strip().strip("()[]").split(",") if p.strip()]
    ints = [_as_int(p) for p in parts]
    return tuple(ints) if ints and all(isinstance(i, int) for i in ints) else value


def _as_bool(value: Any) -> Any:
    text = str(value).strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(text, value)


def _coerce(data: dict[str, Any], ints: tuple[str, ...]) -> None:
    """File attribute values (GraphML strings, floats) to the schema's types, in place."""
    for key in ints:
        if key in data:
            data[key] = _as_int(data[key])
    for key in _TUPLE_ATTRS:
        if key in data:
            data[key] = _as_tuple(data[key])
    if "wrap" in data:
        data["wrap"] = _as_bool(data["wrap"])


def _relabel(graph: nx.Graph) -> nx.Graph:
    """Nodes to ``0..R-1``: int ids in numeric order, others in file order (kept as ``label``)."""
    nodes = list(graph)
    ints = [_as_int(n) for n in nodes]
    if all(isinstance(i, int) for i in ints):
        order = [n for _, n in sorted(zip(ints, nodes, strict=True))]
    else:
        order = nodes
    mapping = {n: i for i, n in enumerate(order)}
    if any(str(n) != str(i) for n, i in mapping.items()):
        nx.set_node_attributes(graph, {n: str(n) for n in nodes}, "label")
    return nx.relabel_nodes(graph, mapping)


def _read_graphml(path: Path) -> nx.Graph:
    try:
        graph = nx.read_graphml(path)
    except (ParseError, nx.NetworkXError, ValueError, KeyError) as exc:
        raise TopologyError(f"{path}: not valid GraphML ({exc})") from None
    if graph.is_directed() or graph.is_multigraph():
        kind = "directed" if graph.is_directed() else "a multigraph"
        raise TopologyError(
            f"{path}: the graph is {kind}; a topology is undirected with at most one edge "
            'per router pair (write edgedefault="undirected", one <edge> per link)'
        )
    node_default = {"terminals": 1, **graph.graph.pop("node_default", {})}  # <key><default>
    edge_default = graph.graph.pop("edge_default", {})
    for _, data in graph.nodes(data=True):
        data.update({k: v for k, v in node_default.items() if k not in data})
        _coerce(data, _INT_NODE_ATTRS)
    for _, _, data in graph.edges(data=True):
        data.update({k: v for k, v in edge_default.items() if k not in data})
        _coerce(data, _INT_EDGE_ATTRS)
    _coerce(graph.graph, ("concentration",))
    return graph


def _edge_list_line(path: Path, number: int, tokens: list[str], graph: nx.Graph) -> None:
    where = f"{path}, line {number}"
    if len(tokens) > 3:
        raise TopologyError(f"{where}: expected 'u v [latency_cycles]', got {' '.join(tokens)!r}")
    if len(tokens) == 1:
        graph.add_node(tokens[0])
        return
    u, v = tokens[:2]
    if u == v:
        raise TopologyError(f"{where}: link {u} {v} is a self-loop; a router cannot link to itself")
    if graph.has_edge(u, v):
        raise TopologyError(f"{where}: link {u} {v} is listed twice; a router pair has one link")
    latency = _as_int(tokens[2]) if len(tokens) == 3 else 1
    if not isinstance(latency, int) or latency < 1:
        raise TopologyError(f"{where}: latency must be an int >= 1, got {tokens[2]!r}")
    graph.add_edge(u, v, latency_cycles=latency)


def _read_edge_list(path: Path, text: str) -> nx.Graph:
    graph = nx.Graph()
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split("#", 1)[0].split()
        if tokens:
            _edge_list_line(path, number, tokens, graph)
    if graph.number_of_nodes() == 0:
        raise TopologyError(f"{path}: no routers; expected 'u v [latency_cycles]' lines")
    nx.set_node_attributes(graph, 1, "terminals")
    return graph


@builder("from_file", coords=None, reference="GraphML: Brandes et al., Graph Drawing 2001")
def from_file(path: str | os.PathLike[str]) -> nx.Graph:
    """Load a topology from a GraphML file or an edge list.

    Node ids are relabelled to ``0..R-1``: ids that are all integers keep their numeric order;
    otherwise routers are numbered in file order and keep their original id as attribute
    ``label``. A router without a ``terminals`` attribute gets the GraphML key's ``<default>``,
    else one terminal (every router of an edge list gets one). GraphML strings are coerced:
    ``"2"`` to 2; ``"1,2"`` or ``"(1, 2)"`` to ``(1, 2)`` for ``coord`` and ``dims``;
    ``"true"``/``"false"`` for ``wrap``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    networkx.Graph
        A validated topology; graph attribute ``topology`` is the file's own (GraphML) or
        ``"from_file"``, and ``source`` is the path.

    Raises
    ------
    TopologyError
        The file cannot be read, does not parse, or its graph breaks the schema; the message
        starts with the file name.

    References
    ----------
    U. Brandes et al., "GraphML progress report", Graph Drawing 2001.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not content
    except (OSError, UnicodeDecodeError) as exc:
        raise TopologyError(f"cannot read topology file {path}: {exc}") from None
    is_graphml = text.lstrip().startswith("<")
    graph = _read_graphml(path) if is_graphml else _read_edge_list(path, text)
    graph = _relabel(graph)
    graph.graph.setdefault("topology", "from_file")
    graph.graph["source"] = str(path)
    try:
        return validate_topology(graph)
    except TopologyError as exc:
        raise TopologyError(f"{path}: {exc}") from None


def write_graphml(graph: nx.Graph, path: str | os.PathLike[str]) -> None:
    """Write a topology as GraphML that `from_file` reads back equal.

    GraphML has no tuple type, so ``coord`` and ``dims`` are written as ``"x,y"`` strings.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from topologies import mesh
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mesh.graphml"
    >>> write_graphml(mesh(2, 2), path)
    >>> from_file(path).nodes[3]
    {'terminals': 1, 'coord': (1, 1)}
    """
    out = validate_topology(graph)
    for data in [out.graph, *(d for _, d in out.nodes(data=True))]:
        for key in _TUPLE_ATTRS:
            if key in data:
                data[key] = ",".join(map(str, data[key]))
    nx.write_graphml(out, path)
