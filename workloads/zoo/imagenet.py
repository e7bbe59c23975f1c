"""AlexNet and VGG-16 with their real ImageNet layer shapes (and narrow variants for tests).

References
----------
.. [1] A. Krizhevsky, I. Sutskever, G. Hinton, "ImageNet classification with deep convolutional
   neural networks", NIPS 2012 (the single-tower Caffe ``bvlc_alexnet`` with groups of 2 that
   Han et al. pruned).
.. [2] K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image
   recognition", ICLR 2015 (configuration D).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn

from workloads.zoo.layers import conv, pooled_size

__all__ = ["AlexNet", "VGG16", "VGG16_STAGES"]

# (stage, number of 3x3 convolutions, output channels)
VGG16_STAGES = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))


def _classifier(features: int, hidden: int, num_classes: int) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            [
                ("fc6", nn.Linear(features, hidden)),
                ("relu6", nn.ReLU()),
                ("drop6", nn.Dropout()),
                ("fc7", nn.Linear(hidden, hidden)),
                ("relu7", nn.ReLU()),
                ("drop7", nn.Dropout()),
                ("fc8", nn.Linear(hidden, num_classes)),
            ]
        )
    )


class _Backbone(nn.Module):
    """``features`` then, optionally, a flattening ``classifier``."""

    features: nn.Sequential
    classifier: nn.Sequential | None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return x if self.classifier is None else self.classifier(x.flatten(1))


class AlexNet(_Backbone):
    """Five convolutions (conv2, conv4, conv5 in two groups), LRN, three max pools, three FCs.

    Parameters
    ----------
    image_size : int
        Input side (227 for the real network).
    width_divisor : int
        Divides every channel count (1 for the real network).
    classifier : bool
        Keep fc6-fc8 (SCNN evaluates the convolutions only).
    """

    def __init__(
        self,
        image_size: int = 227,
        num_classes: int = 1000,
        width_divisor: int = 1,
        classifier: bool = True,
    ) -> None:
        super().__init__()
        c1, c2, c3 = (max(2, c // width_divisor) for c in (96, 256, 384))
        self.features = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", conv(3, c1, 11, stride=4, padding=0)),
                    ("relu1", nn.ReLU()),
                    ("norm1", nn.LocalResponseNorm(5)),
                    ("pool1", nn.MaxPool2d(3, 2)),
                    ("conv2", conv(c1, c2, 5, groups=2)),
                    ("relu2", nn.ReLU()),
                    ("norm2", nn.LocalResponseNorm(5)),
                    ("pool2", nn.MaxPool2d(3, 2)),
                    ("conv3", conv(c2, c3, 3)),
                    ("relu3", nn.ReLU()),
                    ("conv4", conv(c3, c3, 3, groups=2)),
                    ("relu4", nn.ReLU()),
                    ("conv5", conv(c3, c2, 3, groups=2)),
                    ("relu5", nn.ReLU()),
                    ("pool5", nn.MaxPool2d(3, 2)),
                ]
            )
        )
        side = pooled_size(image_size, 11, 4)
        for _ in range(3):
            side = pooled_size(side, 3, 2)
        hidden = max(2, 4096 // width_divisor)
        self.classifier = _classifier(c2 * side * side, hidden, num_classes) if classifier else None


class VGG16(_Backbone):
    """Thirteen 3x3 convolutions in five stages (``conv1_1`` ... ``conv5_3``), three FCs.

    Parameters are those of `AlexNet` (``image_size`` 224 for the real network).
    """

    def __init__(
        self,
        image_size: int = 224,
        num_classes: int = 1000,
        width_divisor: int = 1,
        classifier: bool = True,
    ) -> None:
        super().__init__()
        layers: list[tuple[str, nn.Module]] = []
        channels = 3
        for stage, count, width in VGG16_STAGES:
            width = max(2, width // width_divisor)
            for index in range(1, count + 1):
                layers += [
                    (f"conv{stage}_{index}", conv(channels, width, 3)),
                    (f"relu{stage}_{index}", nn.ReLU()),
                ]
                channels = width
            layers.append((f"pool{stage}", nn.MaxPool2d(2)))
        self.features = nn.Sequential(OrderedDict(layers))
        side = image_size // 32
        hidden = max(2, 4096 // width_divisor)
        self.classifier = (
            _classifier(channels * side * side, hidden, num_classes) if classifier else None
        )
