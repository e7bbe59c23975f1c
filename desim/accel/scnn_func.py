"""What the SCNN PEs compute: per-PE partial sums, halos resolved at their owners.

Each PE convolves only its own input tile (input stationary), producing partial sums over its
accumulator region (`desim.accel.scnn_plan`); the partial sums outside its output tile are its
halo, added by the owning PE. Summing every PE's region into the plane at its place is exactly
that resolution, so the assembled plane equals the layer's output only if the tiling, the regions
and the halo routing are right (the run checks it against torch's, `check_outputs`).

Zero operands contribute nothing, so the partial sums are computed densely with numpy over the
tile's values; which products the hardware forms is the cycle model's business
(`desim.accel.scnn_pe`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from desim.accel.layer import LayerRecord
from desim.accel.scnn_plan import ConvPlan, split

__all__ = ["tile_partial_sums", "conv_outputs", "fc_outputs", "coded_mask", "rlc_entries"]


def coded_mask(mask: np.ndarray, max_run: int = 15) -> np.ndarray:
    """Which positions of each row of ``mask`` (True = non-zero) SCNN's zero-run-length code
    stores: the non-zeros and the zero-valued placeholders.

    Each stored value carries the count of zeros before it in ``log2(max_run + 1)`` bits; a run
    of more than ``max_run`` zeros stores a zero-valued placeholder at every ``max_run + 1``-th
    zero (Parashar et al., ISCA 2017, the compressed-sparse format). A placeholder is an entry
    of the stream like any other, so it takes a slot of the F or I vector. Trailing zeros cost
    nothing (the block's count ends it).

    Examples
    --------
    >>> mask = np.zeros((2, 40), bool)
    >>> mask[0, [3, 37]] = True    # 33 zeros between: placeholders at 19 and 35
    >>> np.flatnonzero(coded_mask(mask)[0]).tolist(), coded_mask(mask)[1].any()
    ([3, 19, 35, 37], np.False_)
    """
    out = mask.astype(bool, copy=True)
    rows, cols = np.nonzero(mask)
    previous = np.concatenate(([-1], cols[:-1]))
    starts = np.concatenate(([True], rows[1:] != rows[:-1])) if len(rows) else rows.astype(bool)
    previous[starts] = -1
    held = (cols - previous - 1) // (max_run + 1)  # placeholders before each non-zero
    which = np.repeat(np.arange(len(cols)), held)
    nth = np.arange(len(which)) - np.repeat(np.cumsum(held) - held, held) + 1
    out[rows[which], previous[which] + nth * (max_run + 1)] = True
    return out


def rlc_entries(mask: np.ndarray, max_run: int = 15) -> np.ndarray:
    """Entries of SCNN's zero-run-length code for each row of ``mask`` (True = non-zero): its
    non-zeros and placeholders (`coded_mask`).

    Examples
    --------
    >>> mask = np.zeros((3, 21), bool)
    >>> mask[0, [0, 2]] = True     # two values, short runs
    >>> mask[1, 20] = True         # 20 zeros first: one placeholder, then the value
    >>> rlc_entries(mask).tolist()
    [2, 2, 0]
    """
    return coded_mask(mask, max_run).sum(axis=1).astype(np.int64)


def tile_partial_sums(layer: LayerRecord, plan: ConvPlan, pe: int) -> np.ndarray:
    """PE ``pe``'s partial sums ``(K, region rows, region columns)`` from its input tile alone."""
    k_out = layer.weight.shape[0]
    r0, r1, c0, c1 = plan.regions[pe]
    if r1 <= r0 or c1 <= c0:
        return np.zeros((k_out, r1 - r0, c1 - c0), dtype=np.float32)
    taps_r, taps_s = layer.weight.shape[2:]
    (sr, ss), (pr, ps) = layer.stride, layer.padding
    x0, x1, y0, y1 = plan.input_tiles[pe]
    # the padded-input window the region reads, with everything outside the tile zeroed
    wr0, wc0 = r0 * sr, c0 * ss
    window = np.zeros(
        (layer.input.shape[1], (r1 - 1) * sr + taps_r - wr0, (c1 - 1) * ss + taps_s - wc0),
        dtype=np.float32,
    )
    lo_r, hi_r = max(x0 + pr, wr0), min(x1 + pr, wr0 + window.shape[1])
    lo_c, hi_c = max(y0 + ps, wc0), min(y1 + ps, wc0 + window.shape[2])
    if hi_r > lo_r and hi_c > lo_c:
        window[:, lo_r - wr0 : hi_r - wr0, lo_c - wc0 : hi_c - wc0] = layer.input[
            0, :, lo_r - pr : hi_r - pr, lo_c - ps : hi_c - ps
        ]
    patches = sliding_window_view(window, (taps_r, taps_s), axis=(1, 2))[:, ::sr, ::ss]
    groups = layer.groups
    k_per, c_per = k_out // groups, layer.weight.shape[1]
    return np.concatenate(
        [
            np.tensordot(
                layer.weight[g * k_per : (g + 1) * k_per],
                patches[g * c_per : (g + 1) * c_per],
                axes=([1, 2, 3], [0, 3, 4]),
            )
            for g in range(groups)
        ]
    )


def conv_outputs(layer: LayerRecord, plan: ConvPlan) -> np.ndarray:
    """The layer's output plane assembled from every PE's partial sums, plus the bias."""
    out = np.zeros(layer.output.shape[1:], dtype=np.float64)
    for pe in range(plan.pes):
        r0, r1, c0, c1 = plan.regions[pe]
        out[:, r0:r1, c0:c1] += tile_partial_sums(layer, plan, pe)
    if layer.bias is not None:
        out += layer.bias[:, None, None]
    return out.astype(np.float32)


def fc_outputs(layer: LayerRecord, pes: int) -> np.ndarray:
    """A fully connected layer's outputs, each PE computing its band of output neurons."""
    bounds = split(layer.weight.shape[0], pes)
    x = layer.input[0].reshape(-1)
    out = np.concatenate([layer.weight[bounds[p] : bounds[p + 1]] @ x for p in range(pes)]).astype(
        np.float64
    )
    if layer.bias is not None:
        out += layer.bias
    return out.astype(np.float32)
