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

`search_ranks` (the default, ``budget="cost"``) charges each rank what it does at run time
instead: within the same shared budget it tries every vector of ranks (rank 0: the layer
computed in full) on a validation split, counting the predictor's MACs, the computed rows' MACs
over the non-zero inputs and the next layer's input thinned by the rows predicted dead
(`network_macs`), and keeps the cheapest that loses at most a given accuracy on the split.

References
----------
.. [1] J. Zhu et al., "SparseNN", DATE 2018 (the < 5 % prediction cost).
.. [2] C. Eckart, G. Young, "The approximation of one matrix by another of lower rank",
   Psychometrika 1, 1936 (the truncated SVD is the best rank-r approximation).
.. [3] A. Davis, I. Arel, "Low-Rank Approximations for Conditional Feedforward Computation in
   Deep Neural Networks", ICLR workshop 2014 (the low-rank sign as a gate on the rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from desim.accel.sparsenn_config import PREDICTOR_BUDGETS as BUDGETS
from desim.kernel.errors import ConfigError

__all__ = [
    "BUDGETS",
    "residuals",
    "allocate_ranks",
    "validation_indices",
    "network_macs",
    "search_ranks",
]


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


def validation_indices(train: Sequence[int], fraction: float = 0.2, seed: int = 0) -> list[int]:
    """The validation split: a seeded ``fraction`` of the training indices ``train`` (never the
    test set); `search_ranks` measures on it and the predictor is not trained on it.

    Examples
    --------
    >>> split = validation_indices(range(10), 0.2)
    >>> len(split), set(split) <= set(range(10))
    (2, True)
    """
    train = np.asarray(list(train))
    count = max(1, int(round(fraction * len(train))))
    return sorted(np.random.default_rng(seed).choice(train, count, replace=False).tolist())


def network_macs(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    inputs: np.ndarray,
    ranks: Mapping[int, int],
) -> tuple[float, np.ndarray]:
    """Mean MACs per input of the hardware's feed-forward with the truncated-SVD predictors of
    ``ranks`` (rank 0 or absent: every row), and the output logits.

    A layer ``m x n`` on an input with ``k`` non-zeros costs ``r (k + m)`` MACs of prediction
    (``V x`` over the non-zero inputs, then ``U z``) and ``k`` per row it computes (predicted
    live, or every row without a predictor); a row predicted dead is not computed, so it is zero
    in the next layer's input, which then has fewer non-zeros. The last layer has no ReLU and no
    predictor.
    """
    x, macs = inputs.astype(np.float64), 0.0
    for index, (weight, bias) in enumerate(zip(weights, biases, strict=True)):
        nonzero = (x != 0).sum(1)
        h = x @ weight.T + bias
        if index == len(weights) - 1:
            return macs + float((weight.shape[0] * nonzero).mean()), h
        rank = ranks.get(index, 0)
        live = np.ones(h.shape, dtype=bool)
        if rank:
            u, s, vh = np.linalg.svd(weight.astype(np.float64), full_matrices=False)
            live = (x @ (vh[:rank].T * s[:rank])) @ u[:, :rank].T + bias > 0
            macs += float((rank * (nonzero + weight.shape[0])).mean())
        macs += float((live.sum(1) * nonzero).mean())
        x = np.maximum(h, 0.0) * live
    raise ConfigError("network_macs needs at least one layer")


