"""The route walker and the channel-dependency-graph checker catch what they must.

Deliberately broken policies show the oracle can fail: a cyclic CDG (fully adaptive routing
without an escape channel, a ring without a dateline), Duato's condition violated, livelocks,
dead ends and invalid candidates. Random graphs check ``table`` (up*/down*) everywhere.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import topologies
from desim.noc.flit import Packet
from desim.noc.routing import Candidate, RoutingContext, analysis
from desim.noc.routing.analysis import (
    RouteCheckError,
    channel_dependency_graph,
    find_deadlock_cycle,
    walk_routes,
)
from desim.registry import ROUTING
from topologies.testing import random_topologies


def context(graph: nx.Graph, vcs: int = 2) -> RoutingContext:
    return RoutingContext.from_graph(graph, vcs, np.random.default_rng(7))


def closer_ports(ctx: RoutingContext, router: int, dest: int) -> list[int]:
    """Every port on a shortest path (from networkx distances)."""
    hops = ctx.hops
    return [p for p, n in enumerate(ctx.neighbors[router]) if hops[n, dest] < hops[router, dest]]


def fully_adaptive(ctx: RoutingContext):
    """Any minimal port on any VC: adaptive, but with a cyclic CDG on a mesh."""

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        return [ctx.all_vcs(p) for p in closer_ports(ctx, router, packet.dest_router)]

    return route


def escape_everywhere(ctx: RoutingContext):
    """Claims VC 0 as an escape network but routes it fully adaptively: a cyclic escape CDG."""
    route = fully_adaptive(ctx)
    route.escape_vcs = frozenset({0})
    return route


def escape_sometimes(ctx: RoutingContext):
    """Offers the escape VC only on the first minimal port of even routers (Duato violated)."""

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        ports = closer_ports(ctx, router, packet.dest_router)
        return [Candidate(p, 1 if router % 2 else 0, 1) for p in ports]

    route.escape_vcs = frozenset({0})
    return route


def ring_without_dateline(ctx: RoutingContext):
    """Clockwise around a ring on every VC: the classic cyclic dependency."""

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        return [ctx.all_vcs(ctx.port_to[router][(router + 1) % len(ctx.neighbors)])]

    return route


def lowest_neighbour(ctx: RoutingContext):
    """Always to the lowest-numbered neighbour: packets bounce between routers 0 and 1."""

    def route(router: int, in_port: int, packet: Packet) -> list[Candidate]:
        return [ctx.all_vcs(0)]

    return route


def test_fully_adaptive_mesh_routing_has_a_dependency_cycle() -> None:
    ctx = context(topologies.mesh(3, 3), vcs=1)
    cycle = find_deadlock_cycle(ctx, fully_adaptive)
    assert cycle is not None and len(cycle) >= 4
    cdg = channel_dependency_graph(ctx, fully_adaptive)
    for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        assert cdg.has_edge(a, b) and a[1] == b[0]  # each channel leads into the next


def test_ring_without_dateline_has_a_cycle_and_with_one_has_none() -> None:
    ctx = context(topologies.ring(5))
    cycle = find_deadlock_cycle(ctx, ring_without_dateline)
    assert cycle is not None and {c[0] for c in cycle} == set(range(5))
    assert find_deadlock_cycle(ctx, "xy") is None


def test_duato_escape_network_checked_not_the_adaptive_channels() -> None:
    ctx = context(topologies.mesh(4, 4), vcs=3)
    assert find_deadlock_cycle(ctx, "min_adaptive") is None  # escape VC 0 (its attribute)
    assert find_deadlock_cycle(ctx, "min_adaptive", escape_vcs=range(3)) is not None
    assert find_deadlock_cycle(ctx, escape_everywhere) is not None


def test_duato_condition_requires_an_escape_channel_at_every_state() -> None:
    ctx = context(topologies.mesh(3, 3))
    with pytest.raises(RouteCheckError, match="no escape channel offered"):
        channel_dependency_graph(ctx, escape_sometimes)


def test_livelock_dead_end_and_invalid_candidates_are_reported() -> None:
    ctx = context(topologies.mesh(3, 3))
    with pytest.raises(RouteCheckError, match="livelock"):
        walk_routes(ctx, lowest_neighbour)
    with pytest.raises(RouteCheckError, match="dead end"):
        walk_routes(ctx, lambda c: lambda r, i, p: [])
    with pytest.raises(RouteCheckError, match=r"invalid candidate.*VCs 0\.\.1"):
        walk_routes(ctx, lambda c: lambda r, i, p: [Candidate(0, 0, 5)])


def test_walks_follow_route_state_and_arrival_ports() -> None:
    ctx = context(topologies.mesh(4, 4), vcs=4)
    walks = walk_routes(ctx, "valiant", pairs=[(0, 5)], samples=40)
    middles = {s.route_state[0] for s in walks.transitions if s.route_state is not None}
    assert len(middles) > 8  # intermediates re-drawn at injection
    assert all(ctx.neighbors[s.router][s.in_port] != s.router for s in walks.arrivals)
    assert walks.hop_range[0, 5][0] >= 2


@settings(max_examples=25, deadline=None)
@given(random_topologies(max_routers=10))
def test_table_routes_any_graph_without_deadlock(graph: nx.Graph) -> None:
    ctx = context(graph)
    walks = walk_routes(ctx, "table")
    bound = 2 * nx.radius(graph)  # up to the root and down again
    assert all(most <= bound for _, most in walks.hop_range.values())
    assert find_deadlock_cycle(ctx, "table") is None


@pytest.mark.parametrize("graph", [topologies.tree(3, 2), topologies.htree(3), topologies.star(6)])
def test_table_is_minimal_on_trees(graph: nx.Graph) -> None:
    ctx = context(graph)
    walks = walk_routes(ctx, "table")
    assert all(hr == (ctx.hops[p], ctx.hops[p]) for p, hr in walks.hop_range.items())


def test_module_examples() -> None:
    assert doctest.testmod(analysis).failed == 0


def test_docs_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code blocks of docs/routing.md run (their registrations go to a throw-away copy)."""
    monkeypatch.setattr(ROUTING, "_entries", dict(ROUTING._entries))
    text = (Path(__file__).parents[2] / "docs" / "routing.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    for index, block in enumerate(blocks):
        exec(compile(block, f"docs/routing.md[{index}]", "exec"), {"__name__": "docs_routing"})
