"""The SCNN PE's cycle model: F x I Cartesian product, scatter crossbar, banked accumulators.

Each step the multiplier array takes a vector of ``F`` weights (consecutive entries of the
compressed ``Kc x R x S`` weight block of one input channel, so a vector may cross k, r, s
boundaries) and a vector of ``I`` activations (consecutive non-zeros of the PE's tile of that
channel), and forms all ``F x I`` products [1]_. The activation vector is stationary while every
weight vector of the block streams past it. A partly filled vector (the last of a block, or a
block with fewer than ``F`` entries) leaves multipliers idle: *fragmentation*.

Each product's output coordinate ``(k, x', y')`` in the PE's accumulator region is
``x' = (x + pad - r) / stride - region origin``; it goes through the scatter crossbar to the bank
`bank_hash` chooses. Products whose output falls off the plane (the padding border) are formed and
discarded before the crossbar. Conflict models (``conflict_model``):

``"max"``
    A step costs ``max(1, most products sent to one bank)`` cycles: each bank accumulates one
    product per cycle and the array waits for the step's last product (DNNsim's charge [2]_).
``"queue"``
    Each bank has an input queue of ``queue_depth`` products (default 8, the model of a simulator
    from the authors' circle, SCNN.md): a step's products enter the queues, each bank accumulates
    one product per cycle, and the array stalls only while some queue holds more than
    ``queue_depth``. A conflict in one step is absorbed by the queues while the next steps go to
    other banks; a bank that receives more than one product per step *on average* still sets the
    pace. ``queue_depth=0`` is ``"max"``. The queues drain at the end of each (channel, stride
    class) stream (a few cycles of overcount per stream: the hardware would overlap them).
``"none"``
    One cycle per step (ideal banks; an ablation that measures what conflicts cost).

Bank hashes (`BANK_HASHES`; the paper's is not published):

``"xor"``
    DNNsim's, for 32 banks: ``bit4 = k2 ^ x'1 ^ y'1, bit3 = x'0, bit2 = y'0, bits1..0 = k1..0``.
``"linear"``
    The flattened accumulator address ``(k * area + x' * width + y') mod A``.

References
----------
.. [1] A. Parashar et al., "SCNN", ISCA 2017, sec. 4.1-4.2.
.. [2] DNNsim, core/src/SCNN.cpp (isakedo/DNNsim).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desim.accel.scnn_queue import queue_cycles, queue_segments
from desim.config_checks import check_key_int, require_key

__all__ = [
    "BANK_HASHES",
    "CONFLICT_MODELS",
    "PeArray",
    "Operands",
    "StepTotals",
    "step_cycles",
    "queue_cycles",
]

#: (k, x', y', region width, region area, banks) -> bank, elementwise on int64 arrays.
BankHash = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]


def _xor_hash(k, x, y, width, area, banks):  # type: ignore[no-untyped-def]
    bit4 = ((k >> 2) ^ (x >> 1) ^ (y >> 1)) & 1
    return (bit4 << 4) | ((x & 1) << 3) | ((y & 1) << 2) | (k & 3)


def _linear_hash(k, x, y, width, area, banks):  # type: ignore[no-untyped-def]
    return (k * area + x * width + y) % banks


BANK_HASHES: dict[str, BankHash] = {"xor": _xor_hash, "linear": _linear_hash}
#: Hashes that depend only on (k mod pk, x' mod px, y' mod py): their periods (pk, px, py).
HASH_PERIODS: dict[str, tuple[int, int, int]] = {"xor": (8, 4, 4)}
CONFLICT_MODELS = ("max", "queue", "none")


@dataclass(frozen=True)
class PeArray:
    """One PE's arithmetic: ``F x I`` multipliers, ``banks`` accumulator banks.

    Attributes
    ----------
    f, i : int
        Weights and activations per multiplier-array step (SCNN: 4 x 4).
    banks, bank_entries : int
        Accumulator banks (SCNN: A = 2 F I = 32) and partial sums per bank (32).
    bank_hash : str
        A key of `BANK_HASHES`.
    conflict_model : str
        One of `CONFLICT_MODELS`.
    queue_depth : int
        Products each bank's input queue holds (``"queue"`` model only).
    """

    f: int = 4
    i: int = 4
    banks: int = 32
    bank_entries: int = 32
    bank_hash: str = "xor"
    conflict_model: str = "max"
    queue_depth: int = 8

    def __post_init__(self) -> None:
        check_key_int("queue_depth", self.queue_depth, 0)
        for name in ("f", "i", "banks", "bank_entries"):
            check_key_int(name, getattr(self, name), 1)
        require_key(
            self.bank_hash in BANK_HASHES,
            "bank_hash",
            f"must be one of {', '.join(BANK_HASHES)}, got {self.bank_hash!r}",
        )
        require_key(
            self.bank_hash != "xor" or self.banks == 32,
            "bank_hash",
            f"'xor' is defined for 32 accumulator banks, got {self.banks}; use 'linear'",
        )
        require_key(
            self.conflict_model in CONFLICT_MODELS,
            "conflict_model",
            f"must be one of {', '.join(CONFLICT_MODELS)}, got {self.conflict_model!r}",
        )

    @property
    def accumulator_entries(self) -> int:
        """Partial sums one accumulator buffer holds."""
        return self.banks * self.bank_entries


@dataclass(frozen=True)
class Operands:
    """The operands of one (input channel, stride class) of one Kc group, for every tile.

    Attributes
    ----------
    wk, wr, ws : numpy.ndarray
        Streamed weights in compressed order: output channel within the group, filter row,
        filter column.
    ax, ay, tile : numpy.ndarray
        Streamed activations: input row, input column, owning PE; grouped by PE, row-major.
    """

    wk: np.ndarray
    wr: np.ndarray
    ws: np.ndarray
    ax: np.ndarray
    ay: np.ndarray
    tile: np.ndarray


@dataclass(frozen=True)
class Geometry:
    """Per PE accumulator region (origin, height, width) and the layer's stride and padding."""

    origin_x: np.ndarray
    origin_y: np.ndarray
    height: np.ndarray
    width: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]


