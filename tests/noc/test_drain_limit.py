"""The drains' livelock limit scales with the network's pipeline (issue 12): a slow network
draining is not a livelock; a real livelock is still caught (tests/noc/test_routing_conformance.py).
"""

from __future__ import annotations

import pytest

from desim.kernel.simulator import Simulator
from desim.noc import NocConfig, build_network, simulate
from desim.noc.measurement import DRAIN_PERIODS, drain_limit_cycles, zero_load_bound_cycles

SLOW = dict(
    topology_args={"rows": 3, "cols": 3},
    router_args={"routing_delay_cycles": 2500},
    injection_rate=0.002,
    sample_period_cycles=100,
    warmup_periods=1,
    max_samples=3,
    latency_threshold_cycles=1e9,
)


def test_the_bound_is_the_zero_load_latency_of_twice_router_0s_eccentricity() -> None:
    # booksim router: injection 2, RC + VA + SA + ST = 2500 + 1 + 1 + 1 per router, unit links,
    # ejection 1; router 0 of a 3x3 mesh is a corner: eccentricity 4, so D = 8 hops
    net = build_network(NocConfig(**SLOW), Simulator())
    assert zero_load_bound_cycles(net) == 2 + 9 * 2503 + 8 * 1 + 1
    assert drain_limit_cycles(net, 100) == DRAIN_PERIODS * (2 + 9 * 2503 + 8 + 1)
    fast = build_network(NocConfig(topology_args={"rows": 3, "cols": 3}), Simulator())
    assert zero_load_bound_cycles(fast) == 2 + 9 * 3 + 8 + 1
    assert drain_limit_cycles(fast, 1000) == DRAIN_PERIODS * 1000  # sample periods dominate


@pytest.mark.parametrize("seed", [1, 2])
def test_a_long_pipeline_with_short_sample_periods_is_not_taken_for_a_livelock(seed) -> None:
    # a packet takes at least 2 + 2503 + 1 cycles (one router), 2 + 5 x 2503 + 4 + 1 corner to
    # corner: far beyond the old fixed limit of 50 sample periods (5,000 cycles), which reported
    # "measured packets undelivered ... (livelock?)" here
    result = simulate(NocConfig(seed=seed, **SLOW))
    assert not result.saturated and result.packets_measured > 0
    assert 2 + 2503 + 1 <= result.avg_network_latency <= 2 * (2 + 5 * 2503 + 4 + 1)


@pytest.mark.parametrize("rate", [1e-6, 1e-300])
def test_a_stopped_sources_next_arrival_does_not_stretch_the_run(rate) -> None:
    # at these loads a source's next packet is due millions of cycles (or 1e300) after the sources
    # stop; the run is the warm-up and sample periods plus the drain of the (few) flits in flight,
    # which the 4x4 mesh's zero-load bound caps
    config = NocConfig(topology_args={"rows": 4, "cols": 4}, injection_rate=rate, seed=3)
    result = simulate(config)
    net = build_network(config, Simulator())
    periods = config.warmup_periods + result.sample_periods
    assert result.cycles <= periods * config.sample_period_cycles + zero_load_bound_cycles(net)
