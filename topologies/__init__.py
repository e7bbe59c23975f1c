"""Topology builders returning annotated networkx graphs, and their validator.

Every builder is a plain function returning a graph checked by `validate_topology`, and is
registered under its name in `desim.registry.TOPOLOGY` (metadata: ``coords``, ``params``,
``reference``). Any user graph that follows the schema works as well, registered or not.

The schema
----------
* An undirected `networkx.Graph`; every edge is a pair of unidirectional channels, one each way.
  No self-loops, no multi-edges, connected.
* Nodes are routers with integer ids ``0..R-1``.
* Node ``terminals`` (int >= 0, required): terminals (network interfaces: PEs, memories, traffic
  sources) attached to the router. Terminals are numbered globally in router order: router 0's
  first, then router 1's, ... At least one terminal in the graph.
* Node ``coord`` (tuple of ints, optional): on every router or on none, one length, distinct.
  Mesh, torus, cmesh, flattened butterfly: ``(x, y)``; ring: ``(i,)``; H-tree: ``(x, y)``.
* Edge ``latency_cycles`` (int >= 1, default 1); ``width_bits`` (int >= 1, optional: absent means
  the network's flit width); ``wrap`` (bool, default False; True on torus and ring wrap-arounds).
* Graph ``topology`` (str: the builder name, ``"custom"`` by default); ``dims`` (tuple of ints,
  grid-like graphs: ``(cols, rows)`` = ``(k_x, k_y)``, ring ``(n,)``; coords must lie inside);
  ``concentration`` (int >= 1, cmesh and flattened butterfly); other builder parameters.
* Builder-specific extras: ``level`` on tree routers (0 at the leaves, +1 per level up),
  ``label`` on routers loaded from a file whose ids were not ``0..R-1``.

Conventions (BookSim-compatible): on grids router ``y * cols + x`` sits at ``coord=(x, y)``; ``x``
grows to the east and ``y`` to the north (+x east, -x west, +y north, -y south).

Examples
--------
>>> import topologies
>>> g = topologies.mesh(rows=2, cols=3)
>>> g.nodes[5]
{'terminals': 1, 'coord': (2, 1)}
>>> from desim.registry import TOPOLOGY
>>> TOPOLOGY.get("torus") is topologies.torus
True
"""

from topologies.files import from_file, write_graphml
from topologies.grids import cmesh, flattened_butterfly, mesh, ring, torus
from topologies.metrics import average_hops, hop_distance, terminal_router
from topologies.schema import TopologyError, validate_topology
from topologies.trees import fat_tree, htree, star, tree

__all__ = [
    "TopologyError",
    "validate_topology",
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
    "write_graphml",
    "terminal_router",
    "hop_distance",
    "average_hops",
]
