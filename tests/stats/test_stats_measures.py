"""Counter, Histogram and TimeWeighted against hand-computed and numpy values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desim.kernel import Channel, ConfigError, InvariantError, Simulator
from desim.stats import Counter, Histogram, TimeWeighted


def test_counter_counts_up_and_resets() -> None:
    stalls = Counter("stalls")
    for _ in range(5):
        stalls.add()
    stalls.add(10)
    assert stalls.to_record() == {"stalls": 15}
    stalls.reset()
    assert stalls.value == 0
    with pytest.raises(ConfigError, match="only counts up"):
        stalls.add(-2)
    with pytest.raises(ConfigError, match="statistic name"):
        Counter("two words")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=300))
def test_histogram_summaries_equal_numpy(values: list[int]) -> None:
    hist = Histogram("lat", percentiles=(50, 90, 99.9))
    for v in values[: len(values) // 2]:
        hist.add(v)
    hist.extend(values[len(values) // 2 :])  # crosses the initial 64-sample buffer
    array = np.asarray(values, dtype=float)
    record = hist.to_record()
    assert hist.count == record["lat.count"] == len(values)
    assert record["lat.mean"] == pytest.approx(array.mean())
    assert (record["lat.min"], record["lat.max"]) == (array.min(), array.max())
    for q, key in [(50, "lat.p50"), (90, "lat.p90"), (99.9, "lat.p99.9")]:
        assert record[key] == pytest.approx(np.percentile(array, q))
    assert np.array_equal(hist.samples, array)


def test_histogram_empty_bins_reset_and_bad_percentiles() -> None:
    hist = Histogram("hops")
    assert hist.count == 0 and math.isnan(hist.mean()) and math.isnan(hist.percentile(50))
    hist.extend([1, 2, 2, 3, 3, 3])
    counts, edges = hist.bins([0.5, 1.5, 2.5, 3.5])
    assert counts.tolist() == [1, 2, 3] and edges.tolist() == [0.5, 1.5, 2.5, 3.5]
    with pytest.raises(ValueError):
        hist.samples[0] = 9  # read-only view
    hist.reset()
    assert hist.count == 0
    with pytest.raises(ConfigError, match="percentile 101 is outside 0..100"):
        hist.percentile(101)
    with pytest.raises(ConfigError, match="percentile -1"):
        Histogram("x", percentiles=(-1,))


def test_time_weighted_mean_of_a_step_level() -> None:
    clock = [0]
    busy = TimeWeighted("busy", now=lambda: clock[0], level=1)
    assert math.isnan(busy.mean())
    for t, level in [(4, 3), (6, 0), (10, 2)]:
        clock[0] = t
        busy.set(level)
    clock[0] = 20
    assert busy.mean() == (1 * 4 + 3 * 2 + 0 * 4 + 2 * 10) / 20
    assert busy.to_record() == {"busy.mean": 1.5, "busy.max": 3, "busy.level": 2}
    busy.reset()
    clock[0] = 25
    assert busy.to_record() == {"busy.mean": 2.0, "busy.max": 2, "busy.level": 2}
    clock[0] = 19
    with pytest.raises(InvariantError, match="set at time 19, before its last change at 20"):
        busy.add(1)


def test_time_weighted_in_a_simulation_is_event_driven() -> None:
    """A channel's occupancy: updated at puts and gets only, averaged over the run."""
    sim = Simulator()
    link: Channel[int] = Channel("link", sim, capacity=4)

    def burst():
        for k in range(4):
            yield link.put(k)  # 4 items at t=0
        yield sim.env.timeout(10)
        for _ in range(4):
            yield link.get()
            yield sim.env.timeout(10)  # one leaves every 10 cycles from t=10

    sim.process(burst())
    sim.run()
    assert sim.now == 50
    assert link.occupancy.mean() == (4 * 10 + 3 * 10 + 2 * 10 + 1 * 10) / 50
