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

from desim.config import require

__all__ = ["BANK_HASHES", "CONFLICT_MODELS", "PeArray", "Operands", "StepTotals", "step_cycles"]

#: (k, x', y', region width, region area, banks) -> bank, elementwise on int64 arrays.
BankHash = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]


def _xor_hash(k, x, y, width, area, banks):  # type: ignore[no-untyped-def]
    bit4 = ((k >> 2) ^ (x >> 1) ^ (y >> 1)) & 1
    return (bit4 << 4) | ((x & 1) << 3) | ((y & 1) << 2) | (k & 3)


def _linear_hash(k, x, y, width, area, banks):  # type: ignore[no-untyped-def]
    return (k * area + x * width + y) % banks


BANK_HASHES: dict[str, BankHash] = {"xor": _xor_hash, "linear": _linear_hash}
CONFLICT_MODELS = ("max", "none")


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
    """

    f: int = 4
    i: int = 4
    banks: int = 32
    bank_entries: int = 32
    bank_hash: str = "xor"
    conflict_model: str = "max"

    def __post_init__(self) -> None:
        for name in ("f", "i", "banks", "bank_entries"):
            value = getattr(self, name)
            require(
                isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                f"{name} must be an integer >= 1, got {value!r}",
            )
        require(
            self.bank_hash in BANK_HASHES,
            f"bank_hash {self.bank_hash!r} unknown; valid: {', '.join(BANK_HASHES)}",
        )
        require(
            self.bank_hash != "xor" or self.banks == 32,
            f"bank_hash 'xor' is defined for 32 banks, got banks={self.banks}; use 'linear'",
        )
        require(
            self.conflict_model in CONFLICT_MODELS,
            f"conflict_model {self.conflict_model!r} unknown; valid: {', '.join(CONFLICT_MODELS)}",
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


def _vectors(values: np.ndarray, groups: np.ndarray, width: int, pes: int):  # type: ignore[no-untyped-def]
    """Slots ``(vector, lane)`` of entries packed ``width`` per vector, each group apart."""
    counts = np.bincount(groups, minlength=pes)
    per_group = -(-counts // width)
    first_vector = np.concatenate(([0], np.cumsum(per_group)[:-1]))
    first_entry = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(len(values)) - first_entry[groups]
    return first_vector[groups] + rank // width, rank % width, per_group


def _packed(values: np.ndarray, vector: np.ndarray, lane: np.ndarray, shape, fill: int):  # type: ignore[no-untyped-def]
    out = np.full(shape, fill, dtype=np.int64)
    out[vector, lane] = values
    return out


def step_cycles(ops: Operands, geo: Geometry, pe: PeArray, pes: int) -> StepTotals:
    """Cycles every PE's multiplier array takes for ``ops`` (see the module docstring).

    Every PE multiplies each of its activation vectors with every weight vector; the step
    costs what the conflict model says.
    """
    vec, lane, per_tile = _vectors(ops.ax, ops.tile, pe.i, pes)
    n_u, n_v = int(per_tile.sum()), -(-len(ops.wk) // pe.f)
    if n_u == 0 or n_v == 0:
        zero = np.zeros(pes, dtype=np.int64)
        return StepTotals(zero, zero, zero, zero, per_tile)
    ax = _packed(ops.ax, vec, lane, (n_u, pe.i), -(10**9))
    ay = _packed(ops.ay, vec, lane, (n_u, pe.i), 0)
    widx = np.arange(len(ops.wk))
    wv, wl = widx // pe.f, widx % pe.f
    wr = _packed(ops.wr, wv, wl, (n_v, pe.f), 10**9)
    ws = _packed(ops.ws, wv, wl, (n_v, pe.f), 0)
    wk = _packed(ops.wk, wv, wl, (n_v, pe.f), 0)
    tile_of_u = np.repeat(np.arange(pes), per_tile)
    (sr, ss), (pr, ps) = geo.stride, geo.padding
    t = tile_of_u[:, None, None, None]
    x = (ax[:, None, :, None] + pr - wr[None, :, None, :]) // sr - geo.origin_x[t]
    y = (ay[:, None, :, None] + ps - ws[None, :, None, :]) // ss - geo.origin_y[t]
    real = (ax[:, None, :, None] > -(10**8)) & (wr[None, :, None, :] < 10**8)
    inside = real & (x >= 0) & (x < geo.height[t]) & (y >= 0) & (y < geo.width[t])
    k = np.broadcast_to(wk[None, :, None, :], x.shape)
    steps = n_u * n_v
    if pe.conflict_model == "max":
        bank = BANK_HASHES[pe.bank_hash](
            k, x, y, geo.width[t], geo.height[t] * geo.width[t], pe.banks
        )
        bank = np.where(inside, bank, pe.banks)
        key = np.arange(steps).reshape(n_u, n_v, 1, 1) * (pe.banks + 1) + bank
        load = np.bincount(key.ravel(), minlength=steps * (pe.banks + 1))
        cost = np.maximum(1, load.reshape(steps, pe.banks + 1)[:, : pe.banks].max(axis=1))
    else:
        cost = np.ones(steps, dtype=np.int64)
    per_u = cost.reshape(n_u, n_v).sum(axis=1)
    acc = inside.sum(axis=(1, 2, 3))
    formed = real.sum(axis=(1, 2, 3))
    return StepTotals(
        np.bincount(tile_of_u, per_u, minlength=pes).astype(np.int64),
        per_tile * n_v,
        np.bincount(tile_of_u, acc, minlength=pes).astype(np.int64),
        np.bincount(tile_of_u, formed - acc, minlength=pes).astype(np.int64),
        per_tile,
    )