@dataclass(frozen=True)
class StepTotals:
    """Per PE results of one `step_cycles` call (arrays of length ``pes``)."""

    cycles: np.ndarray
    steps: np.ndarray
    accumulated: np.ndarray
    discarded: np.ndarray
    activation_vectors: np.ndarray


def _vectors(groups: np.ndarray, width: int, pes: int):  # type: ignore[no-untyped-def]
    """Slot of each entry when packed ``width`` per vector, each group's vectors apart
    (``groups`` sorted); also the vectors per group."""
    counts = np.bincount(groups, minlength=pes)
    per_group = -(-counts // width)
    first_slot = width * np.concatenate(([0], np.cumsum(per_group)[:-1]))
    first_entry = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return first_slot[groups] + np.arange(len(groups)) - first_entry[groups], per_group, counts


def _slots(values: np.ndarray, slots: np.ndarray, size: int, fill: int) -> np.ndarray:
    out = np.full(size, fill, dtype=np.int64)
    out[slots] = values
    return out


_OFF = -(2**40)  # an empty slot's coordinate: its products fall outside every region


@dataclass(frozen=True)
class _Packed:
    """Operands in vector slots: activations ``(n_u * I,)``, weights ``(n_v * F, 1)``."""

    xa: np.ndarray
    ya: np.ndarray
    height: np.ndarray
    width: np.ndarray
    xw: np.ndarray
    yw: np.ndarray
    kw: np.ndarray
    n_w: int


def _exact(p: _Packed, rows: np.ndarray, pe: PeArray) -> tuple[np.ndarray, np.ndarray]:
    """Per-bank loads ``(rows, weight vectors, banks)`` and accumulated products of activation
    vectors ``rows``, product by product."""
    cols = (rows[:, None] * pe.i + np.arange(pe.i)).ravel()
    x, y = p.xa[cols] - p.xw, p.ya[cols] - p.yw
    height, width = p.height[cols], p.width[cols]
    inside = (x >= 0) & (x < height) & (y >= 0) & (y < width)
    accumulated = inside.sum(axis=0).reshape(len(rows), pe.i).sum(axis=1)
    n_v = len(p.xw) // pe.f
    bank = BANK_HASHES[pe.bank_hash](p.kw, x, y, width, height * width, pe.banks)
    step = (np.arange(len(cols)) // pe.i)[None, :] * n_v + (np.arange(len(p.xw)) // pe.f)[:, None]
    key = step * (pe.banks + 1) + np.where(inside, bank, pe.banks)
    load = np.bincount(key.ravel(), minlength=len(rows) * n_v * (pe.banks + 1))
    return load.reshape(len(rows), n_v, pe.banks + 1)[:, :, : pe.banks], accumulated


def _by_class(p: _Packed, rows: np.ndarray, pe: PeArray, period: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    """Per-bank loads of activation vectors ``rows`` whose every product lands in the region, for a
    hash periodic in (k, x, y): per-bank loads are (activation-class histogram of each
    activation vector) x (bank histogram of each weight vector per activation class)."""
    pk, px, py = period
    n_v, classes = len(p.xw) // pe.f, px * py
    cx, cy = np.divmod(np.arange(classes), py)
    real = np.arange(p.n_w)
    table = BANK_HASHES[pe.bank_hash](
        p.kw[real] % pk, (cx - p.xw[real]) % px, (cy - p.yw[real]) % py, None, None, pe.banks
    )  # (weights, classes)
    index = ((real[:, None] // pe.f) * classes + np.arange(classes)) * pe.banks + table
    per_weight_vector = np.bincount(index.ravel(), minlength=n_v * classes * pe.banks)
    h = per_weight_vector.reshape(n_v, classes, pe.banks).transpose(1, 0, 2).reshape(classes, -1)
    cols = (rows[:, None] * pe.i + np.arange(pe.i)).ravel()
    live = p.xa[cols] > _OFF // 2
    act_class = (p.xa[cols] % px) * py + p.ya[cols] % py
    vector = np.repeat(np.arange(len(rows)), pe.i)
    g = np.bincount(vector[live] * classes + act_class[live], minlength=len(rows) * classes)
    load = g.reshape(len(rows), classes).astype(np.float32) @ h.astype(np.float32)
    load = load.reshape(len(rows), n_v, pe.banks).astype(np.int32)
    return load, live.reshape(len(rows), pe.i).sum(axis=1) * p.n_w


def _cost(loads: np.ndarray, tile_of_u: np.ndarray, pe: PeArray, pes: int) -> np.ndarray:
    """Per PE cycles of its activation vectors' steps: ``"max"`` per step; ``"queue"`` over the
    PE's steps as one sequence, in order (activation vector, then weight vector)."""
    n_u, n_v = loads.shape[:2]
    if pe.conflict_model == "max":
        per_u = np.maximum(1, loads.max(axis=2)).sum(axis=1)
        return np.bincount(tile_of_u, per_u, pes).astype(np.int64)
    return queue_segments(
        loads.reshape(n_u * n_v, -1), np.repeat(tile_of_u, n_v), pe.queue_depth, pes
    )


def step_cycles(ops: Operands, geo: Geometry, pe: PeArray, pes: int) -> StepTotals:
    """Cycles every PE's multiplier array takes for ``ops`` (see the module docstring).

    Every PE multiplies each of its activation vectors with every weight vector; the step
    costs what the conflict model says. Within a stride class an output row is
    ``(x + pad - r) / stride = (x + pad) // stride - r // stride``. Vectors whose products all
    land in the region are counted by class histograms when the hash is periodic
    (`HASH_PERIODS`); the others (plane borders) product by product; both give the same loads.
    """
    a_slot, per_tile, a_count = _vectors(ops.tile, pe.i, pes)
    n_u, n_v = int(per_tile.sum()), -(-len(ops.wk) // pe.f)
    zero = np.zeros(pes, dtype=np.int64)
    if n_u == 0 or n_v == 0:
        return StepTotals(zero, zero, zero, zero, per_tile)
    (sr, ss), (pr, ps) = geo.stride, geo.padding
    size_a, w_slot = n_u * pe.i, np.arange(len(ops.wk))
    tile_of_slot = np.repeat(np.arange(pes), per_tile * pe.i)
    p = _Packed(
        _slots((ops.ax + pr) // sr - geo.origin_x[ops.tile], a_slot, size_a, _OFF),
        _slots((ops.ay + ps) // ss - geo.origin_y[ops.tile], a_slot, size_a, _OFF),
        geo.height[tile_of_slot],
        geo.width[tile_of_slot],
        _slots(ops.wr // sr, w_slot, n_v * pe.f, -_OFF)[:, None],
        _slots(ops.ws // ss, w_slot, n_v * pe.f, 0)[:, None],
        _slots(ops.wk, w_slot, n_v * pe.f, 0)[:, None],
        len(ops.wk),
    )
    xw, yw = ops.wr // sr, ops.ws // ss
    border = (
        (p.xa - xw.max() < 0)
        | (p.xa - xw.min() >= p.height)
        | (p.ya - yw.max() < 0)
        | (p.ya - yw.min() >= p.width)
    ) & (p.xa > _OFF // 2)
    border_u = border.reshape(n_u, pe.i).any(axis=1)
    loads = np.empty((n_u, n_v, pe.banks), dtype=np.int32)
    acc_u = np.empty(n_u, dtype=np.int64)
    period = HASH_PERIODS.get(pe.bank_hash)
    fast = ~border_u if period is not None else np.zeros(n_u, bool)
    for rows, method in ((np.flatnonzero(fast), "class"), (np.flatnonzero(~fast), "exact")):
        if len(rows):
            loads[rows], acc_u[rows] = (
                _by_class(p, rows, pe, period) if method == "class" else _exact(p, rows, pe)
            )
    tile_of_u = np.repeat(np.arange(pes), per_tile)
    accumulated = np.bincount(tile_of_u, acc_u, minlength=pes).astype(np.int64)
    if pe.conflict_model == "none":
        cycles = per_tile * n_v
    else:
        cycles = _cost(loads, tile_of_u, pe, pes)
    return StepTotals(
        cycles,
        per_tile * n_v,
        accumulated,
        a_count * len(ops.wk) - accumulated,
        per_tile,
    )
