"""Arbiters: grant one of several requesters (registry ``arbiter``).

An arbiter factory ``make(size) -> Arbiter`` builds one arbiter over requesters ``0..size-1``.
``grant(requesters, ages)`` returns the chosen requester among the (non-empty) requesting ones;
``ages`` gives each requester's age in cycles (used by age-based policies). ``update(winner)`` is
called only when the grant is used (iSLIP moves its pointers only on acceptance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from desim.registry import ARBITER

__all__ = ["Arbiter", "RoundRobinArbiter"]


class Arbiter(Protocol):
    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int: ...

    def update(self, winner: int) -> None: ...


class RoundRobinArbiter:
    """Round-robin: the first requester at or after the pointer wins; the pointer then moves past
    the winner (Dally & Towles, *Principles and Practices of Interconnection Networks*, 2004, 18.3).

    Examples
    --------
    >>> arb = RoundRobinArbiter(4)
    >>> arb.grant([1, 3], [0, 0])
    1
    >>> arb.update(1); arb.grant([1, 3], [0, 0])
    3
    """

    __slots__ = ("size", "pointer")

    def __init__(self, size: int) -> None:
        self.size = size
        self.pointer = 0

    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int:
        pointer = self.pointer
        best = requesters[0]
        best_distance = (best - pointer) % self.size
        for requester in requesters:
            distance = (requester - pointer) % self.size
            if distance < best_distance:
                best, best_distance = requester, distance
        return best

    def update(self, winner: int) -> None:
        self.pointer = (winner + 1) % self.size


ARBITER.register("round_robin", RoundRobinArbiter)
