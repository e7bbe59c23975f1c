"""The memory SCNN's bulk PE work needs on a workload's layers, known before any layer runs.

`desim.accel.scnn_pe.step_cycles` holds, for one input channel of one Kc group, every PE's
activation slots (``I`` per activation vector) against the group's weight slots (``F`` per
weight vector), product by product where the bank hash has no period (and at plane borders), and
per-bank loads for every (activation vector, weight vector) step. So the multiplier array
(``multipliers_f x multipliers_i``) and the bank count (``accumulator_banks``) scale what a
layer allocates, by the layer's tiles and Kc: `layer_work_bytes` bounds it from above (dense
tiles, all of a Kc group's weights of the largest stride class), at the bytes per product and
per bank-step measured on LeNet-5 (26 and 7, rounded up). `desim.accel.scnn.Scnn.check_layers`
refuses a workload beyond `desim.accel.footprint.MAX_ACCEL_BYTES` with it, and a forced ``kc``
that fits no selected layer, before the first layer runs.

Examples
--------
>>> from desim.accel.scnn_pe import PeArray
>>> PRODUCT_BYTES, BANK_STEP_BYTES
(32, 16)
>>> work_bytes(activation_vectors=4, weight_slots=8, pe=PeArray(f=4, i=4, banks=32))
8192
"""

from __future__ import annotations

from typing import Any

import numpy as np

from desim.accel.layer import LayerRecord
from desim.accel.scnn_pe import PeArray
from desim.accel.scnn_plan import fit_kc, split

__all__ = ["BANK_STEP_BYTES", "PRODUCT_BYTES", "layer_work_bytes", "work_bytes"]

PRODUCT_BYTES = 32
"""Peak bytes per product held product by product (coordinates, bank, step key: 26 measured)."""

BANK_STEP_BYTES = 16
"""Peak bytes per (step, bank) load (an int32 load and its int64 count: 7 measured)."""


def work_bytes(activation_vectors: int, weight_slots: int, pe: PeArray) -> int:
    """Bytes of one input channel's work: ``activation_vectors x I`` activation slots against
    ``weight_slots`` weight slots, and a load per bank per step."""
    steps = activation_vectors * -(-weight_slots // pe.f)
    return activation_vectors * pe.i * weight_slots * PRODUCT_BYTES + steps * pe.banks * (
        BANK_STEP_BYTES
    )


def layer_work_bytes(layer: LayerRecord, grid: tuple[int, int], pe: PeArray, kc: Any) -> int:
    """An upper bound of the bytes `step_cycles` (or, for a linear layer, `fc_work`) holds at
    once on ``layer``; a conv layer's tiles and Kc are `fit_kc`'s (its `ConfigError` when a
    region or ``kc`` does not fit)."""
    rows, cols = grid
    if layer.kind == "linear":  # per PE: a load per bank per (input, weight vector of its band)
        outputs, inputs = layer.weight.shape[0], layer.weight.shape[1]
        if pe.conflict_model != "max":  # only the "max" charge counts loads
            return 0
        band = int(np.diff(split(outputs, rows * cols)).max())
        return inputs * -(-band // pe.f) * pe.banks * BANK_STEP_BYTES
    tiles, _, chosen = fit_kc(layer, grid, pe.accumulator_entries, kc)
    # `conv_work` calls `step_cycles` per stride class: the largest class's taps and positions
    (sr, ss), (taps_r, taps_s) = layer.stride, layer.weight.shape[2:]
    taps = -(-int(taps_r) // sr) * -(-int(taps_s) // ss)
    vectors = sum(
        -(-(-(-(r1 - r0) // sr) * -(-(c1 - c0) // ss)) // pe.i) for r0, r1, c0, c1 in tiles
    )
    return work_bytes(vectors, -(-chosen * taps // pe.f) * pe.f, pe)
