"""The network's parts apart: the engine, injectable router and interface classes, and the
declared route protocol."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import topologies
from desim.kernel.errors import ConfigError
from desim.kernel.simulator import Simulator
from desim.noc import Engine, Network, NetworkInterface, NocConfig, Router, router_params, simulate
from desim.noc.network import NetworkCounters
from desim.noc.routing import Candidate, Route, RoutingContext, resolve_routing
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform


class CountingRouter(Router):
    """Counts the flits arriving at it (each is one traversal of this router)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals = 0

    def receive_flit(self, port, flit) -> None:
        self.arrivals += 1
        super().receive_flit(port, flit)


class CountingInterface(NetworkInterface):
    """Counts the flits it injects and the flits it ejects."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.injected = 0
        self.ejected = 0

    def step(self, now) -> bool:
        before = self.net.counters.flits_injected
        more = super().step(now)
        self.injected += self.net.counters.flits_injected - before
        return more

    def receive_flit(self, port, flit) -> None:
        self.ejected += 1
        super().receive_flit(port, flit)


def _counting_network(graph, routing="xy") -> tuple[Simulator, Network]:
    sim = Simulator(seed=1)
    net = Network(
        sim,
        graph,
        routing,
        router_params("booksim"),
        router_cls=CountingRouter,
        interface_cls=CountingInterface,
    )
    return sim, net


@pytest.mark.parametrize(
    ("source", "dest", "flits"), [(0, 15, 3), (5, 6, 1), (12, 3, 4), (7, 7, 2)]
)
def test_user_router_and_interface_subclasses_are_the_ones_built_and_run(source, dest, flits):
    # a packet alone crosses the routers of its XY path once per flit: hops + 1 routers
    graph = topologies.mesh(rows=4, cols=4)
    sim, net = _counting_network(graph)
    assert all(type(r) is CountingRouter for r in net.routers)
    assert all(type(ni) is CountingInterface for ni in net.interfaces)
    net.interfaces[source].send(dest, size_bits=flits * 128)
    sim.run()
    net.check_conservation()
    (sx, sy), (dx, dy) = graph.nodes[source]["coord"], graph.nodes[dest]["coord"]
    on_path = {(x, sy) for x in range(min(sx, dx), max(sx, dx) + 1)}
    on_path |= {(dx, y) for y in range(min(sy, dy), max(sy, dy) + 1)}
    expected = [flits if graph.nodes[r]["coord"] in on_path else 0 for r in graph.nodes]
    assert [r.arrivals for r in net.routers] == expected
    assert [ni.injected for ni in net.interfaces] == [flits * (t == source) for t in range(16)]
    assert [ni.ejected for ni in net.interfaces] == [flits * (t == dest) for t in range(16)]


def test_simulate_builds_the_classes_given_and_counts_agree_with_the_network() -> None:
    built: list[CountingRouter] = []

    class Recorded(CountingRouter):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    config = NocConfig(
        topology_args={"rows": 3, "cols": 3},
        injection_rate=0.2,
        packet_size=2,
        sample_period_cycles=200,
        warmup_periods=1,
        max_samples=3,
    )
    result = simulate(config, router_cls=Recorded, interface_cls=CountingInterface)
    assert len(built) == 9
    # every flit that arrived at a router crossed its switch once (the run drains completely)
    assert sum(r.arrivals for r in built) == result.flit_hops
    assert result.to_record() == {
        **simulate(config).to_record(),
        **{k: v for k, v in result.to_record().items() if "second" in k},
    }


@pytest.mark.parametrize("field", ["router_cls", "interface_cls"])
def test_a_class_that_is_not_a_router_or_interface_is_refused(field) -> None:
    with pytest.raises(ConfigError, match=f"{field} must be desim.noc.(Router|NetworkInterface)"):
        Network(Simulator(), topologies.mesh(2, 2), "xy", **{field: dict})


# --------------------------------------------------------------------------- the engine
def test_the_engine_runs_entries_at_their_cycles_in_order_and_refuses_the_past() -> None:
    sim = Simulator()
    engine = Engine(sim.env, NetworkCounters(), 100, lambda cycle: None)
    engine.start()
    ran: list[tuple[int, str]] = []

    def note(what, _):
        ran.append((int(sim.env.now), what))
        if what == "a":
            engine.schedule(np.int64(9), note, "c", None)  # numpy integers are fine

    engine.schedule(7, note, "b", None)
    engine.schedule(3, note, "a", None)
    sim.run()
    assert ran == [(3, "a"), (7, "b"), (9, "c")]
    assert engine.now == 9
    with pytest.raises(ValueError, match="cycle 9 has already run"):
        engine.schedule(9, note, "d", None)
    sim.run(cycles=1000)  # the engine idle: the simulation moves on without it
    with pytest.raises(ValueError, match="cycle 500: the simulation is at 1009"):
        engine.schedule(500, note, "e", None)
    engine.schedule(1012, note, "f", None)
    sim.run()
    assert ran[-1] == (1012, "f")


def test_the_engine_lets_go_of_a_cycles_entries_and_their_storage_once_it_has_run() -> None:
    """10,000 entries in one cycle: once it has run the wheel keeps neither them nor the 240 kB
    of pointers that held them (its slot lists were kept for reuse: 64 slots x the busiest
    cycle's entries, 7 MB on a 32x32 mesh at 0.1)."""
    sim = Simulator()
    engine = Engine(sim.env, NetworkCounters(), 100, lambda cycle: None)
    engine.start()
    ran = [0]

    def count(a, b) -> None:
        ran[0] += 1

    class Payload:
        pass

    payload = Payload()
    alive = weakref.ref(payload)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            engine.schedule(5, count, payload, None)
        sim.run()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert ran == [10_000]
    del payload
    assert alive() is None  # the wheel holds no reference to an entry that has run
    assert kept < 20_000


def test_a_cycle_whose_arrival_raises_leaves_no_entries_behind() -> None:
    """An entry that raises ends the run; the cycle's other entries are dropped with it, not
    left in the wheel's slot (where a later lap would find them)."""
    sim = Simulator()
    engine = Engine(sim.env, NetworkCounters(), 100, lambda cycle: None)
    engine.start()

    def boom(a, b) -> None:
        raise RuntimeError("boom")

    engine.schedule(5, boom, None, None)
    engine.schedule(5, lambda a, b: None, None, None)
    with pytest.raises(RuntimeError, match="boom"):
        sim.run()
    assert not engine.pending((object,))


def test_sources_attached_after_an_idle_spell_start_at_once() -> None:
    """Bernoulli sources at 0.5 started at cycle 1,000 on an idle network inject from the next
    cycle: 4 terminals x 20 cycles at 0.5 is 40 packets on average (binomial sd ~4.5)."""
    sim = Simulator(seed=3)
    net = Network(sim, topologies.mesh(2, 2), "xy")
    sim.run(cycles=1000)
    sources = attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.5), lambda rng: 1)
    sim.run(cycles=20)
    assert 25 <= net.counters.packets_created <= 55
    for source in sources:
        source.stop()


