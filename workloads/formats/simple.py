"""The bitmap format (one presence bit per element, then the non-zero values) and dense storage.

Bitmap size: ``numel + nnz * value_bits``. Dense size: ``numel * value_bits``.

References
----------
.. [1] A. Aimar et al., "NullHop: A flexible convolutional neural network accelerator based on
   sparse representations of feature maps", IEEE TNNLS 2019 (sparsity-map encoding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workloads.formats.base import Encoded, check_widths

__all__ = ["BitmapCodec", "DenseCodec", "BitmapEncoded", "DenseEncoded"]


@dataclass(frozen=True, eq=False)
class BitmapEncoded(Encoded):
    """Presence bits (flattened, row-major) and the non-zero values in that order."""

    mask: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class DenseEncoded(Encoded):
    """Every value, zeros included."""

    values: np.ndarray


class BitmapCodec:
    """Bitmap: a presence bit per element, ``value_bits`` per non-zero.

    Examples
    --------
    >>> BitmapCodec().encode(np.array([0.0, 2.0, 0.0, 1.0])).size_bits   # 4 + 2 * 16
    36
    """

    name = "bitmap"

    def __init__(self, value_bits: int = 16) -> None:
        check_widths(value_bits=value_bits)
        self.value_bits = value_bits

    def encode(self, array: np.ndarray) -> BitmapEncoded:
        """Split ``array`` into its presence mask and non-zero values."""
        flat = array.reshape(-1)
        mask = flat != 0
        size = flat.size + int(mask.sum()) * self.value_bits
        return BitmapEncoded(tuple(array.shape), array.dtype, size, mask, flat[mask])

    def decode(self, encoded: BitmapEncoded) -> np.ndarray:
        """Put the values back where the mask is set."""
        flat = np.zeros(encoded.mask.size, dtype=encoded.dtype)
        flat[encoded.mask] = encoded.values
        return flat.reshape(encoded.shape)


class DenseCodec:
    """Uncompressed storage, ``value_bits`` per element (the DCNN baseline)."""

    name = "dense"

    def __init__(self, value_bits: int = 16) -> None:
        check_widths(value_bits=value_bits)
        self.value_bits = value_bits

    def encode(self, array: np.ndarray) -> DenseEncoded:
        """Keep a copy of every value."""
        return DenseEncoded(
            tuple(array.shape), array.dtype, array.size * self.value_bits, array.copy()
        )

    def decode(self, encoded: DenseEncoded) -> np.ndarray:
        """The stored values."""
        return encoded.values.copy()
