"""Every registered routing policy against independent oracles on every topology it supports.

Oracles: networkx shortest-path lengths (minimality, hop bounds), the channel dependency graph
(deadlock freedom, Dally & Seitz / Duato), turn prohibitions read off the walked paths with
coordinates taken from the graph, and hand-computed routes on small meshes, tori and rings.
"""

from __future__ import annotations

import doctest

import networkx as nx
import numpy as np
import pytest

import topologies
from desim.noc.flit import Packet
from desim.noc.routing import Candidate, RoutingContext, UnsupportedTopologyError, resolve_routing
from desim.noc.routing.analysis import RouteWalks, channel_dependency_graph, walk_routes
from desim.registry import ROUTING

VCS = 4
INSTANCES = {
    "mesh4x4": lambda: topologies.mesh(4, 4),
    "mesh3x5": lambda: topologies.mesh(rows=5, cols=3),
    "cmesh3x2": lambda: topologies.cmesh(2, 3),
    "torus4x4": lambda: topologies.torus(4, 4),
    "torus5x3": lambda: topologies.torus(rows=3, cols=5),
    "ring6": lambda: topologies.ring(6),
    "ring5": lambda: topologies.ring(5),
    "fat_tree": lambda: topologies.fat_tree(2, 3),
    "tree": lambda: topologies.tree(2, 3),
    "star": lambda: topologies.star(5),
    "fbfly3x3": lambda: topologies.flattened_butterfly(3, 3),
}
RANDOM_AT_INJECTION = ("valiant", "xy", "yx")  # intermediates; torus ties (both ways minimal)
DIRS = {(1, 0): "E", (-1, 0): "W", (0, 1): "N", (0, -1): "S"}


def context(graph: nx.Graph, vcs: int = VCS, seed: int = 1) -> RoutingContext:
    return RoutingContext.from_graph(graph, vcs, np.random.default_rng(seed))


def cases() -> list[tuple[str, str]]:
    """Every built-in policy (not those other test modules register) on every instance."""
    found = []
    for name in [n for n in ROUTING.names() if ROUTING.get(n).__module__.startswith("desim.")]:
        supported = ROUTING.metadata(name)["topologies"]
        for label, build in INSTANCES.items():
            if supported is None or build().graph["topology"] in supported:
                found.append((name, label))
    return found


_WALKS: dict[tuple[str, str], tuple[RoutingContext, RouteWalks]] = {}


def walked(name: str, label: str) -> tuple[RoutingContext, RouteWalks]:
    """Walks of every pair, made once per (policy, instance) for all the tests below."""
    if (name, label) not in _WALKS:
        ctx = context(INSTANCES[label]())
        samples = 12 if name in RANDOM_AT_INJECTION else 1
        _WALKS[name, label] = ctx, walk_routes(ctx, name, samples=samples)
    return _WALKS[name, label]


def direction(graph: nx.Graph, u: int, v: int) -> str:
    """Compass direction of the link u -> v, from the graph's coordinates (wrap links folded)."""
    (ux, uy), (vx, vy) = graph.nodes[u]["coord"], graph.nodes[v]["coord"]
    dx, dy = vx - ux, vy - uy
    return DIRS[
        (
            int(np.sign(dx)) * (1 if abs(dx) <= 1 else -1),
            int(np.sign(dy)) * (1 if abs(dy) <= 1 else -1),
        )
    ]


def follow(ctx: RoutingContext, route, src: int, dst: int, pick: int = 0) -> list[Candidate]:
    """The candidates taken by a packet that always takes candidate ``pick`` (or the last)."""
    packet = Packet(0, src, dst, src, dst, 64, 1, 0)
    router, in_port, taken = src, len(ctx.neighbors[src]), []
    while router != dst:
        options = route(router, in_port, packet)
        cand = options[min(pick, len(options) - 1)]
        taken.append(cand)
        nxt = ctx.neighbors[router][cand.port]
        router, in_port = nxt, ctx.port_to[nxt][router]
    return taken


def path_dirs(ctx: RoutingContext, route, src: int, dst: int) -> str:
    router, dirs = src, ""
    for cand in follow(ctx, route, src, dst):
        nxt = ctx.neighbors[router][cand.port]
        dirs += direction(ctx.graph, router, nxt)
        router = nxt
    return dirs


def test_every_builtin_is_registered_with_its_claims() -> None:
    assert set(ROUTING.names()) >= {
        "xy",
        "yx",
        "west_first",
        "north_last",
        "negative_first",
        "odd_even",
        "min_adaptive",
        "valiant",
        "table",
    }
    assert ROUTING.metadata("table")["topologies"] is None
    assert ROUTING.metadata("valiant")["minimal"] is False
    assert ROUTING.metadata("min_adaptive")["min_vcs"] == 2


