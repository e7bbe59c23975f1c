"""Router and allocator behaviour that mutation testing (benchmarks/mutation_testing.py) found
unguarded: VC counts that are not powers of two; the crossbar's one flit per input and output
port per cycle when multicast replicas and unicast flits compete for the same ports; iSLIP's
iteration count and pointer rule; ages reaching age-based arbiters in every allocator; adaptive
routing's use of the selection function.

Oracles: packet delivery and conservation (a VC range computed wrongly lands on another port's
VCs or on none, and the run deadlocks), the crossbar's physical limit (a port moves at most
``input_speedup`` / ``output_speedup`` flits a cycle), observed from the buffers and the per-port
send counters around every router step, and iSLIP's matchings worked out by hand.
"""

from __future__ import annotations

import pytest

import topologies
from desim.kernel import Simulator
from desim.noc import Network, router_params
from desim.noc.allocators import islip2
from desim.noc.arbiters import OldestFirstArbiter, RoundRobinArbiter
from desim.noc.measurement import NocConfig, simulate
from desim.noc.router import Router
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, uniform
from desim.registry import ALLOCATOR, SELECTION


@pytest.mark.parametrize("vcs", [3, 5, 6])
@pytest.mark.parametrize(
    ("topology", "routing"),
    [("torus", "xy"), ("torus", "yx_static"), ("mesh", "odd_even"), ("mesh", "xy")],
)
def test_vc_counts_that_are_not_powers_of_two_deliver_every_packet(vcs, topology, routing):
    """With 3, 5 or 6 VCs (a port's first VC index is then not a multiple of a power of two
    above 1), every VC class a policy declares (dateline halves, escape VCs, all VCs) maps to the
    VCs of the right port: the network delivers what it accepts at a light load."""
    config = NocConfig(
        topology=topology,
        topology_args={"rows": 4, "cols": 4},
        routing=routing,
        router_args={"vcs": vcs},
        injection_rate=0.1,
        sample_period_cycles=300,
    )
    result = simulate(config)  # raises on a deadlock and checks conservation
    assert not result.saturated
    assert result.accepted_rate == pytest.approx(0.1, rel=0.15)


