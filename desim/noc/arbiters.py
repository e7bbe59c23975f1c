"""Arbiters: grant one of several requesters (registry ``arbiter``).

An arbiter factory ``make(size) -> Arbiter`` builds one arbiter over requesters ``0..size-1``;
arbiters subclass `Arbiter` (the router calls them natively, see `desim._compiled`).
``grant(requesters, ages)`` returns the chosen requester among the (non-empty) requesting ones;
``ages`` gives each requester's age in cycles (used by age-based policies). ``update(winner)`` is
called only when the grant is used (iSLIP moves its pointers only on acceptance). With
``round_robin`` arbiters and the built-in ``islip`` allocator for both VC and switch allocation
(not ``islip2`` or ``input_first``), no arbiter objects are built: the router keeps their pointers
as an arbiter bank and chooses by `round_robin_choice` on bit masks
(`desim.noc.allocators.islip_round_robin`).

Built-ins (Dally & Towles [1]_, ch. 18): ``round_robin``, ``matrix`` (least recently served),
``oldest_first`` (largest age; ties round-robin) and ``fixed_priority`` (lowest index).
Round-robin and matrix arbiters are strongly fair: a requester that keeps requesting is granted
within ``size`` grants.

References
----------
.. [1] W. J. Dally and B. Towles, *Principles and Practices of Interconnection Networks*,
   Morgan Kaufmann, 2004, sec. 18.3 (fixed priority), 18.4.2 (round-robin), 18.5 (matrix),
   18.6 (queuing arbiters, which oldest-first approximates).
"""

from __future__ import annotations

from collections.abc import Sequence

from mypy_extensions import mypyc_attr

from desim.registry import ARBITER

__all__ = [
    "bits",
    "lowest_bit",
    "round_robin_choice",
    "Arbiter",
    "RoundRobinArbiter",
    "MatrixArbiter",
    "OldestFirstArbiter",
    "FixedPriorityArbiter",
]


def lowest_bit(mask: int) -> int:
    """The index of the lowest set bit of ``mask`` (> 0): ``mask & -mask`` isolates it.

    Examples
    --------
    >>> lowest_bit(0b10100)
    2
    """
    return (mask & -mask).bit_length() - 1


def bits(mask: int) -> list[int]:
    """The indices of the set bits of ``mask`` (>= 0), in increasing order.

    Examples
    --------
    >>> bits(0b10110)
    [1, 2, 4]
    """
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def round_robin_choice(requesters: int, pointer: int) -> int:
    """The round-robin choice among the requesters set in the bit mask ``requesters`` (non-zero):
    the lowest at or after ``pointer`` (>= 0), else the lowest (Dally & Towles 2004, 18.4.2).

    Examples
    --------
    >>> round_robin_choice(0b1001, 1), round_robin_choice(0b1001, 4)
    (3, 0)
    """
    ahead = requesters >> pointer
    return pointer + lowest_bit(ahead) if ahead else lowest_bit(requesters)


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (desim._compiled); users subclass it
class Arbiter:
    """Base of all arbiters: subclass it and define `grant` and `update` (the network refuses a
    subclass that leaves either undefined, naming it, before anything runs).

    ``uses_ages = False`` tells the router that `grant` ignores ``ages`` (it then skips computing
    them).
    """

    uses_ages: bool = True

    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int:
        """The chosen one of ``requesters`` (non-empty); ``ages[i]`` is the age of
        ``requesters[i]`` in cycles."""
        raise NotImplementedError

    def update(self, winner: int) -> None:
        """``winner``'s grant was used."""
        raise NotImplementedError


class RoundRobinArbiter(Arbiter):
    """Round-robin: the first requester at or after the pointer wins; the pointer then moves past
    the winner (Dally & Towles, *Principles and Practices of Interconnection Networks*, 2004,
    18.4.2).

    Examples
    --------
    >>> arb = RoundRobinArbiter(4)
    >>> arb.grant([1, 3], [0, 0])
    1
    >>> arb.update(1); arb.grant([1, 3], [0, 0])
    3
    """

    uses_ages = False

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


class MatrixArbiter(Arbiter):
    """Matrix arbiter: the least recently served requester wins (Dally & Towles 2004, 18.5).

    The matrix ``w[i][j]`` ("i beats j") of the hardware is a total order that the winner leaves
    at the bottom; it is kept here as each requester's last-service stamp, the smallest stamp
    winning (``w[i][j]`` iff ``stamp[i] < stamp[j]``). Initially lower indices win.

    Examples
    --------
    >>> arb = MatrixArbiter(3)
    >>> arb.grant([0, 2], [0, 0])
    0
    >>> arb.update(0); arb.grant([0, 1, 2], [0, 0, 0])
    1
    """

    uses_ages = False

    def __init__(self, size: int) -> None:
        self.size = size
        self.stamp = list(range(-size, 0))
        self.clock = 0

    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int:
        return min(requesters, key=self.stamp.__getitem__)

    def update(self, winner: int) -> None:
        self.clock += 1
        self.stamp[winner] = self.clock


class OldestFirstArbiter(Arbiter):
    """Oldest first: the requester with the largest age wins; ties are broken round-robin.

    An age-based approximation of a queuing arbiter (Dally & Towles 2004, 18.6); the pointer
    moves past each winner, so equally old requesters are served in turn.

    ``ages[i]`` is the age of ``requesters[i]``.

    Examples
    --------
    >>> arb = OldestFirstArbiter(4)
    >>> arb.grant([0, 2, 3], [5, 9, 9])
    2
    >>> arb.update(2); arb.grant([0, 2, 3], [5, 9, 9])
    3
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.pointer = 0

    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int:
        pointer, size = self.pointer, self.size
        pairs = zip(requesters, ages, strict=True)
        return max(pairs, key=lambda pair: (pair[1], -((pair[0] - pointer) % size)))[0]

    def update(self, winner: int) -> None:
        self.pointer = (winner + 1) % self.size


class FixedPriorityArbiter(Arbiter):
    """Fixed priority: the lowest-indexed requester always wins (Dally & Towles 2004, 18.3).

    Not fair: a persistent low index starves the others.

    Examples
    --------
    >>> FixedPriorityArbiter(4).grant([3, 1, 2], [0, 0, 0])
    1
    """

    uses_ages = False

    def __init__(self, size: int) -> None:
        self.size = size

    def grant(self, requesters: Sequence[int], ages: Sequence[int]) -> int:
        return min(requesters)

    def update(self, winner: int) -> None:
        """Nothing to remember."""


ARBITER.register("round_robin", RoundRobinArbiter)
ARBITER.register("matrix", MatrixArbiter)
ARBITER.register("oldest_first", OldestFirstArbiter)
ARBITER.register("fixed_priority", FixedPriorityArbiter)
