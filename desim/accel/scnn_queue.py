"""SCNN's accumulator-bank input queues: the cycles of a stream of multiplier-array steps.

The ``"queue"`` conflict model of `desim.accel.scnn_pe`: each of the A accumulator banks has an
input queue of ``depth`` products; a step's products enter the queues, every bank accumulates one
product per cycle, and the multiplier array stalls while some queue holds more than ``depth``
(the model of a public SCNN simulator from the paper authors' circle; SCNN.md). ``depth = 0`` is
DNNsim's ``max(1, most products on one bank)`` charge per step.

Computed in bulk: until the first stall, each bank's queue follows Lindley's recursion, a running
sum and a running minimum (numpy); sequences that stall (rare with 16 products over 32 banks and
8-deep queues) are replayed step by step.
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


def _queue_by_bank(loads: np.ndarray, depth: int, lengths: np.ndarray) -> np.ndarray:
    """`queue_cycles` on ``(sequences, banks, steps)`` loads (zero past each length).

    Until the first stall, each queue follows Lindley's recursion
    ``q_t = max(q_{t-1} + n_t - 1, 0) = S_t - min(0, min_{s <= t} S_s)`` with ``S`` the running
    sum of ``n - 1``: vectorised. A sequence whose queues never exceed ``depth`` costs its steps
    plus the final drain (past its length its queues only drain, so the peak over all steps is
    the peak over its own). The others (a stall drains every queue: no closed form) take the
    step-by-step loop.
    """
    count, _, steps = loads.shape
    if count == 0 or steps == 0:
        return np.zeros(count, dtype=np.int64)
    lindley = np.cumsum(loads - 1, axis=2, dtype=np.int32)
    lindley -= np.minimum(np.minimum.accumulate(lindley, axis=2), 0)
    peak = lindley.max(axis=(1, 2))
    last = lindley[np.arange(count), :, np.maximum(lengths - 1, 0)].max(axis=1)
    cycles = (lengths + np.where(lengths > 0, last, 0)).astype(np.int64)
    stalled = np.flatnonzero(peak > depth)
    if len(stalled):
        cycles[stalled] = _queue_loop(loads[stalled].transpose(0, 2, 1), depth, lengths[stalled])
    return cycles


def _queue_loop(loads: np.ndarray, depth: int, lengths: np.ndarray) -> np.ndarray:
    """`queue_cycles` step by step (sequences that stall)."""
    count, steps = loads.shape[:2]
    queues = np.zeros((count, loads.shape[2]), dtype=np.int64)
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
    ``(steps, banks)`` (``owner`` sorted): Lindley's recursion with a restart per segment.

    Per bank, the running sum of ``n - 1`` restarts at each segment (each segment's first step
    less the previous segment's total, then one cumulative sum); later segments are pushed far
    lower so one running minimum restarts at each of them too. In 32-bit integers when the
    sums fit (half the memory traffic of 64-bit).
    """
    lengths = np.bincount(owner, minlength=pes)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    live = np.flatnonzero(lengths)
    cycles = np.zeros(pes, dtype=np.int64)
    if len(live) == 0:
        return cycles
    span = int(lengths.max()) * (int(flat.max(initial=0)) + 1) + 1  # bounds |running sum|
    dtype = np.int32 if 2 * span * (pes + 1) < 2**31 else np.int64
    running = flat.T.astype(dtype)  # (banks, steps)
    running -= 1
    totals = np.add.reduceat(running, starts[live], axis=1)
    running[:, starts[live[1:]]] -= totals[:, :-1]
    np.cumsum(running, axis=1, dtype=dtype, out=running)
    offset = np.repeat(np.arange(pes, dtype=dtype) * dtype(2 * span), lengths)
    low = running - offset
    np.minimum.accumulate(low, axis=1, out=low)
    low += offset
    np.minimum(low, 0, out=low)
    np.subtract(running, low, out=running)
    per_step = running.max(axis=0)
    cycles[live] = lengths[live] + per_step[starts[live] + lengths[live] - 1]
    peak = np.zeros(pes, dtype=np.int64)
    peak[live] = np.maximum.reduceat(per_step, starts[live])
    for stalled in np.flatnonzero(peak > depth):
        rows = flat[starts[stalled] : starts[stalled] + lengths[stalled]]
        cycles[stalled] = _queue_loop(rows[None], depth, lengths[stalled : stalled + 1])[0]
    return cycles
