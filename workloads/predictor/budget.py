"""Sharing the predictor's rank budget over a whole network.

The paper's "the prediction phase costs less than 5 % of the original feed-forward phase" can be
read per layer (each layer's predictor under 5 % of that layer's dense MACs, `rank_budget`) or
over the network (all predictors together under 5 % of the whole network's dense feed-forward).
The second lets a layer whose weights are far from low rank (a 64-input first layer) take more
rank than its own 5 % while a layer with a strong low-rank structure takes less.

`allocate_ranks` spends the shared budget one rank at a time on the predicted layer whose
truncated-SVD predictor is currently worst, measured on real inputs: the relative residual of the
pre-activation ``||(W - W_r) X||^2 / ||W X||^2`` over the training split (``W_r`` the rank-``r``
SVD truncation the predictor starts from). Greedy on the largest residual minimises the largest
residual (each layer's residual falls with its rank), so no layer is left far worse than the
others.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018 (the < 5 % prediction cost).
.. [2] C. Eckart, G. Young, "The approximation of one matrix by another of lower rank",
   Psychometrika 1, 1936 (the truncated SVD is the best rank-r approximation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from desim.accel.sparsenn_config import PREDICTOR_BUDGETS as BUDGETS
from desim.kernel.errors import ConfigError

__all__ = ["BUDGETS", "residuals", "allocate_ranks"]


def residuals(weight: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Relative residual of the rank-``r`` SVD truncation of ``weight`` on ``inputs``, for
    ``r = 0 .. min(m, n)``: ``||(W - W_r) X||^2 / ||W X||^2`` (1 at rank 0, 0 at full rank).

    Examples
    --------
    >>> w = np.diag([3.0, 1.0]); x = np.eye(2)
    >>> residuals(w, x).round(2).tolist()
    [1.0, 0.1, 0.0]
    """
    u, s, vh = np.linalg.svd(weight.astype(np.float64), full_matrices=False)
    # W X = sum_k s_k u_k (v_k . x): the k-th term's energy is s_k^2 ||v_k X||^2
    energy = s**2 * np.square(inputs.astype(np.float64) @ vh.T).sum(0)
    total = energy.sum() or 1.0
    return np.concatenate([[1.0], 1.0 - np.cumsum(energy) / total]).clip(0.0, 1.0)


def allocate_ranks(
    shapes: Mapping[int, tuple[int, int]],
    curves: Mapping[int, Sequence[float]],
    network_macs: int,
    overhead: float = 0.05,
) -> dict[int, int]:
    """Ranks of the predicted layers sharing ``overhead x network_macs``.

    Parameters
    ----------
    shapes : mapping of layer index to ``(m, n)``
        The predicted layers' weight shapes; a rank-``r`` predictor costs ``r (m + n)`` MACs.
    curves : mapping of layer index to sequence of float
        Each layer's relative residual by rank (`residuals`).
    network_macs : int
        The whole network's dense feed-forward MACs (every layer's ``m n``).
    overhead : float
        The share of ``network_macs`` all predictors together stay under.

    Raises
    ------
    ConfigError
        When rank 1 in every predicted layer already costs the budget.

    Examples
    --------
    >>> curves = {0: [1, 0.5, 0.4, 0.3], 1: [1, 0.9, 0.1, 0]}
    >>> allocate_ranks({0: (10, 10), 1: (10, 10)}, curves, 1000, 0.1)
    {0: 2, 1: 2}
    """
    budget = overhead * network_macs
    ranks = dict.fromkeys(shapes, 1)
    cost = sum(m + n for m, n in shapes.values())
    if cost >= budget:
        raise ConfigError(
            f"overhead {overhead:g} of the network's {network_macs} dense MACs leaves no "
            f"predictor rank: rank 1 in each predicted layer costs {cost} MACs; give an overhead "
            f"above {cost / network_macs:.3g}"
        )
    while True:
        open_layers = [i for i in ranks if ranks[i] + 1 < len(curves[i])]
        if not open_layers:
            return ranks
        worst = max(open_layers, key=lambda i: (curves[i][ranks[i]], -i))
        step = sum(shapes[worst])
        if cost + step >= budget:
            return ranks
        ranks[worst] += 1
        cost += step
