"""The NoC's results pinned bit for bit on configurations that take every allocation path.

The engine's speed work (the timing wheel, the arbiter bank, bit-mask VC state) must leave every
result unchanged; these digests (the delivered packets with their cycles and hops, each router's
flits per port and the random generator's final state) are those of the engine before that work
(commit d4ebe38, before the timing wheel; bed9bbc, before the arbiter bank, gives the same), and
the compiled and pure-Python builds give the same (`tests/test_compiled.py` compares them). A
change that alters them on purpose (a new measurement method, a modelling fix) updates the pins in
the same commit and says why. Re-pinned once: uniform destinations and Bernoulli gaps are drawn 256
at a time (`desim.noc.traffic.Batched`), the same distributions from a differently consumed
stream; the digests before that were those of d4ebe38.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from desim.kernel import Simulator
from desim.noc import Network, router_params
from desim.noc.synthetic import attach_sources
from desim.noc.traffic import bernoulli, packet_sizes, transpose, uniform
from topologies.grids import cmesh, mesh, torus


def _digest(
    graph: Any,
    routing: str,
    rate: float,
    pattern: Callable[..., Any] = uniform,
    sizes: Callable[..., int] = lambda rng: 1,
    **router: Any,
) -> str:
    sim = Simulator(seed=7)
    net = Network(sim, graph, routing, router_params("booksim", **router))
    log: list[tuple[int, ...]] = []
    net.delivered_hooks.append(
        lambda p: log.append((p.pid, p.source, p.dest, p.created, p.received, p.hops))
    )
    dims = (6, 6) if pattern is transpose else None
    destination = pattern(net.terminals, dims) if dims else pattern(net.terminals)
    attach_sources(net, destination, lambda: bernoulli(rate), sizes)
    sim.run(cycles=600)
    digest = hashlib.sha256(repr(log).encode())
    digest.update(repr([r.sent for r in net.routers]).encode())
    digest.update(repr(sim.rng.bit_generator.state).encode())
    return digest.hexdigest()[:16]


MIXED = packet_sizes({1: 0.5, 4: 0.3, 8: 0.2})

CASES: dict[str, tuple[Callable[[], str], str]] = {
    "xy, the arbiter bank, light": (lambda: _digest(mesh(6, 6), "xy", 0.1), "825bf6d1ec9f66c5"),
    "xy, the arbiter bank, contended": (lambda: _digest(mesh(6, 6), "xy", 0.4), "338e4799e8c775a6"),
    "min_adaptive, random selection": (
        lambda: _digest(mesh(6, 6), "min_adaptive", 0.3, selection="random"),
        "f64cb7d9574fba78",
    ),
    "odd_even": (lambda: _digest(mesh(6, 6), "odd_even", 0.3), "10e39c009e58e041"),
    "torus, dateline classes": (lambda: _digest(torus(6, 6), "xy", 0.3), "e4046ec0cac36249"),
    "valiant": (lambda: _digest(mesh(6, 6), "valiant", 0.2), "44459b9662b50f97"),
    "cmesh": (lambda: _digest(cmesh(3, 3, concentration=4), "xy", 0.2), "5a87ad8c04790ee8"),
    "oldest_first, islip2 and input_first": (
        lambda: _digest(
            mesh(6, 6),
            "xy",
            0.35,
            arbiter="oldest_first",
            vc_allocator="islip2",
            sw_allocator="input_first",
        ),
        "bf9bebaffbbc8001",
    ),
    "matrix, wait_for_tail_credit, mixed packets": (
        lambda: _digest(
            mesh(6, 6), "xy", 0.15, sizes=MIXED, arbiter="matrix", wait_for_tail_credit=True
        ),
        "91266c06c86282d2",
    ),
    "one VC, fixed_priority, 4-flit transpose": (
        lambda: _digest(
            mesh(6, 6),
            "xy",
            0.08,
            pattern=transpose,
            sizes=lambda rng: 4,
            vcs=1,
            arbiter="fixed_priority",
        ),
        "1a1ee19a4275fe5c",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_results_are_the_pinned_ones(name: str) -> None:
    run, pinned = CASES[name]
    assert run() == pinned