@pytest.mark.parametrize(("name", "label"), cases())
def test_walks_reach_destination_within_claimed_hops(name: str, label: str) -> None:
    ctx, walks = walked(name, label)
    hops = ctx.hops
    bound = 2 * nx.diameter(ctx.graph)
    minimal = ROUTING.metadata(name)["minimal"]
    for (src, dst), (fewest, most) in walks.hop_range.items():
        assert fewest >= hops[src, dst]
        assert most <= (hops[src, dst] if minimal else bound), (src, dst, fewest, most)
    assert len(walks.hop_range) == len(ctx.neighbors) * (len(ctx.neighbors) - 1)


@pytest.mark.parametrize(("name", "label"), cases())
def test_deadlock_free_claim_by_channel_dependency_graph(name: str, label: str) -> None:
    ctx, walks = walked(name, label)
    assert ROUTING.metadata(name)["deadlock_free"], "every built-in claims deadlock freedom"
    cdg = channel_dependency_graph(ctx, name, walks=walks)
    assert cdg.number_of_edges() > 0 or ctx.graph.number_of_nodes() <= 2 or label == "star"
    assert nx.is_directed_acyclic_graph(cdg), nx.find_cycle(cdg)


@pytest.mark.parametrize(("name", "label"), cases())
def test_adaptive_claim(name: str, label: str) -> None:
    ctx, walks = walked(name, label)
    widest = max(
        len({c.port for c, _ in steps})
        for state, steps in walks.transitions.items()
        if state.in_port < len(ctx.neighbors[state.router])  # Valiant draws at injection
    )
    if not ROUTING.metadata(name)["adaptive"]:
        assert widest == 1
    elif label == "mesh4x4":
        assert widest >= 2


@pytest.mark.parametrize("label", ["mesh4x4", "torus4x4", "torus5x3", "ring6"])
def test_min_adaptive_offers_every_minimal_port_and_always_the_xy_escape(label: str) -> None:
    ctx, walks = walked("min_adaptive", label)
    hops = ctx.hops
    xy = resolve_routing("xy_static", context(ctx.graph))  # the escape network's dateline scheme
    escapes = ROUTING.get("min_adaptive")(ctx).escape_vcs
    for state, steps in walks.transitions.items():
        here, dst = state.router, state.dest
        offered = {ctx.neighbors[here][c.port] for c, _ in steps}
        closer = {n for n in ctx.neighbors[here] if hops[n, dst] == hops[here, dst] - 1}
        assert offered == closer
        packet = Packet(0, state.source, dst, state.source, dst, 64, 1, 0)
        xy_port = xy(here, state.in_port, packet)[0].port
        escape = [c for c, _ in steps if escapes & set(range(c.vc_first, c.vc_last + 1))]
        assert [c.port for c in escape] == [xy_port]
        assert steps[0][0] == escape[0]


FORBIDDEN_TURNS = {  # (travel in, travel out), Glass & Ni 1992; DOR's turn sets
    "xy": {("N", "E"), ("N", "W"), ("S", "E"), ("S", "W")},
    "yx": {("E", "N"), ("E", "S"), ("W", "N"), ("W", "S")},
    "west_first": {("N", "W"), ("S", "W")},
    "north_last": {("N", "E"), ("N", "W")},
    "negative_first": {("N", "W"), ("E", "S")},
}
ODD_EVEN_BANNED = {0: {("E", "N"), ("E", "S")}, 1: {("N", "W"), ("S", "W")}}  # column parity


@pytest.mark.parametrize("name", [*FORBIDDEN_TURNS, "odd_even"])
@pytest.mark.parametrize("label", ["mesh4x4", "mesh3x5"])
def test_turn_models_never_take_a_forbidden_turn(name: str, label: str) -> None:
    ctx, walks = walked(name, label)
    graph, turns = ctx.graph, set()
    for state, steps in walks.transitions.items():
        if state.in_port >= len(ctx.neighbors[state.router]):
            continue
        came = direction(graph, ctx.neighbors[state.router][state.in_port], state.router)
        column = graph.nodes[state.router]["coord"][0]
        for cand, _ in steps:
            turn = (came, direction(graph, state.router, ctx.neighbors[state.router][cand.port]))
            banned = ODD_EVEN_BANNED[column % 2] if name == "odd_even" else FORBIDDEN_TURNS[name]
            assert turn not in banned, (name, state, turn)
            turns.add(turn)
    assert turns  # the walks did turn


