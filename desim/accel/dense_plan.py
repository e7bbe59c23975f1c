"""How a dense layer is cut across PEs and where its activations live (pure geometry, no time).

A layer is seen as a convolution (a linear layer is one with a 1 x 1 plane and 1 x 1 filters).

Work. Output positions (P x Q, row-major) are cut into ``n_pos`` contiguous runs and output
channels into ``n_k`` contiguous ranges, ``n_pos x n_k`` = the PEs. PE ``i`` computes position run
``i // n_k`` for channel range ``i % n_k``: it needs the input window of its run (sent to the
``n_k`` PEs of the run) and the filters of its range (sent to the ``n_pos`` PEs of the range).
A PE computes its channels ``lanes`` at a time (the output channels its multiplier array serves
together), so its work is its positions x its channels rounded up to ``lanes``. Among the
factorisations whose busiest PE has at most ``1 + slack`` times the least work possible, the one
chosen delivers the fewest values (``n_k x input + n_pos x weights``): balance first, then
traffic.

Weight rounds. A PE's filters reach it in rounds that fill half of its double-buffered weight
buffer (`WeightRounds`): whole filters, a multiple of ``lanes`` of them, when ``lanes`` filters fit;
otherwise ``lanes`` filters cut along the dot product into slices that fit, the partial sums kept
between slices.

Storage. Activations are stored by *lines*: line ``(h, c)`` is the ``W`` values of row ``h`` of
channel ``c``, ordered row-major (``h`` then ``c``), so a PE's input window (a band of rows, all
channels) is a contiguous range of lines. The activation SRAM is one bank per PE tile; the first
lines of a tensor are spread evenly over the banks and the lines that do not fit stay in DRAM.
When a layer's input and output together exceed the SRAM, each keeps the same on-chip fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desim.accel.layer import LayerRecord

__all__ = [
    "ConvGeometry",
    "Partition",
    "LineStore",
    "WeightRounds",
    "compute_bound",
    "partition",
    "on_chip_lines",
]


@dataclass(frozen=True)
class ConvGeometry:
    """A layer's shapes as a convolution (one sample)."""

    C: int
    H: int
    W: int
    K: int
    R: int
    S: int
    P: int
    Q: int
    stride: tuple[int, int]
    padding: tuple[int, int]
    groups: int

    @classmethod
    def of(cls, layer: LayerRecord) -> ConvGeometry:
        """The geometry of ``layer`` (linear layers as 1 x 1 convolutions)."""
        if layer.kind == "linear":
            M, N = layer.weight.shape
            return cls(N, 1, 1, M, 1, 1, 1, 1, (1, 1), (0, 0), 1)
        K, Cg, R, S = layer.weight.shape
        C, H, W = layer.input_shape
        _, P, Q = layer.output_shape
        return cls(C, H, W, K, R, S, P, Q, layer.stride, layer.padding, layer.groups)

    @property
    def filter_size(self) -> int:
        """Weights per output (C / groups x R x S): the dot-product length."""
        return self.C // self.groups * self.R * self.S

    def input_rows(self, p0: int, p1: int) -> tuple[int, int]:
        """Padded input rows ``[r0, r1)`` that output rows ``[p0, p1]`` (inclusive) read."""
        return p0 * self.stride[0], p1 * self.stride[0] + self.R


def _runs(n: int, parts: int) -> list[tuple[int, int]]:
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


