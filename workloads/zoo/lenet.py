"""LeNet-5 on 1 x 32 x 32 images.

References
----------
.. [1] Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to document
   recognition", Proc. IEEE 86(11), 1998. The C1-S2-C3-S4-C5-F6 structure is kept; tanh and
   average subsampling are replaced by ReLU and max pooling (the sparsity desim studies comes from
   the ReLU), and C3 is fully connected to S2.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["LeNet5"]


class LeNet5(nn.Module):
    """conv 6@5x5 - pool - conv 16@5x5 - pool - fc 120 - fc 84 - fc ``num_classes``."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
