"""SCNN's compressed-sparse format: values with 4-bit zero-run lengths, per block.

Each block (one input channel's activation tile, or one channel's Kc x R x S weights) is stored as
a count of entries, then one entry per stored value: the value (``value_bits``) and the number of
zeros before it (``run_bits``, at most ``2**run_bits - 1`` = 15). A run longer than 15 inserts a
placeholder entry: value 0 after 15 zeros, covering 16 positions. Zeros after a block's last
non-zero are implicit (the block length is known).

Layout of one block: ``count (count_bits) | (value, run) x count``; size
``count_bits + count * (value_bits + run_bits)``.

References
----------
.. [1] A. Parashar et al., "SCNN: An Accelerator for Compressed-sparse Convolutional Neural
   Networks", ISCA 2017, Section IV (the data and index vectors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workloads.formats.base import Encoded, check_widths

__all__ = ["ScnnCodec", "ScnnEncoded"]


@dataclass(frozen=True, eq=False)
class ScnnEncoded(Encoded):
    """Entries of all blocks back to back; ``counts[b]`` entries belong to block ``b``."""

    block_len: int
    counts: np.ndarray
    values: np.ndarray
    runs: np.ndarray


class ScnnCodec:
    """The SCNN zero-run-length codec.

    Parameters
    ----------
    value_bits : int
        Bits per stored value (16 in SCNN).
    run_bits : int
        Bits of the zero count before each value (4 in SCNN).
    count_bits : int
        Bits of the per-block entry count (not published; 16 here).
    block_ndim : int
        A block is the last ``block_ndim`` axes (2: one channel's H x W tile of a C x H x W
        activation tensor).

    Examples
    --------
    >>> codec = ScnnCodec(block_ndim=1)
    >>> enc = codec.encode(np.array([0, 0, 3] + [0] * 20 + [5], dtype=np.float32))
    >>> enc.runs.tolist(), enc.values.tolist(), enc.size_bits   # placeholder for the 20 zeros
    ([2, 15, 4], [3.0, 0.0, 5.0], 76)
    """

    name = "scnn"

    def __init__(
        self, value_bits: int = 16, run_bits: int = 4, count_bits: int = 16, block_ndim: int = 2
    ) -> None:
        check_widths(
            value_bits=value_bits, run_bits=run_bits, count_bits=count_bits, block_ndim=block_ndim
        )
        self.value_bits, self.run_bits, self.count_bits = value_bits, run_bits, count_bits
        self.block_ndim = block_ndim

    def blocks(self, array: np.ndarray) -> np.ndarray:
        """The array as ``(number of blocks, block length)``."""
        tail = array.shape[max(0, array.ndim - self.block_ndim) :]
        block_len = int(np.prod(tail, dtype=np.int64))
        return array.reshape(array.size // block_len if block_len else 0, block_len)

    def encode(self, array: np.ndarray) -> ScnnEncoded:
        """Compress ``array`` block by block (vectorised over all non-zeros)."""
        blocks = self.blocks(array)
        rows, cols = np.nonzero(blocks)
        first = np.r_[True, rows[1:] != rows[:-1]] if rows.size else np.zeros(0, bool)
        previous = np.where(first, -1, np.r_[-1, cols[:-1]])
        gaps = cols - previous - 1
        span = 1 << self.run_bits  # positions covered by one placeholder
        placeholders = gaps // span
        per_value = placeholders + 1
        ends = np.cumsum(per_value) - 1
        values = np.zeros(int(per_value.sum()), dtype=array.dtype)
        runs = np.full(values.size, span - 1, dtype=np.int64)
        values[ends] = blocks[rows, cols]
        runs[ends] = gaps % span
        counts = np.bincount(rows, weights=per_value, minlength=blocks.shape[0]).astype(np.int64)
        size = self.count_bits * blocks.shape[0] + values.size * (self.value_bits + self.run_bits)
        return ScnnEncoded(
            tuple(array.shape), array.dtype, int(size), blocks.shape[1], counts, values, runs
        )

    def decode(self, encoded: ScnnEncoded) -> np.ndarray:
        """Expand the entries: each advances ``run + 1`` positions within its block."""
        out = np.zeros((encoded.counts.size, encoded.block_len), dtype=encoded.dtype)
        block = np.repeat(np.arange(encoded.counts.size), encoded.counts)
        advance = np.cumsum(encoded.runs + 1)
        before = np.r_[0, advance][np.cumsum(encoded.counts) - encoded.counts]
        out[block, advance - np.repeat(before, encoded.counts) - 1] = encoded.values
        return out.reshape(encoded.shape)