def test_hand_computed_dimension_order_routes_on_a_mesh() -> None:
    ctx = context(topologies.mesh(4, 4))
    xy, yx = resolve_routing("xy", ctx), resolve_routing("yx", ctx)
    src, dst = 0, 1 * 4 + 2  # (0,0) -> (2,1)
    assert path_dirs(ctx, xy, src, dst) == "EEN"
    assert path_dirs(ctx, yx, src, dst) == "NEE"
    assert path_dirs(ctx, xy, 15, 0) == "WWWSSS"
    assert all(c[1:] == (0, VCS - 1) for c in follow(ctx, xy, 15, 0))


def test_hand_computed_dateline_classes_on_a_torus_and_a_ring() -> None:
    ctx = context(topologies.torus(4, 4))
    xy, static = resolve_routing("xy", ctx), resolve_routing("xy_static", ctx)
    assert path_dirs(ctx, xy, 0, 3) == path_dirs(ctx, static, 0, 3) == "W"  # across the wrap
    # BookSim2: class 1 when the destination's coordinate is below the source's, else class 0
    assert follow(ctx, xy, 0, 3) == [Candidate(ctx.port_to[0][3], 0, 1)]
    assert follow(ctx, xy, 0, 1) == [Candidate(ctx.port_to[0][1], 0, 1)]
    assert follow(ctx, xy, 1, 0) == [Candidate(ctx.port_to[1][0], 2, 3)]
    # static: class 0 while the wrap edge is ahead, class 1 once it is not
    assert follow(ctx, static, 0, 3) == [Candidate(ctx.port_to[0][3], 0, 1)]
    assert follow(ctx, static, 0, 1) == [Candidate(ctx.port_to[0][1], 2, 3)]
    assert path_dirs(ctx, static, 3, 1) == "WW"  # a tie goes the non-wrap way
    assert path_dirs(ctx, xy, 0, 3 * 4 + 1) == "ES"  # (0,0) -> (1,3): south across the wrap
    ring = context(topologies.ring(5))
    taken = follow(ring, resolve_routing("xy", ring), 4, 1)  # 4 -> 0 -> 1: class 1 throughout
    assert [(c.vc_first, c.vc_last) for c in taken] == [(2, 3), (2, 3)]
    taken = follow(ring, resolve_routing("xy_static", ring), 4, 1)  # class 1 after the wrap
    assert [(c.vc_first, c.vc_last) for c in taken] == [(0, 1), (2, 3)]


