"""SparseNN's output-sparsity predictor: ``sign(U (V x) + b)`` guesses which ReLU outputs live.

Each hidden layer ``y = ReLU(W x + b)`` of an MLP gets a rank-``r`` factorisation ``W ~ U V``,
initialised from the truncated SVD of ``W`` (``U = U_r sqrt(S_r)``, ``V = sqrt(S_r) V_r^T``).
With the predictor on, a row is computed only where ``U (V x) + b > 0``:
``y = ReLU(W x + b) * 1[U (V x) + b > 0]``. The output layer (no ReLU) has no predictor, and a
hidden layer left out of the predicted ones is computed in full (every row).

The hard step has no gradient; `PredictedMLP` offers the three training signals compared in
docs/workloads.md: ``"ste"`` (straight-through: the step forward, the derivative of
``sigmoid(p / T)`` backward), ``"sigmoid"`` (the soft ``sigmoid(p / T)`` mask while training) and
``"aux"`` (the hard mask, plus a binary cross-entropy between ``sigmoid(p / T)`` and
``1[W x + b > 0]`` returned for the loss).

References
----------
.. [1] J. Zhu, J. Jiang, X. Chen, C.-Y. Tsui, "SparseNN: An Energy-Efficient Neural Network
   Accelerator Exploiting Input and Output Sparsity", DATE 2018.
.. [2] A. Davis, I. Arel, "Low-Rank Approximations for Conditional Feedforward Computation in
   Deep Neural Networks", ICLR workshop 2014.
.. [3] Y. Bengio, N. Leonard, A. Courville, "Estimating or Propagating Gradients Through
   Stochastic Neurons for Conditional Computation", arXiv 1308.3432, 2013.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

from desim.kernel.errors import ConfigError
from workloads.zoo.perceptron import MLP

__all__ = ["LowRank", "PredictedMLP", "rank_budget", "METHODS"]

METHODS = ("ste", "sigmoid", "aux")


def rank_budget(rows: int, cols: int, overhead: float = 0.05) -> int:
    """Largest ``r`` with ``r (rows + cols) < overhead * rows * cols``.

    Raises
    ------
    ConfigError
        When not even rank 1 fits the budget (a predictor of rank 1 costs
        ``(rows + cols) / (rows cols)`` of the layer's dense MACs).

    Examples
    --------
    >>> rank_budget(1000, 784), rank_budget(1000, 1000)
    (21, 24)
    >>> rank_budget(1000, 784, overhead=0.001)
    Traceback (most recent call last):
    ...
    desim.kernel.errors.ConfigError: overhead 0.001 leaves no predictor rank for a 1000 x 784 ...
    """
    r = (overhead * rows * cols) / (rows + cols)
    rank = int(r) - (1 if r == int(r) else 0)
    if rank < 1:
        raise ConfigError(
            f"overhead {overhead:g} leaves no predictor rank for a {rows} x {cols} layer: rank 1 "
            f"costs {(rows + cols) / (rows * cols):.3g} of its dense MACs; give an overhead "
            "above that"
        )
    return rank


class LowRank(nn.Module):
    """``x -> U (V x)``, initialised from the truncated SVD of ``weight``."""

    def __init__(self, weight: torch.Tensor, rank: int) -> None:
        super().__init__()
        u, s, vh = torch.linalg.svd(weight.detach(), full_matrices=False)
        root = s[:rank].sqrt()
        self.u = nn.Parameter(u[:, :rank] * root)
        self.v = nn.Parameter(root[:, None] * vh[:rank])

    @property
    def rank(self) -> int:
        """The factorisation's rank."""
        return self.u.shape[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.v.T) @ self.u.T


class PredictedMLP(nn.Module):
    """An `MLP` with a low-rank predictor on each of the chosen hidden layers.

    Parameters
    ----------
    mlp : MLP
        The trained network (shared, trained further end to end).
    ranks : mapping of int to int
        Hidden layer index -> its predictor's rank, for the predicted layers only; the other
        hidden layers compute every row.
    method : {"ste", "sigmoid", "aux"}
        The training signal through the step (see the module docstring).
    temperature : float
        ``T`` of the sigmoid surrogate.
    """

    def __init__(
        self, mlp: MLP, ranks: Mapping[int, int], method: str = "aux", temperature: float = 1.0
    ) -> None:
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
        self.mlp, self.method, self.temperature = mlp, method, temperature
        self.hidden = len(mlp.layers) - 1
        outside = sorted(set(ranks) - set(range(self.hidden)))
        if outside:
            raise ValueError(
                f"predicted layers {outside} are not hidden layers; valid: 0..{self.hidden - 1}"
            )
        self.predictors = nn.ModuleDict(
            {str(i): LowRank(mlp.layers[i].weight, ranks[i]) for i in sorted(ranks)}
        )
        self.use_predictor = True
        self.aux_loss = torch.zeros(())

    @property
    def predicted(self) -> list[int]:
        """Indices of the hidden layers that have a predictor."""
        return [int(i) for i in self.predictors]

    def _mask(self, p: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        hard = (p > 0).to(p.dtype)
        if not self.training:
            return hard
        soft = torch.sigmoid(p / self.temperature)
        if self.method == "ste":
            return hard + soft - soft.detach()
        if self.method == "sigmoid":
            return soft
        self.aux_loss = self.aux_loss + F.binary_cross_entropy(soft, (h > 0).to(p.dtype))
        return hard

    def hidden_step(self, index: int, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Hidden layer ``index`` on ``x``: pre-activation ``h``, predictor output ``p`` (None
        where the layer has no predictor) and output ``y``."""
        layer = self.mlp.layers[index]
        h = layer(x)
        y = F.relu(h)
        if str(index) not in self.predictors:
            return h, None, y
        p = self.predictors[str(index)](x) + layer.bias.detach()
        if self.use_predictor:
            y = y * self._mask(p, h)
        return h, p, y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.aux_loss = torch.zeros((), device=x.device)
        x = x.flatten(1)
        for index in range(self.hidden):
            x = self.hidden_step(index, x)[2]
        return self.mlp.layers[-1](x)
