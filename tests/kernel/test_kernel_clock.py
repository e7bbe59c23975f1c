"""Clock: integer edges, shared edge events, no ticking while nobody waits, conversions."""

from __future__ import annotations

import pytest

from desim.kernel import Clock, ConfigError, Simulator


@pytest.mark.parametrize(("period", "phase"), [(1, 0), (3, 0), (4, 1), (5, 4)])
def test_posedge_lands_on_every_edge(period: int, phase: int) -> None:
    sim = Simulator()
    clk = Clock("clk", sim, period_cycles=period, phase_cycles=phase)
    edges: list[int] = []

    def counter():
        for _ in range(5):
            yield clk.posedge()
            edges.append(sim.now)

    sim.process(counter())
    sim.run()
    first = phase if phase > 0 else period  # strictly after the start, time 0
    assert edges == [first + k * period for k in range(5)]
    assert clk.edges == (sim.now - phase) // period + 1


def test_waiting_processes_share_one_timeout_and_idle_clock_schedules_nothing() -> None:
    sim = Simulator()
    clk = Clock("clk", sim, period_cycles=10, phase_cycles=3)
    assert sim.env.peek() == float("inf")
    assert clk.posedge() is clk.posedge()
    woke: list[int] = []

    def waiter():
        yield clk.posedge()
        woke.append(sim.now)

    for _ in range(3):
        sim.process(waiter())
    sim.run()
    assert woke == [3, 3, 3]
    sim.run(cycles=1000)  # nobody waits: no event, time just jumps
    assert sim.now == 1003 and clk.edges == 101
    assert sim.run() == 1003  # quiescent at once: the clock left nothing scheduled


def test_wait_cycles_and_next_edge() -> None:
    sim = Simulator()
    clk = Clock("clk", sim, period_cycles=4, phase_cycles=2)
    assert [clk.next_edge(t) for t in (0, 1, 2, 5, 6)] == [2, 2, 6, 6, 10]
    assert clk.edge_time(3) == 14

    def proc():
        yield clk.wait_cycles(3)

    sim.process(proc())
    assert sim.run() == 10
    with pytest.raises(ConfigError, match="wait_cycles n must be an integer >= 1, got 0"):
        clk.wait_cycles(0)


def test_domain_conversions() -> None:
    sim = Simulator()
    dram = Clock("dram", sim, period_cycles=3)
    assert dram.to_base_cycles(7) == 21
    assert dram.to_domain_cycles(21) == 7
    assert dram.to_domain_cycles(20) == 6  # whole cycles only
    assert dram.stats() == {"period_cycles": 3, "phase_cycles": 0, "edges": 1}
    assert dram.trace() == "dram: period 3 phase 0, edge 1"


@pytest.mark.parametrize(
    ("period", "phase", "message"),
    [
        (2.5, 0, "period_cycles must be an integer >= 1, got 2.5"),
        (0, 0, "period_cycles must be an integer >= 1, got 0"),
        (-4, 0, "period_cycles must be an integer >= 1, got -4"),
        (True, 0, "period_cycles must be an integer >= 1, got True"),
        (4, 1.0, "phase_cycles must be an integer >= 0, got 1.0"),
        (4, 4, r"phase_cycles must be < period_cycles \(4\), got 4"),
    ],
)
def test_bad_periods_and_phases_are_named(period: object, phase: object, message: str) -> None:
    with pytest.raises(ConfigError, match="clock 'clk': " + message):
        Clock("clk", Simulator(), period_cycles=period, phase_cycles=phase)  # type: ignore[arg-type]
