"""Small building blocks shared by the model zoo."""

from __future__ import annotations

from typing import Any

import torch.nn as nn

__all__ = ["is_layer", "conv", "pooled_size"]


def is_layer(module: Any) -> bool:
    """Whether ``module`` is a layer desim models: a 2-D convolution or a linear layer."""
    return isinstance(module, (nn.Conv2d, nn.Linear))


def conv(
    in_channels: int,
    out_channels: int,
    kernel: int,
    stride: int = 1,
    padding: int | None = None,
    groups: int = 1,
) -> nn.Conv2d:
    """A biased convolution; ``padding`` defaults to "same" for odd kernels at stride 1."""
    pad = kernel // 2 if padding is None else padding
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=pad, groups=groups)


def pooled_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output side of a convolution or pooling window (floor mode).

    Examples
    --------
    >>> pooled_size(227, 11, 4)
    55
    """
    return (size + 2 * padding - kernel) // stride + 1
