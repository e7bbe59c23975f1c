"""Separable allocators (registry ``allocator``), injected into the router for VC and switch
allocation.

An allocator matches requesters (inputs) to resources (outputs): it receives ``requests``
(output -> the inputs requesting it), one arbiter per output and per input (registry ``arbiter``)
and ``age(input)``, the age in cycles of what an input carries (for age-based arbiters); it returns
the matched ``(input, output)`` pairs, each input and each output at most once, and updates the
arbiters as its algorithm prescribes. The router uses it twice: input VCs to output VCs (VC
allocation) and input ports to output ports (switch allocation).

References
----------
N. McKeown, "The iSLIP scheduling algorithm for input-queued switches", IEEE/ACM Transactions on
Networking 7(2), 1999. W. J. Dally and B. Towles, *Principles and Practices of Interconnection
Networks*, 2004, ch. 19 (separable allocators).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from desim.noc.arbiters import Arbiter, round_robin_choice
from desim.registry import ALLOCATOR

__all__ = ["Allocator", "islip", "islip2", "input_first", "islip_round_robin"]


class Allocator(Protocol):
    def __call__(
        self,
        requests: Mapping[int, list[int]],
        out_arbiters: Sequence[Arbiter],
        in_arbiters: Sequence[Arbiter],
        age: Callable[[int], int],
    ) -> list[tuple[int, int]]: ...


def _ages(arbiter: Arbiter, inputs: list[int], age: Callable[[int], int]) -> list[int]:
    return [age(i) for i in inputs] if arbiter.uses_ages else inputs


def _islip(
    requests: Mapping[int, list[int]],
    out_arbiters: Sequence[Arbiter],
    in_arbiters: Sequence[Arbiter],
    age: Callable[[int], int],
    iterations: int,
) -> list[tuple[int, int]]:
    matched: dict[int, int] = {}  # input -> output, over all iterations
    for iteration in range(iterations):
        grants: dict[int, list[int]] = {}  # input -> the outputs that granted it
        for output, inputs in requests.items():
            if matched:  # later iterations: only unmatched inputs and outputs take part
                if output in matched.values():
                    continue
                inputs = [i for i in inputs if i not in matched]
                if not inputs:
                    continue
            if len(inputs) == 1:
                winner = inputs[0]
            else:
                arbiter = out_arbiters[output]
                winner = arbiter.grant(inputs, _ages(arbiter, inputs, age))
            granted = grants.get(winner)
            if granted is None:
                grants[winner] = [output]
            else:
                granted.append(output)
        if not grants:
            break
        for winner, outputs in grants.items():
            arbiter = in_arbiters[winner]
            if len(outputs) == 1:
                output = outputs[0]
            else:
                output = arbiter.grant(outputs, _ages(arbiter, [winner] * len(outputs), age))
            if iteration == 0:  # iSLIP moves its pointers only on first-iteration acceptances
                out_arbiters[output].update(winner)
                arbiter.update(output)
            matched[winner] = output
    return list(matched.items())


def islip(
    requests: Mapping[int, list[int]],
    out_arbiters: Sequence[Arbiter],
    in_arbiters: Sequence[Arbiter],
    age: Callable[[int], int],
) -> list[tuple[int, int]]:
    """iSLIP, one iteration (BookSim's default): every output grants one requesting input by its
    arbiter, every input accepts one grant by its arbiter; arbiters move only on acceptance.

    Examples
    --------
    >>> from desim.noc.arbiters import RoundRobinArbiter
    >>> arbs = lambda n: [RoundRobinArbiter(n) for _ in range(n)]
    >>> islip({0: [0, 1], 1: [0]}, arbs(2), arbs(2), lambda i: 0)
    [(0, 0)]
    """
    return _islip(requests, out_arbiters, in_arbiters, age, iterations=1)


def islip2(
    requests: Mapping[int, list[int]],
    out_arbiters: Sequence[Arbiter],
    in_arbiters: Sequence[Arbiter],
    age: Callable[[int], int],
) -> list[tuple[int, int]]:
    """iSLIP with two iterations: the second matches inputs and outputs the first left free.

    Examples
    --------
    >>> from desim.noc.arbiters import RoundRobinArbiter
    >>> arbs = lambda n: [RoundRobinArbiter(n) for _ in range(n)]
    >>> islip({0: [0, 1], 1: [0, 1]}, arbs(2), arbs(2), lambda i: 0)
    [(0, 0)]
    >>> islip2({0: [0, 1], 1: [0, 1]}, arbs(2), arbs(2), lambda i: 0)
    [(0, 0), (1, 1)]
    """
    return _islip(requests, out_arbiters, in_arbiters, age, iterations=2)


def islip_round_robin(
    outputs: list[int], requests: list[int], out_pointers: list[int], in_pointers: list[int]
) -> list[int]:
    """`islip` with round-robin arbiters held as an arbiter bank: one pointer per arbiter in
    ``out_pointers`` / ``in_pointers`` (the requester at or after it wins, as
    `RoundRobinArbiter`; after a grant it is used, the pointer is the winner + 1, not wrapped:
    a pointer past the last requester finds none ahead and wraps to the lowest), and requests
    as bit masks in a list indexed by output (``requests[output]``: the requesting inputs, non-zero
    for each of ``outputs``, the outputs requested, each once; lists rather than a dictionary
    because mypyc reads them natively, and the caller keeps ``requests`` from call to call: this
    call consumes the requests, leaving ``requests[output]`` 0 for each of ``outputs``).

    Returns the matches flat, ``[input, output, input, output, ...]``, in `islip`'s order: the
    inputs in the order of the first output (in ``outputs`` order) granting each.

    Examples
    --------
    >>> requests = [0b11, 0b01]
    >>> islip_round_robin([0, 1], requests, [0, 0], [0, 0]), requests
    ([0, 0], [0, 0])
    """
    grants = [0] * len(in_pointers)  # per input: the outputs granting it (a bit mask)
    granted: list[int] = []  # the inputs granted, in the order first granted
    for output in outputs:
        winner = round_robin_choice(requests[output], out_pointers[output])
        requests[output] = 0
        if not grants[winner]:
            granted.append(winner)
        grants[winner] = grants[winner] | (1 << output)  # (not |=: mypyc would or generically)
    matches: list[int] = []
    for winner in granted:
        output = round_robin_choice(grants[winner], in_pointers[winner])
        out_pointers[output] = winner + 1
        in_pointers[winner] = output + 1
        matches.append(winner)
        matches.append(output)
    return matches


def input_first(
    requests: Mapping[int, list[int]],
    out_arbiters: Sequence[Arbiter],
    in_arbiters: Sequence[Arbiter],
    age: Callable[[int], int],
) -> list[tuple[int, int]]:
    """Separable input-first allocation: each input picks one of its requested outputs, then
    each output grants one of the inputs that picked it (Dally & Towles 19.3.1).

    Examples
    --------
    >>> from desim.noc.arbiters import RoundRobinArbiter
    >>> arbs = lambda n: [RoundRobinArbiter(n) for _ in range(n)]
    >>> input_first({0: [0, 1], 1: [0, 1]}, arbs(2), arbs(2), lambda i: 0)
    [(0, 0)]
    """
    wanted: dict[int, list[int]] = {}
    for output, inputs in requests.items():
        for i in inputs:
            wanted.setdefault(i, []).append(output)
    picked: dict[int, list[int]] = {}
    for i, outputs in wanted.items():
        arbiter = in_arbiters[i]
        ages = _ages(arbiter, [i] * len(outputs), age)
        choice = outputs[0] if len(outputs) == 1 else arbiter.grant(outputs, ages)
        picked.setdefault(choice, []).append(i)
    pairs = []
    for output, inputs in picked.items():
        arbiter = out_arbiters[output]
        winner = (
            inputs[0] if len(inputs) == 1 else arbiter.grant(inputs, _ages(arbiter, inputs, age))
        )
        arbiter.update(winner)
        in_arbiters[winner].update(output)
        pairs.append((winner, output))
    return pairs


ALLOCATOR.register("islip", islip, iterations=1, reference="McKeown 1999")
ALLOCATOR.register("islip2", islip2, iterations=2, reference="McKeown 1999")
ALLOCATOR.register("input_first", input_first, reference="Dally & Towles 2004, 19.3.1")
