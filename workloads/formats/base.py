"""What every compressed format shares: the `Codec` protocol and bit-width helpers.

A codec turns a numpy array into an encoded record and back exactly (zeros are dropped and
restored; every stored value keeps its bits), and knows the record's exact size in bits given the
field widths it was built with. Values are stored at ``value_bits`` each (16-bit in SCNN); the
numpy values themselves are kept so the round trip is exact for any dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from desim.config import require
from desim.kernel.checks import check_value_bits

__all__ = ["Codec", "Encoded", "as_matrix", "bits_for", "check_widths"]


@dataclass(frozen=True, eq=False)
class Encoded:
    """Base of encoded records: the original shape and dtype, and the size in bits."""

    shape: tuple[int, ...]
    dtype: np.dtype
    size_bits: int


class Codec(Protocol):
    """A compressed format: ``decode(encode(a))`` equals ``a`` exactly."""

    name: str

    def encode(self, array: np.ndarray) -> Encoded:
        """Compress ``array``."""
        ...

    def decode(self, encoded: Encoded) -> np.ndarray:
        """Restore the array ``encode`` was given."""
        ...


def bits_for(largest: int) -> int:
    """Bits of an unsigned field that must hold values 0..``largest`` (at least 1).

    Examples
    --------
    >>> bits_for(15), bits_for(16), bits_for(0)
    (4, 5, 1)
    """
    return max(1, int(largest).bit_length())


def as_matrix(array: np.ndarray) -> np.ndarray:
    """The 2-D view sparse matrix formats work on: ``(shape[0], rest)``; 0-d and 1-d are one row."""
    if array.ndim <= 1:
        return array.reshape(1, array.size)
    return array.reshape(array.shape[0], int(np.prod(array.shape[1:], dtype=np.int64)))


def check_widths(**widths: int) -> None:
    """Validate field widths (positive integers; ``value_bits`` at most `MAX_VALUE_BITS`) on a
    codec's construction."""
    if "value_bits" in widths:
        check_value_bits("codec", "value_bits", widths["value_bits"])
    for name, value in widths.items():
        require(
            isinstance(value, int) and value > 0,
            f"{name} must be a positive integer, got {value!r}",
        )
