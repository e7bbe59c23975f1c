"""SCNN's planar tiling and output-channel grouping (the Kc planner).

SCNN's PT-IS-CP-sparse dataflow [1]_ gives every PE one planar tile of the input activation
plane (input stationary) and the output tile at the same place. A PE's products reach every
output its inputs touch: its own output tile plus an output *halo* owned by its neighbours. The
accumulator buffer holds ``Kc x`` that region of partial sums, so ``Kc``, the output channels
processed together, is the largest that fits (`plan_conv`).

Tiling
    The ``H x W`` input plane and the ``P x Q`` output plane are each split into the PE grid's
    ``rows x cols`` near-equal bands (`split`); a plane smaller than the grid leaves PEs with
    empty tiles (they idle at every barrier). PE ``i * cols + j`` owns input rows
    ``h[i]:h[i+1]`` and columns ``w[j]:w[j+1]``, and likewise its output tile.
Accumulator region
    Input row ``x`` reaches output rows ``p = (x + pad - r) / stride`` for the filter rows ``r``
    with an integer quotient, so an input band ``[x0, x1)`` reaches
    ``[ceil((x0 + pad - R + 1) / stride), floor((x1 - 1 + pad) / stride)]``, clipped to the plane.
Pooling
    A layer followed by a max pool writes the pooled plane, tiled over the grid like any plane
    (it is the next layer's input): PE ``u`` owns pooled tile ``u``, and every output its
    windows read that another PE owns travels to it (``pool_areas``). A pool on the input side
    (`desim.accel.pooling.InputPool`) is the same exchange one layer later: the unpooled plane
    is tiled over the grid as the producers wrote it, the pooled one is the layer's input
    (``input_pool_areas``).
Kc
    ``Kc = min(K / groups, entries // largest region)`` with ``entries`` the partial sums of one
    accumulator buffer (banks x bank entries); the halo is counted (DNNsim counts only the output
    tile [2]_; we keep every partial sum of a group on chip until it is drained).

References
----------
.. [1] A. Parashar et al., "SCNN: An Accelerator for Compressed-sparse Convolutional Neural
   Networks", ISCA 2017, sec. 4 (arXiv 1708.04485).
.. [2] DNNsim, core/src/SCNN.cpp (isakedo/DNNsim): Kc from the output tile alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desim.accel.layer import LayerRecord
from desim.accel.pooling import MaxPool
from desim.config import require

__all__ = ["split", "grid_shape", "ConvPlan", "fit_kc", "plan_conv", "pool_exchange", "Box"]

#: ``(row start, row stop, column start, column stop)``, stops exclusive.
Box = tuple[int, int, int, int]


def split(length: int, parts: int) -> np.ndarray:
    """Boundaries of ``parts`` near-equal bands of ``length`` (``parts + 1`` values).

    Examples
    --------
    >>> split(10, 4).tolist(), split(3, 4).tolist()
    ([0, 2, 5, 7, 10], [0, 0, 1, 2, 3])
    """
    return np.arange(parts + 1) * length // parts


def grid_shape(pes: int) -> tuple[int, int]:
    """The most nearly square ``rows x cols = pes`` grid (rows <= cols).

    Examples
    --------
    >>> grid_shape(64), grid_shape(8), grid_shape(7)
    ((8, 8), (2, 4), (1, 7))
    """
    rows = max(r for r in range(1, math.isqrt(pes) + 1) if pes % r == 0)
    return rows, pes // rows


def _band_reach(x0: int, x1: int, pad: int, taps: int, stride: int, size: int) -> tuple[int, int]:
    """Output band ``[lo, hi)`` reached by input band ``[x0, x1)`` (empty when ``lo >= hi``)."""
    if x1 <= x0:
        return 0, 0
    lo = max(0, -(-(x0 + pad - taps + 1) // stride))
    hi = min(size, (x1 - 1 + pad) // stride + 1)
    return lo, max(lo, hi)


def _overlap(a: Box, b: Box | np.ndarray) -> int:
    """Positions of box ``a`` inside box ``b``, or inside ``b``'s true cells (a mask)."""
    if isinstance(b, np.ndarray):
        return int(b[a[0] : a[1], a[2] : a[3]].sum())
    rows = min(a[1], b[1]) - max(a[0], b[0])
    cols = min(a[3], b[3]) - max(a[2], b[2])
    return max(0, rows) * max(0, cols)


