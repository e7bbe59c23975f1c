"""Simulator: run modes, determinism of the seeded generator, stats records, observed runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desim.kernel import Channel, Clock, Module, OutPort, Signal, Simulator


def ticker(sim: Simulator, log: list[int], period: int = 3):
    while True:
        yield sim.env.timeout(period)
        log.append(sim.now)


def test_run_cycles_is_relative_and_until_is_absolute() -> None:
    sim = Simulator()
    log: list[int] = []
    sim.process(ticker(sim, log))
    assert sim.run(cycles=7) == 7
    assert sim.run(cycles=7) == 14
    assert sim.run(until=20) == 20
    assert log == [3, 6, 9, 12, 15, 18]  # 21 is beyond until


def test_events_at_until_run_in_the_next_call() -> None:
    sim = Simulator()
    log: list[int] = []
    sim.process(ticker(sim, log, period=5))
    sim.run(until=10)
    assert log == [5]
    sim.run(cycles=1)
    assert log == [5, 10]


def test_run_until_quiescent_returns_the_last_event_time() -> None:
    sim = Simulator()
    link: Channel[int] = Channel("link", sim, capacity=1, latency_cycles=4)

    def producer():
        for k in range(3):
            yield link.put(k)

    def consumer():
        while True:  # waits forever once the producer is done
            yield link.get()

    sim.process(producer())
    sim.process(consumer())
    assert sim.run() == 12
    assert sim.run() == 12  # nothing left


def test_run_arguments_are_checked() -> None:
    sim = Simulator()
    sim.run(until=5)
    assert sim.run(cycles=0) == 5 and sim.run(until=5) == 5
    with pytest.raises(ValueError, match="not both"):
        sim.run(cycles=1, until=9)
    with pytest.raises(ValueError, match="cycles must be >= 0"):
        sim.run(cycles=-1)
    with pytest.raises(ValueError, match="in the past"):
        sim.run(until=4)


def test_same_seed_same_numbers_different_seed_different_numbers() -> None:
    def draws(seed: int) -> np.ndarray:
        sim = Simulator(seed=seed)
        samples: list[float] = []

        def proc():
            for _ in range(5):
                yield sim.env.timeout(int(sim.rng.integers(1, 10)))
                samples.append(sim.rng.random())

        sim.process(proc())
        sim.run()
        return np.array([sim.now, *samples])

    assert np.array_equal(draws(42), draws(42))
    assert not np.array_equal(draws(42), draws(43))


def test_elaborate_checks_every_module_depth_first() -> None:
    sim = Simulator()
    top = Module("top", sim)
    OutPort("out", Module("deep", Module("mid", top)))
    with pytest.raises(Exception, match="'top.mid.deep.out' is unbound"):
        sim.elaborate()


def test_stats_records_and_trace_cover_the_hierarchy() -> None:
    sim = Simulator()
    top = Module("top", sim)
    Clock("clk", top, period_cycles=2)
    Signal("flag", top, init=0)
    Channel("link", top, capacity=2)
    sim.run(cycles=5)
    records = sim.stats()
    assert {"module": "top.clk", "stat": "edges", "value": 3} in records
    assert {"module": "top.flag", "stat": "changes", "value": 0} in records
    assert all(set(r) == {"module", "stat", "value"} for r in records)
    assert sim.trace().splitlines() == [
        "top",
        "top.clk: period 2 phase 0, edge 3",
        "top.flag = 0",
        "top.link: 0/2 items, in=0 out=0",
    ]


def test_observed_run_behaves_like_a_plain_run(tmp_path: Path) -> None:
    """Tracing steps event by event; the model must not notice."""

    def model(trace: bool) -> tuple[int, list[tuple[int, int]]]:
        sim = Simulator(seed=3)
        a = Signal("a", sim, init=0)
        link: Channel[int] = Channel("link", sim, capacity=2, latency_cycles=3)
        log: list[tuple[int, int]] = []

        def writer():
            for k in range(10):
                yield sim.env.timeout(int(sim.rng.integers(0, 3)))
                a.write(k)
                yield link.put(k)

        def reader():
            while True:
                item = yield link.get()
                log.append((sim.now, item * 100 + a.read()))

        sim.process(writer())
        sim.process(reader())
        if trace:
            sim.trace_vcd(tmp_path / "a.vcd").add(a, width=4)
        sim.run(until=7)
        return sim.run(), log

    assert model(trace=True) == model(trace=False)
