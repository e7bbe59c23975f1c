"""SparseNN's functional side: row ownership, the predictor, the masked check, the oracle.

Everything here is plain numpy, no simulation: which PE owns which rows, the low-rank predictor
of a layer (given, or LRADNN's truncated SVD), the check of a masked layer against torch's output
(rows predicted live must match; rows predicted dead that torch found live are false
negatives), and the analytic cycle count of the compute a PE does once its inputs are delivered.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018.
.. [2] J. Zhu, Z. Qian, C.-Y. Tsui, "LRADNN: High-throughput and energy-efficient deep neural
   network accelerator using low rank approximation", ASP-DAC 2016 (the SVD predictor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desim.accel.layer import LayerRecord
from desim.accel.result import FunctionalMismatch

__all__ = [
    "Predictor",
    "MaskedCheck",
    "owners",
    "svd_predictor",
    "rank_for",
    "check_masked",
    "compute_cycles",
]


@dataclass(frozen=True, eq=False)
class Predictor:
    """``p = U (V x) + b``: ``u`` is ``(m, r)``, ``v`` is ``(r, n)``; a row lives if ``p > 0``."""

    u: np.ndarray
    v: np.ndarray

    @property
    def rank(self) -> int:
        """The factorisation's rank ``r``."""
        return int(self.v.shape[0])

    def mask(self, x: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """Rows predicted live for input ``x`` (numpy reference of what the PEs compute)."""
        p = self.u @ (self.v @ x)
        return (p + bias if bias is not None else p) > 0


@dataclass(frozen=True)
class MaskedCheck:
    """One sample of one masked layer checked against torch (counts of rows)."""

    error: float
    live: int
    predicted: int
    false_negatives: int
    false_positives: int


def owners(size: int, pes: int, mapping: str, frequency: np.ndarray | None = None) -> np.ndarray:
    """The PE owning each of ``size`` rows: ``i mod P`` (interleaved), contiguous blocks, or
    dealt by ``frequency`` (each row's kept frequency on training images: rows sorted by it,
    decreasing, dealt to PEs 0..P-1, then P-1..0, and so on, so that every PE gets as many rows
    as interleaving gives it and nearly the same expected kept rows).

    Examples
    --------
    >>> owners(5, 2, "interleaved").tolist(), owners(5, 2, "block").tolist()
    ([0, 1, 0, 1, 0], [0, 0, 0, 1, 1])
    >>> owners(5, 2, "frequency", np.array([0.1, 0.9, 0.8, 0.2, 0.5])).tolist()
    [0, 0, 1, 0, 1]
    """
    if mapping == "interleaved":
        return np.arange(size) % pes
    if mapping == "frequency":
        assert frequency is not None and len(frequency) == size
        order = np.argsort(-np.asarray(frequency), kind="stable")
        lap, position = np.divmod(np.arange(size), pes)
        dealt = np.where(lap % 2 == 0, position, pes - 1 - position)
        out = np.empty(size, dtype=np.int64)
        out[order] = dealt
        return out
    return np.repeat(np.arange(pes), [len(a) for a in np.array_split(np.arange(size), pes)])


def rank_for(rows: int, cols: int, overhead: float = 0.05) -> int:
    """Largest ``r`` with ``r (rows + cols) < overhead x rows x cols`` (at least 1).

    Examples
    --------
    >>> rank_for(1000, 784), rank_for(1000, 1000)
    (21, 24)
    """
    budget = overhead * rows * cols / (rows + cols)
    return max(1, int(np.ceil(budget)) - 1)


def svd_predictor(weight: np.ndarray, rank: int) -> Predictor:
    """LRADNN's predictor: ``W ~ U V`` from the truncated SVD.

    ``U = U_r S_r^1/2`` and ``V = S_r^1/2 V_r^T``.
    """
    u, s, vh = np.linalg.svd(weight.astype(np.float64), full_matrices=False)
    root = np.sqrt(s[:rank])
    return Predictor(
        (u[:, :rank] * root).astype(np.float32), (root[:, None] * vh[:rank]).astype(np.float32)
    )


def check_masked(
    layer: LayerRecord, sample: int, computed: np.ndarray, mask: np.ndarray, rtol: float = 1e-4
) -> MaskedCheck:
    """Check ``computed`` (rows where ``mask``; others ignored) against torch's ``sample`` output.

    Rows predicted live must equal torch's pre-activation output within ``rtol`` of its range
    (as `desim.accel.result.check_outputs`); rows predicted dead whose true output is positive
    are false negatives, rows predicted live whose true output is not positive false positives.

    Raises
    ------
    FunctionalMismatch
        If a predicted row differs from torch's.
    """
    reference = layer.output[sample]
    if computed.shape != reference.shape or mask.shape != reference.shape:
        raise FunctionalMismatch(
            f"{layer.name}: computed {computed.shape} with mask {mask.shape}, torch's output is "
            f"{reference.shape}"
        )
    scale = float(np.max(np.abs(reference))) or 1.0
    error = float(np.max(np.abs(computed[mask] - reference[mask]), initial=0.0)) / scale
    if not error <= rtol:
        raise FunctionalMismatch(
            f"{layer.name}, sample {sample}: predicted rows differ from torch's by {error:.3g} "
            f"of the output range (tolerance {rtol:g})"
        )
    live = reference > 0
    return MaskedCheck(
        error,
        int(live.sum()),
        int(mask.sum()),
        int((live & ~mask).sum()),
        int((~live & mask).sum()),
    )


def compute_cycles(macs: int, multipliers: int) -> int:
    """Cycles of ``macs`` products packed onto ``multipliers`` (the PE's step model).

    Examples
    --------
    >>> compute_cycles(33, 16), compute_cycles(0, 16)
    (3, 0)
    """
    return -(-macs // multipliers)
