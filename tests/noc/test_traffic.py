"""Synthetic traffic against hand-computed destinations and textbook statistics."""

from __future__ import annotations

import doctest
import math
import re

import numpy as np
import pytest

import desim.noc.traffic as traffic
from desim.kernel.errors import ConfigError
from desim.noc.traffic import Permutation, packet_sizes
from desim.registry import INJECTION, TRAFFIC

SEED = 20240601


def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def table(name: str, nodes: int, dims: tuple[int, ...] | None = None) -> list[int]:
    pattern = TRAFFIC.get(name)(nodes, dims)
    return [pattern(s, rng()) for s in range(nodes)]


def test_all_patterns_and_injections_are_registered() -> None:
    assert set(TRAFFIC.names()) >= {
        "uniform", "transpose", "bitcomp", "bitrev", "shuffle", "tornado", "neighbor", "hotspot"
    }  # fmt: skip
    assert set(INJECTION.names()) >= {"bernoulli", "bursty"}
    assert TRAFFIC.metadata("hotspot")["params"] == ("spots", "fraction")
    assert INJECTION.metadata("bursty")["params"] == ("alpha", "beta")


def test_bit_permutations_by_hand() -> None:
    assert table("bitrev", 16)[0b0011] == 0b1100
    assert table("bitrev", 16)[0b0001] == 0b1000
    assert table("bitrev", 8) == [0, 4, 2, 6, 1, 5, 3, 7]
    assert table("bitcomp", 16)[0b0011] == 0b1100
    assert table("bitcomp", 8) == [7, 6, 5, 4, 3, 2, 1, 0]
    assert table("shuffle", 8) == [0, 2, 4, 6, 1, 3, 5, 7]  # rotate left: 100 -> 001
    assert table("shuffle", 16)[0b1001] == 0b0011


def test_transpose_on_a_4x4_grid() -> None:
    # node = y * 4 + x; (1, 0) -> (0, 1); (3, 1) -> (1, 3); the diagonal stays.
    for t in (table("transpose", 16, (4, 4)), table("transpose", 16)):
        assert t[1] == 4 and t[1 * 4 + 3] == 3 * 4 + 1
        assert [t[d * 5] for d in range(4)] == [0, 5, 10, 15]


def test_transpose_on_a_square_grid_that_is_not_a_power_of_two() -> None:
    t = table("transpose", 9, (3, 3))
    assert t == [0, 3, 6, 1, 4, 7, 2, 5, 8]


def test_tornado_and_neighbor_by_hand() -> None:
    assert table("tornado", 8, (8,)) == [3, 4, 5, 6, 7, 0, 1, 2]  # ceil(8/2) - 1 = 3
    assert table("tornado", 5, (5,)) == [2, 3, 4, 0, 1]  # ceil(5/2) - 1 = 2
    assert TRAFFIC.get("tornado")(64, dims=(8, 8))(0, rng()) == 3 * 8 + 3
    t = table("tornado", 16, (4, 4))  # offset 1 in both dimensions
    assert t[0] == 1 * 4 + 1 and t[3 * 4 + 3] == 0
    n = table("neighbor", 12, (4, 3))  # (x, y) -> (x + 1 mod 4, y + 1 mod 3)
    assert n[0] == 1 * 4 + 1 and n[2 * 4 + 3] == 0 and n[1 * 4 + 2] == 2 * 4 + 3


def test_permutations_are_bijections() -> None:
    for name, nodes, dims in [("bitrev", 32, None), ("shuffle", 64, None), ("bitcomp", 4, None),
                              ("tornado", 24, (6, 4)), ("neighbor", 27, (3, 3, 3)),
                              ("transpose", 64, None)]:  # fmt: skip
        assert sorted(table(name, nodes, dims)) == list(range(nodes))
    assert isinstance(TRAFFIC.get("bitrev")(4), Permutation)


def test_uniform_covers_every_node_self_included() -> None:
    nodes, draws = 16, 64_000
    pattern, generator = TRAFFIC.get("uniform")(nodes), rng()
    counts = np.bincount([pattern(3, generator) for _ in range(draws)], minlength=nodes)
    expected = draws / nodes
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 37.7  # chi-square, 15 degrees of freedom, p = 0.001
    assert counts[3] > 0.9 * expected  # the source itself is a destination