# --------------------------------------------------------------------------- the route protocol
def _ctx(graph=None, vcs=2) -> RoutingContext:
    return RoutingContext.from_graph(
        graph or topologies.mesh(4, 4), vcs=vcs, rng=np.random.default_rng(0)
    )


def test_a_plain_route_function_gets_the_defaults_and_keeps_what_it_declares() -> None:
    def route(router, in_port, packet):
        return [Candidate(0, 0, 0)]

    plain = Route.of(route)
    assert (plain.call, plain.by_destination, plain.escape_vcs) == (route, None, None)
    route.escape_vcs = frozenset({0})  # type: ignore[attr-defined]
    assert Route.of(route).escape_vcs == frozenset({0})
    assert Route.of(plain) is plain
    with pytest.raises(ConfigError, match="not a route function"):
        resolve_routing(lambda ctx: None, _ctx())


def test_built_in_policies_declare_their_attributes() -> None:
    ctx = _ctx()
    for name in ("xy", "yx", "min_adaptive"):
        route = resolve_routing(name, ctx)
        assert route.by_destination is not None
        assert route.by_destination(0, 15) == route(0, 4, _packet_to(15))
    assert resolve_routing("xy", ctx).escape_vcs is None
    assert resolve_routing("min_adaptive", ctx).escape_vcs == frozenset({0})
    torus = resolve_routing("min_adaptive", _ctx(topologies.torus(4, 4), vcs=3))
    assert torus.escape_vcs == frozenset({0, 1})  # the two dateline classes
    for name in ("table", "valiant", "odd_even"):
        route = resolve_routing(name, ctx)
        assert (route.by_destination, route.escape_vcs) == (None, None)