@dataclass(frozen=True)
class ConvPlan:
    """Where every PE's data lives and how the output channels are grouped.

    Attributes
    ----------
    grid : (rows, cols)
        The PE grid.
    input_tiles, output_tiles, regions : list of Box
        Per PE: its input tile, the output tile it owns, and the outputs its inputs reach
        (its accumulator region: output tile plus halo).
    kc : int
        Output channels per group.
    groups : list of (conv group, first k, stop k)
        The Kc groups in processing order (global output-channel indices).
    halo_areas : numpy.ndarray
        ``(pes, pes)``: outputs of PE ``t``'s region owned by PE ``u != t`` (per output channel).
    written_tiles : list of Box
        Per PE, the tile of the plane it writes: its output tile, or with a pool its tile of
        the pooled plane.
    pool_areas : numpy.ndarray or None
        ``(pes, pes)``: outputs of PE ``t``'s tile that the pool windows of PE ``u != t``'s
        pooled tile read (per output channel); None without a pool.
    input_pool_areas : numpy.ndarray or None
        ``(pes, pes)``: values of PE ``t``'s tile of the unpooled plane that the windows of PE
        ``u != t``'s input tile read (per input channel); None without an input pool.
    """

    grid: tuple[int, int]
    input_tiles: list[Box]
    output_tiles: list[Box]
    regions: list[Box]
    kc: int
    groups: list[tuple[int, int, int]]
    halo_areas: np.ndarray
    written_tiles: list[Box]
    pool_areas: np.ndarray | None = None
    input_pool_areas: np.ndarray | None = None

    @property
    def pes(self) -> int:
        """Number of PEs."""
        return self.grid[0] * self.grid[1]

    def region_area(self, pe: int) -> int:
        """Partial sums per output channel in PE ``pe``'s accumulator region."""
        r0, r1, c0, c1 = self.regions[pe]
        return (r1 - r0) * (c1 - c0)


def _tiles(rows: np.ndarray, cols: np.ndarray) -> list[Box]:
    return [
        (int(rows[i]), int(rows[i + 1]), int(cols[j]), int(cols[j + 1]))
        for i in range(len(rows) - 1)
        for j in range(len(cols) - 1)
    ]


def _kc_groups(channels: int, conv_groups: int, kc: int) -> list[tuple[int, int, int]]:
    per_group = channels // conv_groups
    return [
        (g, g * per_group + k, g * per_group + min(k + kc, per_group))
        for g in range(conv_groups)
        for k in range(0, per_group, kc)
    ]