def test_hotspot_fraction() -> None:
    nodes, draws, fraction = 16, 40_000, 0.3
    pattern, generator = TRAFFIC.get("hotspot")(nodes, spots=[5, 9], fraction=fraction), rng()
    counts = np.bincount([pattern(0, generator) for _ in range(draws)], minlength=nodes)
    share = (1 - fraction) / nodes
    for node in range(nodes):
        p = share + (fraction / 2 if node in (5, 9) else 0)
        assert abs(counts[node] / draws - p) < 4 * np.sqrt(p * (1 - p) / draws)


def test_hotspot_defaults_to_node_zero() -> None:
    pattern, generator = TRAFFIC.get("hotspot")(8, fraction=1.0), rng()
    assert {pattern(s, generator) for s in range(8)} == {0}


@pytest.mark.parametrize("p", [0.05, 0.3, 0.9, 1.0])
def test_bernoulli_gaps_are_geometric(p: float) -> None:
    source, generator = INJECTION.get("bernoulli")(p), rng()
    gaps = np.array([source.next_gap(generator) for _ in range(40_000)])
    assert gaps.min() >= 1
    mean, var = 1 / p, (1 - p) / p**2
    assert abs(gaps.mean() - mean) < 4 * np.sqrt(var / len(gaps)) + 1e-12
    assert gaps.var() == pytest.approx(var, rel=0.06, abs=1e-12)
    assert np.mean(gaps == 1) == pytest.approx(p, abs=0.01)  # P(gap = 1) = p, as a per-cycle trial


def test_zero_rate_never_injects() -> None:
    assert INJECTION.get("bernoulli")(0).next_gap(rng()) is None
    assert INJECTION.get("bursty")(0.0).next_gap(rng()) is None


def booksim_on_off_gaps(rate: float, alpha: float, beta: float, cycles: int) -> np.ndarray:
    """The oracle: BookSim's per-cycle on/off chain (state first, then injection)."""
    generator, r1 = np.random.default_rng(7), rate * (alpha + beta) / alpha
    state = generator.random() < alpha / (alpha + beta)
    times = []
    for cycle in range(cycles):
        state = (generator.random() >= beta) if state else (generator.random() < alpha)
        if state and generator.random() < r1:
            times.append(cycle)
    return np.diff(np.array(times))


@pytest.mark.parametrize("rate, alpha, beta", [(0.2, 0.1, 0.3), (0.4, 0.5, 0.5), (0.05, 0.02, 0.1)])
def test_bursty_matches_booksim_on_off(rate: float, alpha: float, beta: float) -> None:
    source, generator = INJECTION.get("bursty")(rate, alpha=alpha, beta=beta), rng()
    gaps = np.array([source.next_gap(generator) for _ in range(30_000)])
    oracle = booksim_on_off_gaps(rate, alpha, beta, 150_000)
    assert 1 / gaps.mean() == pytest.approx(rate, rel=0.04)
    assert gaps.mean() == pytest.approx(oracle.mean(), rel=0.06)
    assert gaps.std() == pytest.approx(oracle.std(), rel=0.08)
    assert np.mean(gaps == 1) == pytest.approx(np.mean(oracle == 1), abs=0.02)
    assert gaps.std() > np.sqrt(1 - rate) / rate  # burstier than Bernoulli at the same rate


def test_bursty_rate_on_formula_and_unreachable_rates() -> None:
    assert INJECTION.get("bursty")(0.2, alpha=0.25, beta=0.75).rate_on == pytest.approx(0.8)
    with pytest.raises(ConfigError, match=re.escape("rate 0.6 is unreachable with alpha=0.5")):
        INJECTION.get("bursty")(0.6)


def test_injection_is_deterministic_for_a_seed() -> None:
    def run() -> list[int | None]:
        generator = rng()
        source = INJECTION.get("bursty")(0.3, alpha=0.4, beta=0.2)
        pattern = TRAFFIC.get("uniform")(64)
        return [source.next_gap(generator) for _ in range(50)] + [
            pattern(0, generator) for _ in range(50)
        ]

    assert run() == run()


def test_packet_sizes() -> None:
    assert packet_sizes(4).mean == 4.0 and packet_sizes(4)(rng()) == 4
    sizes = packet_sizes({1: 3, 5: 1})
    assert sizes.mean == 2.0
    generator = rng()
    draws = np.array([sizes(generator) for _ in range(20_000)])
    assert set(draws.tolist()) == {1, 5}
    assert np.mean(draws == 5) == pytest.approx(0.25, abs=0.015)
    assert packet_sizes([(2, 0), (8, 1)])(generator) == 8  # zero weight is never drawn
    assert 0.4 / packet_sizes([(1, 1), (3, 1)]).mean == pytest.approx(0.2)
    assert packet_sizes({"1": 3, "5": 1}) == sizes  # a TOML table's string keys
    assert packet_sizes([[1, 3], [5, 1]]) == sizes  # a TOML array of arrays


