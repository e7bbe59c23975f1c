"""Compressed sparse row and column formats.

The array is viewed as a matrix ``(shape[0], rest)`` (a vector is one row). CSR stores
``rows + 1`` row pointers of ``bits_for(nnz)`` bits, then per non-zero its column index
(``bits_for(cols - 1)`` bits) and value (``value_bits``); CSC is CSR of the transpose.

Size: ``(rows + 1) * bits_for(nnz) + nnz * (bits_for(cols - 1) + value_bits)``.

References
----------
.. [1] Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, Sec. 3.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workloads.formats.base import Encoded, as_matrix, bits_for, check_widths

__all__ = ["CsrCodec", "CscCodec", "CsrEncoded"]


@dataclass(frozen=True, eq=False)
class CsrEncoded(Encoded):
    """Row pointers, column indices and values of the (possibly transposed) matrix view."""

    matrix_shape: tuple[int, int]
    pointers: np.ndarray
    indices: np.ndarray
    values: np.ndarray


def _csr_size(rows: int, cols: int, nnz: int, value_bits: int) -> int:
    return (rows + 1) * bits_for(nnz) + nnz * (bits_for(cols - 1) + value_bits)


class CsrCodec:
    """Compressed sparse row.

    Parameters
    ----------
    value_bits : int
        Bits per stored value.

    Examples
    --------
    >>> enc = CsrCodec().encode(np.array([[0, 2, 0], [1, 0, 3]]))
    >>> enc.pointers.tolist(), enc.indices.tolist(), enc.size_bits   # 3*2 + 3*(2+16)
    ([0, 1, 3], [1, 0, 2], 60)
    """

    name = "csr"
    transpose = False

    def __init__(self, value_bits: int = 16) -> None:
        check_widths(value_bits=value_bits)
        self.value_bits = value_bits

    def encode(self, array: np.ndarray) -> CsrEncoded:
        """Compress the matrix view of ``array`` (of its transpose for CSC)."""
        matrix = as_matrix(array)
        matrix = matrix.T if self.transpose else matrix
        rows, cols = np.nonzero(matrix)
        pointers = np.r_[0, np.cumsum(np.bincount(rows, minlength=matrix.shape[0]))]
        size = _csr_size(matrix.shape[0], matrix.shape[1], rows.size, self.value_bits)
        return CsrEncoded(
            tuple(array.shape),
            array.dtype,
            size,
            matrix.shape,
            pointers.astype(np.int64),
            cols.astype(np.int64),
            matrix[rows, cols],
        )

    def decode(self, encoded: CsrEncoded) -> np.ndarray:
        """Scatter the values back into a zero matrix."""
        matrix = np.zeros(encoded.matrix_shape, dtype=encoded.dtype)
        rows = np.repeat(np.arange(encoded.matrix_shape[0]), np.diff(encoded.pointers))
        matrix[rows, encoded.indices] = encoded.values
        return (matrix.T if self.transpose else matrix).reshape(encoded.shape)


class CscCodec(CsrCodec):
    """Compressed sparse column: CSR of the transposed matrix view (same parameters)."""

    name = "csc"
    transpose = True
