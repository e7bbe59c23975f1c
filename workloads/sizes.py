"""Exact compressed sizes of a layer's weights and of one input sample, in every format.

The SCNN format is applied in SCNN's blocks: convolution weights per input channel (blocks of
K x R x S), activations per input channel (blocks of H x W); a linear layer's weights per input
column and its input vector as one block. The other formats take the arrays as stored.
"""

from __future__ import annotations

import numpy as np

from desim.registry import FORMAT
from workloads.formats import ScnnCodec, codec
from workloads.records import LayerRecord

__all__ = ["layer_sizes", "scnn_weight_view"]


def scnn_weight_view(record: LayerRecord) -> np.ndarray:
    """Weights as SCNN compresses them: input channel (or input column) first."""
    return np.swapaxes(record.weight, 0, 1)


def _sizes(array: np.ndarray, scnn: np.ndarray, block_ndim: int, value_bits: int) -> dict[str, int]:
    sizes = {}
    for name in FORMAT.names():
        if name == ScnnCodec.name:
            sizes[name] = ScnnCodec(value_bits, block_ndim=block_ndim).encode(scnn).size_bits
        else:
            sizes[name] = codec(name, value_bits=value_bits).encode(array).size_bits
    return sizes


def layer_sizes(record: LayerRecord, value_bits: int = 16) -> dict[str, dict[str, int]]:
    """``{"weight_bits": {format: bits}, "input_bits": {format: bits}}`` (input: sample 0)."""
    weight_blocks = record.weight.ndim - 1
    sample = record.input[0]
    return {
        "weight_bits": _sizes(record.weight, scnn_weight_view(record), weight_blocks, value_bits),
        "input_bits": _sizes(sample, sample, min(2, sample.ndim), value_bits),
    }
