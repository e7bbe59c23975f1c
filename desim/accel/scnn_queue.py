"""SCNN's accumulator-bank input queues: the cycles of a stream of multiplier-array steps.

The ``"queue"`` conflict model of `desim.accel.scnn_pe`: each of the A accumulator banks has an
input queue of ``depth`` products; a step's products enter the queues, every bank accumulates one
product per cycle, and the multiplier array stalls while some queue holds more than ``depth``
(the model of a public SCNN simulator from the paper authors' circle; SCNN.md). ``depth = 0`` is
DNNsim's ``max(1, most products on one bank)`` charge per step.

Computed in bulk: until the first stall, each bank's queue follows Lindley's recursion, a running
sum and a running minimum (numpy, in the narrowest integers that hold the sums); sequences that
stall (rare with 16 products over 32 banks and 8-deep queues) are replayed step by step from
their first stall, all of a call's together.
"""

from __future__ import annotations

import numpy as np

__all__ = ["queue_cycles", "queue_segments"]


def queue_cycles(loads: np.ndarray, depth: int, lengths: np.ndarray | None = None) -> np.ndarray:
    """Cycles of each sequence of steps under the ``"queue"`` conflict model.

    ``loads`` is ``(sequences, steps, banks)``: products per bank per step, in issue order;
    sequence ``j`` has ``lengths[j]`` steps (default: all). Each step: its products enter the
    bank queues, one issue cycle passes (every bank accumulates one product), then the array
    stalls while some queue holds more than ``depth``; after the last step the queues drain.
    All sequences advance together (vectorised over sequences).

    Examples
    --------
    >>> one_bank = np.zeros((1, 3, 4), dtype=np.int64); one_bank[:, :, 0] = 4
    >>> queue_cycles(one_bank, 2).tolist(), queue_cycles(one_bank, 0).tolist()  # 12 products
    ([12], [12])
    >>> spread = np.zeros((1, 4, 4), dtype=np.int64); spread[0, [0, 1, 2, 3], [0, 1, 2, 3]] = 2
    >>> queue_cycles(spread, 2).tolist(), queue_cycles(spread, 0).tolist()  # 'max' model: 8
    ([5], [8])
    """
    count, steps = loads.shape[:2]
    lengths = np.full(count, steps) if lengths is None else np.asarray(lengths)
    return _queue_by_bank(np.ascontiguousarray(loads.transpose(0, 2, 1)), depth, lengths)


def _narrowest(steps: int, most: int) -> type:
    """The narrowest signed integer type that holds a running sum of ``steps`` loads of at
    most ``most`` each, less one per step (halving the bytes halves the memory traffic)."""
    span = steps * (most + 1) + 1
    return next(t for t in (np.int16, np.int32, np.int64) if span < np.iinfo(t).max)


def _queue_by_bank(loads: np.ndarray, depth: int, lengths: np.ndarray) -> np.ndarray:
    """`queue_cycles` on ``(sequences, banks, steps)`` loads (zero past each length).

    Until the first stall, each queue follows Lindley's recursion
    ``q_t = max(q_{t-1} + n_t - 1, 0) = S_t - min(0, min_{s <= t} S_s)`` with ``S`` the running
    sum of ``n - 1``: vectorised. A sequence whose queues never exceed ``depth`` in its own steps
    costs its steps plus the final drain. The others (a stall drains every queue: no closed
    form) are replayed step by step from their first stall, all together, from the queues
    Lindley gives just before.
    """
    count, banks, steps = loads.shape
    if count == 0 or steps == 0:
        return np.zeros(count, dtype=np.int64)
    lindley = loads.astype(_narrowest(steps, int(loads.max(initial=0))))
    lindley -= 1
    np.cumsum(lindley, axis=2, dtype=lindley.dtype, out=lindley)
    low = np.minimum.accumulate(lindley, axis=2)
    np.minimum(low, 0, out=low)
    lindley -= low
    per_step = lindley.max(axis=1)  # (sequences, steps): the fullest queue after each step
    per_step[np.arange(steps) >= lengths[:, None]] = 0  # steps past a sequence's length
    last = per_step[np.arange(count), np.maximum(lengths - 1, 0)]
    cycles = (lengths + np.where(lengths > 0, last, 0)).astype(np.int64)
    stalled = np.flatnonzero(per_step.max(axis=1) > depth)
    if len(stalled):
        first = np.argmax(per_step[stalled] > depth, axis=1)  # the step of the first stall
        before = np.where(
            (first > 0)[:, None], lindley[stalled, :, np.maximum(first - 1, 0)], 0
        ).astype(np.int64)
        rest = lengths[stalled] - first
        at = np.minimum(first[:, None] + np.arange(int(rest.max())), steps - 1)  # (s, steps)
        tail = np.take_along_axis(loads[stalled], at[:, None, :], axis=2)  # (s, banks, steps)
        cycles[stalled] = first + _queue_loop(tail.transpose(0, 2, 1), depth, rest, before)
    return cycles


def _queue_loop(
    loads: np.ndarray, depth: int, lengths: np.ndarray, queues: np.ndarray | None = None
) -> np.ndarray:
    """`queue_cycles` step by step (sequences that stall), from ``queues`` ``(sequences,
    banks)`` products waiting before the first step (default: empty)."""
    count, steps = loads.shape[:2]
    queues = np.zeros((count, loads.shape[2]), dtype=np.int64) if queues is None else queues
    cycles = np.zeros(count, dtype=np.int64)
    for step in range(steps):
        live = (step < lengths).astype(np.int64)
        queues += loads[:, step] * live[:, None]
        np.maximum(queues - live[:, None], 0, out=queues)
        stall = np.maximum(queues.max(axis=1) - depth, 0) * live
        np.maximum(queues - stall[:, None], 0, out=queues)
        cycles += live + stall
    return cycles + queues.max(axis=1, initial=0)


def queue_segments(flat: np.ndarray, owner: np.ndarray, depth: int, pes: int) -> np.ndarray:
    """`queue_cycles` of every PE's steps, the PEs' sequences back to back in ``flat``
    ``(steps, banks)`` (``owner`` sorted): each PE's steps laid out as one sequence of a
    ``(PEs with steps, banks, longest)`` block, zero-padded."""
    lengths = np.bincount(owner, minlength=pes)
    live = np.flatnonzero(lengths)
    cycles = np.zeros(pes, dtype=np.int64)
    if len(live) == 0:
        return cycles
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rank = np.zeros(pes, dtype=np.int64)
    rank[live] = np.arange(len(live))
    block = np.zeros((len(live), flat.shape[1], int(lengths.max())), dtype=flat.dtype)
    block.transpose(0, 2, 1)[rank[owner], np.arange(len(owner)) - starts[owner]] = flat
    cycles[live] = _queue_by_bank(block, depth, lengths[live])
    return cycles