def test_booksim_dateline_classes_are_fixed_per_dimension_and_split_crossings() -> None:
    """On an 8x8 torus, every walked xy path keeps one class per dimension; going the positive
    way class 1 carries exactly the paths over a wrap-around edge, going the negative way exactly
    the others (BookSim2's ``dim_order_torus``); ties go both ways round."""
    ctx = context(topologies.torus(8, 8))
    route = resolve_routing("xy", ctx)
    seen_ties = set()
    for src in range(64):
        for dst in range(64):
            if src == dst:
                continue
            for _ in range(8 if 4 in (abs(src % 8 - dst % 8), abs(src // 8 - dst // 8)) else 1):
                packet = Packet(0, src, dst, src, dst, 64, 1, 0)
                router, in_port, legs = src, len(ctx.neighbors[src]), {}
                while router != dst:
                    cand = route(router, in_port, packet)[0]
                    nxt = ctx.neighbors[router][cand.port]
                    way = direction(ctx.graph, router, nxt)
                    legs.setdefault(way, []).append(
                        (cand.vc_first, ctx.graph.edges[router, nxt]["wrap"])
                    )
                    router, in_port = nxt, ctx.port_to[nxt][router]
                for way, hops in legs.items():
                    classes = {vc_first // 2 for vc_first, _ in hops}
                    assert len(classes) == 1, (src, dst, way)
                    crosses = any(wrap for _, wrap in hops)
                    assert classes.pop() == (crosses if way in "EN" else not crosses), (src, dst)
                if src % 8 == 0 and dst % 8 == 4:
                    seen_ties.add((src, dst, tuple(legs)))
    assert {legs[0] for *_, legs in seen_ties} == {"E", "W"}


def test_hand_computed_turn_model_routes() -> None:
    ctx = context(topologies.mesh(4, 4))

    def offered(name: str, src: int, dst: int, at: int, came_from: int | None = None) -> str:
        route = resolve_routing(name, ctx)
        in_port = len(ctx.neighbors[at]) if came_from is None else ctx.port_to[at][came_from]
        cands = route(at, in_port, Packet(0, src, dst, src, dst, 64, 1, 0))
        return "".join(direction(ctx.graph, at, ctx.neighbors[at][c.port]) for c in cands)

    # odd-even, (0,0) -> (2,1): E or N at the source; at (1,0), E would enter the even destination
    # column with a north hop left (EN banned there), so only N.
    assert set(offered("odd_even", 0, 6, 0)) == {"E", "N"}
    assert offered("odd_even", 0, 6, 1, came_from=0) == "N"
    # west-bound from (3,0) to (0,2): no N/S in odd column 3, N allowed in even column 2.
    assert offered("odd_even", 3, 8, 3) == "W"
    assert set(offered("odd_even", 3, 8, 2, came_from=3)) == {"W", "N"}
    assert offered("west_first", 3, 8, 3) == "W"
    assert set(offered("west_first", 0, 10, 0)) == {"E", "N"}
    assert offered("north_last", 0, 10, 0) == "E"
    assert set(offered("north_last", 8, 2, 8)) == {"E", "S"}
    assert offered("negative_first", 2, 8, 2) == "W"
    assert offered("negative_first", 8, 2, 8) == "S"
    assert set(offered("negative_first", 10, 0, 10)) == {"W", "S"}
    assert set(offered("negative_first", 0, 10, 0)) == {"E", "N"}


def test_min_adaptive_candidates_on_a_mesh_and_a_torus() -> None:
    ctx = context(topologies.mesh(4, 4))
    route = resolve_routing("min_adaptive", ctx)
    east, north = ctx.port_to[0][1], ctx.port_to[0][4]
    assert route(0, 2, Packet(0, 0, 6, 0, 6, 64, 1, 0)) == [
        Candidate(east, 0, 3),
        Candidate(north, 1, 3),
    ]
    torus = context(topologies.torus(4, 4))
    route = resolve_routing("min_adaptive", torus)
    west = torus.port_to[0][3]  # 0 -> 3 crosses the wrap: escape class 0, adaptive VCs 2-3
    assert route(0, 4, Packet(0, 0, 3, 0, 3, 64, 1, 0)) == [
        Candidate(west, 0, 0),
        Candidate(west, 2, 3),
    ]


def test_valiant_visits_its_intermediate_with_phase_vc_classes() -> None:
    ctx = context(topologies.mesh(4, 4))
    route = resolve_routing("valiant", ctx)
    packet = Packet(0, 0, 4, 0, 4, 64, 1, 0)  # (0,0) -> (0,1)
    packet.route_state = (15, 0)  # via (3,3)
    router, in_port, visited = 0, 4, []
    while router != 4:
        cand = route(router, in_port, packet)[0]
        visited.append((router, cand.vc_first, cand.vc_last))
        nxt = ctx.neighbors[router][cand.port]
        router, in_port = nxt, ctx.port_to[nxt][router]
    assert [r for r, *_ in visited] == [0, 1, 2, 3, 7, 11, 15, 14, 13, 12, 8]
    assert all((lo, hi) == (0, 1) for _, lo, hi in visited[:6])
    assert all((lo, hi) == (2, 3) for _, lo, hi in visited[6:])
    fresh = Packet(1, 0, 1, 0, 1, 64, 1, 0)
    route(0, 4, fresh)
    assert fresh.route_state[1] in (0, 1) and 0 <= fresh.route_state[0] < 16


def test_table_up_down_is_not_minimal_on_a_six_cycle() -> None:
    graph = nx.cycle_graph(6)
    nx.set_node_attributes(graph, 1, "terminals")
    ctx = context(graph)  # centre = router 0; 2 -> 3 goes down, 3 -> 4 would go up again
    walks = walk_routes(ctx, "table")
    assert walks.hop_range[2, 4] == (4, 4)
    assert walks.hop_range[1, 5] == (2, 2)


@pytest.mark.parametrize("name", [n for n in ("xy", "west_first", "odd_even", "valiant")])
def test_unsupported_topology_names_the_supported_ones(name: str) -> None:
    ctx = context(topologies.star(4))
    with pytest.raises(UnsupportedTopologyError) as err:
        resolve_routing(name, ctx)
    for supported in ROUTING.metadata(name)["topologies"]:
        assert supported in str(err.value)
    assert "'star'" in str(err.value)


@pytest.mark.parametrize(
    ("name", "graph", "vcs"),
    [
        ("xy", topologies.torus(4, 4), 1),
        ("min_adaptive", topologies.torus(4, 4), 2),
        ("valiant", topologies.torus(4, 4), 3),
        ("min_adaptive", topologies.mesh(4, 4), 1),
    ],
)
def test_too_few_vcs_is_an_error_naming_the_need(name: str, graph: nx.Graph, vcs: int) -> None:
    with pytest.raises(UnsupportedTopologyError, match=rf"{name}.*needs at least \d+ VCs"):
        resolve_routing(name, context(graph, vcs))


@pytest.mark.parametrize("module", ["dor", "grid", "turns", "adaptive", "table"])
def test_module_examples(module: str) -> None:
    import importlib

    assert doctest.testmod(importlib.import_module(f"desim.noc.routing.{module}")).failed == 0
