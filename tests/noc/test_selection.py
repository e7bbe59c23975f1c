"""Selection functions: most credits (ties first), random (seeded, uniform), first."""

from __future__ import annotations

import doctest

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import desim.noc.selection as selection
from desim.noc.routing import Candidate
from desim.registry import SELECTION


def cands(n: int) -> list[Candidate]:
    return [Candidate(p, 0, 1) for p in range(n)]


def test_registered() -> None:
    assert set(SELECTION.names()) >= {"most_credits", "random", "first"}


@given(credits=st.lists(st.integers(0, 8), min_size=1, max_size=6))
def test_most_credits_picks_the_first_maximum(credits: list[int]) -> None:
    chosen = SELECTION.get("most_credits")(cands(len(credits)), credits, None)
    assert chosen == credits.index(max(credits))


def test_first_and_random() -> None:
    assert SELECTION.get("first")(cands(3), [0, 9, 9], None) == 0
    pick = SELECTION.get("random")
    draws = [pick(cands(3), [1, 1, 1], np.random.default_rng(s)) for s in range(300)]
    counts = np.bincount(draws, minlength=3)
    assert counts.min() > 70  # roughly uniform over the three
    again = [pick(cands(3), [1, 1, 1], np.random.default_rng(s)) for s in range(300)]
    assert draws == again  # same seed, same choice
    assert pick(cands(1), [0], np.random.default_rng(0)) == 0


def test_examples() -> None:
    assert doctest.testmod(selection).failed == 0
