"""Arbiters: fairness (round-robin, matrix), fixed priority and oldest-first, as properties."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import desim.noc.arbiters as arbiters
from desim.noc.arbiters import (
    FixedPriorityArbiter,
    MatrixArbiter,
    OldestFirstArbiter,
    RoundRobinArbiter,
)
from desim.registry import ARBITER

FAIR = ["round_robin", "matrix"]


@st.composite
def request_rounds(draw: st.DrawFn) -> tuple[int, int, list[list[int]]]:
    """An arbiter size, a persistent requester and rounds of requests that always include it."""
    size = draw(st.integers(1, 8))
    persistent = draw(st.integers(0, size - 1))
    rounds = draw(st.lists(st.sets(st.integers(0, size - 1)), min_size=1, max_size=40))
    return size, persistent, [sorted(r | {persistent}) for r in rounds]


def test_registered() -> None:
    assert set(ARBITER.names()) >= {"round_robin", "matrix", "oldest_first", "fixed_priority"}
    assert ARBITER.get("round_robin") is RoundRobinArbiter


@pytest.mark.parametrize("name", FAIR)
@settings(max_examples=150, deadline=None)
@given(case=request_rounds())
def test_persistent_requester_served_within_size_grants(name: str, case) -> None:
    size, persistent, rounds = case
    arb = ARBITER.get(name)(size)
    waited = 0
    for requesters in rounds:
        winner = arb.grant(requesters, [0] * len(requesters))
        assert winner in requesters
        arb.update(winner)
        waited = 0 if winner == persistent else waited + 1
        assert waited < size, f"{name}: requester {persistent} waited {waited} grants"


@pytest.mark.parametrize("name", [*FAIR, "oldest_first"])
@given(size=st.integers(1, 8), requesters=st.sets(st.integers(0, 7), min_size=1))
def test_all_requesting_served_in_turn(name: str, size: int, requesters: set[int]) -> None:
    chosen = sorted(r for r in requesters if r < size) or [0]
    arb = ARBITER.get(name)(size)
    winners = []
    for _ in range(len(chosen)):
        winners.append(arb.grant(chosen, [0] * len(chosen)))
        arb.update(winners[-1])
    assert sorted(winners) == chosen  # each exactly once in len(chosen) grants


def test_matrix_is_least_recently_served() -> None:
    arb = MatrixArbiter(4)
    for winner in (2, 0, 3):
        arb.update(winner)
    assert arb.grant([0, 2, 3], [0, 0, 0]) == 2  # served longest ago of the three
    assert arb.grant([0, 1, 2, 3], [0] * 4) == 1  # never served
    arb.update(1)
    assert arb.grant([0, 1, 3], [0] * 3) == 0


@given(requesters=st.sets(st.integers(0, 9), min_size=1))
def test_fixed_priority_lowest_index_wins_always(requesters: set[int]) -> None:
    arb = FixedPriorityArbiter(10)
    for _ in range(3):
        assert arb.grant(sorted(requesters, reverse=True), [0] * len(requesters)) == min(requesters)
        arb.update(min(requesters))


@given(ages=st.lists(st.integers(0, 5), min_size=1, max_size=8))
def test_oldest_first_grants_the_largest_age(ages: list[int]) -> None:
    arb = OldestFirstArbiter(8)
    requesters = list(range(len(ages)))
    winner = arb.grant(requesters, ages)
    assert ages[winner] == max(ages)
    assert winner == ages.index(max(ages))  # pointer at 0: the first oldest


def test_oldest_first_ties_go_round_robin() -> None:
    arb = OldestFirstArbiter(4)
    served = []
    for _ in range(6):
        served.append(arb.grant([0, 1, 3], [7, 2, 7]))
        arb.update(served[-1])
    assert served == [0, 3, 0, 3, 0, 3]


@settings(max_examples=100, deadline=None)
@given(
    size=st.integers(1, 24),
    rounds=st.lists(st.integers(1, (1 << 24) - 1), max_size=30),
)
def test_round_robin_choice_on_a_pointer_is_the_round_robin_arbiter(size: int, rounds) -> None:
    """`round_robin_choice` on a pointer kept unwrapped (winner + 1, as the router's arbiter bank
    keeps it) chooses as `RoundRobinArbiter.grant` on the mask's bits, through grants and
    updates."""
    arbiter, pointer = arbiters.RoundRobinArbiter(size), 0
    for mask in rounds:
        mask &= (1 << size) - 1
        if not mask:
            continue
        listed = [i for i in range(size) if (mask >> i) & 1]
        winner = arbiter.grant(listed, [0] * len(listed))
        assert arbiters.round_robin_choice(mask, pointer) == winner
        arbiter.update(winner)
        pointer = winner + 1


def test_bit_helpers() -> None:
    assert arbiters.bits(0) == []
    assert arbiters.bits((1 << 40) | 5) == [0, 2, 40]
    assert [arbiters.lowest_bit(1 << i) for i in range(70)] == list(range(70))


def test_examples() -> None:
    assert doctest.testmod(arbiters).failed == 0


class HighestFirst(arbiters.Arbiter):
    """A user's arbiter, written in Python on the compiled base: the highest index wins."""

    uses_ages = False
    grants = 0

    def __init__(self, size: int) -> None:
        self.size = size

    def grant(self, requesters, ages) -> int:
        HighestFirst.grants += 1
        return max(requesters)

    def update(self, winner: int) -> None:
        pass


class NotAnArbiter:
    def __init__(self, size: int) -> None:
        self.size = size


def test_a_python_subclass_plugs_into_the_compiled_router() -> None:
    from desim.noc.measurement import NocConfig, simulate

    ARBITER.register("test_highest_first", HighestFirst)
    config = NocConfig(
        topology_args={"rows": 4, "cols": 4},
        injection_rate=0.3,
        packet_size=4,
        sample_period_cycles=300,
        router_args={"arbiter": "test_highest_first"},
    )
    result = simulate(config)  # checks conservation
    assert HighestFirst.grants > 100
    assert result.accepted_rate == pytest.approx(0.3, rel=0.1)


def test_an_arbiter_that_is_not_an_arbiter_is_refused() -> None:
    from desim.kernel.errors import ConfigError
    from desim.noc.measurement import NocConfig, simulate

    ARBITER.register("test_not_an_arbiter", NotAnArbiter)
    with pytest.raises(ConfigError, match="arbiters subclass desim.noc.arbiters.Arbiter"):
        simulate(NocConfig(router_args={"arbiter": "test_not_an_arbiter"}))


class GrantOnly(arbiters.Arbiter):
    def __init__(self, size: int) -> None:
        self.size = size

    def grant(self, requesters, ages) -> int:
        return requesters[0]


def test_an_arbiter_missing_a_method_is_named_before_the_run() -> None:
    from desim.kernel.errors import ConfigError
    from desim.noc.measurement import NocConfig, simulate

    ARBITER.register("test_grant_only", GrantOnly)
    with pytest.raises(ConfigError, match=r"\(GrantOnly\) does not define update"):
        simulate(NocConfig(router_args={"arbiter": "test_grant_only"}))
