"""The network's invariants: conservation of flits and credits, stalls and deadlock reports.

A deadlock report names the input VCs ``(router, port, VC)`` that wait on each other: each input
VC holding flits points at the downstream input VCs it waits on (for a credit, or for one of its
candidate output VCs to be released); a cycle in that wait-for graph is the deadlock (Dally &
Towles, *Principles and Practices of Interconnection Networks*, 2004, ch. 14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from desim.kernel.errors import DeadlockError, InvariantError
from desim.noc.interface import NetworkInterface
from desim.noc.router import Router

if TYPE_CHECKING:
    from desim.noc.network import Network

__all__ = ["wait_for_graph", "on_its_way", "deadlock_error", "check_conservation"]


def _far_end(net: Network, router: Router, ov: int) -> tuple[int, int, int] | None:
    """The downstream input VC ``(router, port, vc)`` behind output VC ``ov`` (None: ejection)."""
    port, vc = divmod(ov, net.params.vcs)
    if port >= router.net_ports:
        return None
    far = net.ctx.neighbors[router.rid][port]
    return far, net.ctx.port_to[far][router.rid], vc


def wait_for_graph(net: Network) -> nx.DiGraph:
    """Input VCs ``(router, port, vc)`` holding flits, each pointing at the downstream input VCs
    it waits on; node attribute ``reason``: ``"vc"``, ``"credit"`` or ``"switch"``."""
    vcs = net.params.vcs
    graph = nx.DiGraph()
    for router in net.routers:
        for in_port, vc, reason, ov in router.waits():
            here = (router.rid, in_port, vc)
            graph.add_node(here, reason=reason)
            if ov is not None:
                wanted = [ov]
            else:
                candidates = router.requested(in_port * vcs + vc)
                wanted = [
                    c.port * vcs + v for c in candidates for v in range(c.vc_first, c.vc_last + 1)
                ]
            for target in filter(None, (_far_end(net, router, o) for o in wanted)):
                graph.add_edge(here, target)
    return graph


def on_its_way(net: Network, cycle: int) -> bool:
    """Whether a flit or a credit is on its way (a calendar entry of a router or an interface),
    or a buffered flit is still in a pipeline stage after ``cycle``: flits that will move without
    anything else moving first, so the network is not stalled, however long ago the last flit
    moved."""
    if net.engine.pending((Router, NetworkInterface)):
        return True
    return any(queue[0].ready > cycle for router in net.routers for queue in router.buf if queue)


def deadlock_error(net: Network, cycle: int) -> DeadlockError:
    """A `DeadlockError` naming the cyclic wait (or, without a cycle, every blocked input VC)."""
    graph = wait_for_graph(net)
    try:
        nodes = [u for u, _ in nx.find_cycle(graph)]
        summary = "cyclic wait"
    except nx.NetworkXNoCycle:
        nodes = list(graph.nodes)
        summary = "blocked, no cyclic wait found"
    waits = [
        f"{net.routers[r].path} in port {p} vc {v} waits for a "
        f"{graph.nodes[(r, p, v)].get('reason', 'credit')}"
        for r, p, v in nodes
    ]
    return DeadlockError(cycle, waits, summary)


def check_conservation(net: Network) -> None:
    """Raise `InvariantError` unless every injected flit was ejected (every copy of a multicast
    flit, each destination's copies checked in order by its interface), no flit is left in a
    buffer and every credit is back."""
    c = net.counters
    expected = c.flits_injected + c.flits_replicated  # (tree multicast copies flits)
    if expected != c.flits_ejected or c.flits_in_network != 0:
        raise InvariantError(
            f"{c.flits_injected} flits injected and {c.flits_replicated} replicated, "
            f"but {c.flits_ejected} ejected"
        )
    depth = net.params.vc_buffer_flits
    for router in net.routers:
        net_vcs = router.net_ports * net.params.vcs
        bad = [ov for ov in range(net_vcs) if router.credits[ov] != depth]
        if bad or router.buffered_flits():
            raise InvariantError(f"{router.path}: credits unbalanced at output VCs {bad}")
    for ni in net.interfaces:
        if ni.credits != [depth] * net.params.vcs or ni.arrived:
            raise InvariantError(f"{ni.path}: credits {ni.credits} or partial packets left")