def search_ranks(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    inputs: np.ndarray,
    labels: np.ndarray,
    predicted: Sequence[int],
    overhead: float = 0.05,
    accuracy_loss: float = 0.005,
) -> dict[str, Any]:
    """The predictor ranks that save the most MACs within the network's budget, at no more than
    ``accuracy_loss`` of accuracy, on a validation split.

    The cost-aware reading of the paper's "less than 5 % of the original feed-forward phase":
    all predictors together cost under ``overhead`` of the network's dense MACs (each rank
    ``r (m + n)``), and within that budget every vector of ranks (rank 0: the layer is computed
    in full over its non-zero inputs, as the input-sparse baseline's) is charged what the
    hardware does with it on ``inputs`` (`network_macs`: the predictor's run-time MACs, the
    computed rows over the non-zero inputs, and the next layer's sparser input). The vector with
    the fewest MACs among those whose accuracy on ``labels`` is within ``accuracy_loss`` of the
    network without predictors wins (ties: the cheaper predictors). So a layer where no rank pays
    for its own run-time MACs and what it removes downstream, or whose predictor costs accuracy,
    gets rank 0. The predictors are the truncated SVD of each weight (the start of the end to end
    training, `workloads.predictor.model.LowRank`): the search does not train.

    The ranks are enumerated depth first, layer by layer, reusing each prefix's outputs: a
    layer's ``V x`` is computed once at the largest rank the budget leaves, and ``U_r z`` is
    accumulated one rank at a time.

    Parameters
    ----------
    weights, biases : sequence of ndarray
        The MLP's layers, in order (the last one, the classifier, is never predicted).
    inputs : ndarray
        Validation inputs, one per row (flattened).
    labels : ndarray
        Their classes.
    predicted : sequence of int
        Hidden layers that may get a predictor.
    overhead : float
        All predictors' dense MACs stay under this share of the network's dense MACs.
    accuracy_loss : float
        Largest accuracy drop on the validation split (0.005: half a point).

    Returns
    -------
    dict
        ``ranks`` (layer -> rank, rank > 0 only), ``macs`` (mean per input, the chosen ranks),
        ``input_sparse_macs`` (every row, no predictor), ``accuracy`` and
        ``accuracy_without_predictor`` on the split, ``candidates`` (rank vectors evaluated).

    References
    ----------
    .. [1] J. Zhu et al., "SparseNN", DATE 2018 (the < 5 % prediction cost).
    .. [2] A. Davis, I. Arel, "Low-Rank Approximations for Conditional Feedforward Computation
       in Deep Neural Networks", ICLR workshop 2014 (sign of the low-rank product as the gate).
    """
    hidden = len(weights) - 1
    shapes = [w.shape for w in weights]
    budget = overhead * sum(m * n for m, n in shapes)
    factors = {
        i: np.linalg.svd(weights[i].astype(np.float64), full_matrices=False) for i in predicted
    }
    results: list[tuple[float, float, float, tuple[int, ...]]] = []

    def descend(
        index: int, x: np.ndarray, macs: float, cost: float, ranks: tuple[int, ...]
    ) -> None:
        weight, bias = weights[index], biases[index]
        nonzero = (x != 0).sum(1)
        h = x @ weight.T + bias
        if index == hidden:
            correct = float((h.argmax(1) == labels).mean())
            results.append(
                (macs + float((shapes[index][0] * nonzero).mean()), cost, correct, ranks)
            )
            return
        m, n = shapes[index]
        every_row = float((m * nonzero).mean())
        descend(index + 1, np.maximum(h, 0.0), macs + every_row, cost, (*ranks, 0))
        if index not in factors:
            return
        top = int(min(min(m, n), np.ceil((budget - cost) / (m + n)) - 1))
        u, s, vh = factors[index]
        z = x @ (vh[:top].T * s[:top])
        p = np.broadcast_to(bias, h.shape).copy()
        for rank in range(1, top + 1):
            p += np.outer(z[:, rank - 1], u[:, rank - 1])
            live = p > 0
            spent = float((rank * (nonzero + m)).mean() + (live.sum(1) * nonzero).mean())
            descend(
                index + 1,
                np.maximum(h, 0.0) * live,
                macs + spent,
                cost + rank * (m + n),
                (*ranks, rank),
            )

    descend(0, inputs.astype(np.float64), 0.0, 0.0, ())
    plain = next(r for r in results if not any(r[3]))
    allowed = [r for r in results if r[2] >= plain[2] - accuracy_loss - 1e-12]
    macs, _, correct, ranks = min(allowed, key=lambda r: (r[0], r[1]))
    return {
        "ranks": {i: r for i, r in enumerate(ranks) if r},
        "macs": macs,
        "input_sparse_macs": plain[0],
        "accuracy": correct,
        "accuracy_without_predictor": plain[2],
        "candidates": len(results),
    }