def test_routers_read_by_destination_answers_from_their_table_not_the_call() -> None:
    calls = []
    base = resolve_routing("xy", _ctx())

    def counted(router, in_port, packet):
        calls.append(router)
        return base(router, in_port, packet)

    def factory(ctx):
        return dataclasses.replace(resolve_routing("xy", ctx), call=counted)

    factory.desim = {"topologies": ("mesh",), "min_vcs": 1}  # type: ignore[attr-defined]
    sim = Simulator(seed=1)
    net = Network(sim, topologies.mesh(4, 4), factory, router_params("booksim"))
    net.interfaces[0].send(15, size_bits=128)
    sim.run()
    assert calls == []  # six routers on the way, every answer read from the table
    assert net.counters.packets_received == 1


def _torus_xy(ctx, *, planned: bool):
    """BookSim2's dateline routing on a torus: as declared (``by_state``), or its bare call."""
    route = resolve_routing("xy", ctx)
    return route if planned else Route(route.call)


_torus_xy.desim = {"topologies": ("torus",), "min_vcs": 2}  # type: ignore[attr-defined]


def test_torus_dateline_routing_declares_its_answers_per_plan() -> None:
    ctx = _ctx(topologies.torus(4, 4))
    route = resolve_routing("xy", ctx)
    assert route.by_destination is None and route.by_state is not None
    for source in range(16):
        for dest in range(16):
            if source == dest:
                continue
            packet = _packet_to(dest)
            answer = route(source, 4, packet)  # the first hop plans the packet
            assert 0 <= packet.route_state < route.route_states
            assert route.by_state(source, dest, packet.route_state) == answer
    sim = Simulator(seed=1)
    net = Network(sim, topologies.torus(8, 8), "xy", router_params("booksim"))
    assert all(not any(router.plan_tables) for router in net.routers)  # made on first use
    attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.3), lambda rng: 1)
    sim.run(cycles=300)
    held = [sum(map(len, router.plan_tables)) for router in net.routers]
    assert max(held) <= 16 * 64 and len(net.routers[0].route_table) == 0  # docs/routing.md: 1 KB
    assert min(held) > 0


@pytest.mark.parametrize(
    "graph, policy",
    [
        (lambda: topologies.torus(6, 6), "xy"),
        (lambda: topologies.torus(5, 4), "yx"),
        (lambda: topologies.ring(8), "xy"),
        (lambda: topologies.ring(5), "yx"),
    ],
    ids=["torus 6x6 xy", "torus 5x4 yx", "ring 8 xy", "ring 5 yx"],
)
def test_torus_dateline_answers_are_a_few_per_router_and_follow_the_plan(graph, policy) -> None:
    """Every (destination, plan) a router is asked about gets one of at most 8 answers (4
    directions x 2 classes: the policy's memory grows with routers, not routers squared), each
    the port of the plan's direction in the first unaligned dimension of the policy's order (the
    tie bit picks the way on a tie) with the plan's class of that dimension as its VCs (lower or
    upper half); asked to route a packet at its destination, it refuses."""
    from desim.noc.routing.grid import Grid

    ctx = _ctx(graph())
    grid, route = Grid(ctx), resolve_routing(policy, ctx)
    order, coords, half = ((0, 1) if policy == "xy" else (1, 0)), (grid.x, grid.y), ctx.vcs // 2
    routers = len(ctx.neighbors)
    for router in range(routers):
        answers = {}
        for dest in set(range(routers)) - {router}:
            dim = next(d for d in order if coords[d][router] != coords[d][dest])
            for state in range(route.route_states):
                answer = route.by_state(router, dest, state)
                answers[id(answer)] = answer  # held, so that no id is reused
                way = grid.direction(router, dest, dim) % 2
                if grid.is_tie(router, dest, dim):
                    way = (state >> (2 * dim + 1)) & 1
                cls = (state >> (2 * dim)) & 1
                port = grid.ports[router][2 * dim + way]
                assert [(c.port, c.vc_first, c.vc_last) for c in answer] == [
                    (port, cls * half, cls * half + half - 1)
                ], (router, dest, state)
        assert len(answers) <= 8
        with pytest.raises(ValueError, match="is the destination"):
            route.by_state(router, router, 0)