class CrossbarChecked(Router):
    """A router that checks, around every step, that no input port moved more flits (unicast or
    multicast replicas) than ``input_speedup`` and no output port more than ``output_speedup``."""

    steps_with_both = 0  # steps in which a multicast replica and a unicast flit both moved

    def step(self, now: int) -> bool:
        V = self.V
        sent = list(self.sent)
        fronts = [
            (len(q), self.forks[iv].pending if iv in self.forks else None)
            for iv, q in enumerate(self.buf)
        ]
        awake = super().step(now)
        moved_per_in_port = [0] * self.ports
        replicas = unicasts = 0
        for iv, (length, pending) in enumerate(fronts):
            fork = self.forks.get(iv)
            now_pending = fork.pending if fork is not None else None
            replica = pending is not None and now_pending != pending
            popped = len(self.buf[iv]) < length
            if replica or popped:
                moved_per_in_port[iv // V] += 1
                replicas += replica
                unicasts += popped and pending is None
        params = self.params
        assert max(moved_per_in_port) <= params.input_speedup, (self.rid, now, moved_per_in_port)
        out = [after - before for before, after in zip(sent, self.sent, strict=True)]
        assert max(out) <= params.output_speedup, (self.rid, now, out)
        if replicas and unicasts:
            CrossbarChecked.steps_with_both += 1
        return awake


def test_multicast_and_unicast_flits_share_the_crossbar_one_flit_per_port_per_cycle():
    """Tree broadcasts over uniform unicast traffic: each cycle, a port that a multicast replica
    used carries no unicast flit (the crossbar moves one flit per port and cycle). (At one 4-flit
    broadcast every 37 cycles the in-port case never arose: the load here is chosen to make it.)"""
    CrossbarChecked.steps_with_both = 0
    sim = Simulator(seed=3)
    net = Network(
        sim,
        topologies.mesh(4, 4),
        "xy",
        router_params("booksim", flit_width_bits=128),
        multicast="tree",
        router_cls=CrossbarChecked,
    )
    sources = attach_sources(net, uniform(net.terminals), lambda: bernoulli(0.05), lambda rng: 4)
    done = []
    for i in range(60):  # an 8-flit broadcast every 10 cycles, from a different router each time
        sim.run(cycles=10)
        done.append(net.interfaces[(5 * i) % 16].send(range(16), 8 * 128 - 32))
    for source in sources:
        source.stop()
    sim.run()  # a deadlock would raise DeadlockError
    assert all(event.triggered for event in done)
    net.check_conservation()
    assert CrossbarChecked.steps_with_both > 20  # the case under test really happened


def _round_robin(n: int) -> list[RoundRobinArbiter]:
    return [RoundRobinArbiter(n) for _ in range(n)]


def test_islip2_runs_exactly_two_iterations():
    """Outputs 0, 1, 2 requested by {0}, {0, 1}, {0, 1, 2}, every pointer at 0. By hand
    (McKeown 1999): iteration 1, all three outputs grant input 0, which accepts output 0;
    iteration 2, outputs 1 and 2 both grant input 1 (output 2's pointer did not move), which
    accepts output 1; a third iteration would match (2, 2), two do not."""
    requests = {0: [0], 1: [0, 1], 2: [0, 1, 2]}
    pairs = islip2(requests, _round_robin(3), _round_robin(3), lambda i: 0)
    assert sorted(pairs) == [(0, 0), (1, 1)]
    assert ALLOCATOR.metadata("islip2")["iterations"] == 2


def test_islip_moves_its_pointers_only_on_first_iteration_accepts():
    """Outputs 0 and 1 both requested by inputs 0 and 1 (3 x 3 arbiters, pointers at 0):
    iteration 1 matches (0, 0), iteration 2 matches (1, 1) without moving output 1's pointer. So
    output 1, asked next by inputs 1 and 2, grants input 1 (its pointer still at 0), not input 2
    (where a moved pointer, one past input 1, would point)."""
    outs, ins = _round_robin(3), _round_robin(3)
    assert sorted(islip2({0: [0, 1], 1: [0, 1]}, outs, ins, lambda i: 0)) == [(0, 0), (1, 1)]
    assert islip2({1: [1, 2]}, outs, ins, lambda i: 0) == [(1, 1)]


def test_an_adaptive_head_with_several_free_candidates_asks_the_selection_function():
    """Minimal adaptive routing offers two productive outputs to every packet not yet in its
    destination's row or column: whenever both have a free VC, the router must ask the selection
    function (here one that records what it is offered and takes the last candidate)."""
    offered: list[int] = []

    def last(candidates, free_credits, rng):  # type: ignore[no-untyped-def]
        assert len(free_credits) == len(candidates) >= 1
        offered.append(len(candidates))
        return len(candidates) - 1

    SELECTION.register("test_last_recorded", last)
    config = NocConfig(
        topology_args={"rows": 4, "cols": 4},
        routing="min_adaptive",
        router_args={"selection": "test_last_recorded"},
        injection_rate=0.2,
        sample_period_cycles=300,
    )
    simulate(config)
    assert sum(n >= 2 for n in offered) > 100


@pytest.mark.parametrize("allocator", ["islip", "islip2", "input_first"])
def test_an_age_based_arbiter_in_an_allocator_grants_the_oldest_requester(allocator):
    """Input 0's packet is 9 cycles old, input 1's 5: an oldest-first output arbiter grants input
    0 (given the inputs' indices instead of their ages, it would pick input 1)."""
    ages = {0: 9, 1: 5}
    outs = [OldestFirstArbiter(2) for _ in range(2)]
    ins = [OldestFirstArbiter(2) for _ in range(2)]
    assert ALLOCATOR.get(allocator)({0: [0, 1]}, outs, ins, ages.__getitem__) == [(0, 0)]


def test_wait_for_tail_credit_frees_a_vc_once_per_tail():
    """With ``wait_for_tail_credit`` an output VC is freed when its tail's credit comes back, once:
    16-flit packets through 4-flit buffers, where a packet's credits return to full while its
    tail is still upstream, are delivered whole (conservation) and at the offered rate (over at
    least 9,000 cycles, some 4,000 packets: a standard error of 1.6 %, a third of the tolerance)."""
    config = NocConfig(
        topology_args={"rows": 4, "cols": 4},
        router_args={"wait_for_tail_credit": True, "vc_buffer_flits": 4},
        packet_size=16,
        injection_rate=0.45,
        sample_period_cycles=3000,
        warmup_periods=1,
    )
    result = simulate(config)  # checks conservation; a VC freed mid-packet corrupts the run
    assert not result.saturated
    assert result.accepted_rate == pytest.approx(0.45, rel=0.05)
