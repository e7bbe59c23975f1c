"""Multilayer perceptrons with ReLU hidden layers (e.g. 784-1000-1000-10)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["MLP"]


class MLP(nn.Module):
    """Fully connected network ``widths[0] -> ... -> widths[-1]``, ReLU between layers.

    Parameters
    ----------
    widths : sequence of int
        Layer widths including input and output, at least two.
    """

    def __init__(self, widths: Sequence[int]) -> None:
        super().__init__()
        if len(widths) < 2:
            raise ValueError(f"an MLP needs input and output widths, got {list(widths)}")
        self.widths = tuple(int(w) for w in widths)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(widths))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)