def test_planned_answers_read_from_router_tables_give_the_same_run_as_calling_the_policy() -> None:
    """The oracle is the route function itself: a torus run (ties included, k even) whose
    routers read the plan's answers from their tables equals, packet for packet, the run whose
    routers call the route function at every hop."""
    runs = []
    for planned in (True, False):
        sim = Simulator(seed=3)

        def factory(ctx, planned=planned):
            return _torus_xy(ctx, planned=planned)

        factory.desim = _torus_xy.desim  # type: ignore[attr-defined]
        net = Network(sim, topologies.torus(4, 4), factory, router_params("booksim"))
        log: list[tuple[int, ...]] = []
        net.delivered_hooks.append(lambda p, log=log: log.append((p.pid, p.received, p.hops)))
        attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.4), lambda rng: 2)
        sim.run(cycles=400)
        runs.append(log)
        answers = sum(len(router.route_answers) for router in net.routers)
        assert (answers > 0) == planned  # the tables were used, or not
    assert len(runs[0]) > 1000 and runs[0] == runs[1]


def test_a_route_declares_by_state_with_its_number_of_states_and_plans_within_it() -> None:
    def route(router, in_port, packet):
        packet.route_state = 4
        return [Candidate(0, 0, 0)]

    def answer(router, dest, state):
        return [Candidate(0, 0, 0)]

    with pytest.raises(ConfigError, match="by_state and route_states together"):
        Route(route, by_state=answer)
    with pytest.raises(ConfigError, match="by_state and route_states together"):
        Route(route, route_states=4)
    for states in (0, 2.5, True, "4", 257):
        with pytest.raises(ConfigError, match="by_state and route_states together"):
            Route(route, by_state=answer, route_states=states)
    with pytest.raises(ConfigError, match="by_destination or by_state, not both"):
        Route(route, by_destination=lambda r, d: [], by_state=answer, route_states=4)

    def factory(ctx):
        return Route(route, by_state=answer, route_states=4)

    factory.desim = {"topologies": ("mesh",), "min_vcs": 1}  # type: ignore[attr-defined]
    sim = Simulator(seed=1)
    net = Network(sim, topologies.mesh(4, 4), factory, router_params("booksim"))
    net.interfaces[0].send(15, size_bits=128)
    with pytest.raises(ConfigError, match=r"route_state=4 .* an int below 4"):
        sim.run()
    for preset in (-1, 7, "0"):  # a plan already set, out of range: refused, not wrapped around
        sim = Simulator(seed=1)
        net = Network(sim, topologies.mesh(4, 4), factory, router_params("booksim"))
        net.interfaces[0].send(15, size_bits=128)
        net.interfaces[0].queue[0].route_state = preset
        with pytest.raises(ConfigError, match=r"an int below 4"):
            sim.run()


def test_a_router_keeps_answers_only_for_the_destinations_it_has_routed_to() -> None:
    """The table is filled on first use: after one packet from router 0 to router 15 of a 4x4
    mesh, the routers that routed it on XY's path (x first: 0, 1, 2, 3, then 7, 11; 15 ejects it)
    hold an answer for that destination only, the others none."""
    sim = Simulator(seed=1)
    net = Network(sim, topologies.mesh(4, 4), "xy", router_params("booksim"))

    def known(router: Router) -> list[int]:
        table, answers = router.route_table, router.route_answers
        return [dest for dest, slot in enumerate(table) if slot < len(answers)]

    assert all(not known(router) for router in net.routers)
    net.interfaces[0].send(15, size_bits=128)
    sim.run()
    tables = {router.rid: known(router) for router in net.routers}
    assert tables == {rid: [15] if rid in (0, 1, 2, 3, 7, 11) else [] for rid in range(16)}


def _packet_to(dest: int):
    from desim.noc.flit import Packet

    return Packet(0, 0, dest, 0, dest, 128, 1, 0)
