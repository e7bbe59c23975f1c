"""The "queue" accumulator-bank conflict model against analytic oracles."""

from __future__ import annotations

import numpy as np
import pytest

from desim.accel.scnn import ScnnConfig
from desim.accel.scnn_pe import Geometry, Operands, PeArray, step_cycles
from desim.accel.scnn_queue import queue_cycles
from desim.kernel.errors import ConfigError


def _loads(steps, banks=32):
    return np.zeros((1, steps, banks), dtype=np.int64)


@pytest.mark.parametrize("depth", [0, 1, 8])
def test_one_bank_sets_the_pace_whatever_the_depth(depth):
    """Every step sends its 16 products to one bank: the bank accumulates one per cycle, so
    N steps take 16 N cycles (queues cannot raise a bank's throughput)."""
    loads = _loads(10)
    loads[0, :, 5] = 16
    assert queue_cycles(loads, depth).tolist() == [160]


@pytest.mark.parametrize("depth", [1, 8])
def test_alternating_conflicts_are_absorbed(depth):
    """Step t puts 2 products on bank t mod 2: each bank gets one product per cycle on average,
    so with any queue the array issues every cycle (N steps, plus the last product's drain:
    N + 1); the "max" model (depth 0) charges 2 per step."""
    n = 12
    loads = _loads(n)
    loads[0, np.arange(n), np.arange(n) % 2] = 2
    assert queue_cycles(loads, depth).tolist() == [n + 1]
    assert queue_cycles(loads, 0).tolist() == [2 * n]


def test_bounds_on_random_loads():
    """Never fewer cycles than steps or than the busiest bank's products; never more than the
    "max" model; depth 0 is the "max" model."""
    rng = np.random.default_rng(0)
    loads = rng.multinomial(16, np.full(32, 1 / 32), size=(20, 40))  # 20 sequences, 40 steps
    charged_max = np.maximum(1, loads.max(axis=2)).sum(axis=1)
    for depth in (1, 4, 8):
        q = queue_cycles(loads, depth)
        assert (q >= np.maximum(40, loads.sum(axis=1).max(axis=1))).all()
        assert (q <= charged_max).all()
    assert (queue_cycles(loads, 0) == charged_max).all()


def test_unequal_sequence_lengths():
    """A sequence's padding steps after its length cost nothing and drain nothing."""
    loads = _loads(6)
    loads[0, :3, 0] = 4  # 3 steps of 4 products on bank 0: 12 cycles
    assert queue_cycles(loads, 8, np.array([3])).tolist() == [12]


def test_step_cycles_queue_on_one_bank():
    """Linear hash, region area 32: the F = 4 products of one activation all land on one bank
    (k * 32 = 0 mod 32). One activation, 3 weight vectors: 12 products on one bank = 12 cycles
    under "queue" and "max" alike; 3 steps under "none"."""
    zeros = np.zeros(12, dtype=np.int64)
    ops = Operands(np.arange(12) % 4, zeros, zeros, np.array([1]), np.array([2]), np.array([0]))
    geo = Geometry(np.zeros(1, int), np.zeros(1, int), np.array([4]), np.array([8]), (1, 1), (0, 0))
    cycles = {
        m: int(step_cycles(ops, geo, PeArray(bank_hash="linear", conflict_model=m), 1).cycles[0])
        for m in ("queue", "max", "none")
    }
    assert cycles == {"queue": 12, "max": 12, "none": 3}


def test_queue_depth_is_validated():
    with pytest.raises(ConfigError, match="queue_depth"):
        ScnnConfig(bank_queue_depth=-1)
    with pytest.raises(ConfigError, match="queue_depth"):
        PeArray(queue_depth=True)


def test_closed_form_equals_the_step_loop():
    """Sequences that never stall take the Lindley closed form, the others the loop; both
    give what the step-by-step definition gives (the loop run on every sequence)."""
    from desim.accel.scnn_queue import _queue_loop

    rng = np.random.default_rng(1)
    loads = rng.multinomial(16, np.full(32, 1 / 32), size=(30, 50))
    loads[:5, 10:14, 3] = 12  # a burst on one bank: these stall at depth 8
    lengths = rng.integers(0, 51, size=30)
    for depth in (0, 2, 8):
        assert (queue_cycles(loads, depth, lengths) == _queue_loop(loads, depth, lengths)).all()


def test_segments_restart_per_pe():
    """Every PE's steps, back to back, give what each PE's sequence gives alone."""
    from desim.accel.scnn_queue import queue_segments

    rng = np.random.default_rng(2)
    lengths = np.array([5, 0, 40, 17, 1])
    flat = rng.multinomial(16, np.full(32, 1 / 32), size=int(lengths.sum()))
    flat[50:54, 7] = 12  # PE 3 stalls at depth 8
    owner = np.repeat(np.arange(5), lengths)
    for depth in (0, 8):
        got = queue_segments(flat, owner, depth, 5)
        alone = [
            queue_cycles(flat[owner == p][None], depth)[0] if lengths[p] else 0 for p in range(5)
        ]
        assert got.tolist() == [int(c) for c in alone]
