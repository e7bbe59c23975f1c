"""Compressed sparse formats, registered in `desim.registry.FORMAT`.

Each registered object is a codec class: ``FORMAT.get("scnn")(value_bits=16)`` builds a codec with
``encode(array) -> Encoded`` (its ``size_bits`` exact) and ``decode(Encoded) -> array`` (exact).
"""

from __future__ import annotations

import numpy as np

from desim.registry import FORMAT
from workloads.formats.base import Codec, Encoded
from workloads.formats.simple import BitmapCodec, DenseCodec
from workloads.formats.sparse import CscCodec, CsrCodec
from workloads.formats.zrl import ScnnCodec

__all__ = [
    "Codec",
    "Encoded",
    "ScnnCodec",
    "CsrCodec",
    "CscCodec",
    "BitmapCodec",
    "DenseCodec",
    "codec",
    "sizes_bits",
]

for _cls in (ScnnCodec, CsrCodec, CscCodec, BitmapCodec, DenseCodec):
    FORMAT.register(_cls.name, _cls)


def codec(name: str, **params: int) -> Codec:
    """The codec registered as ``name``, built with ``params`` (unknown names list the valid)."""
    return FORMAT.get(name)(**params)


def sizes_bits(array: np.ndarray, value_bits: int = 16) -> dict[str, int]:
    """Exact size of ``array`` in every registered format at ``value_bits`` per value."""
    return {
        name: codec(name, value_bits=value_bits).encode(array).size_bits for name in FORMAT.names()
    }
