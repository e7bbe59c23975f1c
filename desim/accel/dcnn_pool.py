"""DCNN's pooling on the write-back path: where a conv output goes, and the pooling units.

When a layer is followed by a max pool (`LayerRecord.pool`), what DCNN stores is the pooled
plane, the next layer's input: its output `LineStore` is over the pooled ``(K, P', Q')`` lines.
A PE still computes convolution outputs; it sends each (row ``h``, channel ``k``) to the holder
(bank, or the memory port for lines in DRAM) of every pooled line ``(p', k)`` whose window reads
row ``h`` (`MaxPool.reads`; an overlapping 3 x 3 / 2 window can make that two holders). At the
holder a pooling unit (a comparator and a line buffer of running maxima in front of the bank)
keeps the running maximum of each pooled value it holds and writes it once, when the last conv
value of its window (padding excluded) has arrived. The running maximum starts at 0 when the
layer has a ReLU (``max(0, x1, ..., xn)`` is the ReLU of the pool, so the ReLU costs nothing),
at ``-inf`` otherwise.

Energy: one compare per conv value entering a window (`MaxPool.window_taps` per channel),
priced as a 24-bit add (``pool_unit``, ``add24``): no energy for a comparator is published, and a
comparator is at most an adder of its width, so this is an upper bound (as SCNN's PPU logic,
`desim.accel.scnn_ppu`). The line buffer of running maxima is not counted (registers beside the
comparator). Our source: DianNao's NFU-2 pools (Chen et al., ASPLOS 2014, sec. 3); ours is on the
write-back path because a DCNN PE's run of positions does not hold whole windows.

Examples
--------
A 4 x 4 conv plane of one channel, a 2 x 2 / 2 pool; pooled line 0 in the one bank, line 1 in
DRAM (holder 1): conv rows 0-1 go to the bank, rows 2-3 to the memory port. The bank's unit
completes pooled values 0 and 1 (the ReLU's 0 is the running maximum's start):

>>> from desim.accel.dense_plan import LineStore
>>> from desim.accel.pooling import MaxPool
>>> store = LineStore(1, 2, 2, 1, 1)
>>> unit = PoolingUnits(MaxPool((2, 2), (2, 2)), 1, 4, 4, True, store)
>>> [(holder, index.tolist()) for holder, index in unit.routes(np.arange(16))]
[(0, [0, 1, 2, 3, 4, 5, 6, 7]), (1, [8, 9, 10, 11, 12, 13, 14, 15])]
>>> done, values, compares = unit.enter(0, np.arange(8), np.arange(8.0) - 4)
>>> done.tolist(), values.tolist(), compares
([0, 1], [1.0, 3.0], 8)
"""

from __future__ import annotations

import numpy as np

from desim.accel.dense_plan import LineStore
from desim.accel.layer import LayerRecord
from desim.accel.pooling import MaxPool
from desim.accel.result import FunctionalMismatch, check_plane

__all__ = ["PoolingUnits", "check_written"]


def _readers(pool: MaxPool, axis: int, length: int) -> np.ndarray:
    """``(length, m)``: the pooled rows (columns) that read each input row (column), ``-1``
    padded."""
    incidence = pool.incidence(axis, length)
    width = max(1, int(incidence.sum(axis=1).max(initial=0)))
    readers = np.full((length, width), -1)
    for row in range(length):
        hits = np.flatnonzero(incidence[row])
        readers[row, : hits.size] = hits
    return readers


