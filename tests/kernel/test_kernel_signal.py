"""Signal: SystemC update semantics (evaluate, update, delta cycles)."""

from __future__ import annotations

import pytest

from desim.kernel import Clock, Module, Signal, Simulator


@pytest.mark.parametrize("reader_first", [True, False])
def test_write_is_seen_only_after_the_update_phase(reader_first: bool) -> None:
    sim = Simulator()
    sig = Signal("sig", sim, init=0)
    log: list[str] = []

    def writer():
        yield sim.env.timeout(1)
        sig.write(5)
        log.append(f"writer reads {sig.read()}")
        yield sim.env.timeout(0)  # still the evaluation of cycle 1
        log.append(f"writer after timeout(0) reads {sig.read()}")
        value = yield sig.changed
        log.append(f"changed to {value} at {sim.now}, read {sig.read()}")

    def reader():
        yield sim.env.timeout(1)
        log.append(f"reader reads {sig.read()}")
        yield sim.env.timeout(1)
        log.append(f"reader at 2 reads {sig.read()}")

    for proc in [reader, writer] if reader_first else [writer, reader]:
        sim.process(proc())
    sim.run()
    assert sorted(log) == sorted(
        [
            "writer reads 0",
            "reader reads 0",
            "writer after timeout(0) reads 0",
            "changed to 5 at 1, read 5",
            "reader at 2 reads 5",
        ]
    )


def test_two_processes_swap_through_two_signals_every_edge() -> None:
    """The classic swap: each register loads the other's value on the same edge."""
    sim = Simulator()
    top = Module("top", sim)
    clk = Clock("clk", top, period_cycles=2)
    a, b = Signal("a", top, init="x"), Signal("b", top, init="y")
    history: list[tuple[int, str, str]] = []

    def register(src: Signal[str], dst: Signal[str]):
        while True:
            yield clk.posedge()
            dst.write(src.read())

    def monitor():
        while True:
            yield clk.posedge()
            history.append((sim.now, a.read(), b.read()))

    sim.process(register(a, b))
    sim.process(monitor())
    sim.process(register(b, a))
    sim.run(until=9)
    assert history == [(2, "x", "y"), (4, "y", "x"), (6, "x", "y"), (8, "y", "x")]
    assert (a.read(), b.read()) == ("x", "y")
    assert a.stats() == {"changes": 4}


def test_last_write_in_an_evaluation_wins_and_fires_once() -> None:
    sim = Simulator()
    sig = Signal("sig", sim, init=0)
    fired: list[tuple[int, int]] = []

    def waiter():
        while True:
            value = yield sig.changed
            fired.append((sim.now, value))

    def writer():
        yield sim.env.timeout(3)
        sig.write(1)
        sig.write(2)
        sig.write(7)
        yield sim.env.timeout(1)
        sig.write(9)
        sig.write(7)  # back to the committed value: no change

    sim.process(waiter())
    sim.process(writer())
    sim.run()
    assert fired == [(3, 7)]
    assert sig.read() == 7 and sig.changes == 1


def test_delta_cycles_chain_at_the_same_time() -> None:
    """a -> b -> c combinational chain: each stage commits in its own update, same cycle."""
    sim = Simulator()
    a, b, c = (Signal(name, sim, init=0) for name in "abc")
    log: list[tuple[int, str, int, int, int]] = []

    def follow(src: Signal[int], dst: Signal[int], name: str):
        while True:
            value = yield src.changed
            dst.write(value + 1)
            log.append((sim.now, name, a.read(), b.read(), c.read()))

    sim.process(follow(a, b, "b"))
    sim.process(follow(b, c, "c"))

    def stimulus():
        yield sim.env.timeout(5)
        a.write(10)

    sim.process(stimulus())
    sim.run()
    assert log == [(5, "b", 10, 0, 0), (5, "c", 10, 11, 0)]
    assert (a.read(), b.read(), c.read(), sim.now) == (10, 11, 12, 5)


def test_writes_before_run_commit_at_time_zero() -> None:
    sim = Simulator()
    sig = Signal("sig", sim, init=False)
    sig.write(True)
    assert sig.read() is False
    sim.run()
    assert sig.read() is True and sim.now == 0
    assert sig.trace() == "sig = True"