def fit_kc(
    layer: LayerRecord, grid: tuple[int, int], accumulator_entries: int, kc: int | None = None
) -> tuple[list[Box], list[Box], int]:
    """The input tiles, the accumulator regions and the Kc of `plan_conv` (cheap: no halos),
    or the `ConfigError` it raises when a region or a forced ``kc`` does not fit."""
    _, k_out, p_out, q_out = layer.output.shape
    _, _, h_in, w_in = layer.input.shape
    taps_r, taps_s = layer.weight.shape[2:]
    (sr, ss), (pr, ps) = layer.stride, layer.padding
    rows, cols = grid
    inputs = _tiles(split(h_in, rows), split(w_in, cols))
    regions = [
        (
            *_band_reach(b[0], b[1], pr, taps_r, sr, p_out),
            *_band_reach(b[2], b[3], ps, taps_s, ss, q_out),
        )
        for b in inputs
    ]
    largest = max((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in regions)
    per_group = k_out // layer.groups
    require(
        largest <= accumulator_entries,
        f"{layer.name}: a PE's accumulator region needs {largest} partial sums per output "
        f"channel, the accumulator holds {accumulator_entries}; use more PEs or larger banks",
    )
    fitting = min(per_group, accumulator_entries // max(largest, 1))
    if kc is not None:
        require(
            isinstance(kc, int) and 1 <= kc <= fitting,
            f"{layer.name}: kc={kc!r} must be an integer in [1, {fitting}] (accumulator fit)",
        )
    return inputs, regions, kc or fitting


def plan_conv(
    layer: LayerRecord, grid: tuple[int, int], accumulator_entries: int, kc: int | None = None
) -> ConvPlan:
    """Tile ``layer`` over ``grid`` and choose Kc so a group's partial sums fit the accumulators.

    Parameters
    ----------
    layer : LayerRecord
        A convolution.
    grid : (rows, cols)
        The PE grid.
    accumulator_entries : int
        Partial sums one accumulator buffer holds (banks x entries per bank).
    kc : int, optional
        Force this Kc (it must still fit); default: the largest that fits.

    Raises
    ------
    ConfigError
        If even one output channel's region does not fit, or a forced ``kc`` does not.
    """
    _, k_out, p_out, q_out = layer.output.shape
    _, _, h_in, w_in = layer.input.shape
    rows, cols = grid
    inputs, regions, chosen = fit_kc(layer, grid, accumulator_entries, kc)
    outputs = _tiles(split(p_out, rows), split(q_out, cols))
    pes = rows * cols
    halo = np.array(
        [
            [_overlap(regions[t], outputs[u]) if t != u else 0 for u in range(pes)]
            for t in range(pes)
        ],
        dtype=np.int64,
    )
    groups = _kc_groups(k_out, layer.groups, chosen)
    written, pool_areas = outputs, None
    if layer.pool is not None:
        written, pool_areas = pool_exchange(layer.pool, grid, p_out, q_out)
    input_pool_areas = None
    if layer.input_pool is not None:
        pool, plane = layer.input_pool.pool, layer.input_pool.plane
        require(
            pool.output_size(*plane) == (h_in, w_in),
            f"{layer.name}: its input pool makes a {plane[0]} x {plane[1]} plane "
            f"{pool.output_size(*plane)[0]} x {pool.output_size(*plane)[1]}, but its input is "
            f"{h_in} x {w_in}",
        )
        _, input_pool_areas = pool_exchange(pool, grid, *plane)
    return ConvPlan(
        grid,
        inputs,
        outputs,
        regions,
        chosen,
        groups,
        halo,
        written,
        pool_areas,
        input_pool_areas,
    )


def pool_exchange(
    pool: MaxPool, grid: tuple[int, int], height: int, width: int
) -> tuple[list[Box], np.ndarray]:
    """A ``height x width`` plane and its max-pooled plane, each tiled over ``grid``: per PE its
    pooled tile, and ``(pes, pes)`` the values of PE ``t``'s tile that the windows of PE
    ``u != t``'s pooled tile read (per channel).

    Examples
    --------
    GoogLeNet's 3 x 3 / 1 branch pool on a 7 x 7 plane over 2 x 2 PEs (bands 0-3, 3-7): PE 0's
    windows read row 3 and column 3 of its neighbours' tiles (3, 3 and 1 values):

    >>> _, areas = pool_exchange(MaxPool((3, 3), (1, 1), (1, 1)), (2, 2), 7, 7)
    >>> areas[:, 0].tolist()
    [0, 3, 3, 1]
    """
    rows, cols = pool.output_size(height, width)
    pooled = _tiles(split(rows, grid[0]), split(cols, grid[1]))
    tiles = _tiles(split(height, grid[0]), split(width, grid[1]))
    reads = [
        np.outer(pool.reads(0, r0, r1, height), pool.reads(1, c0, c1, width))
        for r0, r1, c0, c1 in pooled
    ]
    pes = grid[0] * grid[1]
    areas = np.array(
        [[_overlap(tiles[t], reads[u]) if t != u else 0 for u in range(pes)] for t in range(pes)],
        dtype=np.int64,
    )
    return pooled, areas