@dataclass(frozen=True)
class Partition:
    """Which outputs each PE computes: ``positions[i]`` and ``channels[i]`` (half-open)."""

    n_pos: int
    n_k: int
    position_runs: list[tuple[int, int]]
    channel_ranges: list[tuple[int, int]]

    def positions(self, pe: int) -> tuple[int, int]:
        return self.position_runs[pe // self.n_k]

    def channels(self, pe: int) -> tuple[int, int]:
        return self.channel_ranges[pe % self.n_k]

    def busiest_outputs(self) -> int:
        """Outputs of the PE with the most."""
        return max(b - a for a, b in self.position_runs) * max(
            b - a for a, b in self.channel_ranges
        )


def partition(geometry: ConvGeometry, pes: int, slack: float = 0.02, lanes: int = 1) -> Partition:
    """The work split of the module docstring.

    Examples
    --------
    AlexNet's conv3 (13 x 13 outputs, 384 channels): two runs of positions x 32 ranges of channels.

    >>> g = ConvGeometry(256, 13, 13, 384, 3, 3, 13, 13, (1, 1), (1, 1), 1)
    >>> p = partition(g, 64)
    >>> p.n_pos, p.n_k, p.busiest_outputs()
    (2, 32, 1020)
    """
    g = geometry
    positions = g.P * g.Q
    inputs, weights = g.C * g.H * g.W, g.K * g.filter_size
    options = []
    for n_pos in (n for n in range(1, pes + 1) if pes % n == 0):
        n_k = pes // n_pos
        channels = -(-g.K // n_k)
        work = -(-positions // n_pos) * -(-channels // lanes) * lanes
        options.append((work, n_k * inputs + n_pos * weights, n_pos, n_k))
    fewest = min(o[0] for o in options)
    _, _, n_pos, n_k = min((o for o in options if o[0] <= fewest * (1 + slack)), key=lambda o: o[1])
    return Partition(n_pos, n_k, _runs(positions, n_pos), _runs(g.K, n_k))


@dataclass(frozen=True)
class WeightRounds:
    """How a PE's filters are cut into weight rounds, each filling at most half of its
    double-buffered weight buffer (``half_bits``).

    ``filters`` output channels per round; each round's filters are cut along the dot product
    (``filter_size`` weights, in ``(c, r, s)`` order) into the half-open ``slices``. With
    ``lanes`` output channels served together, a round holds a multiple of ``lanes`` whole
    filters when ``lanes`` filters fit; else ``lanes`` filters in slices of the most weights
    that fit, as few and as even as possible, each a multiple of ``width`` (the dot-product
    elements a lane takes per cycle) long but the last.

    Examples
    --------
    VGG-16's conv4_2 (512 x 3 x 3 weights per filter, 16-bit) in a 16 KB half: a 4 x 4 array
    takes 4 filters in 3 slices (2,048 weights of 4 filters fill the half); a 16-wide dot
    product takes one whole filter.

    >>> r = WeightRounds.plan(4608, 16, 16 * 1024 * 8, lanes=4, width=4)
    >>> r.filters, r.slices
    (4, ((0, 1536), (1536, 3072), (3072, 4608)))
    >>> WeightRounds.plan(4608, 16, 16 * 1024 * 8, lanes=1, width=16).filters
    1
    """

    filters: int
    slices: tuple[tuple[int, int], ...]

    @classmethod
    def plan(
        cls, filter_size: int, value_bits: int, half_bits: int, lanes: int, width: int
    ) -> WeightRounds:
        """The rounds of the class docstring (``filters`` = 0: not even one slice of ``width``
        weights of ``lanes`` filters fits)."""
        whole = half_bits // (filter_size * value_bits)
        if whole >= lanes:
            return cls(whole // lanes * lanes, ((0, filter_size),))
        span = half_bits // (lanes * value_bits) // width * width
        if span == 0:
            return cls(0, ())
        pieces = -(-filter_size // span)  # as few slices as fit, as even as ``width`` allows
        even = -(-filter_size // (pieces * width)) * width
        bounds = range(0, filter_size, even)
        return cls(lanes, tuple((a, min(filter_size, a + even)) for a in bounds))


def compute_bound(part: Partition, rounds: WeightRounds, lanes: int = 1, width: int = 16) -> int:
    """The busiest PE's compute cycles, every operand in place: its positions x its channel
    groups (``ceil(channels / lanes)``) x the cycles of a dot product (``ceil(slice / width)``
    summed over the slices).

    Examples
    --------
    AlexNet's conv3 on 64 PEs: 85 positions x 12 channels; 16-wide dot products of 2,304 take
    144 cycles, 4 x 4 NFU groups of 4 channels 576 (2 slices of 1,152 / 4).

    >>> g = ConvGeometry(256, 13, 13, 384, 3, 3, 13, 13, (1, 1), (1, 1), 1)
    >>> dot = WeightRounds.plan(g.filter_size, 16, 131072, lanes=1, width=16)
    >>> nfu = WeightRounds.plan(g.filter_size, 16, 131072, lanes=4, width=4)
    >>> compute_bound(partition(g, 64), dot), compute_bound(partition(g, 64, lanes=4), nfu, 4, 4)
    (146880, 146880)
    """
    positions = max(b - a for a, b in part.position_runs)
    channels = max(b - a for a, b in part.channel_ranges)
    return positions * -(-channels // lanes) * sum(-(-(b - a) // width) for a, b in rounds.slices)


class LineStore:
    """Where each line of a ``(channels, rows, width)`` tensor lives: bank ``0..banks-1``, or
    ``banks`` (DRAM, behind the memory port) for the lines beyond ``on_chip_lines``."""

    def __init__(self, channels: int, rows: int, width: int, banks: int, on_chip_lines: int):
        self.channels, self.rows, self.width, self.banks = channels, rows, width, banks
        self.lines = channels * rows
        self.on_chip = min(self.lines, on_chip_lines)
        self.bounds = np.linspace(0, self.on_chip, banks + 1).round().astype(int)

    def owner(self, lines: np.ndarray) -> np.ndarray:
        """Bank of each line index (``banks`` for DRAM)."""
        owners = np.searchsorted(self.bounds, lines, side="right") - 1
        return np.where(lines >= self.on_chip, self.banks, np.minimum(owners, self.banks - 1))

    def line(self, row: np.ndarray | int, channel: np.ndarray | int) -> np.ndarray | int:
        """Line index of (row, channel)."""
        return row * self.channels + channel

    def held(self, bank: int) -> tuple[int, int]:
        """Lines ``[a, b)`` held by ``bank`` (``banks``: the DRAM's)."""
        if bank == self.banks:
            return self.on_chip, self.lines
        return int(self.bounds[bank]), int(self.bounds[bank + 1])


def on_chip_lines(
    in_lines: int, in_width: int, out_lines: int, out_width: int, capacity_values: int
) -> tuple[int, int]:
    """Lines of input and of output kept on chip when both share ``capacity_values``."""
    total = in_lines * in_width + out_lines * out_width
    if total <= capacity_values:
        return in_lines, out_lines
    fraction = capacity_values / total
    return int(in_lines * fraction), int(out_lines * fraction)