class PoolingUnits:
    """The pooling units of every holder of a layer's pooled lines, and the routes to them.

    Each pooled value is held by exactly one holder (bank ``0..pes-1``, or ``pes``: the memory
    port), so the units' running maxima and remaining-tap counters are kept in one
    ``(K, P', Q')`` array each; a holder only touches its own entries.

    Parameters
    ----------
    pool : MaxPool
        The layer's pool.
    K, P, Q : int
        The convolution's output channels and plane.
    relu : bool
        Whether the layer's ReLU precedes the pool (the running maxima start at 0).
    store : LineStore
        Where the pooled lines ``(p', k)`` live.
    """

    def __init__(self, pool: MaxPool, K: int, P: int, Q: int, relu: bool, store: LineStore):
        self.K, self.P, self.Q, self.store = K, P, Q, store
        self.Pp, self.Qp = pool.output_size(P, Q)
        self.row_readers = _readers(pool, 0, P)
        self.col_readers = _readers(pool, 1, Q)
        #: columns some window reads (a conv value in another column goes nowhere)
        self.col_read = (self.col_readers >= 0).any(axis=1)
        #: conv values still to arrive per pooled value
        self.remaining = np.broadcast_to(pool.taps(P, Q), (K, self.Pp, self.Qp)).copy()
        self.running = np.full((K, self.Pp, self.Qp), 0.0 if relu else -np.inf)
        #: the pooled values written (NaN: not yet)
        self.written = np.full((K, self.Pp, self.Qp), np.nan)

    def _lines(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Channel, column and the pooled lines reading the row (``(n, m)``, ``-1``: none) of
        conv outputs ``flat`` (indices into ``(K, P * Q)``)."""
        k, position = np.divmod(flat, self.P * self.Q)
        h, w = np.divmod(position, self.Q)
        rows = self.row_readers[h]
        lines = np.where(rows >= 0, rows * self.K + k[:, None], -1)
        return k, w, lines

    def _owners(self, lines: np.ndarray) -> np.ndarray:
        return np.where(lines >= 0, self.store.owner(np.maximum(lines, 0)), -1)

    def routes(self, flat: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """For conv outputs ``flat``: each holder they go to, and which of them (positions in
        ``flat``), in holder order."""
        _, w, lines = self._lines(flat)
        owners = self._owners(lines)
        owners[~self.col_read[w]] = -1
        out = []
        for holder in np.unique(owners[owners >= 0]):
            out.append((int(holder), np.flatnonzero((owners == holder).any(axis=1))))
        return out

    def enter(
        self, holder: int, flat: np.ndarray, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Conv outputs ``flat`` with ``values`` reach ``holder``'s pooling unit: update the
        running maxima of the pooled values it holds; return the flat indices (into
        ``(K, P' * Q')``) and values of those this completes, and the compares made."""
        k, w, lines = self._lines(flat)
        rows = np.where(self._owners(lines) == holder, lines // self.K, -1)  # (n, mr)
        cols = self.col_readers[w]  # (n, mc)
        valid = (rows >= 0)[:, :, None] & (cols >= 0)[:, None, :]
        index = (k[:, None, None] * self.Pp + rows[:, :, None]) * self.Qp + cols[:, None, :]
        index = index[valid]
        taps = np.broadcast_to(values[:, None, None], valid.shape)[valid]
        np.maximum.at(self.running.reshape(-1), index, taps)
        np.subtract.at(self.remaining.reshape(-1), index, 1)
        touched = np.unique(index)
        done = touched[self.remaining.reshape(-1)[touched] == 0]
        pooled = self.running.reshape(-1)[done]
        self.written.reshape(-1)[done] = pooled
        return done, pooled, int(index.size)

    def check(self, layer: LayerRecord) -> float:
        """`check_written` of what the units wrote."""
        return check_written(layer, self.written)


def check_written(layer: LayerRecord, written: np.ndarray, rtol: float = 1e-4) -> float:
    """Compare the plane an output path wrote (one sample; NaN: never written) with what it
    should write of torch's output, ``layer.written(layer.output[0])``; return the largest error
    relative to that plane's largest magnitude (the max is exact; the conv values under it carry
    numpy's and torch's float rounding, hence `check_outputs`' tolerance).

    Raises
    ------
    FunctionalMismatch
        If the shapes differ, a value was never written, or the error exceeds ``rtol``.
    """
    missing = int(np.isnan(written).sum())
    if missing:
        raise FunctionalMismatch(f"{layer.name}: {missing} pooled values were never written")
    return check_plane(layer.name, "pooled values", written, layer.written(layer.output[0]), rtol)
