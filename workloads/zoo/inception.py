"""GoogLeNet (Inception v1) with its nine inception modules: 54 convolutions in modules.

References
----------
.. [1] C. Szegedy et al., "Going deeper with convolutions", CVPR 2015, Table 1 (the channel
   counts below; branch 3 is the paper's 5x5 convolution). The auxiliary classifiers are training
   aids and are left out; the stem's LRN layers are kept (they do not change which values are 0).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

from workloads.zoo.layers import conv

__all__ = ["GoogLeNet", "Inception", "INCEPTION_TABLE"]

# name -> (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), Szegedy et al. Table 1
INCEPTION_TABLE: dict[str, tuple[int, int, int, int, int, int]] = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}
_POOL_BEFORE = ("inception4a", "inception5a")


class Inception(nn.Module):
    """Four branches (1x1; 1x1-3x3; 1x1-5x5; maxpool-1x1) concatenated on channels."""

    def __init__(self, in_channels: int, widths: tuple[int, ...]) -> None:
        super().__init__()
        w1, w3r, w3, w5r, w5, wp = widths
        self.b1 = conv(in_channels, w1, 1)
        self.b2_reduce, self.b2 = conv(in_channels, w3r, 1), conv(w3r, w3, 3)
        self.b3_reduce, self.b3 = conv(in_channels, w5r, 1), conv(w5r, w5, 5)
        self.b4_pool, self.b4 = nn.MaxPool2d(3, 1, padding=1), conv(in_channels, wp, 1)
        self.out_channels = w1 + w3 + w5 + wp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [
                F.relu(self.b1(x)),
                F.relu(self.b2(F.relu(self.b2_reduce(x)))),
                F.relu(self.b3(F.relu(self.b3_reduce(x)))),
                F.relu(self.b4(self.b4_pool(x))),
            ],
            dim=1,
        )


def _scaled(widths: tuple[int, ...], divisor: int) -> tuple[int, ...]:
    return tuple(max(2, w // divisor) for w in widths)


class GoogLeNet(nn.Module):
    """Stem (conv1, conv2_reduce, conv2), nine inception modules, global pool, FC.

    Parameters
    ----------
    num_classes : int
        Outputs of the final FC.
    width_divisor : int
        Divides every channel count (1 for the real network).
    classifier : bool
        Keep the final FC.
    """

    def __init__(
        self, num_classes: int = 1000, width_divisor: int = 1, classifier: bool = True
    ) -> None:
        super().__init__()
        c64, c192 = _scaled((64, 192), width_divisor)
        self.stem = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", conv(3, c64, 7, stride=2, padding=3)),
                    ("relu1", nn.ReLU()),
                    ("pool1", nn.MaxPool2d(3, 2, padding=1)),
                    ("norm1", nn.LocalResponseNorm(5)),
                    ("conv2_reduce", conv(c64, c64, 1)),
                    ("relu2_reduce", nn.ReLU()),
                    ("conv2", conv(c64, c192, 3)),
                    ("relu2", nn.ReLU()),
                    ("norm2", nn.LocalResponseNorm(5)),
                    ("pool2", nn.MaxPool2d(3, 2, padding=1)),
                ]
            )
        )
        blocks: list[tuple[str, nn.Module]] = []
        channels = c192
        for name, widths in INCEPTION_TABLE.items():
            if name in _POOL_BEFORE:
                blocks.append((f"pool_{name}", nn.MaxPool2d(3, 2, padding=1)))
            block = Inception(channels, _scaled(widths, width_divisor))
            blocks.append((name, block))
            channels = block.out_channels
        self.inceptions = nn.Sequential(OrderedDict(blocks))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(channels, num_classes) if classifier else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inceptions(self.stem(x))
        if self.fc is None:
            return x
        return self.fc(self.dropout(self.pool(x).flatten(1)))