@pytest.mark.parametrize(
    "spec",
    [[(1, math.inf)], [(1, 1.0), (2, math.nan)], {1: math.nan}, [(1, 1e308), (2, 1e308)], [], 0],
)
def test_packet_sizes_refuse_weights_that_are_not_finite(spec) -> None:
    # an infinite weight (JSON's 1e400) made the mean NaN, reported as an injection rate of NaN
    with pytest.raises(ConfigError, match="finite weights >= 0 summing to more than 0"):
        packet_sizes(spec)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: TRAFFIC.get("bitrev")(12),
            "traffic 'bitrev' needs nodes to be a power of two, got 12",
        ),
        (lambda: TRAFFIC.get("shuffle")(6), "needs nodes to be a power of two, got 6"),
        (lambda: TRAFFIC.get("transpose")(8), "without dims needs nodes an even power of two"),
        (lambda: TRAFFIC.get("transpose")(8, (4, 2)), "needs square 2D dims (k, k), got (4, 2)"),
        (lambda: TRAFFIC.get("tornado")(8), "traffic 'tornado' needs dims"),
        (
            lambda: TRAFFIC.get("neighbor")(8, (3, 3)),
            "dims (3, 3) describe 9 terminals but nodes=8",
        ),
        (lambda: TRAFFIC.get("uniform")(0), "'nodes' must be an int >= 1, got 0"),
        (lambda: TRAFFIC.get("uniform")(4, (4, 0)), "'dims' must be a tuple of ints >= 1"),
        (
            lambda: TRAFFIC.get("uniform")(4, seed=1),
            "unknown parameter 'seed'; allowed: nodes, dims",
        ),
        (
            lambda: TRAFFIC.get("hotspot")(4, spot=[1]),
            "traffic 'hotspot': unknown parameter 'spot'; allowed: nodes, dims, spots, fraction",
        ),
        (lambda: TRAFFIC.get("hotspot")(4, fraction=1.5), "'fraction' must be a number in [0, 1]"),
        (lambda: TRAFFIC.get("hotspot")(4, spots=[4]), "terminals in 0..3, got [4]"),
        (lambda: TRAFFIC.get("hotspot")(4, spots=[]), "'spots' must be a non-empty list"),
        (lambda: INJECTION.get("bernoulli")(1.2), "'rate' must be a number in [0, 1], got 1.2"),
        (lambda: INJECTION.get("bernoulli")(0.1, alpha=1), "unknown parameter 'alpha'"),
        (lambda: INJECTION.get("bursty")(0.1, alpha=0), "'alpha' must be a number in (0, 1]"),
        (lambda: INJECTION.get("bursty")(0.1, beta=-0.1), "'beta' must be a number in [0, 1]"),
        (lambda: INJECTION.get("bursty")(0.1, gamma=1), "allowed: rate, alpha, beta"),
        (lambda: packet_sizes(0), "packet sizes must be an int >= 1 or (size, weight) pairs"),
        (lambda: packet_sizes({2: -1}), "weights >= 0"),
        (lambda: packet_sizes({2: 0}), "summing to more than 0"),
        (lambda: packet_sizes([3, 4]), "got [3, 4]"),
        (lambda: packet_sizes("4"), "got '4'"),
    ],
)
def test_errors_name_the_parameter_and_what_is_allowed(call, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        call()


def test_docstring_examples() -> None:
    result = doctest.testmod(traffic)
    assert result.attempted > 0 and result.failed == 0


def test_batched_patterns_and_injectors_copy_and_pickle_without_their_batch() -> None:
    """Compiled or not, `uniform` and `bernoulli` round-trip through pickle and deepcopy (a copy
    draws afresh: the same values as the original from the same generator state)."""
    import copy
    import pickle

    def drawer(made):
        return made.next_gap if hasattr(made, "next_gap") else lambda rng: made(0, rng)

    for made in (TRAFFIC.get("uniform")(64), INJECTION.get("bernoulli")(0.2)):
        for twin in (pickle.loads(pickle.dumps(made)), copy.deepcopy(made)):
            a, b = np.random.default_rng(5), np.random.default_rng(5)
            first, second = drawer(made), drawer(twin)
            assert [first(a) for _ in range(300)] == [second(b) for _ in range(300)]
