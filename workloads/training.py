"""Training loops for the zoo's small models: minibatch Adam on offline data, on the CPU.

Kept deliberately plain: a seeded generator for shuffling, no scheduler, optional random shifts of
the images (data augmentation), and an optional weight mask that pruned weights keep to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from desim.config import require

__all__ = ["TrainConfig", "train", "accuracy", "predict"]


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained.

    Attributes
    ----------
    epochs : int
        Passes over the training split.
    batch_size : int
        Samples per step.
    learning_rate : float
        Adam's step size.
    shift_pixels : int
        Images are shifted by up to this many pixels each way (0: no augmentation).
    seed : int
        Seeds initialisation, shuffling and augmentation.
    """

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    shift_pixels: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        require(self.epochs >= 0, f"epochs must be >= 0, got {self.epochs}")
        require(self.batch_size > 0, f"batch_size must be > 0, got {self.batch_size}")
        require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        require(self.shift_pixels >= 0, f"shift_pixels must be >= 0, got {self.shift_pixels}")


def _shift(batch: Any, pixels: int, generator: Any) -> Any:
    """Roll each image by a random offset in [-pixels, pixels] along both axes (zero fill)."""
    import torch
    import torch.nn.functional as F

    if pixels == 0 or batch.ndim != 4:
        return batch
    padded = F.pad(batch, (pixels,) * 4)
    offsets = torch.randint(0, 2 * pixels + 1, (2,), generator=generator).tolist()
    h, w = batch.shape[-2:]
    return padded[..., offsets[0] : offsets[0] + h, offsets[1] : offsets[1] + w]


def train(
    model: Any,
    images: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    loss_fn: Callable[[Any, Any, Any], Any] | None = None,
    after_step: Callable[[], None] | None = None,
) -> Any:
    """Train ``model`` in place with cross-entropy (or ``loss_fn(model, x, y)``) and Adam.

    ``after_step`` runs after every optimiser step (pruning re-applies its masks there).
    """
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(config.seed)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    optimiser = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=config.learning_rate
    )
    compute = loss_fn or (lambda m, xb, yb: F.cross_entropy(m(xb), yb))
    model.train()
    for _ in range(config.epochs):
        for index in torch.randperm(len(x), generator=generator).split(config.batch_size):
            optimiser.zero_grad()
            compute(model, _shift(x[index], config.shift_pixels, generator), y[index]).backward()
            optimiser.step()
            if after_step is not None:
                after_step()
    model.eval()
    return model


def predict(model: Any, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Predicted classes of ``images`` (eval mode, no gradients)."""
    import torch

    model.eval()
    with torch.no_grad():
        chunks = [
            model(torch.from_numpy(images[i : i + batch_size])).argmax(1)
            for i in range(0, len(images), batch_size)
        ]
    return torch.cat(chunks).numpy()


def accuracy(model: Any, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``images`` classified correctly."""
    return float(np.mean(predict(model, images) == labels))
