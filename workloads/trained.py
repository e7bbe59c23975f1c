"""Trained sparsity: a zoo model trained here on offline data, magnitude-pruned, fine-tuned.

The trained weights and accuracies are cached on disk keyed by the whole `TrainedSpec`
(`workloads.cache`), so a second run with the same spec only loads them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from desim.config import require
from desim.kernel.errors import ConfigError
from desim.registry import DATASET, MODEL
from workloads.cache import cached
from workloads.datasets import Dataset, load
from workloads.pruning import apply_masks, layer_weights, magnitude_masks
from workloads.training import TrainConfig, accuracy, train

__all__ = ["TrainedSpec", "TrainedModel", "trained_model", "build_model", "check_pair"]


@dataclass(frozen=True)
class TrainedSpec:
    """What to train and how to prune it.

    Attributes
    ----------
    model, dataset : str
        Registered names (`desim.registry.MODEL`, `DATASET`).
    hidden : tuple of int or None
        Hidden widths of an MLP (None: the model's default).
    density : float or None
        Fraction of weights kept by magnitude pruning (None: no pruning).
    scope : {"layer", "global"}
        Prune each layer to ``density`` or all weights together.
    train, finetune : TrainConfig
        Training from scratch, then fine-tuning of the surviving weights.
    test_fraction : float
        Held-out share of the dataset (stratified), never trained on.
    """

    model: str
    dataset: str
    hidden: tuple[int, ...] | None = None
    density: float | None = None
    scope: str = "global"
    train: TrainConfig = field(default_factory=TrainConfig)
    finetune: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=3))
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        require(
            self.density is None or 0 < self.density <= 1,
            f"density must be in (0, 1], got {self.density}",
        )
        require(
            0 < self.test_fraction < 1, f"test_fraction must be in (0, 1), got {self.test_fraction}"
        )


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained (and pruned) model with its held-out split and accuracies."""

    spec: TrainedSpec
    model: Any
    data: Dataset
    test_indices: np.ndarray
    dense_accuracy: float
    accuracy: float
    from_cache: bool


def check_pair(model: str, dataset: str) -> None:
    """Raise `ConfigError` unless ``dataset`` suits ``model`` (same task)."""
    model_task = MODEL.metadata(model)["task"]
    data_task = DATASET.metadata(dataset)["task"]
    if model_task != data_task:
        fitting = [n for n in DATASET.names() if DATASET.metadata(n)["task"] == model_task]
        raise ConfigError(
            f"model {model!r} does not take dataset {dataset!r}; "
            f"valid datasets for it: {', '.join(fitting)}"
        )


def build_model(spec: TrainedSpec, input_shape: tuple[int, ...]) -> Any:
    """The untrained model of ``spec``, seeded by ``spec.train.seed``."""
    import torch

    torch.manual_seed(spec.train.seed)
    options = {} if spec.hidden is None else {"hidden": spec.hidden}
    try:
        return MODEL.get(spec.model)(input_shape, **options)
    except TypeError:
        raise ConfigError(f"model {spec.model!r} takes no hidden widths") from None


def _fit(
    spec: TrainedSpec, model: Any, data: Dataset, train_idx: np.ndarray, test_idx: np.ndarray
) -> dict[str, Any]:
    images, labels = data.images, data.labels
    train(model, images[train_idx], labels[train_idx], spec.train)
    dense = accuracy(model, images[test_idx], labels[test_idx])
    if spec.density is not None:
        weights = layer_weights(model)
        masks = magnitude_masks(weights, spec.density, spec.scope)
        apply_masks(weights, masks)
        train(
            model,
            images[train_idx],
            labels[train_idx],
            spec.finetune,
            after_step=lambda: apply_masks(weights, masks),
        )
    return {
        "state": model.state_dict(),
        "dense_accuracy": dense,
        "accuracy": accuracy(model, images[test_idx], labels[test_idx]),
    }


def trained_model(spec: TrainedSpec) -> TrainedModel:
    """Train, prune and fine-tune ``spec``'s model, or load it from the cache."""
    check_pair(spec.model, spec.dataset)
    data = load(spec.dataset, MODEL.metadata(spec.model)["input_shape"])
    require(data.labels is not None, f"dataset {spec.dataset!r} has no labels to train on")
    train_idx, test_idx = data.split(spec.test_fraction, seed=spec.train.seed)
    model = build_model(spec, tuple(data.images.shape[1:]))
    result, hit = cached(
        "trained", asdict(spec), lambda: _fit(spec, model, data, train_idx, test_idx)
    )
    model.load_state_dict(result["state"])
    model.eval()
    return TrainedModel(
        spec, model, data, test_idx, float(result["dense_accuracy"]), float(result["accuracy"]), hit
    )
