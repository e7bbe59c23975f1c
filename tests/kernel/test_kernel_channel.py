"""Channel: analytic throughput and latency, backpressure, order, the exact recurrence oracle."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desim.kernel import Channel, ConfigError, Simulator


def stream(capacity: int, latency: int, put_gaps: list[int], get_gaps: list[int]):
    """Source -> channel -> sink. The source waits put_gaps[k] after its previous put completed,
    then puts item k; the sink waits get_gaps[k] after its previous get, then gets."""
    sim = Simulator()
    channel: Channel[int] = Channel("ch", sim, capacity=capacity, latency_cycles=latency)
    puts: list[int] = []
    gets: list[tuple[int, int]] = []

    def source():
        for k, gap in enumerate(put_gaps):
            yield sim.env.timeout(gap)
            yield channel.put(k)
            puts.append(sim.now)

    def sink():
        for gap in get_gaps:
            yield sim.env.timeout(gap)
            item = yield channel.get()
            gets.append((sim.now, item))

    sim.process(source())
    sim.process(sink())
    sim.run()
    return sim, channel, puts, gets


def oracle(capacity: int, latency: int, put_gaps: list[int], get_gaps: list[int]):
    """The documented semantics as a recurrence: p_k = max(r_k, g_(k-C)), g_k = max(s_k, p_k+L)."""
    p: list[int] = []
    g: list[int] = []
    for k, (put_gap, get_gap) in enumerate(zip(put_gaps, get_gaps, strict=True)):
        request = (p[-1] if p else 0) + put_gap
        p.append(max(request, g[k - capacity]) if k >= capacity else request)
        g.append(max((g[-1] if g else 0) + get_gap, p[k] + latency))
    return p, g


@pytest.mark.parametrize(
    ("capacity", "latency"),
    [(1, 0), (1, 1), (1, 3), (2, 2), (2, 5), (3, 1), (3, 7), (4, 4), (4, 9), (8, 3)],
)
def test_greedy_stream_meets_analytic_throughput_and_latency(capacity: int, latency: int) -> None:
    n = 6 * capacity * max(1, latency) + 1
    _, channel, puts, gets = stream(capacity, latency, [0] + [1] * (n - 1), [0] * n)
    period = max(capacity, latency)
    assert puts == [(k // capacity) * period + k % capacity for k in range(n)]
    assert [t - p for (t, _), p in zip(gets, puts, strict=True)] == [latency] * n
    assert [item for _, item in gets] == list(range(n))
    windows = (n - 1) // capacity
    measured = Fraction(windows * capacity, gets[windows * capacity][0] - gets[0][0])
    assert measured == min(Fraction(1), Fraction(capacity, latency) if latency else Fraction(1))
    # L items in flight; one more for an instant when a put runs before the same cycle's get
    assert min(capacity, max(latency, 1)) <= channel.occupancy.max <= min(capacity, latency + 1)


@pytest.mark.parametrize(
    ("capacity", "latency", "consumer_period"), [(2, 1, 3), (1, 0, 2), (4, 2, 5)]
)
def test_slow_consumer_sets_the_rate_and_fills_the_channel(
    capacity: int, latency: int, consumer_period: int
) -> None:
    n = 20
    _, channel, puts, gets = stream(
        capacity, latency, [0] + [1] * (n - 1), [0] + [consumer_period] * (n - 1)
    )
    times = [t for t, _ in gets]
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [consumer_period] * (n - 1)
    assert channel.occupancy.max == capacity
    assert channel.puts_blocked.value > 0


def test_full_channel_blocks_its_producer_until_a_get() -> None:
    sim = Simulator()
    channel: Channel[str] = Channel("ch", sim, capacity=2, latency_cycles=1)
    log: list[str] = []

    def producer():
        for flit in "abc":
            yield channel.put(flit)
            log.append(f"{sim.now} put {flit}")

    def late_consumer():
        yield sim.env.timeout(10)
        while True:
            flit = yield channel.get()
            log.append(f"{sim.now} got {flit}")

    sim.process(producer())
    sim.process(late_consumer())
    sim.run(until=5)
    assert log == ["0 put a", "0 put b"]
    assert channel.level == 2 and channel.puts_blocked.value == 1
    sim.run()
    assert log == ["0 put a", "0 put b", "10 got a", "10 put c", "10 got b", "11 got c"]


def test_latency_wakeups_are_event_driven() -> None:
    """A get on an item still in flight schedules one wake-up, not one event per cycle."""
    sim = Simulator()
    channel: Channel[int] = Channel("ch", sim, capacity=1, latency_cycles=1000)
    got: list[int] = []

    def consumer():
        got.append((yield channel.get()))

    sim.process(consumer())
    channel.put(7)
    steps = 0
    while sim.env.peek() != float("inf"):
        sim.env.step()
        steps += 1
    assert got == [7] and sim.now == 1000
    assert steps < 10


def test_stats_obey_littles_law() -> None:
    n = 30
    sim, channel, _, gets = stream(3, 4, [0] + [2] * (n - 1), [0] * n)
    stats = channel.stats()
    assert stats["items_in"] == stats["items_out"] == n
    assert stats["residence.mean_cycles"] == 4
    # area under the occupancy curve == total residence, when the run ends with the last get
    assert sim.now == gets[-1][0]
    assert stats["occupancy.mean"] * sim.now == pytest.approx(channel.residence_cycles.value)
    assert channel.trace() == "ch: 0/3 items, in=30 out=30"
    records = [r for r in sim.stats() if r["module"] == "ch"]
    assert {r["stat"] for r in records} == set(stats)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacity": 0}, "capacity must be an integer >= 1, got 0"),
        ({"capacity": 2.0}, "capacity must be an integer >= 1, got 2.0"),
        ({"latency_cycles": -1}, "latency_cycles must be an integer >= 0, got -1"),
        ({"latency_cycles": True}, "latency_cycles must be an integer >= 0, got True"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], message: str) -> None:
    sim = Simulator()
    with pytest.raises(ConfigError, match="channel 'ch': " + message):
        Channel("ch", sim, **kwargs)  # type: ignore[arg-type]
    assert list(sim.modules()) == []  # nothing half-built was registered


gaps = st.integers(min_value=0, max_value=4)


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.integers(1, 4),
    latency=st.integers(0, 5),
    data=st.data(),
)
def test_random_delays_match_the_oracle_and_lose_nothing(
    capacity: int, latency: int, data: st.DataObject
) -> None:
    n = data.draw(st.integers(1, 25), label="n")
    put_gaps = data.draw(st.lists(gaps, min_size=n, max_size=n), label="put_gaps")
    get_gaps = data.draw(st.lists(gaps, min_size=n, max_size=n), label="get_gaps")
    _, channel, puts, gets = stream(capacity, latency, put_gaps, get_gaps)
    assert [item for _, item in gets] == list(range(n))  # nothing lost, nothing reordered
    assert channel.occupancy.max <= capacity
    assert all(t - p >= latency for (t, _), p in zip(gets, puts, strict=True))
    assert (puts, [t for t, _ in gets]) == oracle(capacity, latency, put_gaps, get_gaps)
