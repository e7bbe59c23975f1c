"""Selection functions: pick one of a routing policy's adaptive candidates (registry ``selection``).

A selection function ``select(candidates, free_credits, rng) -> int`` returns the index of the
chosen candidate. ``free_credits[i]`` is the free buffer space downstream of candidate ``i``
(e.g. the credits summed over its allowed VCs, as the router counts them); ``rng`` is the run's
``numpy.random.Generator``. ``candidates`` is never empty.

References
----------
.. [1] V. Catania et al., "Noxim: an open, extensible and cycle-accurate network on chip
   simulator", ASAP 2015 (selection strategies: random, buffer level).
.. [2] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*, 2004,
   sec. 14.3 (adaptive routing: choosing among productive outputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from desim.noc.routing.base import Candidate
from desim.registry import SELECTION

__all__ = ["SelectionFunction", "most_credits", "random_choice", "first"]


class SelectionFunction(Protocol):
    def __call__(
        self, candidates: Sequence[Candidate], free_credits: Sequence[int], rng: np.random.Generator
    ) -> int: ...


@SELECTION.register("most_credits")
def most_credits(
    candidates: Sequence[Candidate], free_credits: Sequence[int], rng: np.random.Generator
) -> int:
    """The candidate with the most free credits downstream; ties go to the first (buffer level).

    Examples
    --------
    >>> most_credits([Candidate(0, 0, 1), Candidate(2, 0, 1), Candidate(3, 0, 1)], [1, 4, 4], None)
    1
    """
    best = 0
    for index in range(1, len(candidates)):
        if free_credits[index] > free_credits[best]:
            best = index
    return best


@SELECTION.register("random")
def random_choice(
    candidates: Sequence[Candidate], free_credits: Sequence[int], rng: np.random.Generator
) -> int:
    """A uniformly random candidate, drawn from the run's generator."""
    return int(rng.integers(len(candidates))) if len(candidates) > 1 else 0


@SELECTION.register("first")
def first(
    candidates: Sequence[Candidate], free_credits: Sequence[int], rng: np.random.Generator
) -> int:
    """Always the first candidate (the policy's preferred one, e.g. ``min_adaptive``'s escape)."""
    return 0
