"""The model zoo, defined in the repo (no torchvision), registered in `desim.registry.MODEL`.

Every factory is ``factory(input_shape, num_classes, **options) -> torch.nn.Module`` and imports
torch only when called, so listing the zoo (``desim list model``) stays fast. Metadata:

``provenance``
    How a workload of this model gets its sparsity by default: ``"trained"`` (trained and pruned
    here, on offline data) or ``"calibrated"`` (real shapes, densities from the published tables).
``input_shape``
    The shape one sample must have; ``None`` when the model adapts to the dataset (MLPs).
``task``
    Which datasets fit: ``"digits"`` (10-class handwritten digits) or ``"imagenet"`` (photographs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from desim.registry import MODEL

__all__: list[str] = []

_DIGITS, _IMAGENET = "digits", "imagenet"


@MODEL.register("mlp", provenance="trained", input_shape=None, task=_DIGITS)
def mlp(
    input_shape: Sequence[int], num_classes: int = 10, hidden: Sequence[int] = (1000, 1000)
) -> Any:
    """ReLU MLP ``prod(input_shape) - hidden... - num_classes`` (default 784-1000-1000-10)."""
    from workloads.zoo.perceptron import MLP

    return MLP((math.prod(input_shape), *hidden, num_classes))


@MODEL.register("mlp_tiny", provenance="trained", input_shape=None, task=_DIGITS)
def mlp_tiny(input_shape: Sequence[int], num_classes: int = 10) -> Any:
    """A one-hidden-layer MLP of width 32, for tests."""
    return mlp(input_shape, num_classes, hidden=(32,))


@MODEL.register("lenet5", provenance="trained", input_shape=(1, 32, 32), task=_DIGITS)
def lenet5(input_shape: Sequence[int] = (1, 32, 32), num_classes: int = 10) -> Any:
    """LeNet-5 (LeCun et al. 1998) with ReLU, on 32 x 32 grey images."""
    from workloads.zoo.lenet import LeNet5

    return LeNet5(in_channels=input_shape[0], num_classes=num_classes)


def _imagenet(builder: str, input_shape: Sequence[int], num_classes: int, **options: Any) -> Any:
    from workloads.zoo.imagenet import VGG16, AlexNet
    from workloads.zoo.inception import GoogLeNet

    if builder == "googlenet":
        return GoogLeNet(num_classes=num_classes, **options)
    cls = AlexNet if builder == "alexnet" else VGG16
    return cls(image_size=input_shape[-1], num_classes=num_classes, **options)


@MODEL.register("alexnet", provenance="calibrated", input_shape=(3, 227, 227), task=_IMAGENET)
def alexnet(
    input_shape: Sequence[int] = (3, 227, 227), num_classes: int = 1000, classifier: bool = True
) -> Any:
    """AlexNet (Krizhevsky et al. 2012, Caffe's grouped version)."""
    return _imagenet("alexnet", input_shape, num_classes, classifier=classifier)


@MODEL.register("vgg16", provenance="calibrated", input_shape=(3, 224, 224), task=_IMAGENET)
def vgg16(
    input_shape: Sequence[int] = (3, 224, 224), num_classes: int = 1000, classifier: bool = True
) -> Any:
    """VGG-16 (Simonyan and Zisserman 2015, configuration D)."""
    return _imagenet("vgg16", input_shape, num_classes, classifier=classifier)


@MODEL.register("googlenet", provenance="calibrated", input_shape=(3, 224, 224), task=_IMAGENET)
def googlenet(
    input_shape: Sequence[int] = (3, 224, 224), num_classes: int = 1000, classifier: bool = True
) -> Any:
    """GoogLeNet / Inception v1 (Szegedy et al. 2015), 54 convolutions in 9 inception modules."""
    return _imagenet("googlenet", input_shape, num_classes, classifier=classifier)


@MODEL.register("tiny_alexnet", provenance="calibrated", input_shape=(3, 67, 67), task=_IMAGENET)
def tiny_alexnet(
    input_shape: Sequence[int] = (3, 67, 67), num_classes: int = 10, classifier: bool = True
) -> Any:
    """AlexNet's layer structure with 1/8 of the channels, on 67 x 67 images (tests)."""
    return _imagenet("alexnet", input_shape, num_classes, width_divisor=8, classifier=classifier)


@MODEL.register("tiny_vgg16", provenance="calibrated", input_shape=(3, 32, 32), task=_IMAGENET)
def tiny_vgg16(
    input_shape: Sequence[int] = (3, 32, 32), num_classes: int = 10, classifier: bool = True
) -> Any:
    """VGG-16's layer structure with 1/16 of the channels, on 32 x 32 images (tests)."""
    return _imagenet("vgg16", input_shape, num_classes, width_divisor=16, classifier=classifier)


@MODEL.register("tiny_googlenet", provenance="calibrated", input_shape=(3, 64, 64), task=_IMAGENET)
def tiny_googlenet(
    input_shape: Sequence[int] = (3, 64, 64), num_classes: int = 10, classifier: bool = True
) -> Any:
    """GoogLeNet's 57 convolutions with 1/16 of the channels, on 64 x 64 images (tests)."""
    return _imagenet("googlenet", input_shape, num_classes, width_divisor=16, classifier=classifier)
